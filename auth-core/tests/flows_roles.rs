//! Issue 13: "there is no documented way to grant a role". `set_roles` / `set_permissions`:
//! what they write, when tokens see it, and what they refuse.

mod flows_support;

use auth_core::flows::AuthError;
use auth_core::store::{AuditKind, UserId, UserStore as _};
use flows_support::*;

#[tokio::test]
async fn a_granted_role_is_in_the_next_access_token() {
    let h = harness();
    let (user, pair) = h.signup("kim@example.com").await;
    assert!(h.claims(&pair).roles.is_empty());

    h.auth
        .set_roles(user.id, ["editor", "admin", "editor"])
        .await
        .unwrap();
    assert_eq!(h.user(user.id).await.roles, ["admin", "editor"]);
    let refreshed = h
        .auth
        .refresh(pair.refresh_token.secret(), &client())
        .await
        .unwrap();
    assert_eq!(h.claims(&refreshed).roles, ["admin", "editor"]);

    let events = h.events_of(AuditKind::RolesChanged);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].user_id, Some(user.id));
    assert_eq!(events[0].detail.as_deref(), Some("admin editor"));
}

#[tokio::test]
async fn a_withdrawn_role_leaves_the_next_token_and_logout_all_ends_the_old_ones() {
    let h = harness();
    let (user, _) = h.signup("kim@example.com").await;
    h.auth.set_roles(user.id, ["admin"]).await.unwrap();
    let with_admin = h.login("kim@example.com", PASSWORD).await.unwrap();
    assert_eq!(h.claims(&with_admin).roles, ["admin"]);

    h.auth
        .set_roles(user.id, Vec::<String>::new())
        .await
        .unwrap();
    let refreshed = h
        .auth
        .refresh(with_admin.refresh_token.secret(), &client())
        .await
        .unwrap();
    assert!(h.claims(&refreshed).roles.is_empty());

    // The documented way to withdraw it from tokens already issued: end every session.
    h.auth.logout_all(user.id).await.unwrap();
    let again = h
        .auth
        .refresh(refreshed.refresh_token.secret(), &client())
        .await;
    assert!(
        matches!(again, Err(AuthError::InvalidRefreshToken)),
        "{again:?}"
    );
}

#[tokio::test]
async fn permissions_are_replaced_the_same_way() {
    let h = harness();
    let (user, pair) = h.signup("kim@example.com").await;
    h.auth
        .set_permissions(user.id, ["posts:write", "posts:read"])
        .await
        .unwrap();
    let refreshed = h
        .auth
        .refresh(pair.refresh_token.secret(), &client())
        .await
        .unwrap();
    assert_eq!(
        h.claims(&refreshed).permissions,
        ["posts:read", "posts:write"]
    );
    assert_eq!(h.events_of(AuditKind::PermissionsChanged).len(), 1);
}

#[tokio::test]
async fn a_bad_name_is_refused_and_nothing_is_written() {
    let h = harness();
    let (user, _) = h.signup("kim@example.com").await;
    h.auth.set_roles(user.id, ["editor"]).await.unwrap();
    for bad in ["", "ad min", "admin\n", "x".repeat(65).as_str()] {
        let refused = h.auth.set_roles(user.id, ["admin", bad]).await;
        assert!(
            matches!(refused, Err(AuthError::InvalidRoleName)),
            "{bad:?}: {refused:?}"
        );
        let refused = h.auth.set_permissions(user.id, [bad]).await;
        assert!(
            matches!(refused, Err(AuthError::InvalidRoleName)),
            "{bad:?}: {refused:?}"
        );
    }
    assert_eq!(h.user(user.id).await.roles, ["editor"]);
    assert_eq!(h.events_of(AuditKind::RolesChanged).len(), 1);
}

#[tokio::test]
async fn an_unknown_user_is_user_not_found() {
    let h = harness();
    let nobody = UserId::generate().unwrap();
    let refused = h.auth.set_roles(nobody, ["admin"]).await;
    assert!(
        matches!(refused, Err(AuthError::UserNotFound)),
        "{refused:?}"
    );
    assert_eq!(h.stores.users.user_by_id(nobody).await.unwrap(), None);
    assert!(h.events_of(AuditKind::RolesChanged).is_empty());
}
