//! [`AuthEndpoints::openapi`]: the document of the first-party endpoints.

use auth_core::flows::SignupMode;
use auth_core::password::PasswordPolicy;
use http::Method;
use utoipa::openapi::path::{OperationBuilder, ParameterIn, PathsBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    ArrayBuilder, Components, ComponentsBuilder, ObjectBuilder, Schema, Type,
};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required, ResponseBuilder,
};

#[cfg(feature = "providers")]
use super::redirect_response;
use super::{
    OpenApiService, empty_response, error_components, error_response, http_method, json_response,
    mounted, string, string_parameter,
};
use crate::endpoints::handlers::{
    AccessTokenBody, Credentials, ForgotBody, PasswordChangeBody, RefreshBody, ResetBody,
    SessionBody, TokenBody, UserBody, VerifyBody,
};
#[cfg(feature = "passkey")]
use crate::endpoints::passkeys::{
    CeremonyBody, LoginFinishBody, LoginStartBody, PasskeyBody, RegisterFinishBody, RenameBody,
    SignupFinishBody, SignupStartBody,
};
use crate::endpoints::second_factor::{
    ChallengeBody, EnrolmentBody, RecoveryCodesBody, SecondFactorBody, StatusBody, TotpConfirmBody,
};
use crate::endpoints::step_up::ReauthenticateBody;
use crate::endpoints::{AuthEndpoints, Route};

/// Security scheme names.
const BEARER: &str = "bearer";
const ACCESS_COOKIE: &str = "accessCookie";
const REFRESH_COOKIE: &str = "refreshCookie";
const CSRF_HEADER: &str = "csrfHeader";

/// Schema names of the bodies written inline by the handlers.
const ACCEPTED: &str = "Accepted";
const SESSIONS_ENDED: &str = "SessionsEnded";

/// One route of the endpoints' router as the document names it.
struct Entry {
    /// What the router must make of `sample` requested with `method`.
    route: Route,
    method: Method,
    /// The OpenAPI path template below the mount point.
    template: &'static str,
    /// A concrete path for the template.
    sample: String,
}

impl Entry {
    fn fixed(route: Route, method: Method, template: &'static str) -> Self {
        Self {
            route,
            method,
            template,
            sample: template.to_owned(),
        }
    }
}

/// Every route this instance may answer: the fixed ones, and the social-login pair per
/// configured provider (none without providers). Each is checked against the router before
/// it is documented.
fn entries(endpoints: &AuthEndpoints) -> Vec<Entry> {
    // The zero UUID: any well-formed session id routes the same way.
    let session = "00000000-0000-0000-0000-000000000000";
    let mut entries = vec![
        Entry::fixed(Route::Signup, Method::POST, "/signup"),
        Entry::fixed(Route::Login, Method::POST, "/login"),
        Entry::fixed(Route::Refresh, Method::POST, "/refresh"),
        Entry::fixed(Route::Logout, Method::POST, "/logout"),
        Entry::fixed(Route::LogoutAll, Method::POST, "/logout-all"),
        Entry::fixed(Route::Me, Method::GET, "/me"),
        Entry::fixed(Route::Sessions, Method::GET, "/sessions"),
        Entry {
            route: Route::EndSession(session.to_owned()),
            method: Method::DELETE,
            template: "/sessions/{id}",
            sample: format!("/sessions/{session}"),
        },
        Entry::fixed(Route::PasswordChange, Method::POST, "/password/change"),
        Entry::fixed(Route::Reauthenticate, Method::POST, "/reauthenticate"),
        Entry::fixed(Route::SecondFactor, Method::POST, "/login/second-factor"),
        Entry::fixed(Route::SecondFactors, Method::GET, "/second-factors"),
        Entry::fixed(Route::TotpEnroll, Method::POST, "/totp/enroll"),
        Entry::fixed(Route::TotpConfirm, Method::POST, "/totp/confirm"),
        Entry::fixed(Route::TotpRemove, Method::DELETE, "/totp"),
        Entry::fixed(Route::RecoveryCodes, Method::POST, "/recovery-codes"),
        Entry::fixed(Route::PasswordForgot, Method::POST, "/password/forgot"),
        Entry::fixed(Route::PasswordReset, Method::POST, "/password/reset"),
        Entry::fixed(Route::EmailVerify, Method::POST, "/email/verify"),
    ];
    entries.extend(social_entries(endpoints));
    entries.extend(passkey_entries());
    entries
}

