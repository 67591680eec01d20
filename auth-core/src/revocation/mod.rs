//! Does a verified access token still stand? Session revoked, user cut off or disabled, or the
//! token itself revoked by `jti` — answered through the stores, with a small in-process cache.
//!
//! Signature and expiry are the verifier's job; this is the check that makes logout, "log out
//! everywhere", password changes, disabled accounts and RFC 7009 revocation reach access
//! tokens before they expire.
//!
//! # Round trips
//! What the cache does not hold is read with one [`TokenStatusStore::token_status`] call per
//! check, asking only the missing parts. [`RevocationChecker::new`] reads them from three
//! stores ([`SeparateTokenStatus`]: up to three round trips); [`RevocationChecker::from_store`]
//! from one store that answers them together (auth-storage-seaorm: one query).
//!
//! # Staleness
//! Answers are cached per session, per user and per `jti` for at most
//! [`RevocationConfig::max_staleness`] (default 5 seconds): a revocation can take up to that
//! long to reach an instance that looked the same key up just before. `Duration::ZERO`
//! disables the cache (every check asks the stores). A store failure is never cached and
//! never means "allow". A revocation made in the same process can skip the wait:
//! [`RevocationChecker::forget_session`], [`forget_user`](RevocationChecker::forget_user) and
//! [`forget_all`](RevocationChecker::forget_all) drop the affected entries at once. An
//! [`AuthService`](crate::flows::AuthService) calls them on its own checker
//! ([`revocation_checker`](crate::flows::AuthService::revocation_checker)) after logout,
//! logout-all, ending a session, a password change or reset, an email proved by its owner and
//! a replayed refresh token; auth-tower's ready endpoints also call them on theirs.
//!
//! # Several instances
//! A checker [`with_broadcast`](RevocationChecker::with_broadcast) also
//! [publishes](InvalidationBroadcast::publish) every `forget_*` as an [`Invalidation`]; the
//! other instances [`apply_remote`](RevocationChecker::apply_remote) it, so a logout on one
//! instance reaches every instance's cache at once (auth-storage-redis carries it over Redis
//! publish/subscribe). Two rules keep that sound:
//!
//! * **No stale answer survives an invalidation.** A lookup that started before an invalidation
//!   and finishes after it does not cache its (possibly stale) answer: every invalidation bumps
//!   a generation counter, and an answer is cached only if the generation it started under is
//!   still current (checked under the cache's lock).
//! * **No cache while invalidations may be lost.** While the channel that delivers them is down,
//!   its subscriber turns the cache off with
//!   [`set_cache_bypass(true)`](RevocationChecker::set_cache_bypass) (every check asks the
//!   stores), and on re-subscribing forgets everything before turning it back on.
//!
//! # Cut-off precision
//! `iat` has whole seconds, so a user cut-off (`tokens_valid_after`) refuses tokens whose
//! `iat` is in an earlier second. A token issued in the same second as the cut-off passes this
//! check — the flows that set a cut-off also revoke the sessions, and the session check
//! refuses such a token by its `sid`.

mod broadcast;
mod cache;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::clock::{Clock, SystemClock};
use crate::error::{BearerErrorCode, ToBearerError};
use crate::store::{
    RevocationStore, SeparateTokenStatus, SessionId, SessionKind, SessionStatus, SessionStore,
    StoreError, TokenStatusQuery, TokenStatusStore, UserId, UserStatus, UserStore,
};
use crate::token::Claims;
pub use broadcast::{Invalidation, InvalidationBroadcast};
use cache::StaleCache;

/// How the revocation check caches.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct RevocationConfig {
    /// The longest a cached answer is trusted. Defaults to 5 seconds; `Duration::ZERO` means
    /// always ask the stores.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::config_serde::duration")
    )]
    pub max_staleness: Duration,
    /// Entries kept per cache (sessions, users, `jti`s) before old ones are dropped. Defaults
    /// to 10 000.
    pub cache_capacity: usize,
}

