//! [`AuthService`] and [`Stores`], and the pieces every flow shares: sessions, access
//! tokens, password checks, throttling keys and audit events.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::builder::AuthServiceBuilder;
use super::{AuthConfig, AuthError, ClientInfo, Mailer, ThrottleLimit, TokenPair};
use crate::ErrorChain;
use crate::clock::Clock;
use crate::opaque::OpaqueToken;
use crate::password::{Password, PasswordError, PasswordHasher, PasswordVerification};
use crate::revocation::{RevocationChecker, RevocationConfig};
use crate::session::{self, NewSession, SessionRules, Started};
use crate::store::memory::MemoryStores;
use crate::store::{
    Assurance, AuditEvent, AuditKind, AuditStore, IdentityStore, OneTimeTokenStore, Reservation,
    RevocationStore, Session, SessionId, SessionKind, SessionStore, ThrottleStore, User, UserId,
    UserStore,
};
use crate::token::{
    AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Audience, IssuedAccessToken,
    KeySet, VerifierConfig,
};

/// The seven stores the flows use, as trait objects.
///
/// Cheap to clone. Build it field by field, with [`Stores::from_one`] when one type
/// implements every trait (a database backend), or with [`Stores::in_memory`].
#[derive(Clone)]
#[non_exhaustive]
pub struct Stores {
    /// Accounts.
    pub users: Arc<dyn UserStore>,
    /// Provider identities (social login).
    pub identities: Arc<dyn IdentityStore>,
    /// Sessions and refresh tokens.
    pub sessions: Arc<dyn SessionStore>,
    /// Revoked access-token `jti`s.
    pub revocations: Arc<dyn RevocationStore>,
    /// Password-reset and email-verification tokens.
    pub one_time_tokens: Arc<dyn OneTimeTokenStore>,
    /// Failure counters for throttling.
    pub throttle: Arc<dyn ThrottleStore>,
    /// The audit trail.
    pub audit: Arc<dyn AuditStore>,
}

impl Stores {
    /// Every store from the given trait objects.
    pub fn new(
        users: Arc<dyn UserStore>,
        identities: Arc<dyn IdentityStore>,
        sessions: Arc<dyn SessionStore>,
        revocations: Arc<dyn RevocationStore>,
        one_time_tokens: Arc<dyn OneTimeTokenStore>,
        throttle: Arc<dyn ThrottleStore>,
        audit: Arc<dyn AuditStore>,
    ) -> Self {
        Self {
            users,
            identities,
            sessions,
            revocations,
            one_time_tokens,
            throttle,
            audit,
        }
    }

    /// Every store backed by one value that implements all seven traits (one database
    /// connection pool, say).
    pub fn from_one<S>(store: S) -> Self
    where
        S: UserStore
            + IdentityStore
            + SessionStore
            + RevocationStore
            + OneTimeTokenStore
            + ThrottleStore
            + AuditStore
            + 'static,
    {
        let store = Arc::new(store);
        Self {
            users: store.clone(),
            identities: store.clone(),
            sessions: store.clone(),
            revocations: store.clone(),
            one_time_tokens: store.clone(),
            throttle: store.clone(),
            audit: store,
        }
    }
}

impl Stores {
    /// Seven empty in-memory stores (see [`MemoryStores`]), for tests, examples and
    /// single-process development servers. Nothing is durable.
    pub fn in_memory() -> Self {
        Self::from(MemoryStores::new())
    }
}

impl From<MemoryStores> for Stores {
    /// The in-memory stores as trait objects; the bundle's clones keep sharing their data,
    /// so a test can keep `stores` and inspect what the flows wrote.
    fn from(stores: MemoryStores) -> Self {
        Self {
            users: Arc::new(stores.users),
            identities: Arc::new(stores.identities),
            sessions: Arc::new(stores.sessions),
            revocations: Arc::new(stores.revocations),
            one_time_tokens: Arc::new(stores.one_time_tokens),
            throttle: Arc::new(stores.throttle),
            audit: Arc::new(stores.audit),
        }
    }
}

impl fmt::Debug for Stores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stores").finish_non_exhaustive()
    }
}

