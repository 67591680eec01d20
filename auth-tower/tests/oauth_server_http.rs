//! The authorization-server endpoints over HTTP, through axum (`tower::ServiceExt::oneshot`):
//! every endpoint's success path, and the failure paths that are about HTTP (pages, cookies,
//! CSRF, headers, status codes). The grant rules themselves are tested exhaustively in
//! auth-core's `tests/oauth_server.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use auth_core::flows::{AuthConfig, AuthService, ClientInfo, RecordingMailer, Stores};
use auth_core::oauth_server::{
    ClientRegistration, OAuthServer, OAuthServerConfig, OAuthStores, UserInfoScopes,
};
use auth_core::password::{Password, PasswordHasher};
use auth_core::store::memory::MemoryStores;
use auth_core::store::{OAuthClient, OAuthClientStore, StoreError};
use auth_core::token::{AccessTokenIssuer, Algorithm, IssuerConfig, KeySet, Scope, SigningKey};
use auth_core::{Clock, ManualClock};
use auth_tower::oauth_server::{OAuthEndpoints, OAuthEndpointsConfig};
use axum::Router;
use axum::body::Body;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::BodyExt as _;
use sha2::{Digest as _, Sha256};
use tower::ServiceExt as _;

const ISSUER: &str = "https://auth.example.com";
const AUDIENCE: &str = "https://api.example.com";
const REDIRECT: &str = "https://app.example.com/cb";
const PUBLIC_REDIRECT: &str = "http://127.0.0.1:5173/callback";
const SCOPES: &str =
    "openid profile email offline_access read:profile read:groups manage:workflows";
const EMAIL: &str = "kim@example.com";
const PASSWORD: &str = "mauve-tulip-orbit-42";
const RSA_PEM: &[u8] = include_bytes!("../../auth-core/tests/keys/rsa2048.pem");

/// The authorization server's sign-in cookie.
const SESSION_COOKIE: &str = "__Host-oauth-session";

struct Harness {
    app: Router,
    clock: ManualClock,
    secret: String,
    jar: BTreeMap<String, String>,
    /// While `true`, the client store answers as an unreachable database would.
    outage: Arc<AtomicBool>,
}

/// The memory client store behind a switch: down while `outage` is set.
struct SwitchedClients {
    inner: Arc<dyn OAuthClientStore>,
    outage: Arc<AtomicBool>,
}

impl SwitchedClients {
    fn check(&self) -> Result<(), StoreError> {
        if self.outage.load(Ordering::SeqCst) {
            Err(StoreError::unavailable(std::io::Error::from(
                std::io::ErrorKind::ConnectionRefused,
            )))
        } else {
            Ok(())
        }
    }
}

#[auth_core::async_trait]
impl OAuthClientStore for SwitchedClients {
    async fn insert_client(&self, client: &OAuthClient) -> Result<(), StoreError> {
        self.check()?;
        self.inner.insert_client(client).await
    }
    async fn client(&self, client_id: &str) -> Result<Option<OAuthClient>, StoreError> {
        self.check()?;
        self.inner.client(client_id).await
    }
    async fn update_client(&self, client: &OAuthClient) -> Result<(), StoreError> {
        self.check()?;
        self.inner.update_client(client).await
    }
    async fn delete_client(&self, client_id: &str) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.delete_client(client_id).await
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    fn location(&self) -> String {
        self.headers
            .get("location")
            .expect("a Location header")
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// The value of the hidden or named input `name` in an HTML form.
    fn input(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).expect(name) + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        unescape(&self.body[start..end])
    }

