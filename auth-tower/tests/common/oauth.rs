//! Social login through the routes, against a local mock provider (wiremock), as
//! auth-providers' own tests do: Kakao's preset rebased onto the mock server.

use std::sync::Arc;
use std::time::Duration;

use auth_core::ManualClock;
use auth_core::store::{IdentityStore, UserStore};
use auth_providers::url::{self, Url};
use auth_providers::{
    ClientSecret, Credentials, HttpClient, LoginFlow, MemoryPendingLoginStore, OAuthProvider,
    Provider,
};
use auth_tower::{EndpointsConfig, SocialLoginConfig};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::scenarios::Build;
use super::{Options, Req, Resp};

pub const EMAIL: &str = "minsu@kakao.example";

/// Providers for the fixture's login flow, and the routes' configuration.
#[derive(Clone)]
pub struct Setup {
    pub providers: Vec<Arc<dyn OAuthProvider>>,
    pub config: SocialLoginConfig,
}

impl Setup {
    /// A flow reading the fixture's clock, with a short HTTP timeout.
    pub fn flow(&self, clock: &ManualClock) -> LoginFlow {
        // The flow passes its clock's time to the store.
        let store = MemoryPendingLoginStore::new();
        let http = HttpClient::with_timeout(Duration::from_millis(500)).unwrap();
        let mut flow = LoginFlow::new(Arc::new(store), http).with_clock(Arc::new(clock.clone()));
        for provider in &self.providers {
            flow.add_provider(provider.clone()).unwrap();
        }
        flow
    }
}

/// Kakao, pointed at `server`, redirecting back to our callback route.
pub fn setup(server: &MockServer, config: SocialLoginConfig) -> Setup {
    let kakao = Provider::kakao(Credentials::new(
        "client-123",
        ClientSecret::new("s3cret-value"),
        Url::parse("https://app.test/auth/oauth/kakao/callback").unwrap(),
    ))
    .rebased(&Url::parse(&server.uri()).unwrap());
    Setup {
        providers: vec![Arc::new(kakao)],
        config,
    }
}

fn options(server: &MockServer, config: SocialLoginConfig) -> Options {
    Options {
        oauth: Some(setup(server, config)),
        ..Options::default()
    }
}

fn cookie_config() -> EndpointsConfig {
    let mut config = EndpointsConfig::cookie_mode();
    config.allowed_origins = vec!["https://app.test".to_owned()];
    config
}

fn kakao_me(verified: bool) -> Value {
    json!({
        "id": 3_912_345_678_u64,
        "properties": {"nickname": "민수"},
        "kakao_account": {
            "profile": {"nickname": "민수"},
            "has_email": true,
            "email_needs_agreement": false,
            "is_email_valid": true,
            "is_email_verified": verified,
            "email": EMAIL
        }
    })
}

/// Matches a token request whose `code` is `code` and whose `code_verifier` hashes (S256) to
/// `challenge`: PKCE end to end through the routes.
struct PkceMatches {
    challenge: String,
    code: String,
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
        computed == self.challenge && get("code").as_deref() == Some(self.code.as_str())
    }
}

/// Mounts Kakao's token and profile endpoints; the token endpoint only answers the code
/// `the-code` with the verifier of `challenge`, at most once.
async fn mount_provider(server: &MockServer, challenge: &str, verified: bool) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(PkceMatches {
            challenge: challenge.to_owned(),
            code: "the-code".to_owned(),
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "bearer", "access_token": "kakao-at", "expires_in": 21599,
            "refresh_token": "kakao-rt"
        })))
        .up_to_n_times(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/user/me"))
        .and(header("authorization", "Bearer kakao-at"))
        .respond_with(ResponseTemplate::new(200).set_body_json(kakao_me(verified)))
        .mount(server)
        .await;
}

async fn token_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|request| request.url.path() == "/oauth/token")
        .count()
}

/// A started login: the authorization URL's parameters and the binding cookie.
struct Started {
    params: Vec<(String, String)>,
    binding: String,
}

impl Started {
    fn param(&self, name: &str) -> String {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_else(|| panic!("no {name} in the authorization URL"))
    }

    fn cookie(&self) -> String {
        format!("__Host-oauth={}", self.binding)
    }

    /// What the provider redirects the browser to: the redirect URI with `code` and `state`.
    fn callback(&self, code: &str) -> Req {
        let redirect = Url::parse(&self.param("redirect_uri")).unwrap();
        assert_eq!(redirect.path(), "/auth/oauth/kakao/callback");
        Req::get(&format!(
            "{}?code={code}&state={}",
            redirect.path(),
            self.param("state")
        ))
    }
}

