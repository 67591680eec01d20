//! Passkeys in the flows (issue 15, feature `passkey`): adding a passkey to a signed-in
//! account, signing in with it, passkey-only accounts, and the rules around them — the last
//! way in, a recent sign-in, disabled accounts, replays, and no account oracle in a hint.
//! Real WebAuthn ceremonies with a software authenticator (see `passkey_support`).

#![cfg(feature = "passkey")]

mod flows_support;
mod passkey_support;

use std::sync::Arc;
use std::time::Duration;

use auth_core::Clock;
use auth_core::flows::{
    AuthConfig, AuthError, AuthService, ClientInfo, SecondFactorSetup, SignupMode, Stores,
    TokenPair,
};
use auth_core::mfa::{SecretKey, TotpConfig};
use auth_core::passkey::{PasskeyConfig, Passkeys};
use auth_core::password::PasswordHasher;
use auth_core::store::SessionStore as _;
use auth_core::store::memory::{MemoryCeremonyStore, MemoryPasskeyStore, MemorySecondFactorStore};
use auth_core::store::{AuditKind, PasskeyRecord, PasskeyStore, StoreError, User, UserId};
use auth_core::token::{Algorithm, KeySet, SigningKey};
use flows_support::*;
use passkey_support::Browser;
use serde_json::Value;

const ORIGIN: &str = "https://example.com";

/// A harness whose service has passkeys over in-memory stores; the passkey store too.
fn harness_with_passkeys(config: AuthConfig) -> (Harness, MemoryPasskeyStore) {
    let passkey_store = MemoryPasskeyStore::new();
    let h = harness_over(config, Arc::new(passkey_store.clone()));
    (h, passkey_store)
}

/// A harness whose passkeys live in `passkey_store`.
fn harness_over(config: AuthConfig, passkey_store: Arc<dyn PasskeyStore>) -> Harness {
    let base = harness();
    let passkeys = Passkeys::new(
        PasskeyConfig::new("example.com", "Example", vec![ORIGIN.parse().unwrap()]),
        Arc::new(MemoryCeremonyStore::new()),
        passkey_store,
    )
    .expect("a valid passkey config");
    let keys = KeySet::new(
        SigningKey::hmac(
            "k1",
            Algorithm::HS256,
            b"an HS256 test secret of 32+ bytes!!",
        )
        .expect("valid key"),
    );
    let shared: Arc<dyn Clock> = Arc::new(base.clock.clone());
    let auth = AuthService::builder(keys, Stores::from(base.stores.clone()))
        .issuer(ISSUER, AUDIENCE)
        .mailer(Arc::new(base.mailer.clone()))
        .hasher(PasswordHasher::insecure_fast_for_tests())
        .clock(shared)
        .config(config)
        .second_factors(SecondFactorSetup::new(
            Arc::new(MemorySecondFactorStore::default()),
            Arc::new(MemoryCeremonyStore::new()),
            SecretKey::from_bytes([9; 32]),
        ))
        .passkeys(passkeys)
        .build()
        .expect("a service with passkeys");
    Harness { auth, ..base }
}

