//! The OpenAPI documents (feature `openapi`) against the endpoints they describe: a
//! well-formed OpenAPI 3.1 document whose every `$ref` resolves; exactly the routes that
//! answer (probed with real requests, from the route table in the endpoints' module docs as
//! well as from the document); and real responses that validate against the schemas the
//! document declares for their status.
#![cfg(all(feature = "axum", feature = "openapi", feature = "providers"))]

mod common;

use std::collections::BTreeSet;

use auth_tower::utoipa::openapi::OpenApi;
use auth_tower::{AuthEndpoints, EndpointsConfig, SocialLoginConfig};
use axum::Router;
use serde_json::{Value, json};
use wiremock::MockServer;

use common::axum_client::axum_client;
use common::{Client, Fixture, Options, PASSWORD, Req, Resp, fixture};

const MOUNT: &str = "/auth";
const SESSION: &str = "00000000-0000-0000-0000-000000000000";

fn client(endpoints: &AuthEndpoints) -> Client {
    axum_client(Router::new().nest_service(MOUNT, endpoints.clone().into_service()))
}

fn to_json(document: &OpenApi) -> Value {
    serde_json::to_value(document).expect("the document serializes")
}

/// Bearer mode without social login, and cookie mode with one provider (Kakao, on a mock
/// server that no test here calls).
async fn setups() -> Vec<(&'static str, Fixture, AuthEndpoints, MockServer)> {
    let mut setups = Vec::new();
    let server = MockServer::start().await;
    let fx = fixture(Options::default());
    let endpoints = fx.endpoints(EndpointsConfig::default());
    setups.push(("bearer", fx, endpoints, server));
    let server = MockServer::start().await;
    let fx = fixture(Options {
        oauth: Some(common::oauth::setup(&server, SocialLoginConfig::default())),
        ..Options::default()
    });
    let endpoints = fx.endpoints(EndpointsConfig::cookie_mode());
    setups.push(("cookie", fx, endpoints, server));
    setups
}

/// Every `"$ref"` string in `value`.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => out.push(target.clone()),
                    _ => refs(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
        _ => {}
    }
}

/// `(METHOD, path template)` of every operation in the document.
fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_every_reference_resolves() {
    for (mode, _fx, endpoints, _server) in setups().await {
        let document = to_json(&endpoints.openapi(MOUNT));
        let version = document["openapi"].as_str().unwrap_or_default();
        assert!(version.starts_with("3.1."), "{mode}: openapi {version}");
        assert!(document["info"]["title"].is_string());
        assert!(document["info"]["version"].is_string());

        let mut targets = Vec::new();
        refs(&document, &mut targets);
        assert!(targets.len() > 10, "{mode}: the bodies are references");
        for target in &targets {
            let pointer = target
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{mode}: a reference outside the document: {target}"));
            assert!(
                document.pointer(pointer).is_some(),
                "{mode}: {target} does not resolve"
            );
        }

        let schemes = &document["components"]["securitySchemes"];
        for (_, path) in document["paths"].as_object().unwrap() {
            for (_, operation) in path.as_object().unwrap() {
                assert!(operation["operationId"].is_string());
                for requirement in operation["security"].as_array().into_iter().flatten() {
                    for name in requirement.as_object().unwrap().keys() {
                        assert!(
                            schemes.get(name).is_some(),
                            "{mode}: security scheme {name} is not declared"
                        );
                    }
                }
                // Every response schema is a valid JSON Schema 2020-12 (OpenAPI 3.1's
                // dialect) once its references can be resolved.
                for (status, response) in operation["responses"].as_object().unwrap() {
                    assert!(status.len() == 3 && status.parse::<u16>().is_ok());
                    assert!(response["description"].is_string());
                    if let Some(schema) = response.pointer("/content/application~1json/schema") {
                        validator(&document, schema);
                    }
                }
            }
        }
    }
}

/// `(METHOD, path)` pairs the endpoints' module docs list, e.g. `POST /signup`, with the
/// path parameters filled in.
fn routes_in_the_module_docs() -> Vec<(String, String)> {
    let source = include_str!("../src/endpoints/mod.rs");
    let routes: Vec<_> = source
        .lines()
        .filter_map(|line| line.strip_prefix("//! | `"))
        .filter_map(|rest| rest.split_once('`').map(|(route, _)| route))
        .filter_map(|route| route.split_once(' '))
        .map(|(method, path)| {
            let path = path.replace("{id}", SESSION).replace("{provider}", "kakao");
            (method.to_owned(), path)
        })
        .collect();
    assert!(
        routes.len() >= 14,
        "the route table in the module docs was not found: {routes:?}"
    );
    routes
}

