//! Acceptance test of issue 8: the example binary on a free loopback port with a temporary
//! SQLite file, driven by a real OpenID Connect client library (`openidconnect`) through the
//! whole flow — discovery → authorize with PKCE → login form → consent → code → token →
//! id_token verified (signature, nonce, at_hash) → userinfo → refresh (rotated; the old token
//! refused) → revoke → introspect shows inactive — then the resource-server example pointed at
//! it, and the HTTP-level negative cases.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use auth_core::token::{
    AccessTokenIssuer, AccessTokenRequest, Algorithm, IssuerConfig, KeySet, Scope as CoreScope,
    SigningKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreErrorResponseType,
    CoreProviderMetadata, CoreResponseMode, CoreRevocableToken,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IntrospectionUrl,
    IssuerUrl, Nonce, OAuth2TokenResponse as _, PkceCodeChallenge, RedirectUrl, RequestTokenError,
    RevocationUrl, Scope, TokenIntrospectionResponse as _, TokenResponse as _,
};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};
use sha2::{Digest as _, Sha256};

const CLIENT_ID: &str = "demo-app";
const CLIENT_SECRET: &str = "e2e-demo-secret-0123456789-abcdefghijklmnop";
const REDIRECT: &str = "http://127.0.0.1:3000/callback";
const PUBLIC_CLIENT_ID: &str = "demo-spa";
const USER: &str = "e2e@example.com";
const PASSWORD: &str = "e2e-tulip-orbit-42";
const KEY_ID: &str = "e2e-key";

fn key_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../auth-core/tests/keys/{name}"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The example binary, killed (and its database removed) on drop.
struct Server {
    child: Child,
    dir: PathBuf,
    issuer: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh temporary directory for one server's database.
fn temp_dir() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("oauth-server-e2e-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The example binary on `port` with its database in `dir`, configured like a test server
/// but without the demo client secret and demo password: the defaults apply unless the caller
/// sets them.
fn example(dir: &std::path::Path, bind: &str, port: u16, audience: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oauth-server"));
    command
        .env("OAUTH_BIND", bind)
        .env("PORT", port.to_string())
        .env("JWT_ISSUER", format!("http://127.0.0.1:{port}"))
        .env("JWT_AUDIENCE", audience)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("oauth.db").display()),
        )
        .env("JWT_PRIVATE_KEY_FILE", key_path("rsa2048.pem"))
        .env("JWT_KEY_ID", KEY_ID)
        .env("OAUTH_DEMO_CLIENT_ID", CLIENT_ID)
        .env("OAUTH_DEMO_REDIRECT_URI", REDIRECT)
        .env("OAUTH_DEMO_PUBLIC_CLIENT_ID", PUBLIC_CLIENT_ID)
        .env("OAUTH_DEMO_USER", USER)
        .env_remove("OAUTH_DEMO_CLIENT_SECRET")
        .env_remove("OAUTH_DEMO_PASSWORD")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null());
    command
}

impl Server {
    async fn start(audience: &str) -> Self {
        let dir = temp_dir();
        let port = free_port();
        let child = example(&dir, "127.0.0.1", port, audience)
            .env("OAUTH_DEMO_CLIENT_SECRET", CLIENT_SECRET)
            .env("OAUTH_DEMO_PASSWORD", PASSWORD)
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the example binary starts");
        Self::ready(child, dir, port).await
    }

