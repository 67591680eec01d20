//! Revocation-cache invalidation across instances: `forget_*` publishes, `apply_remote`
//! drops without republishing, a lookup that raced an invalidation caches nothing, and the
//! cache can be bypassed while invalidations may be lost.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use auth_core::revocation::{
    Invalidation, InvalidationBroadcast, RevocationChecker, RevocationConfig, RevocationError,
};
use auth_core::store::memory::{MemoryRevocationStore, MemorySessionStore, MemoryUserStore};
use auth_core::store::{RevocationStore, RevokedAccessToken, StoreError, User, UserId, UserStore};
use auth_core::token::{
    AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Algorithm, Claims, IssuerConfig,
    KeySet, SigningKey, VerifierConfig,
};
use auth_core::{Clock, ManualClock};
use tokio::sync::Notify;

/// Records what was published.
#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<Invalidation>>);

impl InvalidationBroadcast for Recorder {
    fn publish(&self, invalidation: &Invalidation) {
        self.0.lock().unwrap().push(invalidation.clone());
    }
}

/// A revocation store whose next lookup, once `hold` is set, pauses after reading the
/// answer until `release` is notified: the window in which an invalidation can overtake it.
#[derive(Default)]
struct GatedRevocations {
    inner: MemoryRevocationStore,
    hold: std::sync::atomic::AtomicBool,
    entered: Notify,
    release: Notify,
}

#[async_trait]
impl RevocationStore for GatedRevocations {
    async fn revoke_access_token(&self, revoked: &RevokedAccessToken) -> Result<(), StoreError> {
        self.inner.revoke_access_token(revoked).await
    }
    async fn is_access_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let answer = self.inner.is_access_token_revoked(jti).await;
        if self.hold.swap(false, std::sync::atomic::Ordering::SeqCst) {
            self.entered.notify_one();
            self.release.notified().await;
        }
        answer
    }
    async fn purge_expired_revocations(&self, now: SystemTime) -> Result<u64, StoreError> {
        self.inner.purge_expired_revocations(now).await
    }
}

struct Fixture {
    clock: ManualClock,
    users: MemoryUserStore,
    revocations: Arc<GatedRevocations>,
    claims: Claims,
}

impl Fixture {
    async fn new() -> Self {
        let clock = ManualClock::at_unix(1_800_000_000);
        let keys = KeySet::new(SigningKey::hmac("k", Algorithm::HS256, &[3; 32]).unwrap());
        let shared: Arc<dyn Clock> = Arc::new(clock.clone());
        let issuer =
            AccessTokenIssuer::with_clock(IssuerConfig::new("i", "a"), &keys, shared.clone());
        let verifier =
            AccessTokenVerifier::new(VerifierConfig::new("i", "a"), &keys).with_clock(shared);
        let users = MemoryUserStore::default();
        let user = User::new(UserId::generate().unwrap(), "kim@example.com", clock.now());
        users.insert_user(&user).await.unwrap();
        let token = issuer
            .issue(&AccessTokenRequest::new(user.id.to_string()))
            .unwrap()
            .token;
        let claims = verifier.verify(token.secret()).unwrap();
        Self {
            clock,
            users,
            revocations: Arc::new(GatedRevocations::default()),
            claims,
        }
    }

    fn checker(&self) -> RevocationChecker {
        RevocationChecker::with_clock(
            RevocationConfig::default().max_staleness(Duration::from_secs(30)),
            Arc::new(self.users.clone()),
            Arc::new(MemorySessionStore::default()),
            self.revocations.clone(),
            Arc::new(self.clock.clone()),
        )
    }

    async fn revoke_behind_its_back(&self) {
        let jti = self.claims.jti.clone().unwrap();
        let expires = self.clock.now() + Duration::from_secs(900);
        self.revocations
            .revoke_access_token(&RevokedAccessToken::new(jti, expires))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn every_forget_publishes_and_apply_remote_does_not_republish() {
    let f = Fixture::new().await;
    let recorder = Arc::new(Recorder::default());
    let checker = f.checker().with_broadcast(recorder.clone());
    let user = UserId::generate().unwrap();
    let session = auth_core::store::SessionId::generate().unwrap();
    checker.forget_session(session);
    checker.forget_user(user);
    checker.forget_access_token("jti-1");
    checker.forget_all();
    assert_eq!(
        *recorder.0.lock().unwrap(),
        [
            Invalidation::Session(session),
            Invalidation::User(user),
            Invalidation::AccessToken("jti-1".to_owned()),
            Invalidation::All,
        ]
    );
    checker.apply_remote(&Invalidation::All);
    assert_eq!(
        recorder.0.lock().unwrap().len(),
        4,
        "apply_remote must not republish"
    );
}

#[tokio::test]
async fn a_remote_invalidation_drops_the_cached_answer() {
    let f = Fixture::new().await;
    let checker = f.checker();
    checker.check(&f.claims).await.unwrap(); // cached as live for 30 s
    f.revoke_behind_its_back().await;
    assert!(
        checker.check(&f.claims).await.is_ok(),
        "served from the cache"
    );
    checker.apply_remote(&Invalidation::AccessToken(f.claims.jti.clone().unwrap()));
    assert!(matches!(
        checker.check(&f.claims).await,
        Err(RevocationError::TokenRevoked)
    ));
}

// The race an invalidation must win: a lookup reads "not revoked", the token is revoked and
// the invalidation applied, and only then does the lookup store its answer. Without the
// generation check that stale "live" answer would stand for the whole 30 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_that_began_before_an_invalidation_does_not_cache_a_stale_live_answer() {
    let f = Fixture::new().await;
    let checker = f.checker();
    f.revocations
        .hold
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let entered = f.revocations.entered.notified();
    let in_flight = tokio::spawn({
        let checker = checker.clone();
        let claims = f.claims.clone();
        async move { checker.check(&claims).await.is_ok() }
    });
    entered.await; // the lookup has read "not revoked" and is paused before caching it

    f.revoke_behind_its_back().await;
    checker.forget_access_token(f.claims.jti.as_deref().unwrap());
    f.revocations.release.notify_one();
    assert!(
        in_flight.await.unwrap(),
        "the in-flight check answers what it read"
    );

    assert!(
        matches!(
            checker.check(&f.claims).await,
            Err(RevocationError::TokenRevoked)
        ),
        "an answer read before the invalidation must not be cached after it"
    );
}

#[tokio::test]
async fn a_bypassed_cache_asks_the_stores_every_time() {
    let f = Fixture::new().await;
    let checker = f.checker();
    checker.set_cache_bypass(true);
    assert!(checker.is_cache_bypassed());
    checker.check(&f.claims).await.unwrap();
    f.revoke_behind_its_back().await;
    assert!(
        matches!(
            checker.check(&f.claims).await,
            Err(RevocationError::TokenRevoked)
        ),
        "while bypassed, nothing is served from (or stored in) the cache"
    );

    // Nothing looked up while bypassed is served once the cache is back on.
    let f = Fixture::new().await;
    let checker = f.checker();
    checker.set_cache_bypass(true);
    checker.check(&f.claims).await.unwrap();
    checker.set_cache_bypass(false);
    f.revoke_behind_its_back().await;
    assert!(matches!(
        checker.check(&f.claims).await,
        Err(RevocationError::TokenRevoked)
    ));
}