fn unix(at: std::time::SystemTime) -> u64 {
    at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

fn passkey_harness() -> (Harness, MemoryPasskeyStore) {
    harness_with_passkeys(AuthConfig::default())
}

/// Adds a passkey made by `browser` to `user`'s account, signed in as `pair`.
async fn add_passkey(
    h: &Harness,
    browser: &mut Browser,
    user: &User,
    pair: &TokenPair,
) -> PasskeyRecord {
    let started = h
        .auth
        .start_passkey_registration(user.id, pair.session_id)
        .await
        .expect("registration starts");
    let answer = browser
        .create(ORIGIN, started.options)
        .await
        .expect("the authenticator registers");
    h.auth
        .finish_passkey_registration(
            user.id,
            pair.session_id,
            started.token.secret(),
            answer,
            "My phone",
        )
        .await
        .expect("the registration verifies")
}

/// A passkey sign-in with `browser`, with or without an email hint.
async fn passkey_login(
    h: &Harness,
    browser: &mut Browser,
    hint: Option<&str>,
) -> Result<TokenPair, AuthError> {
    let started = h
        .auth
        .start_passkey_login(hint, &client())
        .await
        .expect("sign-in starts");
    let answer = browser
        .get(ORIGIN, started.options)
        .await
        .expect("the authenticator signs");
    h.auth
        .finish_passkey_login(started.token.secret(), answer, &client())
        .await
}

/// A passkey-only signup of `email` with `browser`.
async fn passkey_signup(h: &Harness, browser: &mut Browser, email: &str) -> (User, TokenPair) {
    let started = h
        .auth
        .start_passkey_signup(email, &client())
        .await
        .expect("signup starts");
    let answer = browser
        .create(ORIGIN, started.options)
        .await
        .expect("the authenticator registers");
    h.auth
        .finish_passkey_signup(started.token.secret(), answer, None, &client())
        .await
        .expect("the signup finishes")
}

#[tokio::test]
async fn a_passkey_added_to_a_signed_in_account_signs_in_with_its_assurance() {
    let (h, _) = passkey_harness();
    let (user, pair) = h.signup("kim@example.com").await;
    let mut browser = Browser::new();
    let record = add_passkey(&h, &mut browser, &user, &pair).await;
    assert_eq!(record.user_id, user.id);
    assert_eq!(record.name, "My phone");
    assert_eq!(
        h.auth.passkeys(user.id).await.unwrap(),
        std::slice::from_ref(&record)
    );
    let added = h.events_of(AuditKind::PasskeyChanged);
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].detail.as_deref(), Some("added"));

    h.advance(Duration::from_secs(60));
    let signed_in = passkey_login(&h, &mut browser, None)
        .await
        .expect("usernameless sign-in");
    let claims = h.claims(&signed_in);
    let key = if record.backup_eligible { "swk" } else { "hwk" };
    // RFC 8176: a key held and the user verified by the authenticator: multi-factor.
    assert_eq!(claims.amr, [key, "user", "mfa"]);
    assert_eq!(claims.auth_time, Some(unix(h.now())));
    assert_eq!(claims.sub, user.id.to_string());
    let login = h.events_of(AuditKind::Login);
    let last = login.last().expect("audited");
    assert!(last.success);
    assert_eq!(last.detail.as_deref(), Some("passkey"));
    let stored = h.auth.passkeys(user.id).await.unwrap();
    assert_eq!(stored[0].last_used_at, Some(h.now()));

    // Refresh keeps the sign-in's auth_time and amr.
    let signed_in_at = h.now();
    h.advance(Duration::from_secs(120));
    let next = h
        .auth
        .refresh(signed_in.refresh_token.secret(), &client())
        .await
        .expect("refresh");
    let refreshed = h.claims(&next);
    assert_eq!(refreshed.amr, [key, "user", "mfa"]);
    assert_eq!(refreshed.auth_time, Some(unix(signed_in_at)));
}

// A passkey sign-in is already multi-factor: an account with TOTP is not asked for a code
// (its password login is).
#[tokio::test]
async fn a_passkey_login_is_not_asked_for_totp_and_the_hinted_one_works() {
    let (h, _) = passkey_harness();
    let (user, pair) = h.signup("kim@example.com").await;
    let secret = h
        .auth
        .start_totp_enrolment(user.id, pair.session_id)
        .await
        .expect("enrolment")
        .into_secret();
    let code = TotpConfig::default()
        .code_at(&secret, h.now())
        .unwrap()
        .to_string();
    h.auth
        .confirm_totp(user.id, pair.session_id, &code)
        .await
        .expect("TOTP confirmed");
    let mut browser = Browser::new();
    add_passkey(&h, &mut browser, &user, &pair).await;
    assert!(matches!(
        h.login("kim@example.com", PASSWORD).await,
        Err(AuthError::SecondFactorRequired(_))
    ));
    let signed_in = passkey_login(&h, &mut browser, Some(" KIM@example.com "))
        .await
        .expect("sign-in with an email hint, no second step");
    assert_eq!(h.claims(&signed_in).sub, user.id.to_string());
}

