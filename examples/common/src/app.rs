//! [`Example`]: the auth service, authenticator, endpoints and demo page both examples mount.

use std::sync::Arc;

use auth_core::authz::PlanTiers;
use auth_core::flows::{AuthServiceBuilder, LogMailer, SecondFactorSetup};
#[cfg(feature = "passkey")]
use auth_core::passkey::{PasskeyConfig, Passkeys, Url};
use auth_core::store::CounterStore;
use auth_providers::LoginFlow;
use auth_storage_redis::Subscription;
use auth_storage_seaorm::{SeaOrmStore, redact_url};
use auth_tower::{AuthEndpoints, Authenticator, EndpointsConfig, SocialLoginConfig};

use crate::error::StartError;
use crate::page::DemoPage;
use crate::shared::SharedState;
use crate::vars::ExampleVars;

/// The plan tiers of seed 002, lowest first: `/api/pro` needs `pro` or above.
pub fn plan_tiers() -> PlanTiers {
    PlanTiers::new(["free", "pro", "studio", "enterprise"])
}

/// Everything an example's router needs, built once at start.
#[derive(Clone)]
#[non_exhaustive]
pub struct Example {
    /// The ready auth endpoints in cookie mode, for `/auth`.
    pub endpoints: AuthEndpoints,
    /// Checks access tokens on `/api/*` (with the revocation check, so logout takes effect).
    pub authenticator: Authenticator,
    /// [`plan_tiers`].
    pub tiers: PlanTiers,
    /// The page served at `/`.
    pub page: DemoPage,
    /// The origins `AUTH_ALLOWED_ORIGINS` lists: other front-ends allowed to call the API
    /// with credentials (CORS), and to send state-changing requests to `/auth` (CSRF).
    pub cors_origins: Vec<String>,
    /// Where rate-limit and quota counters live: the database, or Redis with `REDIS_URL`.
    /// Shared by every instance either way, and durable in the database (a monthly quota
    /// must survive a restart).
    pub counters: Arc<dyn CounterStore>,
    /// Whether `REDIS_URL` is set: the request-rate limits then count in [`Self::counters`]
    /// across instances too (in the database they stay in process: a write per request).
    pub redis: bool,
    /// With `REDIS_URL`: the subscription that applies other instances' logouts to this
    /// instance's revocation cache. Held (never read) for as long as the example serves:
    /// dropping the last clone ends the subscription.
    _subscription: Option<Arc<Subscription>>,
}

impl std::fmt::Debug for Example {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Example")
            .field("endpoints", &self.endpoints)
            .field("authenticator", &self.authenticator)
            .field("tiers", &self.tiers)
            .field("cors_origins", &self.cors_origins)
            .field("redis", &self.redis)
            .finish_non_exhaustive()
    }
}

impl Example {
    /// Opens and migrates the database and builds the service for a server listening on
    /// `port` (the real port, after binding: the CSRF check accepts its own origins).
    ///
    /// # Errors
    ///
    /// [`StartError`] saying what to fix.
    pub async fn build(vars: &ExampleVars, port: u16) -> Result<Self, StartError> {
        let store = open_store(vars).await?;
        let shared = SharedState::open(&store, vars).await?;

        // The password + social-login stack, every setting from the environment.
        let mut builder = AuthServiceBuilder::from_vars(shared.stores.clone(), vars.lookup())?
            .mailer(Arc::new(LogMailer));
        // TOTP and recovery codes, with their secrets encrypted under MFA_ENCRYPTION_KEY.
        if let Some(key) = vars.mfa_key()? {
            builder = builder.second_factors(
                SecondFactorSetup::new(Arc::new(store.clone()), shared.ceremonies.clone(), key)
                    .totp_issuer("auth-rs demo"),
            );
        }
        #[cfg(feature = "passkey")]
        {
            builder = builder.passkeys(passkeys(vars, port, &store, &shared)?);
        }
        let service = shared.revocation_reads(builder).build().map_err(setup)?;
        let mut config = EndpointsConfig::from_vars(vars.lookup())?;
        let cors_origins = config.allowed_origins.clone();
        config.allowed_origins.extend(loopback_origins(port));
        let mut endpoints = AuthEndpoints::for_service(service.clone(), config);
        let flow = LoginFlow::from_vars(shared.pending.clone(), vars.lookup())?;
        if let Some(flow) = &flow {
            endpoints = endpoints
                .with_providers(flow.clone(), SocialLoginConfig::default())
                .map_err(setup)?;
        }

        log_providers(flow.as_ref());
        Ok(Self {
            authenticator: endpoints.authenticator().clone(),
            endpoints,
            tiers: plan_tiers(),
            page: DemoPage::new(flow.as_ref()),
            cors_origins,
            counters: shared.counters.clone(),
            redis: shared.has_redis(),
            _subscription: shared.subscribe(&service).map(Arc::new),
        })
    }
}

