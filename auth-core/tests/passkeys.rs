//! Passkeys end to end (feature `passkey`): real WebAuthn ceremonies between
//! `auth_core::passkey::Passkeys` and a software authenticator with its WebAuthn client
//! (1Password's passkey-authenticator and passkey-client), speaking the browser's JSON.
//! Each attack test names what it pins.

#![cfg(feature = "passkey")]

mod passkey_support;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_core::passkey::{PasskeyConfig, PasskeyError, Passkeys};
use auth_core::store::memory::{MemoryCeremonyStore, MemoryPasskeyStore};
use auth_core::store::{PasskeyRecord, PasskeyStore, StoreError, User, UserId};
use passkey_support::Browser;
use serde_json::Value;

const RP_ID: &str = "example.com";
const ORIGIN: &str = "https://example.com";
/// Also ours (in the config): a subdomain that serves the sign-in page.
const LOGIN_ORIGIN: &str = "https://login.example.com";

fn t(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000 + seconds)
}

struct Site {
    passkeys: Passkeys,
    store: MemoryPasskeyStore,
}

fn site() -> Site {
    let config = PasskeyConfig::new(
        RP_ID,
        "Example",
        vec![ORIGIN.parse().unwrap(), LOGIN_ORIGIN.parse().unwrap()],
    );
    let store = MemoryPasskeyStore::new();
    let passkeys = Passkeys::new(
        config,
        Arc::new(MemoryCeremonyStore::new()),
        Arc::new(store.clone()),
    )
    .expect("a valid config");
    Site { passkeys, store }
}

fn user(name: &str) -> User {
    User::new(
        UserId::generate().unwrap(),
        &format!("{name}@example.com"),
        t(0),
    )
}

/// Registers a passkey for `user` with `browser` at `t(1)`.
async fn register(site: &Site, browser: &mut Browser, user: &User) -> PasskeyRecord {
    let (token, options) = site.passkeys.start_registration(user, t(0)).await.unwrap();
    let answer = browser
        .create(ORIGIN, options)
        .await
        .expect("the authenticator registers");
    site.passkeys
        .finish_registration(token.secret(), &user.id, answer, "My phone", t(1))
        .await
        .expect("the registration verifies")
}

/// A sign-in ceremony: start (with `hint`) at `t(start)`, the browser answers on `origin`.
async fn sign_in(
    site: &Site,
    browser: &mut Browser,
    hint: Option<&UserId>,
    origin: &str,
    start: u64,
) -> Result<(UserId, PasskeyRecord), PasskeyError> {
    let (token, options) = site
        .passkeys
        .start_authentication(hint, t(start))
        .await
        .unwrap();
    let answer = browser
        .get(origin, options)
        .await
        .expect("the authenticator signs");
    site.passkeys
        .finish_authentication(token.secret(), answer, t(start + 1))
        .await
}

#[tokio::test]
async fn register_then_sign_in_without_and_with_a_user_hint() {
    let site = site();
    let kim = user("kim");
    let mut browser = Browser::new();

    let (token, options) = site.passkeys.start_registration(&kim, t(0)).await.unwrap();
    // Discoverable (passkey-only sign-in), user verification required.
    assert_eq!(
        options.pointer("/publicKey/authenticatorSelection/residentKey"),
        Some(&Value::from("required")),
        "{options}"
    );
    assert_eq!(
        options.pointer("/publicKey/authenticatorSelection/userVerification"),
        Some(&Value::from("required"))
    );
    let answer = browser.create(ORIGIN, options).await.unwrap();
    let record = site
        .passkeys
        .finish_registration(token.secret(), &kim.id, answer, "  Kim's phone ", t(1))
        .await
        .unwrap();
    assert_eq!(record.user_id, kim.id);
    assert_eq!(record.name, "Kim's phone");
    assert_eq!(record.created_at, t(1));
    assert_eq!(record.last_used_at, None);
    assert_eq!(
        site.store.passkeys_of(kim.id).await.unwrap(),
        vec![record.clone()]
    );

    // Usernameless: the authenticator picks the passkey and returns the user handle.
    let (who, used) = sign_in(&site, &mut browser, None, ORIGIN, 10)
        .await
        .unwrap();
    assert_eq!(who, kim.id);
    assert_eq!(used.credential_id, record.credential_id);
    assert_eq!(used.last_used_at, Some(t(11)));
    assert_eq!(
        site.store
            .passkey_by_credential_id(&record.credential_id)
            .await
            .unwrap()
            .and_then(|stored| stored.last_used_at),
        Some(t(11)),
        "the use is recorded in the store"
    );

    // With a hint: allowCredentials lists Kim's passkey, on the other configured origin.
    let (token, options) = site
        .passkeys
        .start_authentication(Some(&kim.id), t(20))
        .await
        .unwrap();
    let allowed = options
        .pointer("/publicKey/allowCredentials")
        .and_then(Value::as_array)
        .expect("a hinted request lists the user's passkeys");
    assert_eq!(allowed.len(), 1);
    let answer = browser.get(LOGIN_ORIGIN, options).await.unwrap();
    let (who, _) = site
        .passkeys
        .finish_authentication(token.secret(), answer, t(21))
        .await
        .unwrap();
    assert_eq!(who, kim.id);
}

