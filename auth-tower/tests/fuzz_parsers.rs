//! Bounded fuzzing of what auth-tower reads from requests (issue 13): the `Authorization`
//! header and cookies (against an independent model of RFC 6750 and the cookie syntax), the
//! first-party endpoints with arbitrary methods, paths, headers and bodies, and the
//! authorization server's endpoints with arbitrary queries, forms and client credentials.
//!
//! Properties, not only "no panic": every answer is below 500; a 4xx from the JSON
//! endpoints carries a JSON `{"error": …}` body; nothing is accepted without the one valid
//! credential; no authorization code leaves without a signed-in user. Bounded; run longer
//! with `PROPTEST_CASES=100000 cargo test -p auth-tower --test fuzz_parsers`.

#[path = "../../auth-core/tests/fuzz_support/mod.rs"]
mod fuzz_support;

use std::net::IpAddr;
use std::sync::{Arc, LazyLock};

use auth_core::flows::{
    AuthConfig, AuthService, ClientInfo, EndpointLimits, RecordingMailer, Stores,
};
use auth_core::oauth_server::{
    ClientRegistration, OAuthServer, OAuthServerConfig, OAuthStores, UserInfoScopes,
};
use auth_core::password::{Password, PasswordHasher};
use auth_core::token::{
    AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Algorithm, IssuerConfig, KeySet,
    Scope, SigningKey, VerifierConfig,
};
use auth_core::{Clock, ManualClock};
use auth_tower::endpoints::EndpointRequest;
use auth_tower::oauth_server::{OAuthEndpoints, OAuthEndpointsConfig};
use auth_tower::{AuthEndpoints, Authenticator, EndpointsConfig};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use fuzz_support::{config, json_value, runtime};
use http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::Value;

// --- harness ----------------------------------------------------------------------------

const ISSUER: &str = "https://auth.example.com";
const AUDIENCE: &str = "https://api.example.com";
const EMAIL: &str = "kim@example.com";
const PASSWORD: &str = "mauve-tulip-orbit-42";
const COOKIE_NAME: &str = "access";

fn keys() -> KeySet {
    KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[9; 32]).expect("key"))
}

/// `text` with one character replaced, inserted or removed.
fn mutate(text: &str, index: usize, c: char, how: u8) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return c.to_string();
    }
    let at = index % chars.len();
    match how % 3 {
        0 => chars[at] = c,
        1 => chars.insert(at, c),
        _ => {
            chars.remove(at);
        }
    }
    chars.into_iter().collect()
}

/// A header value from arbitrary bytes, when HTTP allows it (no CR, LF or NUL).
fn header_value(bytes: &[u8]) -> Option<HeaderValue> {
    HeaderValue::from_bytes(bytes).ok()
}

// --- Authorization and Cookie: the authenticator against a model ------------------------

/// What the authenticator must decide, worked out independently of its code.
#[derive(Debug, PartialEq, Eq)]
enum Expected {
    /// No credentials: `Ok(None)`.
    Anonymous,
    /// The valid token, accepted.
    Accepted,
    /// A status: 400 (unreadable credentials) or 401 (a token that does not verify).
    Refused(u16),
}

/// RFC 6750 §2.1 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &[u8]) -> bool {
    let body_end = token
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(0, |last| last + 1);
    body_end > 0
        && token[..body_end]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// RFC 6265 §5.2 (simplified as the server reads it): `;`-separated pairs, name and value
/// trimmed, split at the first `=`; a pair without `=` is no cookie.
fn model_cookie_values<'a>(headers: &'a [Vec<u8>], name: &str) -> Vec<&'a [u8]> {
    headers
        .iter()
        .flat_map(|header| header.split(|&b| b == b';'))
        .filter_map(|pair| {
            let eq = pair.iter().position(|&b| b == b'=')?;
            (pair[..eq].trim_ascii() == name.as_bytes()).then(|| pair[eq + 1..].trim_ascii())
        })
        .collect()
}