#[tokio::test]
async fn passkey_only_signup_then_sign_out_then_sign_in() {
    let (h, _) = passkey_harness();
    let mut browser = Browser::new();
    let (user, pair) = passkey_signup(&h, &mut browser, "Lee@Example.com").await;
    assert_eq!(user.email, "lee@example.com");
    assert!(user.password_hash.is_none(), "a passkey-only account");
    assert!(!user.email_verified);
    let stored = h.user(user.id).await;
    assert!(stored.password_hash.is_none());
    let passkeys = h.auth.passkeys(user.id).await.unwrap();
    assert_eq!(passkeys.len(), 1);
    assert_eq!(passkeys[0].name, "Passkey");
    assert!(h.claims(&pair).amr.contains(&"mfa".to_owned()));
    let signup = h.events_of(AuditKind::Signup);
    assert_eq!(signup.len(), 1);
    assert_eq!(signup[0].detail.as_deref(), Some("passkey"));

    h.auth.logout(pair.session_id).await.expect("sign out");
    let again = passkey_login(&h, &mut browser, None)
        .await
        .expect("signs back in with the passkey");
    assert_eq!(h.claims(&again).sub, user.id.to_string());
    // No password to guess.
    let refused = h.login("lee@example.com", PASSWORD).await.unwrap_err();
    assert!(matches!(refused, AuthError::InvalidCredentials));
}

#[tokio::test]
async fn passkey_signup_with_a_taken_or_bad_email_is_refused() {
    let (h, _) = passkey_harness();
    h.signup("kim@example.com").await;
    let taken = h
        .auth
        .start_passkey_signup("KIM@example.com", &client())
        .await
        .unwrap_err();
    assert!(matches!(taken, AuthError::EmailTaken), "{taken:?}");
    let bad = h
        .auth
        .start_passkey_signup("not an address", &client())
        .await
        .unwrap_err();
    assert!(matches!(bad, AuthError::InvalidEmail), "{bad:?}");

    // Taken between the start and the finish: the finish is refused and creates nothing.
    let mut browser = Browser::new();
    let started = h
        .auth
        .start_passkey_signup("lee@example.com", &client())
        .await
        .unwrap();
    let answer = browser.create(ORIGIN, started.options).await.unwrap();
    h.signup("lee@example.com").await;
    let late = h
        .auth
        .finish_passkey_signup(started.token.secret(), answer, Some("Key"), &client())
        .await
        .unwrap_err();
    assert!(matches!(late, AuthError::EmailTaken), "{late:?}");
}

// An enumeration-safe service must not answer "taken": passkey signup is off there.
#[tokio::test]
async fn passkey_signup_is_not_enabled_in_the_enumeration_safe_mode() {
    let mut config = AuthConfig::default();
    config.signup_mode = SignupMode::EnumerationSafe;
    let (h, _) = harness_with_passkeys(config);
    let refused = h
        .auth
        .start_passkey_signup("kim@example.com", &client())
        .await
        .unwrap_err();
    assert!(matches!(refused, AuthError::NotEnabled(_)), "{refused:?}");
}

#[tokio::test]
async fn removing_the_last_passkey_of_a_passkey_only_account_is_refused() {
    let (h, store) = passkey_harness();
    let mut browser = Browser::new();
    let (user, pair) = passkey_signup(&h, &mut browser, "lee@example.com").await;
    let id = h.auth.passkeys(user.id).await.unwrap()[0]
        .credential_id
        .clone();
    let refused = h
        .auth
        .remove_passkey(user.id, pair.session_id, &id)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AuthError::LastSignInMethod),
        "{refused:?}"
    );
    assert_eq!(refused.status_code(), 409);
    assert_eq!(store.passkeys_of(user.id).await.unwrap().len(), 1);
    let audited = h.events_of(AuditKind::PasskeyChanged);
    assert_eq!(
        audited.last().unwrap().detail.as_deref(),
        Some("last_sign_in_method")
    );

    // With a second passkey, the first may go; then the second is the last again.
    let mut other = Browser::new();
    add_passkey(&h, &mut other, &user, &pair).await;
    h.auth
        .remove_passkey(user.id, pair.session_id, &id)
        .await
        .expect("another passkey remains");
    let last = h.auth.passkeys(user.id).await.unwrap()[0]
        .credential_id
        .clone();
    let refused = h
        .auth
        .remove_passkey(user.id, pair.session_id, &last)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AuthError::LastSignInMethod),
        "{refused:?}"
    );
}