    fn assert_unframeable_page(&self) {
        assert_eq!(self.headers["x-frame-options"], "DENY");
        let csp = self.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(self.headers["cache-control"], "no-store");
        assert!(
            self.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn pkce() -> (String, String) {
    let verifier = format!(
        "{}-verifier",
        auth_core::opaque::OpaqueToken::generate().unwrap().secret()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn param(location: &str, name: &str) -> Option<String> {
    let query = location.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

fn authorize_uri(
    client_id: &str,
    redirect: &str,
    challenge: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("scope", "openid profile read:groups"),
        ("state", "st@te 1"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
        ("nonce", "n-0S6"),
    ];
    for (name, value) in extra {
        pairs.retain(|(key, _)| key != name);
        pairs.push((name, value));
    }
    format!("/oauth/authorize?{}", query(&pairs))
}

impl Harness {
    async fn new() -> Self {
        Self::with_config(OAuthEndpointsConfig::default()).await
    }

    async fn with_config(endpoints_config: OAuthEndpointsConfig) -> Self {
        let clock = ManualClock::starting_now();
        let shared: Arc<dyn Clock> = Arc::new(clock.clone());
        let keys = KeySet::new(SigningKey::from_pem("as-1", Algorithm::RS256, RSA_PEM).unwrap());
        let memory = MemoryStores::new();
        let stores = Stores::from(memory);
        let mut config = OAuthServerConfig::new(ISSUER, AUDIENCE);
        config.supported_scopes = Scope::parse(SCOPES);
        let mut userinfo = UserInfoScopes::default();
        userinfo.access = Scope::parse("openid read:profile");
        userinfo.profile = Scope::parse("profile read:profile");
        userinfo.groups = Scope::parse("read:groups");
        config.userinfo_scopes = userinfo;
        let outage = Arc::new(AtomicBool::new(false));
        let mut oauth_stores = OAuthStores::in_memory();
        oauth_stores.clients = Arc::new(SwitchedClients {
            inner: oauth_stores.clients.clone(),
            outage: outage.clone(),
        });
        let server =
            OAuthServer::new(config, stores.clone(), oauth_stores, &keys, shared.clone()).unwrap();
        let auth = AuthService::new(
            AuthConfig::default(),
            stores,
            AccessTokenIssuer::with_clock(IssuerConfig::new(ISSUER, ISSUER), &keys, shared.clone()),
            PasswordHasher::insecure_fast_for_tests(),
            shared.clone(),
            Arc::new(RecordingMailer::default()),
        );
        auth.signup(EMAIL, Password::from(PASSWORD), &ClientInfo::default())
            .await
            .unwrap();
        server
            .register_client_with_secret(
                ClientRegistration::confidential("Workflow <studio>")
                    .client_id("workflow-studio")
                    .redirect_uri(REDIRECT)
                    .scopes("openid profile email offline_access read:profile read:groups manage:workflows"),
                "a-demo-secret-of-at-least-32-bytes-0123456789",
            )
            .await
            .unwrap();
        server
            .register_client(
                ClientRegistration::public("Dashboard")
                    .client_id("dashboard")
                    .redirect_uri(PUBLIC_REDIRECT)
                    .scopes("openid profile read:profile read:groups")
                    .first_party(true),
            )
            .await
            .unwrap();
        let endpoints = OAuthEndpoints::new(server, auth, endpoints_config)
            .unwrap()
            .with_clock(shared);
        Self {
            app: endpoints.into_router(),
            clock,
            secret: "a-demo-secret-of-at-least-32-bytes-0123456789".to_owned(),
            jar: BTreeMap::new(),
            outage,
        }
    }

    /// Sends a request with the jar's cookies and keeps the cookies it sets.
    async fn send(&mut self, request: http::request::Builder, body: Body) -> Reply {
        let mut request = request;
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self
                .jar
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            request = request.header("cookie", cookies.join("; "));
        }
        let response: Response<_> = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            assert!(set.starts_with("__Host-"), "{set}");
            assert!(
                set.contains("; Secure") && set.contains("; HttpOnly") && set.contains("; Path=/"),
                "{set}"
            );
            let (pair, attributes) = set.split_once(';').unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    async fn get(&mut self, uri: &str) -> Reply {
        self.send(Request::get(uri), Body::empty()).await
    }

    /// A same-origin form post, as the server's own pages send it.
    async fn post_form(&mut self, uri: &str, form: &[(&str, &str)]) -> Reply {
        self.send(
            Request::post(uri)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("origin", ISSUER)
                .header("sec-fetch-site", "same-origin"),
            Body::from(query(form)),
        )
        .await
    }

    /// A back-channel form post (token, revoke, introspect), with optional Basic credentials.
    async fn post_client(
        &mut self,
        uri: &str,
        form: &[(&str, &str)],
        basic: Option<String>,
    ) -> Reply {
        let mut request =
            Request::post(uri).header("content-type", "application/x-www-form-urlencoded");
        if let Some(basic) = basic {
            request = request.header("authorization", basic);
        }
        let jar = std::mem::take(&mut self.jar);
        let reply = self.send(request, Body::from(query(form))).await;
        self.jar = jar;
        reply
    }

    fn basic(&self) -> String {
        basic("workflow-studio", &self.secret)
    }

    /// Submits the login form of `page` with `password`.
    async fn login(&mut self, page: &Reply, password: &str) -> Reply {
        let mut form: Vec<(String, String)> = hidden_inputs(&page.body);
        form.push(("username".into(), EMAIL.into()));
        form.push(("password".into(), password.into()));
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.post_form("/oauth/login", &form).await
    }

    /// Signs in through the login page of an authorization request; returns the location
    /// the login redirects to (the same request).
    async fn sign_in(&mut self, authorize: &str) -> String {
        let page = self.get(authorize).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let reply = self.login(&page, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        reply.location()
    }

    /// A code for the confidential client: sign in and consent where still needed.
    async fn code(&mut self, challenge: &str) -> String {
        let authorize = authorize_uri("workflow-studio", REDIRECT, challenge, &[]);
        let mut reply = self.get(&authorize).await;
        if reply.body.contains("name=\"password\"") {
            let back = self.login(&reply, PASSWORD).await.location();
            reply = self.get(path_of(&back)).await;
        }
        if reply.status == StatusCode::OK {
            assert!(reply.body.contains("decision"), "the consent page");
            reply = self.consent(&reply, "approve").await;
            assert_eq!(
                reply.status,
                StatusCode::SEE_OTHER,
                "303 after the form post"
            );
        } else {
            assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
        }
        param(&reply.location(), "code").expect("a code")
    }

    async fn consent(&mut self, page: &Reply, decision: &str) -> Reply {
        let mut form: Vec<(String, String)> = hidden_inputs(&page.body);
        form.push(("decision".into(), decision.into()));
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.post_form("/oauth/consent", &form).await
    }

    async fn exchange(&mut self, code: &str, verifier: &str) -> Reply {
        let basic = self.basic();
        self.post_client(
            "/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
            ],
            Some(basic),
        )
        .await
    }

    async fn introspect(&mut self, token: &str) -> serde_json::Value {
        let basic = self.basic();
        let reply = self
            .post_client("/oauth/introspect", &[("token", token)], Some(basic))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }

    async fn userinfo(&mut self, access_token: &str) -> Reply {
        let jar = std::mem::take(&mut self.jar);
        let reply = self
            .send(
                Request::get("/oauth/userinfo")
                    .header("authorization", format!("Bearer {access_token}")),
                Body::empty(),
            )
            .await;
        self.jar = jar;
        reply
    }
}

/// The path and query of an absolute URL of the issuer.
fn path_of(url: &str) -> &str {
    url.strip_prefix(ISSUER).expect("a URL of the issuer")
}

fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|rest| {
            let name = rest
                .split("name=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let value = rest
                .split("value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            (unescape(name), unescape(value))
        })
        .collect()
}

// ----------------------------------------------------------------------------------------
// The whole flow
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn login_consent_code_token_userinfo_refresh_revoke_introspect() {
    let mut h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let authorize = authorize_uri("workflow-studio", REDIRECT, &challenge, &[]);

    // Not signed in: the login page, which cannot be framed, with a CSRF cookie.
    let page = h.get(&authorize).await;
    assert_eq!(page.status, 200);
    page.assert_unframeable_page();
    assert!(page.body.contains("name=\"username\"") && page.body.contains("name=\"password\""));
    assert!(
        page.body.contains("Workflow &lt;studio&gt;"),
        "the client name is shown, escaped"
    );
    assert!(h.jar.contains_key("__Host-oauth-csrf"));
    assert_eq!(page.input("csrf_token"), h.jar["__Host-oauth-csrf"]);

    // Sign in: back to the same authorization request, with the session cookie.
    let reply = h.login(&page, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let set_cookie = reply.headers["set-cookie"].to_str().unwrap();
    assert!(set_cookie.starts_with("__Host-oauth-session="));
    assert!(set_cookie.contains("SameSite=Lax"));
    let back = reply.location();
    assert!(back.starts_with(&format!("{ISSUER}/oauth/authorize?")));
    assert_eq!(param(&back, "state").as_deref(), Some("st@te 1"));
    assert_eq!(
        param(&back, "code_challenge").as_deref(),
        Some(challenge.as_str())
    );

    // A third-party client: the consent page, unframeable, listing the scopes.
    let consent = h.get(path_of(&back)).await;
    assert_eq!(consent.status, 200);
    consent.assert_unframeable_page();
    assert!(consent.body.contains("<code>read:groups</code>"));

    // Approve: a code, with state and iss.
    let reply = h.consent(&consent, "approve").await;
    assert_eq!(
        reply.status,
        StatusCode::SEE_OTHER,
        "303 after a POST (RFC 9700 §4.12)"
    );
    let location = reply.location();
    assert!(location.starts_with(REDIRECT));
    assert_eq!(param(&location, "state").as_deref(), Some("st@te 1"));
    assert_eq!(param(&location, "iss").as_deref(), Some(ISSUER));
    let code = param(&location, "code").unwrap();

    // Token: no-store JSON with an id_token.
    let reply = h.exchange(&code, &verifier).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.headers["cache-control"], "no-store");
    assert_eq!(reply.headers["pragma"], "no-cache");
    let tokens = reply.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["id_token"].is_string());
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

    // Userinfo.
    let reply = h.userinfo(&access).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.headers["cache-control"], "no-store");
    assert!(reply.json()["sub"].is_string());

    // Refresh rotates; the old refresh token is then refused.
    let basic = h.basic();
    let reply = h
        .post_client(
            "/oauth/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
            Some(basic.clone()),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let rotated = reply.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, refresh);
    h.clock.advance(Duration::from_secs(10)); // past the reuse grace window
    let reply = h
        .post_client(
            "/oauth/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
            Some(basic.clone()),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid_grant");
    // Reuse revoked the grant: the rotated token is dead too.
    assert_eq!(h.introspect(&rotated).await["active"], false);

    // A fresh grant to revoke and introspect.
    let (verifier, challenge) = pkce();
    let code = h.code(&challenge).await;
    let tokens = h.exchange(&code, &verifier).await.json();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(h.introspect(&access).await["active"], true);
    let reply = h
        .post_client(
            "/oauth/revoke",
            &[("token", &refresh), ("token_type_hint", "refresh_token")],
            Some(basic),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.is_empty());
    assert_eq!(h.introspect(&refresh).await["active"], false);
    assert_eq!(
        h.introspect(&access).await["active"],
        false,
        "revoking the refresh token ends the grant's access tokens"
    );
}

#[tokio::test]
async fn first_party_public_client_skips_consent_and_needs_no_secret() {
    let mut h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let authorize = authorize_uri(
        "dashboard",
        PUBLIC_REDIRECT,
        &challenge,
        &[("scope", "openid read:profile")],
    );
    let back = h.sign_in(&authorize).await;
    let reply = h.get(path_of(&back)).await;
    assert_eq!(
        reply.status,
        StatusCode::FOUND,
        "no consent page: {}",
        reply.body
    );
    let code = param(&reply.location(), "code").unwrap();
    let reply = h
        .post_client(
            "/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", PUBLIC_REDIRECT),
                ("code_verifier", &verifier),
                ("client_id", "dashboard"),
            ],
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn metadata_discovery_and_jwks_are_public_json() {
    let mut h = Harness::new().await;
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        let reply = h.get(path).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.headers["access-control-allow-origin"], "*");
        let metadata = reply.json();
        assert_eq!(metadata["issuer"], ISSUER);
        assert_eq!(
            metadata["authorization_endpoint"],
            format!("{ISSUER}/oauth/authorize")
        );
        assert_eq!(
            metadata["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(
            metadata["authorization_response_iss_parameter_supported"],
            true
        );
    }
    let jwks = h.get("/.well-known/jwks.json").await;
    assert_eq!(jwks.status, 200);
    let keys = jwks.json();
    assert_eq!(keys["keys"][0]["kid"], "as-1");
    assert!(
        keys["keys"][0].get("d").is_none(),
        "no private key material"
    );
    let reply = h
        .send(Request::post("/.well-known/jwks.json"), Body::empty())
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.headers["allow"], "GET");
    assert_eq!(h.get("/oauth/nothing").await.status, 404);
}

// ----------------------------------------------------------------------------------------
// Authorization endpoint
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn redirect_uri_mismatch_is_an_error_page_without_location() {
    let mut h = Harness::new().await;
    let (_, challenge) = pkce();
    for bad in [
        "https://app.example.com/cb/",
        "https://app.example.com/cb?x",
        "https://APP.example.com/cb",
        "https://app.example.com/cb/..;/",
        "https://app.example.com@evil.example/cb",
        "http://app.example.com/cb",
        "https://evil.example/cb",
    ] {
        let reply = h
            .get(&authorize_uri("workflow-studio", bad, &challenge, &[]))
            .await;
        assert_eq!(reply.status, 400, "{bad}");
        assert!(
            reply.headers.get("location").is_none(),
            "{bad}: never redirect"
        );
        reply.assert_unframeable_page();
        assert!(reply.body.contains("invalid_request"), "{bad}");
    }
    let reply = h
        .get(&authorize_uri("no-such-client", REDIRECT, &challenge, &[]))
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.headers.get("location").is_none());
    assert!(reply.body.contains("invalid_client"));
}

#[tokio::test]
async fn bad_requests_with_a_trusted_redirect_uri_are_redirected_with_an_error() {
    let mut h = Harness::new().await;
    let (_, challenge) = pkce();
    for (extra, error) in [
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("code_challenge", "")], "invalid_request"),
    ] {
        let reply = h
            .get(&authorize_uri(
                "workflow-studio",
                REDIRECT,
                &challenge,
                &extra,
            ))
            .await;
        assert_eq!(reply.status, StatusCode::FOUND, "{extra:?}");
        let location = reply.location();
        assert!(location.starts_with(REDIRECT));
        assert_eq!(
            param(&location, "error").as_deref(),
            Some(error),
            "{extra:?}"
        );
        assert_eq!(param(&location, "iss").as_deref(), Some(ISSUER));
        assert_eq!(param(&location, "state").as_deref(), Some("st@te 1"));
        assert_eq!(param(&location, "code"), None);
    }
}

