//! Social login completion, linking by verified email only, link and unlink.

mod flows_support;

use std::time::Duration;

use auth_core::flows::{AuthConfig, AuthError, SocialProfile};
use auth_core::password::Password;
use auth_core::store::{AuditKind, IdentityStore as _, RevokeReason, UserStore as _};
use flows_support::*;

fn google(subject: &str, email: &str, verified: bool) -> SocialProfile {
    let mut profile = SocialProfile::new("google", subject).email(email, verified);
    profile.display_name = Some("Kim Lee".into());
    profile.avatar_url = Some("https://img.example/kim.png".into());
    profile.locale = Some("ko-KR".into());
    profile
}

#[tokio::test]
async fn a_new_provider_user_gets_an_account() {
    let h = harness();
    let pair = h
        .auth
        .complete_social_login(google("g-1", "Kim@Example.com", true), &client())
        .await
        .expect("social login");
    let user = h
        .stores
        .users
        .user_by_email("kim@example.com")
        .await
        .unwrap()
        .expect("account created");
    assert!(user.email_verified, "the provider verified it");
    assert!(user.password_hash.is_none());
    assert_eq!(user.display_name.as_deref(), Some("Kim Lee"));
    assert_eq!(user.locale.as_deref(), Some("ko-KR"));
    assert_eq!(user.last_login_at, Some(h.now()));
    assert_eq!(h.claims(&pair).sub, user.id.to_string());
    let identity = h
        .stores
        .identities
        .identity("google", "g-1")
        .await
        .unwrap()
        .expect("linked");
    assert_eq!(identity.user_id, user.id);
    assert!(identity.email_verified);

    let social = h.events_of(AuditKind::SocialLogin);
    assert_eq!(social.len(), 1);
    assert!(social[0].success);
    assert_eq!(social[0].detail.as_deref(), Some("google"));
    assert_eq!(social[0].ip.as_deref(), Some(IP));
    assert_eq!(h.events_of(AuditKind::Signup).len(), 1);
    assert_eq!(h.events_of(AuditKind::IdentityLinked).len(), 1);
}

/// Pre-account takeover (issue 12, item 1): a social login whose provider did not verify
/// the email used to create an account under that address with the caller's identity linked.
/// Anyone can register someone else's address at a lax provider; when the real owner later
/// reset the password or verified the email, the stranger's identity kept signing in. Pins:
/// no account is created, nothing is linked, the owner can still sign up, and the refusal is
/// the same one an unverified address with an account gets (no enumeration).
#[tokio::test]
async fn pre_account_takeover_an_unverified_provider_email_creates_no_account() {
    let h = harness();
    let err = h
        .auth
        .complete_social_login(google("evil-1", "kim@example.com", false), &client())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AuthError::EmailNotVerifiedByProvider),
        "{err:?}"
    );
    assert_eq!(err.status_code(), 403);
    assert!(
        h.stores
            .users
            .user_by_email("kim@example.com")
            .await
            .unwrap()
            .is_none(),
        "no account may claim an address the provider did not verify"
    );
    assert!(
        h.stores
            .identities
            .identity("google", "evil-1")
            .await
            .unwrap()
            .is_none()
    );
    let refused = h.events_of(AuditKind::SocialLogin);
    assert_eq!(refused.len(), 1);
    assert!(!refused[0].success);
    assert_eq!(
        refused[0].detail.as_deref(),
        Some("google:email_not_verified_by_provider")
    );
    assert!(h.events_of(AuditKind::Signup).is_empty());

    // The address is still free for its owner.
    h.signup("kim@example.com").await;
}

