use std::net::SocketAddr;
use std::sync::Arc;

use auth_core::flows::{AuthService, LogMailer};
use auth_core::token::{KeySet, SigningKey};
use auth_storage_seaorm::SeaOrmStore;
use auth_tower::{AuthContext, AuthEndpoints, EndpointsConfig, Guard};
use axum::{Router, routing::get};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Any PEM private key: `openssl genpkey -algorithm ed25519 -out jwt-key.pem`.
    let pem = std::fs::read("jwt-key.pem")?;
    let keys = KeySet::new(SigningKey::from_pem_detect("key-1", &pem)?);
    let store = SeaOrmStore::connect("sqlite://auth.db").await?; // created if missing
    store.migrate().await?;
    let service = AuthService::builder(keys, store.into_stores())
        .issuer("https://auth.example.com", "https://api.example.com")
        .mailer(Arc::new(LogMailer)) // yours in production: where reset links go
        .build()?;
    let endpoints = AuthEndpoints::for_service(service, EndpointsConfig::default()); // bearer
    let api = Router::new()
        .route("/me", get(me))
        .route("/admin", get(me).layer(Guard::role("admin").layer()));
    // Your routes need a token; /auth/signup, /auth/login, /auth/refresh … do not.
    let app = endpoints.protect(api, "/auth")?;
    let app = app.into_make_service_with_connect_info::<SocketAddr>(); // peers' IPs: throttling
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn me(user: AuthContext) -> String {
    user.subject().to_owned()
}
