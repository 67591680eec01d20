//! Black-box HTTP tests through axum 0.8 (`tower::ServiceExt::oneshot`).
#![cfg(feature = "axum")]

mod common;

use std::convert::Infallible;
use std::task::{Context, Poll};

use auth_core::token::AccessTokenRequest;
use auth_tower::{AuthContext, AuthLayer, Authenticator, EndpointsConfig, Guard, Require};
use axum::body::Body;
use axum::routing::get;
use axum::{Json, Router};
use http::Request;
use serde_json::json;
use tower::Service;

use common::axum_client::axum_client;
use common::scenarios;
use common::{Admin, Client, Fixture, Options, ReadReports, Req, fixture, tiers};

async fn hello(context: AuthContext) -> Json<serde_json::Value> {
    Json(json!({
        "sub": context.subject(),
        "sid": context.claims().sid,
        "roles": context.claims().roles,
    }))
}

async fn optional(context: Option<AuthContext>) -> Json<serde_json::Value> {
    Json(json!({ "sub": context.map(|c| c.subject().to_owned()) }))
}

async fn ok() -> &'static str {
    "ok"
}

fn router(fx: &Fixture, config: EndpointsConfig) -> Router {
    let auth = fx.authenticator.clone();
    let api = Router::new()
        .route("/api/hello", get(hello))
        .route("/api/admin-extractor", get(|_: Require<Admin>| ok()))
        .route("/api/scoped", get(|_: Require<ReadReports>| ok()))
        .merge(
            Router::new()
                .route("/api/admin", get(ok))
                .layer(Guard::role("admin").layer()),
        )
        .merge(
            Router::new()
                .route("/api/recent", get(ok))
                .layer(Guard::authenticated_within(std::time::Duration::from_secs(300)).layer()),
        )
        .merge(
            Router::new()
                .route("/api/pro", get(ok))
                .layer(Guard::plan_at_least(&tiers(), "pro").layer()),
        )
        .merge(
            Router::new().route("/api/tenant", get(ok)).layer(
                Guard::custom("tenant is acme", |claims| {
                    claims.tid.as_deref() == Some("acme")
                })
                .layer(),
            ),
        )
        .layer(AuthLayer::required(auth.clone()));
    Router::new()
        .merge(api)
        .merge(
            Router::new()
                .route("/api/optional", get(optional))
                .layer(AuthLayer::optional(auth)),
        )
        .nest_service("/auth", fx.endpoints(config).into_service())
}

fn client(app: Router) -> Client {
    axum_client(app)
}

fn build(options: Options, config: EndpointsConfig) -> (Fixture, Client) {
    let fx = fixture(options);
    let app = router(&fx, config);
    (fx, client(app))
}

macro_rules! through_axum {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                scenarios::$name(&build).await;
            }
        )*
    };
}

through_axum!(
    signup_flood_gets_429_with_retry_after,
    forgot_reset_verify_and_refresh_floods_get_429,
    enumeration_safe_signup_answers_taken_like_new,
    owner_device_passes_the_ceiling_in_bearer_mode,
    owner_device_passes_the_ceiling_in_cookie_mode,
    missing_credentials,
    invalid_token,
    duplicated_or_malformed_credentials,
    query_string_token_is_ignored,
    valid_token_reaches_the_handler,
    revoked_session_refused_once_cache_bound_passed,
    logout_takes_effect_at_once_on_this_instance,
    optional_mode,
    guards_answer_403,
    revocation_store_down_fails_closed,
    unreachable_store_answers_503_with_retry_after_and_recovers,
    signup_and_login,
    malformed_requests,
    refresh_in_bearer_mode,
    logout_and_logout_all,
    me_and_sessions,
    password_change,
    step_up_guard_refuses_an_old_sign_in_until_reauthentication_rfc9470,
    totp_enrolment_and_second_factor_login,
    password_forgot_and_reset,
    email_verification,
    throttling_uses_the_peer_address,
    trusted_proxy_header_is_opt_in,
    proxy_header_junk_cannot_move_a_client_onto_the_proxys_address,
    cookie_mode_login_sets_host_cookies,
    cookie_mode_refresh_requires_csrf,
    cookie_mode_refuses_cross_site_login,
);

