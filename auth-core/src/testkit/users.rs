//! Checks for [`UserStore`].

use std::sync::Arc;

use super::support::{HOUR, at, concurrently, new_user_id, ok, unique, unique_email};
use super::{exact_match, user_fields};
use crate::store::{StoreError, User, UserStore};

/// Runs every [`UserStore`] check against `store`. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * a user round-trips with every field intact and is found by id, by email and by username
///   in any letter case; unknown ids, emails and usernames are `Ok(None)`;
/// * insert refuses a taken id, a taken email (the same address typed in another case, once
///   normalized by [`User::new`]) and a username taken in any case, with
///   [`StoreError::Conflict`], and stores nothing; users without a username never conflict;
/// * update replaces the record, may change the case of the user's own username and keep its
///   own email, frees the old email and username, refuses another user's email or username
///   with `Conflict`, and a missing user with [`StoreError::NotFound`];
/// * `record_login` sets `last_login_at` and nothing else;
/// * `delete_user` removes the user (`Ok(true)`), leaves the others alone, frees its email and
///   username for a new account at once, and answers `Ok(false)` for a user that is not
///   there (deleted already, or never inserted);
/// * `update_user_fields` writes exactly the columns its [`UserUpdate`](crate::store::UserUpdate)
///   sets, moves the cut-off forward only, writes nothing when its password-hash
///   precondition fails (`Ok(false)`), and refuses a missing user with `NotFound`;
/// * no lost update: in many rounds of concurrent `update_user_fields` calls on one user — a
///   password change, a disable, a role change, two cut-offs — every write persists and the
///   cut-off ends at the later one;
/// * lookups are exact: an email differing only in case, accents or a trailing space is
///   another email (not found, and insertable beside the first), and a username differing in
///   accents is another username, while one differing in case is the same;
/// * 20 concurrent inserts of one email (and, separately, of one username in different cases)
///   yield exactly one `Ok` and `Conflict` for the rest.
///
/// Only rows with fresh random ids, emails and usernames are created, so the check can run
/// repeatedly against a database that already holds data.
pub async fn user_store_conformance<S>(store: Arc<S>)
where
    S: UserStore + ?Sized + 'static,
{
    round_trip_and_lookups(&*store).await;
    insert_uniqueness(&*store).await;
    update(&*store).await;
    record_login(&*store).await;
    delete(&*store).await;
    user_fields::column_scoped_updates(&*store).await;
    user_fields::no_lost_update(Arc::clone(&store)).await;
    exact_match::user_lookups(&*store).await;
    concurrent_inserts(store).await;
}

/// A user with every optional field set, so a lossy round trip shows.
pub(super) fn full_user(username: &str) -> User {
    let mut user = User::new(new_user_id(), &unique_email(), at(0));
    user.email_verified = true;
    user.username = Some(username.to_owned());
    user.display_name = Some("Testkit User 테스트".to_owned());
    user.avatar_url = Some("https://example.test/avatar.png".to_owned());
    user.locale = Some("ko-KR".to_owned());
    user.password_hash = Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".to_owned());
    user.roles = vec!["admin".to_owned(), "editor".to_owned()];
    user.permissions = vec!["posts:write".to_owned()];
    user.plan = Some("pro".to_owned());
    user.tenant_id = Some(format!("tenant-{}", unique()));
    user.updated_at = at(HOUR);
    user.last_login_at = Some(at(2 * HOUR));
    user.tokens_valid_after = Some(at(3 * HOUR));
    user
}

/// `Conflict` expected: fails the check with `what` otherwise.
#[track_caller]
fn assert_conflict(result: Result<(), StoreError>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "{what} must be refused with StoreError::Conflict, got {result:?}"
    );
}