// WebAuthn §13.4.3 (replay): a challenge is good for one ceremony. The same token and answer
// again find no ceremony, and the answer presented to a fresh ceremony fails its challenge.
#[tokio::test]
async fn webauthn_challenge_replay_is_refused() {
    let site = site();
    let kim = user("kim");
    let mut browser = Browser::new();
    register(&site, &mut browser, &kim).await;

    let (token, options) = site
        .passkeys
        .start_authentication(None, t(10))
        .await
        .unwrap();
    let answer = browser.get(ORIGIN, options).await.unwrap();
    site.passkeys
        .finish_authentication(token.secret(), answer.clone(), t(11))
        .await
        .expect("the first use signs in");
    let again = site
        .passkeys
        .finish_authentication(token.secret(), answer.clone(), t(12))
        .await;
    assert!(
        matches!(again, Err(PasskeyError::UnknownCeremony)),
        "{again:?}"
    );

    let (fresh, _) = site
        .passkeys
        .start_authentication(None, t(13))
        .await
        .unwrap();
    let replayed = site
        .passkeys
        .finish_authentication(fresh.secret(), answer, t(14))
        .await;
    assert!(
        matches!(replayed, Err(PasskeyError::Rejected)),
        "{replayed:?}"
    );
}

// Phishing (WebAuthn §13.4.9, origin check): a look-alike site relays our challenge to the
// user's browser; the browser signs for the page it is on. An origin we did not configure —
// even a subdomain of the RP id — is refused.
#[tokio::test]
async fn assertion_made_for_another_origin_is_refused() {
    let site = site();
    let kim = user("kim");
    let mut browser = Browser::new();
    register(&site, &mut browser, &kim).await;

    for origin in ["https://evil.example.com", "https://example.com:8443"] {
        let result = sign_in(&site, &mut browser, None, origin, 10).await;
        assert!(
            matches!(result, Err(PasskeyError::Rejected)),
            "{origin}: {result:?}"
        );
    }
    // And the ceremony was spent by the refused attempt.
    let (token, options) = site
        .passkeys
        .start_authentication(None, t(20))
        .await
        .unwrap();
    let answer = browser
        .get("https://evil.example.com", options)
        .await
        .unwrap();
    let _ = site
        .passkeys
        .finish_authentication(token.secret(), answer, t(21))
        .await;
    let answer = {
        let (_, options) = site
            .passkeys
            .start_authentication(None, t(22))
            .await
            .unwrap();
        browser.get(ORIGIN, options).await.unwrap()
    };
    let reused = site
        .passkeys
        .finish_authentication(token.secret(), answer, t(23))
        .await;
    assert!(
        matches!(reused, Err(PasskeyError::UnknownCeremony)),
        "{reused:?}"
    );
}

