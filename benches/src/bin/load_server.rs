//! Four hello-world HTTP servers on loopback for `benches/load/run.sh`: the bare axum route,
//! the same route behind auth-tower's `AuthLayer` (HS256, revocation check with its cache
//! on), the same with the verified-token cache on as well, and behind a bearer layer on the raw
//! jsonwebtoken crate (HS256, `auth_benches::raw_layer`). Prints one valid access token on the
//! first line of stdout, then serves until killed.
//!
//! Usage: `load_server [bare ours ours_token_cache raw_jsonwebtoken]` (ports; default
//! 38081-38084);
//! `LOAD_WORKERS` sets the runtime's worker threads (default 1; 0 = a current-thread runtime).

use std::io::Write as _;
use std::net::SocketAddr;
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
use jsonwebtoken::DecodingKey;

const ISS: &str = "https://auth.example.com";
const AUD: &str = "https://api.example.com";

async fn hello() -> &'static str {
    "hello"
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ports: Vec<u16> = std::env::args()
        .skip(1)
        .map(|port| port.parse())
        .collect::<Result<_, _>>()?;
    let ports = match ports.as_slice() {
        [] => [38081, 38082, 38083, 38084],
        [a, b, c, d] => [*a, *b, *c, *d],
        _ => return Err("usage: load_server [bare ours ours_token_cache raw_jsonwebtoken]".into()),
    };
    let runtime = auth_benches::load_runtime()?;
    runtime.block_on(serve(ports))
}

async fn serve(ports: [u16; 4]) -> Result<(), Box<dyn std::error::Error>> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, HMAC_SECRET)?);
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
            "load@example.com",
            Password::from("mauve-tulip-orbit-42"),
            &ClientInfo::default(),
        )
        .await?;
    let checker = RevocationChecker::with_clock(
        RevocationConfig::default(),
        stores.users.clone(),
        stores.sessions.clone(),
        stores.revocations.clone(),
        clock.clone(),
    );
    // `ours` is verification in full on every request; `ours_token_cache` is the default
    // configuration (the verified-token cache is on unless turned off).
    let authenticator = Authenticator::new(verifier)
        .with_revocation(checker)
        .without_token_cache();
    let cached = authenticator.clone().with_token_cache(10_000, clock);
    let raw_jwt = RawJwtLayer::new(
        DecodingKey::from_secret(HMAC_SECRET),
        raw_validation(Algorithm::HS256),
    );

    let bare_app = axum::Router::new().route("/hello", axum::routing::get(hello));
    let ours_app = axum::Router::new()
        .route("/hello", axum::routing::get(hello))
        .layer(AuthLayer::required(authenticator));
    let cached_app = axum::Router::new()
        .route("/hello", axum::routing::get(hello))
        .layer(AuthLayer::required(cached));
    let peer_app = axum::Router::new()
        .route("/hello", axum::routing::get(hello))
        .layer(raw_jwt);

    let listen =
        |port: u16| tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)));
    let [bare, ours, cached, peer] = ports;
    let (bare_listener, ours_listener, cached_listener, peer_listener) = (
        listen(bare).await?,
        listen(ours).await?,
        listen(cached).await?,
        listen(peer).await?,
    );

    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", pair.access_token.token.secret())?;
    stdout.flush()?;

    let bare = tokio::spawn(async move { axum::serve(bare_listener, bare_app).await });
    let ours = tokio::spawn(async move { axum::serve(ours_listener, ours_app).await });
    let cached = tokio::spawn(async move { axum::serve(cached_listener, cached_app).await });
    let peer = tokio::spawn(async move { axum::serve(peer_listener, peer_app).await });
    let (bare, ours, cached, peer) = tokio::join!(bare, ours, cached, peer);
    bare??;
    ours??;
    cached??;
    peer??;
    Ok(())
}
