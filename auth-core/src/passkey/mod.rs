//! Passkeys (WebAuthn) on [webauthn-rs](webauthn_rs) 0.5: registration and sign-in
//! ceremonies whose state waits server side in a [`CeremonyStore`] (consumed once), and the
//! registered credentials in a [`PasskeyStore`]. Feature `passkey`.
//!
//! [`Passkeys`] speaks the browser's JSON: each `start_*` returns a [`CeremonyToken`] and the
//! options for `navigator.credentials.create()` / `.get()`; the matching `finish_*` takes the
//! token and the browser's answer. What it guarantees:
//!
//! * **Consumed once.** A ceremony is taken from the store before anything is verified, so a
//!   replayed answer (or a replayed token) finds nothing: [`PasskeyError::UnknownCeremony`].
//!   A registration ceremony never serves a sign-in, nor the other way round.
//! * **Phishing-resistant.** An assertion made for another origin or another RP id, with a
//!   bad signature, without user verification, or with a signature counter that went
//!   backwards (a cloned authenticator) is [`PasskeyError::Rejected`] — one answer for every
//!   reason, the reason logged at debug level.
//! * **Discoverable.** Registration asks for a discoverable credential (`residentKey:
//!   "required"`), so a user can sign in with nothing but the passkey;
//!   [`start_authentication`](Passkeys::start_authentication) without a hint asks the browser
//!   to offer any passkey of this site. With a user hint it lists that user's passkeys; a hint
//!   for a user without passkeys (or no such user) gets exactly the answer no hint gets.
//! * **One credential, one account.** A credential id is unique across all users (the
//!   store's rule); the user handle an authenticator returns must name the passkey's owner.
//!
//! What it leaves to the flow that uses it: sessions (a successful
//! [`finish_authentication`](Passkeys::finish_authentication) only says *who*), throttling
//! of the start endpoints, and the rule that a user never deletes their last way in
//! ([`PasskeyStore::delete_passkey`] does not check it).
//!
//! ```
//! use std::sync::Arc;
//! use std::time::SystemTime;
//!
//! use auth_core::passkey::{PasskeyConfig, PasskeyError, Passkeys};
//! use auth_core::store::memory::{MemoryCeremonyStore, MemoryPasskeyStore};
//! use auth_core::store::{PasskeyRecord, User, UserId};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! # runtime.block_on(async {
//! let config = PasskeyConfig::new("example.com", "Example", vec!["https://example.com".parse()?]);
//! let passkeys = Passkeys::new(
//!     config,
//!     Arc::new(MemoryCeremonyStore::new()),
//!     Arc::new(MemoryPasskeyStore::new()),
//! )?;
//!
//! // A signed-in user adds a passkey: send `options` to the page for
//! // `navigator.credentials.create()`, and keep `token.secret()` with it (or in a cookie).
//! let user = User::new(UserId::generate()?, "kim@example.com", SystemTime::now());
//! let (token, options) = passkeys.start_registration(&user, SystemTime::now()).await?;
//! assert_eq!(options["publicKey"]["rp"]["id"], "example.com");
//! assert_eq!(options["publicKey"]["authenticatorSelection"]["residentKey"], "required");
//!
//! // A sign-in without a user name: the browser offers every passkey of this site.
//! let (sign_in, options) = passkeys.start_authentication(None, SystemTime::now()).await?;
//! assert!(options["publicKey"]["challenge"].is_string());
//! # let _ = (token, sign_in);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok(())
//! # }
//!
//! // The page posts back the token and what the browser answered.
//! async fn finish(
//!     passkeys: &Passkeys,
//!     token: &str,
//!     user: &User,
//!     from_browser: serde_json::Value,
//! ) -> Result<PasskeyRecord, PasskeyError> {
//!     passkeys
//!         .finish_registration(token, &user.id, from_browser, "Kim's phone", SystemTime::now())
//!         .await
//! }
//! ```

mod config;
mod error;

use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Webauthn, WebauthnBuilder, WebauthnError,
};

pub use config::PasskeyConfig;
pub use error::PasskeyError;
/// The URL type of [`PasskeyConfig::origins`], re-exported so no version matching is needed.
pub use url::Url;
/// The WebAuthn library this module builds on, re-exported for hosts that want its types
/// (say, to read a stored [`PasskeyRecord::passkey`] as a `webauthn_rs::prelude::Passkey`).
pub use webauthn_rs;

use crate::report::ErrorChain;
pub use crate::store::CeremonyToken;
use crate::store::{
    Ceremony, CeremonyPurpose, CeremonyStore, PasskeyRecord, PasskeyStore, SecretValue, StoreError,
    User, UserId,
};