#[tokio::test]
async fn prompt_none_never_renders_a_page() {
    let mut h = Harness::new().await;
    let (_, challenge) = pkce();
    let silent = authorize_uri(
        "workflow-studio",
        REDIRECT,
        &challenge,
        &[("prompt", "none")],
    );
    let reply = h.get(&silent).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(
        param(&reply.location(), "error").as_deref(),
        Some("login_required")
    );
    assert!(reply.body.is_empty());

    // Signed in, but no consent yet for this third-party client.
    h.sign_in(&authorize_uri("workflow-studio", REDIRECT, &challenge, &[]))
        .await;
    let reply = h.get(&silent).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(
        param(&reply.location(), "error").as_deref(),
        Some("consent_required")
    );

    // After consent, silent SSO hands out a code.
    h.code(&challenge).await;
    let reply = h.get(&silent).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert!(param(&reply.location(), "code").is_some());
}

#[tokio::test]
async fn consent_can_be_declined() {
    let mut h = Harness::new().await;
    let (_, challenge) = pkce();
    let back = h
        .sign_in(&authorize_uri("workflow-studio", REDIRECT, &challenge, &[]))
        .await;
    let page = h.get(path_of(&back)).await;
    let reply = h.consent(&page, "deny").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        param(&reply.location(), "error").as_deref(),
        Some("access_denied")
    );
}

