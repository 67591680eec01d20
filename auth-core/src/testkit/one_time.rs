//! Checks for [`OneTimeTokenStore`].

use std::sync::Arc;

use super::support::{
    DAY, HOUR, MINUTE, PURGE_NOW, TASKS, at, concurrently, new_hash, new_user, ok,
};
use crate::opaque::TokenHash;
use crate::store::{
    OneTimePurpose, OneTimeToken, OneTimeTokenStore, StoreError, UserId, UserStore,
};

const CONSUME: &str = "OneTimeTokenStore::consume_one_time_token";

/// Runs every [`OneTimeTokenStore`] check against `store`, creating the users its tokens act
/// for through `users`. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * a token is consumed once, for its own purpose only, and only before its expiry
///   (`now < expires_at`); consuming returns the token with `used_at = now`; a refused
///   consume (wrong purpose, expired) writes nothing;
/// * issuing a token voids the user's other unused tokens of the same purpose, and only
///   those (other purposes and other users keep theirs);
/// * `void_one_time_tokens` voids the user's unused tokens of one purpose and counts them;
/// * issuing a token whose hash is taken fails and voids nothing;
/// * `purge_expired_one_time_tokens` counts what it deleted and keeps unexpired tokens;
/// * 50 concurrent consumes of one token: exactly one `Some`.
pub async fn one_time_token_store_conformance<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: OneTimeTokenStore + ?Sized + 'static,
{
    consume(&*store, users).await;
    newer_voids_older(&*store, users).await;
    void(&*store, users).await;
    taken_hash(&*store, users).await;
    purge(&*store, users).await;
    concurrent_consume(store, users).await;
}

/// A fresh token of `user_id` for `purpose`, issued at `created`, expiring at `expires`.
fn new_token(user_id: UserId, purpose: OneTimePurpose, created: i64, expires: i64) -> OneTimeToken {
    OneTimeToken::new(purpose, new_hash(), user_id, at(created), at(expires))
}

async fn issue(store: &(impl OneTimeTokenStore + ?Sized), token: &OneTimeToken) {
    ok(
        store.issue_one_time_token(token).await,
        "OneTimeTokenStore::issue_one_time_token",
    );
}

async fn try_consume(
    store: &(impl OneTimeTokenStore + ?Sized),
    hash: &TokenHash,
    purpose: OneTimePurpose,
    now: i64,
) -> Option<OneTimeToken> {
    ok(
        store.consume_one_time_token(hash, purpose, at(now)).await,
        CONSUME,
    )
}

/// Asserts that `token` can still be consumed (and consumes it).
async fn assert_consumable(
    store: &(impl OneTimeTokenStore + ?Sized),
    token: &OneTimeToken,
    why: &str,
) {
    let consumed = try_consume(store, &token.hash, token.purpose, 2 * MINUTE).await;
    assert!(consumed.is_some(), "{why}");
}

