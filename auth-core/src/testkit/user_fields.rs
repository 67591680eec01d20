//! Checks for [`UserStore::update_user_fields`]: column-scoped writes, a cut-off that only
//! moves forward, and no lost update under concurrency.

use std::sync::Arc;

use tokio::task::JoinSet;

use super::support::{HOUR, MINUTE, at, new_user_id, ok, unique, unique_email};
use super::users::full_user;
use crate::store::{StoreError, User, UserStore, UserUpdate};

/// How many rounds of concurrent writes [`no_lost_update`] runs.
const ROUNDS: usize = 25;

/// What an update must have done to the record.
type Expect = fn(&mut User);

/// Each column on its own, then all together; the precondition; the cut-off; a missing user.
pub(super) async fn column_scoped_updates(store: &(impl UserStore + ?Sized)) {
    let mut user = full_user(&format!("Fields_{}", unique()));
    ok(store.insert_user(&user).await, "UserStore::insert_user");

    let steps: [(UserUpdate, Expect); 5] = [
        (
            UserUpdate::new(at(5 * HOUR)).password_hash("$argon2id$testkit-new"),
            |user| user.password_hash = Some("$argon2id$testkit-new".to_owned()),
        ),
        (
            UserUpdate::new(at(6 * HOUR)).email_verified(false),
            |user| {
                user.email_verified = false;
            },
        ),
        (UserUpdate::new(at(7 * HOUR)).active(false), |user| {
            user.active = false;
        }),
        (
            UserUpdate::new(at(8 * HOUR))
                .roles(["viewer"])
                .permissions(Vec::<String>::new()),
            |user| {
                user.roles = vec!["viewer".to_owned()];
                user.permissions = Vec::new();
            },
        ),
        (
            UserUpdate::new(at(9 * HOUR)).cut_off_tokens(at(9 * HOUR)),
            |user| {
                user.tokens_valid_after = Some(at(9 * HOUR));
            },
        ),
    ];
    for (update, expect) in steps {
        let applied = ok(
            store.update_user_fields(user.id, &update).await,
            "UserStore::update_user_fields",
        );
        assert!(
            applied,
            "UserStore::update_user_fields without a precondition must return Ok(true)"
        );
        expect(&mut user);
        user.updated_at = update.updated_at;
        assert_eq!(
            ok(store.user_by_id(user.id).await, "UserStore::user_by_id").as_ref(),
            Some(&user),
            "UserStore::update_user_fields({update:?}) must write exactly the columns the \
             update sets (and updated_at), and leave every other column as it was"
        );
    }

    // The cut-off only moves forward: an earlier one changes nothing, a later one wins.
    let earlier = UserUpdate::new(at(10 * HOUR)).cut_off_tokens(at(HOUR));
    ok(
        store.update_user_fields(user.id, &earlier).await,
        "UserStore::update_user_fields",
    );
    assert_eq!(
        cut_off(store, &user).await,
        Some(at(9 * HOUR)),
        "UserStore::update_user_fields must never move tokens_valid_after backwards: a cut-off \
         earlier than the stored one must leave the stored one"
    );
    let later = UserUpdate::new(at(10 * HOUR)).cut_off_tokens(at(10 * HOUR));
    ok(
        store.update_user_fields(user.id, &later).await,
        "UserStore::update_user_fields",
    );
    assert_eq!(
        cut_off(store, &user).await,
        Some(at(10 * HOUR)),
        "UserStore::update_user_fields must move tokens_valid_after forward to a later cut-off"
    );
    let fresh = User::new(new_user_id(), &unique_email(), at(0));
    ok(store.insert_user(&fresh).await, "UserStore::insert_user");
    ok(
        store
            .update_user_fields(
                fresh.id,
                &UserUpdate::new(at(HOUR)).cut_off_tokens(at(HOUR)),
            )
            .await,
        "UserStore::update_user_fields",
    );
    assert_eq!(
        cut_off(store, &fresh).await,
        Some(at(HOUR)),
        "UserStore::update_user_fields must set tokens_valid_after when there was none"
    );

    precondition(store, &user).await;

    let missing = UserUpdate::new(at(HOUR)).active(false);
    let result = store.update_user_fields(new_user_id(), &missing).await;
    assert!(
        matches!(result, Err(StoreError::NotFound(_))),
        "UserStore::update_user_fields of a user that does not exist must return \
         StoreError::NotFound, got {result:?}"
    );
}

