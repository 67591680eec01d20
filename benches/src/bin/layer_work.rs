//! Sends N requests through one layer variant (the same set-up as `benches/layer.rs`), so that
//! an instruction counter (`valgrind --tool=callgrind`, see `layer_instructions.sh`) can
//! compare the variants without the timing noise of a shared machine.
//!
//! Usage: `layer_work <bare|ours|ours+revocation|ours+revocation+cache|raw-jsonwebtoken> <n>`

use std::convert::Infallible;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Arc;

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
use http::header::AUTHORIZATION;
use http::{HeaderValue, Request, Response};
use http_body_util::Full;
use jsonwebtoken::DecodingKey;
use tower::{Layer, Service, ServiceExt, service_fn};

const ISS: &str = "https://auth.example.com";
const AUD: &str = "https://api.example.com";

fn request(token: &HeaderValue) -> Request<()> {
    let mut request = Request::new(());
    request.headers_mut().insert(AUTHORIZATION, token.clone());
    request
}

/// Sends `n` requests (after one checked warm-up request) through `service`.
async fn drive<S, B>(service: S, token: &HeaderValue, n: u32) -> Result<(), String>
where
    S: Service<Request<()>, Response = Response<B>> + Clone,
    S::Error: std::fmt::Debug,
{
    let status = service
        .clone()
        .oneshot(request(token))
        .await
        .map_err(|error| format!("{error:?}"))?
        .status();
    if status != 200 {
        return Err(format!("warm-up request answered {status}"));
    }
    for _ in 0..n {
        let response = service.clone().oneshot(request(token)).await;
        black_box(response.map_err(|error| format!("{error:?}"))?);
    }
    Ok(())
}

async fn run(variant: &str, n: u32) -> Result<(), String> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let keys = KeySet::new(
        SigningKey::hmac("k1", Algorithm::HS256, HMAC_SECRET).map_err(|e| e.to_string())?,
    );
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
        .map_err(|e| e.to_string())?;
    let token = HeaderValue::from_str(&format!("Bearer {}", pair.access_token.token.secret()))
        .map_err(|e| e.to_string())?;
    let checker = RevocationChecker::with_clock(
        RevocationConfig::default(),
        stores.users.clone(),
        stores.sessions.clone(),
        stores.revocations.clone(),
        clock.clone(),
    );
    let hello = service_fn(|_request: Request<()>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"hello"))))
    });
    match variant {
        "bare" => drive(hello, &token, n).await,
        "ours" => {
            let layer = AuthLayer::required(Authenticator::new(verifier).without_token_cache());
            drive(layer.layer(hello), &token, n).await
        }
        "ours+revocation" => {
            let layer = AuthLayer::required(
                Authenticator::new(verifier)
                    .with_revocation(checker)
                    .without_token_cache(),
            );
            drive(layer.layer(hello), &token, n).await
        }
        "ours+revocation+cache" => {
            let authenticator = Authenticator::new(verifier)
                .with_revocation(checker)
                .with_token_cache(1_000, clock);
            drive(AuthLayer::required(authenticator).layer(hello), &token, n).await
        }
        "raw-jsonwebtoken" => {
            let layer = RawJwtLayer::new(
                DecodingKey::from_secret(HMAC_SECRET),
                raw_validation(Algorithm::HS256),
            );
            drive(layer.layer(hello), &token, n).await
        }
        other => Err(format!("unknown variant {other}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [variant, iterations] = args.as_slice() else {
        eprintln!(
            "usage: layer_work <bare|ours|ours+revocation|ours+revocation+cache|raw-jsonwebtoken> <n>"
        );
        return ExitCode::FAILURE;
    };
    let Ok(n) = iterations.parse::<u32>() else {
        eprintln!("iterations must be a number");
        return ExitCode::FAILURE;
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(variant, n)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