fn expected(authorization: &[Vec<u8>], cookies: &[Vec<u8>], valid: &str) -> Expected {
    if authorization.len() > 1 {
        return Expected::Refused(400);
    }
    let from_header = authorization.first().and_then(|value| {
        let (scheme, rest) = match value.iter().position(|&b| b == b' ') {
            Some(space) => value.split_at(space),
            None => (&value[..], &[][..]),
        };
        scheme
            .eq_ignore_ascii_case(b"bearer")
            .then(|| rest.trim_ascii())
    });
    let from_cookie = model_cookie_values(cookies, COOKIE_NAME);
    if from_cookie.len() > 1 {
        return Expected::Refused(400);
    }
    let token = match (from_header, from_cookie.first()) {
        (Some(_), Some(_)) => return Expected::Refused(400),
        (Some(token), None) | (None, Some(&token)) => token,
        (None, None) => return Expected::Anonymous,
    };
    if token == valid.as_bytes() {
        Expected::Accepted
    } else if is_b64token(token) {
        Expected::Refused(401)
    } else {
        Expected::Refused(400)
    }
}

/// An `Authorization` value: the valid bearer token in any spelling, a mutated one,
/// another scheme, or arbitrary bytes.
fn authorization_value(valid: String) -> impl Strategy<Value = Vec<u8>> {
    let scheme = prop::sample::select(
        &[
            "Bearer ", "bearer ", "BEARER  ", "Bearer", "Basic ", " Bearer ", "Bearer\t", "",
        ][..],
    );
    let token = prop_oneof![
        3 => Just(valid.clone()),
        2 => (any::<usize>(), any::<char>(), any::<u8>())
            .prop_map(move |(i, c, how)| mutate(&valid, i, c, how)),
        1 => "[A-Za-z0-9._~+/=-]{0,60}",
        1 => any::<String>(),
    ];
    let trailing = prop::sample::select(&["", " ", "  ", "\t"][..]);
    prop_oneof![
        4 => (scheme, token, trailing)
            .prop_map(|(scheme, token, trailing)| format!("{scheme}{token}{trailing}").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ]
}

/// A `Cookie` header: pairs with the access-token cookie (valid or not, maybe repeated)
/// among others, with any spacing, or arbitrary bytes.
fn cookie_header(valid: String) -> impl Strategy<Value = Vec<u8>> {
    let access_value = prop_oneof![
        3 => Just(valid.clone()),
        2 => (any::<usize>(), any::<char>(), any::<u8>())
            .prop_map(move |(i, c, how)| mutate(&valid, i, c, how)),
        1 => "[ -~]{0,30}",
    ];
    let name = prop_oneof![
        Just(COOKIE_NAME.to_owned()),
        Just(format!(" {COOKIE_NAME} ")),
        Just("Access".to_owned()),
        Just("access_x".to_owned()),
        "[a-z_]{0,8}",
    ];
    let pair = prop_oneof![
        (name, access_value).prop_map(|(name, value)| format!("{name}={value}")),
        "[ -~]{0,20}",
    ];
    let separator = prop::sample::select(&[";", "; ", " ;", ";;"][..]);
    prop_oneof![
        4 => (prop::collection::vec(pair, 0..4), separator)
            .prop_map(|(pairs, separator)| pairs.join(separator).into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ]
}

proptest! {
    #![proptest_config(config(1024))]

    /// The authenticator (bearer header and an access-token cookie) decides exactly as the
    /// model says: one credential by one method, the valid token only, 400 for what is not
    /// a `b64token` or is duplicated, 401 for a well-formed token that does not verify, and
    /// never a 5xx.
    #[test]
    fn authorization_and_cookie_headers_match_the_model(
        (valid, authorization, cookies) in Just(valid_token()).prop_flat_map(|valid| (
            Just(valid.clone()),
            prop::collection::vec(authorization_value(valid.clone()), 0..3),
            prop::collection::vec(cookie_header(valid), 0..3),
        )),
    ) {
        let mut headers = HeaderMap::new();
        let mut sent_authorization = Vec::new();
        for value in &authorization {
            if let Some(header) = header_value(value) {
                headers.append(AUTHORIZATION, header);
                sent_authorization.push(value.clone());
            }
        }
        let mut sent_cookies = Vec::new();
        for value in &cookies {
            if let Some(header) = header_value(value) {
                headers.append(COOKIE, header);
                sent_cookies.push(value.clone());
            }
        }
        let want = expected(&sent_authorization, &sent_cookies, &valid);
        let got = match runtime().block_on(AUTHENTICATOR.authenticate(&headers)) {
            Ok(None) => Expected::Anonymous,
            Ok(Some(context)) => {
                prop_assert_eq!(context.claims().sub.as_str(), "user-1");
                Expected::Accepted
            }
            Err(rejection) => Expected::Refused(rejection.status().as_u16()),
        };
        prop_assert_eq!(got, want);
    }
}

static AUTH_KEYS: LazyLock<KeySet> = LazyLock::new(keys);

static AUTHENTICATOR: LazyLock<Authenticator> = LazyLock::new(|| {
    let verifier = AccessTokenVerifier::new(VerifierConfig::new(ISSUER, AUDIENCE), &AUTH_KEYS);
    Authenticator::new(verifier)
        .cookie(COOKIE_NAME)
        .without_token_cache()
});

fn valid_token() -> String {
    AccessTokenIssuer::new(IssuerConfig::new(ISSUER, AUDIENCE), &AUTH_KEYS)
        .issue(&AccessTokenRequest::new("user-1"))
        .expect("issue")
        .token
        .into_secret()
}

// --- the first-party endpoints ----------------------------------------------------------

/// Endpoints over in-memory stores with a signed-up user, in bearer or cookie mode, and
/// that user's credentials. Built afresh for every case, so that one case's logout or
/// password change does not decide what the next one can reach.
struct Endpoints {
    endpoints: AuthEndpoints,
    access: String,
    refresh: String,
}

fn endpoints(cookie_mode: bool) -> Endpoints {
    let clock = ManualClock::at_unix(1_800_000_000);
    let shared: Arc<dyn Clock> = Arc::new(clock);
    let mut config = AuthConfig::default();
    // Limits would answer 429 and hide the handlers behind them.
    config.endpoint_limits = EndpointLimits::insecure_unlimited();
    let service = AuthService::builder(keys(), Stores::in_memory())
        .issuer(ISSUER, AUDIENCE)
        .mailer(Arc::new(RecordingMailer::default()))
        .hasher(PasswordHasher::insecure_fast_for_tests())
        .clock(shared.clone())
        .config(config)
        .build()
        .expect("service");
    let (_, pair) = runtime()
        .block_on(service.signup(EMAIL, Password::from(PASSWORD), &ClientInfo::default()))
        .expect("signup");
    let endpoints_config = if cookie_mode {
        EndpointsConfig::cookie_mode()
    } else {
        EndpointsConfig::default()
    };
    Endpoints {
        endpoints: AuthEndpoints::for_service(service, endpoints_config).with_clock(shared),
        access: pair.access_token.token.into_secret(),
        refresh: pair.refresh_token.secret().to_owned(),
    }
}

/// A credential in a generated request, rendered once the case's fixture exists: the
/// user's own, the user's with one character changed, or any text.
#[derive(Debug, Clone)]
enum Credential {
    Own,
    Mutated(usize, char, u8),
    Other(String),
}

impl Credential {
    fn render(&self, own: &str) -> String {
        match self {
            Self::Own => own.to_owned(),
            Self::Mutated(index, c, how) => mutate(own, *index, *c, *how),
            Self::Other(text) => text.clone(),
        }
    }
}

fn credential() -> impl Strategy<Value = Credential> {
    prop_oneof![
        3 => Just(Credential::Own),
        2 => (any::<usize>(), any::<char>(), any::<u8>())
            .prop_map(|(i, c, how)| Credential::Mutated(i, c, how)),
        1 => "[A-Za-z0-9_.-]{0,60}".prop_map(Credential::Other),
        1 => any::<String>().prop_map(Credential::Other),
    ]
}

/// A piece of a header value or body field: literal, or the case's access or refresh
/// token.
#[derive(Debug, Clone)]
enum Piece {
    Text(Vec<u8>),
    Access(Credential),
    Refresh(Credential),
}

fn render(pieces: &[Piece], fixture: &Endpoints) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.extend_from_slice(text),
            Piece::Access(credential) => {
                out.extend(credential.render(&fixture.access).into_bytes())
            }
            Piece::Refresh(credential) => {
                out.extend(credential.render(&fixture.refresh).into_bytes())
            }
        }
    }
    out
}