/// The passkey routes.
#[cfg(feature = "passkey")]
fn passkey_entries() -> Vec<Entry> {
    // A credential id, base64url: any routes the same way.
    let id = "AQID";
    vec![
        Entry::fixed(
            Route::ReauthenticatePasskey,
            Method::POST,
            "/reauthenticate/passkey",
        ),
        Entry::fixed(
            Route::PasskeyRegisterStart,
            Method::POST,
            "/passkeys/register/start",
        ),
        Entry::fixed(
            Route::PasskeyRegisterFinish,
            Method::POST,
            "/passkeys/register/finish",
        ),
        Entry::fixed(Route::Passkeys, Method::GET, "/passkeys"),
        Entry {
            route: Route::RenamePasskey(id.to_owned()),
            method: Method::PATCH,
            template: "/passkeys/{id}",
            sample: format!("/passkeys/{id}"),
        },
        Entry {
            route: Route::DeletePasskey(id.to_owned()),
            method: Method::DELETE,
            template: "/passkeys/{id}",
            sample: format!("/passkeys/{id}"),
        },
        Entry::fixed(
            Route::PasskeyLoginStart,
            Method::POST,
            "/passkey/login/start",
        ),
        Entry::fixed(
            Route::PasskeyLoginFinish,
            Method::POST,
            "/passkey/login/finish",
        ),
        Entry::fixed(
            Route::PasskeySignupStart,
            Method::POST,
            "/passkey/signup/start",
        ),
        Entry::fixed(
            Route::PasskeySignupFinish,
            Method::POST,
            "/passkey/signup/finish",
        ),
    ]
}

/// No passkey routes without the `passkey` feature.
#[cfg(not(feature = "passkey"))]
fn passkey_entries() -> Vec<Entry> {
    Vec::new()
}

/// Whether `route` only reads (`GET`): no CSRF header in cookie mode, no 403.
fn read_only(route: &Route) -> bool {
    match route {
        Route::Me | Route::Sessions | Route::SecondFactors => true,
        #[cfg(feature = "passkey")]
        Route::Passkeys => true,
        _ => false,
    }
}

/// The social-login pair per configured provider.
#[cfg(feature = "providers")]
fn social_entries(endpoints: &AuthEndpoints) -> Vec<Entry> {
    let mut entries = Vec::new();
    for provider in endpoints.social_providers() {
        entries.push(Entry {
            route: Route::OAuthStart(provider.clone()),
            method: Method::GET,
            template: "/oauth/{provider}",
            sample: format!("/oauth/{provider}"),
        });
        entries.push(Entry {
            sample: format!("/oauth/{provider}/callback"),
            route: Route::OAuthCallback(provider),
            method: Method::GET,
            template: "/oauth/{provider}/callback",
        });
    }
    entries
}

/// No social login without the `providers` feature.
#[cfg(not(feature = "providers"))]
fn social_entries(_endpoints: &AuthEndpoints) -> Vec<Entry> {
    Vec::new()
}

/// What of the configuration shapes the document.
struct Shape {
    cookie_mode: bool,
    enumeration_safe_signup: bool,
    /// Signed-in routes read `Authorization: Bearer`.
    bearer_header: bool,
    /// … and/or the access token from this cookie.
    access_cookie: Option<String>,
    refresh_cookie: String,
    csrf_header: String,
    /// The social-login providers that route (`{provider}`'s values).
    #[cfg(feature = "providers")]
    providers: Vec<String>,
}

impl AuthEndpoints {
    /// The OpenAPI 3.1 document of these endpoints mounted at `mount_path` (e.g. `"/auth"`;
    /// `""` for the root): the routes this instance answers — the social-login routes only
    /// when providers are configured, with `{provider}` limited to their names — their
    /// request and response bodies, every status they answer, and the security schemes
    /// (`bearer`; in cookie mode the refresh cookie and the CSRF header). See
    /// [`openapi`](crate::openapi) for serving it.
    pub fn openapi(&self, mount_path: &str) -> OpenApi {
        let mut routed = Vec::new();
        for entry in entries(self) {
            // The router has the last word: a route it does not parse is not documented.
            if Route::parse(&entry.method, &entry.sample) == Ok(entry.route.clone()) {
                routed.push(entry);
            } else {
                tracing::error!(
                    path = entry.sample,
                    "a documented route does not route; left out of the OpenAPI document"
                );
            }
        }
        let credentials = self.authenticator().credentials();
        let shape = Shape {
            cookie_mode: self.cookie_mode(),
            enumeration_safe_signup: self.service().config().signup_mode
                == SignupMode::EnumerationSafe,
            bearer_header: credentials.bearer_header,
            access_cookie: credentials.cookie.clone(),
            refresh_cookie: self.config().refresh_cookie.clone(),
            csrf_header: self.config().csrf_header.as_str().to_owned(),
            #[cfg(feature = "providers")]
            providers: routed
                .iter()
                .filter_map(|entry| match &entry.route {
                    Route::OAuthStart(provider) => Some(provider.clone()),
                    _ => None,
                })
                .collect(),
        };
        let mut paths = PathsBuilder::new().build();
        let mut seen = Vec::new();
        for entry in &routed {
            let Some(method) = http_method(&entry.method) else {
                continue;
            };
            // `{provider}` routes appear once per template, whatever the number of providers.
            if seen.contains(&(entry.template, entry.method.clone())) {
                continue;
            }
            seen.push((entry.template, entry.method.clone()));
            paths.add_path_operation(
                mounted(mount_path, entry.template),
                vec![method],
                operation(&entry.route, &shape),
            );
        }
        OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title("auth-tower endpoints")
                    .version(env!("CARGO_PKG_VERSION"))
                    .description(Some(
                        "Signup, login, token refresh, sessions, password and email flows \
                         (auth-tower's AuthEndpoints). Every answer has `Cache-Control: \
                         no-store`; a method a path does not take is answered 405 with \
                         `Allow`.",
                    ))
                    .build(),
            )
            .paths(paths)
            .components(Some(with_password_policy(
                components(&shape).build(),
                &self.service().config().password_policy,
            )))
            .tags(Some(
                [
                    (
                        "account",
                        "Signing up, in and out, and the signed-in account.",
                    ),
                    (
                        "sessions",
                        "The account's sessions (one per signed-in device).",
                    ),
                    ("password", "Changing and resetting the password."),
                    ("email", "Verifying the email address."),
                    (
                        "social login",
                        "Signing in through a social-login provider.",
                    ),
                    (
                        "passkeys",
                        "Passkeys (WebAuthn): adding them to the account, signing in and \
                         signing up with one.",
                    ),
                ]
                .into_iter()
                .map(|(name, description)| {
                    TagBuilder::new()
                        .name(name)
                        .description(Some(description))
                        .build()
                }),
            ))
            .build()
    }

    /// [`openapi`](Self::openapi) as a service answering `GET` with the JSON document:
    /// `Router::route_service("/openapi.json", endpoints.openapi_service("/auth"))`.
    pub fn openapi_service(&self, mount_path: &str) -> OpenApiService {
        OpenApiService::new(&self.openapi(mount_path))
    }
}

