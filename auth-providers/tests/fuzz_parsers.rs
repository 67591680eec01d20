//! Bounded fuzzing of what auth-providers reads from outside (issue 13): callback query
//! strings, userinfo JSON through a [`UserInfoMapping`], and — through a local mock
//! provider — token responses, id_tokens, userinfo/profile answers of every preset, and
//! JWKS documents of any shape.
//!
//! Properties, not only "no panic": a repeated callback parameter is dropped; a profile
//! always has a subject and is never "verified" without an email; an id_token passes only
//! with the right signature, issuer, audience, nonce and lifetime; a JWKS of any shape never
//! makes a token verify unless it holds the signer's key. Bounded; run longer with
//! `PROPTEST_CASES=100000 cargo test -p auth-providers --test fuzz_parsers`.

mod common;

#[path = "../../auth-core/tests/fuzz_support/mod.rs"]
mod fuzz_support;

use std::sync::{Arc, LazyLock};

use auth_core::token::Algorithm;
use auth_providers::{
    CallbackParams, JwksCache, JwksConfig, LoginError, LoginFlow, Provider, ProviderProfile,
    UserInfoMapping,
};
use common::*;
use fuzz_support::{config, json_value, runtime};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// --- harness ----------------------------------------------------------------------------

/// An object with some of `names`, each a value of `value` — the shape a provider's answer
/// has, with the types and presence of its members left to chance.
fn object_of(
    names: &'static [&'static str],
    value: impl Strategy<Value = Value> + Clone + 'static,
) -> impl Strategy<Value = Value> + Clone {
    prop::collection::vec((prop::sample::select(names), value), 0..names.len() + 2).prop_map(
        |members| {
            Value::Object(
                members
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value))
                    .collect(),
            )
        },
    )
}

// --- callback parameters ----------------------------------------------------------------

const CALLBACK_NAMES: &[&str] = &["code", "state", "error", "error_description", "iss"];

proptest! {
    #![proptest_config(config(1024))]

    /// A callback parameter is read only when it appears exactly once (a repeat is how a
    /// parameter-pollution attack would smuggle a second `state` or `code`); raw query
    /// text of any shape parses.
    #[test]
    fn callback_params_keep_only_single_parameters(
        pairs in prop::collection::vec(
            (prop_oneof![prop::sample::select(CALLBACK_NAMES).prop_map(str::to_owned),
                any::<String>()], any::<String>()),
            0..8,
        ),
        raw in any::<String>(),
    ) {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        let params = CallbackParams::from_query(&query);
        let once = |name: &str| {
            let values: Vec<&String> = pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v).collect();
            (values.len() == 1).then(|| values[0].clone())
        };
        prop_assert_eq!(params.code, once("code"));
        prop_assert_eq!(params.state, once("state"));
        prop_assert_eq!(params.error, once("error"));
        prop_assert_eq!(params.error_description, once("error_description"));
        prop_assert_eq!(params.iss, once("iss"));
        let _ = CallbackParams::from_query(&raw);
    }
}

// --- userinfo mapping -------------------------------------------------------------------

/// A JSON Pointer: one the answer may hold, a malformed one, or any text.
fn pointer() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            &[
                "/sub",
                "/id",
                "/email",
                "/email_verified",
                "/name",
                "/data/id",
                "/a/0",
                "",
                "/",
                "sub",
                "/~",
                "/~2",
                "/a~1b",
                "/0",
            ][..]
        )
        .prop_map(str::to_owned),
        "(/[a-z0-9_~]{0,4}){0,3}",
        any::<String>(),
    ]
}

