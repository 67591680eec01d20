//! [`AuthServiceBuilder`]: one description of the service, from which the service, its
//! access-token verifier and its revocation checker are built so that they cannot disagree.

use std::sync::Arc;
use std::time::Duration;

use super::{AuthConfig, AuthService, Mailer, Stores};
use crate::clock::{Clock, SystemClock};
use crate::password::PasswordHasher;
use crate::revocation::{InvalidationBroadcast, RevocationChecker, RevocationConfig};
use crate::store::TokenStatusStore;
use crate::token::{AccessTokenIssuer, AccessTokenVerifier, IssuerConfig, KeySet, VerifierConfig};

/// What [`AuthServiceBuilder::build`] could not build without.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No [`issuer`](AuthServiceBuilder::issuer): tokens need an `iss` and an `aud`.
    #[error("no issuer: call .issuer(issuer, audience) — e.g. your base URL and API identifier")]
    MissingIssuer,
    /// No [`mailer`](AuthServiceBuilder::mailer): password reset and email verification
    /// would silently send nothing.
    #[error("no mailer: call .mailer(…) with your Mailer (LogMailer only logs, for development)")]
    MissingMailer,
}

/// Builds an [`AuthService`] from one description; start with [`AuthService::builder`], or
/// with [`AuthServiceBuilder::from_env`] to read the key, issuer, audience and lifetimes from
/// `JWT_PRIVATE_KEY_FILE` / `JWT_SECRET_KEY`, `JWT_ISSUER`, `JWT_AUDIENCE`,
/// `ACCESS_TOKEN_EXPIRE_MINUTES` and `REFRESH_TOKEN_EXPIRE_DAYS`.
///
/// The service then owns the clock and the password hasher and hands them, with the keys,
/// issuer, audience and stores given here, to the
/// [access-token verifier](AuthService::access_token_verifier) and the
/// [revocation checker](AuthService::revocation_checker) it builds: issuer and audience are
/// given once, the clock once, and the checker reads the service's own stores.
///
/// | setting | default |
/// |---|---|
/// | [`issuer`](Self::issuer) | required |
/// | [`mailer`](Self::mailer) | required |
/// | [`access_token_ttl`](Self::access_token_ttl) | 15 minutes |
/// | [`config`](Self::config) | [`AuthConfig::default`] |
/// | [`hasher`](Self::hasher) | [`PasswordHasher::default`] (argon2id, OWASP parameters) |
/// | [`clock`](Self::clock) | the system clock |
/// | [`revocation`](Self::revocation) | [`RevocationConfig::default`] (5 s cache) |
/// | [`token_status_store`](Self::token_status_store) | three reads through `stores` |
/// | [`invalidation_broadcast`](Self::invalidation_broadcast) | none (this process only) |
///
/// ```
/// use std::sync::Arc;
/// use auth_core::flows::{AuthService, LogMailer, Stores};
/// use auth_core::token::{Algorithm, KeySet, SigningKey};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keys = KeySet::new(SigningKey::generate_hmac("2026-12", Algorithm::HS256)?);
/// let service = AuthService::builder(keys, Stores::in_memory())
///     .issuer("https://auth.example.com", "https://api.example.com")
///     .mailer(Arc::new(LogMailer))
///     .build()?;
/// // The verifier and the checker a host's layer needs, agreeing with the service.
/// let verifier = service.access_token_verifier().clone();
/// let revocation = service.revocation_checker().clone();
/// # let _ = (verifier, revocation);
/// # Ok(())
/// # }
/// ```
#[must_use = "a builder does nothing until .build()"]
pub struct AuthServiceBuilder {
    keys: KeySet,
    stores: Stores,
    issuer: Option<(String, String)>,
    access_token_ttl: Duration,
    config: AuthConfig,
    hasher: Option<PasswordHasher>,
    clock: Arc<dyn Clock>,
    mailer: Option<Arc<dyn Mailer>>,
    revocation: RevocationConfig,
    token_status: Option<Arc<dyn TokenStatusStore>>,
    broadcast: Option<Arc<dyn InvalidationBroadcast>>,
    second_factors: Option<super::SecondFactorSetup>,
    #[cfg(feature = "passkey")]
    passkeys: Option<crate::passkey::Passkeys>,
}

impl AuthServiceBuilder {
    pub(super) fn new(keys: KeySet, stores: Stores) -> Self {
        Self {
            keys,
            stores,
            issuer: None,
            access_token_ttl: IssuerConfig::DEFAULT_ACCESS_TOKEN_TTL,
            config: AuthConfig::default(),
            hasher: None,
            clock: Arc::new(SystemClock),
            mailer: None,
            revocation: RevocationConfig::default(),
            token_status: None,
            broadcast: None,
            second_factors: None,
            #[cfg(feature = "passkey")]
            passkeys: None,
        }
    }

    /// The `iss` of the tokens this service issues (usually its base URL) and their `aud`
    /// (the identifier of the API they are for). The verifier accepts exactly these.
    /// Required.
    pub fn issuer(mut self, issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        self.issuer = Some((issuer.into(), audience.into()));
        self
    }

