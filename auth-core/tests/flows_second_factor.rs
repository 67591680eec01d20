//! TOTP and recovery codes in the flows (issue 15): enrolment, the login's second step, and
//! every way to get it wrong — replayed codes, a challenge used twice or after expiry, a
//! stale sign-in changing second factors.

mod flows_support;

use std::sync::Arc;
use std::time::Duration;

use auth_core::flows::{AuthError, SecondFactorMethod, SecondFactorProof, TokenPair};
use auth_core::mfa::{RecoveryCodes, TotpConfig, TotpEnrolment, TotpSecret};
use auth_core::password::Password;
use auth_core::store::{AuditKind, SessionId, User};
use flows_support::*;

/// Signs up, enrols and confirms TOTP; answers the user, the app's secret and the codes.
async fn enrolled(h: &Harness) -> (User, TotpSecret, RecoveryCodes, TokenPair) {
    let (user, pair) = h.signup("kim@example.com").await;
    let enrolment: TotpEnrolment = h
        .auth
        .start_totp_enrolment(user.id, pair.session_id)
        .await
        .expect("enrolment starts");
    assert!(
        enrolment
            .otpauth_uri()
            .starts_with("otpauth://totp/Flows%20Test:kim%40example.com?")
    );
    assert!(enrolment.qr_svg().expect("svg").contains("<svg"));
    let secret = enrolment.into_secret();
    let code = code(h, &secret);
    let (codes, token) = h
        .auth
        .confirm_totp(user.id, pair.session_id, &code)
        .await
        .expect("the first code confirms");
    let claims = h.verifier.verify(token.token.secret()).expect("verifies");
    assert_eq!(
        claims.amr,
        ["pwd", "otp", "mfa"],
        "confirming proves the code in this session"
    );
    (user, secret, codes, pair)
}

/// The app's code now.
fn code(h: &Harness, secret: &TotpSecret) -> String {
    TotpConfig::default()
        .code_at(secret, h.now())
        .expect("a code")
        .to_string()
}

/// A login that must answer a second-factor challenge; its token.
async fn challenged(h: &Harness) -> String {
    match h.login("kim@example.com", PASSWORD).await {
        Err(AuthError::SecondFactorRequired(challenge)) => {
            assert!(challenge.methods.contains(&SecondFactorMethod::Totp));
            challenge.token.secret().to_owned()
        }
        other => panic!("expected a second-factor challenge, got {other:?}"),
    }
}

async fn complete(
    h: &Harness,
    challenge: &str,
    proof: SecondFactorProof,
) -> Result<TokenPair, AuthError> {
    h.auth
        .complete_second_factor(challenge, proof, &client())
        .await
}

#[tokio::test]
async fn a_login_of_an_enrolled_account_needs_the_second_factor() {
    let (h, _) = harness_with_second_factors();
    let (user, secret, _, _) = enrolled(&h).await;
    h.advance(Duration::from_secs(30)); // the next time step
    let challenge = challenged(&h).await;
    let pair = complete(&h, &challenge, SecondFactorProof::Totp(code(&h, &secret)))
        .await
        .expect("the code completes the login");
    let claims = h.claims(&pair);
    assert_eq!(claims.sub, user.id.to_string());
    assert_eq!(claims.amr, ["pwd", "otp", "mfa"]);
    assert!(claims.is_multi_factor());
    assert_eq!(claims.auth_time, Some(NOW + 30));
    assert!(
        h.events_of(AuditKind::SecondFactor)
            .iter()
            .any(|e| e.success && e.detail.as_deref() == Some("totp"))
    );

    // amr and auth_time survive refresh.
    h.advance(Duration::from_secs(300));
    let refreshed = h
        .auth
        .refresh(pair.refresh_token.secret(), &client())
        .await
        .expect("refresh");
    let claims = h.claims(&refreshed);
    assert_eq!(claims.amr, ["pwd", "otp", "mfa"]);
    assert_eq!(claims.auth_time, Some(NOW + 30));
}