/// The signup body: `Credentials` with the password's lengths. Login keeps `Credentials`
/// without them — a password of any length is only ever "wrong" there.
const SIGNUP_REQUEST: &str = "SignupRequest";

/// States the configured [`PasswordPolicy`]'s lengths (Unicode code points, as JSON Schema
/// counts them) on every password that is being set — signup, change, reset — so clients
/// and fuzzers see the bounds the endpoints enforce. Strength and breach checks cannot be
/// written as a schema and stay in the 400's description.
fn with_password_policy(mut components: Components, policy: &PasswordPolicy) -> Components {
    let bounded = |schema: &mut RefOr<Schema>, field: &str| {
        if let RefOr::T(Schema::Object(object)) = schema
            && let Some(RefOr::T(Schema::Object(password))) = object.properties.get_mut(field)
        {
            password.min_length = Some(policy.min_length);
            password.max_length = Some(policy.max_length);
        }
    };
    if let Some(credentials) = components.schemas.get("Credentials") {
        let mut signup = credentials.clone();
        bounded(&mut signup, "password");
        components.schemas.insert(SIGNUP_REQUEST.to_owned(), signup);
    }
    for name in ["PasswordChangeRequest", "PasswordResetRequest"] {
        if let Some(schema) = components.schemas.get_mut(name) {
            bounded(schema, "new_password");
        }
    }
    components
}

fn components(shape: &Shape) -> ComponentsBuilder {
    let accepted = ObjectBuilder::new()
        .description(Some(
            "Accepted: the same answer whether or not an account has the address.",
        ))
        .property("status", string().enum_values(Some(["accepted"])))
        .required("status");
    let ended = ObjectBuilder::new()
        .property(
            "sessions_ended",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .required("sessions_ended");
    let mut components = error_components(ComponentsBuilder::new())
        .schema_from::<Credentials>()
        .schema_from::<RefreshBody>()
        .schema_from::<PasswordChangeBody>()
        .schema_from::<ReauthenticateBody>()
        .schema_from::<SecondFactorBody>()
        .schema_from::<TotpConfirmBody>()
        .schema_from::<ChallengeBody<'static>>()
        .schema_from::<StatusBody>()
        .schema_from::<EnrolmentBody<'static>>()
        .schema_from::<RecoveryCodesBody<'static>>()
        .schema_from::<AccessTokenBody<'static>>()
        .schema_from::<ForgotBody>()
        .schema_from::<ResetBody>()
        .schema_from::<VerifyBody>()
        .schema_from::<TokenBody<'static>>()
        .schema_from::<UserBody<'static>>()
        .schema_from::<SessionBody<'static>>()
        .schema(ACCEPTED, accepted)
        .schema(SESSIONS_ENDED, ended);
    #[cfg(feature = "passkey")]
    {
        components = components
            .schema_from::<RegisterFinishBody>()
            .schema_from::<RenameBody>()
            .schema_from::<LoginStartBody>()
            .schema_from::<LoginFinishBody>()
            .schema_from::<SignupStartBody>()
            .schema_from::<SignupFinishBody>()
            .schema_from::<CeremonyBody<'static>>()
            .schema_from::<PasskeyBody<'static>>();
    }
    if shape.bearer_header {
        components = components.security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("The access token from signup, login or refresh."))
                    .build(),
            ),
        );
    }
    if let Some(cookie) = &shape.access_cookie {
        components = components.security_scheme(
            ACCESS_COOKIE,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                cookie.as_str(),
                "The access token in a cookie; state-changing requests also need the CSRF \
                 header.",
            ))),
        );
    }
    if shape.cookie_mode {
        components = components
            .security_scheme(
                REFRESH_COOKIE,
                SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                    shape.refresh_cookie.as_str(),
                    "The refresh token (HttpOnly, set by signup, login and refresh).",
                ))),
            )
            .security_scheme(
                CSRF_HEADER,
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    shape.csrf_header.as_str(),
                    "The value of the CSRF cookie (set beside the refresh cookie), echoed.",
                ))),
            );
    }
    components
}