fn text(value: &str) -> Piece {
    Piece::Text(value.as_bytes().to_vec())
}

/// The routes with their methods: requests mostly go to a real route with its own method,
/// so that they reach the handlers rather than the router's 404 and 405.
const ROUTES: &[(&str, &str)] = &[
    ("POST", "/signup"),
    ("POST", "/login"),
    ("POST", "/refresh"),
    ("POST", "/logout"),
    ("POST", "/logout-all"),
    ("GET", "/me"),
    ("GET", "/sessions"),
    ("POST", "/password/change"),
    ("POST", "/password/forgot"),
    ("POST", "/password/reset"),
    ("POST", "/email/verify"),
    ("GET", "/oauth/google"),
    ("GET", "/oauth/google/callback"),
];

/// A body field's value: a plausible one, a token of the case, or any JSON.
#[derive(Debug, Clone)]
enum Field {
    Json(Value),
    Refresh(Credential),
}

/// A body: mostly a JSON object holding each of the endpoints' fields with some
/// probability (so that every route's required fields are often all there), each a
/// plausible value — the user's real email, password and refresh token among them — or any
/// JSON; otherwise any JSON, any bytes, or a truncated object with a repeated member.
#[derive(Debug, Clone)]
enum Body {
    Object(Vec<(&'static str, Field)>),
    Raw(Vec<u8>),
}

impl Body {
    fn render(&self, fixture: &Endpoints) -> Vec<u8> {
        match self {
            Self::Raw(bytes) => bytes.clone(),
            Self::Object(fields) => {
                let object: serde_json::Map<String, Value> = fields
                    .iter()
                    .map(|(name, field)| {
                        let value = match field {
                            Field::Json(value) => value.clone(),
                            Field::Refresh(credential) => {
                                Value::from(credential.render(&fixture.refresh))
                            }
                        };
                        ((*name).to_owned(), value)
                    })
                    .collect();
                Value::Object(object).to_string().into_bytes()
            }
        }
    }
}

fn body() -> impl Strategy<Value = Body> {
    let plausible = |values: Vec<String>| {
        prop_oneof![
            3 => prop::sample::select(values).prop_map(|v| Field::Json(Value::from(v))),
            1 => any::<String>().prop_map(|v| Field::Json(Value::from(v))),
            1 => json_value().prop_map(Field::Json),
        ]
    };
    let email = plausible(vec![
        EMAIL.to_owned(),
        "KIM@Example.com ".to_owned(),
        "new@example.com".to_owned(),
        "not-an-email".to_owned(),
        format!("{}@example.com", "a".repeat(300)),
    ]);
    let password = plausible(vec![
        PASSWORD.to_owned(),
        "password".to_owned(),
        "correct horse battery staple 99".to_owned(),
        "x".repeat(5000),
        String::new(),
    ]);
    let token = prop_oneof![
        3 => credential().prop_map(Field::Refresh),
        1 => json_value().prop_map(Field::Json),
    ];
    let fields = (
        prop::option::weighted(0.7, email),
        prop::option::weighted(0.7, password.clone()),
        prop::option::weighted(0.4, token.clone()),
        prop::option::weighted(0.3, token),
        prop::option::weighted(0.3, password.clone()),
        prop::option::weighted(0.3, password),
        prop::option::weighted(0.2, json_value().prop_map(Field::Json)),
    );
    let object = fields.prop_map(
        |(email, password, refresh, one_time, current, new, device)| {
            let fields = [
                ("email", email),
                ("password", password),
                ("refresh_token", refresh),
                ("token", one_time),
                ("current_password", current),
                ("new_password", new),
                ("device_name", device),
            ];
            Body::Object(
                fields
                    .into_iter()
                    .filter_map(|(name, value)| value.map(|value| (name, value)))
                    .collect(),
            )
        },
    );
    prop_oneof![
        6 => object,
        1 => json_value().prop_map(|value| Body::Raw(value.to_string().into_bytes())),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Body::Raw),
        1 => Just(Body::Raw(
            br#"{"email":"a@b.c","email":"d@e.f","password":1"#.to_vec()
        )),
    ]
}

/// Headers a client could send: content types, the user's credentials (own, mutated or
/// other) by header and cookie, origins and fetch metadata, CSRF tokens, arbitrary values
/// of the headers the endpoints read.
fn request_headers() -> impl Strategy<Value = Vec<(&'static str, Vec<Piece>)>> {
    let named = prop_oneof![
        prop::sample::select(
            &[
                "application/json",
                "application/json; charset=utf-8",
                "APPLICATION/JSON",
                "text/plain",
                "application/x-www-form-urlencoded",
                "application/jsonx",
                "",
            ][..]
        )
        .prop_map(|value| ("content-type", vec![text(value)])),
        credential().prop_map(|access| (
            "authorization",
            vec![text("Bearer "), Piece::Access(access)]
        )),
        (credential(), credential()).prop_map(|(access, refresh)| (
            "cookie",
            vec![
                text("__Host-access="),
                Piece::Access(access),
                text("; __Host-refresh="),
                Piece::Refresh(refresh),
                text("; __Host-csrf=c"),
            ]
        )),
        prop::sample::select(
            &[
                "https://auth.example.com",
                "https://evil.example",
                "null",
                ""
            ][..]
        )
        .prop_map(|value| ("origin", vec![text(value)])),
        prop::sample::select(&["same-origin", "cross-site", "none", "same-site"][..])
            .prop_map(|value| ("sec-fetch-site", vec![text(value)])),
        prop::sample::select(&["c", "", "other"][..])
            .prop_map(|value| ("x-csrf-token", vec![text(value)])),
        prop::sample::select(&["auth.example.com", "evil.example", ""][..])
            .prop_map(|value| ("host", vec![text(value)])),
        (
            prop::sample::select(
                &[
                    "authorization",
                    "cookie",
                    "x-forwarded-for",
                    "forwarded",
                    "user-agent",
                    "content-type",
                    "origin",
                    "host",
                    "x-csrf-token"
                ][..]
            ),
            prop::collection::vec(any::<u8>(), 0..40),
        )
            .prop_map(|(name, value)| (name, vec![Piece::Text(value)])),
    ];
    // Mostly with the content type the endpoints want, so that bodies reach the parsers,
    // and often with the user's real credentials, so that signed-in routes are reached.
    let json = prop::option::weighted(0.8, Just(("content-type", vec![text("application/json")])));
    let bearer = prop::option::weighted(
        0.5,
        Just((
            "authorization",
            vec![text("Bearer "), Piece::Access(Credential::Own)],
        )),
    );
    let refresh_cookie = prop::option::weighted(
        0.3,
        Just(vec![
            (
                "cookie",
                vec![
                    text("__Host-refresh="),
                    Piece::Refresh(Credential::Own),
                    text("; __Host-csrf=c"),
                ],
            ),
            ("x-csrf-token", vec![text("c")]),
        ]),
    );
    (
        json,
        bearer,
        refresh_cookie,
        prop::collection::vec(named, 0..4),
    )
        .prop_map(|(json, bearer, refresh_cookie, rest)| {
            let mut headers: Vec<_> = json.into_iter().chain(bearer).collect();
            headers.extend(refresh_cookie.into_iter().flatten());
            headers.extend(rest);
            headers
        })
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        4 => prop::sample::select(&["GET", "POST", "DELETE"][..]),
        1 => prop::sample::select(&["PUT", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "FOO"][..]),
    ]
    .prop_map(|name| Method::from_bytes(name.as_bytes()).expect("a method"))
}