/// The authentication flows: signup, login, refresh, logout, sessions, password change and
/// reset, email verification, social login and provider links.
///
/// Cheap to clone (an `Arc` inside); build one at start-up and share it. Every operation is
/// traced with `#[tracing::instrument]` carrying ids only — never a password, token, hash or
/// email — and every security event is written to the audit store. Any store failure makes
/// the operation fail with [`AuthError::Store`] (fail closed).
///
/// Give the [`AccessTokenIssuer`] the same clock as the service.
#[derive(Clone)]
pub struct AuthService {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) config: AuthConfig,
    pub(super) stores: Stores,
    pub(super) issuer: AccessTokenIssuer,
    /// Every key `issuer` and `verifier` use: handed on to an authorization server built from
    /// this service ([`AuthService::oauth_server`]).
    pub(super) keys: KeySet,
    pub(super) hasher: PasswordHasher,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) mailer: Arc<dyn Mailer>,
    /// Accepts exactly the access tokens `issuer` issues (see
    /// [`AuthService::access_token_verifier`]).
    pub(super) verifier: AccessTokenVerifier,
    /// Over `stores`, reading `clock` (see [`AuthService::revocation_checker`]).
    pub(super) revocation: RevocationChecker,
    /// TOTP, recovery codes and login challenges, when the host configured them
    /// ([`AuthServiceBuilder::second_factors`](super::AuthServiceBuilder::second_factors)).
    pub(super) second_factors: Option<super::SecondFactorSetup>,
    /// Passkey registration, sign-in and passkey-only signup, when the host configured them
    /// ([`AuthServiceBuilder::passkeys`](super::AuthServiceBuilder::passkeys)).
    #[cfg(feature = "passkey")]
    pub(super) passkeys: Option<Arc<crate::passkey::Passkeys>>,
    /// Work answered before it was done (password-reset delivery); finished tasks are reaped
    /// at each spawn, the rest awaited by [`AuthService::drain_background_work`].
    pub(super) background: std::sync::Mutex<tokio::task::JoinSet<()>>,
    /// How many new-password hashes ran: lets unit tests prove that signups over the limit
    /// hash nothing.
    #[cfg(test)]
    pub(super) password_hashes: std::sync::atomic::AtomicUsize,
    /// How many dummy verifications ran: lets unit tests prove that unknown accounts pay
    /// for a hash (timing cannot be asserted reliably, a count can).
    #[cfg(test)]
    pub(super) dummy_verifications: std::sync::atomic::AtomicUsize,
    /// How many password checks (real or dummy) started: lets unit tests prove that
    /// concurrent guesses get no more checks than the throttle allows.
    #[cfg(test)]
    pub(super) password_checks: std::sync::atomic::AtomicUsize,
}

impl AuthService {
    /// A service with `config` over `stores`, signing access tokens with `issuer`, hashing
    /// with `hasher`, reading time from `clock` and sending one-time links through `mailer`.
    ///
    /// [`AuthService::builder`] does the same from one description and also wires the
    /// [verifier](Self::access_token_verifier) to the whole key set. Here the verifier
    /// accepts the issuer's own signing key only (tokens of keys being rotated out are
    /// refused), and the [revocation checker](Self::revocation_checker) has the default cache.
    pub fn new(
        config: AuthConfig,
        stores: Stores,
        issuer: AccessTokenIssuer,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
        mailer: Arc<dyn Mailer>,
    ) -> Self {
        let issued = issuer.config();
        let audience = match &issued.audience {
            Audience::Single(audience) => audience.clone(),
            Audience::Many(audiences) => audiences.first().cloned().unwrap_or_default(),
        };
        let keys = KeySet::new(issuer.signing_key().clone());
        let verifier =
            AccessTokenVerifier::new(VerifierConfig::new(issued.issuer.clone(), audience), &keys)
                .with_clock(clock.clone());
        let revocation = RevocationChecker::with_clock(
            RevocationConfig::default(),
            stores.users.clone(),
            stores.sessions.clone(),
            stores.revocations.clone(),
            clock.clone(),
        );
        Self::assemble(
            config, stores, issuer, keys, hasher, clock, mailer, verifier, revocation,
        )
    }

