//! Checks for [`PendingLoginStore`].

use std::sync::Arc;

use super::support::{DAY, HOUR, MINUTE, PURGE_NOW, TASKS, at, concurrently, ok, unique};
use crate::store::{PendingLogin, PendingLoginStore, SecretHash, SecretValue, StoreError};

const PUT: &str = "PendingLoginStore::put_pending_login";
const TAKE: &str = "PendingLoginStore::take_pending_login";

/// Runs every [`PendingLoginStore`] check against `store`. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * a login comes back with every field intact (provider, PKCE verifier, nonce or none,
///   browser-binding hash, expiry), and only once: a second take finds nothing;
/// * a state nobody stored finds nothing;
/// * an expired login (`now >= expires_at`) is never returned, and is gone afterwards;
/// * storing a state that is already pending is a [`StoreError::Conflict`] and keeps the first;
/// * `purge_expired_pending_logins` counts what it deleted and keeps unexpired logins;
/// * 50 concurrent takes of one state: exactly one `Some`.
pub async fn pending_login_store_conformance<S>(store: Arc<S>)
where
    S: PendingLoginStore + ?Sized + 'static,
{
    round_trip(&*store).await;
    expired(&*store).await;
    taken_state(&*store).await;
    purge(&*store).await;
    concurrent_take(store).await;
}

/// A fresh state (its hash, as stored, and nothing else: the kit never needs the value).
fn new_state() -> SecretHash {
    SecretHash::of(&format!("testkit-state-{}", unique()))
}

fn new_login(nonce: Option<&str>, expires: i64) -> PendingLogin {
    PendingLogin::new(
        "testkit-provider",
        SecretValue::new(format!("verifier-{}", unique())),
        nonce.map(SecretValue::new),
        SecretHash::of("testkit-binding"),
        at(expires),
    )
}

async fn put(store: &(impl PendingLoginStore + ?Sized), state: &SecretHash, login: PendingLogin) {
    ok(store.put_pending_login(state, login, at(0)).await, PUT);
}

async fn take(
    store: &(impl PendingLoginStore + ?Sized),
    state: &SecretHash,
    now: i64,
) -> Option<PendingLogin> {
    ok(store.take_pending_login(state, at(now)).await, TAKE)
}

async fn round_trip(store: &(impl PendingLoginStore + ?Sized)) {
    for nonce in [Some("testkit-nonce"), None] {
        let state = new_state();
        let login = new_login(nonce, HOUR);
        let verifier = login.pkce_verifier.expose_secret().to_owned();
        put(store, &state, login).await;

        let got = take(store, &state, MINUTE)
            .await
            .unwrap_or_else(|| panic!("{TAKE} must return a stored, unexpired login"));
        assert_eq!(got.provider, "testkit-provider", "{TAKE}: provider changed");
        assert_eq!(
            got.pkce_verifier.expose_secret(),
            verifier,
            "{TAKE}: PKCE verifier changed"
        );
        assert_eq!(
            got.nonce.as_ref().map(SecretValue::expose_secret),
            nonce,
            "{TAKE}: nonce changed"
        );
        assert!(
            got.browser_binding
                .ct_eq(&SecretHash::of("testkit-binding")),
            "{TAKE}: browser-binding hash changed"
        );
        assert_eq!(got.expires_at, at(HOUR), "{TAKE}: expiry changed");
        assert!(
            take(store, &state, MINUTE).await.is_none(),
            "{TAKE} must consume: a second take (a replayed callback) must find nothing"
        );
    }
    assert!(
        take(store, &new_state(), MINUTE).await.is_none(),
        "{TAKE} of a state never stored must find nothing"
    );
}

async fn expired(store: &(impl PendingLoginStore + ?Sized)) {
    let state = new_state();
    put(store, &state, new_login(None, HOUR)).await;
    assert!(
        take(store, &state, HOUR).await.is_none(),
        "{TAKE} at exactly expires_at must refuse the login (now >= expires_at is expired)"
    );
    assert!(
        take(store, &state, 0).await.is_none(),
        "{TAKE} of an expired login must remove it: an earlier clock must not find it again"
    );
}

async fn taken_state(store: &(impl PendingLoginStore + ?Sized)) {
    let state = new_state();
    put(store, &state, new_login(Some("first"), HOUR)).await;
    let again = store
        .put_pending_login(&state, new_login(Some("second"), 2 * HOUR), at(0))
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "{PUT} of a state already pending must be a Conflict, got {again:?}"
    );
    let kept = take(store, &state, MINUTE).await;
    assert_eq!(
        kept.as_ref()
            .and_then(|login| login.nonce.as_ref())
            .map(SecretValue::expose_secret),
        Some("first"),
        "{PUT} of a state already pending must keep the first login"
    );
}

async fn purge(store: &(impl PendingLoginStore + ?Sized)) {
    const PURGE: &str = "PendingLoginStore::purge_expired_pending_logins";
    // The live login first: a store may drop expired logins on any put (the in-memory one
    // does), and these must still be there for the purge to count.
    let live = new_state();
    put(store, &live, new_login(None, HOUR)).await;
    let before = PURGE_NOW - 2 * DAY;
    let old = [new_state(), new_state()];
    for state in &old {
        ok(
            store
                .put_pending_login(state, new_login(None, PURGE_NOW - DAY), at(before))
                .await,
            PUT,
        );
    }

    let purged = ok(
        store.purge_expired_pending_logins(at(PURGE_NOW)).await,
        PURGE,
    );
    assert!(
        purged >= 2,
        "{PURGE} must count the logins it deleted (expected at least 2, got {purged})"
    );
    for state in &old {
        assert!(
            ok(store.take_pending_login(state, at(before)).await, TAKE).is_none(),
            "{PURGE} must delete the expired logins it counted"
        );
    }
    assert!(
        take(store, &live, MINUTE).await.is_some(),
        "{PURGE} must keep unexpired logins"
    );
}

async fn concurrent_take<S>(store: Arc<S>)
where
    S: PendingLoginStore + ?Sized + 'static,
{
    let state = new_state();
    put(&*store, &state, new_login(None, HOUR)).await;
    let outputs = concurrently(TASKS, |_| {
        let store = Arc::clone(&store);
        async move { ok(store.take_pending_login(&state, at(MINUTE)).await, TAKE).is_some() }
    })
    .await;
    let winners = outputs.into_iter().filter(|won| *won).count();
    assert_eq!(
        winners, 1,
        "{TASKS} concurrent {TAKE} calls with one state must return the login exactly once \
         (a replayed callback must never complete a second login), got {winners}"
    );
}