/// The longest name a passkey may be given, in characters.
pub const MAX_PASSKEY_NAME_CHARS: usize = 64;

/// The state a sign-in ceremony keeps. Always webauthn-rs's discoverable state: the finish
/// sets the one credential it found (from the store, with its current counter) as the only
/// allowed one, so a counter that moved on between start and finish is still checked.
#[derive(Serialize, Deserialize)]
struct SignInState(DiscoverableAuthentication);

/// The state a passkey-only signup keeps: the registration's, and the email the account will
/// have (the user id is the ceremony's).
#[derive(Serialize, Deserialize)]
struct SignupState {
    registration: PasskeyRegistration,
    email: String,
}

/// Passkey registration and sign-in. See the [module docs](self).
///
/// Cheap to share behind an `Arc`; every method takes `now` (no clock is read).
#[derive(Debug)]
pub struct Passkeys {
    webauthn: Webauthn,
    config: PasskeyConfig,
    ceremonies: Arc<dyn CeremonyStore>,
    passkeys: Arc<dyn PasskeyStore>,
}

/// A refusal: the cause goes to the log at debug level, the client sees
/// [`PasskeyError::Rejected`].
fn rejected(why: &str, cause: Option<&dyn std::error::Error>) -> PasskeyError {
    match cause {
        Some(cause) => tracing::debug!(cause = %ErrorChain::new(cause), "passkey refused: {why}"),
        None => tracing::debug!("passkey refused: {why}"),
    }
    PasskeyError::Rejected
}

/// A webauthn-rs refusal, logged with its cause.
fn refused_by_webauthn(error: WebauthnError) -> PasskeyError {
    if matches!(error, WebauthnError::CredentialPossibleCompromise) {
        // Worth more than debug: a cloned authenticator is an incident.
        tracing::warn!("passkey refused: its signature counter did not increase (possible clone)");
        return PasskeyError::Rejected;
    }
    rejected("webauthn-rs refused the answer", Some(&error))
}

/// webauthn-rs failed where it should not (building a challenge).
fn internal(error: WebauthnError) -> PasskeyError {
    tracing::error!(error = %ErrorChain::new(&error), "webauthn-rs could not start a ceremony");
    PasskeyError::Internal
}

/// A stored value (ceremony state, passkey JSON) that does not parse.
fn corrupt(error: serde_json::Error) -> PasskeyError {
    PasskeyError::Store(StoreError::backend(error))
}

