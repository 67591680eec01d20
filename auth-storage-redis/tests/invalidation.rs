//! Revocation-cache invalidation across instances over Redis publish/subscribe, with two
//! checkers ("instances") on two connections sharing the session store, each caching for
//! 30 seconds.

mod support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use auth_core::opaque::TokenHash;
use auth_core::revocation::{RevocationChecker, RevocationConfig, RevocationError};
use auth_core::store::memory::{MemorySessionStore, MemoryUserStore};
use auth_core::store::{
    RefreshTokenRecord, RevokeReason, Session, SessionId, SessionKind, SessionStore, User, UserId,
    UserStore,
};
use auth_core::token::{
    AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Algorithm, Claims, IssuerConfig,
    KeySet, SigningKey, VerifierConfig,
};
use auth_storage_redis::{RedisConfig, RedisInvalidation, RedisStore, Subscription};

const CACHE: Duration = Duration::from_secs(30);

struct Instances {
    users: MemoryUserStore,
    sessions: MemorySessionStore,
    issuer: AccessTokenIssuer,
    verifier: AccessTokenVerifier,
    user: User,
}

impl Instances {
    async fn new() -> Self {
        let keys = KeySet::new(SigningKey::hmac("k", Algorithm::HS256, &[7; 32]).unwrap());
        let users = MemoryUserStore::default();
        let user = User::new(
            UserId::generate().unwrap(),
            "kim@example.com",
            SystemTime::now(),
        );
        users.insert_user(&user).await.unwrap();
        Self {
            users,
            sessions: MemorySessionStore::default(),
            issuer: AccessTokenIssuer::new(IssuerConfig::new("i", "a"), &keys),
            verifier: AccessTokenVerifier::new(VerifierConfig::new("i", "a"), &keys),
            user,
        }
    }

    /// One instance's checker over the shared stores, its `jti` denylist in `redis`.
    fn checker(&self, redis: &RedisStore) -> RevocationChecker {
        RevocationChecker::new(
            RevocationConfig::default().max_staleness(CACHE),
            Arc::new(self.users.clone()),
            Arc::new(self.sessions.clone()),
            Arc::new(redis.clone()),
        )
    }

    /// A live session and an access token for it.
    async fn login(&self) -> (SessionId, Claims) {
        let now = SystemTime::now();
        let session = Session {
            id: SessionId::generate().unwrap(),
            kind: SessionKind::FirstParty,
            user_id: self.user.id,
            created_at: now,
            last_used_at: now,
            expires_at: now + Duration::from_secs(3600),
            idle_expires_at: now + Duration::from_secs(3600),
            auth_time: now,
            amr: Vec::new(),
            acr: None,
            ip: None,
            user_agent: None,
            device_name: None,
            revoked_at: None,
            revoke_reason: None,
        };
        let refresh = RefreshTokenRecord::new(
            TokenHash::of(&session.id.to_string()),
            session.id,
            now,
            now + Duration::from_secs(3600),
        );
        self.sessions
            .create_session(&session, &refresh)
            .await
            .unwrap();
        let request =
            AccessTokenRequest::new(self.user.id.to_string()).session(session.id.to_string());
        let token = self.issuer.issue(&request).unwrap().token;
        (session.id, self.verifier.verify(token.secret()).unwrap())
    }

    /// Logout as a store sees it, without telling any checker.
    async fn end(&self, session: SessionId) {
        assert!(
            self.sessions
                .revoke_session(session, RevokeReason::Logout, SystemTime::now())
                .await
                .unwrap()
        );
    }
}

fn ended(result: Result<(), RevocationError>) -> bool {
    matches!(result, Err(RevocationError::SessionEnded))
}

async fn subscribed(checker: &RevocationChecker, within: Duration) -> bool {
    support::eventually(within, async || !checker.is_cache_bypassed()).await
}

