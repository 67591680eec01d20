//! Checks for [`CeremonyStore`].

use std::sync::Arc;

use super::support::{
    DAY, HOUR, MINUTE, PURGE_NOW, TASKS, at, concurrently, new_user_id, ok, unique,
};
use crate::store::{Ceremony, CeremonyPurpose, CeremonyStore, SecretHash, SecretValue, StoreError};

const PUT: &str = "CeremonyStore::put_ceremony";
const TAKE: &str = "CeremonyStore::take_ceremony";

/// Runs every [`CeremonyStore`] check against `store`. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * a ceremony comes back with every field intact (purpose, user or none, state, expiry)
///   for each purpose, and only once: a second take finds nothing;
/// * an id nobody stored finds nothing;
/// * a take naming another purpose answers `None` **and consumes the ceremony** (a
///   registration ceremony presented for a sign-in is spent);
/// * an expired ceremony (`now >= expires_at`) is never returned, and is gone afterwards;
/// * storing an id that is already pending is a [`StoreError::Conflict`] and keeps the first;
/// * `purge_expired_ceremonies` counts what it deleted and keeps unexpired ceremonies;
/// * 50 concurrent takes of one id: exactly one `Some`.
pub async fn ceremony_store_conformance<S>(store: Arc<S>)
where
    S: CeremonyStore + ?Sized + 'static,
{
    round_trip(&*store).await;
    other_purpose(&*store).await;
    expired(&*store).await;
    taken_id(&*store).await;
    purge(&*store).await;
    concurrent_take(store).await;
}

const PURPOSES: [CeremonyPurpose; 4] = [
    CeremonyPurpose::PasskeyRegistration,
    CeremonyPurpose::PasskeyAuthentication,
    CeremonyPurpose::PasskeySignup,
    CeremonyPurpose::SecondFactor,
];

/// A fresh id (its hash, as stored).
fn new_id() -> SecretHash {
    SecretHash::of(&format!("testkit-ceremony-{}", unique()))
}

fn new_ceremony(purpose: CeremonyPurpose, state: &str, expires: i64) -> Ceremony {
    Ceremony::new(purpose, None, SecretValue::new(state), at(expires))
}

async fn put(store: &(impl CeremonyStore + ?Sized), id: &SecretHash, ceremony: Ceremony) {
    ok(store.put_ceremony(id, ceremony, at(0)).await, PUT);
}

async fn take(
    store: &(impl CeremonyStore + ?Sized),
    id: &SecretHash,
    purpose: CeremonyPurpose,
    now: i64,
) -> Option<Ceremony> {
    ok(store.take_ceremony(id, purpose, at(now)).await, TAKE)
}

