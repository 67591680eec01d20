//! An OAuth 2.0 / OpenID Connect authorization server (seed 003) on SQLite: authorization
//! code + PKCE with a login and a consent page, refresh rotation, userinfo, revocation,
//! introspection, discovery and JWKS — with one confidential and one public demo client and
//! a demo user, all set from the environment. See README.md.

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::sync::Arc;

use auth_core::env::{EnvError, Vars, process_env};
use auth_core::flows::{AuthService, AuthServiceBuilder, LogMailer};
use auth_core::oauth_server::{ClientRegistration, OAuthServer, UserInfoScopes};
use auth_core::opaque::TokenHash;
use auth_core::password::{Password, PasswordHasher};
use auth_core::store::ClientType;
use auth_core::token::Scope;
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

/// The demo clients and user seeded at start, and where to listen: this example's own data.
/// The server's configuration (database, key, issuer, audience, CORS) is read by the
/// libraries' `from_vars` through [`server_vars`].
struct Demo {
    bind: String,
    port: u16,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    public_client_id: String,
    public_redirect_uri: String,
    user: String,
    password: String,
}

fn var(name: &str, default: &str) -> String {
    Vars::new(process_env)
        .get(name)
        .unwrap_or_else(|| default.to_owned())
}

impl Demo {
    fn from_env() -> Result<Self, Error> {
        let port = Vars::new(process_env).number("PORT", 0..=u64::from(u16::MAX))?;
        Ok(Self {
            bind: var("OAUTH_BIND", "127.0.0.1"),
            port: port.map_or(8000, |port| port as u16),
            client_id: var("OAUTH_DEMO_CLIENT_ID", "demo-app"),
            client_secret: var("OAUTH_DEMO_CLIENT_SECRET", PUBLISHED_CLIENT_SECRET),
            redirect_uri: var("OAUTH_DEMO_REDIRECT_URI", "http://127.0.0.1:3000/callback"),
            public_client_id: var("OAUTH_DEMO_PUBLIC_CLIENT_ID", "demo-spa"),
            public_redirect_uri: var(
                "OAUTH_DEMO_PUBLIC_REDIRECT_URI",
                "http://127.0.0.1:5173/callback",
            ),
            user: var("OAUTH_DEMO_USER", "demo@example.com"),
            password: var("OAUTH_DEMO_PASSWORD", PUBLISHED_PASSWORD),
        })
    }
}

