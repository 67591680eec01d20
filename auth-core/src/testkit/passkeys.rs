//! Checks for [`PasskeyStore`].

use std::sync::Arc;

use super::support::{HOUR, MINUTE, TASKS, at, concurrently, new_user, ok, unique};
use crate::store::{PasskeyRecord, PasskeyStore, StoreError, UserId, UserStore};

const ADD: &str = "PasskeyStore::add_passkey";
const BY_ID: &str = "PasskeyStore::passkey_by_credential_id";
const OF: &str = "PasskeyStore::passkeys_of";
const USE: &str = "PasskeyStore::update_passkey_use";
const RENAME: &str = "PasskeyStore::rename_passkey";
const DELETE: &str = "PasskeyStore::delete_passkey";

/// Runs every [`PasskeyStore`] check against `store`, creating the users it needs through
/// `users` first. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * a passkey comes back with every field intact (a 1023-byte credential id with every byte
///   value, the name, the JSON, the times, the backup flags) by credential id and in its
///   user's list, oldest first; another user's list does not show it;
/// * adding a credential id that exists — for the same user or another — is a
///   [`StoreError::Conflict`] and keeps the first record;
/// * `update_passkey_use` replaces the JSON, the backup state and the last use, and nothing
///   else; of an unknown credential id it answers `false`;
/// * another user can neither rename nor delete a passkey (`false`, record unchanged); the
///   owner can, and a deleted passkey is gone;
/// * 50 concurrent adds of one credential id (by 50 users): exactly one `Ok`, the others
///   `Conflict`, and the stored record is the winner's.
pub async fn passkey_store_conformance<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: PasskeyStore + ?Sized + 'static,
{
    round_trip(&*store, users).await;
    duplicate(&*store, users).await;
    record_use(&*store, users).await;
    owner_only(&*store, users).await;
    concurrent_add(store, users).await;
}

/// A fresh credential id of `len` bytes (at least 16), random at the front.
fn new_credential_id(len: usize) -> Vec<u8> {
    let mut id = unique().into_bytes();
    id.resize(len.max(16), 0);
    id
}