// The race of "never the last way in": two concurrent removals of a passkey-only account's
// last two passkeys must not both succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_removals_of_the_last_two_passkeys_leave_one() {
    for round in 0..20 {
        let (h, store) = passkey_harness();
        let mut first = Browser::new();
        let (user, pair) = passkey_signup(&h, &mut first, &format!("u{round}@example.com")).await;
        let mut second = Browser::new();
        add_passkey(&h, &mut second, &user, &pair).await;
        let ids: Vec<Vec<u8>> = h
            .auth
            .passkeys(user.id)
            .await
            .unwrap()
            .into_iter()
            .map(|record| record.credential_id)
            .collect();
        let mut tasks = tokio::task::JoinSet::new();
        for id in ids {
            let auth = h.auth.clone();
            tasks.spawn(async move { auth.remove_passkey(user.id, pair.session_id, &id).await });
        }
        let mut removed = 0;
        while let Some(joined) = tasks.join_next().await {
            match joined.expect("task ran") {
                Ok(()) => removed += 1,
                Err(AuthError::LastSignInMethod) => {}
                Err(other) => panic!("{other:?}"),
            }
        }
        assert!(removed <= 1, "round {round}: both removals succeeded");
        assert!(
            !store.passkeys_of(user.id).await.unwrap().is_empty(),
            "round {round}: the account was left without a way in"
        );
    }
}

/// A passkey store whose deletes wait until `barrier` is full: every concurrent removal has
/// passed its first check before any of them deletes — the worst interleaving, every time.
#[derive(Debug)]
struct DeletesTogether {
    inner: MemoryPasskeyStore,
    barrier: tokio::sync::Barrier,
}

#[auth_core::async_trait]
impl PasskeyStore for DeletesTogether {
    async fn add_passkey(&self, record: &PasskeyRecord) -> Result<(), StoreError> {
        self.inner.add_passkey(record).await
    }
    async fn passkeys_of(&self, user_id: UserId) -> Result<Vec<PasskeyRecord>, StoreError> {
        self.inner.passkeys_of(user_id).await
    }
    async fn passkey_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyRecord>, StoreError> {
        self.inner.passkey_by_credential_id(credential_id).await
    }
    async fn update_passkey_use(
        &self,
        credential_id: &[u8],
        passkey: &str,
        backup_state: bool,
        now: std::time::SystemTime,
    ) -> Result<bool, StoreError> {
        self.inner
            .update_passkey_use(credential_id, passkey, backup_state, now)
            .await
    }
    async fn rename_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
        name: &str,
    ) -> Result<bool, StoreError> {
        self.inner
            .rename_passkey(user_id, credential_id, name)
            .await
    }
    async fn delete_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
    ) -> Result<bool, StoreError> {
        self.barrier.wait().await;
        self.inner.delete_passkey(user_id, credential_id).await
    }
}