async fn round_trip_and_lookups(store: &(impl UserStore + ?Sized)) {
    let user = full_user(&format!("Testkit_{}", unique()));
    ok(store.insert_user(&user).await, "UserStore::insert_user");

    let by_id = ok(store.user_by_id(user.id).await, "UserStore::user_by_id");
    assert_eq!(
        by_id.as_ref(),
        Some(&user),
        "UserStore::user_by_id must return the inserted user with every field unchanged"
    );
    let by_email = ok(
        store.user_by_email(&user.email).await,
        "UserStore::user_by_email",
    );
    assert_eq!(
        by_email.as_ref(),
        Some(&user),
        "UserStore::user_by_email must find the user by its (normalized) email"
    );
    let name = user.username.clone().unwrap_or_default();
    for variant in [name.clone(), name.to_lowercase(), name.to_uppercase()] {
        let by_name = ok(
            store.user_by_username(&variant).await,
            "UserStore::user_by_username",
        );
        assert_eq!(
            by_name.as_ref(),
            Some(&user),
            "UserStore::user_by_username must find username {name:?} when asked for \
             {variant:?}: usernames are compared case-insensitively"
        );
    }

    assert_eq!(
        ok(
            store.user_by_id(new_user_id()).await,
            "UserStore::user_by_id"
        ),
        None,
        "UserStore::user_by_id must return Ok(None) for an unknown id"
    );
    assert_eq!(
        ok(
            store.user_by_email(&unique_email()).await,
            "UserStore::user_by_email"
        ),
        None,
        "UserStore::user_by_email must return Ok(None) for an unknown email"
    );
    assert_eq!(
        ok(
            store
                .user_by_username(&format!("nobody_{}", unique()))
                .await,
            "UserStore::user_by_username"
        ),
        None,
        "UserStore::user_by_username must return Ok(None) for an unknown username"
    );
}

async fn insert_uniqueness(store: &(impl UserStore + ?Sized)) {
    let name = format!("Unique_{}", unique());
    let first = full_user(&name);
    ok(store.insert_user(&first).await, "UserStore::insert_user");

    // The same address typed in another case: `User::new` normalizes it to the same email.
    let same_email = User::new(new_user_id(), &first.email.to_uppercase(), at(0));
    assert_eq!(same_email.email, first.email, "User::new normalizes emails");
    assert_conflict(
        store.insert_user(&same_email).await,
        "UserStore::insert_user of a second user with a taken email",
    );
    assert_eq!(
        ok(
            store.user_by_id(same_email.id).await,
            "UserStore::user_by_id"
        ),
        None,
        "UserStore::insert_user must store nothing when it returns Conflict (email)"
    );

    let mut same_name = User::new(new_user_id(), &unique_email(), at(0));
    same_name.username = Some(name.to_uppercase());
    assert_conflict(
        store.insert_user(&same_name).await,
        "UserStore::insert_user of a username that differs from a taken one only in case",
    );
    assert_eq!(
        ok(
            store.user_by_email(&same_name.email).await,
            "UserStore::user_by_email"
        ),
        None,
        "UserStore::insert_user must store nothing when it returns Conflict (username)"
    );

    let mut same_id = User::new(first.id, &unique_email(), at(0));
    same_id.username = None;
    assert_conflict(
        store.insert_user(&same_id).await,
        "UserStore::insert_user of a taken id",
    );
    assert_eq!(
        ok(
            store.user_by_email(&same_id.email).await,
            "UserStore::user_by_email"
        ),
        None,
        "UserStore::insert_user must store nothing when it returns Conflict (id)"
    );

    for _ in 0..2 {
        let anonymous = User::new(new_user_id(), &unique_email(), at(0));
        assert!(anonymous.username.is_none());
        ok(
            store.insert_user(&anonymous).await,
            "UserStore::insert_user of a user without a username (users without one never \
             conflict with each other)",
        );
    }
}