async fn consume(store: &(impl OneTimeTokenStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let token = new_token(user, OneTimePurpose::PasswordReset, 0, HOUR);
    issue(store, &token).await;

    assert_eq!(
        try_consume(
            store,
            &token.hash,
            OneTimePurpose::EmailVerification,
            MINUTE
        )
        .await,
        None,
        "{CONSUME} must refuse a token presented for another purpose"
    );
    assert_eq!(
        try_consume(store, &token.hash, OneTimePurpose::PasswordReset, HOUR).await,
        None,
        "{CONSUME} must refuse a token at its expiry (only now < expires_at is accepted)"
    );
    let mut expected = token.clone();
    expected.used_at = Some(at(HOUR - 1));
    assert_eq!(
        try_consume(store, &token.hash, OneTimePurpose::PasswordReset, HOUR - 1).await,
        Some(expected),
        "{CONSUME} of an unused, unexpired token for its purpose must return it with used_at = \
         now (and a refused consume must not have used it up)"
    );
    assert_eq!(
        try_consume(store, &token.hash, OneTimePurpose::PasswordReset, HOUR - 1).await,
        None,
        "{CONSUME} must refuse a token that was already used"
    );
    assert_eq!(
        try_consume(store, &new_hash(), OneTimePurpose::PasswordReset, MINUTE).await,
        None,
        "{CONSUME} of a hash never issued must return None"
    );
}

async fn newer_voids_older(store: &(impl OneTimeTokenStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let other_user = new_user(users).await;
    let older = new_token(user, OneTimePurpose::PasswordReset, 0, HOUR);
    let other_purpose = new_token(user, OneTimePurpose::EmailVerification, 0, HOUR);
    let other_users = new_token(other_user, OneTimePurpose::PasswordReset, 0, HOUR);
    let newer = new_token(user, OneTimePurpose::PasswordReset, MINUTE, HOUR);
    for token in [&older, &other_purpose, &other_users, &newer] {
        issue(store, token).await;
    }

    assert_eq!(
        try_consume(
            store,
            &older.hash,
            OneTimePurpose::PasswordReset,
            2 * MINUTE
        )
        .await,
        None,
        "OneTimeTokenStore::issue_one_time_token must void the user's older unused tokens of \
         the same purpose (a newer reset link voids the older ones)"
    );
    assert_consumable(
        store,
        &newer,
        "OneTimeTokenStore::issue_one_time_token must store the new token",
    )
    .await;
    assert_consumable(
        store,
        &other_purpose,
        "OneTimeTokenStore::issue_one_time_token must not void the user's tokens of other \
         purposes",
    )
    .await;
    assert_consumable(
        store,
        &other_users,
        "OneTimeTokenStore::issue_one_time_token must not void other users' tokens",
    )
    .await;
}

async fn void(store: &(impl OneTimeTokenStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let code = new_token(user, OneTimePurpose::LoginCode, 0, HOUR);
    let reset = new_token(user, OneTimePurpose::PasswordReset, 0, HOUR);
    issue(store, &code).await;
    issue(store, &reset).await;

    let voided = ok(
        store
            .void_one_time_tokens(user, OneTimePurpose::LoginCode)
            .await,
        "OneTimeTokenStore::void_one_time_tokens",
    );
    assert_eq!(
        voided, 1,
        "OneTimeTokenStore::void_one_time_tokens must void and count the user's unused tokens \
         of the purpose"
    );
    assert_eq!(
        try_consume(store, &code.hash, OneTimePurpose::LoginCode, MINUTE).await,
        None,
        "OneTimeTokenStore::void_one_time_tokens must make the voided tokens unusable"
    );
    let voided = ok(
        store
            .void_one_time_tokens(user, OneTimePurpose::LoginCode)
            .await,
        "OneTimeTokenStore::void_one_time_tokens",
    );
    assert_eq!(
        voided, 0,
        "OneTimeTokenStore::void_one_time_tokens must return 0 when nothing is left to void"
    );
    assert_consumable(
        store,
        &reset,
        "OneTimeTokenStore::void_one_time_tokens must not void tokens of other purposes",
    )
    .await;
}

async fn taken_hash(store: &(impl OneTimeTokenStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let existing = new_token(
        new_user(users).await,
        OneTimePurpose::PasswordReset,
        0,
        HOUR,
    );
    let mine = new_token(user, OneTimePurpose::PasswordReset, 0, HOUR);
    issue(store, &existing).await;
    issue(store, &mine).await;

    let duplicate = OneTimeToken::new(
        OneTimePurpose::PasswordReset,
        existing.hash,
        user,
        at(MINUTE),
        at(HOUR),
    );
    let result = store.issue_one_time_token(&duplicate).await;
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "OneTimeTokenStore::issue_one_time_token of a token whose hash is taken must return \
         StoreError::Conflict, got {result:?}"
    );
    assert_consumable(
        store,
        &mine,
        "OneTimeTokenStore::issue_one_time_token must void nothing when it fails (store and \
         void are one atomic step)",
    )
    .await;
    let consumed = try_consume(store, &existing.hash, OneTimePurpose::PasswordReset, MINUTE).await;
    assert_eq!(
        consumed.map(|token| token.user_id),
        Some(existing.user_id),
        "OneTimeTokenStore::issue_one_time_token must leave the token whose hash it found taken \
         unchanged"
    );
}

async fn purge(store: &(impl OneTimeTokenStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let expired = new_token(user, OneTimePurpose::PasswordReset, -3 * DAY, -2 * DAY);
    let live = new_token(user, OneTimePurpose::EmailVerification, -3 * DAY, HOUR);
    issue(store, &expired).await;
    issue(store, &live).await;

    let purged = ok(
        store.purge_expired_one_time_tokens(at(PURGE_NOW)).await,
        "OneTimeTokenStore::purge_expired_one_time_tokens",
    );
    assert!(
        purged >= 1,
        "OneTimeTokenStore::purge_expired_one_time_tokens must count what it deleted (this \
         check expired one token; got {purged})"
    );
    assert_consumable(
        store,
        &live,
        "OneTimeTokenStore::purge_expired_one_time_tokens must keep tokens that have not expired",
    )
    .await;
}

async fn concurrent_consume<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: OneTimeTokenStore + ?Sized + 'static,
{
    let user = new_user(users).await;
    let token = new_token(user, OneTimePurpose::LoginCode, 0, HOUR);
    issue(&*store, &token).await;

    let results = concurrently(TASKS, |_| {
        let store = Arc::clone(&store);
        let hash = token.hash;
        async move {
            store
                .consume_one_time_token(&hash, OneTimePurpose::LoginCode, at(MINUTE))
                .await
        }
    })
    .await;
    let mut consumed = 0;
    for result in results {
        match result {
            Ok(Some(_)) => consumed += 1,
            Ok(None) => {}
            Err(error) => panic!("{CONSUME} failed unexpectedly under concurrency: {error:?}"),
        }
    }
    assert_eq!(
        consumed, 1,
        "of {TASKS} concurrent {CONSUME} calls with one token exactly one must get it (the \
         check and the write must be atomic); {consumed} did"
    );
}
