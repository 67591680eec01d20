//! Issue 13, "configuration a host can load": `AuthServiceBuilder::from_env` / `from_vars`
//! with the seeds' variable names, and errors that name what to set without echoing a secret.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use auth_core::env::EnvError;
use auth_core::flows::{AuthServiceBuilder, RecordingMailer, Stores};
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

#[test]
fn the_refresh_grace_and_revocation_cache_are_range_checked() {
    for (name, bad) in [
        ("REFRESH_REUSE_GRACE_SECONDS", "61"),
        ("REFRESH_REUSE_GRACE_SECONDS", "-1"),
        ("REVOCATION_CACHE_SECONDS", "3601"),
        ("REVOCATION_CACHE_SECONDS", "soon"),
    ] {
        refused(
            &with_issuer(&[("JWT_SECRET_KEY", SECRET), (name, bad)]),
            name,
        );
    }
    let builder = from(&with_issuer(&[
        ("JWT_SECRET_KEY", SECRET),
        ("REFRESH_REUSE_GRACE_SECONDS", "0"),
        ("REFRESH_TOKEN_EXPIRE_DAYS", "7"),
    ]))
    .unwrap();
    let service = builder
        .mailer(Arc::new(RecordingMailer::default()))
        .build()
        .unwrap();
    // Both settings land in the one config: neither replaces the other.
    assert_eq!(service.config().refresh_reuse_grace, Duration::ZERO);
    assert_eq!(
        service.config().refresh_token_lifetime,
        Duration::from_secs(7 * 24 * 3600)
    );
}

/// A session revoked behind the service's back (another instance, an admin tool writing the
/// store) is refused at once with `REVOCATION_CACHE_SECONDS=0`, and only after the cache
/// window with a long one: the variable reaches the checker.
#[tokio::test]
async fn revocation_cache_seconds_bounds_how_long_a_revoked_session_is_trusted() {
    for (seconds, refused_at_once) in [("0", true), ("3600", false)] {
        let builder = from(&with_issuer(&[
            ("JWT_SECRET_KEY", SECRET),
            ("REVOCATION_CACHE_SECONDS", seconds),
        ]))
        .unwrap();
        let (service, token) = signed_up(builder).await;
        let claims = service.access_token_verifier().verify(&token).unwrap();
        let checker = service.revocation_checker();
        checker
            .check(&claims)
            .await
            .expect("a fresh session is live");
        let sid = auth_core::store::SessionId::parse(claims.sid.as_deref().unwrap()).unwrap();
        service
            .stores()
            .sessions
            .revoke_session(
                sid,
                auth_core::store::RevokeReason::Logout,
                std::time::SystemTime::now(),
            )
            .await
            .unwrap();
        assert_eq!(
            checker.check(&claims).await.is_err(),
            refused_at_once,
            "REVOCATION_CACHE_SECONDS={seconds}"
        );
    }
}