#[tokio::test]
async fn a_wrong_password_never_reaches_the_second_step() {
    let (h, _) = harness_with_second_factors();
    enrolled(&h).await;
    let refused = h.login("kim@example.com", "not-my-password-1").await;
    assert!(
        matches!(refused, Err(AuthError::InvalidCredentials)),
        "{refused:?}"
    );
}

/// RFC 6238 §5.2: a code is accepted once — the same code at a second login in the same
/// time step is refused (and the attempt counted), even though it is "correct".
#[tokio::test]
async fn totp_code_replay_is_refused_rfc6238_5_2() {
    let (h, _) = harness_with_second_factors();
    let (_, secret, _, _) = enrolled(&h).await;
    h.advance(Duration::from_secs(30));
    let code_now = code(&h, &secret);
    let first = challenged(&h).await;
    complete(&h, &first, SecondFactorProof::Totp(code_now.clone()))
        .await
        .expect("first use");
    let second = challenged(&h).await;
    let replay = complete(&h, &second, SecondFactorProof::Totp(code_now)).await;
    assert!(
        matches!(
            replay,
            Err(AuthError::InvalidSecondFactor { retry: Some(_) })
        ),
        "{replay:?}"
    );
}

/// The code confirming an enrolment is spent too: it cannot then complete a login.
#[tokio::test]
async fn the_confirmation_code_cannot_be_replayed_at_login() {
    let (h, _) = harness_with_second_factors();
    let (_, secret, _, _) = enrolled(&h).await;
    let challenge = challenged(&h).await;
    let replay = complete(&h, &challenge, SecondFactorProof::Totp(code(&h, &secret))).await;
    assert!(
        matches!(replay, Err(AuthError::InvalidSecondFactor { .. })),
        "{replay:?}"
    );
}

#[tokio::test]
async fn a_second_factor_challenge_used_twice_is_refused() {
    let (h, _) = harness_with_second_factors();
    let (_, secret, _, _) = enrolled(&h).await;
    h.advance(Duration::from_secs(30));
    let challenge = challenged(&h).await;
    complete(&h, &challenge, SecondFactorProof::Totp(code(&h, &secret)))
        .await
        .expect("first use");
    h.advance(Duration::from_secs(30));
    let again = complete(&h, &challenge, SecondFactorProof::Totp(code(&h, &secret))).await;
    assert!(
        matches!(again, Err(AuthError::InvalidSecondFactor { retry: None })),
        "a used challenge is gone, and earns no retry: {again:?}"
    );
}

#[tokio::test]
async fn a_second_factor_challenge_after_expiry_is_refused() {
    let (h, _) = harness_with_second_factors();
    let (_, secret, _, _) = enrolled(&h).await;
    let challenge = challenged(&h).await;
    h.advance(Duration::from_secs(301));
    let late = complete(&h, &challenge, SecondFactorProof::Totp(code(&h, &secret))).await;
    assert!(
        matches!(late, Err(AuthError::InvalidSecondFactor { retry: None })),
        "{late:?}"
    );
    let garbage = complete(
        &h,
        "not-a-challenge",
        SecondFactorProof::Totp("123456".into()),
    )
    .await;
    assert!(
        matches!(garbage, Err(AuthError::InvalidSecondFactor { retry: None })),
        "{garbage:?}"
    );
}

#[tokio::test]
async fn a_wrong_code_gets_a_fresh_challenge_until_the_attempts_run_out() {
    let (h, _) = harness_with_second_factors();
    let (_, secret, _, _) = enrolled(&h).await;
    h.advance(Duration::from_secs(30));
    let mut challenge = challenged(&h).await;
    let right = code(&h, &secret);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    }
    .to_owned();
    for attempt in 1..=4 {
        match complete(&h, &challenge, SecondFactorProof::Totp(wrong.clone())).await {
            Err(AuthError::InvalidSecondFactor { retry: Some(next) }) => {
                let next = next.token.secret().to_owned();
                assert_ne!(next, challenge, "attempt {attempt}: a new token each time");
                challenge = next;
            }
            other => panic!("attempt {attempt}: {other:?}"),
        }
    }
    // The fifth wrong code is the last: no retry, the password is needed again.
    let last = complete(&h, &challenge, SecondFactorProof::Totp(wrong.clone())).await;
    assert!(
        matches!(last, Err(AuthError::InvalidSecondFactor { retry: None })),
        "{last:?}"
    );
    // And the account's second-factor throttle (5 per 15 minutes) is now full: even the
    // right code of a new login is refused without being checked.
    let fresh = challenged(&h).await;
    let throttled = complete(&h, &fresh, SecondFactorProof::Totp(right)).await;
    assert!(
        matches!(throttled, Err(AuthError::Throttled { .. })),
        "{throttled:?}"
    );
}