// ----------------------------------------------------------------------------------------
// OpenID Connect request semantics, loopback redirect URIs, form_post (issue 12, items 5, 6, 11)
// ----------------------------------------------------------------------------------------

/// The claims of a JWT, unverified (the signature is auth-core's tests' business).
fn jwt_claims(jwt: &str) -> serde_json::Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn unix_now(h: &Harness) -> u64 {
    h.clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Exchanges a code of the public `dashboard` client.
async fn exchange_public(h: &mut Harness, code: &str, verifier: &str, redirect: &str) -> Reply {
    h.post_client(
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
            ("client_id", "dashboard"),
        ],
        None,
    )
    .await
}

/// Signing in again (prompt=login, max_age, or another account) ends the browser's previous
/// sign-in session instead of leaving it alive beside the new one: its cookie, replayed, is no
/// sign-in any more.
#[tokio::test]
async fn signing_in_again_ends_the_previous_sign_in_session() {
    let mut h = Harness::new().await;
    let scope = [("scope", "openid read:profile")];
    let (_, challenge) = pkce();
    h.sign_in(&authorize_uri(
        "dashboard",
        PUBLIC_REDIRECT,
        &challenge,
        &scope,
    ))
    .await;
    let old = h
        .jar
        .get(SESSION_COOKIE)
        .cloned()
        .expect("a sign-in cookie");
    h.clock.advance(Duration::from_secs(30));
    let (_, challenge) = pkce();
    let page = h
        .get(&authorize_uri(
            "dashboard",
            PUBLIC_REDIRECT,
            &challenge,
            &[scope[0], ("prompt", "login")],
        ))
        .await;
    let reply = h.login(&page, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_ne!(
        h.jar.get(SESSION_COOKIE),
        Some(&old),
        "a new sign-in cookie"
    );

    h.jar.insert(SESSION_COOKIE.to_owned(), old);
    let (_, challenge) = pkce();
    let silent = h
        .get(&authorize_uri(
            "dashboard",
            PUBLIC_REDIRECT,
            &challenge,
            &[scope[0], ("prompt", "none")],
        ))
        .await;
    assert_eq!(silent.status, StatusCode::FOUND);
    assert_eq!(
        param(&silent.location(), "error").as_deref(),
        Some("login_required"),
        "the previous sign-in was ended"
    );
}

// OIDC Core §3.1.2.1 / §15.1: prompt=login and max_age=0 make a signed-in user sign in again on
// the login page; the sign-in completed there (and only it) satisfies the request, and the
// id_token's auth_time is that sign-in's. Pins issue 12 item 5: a sign-in up to 5 minutes old
// satisfied prompt=login without any page.
#[tokio::test]
async fn oidc_3_1_2_1_prompt_login_needs_a_sign_in_on_the_login_page() {
    let mut h = Harness::new().await;
    let scope = [("scope", "openid read:profile")];
    let (_, challenge) = pkce();
    h.sign_in(&authorize_uri(
        "dashboard",
        PUBLIC_REDIRECT,
        &challenge,
        &scope,
    ))
    .await;
    h.clock.advance(Duration::from_secs(30));

    for requirement in [("prompt", "login"), ("max_age", "0")] {
        let (verifier, challenge) = pkce();
        let authorize = authorize_uri(
            "dashboard",
            PUBLIC_REDIRECT,
            &challenge,
            &[scope[0], requirement],
        );
        let page = h.get(&authorize).await;
        assert_eq!(
            page.status, 200,
            "{requirement:?}: the login page, not a code"
        );
        assert!(page.body.contains("name=\"password\""), "{requirement:?}");
        assert!(page.headers.get("location").is_none());
        assert_eq!(
            page.input(requirement.0),
            requirement.1,
            "carried by the form"
        );

        h.clock.advance(Duration::from_secs(5));
        let signed_in_at = unix_now(&h);
        let reply = h.login(&page, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let back = reply.location();
        assert_eq!(
            param(&back, requirement.0),
            None,
            "satisfied by this sign-in"
        );
        let reply = h.get(path_of(&back)).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
        let code = param(&reply.location(), "code").expect("a code");
        let tokens = exchange_public(&mut h, &code, &verifier, PUBLIC_REDIRECT)
            .await
            .json();
        let claims = jwt_claims(tokens["id_token"].as_str().unwrap());
        assert_eq!(
            claims["auth_time"], signed_in_at,
            "the sign-in of this request"
        );
    }

    // prompt=none cannot show the login page: login_required.
    let (_, challenge) = pkce();
    let silent = authorize_uri(
        "dashboard",
        PUBLIC_REDIRECT,
        &challenge,
        &[scope[0], ("max_age", "0"), ("prompt", "none")],
    );
    let reply = h.get(&silent).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(
        param(&reply.location(), "error").as_deref(),
        Some("login_required")
    );
}

// OIDC Core §3.1.2.1: a sign-in older than max_age seconds is not used (login page, or
// login_required with prompt=none); a malformed max_age is invalid_request. Pins issue 12
// item 5: max_age=1 with a 10 s old sign-in returned a code.
#[tokio::test]
async fn oidc_3_1_2_1_max_age_older_than_the_sign_in_needs_a_new_sign_in() {
    let mut h = Harness::new().await;
    let scope = ("scope", "openid read:profile");
    let (_, challenge) = pkce();
    h.sign_in(&authorize_uri(
        "dashboard",
        PUBLIC_REDIRECT,
        &challenge,
        &[scope],
    ))
    .await;
    h.clock.advance(Duration::from_secs(10));

    let reply = h
        .get(&authorize_uri(
            "dashboard",
            PUBLIC_REDIRECT,
            &challenge,
            &[scope, ("max_age", "1")],
        ))
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("name=\"password\""), "the login page");
    let reply = h
        .get(&authorize_uri(
            "dashboard",
            PUBLIC_REDIRECT,
            &challenge,
            &[scope, ("max_age", "1"), ("prompt", "none")],
        ))
        .await;
    assert_eq!(
        param(&reply.location(), "error").as_deref(),
        Some("login_required")
    );
    let reply = h
        .get(&authorize_uri(
            "dashboard",
            PUBLIC_REDIRECT,
            &challenge,
            &[scope, ("max_age", "60")],
        ))
        .await;
    assert!(param(&reply.location(), "code").is_some(), "within max_age");
    let reply = h
        .get(&authorize_uri(
            "dashboard",
            PUBLIC_REDIRECT,
            &challenge,
            &[scope, ("max_age", "-1")],
        ))
        .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(
        param(&reply.location(), "error").as_deref(),
        Some("invalid_request")
    );
}

// OIDC Core §6.1 / §6.2 and Discovery §3: request and request_uri are refused with their own
// error codes (not ignored), and discovery says so — request_uri_parameter_supported is true
// when absent. response_modes_supported matches what the endpoint does.
#[tokio::test]
async fn oidc_6_request_objects_are_refused_and_discovery_says_so() {
    let mut h = Harness::new().await;
    let metadata = h.get("/.well-known/openid-configuration").await.json();
    assert_eq!(metadata["request_parameter_supported"], false);
    assert_eq!(metadata["request_uri_parameter_supported"], false);
    assert_eq!(
        metadata["response_modes_supported"],
        serde_json::json!(["query", "form_post"])
    );
    let (_, challenge) = pkce();
    for (name, value, error) in [
        (
            "request",
            "eyJhbGciOiJub25lIn0.e30.",
            "request_not_supported",
        ),
        (
            "request_uri",
            "https://app.example.com/r.jwt",
            "request_uri_not_supported",
        ),
    ] {
        let reply = h
            .get(&authorize_uri(
                "workflow-studio",
                REDIRECT,
                &challenge,
                &[(name, value)],
            ))
            .await;
        assert_eq!(reply.status, StatusCode::FOUND, "{name}");
        let location = reply.location();
        assert!(location.starts_with(REDIRECT));
        assert_eq!(param(&location, "error").as_deref(), Some(error));
        assert_eq!(param(&location, "state").as_deref(), Some("st@te 1"));
        assert_eq!(param(&location, "iss").as_deref(), Some(ISSUER));
    }
}

// RFC 8252 §7.3: a native (public) client's loopback IP literal redirect URI is accepted on any
// port, and the token endpoint then wants that exact URI. Pins issue 12 item 6.
#[tokio::test]
async fn rfc8252_7_3_loopback_redirect_any_port() {
    let mut h = Harness::new().await;
    let scope = ("scope", "openid read:profile");
    let at_runtime = "http://127.0.0.1:49152/callback"; // registered: …:5173/callback
    let (_, challenge) = pkce();
    h.sign_in(&authorize_uri(
        "dashboard",
        PUBLIC_REDIRECT,
        &challenge,
        &[scope],
    ))
    .await;
    for (exchange_with, status) in [(PUBLIC_REDIRECT, 400), (at_runtime, 200)] {
        let (verifier, challenge) = pkce();
        let reply = h
            .get(&authorize_uri(
                "dashboard",
                at_runtime,
                &challenge,
                &[scope],
            ))
            .await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
        let location = reply.location();
        assert!(
            location.starts_with(&format!("{at_runtime}?")),
            "{location}"
        );
        let code = param(&location, "code").unwrap();
        let reply = exchange_public(&mut h, &code, &verifier, exchange_with).await;
        assert_eq!(reply.status, status, "{exchange_with}: {}", reply.body);
    }
    // Another path on the loopback port is still an unregistered URI: no redirect.
    let reply = h
        .get(&authorize_uri(
            "dashboard",
            "http://127.0.0.1:49152/elsewhere",
            &challenge,
            &[scope],
        ))
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.headers.get("location").is_none());
}

