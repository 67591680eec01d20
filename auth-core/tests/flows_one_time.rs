//! Password reset and email verification by one-time links.

mod flows_support;

use std::time::Duration;

use auth_core::flows::{AuthConfig, AuthError, MailKind};
use auth_core::password::Password;
use auth_core::store::{AuditKind, RevokeReason};
use flows_support::*;

const EMAIL: &str = "kim@example.com";

// ---------------------------------------------------------------- password reset

/// No enumeration: an unknown address gets the same `Ok` and no mail goes out.
#[tokio::test]
async fn reset_request_for_an_unknown_email_is_ok_and_sends_nothing() {
    let h = harness();
    h.signup(EMAIL).await;
    h.auth
        .request_password_reset("nobody@example.com", &client())
        .await
        .expect("Ok for unknown addresses");
    h.auth.drain_background_work().await;
    h.auth
        .request_password_reset("", &client())
        .await
        .expect("Ok for empty input");
    h.auth.drain_background_work().await;
    assert!(h.mailer.sent().is_empty());
    let requests = h.events_of(AuditKind::PasswordResetRequested);
    assert_eq!(requests.len(), 2);
    assert!(
        requests
            .iter()
            .all(|event| !event.success && event.user_id.is_none())
    );
}

#[tokio::test]
async fn reset_request_for_a_disabled_account_sends_nothing() {
    let h = harness();
    let (user, _) = h.signup(EMAIL).await;
    let mut off = h.user(user.id).await;
    off.active = false;
    h.update(&off).await;
    h.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    h.auth.drain_background_work().await;
    assert!(h.mailer.sent().is_empty());
}

#[tokio::test]
async fn reset_link_works_once_and_ends_every_session() {
    let h = harness();
    let (user, first) = h.signup(EMAIL).await;
    let second = h.login(EMAIL, PASSWORD).await.unwrap();
    h.auth
        .request_password_reset("  KIM@example.com", &client())
        .await
        .unwrap();
    h.auth.drain_background_work().await;
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind, MailKind::PasswordReset);
    assert_eq!(sent[0].user_id, user.id);
    assert_eq!(sent[0].email, EMAIL);
    assert_eq!(
        sent[0].expires_at,
        h.now() + h.auth.config().password_reset_ttl
    );
    assert!(!format!("{:?}", sent[0]).contains(&sent[0].token));
    let token = sent[0].token.clone();
    h.advance(Duration::from_secs(60));

    h.auth
        .reset_password(&token, Password::from(NEW_PASSWORD), &client())
        .await
        .expect("reset");
    let after = h.user(user.id).await;
    assert_eq!(after.tokens_valid_after, Some(h.now()));
    assert!(after.email_verified, "the link proved the inbox");
    for pair in [&first, &second] {
        assert_eq!(
            h.session(pair.session_id).await.revoke_reason,
            Some(RevokeReason::PasswordChanged)
        );
    }
    assert!(h.login(EMAIL, PASSWORD).await.is_err());
    h.login(EMAIL, NEW_PASSWORD).await.expect("new password");

    // Replay: refused.
    let err = h
        .auth
        .reset_password(
            &token,
            Password::from("another-fine-passphrase-3"),
            &client(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");
    assert_eq!(err.status_code(), 400);
    h.login(EMAIL, NEW_PASSWORD)
        .await
        .expect("replay changed nothing");

    let resets = h.events_of(AuditKind::PasswordReset);
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0].user_id, Some(user.id));
    // The token never reaches the audit trail.
    for event in h.events() {
        assert!(!format!("{event:?}").contains(&token));
    }
}