async fn start(app: &super::Client, server: &MockServer) -> Started {
    let resp = app.send(Req::get("/auth/oauth/kakao")).await;
    assert_eq!(resp.status, 302, "{}", resp.text());
    assert_eq!(resp.header("cache-control"), Some("no-store"));
    let location = Url::parse(resp.header("location").expect("location")).unwrap();
    assert_eq!(
        location.as_str().split('?').next().unwrap(),
        format!("{}/oauth/authorize", server.uri())
    );
    let params: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    let (binding, binding_header) = resp.cookie("__Host-oauth").expect("binding cookie");
    assert_eq!(
        binding_header,
        format!("__Host-oauth={binding}; Path=/; Max-Age=600; Secure; SameSite=Lax; HttpOnly"),
        "Lax: it must come back on the provider's top-level redirect"
    );
    let started = Started { params, binding };
    assert_eq!(started.param("code_challenge_method"), "S256");
    assert_eq!(started.param("client_id"), "client-123");
    started
}

fn assert_binding_cleared(resp: &Resp) {
    let (value, cleared) = resp.cookie("__Host-oauth").expect("binding cookie cleared");
    assert!(
        value.is_empty() && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
}

fn assert_no_session(resp: &Resp) {
    assert!(resp.cookie("__Host-refresh").is_none(), "no session cookie");
    assert!(!resp.text().contains("access_token"));
}

fn assert_refused(resp: &Resp, status: u16, code: &str) {
    assert_eq!(resp.status, status, "{}", resp.text());
    assert_eq!(resp.error(), code, "{}", resp.text());
    assert_eq!(resp.header("cache-control"), Some("no-store"));
    assert_binding_cleared(resp);
    assert_no_session(resp);
}

// ---------------------------------------------------------------- scenarios

/// start → the authorization URL's parameters → the provider's redirect to our callback →
/// session cookies, a redirect with no token → `POST /refresh` with the cookie + CSRF header.
pub async fn social_login_full(build: &Build) {
    let server = MockServer::start().await;
    let (fx, app) = build(
        options(
            &server,
            SocialLoginConfig::default().post_login_url("/welcome"),
        ),
        cookie_config(),
    );
    let started = start(&app, &server).await;
    mount_provider(&server, &started.param("code_challenge"), true).await;

    let resp = app
        .send(
            started
                .callback("the-code")
                .header("cookie", &started.cookie()),
        )
        .await;
    assert_eq!(resp.status, 303, "{}", resp.text());
    // Exactly the configured page: no token, code or state in the URL.
    assert_eq!(resp.header("location"), Some("/welcome"));
    assert!(resp.body.is_empty());
    assert_eq!(resp.header("cache-control"), Some("no-store"));
    assert_binding_cleared(&resp);
    let (refresh, refresh_header) = resp.cookie("__Host-refresh").expect("refresh cookie");
    assert_eq!(
        refresh_header,
        format!(
            "__Host-refresh={refresh}; Path=/; Max-Age=2592000; Secure; SameSite=Strict; HttpOnly"
        )
    );
    let (csrf, csrf_header) = resp.cookie("__Host-csrf").expect("csrf cookie");
    assert!(!csrf_header.contains("HttpOnly"), "readable by the page");
    assert!(!resp.header("location").unwrap().contains(&refresh));

    // The page asks for an access token.
    let cookies = format!("__Host-refresh={refresh}; __Host-csrf={csrf}");
    let no_csrf = app
        .send(
            Req::post("/auth/refresh")
                .header("cookie", &cookies)
                .header("origin", "https://app.test"),
        )
        .await;
    assert_eq!(no_csrf.status, 403, "{}", no_csrf.text());
    let refreshed = app
        .send(
            Req::post("/auth/refresh")
                .header("cookie", &cookies)
                .header("origin", "https://app.test")
                .header("x-csrf-token", &csrf),
        )
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text());
    let access = refreshed.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = app.send(Req::get("/auth/me").bearer(&access)).await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["email"], EMAIL);
    assert_eq!(me.json()["email_verified"], true);

    // The account is linked to the provider identity.
    let user = fx.stores.users.user_by_email(EMAIL).await.unwrap().unwrap();
    let identities = fx
        .stores
        .identities
        .identities_for_user(user.id)
        .await
        .unwrap();
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0].provider, "kakao");
    assert_eq!(identities[0].subject, "3912345678");
}