async fn round_trip(store: &(impl CeremonyStore + ?Sized)) {
    for (index, purpose) in PURPOSES.into_iter().enumerate() {
        let id = new_id();
        // With and without a user; a state with JSON's awkward characters and non-ASCII.
        let user = (index % 2 == 0).then(new_user_id);
        let state = format!(r#"{{"challenge":"{}","note":"é\"\\\n"}}"#, unique());
        let mut ceremony = new_ceremony(purpose, &state, HOUR);
        ceremony.user_id = user;
        put(store, &id, ceremony).await;

        let got = take(store, &id, purpose, MINUTE).await.unwrap_or_else(|| {
            panic!("{TAKE} must return a stored, unexpired {purpose:?} ceremony")
        });
        assert_eq!(got.purpose, purpose, "{TAKE}: purpose changed");
        assert_eq!(got.user_id, user, "{TAKE}: user changed");
        assert_eq!(got.state.expose_secret(), state, "{TAKE}: state changed");
        assert_eq!(got.expires_at, at(HOUR), "{TAKE}: expiry changed");
        assert!(
            take(store, &id, purpose, MINUTE).await.is_none(),
            "{TAKE} must consume: a second take (a replayed finish) must find nothing"
        );
    }
    assert!(
        take(store, &new_id(), CeremonyPurpose::SecondFactor, MINUTE)
            .await
            .is_none(),
        "{TAKE} of an id never stored must find nothing"
    );
}

async fn other_purpose(store: &(impl CeremonyStore + ?Sized)) {
    let id = new_id();
    put(
        store,
        &id,
        new_ceremony(CeremonyPurpose::PasskeyRegistration, "{}", HOUR),
    )
    .await;
    assert!(
        take(store, &id, CeremonyPurpose::PasskeyAuthentication, MINUTE)
            .await
            .is_none(),
        "{TAKE} naming another purpose must not return the ceremony (a registration ceremony \
         must never serve a sign-in)"
    );
    assert!(
        take(store, &id, CeremonyPurpose::PasskeyRegistration, MINUTE)
            .await
            .is_none(),
        "{TAKE} naming another purpose must consume the ceremony (fail closed)"
    );
}

async fn expired(store: &(impl CeremonyStore + ?Sized)) {
    let purpose = CeremonyPurpose::SecondFactor;
    let id = new_id();
    put(store, &id, new_ceremony(purpose, "{}", HOUR)).await;
    assert!(
        take(store, &id, purpose, HOUR).await.is_none(),
        "{TAKE} at exactly expires_at must refuse the ceremony (now >= expires_at is expired)"
    );
    assert!(
        take(store, &id, purpose, 0).await.is_none(),
        "{TAKE} of an expired ceremony must remove it: an earlier clock must not find it again"
    );
}

async fn taken_id(store: &(impl CeremonyStore + ?Sized)) {
    let purpose = CeremonyPurpose::PasskeyAuthentication;
    let id = new_id();
    put(store, &id, new_ceremony(purpose, "first", HOUR)).await;
    let again = store
        .put_ceremony(&id, new_ceremony(purpose, "second", 2 * HOUR), at(0))
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "{PUT} of an id already pending must be a Conflict, got {again:?}"
    );
    let kept = take(store, &id, purpose, MINUTE).await;
    assert_eq!(
        kept.as_ref().map(|ceremony| ceremony.state.expose_secret()),
        Some("first"),
        "{PUT} of an id already pending must keep the first ceremony"
    );
}

async fn purge(store: &(impl CeremonyStore + ?Sized)) {
    const PURGE: &str = "CeremonyStore::purge_expired_ceremonies";
    let purpose = CeremonyPurpose::PasskeyRegistration;
    // The live ceremony first: a store may drop expired ones on any put (the in-memory one
    // does), and these must still be there for the purge to count.
    let live = new_id();
    put(store, &live, new_ceremony(purpose, "{}", HOUR)).await;
    let before = PURGE_NOW - 2 * DAY;
    let old = [new_id(), new_id()];
    for id in &old {
        ok(
            store
                .put_ceremony(id, new_ceremony(purpose, "{}", PURGE_NOW - DAY), at(before))
                .await,
            PUT,
        );
    }

    let purged = ok(store.purge_expired_ceremonies(at(PURGE_NOW)).await, PURGE);
    assert!(
        purged >= 2,
        "{PURGE} must count the ceremonies it deleted (expected at least 2, got {purged})"
    );
    for id in &old {
        assert!(
            ok(store.take_ceremony(id, purpose, at(before)).await, TAKE).is_none(),
            "{PURGE} must delete the expired ceremonies it counted"
        );
    }
    assert!(
        take(store, &live, purpose, MINUTE).await.is_some(),
        "{PURGE} must keep unexpired ceremonies"
    );
}

async fn concurrent_take<S>(store: Arc<S>)
where
    S: CeremonyStore + ?Sized + 'static,
{
    let purpose = CeremonyPurpose::PasskeyAuthentication;
    let id = new_id();
    put(&*store, &id, new_ceremony(purpose, "{}", HOUR)).await;
    let outputs = concurrently(TASKS, |_| {
        let store = Arc::clone(&store);
        async move { ok(store.take_ceremony(&id, purpose, at(MINUTE)).await, TAKE).is_some() }
    })
    .await;
    let winners = outputs.into_iter().filter(|won| *won).count();
    assert_eq!(
        winners, 1,
        "{TASKS} concurrent {TAKE} calls with one id must return the ceremony exactly once \
         (a replayed WebAuthn response must never finish a second ceremony), got {winners}"
    );
}