async fn update(store: &(impl UserStore + ?Sized)) {
    let name = format!("Updater_{}", unique());
    let mut user = full_user(&name);
    ok(store.insert_user(&user).await, "UserStore::insert_user");

    // Same email, own username in another case, other fields changed: no conflict with itself.
    user.username = Some(name.to_lowercase());
    user.display_name = Some("Renamed".to_owned());
    user.roles.push("auditor".to_owned());
    user.updated_at = at(4 * HOUR);
    ok(
        store.update_user(&user).await,
        "UserStore::update_user keeping the user's own email and re-casing its own username \
         (an update must not conflict with the record it replaces)",
    );
    assert_eq!(
        ok(store.user_by_id(user.id).await, "UserStore::user_by_id").as_ref(),
        Some(&user),
        "UserStore::update_user must replace the stored record"
    );

    // New email and username: the old ones are freed, the new ones found.
    let old_email = user.email.clone();
    user.email = unique_email();
    user.username = Some(format!("Renamed_{}", unique()));
    ok(
        store.update_user(&user).await,
        "UserStore::update_user to a free email and username",
    );
    assert_eq!(
        ok(
            store.user_by_email(&user.email).await,
            "UserStore::user_by_email"
        )
        .map(|found| found.id),
        Some(user.id),
        "UserStore::user_by_email must find a user by the email an update gave it"
    );
    assert_eq!(
        ok(
            store.user_by_email(&old_email).await,
            "UserStore::user_by_email"
        ),
        None,
        "UserStore::user_by_email must not find a user by the email an update replaced"
    );
    assert_eq!(
        ok(
            store.user_by_username(&name).await,
            "UserStore::user_by_username"
        ),
        None,
        "UserStore::user_by_username must not find a user by the username an update replaced"
    );
    let mut reuse = User::new(new_user_id(), &old_email, at(0));
    reuse.username = Some(name.to_uppercase());
    ok(
        store.insert_user(&reuse).await,
        "UserStore::insert_user of the email and username another user gave up in an update",
    );

    // Taking another user's email or username.
    let mut other = User::new(new_user_id(), &unique_email(), at(0));
    ok(store.insert_user(&other).await, "UserStore::insert_user");
    let other_as_stored = other.clone();
    other.email = user.email.clone();
    assert_conflict(
        store.update_user(&other).await,
        "UserStore::update_user to another user's email",
    );
    other.email = other_as_stored.email.clone();
    other.username = user.username.as_deref().map(str::to_uppercase);
    assert_conflict(
        store.update_user(&other).await,
        "UserStore::update_user to another user's username in another case",
    );
    assert_eq!(
        ok(store.user_by_id(other.id).await, "UserStore::user_by_id").as_ref(),
        Some(&other_as_stored),
        "UserStore::update_user must change nothing when it returns Conflict"
    );

    let missing = User::new(new_user_id(), &unique_email(), at(0));
    let result = store.update_user(&missing).await;
    assert!(
        matches!(result, Err(StoreError::NotFound(_))),
        "UserStore::update_user of a user that does not exist must return \
         StoreError::NotFound, got {result:?}"
    );
    assert_eq!(
        ok(store.user_by_id(missing.id).await, "UserStore::user_by_id"),
        None,
        "UserStore::update_user must not insert a user that does not exist"
    );
}

async fn record_login(store: &(impl UserStore + ?Sized)) {
    let mut user = full_user(&format!("Login_{}", unique()));
    ok(store.insert_user(&user).await, "UserStore::insert_user");
    ok(
        store.record_login(user.id, at(5 * HOUR)).await,
        "UserStore::record_login",
    );
    user.last_login_at = Some(at(5 * HOUR));
    assert_eq!(
        ok(store.user_by_id(user.id).await, "UserStore::user_by_id").as_ref(),
        Some(&user),
        "UserStore::record_login must set last_login_at and change nothing else"
    );
}

