//! Checks for [`SecondFactorStore`].

use std::sync::Arc;

use super::support::{MINUTE, TASKS, at, concurrently, new_user, ok, unique};
use crate::store::{SecondFactorStore, SecretHash, TotpRecord, UserId, UserStore};

const PUT: &str = "SecondFactorStore::put_totp";
const GET: &str = "SecondFactorStore::totp";
const CONFIRM: &str = "SecondFactorStore::confirm_totp";
const USE_STEP: &str = "SecondFactorStore::use_totp_step";
const DELETE: &str = "SecondFactorStore::delete_totp";
const REPLACE: &str = "SecondFactorStore::replace_recovery_codes";
const USE_CODE: &str = "SecondFactorStore::use_recovery_code";
const LEFT: &str = "SecondFactorStore::recovery_codes_left";
const DELETE_CODES: &str = "SecondFactorStore::delete_recovery_codes";

/// Runs every [`SecondFactorStore`] check against `store`, creating the users it needs
/// through `users`. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * a TOTP record comes back with every field intact; a put replaces the user's record; a
///   user without one finds nothing, and every write on it answers `false`;
/// * `confirm_totp` confirms an unconfirmed record once (recording the step) and never a
///   confirmed one; `use_totp_step` refuses an unconfirmed record;
/// * `use_totp_step` refuses the last used step and every earlier one and accepts later
///   ones (steps only move forward);
/// * 50 concurrent `use_totp_step` calls with one step: exactly one `true`;
/// * `delete_totp` deletes once;
/// * a recovery code is used once; another user's code never matches; a replace voids
///   every earlier code; the count of unused codes is right throughout; duplicates are
///   stored once; `delete_recovery_codes` removes and counts them;
/// * 50 concurrent `use_recovery_code` calls with one code: exactly one `true`.
pub async fn second_factor_store_conformance<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: SecondFactorStore + ?Sized + 'static,
{
    totp_round_trip(&*store, users).await;
    confirm_once(&*store, users).await;
    steps_only_move_forward(&*store, users).await;
    concurrent_use_step(Arc::clone(&store), users).await;
    recovery_codes(&*store, users).await;
    concurrent_use_code(store, users).await;
}

fn record(tag: &str) -> TotpRecord {
    TotpRecord::new(
        format!("testkit-ciphertext-{tag}-{}", unique()).into_bytes(),
        at(0),
    )
}

fn code() -> SecretHash {
    SecretHash::of(&format!("testkit-recovery-{}", unique()))
}

async fn get(store: &(impl SecondFactorStore + ?Sized), user: UserId) -> Option<TotpRecord> {
    ok(store.totp(user).await, GET)
}

async fn left(store: &(impl SecondFactorStore + ?Sized), user: UserId) -> u32 {
    ok(store.recovery_codes_left(user).await, LEFT)
}

async fn use_code(
    store: &(impl SecondFactorStore + ?Sized),
    user: UserId,
    hash: &SecretHash,
) -> bool {
    ok(
        store.use_recovery_code(user, hash, at(MINUTE)).await,
        USE_CODE,
    )
}

/// A user with a confirmed record whose last used step is `step`.
async fn confirmed(
    store: &(impl SecondFactorStore + ?Sized),
    users: &dyn UserStore,
    step: u64,
) -> UserId {
    let user = new_user(users).await;
    ok(store.put_totp(user, record("confirmed")).await, PUT);
    assert!(
        ok(store.confirm_totp(user, step, at(MINUTE)).await, CONFIRM),
        "{CONFIRM} of a stored, unconfirmed record must return true"
    );
    user
}