impl Passkeys {
    /// Passkeys for the relying party `config` names, keeping ceremonies in `ceremonies` and
    /// credentials in `passkeys`.
    ///
    /// # Errors
    /// [`PasskeyError::Config`] naming what to fix when an origin is not `https://` (or
    /// `http://localhost`), is not a bare origin, or is not `rp_id` or a subdomain of it, when
    /// `rp_id` is not a lower-case domain below a top-level one, or when the ceremony lifetime
    /// is outside 10 s – 30 min.
    pub fn new(
        config: PasskeyConfig,
        ceremonies: Arc<dyn CeremonyStore>,
        passkeys: Arc<dyn PasskeyStore>,
    ) -> Result<Self, PasskeyError> {
        config.validate()?;
        let build_error =
            |error: WebauthnError| PasskeyError::Config(format!("webauthn-rs refused it: {error}"));
        let (first, others) = config
            .origins
            .split_first()
            .ok_or_else(|| PasskeyError::Config("origins must not be empty".to_owned()))?;
        let mut builder = WebauthnBuilder::new(&config.rp_id, first)
            .map_err(build_error)?
            .rp_name(&config.rp_name)
            .timeout(config.ceremony_ttl);
        for origin in others {
            builder = builder.append_allowed_origin(origin);
        }
        let webauthn = builder.build().map_err(build_error)?;
        Ok(Self {
            webauthn,
            config,
            ceremonies,
            passkeys,
        })
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &PasskeyConfig {
        &self.config
    }

    /// Starts adding a passkey to `user`'s account (who must be signed in: the host checks
    /// that). Returns the ceremony token and the `CreationChallengeResponse` for
    /// `navigator.credentials.create()`.
    ///
    /// The options exclude the user's existing passkeys (an authenticator already registered
    /// refuses), require user verification, and ask for a discoverable credential so the user
    /// can later sign in without typing a name. (Whether the authenticator really kept it
    /// discoverable is not attested by browsers; a passkey that is not still signs in with a
    /// user hint.)
    ///
    /// # Errors
    /// [`PasskeyError::Store`] when the stores fail; [`PasskeyError::Internal`] when no
    /// challenge or token could be made.
    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    pub async fn start_registration(
        &self,
        user: &User,
        now: SystemTime,
    ) -> Result<(CeremonyToken, Value), PasskeyError> {
        let (state, options) = self.registration_challenge(user).await?;
        let state = serde_json::to_string(&state).map_err(corrupt)?;
        let token = self
            .put(
                CeremonyPurpose::PasskeyRegistration,
                Some(user.id),
                state,
                now,
            )
            .await?;
        Ok((token, options))
    }

    /// Starts a passkey-only signup for `user`, an account that does not exist yet (its id,
    /// generated now, is the WebAuthn user handle; its email is kept with the ceremony).
    /// The ceremony has its own purpose: it never finishes a registration to an existing
    /// account, and a registration ceremony never creates one.
    pub(crate) async fn start_signup(
        &self,
        user: &User,
        now: SystemTime,
    ) -> Result<(CeremonyToken, Value), PasskeyError> {
        let (registration, options) = self.registration_challenge(user).await?;
        let state = SignupState {
            registration,
            email: user.email.clone(),
        };
        let state = serde_json::to_string(&state).map_err(corrupt)?;
        let token = self
            .put(CeremonyPurpose::PasskeySignup, Some(user.id), state, now)
            .await?;
        Ok((token, options))
    }

    /// The options and state of a registration for `user`: existing passkeys excluded, a
    /// discoverable credential required.
    async fn registration_challenge(
        &self,
        user: &User,
    ) -> Result<(PasskeyRegistration, Value), PasskeyError> {
        let existing = self.passkeys.passkeys_of(user.id).await?;
        let exclude = existing
            .iter()
            .map(|record| record.credential_id.clone().into())
            .collect::<Vec<_>>();
        let name = user.username.as_deref().unwrap_or(&user.email);
        let display_name = user.display_name.as_deref().unwrap_or(name);
        let (challenge, state) = self
            .webauthn
            .start_passkey_registration(user.id.0, name, display_name, Some(exclude))
            .map_err(internal)?;
        let mut options = serde_json::to_value(&challenge).map_err(corrupt)?;
        // webauthn-rs 0.5 asks for a non-discoverable credential in this flow; passkey-only
        // sign-in needs a discoverable one. The state does not depend on it.
        if let Some(selection) = options
            .pointer_mut("/publicKey/authenticatorSelection")
            .and_then(Value::as_object_mut)
        {
            selection.insert("residentKey".to_owned(), Value::from("required"));
            selection.insert("requireResidentKey".to_owned(), Value::from(true));
        }
        Ok((state, options))
    }

    /// Finishes a registration: takes the ceremony (once), checks it was started for
    /// `user_id`, verifies the browser's `RegisterPublicKeyCredential` (origin, RP id,
    /// challenge, user verification) and stores the new passkey under `name`.
    ///
    /// # Errors
    /// [`PasskeyError::InvalidName`] for a bad name (checked first; the ceremony is kept);
    /// [`PasskeyError::UnknownCeremony`] for an unknown, expired, replayed or foreign token
    /// (another user's ceremony included); [`PasskeyError::Rejected`] when the answer does
    /// not verify or its credential id is already registered (to anyone);
    /// [`PasskeyError::Store`] when the stores fail.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn finish_registration(
        &self,
        token: &str,
        user_id: &UserId,
        credential: Value,
        name: &str,
        now: SystemTime,
    ) -> Result<PasskeyRecord, PasskeyError> {
        let name = checked_name(name)?;
        let ceremony = self
            .take(token, CeremonyPurpose::PasskeyRegistration, now)
            .await?;
        if ceremony.user_id != Some(*user_id) {
            tracing::debug!("passkey registration refused: the ceremony is another user's");
            return Err(PasskeyError::UnknownCeremony);
        }
        let state: PasskeyRegistration =
            serde_json::from_str(ceremony.state.expose_secret()).map_err(corrupt)?;
        let record = self.verify_registration(&state, *user_id, credential, name, now)?;
        self.keep(&record).await?;
        Ok(record)
    }