/// The subject the mapping must find: a non-empty string, or an integer as decimal text.
fn subject_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) if number.is_i64() || number.is_u64() => Some(number.to_string()),
        _ => None,
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// A generic provider's userinfo of any shape, through pointers of any shape: a profile
    /// exactly when the subject pointer finds a non-empty string or an integer, "verified"
    /// only with an email and the JSON `true`.
    #[test]
    fn userinfo_mapping_reads_or_refuses(
        answer in prop_oneof![
            object_of(&["sub", "id", "email", "email_verified", "name", "picture", "locale", "data"],
                prop_oneof![json_value(), Just(json!(true)), Just(json!("kim@example.com")),
                    Just(json!(42)), Just(json!({"id": 7, "0": "x"}))]),
            json_value(),
        ],
        subject in pointer(),
        email in prop::option::of(pointer()),
        verified in prop::option::of(pointer()),
        name in pointer(),
    ) {
        let mapping = UserInfoMapping::default()
            .subject(subject.clone())
            .email(email.as_deref())
            .email_verified(verified.as_deref())
            .name(name);
        let expected_subject = subject_of(answer.pointer(&subject));
        match mapping.apply("forge", answer.clone()) {
            Ok(profile) => {
                prop_assert_eq!(Some(profile.subject.clone()), expected_subject);
                check_profile(&profile)?;
                if profile.email_verified {
                    let found = verified.as_deref().and_then(|p| answer.pointer(p));
                    prop_assert_eq!(found, Some(&Value::Bool(true)));
                }
            }
            Err(error) => {
                prop_assert!(expected_subject.is_none(), "{error}");
                prop_assert!(matches!(error, LoginError::InvalidProfile(_)));
            }
        }
    }
}

/// What every profile handed to the host must satisfy.
fn check_profile(profile: &ProviderProfile) -> Result<(), TestCaseError> {
    prop_assert!(!profile.subject.is_empty());
    prop_assert!(
        !profile.email_verified || profile.email.as_deref().is_some_and(|e| !e.is_empty())
    );
    for field in [
        &profile.email,
        &profile.name,
        &profile.avatar_url,
        &profile.locale,
    ] {
        prop_assert!(field.as_deref().is_none_or(|text| !text.is_empty()));
    }
    Ok(())
}

// --- provider answers through a whole login ---------------------------------------------

const GOOGLE: &str = "https://accounts.google.com";
const PRESETS: &[&str] = &["kakao", "naver", "discord", "github", "google"];

/// A provider's answers, some parts filled in once the login's nonce is known.
#[derive(Debug, Clone)]
struct Answers {
    provider: &'static str,
    /// The token endpoint's status and body (`id_token` rendered separately).
    token_status: u16,
    token: Value,
    id_token: Option<IdToken>,
    /// userinfo (or Kakao's user/me, …), and GitHub's `/user/emails`.
    userinfo: Value,
    emails: Value,
}

/// An id_token: claims near valid ones, signed by the provider's key or another.
#[derive(Debug, Clone)]
struct IdToken {
    claims: Vec<(&'static str, Claim)>,
    genuine_key: bool,
    kid: &'static str,
    raw: Option<String>,
}

#[derive(Debug, Clone)]
enum Claim {
    /// The login's nonce.
    Nonce,
    Json(Value),
}

impl IdToken {
    fn claims(&self, nonce: &str) -> Value {
        Value::Object(
            self.claims
                .iter()
                .map(|(name, claim)| {
                    let value = match claim {
                        Claim::Nonce => Value::from(nonce),
                        Claim::Json(value) => value.clone(),
                    };
                    ((*name).to_owned(), value)
                })
                .collect(),
        )
    }