fn new_record(credential_id: Vec<u8>, user_id: UserId, name: &str) -> PasskeyRecord {
    PasskeyRecord::new(
        credential_id,
        user_id,
        name,
        format!(r#"{{"cred":{{"counter":0,"note":"{}"}}}}"#, unique()),
        at(0),
        true,
        false,
    )
}

async fn add(store: &(impl PasskeyStore + ?Sized), record: &PasskeyRecord) {
    ok(store.add_passkey(record).await, ADD);
}

async fn by_id(
    store: &(impl PasskeyStore + ?Sized),
    credential_id: &[u8],
) -> Option<PasskeyRecord> {
    ok(store.passkey_by_credential_id(credential_id).await, BY_ID)
}

async fn round_trip(store: &(impl PasskeyStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let other = new_user(users).await;
    // Every byte value, the WebAuthn maximum length.
    let mut long_id = new_credential_id(32);
    long_id.extend((0..=255_u8).cycle().take(1023 - 32));
    let mut first = new_record(long_id.clone(), user, "Kim's phone — 📱");
    first.created_at = at(0);
    let mut second = new_record(new_credential_id(16), user, "YubiKey");
    second.created_at = at(MINUTE);
    second.backup_eligible = false;
    add(store, &second).await;
    add(store, &first).await;

    let got = by_id(store, &long_id)
        .await
        .unwrap_or_else(|| panic!("{BY_ID} must find a stored passkey"));
    assert_eq!(
        got, first,
        "{BY_ID}: the record changed on the way (credential id, name, JSON, times or flags)"
    );
    assert_eq!(
        ok(store.passkeys_of(user).await, OF),
        vec![first.clone(), second.clone()],
        "{OF} must list the user's passkeys, oldest first, intact"
    );
    assert!(
        ok(store.passkeys_of(other).await, OF).is_empty(),
        "{OF} must not list another user's passkeys"
    );
    assert!(
        by_id(store, &new_credential_id(32)).await.is_none(),
        "{BY_ID} of a credential id never stored must find nothing"
    );
    // A prefix of a stored id is another id.
    assert!(
        by_id(store, &long_id[..1022]).await.is_none(),
        "{BY_ID} must match the credential id exactly (a prefix found a passkey)"
    );
}

async fn duplicate(store: &(impl PasskeyStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let other = new_user(users).await;
    let id = new_credential_id(32);
    let first = new_record(id.clone(), user, "first");
    add(store, &first).await;
    for owner in [user, other] {
        let again = store
            .add_passkey(&new_record(id.clone(), owner, "second"))
            .await;
        assert!(
            matches!(again, Err(StoreError::Conflict(_))),
            "{ADD} of a credential id that exists (same user or another) must be a Conflict, \
             got {again:?}"
        );
    }
    assert_eq!(
        by_id(store, &id).await,
        Some(first),
        "{ADD} of a credential id that exists must keep the first record"
    );
    assert!(
        ok(store.passkeys_of(other).await, OF).is_empty(),
        "{ADD} of another user's credential id must not give it to them"
    );
}

async fn record_use(store: &(impl PasskeyStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let id = new_credential_id(32);
    let record = new_record(id.clone(), user, "phone");
    add(store, &record).await;
    let json = r#"{"cred":{"counter":7}}"#;
    assert!(
        ok(
            store.update_passkey_use(&id, json, true, at(HOUR)).await,
            USE
        ),
        "{USE} of a stored passkey must answer true"
    );
    let mut expected = record.clone();
    expected.passkey = json.to_owned();
    expected.backup_state = true;
    expected.last_used_at = Some(at(HOUR));
    assert_eq!(
        by_id(store, &id).await,
        Some(expected),
        "{USE} must replace the JSON, the backup state and the last use, and nothing else"
    );
    assert!(
        !ok(
            store
                .update_passkey_use(&new_credential_id(32), json, true, at(HOUR))
                .await,
            USE
        ),
        "{USE} of an unknown credential id must answer false"
    );
}

async fn owner_only(store: &(impl PasskeyStore + ?Sized), users: &dyn UserStore) {
    let owner = new_user(users).await;
    let attacker = new_user(users).await;
    let id = new_credential_id(32);
    let record = new_record(id.clone(), owner, "phone");
    add(store, &record).await;

    assert!(
        !ok(store.rename_passkey(attacker, &id, "pwned").await, RENAME),
        "{RENAME} by another user must answer false"
    );
    assert!(
        !ok(store.delete_passkey(attacker, &id).await, DELETE),
        "{DELETE} by another user must answer false"
    );
    assert_eq!(
        by_id(store, &id).await,
        Some(record.clone()),
        "another user's {RENAME} or {DELETE} must leave the passkey unchanged"
    );

    assert!(
        ok(
            store.rename_passkey(owner, &id, "work laptop").await,
            RENAME
        ),
        "{RENAME} by the owner must answer true"
    );
    assert_eq!(
        by_id(store, &id).await.map(|record| record.name),
        Some("work laptop".to_owned()),
        "{RENAME} must change the name"
    );
    assert!(
        ok(store.delete_passkey(owner, &id).await, DELETE),
        "{DELETE} by the owner must answer true"
    );
    assert!(
        by_id(store, &id).await.is_none(),
        "{DELETE} must remove the passkey"
    );
    assert!(
        !ok(store.delete_passkey(owner, &id).await, DELETE),
        "{DELETE} of a passkey already deleted must answer false"
    );
}

async fn concurrent_add<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: PasskeyStore + ?Sized + 'static,
{
    let id = new_credential_id(32);
    let mut owners = Vec::with_capacity(TASKS);
    for _ in 0..TASKS {
        owners.push(new_user(users).await);
    }
    let outputs = concurrently(TASKS, |index| {
        let store = Arc::clone(&store);
        let record = new_record(id.clone(), owners[index], "race");
        async move {
            match store.add_passkey(&record).await {
                Ok(()) => Some(record.user_id),
                Err(StoreError::Conflict(_)) => None,
                Err(error) => panic!("{ADD} failed unexpectedly in a race: {error} ({error:?})"),
            }
        }
    })
    .await;
    let winners: Vec<UserId> = outputs.into_iter().flatten().collect();
    assert_eq!(
        winners.len(),
        1,
        "{TASKS} concurrent {ADD} calls with one credential id must succeed exactly once \
         (one authenticator's credential must never sign in to two accounts), got {}",
        winners.len()
    );
    assert_eq!(
        by_id(&*store, &id).await.map(|record| record.user_id),
        Some(winners[0]),
        "{ADD}: the stored passkey must be the winner's"
    );
}
