//! The access-token revocation check: sessions, user cut-off, disabled users, `jti` denylist,
//! the cache's staleness bound, and failing closed when a store is down.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use auth_core::opaque::TokenHash;
use auth_core::revocation::{RevocationChecker, RevocationConfig, RevocationError};
use auth_core::store::memory::{MemoryRevocationStore, MemorySessionStore, MemoryUserStore};
use auth_core::store::{
    RefreshTokenRecord, RevocationStore, RevokeReason, RevokedAccessToken, SeparateTokenStatus,
    Session, SessionId, SessionKind, SessionStore, StoreError, TokenStatus, TokenStatusQuery,
    TokenStatusStore, User, UserId, UserStore,
};
use auth_core::token::{
    AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Algorithm, Claims, IssuerConfig,
    KeySet, SigningKey, VerifierConfig,
};
use auth_core::{Clock, ManualClock};

struct Fixture {
    clock: ManualClock,
    users: MemoryUserStore,
    sessions: MemorySessionStore,
    revocations: MemoryRevocationStore,
    issuer: AccessTokenIssuer,
    verifier: AccessTokenVerifier,
    user: User,
    session: Session,
}

impl Fixture {
    async fn new() -> Self {
        let clock = ManualClock::at_unix(1_800_000_000);
        let now = clock.now();
        let keys = KeySet::new(SigningKey::hmac("k", Algorithm::HS256, &[3; 32]).unwrap());
        let shared: Arc<dyn Clock> = Arc::new(clock.clone());
        let issuer =
            AccessTokenIssuer::with_clock(IssuerConfig::new("i", "a"), &keys, shared.clone());
        let verifier =
            AccessTokenVerifier::new(VerifierConfig::new("i", "a"), &keys).with_clock(shared);

        let users = MemoryUserStore::default();
        let user = User::new(UserId::generate().unwrap(), "kim@example.com", now);
        users.insert_user(&user).await.unwrap();
        let sessions = MemorySessionStore::default();
        let session = session_for(&user, now);
        let first = RefreshTokenRecord::new(
            TokenHash::of("refresh"),
            session.id,
            now,
            now + Duration::from_secs(86_400),
        );
        sessions.create_session(&session, &first).await.unwrap();
        Self {
            clock,
            users,
            sessions,
            revocations: MemoryRevocationStore::default(),
            issuer,
            verifier,
            user,
            session,
        }
    }

    fn checker(&self, max_staleness: Duration) -> RevocationChecker {
        RevocationChecker::with_clock(
            RevocationConfig::default().max_staleness(max_staleness),
            Arc::new(self.users.clone()),
            Arc::new(self.sessions.clone()),
            Arc::new(self.revocations.clone()),
            Arc::new(self.clock.clone()),
        )
    }

    fn claims(&self, request: AccessTokenRequest) -> Claims {
        let token = self.issuer.issue(&request).unwrap().token;
        self.verifier.verify(token.secret()).unwrap()
    }

    fn user_claims(&self) -> Claims {
        self.claims(
            AccessTokenRequest::new(self.user.id.to_string()).session(self.session.id.to_string()),
        )
    }
}

fn session_for(user: &User, now: SystemTime) -> Session {
    Session {
        id: SessionId::generate().unwrap(),
        kind: SessionKind::FirstParty,
        user_id: user.id,
        created_at: now,
        last_used_at: now,
        expires_at: now + Duration::from_secs(30 * 86_400),
        idle_expires_at: now + Duration::from_secs(14 * 86_400),
        auth_time: now,
        amr: Vec::new(),
        acr: None,
        ip: None,
        user_agent: None,
        device_name: None,
        revoked_at: None,
        revoke_reason: None,
    }
}

