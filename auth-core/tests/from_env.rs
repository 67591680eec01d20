//! Issue 13, "configuration a host can load": `AuthServiceBuilder::from_env` / `from_vars`
//! with the seeds' variable names, and errors that name what to set without echoing a secret.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use auth_core::flows::{AuthServiceBuilder, EnvError, RecordingMailer, Stores};
use auth_core::password::{Password, PasswordHasher};

const SECRET: &str = "an HMAC secret of 32 bytes or more, not less";
const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");

fn from(vars: &[(&str, &str)]) -> Result<AuthServiceBuilder, EnvError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    AuthServiceBuilder::from_vars(Stores::in_memory(), |name| vars.get(name).cloned())
}

fn with_issuer<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut vars = vec![
        ("JWT_ISSUER", "https://auth.example.com"),
        ("JWT_AUDIENCE", "https://api.example.com"),
    ];
    vars.extend_from_slice(extra);
    vars
}

#[tokio::test]
async fn the_seed_variables_make_a_working_service() {
    let builder = from(&with_issuer(&[
        ("JWT_SECRET_KEY", SECRET),
        ("JWT_KEY_ID", "2026-12"),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", "10"),
        ("REFRESH_TOKEN_EXPIRE_DAYS", "7"),
    ]))
    .unwrap();
    let (service, token) = signed_up(builder).await;
    let claims = service.access_token_verifier().verify(&token).unwrap();
    assert_eq!(claims.iss, "https://auth.example.com");
    assert_eq!(claims.exp - claims.iat, 10 * 60);
    let header = auth_core::jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.kid.as_deref(), Some("2026-12"));
    let session = service.list_sessions(claims_user(&claims)).await.unwrap();
    let lifetime = session[0]
        .expires_at
        .duration_since(session[0].created_at)
        .unwrap();
    assert_eq!(lifetime, Duration::from_secs(7 * 24 * 3600));
}

/// The service `builder` makes, and the access token of a user who just signed up with it.
async fn signed_up(builder: AuthServiceBuilder) -> (auth_core::flows::AuthService, String) {
    let service = builder
        .mailer(Arc::new(RecordingMailer::default()))
        .hasher(PasswordHasher::insecure_fast_for_tests())
        .build()
        .unwrap();
    let (_, pair) = service
        .signup(
            "kim@example.com",
            Password::from("mauve-tulip-orbit-42"),
            &Default::default(),
        )
        .await
        .unwrap();
    let token = pair.access_token.token.secret().to_owned();
    (service, token)
}

fn claims_user(claims: &auth_core::token::Claims) -> auth_core::store::UserId {
    auth_core::store::UserId::parse(&claims.sub).unwrap()
}

#[tokio::test]
async fn a_pem_file_signs_with_the_algorithm_of_its_key() {
    for (file, algorithm) in [
        ("ed25519.pem", auth_core::token::Algorithm::EdDSA),
        ("p256.pem", auth_core::token::Algorithm::ES256),
        ("rsa2048.pem", auth_core::token::Algorithm::RS256),
    ] {
        let path = format!("{KEYS}/{file}");
        let (service, token) =
            signed_up(from(&with_issuer(&[("JWT_PRIVATE_KEY_FILE", &path)])).unwrap()).await;
        let token = token.as_str();
        let header = auth_core::jsonwebtoken::decode_header(token).unwrap();
        assert_eq!(header.alg, algorithm, "{file}");
        assert_eq!(header.kid.as_deref(), Some("default"), "{file}");
        service.access_token_verifier().verify(token).unwrap();
    }
}

#[track_caller]
fn refused(vars: &[(&str, &str)], names: &str) -> String {
    let error = from(vars).map(|_| ()).unwrap_err().to_string();
    assert!(error.contains(names), "{error}");
    assert!(
        !error.contains(SECRET) && !error.contains("short-secret"),
        "{error}"
    );
    error
}

#[test]
fn what_is_missing_or_wrong_is_named_and_no_secret_is_echoed() {
    refused(&with_issuer(&[]), "JWT_PRIVATE_KEY_FILE");
    refused(
        &with_issuer(&[("JWT_SECRET_KEY", "  ")]),
        "JWT_PRIVATE_KEY_FILE",
    );
    refused(
        &with_issuer(&[
            ("JWT_SECRET_KEY", SECRET),
            ("JWT_PRIVATE_KEY_FILE", "/k.pem"),
        ]),
        "both set",
    );
    refused(
        &with_issuer(&[("JWT_SECRET_KEY", "short-secret")]),
        "JWT_SECRET_KEY",
    );
    refused(&[("JWT_SECRET_KEY", SECRET)], "JWT_ISSUER");
    refused(
        &[
            ("JWT_SECRET_KEY", SECRET),
            ("JWT_ISSUER", "https://auth.example.com"),
        ],
        "JWT_AUDIENCE",
    );
    let missing = refused(
        &with_issuer(&[("JWT_PRIVATE_KEY_FILE", "/nonexistent/key.pem")]),
        "JWT_PRIVATE_KEY_FILE",
    );
    assert!(missing.contains("/nonexistent/key.pem"), "{missing}");
    refused(
        &with_issuer(&[("JWT_PRIVATE_KEY_FILE", &format!("{KEYS}/ed25519.pub.pem"))]),
        "JWT_PRIVATE_KEY_FILE",
    );
    refused(
        &with_issuer(&[("JWT_PRIVATE_KEY_FILE", &format!("{KEYS}/rsa1024.pem"))]),
        "JWT_PRIVATE_KEY_FILE",
    );
    for bad in ["0", "ten", "-5", "1441", "1.5"] {
        refused(
            &with_issuer(&[
                ("JWT_SECRET_KEY", SECRET),
                ("ACCESS_TOKEN_EXPIRE_MINUTES", bad),
            ]),
            "ACCESS_TOKEN_EXPIRE_MINUTES",
        );
    }
    refused(
        &with_issuer(&[
            ("JWT_SECRET_KEY", SECRET),
            ("REFRESH_TOKEN_EXPIRE_DAYS", "0"),
        ]),
        "REFRESH_TOKEN_EXPIRE_DAYS",
    );
}
