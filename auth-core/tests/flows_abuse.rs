//! Issue 14: abuse limits on the unauthenticated endpoints, the enumeration-safe signup,
//! forgot-password without an oracle or link voiding, and the owner's device past the
//! account-wide ceiling. Every test is named after the abuse it pins; counts are of rows,
//! mails and audit events, never of time.

mod flows_support;

use std::time::Duration;

use auth_core::flows::{
    AuthConfig, AuthError, ClientInfo, Endpoint, EndpointLimits, MailKind, RouteLimit, SignupMode,
    SignupOutcome, SignupRequest, ThrottleLimit,
};
use auth_core::password::Password;
use auth_core::store::{AuditKind, UserStore as _};
use flows_support::*;

const EMAIL: &str = "kim@example.com";

fn retry_after(error: &AuthError) -> Duration {
    match error {
        AuthError::Throttled { retry_after } => *retry_after,
        other => panic!("expected Throttled, got {other:?}"),
    }
}

// ------------------------------------------------------------------ per-endpoint limits

/// Signup flood: 30 concurrent signups of distinct addresses from one network create at
/// most `signup` (10) accounts — each refused one before hashing or writing anything —
/// and the refusals carry a `Retry-After`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_flood_from_one_network_creates_at_most_the_limit_of_accounts() {
    let h = harness();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..30 {
        let auth = h.auth.clone();
        tasks.spawn(async move {
            let email = format!("flood{n}@example.com");
            let result = auth
                .signup(&email, Password::from(PASSWORD), &client())
                .await;
            (email, result.map(drop))
        });
    }
    let (mut created, mut refused) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        let (email, result) = joined.expect("task ran");
        let row = h.stores.users.user_by_email(&email).await.expect("store");
        match result {
            Ok(()) => {
                created += 1;
                assert!(row.is_some());
            }
            Err(error) => {
                refused += 1;
                assert!(retry_after(&error) > Duration::ZERO);
                assert_eq!(error.status_code(), 429);
                assert!(row.is_none(), "a refused signup wrote an account");
            }
        }
    }
    assert_eq!(created, 10, "signup limit is 10 per hour per network");
    assert_eq!(refused, 20);
    // Another network is not affected; an IPv6 /64 counts as one network.
    h.auth
        .signup(
            "other@example.com",
            Password::from(PASSWORD),
            &client_from("198.51.100.9"),
        )
        .await
        .expect("another network");
    for n in 0..10 {
        let ip = format!("2001:db8:7:7::{n:x}");
        h.auth
            .signup(
                &format!("v6-{n}@example.com"),
                Password::from(PASSWORD),
                &client_from(&ip),
            )
            .await
            .expect("within the /64's limit");
    }
    let err = h
        .auth
        .signup(
            "v6-x@example.com",
            Password::from(PASSWORD),
            &client_from("2001:db8:7:7:ffff::1"),
        )
        .await
        .unwrap_err();
    retry_after(&err);
    // The window closes by itself.
    h.advance(Duration::from_secs(3601));
    h.signup("later@example.com").await;
}

/// Every endpoint's own limit, refused with `Throttled` before its work: reset and verify
/// tokens are not even looked at once the network is over the limit.
#[tokio::test]
async fn reset_verify_and_refresh_floods_are_refused_after_their_limits() {
    let h = harness();
    for _ in 0..10 {
        let err = h
            .auth
            .reset_password("not-a-token", Password::from(NEW_PASSWORD), &client())
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");
        let err = h
            .auth
            .verify_email("not-a-token", &client())
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidOneTimeToken), "{err:?}");
    }
    let err = h
        .auth
        .reset_password("not-a-token", Password::from(NEW_PASSWORD), &client())
        .await
        .unwrap_err();
    assert!(retry_after(&err) <= Duration::from_secs(15 * 60));
    let err = h
        .auth
        .verify_email("not-a-token", &client())
        .await
        .unwrap_err();
    retry_after(&err);

    for _ in 0..60 {
        let err = h.auth.refresh("not-a-token", &client()).await.unwrap_err();
        assert!(matches!(err, AuthError::InvalidRefreshToken), "{err:?}");
    }
    let err = h.auth.refresh("not-a-token", &client()).await.unwrap_err();
    assert!(retry_after(&err) <= Duration::from_secs(60));
}

/// The OAuth token endpoint and the social-login start are limited through
/// `reserve_endpoint`, which auth-tower calls before their work.
#[tokio::test]
async fn token_endpoint_and_social_start_floods_are_refused_after_their_limits() {
    let h = harness();
    for (endpoint, limit) in [(Endpoint::OAuthToken, 60), (Endpoint::SocialStart, 30)] {
        for _ in 0..limit {
            h.auth
                .reserve_endpoint(endpoint, &client())
                .await
                .expect("within");
        }
        let err = h
            .auth
            .reserve_endpoint(endpoint, &client())
            .await
            .unwrap_err();
        assert!(retry_after(&err) <= Duration::from_secs(60), "{endpoint:?}");
        h.auth
            .reserve_endpoint(endpoint, &client_from("198.51.100.9"))
            .await
            .expect("another network");
    }
}