/// Issue 15: a social login of an account with TOTP gives no session yet: the callback
/// leaves the challenge in an HttpOnly cookie and sends the browser to the post-login page
/// with `second_factor=required`; the page posts the code (no challenge in the body) and gets
/// the session cookies.
pub async fn social_login_with_totp_needs_the_second_factor(build: &Build) {
    use auth_core::Clock as _;
    use auth_core::mfa::TotpConfig;
    use auth_core::store::SessionStore as _;

    let server = MockServer::start().await;
    let (fx, app) = build(
        options(
            &server,
            SocialLoginConfig::default().post_login_url("/welcome"),
        ),
        cookie_config(),
    );
    let started = start(&app, &server).await;
    mount_provider(&server, &started.param("code_challenge"), true).await;
    let first = app
        .send(
            started
                .callback("the-code")
                .header("cookie", &started.cookie()),
        )
        .await;
    assert_eq!(first.status, 303, "{}", first.text());

    // The owner enrols TOTP in that session.
    let user = fx.stores.users.user_by_email(EMAIL).await.unwrap().unwrap();
    let session = fx
        .stores
        .sessions
        .active_sessions(user.id, fx.clock.now())
        .await
        .unwrap()
        .remove(0);
    let secret = fx
        .service
        .start_totp_enrolment(user.id, session.id)
        .await
        .unwrap()
        .into_secret();
    let totp = TotpConfig::default();
    let code = totp.code_at(&secret, fx.clock.now()).unwrap().to_string();
    fx.service
        .confirm_totp(user.id, session.id, &code)
        .await
        .unwrap();

    fx.clock.advance(Duration::from_secs(30));
    let started = start(&app, &server).await;
    mount_provider(&server, &started.param("code_challenge"), true).await;
    let second = app
        .send(
            started
                .callback("the-code")
                .header("cookie", &started.cookie()),
        )
        .await;
    assert_eq!(second.status, 303, "{}", second.text());
    assert_eq!(
        second.header("location"),
        Some("/welcome?second_factor=required")
    );
    assert_no_session(&second);
    let (challenge, header) = second
        .cookie(auth_tower::SECOND_FACTOR_COOKIE)
        .expect("the challenge cookie");
    assert!(
        header.contains("HttpOnly") && header.contains("SameSite=Strict"),
        "{header}"
    );
    assert!(!second.header("location").unwrap().contains(&challenge));

    let code = totp.code_at(&secret, fx.clock.now()).unwrap().to_string();
    let done = app
        .send(
            Req::post("/auth/login/second-factor")
                .header(
                    "cookie",
                    &format!("{}={challenge}", auth_tower::SECOND_FACTOR_COOKIE),
                )
                .header("origin", "https://app.test")
                .json(json!({"code": code})),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(
        done.cookie("__Host-refresh").is_some(),
        "the session cookies"
    );
    let (cleared, _) = done
        .cookie(auth_tower::SECOND_FACTOR_COOKIE)
        .expect("the challenge cookie is cleared");
    assert!(cleared.is_empty());
    let access = done.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.send(Req::get("/auth/me").bearer(&access)).await.status,
        200
    );
}

/// A callback without `state` (or the seed's `"null"`), and a replayed one, are refused
/// before any code exchange; the second use of a good state finds nothing.
pub async fn social_login_state_missing_or_replayed(build: &Build) {
    let server = MockServer::start().await;
    let (_fx, app) = build(
        options(&server, SocialLoginConfig::default()),
        cookie_config(),
    );
    let started = start(&app, &server).await;
    mount_provider(&server, &started.param("code_challenge"), true).await;

    for query in [
        "code=the-code",
        "code=the-code&state=",
        "code=the-code&state=null",
    ] {
        let resp = app
            .send(
                Req::get(&format!("/auth/oauth/kakao/callback?{query}"))
                    .header("cookie", &started.cookie()),
            )
            .await;
        assert_refused(&resp, 400, "login_failed");
    }
    assert_eq!(
        token_requests(&server).await,
        0,
        "no exchange without state"
    );

    let first = app
        .send(
            started
                .callback("the-code")
                .header("cookie", &started.cookie()),
        )
        .await;
    assert_eq!(first.status, 303, "{}", first.text());
    let replay = app
        .send(
            started
                .callback("the-code")
                .header("cookie", &started.cookie()),
        )
        .await;
    assert_refused(&replay, 400, "login_failed");
    assert_eq!(
        token_requests(&server).await,
        1,
        "the replay exchanged nothing"
    );
}

