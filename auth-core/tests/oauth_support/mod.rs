//! A ready authorization server on the in-memory stores with a manual clock, two clients
//! (confidential third-party, public first-party) and one user, and helpers to drive it.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::sync::Arc;
use std::time::Duration;

use auth_core::flows::Stores;
use auth_core::oauth_server::{
    AuthorizationRedirect, AuthorizeOutcome, AuthorizeRequest, ClientCredentials,
    ClientRegistration, OAuthError, OAuthServer, OAuthServerConfig, OAuthStores, ResourceOwner,
    TokenRequest, TokenResponse, UserInfoScopes,
};
use auth_core::store::memory::MemoryStores;
use auth_core::store::{AuditKind, OAuthClient, User, UserId};
use auth_core::token::{Algorithm, KeySet, Scope, SigningKey};
use auth_core::{Clock, ManualClock};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest as _, Sha256};

pub const ISSUER: &str = "https://auth.example.com";
pub const AUDIENCE: &str = "https://api.example.com";
pub const REDIRECT: &str = "https://app.example.com/cb";
pub const PUBLIC_REDIRECT: &str = "http://127.0.0.1:5173/callback";
pub const SCOPES: &str =
    "openid profile email offline_access read:profile read:groups manage:workflows";
pub const RSA_PEM: &[u8] = include_bytes!("../keys/rsa2048.pem");

pub struct Harness {
    pub server: OAuthServer,
    pub memory: MemoryStores,
    pub oauth: OAuthStores,
    pub clock: ManualClock,
    pub keys: KeySet,
    /// Confidential, third-party (asks for consent).
    pub client: OAuthClient,
    pub secret: String,
    /// Public, first-party (no consent).
    pub public: OAuthClient,
    pub user: User,
}

pub fn config() -> OAuthServerConfig {
    let mut config = OAuthServerConfig::new(ISSUER, AUDIENCE);
    config.supported_scopes = Scope::parse(SCOPES);
    let mut userinfo = UserInfoScopes::default();
    userinfo.access = Scope::parse("openid read:profile");
    userinfo.profile = Scope::parse("profile read:profile");
    userinfo.email = Scope::parse("email read:profile");
    userinfo.groups = Scope::parse("read:groups");
    config.userinfo_scopes = userinfo;
    config.resource_servers = vec![RESOURCE_SERVER.to_owned()];
    config
}

/// The client id registered as a resource server in [`config`] (no client is registered
/// under it until a test does).
pub const RESOURCE_SERVER: &str = "resource-api";

impl Harness {
    pub async fn new() -> Self {
        let clock = ManualClock::starting_now();
        let keys = KeySet::new(SigningKey::from_pem("as-2026", Algorithm::RS256, RSA_PEM).unwrap());
        let memory = MemoryStores::new();
        let oauth = OAuthStores::in_memory();
        let server = OAuthServer::new(
            config(),
            Stores::from(memory.clone()),
            oauth.clone(),
            &keys,
            Arc::new(clock.clone()),
        )
        .unwrap();
        let (client, secret) = server
            .register_client(
                ClientRegistration::confidential("Workflow studio")
                    .client_id("workflow-studio")
                    .redirect_uri(REDIRECT)
                    .scopes("openid profile email read:profile read:groups manage:workflows"),
            )
            .await
            .unwrap();
        let (public, none) = server
            .register_client(
                ClientRegistration::public("Dashboard")
                    .client_id("dashboard")
                    .redirect_uri(PUBLIC_REDIRECT)
                    .scopes("openid read:profile")
                    .first_party(true),
            )
            .await
            .unwrap();
        assert!(none.is_none());
        let mut user = User::new(UserId::generate().unwrap(), "kim@example.com", clock.now());
        user.display_name = Some("Kim".into());
        user.username = Some("kim".into());
        user.email_verified = true;
        user.roles = vec!["editors".into()];
        use auth_core::store::UserStore as _;
        memory.users.insert_user(&user).await.unwrap();
        Self {
            server,
            memory,
            oauth,
            clock,
            keys,
            client,
            secret: secret.unwrap().secret().to_owned(),
            public,
            user,
        }
    }

