use std::net::SocketAddr;

use auth_core::revocation::RevocationChecker;
use auth_core::token::AccessTokenVerifier;
use auth_tower::{AuthContext, AuthEndpoints, AuthLayer, Authenticator, Guard};
use axum::{Router, routing::get};

pub async fn serve(
    verifier: AccessTokenVerifier, // auth-core: signature, iss, aud, exp, typ — strictly
    revocation: RevocationChecker, // auth-core: logout and password changes reach tokens
    endpoints: AuthEndpoints,      // auth-tower: /signup /login /refresh /logout /me …
) -> std::io::Result<()> {
    let auth = Authenticator::new(verifier).with_revocation(revocation);
    let app = Router::new()
        .route(
            "/me",
            get(|user: AuthContext| async move { user.subject().to_owned() }),
        )
        .route(
            "/admin",
            get(|| async { "admin only" }).layer(Guard::role("admin").layer()),
        )
        .layer(AuthLayer::required(auth))
        .nest_service("/auth", endpoints.into_service());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