    /// Builds a service from `keys` (signing and verifying access tokens) and `stores`; see
    /// [`AuthServiceBuilder`] for the settings and their defaults.
    pub fn builder(keys: KeySet, stores: Stores) -> AuthServiceBuilder {
        AuthServiceBuilder::new(keys, stores)
    }

    #[allow(clippy::too_many_arguments)] // private: the two constructors' common end
    pub(super) fn assemble(
        config: AuthConfig,
        stores: Stores,
        issuer: AccessTokenIssuer,
        keys: KeySet,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
        mailer: Arc<dyn Mailer>,
        verifier: AccessTokenVerifier,
        revocation: RevocationChecker,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                stores,
                issuer,
                keys,
                hasher,
                clock,
                mailer,
                verifier,
                revocation,
                second_factors: None,
                #[cfg(feature = "passkey")]
                passkeys: None,
                background: std::sync::Mutex::new(tokio::task::JoinSet::new()),
                #[cfg(test)]
                password_hashes: std::sync::atomic::AtomicUsize::new(0),
                #[cfg(test)]
                dummy_verifications: std::sync::atomic::AtomicUsize::new(0),
                #[cfg(test)]
                password_checks: std::sync::atomic::AtomicUsize::new(0),
            }),
        }
    }

    /// The verifier of the access tokens this service issues: same keys, `iss`, `aud` and
    /// clock. Hand a clone to the host's authentication layer.
    pub fn access_token_verifier(&self) -> &AccessTokenVerifier {
        &self.inner.verifier
    }

    /// The revocation check over this service's stores, on its clock. Hand a clone to the
    /// host's authentication layer: clones share one cache, so the `forget_*` calls made after
    /// a logout reach every check at once.
    pub fn revocation_checker(&self) -> &RevocationChecker {
        &self.inner.revocation
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The stores.
    pub fn stores(&self) -> &Stores {
        &self.inner.stores
    }

    /// The clock every part of this service reads.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.inner.clock.clone()
    }

    pub(super) fn now(&self) -> SystemTime {
        self.inner.clock.now()
    }

    /// Waits until the work the flows answered before doing has finished: today the lookup,
    /// token and mail of [`request_password_reset`](Self::request_password_reset). Call it
    /// at graceful shutdown, before the tokio runtime stops (which cancels what is still
    /// running, so a requested mail would be lost), and in tests before reading the mailer.
    pub async fn drain_background_work(&self) {
        loop {
            let mut tasks = std::mem::take(&mut *self.background());
            if tasks.is_empty() {
                return;
            }
            while let Some(joined) = tasks.join_next().await {
                if let Err(error) = joined {
                    tracing::error!(error = %ErrorChain::new(&error), "background auth work did not finish");
                }
            }
        }
    }

    /// Runs `work` on the current tokio runtime without waiting for it.
    pub(super) fn spawn_background(
        &self,
        work: impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        let mut tasks = self.background();
        // Reap what has finished, so the set holds only running work.
        while tasks.try_join_next().is_some() {}
        tasks.spawn(work);
    }

    fn background(&self) -> std::sync::MutexGuard<'_, tokio::task::JoinSet<()>> {
        // The set stays consistent if a holder panicked: spawn and take are single steps.
        self.inner
            .background
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The session lifetimes of this service's configuration.
    pub(super) fn session_rules(&self) -> SessionRules {
        let config = &self.inner.config;
        let (lifetime, idle) = (config.refresh_token_lifetime, config.session_idle_timeout);
        SessionRules::new(lifetime, idle, config.refresh_reuse_grace)
    }

    /// Starts a session of `kind` for `user` with its first refresh token.
    pub(super) async fn start_session_of_kind(
        &self,
        user: &User,
        kind: SessionKind,
        client: &ClientInfo,
        assurance: Assurance,
        now: SystemTime,
    ) -> Result<Started, AuthError> {
        let new = NewSession {
            id: SessionId::generate()?,
            user_id: user.id,
            kind,
            ip: client.clean_ip(),
            user_agent: client.clean_user_agent(),
            device_name: client.clean_device_name(),
            assurance,
        };
        Ok(session::start(&*self.inner.stores.sessions, self.session_rules(), new, now).await?)
    }

    /// Starts a first-party session for `user`, who authenticated as `assurance` says, and
    /// issues its first token pair.
    pub(super) async fn start_session(
        &self,
        user: &User,
        client: &ClientInfo,
        assurance: Assurance,
        now: SystemTime,
    ) -> Result<TokenPair, AuthError> {
        let started = self
            .start_session_of_kind(user, SessionKind::FirstParty, client, assurance, now)
            .await?;
        let access_token = self.access_token(user, &started.session)?;
        Ok(TokenPair {
            access_token,
            refresh_token: started.refresh_token,
            session_id: started.session.id,
            refresh_expires_at: started.session.expires_at,
        })
    }

    /// The assurance of a sign-in at `now` by `methods`, with the `acr` the configuration's
    /// [`AcrLevels`](super::AcrLevels) give it.
    pub(super) fn assurance<I, S>(&self, now: SystemTime, methods: I) -> Assurance
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut assurance = Assurance::new(now, methods);
        assurance.acr = self.inner.config.acr.for_amr(&assurance.amr);
        assurance
    }

    /// With `setup` for second factors; only while the service is being built (no clone
    /// exists yet).
    pub(super) fn with_second_factors(mut self, setup: super::SecondFactorSetup) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.second_factors = Some(setup),
            None => tracing::error!("second factors set on a shared service; ignored"),
        }
        self
    }

    /// With `passkeys`; only while the service is being built (no clone exists yet).
    #[cfg(feature = "passkey")]
    pub(super) fn with_passkeys(mut self, passkeys: crate::passkey::Passkeys) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.passkeys = Some(Arc::new(passkeys)),
            None => tracing::error!("passkeys set on a shared service; ignored"),
        }
        self
    }

    /// An access token for `user` in `session`, with the user's roles, permissions, plan
    /// and tenant, and the session's `auth_time`, `amr` and `acr`, as claims.
    pub(super) fn access_token(
        &self,
        user: &User,
        session: &Session,
    ) -> Result<IssuedAccessToken, AuthError> {
        let mut request = AccessTokenRequest::new(user.id.to_string())
            .session(session.id.to_string())
            .assurance(session.auth_time, session.amr.clone(), session.acr.clone())
            .roles(user.roles.iter().cloned())
            .permissions(user.permissions.iter().cloned());
        if let Some(plan) = &user.plan {
            request = request.plan(plan.clone());
        }
        if let Some(tenant) = &user.tenant_id {
            request = request.tenant(tenant.clone());
        }
        Ok(self.inner.issuer.issue(&request)?)
    }

    /// Checks `password` against `stored`, or — when there is no stored hash (unknown user,
    /// account without a password) — does the work of a verification against a dummy hash
    /// and reports a mismatch, so that every refusal costs one hash.
    ///
    /// A password too long to hash, and a stored hash that cannot be read (logged at error
    /// level, then a dummy verification for equal timing), also count as a mismatch: they
    /// must not answer differently from a wrong password.
    pub(super) async fn check_password(
        &self,
        password: Password,
        stored: Option<&str>,
    ) -> Result<PasswordCheck, AuthError> {
        #[cfg(test)]
        self.inner
            .password_checks
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let hasher = &self.inner.hasher;
        let Some(stored) = stored else {
            self.dummy_verification(password).await?;
            return Ok(PasswordCheck::Mismatch);
        };
        // Kept only if the stored hash is to be upgraded, and then for one more hash.
        let rehash_copy = hasher
            .needs_rehash(stored)
            .then(|| Password::from(password.expose_secret()));
        match hasher.verify_async(password, stored.to_owned()).await {
            Ok(PasswordVerification::Match { needs_rehash }) => Ok(PasswordCheck::Match {
                rehash_with: rehash_copy.filter(|_| needs_rehash),
            }),
            Ok(PasswordVerification::Mismatch) | Err(PasswordError::TooLong { .. }) => {
                Ok(PasswordCheck::Mismatch)
            }
            Err(error @ (PasswordError::InvalidHash | PasswordError::UnsupportedHash)) => {
                tracing::error!(error = %ErrorChain::new(&error), "stored password hash cannot be verified; refusing");
                if let Some(copy) = rehash_copy {
                    self.dummy_verification(copy).await?;
                }
                Ok(PasswordCheck::Mismatch)
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn dummy_verification(&self, password: Password) -> Result<(), AuthError> {
        #[cfg(test)]
        self.inner
            .dummy_verifications
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        match self.inner.hasher.verify_dummy_async(password).await {
            Ok(()) | Err(PasswordError::TooLong { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Checks a new password for `user` against the policy — with the account's email,
    /// username and display name as context, so none of them is accepted as the password —
    /// then hashes it on the hashing pool. Every flow that replaces a user's password goes
    /// through here.
    pub(super) async fn new_password_hash(
        &self,
        user: &crate::store::User,
        new: Password,
    ) -> Result<String, AuthError> {
        self.check_new_password(user, &new)?;
        self.hash_password(new).await
    }

    /// The policy check of [`new_password_hash`](Self::new_password_hash) alone, with the
    /// account's email, username and display name as context.
    pub(super) fn check_new_password(
        &self,
        user: &crate::store::User,
        new: &Password,
    ) -> Result<(), AuthError> {
        let mut context = vec![user.email.as_str()];
        context.extend(user.username.as_deref());
        context.extend(user.display_name.as_deref());
        self.inner
            .config
            .password_policy
            .check(new.expose_secret(), &context)?;
        Ok(())
    }

    /// Hashes a new password on the hashing pool.
    pub(super) async fn hash_password(&self, password: Password) -> Result<String, AuthError> {
        #[cfg(test)]
        self.inner
            .password_hashes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(self.inner.hasher.hash_async(password).await?.into_string())
    }

    /// Reserves one attempt on every gate, in order, *before* the check they guard (count
    /// before you check). The first refusal gives back what was reserved so far and returns
    /// that gate's name and `retry_after`; a refused attempt counts nowhere.
    pub(super) async fn reserve_attempt(
        &self,
        gates: Vec<Gate>,
        now: SystemTime,
    ) -> Result<Result<Attempt, (Duration, &'static str)>, AuthError> {
        let throttle = &self.inner.stores.throttle;
        let mut granted: Vec<Gate> = Vec::with_capacity(gates.len());
        for gate in gates {
            let limit = gate.limit;
            match throttle
                .reserve(&gate.key, now, limit.window, limit.max_failures)
                .await?
            {
                Reservation::Granted => granted.push(gate),
                Reservation::Refused { retry_after } => {
                    for done in &granted {
                        throttle.release(&done.key, now, done.limit.window).await?;
                    }
                    return Ok(Err((retry_after, gate.name)));
                }
            }
        }
        Ok(Ok(Attempt { gates: granted }))
    }

    /// The guarded check succeeded: the attempt is not a failure. The per-network account
    /// gate is cleared (the owner's own earlier typos are forgiven), every other gate gets
    /// its one reservation back — so a success never erases strangers' failures on the
    /// account-wide ceiling or the IP.
    pub(super) async fn attempt_succeeded(
        &self,
        attempt: Attempt,
        now: SystemTime,
    ) -> Result<(), AuthError> {
        let throttle = &self.inner.stores.throttle;
        for gate in attempt.gates {
            if gate.clear_on_success {
                throttle.clear_failures(&gate.key).await?;
            } else {
                throttle.release(&gate.key, now, gate.limit.window).await?;
            }
        }
        Ok(())
    }

    /// The guarded check never ran (the hashing pool was [`Busy`](AuthError::Busy)): every
    /// gate gets its reservation back, so a saturated server neither counts the attempt as a
    /// failure nor, by refusing, helps anyone lock an account.
    pub(super) async fn attempt_not_made(
        &self,
        attempt: Attempt,
        now: SystemTime,
    ) -> Result<(), AuthError> {
        let throttle = &self.inner.stores.throttle;
        for gate in attempt.gates {
            throttle.release(&gate.key, now, gate.limit.window).await?;
        }
        Ok(())
    }

    /// [`check_password`](Self::check_password) under `attempt`: a `Busy` refusal gives the
    /// attempt back (see [`attempt_not_made`](Self::attempt_not_made)) and is returned; any
    /// other error keeps the reservations, as a failure does.
    pub(super) async fn check_password_for(
        &self,
        attempt: Attempt,
        password: Password,
        stored: Option<&str>,
        now: SystemTime,
    ) -> Result<(Attempt, PasswordCheck), AuthError> {
        match self.check_password(password, stored).await {
            Ok(check) => Ok((attempt, check)),
            Err(busy @ AuthError::Busy { .. }) => {
                tracing::warn!("password check refused: hashing at capacity");
                self.attempt_not_made(attempt, now).await?;
                Err(busy)
            }
            Err(error) => Err(error),
        }
    }

    /// Appends `event` to the audit trail.
    /// Consumes a one-time token of `purpose` (single use) and returns its user, who must
    /// still exist and be active. Every refusal is [`AuthError::InvalidOneTimeToken`].
    pub(super) async fn consume_for_active_user(
        &self,
        presented: &crate::opaque::OpaqueToken,
        purpose: crate::store::OneTimePurpose,
        now: SystemTime,
    ) -> Result<crate::store::User, AuthError> {
        let stores = &self.inner.stores;
        let consumed = stores
            .one_time_tokens
            .consume_one_time_token(&presented.hash(), purpose, now)
            .await?
            .ok_or(AuthError::InvalidOneTimeToken)?;
        tracing::Span::current().record("user_id", tracing::field::display(consumed.user_id));
        match stores.users.user_by_id(consumed.user_id).await? {
            Some(user) if user.active => Ok(user),
            _ => Err(AuthError::InvalidOneTimeToken),
        }
    }

    pub(super) async fn audit(&self, event: AuditEvent) -> Result<(), AuthError> {
        self.inner.stores.audit.record_event(&event).await?;
        Ok(())
    }

    /// The session `session_id` of `user_id`, if it is active and its sign-in is at most
    /// `max_age` old: changing the ways into an account (second factors, passkeys) needs
    /// proof that the user, not a stolen token, is at the keyboard. The one home of that rule.
    ///
    /// # Errors
    /// [`AuthError::SessionNotFound`] for a session that is not this user's or not active;
    /// [`AuthError::ReauthenticationRequired`] for an older sign-in.
    pub(super) async fn recent_session_within(
        &self,
        user_id: UserId,
        session_id: SessionId,
        max_age: Duration,
        now: SystemTime,
    ) -> Result<Session, AuthError> {
        let session = match self.inner.stores.sessions.session(session_id).await? {
            Some(session) if session.user_id == user_id && session.is_active(now) => session,
            _ => return Err(AuthError::SessionNotFound),
        };
        let recent = now
            .duration_since(session.auth_time)
            .is_ok_and(|age| age <= max_age);
        if !recent {
            return Err(AuthError::ReauthenticationRequired { max_age });
        }
        Ok(session)
    }

    /// Loads a user a signed-in operation acts for.
    pub(super) async fn signed_in_user(&self, user_id: UserId) -> Result<User, AuthError> {
        let user = self
            .inner
            .stores
            .users
            .user_by_id(user_id)
            .await?
            .ok_or(AuthError::UserNotFound)?;
        if !user.active {
            return Err(AuthError::AccountDisabled);
        }
        Ok(user)
    }
}

impl fmt::Debug for AuthService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthService")
            .field("config", &self.inner.config)
            .field("issuer", &self.inner.issuer)
            .field("hasher", &self.inner.hasher)
            .field("clock", &self.inner.clock)
            .finish_non_exhaustive()
    }
}

/// What [`AuthService::check_password`] found.
pub(super) enum PasswordCheck {
    /// Correct. `rehash_with` holds the password when the stored hash should be upgraded.
    Match { rehash_with: Option<Password> },
    /// Wrong, or nothing to check against.
    Mismatch,
}

/// `now + by`, or `now` if that is not representable (so an absurd lifetime expires at once
/// rather than never).
pub(super) fn later(now: SystemTime, by: Duration) -> SystemTime {
    now.checked_add(by).unwrap_or(now)
}

pub(super) fn new_opaque_token() -> Result<OpaqueToken, AuthError> {
    OpaqueToken::generate().map_err(|_| AuthError::Random)
}

/// One throttling gate an attempt must pass: a key and its limit.
#[derive(Debug)]
pub(super) struct Gate {
    key: String,
    limit: ThrottleLimit,
    /// Named in the `login_throttled` audit event and the trace.
    name: &'static str,
    /// On success, forget the key rather than give back one attempt.
    clear_on_success: bool,
}

/// The reservations an attempt holds while its check runs. Dropped without
/// [`AuthService::attempt_succeeded`], they stay counted: a failure.
#[derive(Debug)]
#[must_use = "a successful attempt must give its reservations back"]
pub(super) struct Attempt {
    gates: Vec<Gate>,
}

/// The gates of a password attempt on `account` (a [`user_throttle_key`] or
/// [`name_throttle_key`]) from `ip`, in the order they are reserved:
///
/// 1. `account`: the account from this client network — [`AuthConfig::account_throttle`];
/// 2. `account_ceiling`: the account from anywhere — [`AuthConfig::account_ceiling`];
/// 3. `ip`: this client network, any account — [`AuthConfig::ip_throttle`] (only with an IP).
///
/// Keying the tight account limit by network means strangers failing elsewhere cannot lock
/// the owner out; the ceiling still bounds a guesser spread over many networks.
pub(super) fn password_gates(config: &AuthConfig, account: &str, ip: Option<&str>) -> Vec<Gate> {
    let network = ip.map_or_else(|| "none".to_owned(), client_network);
    let mut gates = vec![
        Gate {
            key: format!("{account}:net:{network}"),
            limit: config.account_throttle,
            name: "account",
            clear_on_success: true,
        },
        Gate {
            key: account.to_owned(),
            limit: config.account_ceiling,
            name: ACCOUNT_CEILING,
            clear_on_success: false,
        },
    ];
    if let Some(ip) = ip {
        gates.push(Gate {
            key: ip_throttle_key(ip),
            limit: config.ip_throttle,
            name: "ip",
            clear_on_success: false,
        });
    }
    gates
}

/// The name of the account-wide gate ([`AuthConfig::account_ceiling`]).
const ACCOUNT_CEILING: &str = "account_ceiling";

/// `gates` without the account-wide ceiling: for a login from the owner's device (see
/// [`AuthService::login_on_device`]). The per-network account gate and the IP gate stay.
pub(super) fn without_account_ceiling(mut gates: Vec<Gate>) -> Vec<Gate> {
    gates.retain(|gate| gate.name != ACCOUNT_CEILING);
    gates
}

/// Throttling key of a known account, account-wide (shared by login and password change;
/// a password reset clears it).
pub(super) fn user_throttle_key(user_id: UserId) -> String {
    format!("login:user:{user_id}")
}

/// Throttling key of the second factors of a login: apart from the password's, so a user
/// who typed the password right is not locked out of the second step by earlier typos.
pub(super) fn second_factor_throttle_key(user_id: UserId) -> String {
    format!("second_factor:user:{user_id}")
}

/// Throttling key of a login name no account has: throttled exactly like a real account, so
/// throttling does not reveal which accounts exist.
pub(super) fn name_throttle_key(identifier: &str) -> String {
    let name: String = identifier.trim().to_lowercase().chars().take(320).collect();
    format!("login:name:{name}")
}

/// Throttling key of a client network (see [`client_network`]).
pub(super) fn ip_throttle_key(ip: &str) -> String {
    format!("login:ip:{}", client_network(ip))
}

/// The network a client address is throttled as: an IPv4 address as is (a /32), an IPv6
/// address cut to its /64 (`2001:db8:1:2::/64`), an IPv4-mapped IPv6 address
/// (`::ffff:192.0.2.1`) as the IPv4 address it maps.
///
/// Why /64: one IPv6 subscriber is routinely given a whole /64 (often more), so keying by the
/// full address would hand an attacker 2^64 fresh keys. An `ip:port` or `[v6]:port` socket
/// address is read as its address; text that is no address at all is kept as given
/// (lower-cased), which is what the host's [`ClientInfo`] said.
pub fn client_network(ip: &str) -> String {
    use std::net::{IpAddr, SocketAddr};
    let text = ip.trim();
    let parsed = text
        .parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|addr| addr.ip()));
    match parsed.map(client_network_prefix) {
        Some((IpAddr::V4(v4), _)) => v4.to_string(),
        Some((network, prefix)) => format!("{network}/{prefix}"),
        None => text.to_lowercase(),
    }
}

/// [`client_network`] for an address already parsed, as the network's first address and its
/// prefix length: `(192.0.2.1, 32)`, `(2001:db8:1:2::, 64)`. For callers that key a map by
/// network without formatting text on every request (auth-tower's rate-limit layer).
pub fn client_network_prefix(ip: std::net::IpAddr) -> (std::net::IpAddr, u8) {
    use std::net::{IpAddr, Ipv6Addr};
    match ip.to_canonical() {
        IpAddr::V4(v4) => (IpAddr::V4(v4), 32),
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            (IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0)), 64)
        }
    }
}