async fn delete(store: &(impl UserStore + ?Sized)) {
    const DELETE: &str = "UserStore::delete_user";
    let name = format!("Gone_{}", unique());
    let doomed = full_user(&name);
    let neighbour = full_user(&format!("Stays_{}", unique()));
    ok(store.insert_user(&doomed).await, "UserStore::insert_user");
    ok(
        store.insert_user(&neighbour).await,
        "UserStore::insert_user",
    );

    assert!(
        ok(store.delete_user(doomed.id).await, DELETE),
        "{DELETE} must answer Ok(true) for a user that exists"
    );
    assert_eq!(
        ok(store.user_by_id(doomed.id).await, "UserStore::user_by_id"),
        None,
        "a deleted user must be gone by id"
    );
    assert_eq!(
        ok(
            store.user_by_email(&doomed.email).await,
            "UserStore::user_by_email"
        ),
        None,
        "a deleted user must be gone by email"
    );
    assert_eq!(
        ok(
            store.user_by_id(neighbour.id).await,
            "UserStore::user_by_id"
        )
        .as_ref(),
        Some(&neighbour),
        "{DELETE} must delete only the user it names"
    );
    let mut successor = User::new(new_user_id(), &doomed.email, at(HOUR));
    successor.username = Some(name.to_uppercase());
    ok(
        store.insert_user(&successor).await,
        "UserStore::insert_user of a new account with a deleted user's email and username \
         (they must be free again once the user is deleted)",
    );
    assert!(
        !ok(store.delete_user(doomed.id).await, DELETE),
        "{DELETE} must answer Ok(false) for a user deleted already"
    );
    assert!(
        !ok(store.delete_user(new_user_id()).await, DELETE),
        "{DELETE} must answer Ok(false) for a user that never existed"
    );
}

async fn concurrent_inserts<S>(store: Arc<S>)
where
    S: UserStore + ?Sized + 'static,
{
    const INSERTS: usize = 20;

    let email = unique_email();
    let results = concurrently(INSERTS, |_| {
        let store = Arc::clone(&store);
        let user = User::new(new_user_id(), &email, at(0));
        async move { (user.id, store.insert_user(&user).await) }
    })
    .await;
    let winner = assert_one_insert_won(&results, "email");
    assert_eq!(
        ok(
            store.user_by_email(&email).await,
            "UserStore::user_by_email"
        )
        .map(|user| user.id),
        Some(winner),
        "after concurrent inserts of one email, UserStore::user_by_email must return the one \
         insert that succeeded"
    );

    let name = format!("Racer_{}", unique());
    let results = concurrently(INSERTS, |index| {
        let store = Arc::clone(&store);
        let mut user = User::new(new_user_id(), &unique_email(), at(0));
        user.username = Some(if index % 2 == 0 {
            name.to_lowercase()
        } else {
            name.to_uppercase()
        });
        async move { (user.id, store.insert_user(&user).await) }
    })
    .await;
    let winner = assert_one_insert_won(&results, "username (in different cases)");
    assert_eq!(
        ok(
            store.user_by_username(&name).await,
            "UserStore::user_by_username"
        )
        .map(|user| user.id),
        Some(winner),
        "after concurrent inserts of one username, UserStore::user_by_username must return the \
         one insert that succeeded"
    );
}

/// Exactly one `Ok`, every other result `Conflict`; returns the winner's id.
#[track_caller]
fn assert_one_insert_won(
    results: &[(crate::store::UserId, Result<(), StoreError>)],
    what: &str,
) -> crate::store::UserId {
    let winners: Vec<_> = results
        .iter()
        .filter(|(_, result)| result.is_ok())
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "of {} concurrent UserStore::insert_user calls with one {what}, exactly one must \
         succeed (the uniqueness check and the insert must be atomic); {} did",
        results.len(),
        winners.len()
    );
    for (_, result) in results {
        assert!(
            matches!(result, Ok(()) | Err(StoreError::Conflict(_))),
            "a concurrent UserStore::insert_user that loses the race on a unique {what} must \
             return StoreError::Conflict (map the backend's unique violation), got {result:?}"
        );
    }
    winners[0]
}