#[tokio::test]
async fn an_expired_reset_link_is_invalid() {
    let h = harness();
    h.signup(EMAIL).await;
    h.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    h.auth.drain_background_work().await;
    let token = h.mailer.last_token(MailKind::PasswordReset, EMAIL).unwrap();
    h.advance(h.auth.config().password_reset_ttl + Duration::from_secs(1));
    let err = h
        .auth
        .reset_password(&token, Password::from(NEW_PASSWORD), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");
    h.login(EMAIL, PASSWORD).await.expect("password unchanged");
}

#[tokio::test]
async fn a_newer_reset_link_voids_the_older_one() {
    let h = harness();
    h.signup(EMAIL).await;
    h.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    h.auth.drain_background_work().await;
    let older = h.mailer.last_token(MailKind::PasswordReset, EMAIL).unwrap();
    // Past the cooldown (within it, no new link is issued: see flows_abuse.rs).
    h.advance(AuthConfig::DEFAULT_PASSWORD_RESET_COOLDOWN + Duration::from_secs(1));
    h.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    h.auth.drain_background_work().await;
    let newer = h.mailer.last_token(MailKind::PasswordReset, EMAIL).unwrap();
    assert_ne!(older, newer);

    let err = h
        .auth
        .reset_password(&older, Password::from(NEW_PASSWORD), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");
    h.auth
        .reset_password(&newer, Password::from(NEW_PASSWORD), &client())
        .await
        .expect("newer link works");
}

#[tokio::test]
async fn a_weak_new_password_does_not_spend_the_link() {
    let h = harness();
    h.signup(EMAIL).await;
    h.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    h.auth.drain_background_work().await;
    let token = h.mailer.last_token(MailKind::PasswordReset, EMAIL).unwrap();
    let err = h
        .auth
        .reset_password(&token, Password::from("password"), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::WeakPassword(_)), "{err:?}");
    h.auth
        .reset_password(&token, Password::from(NEW_PASSWORD), &client())
        .await
        .expect("the link still works");
}

#[tokio::test]
async fn malformed_and_cross_purpose_tokens_are_invalid() {
    let h = harness();
    let (user, _) = h.signup(EMAIL).await;
    for token in ["", "nope", &"A".repeat(10_000)] {
        let err = h
            .auth
            .reset_password(token, Password::from(NEW_PASSWORD), &client())
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");
        let err = h.auth.verify_email(token, &client()).await.unwrap_err();
        assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");
    }
    // A verification token does not reset a password, nor the reverse.
    h.auth.request_email_verification(user.id).await.unwrap();
    let verification = h
        .mailer
        .last_token(MailKind::EmailVerification, EMAIL)
        .unwrap();
    let err = h
        .auth
        .reset_password(&verification, Password::from(NEW_PASSWORD), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");
    h.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    h.auth.drain_background_work().await;
    let reset = h.mailer.last_token(MailKind::PasswordReset, EMAIL).unwrap();
    let err = h.auth.verify_email(&reset, &client()).await.unwrap_err();
    assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");
}

#[tokio::test]
async fn a_reset_lifts_login_throttling() {
    let h = harness();
    h.signup(EMAIL).await;
    for _ in 0..5 {
        h.login(EMAIL, "wrong-horse-staple-9").await.unwrap_err();
    }
    assert!(matches!(
        h.login(EMAIL, PASSWORD).await.unwrap_err(),
        AuthError::Throttled { .. }
    ));
    h.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    h.auth.drain_background_work().await;
    let token = h.mailer.last_token(MailKind::PasswordReset, EMAIL).unwrap();
    h.auth
        .reset_password(&token, Password::from(NEW_PASSWORD), &client())
        .await
        .unwrap();
    h.login(EMAIL, NEW_PASSWORD)
        .await
        .expect("the owner proved the inbox; throttling is lifted");
}

#[tokio::test]
async fn change_password_voids_outstanding_reset_links() {
    let h = harness();
    let (user, pair) = h.signup(EMAIL).await;
    h.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    h.auth.drain_background_work().await;
    let token = h.mailer.last_token(MailKind::PasswordReset, EMAIL).unwrap();
    h.auth
        .change_password(
            user.id,
            pair.session_id,
            Password::from(PASSWORD),
            Password::from(NEW_PASSWORD),
        )
        .await
        .unwrap();
    let err = h
        .auth
        .reset_password(
            &token,
            Password::from("another-fine-passphrase-3"),
            &client(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");
}

// ---------------------------------------------------------------- email verification

#[tokio::test]
async fn email_verification_link_works_once() {
    let h = harness();
    let (user, _) = h.signup(EMAIL).await;
    h.auth.request_email_verification(user.id).await.unwrap();
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind, MailKind::EmailVerification);
    assert_eq!(
        sent[0].expires_at,
        h.now() + h.auth.config().email_verification_ttl
    );
    let token = sent[0].token.clone();

    h.auth
        .verify_email(&token, &client())
        .await
        .expect("verify");
    assert!(h.user(user.id).await.email_verified);
    let verified = h.events_of(AuditKind::EmailVerified);
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0].user_id, Some(user.id));

    let err = h.auth.verify_email(&token, &client()).await.unwrap_err();
    assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");

    // Already verified: no new mail.
    h.auth.request_email_verification(user.id).await.unwrap();
    assert_eq!(h.mailer.sent().len(), 1);
}

#[tokio::test]
async fn an_expired_or_superseded_verification_link_is_invalid() {
    let h = harness();
    let (user, _) = h.signup(EMAIL).await;
    h.auth.request_email_verification(user.id).await.unwrap();
    let older = h
        .mailer
        .last_token(MailKind::EmailVerification, EMAIL)
        .unwrap();
    h.auth.request_email_verification(user.id).await.unwrap();
    let newer = h
        .mailer
        .last_token(MailKind::EmailVerification, EMAIL)
        .unwrap();
    let err = h.auth.verify_email(&older, &client()).await.unwrap_err();
    assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");

    h.advance(h.auth.config().email_verification_ttl + Duration::from_secs(1));
    let err = h.auth.verify_email(&newer, &client()).await.unwrap_err();
    assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");
    assert!(!h.user(user.id).await.email_verified);
}
