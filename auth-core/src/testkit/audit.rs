//! Checks for [`AuditStore`].

use std::sync::Arc;

use super::support::{at, new_user, ok};
use crate::store::{AuditEvent, AuditKind, AuditStore, SessionId, UserId, UserStore};

/// Runs every [`AuditStore`] check against `store`, creating the users its events concern
/// through `users`. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * events round-trip with every field intact;
/// * `events_for_user` returns only that user's events, newest (`at`) first, whatever order
///   they were recorded in, and at most `limit` of them (the newest ones);
/// * events of other users, and events without a user, are recorded without error and never
///   listed for the user.
pub async fn audit_store_conformance<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: AuditStore + ?Sized + 'static,
{
    newest_first_and_limited(&*store, users).await;
}

fn event(kind: AuditKind, user: Option<UserId>, at_offset: i64) -> AuditEvent {
    let mut event = AuditEvent::new(kind, at(at_offset), true);
    event.user_id = user;
    event
}

async fn newest_first_and_limited(store: &(impl AuditStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let other = new_user(users).await;

    let signup = event(AuditKind::Signup, Some(user), 1);
    let mut failed_login = event(AuditKind::Login, Some(user), 3);
    failed_login.success = false;
    failed_login.detail = Some("wrong_password".to_owned());
    failed_login.ip = Some("198.51.100.7".to_owned());
    failed_login.user_agent = Some("auth-core testkit".to_owned());
    let mut refresh = event(AuditKind::Refresh, Some(user), 2);
    refresh.session_id = Some(ok(SessionId::generate(), "SessionId::generate"));
    let others = event(AuditKind::Login, Some(other), 4);
    let anonymous = event(AuditKind::LoginThrottled, None, 5);

    // Recorded out of time order: the listing must sort by `at`, not by insertion.
    for recorded in [&signup, &failed_login, &refresh, &others, &anonymous] {
        ok(
            store.record_event(recorded).await,
            "AuditStore::record_event",
        );
    }

    assert_eq!(
        ok(
            store.events_for_user(user, 10).await,
            "AuditStore::events_for_user"
        ),
        vec![failed_login.clone(), refresh.clone(), signup],
        "AuditStore::events_for_user must return only the user's events, every field unchanged, \
         newest (`at`) first"
    );
    assert_eq!(
        ok(
            store.events_for_user(user, 2).await,
            "AuditStore::events_for_user"
        ),
        vec![failed_login, refresh],
        "AuditStore::events_for_user must return at most `limit` events, the newest ones"
    );
    assert_eq!(
        ok(
            store.events_for_user(user, 0).await,
            "AuditStore::events_for_user"
        ),
        Vec::new(),
        "AuditStore::events_for_user with limit 0 must return nothing"
    );
    assert_eq!(
        ok(
            store.events_for_user(other, 10).await,
            "AuditStore::events_for_user"
        ),
        vec![others],
        "AuditStore::events_for_user must list each user's own events only"
    );
}