// The same race forced: five concurrent removals of all five passkeys of a passkey-only
// account, each past its first check before any deletes. Without the check after the
// delete, all five would succeed and the account would have no way in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removals_that_all_pass_the_first_check_still_leave_a_way_in() {
    const N: usize = 5;
    let inner = MemoryPasskeyStore::new();
    let store = Arc::new(DeletesTogether {
        inner: inner.clone(),
        barrier: tokio::sync::Barrier::new(N),
    });
    let h = harness_over(AuthConfig::default(), store);
    let mut first = Browser::new();
    let (user, pair) = passkey_signup(&h, &mut first, "lee@example.com").await;
    for _ in 1..N {
        add_passkey(&h, &mut Browser::new(), &user, &pair).await;
    }
    let ids: Vec<Vec<u8>> = inner
        .passkeys_of(user.id)
        .await
        .unwrap()
        .into_iter()
        .map(|record| record.credential_id)
        .collect();
    assert_eq!(ids.len(), N);
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids {
        let auth = h.auth.clone();
        tasks.spawn(async move { auth.remove_passkey(user.id, pair.session_id, &id).await });
    }
    let mut removed = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined.expect("task ran") {
            Ok(()) => removed += 1,
            Err(AuthError::LastSignInMethod) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    let left = inner.passkeys_of(user.id).await.unwrap().len();
    assert!(left >= 1, "the account was left without a way in");
    assert_eq!(removed + left, N, "a refused removal puts its passkey back");
}

#[tokio::test]
async fn removal_is_allowed_when_a_password_exists() {
    let (h, store) = passkey_harness();
    let (user, pair) = h.signup("kim@example.com").await;
    let mut browser = Browser::new();
    let record = add_passkey(&h, &mut browser, &user, &pair).await;
    h.auth
        .remove_passkey(user.id, pair.session_id, &record.credential_id)
        .await
        .expect("the password remains a way in");
    assert!(store.passkeys_of(user.id).await.unwrap().is_empty());
    let gone = h
        .auth
        .remove_passkey(user.id, pair.session_id, &record.credential_id)
        .await
        .unwrap_err();
    assert!(matches!(gone, AuthError::PasskeyNotFound), "{gone:?}");
    // The removed passkey no longer signs in.
    let refused = passkey_login(&h, &mut browser, None).await.unwrap_err();
    assert!(matches!(refused, AuthError::InvalidPasskey), "{refused:?}");
}

// Rename and delete act on the owner's passkeys only.
#[tokio::test]
async fn another_users_passkey_cannot_be_renamed_or_removed() {
    let (h, _) = passkey_harness();
    let (kim, kim_pair) = h.signup("kim@example.com").await;
    let (lee, lee_pair) = h.signup("lee@example.com").await;
    let mut browser = Browser::new();
    let record = add_passkey(&h, &mut browser, &kim, &kim_pair).await;
    let rename = h
        .auth
        .rename_passkey(lee.id, &record.credential_id, "mine now")
        .await
        .unwrap_err();
    assert!(matches!(rename, AuthError::PasskeyNotFound), "{rename:?}");
    let remove = h
        .auth
        .remove_passkey(lee.id, lee_pair.session_id, &record.credential_id)
        .await
        .unwrap_err();
    assert!(matches!(remove, AuthError::PasskeyNotFound), "{remove:?}");
    // The owner renames it; a bad name is refused.
    h.auth
        .rename_passkey(kim.id, &record.credential_id, "  Work laptop ")
        .await
        .expect("renamed");
    assert_eq!(
        h.auth.passkeys(kim.id).await.unwrap()[0].name,
        "Work laptop"
    );
    let bad = h
        .auth
        .rename_passkey(kim.id, &record.credential_id, "   ")
        .await
        .unwrap_err();
    assert!(matches!(bad, AuthError::InvalidPasskeyName), "{bad:?}");
}

// WebAuthn §13.4.3: a challenge is used once. The same signed answer presented twice signs
// in once.
#[tokio::test]
async fn a_replayed_login_ceremony_is_refused() {
    let (h, _) = passkey_harness();
    let (user, pair) = h.signup("kim@example.com").await;
    let mut browser = Browser::new();
    add_passkey(&h, &mut browser, &user, &pair).await;
    let started = h.auth.start_passkey_login(None, &client()).await.unwrap();
    let answer = browser.get(ORIGIN, started.options).await.unwrap();
    h.auth
        .finish_passkey_login(started.token.secret(), answer.clone(), &client())
        .await
        .expect("the first use signs in");
    let replay = h
        .auth
        .finish_passkey_login(started.token.secret(), answer, &client())
        .await
        .unwrap_err();
    assert!(matches!(replay, AuthError::InvalidPasskey), "{replay:?}");
    let failed = h.events_of(AuditKind::Login);
    let last = failed.last().unwrap();
    assert!(!last.success);
    assert_eq!(last.detail.as_deref(), Some("passkey_refused"));
}