    /// How long an access token lives. Defaults to 15 minutes.
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }

    /// Where password-reset and verification links go. Required: use
    /// [`LogMailer`](super::LogMailer) for development only.
    pub fn mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// The flows' settings. Defaults to [`AuthConfig::default`].
    pub fn config(mut self, config: AuthConfig) -> Self {
        self.config = config;
        self
    }

    /// The password hasher. Defaults to [`PasswordHasher::default`].
    pub fn hasher(mut self, hasher: PasswordHasher) -> Self {
        self.hasher = Some(hasher);
        self
    }

    /// Where every part reads the time. Defaults to the system clock; tests pass a
    /// [`ManualClock`](crate::ManualClock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How the revocation checker caches. Defaults to [`RevocationConfig::default`].
    pub fn revocation(mut self, config: RevocationConfig) -> Self {
        self.revocation = config;
        self
    }

    /// Reads the revocation check's three reads through `store` in one call (see
    /// [`RevocationChecker::from_store`]). `store` must hold the data of the `stores` given
    /// to [`AuthService::builder`] — for auth-storage-seaorm, the same `SeaOrmStore`.
    pub fn token_status_store(mut self, store: Arc<dyn TokenStatusStore>) -> Self {
        self.token_status = Some(store);
        self
    }

    /// Publishes every invalidation of the revocation checker's cache through `broadcast`
    /// ([`RevocationChecker::with_broadcast`]), so a logout on this instance reaches the
    /// others' caches at once (auth-storage-redis's `RedisInvalidation`). Subscribe with
    /// [`AuthService::revocation_checker`].
    pub fn invalidation_broadcast(mut self, broadcast: Arc<dyn InvalidationBroadcast>) -> Self {
        self.broadcast = Some(broadcast);
        self
    }

    /// TOTP and recovery codes: with this, password logins of accounts with a confirmed TOTP
    /// answer [`AuthError::SecondFactorRequired`](super::AuthError::SecondFactorRequired),
    /// and the enrolment flows ([`AuthService::start_totp_enrolment`] …) work. Without it
    /// they answer [`AuthError::NotEnabled`](super::AuthError::NotEnabled).
    pub fn second_factors(mut self, setup: super::SecondFactorSetup) -> Self {
        self.second_factors = Some(setup);
        self
    }

    /// Passkeys (feature `passkey`): with this, signed-in users add, list, rename and
    /// remove passkeys ([`AuthService::start_passkey_registration`] …), anyone signs in with
    /// one ([`AuthService::start_passkey_login`]) and, in
    /// [`SignupMode::RevealTaken`](super::SignupMode::RevealTaken), signs up with nothing but
    /// a passkey ([`AuthService::start_passkey_signup`]). Without it those answer
    /// [`AuthError::NotEnabled`](super::AuthError::NotEnabled).
    #[cfg(feature = "passkey")]
    pub fn passkeys(mut self, passkeys: crate::passkey::Passkeys) -> Self {
        self.passkeys = Some(passkeys);
        self
    }

    /// The service, with its verifier and revocation checker.
    ///
    /// # Errors
    ///
    /// [`BuildError`] naming the missing setting.
    pub fn build(self) -> Result<AuthService, BuildError> {
        let (issuer, audience) = self.issuer.ok_or(BuildError::MissingIssuer)?;
        let mailer = self.mailer.ok_or(BuildError::MissingMailer)?;
        let token_issuer = AccessTokenIssuer::with_clock(
            IssuerConfig::new(issuer.clone(), audience.clone())
                .access_token_ttl(self.access_token_ttl),
            &self.keys,
            self.clock.clone(),
        );
        let verifier = AccessTokenVerifier::new(VerifierConfig::new(issuer, audience), &self.keys)
            .with_clock(self.clock.clone());
        let revocation = match self.token_status {
            Some(store) => {
                RevocationChecker::from_store_with_clock(self.revocation, store, self.clock.clone())
            }
            None => RevocationChecker::with_clock(
                self.revocation,
                self.stores.users.clone(),
                self.stores.sessions.clone(),
                self.stores.revocations.clone(),
                self.clock.clone(),
            ),
        };
        let revocation = match self.broadcast {
            Some(broadcast) => revocation.with_broadcast(broadcast),
            None => revocation,
        };
        let service = AuthService::assemble(
            self.config,
            self.stores,
            token_issuer,
            self.keys,
            self.hasher.unwrap_or_default(),
            self.clock,
            mailer,
            verifier,
            revocation,
        );
        let service = match self.second_factors {
            Some(setup) => service.with_second_factors(setup),
            None => service,
        };
        #[cfg(feature = "passkey")]
        let service = match self.passkeys {
            Some(passkeys) => service.with_passkeys(passkeys),
            None => service,
        };
        Ok(service)
    }
}

impl std::fmt::Debug for AuthServiceBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthServiceBuilder")
            .field("issuer", &self.issuer)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("mailer", &self.mailer.is_some())
            .field("token_status_store", &self.token_status.is_some())
            .field("invalidation_broadcast", &self.broadcast)
            .finish_non_exhaustive()
    }
}