    /// Waits until `child`, listening on `port`, answers discovery.
    async fn ready(child: Child, dir: PathBuf, port: u16) -> Self {
        let issuer = format!("http://127.0.0.1:{port}");
        let server = Self { child, dir, issuer };
        // Poll for readiness (migrations and the demo user's password hash run first).
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let url = format!("{}/.well-known/openid-configuration", server.issuer);
            if let Ok(response) = http.get(&url).send().await
                && response.status() == StatusCode::OK
            {
                break server;
            }
            assert!(
                Instant::now() < deadline,
                "the example server did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }
}

/// A browser: keeps cookies, follows no redirects, so each step can be checked.
struct Browser {
    http: reqwest::Client,
    jar: BTreeMap<String, String>,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> String {
        self.headers
            .get(LOCATION)
            .expect("a Location header")
            .to_str()
            .unwrap()
            .to_owned()
    }

    fn hidden_inputs(&self) -> Vec<(String, String)> {
        self.body
            .split("<input type=\"hidden\" ")
            .skip(1)
            .map(|rest| {
                let attr = |name: &str| {
                    let value = rest.split(&format!("{name}=\"")).nth(1).unwrap();
                    unescape(value.split('"').next().unwrap())
                };
                (attr("name"), attr("value"))
            })
            .collect()
    }
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

impl Browser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: BTreeMap::new(),
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let mut request = request;
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header("cookie", cookies.join("; "));
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status,
            headers,
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&mut self, url: &str) -> Page {
        let request = self.http.get(url);
        self.send(request).await
    }

    async fn post_form(&mut self, url: &str, form: &[(String, String)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    /// Follows an authorization URL through the login form (and the consent page, if any)
    /// to the client's redirect URI; returns that final `Location`.
    async fn authorize(&mut self, server: &Server, url: &str) -> String {
        let mut page = self.get(url).await;
        if page.status == StatusCode::OK && page.body.contains("name=\"password\"") {
            assert_eq!(page.headers["x-frame-options"], "DENY");
            let mut form = page.hidden_inputs();
            form.push(("username".into(), USER.into()));
            form.push(("password".into(), PASSWORD.into()));
            let login = self.post_form(&server.url("/oauth/login"), &form).await;
            assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
            assert!(self.jar.contains_key("__Host-oauth-session"));
            page = self.get(&login.location()).await;
        }
        if page.status == StatusCode::OK && page.body.contains("name=\"decision\"") {
            let mut form = page.hidden_inputs();
            form.push(("decision".into(), "approve".into()));
            page = self.post_form(&server.url("/oauth/consent"), &form).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        } else {
            assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
        }
        page.location()
    }
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

async fn discover(server: &Server, http: &reqwest::Client) -> serde_json::Value {
    http.get(server.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_oidc_client_runs_the_whole_flow_and_the_resource_server_trusts_only_our_tokens() {
    let api_port = free_port();
    let audience = format!("http://127.0.0.1:{api_port}");
    let server = Server::start(&audience).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Discovery (the openidconnect crate also fetches the JWKS).
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(server.issuer.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let raw = discover(&server, &http).await;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(CLIENT_ID.into()),
        Some(ClientSecret::new(CLIENT_SECRET.into())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
    .set_revocation_url(
        RevocationUrl::new(raw["revocation_endpoint"].as_str().unwrap().into()).unwrap(),
    )
    .set_introspection_url(
        IntrospectionUrl::new(raw["introspection_endpoint"].as_str().unwrap().into()).unwrap(),
    );

    // Authorize with PKCE, through the login form and the consent page.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .add_scope(Scope::new("read:profile".into()))
        .add_scope(Scope::new("read:groups".into()))
        .set_pkce_challenge(challenge)
        .url();
    let mut browser = Browser::new();
    let callback = browser.authorize(&server, url.as_str()).await;
    assert!(callback.starts_with(REDIRECT), "{callback}");
    assert_eq!(
        param(&callback, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert_eq!(
        param(&callback, "iss").as_deref(),
        Some(server.issuer.as_str()),
        "RFC 9207"
    );
    let code = param(&callback, "code").expect("a code");

    // Token, and the id_token verified by the library (signature via JWKS, iss, aud, exp,
    // nonce), with at_hash binding it to the access token.
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("an id_token with openid");
    let id_verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&id_verifier, &nonce)
        .expect("the id_token verifies");
    let at_hash = claims.access_token_hash().expect("at_hash");
    let computed = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(&computed, at_hash);
    assert!(claims.auth_time().is_some());
    assert!(
        id_token
            .claims(&id_verifier, &Nonce::new("another".into()))
            .is_err(),
        "a wrong nonce is refused"
    );

    // Userinfo.
    let info: openidconnect::core::CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some(USER));

    // The resource server, pointed at the authorization server.
    let api = resource_server::app(
        resource_server::verifier(|name| match name {
            "OAUTH_ISSUER" => Some(server.issuer.clone()),
            "OAUTH_AUDIENCE" => Some(audience.clone()),
            "OAUTH_JWKS_URL" => Some(server.url("/.well-known/jwks.json")),
            _ => None,
        })
        .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", api_port))
        .await
        .unwrap();
    let api_task = tokio::spawn(async move { axum::serve(listener, api).await });
    let call = |path: &'static str, token: String| {
        let http = http.clone();
        async move {
            http.get(format!("http://127.0.0.1:{api_port}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let access = tokens.access_token().secret().clone();
    let response = call("/api/profile", access.clone()).await;
    assert_eq!(response.status(), 200, "the server's own token is accepted");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["sub"], claims.subject().as_str());
    let response = call("/api/workflows", access.clone()).await;
    assert_eq!(response.status(), 403, "no manage:workflows scope");
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
    refuses_foreign_tokens(&call, &server, &audience).await;
    let anonymous = http
        .get(format!("http://127.0.0.1:{api_port}/api/profile"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401, "no token");
    assert_eq!(
        anonymous.headers()["www-authenticate"],
        "Bearer realm=\"workflows-api\""
    );

    // Refresh rotates; the old refresh token is then refused.
    let refresh = tokens.refresh_token().expect("a refresh token").clone();
    let rotated = client
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    let new_refresh = rotated
        .refresh_token()
        .expect("a rotated refresh token")
        .clone();
    assert_ne!(new_refresh.secret(), refresh.secret());
    match client
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request_async(&http)
        .await
    {
        Err(RequestTokenError::ServerResponse(error)) => {
            assert_eq!(*error.error(), CoreErrorResponseType::InvalidGrant);
        }
        other => panic!("the rotated-out refresh token must be refused: {other:?}"),
    }

    // Revoke the grant through its refresh token; introspection then says inactive for both
    // the refresh token and the grant's access token.
    let new_access = rotated.access_token().clone();
    let introspection = client
        .introspect(&new_access)
        .request_async(&http)
        .await
        .unwrap();
    assert!(introspection.active());
    // The oauth2 crate refuses a revocation URL that is not https (RFC 7009 §2 requires
    // TLS) and this test server speaks plain http on loopback, so the library only builds
    // the request; reqwest sends the same form it would.
    assert!(matches!(
        client.revoke_token(CoreRevocableToken::from(new_refresh.clone())),
        Err(openidconnect::ConfigurationError::InsecureUrl(_))
    ));
    let revoked = http
        .post(server.url("/oauth/revoke"))
        .header("authorization", basic(CLIENT_ID, CLIENT_SECRET))
        .form(&[
            ("token", new_refresh.secret().as_str()),
            ("token_type_hint", "refresh_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200, "RFC 7009: 200 with an empty body");
    assert_eq!(revoked.headers()["cache-control"], "no-store");
    let introspection = client
        .introspect(&new_access)
        .request_async(&http)
        .await
        .unwrap();
    assert!(!introspection.active(), "revoked");
    let raw = http
        .post(server.url("/oauth/introspect"))
        .header("authorization", basic(CLIENT_ID, CLIENT_SECRET))
        .form(&[("token", new_refresh.secret().as_str())])
        .send()
        .await
        .unwrap();
    let raw: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(raw, serde_json::json!({"active": false}));

    // HTTP-level negatives against the same running binary.
    negatives(&server, &http, &mut browser).await;
    api_task.abort();
}

/// The resource server refuses tokens from another issuer, for another audience, signed by
/// an unknown key (or by a key impersonating the server's `kid`), and `alg: none`.
async fn refuses_foreign_tokens<F, Fut>(call: &F, server: &Server, audience: &str)
where
    F: Fn(&'static str, String) -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let mint = |pem: &str, kid: &str, iss: &str, aud: &str| {
        let pem = std::fs::read(key_path(pem)).unwrap();
        let keys = KeySet::new(SigningKey::from_pem(kid, Algorithm::RS256, &pem).unwrap());
        AccessTokenIssuer::new(IssuerConfig::new(iss, aud), &keys)
            .issue(
                &AccessTokenRequest::new("intruder")
                    .scope(CoreScope::parse("read:profile manage:workflows")),
            )
            .unwrap()
            .token
            .secret()
            .to_owned()
    };
    // Sanity: the same minting with the server's own key, issuer and audience is accepted,
    // so the refusals below are about the one thing each case changes.
    let own = mint("rsa2048.pem", KEY_ID, &server.issuer, audience);
    assert_eq!(call("/api/profile", own).await.status(), 200);

    for (why, token) in [
        (
            "another issuer",
            mint("rsa2048.pem", KEY_ID, "https://evil.example", audience),
        ),
        (
            "another audience",
            mint(
                "rsa2048.pem",
                KEY_ID,
                &server.issuer,
                "https://other-api.example",
            ),
        ),
        (
            "an unknown key",
            mint("rsa2048-b.pem", "attacker-key", &server.issuer, audience),
        ),
        (
            "another key under our kid",
            mint("rsa2048-b.pem", KEY_ID, &server.issuer, audience),
        ),
    ] {
        let response = call("/api/profile", token).await;
        assert_eq!(response.status(), 401, "{why}");
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .contains("invalid_token"),
            "{why}"
        );
    }

    // RFC 8725 §3.1: alg=none must be rejected.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"at+jwt"}"#);
    let claims = URL_SAFE_NO_PAD.encode(
        serde_json::json!({
            "iss": server.issuer, "aud": audience, "sub": "intruder", "iat": now,
            "exp": now + 600, "jti": "x", "scope": "read:profile manage:workflows"
        })
        .to_string(),
    );
    let response = call("/api/profile", format!("{header}.{claims}.")).await;
    assert_eq!(response.status(), 401, "alg none");
    // An empty bearer value is malformed (RFC 6750 §3.1 invalid_request).
    let response = call("/api/profile", String::new()).await;
    assert_eq!(response.status(), 400);
}

async fn negatives(server: &Server, http: &reqwest::Client, browser: &mut Browser) {
    let challenge = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let authorize = |extra: &[(&str, &str)]| {
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("scope", "openid read:profile"),
            ("state", "s1"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        for (name, value) in extra {
            pairs.retain(|(key, _)| key != name);
            pairs.push((name, value));
        }
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        server.url(&format!("/oauth/authorize?{query}"))
    };

    // A redirect URI that is not registered: an error page, no Location.
    for bad in [
        "http://127.0.0.1:3000/callback/",
        "http://127.0.0.1:3000/callback?x",
        "http://127.0.0.1:3000/CALLBACK",
        "http://127.0.0.1:3000/callback/..;/",
        "http://127.0.0.1:3000@evil.example/callback",
        "https://127.0.0.1:3000/callback",
    ] {
        let page = browser.get(&authorize(&[("redirect_uri", bad)])).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(page.headers.get(LOCATION).is_none(), "{bad}");
    }
    // Unknown client: the same.
    let page = browser.get(&authorize(&[("client_id", "nobody")])).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.headers.get(LOCATION).is_none());

    // response_type=token (implicit) is refused at the redirect URI.
    let page = browser.get(&authorize(&[("response_type", "token")])).await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(
        param(&page.location(), "error").as_deref(),
        Some("unsupported_response_type")
    );
    // PKCE missing, or plain.
    let without_pkce = authorize(&[]).replace(&format!("&code_challenge={challenge}"), "");
    assert!(!without_pkce.contains("code_challenge="));
    for url in [
        without_pkce,
        authorize(&[("code_challenge_method", "plain")]),
    ] {
        let page = browser.get(&url).await;
        assert_eq!(page.status, StatusCode::FOUND);
        assert_eq!(
            param(&page.location(), "error").as_deref(),
            Some("invalid_request")
        );
        assert_eq!(param(&page.location(), "code"), None);
    }

    // prompt=none without a session: login_required, no page.
    let mut anonymous = Browser::new();
    let page = anonymous.get(&authorize(&[("prompt", "none")])).await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(
        param(&page.location(), "error").as_deref(),
        Some("login_required")
    );
    assert!(page.body.is_empty());

    // Wrong secret: 401 invalid_client with a Basic challenge.
    let response = http
        .post(server.url("/oauth/token"))
        .header(
            "authorization",
            basic(CLIENT_ID, "not-the-secret-not-the-secret-not-the"),
        )
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");

    // grant_type=password does not exist here.
    let response = http
        .post(server.url("/oauth/token"))
        .header("authorization", basic(CLIENT_ID, CLIENT_SECRET))
        .form(&[
            ("grant_type", "password"),
            ("username", USER),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");

    // Code replay: refused, and the tokens of the first exchange are revoked.
    let verifier = "e2e-replay-verifier-0123456789-0123456789-abcdef";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let location = browser
        .authorize(
            server,
            &authorize(&[("code_challenge", challenge.as_str())]),
        )
        .await;
    let code = param(&location, "code").expect("a code (the browser is signed in and consented)");
    let exchange = || {
        http.post(server.url("/oauth/token"))
            .header("authorization", basic(CLIENT_ID, CLIENT_SECRET))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
            ])
            .send()
    };
    let first: serde_json::Value = exchange().await.unwrap().json().await.unwrap();
    let access = first["access_token"].as_str().expect("tokens").to_owned();
    let userinfo = || {
        http.get(server.url("/oauth/userinfo"))
            .bearer_auth(&access)
            .send()
    };
    assert_eq!(userinfo().await.unwrap().status(), 200);
    let replay = exchange().await.unwrap();
    assert_eq!(replay.status(), 400);
    let body: serde_json::Value = replay.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        userinfo().await.unwrap().status(),
        401,
        "the replay revoked the first tokens"
    );
}

/// An authorization request of the openidconnect crate.
type AuthorizationRequest<'a> = openidconnect::AuthorizationRequest<
    'a,
    openidconnect::core::CoreAuthDisplay,
    CoreAuthPrompt,
    openidconnect::core::CoreResponseType,
>;
/// Adds options to an authorization request.
type Tune = for<'a> fn(AuthorizationRequest<'a>) -> AuthorizationRequest<'a>;

/// Runs the example to its exit (30 s at most; one still running then is killed and the test
/// fails); its status and standard error.
fn run_to_exit(mut command: Command) -> (std::process::ExitStatus, String) {
    let mut child = command
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example binary starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the example kept running: it must refuse to start");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

// Issue 12 item 10: the demo client secret and demo password are published, so the example
// refuses to serve a non-loopback address with them — whether they come from the defaults or
// from a database a loopback run seeded — and says what to set; on loopback the no-setup
// defaults still start.
#[tokio::test(flavor = "multi_thread")]
async fn example_refuses_published_demo_credentials_off_loopback() {
    let audience = "http://127.0.0.1:1";
    let dir = temp_dir();
    let (status, stderr) = run_to_exit(example(&dir, "0.0.0.0", 0, audience));
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("OAUTH_DEMO_CLIENT_SECRET") && stderr.contains("OAUTH_DEMO_PASSWORD"),
        "the error names the variables to set: {stderr}"
    );
    assert!(stderr.contains("0.0.0.0"), "{stderr}");

    // On loopback the defaults serve (and seed the demo user with the published password)…
    let port = free_port();
    let child = example(&dir, "127.0.0.1", port, audience)
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut server = Server::ready(child, dir, port).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    // …and that database stays refused off loopback, even with both variables set.
    let mut own_values = example(&server.dir, "0.0.0.0", 0, audience);
    own_values
        .env("OAUTH_DEMO_CLIENT_SECRET", CLIENT_SECRET)
        .env("OAUTH_DEMO_PASSWORD", PASSWORD);
    let (status, stderr) = run_to_exit(own_values);
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("published demo password"), "{stderr}");
}

// OIDC Core §3.1.2.1 / §15.1, §6.2, Discovery §3, RFC 8252 §7.3 and the Form Post Response Mode,
// as the openidconnect crate sees them against the example: prompt=login and max_age=0 show the
// login page to a signed-in user and the id_token's auth_time is that new sign-in; discovery
// says request_uri is not supported and lists exactly query and form_post; a request_uri is
// refused; the native client's loopback redirect URI works on any port; form_post answers with
// a page posting the code (issue 12 items 5, 6, 11).
#[tokio::test(flavor = "multi_thread")]
async fn oidc_request_semantics_seen_by_a_real_client() {
    let server = Server::start("http://127.0.0.1:1").await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(server.issuer.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    assert_eq!(metadata.request_uri_parameter_supported(), Some(false));
    assert_eq!(metadata.request_parameter_supported(), Some(false));
    assert_eq!(
        metadata.response_modes_supported(),
        Some(&vec![CoreResponseMode::Query, CoreResponseMode::FormPost])
    );
    let public_redirect = "http://127.0.0.1:5173/callback";
    let client =
        CoreClient::from_provider_metadata(metadata, ClientId::new(PUBLIC_CLIENT_ID.into()), None)
            .set_redirect_uri(RedirectUrl::new(public_redirect.into()).unwrap());
    let mut browser = Browser::new();

    // An authorization URL of the library; `tune` adds the request's options.
    let authorize = |tune: Tune| {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("read:profile".into()))
            .set_pkce_challenge(challenge);
        let (url, _, nonce) = tune(request).url();
        (url.to_string(), verifier, nonce)
    };
    let (url, _, _) = authorize(|request| request);
    let first = browser.authorize(&server, &url).await;
    assert!(param(&first, "code").is_some(), "signed in: {first}");

    let prompt_login: Tune = |request| request.add_prompt(CoreAuthPrompt::Login);
    let max_age_zero: Tune = |request| request.set_max_age(Duration::ZERO);
    for (why, tune) in [("prompt=login", prompt_login), ("max_age=0", max_age_zero)] {
        let (url, verifier, nonce) = authorize(tune);
        let page = browser.get(&url).await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "{why}: the login page, not a code"
        );
        assert!(page.body.contains("name=\"password\""), "{why}");
        let signed_in_from = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let callback = browser.authorize(&server, &url).await;
        let code = param(&callback, "code").expect("a code after the new sign-in");
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .unwrap()
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .expect("code exchange");
        let id_verifier = client.id_token_verifier();
        let claims = tokens
            .id_token()
            .expect("an id_token")
            .claims(&id_verifier, &nonce)
            .expect("the id_token verifies");
        let auth_time = claims
            .auth_time()
            .expect("§3.1.2.1: auth_time MUST be present");
        assert!(
            u64::try_from(auth_time.timestamp()).unwrap() >= signed_in_from,
            "{why}: auth_time is the new sign-in"
        );
    }
    let (silent, _, _) = authorize(|request| {
        request
            .set_max_age(Duration::ZERO)
            .add_prompt(CoreAuthPrompt::None)
    });
    let page = browser.get(&silent).await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(
        param(&page.location(), "error").as_deref(),
        Some("login_required")
    );

    // OIDC Core §6.2: request_uri is refused, not ignored.
    let (url, _, _) =
        authorize(|request| request.add_extra_param("request_uri", "https://rp.example/r.jwt"));
    let page = browser.get(&url).await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(
        param(&page.location(), "error").as_deref(),
        Some("request_uri_not_supported")
    );
    assert_eq!(param(&page.location(), "code"), None);

    // RFC 8252 §7.3: the native app listens on a port of its own choosing.
    let native_redirect = "http://127.0.0.1:61234/callback";
    let native = client
        .clone()
        .set_redirect_uri(RedirectUrl::new(native_redirect.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, _) = native
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let callback = browser.authorize(&server, url.as_str()).await;
    assert!(callback.starts_with(native_redirect), "{callback}");
    native
        .exchange_code(AuthorizationCode::new(param(&callback, "code").unwrap()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("the exact redirect URI of the request is accepted at the token endpoint");

    // Form Post Response Mode: a page that posts the code; nothing in a URL.
    let (url, verifier, _) =
        authorize(|request| request.add_extra_param("response_mode", "form_post"));
    let page = browser.get(&url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.headers.get(LOCATION).is_none());
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(
        page.body.contains(&format!(
            "<form method=\"post\" action=\"{public_redirect}\">"
        )),
        "{}",
        page.body
    );
    let fields: BTreeMap<String, String> = page.hidden_inputs().into_iter().collect();
    assert_eq!(fields.get("iss"), Some(&server.issuer));
    client
        .exchange_code(AuthorizationCode::new(fields["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("the posted code");
}

/// Issue 12's attack, against the real binary: a third-party confidential client (`demo-app`)
/// that the user consented to takes the refresh token of its own grant and sends it, from its
/// server, as the authorization server's sign-in cookie on an authorization request for the
/// first-party public client (`demo-spa`, no consent asked). Before session kinds, that
/// answered 302 with a code for `demo-spa`, and reached the consent form too. Now the token is
/// no sign-in: `prompt=none` answers `login_required`, otherwise the login page; the consent
/// form refuses it; and the same token at the first-party `/auth/refresh` of this host (which
/// mounts both endpoint sets on one store) is refused, as is the client's access token at
/// `/auth/me`.
#[tokio::test(flavor = "multi_thread")]
async fn session_kinds_a_clients_refresh_token_is_not_the_sign_in_cookie() {
    let server = Server::start("https://api.example").await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // The user signs in and consents for demo-app; demo-app redeems its code.
    let verifier = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let authorize = |client_id: &str, redirect: &str, extra: &str| {
        format!(
            "{}?response_type=code&client_id={client_id}&redirect_uri={}&scope={}\
             &state=s-1&code_challenge={challenge}&code_challenge_method=S256{extra}",
            server.url("/oauth/authorize"),
            form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>(),
            form_urlencoded::byte_serialize(b"openid read:profile offline_access")
                .collect::<String>(),
        )
    };
    let mut user = Browser::new();
    let callback = user
        .authorize(&server, &authorize(CLIENT_ID, REDIRECT, ""))
        .await;
    let code = param(&callback, "code").expect("a code for demo-app");
    let tokens: serde_json::Value = http
        .post(server.url("/oauth/token"))
        .header("authorization", basic(CLIENT_ID, CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refresh_token = tokens["refresh_token"].as_str().expect("a refresh token");
    let access_token = tokens["access_token"].as_str().expect("an access token");

    // The client replays its refresh token as the sign-in cookie.
    let mut attacker = Browser::new();
    attacker
        .jar
        .insert("__Host-oauth-session".into(), refresh_token.into());
    let spa_redirect = "http://127.0.0.1:5173/callback";
    let silent = attacker
        .get(&authorize(PUBLIC_CLIENT_ID, spa_redirect, "&prompt=none"))
        .await;
    assert_eq!(silent.status, StatusCode::FOUND, "{}", silent.body);
    let location = silent.location();
    assert!(location.starts_with(spa_redirect), "{location}");
    assert_eq!(param(&location, "code"), None, "no code: {location}");
    assert_eq!(
        param(&location, "error").as_deref(),
        Some("login_required"),
        "{location}"
    );

    let page = attacker
        .get(&authorize(PUBLIC_CLIENT_ID, spa_redirect, ""))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"password\""), "the login page");
    assert!(!page.body.contains("name=\"decision\""), "no consent form");

    // The consent form does not take it either (the page's CSRF token is real; the sign-in
    // is not).
    let consent_page = attacker
        .get(&authorize(CLIENT_ID, REDIRECT, "&prompt=consent"))
        .await;
    let mut form = consent_page.hidden_inputs();
    form.push(("decision".into(), "approve".into()));
    let consent = attacker
        .post_form(&server.url("/oauth/consent"), &form)
        .await;
    assert_ne!(consent.status, StatusCode::SEE_OTHER, "{}", consent.body);
    assert!(consent.body.contains("name=\"password\""), "the login page");

    // The same host's first-party account API refuses the client's credentials.
    let refresh = http
        .post(server.url("/auth/refresh"))
        .json(&serde_json::json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
    let me = http
        .get(server.url("/auth/me"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);

    // And the grant still works for its own client: nothing above rotated or revoked it.
    let rotated = http
        .post(server.url("/oauth/token"))
        .header("authorization", basic(CLIENT_ID, CLIENT_SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(rotated.status(), StatusCode::OK);
}