// WebAuthn §7.2 step 15 (rpIdHash): an assertion scoped to another RP id is refused, even
// from an origin we serve. Here the page on login.example.com asks for rp id
// "login.example.com" (which that origin may claim), and a phishing site on example.org
// relays our challenge under its own rp id.
#[tokio::test]
async fn assertion_made_for_another_rp_id_is_refused() {
    let site = site();
    let kim = user("kim");
    let mut browser = Browser::new();
    register(&site, &mut browser, &kim).await;

    for (origin, rp_id) in [
        (LOGIN_ORIGIN, "login.example.com"),
        ("https://example.org", "example.org"),
    ] {
        let (token, mut options) = site
            .passkeys
            .start_authentication(None, t(10))
            .await
            .unwrap();
        options["publicKey"]["rpId"] = Value::from(rp_id);
        // The software authenticator holds one passkey and uses it whatever the rp id: the
        // worst case, a confused or malicious authenticator.
        let answer = browser.get(origin, options).await.unwrap();
        let result = site
            .passkeys
            .finish_authentication(token.secret(), answer, t(11))
            .await;
        assert!(
            matches!(result, Err(PasskeyError::Rejected)),
            "{rp_id}: {result:?}"
        );
    }
}

// A credential the site does not know (deleted, or registered elsewhere) is refused like
// any other failure.
#[tokio::test]
async fn unknown_credential_is_refused() {
    let site = site();
    let elsewhere = self::site();
    let kim = user("kim");
    let mut browser = Browser::new();
    // Registered on another site (same RP id, another store).
    register(&elsewhere, &mut browser, &kim).await;
    let result = sign_in(&site, &mut browser, None, ORIGIN, 10).await;
    assert!(matches!(result, Err(PasskeyError::Rejected)), "{result:?}");

    // Registered here, then deleted.
    let mut browser = Browser::new();
    let record = register(&site, &mut browser, &kim).await;
    assert!(
        site.store
            .delete_passkey(kim.id, &record.credential_id)
            .await
            .unwrap()
    );
    let result = sign_in(&site, &mut browser, None, ORIGIN, 20).await;
    assert!(matches!(result, Err(PasskeyError::Rejected)), "{result:?}");
}

// A ceremony is good for `ceremony_ttl` (5 minutes), not a moment longer.
#[tokio::test]
async fn expired_ceremony_is_refused() {
    let site = site();
    let kim = user("kim");
    let mut browser = Browser::new();

    let (token, options) = site.passkeys.start_registration(&kim, t(0)).await.unwrap();
    let answer = browser.create(ORIGIN, options).await.unwrap();
    let late = site
        .passkeys
        .finish_registration(token.secret(), &kim.id, answer, "phone", t(300))
        .await;
    assert!(
        matches!(late, Err(PasskeyError::UnknownCeremony)),
        "{late:?}"
    );

    register(&site, &mut browser, &kim).await;
    let (token, options) = site
        .passkeys
        .start_authentication(None, t(1_000))
        .await
        .unwrap();
    let answer = browser.get(ORIGIN, options).await.unwrap();
    let late = site
        .passkeys
        .finish_authentication(token.secret(), answer.clone(), t(1_300))
        .await;
    assert!(
        matches!(late, Err(PasskeyError::UnknownCeremony)),
        "{late:?}"
    );
}

// Every credential carries its kind: a registration ceremony never finishes a sign-in (and
// is spent by the attempt), and a sign-in ceremony never finishes a registration.
#[tokio::test]
async fn registration_ceremony_used_for_authentication_is_refused() {
    let site = site();
    let kim = user("kim");
    let mut browser = Browser::new();
    register(&site, &mut browser, &kim).await;

    let (registration, options) = site.passkeys.start_registration(&kim, t(10)).await.unwrap();
    let (_, sign_in_options) = site
        .passkeys
        .start_authentication(None, t(10))
        .await
        .unwrap();
    let assertion = browser.get(ORIGIN, sign_in_options).await.unwrap();
    let crossed = site
        .passkeys
        .finish_authentication(registration.secret(), assertion, t(11))
        .await;
    assert!(
        matches!(crossed, Err(PasskeyError::UnknownCeremony)),
        "{crossed:?}"
    );
    // Spent: the registration cannot be finished with it any more.
    let mut other = Browser::new();
    let created = other.create(ORIGIN, options).await.unwrap();
    let spent = site
        .passkeys
        .finish_registration(registration.secret(), &kim.id, created, "x", t(12))
        .await;
    assert!(
        matches!(spent, Err(PasskeyError::UnknownCeremony)),
        "{spent:?}"
    );

    let (sign_in_token, _) = site
        .passkeys
        .start_authentication(None, t(20))
        .await
        .unwrap();
    let (_, options) = site.passkeys.start_registration(&kim, t(20)).await.unwrap();
    let created = Browser::new().create(ORIGIN, options).await.unwrap();
    let crossed = site
        .passkeys
        .finish_registration(sign_in_token.secret(), &kim.id, created, "x", t(21))
        .await;
    assert!(
        matches!(crossed, Err(PasskeyError::UnknownCeremony)),
        "{crossed:?}"
    );
}