#[cfg(feature = "passkey")]
through_axum!(
    passkeys_register_login_list_rename_delete,
    passkeys_in_cookie_mode,
    passkey_step_up_and_second_step,
);

// ---------------------------------------------------------------- axum-only checks

#[tokio::test]
async fn access_token_cookie_source() {
    let fx = fixture(Options::default());
    let token = fx.user("kim@example.com").await;
    let auth = fx.authenticator.clone().cookie("__Host-at");
    let app = client(
        Router::new()
            .route("/api/hello", get(hello))
            .layer(AuthLayer::required(auth)),
    );
    let by_cookie = app
        .send(Req::get("/api/hello").header("cookie", &format!("__Host-at={token}")))
        .await;
    assert_eq!(by_cookie.status, 200);
    // RFC 6750 §2: one method per request.
    let both = app
        .send(
            Req::get("/api/hello")
                .bearer(&token)
                .header("cookie", &format!("__Host-at={token}")),
        )
        .await;
    assert_eq!(both.status, 400);
    assert_eq!(both.error(), "invalid_request");
}

#[tokio::test]
async fn cookie_authenticated_state_change_needs_csrf_token() {
    let fx = fixture(Options::default());
    let token = fx.user("kim@example.com").await;
    let authenticator = fx.authenticator.clone().cookie("__Host-at");
    let endpoints = auth_tower::AuthEndpoints::new(
        fx.service.clone(),
        authenticator,
        EndpointsConfig::cookie_mode(),
    )
    .unwrap();
    let app = client(Router::new().nest_service("/auth", endpoints.into_service()));
    let cookie = format!("__Host-at={token}; __Host-csrf=abc");
    let refused = app
        .send(Req::post("/auth/logout-all").header("cookie", &cookie))
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.error(), "csrf_check_failed");
    // Reading is not state-changing: no CSRF token needed.
    let me = app
        .send(Req::get("/auth/me").header("cookie", &cookie))
        .await;
    assert_eq!(me.status, 200);
    let allowed = app
        .send(
            Req::post("/auth/logout-all")
                .header("cookie", &cookie)
                .header("x-csrf-token", "abc"),
        )
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.text());
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Org {
    org: String,
}

#[tokio::test]
async fn custom_claims_reach_the_handler() {
    let fx = fixture(Options::default());
    let verifier = auth_core::token::AccessTokenVerifier::new(
        auth_core::token::VerifierConfig::new("https://auth.test", "api"),
        &fx.keys,
    )
    .with_clock(std::sync::Arc::new(fx.clock.clone()));
    let auth: Authenticator<Org> = Authenticator::with_custom_claims(verifier);
    let token = fx
        .issuer
        .issue(&AccessTokenRequest::with_custom(
            "svc",
            Org { org: "acme".into() },
        ))
        .unwrap()
        .token
        .into_secret();
    let app = client(
        Router::new()
            .route(
                "/org",
                get(|context: AuthContext<Org>| async move { context.custom().org.clone() }),
            )
            .layer(AuthLayer::required(auth)),
    );
    let resp = app.send(Req::get("/org").bearer(&token)).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "acme");
}

/// An inner service that is never ready: the layer must report that, not call it.
#[derive(Clone)]
struct NotReady;

impl Service<Request<Body>> for NotReady {
    type Response = http::Response<Body>;
    type Error = &'static str;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Err("inner not ready"))
    }

    fn call(&mut self, _req: Request<Body>) -> Self::Future {
        unreachable!("never ready")
    }
}

#[tokio::test]
async fn poll_ready_is_forwarded() {
    let fx = fixture(Options::default());
    let mut service = AuthLayer::required(fx.authenticator.clone()).layer_service(NotReady);
    let ready = std::future::poll_fn(|cx| service.poll_ready(cx)).await;
    assert_eq!(ready.err(), Some("inner not ready"));
    let _: Result<(), Infallible> = Ok(());
}

trait LayerService {
    fn layer_service<S>(&self, inner: S) -> auth_tower::AuthLayerService<S>;
}