impl Default for RevocationConfig {
    fn default() -> Self {
        Self {
            max_staleness: Duration::from_secs(5),
            cache_capacity: 10_000,
        }
    }
}

impl RevocationConfig {
    /// Sets [`RevocationConfig::max_staleness`].
    pub fn max_staleness(mut self, max_staleness: Duration) -> Self {
        self.max_staleness = max_staleness;
        self
    }
}

/// Why a verified access token no longer stands.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// The token's session was revoked or has ended (or does not exist).
    #[error("the session has ended")]
    SessionEnded,
    /// The token was issued before the user's cut-off (log out everywhere, password change).
    #[error("the token predates the user's cut-off")]
    UserCutOff,
    /// The user's account is disabled.
    #[error("the account is disabled")]
    UserDisabled,
    /// `sub` names no user of this service.
    #[error("the token's subject is not a known user")]
    UnknownUser,
    /// The token itself was revoked by its `jti`.
    #[error("the token has been revoked")]
    TokenRevoked,
    /// A store could not answer. Fail closed: the request is refused. When the store could
    /// not be reached in time ([`is_unavailable`](Self::is_unavailable)) hosts answer 503
    /// with `Retry-After`, otherwise 500.
    #[error("revocation status unavailable")]
    Unavailable(#[source] StoreError),
}

impl RevocationError {
    /// Whether the check failed because a store could not be reached in time
    /// ([`StoreError::Unavailable`]) — a transient outage — rather than a store failure a
    /// retry will not cure, or a refusal of the token.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(error) if error.is_unavailable())
    }
}

impl ToBearerError for RevocationError {
    fn bearer_error(&self) -> Option<BearerErrorCode> {
        match self {
            Self::Unavailable(_) => None,
            _ => Some(BearerErrorCode::InvalidToken),
        }
    }
}

#[derive(Clone, Copy)]
enum SessionState {
    Live {
        user_id: UserId,
        expires_at: SystemTime,
        kind: SessionKind,
    },
    Ended,
}

#[derive(Clone, Copy)]
struct UserState {
    active: bool,
    tokens_valid_after: Option<SystemTime>,
}

/// Checks verified claims against the stores. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct RevocationChecker {
    inner: Arc<Inner>,
    broadcast: Option<Arc<dyn InvalidationBroadcast>>,
}

struct Inner {
    /// Where uncached answers come from: one store answering all three reads, or
    /// [`SeparateTokenStatus`].
    status: Arc<dyn TokenStatusStore>,
    clock: Arc<dyn Clock>,
    session_cache: StaleCache<SessionId, SessionState>,
    user_cache: StaleCache<UserId, UserState>,
    jti_cache: StaleCache<String, bool>,
    /// Bumped by every invalidation; an answer looked up under an older generation is not
    /// cached (see "Several instances" in the module docs).
    generation: AtomicU64,
    /// When set, the caches are neither read nor written.
    bypass: AtomicBool,
}

impl RevocationChecker {
    /// A checker over the three stores that know about revocation, reading the system clock.
    /// Each uncached token costs up to three reads, one per store; when one store holds all
    /// three (a SQL store), [`from_store`](Self::from_store) reads them in one.
    pub fn new(
        config: RevocationConfig,
        users: Arc<dyn UserStore>,
        sessions: Arc<dyn SessionStore>,
        revocations: Arc<dyn RevocationStore>,
    ) -> Self {
        Self::with_clock(config, users, sessions, revocations, Arc::new(SystemClock))
    }

    /// The same, reading time from `clock` (for staleness and session expiry).
    pub fn with_clock(
        config: RevocationConfig,
        users: Arc<dyn UserStore>,
        sessions: Arc<dyn SessionStore>,
        revocations: Arc<dyn RevocationStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let separate = SeparateTokenStatus::new(users, sessions, revocations);
        Self::from_store_with_clock(config, Arc::new(separate), clock)
    }