/// A JSON request body of schema `name`.
fn json_body(name: &str) -> RequestBodyBuilder {
    RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(name)))
                .build(),
        )
}

/// The statuses of a refusal and what they mean here.
fn refusals(mut operation: OperationBuilder, statuses: &[(u16, &str)]) -> OperationBuilder {
    for (status, description) in statuses {
        operation = operation.response(status.to_string(), error_response(*status, description));
    }
    operation
}

/// The token response (201 or 200): with the session cookies in cookie mode.
fn token_response(shape: &Shape, description: &str) -> ResponseBuilder {
    let response = json_response(description, Ref::from_schema_name("TokenResponse"));
    if shape.cookie_mode {
        response.header(
            "Set-Cookie",
            utoipa::openapi::header::HeaderBuilder::new()
                .schema(Some(string()))
                .description(Some(
                    "The refresh token (HttpOnly) and the CSRF token cookies; \
                     `refresh_token` is not in the body.",
                ))
                .build(),
        )
    } else {
        response
    }
}

/// The operation of `route`. Exhaustive over [`Route`]: a route added to the router does not
/// compile until it is documented here.
fn operation(route: &Route, shape: &Shape) -> utoipa::openapi::path::Operation {
    const BAD_REQUEST: &str = "The body or the credentials are malformed, or a field is \
                               invalid (`invalid_request`, `invalid_email`, `weak_password`, …).";
    const UNAUTHORIZED: &str = "No valid access token (missing, expired, revoked, or not a \
                                first-party token).";
    const TOO_LARGE: &str = "The body is over the size limit.";
    const MEDIA_TYPE: &str = "The body is not `application/json`.";
    const THROTTLED: &str = "Too many attempts (`too_many_attempts`); retry after `Retry-After`.";
    const SERVER_ERROR: &str = "A server-side failure (`server_error`); the cause is logged.";
    const UNAVAILABLE: &str = "A store could not be reached in time, or password hashing is at \
                               capacity (`temporarily_unavailable`); retry after `Retry-After`.";
    #[cfg(feature = "passkey")]
    const PASSKEY_REFUSED: &str = "The ceremony is unknown, expired or used, or the \
                                   authenticator's answer was refused (`invalid_passkey`; \
                                   start again), or the body or name is malformed.";
    #[cfg(feature = "passkey")]
    const RECENT_SIGN_IN: &str = "No valid access token, or its sign-in is older than 10 \
                                  minutes (`insufficient_user_authentication`: re-authenticate).";
    #[cfg(feature = "passkey")]
    const PASSKEYS_OFF: &str = "Passkeys are not configured (`not_enabled`).";
    #[cfg(feature = "passkey")]
    const NO_SUCH_PASSKEY: &str = "No such passkey of this account (`passkey_not_found`).";
    const CSRF: &str = "The cross-site request forgery check failed (`csrf_check_failed`): a \
                        foreign `Origin` or `Sec-Fetch-Site`, or no matching CSRF header.";

    let mut operation = OperationBuilder::new();
    let mut statuses: Vec<(u16, &str)> = vec![(400, BAD_REQUEST), (413, TOO_LARGE)];
    let mut json = false;
    let mut signed_in = false;
    let tag;
    let id;
    let summary;
    match route {
        Route::Signup => {
            (tag, id, summary) = ("account", "signup", "Create an account and sign in.");
            json = true;
            operation = operation.request_body(Some(json_body(SIGNUP_REQUEST).build()));
            operation = if shape.enumeration_safe_signup {
                operation.response(
                    "202",
                    json_response(
                        "Accepted whether or not the address is taken; the new account signs \
                         in after verifying its email.",
                        Ref::from_schema_name(ACCEPTED),
                    )
                    .build(),
                )
            } else {
                statuses.push((409, "The email address (or username) is taken."));
                operation.response("201", token_response(shape, "Signed up and in.").build())
            };
            statuses.push((429, THROTTLED));
        }
        Route::Login => {
            (tag, id, summary) = ("account", "login", "Sign in with a password.");
            json = true;
            operation = operation
                .request_body(Some(json_body("Credentials").build()))
                .response("200", token_response(shape, "Signed in.").build());
            statuses.extend([
                (
                    401,
                    "Wrong email or password (`invalid_credentials`); or the password was \
                     right and the account has a second factor: `second_factor_required` with \
                     `challenge`, `methods` and `expires_in` (schema `SecondFactorChallenge`), \
                     completed at `POST /login/second-factor`.",
                ),
                (403, "The account is disabled (when configured to say so)."),
                (429, THROTTLED),
            ]);
        }
        Route::Refresh => {
            (tag, id, summary) = ("account", "refresh", "Exchange the refresh token.");
            if shape.cookie_mode {
                operation = operation.security(
                    SecurityRequirement::new(REFRESH_COOKIE, Vec::<String>::new())
                        .add(CSRF_HEADER, Vec::<String>::new()),
                );
            } else {
                json = true;
                operation = operation.request_body(Some(json_body("RefreshRequest").build()));
            }
            operation = operation.response(
                "200",
                token_response(shape, "A new token pair (the refresh token rotated).").build(),
            );
            statuses.extend([
                (
                    401,
                    "The refresh token is unknown, expired or was already used \
                     (`invalid_refresh_token`, `refresh_token_reused`).",
                ),
                (
                    409,
                    "The token was rotated a moment ago by a concurrent refresh \
                     (`refresh_token_recently_rotated`).",
                ),
                (429, THROTTLED),
            ]);
        }
        Route::Logout => {
            (tag, id, summary) = ("account", "logout", "End this session.");
            signed_in = true;
            operation = operation.response("204", empty_response("Signed out."));
        }
        Route::LogoutAll => {
            (tag, id, summary) = ("account", "logout_all", "End every session of the account.");
            signed_in = true;
            operation = operation.response(
                "200",
                json_response(
                    "Signed out everywhere.",
                    Ref::from_schema_name(SESSIONS_ENDED),
                )
                .build(),
            );
        }
        Route::Me => {
            (tag, id, summary) = ("account", "me", "The signed-in account.");
            signed_in = true;
            operation = operation.response(
                "200",
                json_response("The account.", Ref::from_schema_name("User")).build(),
            );
        }
        Route::Sessions => {
            (tag, id, summary) = (
                "sessions",
                "list_sessions",
                "The account's active sessions.",
            );
            signed_in = true;
            operation = operation.response(
                "200",
                json_response(
                    "The sessions; `current` marks the caller's.",
                    ArrayBuilder::new().items(Ref::from_schema_name("Session")),
                )
                .build(),
            );
        }
        Route::EndSession(_) => {
            (tag, id, summary) = (
                "sessions",
                "end_session",
                "End one of the account's sessions.",
            );
            signed_in = true;
            operation = operation
                .parameter(string_parameter(
                    "id",
                    ParameterIn::Path,
                    true,
                    "The session's id (from `GET /sessions`).",
                    string(),
                ))
                .response("204", empty_response("The session is ended."));
            statuses.push((
                404,
                "No such session of this account (`session_not_found`).",
            ));
        }
        Route::PasswordChange => {
            (tag, id, summary) = ("password", "change_password", "Change the password.");
            signed_in = true;
            json = true;
            operation = operation
                .request_body(Some(json_body("PasswordChangeRequest").build()))
                .response(
                    "204",
                    empty_response("Changed; the account's other sessions are ended."),
                );
            statuses.push((429, THROTTLED));
        }
        Route::Reauthenticate => {
            (tag, id, summary) = (
                "account",
                "reauthenticate",
                "Sign in again within this session (step-up, RFC 9470).",
            );
            signed_in = true;
            json = true;
            operation = operation
                .request_body(Some(json_body("ReauthenticateRequest").build()))
                .response(
                    "200",
                    json_response(
                        "A new access token whose `auth_time` is now; the refresh token is \
                         unchanged.",
                        Ref::from_schema_name("AccessTokenResponse"),
                    )
                    .build(),
                );
            statuses.push((429, THROTTLED));
        }
        Route::SecondFactor => {
            (tag, id, summary) = (
                "second factor",
                "complete_second_factor",
                "Complete a login with a TOTP code or a recovery code.",
            );
            json = true;
            operation = operation
                .request_body(Some(json_body("SecondFactorRequest").build()))
                .response("200", token_response(shape, "Signed in.").build());
            statuses.extend([
                (
                    401,
                    "The code is wrong or used, or the challenge unknown or expired \
                     (`invalid_second_factor`); while attempts remain the body carries the \
                     next `challenge` (schema `SecondFactorChallenge`).",
                ),
                (403, "The account is disabled."),
                (404, "Second factors are not enabled (`not_enabled`)."),
                (429, THROTTLED),
            ]);
        }
        Route::SecondFactors => {
            (tag, id, summary) = (
                "second factor",
                "second_factor_status",
                "Which second factors the account has.",
            );
            signed_in = true;
            operation = operation.response(
                "200",
                json_response("The status.", Ref::from_schema_name("SecondFactorStatus")).build(),
            );
            statuses.push((404, "Second factors are not enabled (`not_enabled`)."));
        }
        Route::TotpEnroll => {
            (tag, id, summary) = (
                "second factor",
                "enroll_totp",
                "Start enrolling an authenticator app (TOTP).",
            );
            signed_in = true;
            operation = operation.response(
                "200",
                json_response(
                    "The secret as an `otpauth://` URI, a key to type, and a QR code (SVG). \
                     Nothing changes until confirmed.",
                    Ref::from_schema_name("TotpEnrolment"),
                )
                .build(),
            );
            statuses.extend([
                (404, "Second factors are not enabled (`not_enabled`)."),
                (409, "TOTP is already enrolled (`totp_already_enrolled`)."),
            ]);
        }
        Route::TotpConfirm => {
            (tag, id, summary) = (
                "second factor",
                "confirm_totp",
                "Confirm the enrolment with a first code.",
            );
            signed_in = true;
            json = true;
            operation = operation
                .request_body(Some(json_body("TotpConfirmRequest").build()))
                .response(
                    "200",
                    json_response(
                        "Ten recovery codes (shown once) and a new access token for this \
                         session, whose `amr` counts the code.",
                        Ref::from_schema_name("RecoveryCodes"),
                    )
                    .build(),
                );
            statuses.extend([
                (404, "Second factors are not enabled (`not_enabled`)."),
                (
                    409,
                    "No pending enrolment, or already confirmed (`totp_not_enrolled`, \
                     `totp_already_enrolled`).",
                ),
            ]);
        }
        Route::TotpRemove => {
            (tag, id, summary) = (
                "second factor",
                "remove_totp",
                "Remove TOTP and recovery codes.",
            );
            signed_in = true;
            operation = operation.response("204", empty_response("Removed."));
            statuses.extend([
                (404, "Second factors are not enabled (`not_enabled`)."),
                (409, "TOTP is not enrolled (`totp_not_enrolled`)."),
            ]);
        }
        Route::RecoveryCodes => {
            (tag, id, summary) = (
                "second factor",
                "regenerate_recovery_codes",
                "New recovery codes; the old ones stop working.",
            );
            signed_in = true;
            operation = operation.response(
                "200",
                json_response(
                    "Ten recovery codes, shown once.",
                    Ref::from_schema_name("RecoveryCodes"),
                )
                .build(),
            );
            statuses.extend([
                (404, "Second factors are not enabled (`not_enabled`)."),
                (409, "TOTP is not enrolled (`totp_not_enrolled`)."),
            ]);
        }
        Route::PasswordForgot => {
            (tag, id, summary) = ("password", "forgot_password", "Mail a password-reset link.");
            json = true;
            operation = operation
                .request_body(Some(json_body("PasswordForgotRequest").build()))
                .response(
                    "202",
                    json_response(
                        "Accepted whether or not an account has the address.",
                        Ref::from_schema_name(ACCEPTED),
                    )
                    .build(),
                );
            statuses.push((429, THROTTLED));
        }
        Route::PasswordReset => {
            (tag, id, summary) = (
                "password",
                "reset_password",
                "Set a new password with a reset link's token.",
            );
            json = true;
            operation = operation
                .request_body(Some(json_body("PasswordResetRequest").build()))
                .response(
                    "204",
                    empty_response("The password is set; every session is ended."),
                );
            statuses.push((429, THROTTLED));
        }
        Route::EmailVerify => {
            (tag, id, summary) = (
                "email",
                "verify_email",
                "Verify the email address with a link's token.",
            );
            json = true;
            operation = operation
                .request_body(Some(json_body("EmailVerifyRequest").build()))
                .response("204", empty_response("The address is verified."));
            statuses.push((429, THROTTLED));
        }
        #[cfg(feature = "providers")]
        Route::OAuthStart(_) => {
            (tag, id, summary) = (
                "social login",
                "social_login_start",
                "Start a social login at the provider.",
            );
            operation = operation
                .parameter(provider_parameter(shape))
                .parameter(string_parameter(
                    "login_hint",
                    ParameterIn::Query,
                    false,
                    "Passed to the provider: the account to preselect.",
                    string(),
                ))
                .parameter(string_parameter(
                    "prompt",
                    ParameterIn::Query,
                    false,
                    "Passed to the provider (`login`, `consent`, `select_account`, `none`).",
                    string(),
                ))
                .response(
                    "302",
                    redirect_response(
                        "To the provider, with the browser-binding cookie (`Set-Cookie`).",
                    ),
                )
                .response(
                    "303",
                    redirect_response(
                        "When an error URL is configured: to it, with `?error=<code>`.",
                    ),
                );
            statuses.extend([
                (404, "No such provider."),
                (429, THROTTLED),
                (
                    502,
                    "The provider could not be reached (`temporarily_unavailable`).",
                ),
            ]);
        }
        #[cfg(feature = "providers")]
        Route::OAuthCallback(_) => {
            (tag, id, summary) = (
                "social login",
                "social_login_callback",
                "Complete a social login (the provider's redirect).",
            );
            operation = operation.parameter(provider_parameter(shape));
            for name in ["code", "state", "error", "error_description", "iss"] {
                operation = operation.parameter(string_parameter(
                    name,
                    ParameterIn::Query,
                    false,
                    "From the provider's redirect.",
                    string(),
                ));
            }
            operation = operation.response(
                "303",
                redirect_response(
                    "Signed in: to the post-login page with the session cookies and no token \
                     in the URL (or, when an error URL is configured, a failure to it with \
                     `?error=<code>`).",
                ),
            );
            statuses.extend([
                (404, "No such provider."),
                (
                    502,
                    "The provider could not be reached (`temporarily_unavailable`).",
                ),
            ]);
        }
        #[cfg(feature = "passkey")]
        Route::ReauthenticatePasskey => {
            (tag, id, summary) = (
                "account",
                "reauthenticate_passkey_start",
                "Start a step-up with one of the account's passkeys.",
            );
            signed_in = true;
            operation = operation.response(
                "200",
                json_response(
                    "The ceremony and the options for `navigator.credentials.get()`; answer at \
                     `POST /reauthenticate` with `passkey`.",
                    Ref::from_schema_name("PasskeyCeremony"),
                )
                .build(),
            );
            statuses.push((404, PASSKEYS_OFF));
        }
        #[cfg(feature = "passkey")]
        Route::PasskeyRegisterStart => {
            (tag, id, summary) = (
                "passkeys",
                "passkey_register_start",
                "Start adding a passkey to the account.",
            );
            signed_in = true;
            operation = operation.response(
                "200",
                json_response(
                    "The ceremony and the options for `navigator.credentials.create()`.",
                    Ref::from_schema_name("PasskeyCeremony"),
                )
                .build(),
            );
            statuses.push((401, RECENT_SIGN_IN));
            statuses.push((404, PASSKEYS_OFF));
        }
        #[cfg(feature = "passkey")]
        Route::PasskeyRegisterFinish => {
            (tag, id, summary) = (
                "passkeys",
                "passkey_register_finish",
                "Finish adding a passkey with the browser's answer.",
            );
            signed_in = true;
            json = true;
            operation = operation
                .request_body(Some(json_body("PasskeyRegisterFinishRequest").build()))
                .response(
                    "201",
                    json_response("The new passkey.", Ref::from_schema_name("Passkey")).build(),
                );
            statuses.insert(0, (400, PASSKEY_REFUSED));
            statuses.push((401, RECENT_SIGN_IN));
            statuses.push((404, PASSKEYS_OFF));
        }
        #[cfg(feature = "passkey")]
        Route::Passkeys => {
            (tag, id, summary) = ("passkeys", "list_passkeys", "The account's passkeys.");
            signed_in = true;
            operation = operation.response(
                "200",
                json_response(
                    "The passkeys, oldest first.",
                    ArrayBuilder::new().items(Ref::from_schema_name("Passkey")),
                )
                .build(),
            );
            statuses.push((404, PASSKEYS_OFF));
        }
        #[cfg(feature = "passkey")]
        Route::RenamePasskey(_) => {
            (tag, id, summary) = ("passkeys", "rename_passkey", "Rename one of the passkeys.");
            signed_in = true;
            json = true;
            operation = operation
                .parameter(passkey_id_parameter())
                .request_body(Some(json_body("PasskeyRenameRequest").build()))
                .response("204", empty_response("Renamed."));
            statuses.push((404, NO_SUCH_PASSKEY));
        }
        #[cfg(feature = "passkey")]
        Route::DeletePasskey(_) => {
            (tag, id, summary) = ("passkeys", "delete_passkey", "Remove one of the passkeys.");
            signed_in = true;
            operation = operation
                .parameter(passkey_id_parameter())
                .response("204", empty_response("Removed."));
            statuses.extend([
                (401, RECENT_SIGN_IN),
                (404, NO_SUCH_PASSKEY),
                (
                    409,
                    "It is the account's last way in: no password, no provider, no other \
                     passkey (`last_sign_in_method`).",
                ),
            ]);
        }
        #[cfg(feature = "passkey")]
        Route::PasskeyLoginStart => {
            (tag, id, summary) = (
                "passkeys",
                "passkey_login_start",
                "Start signing in with a passkey.",
            );
            json = true;
            operation = operation
                .request_body(Some(json_body("PasskeyLoginStartRequest").build()))
                .response(
                    "200",
                    json_response(
                        "The ceremony and the options for `navigator.credentials.get()`; the \
                         same for an email without an account as for no email.",
                        Ref::from_schema_name("PasskeyCeremony"),
                    )
                    .build(),
                );
            statuses.extend([(404, PASSKEYS_OFF), (429, THROTTLED)]);
        }
        #[cfg(feature = "passkey")]
        Route::PasskeyLoginFinish => {
            (tag, id, summary) = (
                "passkeys",
                "passkey_login_finish",
                "Finish signing in with a passkey.",
            );
            json = true;
            operation = operation
                .request_body(Some(json_body("PasskeyLoginFinishRequest").build()))
                .response(
                    "200",
                    token_response(shape, "Signed in (`amr`: `hwk` or `swk`, `user`, `mfa`).")
                        .build(),
                );
            statuses.insert(0, (400, PASSKEY_REFUSED));
            statuses.extend([
                (403, "The account is disabled (`account_disabled`)."),
                (404, PASSKEYS_OFF),
                (429, THROTTLED),
            ]);
        }
        #[cfg(feature = "passkey")]
        Route::PasskeySignupStart => {
            (tag, id, summary) = (
                "passkeys",
                "passkey_signup_start",
                "Start creating an account whose way in is a passkey.",
            );
            json = true;
            operation = operation
                .request_body(Some(json_body("PasskeySignupStartRequest").build()))
                .response(
                    "200",
                    json_response(
                        "The ceremony and the options for `navigator.credentials.create()`.",
                        Ref::from_schema_name("PasskeyCeremony"),
                    )
                    .build(),
                );
            statuses.extend([
                (
                    404,
                    "Passkeys are not configured, or the signup mode is enumeration-safe \
                     (`not_enabled`).",
                ),
                (409, "The email address is taken (`email_taken`)."),
                (429, THROTTLED),
            ]);
        }
        #[cfg(feature = "passkey")]
        Route::PasskeySignupFinish => {
            (tag, id, summary) = (
                "passkeys",
                "passkey_signup_finish",
                "Finish a passkey signup: the account is created and signed in.",
            );
            json = true;
            operation = operation
                .request_body(Some(json_body("PasskeySignupFinishRequest").build()))
                .response(
                    "201",
                    token_response(shape, "Signed up (no password) and in.").build(),
                );
            statuses.insert(0, (400, PASSKEY_REFUSED));
            statuses.extend([
                (
                    404,
                    "Passkeys are not configured, or the signup mode is enumeration-safe \
                     (`not_enabled`).",
                ),
                (
                    409,
                    "The email address was taken meanwhile (`email_taken`).",
                ),
                (429, THROTTLED),
            ]);
        }
    }
    if json {
        statuses.push((415, MEDIA_TYPE));
    }
    if signed_in {
        statuses.push((401, UNAUTHORIZED));
        let mut alternatives = Vec::new();
        if shape.bearer_header {
            alternatives.push(SecurityRequirement::new(BEARER, Vec::<String>::new()));
        }
        if shape.access_cookie.is_some() {
            let cookie = SecurityRequirement::new(ACCESS_COOKIE, Vec::<String>::new());
            alternatives.push(if read_only(route) {
                cookie
            } else {
                cookie.add(CSRF_HEADER, Vec::<String>::new())
            });
        }
        operation = operation.securities(Some(alternatives));
    }
    let state_changing = !read_only(route);
    #[cfg(feature = "providers")]
    let state_changing =
        state_changing && !matches!(route, Route::OAuthStart(_) | Route::OAuthCallback(_));
    if shape.cookie_mode && state_changing {
        statuses.push((403, CSRF));
    }
    statuses.extend([(500, SERVER_ERROR), (503, UNAVAILABLE)]);
    // One description per status: the first one given (the most specific) wins.
    statuses.sort_by_key(|(status, _)| *status);
    statuses.dedup_by_key(|(status, _)| *status);
    refusals(operation, &statuses)
        .tag(tag)
        .operation_id(Some(id))
        .summary(Some(summary))
        .build()
}