async fn totp_round_trip(store: &(impl SecondFactorStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    assert!(
        get(store, user).await.is_none(),
        "{GET} of a user without a record must find nothing"
    );
    assert!(
        !ok(store.use_totp_step(user, 1).await, USE_STEP),
        "{USE_STEP} without a record must return false"
    );
    assert!(
        !ok(store.confirm_totp(user, 1, at(0)).await, CONFIRM),
        "{CONFIRM} without a record must return false"
    );
    assert!(
        !ok(store.delete_totp(user).await, DELETE),
        "{DELETE} without a record must return false"
    );

    let mut first = record("first");
    // Every byte value survives (the ciphertext is binary).
    first.encrypted_secret.extend(0..=255_u8);
    ok(store.put_totp(user, first.clone()).await, PUT);
    let got = get(store, user)
        .await
        .unwrap_or_else(|| panic!("{GET} must return the stored record"));
    assert_eq!(got, first, "{GET} must return the record as stored");

    // Stored for one user only.
    let other = new_user(users).await;
    assert!(
        get(store, other).await.is_none(),
        "{GET} must not return another user's record"
    );

    // A put replaces (a new enrolment starts over), including a confirmed record.
    assert!(ok(store.confirm_totp(user, 5, at(MINUTE)).await, CONFIRM));
    let second = record("second");
    ok(store.put_totp(user, second.clone()).await, PUT);
    assert_eq!(
        get(store, user).await,
        Some(second),
        "{PUT} must replace the user's earlier record entirely (unconfirmed, no step used)"
    );

    assert!(
        ok(store.delete_totp(user).await, DELETE),
        "{DELETE} must return true once"
    );
    assert!(
        !ok(store.delete_totp(user).await, DELETE),
        "{DELETE} of a deleted record must return false"
    );
    assert!(get(store, user).await.is_none(), "{DELETE} must delete");
}

async fn confirm_once(store: &(impl SecondFactorStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    ok(store.put_totp(user, record("confirm")).await, PUT);
    assert!(
        !ok(store.use_totp_step(user, 10).await, USE_STEP),
        "{USE_STEP} must refuse an unconfirmed record (an enrolment nobody finished is no \
         second factor)"
    );
    assert!(
        ok(store.confirm_totp(user, 10, at(MINUTE)).await, CONFIRM),
        "{CONFIRM} of an unconfirmed record must return true"
    );
    let got = get(store, user).await.expect("stored");
    assert_eq!(
        got.confirmed_at,
        Some(at(MINUTE)),
        "{CONFIRM} must record when"
    );
    assert_eq!(
        got.last_used_step,
        Some(10),
        "{CONFIRM} must record the confirming code's step as used"
    );
    assert!(
        !ok(store.confirm_totp(user, 11, at(2 * MINUTE)).await, CONFIRM),
        "{CONFIRM} of a confirmed record must return false"
    );
    let again = get(store, user).await.expect("stored");
    assert_eq!(
        (again.confirmed_at, again.last_used_step),
        (Some(at(MINUTE)), Some(10)),
        "{CONFIRM} of a confirmed record must change nothing"
    );
}

async fn steps_only_move_forward(store: &(impl SecondFactorStore + ?Sized), users: &dyn UserStore) {
    // Realistic step numbers (2026 at 30 s) and beyond 2^32.
    for base in [59_000_000_u64, 5_000_000_000] {
        let user = confirmed(store, users, base).await;
        assert!(
            !ok(store.use_totp_step(user, base).await, USE_STEP),
            "{USE_STEP} of the step already used (by the confirmation) must return false \
             (RFC 6238 §5.2: a code is accepted once)"
        );
        assert!(
            ok(store.use_totp_step(user, base + 1).await, USE_STEP),
            "{USE_STEP} of a later step must return true"
        );
        assert!(
            !ok(store.use_totp_step(user, base + 1).await, USE_STEP),
            "{USE_STEP} of the same step twice must return false the second time (replay)"
        );
        assert!(
            !ok(store.use_totp_step(user, base).await, USE_STEP),
            "{USE_STEP} of an earlier step must return false (steps only move forward)"
        );
        assert!(
            ok(store.use_totp_step(user, base + 3).await, USE_STEP),
            "{USE_STEP} may skip steps"
        );
        assert_eq!(
            get(store, user)
                .await
                .and_then(|record| record.last_used_step),
            Some(base + 3),
            "{USE_STEP} must store the step"
        );
    }
}

async fn concurrent_use_step<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: SecondFactorStore + ?Sized + 'static,
{
    let user = confirmed(&*store, users, 100).await;
    let outputs = concurrently(TASKS, |_| {
        let store = Arc::clone(&store);
        async move { ok(store.use_totp_step(user, 101).await, USE_STEP) }
    })
    .await;
    let winners = outputs.into_iter().filter(|won| *won).count();
    assert_eq!(
        winners, 1,
        "{TASKS} concurrent {USE_STEP} calls with one step must succeed exactly once (one code \
         sent by two requests at once must sign in once), got {winners}"
    );
}

async fn recovery_codes(store: &(impl SecondFactorStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let other = new_user(users).await;
    assert_eq!(
        left(store, user).await,
        0,
        "{LEFT} of a user without codes must be 0"
    );
    assert!(
        !use_code(store, user, &code()).await,
        "{USE_CODE} without codes must return false"
    );

    let first = [code(), code(), code()];
    ok(
        store.replace_recovery_codes(user, &first, at(0)).await,
        REPLACE,
    );
    let theirs = [code(), code()];
    ok(
        store.replace_recovery_codes(other, &theirs, at(0)).await,
        REPLACE,
    );
    assert_eq!(
        left(store, user).await,
        3,
        "{LEFT} must count the stored codes"
    );

    assert!(
        !use_code(store, user, &theirs[0]).await,
        "{USE_CODE} with another user's code must return false"
    );
    assert_eq!(
        left(store, other).await,
        2,
        "another user's codes must stay unused"
    );
    assert!(
        use_code(store, user, &first[1]).await,
        "{USE_CODE} of an unused code must return true"
    );
    assert!(
        !use_code(store, user, &first[1]).await,
        "{USE_CODE} of a used code must return false (a recovery code works once)"
    );
    assert_eq!(
        left(store, user).await,
        2,
        "{LEFT} must not count used codes"
    );

    // A replace voids every earlier code, used or not; duplicates are stored once.
    let second = code();
    ok(
        store
            .replace_recovery_codes(user, &[second, second], at(MINUTE))
            .await,
        REPLACE,
    );
    assert_eq!(
        left(store, user).await,
        1,
        "{REPLACE} must void the earlier codes and store duplicates once"
    );
    for old in &first {
        assert!(
            !use_code(store, user, old).await,
            "{REPLACE} must void the earlier codes: an old code must return false"
        );
    }
    assert!(use_code(store, user, &second).await, "a new code works");
    assert_eq!(left(store, user).await, 0);

    // Replacing with nothing leaves none.
    ok(
        store.replace_recovery_codes(other, &[], at(MINUTE)).await,
        REPLACE,
    );
    assert_eq!(
        left(store, other).await,
        0,
        "{REPLACE} with no codes must leave none"
    );
    assert!(!use_code(store, other, &theirs[0]).await);

    let third = [code(), code()];
    ok(
        store.replace_recovery_codes(user, &third, at(MINUTE)).await,
        REPLACE,
    );
    assert!(use_code(store, user, &third[0]).await);
    let deleted = ok(store.delete_recovery_codes(user).await, DELETE_CODES);
    assert_eq!(
        deleted, 2,
        "{DELETE_CODES} must delete and count every code of the user, used or not"
    );
    assert_eq!(left(store, user).await, 0);
    assert!(
        !use_code(store, user, &third[1]).await,
        "{DELETE_CODES} must delete"
    );
    assert_eq!(ok(store.delete_recovery_codes(user).await, DELETE_CODES), 0);
}

async fn concurrent_use_code<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: SecondFactorStore + ?Sized + 'static,
{
    let user = new_user(users).await;
    let hash = code();
    ok(
        store
            .replace_recovery_codes(user, &[hash, code()], at(0))
            .await,
        REPLACE,
    );
    let outputs = concurrently(TASKS, |_| {
        let store = Arc::clone(&store);
        async move {
            ok(
                store.use_recovery_code(user, &hash, at(MINUTE)).await,
                USE_CODE,
            )
        }
    })
    .await;
    let winners = outputs.into_iter().filter(|won| *won).count();
    assert_eq!(
        winners, 1,
        "{TASKS} concurrent {USE_CODE} calls with one code must succeed exactly once, \
         got {winners}"
    );
    assert_eq!(left(&*store, user).await, 1, "only that code is used");
}