/// The pre-account takeover still possible without social login: the attacker signs up with
/// the victim's (unverified) address and a password, and attaches provider identities of
/// their own from the account settings — one claiming the victim's address unverified, one
/// with the attacker's own verified address. The victim takes the account over with a
/// password reset. Pins: the reset unlinks both (audited), so neither signs in any more,
/// while an identity whose provider verified the victim's very address stays.
#[tokio::test]
async fn pre_account_takeover_identities_attached_before_a_password_reset_are_unlinked() {
    let h = harness();
    let (account, _attacker) = h.signup("kim@example.com").await;
    for profile in [
        SocialProfile::new("github", "evil-1").email("kim@example.com", false),
        SocialProfile::new("discord", "evil-2").email("mallory@evil.example", true),
        google("kim-google", "kim@example.com", true),
    ] {
        h.auth
            .link_identity(account.id, profile)
            .await
            .expect("linked from the account settings");
    }

    h.auth
        .request_password_reset("kim@example.com", &client())
        .await
        .unwrap();
    h.auth.drain_background_work().await;
    let token = h.mailer.sent()[0].token.clone();
    h.auth
        .reset_password(&token, Password::from(NEW_PASSWORD), &client())
        .await
        .expect("the owner resets the password");

    let left: Vec<_> = h
        .stores
        .identities
        .identities_for_user(account.id)
        .await
        .unwrap()
        .into_iter()
        .map(|identity| identity.subject)
        .collect();
    assert_eq!(
        left,
        ["kim-google"],
        "only the identity proving this address stays"
    );
    let unlinked = h.events_of(AuditKind::IdentityUnlinked);
    let details: Vec<_> = unlinked
        .iter()
        .map(|event| event.detail.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(unlinked.len(), 2, "{details:?}");
    for provider in ["github", "discord"] {
        assert!(
            details.contains(&format!("{provider}:unproven_at_email_proof").as_str()),
            "{details:?}"
        );
    }
    assert!(
        unlinked
            .iter()
            .all(|event| event.user_id == Some(account.id))
    );

    // The attacker's identities no longer reach the account.
    let err = h
        .auth
        .complete_social_login(
            SocialProfile::new("github", "evil-1").email("kim@example.com", false),
            &client(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AuthError::EmailNotVerifiedByProvider),
        "{err:?}"
    );
    let pair = h
        .auth
        .complete_social_login(
            SocialProfile::new("discord", "evil-2").email("mallory@evil.example", true),
            &client(),
        )
        .await
        .expect("a new account of the attacker's own");
    assert_ne!(h.claims(&pair).sub, account.id.to_string());
}

/// The same pre-account takeover, ended by the owner clicking a verification link the
/// attacker requested. Pins: the attacker's identity is unlinked, and the attacker's live
/// session — through which they could link it again — is revoked and cut off.
#[tokio::test]
async fn pre_account_takeover_identities_attached_before_email_verification_are_unlinked() {
    let h = harness();
    let (account, attacker) = h.signup("kim@example.com").await;
    h.auth
        .link_identity(
            account.id,
            SocialProfile::new("github", "evil-1").email("kim@example.com", false),
        )
        .await
        .unwrap();
    h.auth.request_email_verification(account.id).await.unwrap();
    let token = h.mailer.sent()[0].token.clone();
    h.advance(Duration::from_secs(60));

    h.auth
        .verify_email(&token, &client())
        .await
        .expect("the owner verifies");

    assert!(
        h.stores
            .identities
            .identities_for_user(account.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(h.events_of(AuditKind::IdentityUnlinked).len(), 1);
    let after = h.user(account.id).await;
    assert!(after.email_verified);
    assert_eq!(after.tokens_valid_after, Some(h.now()));
    assert_eq!(
        h.session(attacker.session_id).await.revoke_reason,
        Some(RevokeReason::EmailOwnershipProved)
    );
    let err = h
        .auth
        .refresh(attacker.refresh_token.secret(), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidRefreshToken), "{err:?}");
}

/// Not every reset or verification unlinks: on an account whose email was already proved,
/// identities its owner linked (with any address) stay, and sessions are left alone by a
/// verification that unlinked nothing.
#[tokio::test]
async fn identities_linked_by_the_proven_owner_survive_reset_and_verification() {
    let h = harness();
    let (account, session) = h.signup("kim@example.com").await;
    h.auth
        .link_identity(account.id, google("kim-google", "kim@example.com", true))
        .await
        .unwrap();
    h.auth.request_email_verification(account.id).await.unwrap();
    let token = h.mailer.sent()[0].token.clone();
    h.auth.verify_email(&token, &client()).await.unwrap();
    assert!(h.session(session.session_id).await.is_active(h.now()));
    h.auth
        .link_identity(
            account.id,
            SocialProfile::new("github", "kim-gh").email("kim@work.example", false),
        )
        .await
        .unwrap();

    h.auth
        .request_password_reset("kim@example.com", &client())
        .await
        .unwrap();
    h.auth.drain_background_work().await;
    let token = h.mailer.sent().last().unwrap().token.clone();
    h.auth
        .reset_password(&token, Password::from(NEW_PASSWORD), &client())
        .await
        .unwrap();
    assert_eq!(
        h.stores
            .identities
            .identities_for_user(account.id)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(h.events_of(AuditKind::IdentityUnlinked).is_empty());
}

#[tokio::test]
async fn a_linked_identity_signs_in_its_user() {
    let h = harness();
    h.auth
        .complete_social_login(google("g-1", "kim@example.com", true), &client())
        .await
        .unwrap();
    // The provider email changed meanwhile; the identity still decides.
    let pair = h
        .auth
        .complete_social_login(google("g-1", "kim.new@example.com", false), &client())
        .await
        .expect("second login");
    let user = h
        .stores
        .users
        .user_by_email("kim@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.claims(&pair).sub, user.id.to_string());
    assert!(
        h.stores
            .users
            .user_by_email("kim.new@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_verified_provider_email_links_to_the_verified_account() {
    let h = harness();
    let (user, _) = h.signup("kim@example.com").await;
    let mut verified = h.user(user.id).await;
    verified.email_verified = true;
    h.update(&verified).await;

    let pair = h
        .auth
        .complete_social_login(google("g-1", "KIM@example.com", true), &client())
        .await
        .expect("linked by verified email");
    assert_eq!(h.claims(&pair).sub, user.id.to_string());
    let identity = h
        .stores
        .identities
        .identity("google", "g-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(identity.user_id, user.id);
    let linked = h.events_of(AuditKind::IdentityLinked);
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].user_id, Some(user.id));
    assert_eq!(
        linked[0].detail.as_deref(),
        Some("google:by_verified_email")
    );
}

/// Seeds 000 and 002 linked accounts by an email the provider had not verified: anyone who
/// registers the victim's address at some provider could then sign in as the victim.
#[tokio::test]
async fn an_unverified_provider_email_never_links_to_an_account() {
    let h = harness();
    let (user, _) = h.signup("kim@example.com").await;
    let mut verified = h.user(user.id).await;
    verified.email_verified = true;
    h.update(&verified).await;

    let err = h
        .auth
        .complete_social_login(google("evil-1", "kim@example.com", false), &client())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AuthError::EmailNotVerifiedByProvider),
        "{err:?}"
    );
    assert_eq!(err.status_code(), 403);
    assert!(
        h.stores
            .identities
            .identity("google", "evil-1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        h.stores
            .identities
            .identities_for_user(user.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(h.auth.list_sessions(user.id).await.unwrap().len(), 1);
    let refused = h.events_of(AuditKind::SocialLogin);
    assert_eq!(refused.len(), 1);
    assert!(!refused[0].success);
}

/// Pre-registration hijack: an attacker signs up with the victim's address (never verified)
/// and a password they know; linking the victim's verified provider login to that account
/// would share it with the attacker.
#[tokio::test]
async fn a_verified_provider_email_does_not_link_to_an_unverified_account() {
    let h = harness();
    let (squatter, _) = h.signup("kim@example.com").await;
    let err = h
        .auth
        .complete_social_login(google("g-1", "kim@example.com", true), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::EmailTaken), "{err:?}");
    assert!(
        h.stores
            .identities
            .identities_for_user(squatter.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn linking_by_email_can_be_turned_off() {
    let mut config = AuthConfig::default();
    config.link_social_by_verified_email = false;
    let h = harness_with(config);
    let (user, _) = h.signup("kim@example.com").await;
    let mut verified = h.user(user.id).await;
    verified.email_verified = true;
    h.update(&verified).await;
    let err = h
        .auth
        .complete_social_login(google("g-1", "kim@example.com", true), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::EmailTaken), "{err:?}");
}

#[tokio::test]
async fn a_provider_without_email_cannot_create_an_account() {
    let h = harness();
    let err = h
        .auth
        .complete_social_login(SocialProfile::new("kakao", "k-1"), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::ProviderEmailMissing), "{err:?}");
    let err = h
        .auth
        .complete_social_login(SocialProfile::new("kakao", ""), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidSocialProfile), "{err:?}");
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_with_a_provider() {
    let h = harness();
    h.auth
        .complete_social_login(google("g-1", "kim@example.com", true), &client())
        .await
        .unwrap();
    let mut user = h
        .stores
        .users
        .user_by_email("kim@example.com")
        .await
        .unwrap()
        .unwrap();
    user.active = false;
    h.update(&user).await;
    let err = h
        .auth
        .complete_social_login(google("g-1", "kim@example.com", true), &client())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::AccountDisabled), "{err:?}");
}

#[tokio::test]
async fn the_last_way_to_sign_in_cannot_be_unlinked() {
    let h = harness();
    h.auth
        .complete_social_login(google("g-1", "kim@example.com", true), &client())
        .await
        .unwrap();
    let user = h
        .stores
        .users
        .user_by_email("kim@example.com")
        .await
        .unwrap()
        .unwrap();
    let err = h
        .auth
        .unlink_identity(user.id, "google", "g-1")
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::LastSignInMethod), "{err:?}");
    assert_eq!(h.auth.identities(user.id).await.unwrap().len(), 1);

    // With a second identity, one of them can go.
    h.auth
        .link_identity(user.id, SocialProfile::new("github", "gh-7"))
        .await
        .expect("link github");
    h.auth
        .unlink_identity(user.id, "google", "g-1")
        .await
        .expect("unlink google");
    let left = h.auth.identities(user.id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].provider, "github");
    assert_eq!(h.events_of(AuditKind::IdentityUnlinked).len(), 1);
    let err = h
        .auth
        .unlink_identity(user.id, "github", "gh-7")
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::LastSignInMethod), "{err:?}");
    let err = h
        .auth
        .unlink_identity(user.id, "google", "g-1")
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::IdentityNotFound), "{err:?}");
}

