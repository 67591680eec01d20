use std::net::SocketAddr;
use std::sync::Arc;

use auth_core::flows::{AuthServiceBuilder, LogMailer};
use auth_storage_seaorm::SeaOrmStore;
use auth_tower::{AuthContext, AuthEndpoints, EndpointsConfig, Guard};
use axum::{Router, routing::get};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // DATABASE_URL, JWT_PRIVATE_KEY_FILE, JWT_ISSUER, JWT_AUDIENCE: see below.
    let store = SeaOrmStore::from_env().await?;
    store.migrate().await?;
    let service = AuthServiceBuilder::from_env(store.into_stores())?
        .mailer(Arc::new(LogMailer)) // yours in production: where reset links go
        .build()?;
    let endpoints = AuthEndpoints::for_service(service, EndpointsConfig::from_env()?);
    let api = Router::new()
        .route("/me", get(me))
        .route("/admin", get(me).layer(Guard::role("admin").layer()));
    let app = endpoints.protect(api, "/auth")?; // /auth/signup, /auth/login … need no token
    let app = app.into_make_service_with_connect_info::<SocketAddr>(); // peers' IPs: throttling
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn me(user: AuthContext) -> String {
    user.subject().to_owned()
}