#[tokio::test]
async fn a_recovery_code_completes_a_login_once() {
    let (h, store) = harness_with_second_factors();
    let (user, _, codes, _) = enrolled(&h).await;
    let recovery = codes.codes()[3].expose_secret().to_uppercase();
    let challenge = challenged(&h).await;
    let pair = complete(
        &h,
        &challenge,
        SecondFactorProof::RecoveryCode(recovery.clone()),
    )
    .await
    .expect("a recovery code (typed in capitals) completes the login");
    assert_eq!(h.claims(&pair).amr, ["pwd", "otp", "mfa"]);
    assert!(
        h.events_of(AuditKind::SecondFactor)
            .iter()
            .any(|e| e.success && e.detail.as_deref() == Some("recovery_code"))
    );
    use auth_core::store::SecondFactorStore as _;
    assert_eq!(store.recovery_codes_left(user.id).await.unwrap(), 9);

    let again = challenged(&h).await;
    let replay = complete(&h, &again, SecondFactorProof::RecoveryCode(recovery)).await;
    assert!(
        matches!(replay, Err(AuthError::InvalidSecondFactor { .. })),
        "{replay:?}"
    );
}

/// Changing second factors needs a recent sign-in (a stolen access token of an old session
/// must not turn 2FA off), and re-authenticating provides it.
#[tokio::test]
async fn changing_second_factors_needs_a_recent_sign_in() {
    let (h, _) = harness_with_second_factors();
    let (user, _, _, pair) = enrolled(&h).await;
    h.advance(Duration::from_secs(11 * 60));
    let stale = h.auth.remove_totp(user.id, pair.session_id).await;
    assert!(
        matches!(stale, Err(AuthError::ReauthenticationRequired { max_age }) if max_age == Duration::from_secs(600)),
        "{stale:?}"
    );
    let stale = h
        .auth
        .regenerate_recovery_codes(user.id, pair.session_id)
        .await;
    assert!(
        matches!(stale, Err(AuthError::ReauthenticationRequired { .. })),
        "{stale:?}"
    );
    h.auth
        .reauthenticate(user.id, pair.session_id, Password::from(PASSWORD))
        .await
        .expect("re-authentication");
    let codes = h
        .auth
        .regenerate_recovery_codes(user.id, pair.session_id)
        .await
        .expect("fresh codes");
    assert_eq!(codes.codes().len(), 10);
    h.auth
        .remove_totp(user.id, pair.session_id)
        .await
        .expect("removed");
    let status = h.auth.second_factor_status(user.id).await.unwrap();
    assert!(!status.totp && status.recovery_codes_left == 0);
    // Logins no longer ask for a second factor.
    h.login("kim@example.com", PASSWORD)
        .await
        .expect("password alone");
}

#[tokio::test]
async fn an_unconfirmed_enrolment_changes_nothing_and_a_wrong_first_code_does_not_confirm() {
    let (h, _) = harness_with_second_factors();
    let (user, pair) = h.signup("kim@example.com").await;
    let enrolment = h
        .auth
        .start_totp_enrolment(user.id, pair.session_id)
        .await
        .unwrap();
    h.login("kim@example.com", PASSWORD)
        .await
        .expect("not confirmed: no second step yet");
    let right = code(&h, enrolment.secret());
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let refused = h.auth.confirm_totp(user.id, pair.session_id, wrong).await;
    assert!(
        matches!(refused, Err(AuthError::InvalidCode)),
        "{refused:?}"
    );
    h.auth
        .confirm_totp(user.id, pair.session_id, &right)
        .await
        .expect("the right code confirms");
    let again = h.auth.start_totp_enrolment(user.id, pair.session_id).await;
    assert!(
        matches!(again, Err(AuthError::TotpAlreadyEnrolled)),
        "{again:?}"
    );
    let foreign = h
        .auth
        .start_totp_enrolment(user.id, SessionId::generate().unwrap())
        .await;
    assert!(
        matches!(foreign, Err(AuthError::SessionNotFound)),
        "{foreign:?}"
    );
}