/// A method and path: a route with its own method, or anything.
fn route(
    routes: &'static [(&'static str, &'static str)],
) -> impl Strategy<Value = (Method, String)> {
    let own = prop::sample::select(routes).prop_map(|(method, path)| {
        (
            Method::from_bytes(method.as_bytes()).expect("a method"),
            path.to_owned(),
        )
    });
    let path = prop_oneof![
        2 => prop::sample::select(routes).prop_map(|(_, path)| path.to_owned()),
        1 => any::<String>().prop_map(|id| format!("/sessions/{id}")),
        1 => any::<String>().prop_map(|name| format!("/oauth/{name}/callback")),
        1 => any::<String>(),
        1 => prop::sample::select(routes).prop_map(|(_, path)| format!("{path}/")),
    ];
    prop_oneof![
        6 => own,
        1 => "/sessions/[0-9a-f-]{36}".prop_map(|path| (Method::DELETE, path)),
        2 => (method(), path),
    ]
}

/// Every answer is below 500, and a 4xx says what went wrong in JSON.
fn check_json_answer(response: &Response<Bytes>) -> Result<(), TestCaseError> {
    let status = response.status();
    prop_assert!(!status.is_server_error(), "{status}: {:?}", response.body());
    if status.is_client_error() {
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        prop_assert!(
            content_type.starts_with("application/json"),
            "{status} {content_type}"
        );
        let body: Value = serde_json::from_slice(response.body())
            .map_err(|error| TestCaseError::fail(format!("{status}: body not JSON: {error}")))?;
        prop_assert!(body["error"].is_string(), "{status}: {body}");
    }
    Ok(())
}

