//! An OAuth 2.0 / OpenID Connect authorization server (seed 003) on SQLite: authorization
//! code + PKCE with a login and a consent page, refresh rotation, userinfo, revocation,
//! introspection, discovery and JWKS — with one confidential and one public demo client and
//! a demo user, all set from the environment. See README.md.

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::sync::Arc;

use auth_core::flows::{AuthService, LogMailer};
use auth_core::oauth_server::{ClientRegistration, OAuthServer, OAuthServerConfig, UserInfoScopes};
use auth_core::opaque::TokenHash;
use auth_core::password::{Password, PasswordHasher};
use auth_core::store::ClientType;
use auth_core::token::{Algorithm, KeySet, Scope, SigningKey};
use auth_core::{Clock, SystemClock};
use auth_storage_seaorm::SeaOrmStore;
use auth_tower::oauth_server::{OAuthEndpoints, OAuthEndpointsConfig};
use auth_tower::{AuthEndpoints, EndpointsConfig};
use tracing_subscriber::EnvFilter;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Every scope the server knows: seed 003's own, and OpenID Connect's.
const SCOPES: &str =
    "openid profile email offline_access read:profile read:groups manage:workflows";

/// The demo client secret and demo password are published (README.md, .env.example): anyone
/// can read them, so they only ever serve a server that nobody else can reach.
const PUBLISHED_CLIENT_SECRET: &str = "demo-app-secret-change-me-0123456789abcdef";
/// See [`PUBLISHED_CLIENT_SECRET`].
const PUBLISHED_PASSWORD: &str = "demo-tulip-orbit-42";

/// The settings, from the environment with the defaults documented in README.md.
struct Settings {
    bind: String,
    port: u16,
    issuer: String,
    audience: String,
    database_url: String,
    key_file: String,
    key_id: String,
    algorithm: Algorithm,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    public_client_id: String,
    public_redirect_uri: String,
    user: String,
    password: String,
    cors_origins: Vec<String>,
}