#[tokio::test]
async fn a_live_token_stands() {
    let f = Fixture::new().await;
    assert!(
        f.checker(Duration::ZERO)
            .check(&f.user_claims())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn revoked_session_is_refused_once_the_cache_bound_has_passed() {
    let f = Fixture::new().await;
    let checker = f.checker(Duration::from_secs(5));
    let claims = f.user_claims();
    assert!(checker.check(&claims).await.is_ok());

    let now = f.clock.now();
    assert!(
        f.sessions
            .revoke_session(f.session.id, RevokeReason::Logout, now)
            .await
            .unwrap()
    );
    // Documented staleness: a cached "live" answer may stand for up to max_staleness.
    assert!(
        checker.check(&claims).await.is_ok(),
        "cached within the bound"
    );
    f.clock.advance(Duration::from_secs(5));
    assert!(matches!(
        checker.check(&claims).await,
        Err(RevocationError::SessionEnded)
    ));
}

#[tokio::test]
async fn zero_staleness_sees_revocation_at_once() {
    let f = Fixture::new().await;
    let checker = f.checker(Duration::ZERO);
    let claims = f.user_claims();
    assert!(checker.check(&claims).await.is_ok());
    f.sessions
        .revoke_session(f.session.id, RevokeReason::Logout, f.clock.now())
        .await
        .unwrap();
    assert!(matches!(
        checker.check(&claims).await,
        Err(RevocationError::SessionEnded)
    ));
}

#[tokio::test]
async fn logout_everywhere_cuts_off_earlier_tokens() {
    let f = Fixture::new().await;
    let checker = f.checker(Duration::ZERO);
    let before = f.user_claims();
    f.clock.advance(Duration::from_secs(10));
    let mut user = f.users.user_by_id(f.user.id).await.unwrap().unwrap();
    user.tokens_valid_after = Some(f.clock.now());
    f.users.update_user(&user).await.unwrap();
    assert!(matches!(
        checker.check(&before).await,
        Err(RevocationError::UserCutOff)
    ));

    f.clock.advance(Duration::from_secs(1));
    let after = f.user_claims();
    assert!(
        checker.check(&after).await.is_ok(),
        "tokens issued after the cut-off stand"
    );
}

#[tokio::test]
async fn disabled_and_unknown_users_are_refused() {
    let f = Fixture::new().await;
    let checker = f.checker(Duration::ZERO);
    let claims = f.user_claims();
    let mut user = f.user.clone();
    user.active = false;
    f.users.update_user(&user).await.unwrap();
    assert!(matches!(
        checker.check(&claims).await,
        Err(RevocationError::UserDisabled)
    ));

    let stranger = f.claims(AccessTokenRequest::new(
        UserId::generate().unwrap().to_string(),
    ));
    assert!(matches!(
        checker.check(&stranger).await,
        Err(RevocationError::UnknownUser)
    ));
    let not_an_id = f.claims(AccessTokenRequest::new("admin"));
    assert!(matches!(
        checker.check(&not_an_id).await,
        Err(RevocationError::UnknownUser)
    ));
}

#[tokio::test]
async fn a_session_of_another_user_does_not_count() {
    let f = Fixture::new().await;
    let other = User::new(
        UserId::generate().unwrap(),
        "lee@example.com",
        f.clock.now(),
    );
    f.users.insert_user(&other).await.unwrap();
    // A token for `other` that names kim's session id.
    let claims =
        f.claims(AccessTokenRequest::new(other.id.to_string()).session(f.session.id.to_string()));
    assert!(matches!(
        f.checker(Duration::ZERO).check(&claims).await,
        Err(RevocationError::SessionEnded)
    ));
    let garbage_sid = f.claims(AccessTokenRequest::new(f.user.id.to_string()).session("x"));
    assert!(matches!(
        f.checker(Duration::ZERO).check(&garbage_sid).await,
        Err(RevocationError::SessionEnded)
    ));
}

/// Session kinds: an access token with `client_id` (an OAuth client's) must name an OAuth
/// grant's session, one without (a first-party login's) a first-party session, and no access
/// token stands on the authorization server's sign-in session.
#[tokio::test]
async fn an_access_token_must_name_a_session_of_its_own_kind() {
    let f = Fixture::new().await;
    let checker = f.checker(Duration::ZERO);
    let mut sessions = Vec::new();
    for kind in [
        SessionKind::FirstParty,
        SessionKind::AuthorizationServerSignIn,
        SessionKind::OAuthGrant,
    ] {
        let mut session = session_for(&f.user, f.clock.now());
        session.kind = kind;
        let first = RefreshTokenRecord::new(
            TokenHash::of(kind.as_str()),
            session.id,
            f.clock.now(),
            session.expires_at,
        );
        f.sessions.create_session(&session, &first).await.unwrap();
        sessions.push((kind, session.id));
    }
    for (kind, sid) in sessions {
        let first_party =
            f.claims(AccessTokenRequest::new(f.user.id.to_string()).session(sid.to_string()));
        let oauth = f.claims(
            AccessTokenRequest::new(f.user.id.to_string())
                .session(sid.to_string())
                .client("demo-app"),
        );
        let (first_party, oauth) = (
            checker.check(&first_party).await,
            checker.check(&oauth).await,
        );
        match kind {
            SessionKind::FirstParty => {
                assert!(first_party.is_ok(), "{first_party:?}");
                assert!(
                    matches!(oauth, Err(RevocationError::SessionEnded)),
                    "{oauth:?}"
                );
            }
            SessionKind::OAuthGrant => {
                assert!(oauth.is_ok(), "{oauth:?}");
                assert!(
                    matches!(first_party, Err(RevocationError::SessionEnded)),
                    "{first_party:?}"
                );
            }
            _ => {
                assert!(
                    matches!(first_party, Err(RevocationError::SessionEnded)),
                    "{first_party:?}"
                );
                assert!(
                    matches!(oauth, Err(RevocationError::SessionEnded)),
                    "{oauth:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn expired_session_is_refused() {
    let f = Fixture::new().await;
    let claims = f.user_claims();
    f.clock.advance(Duration::from_secs(30 * 86_400));
    assert!(matches!(
        f.checker(Duration::ZERO).check(&claims).await,
        Err(RevocationError::SessionEnded)
    ));
}

#[tokio::test]
async fn revoked_jti_is_refused() {
    let f = Fixture::new().await;
    let checker = f.checker(Duration::ZERO);
    let claims = f.user_claims();
    let jti = claims.jti.clone().unwrap();
    f.revocations
        .revoke_access_token(&RevokedAccessToken::new(
            jti,
            f.clock.now() + Duration::from_secs(900),
        ))
        .await
        .unwrap();
    assert!(matches!(
        checker.check(&claims).await,
        Err(RevocationError::TokenRevoked)
    ));
    assert!(
        checker.check(&f.user_claims()).await.is_ok(),
        "other tokens unaffected"
    );
}

/// A revocation store whose backend is down.
struct DownStore;

#[async_trait]
impl RevocationStore for DownStore {
    async fn revoke_access_token(&self, _: &RevokedAccessToken) -> Result<(), StoreError> {
        Err(StoreError::backend(std::io::Error::other(
            "connection refused",
        )))
    }
    async fn is_access_token_revoked(&self, _: &str) -> Result<bool, StoreError> {
        Err(StoreError::backend(std::io::Error::other(
            "connection refused",
        )))
    }
    async fn purge_expired_revocations(&self, _: SystemTime) -> Result<u64, StoreError> {
        Err(StoreError::backend(std::io::Error::other(
            "connection refused",
        )))
    }
}

// Seed 004 treated a failed revocation lookup as "not revoked". Fail closed instead.
#[tokio::test]
async fn a_store_failure_refuses_and_is_not_cached() {
    let f = Fixture::new().await;
    let checker = RevocationChecker::with_clock(
        RevocationConfig::default(),
        Arc::new(f.users.clone()),
        Arc::new(f.sessions.clone()),
        Arc::new(DownStore),
        Arc::new(f.clock.clone()),
    );
    let claims = f.user_claims();
    for _ in 0..2 {
        let refused = checker.check(&claims).await.unwrap_err();
        assert!(matches!(refused, RevocationError::Unavailable(_)));
        assert_eq!(auth_core::ToBearerError::bearer_error(&refused), None);
    }
}

/// A revocation made in this process is seen at once after `forget_*`, with a cache that
/// would otherwise serve "live" for its whole staleness bound; other users' entries stay.
#[tokio::test]
async fn forgetting_makes_a_local_revocation_take_effect_at_once() {
    let f = Fixture::new().await;
    let checker = f.checker(Duration::from_secs(60));
    let claims = f.user_claims();
    checker.check(&claims).await.unwrap(); // cached as live

    f.sessions
        .revoke_session(f.session.id, RevokeReason::Logout, f.clock.now())
        .await
        .unwrap();
    assert!(
        checker.check(&claims).await.is_ok(),
        "served from the cache"
    );
    checker.forget_session(f.session.id);
    assert!(matches!(
        checker.check(&claims).await,
        Err(RevocationError::SessionEnded)
    ));

    // forget_user drops the user's cut-off state and every session of theirs.
    let f = Fixture::new().await;
    let checker = f.checker(Duration::from_secs(60));
    let claims = f.user_claims();
    checker.check(&claims).await.unwrap();
    let mut user = f.user.clone();
    user.active = false;
    f.users.update_user(&user).await.unwrap();
    assert!(
        checker.check(&claims).await.is_ok(),
        "served from the cache"
    );
    checker.forget_user(f.user.id);
    assert!(matches!(
        checker.check(&claims).await,
        Err(RevocationError::UserDisabled)
    ));
}

/// A [`TokenStatusStore`] over the fixture's stores that records what each call asked.
struct CountingStatus {
    inner: SeparateTokenStatus,
    asked: std::sync::Mutex<Vec<(bool, bool, bool)>>,
}

#[async_trait]
impl TokenStatusStore for CountingStatus {
    async fn token_status(&self, query: &TokenStatusQuery<'_>) -> Result<TokenStatus, StoreError> {
        self.asked.lock().unwrap().push((
            query.user.is_some(),
            query.session.is_some(),
            query.jti.is_some(),
        ));
        self.inner.token_status(query).await
    }
}

impl Fixture {
    fn counting_checker(
        &self,
        max_staleness: Duration,
    ) -> (RevocationChecker, Arc<CountingStatus>) {
        let status = Arc::new(CountingStatus {
            inner: SeparateTokenStatus::new(
                Arc::new(self.users.clone()),
                Arc::new(self.sessions.clone()),
                Arc::new(self.revocations.clone()),
            ),
            asked: std::sync::Mutex::default(),
        });
        let checker = RevocationChecker::from_store_with_clock(
            RevocationConfig::default().max_staleness(max_staleness),
            status.clone(),
            Arc::new(self.clock.clone()),
        );
        (checker, status)
    }
}

fn take(status: &CountingStatus) -> Vec<(bool, bool, bool)> {
    std::mem::take(&mut *status.asked.lock().unwrap())
}

/// Issue 14: a checker over one store reads an uncached token's user, session and `jti` in
/// one call (one round trip on a SQL store), not three.
#[tokio::test]
async fn issue14_an_uncached_token_costs_one_status_read() {
    let f = Fixture::new().await;
    let (checker, status) = f.counting_checker(Duration::ZERO);
    let claims = f.user_claims();
    checker.check(&claims).await.unwrap();
    checker.check(&claims).await.unwrap();
    assert_eq!(
        take(&status),
        [(true, true, true), (true, true, true)],
        "with the cache off, one call per check asking all three parts"
    );

    // A token without `sid`: the session is not asked.
    let bare = f.claims(AccessTokenRequest::new(f.user.id.to_string()));
    checker.check(&bare).await.unwrap();
    assert_eq!(take(&status), [(true, false, true)]);
}

/// With the cache on, only what is missing is asked — and nothing when all is cached.
#[tokio::test]
async fn a_cached_part_is_not_read_again() {
    let f = Fixture::new().await;
    let (checker, status) = f.counting_checker(Duration::from_secs(60));
    let claims = f.user_claims();
    checker.check(&claims).await.unwrap();
    checker.check(&claims).await.unwrap();
    assert_eq!(
        take(&status),
        [(true, true, true)],
        "the second check is all cached"
    );

    // Another token of the same session: only its `jti` is new.
    let next = f.user_claims();
    checker.check(&next).await.unwrap();
    assert_eq!(take(&status), [(false, false, true)]);

    // Forgetting the session drops only the session's entry.
    checker.forget_session(f.session.id);
    checker.check(&next).await.unwrap();
    assert_eq!(take(&status), [(false, true, false)]);
}

/// Every refusal reads the same through one status read as through three.
#[tokio::test]
async fn refusals_through_one_status_read() {
    let f = Fixture::new().await;
    let (checker, _) = f.counting_checker(Duration::ZERO);
    let claims = f.user_claims();
    f.revocations
        .revoke_access_token(&RevokedAccessToken::new(
            claims.jti.clone().unwrap(),
            f.clock.now() + Duration::from_secs(600),
        ))
        .await
        .unwrap();
    assert!(matches!(
        checker.check(&claims).await,
        Err(RevocationError::TokenRevoked)
    ));
    f.sessions
        .revoke_session(f.session.id, RevokeReason::Logout, f.clock.now())
        .await
        .unwrap();
    assert!(matches!(
        checker.check(&claims).await,
        Err(RevocationError::SessionEnded)
    ));
    let garbage_sid = f.claims(AccessTokenRequest::new(f.user.id.to_string()).session("x"));
    assert!(matches!(
        checker.check(&garbage_sid).await,
        Err(RevocationError::SessionEnded)
    ));
    let stranger = f.claims(AccessTokenRequest::new(
        UserId::generate().unwrap().to_string(),
    ));
    assert!(matches!(
        checker.check(&stranger).await,
        Err(RevocationError::UnknownUser)
    ));
    let mut disabled = f.user.clone();
    disabled.active = false;
    f.users.update_user(&disabled).await.unwrap();
    assert!(
        matches!(
            checker.check(&claims).await,
            Err(RevocationError::UserDisabled)
        ),
        "the user's refusal comes before the session's and the jti's"
    );
}