// A registration ceremony belongs to the user it was started for: another signed-in user
// cannot finish it (and attach their account to the victim's authenticator, or the reverse).
#[tokio::test]
async fn registration_ceremony_of_another_user_is_refused() {
    let site = site();
    let kim = user("kim");
    let lee = user("lee");
    let (token, options) = site.passkeys.start_registration(&kim, t(0)).await.unwrap();
    let answer = Browser::new().create(ORIGIN, options).await.unwrap();
    let result = site
        .passkeys
        .finish_registration(token.secret(), &lee.id, answer, "phone", t(1))
        .await;
    assert!(
        matches!(result, Err(PasskeyError::UnknownCeremony)),
        "{result:?}"
    );
    assert!(site.store.is_empty());
}

// One authenticator, registered twice: the second ceremony excludes the first credential, so
// the authenticator refuses; and a credential id that got registered meanwhile (to anyone)
// is refused at the finish instead of attached to a second account.
#[tokio::test]
async fn two_registrations_of_the_same_authenticator_are_refused() {
    let site = site();
    let kim = user("kim");
    let lee = user("lee");
    let mut browser = Browser::new();
    let first = register(&site, &mut browser, &kim).await;

    let (_, options) = site.passkeys.start_registration(&kim, t(10)).await.unwrap();
    let excluded = options
        .pointer("/publicKey/excludeCredentials")
        .and_then(Value::as_array)
        .expect("the user's passkeys are excluded");
    assert_eq!(excluded.len(), 1);
    let refused = browser.create(ORIGIN, options).await;
    assert!(
        refused.is_err(),
        "the authenticator must refuse an excluded credential"
    );

    // A race: Lee's new credential id is registered (to Kim) between start and finish.
    let (token, options) = site.passkeys.start_registration(&lee, t(20)).await.unwrap();
    let answer = Browser::new().create(ORIGIN, options).await.unwrap();
    let raw_id = answer["id"]
        .as_str()
        .expect("the credential id, base64url")
        .to_owned();
    let id = base64_url(&raw_id);
    let squatter = PasskeyRecord::new(
        id,
        kim.id,
        "squat",
        first.passkey.clone(),
        t(20),
        false,
        false,
    );
    site.store.add_passkey(&squatter).await.unwrap();
    let result = site
        .passkeys
        .finish_registration(token.secret(), &lee.id, answer, "phone", t(21))
        .await;
    assert!(matches!(result, Err(PasskeyError::Rejected)), "{result:?}");
    assert!(site.store.passkeys_of(lee.id).await.unwrap().is_empty());
}

// User enumeration: a hint naming a user without passkeys (or nobody) answers exactly what
// no hint answers — same fields, no allowCredentials — and finishes like a usernameless
// sign-in.
#[tokio::test]
async fn a_hint_without_passkeys_looks_like_no_hint() {
    let site = site();
    let kim = user("kim");
    let mut browser = Browser::new();
    register(&site, &mut browser, &kim).await;
    let nobody = UserId::generate().unwrap();

    let shape = |mut options: Value| {
        options["publicKey"]["challenge"] = Value::Null;
        options
    };
    let (_, plain) = site
        .passkeys
        .start_authentication(None, t(10))
        .await
        .unwrap();
    let (token, hinted) = site
        .passkeys
        .start_authentication(Some(&nobody), t(10))
        .await
        .unwrap();
    assert_eq!(shape(hinted.clone()), shape(plain));
    assert!(
        hinted
            .pointer("/publicKey/allowCredentials")
            .is_none_or(|list| list.as_array().is_some_and(Vec::is_empty))
    );
    // Kim's passkey finishes it: the hint bound nothing.
    let answer = browser.get(ORIGIN, hinted).await.unwrap();
    let (who, _) = site
        .passkeys
        .finish_authentication(token.secret(), answer, t(11))
        .await
        .unwrap();
    assert_eq!(who, kim.id);
}

