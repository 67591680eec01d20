//! Per-request overhead of auth-tower's `AuthLayer` (HS256), beside the bare service and a
//! bearer layer on the raw jsonwebtoken crate (`auth_benches::raw_layer`), in the same run. Each iteration sends one request through
//! `ServiceExt::oneshot` on a current-thread runtime; the request and the runtime cost the
//! same in every variant, so the differences are the layers' own work.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use auth_benches::raw_layer::RawJwtLayer;
use auth_benches::{HMAC_SECRET, raw_validation};
use auth_core::flows::{AuthConfig, AuthService, ClientInfo, RecordingMailer, Stores};
use auth_core::password::{Password, PasswordHasher};
use auth_core::revocation::{RevocationChecker, RevocationConfig};
use auth_core::token::{
    AccessTokenIssuer, AccessTokenVerifier, Algorithm, IssuerConfig, KeySet, SigningKey,
    VerifierConfig,
};
use auth_core::{Clock, SystemClock};
use auth_tower::{AuthLayer, Authenticator};
use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::header::AUTHORIZATION;
use http::{HeaderValue, Request, Response};
use http_body_util::Full;
use jsonwebtoken::DecodingKey;
use tower::{Layer, ServiceExt, service_fn};

const ISS: &str = "https://auth.example.com";
const AUD: &str = "https://api.example.com";

struct Setup {
    token: HeaderValue,
    plain: Authenticator,
    with_revocation: Authenticator,
    with_token_cache: Authenticator,
    raw_jwt: RawJwtLayer,
}

async fn setup() -> Setup {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, HMAC_SECRET).unwrap());
    let issuer = AccessTokenIssuer::with_clock(IssuerConfig::new(ISS, AUD), &keys, clock.clone());
    let verifier = AccessTokenVerifier::new(VerifierConfig::new(ISS, AUD), &keys);
    let stores = Stores::in_memory();
    let service = AuthService::new(
        AuthConfig::default(),
        stores.clone(),
        issuer,
        PasswordHasher::insecure_fast_for_tests(),
        clock.clone(),
        Arc::new(RecordingMailer::default()),
    );
    let (_, pair) = service
        .signup(
            "bench@example.com",
            Password::from("mauve-tulip-orbit-42"),
            &ClientInfo::default(),
        )
        .await
        .unwrap();
    let checker = RevocationChecker::with_clock(
        RevocationConfig::default(),
        stores.users.clone(),
        stores.sessions.clone(),
        stores.revocations.clone(),
        clock.clone(),
    );
    let with_revocation = Authenticator::new(verifier.clone())
        .with_revocation(checker)
        .without_token_cache();
    let raw_jwt = RawJwtLayer::new(
        DecodingKey::from_secret(HMAC_SECRET),
        raw_validation(Algorithm::HS256),
    );
    Setup {
        token: HeaderValue::from_str(&format!("Bearer {}", pair.access_token.token.secret()))
            .unwrap(),
        plain: Authenticator::new(verifier.clone()).without_token_cache(),
        with_token_cache: with_revocation.clone().with_token_cache(1_000, clock),
        with_revocation,
        raw_jwt,
    }
}

fn request(token: &HeaderValue) -> Request<()> {
    let mut request = Request::new(());
    request.headers_mut().insert(AUTHORIZATION, token.clone());
    request
}

fn layer(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let setup = runtime.block_on(setup());
    let hello = service_fn(|_request: Request<()>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"hello"))))
    });
    let ours = AuthLayer::required(setup.plain.clone()).layer(hello);
    let ours_revocation = AuthLayer::required(setup.with_revocation.clone()).layer(hello);
    let ours_cached = AuthLayer::required(setup.with_token_cache.clone()).layer(hello);
    let peer = setup.raw_jwt.layer(hello);

    // Every variant must actually authenticate the request it is timed on.
    for status in [
        runtime
            .block_on(ours.clone().oneshot(request(&setup.token)))
            .unwrap()
            .status(),
        runtime
            .block_on(ours_revocation.clone().oneshot(request(&setup.token)))
            .unwrap()
            .status(),
        runtime
            .block_on(peer.clone().oneshot(request(&setup.token)))
            .unwrap()
            .status(),
    ] {
        assert_eq!(status, 200);
    }
    // ... and the peer must refuse what it should: a token whose signature does not match.
    let mut forged = setup.token.to_str().unwrap().as_bytes().to_vec();
    let at = forged.len() - 10; // inside the signature, clear of its padding bits
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = HeaderValue::from_bytes(&forged).unwrap();
    let refused = runtime
        .block_on(peer.clone().oneshot(request(&forged)))
        .unwrap();
    assert_eq!(refused.status(), 401);

    let mut group = c.benchmark_group("layer_per_request_HS256");
    group.bench_function("bare service", |b| {
        b.iter(|| runtime.block_on(hello.oneshot(request(&setup.token))))
    });
    group.bench_function("auth-tower AuthLayer", |b| {
        b.iter(|| runtime.block_on(ours.clone().oneshot(request(&setup.token))))
    });
    group.bench_function("auth-tower AuthLayer + revocation cache", |b| {
        b.iter(|| runtime.block_on(ours_revocation.clone().oneshot(request(&setup.token))))
    });
    group.bench_function(
        "auth-tower AuthLayer + revocation cache + token cache",
        |b| b.iter(|| runtime.block_on(ours_cached.clone().oneshot(request(&setup.token)))),
    );
    group.bench_function("raw jsonwebtoken layer", |b| {
        b.iter(|| runtime.block_on(peer.clone().oneshot(request(&setup.token))))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(4));
    targets = layer
}
criterion_main!(benches);