/// The first-party endpoints answer arbitrary requests — methods, paths, headers, bodies,
/// queries, peers — with a non-5xx status and, for a 4xx, a JSON error; `/me` answers 200
/// only to the user's own untampered access token.
#[test]
fn endpoints_answer_arbitrary_requests() {
    let strategy = (
        any::<bool>(),
        route(ROUTES),
        request_headers(),
        body(),
        prop::option::of(any::<String>()),
        prop::option::of(any::<IpAddr>()),
    );
    let mut runner = TestRunner::new(config(512));
    runner
        .run(
            &strategy,
            |(cookie_mode, (method, path), headers, body, query, peer)| {
                let fixture = endpoints(cookie_mode);
                let mut map = HeaderMap::new();
                for (name, pieces) in &headers {
                    if let Some(value) = header_value(&render(pieces, &fixture)) {
                        map.append(HeaderName::from_static(name), value);
                    }
                }
                let access = fixture.access.as_bytes();
                let carries_access = map
                    .get_all(AUTHORIZATION)
                    .iter()
                    .any(|value| value.as_bytes().windows(access.len()).any(|w| w == access));
                let is_me = method == Method::GET && path == "/me";
                let request = EndpointRequest::new(method, path)
                    .headers(map)
                    .body(body.render(&fixture))
                    .query(query)
                    .peer_ip(peer);
                let response = runtime().block_on(fixture.endpoints.handle(request));
                check_json_answer(&response)?;
                if is_me && response.status() == StatusCode::OK {
                    prop_assert!(carries_access, "/me answered without the user's token");
                }
                Ok(())
            },
        )
        .unwrap();
}