    /// Finishes a passkey-only signup: takes the [`start_signup`](Self::start_signup)
    /// ceremony (once) and verifies the browser's answer. Returns the new account's id and
    /// email (from the ceremony) and the passkey record, **not stored yet**: the account
    /// must exist first ([`keep`](Self::keep) stores it).
    pub(crate) async fn finish_signup(
        &self,
        token: &str,
        credential: Value,
        name: &str,
        now: SystemTime,
    ) -> Result<(UserId, String, PasskeyRecord), PasskeyError> {
        let name = checked_name(name)?;
        let ceremony = self
            .take(token, CeremonyPurpose::PasskeySignup, now)
            .await?;
        let Some(user_id) = ceremony.user_id else {
            tracing::error!("a passkey signup ceremony without a user id; refusing");
            return Err(PasskeyError::UnknownCeremony);
        };
        let state: SignupState =
            serde_json::from_str(ceremony.state.expose_secret()).map_err(corrupt)?;
        let record =
            self.verify_registration(&state.registration, user_id, credential, name, now)?;
        Ok((user_id, state.email, record))
    }

    /// Verifies a registration answer against `state`; the record of the new passkey.
    fn verify_registration(
        &self,
        state: &PasskeyRegistration,
        user_id: UserId,
        credential: Value,
        name: &str,
        now: SystemTime,
    ) -> Result<PasskeyRecord, PasskeyError> {
        let credential: RegisterPublicKeyCredential = serde_json::from_value(credential)
            .map_err(|error| rejected("the registration answer does not parse", Some(&error)))?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&credential, state)
            .map_err(refused_by_webauthn)?;
        let json = serde_json::to_value(&passkey).map_err(corrupt)?;
        let flag = |name: &str| {
            json.pointer(&format!("/cred/{name}"))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        Ok(PasskeyRecord::new(
            passkey.cred_id().to_vec(),
            user_id,
            name,
            json.to_string(),
            now,
            flag("backup_eligible"),
            flag("backup_state"),
        ))
    }