/// Off is a deliberate, named choice; and a client without an IP has no network to count.
#[tokio::test]
async fn limits_switched_off_by_name_and_clients_without_ip_are_not_counted() {
    let mut config = AuthConfig::default();
    config.endpoint_limits.signup = RouteLimit::insecure_unlimited();
    let h = harness_with(config);
    for n in 0..15 {
        h.signup(&format!("u{n}@example.com")).await;
    }
    let h = harness();
    for n in 0..15 {
        h.auth
            .signup(
                &format!("u{n}@example.com"),
                Password::from(PASSWORD),
                &ClientInfo::default(),
            )
            .await
            .expect("no IP, no per-network limit");
    }
    let mut config = AuthConfig::default();
    config.endpoint_limits = EndpointLimits::insecure_unlimited();
    config.endpoint_limits.refresh = RouteLimit::new(1, Duration::from_secs(60));
    let h = harness_with(config);
    h.auth.refresh("x", &client()).await.unwrap_err();
    retry_after(&h.auth.refresh("x", &client()).await.unwrap_err());
}

// ------------------------------------------------------------------ forgot password

/// Timing oracle: forgot-password answers after the same work whether or not the address
/// has an account — on a current-thread runtime the background task has not run when the
/// call returns, so what was done inline is visible: no lookup result, no token, no mail,
/// no audit on either path. The known account's mail goes out afterwards.
#[tokio::test(flavor = "current_thread")]
async fn forgot_password_does_the_same_inline_work_for_known_and_unknown_addresses() {
    let h = harness();
    h.signup(EMAIL).await;
    let audit_before = h.events().len();
    for email in [EMAIL, "nobody@example.com"] {
        h.auth
            .request_password_reset(email, &client())
            .await
            .expect("accepted");
        assert!(
            h.mailer.sent().is_empty(),
            "{email}: mailed before answering"
        );
        assert_eq!(
            h.events().len(),
            audit_before,
            "{email}: audited before answering"
        );
    }
    h.auth.drain_background_work().await;
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].email, EMAIL);
    assert_eq!(h.events_of(AuditKind::PasswordResetRequested).len(), 2);
}

/// Link voiding: an attacker asking again and again within the cooldown neither mails the
/// owner nor voids the link they already have; the answer is the same `Ok`.
#[tokio::test]
async fn repeated_forgot_requests_within_the_cooldown_do_not_void_the_live_link() {
    let h = harness();
    h.signup(EMAIL).await;
    h.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    h.auth.drain_background_work().await;
    let live = h.mailer.last_token(MailKind::PasswordReset, EMAIL).unwrap();
    for n in 0..2 {
        // From other networks, so that only the cooldown decides.
        let attacker = client_from(&format!("198.51.100.{n}"));
        h.auth
            .request_password_reset(EMAIL, &attacker)
            .await
            .expect("same answer");
        h.auth.drain_background_work().await;
    }
    assert_eq!(h.mailer.sent().len(), 1, "no new link within the cooldown");
    h.auth
        .reset_password(&live, Password::from(NEW_PASSWORD), &client())
        .await
        .expect("the owner's link still works");
}

/// Mail bombing one address from many networks: at most `password_forgot_per_address` (3)
/// requests per hour get through, whether or not an account has the address; the next is
/// 429. Per network, 5 per hour.
#[tokio::test]
async fn forgot_password_is_capped_per_address_and_per_network() {
    let mut config = AuthConfig::default();
    config.password_reset_cooldown = Duration::ZERO; // count the caps alone
    let h = harness_with(config);
    h.signup(EMAIL).await;
    for address in [EMAIL, "nobody@example.com"] {
        for n in 0..3 {
            let from = client_from(&format!("198.51.100.{n}"));
            h.auth
                .request_password_reset(address, &from)
                .await
                .expect("within");
        }
        let err = h
            .auth
            .request_password_reset(address, &client_from("198.51.100.200"))
            .await
            .unwrap_err();
        assert!(retry_after(&err) <= Duration::from_secs(3600), "{address}");
    }
    h.auth.drain_background_work().await;
    assert_eq!(h.mailer.sent().len(), 3);
    for n in 0..5 {
        h.auth
            .request_password_reset(&format!("n{n}@example.com"), &client())
            .await
            .expect("within the network's limit");
    }
    let err = h
        .auth
        .request_password_reset("n9@example.com", &client())
        .await
        .unwrap_err();
    retry_after(&err);
}

// ------------------------------------------------------------------ signup modes