// --- the authorization server's endpoints -----------------------------------------------

const REDIRECT: &str = "https://app.example.com/cb";
const PUBLIC_REDIRECT: &str = "http://127.0.0.1:5173/callback";
const CLIENT_SECRET: &str = "a-demo-secret-of-at-least-32-bytes-0123456789";
const RSA_PEM: &[u8] = include_bytes!("../../auth-core/tests/keys/rsa2048.pem");

fn oauth_endpoints() -> OAuthEndpoints {
    let clock = ManualClock::at_unix(1_800_000_000);
    let shared: Arc<dyn Clock> = Arc::new(clock);
    let keys = KeySet::new(SigningKey::from_pem("as-1", Algorithm::RS256, RSA_PEM).expect("key"));
    let stores = Stores::in_memory();
    let mut config = OAuthServerConfig::new(ISSUER, AUDIENCE);
    config.supported_scopes = Scope::parse("openid profile email offline_access read:profile");
    let mut userinfo = UserInfoScopes::default();
    userinfo.access = Scope::parse("openid read:profile");
    config.userinfo_scopes = userinfo;
    let server = OAuthServer::new(
        config,
        stores.clone(),
        OAuthStores::in_memory(),
        &keys,
        shared.clone(),
    )
    .expect("server");
    let mut auth_config = AuthConfig::default();
    auth_config.endpoint_limits = EndpointLimits::insecure_unlimited();
    let auth = AuthService::builder(keys, stores)
        .issuer(ISSUER, ISSUER)
        .mailer(Arc::new(RecordingMailer::default()))
        .hasher(PasswordHasher::insecure_fast_for_tests())
        .clock(shared.clone())
        .config(auth_config)
        .build()
        .expect("service");
    runtime().block_on(async {
        auth.signup(EMAIL, Password::from(PASSWORD), &ClientInfo::default())
            .await
            .expect("signup");
        server
            .register_client_with_secret(
                ClientRegistration::confidential("Workflow <studio>")
                    .client_id("workflow-studio")
                    .redirect_uri(REDIRECT)
                    .scopes("openid profile email offline_access read:profile"),
                CLIENT_SECRET,
            )
            .await
            .expect("confidential client");
        server
            .register_client(
                ClientRegistration::public("Dashboard")
                    .client_id("dashboard")
                    .redirect_uri(PUBLIC_REDIRECT)
                    .scopes("openid read:profile")
                    .first_party(true),
            )
            .await
            .expect("public client");
    });
    OAuthEndpoints::new(server, auth, OAuthEndpointsConfig::default())
        .expect("endpoints")
        .with_clock(shared)
}