/// The callback must come from the browser that started the login (login CSRF): another
/// binding cookie, none, or two are refused — and with an error URL, the browser is sent
/// there with a generic code.
pub async fn social_login_wrong_browser(build: &Build) {
    let server = MockServer::start().await;
    let (_fx, app) = build(
        options(&server, SocialLoginConfig::default().error_url("/login")),
        cookie_config(),
    );
    let victim = start(&app, &server).await;
    let attacker = start(&app, &server).await;
    mount_provider(&server, &victim.param("code_challenge"), true).await;

    let wrong = app
        .send(
            victim
                .callback("the-code")
                .header("cookie", &attacker.cookie()),
        )
        .await;
    assert_eq!(wrong.status, 303, "{}", wrong.text());
    assert_eq!(wrong.header("location"), Some("/login?error=login_failed"));
    assert_binding_cleared(&wrong);
    assert_no_session(&wrong);
    assert_eq!(token_requests(&server).await, 0);

    // The state was consumed by the refused attempt: even the right browser cannot reuse it.
    let late = app
        .send(
            victim
                .callback("the-code")
                .header("cookie", &victim.cookie()),
        )
        .await;
    assert_eq!(late.header("location"), Some("/login?error=login_failed"));

    let fresh = start(&app, &server).await;
    let none = app.send(fresh.callback("the-code")).await;
    assert_eq!(none.header("location"), Some("/login?error=login_failed"));
    let fresh = start(&app, &server).await;
    let twice = app
        .send(
            fresh
                .callback("the-code")
                .header("cookie", &format!("{}; {}", fresh.cookie(), fresh.cookie())),
        )
        .await;
    assert_eq!(twice.header("location"), Some("/login?error=login_failed"));
    assert_no_session(&twice);
    assert_eq!(token_requests(&server).await, 0);
}

/// The provider's `error` becomes a generic code; its description never reaches the page.
pub async fn social_login_provider_error(build: &Build) {
    let server = MockServer::start().await;
    let (_fx, app) = build(
        options(&server, SocialLoginConfig::default()),
        cookie_config(),
    );
    let started = start(&app, &server).await;
    let query = format!(
        "/auth/oauth/kakao/callback?state={}&error=access_denied&error_description=User%20denied%20xyzzy",
        started.param("state")
    );
    let denied = app
        .send(Req::get(&query).header("cookie", &started.cookie()))
        .await;
    assert_refused(&denied, 400, "access_denied");
    assert!(!denied.text().contains("xyzzy"), "no provider text");

    let started = start(&app, &server).await;
    let query = format!(
        "/auth/oauth/kakao/callback?state={}&error=server_error&error_description=stack%20trace%20xyzzy",
        started.param("state")
    );
    let failed = app
        .send(Req::get(&query).header("cookie", &started.cookie()))
        .await;
    assert_refused(&failed, 400, "login_failed");
    assert!(!failed.text().contains("xyzzy") && !failed.text().contains("server_error"));

    // The token endpoint refusing the code, and the provider being down.
    let started = start(&app, &server).await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant", "error_description": "code xyzzy expired"
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let rejected = app
        .send(
            started
                .callback("the-code")
                .header("cookie", &started.cookie()),
        )
        .await;
    assert_refused(&rejected, 400, "login_failed");
    assert!(!rejected.text().contains("xyzzy") && !rejected.text().contains("invalid_grant"));

    let started = start(&app, &server).await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream xyzzy"))
        .mount(&server)
        .await;
    let down = app
        .send(
            started
                .callback("the-code")
                .header("cookie", &started.cookie()),
        )
        .await;
    assert_refused(&down, 502, "temporarily_unavailable");
    assert!(!down.text().contains("xyzzy"));
}