/// Account enumeration by signup: in the enumeration-safe mode a taken address gets the
/// very answer a new one gets, no session either way, and its owner is told by mail; the
/// owner's account is untouched.
#[tokio::test]
async fn enumeration_safe_signup_answers_a_taken_address_like_a_new_one() {
    let mut config = AuthConfig::default();
    config.signup_mode = SignupMode::EnumerationSafe;
    let h = harness_with(config);
    let new = h
        .auth
        .register(
            SignupRequest::new(EMAIL, Password::from(PASSWORD)),
            &client(),
        )
        .await
        .expect("accepted");
    assert!(matches!(new, SignupOutcome::VerificationSent), "{new:?}");
    let owner = h
        .stores
        .users
        .user_by_email(EMAIL)
        .await
        .unwrap()
        .expect("created");
    assert!(!owner.email_verified);
    assert!(
        h.auth.list_sessions(owner.id).await.unwrap().is_empty(),
        "no session at signup"
    );
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind, MailKind::EmailVerification);

    let taken = h
        .auth
        .register(
            SignupRequest::new("  KIM@example.com", Password::from(NEW_PASSWORD)),
            &client_from("198.51.100.9"),
        )
        .await
        .expect("the same answer");
    assert!(
        matches!(taken, SignupOutcome::VerificationSent),
        "{taken:?}"
    );
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].kind, MailKind::SignupAttempt);
    assert_eq!(sent[1].user_id, owner.id);
    assert!(sent[1].token.is_empty());
    assert_eq!(
        h.user(owner.id).await.password_hash,
        owner.password_hash,
        "untouched"
    );
    h.login(EMAIL, PASSWORD)
        .await
        .expect("the owner's password still works");

    // The revealing entry point refuses rather than answer 409 in this mode.
    let err = h
        .auth
        .signup("lee@example.com", Password::from(PASSWORD), &client())
        .await;
    assert!(matches!(err, Err(AuthError::WrongSignupMode)), "{err:?}");
}

/// The default stays seed 001's: a taken address is 409 `email_taken`, a new one signs in.
#[tokio::test]
async fn revealing_signup_mode_is_the_default_and_answers_409() {
    let h = harness();
    let outcome = h
        .auth
        .register(
            SignupRequest::new(EMAIL, Password::from(PASSWORD)),
            &client(),
        )
        .await
        .unwrap();
    assert!(matches!(outcome, SignupOutcome::SignedIn { .. }));
    let err = h
        .auth
        .register(
            SignupRequest::new(EMAIL, Password::from(PASSWORD)),
            &client(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::EmailTaken));
    assert_eq!(err.status_code(), 409);
}

// ------------------------------------------------------------------ owner's device

fn small_ceiling() -> AuthConfig {
    let window = Duration::from_secs(15 * 60);
    let mut config = AuthConfig::default();
    config.account_throttle = ThrottleLimit::new(2, window);
    config.account_ceiling = ThrottleLimit::new(4, window);
    config
}

/// Ceiling lock-out: a stranger failing from many networks exhausts the account-wide
/// ceiling; the same login without the device's session is refused, the owner's signed-in
/// device (its live refresh token) still signs in — and is still bound by its own
/// network's limit.
#[tokio::test]
async fn strangers_exhausting_the_ceiling_do_not_lock_out_the_owners_device() {
    let h = harness_with(small_ceiling());
    let (_, device) = h.signup(EMAIL).await;
    for n in 0..4 {
        let stranger = client_from(&format!("198.51.100.{n}"));
        let err = h
            .auth
            .login(EMAIL, Password::from("wrong-guess-123"), &stranger)
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials), "{err:?}");
    }
    let err = h.login(EMAIL, PASSWORD).await.unwrap_err();
    retry_after(&err);

    let token = device.refresh_token.secret().to_owned();
    h.auth
        .login_on_device(EMAIL, Password::from(PASSWORD), &client(), &token)
        .await
        .expect("the owner's device passes the ceiling");

    // Never past the per-network limit: two wrong guesses from the device's network lock it.
    for _ in 0..2 {
        let err = h
            .auth
            .login_on_device(EMAIL, Password::from("wrong-guess-123"), &client(), &token)
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials), "{err:?}");
    }
    let err = h
        .auth
        .login_on_device(EMAIL, Password::from(PASSWORD), &client(), &token)
        .await
        .unwrap_err();
    retry_after(&err);
}

/// Only a live, current first-party refresh token of the same account counts: a rotated
/// one, another account's, or garbage leaves the ceiling in force.
#[tokio::test]
async fn only_a_live_session_of_the_same_account_passes_the_ceiling() {
    let h = harness_with(small_ceiling());
    let (_, device) = h.signup(EMAIL).await;
    let (_, other) = h.signup("lee@example.com").await;
    let rotated = device.refresh_token.secret().to_owned();
    h.auth.refresh(&rotated, &client()).await.expect("rotates");
    for n in 0..4 {
        let stranger = client_from(&format!("198.51.100.{n}"));
        h.auth
            .login(EMAIL, Password::from("wrong-guess-123"), &stranger)
            .await
            .unwrap_err();
    }
    for token in [rotated.as_str(), other.refresh_token.secret(), "garbage"] {
        let err = h
            .auth
            .login_on_device(EMAIL, Password::from(PASSWORD), &client(), token)
            .await
            .unwrap_err();
        retry_after(&err);
    }
}