/// An audit event of `kind` at `at`, filled from the builder methods of [`EventExt`].
pub(super) fn event(kind: AuditKind, at: SystemTime, success: bool) -> AuditEvent {
    AuditEvent::new(kind, at, success)
}

/// Chained setters for [`AuditEvent`] (its fields are public; this keeps call sites short).
pub(super) trait EventExt {
    fn user(self, user_id: UserId) -> Self;
    fn maybe_user(self, user_id: Option<UserId>) -> Self;
    fn session(self, session_id: SessionId) -> Self;
    fn client(self, client: &ClientInfo) -> Self;
    fn detail(self, detail: impl Into<String>) -> Self;
}

impl EventExt for AuditEvent {
    fn user(mut self, user_id: UserId) -> Self {
        self.user_id = Some(user_id);
        self
    }

    fn maybe_user(mut self, user_id: Option<UserId>) -> Self {
        self.user_id = user_id;
        self
    }

    fn session(mut self, session_id: SessionId) -> Self {
        self.session_id = Some(session_id);
        self
    }

    fn client(mut self, client: &ClientInfo) -> Self {
        self.ip = client.clean_ip();
        self.user_agent = client.clean_user_agent();
        self
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_is_keyed_as_is() {
        assert_eq!(client_network("203.0.113.7"), "203.0.113.7");
        assert_eq!(client_network(" 203.0.113.7 "), "203.0.113.7");
        assert_eq!(client_network("203.0.113.7:4431"), "203.0.113.7");
        assert_ne!(client_network("203.0.113.7"), client_network("203.0.113.8"));
    }

    /// One subscriber holds a whole /64: every address in it is one throttling key, so an
    /// attacker cannot rotate through 2^64 fresh keys.
    #[test]
    fn ipv6_address_rotation_within_a_64_shares_one_ip_key() {
        let key = client_network("2001:db8:1:2::1");
        assert_eq!(key, "2001:db8:1:2::/64");
        for same in [
            "2001:db8:1:2:ffff:ffff:ffff:ffff",
            "2001:DB8:1:2:abcd::9",
            "[2001:db8:1:2::77]:443",
        ] {
            assert_eq!(client_network(same), key, "{same}");
        }
        assert_ne!(client_network("2001:db8:1:3::1"), key);
        assert_eq!(
            ip_throttle_key("2001:db8:1:2::5"),
            ip_throttle_key("2001:db8:1:2::6")
        );
    }

    /// `::ffff:a.b.c.d` is the IPv4 client a dual-stack socket reports: the same key as the
    /// plain IPv4 address, not a /64 shared by every IPv4 client.
    #[test]
    fn ipv4_mapped_ipv6_is_keyed_as_the_ipv4() {
        assert_eq!(client_network("::ffff:192.0.2.1"), "192.0.2.1");
        assert_ne!(
            client_network("::ffff:192.0.2.1"),
            client_network("::ffff:192.0.2.2")
        );
    }

    #[test]
    fn text_that_is_no_address_is_kept() {
        assert_eq!(client_network("Unknown"), "unknown");
    }
}