fn var(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

impl Settings {
    fn from_env() -> Result<Self, Error> {
        let port: u16 = var("PORT", "8000")
            .parse()
            .map_err(|_| "PORT must be a port number")?;
        let algorithm = match var("OAUTH_SIGNING_ALG", "RS256").as_str() {
            "RS256" => Algorithm::RS256,
            "RS384" => Algorithm::RS384,
            "RS512" => Algorithm::RS512,
            "PS256" => Algorithm::PS256,
            "ES256" => Algorithm::ES256,
            "ES384" => Algorithm::ES384,
            "EdDSA" => Algorithm::EdDSA,
            _ => return Err("OAUTH_SIGNING_ALG must be RS256, RS384, RS512, PS256, ES256, ES384 or EdDSA (an asymmetric algorithm: clients verify through the JWKS)".into()),
        };
        let public_redirect_uri = var(
            "OAUTH_DEMO_PUBLIC_REDIRECT_URI",
            "http://127.0.0.1:5173/callback",
        );
        // The public client is a browser app: by default its origin may call the token,
        // userinfo and revocation endpoints from script.
        let default_origin = origin_of(&public_redirect_uri);
        let cors_origins = var("OAUTH_CORS_ORIGINS", &default_origin)
            .split(',')
            .map(|origin| origin.trim().to_owned())
            .filter(|origin| !origin.is_empty())
            .collect();
        Ok(Self {
            bind: var("OAUTH_BIND", "127.0.0.1"),
            port,
            issuer: var("OAUTH_ISSUER", &format!("http://localhost:{port}")),
            audience: var("OAUTH_AUDIENCE", "http://localhost:8001"),
            database_url: var("DATABASE_URL", "sqlite://oauth-server.db"),
            key_file: var("OAUTH_SIGNING_KEY_FILE", "oauth-signing-key.pem"),
            key_id: var("OAUTH_SIGNING_KEY_ID", "oauth-1"),
            algorithm,
            client_id: var("OAUTH_DEMO_CLIENT_ID", "demo-app"),
            client_secret: var("OAUTH_DEMO_CLIENT_SECRET", PUBLISHED_CLIENT_SECRET),
            redirect_uri: var("OAUTH_DEMO_REDIRECT_URI", "http://127.0.0.1:3000/callback"),
            public_client_id: var("OAUTH_DEMO_PUBLIC_CLIENT_ID", "demo-spa"),
            public_redirect_uri,
            user: var("OAUTH_DEMO_USER", "demo@example.com"),
            password: var("OAUTH_DEMO_PASSWORD", PUBLISHED_PASSWORD),
            cors_origins,
        })
    }
}

/// Whether every address `bind` resolves to is a loopback address (`127.0.0.0/8`, `::1`):
/// only this machine can connect. Unresolvable is an error (the server could not bind anyway).
fn loopback_only(bind: &str, port: u16) -> Result<bool, Error> {
    let addresses: Vec<SocketAddr> = (bind, port)
        .to_socket_addrs()
        .map_err(|error| format!("OAUTH_BIND={bind} is not an address to listen on ({error})"))?
        .collect();
    Ok(!addresses.is_empty() && addresses.iter().all(|address| address.ip().is_loopback()))
}

/// Refuses to listen beyond this machine with the published demo client secret or demo
/// password, naming the variables to set; the no-setup defaults stay for loopback.
fn refuse_published_credentials(settings: &Settings, loopback_only: bool) -> Result<(), Error> {
    if loopback_only {
        return Ok(());
    }
    let published: Vec<&str> = [
        (
            settings.client_secret == PUBLISHED_CLIENT_SECRET,
            "OAUTH_DEMO_CLIENT_SECRET",
        ),
        (
            settings.password == PUBLISHED_PASSWORD,
            "OAUTH_DEMO_PASSWORD",
        ),
    ]
    .into_iter()
    .filter_map(|(published, name)| published.then_some(name))
    .collect();
    if published.is_empty() {
        return Ok(());
    }
    Err(format!(
        "refusing to listen on {} (not a loopback address) with the published demo credentials: \
         set {} to your own values (the client secret: 32 or more random bytes), or set \
         OAUTH_BIND=127.0.0.1",
        settings.bind,
        published.join(" and ")
    )
    .into())
}

/// `scheme://authority` of a URL.
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!(
            "{scheme}://{}",
            rest.split(['/', '?', '#']).next().unwrap_or_default()
        ),
        None => String::new(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let settings = Settings::from_env()?;
    let loopback_only = loopback_only(&settings.bind, settings.port)?;
    refuse_published_credentials(&settings, loopback_only)?;

    let pem = std::fs::read(&settings.key_file).map_err(|error| {
        format!(
            "cannot read the signing key {} ({error}). Create one with\n  \
             openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out {}\n\
             or set OAUTH_SIGNING_KEY_FILE (and OAUTH_SIGNING_ALG for a non-RSA key).",
            settings.key_file, settings.key_file
        )
    })?;
    let keys = KeySet::new(SigningKey::from_pem(
        settings.key_id.as_str(),
        settings.algorithm,
        &pem,
    )?);

    let store = SeaOrmStore::connect(&settings.database_url).await?;
    store.migrate().await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);

    let mut config = OAuthServerConfig::new(settings.issuer.as_str(), settings.audience.as_str());
    config.supported_scopes = Scope::parse(SCOPES);
    let mut userinfo = UserInfoScopes::default();
    userinfo.access = Scope::parse("openid read:profile");
    userinfo.profile = Scope::parse("profile read:profile");
    userinfo.email = Scope::parse("email read:profile");
    userinfo.groups = Scope::parse("read:groups");
    config.userinfo_scopes = userinfo;
    let server = OAuthServer::new(
        config,
        store.clone().into_stores(),
        store.clone().into_oauth_stores(),
        &keys,
        clock.clone(),
    )?;
    // The service's own accounts: the login page's sign-in, and the first-party account API
    // under /auth (signup, login, refresh, logout, sessions, …) on the same stores, keys,
    // issuer and audience as the OAuth clients' tokens. Session kinds keep them apart: a
    // client's refresh token is neither the sign-in cookie nor a first-party refresh token,
    // and a client's access token does not act on the account API.
    // The builder gives the service its verifier and revocation checker over the same keys,
    // issuer, audience, clock and stores; the account endpoints use exactly those, so a
    // logout clears the one cache that checks tokens (one query per check on SQL).
    let auth = AuthService::builder(keys.clone(), store.clone().into_stores())
        .issuer(settings.issuer.as_str(), settings.audience.as_str())
        .mailer(Arc::new(LogMailer))
        .clock(clock.clone())
        .token_status_store(Arc::new(store.clone()))
        .build()?;
    let account = AuthEndpoints::for_service(auth.clone(), EndpointsConfig::default());

    seed(&settings, &server, &auth, loopback_only).await?;

    let mut endpoints_config = OAuthEndpointsConfig::default();
    endpoints_config.site_name = "Workflow accounts".to_owned();
    endpoints_config.cors_allowed_origins = settings.cors_origins.clone();
    let endpoints = OAuthEndpoints::new(server, auth, endpoints_config)?.with_clock(clock);
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::get(|| async {
                "OAuth 2.0 authorization server: see /.well-known/openid-configuration"
            }),
        )
        .nest_service("/auth", account.into_service())
        .merge(endpoints.into_router());

    let listener = tokio::net::TcpListener::bind((settings.bind.as_str(), settings.port)).await?;
    tracing::info!(issuer = %settings.issuer, address = %listener.local_addr()?, "listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// The demo user and the two demo clients, (re)registered from the environment.
async fn seed(
    settings: &Settings,
    server: &OAuthServer,
    auth: &AuthService,
    loopback_only: bool,
) -> Result<(), Error> {
    let users = &auth.stores().users;
    let existing = users.user_by_email(&settings.user).await?;
    if let Some(user) = &existing
        && !loopback_only
        && let Some(hash) = &user.password_hash
    {
        // The user outlives OAUTH_DEMO_PASSWORD (created once, at the first start): a database
        // made by a loopback run may still hold the published password.
        let published = PasswordHasher::default()
            .verify_async(Password::new(PUBLISHED_PASSWORD.to_owned()), hash.clone())
            .await?;
        if published.is_match() {
            return Err(format!(
                "refusing to listen on {} (not a loopback address): the demo user {} in \
                 DATABASE_URL still has the published demo password; change it, or start \
                 with a new database and OAUTH_DEMO_PASSWORD set",
                settings.bind, settings.user
            )
            .into());
        }
    }
    if existing.is_none() {
        let (mut user, _) = auth
            .signup(
                &settings.user,
                Password::new(settings.password.clone()),
                &Default::default(),
            )
            .await?;
        user.display_name = Some("Demo User".to_owned());
        user.username = Some("demo".to_owned());
        user.email_verified = true;
        user.roles = vec!["workflow-editors".to_owned()];
        users.update_user(&user).await?;
        tracing::info!(user = %settings.user, "demo user created");
    }

    // Confidential, third-party: the consent page shows.
    let confidential = ClientRegistration::confidential("Demo workflow app")
        .client_id(settings.client_id.as_str())
        .redirect_uri(settings.redirect_uri.as_str())
        .scopes(SCOPES);
    // Public (a single-page or native app), first-party: no consent page.
    let public = ClientRegistration::public("Demo dashboard")
        .client_id(settings.public_client_id.as_str())
        .redirect_uri(settings.public_redirect_uri.as_str())
        .scopes("openid profile email offline_access read:profile read:groups")
        .first_party(true);

    let clients = &server.oauth_stores().clients;
    let secret_hash = TokenHash::of(&settings.client_secret);
    if let Some(existing) = clients.client(&settings.client_id).await? {
        let same = existing.client_type == ClientType::Confidential
            && existing.redirect_uris == [settings.redirect_uri.clone()]
            && existing.allowed_scopes == Scope::parse(SCOPES)
            && existing.secret_hash.as_ref() == Some(&secret_hash);
        if !same {
            // Changed settings: register afresh (this ends the client's grants and consents).
            clients.delete_client(&settings.client_id).await?;
        }
    }
    if clients.client(&settings.client_id).await?.is_none() {
        server
            .register_client_with_secret(confidential, &settings.client_secret)
            .await?;
        tracing::info!(client_id = %settings.client_id, "confidential demo client registered");
    }
    if let Some(existing) = clients.client(&settings.public_client_id).await?
        && (existing.client_type != ClientType::Public
            || existing.redirect_uris != [settings.public_redirect_uri.clone()])
    {
        clients.delete_client(&settings.public_client_id).await?;
    }
    if clients.client(&settings.public_client_id).await?.is_none() {
        server.register_client(public).await?;
        tracing::info!(client_id = %settings.public_client_id, "public demo client registered");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(bind: &str, client_secret: &str, password: &str) -> Settings {
        Settings {
            bind: bind.to_owned(),
            port: 8000,
            issuer: "http://localhost:8000".to_owned(),
            audience: "http://localhost:8001".to_owned(),
            database_url: "sqlite::memory:".to_owned(),
            key_file: "key.pem".to_owned(),
            key_id: "k".to_owned(),
            algorithm: Algorithm::RS256,
            client_id: "demo-app".to_owned(),
            client_secret: client_secret.to_owned(),
            redirect_uri: "http://127.0.0.1:3000/callback".to_owned(),
            public_client_id: "demo-spa".to_owned(),
            public_redirect_uri: "http://127.0.0.1:5173/callback".to_owned(),
            user: "demo@example.com".to_owned(),
            password: password.to_owned(),
            cors_origins: Vec::new(),
        }
    }

    #[test]
    fn loopback_addresses_are_told_apart_from_the_rest() {
        for bind in ["127.0.0.1", "127.0.0.2", "::1"] {
            assert!(loopback_only(bind, 0).unwrap(), "{bind}");
        }
        for bind in ["0.0.0.0", "::", "192.0.2.10"] {
            assert!(!loopback_only(bind, 0).unwrap(), "{bind}");
        }
    }

    // Issue 12 item 10: the published demo credentials must never serve a reachable server.
    #[test]
    fn published_credentials_only_serve_loopback() {
        let own_secret = "an-own-secret-of-at-least-32-bytes-0123456789";
        let published = settings("0.0.0.0", PUBLISHED_CLIENT_SECRET, PUBLISHED_PASSWORD);
        assert!(refuse_published_credentials(&published, true).is_ok());
        let error = refuse_published_credentials(&published, false)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("OAUTH_DEMO_CLIENT_SECRET and OAUTH_DEMO_PASSWORD"),
            "{error}"
        );
        let error = refuse_published_credentials(
            &settings("0.0.0.0", own_secret, PUBLISHED_PASSWORD),
            false,
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("set OAUTH_DEMO_PASSWORD") && !error.contains("CLIENT_SECRET"),
            "{error}"
        );
        let own = settings("0.0.0.0", own_secret, "an-own-password-42");
        assert!(refuse_published_credentials(&own, false).is_ok());
    }
}
