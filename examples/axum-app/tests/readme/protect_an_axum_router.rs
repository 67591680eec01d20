use std::net::SocketAddr;
use std::sync::Arc;

use auth_core::flows::{AuthService, Mailer, Stores};
use auth_core::token::KeySet;
use auth_tower::{AuthContext, AuthEndpoints, AuthLayer, EndpointsConfig, Guard};
use axum::{Router, routing::get};

pub async fn serve(
    keys: KeySet,            // auth-core: your signing key (SigningKey::from_pem_detect, …)
    stores: Stores,          // auth-storage-seaorm: SeaOrmStore::connect(url).await?.into_stores()
    mailer: Arc<dyn Mailer>, // yours: where reset and verification links go
) -> Result<(), Box<dyn std::error::Error>> {
    // The service owns the clock and the hasher, and builds the token verifier and the
    // revocation check from the same keys, issuer, audience and stores.
    let service = AuthService::builder(keys, stores)
        .issuer("https://auth.example.com", "https://api.example.com")
        .mailer(mailer)
        .build()?;
    // /signup /login /refresh /logout /me …, and the same token check for your routes.
    let endpoints = AuthEndpoints::for_service(service, EndpointsConfig::cookie_mode());
    let app = Router::new()
        .route(
            "/me",
            get(|user: AuthContext| async move { user.subject().to_owned() }),
        )
        .route(
            "/admin",
            get(|| async { "admin only" }).layer(Guard::role("admin").layer()),
        )
        .layer(AuthLayer::required(endpoints.authenticator().clone()))
        .nest_service("/auth", endpoints.into_service());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