// OAuth 2.0 Form Post Response Mode §2: response_mode=form_post answers with a page that posts
// code, state and iss to the redirect URI — never cached, never framed, its one inline script
// allowed by hash, a button without script — through the login page too, and errors the same
// way. Pins issue 12 item 11: the mode was ignored and the code went to the query.
#[tokio::test]
async fn oauth_form_post_response_mode_answers_with_an_auto_posting_page() {
    let mut h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let authorize = authorize_uri(
        "dashboard",
        PUBLIC_REDIRECT,
        &challenge,
        &[
            ("scope", "openid read:profile"),
            ("response_mode", "form_post"),
        ],
    );
    let page = h.get(&authorize).await;
    assert_eq!(
        page.input("response_mode"),
        "form_post",
        "carried by the login form"
    );
    let back = h.login(&page, PASSWORD).await.location();
    let reply = h.get(path_of(&back)).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.headers.get("location").is_none(), "nothing in a URL");
    reply.assert_unframeable_page();
    assert_eq!(reply.headers["referrer-policy"], "no-referrer");
    let csp = reply.headers["content-security-policy"].to_str().unwrap();
    let script = reply
        .body
        .split("<script>")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("one inline script");
    let hash = STANDARD.encode(Sha256::digest(script.as_bytes()));
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}'")),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        reply.body.contains(&format!(
            "<form method=\"post\" action=\"{PUBLIC_REDIRECT}\">"
        )),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("<noscript>") && reply.body.contains("type=\"submit\""));
    let fields = hidden_inputs(&reply.body);
    let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["code", "state", "iss"]);
    assert_eq!(reply.input("state"), "st@te 1");
    assert_eq!(reply.input("iss"), ISSUER);
    let code = reply.input("code");
    let tokens = exchange_public(&mut h, &code, &verifier, PUBLIC_REDIRECT).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);

    // A third-party client's consent post answers in the mode too, and so does an error.
    let (_, challenge) = pkce();
    let third_party = authorize_uri(
        "workflow-studio",
        REDIRECT,
        &challenge,
        &[("response_mode", "form_post")],
    );
    let consent = h.get(&third_party).await;
    assert!(consent.body.contains("decision"), "the consent page");
    let reply = h.consent(&consent, "deny").await;
    assert_eq!(reply.status, 200);
    assert!(reply.headers.get("location").is_none());
    assert_eq!(reply.input("error"), "access_denied");
    let reply = h.consent(&consent, "approve").await;
    assert_eq!(reply.status, 200);
    assert!(!reply.input("code").is_empty());

    // An unknown or unsupported mode is refused, in the default query mode.
    for mode in ["fragment", "query.jwt", "nonsense"] {
        let reply = h
            .get(&authorize_uri(
                "workflow-studio",
                REDIRECT,
                &challenge,
                &[("response_mode", mode)],
            ))
            .await;
        assert_eq!(reply.status, StatusCode::FOUND, "{mode}");
        assert_eq!(
            param(&reply.location(), "error").as_deref(),
            Some("invalid_request"),
            "{mode}"
        );
    }
}