/// Instance A publishes; instance B subscribes on `b_url` (directly, or through a proxy).
async fn two_instances(
    url: &str,
    b_url: &str,
    prefix: &str,
) -> (
    Instances,
    RevocationChecker,
    RevocationChecker,
    Subscription,
) {
    let instances = Instances::new().await;
    let a_redis = support::store_at(url, prefix).await;
    let b_redis = support::store_at(url, prefix).await;
    // A short timeout: the subscriber's pings give up after it.
    let b_subscriber = RedisStore::connect_with(
        b_url,
        RedisConfig::default()
            .key_prefix(prefix)
            .timeout(Duration::from_millis(500)),
    )
    .await
    .unwrap();
    let a = instances
        .checker(&a_redis)
        .with_broadcast(Arc::new(RedisInvalidation::new(&a_redis)));
    let b = instances.checker(&b_redis);
    let subscription = RedisInvalidation::new(&b_subscriber).spawn_subscriber(b.clone());
    assert!(
        subscribed(&b, Duration::from_secs(5)).await,
        "B subscribes and trusts its cache"
    );
    (instances, a, b, subscription)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_instance_is_refused_on_the_other_within_a_second_despite_its_30_second_cache()
 {
    let Some(url) = support::redis_url("a_logout_on_one_instance_is_refused_on_the_other") else {
        return;
    };
    let prefix = support::fresh_prefix();
    let (instances, a, b, _subscription) = two_instances(&url, &url, &prefix).await;
    let (quiet, quiet_claims) = instances.login().await;
    let (logged_out, claims) = instances.login().await;
    for checker in [&a, &b] {
        checker.check(&quiet_claims).await.unwrap();
        checker.check(&claims).await.unwrap();
    }

    // B's cache is in use: a revocation nobody announces stands cached.
    instances.end(quiet).await;
    assert!(b.check(&quiet_claims).await.is_ok(), "B serves its cache");

    // A logout served by A: A forgets (and publishes), B hears it.
    instances.end(logged_out).await;
    a.forget_session(logged_out);
    assert!(ended(a.check(&claims).await), "refused at once on A");
    assert!(
        support::eventually(Duration::from_secs(1), async || ended(
            b.check(&claims).await
        ))
        .await,
        "the logout on A must be refused on B within 1 s, although B caches for 30 s"
    );

    // A revoked jti (RFC 7009) travels the same way.
    let (_, revoked) = instances.login().await;
    b.check(&revoked).await.unwrap();
    let jti = revoked.jti.clone().unwrap();
    auth_core::store::RevocationStore::revoke_access_token(
        &support::store_at(&url, &prefix).await,
        &auth_core::store::RevokedAccessToken::new(
            jti.clone(),
            SystemTime::now() + Duration::from_secs(600),
        ),
    )
    .await
    .unwrap();
    a.forget_access_token(&jti);
    assert!(
        support::eventually(Duration::from_secs(1), async || matches!(
            b.check(&revoked).await,
            Err(RevocationError::TokenRevoked)
        ))
        .await,
        "a jti revoked on A must be refused on B within 1 s"
    );
    support::delete_prefix(&url, &prefix).await;
}

// While B's subscription is down, A's invalidations are lost: B must not trust its cache
// then, and must forget what it cached before once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_subscription_turns_the_cache_off_and_resubscribing_forgets_what_it_held() {
    let Some(url) = support::redis_url("a_lost_subscription_turns_the_cache_off") else {
        return;
    };
    let prefix = support::fresh_prefix();
    let proxy = support::Proxy::start(&url).await;
    let (instances, a, b, _subscription) = two_instances(&url, &proxy.url, &prefix).await;
    let (during, during_claims) = instances.login().await;
    let (before, before_claims) = instances.login().await;
    b.check(&during_claims).await.unwrap();
    b.check(&before_claims).await.unwrap(); // cached as live for 30 s

    proxy.cut().await;
    assert!(
        support::eventually(Duration::from_secs(5), async || b.is_cache_bypassed()).await,
        "B notices the lost subscription"
    );
    // Logouts on A while B cannot hear them.
    for session in [during, before] {
        instances.end(session).await;
        a.forget_session(session);
    }
    assert!(
        ended(b.check(&during_claims).await),
        "without a subscription, B asks the stores"
    );

    proxy.restore().await;
    assert!(
        subscribed(&b, Duration::from_secs(15)).await,
        "B re-subscribes by itself"
    );
    assert!(
        ended(b.check(&before_claims).await),
        "after re-subscribing, B must not serve an answer cached before the lost messages"
    );
    support::delete_prefix(&url, &prefix).await;
}

// A partition closes nothing: the subscription's stream just goes quiet, and every message
// published meanwhile is lost. The subscriber's pings must notice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silently_dead_subscription_is_noticed_and_the_cache_turned_off() {
    let Some(url) = support::redis_url("a_silently_dead_subscription_is_noticed") else {
        return;
    };
    let prefix = support::fresh_prefix();
    let proxy = support::Proxy::start(&url).await;
    let (_instances, _a, b, _subscription) = two_instances(&url, &proxy.url, &prefix).await;
    proxy.stall().await;
    assert!(
        support::eventually(Duration::from_secs(10), async || b.is_cache_bypassed()).await,
        "B must notice a subscription that stopped answering"
    );
    proxy.restore().await;
    assert!(
        subscribed(&b, Duration::from_secs(15)).await,
        "B re-subscribes by itself"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_subscription_leaves_the_cache_off() {
    let Some(url) = support::redis_url("dropping_the_subscription_leaves_the_cache_off") else {
        return;
    };
    let prefix = support::fresh_prefix();
    let (_instances, _a, b, subscription) = two_instances(&url, &url, &prefix).await;
    drop(subscription);
    assert!(
        b.is_cache_bypassed(),
        "nothing delivers invalidations any more"
    );
}