/// The variables the libraries read (`SeaOrmStore`, `AuthServiceBuilder`,
/// `OAuthEndpointsConfig`), the environment's over this example's defaults.
fn server_vars(demo: &Demo) -> impl Fn(&str) -> Option<String> + use<> {
    let defaults = [
        ("DATABASE_URL", "sqlite://oauth-server.db".to_owned()),
        ("JWT_PRIVATE_KEY_FILE", KEY_FILE.to_owned()),
        ("JWT_KEY_ID", "oauth-1".to_owned()),
        ("JWT_ISSUER", format!("http://localhost:{}", demo.port)),
        ("JWT_AUDIENCE", "http://localhost:8001".to_owned()),
        // The public client is a browser app: its origin may call the token, userinfo and
        // revocation endpoints from script.
        ("OAUTH_CORS_ORIGINS", origin_of(&demo.public_redirect_uri)),
        ("OAUTH_SITE_NAME", "Workflow accounts".to_owned()),
    ];
    move |name| {
        Vars::new(process_env).get(name).or_else(|| {
            defaults
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
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
fn refuse_published_credentials(demo: &Demo, loopback_only: bool) -> Result<(), Error> {
    if loopback_only {
        return Ok(());
    }
    let published: Vec<&str> = [
        (
            demo.client_secret == PUBLISHED_CLIENT_SECRET,
            "OAUTH_DEMO_CLIENT_SECRET",
        ),
        (demo.password == PUBLISHED_PASSWORD, "OAUTH_DEMO_PASSWORD"),
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
        demo.bind,
        published.join(" and ")
    )
    .into())
}

/// The key file this example reads when `JWT_PRIVATE_KEY_FILE` is unset.
const KEY_FILE: &str = "oauth-signing-key.pem";

/// A key that cannot be read says how to make one: this example never generates a key.
fn with_key_hint(error: EnvError) -> Error {
    match error {
        EnvError::Invalid {
            name: "JWT_PRIVATE_KEY_FILE",
            ..
        }
        | EnvError::Missing { .. } => format!(
            "{error}. Create a key with\n  \
             openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out {KEY_FILE}\n\
             (or ed25519 / EC P-256: the algorithm follows the key) or set JWT_PRIVATE_KEY_FILE."
        )
        .into(),
        other => other.into(),
    }
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
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match serve().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            report(&*error);
            std::process::ExitCode::FAILURE
        }
    }
}

/// The start-up error, on stderr as text (not `Debug`), whatever `RUST_LOG` says.
#[allow(clippy::print_stderr)] // a binary's fatal error belongs on stderr
fn report(error: &(dyn std::error::Error + Send + Sync)) {
    eprintln!("error: {error}");
}

async fn serve() -> Result<(), Error> {
    let demo = Demo::from_env()?;
    let loopback_only = loopback_only(&demo.bind, demo.port)?;
    refuse_published_credentials(&demo, loopback_only)?;
    let vars = server_vars(&demo);

    let store = SeaOrmStore::from_vars(&vars).await?;
    store.migrate().await?;
    // The service's own accounts: the login page's sign-in, and the first-party account API
    // under /auth (signup, login, refresh, logout, sessions, …). The authorization server is
    // made from it, so both sign with one key set (from JWT_PRIVATE_KEY_FILE, the algorithm
    // detected from the key), under one issuer and audience, over the same stores and clock.
    // Session kinds keep them apart: a client's refresh token is neither the sign-in cookie
    // nor a first-party refresh token, and a client's access token does not act on the
    // account API. The account endpoints use the service's own verifier and revocation
    // checker, so a logout clears the one cache that checks tokens.
    let auth = AuthServiceBuilder::from_vars(store.clone().into_stores(), &vars)
        .map_err(with_key_hint)?
        .mailer(Arc::new(LogMailer))
        .token_status_store(Arc::new(store.clone()))
        .build()?;
    let mut config = auth.oauth_server_config();
    config.supported_scopes = Scope::parse(SCOPES);
    let mut userinfo = UserInfoScopes::default();
    userinfo.access = Scope::parse("openid read:profile");
    userinfo.profile = Scope::parse("profile read:profile");
    userinfo.email = Scope::parse("email read:profile");
    userinfo.groups = Scope::parse("read:groups");
    config.userinfo_scopes = userinfo;
    let issuer = config.issuer.clone();
    let server = auth.oauth_server(config, store.clone().into_oauth_stores())?;
    let account = AuthEndpoints::for_service(auth.clone(), EndpointsConfig::default());

    seed(&demo, &server, &auth, loopback_only).await?;

    let endpoints = OAuthEndpoints::new(server, auth, OAuthEndpointsConfig::from_vars(&vars)?)?;
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::get(|| async {
                "OAuth 2.0 authorization server: see /.well-known/openid-configuration"
            }),
        )
        .route_service("/openapi.json", endpoints.openapi_service())
        .nest_service("/auth", account.into_service())
        .merge(endpoints.into_router());

    let listener = tokio::net::TcpListener::bind((demo.bind.as_str(), demo.port)).await?;
    tracing::info!(%issuer, address = %listener.local_addr()?, "listening");
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
    demo: &Demo,
    server: &OAuthServer,
    auth: &AuthService,
    loopback_only: bool,
) -> Result<(), Error> {
    let users = &auth.stores().users;
    let existing = users.user_by_email(&demo.user).await?;
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
                demo.bind, demo.user
            )
            .into());
        }
    }
    if existing.is_none() {
        let (mut user, _) = auth
            .signup(
                &demo.user,
                Password::new(demo.password.clone()),
                &Default::default(),
            )
            .await?;
        user.display_name = Some("Demo User".to_owned());
        user.username = Some("demo".to_owned());
        user.email_verified = true;
        user.roles = vec!["workflow-editors".to_owned()];
        users.update_user(&user).await?;
        tracing::info!(user = %demo.user, "demo user created");
    }

    // Confidential, third-party: the consent page shows.
    let confidential = ClientRegistration::confidential("Demo workflow app")
        .client_id(demo.client_id.as_str())
        .redirect_uri(demo.redirect_uri.as_str())
        .scopes(SCOPES);
    // Public (a single-page or native app), first-party: no consent page.
    let public = ClientRegistration::public("Demo dashboard")
        .client_id(demo.public_client_id.as_str())
        .redirect_uri(demo.public_redirect_uri.as_str())
        .scopes("openid profile email offline_access read:profile read:groups")
        .first_party(true);

    let clients = &server.oauth_stores().clients;
    let secret_hash = TokenHash::of(&demo.client_secret);
    if let Some(existing) = clients.client(&demo.client_id).await? {
        let same = existing.client_type == ClientType::Confidential
            && existing.redirect_uris == [demo.redirect_uri.clone()]
            && existing.allowed_scopes == Scope::parse(SCOPES)
            && existing.secret_hash.as_ref() == Some(&secret_hash);
        if !same {
            // Changed settings: register afresh (this ends the client's grants and consents).
            clients.delete_client(&demo.client_id).await?;
        }
    }
    if clients.client(&demo.client_id).await?.is_none() {
        server
            .register_client_with_secret(confidential, &demo.client_secret)
            .await?;
        tracing::info!(client_id = %demo.client_id, "confidential demo client registered");
    }
    if let Some(existing) = clients.client(&demo.public_client_id).await?
        && (existing.client_type != ClientType::Public
            || existing.redirect_uris != [demo.public_redirect_uri.clone()])
    {
        clients.delete_client(&demo.public_client_id).await?;
    }
    if clients.client(&demo.public_client_id).await?.is_none() {
        server.register_client(public).await?;
        tracing::info!(client_id = %demo.public_client_id, "public demo client registered");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(bind: &str, client_secret: &str, password: &str) -> Demo {
        Demo {
            bind: bind.to_owned(),
            port: 8000,
            client_id: "demo-app".to_owned(),
            client_secret: client_secret.to_owned(),
            redirect_uri: "http://127.0.0.1:3000/callback".to_owned(),
            public_client_id: "demo-spa".to_owned(),
            public_redirect_uri: "http://127.0.0.1:5173/callback".to_owned(),
            user: "demo@example.com".to_owned(),
            password: password.to_owned(),
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