// A hinted ceremony is bound to that user: another user's passkey cannot finish it.
#[tokio::test]
async fn a_hinted_ceremony_refuses_another_users_passkey() {
    let site = site();
    let kim = user("kim");
    let lee = user("lee");
    let mut kims = Browser::new();
    let mut lees = Browser::new();
    register(&site, &mut kims, &kim).await;
    register(&site, &mut lees, &lee).await;

    let (token, mut options) = site
        .passkeys
        .start_authentication(Some(&kim.id), t(10))
        .await
        .unwrap();
    // Lee's browser ignores the allow list (a modified client).
    options["publicKey"]["allowCredentials"] = Value::Array(Vec::new());
    let answer = lees.get(ORIGIN, options).await.unwrap();
    let result = site
        .passkeys
        .finish_authentication(token.secret(), answer, t(11))
        .await;
    assert!(matches!(result, Err(PasskeyError::Rejected)), "{result:?}");
}

// WebAuthn §7.2 step 6: the user handle an authenticator returns must name the passkey's
// owner (it is not signed, so a client can put anything there), and a usernameless answer
// without one is refused.
#[tokio::test]
async fn a_user_handle_that_is_not_the_owners_is_refused() {
    use base64::Engine as _;

    let site = site();
    let kim = user("kim");
    let lee = user("lee");
    let mut lees = Browser::new();
    register(&site, &mut lees, &lee).await;

    let kims_handle = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(kim.id.0.as_bytes());
    for handle in [Value::from(kims_handle), Value::Null] {
        let (token, options) = site
            .passkeys
            .start_authentication(None, t(10))
            .await
            .unwrap();
        let mut answer = lees.get(ORIGIN, options).await.unwrap();
        answer["response"]["userHandle"] = handle.clone();
        let result = site
            .passkeys
            .finish_authentication(token.secret(), answer, t(11))
            .await;
        assert!(
            matches!(result, Err(PasskeyError::Rejected)),
            "{handle}: {result:?}"
        );
    }
}

/// A passkey store where the owner deletes the passkey (on another device) between the
/// sign-in's lookup and its recorded use.
#[derive(Debug)]
struct DeletedMeanwhile(MemoryPasskeyStore);

#[auth_core::async_trait]
impl PasskeyStore for DeletedMeanwhile {
    async fn add_passkey(&self, record: &PasskeyRecord) -> Result<(), StoreError> {
        self.0.add_passkey(record).await
    }
    async fn passkeys_of(&self, user_id: UserId) -> Result<Vec<PasskeyRecord>, StoreError> {
        self.0.passkeys_of(user_id).await
    }
    async fn passkey_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyRecord>, StoreError> {
        self.0.passkey_by_credential_id(credential_id).await
    }
    async fn update_passkey_use(
        &self,
        credential_id: &[u8],
        passkey: &str,
        backup_state: bool,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        if let Some(record) = self.0.passkey_by_credential_id(credential_id).await? {
            self.0.delete_passkey(record.user_id, credential_id).await?;
        }
        self.0
            .update_passkey_use(credential_id, passkey, backup_state, now)
            .await
    }
    async fn rename_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
        name: &str,
    ) -> Result<bool, StoreError> {
        self.0.rename_passkey(user_id, credential_id, name).await
    }
    async fn delete_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
    ) -> Result<bool, StoreError> {
        self.0.delete_passkey(user_id, credential_id).await
    }
}