/// `{provider}`: one of the configured providers' names.
#[cfg(feature = "providers")]
fn provider_parameter(shape: &Shape) -> utoipa::openapi::path::Parameter {
    string_parameter(
        "provider",
        ParameterIn::Path,
        true,
        "The provider's name.",
        string().enum_values(Some(shape.providers.iter().map(String::as_str))),
    )
}

/// `{id}`: a passkey's credential id.
#[cfg(feature = "passkey")]
fn passkey_id_parameter() -> utoipa::openapi::path::Parameter {
    string_parameter(
        "id",
        ParameterIn::Path,
        true,
        "The passkey's `id` (base64url, from `GET /passkeys`).",
        string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // A route table entry whose sample the router does not parse would silently drop a
    // route from the document; every fixed entry must route.
    #[test]
    fn every_fixed_entry_routes_as_documented() {
        let session = "00000000-0000-0000-0000-000000000000";
        for (route, method, path) in [
            (Route::Signup, Method::POST, "/signup".to_owned()),
            (Route::Me, Method::GET, "/me".to_owned()),
            (
                Route::EndSession(session.to_owned()),
                Method::DELETE,
                format!("/sessions/{session}"),
            ),
        ] {
            assert_eq!(Route::parse(&method, &path), Ok(route));
        }
        assert_eq!(mounted("/auth/", "/login"), "/auth/login");
        assert_eq!(mounted("", "/login"), "/login");
    }
}
