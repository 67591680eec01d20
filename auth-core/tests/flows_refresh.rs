//! Refresh-token rotation, reuse detection with its grace window, expiry, concurrency.

mod flows_support;

use std::time::Duration;

use auth_core::flows::AuthError;
use auth_core::store::{AuditKind, RevokeReason};
use flows_support::*;

#[tokio::test]
async fn each_refresh_rotates_the_token() {
    let h = harness();
    let (user, first) = h.signup("kim@example.com").await;
    h.advance(Duration::from_secs(60));

    let second = h
        .auth
        .refresh(first.refresh_token.secret(), &client())
        .await
        .expect("refresh");
    assert_ne!(second.refresh_token.secret(), first.refresh_token.secret());
    assert_eq!(second.session_id, first.session_id);
    let claims = h.claims(&second);
    assert_eq!(claims.sub, user.id.to_string());
    assert_eq!(claims.sid, Some(first.session_id.to_string()));
    assert_eq!(claims.iat, NOW + 60);
    assert_eq!(second.refresh_expires_at, first.refresh_expires_at);

    let session = h.session(first.session_id).await;
    assert_eq!(session.last_used_at, h.now());
    assert_eq!(
        session.idle_expires_at,
        h.now() + h.auth.config().session_idle_timeout
    );

    h.advance(Duration::from_secs(60));
    let third = h
        .auth
        .refresh(second.refresh_token.secret(), &client())
        .await
        .expect("the new token refreshes in turn");
    assert_eq!(third.session_id, first.session_id);
    let refreshes = h.events_of(AuditKind::Refresh);
    assert_eq!(refreshes.len(), 2);
    assert!(refreshes.iter().all(|event| event.success
        && event.session_id == Some(first.session_id)
        && event.ip.as_deref() == Some(IP)));
}

/// RFC 9700 §4.14.2: a rotated refresh token presented again (beyond the grace window)
/// revokes the whole family; the thief's and the victim's tokens both stop working.
#[tokio::test]
async fn reuse_of_a_rotated_token_revokes_the_session() {
    let h = harness();
    let (user, rt1) = h.signup("kim@example.com").await;
    let rt2 = h
        .auth
        .refresh(rt1.refresh_token.secret(), &client())
        .await
        .expect("RT1 -> RT2");

    h.advance(Duration::from_secs(6)); // beyond the 5 s grace
    let attacker = client_from("198.51.100.66");
    let err = h
        .auth
        .refresh(rt1.refresh_token.secret(), &attacker)
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::RefreshTokenReused), "{err:?}");
    assert_eq!(err.status_code(), 401);

    let err = h
        .auth
        .refresh(rt2.refresh_token.secret(), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidRefreshToken), "{err:?}");

    let session = h.session(rt1.session_id).await;
    assert_eq!(session.revoke_reason, Some(RevokeReason::RefreshTokenReuse));
    assert!(!session.is_active(h.now()));
    assert!(h.auth.list_sessions(user.id).await.unwrap().is_empty());

    let reuse = h.events_of(AuditKind::RefreshTokenReuse);
    assert_eq!(reuse.len(), 1);
    assert_eq!(reuse[0].user_id, Some(user.id));
    assert_eq!(reuse[0].session_id, Some(rt1.session_id));
    assert_eq!(reuse[0].ip.as_deref(), Some("198.51.100.66"));
    assert!(!reuse[0].success);

    // Presenting RT1 again after that is plainly invalid (the session is already gone).
    let err = h
        .auth
        .refresh(rt1.refresh_token.secret(), &attacker)
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidRefreshToken), "{err:?}");
}

#[tokio::test]
async fn reuse_within_the_grace_window_is_refused_without_punishment() {
    let h = harness();
    let (_, rt1) = h.signup("kim@example.com").await;
    let rt2 = h
        .auth
        .refresh(rt1.refresh_token.secret(), &client())
        .await
        .expect("RT1 -> RT2");
    h.advance(Duration::from_secs(4));

    let err = h
        .auth
        .refresh(rt1.refresh_token.secret(), &client())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AuthError::RefreshTokenRecentlyRotated),
        "{err:?}"
    );
    assert_eq!(err.status_code(), 409);
    // Nothing was issued or revoked: the newer token still works.
    assert!(h.session(rt1.session_id).await.is_active(h.now()));
    assert!(h.events_of(AuditKind::RefreshTokenReuse).is_empty());
    h.auth
        .refresh(rt2.refresh_token.secret(), &client())
        .await
        .expect("RT2 still works");
}