/// A concrete path for a document's path template (below the mount point).
fn sample(template: &str) -> String {
    template
        .replace("{id}", SESSION)
        .replace("{provider}", "kakao")
}

// The document names a route exactly when a request to it is routed (answered neither 404
// nor 405): nothing missing, nothing that does not answer, in either mode.
#[tokio::test]
async fn the_document_names_exactly_the_routes_that_answer() {
    for (mode, _fx, endpoints, _server) in setups().await {
        let document = to_json(&endpoints.openapi(MOUNT));
        let documented: BTreeSet<(String, String)> = operations(&document)
            .into_iter()
            .map(|(method, path)| {
                let below = path.strip_prefix(MOUNT).expect("paths are below the mount");
                (method, sample(below))
            })
            .collect();
        let mut candidates: BTreeSet<(String, String)> = documented.clone();
        for (_, path) in routes_in_the_module_docs()
            .into_iter()
            .chain([("GET".to_owned(), "/oauth/unknown".to_owned())])
            .chain([("GET".to_owned(), "/nothing-here".to_owned())])
        {
            for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
                candidates.insert((method.to_owned(), path.clone()));
            }
        }
        let client = client(&endpoints);
        for (method, path) in &candidates {
            let method: &'static str = match method.as_str() {
                "GET" => "GET",
                "POST" => "POST",
                "PUT" => "PUT",
                "DELETE" => "DELETE",
                "PATCH" => "PATCH",
                other => panic!("unexpected method {other}"),
            };
            let response = client
                .send(Req::new(method, &format!("{MOUNT}{path}")))
                .await;
            let routed = !matches!(response.status, 404 | 405);
            let named = documented.contains(&(method.to_owned(), path.clone()));
            assert_eq!(
                routed,
                named,
                "{mode}: {method} {path} answered {} but the document {} it",
                response.status,
                if named { "names" } else { "does not name" }
            );
        }
        let social = documented
            .iter()
            .any(|(_, path)| path.starts_with("/oauth/"));
        assert_eq!(
            social,
            mode == "cookie",
            "{mode}: social login only with providers"
        );
    }
}

