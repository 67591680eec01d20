//! Issue 14, "count before you check" on Redis: an `AuthService` whose throttle store is
//! `RedisStore` (the other stores in memory) gives 40 concurrent wrong-password logins for one
//! account at most the limit of real password checks — counted as auth-core's own test counts
//! them: every `InvalidCredentials` answer and every failed `login` audit event comes after a
//! password verification, while a refused reservation answers `Throttled` without one.

mod support;

use std::sync::Arc;

use auth_core::flows::{AuthConfig, AuthError, AuthService, ClientInfo, RecordingMailer, Stores};
use auth_core::password::{Password, PasswordHasher};
use auth_core::store::AuditKind;
use auth_core::store::memory::MemoryStores;
use auth_core::token::{AccessTokenIssuer, Algorithm, IssuerConfig, KeySet, SigningKey};
use auth_core::{Clock, ManualClock};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_password_guesses_get_at_most_the_limit_of_password_checks_on_redis() {
    let Some(url) = support::redis_url(
        "concurrent_wrong_password_guesses_get_at_most_the_limit_of_password_checks_on_redis",
    ) else {
        return;
    };
    let prefix = support::fresh_prefix();
    let redis = support::store_at(&url, &prefix).await;

    let clock: Arc<dyn Clock> = Arc::new(ManualClock::at_unix(1_800_000_000));
    let keys = KeySet::new(
        SigningKey::hmac(
            "k1",
            Algorithm::HS256,
            b"an HS256 test secret of 32+ bytes!!",
        )
        .unwrap(),
    );
    let issuer = AccessTokenIssuer::with_clock(
        IssuerConfig::new("https://auth.example.com", "https://api.example.com"),
        &keys,
        clock.clone(),
    );
    let memory = MemoryStores::new();
    let mut stores = Stores::from(memory.clone());
    stores.throttle = Arc::new(redis);
    let auth = AuthService::new(
        AuthConfig::default(),
        stores,
        issuer,
        PasswordHasher::insecure_fast_for_tests(),
        clock,
        Arc::new(RecordingMailer::default()),
    );
    let client = ClientInfo::default()
        .ip("203.0.113.7")
        .user_agent("redis-test/1.0");
    auth.signup(
        "kim@example.com",
        Password::from("mauve-tulip-orbit-42"),
        &client,
    )
    .await
    .expect("signup");

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let (auth, client) = (auth.clone(), client.clone());
        tasks.spawn(async move {
            auth.login(
                "kim@example.com",
                Password::from("wrong-horse-staple-9"),
                &client,
            )
            .await
        });
    }
    let (mut checked, mut throttled) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        match joined.expect("login task ran") {
            Err(AuthError::InvalidCredentials) => checked += 1,
            Err(AuthError::Throttled { .. }) => throttled += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    let limit = AuthConfig::DEFAULT_ACCOUNT_THROTTLE.max_failures;
    let audited_checks = memory
        .audit
        .events()
        .iter()
        .filter(|event| event.kind == AuditKind::Login && !event.success)
        .count();
    support::delete_prefix(&url, &prefix).await;
    assert!(
        checked <= limit as usize && audited_checks <= limit as usize,
        "40 concurrent guesses got {checked} password checks ({audited_checks} audited); the \
         limit is {limit}"
    );
    assert!(
        checked > 0,
        "some guesses were checked (the throttle is not refusing all)"
    );
    assert_eq!(checked + throttled, 40);
}