const OAUTH_ROUTES: &[(&str, &str)] = &[
    ("GET", "/oauth/authorize"),
    ("GET", "/oauth/login"),
    ("POST", "/oauth/login"),
    ("GET", "/oauth/consent"),
    ("POST", "/oauth/consent"),
    ("POST", "/oauth/logout"),
    ("POST", "/oauth/token"),
    ("GET", "/oauth/userinfo"),
    ("POST", "/oauth/userinfo"),
    ("POST", "/oauth/revoke"),
    ("POST", "/oauth/introspect"),
    ("GET", "/.well-known/oauth-authorization-server"),
    ("GET", "/.well-known/openid-configuration"),
    ("GET", "/oauth/jwks"),
];

const OAUTH_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "prompt",
    "max_age",
    "response_mode",
    "request",
    "request_uri",
    "grant_type",
    "code",
    "code_verifier",
    "refresh_token",
    "client_secret",
    "token",
    "token_type_hint",
    "email",
    "password",
    "csrf_token",
    "decision",
];

/// Query or form pairs: the server's parameter names with plausible or arbitrary values,
/// form-encoded — or raw text that is not a valid encoding at all.
fn form_text() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        prop::sample::select(
            &[
                "code",
                "workflow-studio",
                "dashboard",
                REDIRECT,
                PUBLIC_REDIRECT,
                "http://127.0.0.1:1/callback",
                "openid",
                "openid read:profile",
                "S256",
                "plain",
                "none",
                "login",
                "form_post",
                "authorization_code",
                "refresh_token",
                "0",
                "-1",
                EMAIL,
                PASSWORD,
                "approve",
                "deny",
            ][..]
        )
        .prop_map(str::to_owned),
        "[A-Za-z0-9_-]{43}",
        any::<String>(),
    ];
    let name = prop_oneof![
        4 => prop::sample::select(OAUTH_PARAMS).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    prop_oneof![
        4 => prop::collection::vec((name, value), 0..10).prop_map(|pairs| {
            form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
        }),
        1 => "[ -~]{0,80}",
        1 => any::<String>(),
    ]
}