    /// A checker that reads a token's user, session and `jti` with **one**
    /// [`TokenStatusStore::token_status`] call per uncached token, reading the system clock.
    /// `store` must be the store the flows write users, sessions and revocations to (for
    /// auth-storage-seaorm: the same `SeaOrmStore`), so what it reads is what they wrote.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use auth_core::async_trait;
    /// use auth_core::revocation::{RevocationChecker, RevocationConfig};
    /// use auth_core::store::{StoreError, TokenStatus, TokenStatusQuery, TokenStatusStore};
    ///
    /// struct MyDatabase; // answers the three reads in one query
    /// # #[async_trait]
    /// # impl TokenStatusStore for MyDatabase {
    /// #     async fn token_status(&self, _: &TokenStatusQuery<'_>) -> Result<TokenStatus, StoreError> {
    /// #         Ok(TokenStatus::default())
    /// #     }
    /// # }
    /// let checker = RevocationChecker::from_store(RevocationConfig::default(), Arc::new(MyDatabase));
    /// ```
    pub fn from_store(config: RevocationConfig, store: Arc<dyn TokenStatusStore>) -> Self {
        Self::from_store_with_clock(config, store, Arc::new(SystemClock))
    }

    /// [`from_store`](Self::from_store), reading time from `clock`.
    pub fn from_store_with_clock(
        config: RevocationConfig,
        store: Arc<dyn TokenStatusStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let (max_age, capacity) = (config.max_staleness, config.cache_capacity);
        Self {
            inner: Arc::new(Inner {
                status: store,
                clock,
                session_cache: StaleCache::new(max_age, capacity),
                user_cache: StaleCache::new(max_age, capacity),
                jti_cache: StaleCache::new(max_age, capacity),
                generation: AtomicU64::new(0),
                bypass: AtomicBool::new(false),
            }),
            broadcast: None,
        }
    }

    /// This checker, also publishing every `forget_*` through `broadcast` so other instances
    /// drop the same entries (they call [`apply_remote`](Self::apply_remote)). Clones made
    /// after this call publish too.
    pub fn with_broadcast(mut self, broadcast: Arc<dyn InvalidationBroadcast>) -> Self {
        self.broadcast = Some(broadcast);
        self
    }

    /// Drops what `invalidation` names from this checker's cache without publishing it: for
    /// the subscriber that receives other instances' invalidations.
    pub fn apply_remote(&self, invalidation: &Invalidation) {
        let inner = &*self.inner;
        // Bump first, then drop: a lookup that checks the generation under a cache's lock
        // either sees the bump (and caches nothing) or inserted before the drop below takes
        // that lock (and is dropped).
        inner.generation.fetch_add(1, Ordering::SeqCst);
        match invalidation {
            Invalidation::Session(id) => inner.session_cache.retain(|cached, _| cached != id),
            Invalidation::User(id) => {
                inner.user_cache.retain(|cached, _| cached != id);
                inner.session_cache.retain(
                    |_, state| !matches!(state, SessionState::Live { user_id, .. } if user_id == id),
                );
            }
            Invalidation::AccessToken(jti) => inner.jti_cache.retain(|cached, _| cached != jti),
            Invalidation::All => {
                inner.session_cache.retain(|_, _| false);
                inner.user_cache.retain(|_, _| false);
                inner.jti_cache.retain(|_, _| false);
            }
        }
    }

    /// Turns the cache off (`true`: every check asks the stores, nothing is cached) or back
    /// on. For the subscriber of an [`InvalidationBroadcast`]: while its channel is down,
    /// invalidations from other instances may be lost, so cached answers cannot be trusted.
    /// Turning the cache back on keeps nothing from before it was turned off only if the
    /// caller forgets everything first ([`apply_remote`](Self::apply_remote) of
    /// [`Invalidation::All`]), as that subscriber does. Shared by every clone of this checker.
    pub fn set_cache_bypass(&self, bypass: bool) {
        self.inner.bypass.store(bypass, Ordering::SeqCst);
    }

    /// Whether the cache is off (see [`set_cache_bypass`](Self::set_cache_bypass)).
    pub fn is_cache_bypassed(&self) -> bool {
        self.inner.bypass.load(Ordering::SeqCst)
    }

