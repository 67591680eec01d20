//! Logout, logout everywhere, listing and ending sessions.

mod flows_support;

use std::time::Duration;

use auth_core::flows::{AuthError, ClientInfo};
use auth_core::password::Password;
use auth_core::store::{AuditKind, RevokeReason, SessionId};
use flows_support::*;

#[tokio::test]
async fn logout_ends_the_session() {
    let h = harness();
    let (user, pair) = h.signup("kim@example.com").await;
    h.auth.logout(pair.session_id).await.expect("logout");

    let session = h.session(pair.session_id).await;
    assert_eq!(session.revoke_reason, Some(RevokeReason::Logout));
    let err = h
        .auth
        .refresh(pair.refresh_token.secret(), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidRefreshToken), "{err:?}");
    let logouts = h.events_of(AuditKind::Logout);
    assert_eq!(logouts.len(), 1);
    assert_eq!(logouts[0].user_id, Some(user.id));
    assert_eq!(logouts[0].session_id, Some(pair.session_id));

    // Idempotent; an unknown session is reported.
    h.auth.logout(pair.session_id).await.expect("second logout");
    assert_eq!(h.events_of(AuditKind::Logout).len(), 1);
    let err = h
        .auth
        .logout(SessionId::generate().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::SessionNotFound), "{err:?}");
}

#[tokio::test]
async fn logout_all_revokes_every_session_and_sets_the_cut_off() {
    let h = harness();
    let (user, first) = h.signup("kim@example.com").await;
    let second = h.login("kim@example.com", PASSWORD).await.unwrap();
    let (other_user, other) = h.signup("lee@example.com").await;
    h.advance(Duration::from_secs(30));

    let ended = h.auth.logout_all(user.id).await.expect("logout all");
    assert_eq!(ended, 2);
    assert_eq!(h.user(user.id).await.tokens_valid_after, Some(h.now()));
    for pair in [&first, &second] {
        assert_eq!(
            h.session(pair.session_id).await.revoke_reason,
            Some(RevokeReason::LogoutAll)
        );
        let err = h
            .auth
            .refresh(pair.refresh_token.secret(), &client())
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidRefreshToken), "{err:?}");
    }
    assert!(h.auth.list_sessions(user.id).await.unwrap().is_empty());
    // Another user is untouched.
    assert!(h.session(other.session_id).await.is_active(h.now()));
    assert_eq!(h.user(other_user.id).await.tokens_valid_after, None);
    let events = h.events_of(AuditKind::LogoutAll);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail.as_deref(), Some("sessions_ended=2"));

    // Signing in again afterwards works.
    h.advance(Duration::from_secs(1));
    let again = h.login("kim@example.com", PASSWORD).await.unwrap();
    h.auth
        .refresh(again.refresh_token.secret(), &client())
        .await
        .expect("new session refreshes");
}

#[tokio::test]
async fn list_sessions_shows_the_devices() {
    let h = harness();
    let (user, first) = h.signup("kim@example.com").await;
    h.advance(Duration::from_secs(5));
    let phone = ClientInfo::default()
        .ip("198.51.100.1")
        .user_agent("KimPhone/2.0")
        .device_name("Kim's phone");
    let second = h
        .auth
        .login("kim@example.com", Password::from(PASSWORD), &phone)
        .await
        .unwrap();

    let sessions = h.auth.list_sessions(user.id).await.unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(
        sessions[0].id, second.session_id,
        "most recently used first"
    );
    assert_eq!(sessions[0].device_name.as_deref(), Some("Kim's phone"));
    assert_eq!(sessions[0].ip.as_deref(), Some("198.51.100.1"));
    assert_eq!(sessions[0].user_agent.as_deref(), Some("KimPhone/2.0"));
    assert_eq!(sessions[1].id, first.session_id);
}

#[tokio::test]
async fn ending_another_users_session_is_not_found_and_changes_nothing() {
    let h = harness();
    let (kim, kim_pair) = h.signup("kim@example.com").await;
    let (lee, lee_pair) = h.signup("lee@example.com").await;

    let err = h
        .auth
        .end_session(kim.id, lee_pair.session_id)
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::SessionNotFound), "{err:?}");
    // Indistinguishable from a session that does not exist.
    let missing = h
        .auth
        .end_session(kim.id, SessionId::generate().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), missing.to_string());
    assert_eq!(err.status_code(), missing.status_code());
    assert!(h.session(lee_pair.session_id).await.is_active(h.now()));
    assert!(h.events_of(AuditKind::SessionEnded).is_empty());

    h.auth
        .end_session(lee.id, lee_pair.session_id)
        .await
        .expect("own session");
    assert_eq!(
        h.session(lee_pair.session_id).await.revoke_reason,
        Some(RevokeReason::EndedByUser)
    );
    assert!(h.session(kim_pair.session_id).await.is_active(h.now()));
    let ended = h.events_of(AuditKind::SessionEnded);
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].user_id, Some(lee.id));

    // Ending it again: it is no longer there to end.
    let err = h
        .auth
        .end_session(lee.id, lee_pair.session_id)
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::SessionNotFound), "{err:?}");
}
