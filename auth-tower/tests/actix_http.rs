//! Black-box HTTP tests through actix-web 4 (`actix_web::test`): the same scenarios as
//! `axum_http.rs`, against an actix app built from the same fixture.
#![cfg(feature = "actix")]

mod common;

use actix_web::dev::Service as _;
use actix_web::{App, HttpResponse, test, web};
use auth_tower::actix::{AuthMiddleware, GuardMiddleware, endpoints_scope};
use auth_tower::{AuthContext, EndpointsConfig, Guard, Require};
use serde_json::json;

use common::actix_client::{actix_request, actix_response};
use common::scenarios;
use common::{Admin, Client, Fixture, Options, ReadReports, Req, Sent, fixture, tiers};

async fn hello(context: AuthContext) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "sub": context.subject(),
        "sid": context.claims().sid,
        "roles": context.claims().roles,
    }))
}

async fn optional(context: Option<AuthContext>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": context.map(|c| c.subject().to_owned()) }))
}

async fn ok() -> &'static str {
    "ok"
}

fn build(options: Options, config: EndpointsConfig) -> (Fixture, Client) {
    let fx = fixture(options);
    let auth = fx.authenticator.clone();
    let endpoints = fx.endpoints(config);
    let make = move || {
        App::new()
            .service(endpoints_scope(endpoints.clone(), "/auth"))
            .service(
                web::scope("/api/optional")
                    .wrap(AuthMiddleware::optional(auth.clone()))
                    .default_service(web::to(optional)),
            )
            .service(
                web::scope("/api")
                    .wrap(AuthMiddleware::required(auth.clone()))
                    .route("/hello", web::get().to(hello))
                    .route(
                        "/admin-extractor",
                        web::get().to(|_: Require<Admin>| async { "ok" }),
                    )
                    .route(
                        "/scoped",
                        web::get().to(|_: Require<ReadReports>| async { "ok" }),
                    )
                    .service(
                        web::resource("/admin")
                            .wrap(GuardMiddleware::new(Guard::role("admin")))
                            .route(web::get().to(ok)),
                    )
                    .service(
                        web::resource("/recent")
                            .wrap(GuardMiddleware::new(Guard::authenticated_within(
                                std::time::Duration::from_secs(300),
                            )))
                            .route(web::get().to(ok)),
                    )
                    .service(
                        web::resource("/pro")
                            .wrap(GuardMiddleware::new(Guard::plan_at_least(&tiers(), "pro")))
                            .route(web::get().to(ok)),
                    )
                    .service(
                        web::resource("/tenant")
                            .wrap(GuardMiddleware::new(Guard::custom(
                                "tenant is acme",
                                |claims| claims.tid.as_deref() == Some("acme"),
                            )))
                            .route(web::get().to(ok)),
                    ),
            )
    };
    let client = Client {
        send: Box::new(move |req: Req| -> Sent {
            let app = make();
            Box::pin(async move {
                let service = test::init_service(app).await;
                let request = actix_request(&req).to_request();
                actix_response(service.call(request).await).await
            })
        }),
    };
    (fx, client)
}

macro_rules! through_actix {
    ($($name:ident),* $(,)?) => {
        $(
            #[actix_web::test]
            async fn $name() {
                scenarios::$name(&build).await;
            }
        )*
    };
}

through_actix!(
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
through_actix!(
    passkeys_register_login_list_rename_delete,
    passkeys_in_cookie_mode,
    passkey_step_up_and_second_step,
);

/// Without the middleware, the extractor authenticates by itself with an `Authenticator`
/// registered as app data — the same checks.
#[actix_web::test]
async fn extractor_without_middleware_uses_app_data() {
    let fx = fixture(Options::default());
    let token = fx.user("kim@example.com").await;
    let service = test::init_service(
        App::new()
            .app_data(fx.authenticator.clone())
            .route("/hello", web::get().to(hello)),
    )
    .await;
    let missing = test::call_service(
        &service,
        test::TestRequest::get().uri("/hello").to_request(),
    )
    .await;
    assert_eq!(missing.status(), 401);
    assert_eq!(
        missing.headers().get("www-authenticate").unwrap(),
        "Bearer realm=\"test\""
    );
    let bad = test::call_service(
        &service,
        test::TestRequest::get()
            .uri("/hello")
            .insert_header(("authorization", "Bearer a.b.c"))
            .to_request(),
    )
    .await;
    assert_eq!(bad.status(), 401);
    assert_eq!(
        bad.headers().get("www-authenticate").unwrap(),
        "Bearer realm=\"test\", error=\"invalid_token\""
    );
    let good = test::call_service(
        &service,
        test::TestRequest::get()
            .uri("/hello")
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request(),
    )
    .await;
    assert_eq!(good.status(), 200);
}

/// Social login through the routes (feature `providers`), against a mock Kakao.
#[cfg(feature = "providers")]
mod social_login {
    use super::build;
    use crate::common::oauth;

    macro_rules! oauth_through_actix {
        ($($name:ident),* $(,)?) => {
            $(
                #[actix_web::test]
                async fn $name() {
                    oauth::$name(&build).await;
                }
            )*
        };
    }

    oauth_through_actix!(
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