impl LayerService for AuthLayer {
    fn layer_service<S>(&self, inner: S) -> auth_tower::AuthLayerService<S> {
        tower::Layer::layer(self, inner)
    }
}

// ---------------------------------------------------------------- verified-token cache

fn cached_app(fx: &Fixture) -> Client {
    let auth = fx
        .authenticator
        .clone()
        .with_token_cache(100, std::sync::Arc::new(fx.clock.clone()));
    client(
        Router::new()
            .route("/api/hello", get(hello))
            .layer(AuthLayer::required(auth))
            .nest_service(
                "/auth",
                fx.endpoints(EndpointsConfig::default()).into_service(),
            ),
    )
}

#[tokio::test]
async fn token_cache_still_refuses_expired_tokens() {
    let fx = fixture(Options::default());
    let token = fx.user("kim@example.com").await;
    let app = cached_app(&fx);
    assert_eq!(
        app.send(Req::get("/api/hello").bearer(&token)).await.status,
        200
    );
    assert_eq!(
        app.send(Req::get("/api/hello").bearer(&token)).await.status,
        200
    );
    fx.clock
        .advance(std::time::Duration::from_secs(15 * 60 + 31));
    let expired = app.send(Req::get("/api/hello").bearer(&token)).await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.error(), "invalid_token");
}

#[tokio::test]
async fn token_cache_still_runs_the_revocation_check() {
    let fx = fixture(Options::default());
    let token = fx.user("kim@example.com").await;
    let app = cached_app(&fx);
    assert_eq!(
        app.send(Req::get("/api/hello").bearer(&token)).await.status,
        200
    );
    assert_eq!(
        app.send(Req::post("/auth/logout").bearer(&token))
            .await
            .status,
        204
    );
    fx.clock
        .advance(common::STALENESS + std::time::Duration::from_secs(1));
    let revoked = app.send(Req::get("/api/hello").bearer(&token)).await;
    assert_eq!(revoked.status, 401);
    assert_eq!(revoked.error(), "invalid_token");
}

#[tokio::test]
async fn token_cache_only_serves_the_exact_token() {
    let fx = fixture(Options::default());
    let token = fx.user("kim@example.com").await;
    let app = cached_app(&fx);
    assert_eq!(
        app.send(Req::get("/api/hello").bearer(&token)).await.status,
        200
    );
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    let resp = app.send(Req::get("/api/hello").bearer(&tampered)).await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.error(), "invalid_token");
}

/// Social login through the routes (feature `providers`), against a mock Kakao.
#[cfg(feature = "providers")]
mod social_login {
    use super::build;
    use crate::common::oauth;

    macro_rules! oauth_through_axum {
        ($($name:ident),* $(,)?) => {
            $(
                #[tokio::test]
                async fn $name() {
                    oauth::$name(&build).await;
                }
            )*
        };
    }

    oauth_through_axum!(
        social_login_full,
        social_login_with_totp_needs_the_second_factor,
        social_login_state_missing_or_replayed,
        social_login_wrong_browser,
        social_login_provider_error,
        social_login_unknown_provider,
        social_login_unverified_email_does_not_link,
        social_login_start_flood_gets_429,
        social_login_start_passes_login_hint_and_prompt,
    );
}

/// Issue 12 item 3: endpoints whose authenticator has no revocation check used to be built
/// silently, and logout answered 204 while the access token kept working. Now refused.
#[test]
fn endpoints_without_a_revocation_check_are_refused() {
    let fx = fixture(Options::default());
    let keys = fx.keys.clone();
    let verifier = auth_core::token::AccessTokenVerifier::new(
        auth_core::token::VerifierConfig::new("https://auth.test", "api"),
        &keys,
    );
    let refused = auth_tower::AuthEndpoints::new(
        fx.service.clone(),
        Authenticator::new(verifier),
        EndpointsConfig::default(),
    );
    assert!(matches!(
        refused,
        Err(auth_tower::EndpointsError::NoRevocationCheck)
    ));
}

