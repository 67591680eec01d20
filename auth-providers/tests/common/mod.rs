//! Shared helpers: a local mock provider (wiremock), test keys, token signing.

#![allow(dead_code)] // each test binary uses a different subset

use std::sync::Arc;
use std::time::Duration;

use auth_core::ManualClock;
use auth_core::jsonwebtoken::{self, EncodingKey, Header};
use auth_core::token::{Algorithm, SigningKey};
use auth_providers::{
    ClientSecret, Credentials, HttpClient, LoginFlow, LoginStart, MemoryPendingLoginStore,
    OAuthProvider,
};
use serde_json::{Value, json};
use url::Url;
use wiremock::MockServer;

pub const NOW: u64 = 1_800_000_000;
pub const CLIENT_ID: &str = "client-123";
pub const RSA1: &[u8] = include_bytes!("../keys/rsa1.pem");
pub const RSA2: &[u8] = include_bytes!("../keys/rsa2.pem");
pub const ATTACKER: &[u8] = include_bytes!("../keys/attacker.pem");

pub fn credentials(server: &MockServer) -> Credentials {
    Credentials::new(
        CLIENT_ID,
        ClientSecret::new("s3cret-value"),
        Url::parse(&format!("{}/app/callback", server.uri())).unwrap(),
    )
}

pub fn base(server: &MockServer) -> Url {
    Url::parse(&server.uri()).unwrap()
}

/// The public JWK of `pem` under `kid`, as a provider's JWKS would list it.
pub fn jwk(kid: &str, pem: &[u8]) -> Value {
    let key = SigningKey::from_pem(kid, Algorithm::RS256, pem).unwrap();
    serde_json::to_value(key.verification_key().public_jwk().unwrap()).unwrap()
}

pub fn jwks(keys: &[(&str, &[u8])]) -> Value {
    json!({ "keys": keys.iter().map(|(kid, pem)| jwk(kid, pem)).collect::<Vec<_>>() })
}

/// Signs `claims` with `pem` (RS256), header `kid` and `typ`.
pub fn sign(kid: &str, pem: &[u8], typ: &str, claims: &Value) -> String {
    // Loading through auth-core installs jsonwebtoken's crypto provider first.
    let _ = SigningKey::from_pem(kid, Algorithm::RS256, pem).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    header.typ = Some(typ.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(pem).unwrap()).unwrap()
}

pub fn clock() -> ManualClock {
    ManualClock::at_unix(NOW)
}

pub fn http() -> HttpClient {
    HttpClient::with_timeout(Duration::from_millis(500)).unwrap()
}

pub fn flow(clock: &ManualClock, providers: Vec<Arc<dyn OAuthProvider>>) -> LoginFlow {
    // The flow passes its clock's time to the store.
    let store = MemoryPendingLoginStore::new();
    let mut flow = LoginFlow::new(Arc::new(store), http()).with_clock(Arc::new(clock.clone()));
    for provider in providers {
        flow.add_provider(provider).unwrap();
    }
    flow
}

/// A started login, with the parameters its URL carries.
pub struct Started {
    pub start: LoginStart,
    pub state: String,
    pub nonce: Option<String>,
    pub challenge: String,
}

impl Started {
    pub fn binding(&self) -> &str {
        self.start.browser_binding.expose_secret()
    }

    pub fn param(&self, name: &str) -> Option<String> {
        self.start
            .authorization_url
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    pub fn callback_query(&self, code: &str) -> String {
        format!("code={code}&state={}", self.state)
    }
}

pub async fn start(flow: &LoginFlow, provider: &str) -> Started {
    let start = flow.start(provider).await.unwrap();
    let get = |name: &str| {
        start
            .authorization_url
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    let state = get("state").unwrap();
    let nonce = get("nonce");
    let challenge = get("code_challenge").unwrap();
    Started {
        start,
        state,
        nonce,
        challenge,
    }
}

/// id_token claims for `nonce`, valid at NOW.
pub fn id_claims(issuer: &str, nonce: &str) -> Value {
    json!({
        "iss": issuer, "aud": CLIENT_ID, "sub": "110169484474386276334",
        "iat": NOW, "exp": NOW + 3600, "nonce": nonce,
        "email": "kim@example.com", "email_verified": true,
        "name": "Kim Min", "picture": "https://lh3.example/photo.jpg", "locale": "ko"
    })
}

pub fn token_json(extra: Value) -> Value {
    let mut body = json!({"access_token": "provider-access-token", "token_type": "Bearer", "expires_in": 3599});
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    body
}

/// How many requests the server got for `path`.
pub async fn hits(server: &MockServer, path: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|request| request.url.path() == path)
        .count()
}

/// Matches a token request whose `code_verifier` hashes (S256) to `challenge` and whose `code`
/// is `code`: proves PKCE end to end.
pub struct PkceMatches {
    pub challenge: String,
    pub code: String,
}

impl wiremock::Match for PkceMatches {
    fn matches(&self, request: &wiremock::Request) -> bool {
        use base64::Engine as _;
        use sha2::Digest as _;
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let Some(verifier) = get("code_verifier") else {
            return false;
        };
        let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        computed == self.challenge
            && get("code").as_deref() == Some(self.code.as_str())
            && get("grant_type").as_deref() == Some("authorization_code")
    }
}
