//! auth-core's OAuth authorization server over the SeaORM store on SQLite: a code exchanged,
//! refreshed, replayed (which revokes the grant), with the rows checked in the tables
//! themselves (hashes only, never codes, tokens or client secrets).

mod support;

use std::sync::Arc;

use auth_core::oauth_server::{
    AuthorizeOutcome, AuthorizeRequest, ClientRegistration, OAuthError, OAuthServer,
    OAuthServerConfig, ResourceOwner, TokenRequest,
};
use auth_core::store::{RevokeReason, SessionStore, User, UserId, UserStore};
use auth_core::token::{Algorithm, KeySet, SigningKey};
use auth_core::{Clock, ManualClock};
use auth_storage_seaorm::entity::{authorization_code, oauth_client};
use auth_storage_seaorm::sea_orm::EntityTrait;
use support::TestDb;

const REDIRECT: &str = "https://app.example/cb";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const RSA_PEM: &[u8] = include_bytes!("../../auth-core/tests/keys/rsa2048.pem");

fn token_request(code: &str) -> TokenRequest {
    TokenRequest::from_form_pairs(
        [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", "dashboard"),
        ],
        None,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_refresh_and_replay_on_sqlite() {
    let db = TestDb::sqlite_file().await;
    let clock = ManualClock::starting_now();
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let keys = KeySet::new(SigningKey::from_pem("as", Algorithm::RS256, RSA_PEM).expect("key"));
    let server = OAuthServer::new(
        OAuthServerConfig::new("https://auth.example", "https://api.example"),
        db.store.clone().into_stores(),
        db.store.clone().into_oauth_stores(),
        &keys,
        shared,
    )
    .expect("server");
    let (_, secret) = server
        .register_client(
            ClientRegistration::public("Dashboard")
                .client_id("dashboard")
                .redirect_uri(REDIRECT)
                .scopes("openid profile")
                .first_party(true),
        )
        .await
        .expect("register");
    assert!(secret.is_none());
    let (_, secret) = server
        .register_client(
            ClientRegistration::confidential("Backend")
                .client_id("backend")
                .redirect_uri(REDIRECT),
        )
        .await
        .expect("register");
    let secret = secret.expect("secret");
    let row = oauth_client::Entity::find_by_id("backend".to_owned())
        .one(db.store.connection())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.secret_hash.as_ref().map(String::len), Some(64));
    assert_ne!(row.secret_hash.as_deref(), Some(secret.secret()));

    let user = User::new(UserId::generate().unwrap(), "kim@example.com", clock.now());
    db.store.insert_user(&user).await.unwrap();
    let owner = ResourceOwner::new(user.id, clock.now());
    let request = AuthorizeRequest::from_query_pairs([
        ("response_type", "code"),
        ("client_id", "dashboard"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid profile"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]);
    let AuthorizeOutcome::Redirect(redirect) =
        server.authorize(&request, Some(&owner)).await.unwrap()
    else {
        panic!("expected a redirect");
    };
    let code = redirect
        .location()
        .split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("code="))
        .expect("code")
        .to_owned();
    let rows = authorization_code::Entity::find()
        .all(db.store.connection())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].hash, code, "the code is stored only as its hash");

    let tokens = server.token(&token_request(&code)).await.expect("exchange");
    let refreshed = server
        .token(&TokenRequest::from_form_pairs(
            [
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens.refresh_token.secret()),
                ("client_id", "dashboard"),
            ],
            None,
        ))
        .await
        .expect("refresh");
    assert_eq!(refreshed.session_id, tokens.session_id);

    // The code again: refused, and the grant it started is revoked in the database.
    let replay = server.token(&token_request(&code)).await;
    assert!(
        matches!(replay, Err(OAuthError::InvalidGrant(_))),
        "{replay:?}"
    );
    let session = db.store.session(tokens.session_id).await.unwrap().unwrap();
    assert_eq!(
        session.revoke_reason,
        Some(RevokeReason::AuthorizationCodeReplay)
    );
    assert!(
        server
            .userinfo(refreshed.access_token.token.secret())
            .await
            .is_err()
    );
    db.drop_all().await;
}