/// Session kinds: an OAuth client's access token (it carries `client_id`), signed with the
/// same keys for the same issuer and audience, is neither a first-party token at the ready
/// endpoints nor at a route behind the default layer; the layer takes it only when told to.
#[tokio::test]
async fn session_kinds_an_oauth_access_token_is_not_a_first_party_one() {
    let fx = fixture(Options::default());
    let (user, _) = fx
        .service
        .signup(
            "kim@example.com",
            auth_core::password::Password::from(common::PASSWORD),
            &auth_core::flows::ClientInfo::default(),
        )
        .await
        .unwrap();
    let oauth = fx
        .issuer
        .issue(
            &AccessTokenRequest::new(user.id.to_string())
                .client("third-party")
                .scope(auth_core::token::Scope::parse("read:reports")),
        )
        .unwrap()
        .token
        .into_secret();
    let app = client(router(&fx, EndpointsConfig::default()));
    for uri in ["/auth/me", "/api/hello"] {
        let refused = app.send(Req::get(uri).bearer(&oauth)).await;
        assert_eq!(refused.status, 401, "{uri}");
        assert_eq!(refused.error(), "invalid_token", "{uri}");
    }
    let resource_server = Router::new()
        .route("/api/hello", get(hello))
        .layer(AuthLayer::required(
            fx.authenticator
                .clone()
                .accept(auth_tower::AcceptedTokens::OAuthClients),
        ));
    let accepted = client(resource_server)
        .send(Req::get("/api/hello").bearer(&oauth))
        .await;
    assert_eq!(accepted.status, 200);
}

/// Issue 13's one-call setup: endpoints built `for_service` and the host's routes behind
/// `AuthLayer::required(endpoints.authenticator())` share the service's verifier and
/// revocation checker — so with a minute-long cache, a logout through the endpoints refuses
/// the token on the host's route at once.
mod for_service {
    use std::sync::Arc;
    use std::time::Duration;

    use auth_core::flows::{AuthService, RecordingMailer, Stores};
    use auth_core::password::PasswordHasher;
    use auth_core::revocation::{Invalidation, InvalidationBroadcast, RevocationConfig};
    use auth_core::token::{Algorithm, KeySet, SigningKey};
    use auth_tower::{AuthContext, AuthEndpoints, AuthLayer, EndpointsConfig};
    use axum::Router;
    use axum::routing::get;
    use serde_json::json;

    use super::common::axum_client::axum_client;
    use super::common::logs::CapturedLogs;
    use super::common::{PASSWORD, Req};

    fn endpoints() -> AuthEndpoints {
        let keys = KeySet::new(SigningKey::hmac("k", Algorithm::HS256, &[9; 32]).unwrap());
        let service = AuthService::builder(keys, Stores::in_memory())
            .issuer("https://auth.example.com", "https://api.example.com")
            .mailer(Arc::new(RecordingMailer::default()))
            .hasher(PasswordHasher::insecure_fast_for_tests())
            .revocation(RevocationConfig::default().max_staleness(Duration::from_secs(60)))
            .build()
            .unwrap();
        AuthEndpoints::for_service(service, EndpointsConfig::default())
    }

    fn signup() -> Req {
        Req::post("/auth/signup").json(json!({"email": "kim@example.com", "password": PASSWORD}))
    }