/// `if_password_hash`: a stale hash writes nothing and answers `Ok(false)`; the current one
/// writes.
async fn precondition(store: &(impl UserStore + ?Sized), user: &User) {
    let stored = ok(store.user_by_id(user.id).await, "UserStore::user_by_id");
    let current = stored
        .as_ref()
        .and_then(|user| user.password_hash.clone())
        .expect("the check's user has a password hash");
    let stale = UserUpdate::new(at(11 * HOUR))
        .password_hash("$argon2id$testkit-upgrade")
        .if_password_hash("$argon2id$testkit-stale");
    assert!(
        !ok(
            store.update_user_fields(user.id, &stale).await,
            "UserStore::update_user_fields"
        ),
        "UserStore::update_user_fields whose if_password_hash differs from the stored hash \
         must return Ok(false)"
    );
    assert_eq!(
        ok(store.user_by_id(user.id).await, "UserStore::user_by_id"),
        stored,
        "UserStore::update_user_fields must write nothing when its if_password_hash \
         precondition fails"
    );
    let fresh = UserUpdate::new(at(11 * HOUR))
        .password_hash("$argon2id$testkit-upgrade")
        .if_password_hash(current);
    assert!(
        ok(
            store.update_user_fields(user.id, &fresh).await,
            "UserStore::update_user_fields"
        ),
        "UserStore::update_user_fields whose if_password_hash equals the stored hash must \
         write and return Ok(true)"
    );
    let after = ok(store.user_by_id(user.id).await, "UserStore::user_by_id");
    assert_eq!(
        after.and_then(|user| user.password_hash).as_deref(),
        Some("$argon2id$testkit-upgrade"),
        "UserStore::update_user_fields must write when its precondition holds"
    );
}

async fn cut_off(store: &(impl UserStore + ?Sized), user: &User) -> Option<std::time::SystemTime> {
    ok(store.user_by_id(user.id).await, "UserStore::user_by_id")
        .and_then(|user| user.tokens_valid_after)
}

/// Round after round, five writers change one fresh user at once: a password change (with
/// an early cut-off), an administrator's disable (with a later cut-off), a role removal, a
/// verification, and a second, earliest cut-off. Each is a column-scoped write, so each must
/// persist, whatever the interleaving; the cut-off must end at the latest one. A store that
/// reads the record and writes it back whole loses some of them.
pub(super) async fn no_lost_update<S>(store: Arc<S>)
where
    S: UserStore + ?Sized + 'static,
{
    for round in 0..ROUNDS {
        let mut user = User::new(new_user_id(), &unique_email(), at(0));
        user.password_hash = Some("$argon2id$testkit-old".to_owned());
        user.roles = vec!["admin".to_owned(), "editor".to_owned()];
        ok(store.insert_user(&user).await, "UserStore::insert_user");

        let new_hash = format!("$argon2id$testkit-round-{round}");
        let writes = [
            UserUpdate::new(at(HOUR))
                .password_hash(new_hash.clone())
                .cut_off_tokens(at(HOUR)),
            UserUpdate::new(at(HOUR))
                .active(false)
                .cut_off_tokens(at(2 * HOUR)),
            UserUpdate::new(at(HOUR)).roles(["editor"]),
            UserUpdate::new(at(HOUR)).email_verified(true),
            UserUpdate::new(at(HOUR)).cut_off_tokens(at(MINUTE)),
        ];
        let barrier = Arc::new(tokio::sync::Barrier::new(writes.len()));
        let mut tasks = JoinSet::new();
        for update in writes {
            let store = Arc::clone(&store);
            let barrier = Arc::clone(&barrier);
            let id = user.id;
            tasks.spawn(async move {
                barrier.wait().await;
                store.update_user_fields(id, &update).await
            });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(result) => assert!(
                    ok(result, "UserStore::update_user_fields (concurrent)"),
                    "UserStore::update_user_fields without a precondition must return Ok(true)"
                ),
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                Err(error) => panic!("a concurrent task did not finish: {error}"),
            }
        }

        let stored = ok(store.user_by_id(user.id).await, "UserStore::user_by_id")
            .expect("the check's user exists");
        let persisted = [
            (
                "the password change",
                stored.password_hash == Some(new_hash),
            ),
            ("the disable", !stored.active),
            ("the role removal", stored.roles == ["editor"]),
            ("the verification", stored.email_verified),
            (
                "the latest cut-off",
                stored.tokens_valid_after == Some(at(2 * HOUR)),
            ),
        ];
        for (what, kept) in persisted {
            assert!(
                kept,
                "lost update: after concurrent UserStore::update_user_fields calls on one \
                 user (round {round}), {what} did not persist; each call must write only its \
                 own columns, in one atomic statement, and the cut-off may only move forward"
            );
        }
    }
}