// ----------------------------------------------------------------------------------------
// Login, CSRF, session
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn wrong_password_shows_the_login_page_again_without_a_session() {
    let mut h = Harness::new().await;
    let (_, challenge) = pkce();
    let page = h
        .get(&authorize_uri("workflow-studio", REDIRECT, &challenge, &[]))
        .await;
    let reply = h.login(&page, "not-the-password").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    reply.assert_unframeable_page();
    assert!(
        reply
            .body
            .contains("Incorrect email, username or password.")
    );
    assert!(!h.jar.contains_key("__Host-oauth-session"));
    // The request's parameters survive for the next attempt.
    assert_eq!(reply.input("client_id"), "workflow-studio");
}

#[tokio::test]
async fn login_and_consent_posts_need_the_csrf_token_and_same_origin() {
    let mut h = Harness::new().await;
    let (_, challenge) = pkce();
    let page = h
        .get(&authorize_uri("workflow-studio", REDIRECT, &challenge, &[]))
        .await;
    let csrf = page.input("csrf_token");
    let login = |token: &str| {
        vec![
            ("csrf_token".to_owned(), token.to_owned()),
            ("username".to_owned(), EMAIL.to_owned()),
            ("password".to_owned(), PASSWORD.to_owned()),
        ]
    };
    // A wrong token, or none.
    for form in [login("x".repeat(csrf.len()).as_str()), login("")] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let reply = h.post_form("/oauth/login", &form).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert!(!h.jar.contains_key("__Host-oauth-session"));
    }
    // The right token, from another site.
    let form = login(&csrf);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let reply = h
        .send(
            Request::post("/oauth/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("origin", "https://evil.example"),
            Body::from(query(&form)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = h
        .send(
            Request::post("/oauth/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "cross-site"),
            Body::from(query(&form)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // Without the CSRF cookie.
    let cookie = h.jar.remove("__Host-oauth-csrf").unwrap();
    let reply = h.post_form("/oauth/login", &form).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    h.jar.insert("__Host-oauth-csrf".to_owned(), cookie);
    assert!(!h.jar.contains_key("__Host-oauth-session"));

    // Consent with a wrong token issues no code.
    let back = h
        .sign_in(&authorize_uri("workflow-studio", REDIRECT, &challenge, &[]))
        .await;
    let page = h.get(path_of(&back)).await;
    let mut form = hidden_inputs(&page.body);
    for (name, value) in &mut form {
        if name == "csrf_token" {
            *value = "y".repeat(value.len());
        }
    }
    form.push(("decision".into(), "approve".into()));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let reply = h.post_form("/oauth/consent", &form).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.headers.get("location").is_none());
}

#[tokio::test]
async fn consent_without_a_sign_in_session_asks_to_sign_in() {
    let mut h = Harness::new().await;
    let (_, challenge) = pkce();
    let back = h
        .sign_in(&authorize_uri("workflow-studio", REDIRECT, &challenge, &[]))
        .await;
    let page = h.get(path_of(&back)).await;
    h.jar.remove("__Host-oauth-session");
    let reply = h.consent(&page, "approve").await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("name=\"password\""), "the login page");
    assert!(reply.headers.get("location").is_none());
}

#[tokio::test]
async fn a_forged_or_ended_session_cookie_is_not_a_sign_in() {
    let mut h = Harness::new().await;
    let (_, challenge) = pkce();
    let authorize = authorize_uri("workflow-studio", REDIRECT, &challenge, &[]);
    h.jar
        .insert("__Host-oauth-session".into(), "forged-value".into());
    let reply = h.get(&authorize).await;
    assert!(reply.body.contains("name=\"password\""));

    h.jar.remove("__Host-oauth-session");
    h.sign_in(&authorize).await;
    assert!(
        h.get(&authorize).await.body.contains("decision"),
        "signed in: consent page"
    );
    // Sign out ends the session server-side, not just the cookie.
    let stolen = h.jar["__Host-oauth-session"].clone();
    let csrf = h.jar["__Host-oauth-csrf"].clone();
    let reply = h.post_form("/oauth/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!(reply.status, 200);
    assert!(!h.jar.contains_key("__Host-oauth-session"));
    h.jar.insert("__Host-oauth-session".into(), stolen);
    assert!(h.get(&authorize).await.body.contains("name=\"password\""));
}

#[tokio::test]
async fn oversized_forms_are_refused_before_use() {
    let mut config = OAuthEndpointsConfig::default();
    config.max_body_bytes = 256;
    let mut h = Harness::with_config(config).await;
    let big = "x".repeat(1024);
    let reply = h.post_form("/oauth/login", &[("username", &big)]).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let reply = h.post_client("/oauth/token", &[("code", &big)], None).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

// ----------------------------------------------------------------------------------------
// Token endpoint and the back channel
// ----------------------------------------------------------------------------------------

/// Issue 14: a store that cannot be reached in time is RFC 6749 `temporarily_unavailable`
/// with 503 and the configured `Retry-After`, not `500 server_error`; the endpoint works
/// again once the store is back.
#[tokio::test]
async fn an_unreachable_store_is_503_temporarily_unavailable_with_retry_after() {
    let mut config = OAuthEndpointsConfig::default();
    config.outage_retry_after = Duration::from_secs(7);
    let mut h = Harness::with_config(config).await;
    let verifier = "x".repeat(43);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", "no-such-code"),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
    ];
    h.outage.store(true, Ordering::SeqCst);
    let reply = h.post_client("/oauth/token", &form, Some(h.basic())).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert_eq!(reply.headers["retry-after"], "7");
    assert_eq!(reply.headers["cache-control"], "no-store");
    assert_eq!(reply.json()["error"], "temporarily_unavailable");

    h.outage.store(false, Ordering::SeqCst);
    let reply = h.post_client("/oauth/token", &form, Some(h.basic())).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.headers.get("retry-after").is_none());
}

#[tokio::test]
async fn wrong_secret_is_401_invalid_client_with_a_basic_challenge() {
    let mut h = Harness::new().await;
    let reply = h
        .post_client(
            "/oauth/token",
            &[("grant_type", "refresh_token"), ("refresh_token", "x")],
            Some(basic(
                "workflow-studio",
                "wrong-secret-wrong-secret-wrong-secret",
            )),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(
        reply.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(reply.headers["cache-control"], "no-store");
    assert_eq!(reply.json()["error"], "invalid_client");
    // Unknown client, the same.
    let reply = h
        .post_client(
            "/oauth/token",
            &[("grant_type", "refresh_token")],
            Some(basic("nobody", "x")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["error"], "invalid_client");
}

#[tokio::test]
async fn password_grant_and_non_form_bodies_are_refused() {
    let mut h = Harness::new().await;
    let basic = h.basic();
    let reply = h
        .post_client(
            "/oauth/token",
            &[
                ("grant_type", "password"),
                ("username", EMAIL),
                ("password", PASSWORD),
            ],
            Some(basic.clone()),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "unsupported_grant_type");
    assert_eq!(reply.headers["cache-control"], "no-store");

    let reply = h
        .send(
            Request::post("/oauth/token")
                .header("content-type", "application/json")
                .header("authorization", basic.clone()),
            Body::from("{\"grant_type\":\"authorization_code\"}"),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid_request");

    let reply = h
        .send(
            Request::post("/oauth/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("authorization", basic.clone())
                .header("authorization", basic),
            Body::from("grant_type=authorization_code"),
        )
        .await;
    assert_eq!(reply.status, 400, "two Authorization headers");
}

#[tokio::test]
async fn code_replay_is_refused_and_revokes_what_the_code_issued() {
    let mut h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let code = h.code(&challenge).await;
    let tokens = h.exchange(&code, &verifier).await.json();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(h.userinfo(&access).await.status, 200);

    let replay = h.exchange(&code, &verifier).await;
    assert_eq!(replay.status, 400);
    assert_eq!(replay.json()["error"], "invalid_grant");
    let reply = h.userinfo(&access).await;
    assert_eq!(
        reply.status, 401,
        "the replay revoked the first exchange's tokens"
    );
    assert!(
        reply.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn wrong_pkce_verifier_is_invalid_grant() {
    let mut h = Harness::new().await;
    let (_, challenge) = pkce();
    let code = h.code(&challenge).await;
    let (other_verifier, _) = pkce();
    let reply = h.exchange(&code, &other_verifier).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn userinfo_answers_rfc_6750_errors() {
    let mut h = Harness::new().await;
    let reply = h.get("/oauth/userinfo").await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.headers["www-authenticate"], "Bearer realm=\"oauth\"");
    let reply = h.userinfo("not.a.jwt").await;
    assert_eq!(reply.status, 401);
    assert!(
        reply.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
    assert_eq!(reply.json()["error"], "invalid_token");
}

#[tokio::test]
async fn introspection_needs_a_confidential_client() {
    let mut h = Harness::new().await;
    let reply = h
        .post_client(
            "/oauth/introspect",
            &[("token", "x"), ("client_id", "dashboard")],
            None,
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"], "invalid_client");
    let reply = h
        .post_client("/oauth/revoke", &[("client_id", "dashboard")], None)
        .await;
    assert_eq!(reply.status, 400, "token missing");
    assert_eq!(reply.json()["error"], "invalid_request");
}

#[tokio::test]
async fn browser_apps_get_cors_on_the_token_endpoint_only_from_allowed_origins() {
    let mut config = OAuthEndpointsConfig::default();
    config.cors_allowed_origins = vec!["http://127.0.0.1:5173".to_owned()];
    let mut h = Harness::with_config(config).await;
    let preflight = |origin: &'static str| {
        Request::options("/oauth/token")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
    };
    let reply = h
        .send(preflight("http://127.0.0.1:5173"), Body::empty())
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        reply.headers["access-control-allow-origin"],
        "http://127.0.0.1:5173"
    );
    assert_eq!(reply.headers["access-control-allow-methods"], "POST");
    assert!(
        reply
            .headers
            .get("access-control-allow-credentials")
            .is_none()
    );
    let reply = h
        .send(preflight("https://evil.example"), Body::empty())
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(reply.headers.get("access-control-allow-origin").is_none());

    let post = |origin: &'static str| {
        Request::post("/oauth/token")
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
    };
    let reply = h
        .send(
            post("http://127.0.0.1:5173"),
            Body::from("grant_type=password&client_id=dashboard"),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.headers["access-control-allow-origin"],
        "http://127.0.0.1:5173"
    );
    let reply = h
        .send(
            post("https://evil.example"),
            Body::from("grant_type=password&client_id=dashboard"),
        )
        .await;
    assert!(reply.headers.get("access-control-allow-origin").is_none());
    // The pages never get CORS.
    let reply = h
        .send(
            Request::get("/oauth/authorize").header("origin", "http://127.0.0.1:5173"),
            Body::empty(),
        )
        .await;
    assert!(reply.headers.get("access-control-allow-origin").is_none());
}

/// Token-endpoint flooding (client-secret guessing, grant replay at volume): one network
/// gets `oauth_token` (60 per minute) answers, then 429 with `Retry-After` and the JSON
/// body `{"error":"too_many_requests"}` — RFC 6749 has no code for it — before the grant
/// or the client is even looked at. Another network is unaffected.
#[tokio::test]
async fn token_endpoint_flood_gets_429_with_retry_after() {
    use axum::extract::ConnectInfo;
    let mut h = Harness::new().await;
    let token_request = |peer: &str| {
        let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
        Request::post("/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .extension(ConnectInfo(addr))
    };
    let form = || {
        Body::from(query(&[
            ("grant_type", "authorization_code"),
            ("code", "bogus"),
        ]))
    };
    for _ in 0..60 {
        let reply = h.send(token_request("203.0.113.9"), form()).await;
        assert_ne!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    }
    let refused = h.send(token_request("203.0.113.9"), form()).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_eq!(refused.json()["error"], "too_many_requests");
    assert!(refused.json()["error_description"].is_string());
    assert_eq!(refused.headers["cache-control"], "no-store");
    let retry_after: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    let elsewhere = h.send(token_request("198.51.100.9"), form()).await;
    assert_ne!(elsewhere.status, StatusCode::TOO_MANY_REQUESTS);
}