    fn invalidate(&self, invalidation: Invalidation) {
        self.apply_remote(&invalidation);
        if let Some(broadcast) = &self.broadcast {
            broadcast.publish(&invalidation);
        }
    }

    /// The generation a lookup starts under, or `None` when the cache is bypassed.
    fn cache_generation(&self) -> Option<u64> {
        let inner = &*self.inner;
        (!inner.bypass.load(Ordering::SeqCst)).then(|| inner.generation.load(Ordering::SeqCst))
    }

    /// Whether an answer looked up under `generation` may still be cached.
    fn still_current(&self, generation: Option<u64>) -> impl Fn() -> bool + '_ {
        move || {
            let inner = &*self.inner;
            generation.is_some_and(|seen| {
                !inner.bypass.load(Ordering::SeqCst)
                    && inner.generation.load(Ordering::SeqCst) == seen
            })
        }
    }

    /// `Ok(())` when the token still stands: its session (if it names one) is live and of the
    /// token's kind (an OAuth grant's for a token with `client_id`, a first-party login's
    /// otherwise), its user
    /// exists, is active and was not cut off after the token was issued, and its `jti` (if any)
    /// is not revoked.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn check<E>(&self, claims: &Claims<E>) -> Result<(), RevocationError> {
        let inner = &*self.inner;
        let now = inner.clock.now();

        let user_id = UserId::parse(&claims.sub).ok_or(RevocationError::UnknownUser)?;
        // A `sid` that is no session id is refused below, after the user checks (their
        // refusals come first); it is not looked up.
        let sid = claims.sid.as_deref().map(SessionId::parse);
        let jti = claims.jti.as_deref();
        let (user, session, jti_revoked) = self.lookup(user_id, sid.flatten(), jti, now).await?;

        let user = user.ok_or(RevocationError::UnknownUser)?;
        if !user.active {
            return Err(RevocationError::UserDisabled);
        }
        // Whole seconds on both sides (see "Cut-off precision" above).
        let cut_off_second = |cut_off: SystemTime| {
            cut_off
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs())
        };
        if user
            .tokens_valid_after
            .is_some_and(|cut_off| claims.iat < cut_off_second(cut_off))
        {
            return Err(RevocationError::UserCutOff);
        }

        if sid.is_some() {
            // A token names its kind by `client_id` (an OAuth client's) or its absence (a
            // first-party login's); its `sid` must name a session of that kind. The
            // authorization server's sign-in sessions issue no access tokens at all.
            let expected = if claims.client_id.is_some() {
                SessionKind::OAuthGrant
            } else {
                SessionKind::FirstParty
            };
            match session {
                Some(SessionState::Live {
                    expires_at, kind, ..
                }) if now < expires_at && kind == expected => {}
                _ => return Err(RevocationError::SessionEnded),
            }
        }

        if jti_revoked {
            return Err(RevocationError::TokenRevoked);
        }
        Ok(())
    }

    /// The user's state (`None`: no such user), the session's (if the token names one) and
    /// whether the `jti` (if any) is revoked: from the cache where it has them, and the rest
    /// from the store in one [`TokenStatusStore::token_status`] call.
    async fn lookup(
        &self,
        user_id: UserId,
        session_id: Option<SessionId>,
        jti: Option<&str>,
        now: SystemTime,
    ) -> Result<(Option<UserState>, Option<SessionState>, bool), RevocationError> {
        let inner = &*self.inner;
        let generation = self.cache_generation();
        // Per-request hot path: a full cache hit must not allocate.
        let cache_on = generation.is_some();
        let cached_user = cache_on
            .then(|| inner.user_cache.get(&user_id, now))
            .flatten();
        let cached_session = session_id
            .filter(|_| cache_on)
            .and_then(|id| inner.session_cache.get(&id, now));
        let cached_jti = jti
            .filter(|_| cache_on)
            .and_then(|jti| inner.jti_cache.get(jti, now));

        let mut query = TokenStatusQuery::new();
        if cached_user.is_none() {
            query = query.user(user_id);
        }
        if let Some(id) = session_id
            && cached_session.is_none()
        {
            query = query.session(id);
        }
        if let Some(jti) = jti
            && cached_jti.is_none()
        {
            query = query.jti(jti);
        }
        if query.is_empty() {
            return Ok((cached_user, cached_session, cached_jti.unwrap_or(false)));
        }

        let status = inner
            .status
            .token_status(&query)
            .await
            .map_err(RevocationError::Unavailable)?;
        let still_current = self.still_current(generation);
        let user = cached_user.or_else(|| {
            let state = status.user.map(UserState::from)?;
            // An unknown user is not cached: it is refused anyway, and caching it would
            // hide an account created a moment later.
            inner.user_cache.put_if(user_id, state, now, &still_current);
            Some(state)
        });
        let session = match (cached_session, query.session) {
            (Some(state), _) => Some(state),
            (None, Some(id)) => {
                let state = session_state(status.session, user_id);
                inner.session_cache.put_if(id, state, now, &still_current);
                Some(state)
            }
            (None, None) => None,
        };
        let jti_revoked = match (cached_jti, query.jti) {
            (Some(revoked), _) => revoked,
            (None, Some(jti)) => {
                let revoked = status.access_token_revoked;
                inner
                    .jti_cache
                    .put_if(jti.to_owned(), revoked, now, &still_current);
                revoked
            }
            (None, None) => false,
        };
        Ok((user, session, jti_revoked))
    }

    /// Whether `other` is this checker or a clone of it: one cache and the same broadcast, so
    /// a `forget_*` on either is a `forget_*` on both (hosts use it to skip a second one).
    pub fn is_same_checker(&self, other: &RevocationChecker) -> bool {
        let same_broadcast = match (&self.broadcast, &other.broadcast) {
            (None, None) => true,
            (Some(mine), Some(theirs)) => Arc::ptr_eq(mine, theirs),
            _ => false,
        };
        Arc::ptr_eq(&self.inner, &other.inner) && same_broadcast
    }

    /// Forgets what this checker has cached about session `id`, so that its revocation —
    /// just made in this process — is seen by the next check instead of after
    /// [`max_staleness`](RevocationConfig::max_staleness). Other processes see it within
    /// their own bound, or at once when this checker was built
    /// [`with_broadcast`](Self::with_broadcast): every `forget_*` publishes its invalidation.
    pub fn forget_session(&self, id: SessionId) {
        self.invalidate(Invalidation::Session(id));
    }

    /// Forgets what this checker has cached about user `id` and every session of theirs
    /// (log out everywhere, a password change, a disable, a role change), as
    /// [`forget_session`](Self::forget_session) does for one session.
    pub fn forget_user(&self, id: UserId) {
        self.invalidate(Invalidation::User(id));
    }

    /// Forgets what this checker has cached about the access token `jti` (just revoked by
    /// RFC 7009 revocation), as [`forget_session`](Self::forget_session) does for a session.
    pub fn forget_access_token(&self, jti: &str) {
        self.invalidate(Invalidation::AccessToken(jti.to_owned()));
    }

    /// Forgets everything cached (after a change whose user the caller does not know, such
    /// as a password reset by link). Costs only cache misses.
    pub fn forget_all(&self) {
        self.invalidate(Invalidation::All);
    }
}

impl From<UserStatus> for UserState {
    fn from(status: UserStatus) -> Self {
        Self {
            active: status.active,
            tokens_valid_after: status.tokens_valid_after,
        }
    }
}

/// A session of another user is as good as none: `sid` and `sub` must agree.
fn session_state(status: Option<SessionStatus>, user_id: UserId) -> SessionState {
    match status {
        Some(session) if session.user_id == user_id && !session.revoked => SessionState::Live {
            user_id,
            expires_at: session.expires_at,
            kind: session.kind,
        },
        _ => SessionState::Ended,
    }
}

impl std::fmt::Debug for RevocationChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationChecker")
            .field("broadcast", &self.broadcast)
            .field("cache_bypassed", &self.is_cache_bypassed())
            .finish_non_exhaustive()
    }
}