// Adding or removing a way in needs the user at the keyboard, not a stolen token: a session
// signed in more than 10 minutes ago is sent to re-authenticate.
#[tokio::test]
async fn a_stale_sign_in_cannot_add_or_remove_a_passkey() {
    let (h, _) = passkey_harness();
    let (user, pair) = h.signup("kim@example.com").await;
    let mut browser = Browser::new();
    let record = add_passkey(&h, &mut browser, &user, &pair).await;
    h.advance(Duration::from_secs(10 * 60 + 1));
    let start = h
        .auth
        .start_passkey_registration(user.id, pair.session_id)
        .await
        .unwrap_err();
    assert!(
        matches!(start, AuthError::ReauthenticationRequired { max_age } if max_age == Duration::from_secs(600)),
        "{start:?}"
    );
    assert_eq!(start.error_code(), "insufficient_user_authentication");
    let remove = h
        .auth
        .remove_passkey(user.id, pair.session_id, &record.credential_id)
        .await
        .unwrap_err();
    assert!(
        matches!(remove, AuthError::ReauthenticationRequired { .. }),
        "{remove:?}"
    );

    // Started while recent, finished after the window: refused too.
    let (h, _) = passkey_harness();
    let (user, pair) = h.signup("kim@example.com").await;
    let started = h
        .auth
        .start_passkey_registration(user.id, pair.session_id)
        .await
        .unwrap();
    let answer = Browser::new()
        .create(ORIGIN, started.options)
        .await
        .unwrap();
    h.advance(Duration::from_secs(10 * 60 + 1));
    let finish = h
        .auth
        .finish_passkey_registration(
            user.id,
            pair.session_id,
            started.token.secret(),
            answer,
            "Key",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(finish, AuthError::ReauthenticationRequired { .. }),
        "{finish:?}"
    );
    assert!(h.auth.passkeys(user.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_with_its_passkey() {
    let (h, _) = passkey_harness();
    let (user, pair) = h.signup("kim@example.com").await;
    let mut browser = Browser::new();
    add_passkey(&h, &mut browser, &user, &pair).await;
    let mut off = h.user(user.id).await;
    off.active = false;
    h.update(&off).await;
    let sessions_before = h
        .stores
        .sessions
        .active_sessions(user.id, h.now())
        .await
        .unwrap()
        .len();
    let refused = passkey_login(&h, &mut browser, None).await.unwrap_err();
    assert!(matches!(refused, AuthError::AccountDisabled), "{refused:?}");
    assert_eq!(
        h.stores
            .sessions
            .active_sessions(user.id, h.now())
            .await
            .unwrap()
            .len(),
        sessions_before,
        "no session started"
    );
}

/// The options without the random challenge.
fn shape(mut options: Value) -> Value {
    options["publicKey"]["challenge"] = Value::Null;
    options
}

// No account oracle: an email hint naming no account, an account without passkeys, or no
// address at all answers exactly what no hint answers.
#[tokio::test]
async fn an_unknown_email_hint_is_indistinguishable_from_no_hint() {
    let (h, _) = passkey_harness();
    h.signup("nopasskey@example.com").await;
    let start = |hint: Option<&'static str>| {
        let auth = h.auth.clone();
        async move {
            let started = auth.start_passkey_login(hint, &client()).await.unwrap();
            shape(started.options)
        }
    };
    let none = start(None).await;
    assert_eq!(none["mediation"], "conditional");
    for hint in [
        "nobody@example.com",
        "nopasskey@example.com",
        "not an address",
        "",
    ] {
        assert_eq!(start(Some(hint)).await, none, "{hint:?}");
    }
}

#[tokio::test]
async fn passkey_sign_ins_are_limited_per_client_network() {
    let (h, _) = passkey_harness();
    let limit = h
        .auth
        .config()
        .endpoint_limits
        .passkey_login
        .limit()
        .expect("limited by default")
        .max_failures;
    let flood = ClientInfo::default().ip("198.51.100.4");
    for _ in 0..limit {
        h.auth
            .start_passkey_login(None, &flood)
            .await
            .expect("under the limit");
    }
    let refused = h.auth.start_passkey_login(None, &flood).await.unwrap_err();
    assert!(
        matches!(refused, AuthError::Throttled { .. }),
        "{refused:?}"
    );
    let finish = h
        .auth
        .finish_passkey_login("x", Value::Null, &flood)
        .await
        .unwrap_err();
    assert!(matches!(finish, AuthError::Throttled { .. }), "{finish:?}");
    // Another network is not affected.
    h.auth
        .start_passkey_login(None, &client())
        .await
        .expect("another network");
}

#[tokio::test]
async fn without_passkeys_configured_the_flows_are_not_enabled() {
    let h = harness();
    let (user, pair) = h.signup("kim@example.com").await;
    let refused = h
        .auth
        .start_passkey_registration(user.id, pair.session_id)
        .await
        .unwrap_err();
    assert!(matches!(refused, AuthError::NotEnabled("passkeys")));
    assert_eq!(refused.status_code(), 404);
    assert!(matches!(
        h.auth.start_passkey_login(None, &client()).await,
        Err(AuthError::NotEnabled(_))
    ));
}

// Pre-account takeover: an attacker signs up with a passkey under the victim's address; the
// victim, finding the address taken, resets the password — the attacker's passkey must not
// keep signing in.
/// A password reset through the mailed link, to `password`.
async fn reset_password_by_mail(h: &Harness, email: &str, password: &str) {
    h.auth
        .request_password_reset(email, &client())
        .await
        .expect("request");
    h.auth.drain_background_work().await;
    let link = h
        .mailer
        .last_token(auth_core::flows::MailKind::PasswordReset, email)
        .expect("reset mailed");
    h.auth
        .reset_password(
            &link,
            auth_core::password::Password::from(password),
            &client(),
        )
        .await
        .expect("reset");
}

#[tokio::test]
async fn a_password_reset_removes_passkeys_registered_before_the_email_was_proven() {
    let (h, store) = passkey_harness();
    let mut attacker = Browser::new();
    let (user, _) = passkey_signup(&h, &mut attacker, "victim@example.com").await;
    reset_password_by_mail(&h, "victim@example.com", NEW_PASSWORD).await;
    assert!(store.passkeys_of(user.id).await.unwrap().is_empty());
    let refused = passkey_login(&h, &mut attacker, None).await.unwrap_err();
    assert!(matches!(refused, AuthError::InvalidPasskey), "{refused:?}");
    let audited = h.events_of(AuditKind::PasskeyChanged);
    assert_eq!(
        audited.last().unwrap().detail.as_deref(),
        Some("removed:unproven_at_email_proof")
    );

    // A passkey added once the address is proven stays through a later reset.
    let pair = h.login("victim@example.com", NEW_PASSWORD).await.unwrap();
    let mut owner = Browser::new();
    add_passkey(&h, &mut owner, &user, &pair).await;
    h.advance(Duration::from_secs(3600));
    reset_password_by_mail(&h, "victim@example.com", PASSWORD).await;
    assert_eq!(store.passkeys_of(user.id).await.unwrap().len(), 1);
}

/// Issue 15: "the client completes it with a TOTP code, a recovery code or a passkey" — a
/// password login of an account with TOTP and a passkey offers the passkey too, with its
/// WebAuthn options; the passkey completes the login (`amr` pwd + the key + user → mfa); a
/// passkey of another account does not.
#[tokio::test]
async fn a_passkey_completes_the_second_step_of_a_password_login() {
    use auth_core::flows::{SecondFactorMethod, SecondFactorProof};

    let (h, _) = passkey_harness();
    let (user, pair) = h.signup("kim@example.com").await;
    let secret = h
        .auth
        .start_totp_enrolment(user.id, pair.session_id)
        .await
        .unwrap()
        .into_secret();
    let code = TotpConfig::default()
        .code_at(&secret, h.now())
        .unwrap()
        .to_string();
    h.auth
        .confirm_totp(user.id, pair.session_id, &code)
        .await
        .unwrap();
    let mut browser = Browser::new();
    add_passkey(&h, &mut browser, &user, &pair).await;
    // Another account's passkey, in another authenticator.
    let mut stranger = Browser::new();
    passkey_signup(&h, &mut stranger, "lee@example.com").await;

    let challenge = match h.login("kim@example.com", PASSWORD).await {
        Err(AuthError::SecondFactorRequired(challenge)) => challenge,
        other => panic!("expected a second step, got {other:?}"),
    };
    assert_eq!(
        challenge.methods,
        [
            SecondFactorMethod::Totp,
            SecondFactorMethod::RecoveryCode,
            SecondFactorMethod::Passkey
        ]
    );
    let (ceremony, options) = challenge.passkey.expect("the passkey options");
    // The stranger's authenticator holds no credential the options allow.
    assert!(stranger.get(ORIGIN, options.clone()).await.is_err());
    let answer = browser
        .get(ORIGIN, options)
        .await
        .expect("the authenticator answers");
    let pair = h
        .auth
        .complete_second_factor(
            challenge.token.secret(),
            SecondFactorProof::Passkey {
                ceremony: ceremony.secret().to_owned(),
                credential: answer.clone(),
            },
            &client(),
        )
        .await
        .expect("the passkey completes the login");
    let amr = h.claims(&pair).amr;
    assert!(
        amr.contains(&"pwd".to_owned()) && amr.contains(&"user".to_owned()),
        "{amr:?}"
    );
    assert!(amr.contains(&"mfa".to_owned()), "{amr:?}");

    // The same answer again (a replayed ceremony) at a new login is refused.
    let again = match h.login("kim@example.com", PASSWORD).await {
        Err(AuthError::SecondFactorRequired(challenge)) => challenge,
        other => panic!("expected a second step, got {other:?}"),
    };
    let replay = h
        .auth
        .complete_second_factor(
            again.token.secret(),
            SecondFactorProof::Passkey {
                ceremony: ceremony.secret().to_owned(),
                credential: answer,
            },
            &client(),
        )
        .await;
    assert!(
        matches!(replay, Err(AuthError::InvalidSecondFactor { .. })),
        "{replay:?}"
    );
}

/// A passkey-only account steps up with its passkey: after ten minutes adding a passkey needs
/// a recent sign-in, and the passkey re-authentication gives one (amr with the key, `user`
/// and `mfa`), without a password it does not have.
#[tokio::test]
async fn a_passkey_only_account_steps_up_with_its_passkey() {
    let (h, _) = passkey_harness();
    let mut browser = Browser::new();
    let (user, pair) = passkey_signup(&h, &mut browser, "kim@example.com").await;
    h.advance(Duration::from_secs(11 * 60));
    assert!(matches!(
        h.auth
            .start_passkey_registration(user.id, pair.session_id)
            .await,
        Err(AuthError::ReauthenticationRequired { .. })
    ));
    let started = h
        .auth
        .start_passkey_reauthentication(user.id, pair.session_id)
        .await
        .expect("starts");
    let answer = browser.get(ORIGIN, started.options).await.expect("answers");
    let token = h
        .auth
        .finish_passkey_reauthentication(
            user.id,
            pair.session_id,
            started.token.secret(),
            answer.clone(),
        )
        .await
        .expect("the passkey re-authenticates");
    let claims = h.verifier.verify(token.token.secret()).unwrap();
    assert_eq!(claims.auth_time, Some(unix(h.now())));
    assert!(claims.is_multi_factor() && claims.has_amr("user"));
    // The ceremony is spent.
    let replay = h
        .auth
        .finish_passkey_reauthentication(user.id, pair.session_id, started.token.secret(), answer)
        .await;
    assert!(
        matches!(replay, Err(AuthError::InvalidPasskey)),
        "{replay:?}"
    );
    h.auth
        .start_passkey_registration(user.id, pair.session_id)
        .await
        .expect("a recent sign-in now");
}