#[tokio::test]
async fn a_password_user_can_unlink_their_only_identity() {
    let h = harness();
    let (user, _) = h.signup("kim@example.com").await;
    h.auth
        .link_identity(user.id, SocialProfile::new("github", "gh-7"))
        .await
        .unwrap();
    h.auth
        .unlink_identity(user.id, "github", "gh-7")
        .await
        .expect("the password remains");
}

#[tokio::test]
async fn an_identity_linked_elsewhere_cannot_be_linked() {
    let h = harness();
    let (kim, _) = h.signup("kim@example.com").await;
    let (lee, _) = h.signup("lee@example.com").await;
    h.auth
        .link_identity(kim.id, SocialProfile::new("github", "gh-7"))
        .await
        .unwrap();
    let err = h
        .auth
        .link_identity(lee.id, SocialProfile::new("github", "gh-7"))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::IdentityInUse), "{err:?}");
    assert_eq!(err.status_code(), 409);
    // Linking it again to its own user is a no-op.
    h.auth
        .link_identity(kim.id, SocialProfile::new("github", "gh-7"))
        .await
        .expect("idempotent");
    assert_eq!(h.auth.identities(kim.id).await.unwrap().len(), 1);
    assert!(h.auth.identities(lee.id).await.unwrap().is_empty());
    // And signing in with it reaches its owner.
    let pair = h
        .auth
        .complete_social_login(SocialProfile::new("github", "gh-7"), &client())
        .await
        .unwrap();
    assert_eq!(h.claims(&pair).sub, kim.id.to_string());
}