/// This plain-HTTP loopback server's own origins: browsers send `Origin: http://…` to it.
fn loopback_origins(port: u16) -> [String; 2] {
    [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ]
}

/// Passkeys for the relying party `PASSKEY_RP_ID` (default `localhost`, named
/// `PASSKEY_RP_NAME`) on the origins `PASSKEY_ORIGINS` (default this server's
/// `http://localhost:PORT`), ceremonies where the other instances see them.
#[cfg(feature = "passkey")]
fn passkeys(
    vars: &ExampleVars,
    port: u16,
    store: &SeaOrmStore,
    shared: &SharedState,
) -> Result<Passkeys, StartError> {
    let rp_id = vars.get("PASSKEY_RP_ID").unwrap_or_default();
    let rp_name = vars.get("PASSKEY_RP_NAME").unwrap_or_default();
    let mut origins = auth_core::env::Vars::new(vars.lookup()).list("PASSKEY_ORIGINS");
    if origins.is_empty() {
        origins.push(format!("http://localhost:{port}"));
    }
    let origins = origins
        .iter()
        .map(|origin| {
            Url::parse(origin).map_err(|error| auth_core::env::EnvError::Invalid {
                name: "PASSKEY_ORIGINS",
                reason: format!("{origin:?} is not an origin ({error})"),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let config = PasskeyConfig::new(rp_id, rp_name, origins);
    let passkeys = Passkeys::new(
        config.clone(),
        shared.ceremonies.clone(),
        Arc::new(store.clone()),
    )
    .map_err(|error| StartError::Setup(format!("PASSKEY_RP_ID / PASSKEY_ORIGINS: {error}")))?;
    let origins: Vec<&str> = config.origins.iter().map(Url::as_str).collect();
    tracing::info!(rp_id = %config.rp_id, ?origins, "passkeys enabled");
    Ok(passkeys)
}

fn setup(error: impl std::fmt::Display) -> StartError {
    StartError::Setup(error.to_string())
}

fn log_providers(flow: Option<&LoginFlow>) {
    match flow {
        None => tracing::info!(
            "no social-login provider configured: password login only. To add one, set e.g. \
             GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and GITHUB_REDIRECT_URI (see the README)"
        ),
        Some(flow) => {
            let names: Vec<&str> = flow.provider_names().collect();
            tracing::info!(providers = ?names, "social-login providers configured");
        }
    }
}

/// Connects to `DATABASE_URL` (default `sqlite://<app>.db`) and applies the auth migrations.
///
/// # Errors
///
/// [`StartError::Env`] naming `DATABASE_URL` or `DATABASE_TIMEOUT_SECONDS`, or
/// [`StartError::Migration`]; neither holds the database password.
pub async fn open_store(vars: &ExampleVars) -> Result<SeaOrmStore, StartError> {
    let store = SeaOrmStore::from_vars(vars.lookup()).await?;
    let masked = redact_url(&vars.get("DATABASE_URL").unwrap_or_default());
    store.migrate().await.map_err(|e| StartError::Migration {
        url: masked.clone(),
        reason: e.to_string(),
    })?;
    tracing::info!(database = %masked, "database ready, auth migrations applied");
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unusable_database_url_is_named_without_its_password() {
        let vars = ExampleVars::from_lookup("demo", |name| match name {
            "DATABASE_URL" => Some("nosuchdb://user:hunter2@host/db".to_owned()),
            "JWT_SECRET_KEY" => Some("an HMAC secret of 32 bytes or more!".to_owned()),
            _ => None,
        })
        .unwrap();
        let message = open_store(&vars).await.unwrap_err().to_string();
        assert!(message.starts_with("DATABASE_URL"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn tiers_follow_seed_002() {
        let tiers = plan_tiers();
        assert!(tiers.at_least(Some("studio"), "pro"));
        assert!(!tiers.at_least(Some("free"), "pro"));
        assert!(!tiers.at_least(None, "pro"));
    }
}
