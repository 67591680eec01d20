//! `AuthService::oauth_server`: the authorization server made from the service uses the
//! service's whole key set (rotation included) and its issuer — nothing loaded or wired a
//! second time.

use std::sync::Arc;

use auth_core::ManualClock;
use auth_core::flows::{AuthService, RecordingMailer, Stores};
use auth_core::oauth_server::{OAuthConfigError, OAuthStores};
use auth_core::password::PasswordHasher;
use auth_core::token::{Algorithm, KeySet, SigningKey};

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");

fn key(kid: &str, file: &str) -> SigningKey {
    let pem = std::fs::read(format!("{KEYS}/{file}")).unwrap();
    SigningKey::from_pem(kid, Algorithm::EdDSA, &pem).unwrap()
}

fn service(keys: KeySet, clock: Arc<ManualClock>) -> AuthService {
    AuthService::builder(keys, Stores::in_memory())
        .issuer("https://auth.example", "https://api.example")
        .mailer(Arc::new(RecordingMailer::default()))
        .hasher(PasswordHasher::insecure_fast_for_tests())
        .clock(clock)
        .build()
        .unwrap()
}

#[test]
fn the_server_publishes_every_key_of_the_service() {
    let mut keys = KeySet::new(key("old", "ed25519.pem"));
    keys.rotate(key("new", "ed25519-b.pem")).unwrap();
    let clock = Arc::new(ManualClock::at_unix(1_800_000_000));
    let service = service(keys, clock.clone());

    let server = service
        .oauth_server(service.oauth_server_config(), OAuthStores::in_memory())
        .unwrap();
    assert_eq!(server.config().issuer, "https://auth.example");
    assert_eq!(server.config().audience, "https://api.example");
    let mut kids: Vec<_> = server
        .jwks()
        .keys
        .iter()
        .filter_map(|jwk| jwk.common.key_id.clone())
        .collect();
    kids.sort();
    // A token signed before the rotation still verifies at the resource servers.
    assert_eq!(kids, ["new", "old"]);
}

#[test]
fn an_hmac_service_cannot_make_an_authorization_server() {
    let secret = SigningKey::hmac("k", Algorithm::HS256, &[7u8; 32]).unwrap();
    let clock = Arc::new(ManualClock::at_unix(1_800_000_000));
    let service = service(KeySet::new(secret), clock);
    let error = service
        .oauth_server(service.oauth_server_config(), OAuthStores::in_memory())
        .unwrap_err();
    assert!(
        matches!(error, OAuthConfigError::SymmetricSigningKey),
        "{error:?}"
    );
}
