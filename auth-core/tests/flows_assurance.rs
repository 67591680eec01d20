//! How and when a user authenticated (`auth_time`, `amr`) in the tokens of a session: set at
//! login, kept by refresh, moved by re-authentication (issue 15).

mod flows_support;

use std::time::Duration;

use auth_core::flows::AuthError;
use auth_core::password::Password;
use auth_core::store::AuditKind;
use flows_support::*;

#[tokio::test]
async fn a_password_login_carries_pwd_and_its_auth_time() {
    let h = harness();
    h.signup("kim@example.com").await;
    h.advance(Duration::from_secs(30));
    let pair = h.login("kim@example.com", PASSWORD).await.expect("login");
    let claims = h.claims(&pair);
    assert_eq!(claims.amr, ["pwd"]);
    assert_eq!(claims.auth_time, Some(NOW + 30));
    assert!(!claims.is_multi_factor());
}

/// Issue 15: "refresh keeps the original `auth_time` and `amr`" — a refresh is not a
/// sign-in, so a step-up window must not restart with it.
#[tokio::test]
async fn amr_and_auth_time_survive_refresh() {
    let h = harness();
    let (_, first) = h.signup("kim@example.com").await;
    h.advance(Duration::from_secs(600));
    let second = h
        .auth
        .refresh(first.refresh_token.secret(), &client())
        .await
        .expect("refresh");
    let claims = h.claims(&second);
    assert_eq!(claims.iat, NOW + 600, "a new token…");
    assert_eq!(claims.auth_time, Some(NOW), "…of the same sign-in");
    assert_eq!(claims.amr, ["pwd"]);
    h.advance(Duration::from_secs(600));
    let third = h
        .auth
        .refresh(second.refresh_token.secret(), &client())
        .await
        .expect("refresh again");
    assert_eq!(h.claims(&third).auth_time, Some(NOW));
}

#[tokio::test]
async fn reauthentication_moves_auth_time_for_this_session_and_its_refreshes() {
    let h = harness();
    let (user, pair) = h.signup("kim@example.com").await;
    h.advance(Duration::from_secs(3_600));
    let fresh = h
        .auth
        .reauthenticate(user.id, pair.session_id, Password::from(PASSWORD))
        .await
        .expect("re-authentication");
    let claims = h
        .verifier
        .verify(fresh.token.secret())
        .expect("the new access token verifies");
    assert_eq!(claims.auth_time, Some(NOW + 3_600));
    assert_eq!(claims.sid, Some(pair.session_id.to_string()));
    assert_eq!(claims.amr, ["pwd"]);

    h.advance(Duration::from_secs(60));
    let refreshed = h
        .auth
        .refresh(pair.refresh_token.secret(), &client())
        .await
        .expect("the refresh token is unchanged");
    assert_eq!(h.claims(&refreshed).auth_time, Some(NOW + 3_600));
    let audited = h.events_of(AuditKind::Reauthenticated);
    assert_eq!(audited.len(), 1);
    assert!(audited[0].success && audited[0].detail.as_deref() == Some("pwd"));
}

#[tokio::test]
async fn a_wrong_password_does_not_reauthenticate_and_counts_as_a_failure() {
    let h = harness();
    let (user, pair) = h.signup("kim@example.com").await;
    h.advance(Duration::from_secs(3_600));
    let refused = h
        .auth
        .reauthenticate(
            user.id,
            pair.session_id,
            Password::from("not-the-password-1"),
        )
        .await;
    assert!(
        matches!(refused, Err(AuthError::InvalidCredentials)),
        "{refused:?}"
    );
    assert_eq!(
        h.session(pair.session_id).await.auth_time,
        h.now() - Duration::from_secs(3_600)
    );
    let failures = h.events_of(AuditKind::Reauthenticated);
    assert!(failures.iter().all(|event| !event.success) && failures.len() == 1);

    // The login throttle counts it: five wrong guesses lock re-authentication like login.
    for _ in 0..4 {
        let _ = h
            .auth
            .reauthenticate(
                user.id,
                pair.session_id,
                Password::from("not-the-password-1"),
            )
            .await;
    }
    let throttled = h
        .auth
        .reauthenticate(user.id, pair.session_id, Password::from(PASSWORD))
        .await;
    assert!(
        matches!(throttled, Err(AuthError::Throttled { .. })),
        "{throttled:?}"
    );
}

#[tokio::test]
async fn an_ended_session_cannot_be_reauthenticated() {
    let h = harness();
    let (user, pair) = h.signup("kim@example.com").await;
    h.auth.logout(pair.session_id).await.expect("logout");
    let refused = h
        .auth
        .reauthenticate(user.id, pair.session_id, Password::from(PASSWORD))
        .await;
    assert!(
        matches!(refused, Err(AuthError::SessionNotFound)),
        "{refused:?}"
    );

    // Another user's session is not this user's to step up.
    let (other, _) = h.signup("lee@example.com").await;
    let live = h.login("kim@example.com", PASSWORD).await.expect("login");
    let foreign = h
        .auth
        .reauthenticate(other.id, live.session_id, Password::from(PASSWORD))
        .await;
    assert!(
        matches!(foreign, Err(AuthError::SessionNotFound)),
        "{foreign:?}"
    );
}