/// Of 20 concurrent completions of one challenge with the right code, exactly one signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_completions_of_one_challenge_sign_in_once() {
    let (h, _) = harness_with_second_factors();
    let (_, secret, _, _) = enrolled(&h).await;
    h.advance(Duration::from_secs(30));
    let challenge = challenged(&h).await;
    let right = code(&h, &secret);
    let auth = Arc::new(h.auth.clone());
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (auth, challenge, right) = (auth.clone(), challenge.clone(), right.clone());
        tasks.push(tokio::spawn(async move {
            auth.complete_second_factor(&challenge, SecondFactorProof::Totp(right), &client())
                .await
                .is_ok()
        }));
    }
    let mut wins = 0;
    for task in tasks {
        wins += usize::from(task.await.unwrap());
    }
    assert_eq!(wins, 1);
}

#[tokio::test]
async fn without_a_setup_second_factors_are_not_enabled() {
    let h = harness();
    let (user, pair) = h.signup("kim@example.com").await;
    let refused = h.auth.start_totp_enrolment(user.id, pair.session_id).await;
    assert!(
        matches!(refused, Err(AuthError::NotEnabled(_))),
        "{refused:?}"
    );
}

/// `AuthConfig::acr`: the host's levels follow the sign-in — single-factor for the password,
/// multi-factor once a second factor is proven (at confirmation, and at the next login).
#[tokio::test]
async fn acr_levels_follow_the_factors_of_the_sign_in() {
    let mut config = auth_core::flows::AuthConfig::default();
    config.acr = auth_core::flows::AcrLevels::new("urn:example:loa:1", "urn:example:loa:2");
    let (h, _) = harness_with_second_factors_and(config);
    let (_, secret, _, pair) = enrolled(&h).await;
    let first = h.session(pair.session_id).await;
    assert_eq!(
        first.acr.as_deref(),
        Some("urn:example:loa:2"),
        "confirming the code proved a second factor in this session"
    );
    h.advance(Duration::from_secs(30));
    let challenge = challenged(&h).await;
    let done = complete(&h, &challenge, SecondFactorProof::Totp(code(&h, &secret)))
        .await
        .unwrap();
    assert_eq!(h.claims(&done).acr.as_deref(), Some("urn:example:loa:2"));
    let (_, other) = h.signup("lee@example.com").await;
    assert_eq!(h.claims(&other).acr.as_deref(), Some("urn:example:loa:1"));
}

/// Step-up with a TOTP code (for accounts whose way in is not a password): the session's
/// `auth_time` moves, the code is spent (a replay is refused), and the stale-sign-in rule is
/// then satisfied.
#[tokio::test]
async fn reauthentication_with_a_totp_code_moves_auth_time_and_refuses_a_replay() {
    let (h, _) = harness_with_second_factors();
    let (user, secret, _, pair) = enrolled(&h).await;
    h.advance(Duration::from_secs(11 * 60));
    assert!(matches!(
        h.auth.remove_totp(user.id, pair.session_id).await,
        Err(AuthError::ReauthenticationRequired { .. })
    ));
    let code_now = code(&h, &secret);
    let token = h
        .auth
        .reauthenticate_with_totp(user.id, pair.session_id, &code_now)
        .await
        .expect("the code re-authenticates");
    let claims = h.verifier.verify(token.token.secret()).unwrap();
    assert_eq!(claims.auth_time, Some(NOW + 11 * 60));
    assert!(claims.is_multi_factor());
    let replay = h
        .auth
        .reauthenticate_with_totp(user.id, pair.session_id, &code_now)
        .await;
    assert!(
        matches!(replay, Err(AuthError::InvalidCredentials)),
        "{replay:?}"
    );
    h.auth
        .remove_totp(user.id, pair.session_id)
        .await
        .expect("recent again");
}