/// A validator for `schema`, with the document's components beside it so that its
/// `#/components/...` references resolve.
fn validator(document: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = schema.clone();
    if let Value::Object(map) = &mut root {
        map.insert("components".to_owned(), document["components"].clone());
        map.insert(
            "$schema".to_owned(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
    }
    jsonschema::validator_for(&root)
        .unwrap_or_else(|error| panic!("not a valid JSON Schema: {error}\n{schema}"))
}

/// Checks `response` against what the document declares for `method path` and its status:
/// the status is listed, the body validates against its schema, the listed headers that the
/// endpoints always send (`WWW-Authenticate` on 401, `Retry-After` on 429) are there.
fn conforms(document: &Value, method: &str, path: &str, response: &Resp) {
    let operation = &document["paths"][format!("{MOUNT}{path}")][method.to_lowercase()];
    assert!(operation.is_object(), "{method} {path} is not documented");
    let status = response.status.to_string();
    let declared = &operation["responses"][&status];
    assert!(
        declared.is_object(),
        "{method} {path}: {status} is not documented; body {}",
        response.text()
    );
    match declared.pointer("/content/application~1json/schema") {
        Some(schema) => {
            assert_eq!(response.header("content-type"), Some("application/json"));
            let body = response.json();
            let validator = validator(document, schema);
            let errors: Vec<String> = validator
                .iter_errors(&body)
                .map(|error| error.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{method} {path} {status}: {body} does not match {schema}: {errors:?}"
            );
        }
        None => assert!(
            response.body.is_empty(),
            "{method} {path}: undocumented body"
        ),
    }
    for header in ["WWW-Authenticate", "Retry-After"] {
        if declared["headers"].get(header).is_some() && matches!(response.status, 401 | 429) {
            assert!(
                response.header(header).is_some(),
                "{method} {path} {status}: no {header}"
            );
        }
    }
}

// Real answers of the endpoints — signup, login, refresh, me, sessions, logout-all, and
// refusals (400, 401, 415, 429) — are what the document says, in both modes.
#[tokio::test]
async fn real_responses_match_the_schemas_the_document_declares() {
    for (mode, _fx, endpoints, _server) in setups().await {
        let document = to_json(&endpoints.openapi(MOUNT));
        let client = client(&endpoints);
        let credentials = json!({ "email": "ada@example.com", "password": PASSWORD });
        let post = |path: &str| Req::post(&format!("{MOUNT}{path}"));

        let signup = client.send(post("/signup").json(credentials.clone())).await;
        assert_eq!(signup.status, 201, "{mode}: {}", signup.text());
        conforms(&document, "POST", "/signup", &signup);
        let taken = client.send(post("/signup").json(credentials.clone())).await;
        assert_eq!(taken.status, 409);
        conforms(&document, "POST", "/signup", &taken);

        let login = client.send(post("/login").json(credentials.clone())).await;
        assert_eq!(login.status, 200);
        conforms(&document, "POST", "/login", &login);
        let access = login.json()["access_token"].as_str().unwrap().to_owned();

        let refresh = if mode == "cookie" {
            let (refresh, _) = login.cookie("__Host-refresh").expect("refresh cookie");
            let (csrf, _) = login.cookie("__Host-csrf").expect("csrf cookie");
            post("/refresh")
                .header(
                    "cookie",
                    &format!("__Host-refresh={refresh}; __Host-csrf={csrf}"),
                )
                .header("x-csrf-token", &csrf)
        } else {
            let token = login.json()["refresh_token"].as_str().unwrap().to_owned();
            post("/refresh").json(json!({ "refresh_token": token }))
        };
        let refreshed = client.send(refresh).await;
        assert_eq!(refreshed.status, 200, "{mode}: {}", refreshed.text());
        conforms(&document, "POST", "/refresh", &refreshed);

        let me = client
            .send(Req::get(&format!("{MOUNT}/me")).bearer(&access))
            .await;
        assert_eq!(me.status, 200);
        conforms(&document, "GET", "/me", &me);
        let sessions = client
            .send(Req::get(&format!("{MOUNT}/sessions")).bearer(&access))
            .await;
        assert_eq!(sessions.status, 200);
        conforms(&document, "GET", "/sessions", &sessions);

        let wrong = json!({ "email": "ada@example.com", "password": "not-the-password-1" });
        let refused = client.send(post("/login").json(wrong)).await;
        assert_eq!(refused.status, 401);
        conforms(&document, "POST", "/login", &refused);
        let malformed = client
            .send(post("/login").raw("application/json", "{"))
            .await;
        assert_eq!(malformed.status, 400);
        conforms(&document, "POST", "/login", &malformed);
        let form = client.send(post("/login").raw("text/plain", "x")).await;
        assert_eq!(form.status, 415);
        conforms(&document, "POST", "/login", &form);
        let anonymous = client.send(Req::get(&format!("{MOUNT}/me"))).await;
        assert_eq!(anonymous.status, 401);
        conforms(&document, "GET", "/me", &anonymous);

        let ended = client.send(post("/logout-all").bearer(&access)).await;
        assert_eq!(ended.status, 200, "{mode}: {}", ended.text());
        conforms(&document, "POST", "/logout-all", &ended);

        // The per-account throttle: wrong passwords until it answers 429.
        let mut last = None;
        for _ in 0..30 {
            let wrong = json!({ "email": "ada@example.com", "password": "still-not-it-42" });
            let response = client.send(post("/login").json(wrong)).await;
            if response.status == 429 {
                last = Some(response);
                break;
            }
        }
        let throttled = last.expect("the login throttle answers 429");
        conforms(&document, "POST", "/login", &throttled);
    }
}

// Statuses the schemas must refuse: the check above could not fail if every schema
// accepted anything.
#[tokio::test]
async fn the_schemas_refuse_bodies_of_another_shape() {
    let (_, _fx, endpoints, _server) = setups().await.remove(0);
    let document = to_json(&endpoints.openapi(MOUNT));
    let token = document
        .pointer("/paths/~1auth~1login/post/responses/200/content/application~1json/schema");
    let check = validator(&document, token.expect("the login's 200 schema"));
    assert!(check.is_valid(&json!({
        "access_token": "a", "token_type": "Bearer", "expires_in": 900, "refresh_token": "r"
    })));
    assert!(!check.is_valid(&json!({ "error": "invalid_credentials" })));
    assert!(
        !check.is_valid(&json!({ "access_token": 1, "token_type": "Bearer", "expires_in": 900 }))
    );
    let error = document
        .pointer("/paths/~1auth~1login/post/responses/401/content/application~1json/schema");
    let check = validator(&document, error.expect("the login's 401 schema"));
    assert!(
        !check.is_valid(&json!({ "error": "invalid_credentials" })),
        "description required"
    );
}

/// The password a client sets (signup, change, reset) carries the configured policy's lengths,
/// so a generated client or fuzzer knows the bounds the endpoints enforce; login's password
/// does not (any length is only ever "wrong" there). Seen failing without
/// `with_password_policy`: no `minLength` on the signup password.
#[tokio::test]
async fn the_passwords_being_set_carry_the_policy_lengths() {
    let fx = fixture(Options {
        configure: |config| config.password_policy.min_length = 12,
        ..Options::default()
    });
    let endpoints = fx.endpoints(EndpointsConfig::default());
    let document = to_json(&endpoints.openapi(MOUNT));
    let schemas = &document["components"]["schemas"];
    let signup_ref = document
        .pointer("/paths/~1auth~1signup/post/requestBody/content/application~1json/schema/$ref")
        .and_then(Value::as_str);
    assert_eq!(signup_ref, Some("#/components/schemas/SignupRequest"));
    let signup = &schemas["SignupRequest"]["properties"]["password"];
    assert_eq!(signup["minLength"], 12, "{signup}");
    assert_eq!(signup["maxLength"], 128, "{signup}");
    for (schema, field) in [
        ("PasswordChangeRequest", "new_password"),
        ("PasswordResetRequest", "new_password"),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["minLength"], 12,
            "{schema}"
        );
    }
    assert!(
        schemas["Credentials"]["properties"]["password"]
            .get("minLength")
            .is_none(),
        "login accepts any length and answers 401"
    );
    assert!(
        schemas["PasswordChangeRequest"]["properties"]["current_password"]
            .get("minLength")
            .is_none()
    );
    // And the endpoint refuses what the schema refuses.
    let short = client(&endpoints)
        .send(Req::post("/auth/signup").json(json!({
            "email": "short@example.com", "password": "eleven-char"
        })))
        .await;
    assert_eq!(short.status, 400, "{}", short.text());
}

mod authorization_server {
    //! The authorization server's document against its endpoints.

    use std::sync::Arc;

    use auth_core::flows::{AuthConfig, AuthService, RecordingMailer, Stores};
    use auth_core::oauth_server::{
        ClientRegistration, OAuthServer, OAuthServerConfig, OAuthStores,
    };
    use auth_core::password::PasswordHasher;
    use auth_core::token::{AccessTokenIssuer, Algorithm, IssuerConfig, KeySet, SigningKey};
    use auth_core::{Clock, SystemClock};
    use auth_tower::oauth_server::{OAuthEndpoints, OAuthEndpointsConfig};
    use bytes::Bytes;
    use http::Request;
    use serde_json::Value;

    use super::{Resp, operations, refs, to_json, validator};

    const ISSUER: &str = "https://auth.test";

    async fn endpoints() -> OAuthEndpoints {
        let pem = include_bytes!("../../auth-core/tests/keys/ed25519.pem");
        let keys = KeySet::new(SigningKey::from_pem("as-1", Algorithm::EdDSA, pem).unwrap());
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let stores = Stores::in_memory();
        let config = OAuthServerConfig::new(ISSUER, "https://api.test");
        let server = OAuthServer::new(
            config,
            stores.clone(),
            OAuthStores::in_memory(),
            &keys,
            clock.clone(),
        )
        .unwrap();
        server
            .register_client_with_secret(
                ClientRegistration::confidential("Studio")
                    .client_id("studio")
                    .redirect_uri("https://studio.test/callback")
                    .scopes("openid profile"),
                "a-demo-secret-of-at-least-32-bytes-0123456789",
            )
            .await
            .unwrap();
        let auth = AuthService::new(
            AuthConfig::default(),
            stores,
            AccessTokenIssuer::new(IssuerConfig::new(ISSUER, ISSUER), &keys),
            PasswordHasher::insecure_fast_for_tests(),
            clock,
            Arc::new(RecordingMailer::default()),
        );
        OAuthEndpoints::new(server, auth, OAuthEndpointsConfig::default()).unwrap()
    }

    async fn send(endpoints: &OAuthEndpoints, request: http::request::Builder, body: &str) -> Resp {
        let response = endpoints
            .handle(request.body(Bytes::from(body.to_owned())).unwrap())
            .await;
        Resp {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
                .collect(),
            body: response.body().to_vec(),
        }
    }

    // Its paths are exactly the ones the server serves (`OAuthEndpoints::paths`, the table
    // its axum router is built from), each answering the documented methods.
    #[tokio::test]
    async fn the_document_names_exactly_the_served_routes() {
        let endpoints = endpoints().await;
        let document = to_json(&endpoints.openapi());
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1."));
        let mut targets = Vec::new();
        refs(&document, &mut targets);
        for target in &targets {
            assert!(document.pointer(&target[1..]).is_some(), "{target}");
        }
        let documented = operations(&document);
        let paths: std::collections::BTreeSet<_> =
            documented.iter().map(|(_, path)| path.clone()).collect();
        let served: std::collections::BTreeSet<_> = endpoints.paths().into_iter().collect();
        assert_eq!(paths, served);
        for path in &served {
            for method in ["GET", "POST", "PUT", "DELETE"] {
                let response = send(
                    &endpoints,
                    Request::builder().method(method).uri(path.as_str()),
                    "",
                )
                .await;
                let named = documented.contains(&(method.to_owned(), path.clone()));
                assert_eq!(
                    !matches!(response.status, 404 | 405),
                    named,
                    "{method} {path} answered {}",
                    response.status
                );
            }
        }
    }

    fn conforms(document: &Value, method: &str, path: &str, response: &Resp) {
        let declared = &document["paths"][path][method.to_lowercase()]["responses"]
            [response.status.to_string()];
        assert!(
            declared.is_object(),
            "{method} {path}: {} is not documented: {}",
            response.status,
            response.text()
        );
        if let Some(schema) = declared.pointer("/content/application~1json/schema") {
            let body = response.json();
            let check = validator(document, schema);
            assert!(
                check.is_valid(&body),
                "{method} {path}: {body} does not match {schema}"
            );
        }
    }

    // Metadata, keys and refusals of the token, userinfo, introspection and revocation
    // endpoints are what the document says.
    #[tokio::test]
    async fn real_responses_match_the_schemas_the_document_declares() {
        let endpoints = endpoints().await;
        let document = to_json(&endpoints.openapi());
        for path in [
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration",
            "/.well-known/jwks.json",
        ] {
            let response = send(&endpoints, Request::get(path), "").await;
            assert_eq!(response.status, 200);
            conforms(&document, "GET", path, &response);
        }
        let form = |path: &str| {
            Request::post(path).header("content-type", "application/x-www-form-urlencoded")
        };
        let not_a_form = send(
            &endpoints,
            Request::post("/oauth/token").header("content-type", "application/json"),
            "{}",
        )
        .await;
        assert_eq!(not_a_form.status, 400);
        conforms(&document, "POST", "/oauth/token", &not_a_form);
        let wrong_secret = send(
            &endpoints,
            form("/oauth/token").header("authorization", "Basic c3R1ZGlvOndyb25n"),
            "grant_type=authorization_code&code=x&code_verifier=y",
        )
        .await;
        assert_eq!(wrong_secret.status, 401);
        assert!(wrong_secret.header("www-authenticate").is_some());
        conforms(&document, "POST", "/oauth/token", &wrong_secret);
        let no_token = send(&endpoints, Request::get("/oauth/userinfo"), "").await;
        assert_eq!(no_token.status, 401);
        conforms(&document, "GET", "/oauth/userinfo", &no_token);
        for path in ["/oauth/introspect", "/oauth/revoke"] {
            let anonymous = send(&endpoints, form(path), "token=abc").await;
            assert!(
                matches!(anonymous.status, 400 | 401),
                "{}",
                anonymous.status
            );
            conforms(&document, "POST", path, &anonymous);
        }
    }
}

// The passkey routes' real answers (feature `passkey`) — ceremonies, the passkey, the list,
// the token responses, 204s and the refusals (400 `invalid_passkey`, 404, 409) — are what the
// document says.
#[cfg(feature = "passkey")]
#[tokio::test]
async fn real_passkey_responses_match_the_schemas_the_document_declares() {
    use common::passkeys::{Browser, ORIGIN};

    let fx = fixture(Options {
        passkeys: true,
        ..Options::default()
    });
    let endpoints = fx.endpoints(EndpointsConfig::default());
    let document = to_json(&endpoints.openapi(MOUNT));
    let client = client(&endpoints);
    let post = |path: &str| Req::post(&format!("{MOUNT}{path}"));
    let token = fx.user("kim@example.com").await;
    let mut browser = Browser::new();

    let started = client
        .send(post("/passkeys/register/start").bearer(&token))
        .await;
    conforms(&document, "POST", "/passkeys/register/start", &started);
    let started = started.json();
    let answer = browser
        .create(ORIGIN, started["options"].clone())
        .await
        .unwrap();
    let added =
        client
            .send(post("/passkeys/register/finish").bearer(&token).json(
                json!({"ceremony": started["ceremony"], "credential": answer, "name": "Key"}),
            ))
            .await;
    assert_eq!(added.status, 201, "{}", added.text());
    conforms(&document, "POST", "/passkeys/register/finish", &added);
    let id = added.json()["id"].as_str().unwrap().to_owned();

    let list = client
        .send(Req::get(&format!("{MOUNT}/passkeys")).bearer(&token))
        .await;
    conforms(&document, "GET", "/passkeys", &list);
    let renamed = client
        .send(
            Req::new("PATCH", &format!("{MOUNT}/passkeys/{id}"))
                .bearer(&token)
                .json(json!({"name": "Laptop"})),
        )
        .await;
    assert_eq!(renamed.status, 204);
    conforms(&document, "PATCH", "/passkeys/{id}", &renamed);

    let start = client
        .send(post("/passkey/login/start").json(json!({})))
        .await;
    conforms(&document, "POST", "/passkey/login/start", &start);
    let start = start.json();
    let assertion = browser.get(ORIGIN, start["options"].clone()).await.unwrap();
    let finish = |assertion: Value| {
        post("/passkey/login/finish")
            .json(json!({"ceremony": start["ceremony"], "credential": assertion}))
    };
    let signed_in = client.send(finish(assertion.clone())).await;
    assert_eq!(signed_in.status, 200);
    conforms(&document, "POST", "/passkey/login/finish", &signed_in);
    let replay = client.send(finish(assertion)).await;
    assert_eq!(replay.status, 400);
    conforms(&document, "POST", "/passkey/login/finish", &replay);

    let signup = client
        .send(post("/passkey/signup/start").json(json!({"email": "lee@example.com"})))
        .await;
    conforms(&document, "POST", "/passkey/signup/start", &signup);
    let signup = signup.json();
    let created = Browser::new()
        .create(ORIGIN, signup["options"].clone())
        .await
        .unwrap();
    let signed_up = client
        .send(
            post("/passkey/signup/finish")
                .json(json!({"ceremony": signup["ceremony"], "credential": created})),
        )
        .await;
    assert_eq!(signed_up.status, 201);
    conforms(&document, "POST", "/passkey/signup/finish", &signed_up);
    let lee = signed_up.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let lee_id = client
        .send(Req::get(&format!("{MOUNT}/passkeys")).bearer(&lee))
        .await
        .json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let last = client
        .send(Req::delete(&format!("{MOUNT}/passkeys/{lee_id}")).bearer(&lee))
        .await;
    assert_eq!(last.status, 409);
    conforms(&document, "DELETE", "/passkeys/{id}", &last);
    let unknown = client
        .send(Req::delete(&format!("{MOUNT}/passkeys/AQID")).bearer(&lee))
        .await;
    assert_eq!(unknown.status, 404);
    conforms(&document, "DELETE", "/passkeys/{id}", &unknown);
    let removed = client
        .send(Req::delete(&format!("{MOUNT}/passkeys/{id}")).bearer(&token))
        .await;
    assert_eq!(removed.status, 204);
    conforms(&document, "DELETE", "/passkeys/{id}", &removed);
}