// A passkey deleted while its sign-in was being verified does not sign in: revoking a lost
// device's passkey takes effect even against a ceremony already under way.
#[tokio::test]
async fn a_passkey_deleted_during_its_sign_in_is_refused() {
    let store = MemoryPasskeyStore::new();
    let site = Site {
        passkeys: Passkeys::new(
            PasskeyConfig::new(RP_ID, "Example", vec![ORIGIN.parse().unwrap()]),
            Arc::new(MemoryCeremonyStore::new()),
            Arc::new(DeletedMeanwhile(store.clone())),
        )
        .unwrap(),
        store,
    };
    let kim = user("kim");
    let mut browser = Browser::new();
    register(&site, &mut browser, &kim).await;
    let result = sign_in(&site, &mut browser, None, ORIGIN, 10).await;
    assert!(matches!(result, Err(PasskeyError::Rejected)), "{result:?}");
    assert!(site.store.is_empty());
}

// WebAuthn §6.1.1 (signature counter): an authenticator with a counter that goes backwards
// is a clone; its sign-in is refused and the stored counter is kept.
#[tokio::test]
async fn cloned_authenticator_counter_regression_is_refused() {
    let site = site();
    let kim = user("kim");
    let mut browser = Browser::with_counter(true);
    register(&site, &mut browser, &kim).await;
    sign_in(&site, &mut browser, None, ORIGIN, 10)
        .await
        .unwrap();
    let clone = browser
        .passkey()
        .expect("the authenticator holds the passkey");
    sign_in(&site, &mut browser, None, ORIGIN, 20)
        .await
        .unwrap();
    let stored = site.store.passkeys_of(kim.id).await.unwrap().remove(0);

    browser.replace_passkey(clone);
    let result = sign_in(&site, &mut browser, None, ORIGIN, 30).await;
    assert!(matches!(result, Err(PasskeyError::Rejected)), "{result:?}");
    assert_eq!(
        site.store.passkeys_of(kim.id).await.unwrap().remove(0),
        stored,
        "a refused sign-in changes nothing"
    );
}

// Input checks before anything is spent or stored.
#[tokio::test]
async fn bad_names_and_garbage_answers_are_typed_errors() {
    let site = site();
    let kim = user("kim");
    let (token, options) = site.passkeys.start_registration(&kim, t(0)).await.unwrap();
    let answer = Browser::new().create(ORIGIN, options).await.unwrap();
    let bad = site
        .passkeys
        .finish_registration(token.secret(), &kim.id, answer.clone(), " \n ", t(1))
        .await;
    assert!(matches!(bad, Err(PasskeyError::InvalidName)), "{bad:?}");
    // The name is checked first: the ceremony is still there.
    site.passkeys
        .finish_registration(token.secret(), &kim.id, answer, "phone", t(1))
        .await
        .unwrap();

    for garbage in [Value::Null, Value::from("x"), serde_json::json!({"id": 1})] {
        let (token, _) = site
            .passkeys
            .start_authentication(None, t(10))
            .await
            .unwrap();
        let result = site
            .passkeys
            .finish_authentication(token.secret(), garbage.clone(), t(11))
            .await;
        assert!(
            matches!(result, Err(PasskeyError::Rejected)),
            "{garbage}: {result:?}"
        );
    }
    for token in ["", "short", &"A".repeat(10_000)] {
        let result = site
            .passkeys
            .finish_authentication(token, Value::Null, t(11))
            .await;
        assert!(
            matches!(result, Err(PasskeyError::UnknownCeremony)),
            "{result:?}"
        );
    }
}

#[test]
fn bad_configs_are_refused_at_construction() {
    let build = |rp_id: &str, origin: &str| {
        Passkeys::new(
            PasskeyConfig::new(rp_id, "Example", vec![origin.parse().unwrap()]),
            Arc::new(MemoryCeremonyStore::new()),
            Arc::new(MemoryPasskeyStore::new()),
        )
    };
    assert!(build(RP_ID, ORIGIN).is_ok());
    assert!(build("localhost", "http://localhost:8080").is_ok());
    for (rp_id, origin) in [
        (RP_ID, "http://example.com"),
        (RP_ID, "https://example.org"),
        ("com", "https://example.com"),
    ] {
        let result = build(rp_id, origin);
        assert!(
            matches!(result, Err(PasskeyError::Config(_))),
            "{rp_id} {origin}"
        );
    }
}

/// Decodes unpadded base64url (the browser's `rawId`).
fn base64_url(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .expect("rawId is base64url")
}