    pub fn owner(&self) -> ResourceOwner {
        ResourceOwner::new(self.user.id, self.clock.now())
    }

    pub fn advance(&self, seconds: u64) {
        self.clock.advance(Duration::from_secs(seconds));
    }

    /// The basic `Authorization` header of the confidential client.
    pub fn basic(&self) -> String {
        basic("workflow-studio", &self.secret)
    }

    pub fn credentials(&self) -> ClientCredentials {
        ClientCredentials::new(Some(self.basic()), None, None)
    }

    pub async fn authorize(
        &self,
        pairs: &[(&str, &str)],
        owner: Option<&ResourceOwner>,
    ) -> AuthorizeOutcome {
        self.server
            .authorize(
                &AuthorizeRequest::from_query_pairs(pairs.iter().copied()),
                owner,
            )
            .await
            .unwrap()
    }

    /// A code for the confidential client (consent given first), with `challenge`.
    pub async fn code(&self, challenge: &str, scope: &str, nonce: Option<&str>) -> String {
        let mut pairs = authorize_pairs("workflow-studio", REDIRECT, challenge, scope);
        if let Some(nonce) = nonce {
            pairs.push(("nonce", nonce));
        }
        let request = AuthorizeRequest::from_query_pairs(pairs.iter().copied());
        let outcome = self
            .server
            .decide_consent(&request, &self.owner(), true)
            .await
            .unwrap();
        code_of(&expect_redirect(outcome))
    }

    pub async fn exchange(
        &self,
        code: &str,
        verifier: &str,
        redirect: &str,
        authorization: Option<String>,
        extra: &[(&str, &str)],
    ) -> Result<TokenResponse, OAuthError> {
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
        ];
        pairs.extend_from_slice(extra);
        self.server
            .token(&TokenRequest::from_form_pairs(pairs, authorization))
            .await
    }

    /// A full code exchange for the confidential client.
    pub async fn tokens(&self, scope: &str) -> TokenResponse {
        let (verifier, challenge) = pkce();
        let code = self.code(&challenge, scope, Some("nonce-1")).await;
        self.exchange(&code, &verifier, REDIRECT, Some(self.basic()), &[])
            .await
            .unwrap()
    }

    pub async fn refresh(
        &self,
        refresh_token: &str,
        authorization: Option<String>,
        extra: &[(&str, &str)],
    ) -> Result<TokenResponse, OAuthError> {
        let mut pairs = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        pairs.extend_from_slice(extra);
        self.server
            .token(&TokenRequest::from_form_pairs(pairs, authorization))
            .await
    }

    pub async fn introspect_active(&self, token: &str) -> bool {
        self.server
            .introspect(&self.credentials(), Some(token), None)
            .await
            .unwrap()
            .active
    }

    pub async fn events(&self, kind: AuditKind) -> usize {
        use auth_core::store::AuditStore as _;
        self.memory
            .audit
            .events_for_user(self.user.id, 1000)
            .await
            .unwrap()
            .iter()
            .filter(|event| event.kind == kind)
            .count()
    }
}

pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// A fresh PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let token = auth_core::opaque::OpaqueToken::generate().unwrap();
    let verifier = format!("{}-v", token.secret());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub fn authorize_pairs<'a>(
    client_id: &'a str,
    redirect: &'a str,
    challenge: &'a str,
    scope: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("scope", scope),
        ("state", "st@te 1"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
}

pub fn expect_redirect(outcome: AuthorizeOutcome) -> AuthorizationRedirect {
    match outcome {
        AuthorizeOutcome::Redirect(redirect) => redirect,
        other => panic!("expected a redirect, got {other:?}"),
    }
}

/// The decoded query parameters of a redirect location.
pub fn query(location: &str) -> Vec<(String, String)> {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

pub fn param(location: &str, name: &str) -> Option<String> {
    query(location)
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

fn decode(value: &str) -> String {
    let bytes = value.replace('+', " ");
    let bytes = bytes.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

pub fn code_of(redirect: &AuthorizationRedirect) -> String {
    assert_eq!(
        redirect.error(),
        None,
        "expected a code: {}",
        redirect.location()
    );
    param(redirect.location(), "code").expect("the redirect carries a code")
}