    /// Stores a verified passkey; a credential id already registered (to anyone) is
    /// [`PasskeyError::Rejected`].
    pub(crate) async fn keep(&self, record: &PasskeyRecord) -> Result<(), PasskeyError> {
        match self.passkeys.add_passkey(record).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict(_)) => {
                Err(rejected("the credential id is already registered", None))
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The store the passkeys are kept in.
    pub(crate) fn store(&self) -> &Arc<dyn PasskeyStore> {
        &self.passkeys
    }

    /// Starts a passkey sign-in. Returns the ceremony token and the
    /// `RequestChallengeResponse` for `navigator.credentials.get()`.
    ///
    /// Without a hint the request is discoverable (usernameless): no `allowCredentials`, and
    /// `mediation: "conditional"` so the browser can offer passkeys in the username field's
    /// autofill (drop it for a modal prompt). With a hint naming a user who has passkeys, the
    /// request lists them in `allowCredentials` and only that user can finish it. A hint
    /// naming a user without passkeys — or no user at all — gets exactly what no hint gets,
    /// so the answer does not tell who has an account.
    ///
    /// # Errors
    /// [`PasskeyError::Store`] when the stores fail; [`PasskeyError::Internal`] when no
    /// challenge or token could be made.
    #[tracing::instrument(skip_all, fields(hinted = user_hint.is_some()))]
    pub async fn start_authentication(
        &self,
        user_hint: Option<&UserId>,
        now: SystemTime,
    ) -> Result<(CeremonyToken, Value), PasskeyError> {
        let allowed = match user_hint {
            Some(user_id) => self.passkeys.passkeys_of(*user_id).await?,
            None => Vec::new(),
        };
        let (challenge, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(internal)?;
        let mut options = serde_json::to_value(&challenge).map_err(corrupt)?;
        let owner = match (user_hint, allowed.is_empty()) {
            (Some(user_id), false) => {
                let list = allowed
                    .iter()
                    .map(|record| {
                        serde_json::json!({
                            "type": "public-key",
                            "id": URL_SAFE_NO_PAD.encode(&record.credential_id),
                        })
                    })
                    .collect::<Vec<_>>();
                if let Some(public_key) =
                    options.get_mut("publicKey").and_then(Value::as_object_mut)
                {
                    public_key.insert("allowCredentials".to_owned(), Value::from(list));
                }
                if let Some(options) = options.as_object_mut() {
                    options.remove("mediation");
                }
                Some(*user_id)
            }
            _ => None,
        };
        let state = serde_json::to_string(&SignInState(state)).map_err(corrupt)?;
        let token = self
            .put(CeremonyPurpose::PasskeyAuthentication, owner, state, now)
            .await?;
        Ok((token, options))
    }

    /// Finishes a sign-in: takes the ceremony (once), finds the passkey by the credential id
    /// the browser's `PublicKeyCredential` names, checks it belongs to the hinted user (if
    /// the start had a hint) and that the returned user handle names its owner (required
    /// without a hint), verifies the assertion against the stored public key and counter,
    /// and records the use (new counter, backup state, time).
    ///
    /// Returns the signed-in user and the updated record. Starting a session is the caller's.
    ///
    /// # Errors
    /// [`PasskeyError::UnknownCeremony`] for an unknown, expired, replayed or foreign token;
    /// [`PasskeyError::Rejected`] for any verification failure (see its docs);
    /// [`PasskeyError::Store`] when the stores fail.
    #[tracing::instrument(skip_all)]
    pub async fn finish_authentication(
        &self,
        token: &str,
        credential: Value,
        now: SystemTime,
    ) -> Result<(UserId, PasskeyRecord), PasskeyError> {
        let ceremony = self
            .take(token, CeremonyPurpose::PasskeyAuthentication, now)
            .await?;
        let SignInState(state) =
            serde_json::from_str(ceremony.state.expose_secret()).map_err(corrupt)?;
        let credential: PublicKeyCredential = serde_json::from_value(credential)
            .map_err(|error| rejected("the sign-in answer does not parse", Some(&error)))?;
        let Some(mut record) = self
            .passkeys
            .passkey_by_credential_id(credential.get_credential_id())
            .await?
        else {
            return Err(rejected("the credential is not registered", None));
        };
        if ceremony
            .user_id
            .is_some_and(|hinted| hinted != record.user_id)
        {
            return Err(rejected("the credential is not the hinted user's", None));
        }
        match credential.get_user_unique_id() {
            Some(handle) if handle != record.user_id.0.as_bytes() => {
                return Err(rejected(
                    "the user handle is not the credential's owner",
                    None,
                ));
            }
            // WebAuthn §7.2 step 6: without a user identified first, the handle is required.
            None if ceremony.user_id.is_none() => {
                return Err(rejected(
                    "a usernameless answer without a user handle",
                    None,
                ));
            }
            _ => {}
        }
        let mut passkey: Passkey = serde_json::from_str(&record.passkey).map_err(corrupt)?;
        let result = self
            .webauthn
            .finish_discoverable_authentication(
                &credential,
                state,
                &[DiscoverableKey::from(&passkey)],
            )
            .map_err(refused_by_webauthn)?;
        passkey.update_credential(&result);
        let json = serde_json::to_string(&passkey).map_err(corrupt)?;
        let recorded = self
            .passkeys
            .update_passkey_use(&record.credential_id, &json, result.backup_state(), now)
            .await?;
        if !recorded {
            return Err(rejected("the passkey was deleted during the sign-in", None));
        }
        record.passkey = json;
        record.backup_state = result.backup_state();
        record.last_used_at = Some(now);
        Ok((record.user_id, record))
    }

    /// Stores a new ceremony and returns its token.
    async fn put(
        &self,
        purpose: CeremonyPurpose,
        user_id: Option<UserId>,
        state: String,
        now: SystemTime,
    ) -> Result<CeremonyToken, PasskeyError> {
        let token = CeremonyToken::generate().map_err(|error| {
            tracing::error!(error = %ErrorChain::new(&error), "no ceremony token");
            PasskeyError::Internal
        })?;
        let expires_at = now + self.config.ceremony_ttl;
        let ceremony = Ceremony::new(purpose, user_id, SecretValue::new(state), expires_at);
        self.ceremonies
            .put_ceremony(&token.hash(), ceremony, now)
            .await?;
        Ok(token)
    }

    /// Takes the ceremony `token` names for `purpose`, or [`PasskeyError::UnknownCeremony`].
    async fn take(
        &self,
        token: &str,
        purpose: CeremonyPurpose,
        now: SystemTime,
    ) -> Result<Ceremony, PasskeyError> {
        let Ok(token) = CeremonyToken::parse(token) else {
            return Err(PasskeyError::UnknownCeremony);
        };
        self.ceremonies
            .take_ceremony(&token.hash(), purpose, now)
            .await?
            .ok_or(PasskeyError::UnknownCeremony)
    }
}

/// `name` trimmed, if it is a name a user may give a passkey.
pub(crate) fn checked_name(name: &str) -> Result<&str, PasskeyError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_PASSKEY_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(PasskeyError::InvalidName);
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(checked_name("  Kim's phone ").unwrap(), "Kim's phone");
        assert_eq!(checked_name(&"é".repeat(64)).unwrap().chars().count(), 64);
        for bad in ["", "   ", "a\u{0}b", "line\nbreak"] {
            assert!(
                matches!(checked_name(bad), Err(PasskeyError::InvalidName)),
                "{bad:?}"
            );
        }
        assert!(matches!(
            checked_name(&"é".repeat(65)),
            Err(PasskeyError::InvalidName)
        ));
    }
}