/// Unknown providers are 404 on both routes; so is everything when no flow is configured.
/// Issue 13: the page that links to the login may pass `login_hint` and `prompt` through to
/// the provider, with one registered provider; a malformed one is refused before a pending
/// login is parked, and scopes are never taken from the query.
pub async fn social_login_start_passes_login_hint_and_prompt(build: &Build) {
    let server = MockServer::start().await;
    let (_fx, app) = build(
        options(&server, SocialLoginConfig::default()),
        cookie_config(),
    );
    let resp = app
        .send(Req::get(
            "/auth/oauth/kakao?login_hint=kim%40example.com&prompt=login&scope=admin",
        ))
        .await;
    assert_eq!(resp.status, 302, "{}", resp.text());
    let location = Url::parse(resp.header("location").expect("location")).unwrap();
    let sent = |name: &str| -> Vec<String> {
        location
            .query_pairs()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .collect()
    };
    assert_eq!(sent("login_hint"), ["kim@example.com"]);
    assert_eq!(sent("prompt"), ["login"]);
    assert!(
        sent("scope").iter().all(|scope| !scope.contains("admin")),
        "{:?}",
        sent("scope")
    );

    for refused in [
        "/auth/oauth/kakao?prompt=always",
        "/auth/oauth/kakao?login_hint=a&login_hint=b",
        "/auth/oauth/kakao?login_hint=kim%0D%0AX:%20y",
    ] {
        let resp = app.send(Req::get(refused)).await;
        assert_eq!(resp.status, 400, "{refused}: {}", resp.text());
        assert_eq!(resp.error(), "login_failed", "{refused}");
        assert!(resp.header("location").is_none(), "{refused}");
        assert!(
            resp.cookie("__Host-oauth").is_none(),
            "nothing parked: {refused}"
        );
    }
}

pub async fn social_login_unknown_provider(build: &Build) {
    let server = MockServer::start().await;
    let (_fx, app) = build(
        options(&server, SocialLoginConfig::default()),
        cookie_config(),
    );
    for uri in [
        "/auth/oauth/github",
        "/auth/oauth/github/callback?code=c&state=s",
        "/auth/oauth/kakao/other",
        "/auth/oauth/",
    ] {
        let resp = app.send(Req::get(uri)).await;
        assert_eq!(resp.status, 404, "{uri}: {}", resp.text());
        assert!(resp.cookie("__Host-oauth").is_none());
    }
    let post = app.send(Req::post("/auth/oauth/kakao")).await;
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET"));

    let (_fx, plain) = build(Options::default(), cookie_config());
    let resp = plain.send(Req::get("/auth/oauth/kakao")).await;
    assert_eq!(resp.status, 404);
}

/// An existing account is never linked on an email the provider does not vouch for
/// (account takeover by registering the victim's address at the provider).
pub async fn social_login_unverified_email_does_not_link(build: &Build) {
    let server = MockServer::start().await;
    let (fx, app) = build(
        options(&server, SocialLoginConfig::default()),
        cookie_config(),
    );
    fx.user(EMAIL).await;
    let mut owner = fx.stores.users.user_by_email(EMAIL).await.unwrap().unwrap();
    owner.email_verified = true;
    fx.stores.users.update_user(&owner).await.unwrap();

    let started = start(&app, &server).await;
    mount_provider(&server, &started.param("code_challenge"), false).await;
    let resp = app
        .send(
            started
                .callback("the-code")
                .header("cookie", &started.cookie()),
        )
        .await;
    // The same answer whether or not an account has the address (auth-core refuses every
    // unverified address), so it tells the user what to do and nothing about accounts.
    assert_refused(&resp, 400, "email_not_verified");
    assert_eq!(token_requests(&server).await, 1);
    let identities = fx
        .stores
        .identities
        .identities_for_user(owner.id)
        .await
        .unwrap();
    assert!(identities.is_empty(), "nothing linked");
    assert!(
        fx.stores
            .identities
            .identity("kakao", "3912345678")
            .await
            .unwrap()
            .is_none()
    );
}

/// Pending-login flooding: each `GET /auth/oauth/{provider}` parks a pending login in a
/// bounded store, so one network gets `social_start` (30 per minute) starts, then 429 with
/// `Retry-After` and no binding cookie (nothing parked); another network is unaffected.
pub async fn social_login_start_flood_gets_429(build: &Build) {
    let server = MockServer::start().await;
    let (_fx, app) = build(
        options(&server, SocialLoginConfig::default()),
        cookie_config(),
    );
    for _ in 0..30 {
        let resp = app.send(Req::get("/auth/oauth/kakao")).await;
        assert_eq!(resp.status, 302, "{}", resp.text());
    }
    let refused = app.send(Req::get("/auth/oauth/kakao")).await;
    assert_eq!(refused.status, 429, "{}", refused.text());
    assert_eq!(refused.error(), "too_many_attempts");
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    assert!(refused.cookie("__Host-oauth").is_none());
    let elsewhere = app
        .send(Req::get("/auth/oauth/kakao").peer("192.0.2.80"))
        .await;
    assert_eq!(elsewhere.status, 302);
}