    /// Signs kim up through `app` and returns her access token.
    async fn signed_up_token(app: &super::Client) -> String {
        let signed_up = app.send(signup()).await;
        assert_eq!(signed_up.status, 201, "{}", signed_up.text());
        signed_up.json()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn hello() -> Router {
        Router::new().route(
            "/api/hello",
            get(|user: AuthContext| async move { user.subject().to_owned() }),
        )
    }

    /// Issue 13: nested inside a required layer, signup answered 401 with no hint. `protect`
    /// wires the one order that works.
    #[tokio::test]
    async fn protect_puts_the_hosts_routes_behind_the_layer_and_the_endpoints_outside() {
        let app = endpoints()
            .protect(hello(), "/auth")
            .unwrap()
            .route("/health", get(|| async { "ok" }));
        let app = axum_client(app);

        let token = signed_up_token(&app).await;
        assert_eq!(app.send(Req::get("/api/hello")).await.status, 401);
        assert_eq!(
            app.send(Req::get("/api/hello").bearer(&token)).await.status,
            200
        );
        assert_eq!(
            app.send(Req::get("/auth/me").bearer(&token)).await.status,
            200
        );
        assert_eq!(
            app.send(Req::get("/health")).await.status,
            200,
            "routes added after protect are public"
        );
    }

    #[tokio::test]
    async fn protect_refuses_a_path_axum_cannot_nest_at_instead_of_panicking() {
        for path in ["/", "", "auth", "/auth/", "/{tenant}"] {
            let refused = endpoints().protect(hello(), path).map(|_| ());
            assert!(
                matches!(refused, Err(auth_tower::EndpointsError::MountPath(ref p)) if p == path),
                "{path:?}: {refused:?}"
            );
        }
    }

    /// The wrong order still answers 401 (the client is told nothing of the host's wiring),
    /// but the host's log now says where the endpoints belong — once.
    #[tokio::test]
    async fn endpoints_nested_inside_a_required_layer_are_named_in_the_log_once() {
        let endpoints = endpoints();
        let layer = AuthLayer::required(endpoints.authenticator().clone());
        let app = axum_client(
            hello()
                .nest_service("/auth", endpoints.into_service())
                .layer(layer),
        );
        let logs = CapturedLogs::start();
        assert_eq!(app.send(Req::get("/api/hello")).await.status, 401);
        assert!(
            !logs.text().contains("mount them outside the layer"),
            "an ordinary refusal is no hint: {}",
            logs.text()
        );
        assert_eq!(app.send(signup()).await.status, 401);
        assert_eq!(app.send(signup()).await.status, 401);
        let logged = logs.text();
        assert_eq!(
            logged.matches("mount them outside the layer").count(),
            1,
            "{logged}"
        );
        assert!(
            logged.contains("WARN") && logged.contains("/auth/signup"),
            "{logged}"
        );
    }

    #[tokio::test]
    async fn a_logout_reaches_the_hosts_routes_at_once() {
        let endpoints = endpoints();
        let app = hello()
            .layer(AuthLayer::required(endpoints.authenticator().clone()))
            .nest_service("/auth", endpoints.into_service());
        let app = axum_client(app);

        let token = signed_up_token(&app).await;
        let hello = app.send(Req::get("/api/hello").bearer(&token)).await;
        assert_eq!(
            hello.status, 200,
            "the service's own token passes the host's layer"
        );

        let out = app.send(Req::post("/auth/logout").bearer(&token)).await;
        assert_eq!(out.status, 204);
        let after = app.send(Req::get("/api/hello").bearer(&token)).await;
        assert_eq!(after.status, 401, "refused at once, cache or not");
    }

    /// Counts what is published to the other instances.
    #[derive(Debug, Default)]
    struct Published(std::sync::Mutex<Vec<Invalidation>>);

    impl InvalidationBroadcast for Published {
        fn publish(&self, invalidation: &Invalidation) {
            self.0.lock().unwrap().push(invalidation.clone());
        }
    }

    /// The flow tells the service's checker; endpoints sharing that checker do not tell it a
    /// second time — one invalidation, one publish to the other instances per logout.
    #[tokio::test]
    async fn a_logout_is_published_once() {
        let published = Arc::new(Published::default());
        let keys = KeySet::new(SigningKey::hmac("k", Algorithm::HS256, &[9; 32]).unwrap());
        let service = AuthService::builder(keys, Stores::in_memory())
            .issuer("https://auth.example.com", "https://api.example.com")
            .mailer(Arc::new(RecordingMailer::default()))
            .hasher(PasswordHasher::insecure_fast_for_tests())
            .invalidation_broadcast(published.clone())
            .build()
            .unwrap();
        let app = axum_client(Router::new().nest_service(
            "/auth",
            AuthEndpoints::for_service(service, EndpointsConfig::default()).into_service(),
        ));
        let token = signed_up_token(&app).await;
        let out = app.send(Req::post("/auth/logout").bearer(&token)).await;
        assert_eq!(out.status, 204);
        let published = published.0.lock().unwrap();
        assert_eq!(published.len(), 1, "{published:?}");
        assert!(matches!(published[0], Invalidation::Session(_)));
    }
}