#[tokio::test]
async fn a_zero_grace_window_treats_any_reuse_as_theft() {
    let mut config = auth_core::flows::AuthConfig::default();
    config.refresh_reuse_grace = Duration::ZERO;
    let h = harness_with(config);
    let (_, rt1) = h.signup("kim@example.com").await;
    h.auth
        .refresh(rt1.refresh_token.secret(), &client())
        .await
        .unwrap();
    let err = h
        .auth
        .refresh(rt1.refresh_token.secret(), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::RefreshTokenReused), "{err:?}");
}

#[tokio::test]
async fn an_idle_session_expires() {
    let h = harness();
    let (_, pair) = h.signup("kim@example.com").await;
    h.advance(h.auth.config().session_idle_timeout + Duration::from_secs(1));
    let err = h
        .auth
        .refresh(pair.refresh_token.secret(), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidRefreshToken), "{err:?}");
}

#[tokio::test]
async fn an_active_session_still_ends_at_its_absolute_expiry() {
    let h = harness();
    let (_, mut pair) = h.signup("kim@example.com").await;
    // Refreshing every 10 days keeps it from idling out …
    for _ in 0..2 {
        h.advance(Duration::from_secs(10 * 24 * 3600));
        pair = h
            .auth
            .refresh(pair.refresh_token.secret(), &client())
            .await
            .expect("refresh within the lifetime");
    }
    // … but not past 30 days from login.
    h.advance(Duration::from_secs(10 * 24 * 3600));
    let err = h
        .auth
        .refresh(pair.refresh_token.secret(), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidRefreshToken), "{err:?}");
}

#[tokio::test]
async fn malformed_and_unknown_tokens_are_invalid() {
    let h = harness();
    h.signup("kim@example.com").await;
    let unknown = auth_core::opaque::OpaqueToken::generate().unwrap();
    let oversized = "A".repeat(1 << 20);
    for presented in [
        "",
        "garbage",
        &oversized,
        "=".repeat(43).as_str(),
        unknown.secret(),
    ] {
        let err = h.auth.refresh(presented, &client()).await.unwrap_err();
        assert!(matches!(err, AuthError::InvalidRefreshToken), "{err:?}");
    }
}

/// Rotation is one atomic conditional write: of 20 concurrent refreshes with one token,
/// exactly one succeeds; the others are told a newer token exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_with_one_token_succeed_once() {
    let h = harness();
    let (_, pair) = h.signup("kim@example.com").await;
    let token = pair.refresh_token.secret().to_owned();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let auth = h.auth.clone();
            let token = token.clone();
            tokio::spawn(async move { auth.refresh(&token, &client()).await })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => ok += 1,
            Err(AuthError::RefreshTokenRecentlyRotated) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(ok, 1);
    assert!(h.session(pair.session_id).await.is_active(h.now()));
}

#[tokio::test]
async fn refresh_is_refused_for_a_disabled_or_cut_off_user() {
    let h = harness();
    let (user, pair) = h.signup("kim@example.com").await;
    let mut off = h.user(user.id).await;
    off.active = false;
    h.update(&off).await;
    let err = h
        .auth
        .refresh(pair.refresh_token.secret(), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidRefreshToken), "{err:?}");
    assert_eq!(
        h.session(pair.session_id).await.revoke_reason,
        Some(RevokeReason::AccountDisabled)
    );

    // A cut-off after the session's login (set by another process) refuses it too.
    off.active = true;
    h.update(&off).await;
    let pair = h.login("kim@example.com", PASSWORD).await.unwrap();
    h.advance(Duration::from_secs(1));
    let mut cut = h.user(user.id).await;
    cut.tokens_valid_after = Some(h.now());
    h.update(&cut).await;
    let err = h
        .auth
        .refresh(pair.refresh_token.secret(), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidRefreshToken), "{err:?}");
    // A session started after the cut-off refreshes normally.
    h.advance(Duration::from_secs(1));
    let fresh = h.login("kim@example.com", PASSWORD).await.unwrap();
    h.auth
        .refresh(fresh.refresh_token.secret(), &client())
        .await
        .expect("session after the cut-off");
}

#[tokio::test]
async fn refresh_carries_the_users_current_roles() {
    let h = harness();
    let (user, pair) = h.signup("kim@example.com").await;
    assert!(h.claims(&pair).roles.is_empty());
    let mut promoted = h.user(user.id).await;
    promoted.roles = vec!["editor".into()];
    h.update(&promoted).await;
    let next = h
        .auth
        .refresh(pair.refresh_token.secret(), &client())
        .await
        .unwrap();
    assert_eq!(h.claims(&next).roles, vec!["editor".to_owned()]);
}