fn oauth_headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let named = prop_oneof![
        prop::sample::select(
            &[
                "application/x-www-form-urlencoded",
                "application/json",
                "text/plain",
                "",
                "application/x-www-form-urlencoded; charset=utf-8",
            ][..]
        )
        .prop_map(|value| ("content-type".to_owned(), value.as_bytes().to_vec())),
        (any::<String>(), any::<String>()).prop_map(|(id, secret)| (
            "authorization".to_owned(),
            format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))).into_bytes()
        )),
        Just((
            "authorization".to_owned(),
            format!(
                "Basic {}",
                STANDARD.encode(format!("workflow-studio:{CLIENT_SECRET}"))
            )
            .into_bytes()
        )),
        "[A-Za-z0-9._-]{0,60}".prop_map(|token| (
            "authorization".to_owned(),
            format!("Bearer {token}").into_bytes()
        )),
        prop::sample::select(
            &[
                "https://app.example.com",
                "https://auth.example.com",
                "null"
            ][..]
        )
        .prop_map(|value| ("origin".to_owned(), value.as_bytes().to_vec())),
        "[ -~]{0,60}".prop_map(|value| ("cookie".to_owned(), value.into_bytes())),
        prop::sample::select(
            &[
                "authorization",
                "cookie",
                "content-type",
                "origin",
                "sec-fetch-site",
                "accept",
                "host"
            ][..]
        )
        .prop_flat_map(|name| (
            Just(name.to_owned()),
            prop::collection::vec(any::<u8>(), 0..40)
        )),
    ];
    let form = prop_oneof![
        4 => Just(vec![("content-type".to_owned(), b"application/x-www-form-urlencoded".to_vec())]),
        1 => Just(Vec::new()),
    ];
    (form, prop::collection::vec(named, 0..5)).prop_map(|(mut first, rest)| {
        first.extend(rest);
        first
    })
}

/// The authorization server answers arbitrary requests below 500; a JSON 4xx carries an
/// `error`; and without a signed-in user no redirect ever carries a code, and every
/// redirect goes to a registered URI or to the server's own pages.
#[test]
fn oauth_endpoints_answer_arbitrary_requests() {
    let endpoints = oauth_endpoints();
    let strategy = (
        prop_oneof![
            8 => route(OAUTH_ROUTES),
            1 => (method(), any::<String>().prop_map(|path| format!("/{path}"))),
        ],
        prop::option::of(form_text()),
        form_text(),
        oauth_headers(),
    );
    let mut runner = TestRunner::new(config(384));
    runner
        .run(&strategy, |((method, path), query, body, headers)| {
            let uri = match &query {
                Some(query) => format!("{path}?{query}"),
                None => path.clone(),
            };
            // A path or query that is no valid URI never reaches a handler: the HTTP
            // server refuses it first.
            let Ok(uri) = uri.parse::<http::Uri>() else {
                return Ok(());
            };
            let mut request = Request::new(Bytes::from(body));
            *request.method_mut() = method;
            *request.uri_mut() = uri;
            for (name, value) in &headers {
                if let (Ok(name), Some(value)) =
                    (HeaderName::from_bytes(name.as_bytes()), header_value(value))
                {
                    request.headers_mut().append(name, value);
                }
            }
            let response = runtime().block_on(endpoints.handle(request));
            let status = response.status();
            prop_assert!(!status.is_server_error(), "{status}: {:?}", response.body());
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            if status.is_client_error() && content_type.starts_with("application/json") {
                let body: Value = serde_json::from_slice(response.body())
                    .map_err(|error| TestCaseError::fail(format!("{status}: not JSON: {error}")))?;
                prop_assert!(body["error"].is_string(), "{status}: {body}");
            }
            if let Some(location) = response.headers().get(http::header::LOCATION) {
                let location = location.to_str().expect("an ASCII Location");
                prop_assert!(
                    !location.contains("code="),
                    "a code without a user: {location}"
                );
                let to_client = location.starts_with(&format!("{REDIRECT}?"))
                    || location.starts_with("http://127.0.0.1")
                    || location.starts_with('/')
                    || location.starts_with(ISSUER);
                prop_assert!(to_client, "redirect to {location}");
            }
            Ok(())
        })
        .unwrap();
}