    fn render(&self, nonce: &str) -> String {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let key = if self.genuine_key { RSA1 } else { ATTACKER };
        sign(self.kid, key, "JWT", &self.claims(nonce))
    }
}

fn id_token() -> impl Strategy<Value = IdToken> {
    let claim = |valid: Value| {
        prop_oneof![
            6 => Just(Claim::Json(valid)),
            1 => json_value().prop_map(Claim::Json),
        ]
    };
    let claims = (
        prop::option::weighted(
            0.95,
            prop_oneof![
                8 => claim(json!(GOOGLE)),
                1 => Just(Claim::Json(json!("accounts.google.com"))),
                1 => Just(Claim::Json(json!("https://evil.example"))),
            ],
        ),
        prop::option::weighted(
            0.95,
            prop_oneof![
                8 => claim(json!(CLIENT_ID)),
                1 => Just(Claim::Json(json!([CLIENT_ID, "other"]))),
                1 => Just(Claim::Json(json!(["other"]))),
            ],
        ),
        prop::option::weighted(0.95, claim(json!("110169484474386276334"))),
        prop::option::weighted(
            0.95,
            prop_oneof![
                4 => claim(json!(NOW)),
                1 => (NOW - 100_000..NOW + 100_000).prop_map(|t| Claim::Json(json!(t))),
            ],
        ),
        prop::option::weighted(
            0.95,
            prop_oneof![
                4 => claim(json!(NOW + 3600)),
                1 => (NOW - 3600..NOW + 3600).prop_map(|t| Claim::Json(json!(t))),
            ],
        ),
        prop::option::weighted(
            0.95,
            prop_oneof![
                6 => Just(Claim::Nonce),
                1 => json_value().prop_map(Claim::Json),
            ],
        ),
        prop::option::weighted(0.7, claim(json!("kim@example.com"))),
        prop::option::weighted(0.7, claim(json!(true))),
        prop::option::weighted(0.3, claim(json!("Kim"))),
    );
    let claims = claims.prop_map(|(iss, aud, sub, iat, exp, nonce, email, verified, name)| {
        [
            ("iss", iss),
            ("aud", aud),
            ("sub", sub),
            ("iat", iat),
            ("exp", exp),
            ("nonce", nonce),
            ("email", email),
            ("email_verified", verified),
            ("name", name),
        ]
        .into_iter()
        .filter_map(|(name, claim)| claim.map(|claim| (name, claim)))
        .collect::<Vec<_>>()
    });
    (
        claims,
        prop::bool::weighted(0.9),
        prop_oneof![8 => Just("g1"), 1 => Just("g2"), 1 => Just("G1")],
        prop::option::weighted(0.05, prop_oneof![any::<String>(), "[A-Za-z0-9_.-]{0,80}"]),
    )
        .prop_map(|(claims, genuine_key, kid, raw)| IdToken {
            claims,
            genuine_key,
            kid,
            raw,
        })
}

fn answers() -> impl Strategy<Value = Answers> {
    let text = || {
        prop_oneof![
            3 => prop::sample::select(&["kim@example.com", "Kim", "12345", "a_1b2c", "00", "ko"][..])
                .prop_map(Value::from),
            1 => json_value(),
        ]
    };
    let flag = || prop_oneof![Just(json!(true)), Just(json!(false)), json_value()];
    let id = || {
        prop_oneof![
            Just(json!(12345)),
            Just(json!("80351110224678912")),
            Just(json!("")),
            Just(json!(1.5)),
            Just(json!(-1)),
            json_value(),
        ]
    };
    let kakao = (
        id(),
        object_of(&["email", "is_email_valid", "is_email_verified"], flag()),
        object_of(&["nickname", "profile_image_url"], text()),
    )
        .prop_map(|(id, mut account, profile)| {
            account["profile"] = profile;
            json!({ "id": id, "kakao_account": account })
        });
    let naver = (
        prop_oneof![Just(json!("00")), json_value()],
        id(),
        object_of(&["email", "name", "nickname", "profile_image"], text()),
    )
        .prop_map(|(code, id, mut response)| {
            response["id"] = id;
            json!({ "resultcode": code, "message": "success", "response": response })
        });
    let discord = (
        id(),
        object_of(
            &[
                "email",
                "verified",
                "global_name",
                "username",
                "avatar",
                "locale",
            ],
            prop_oneof![
                text(),
                flag(),
                Just(json!("a_0123abcd")),
                Just(json!("../../x"))
            ],
        ),
    )
        .prop_map(|(id, mut user)| {
            user["id"] = id;
            user
        });
    let github = (
        id(),
        object_of(&["login", "name", "avatar_url", "email"], text()),
    )
        .prop_map(|(id, mut user)| {
            user["id"] = id;
            user
        });
    let userinfo = prop_oneof![
        2 => kakao, 2 => naver, 2 => discord, 2 => github,
        1 => object_of(&["sub", "email", "email_verified", "name", "picture"], text()),
        1 => json_value(),
    ];
    let emails = prop_oneof![
        prop::collection::vec(
            object_of(
                &["email", "primary", "verified"],
                prop_oneof![flag(), text()]
            ),
            0..4
        )
        .prop_map(Value::Array),
        json_value(),
    ];
    // Mostly a usable token response with at most one member changed, so that the
    // profile is fetched and parsed.
    let token = prop_oneof![
        4 => prop::option::weighted(0.4, (
            prop::sample::select(&["access_token", "token_type", "expires_in", "refresh_token",
                "scope"][..]),
            json_value(),
        ))
        .prop_map(|change| {
            let mut token = json!({
                "access_token": "provider-access-token", "token_type": "Bearer", "expires_in": 3599,
            });
            if let Some((name, value)) = change {
                token[name] = value;
            }
            token
        }),
        1 => json_value(),
    ];
    (
        prop::sample::select(PRESETS),
        prop_oneof![9 => Just(200u16), 1 => prop::sample::select(&[400u16, 401, 500, 302][..])],
        token,
        prop::option::weighted(0.9, id_token()),
        userinfo,
        emails,
    )
        .prop_map(
            |(provider, token_status, token, id_token, userinfo, emails)| Answers {
                provider,
                token_status,
                token,
                id_token,
                userinfo,
                emails,
            },
        )
}

struct Login {
    server: MockServer,
    flow: LoginFlow,
}

fn login_setup() -> Login {
    runtime().block_on(async {
        let server = MockServer::start().await;
        let base = base(&server);
        let providers: Vec<Arc<dyn auth_providers::OAuthProvider>> = vec![
            Arc::new(Provider::kakao(credentials(&server)).rebased(&base)),
            Arc::new(Provider::naver(credentials(&server)).rebased(&base)),
            Arc::new(Provider::discord(credentials(&server)).rebased(&base)),
            Arc::new(Provider::github(credentials(&server)).rebased(&base)),
            Arc::new(Provider::google(credentials(&server)).rebased(&base)),
        ];
        let flow = flow(&clock(), providers);
        Login { server, flow }
    })
}

/// Whether the id_token a login accepted had what it must: the provider's key, issuer,
/// our client as audience, the login's nonce, a lifetime around now.
fn id_token_was_valid(token: &IdToken) -> bool {
    let claims = token.claims("NONCE");
    let aud_ok = match &claims["aud"] {
        Value::String(aud) => aud == CLIENT_ID,
        Value::Array(auds) => auds.iter().any(|aud| aud == CLIENT_ID),
        _ => false,
    };
    token.raw.is_none()
        && token.genuine_key
        && token.kid == "g1"
        && (claims["iss"] == GOOGLE || claims["iss"] == "accounts.google.com")
        && aud_ok
        && claims["nonce"] == "NONCE"
        && claims["exp"]
            .as_u64()
            .is_some_and(|exp| exp.saturating_add(60) > NOW)
}

/// A whole login against a provider whose answers are of any shape: the callback refuses
/// or yields a well-formed profile; for Google, only a valid id_token gets through.
#[test]
fn provider_answers_of_any_shape() {
    let login = login_setup();
    let mut runner = TestRunner::new(config(256));
    runner
        .run(&answers(), |answers| {
            let outcome = runtime().block_on(async {
                let server = &login.server;
                server.reset().await;
                Mock::given(method("GET"))
                    .and(path("/oauth2/v3/certs"))
                    .respond_with(ResponseTemplate::new(200).set_body_json(jwks(&[("g1", RSA1)])))
                    .mount(server)
                    .await;
                let started = start(&login.flow, answers.provider).await;
                let mut token = answers.token.clone();
                if let (Some(id_token), Value::Object(map)) = (&answers.id_token, &mut token) {
                    let nonce = started.nonce.as_deref().unwrap_or_default();
                    map.insert("id_token".to_owned(), Value::from(id_token.render(nonce)));
                }
                Mock::given(method("POST"))
                    .respond_with(ResponseTemplate::new(answers.token_status).set_body_json(token))
                    .mount(server)
                    .await;
                Mock::given(method("GET"))
                    .and(path("/user/emails"))
                    .respond_with(ResponseTemplate::new(200).set_body_json(answers.emails.clone()))
                    .mount(server)
                    .await;
                Mock::given(method("GET"))
                    .respond_with(
                        ResponseTemplate::new(200).set_body_json(answers.userinfo.clone()),
                    )
                    .mount(server)
                    .await;
                login
                    .flow
                    .callback(
                        answers.provider,
                        &CallbackParams::from_query(&started.callback_query("the-code")),
                        Some(started.binding()),
                    )
                    .await
            });
            if let Ok(profile) = &outcome {
                check_profile(profile)?;
                prop_assert_eq!(profile.provider.as_str(), answers.provider);
                if answers.provider == "google" {
                    let id_token = answers.id_token.as_ref();
                    prop_assert!(
                        id_token.is_some_and(id_token_was_valid),
                        "accepted: {answers:?}"
                    );
                }
            }
            Ok(())
        })
        .unwrap();
}

// --- JWKS documents of any shape --------------------------------------------------------

/// The signer's public key as its JWKS lists it (parsing the PEM once, not per case).
static GENUINE_JWK: LazyLock<Value> = LazyLock::new(|| jwk("g1", RSA1));

/// A JWK: the genuine one, the genuine one with a member changed, or members of any shape.
fn jwk_entry() -> impl Strategy<Value = Value> {
    let genuine = GENUINE_JWK.clone();
    let member =
        prop::sample::select(&["kty", "alg", "kid", "use", "n", "e", "key_ops", "crv", "x"][..]);
    prop_oneof![
        2 => Just(genuine.clone()),
        3 => (member, json_value()).prop_map(move |(name, value)| {
            let mut changed = genuine.clone();
            changed[name] = value;
            changed
        }),
        1 => object_of(&["kty", "alg", "kid", "use", "n", "e", "crv", "x", "y", "k"],
            prop_oneof![
                prop::sample::select(&["RSA", "EC", "OKP", "oct", "RS256", "ES256", "EdDSA",
                    "HS256", "g1", "sig", "AQAB", "P-256", "Ed25519"][..]).prop_map(Value::from),
                json_value(),
            ]),
    ]
}

/// Whether `document` lists the signer's public key (its modulus and exponent) under `g1`:
/// the only way a token it signed may verify.
fn lists_the_signer(document: &Value) -> bool {
    let genuine = &*GENUINE_JWK;
    document["keys"].as_array().is_some_and(|keys| {
        keys.iter()
            .any(|key| key["kid"] == "g1" && key["n"] == genuine["n"] && key["e"] == genuine["e"])
    })
}

/// A token signed with the genuine key under `g1`; verifies only against a JWKS that
/// carries that key under that id.
#[test]
fn jwks_of_any_shape() {
    let server = runtime().block_on(MockServer::start());
    let url: url::Url = format!("{}/jwks", server.uri()).parse().expect("url");
    let token = sign("g1", RSA1, "JWT", &json!({ "sub": "s" }));
    let strategy = prop_oneof![
        4 => prop::collection::vec(jwk_entry(), 0..4).prop_map(|keys| json!({ "keys": keys })),
        1 => json_value(),
    ];
    let mut runner = TestRunner::new(config(256));
    runner
        .run(&strategy, |document| {
            let outcome = runtime().block_on(async {
                server.reset().await;
                Mock::given(method("GET"))
                    .and(path("/jwks"))
                    .respond_with(ResponseTemplate::new(200).set_body_json(document.clone()))
                    .mount(&server)
                    .await;
                let mut config = JwksConfig::default();
                config.algorithms = vec![Algorithm::RS256, Algorithm::ES256, Algorithm::HS256];
                let cache = JwksCache::new(url.clone(), config).expect("a loopback JWKS URL");
                cache.verify(&token, &http(), &clock()).await
            });
            if outcome.is_ok() {
                prop_assert!(lists_the_signer(&document), "verified against {document}");
            }
            Ok(())
        })
        .unwrap();
}
