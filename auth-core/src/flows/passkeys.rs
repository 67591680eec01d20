//! Passkeys in the flows (feature `passkey`): adding one to a signed-in account, listing,
//! renaming and removing them, signing in with one, and signing up with nothing but one.
//!
//! [`Passkeys`](crate::passkey::Passkeys) runs the WebAuthn ceremonies; these flows add what
//! an account needs around them:
//!
//! * **A recent sign-in to change the ways in.** Adding or removing a passkey needs a session
//!   whose sign-in is at most [`PasskeyConfig::recent_sign_in`](crate::passkey::PasskeyConfig::recent_sign_in)
//!   old (10 minutes by default); older: [`AuthError::ReauthenticationRequired`].
//! * **Never the last way in.** Removing the only passkey of an account without a password
//!   or a provider identity is [`AuthError::LastSignInMethod`]. Two concurrent removals of
//!   an account's last two passkeys cannot both win: each removal checks again after its
//!   delete and puts its passkey back when the account was left with no way in.
//! * **A passkey sign-in is a whole sign-in.** The session's `amr` is `hwk` (a device-bound
//!   key) or `swk` (a synced, backup-eligible one), `user` (the authenticator verified the
//!   user) and therefore `mfa`; no TOTP is asked. Audited as `login` with detail `passkey`.
//! * **Limited like the other unauthenticated endpoints.** Sign-in start and finish count
//!   under [`EndpointLimits::passkey_login`](super::EndpointLimits::passkey_login) per client
//!   network; a passkey signup's start under
//!   [`EndpointLimits::signup`](super::EndpointLimits::signup), its finish under
//!   `passkey_login`.
//! * **No account oracle in a sign-in.** An email hint that names no account, or an account
//!   without passkeys, answers exactly what no hint answers. (A hint naming an account with
//!   passkeys lists their credential ids, as WebAuthn's hinted sign-in does: a host that
//!   must not reveal even that offers the usernameless sign-in only.)
//!
//! ```
//! use std::sync::Arc;
//! use auth_core::flows::{AuthService, ClientInfo, LogMailer, Stores};
//! use auth_core::passkey::{PasskeyConfig, Passkeys};
//! use auth_core::store::memory::{MemoryCeremonyStore, MemoryPasskeyStore};
//! use auth_core::token::{Algorithm, KeySet, SigningKey};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = PasskeyConfig::new("example.com", "Example", vec!["https://example.com".parse()?]);
//! let passkeys = Passkeys::new(
//!     config,
//!     Arc::new(MemoryCeremonyStore::new()),
//!     Arc::new(MemoryPasskeyStore::new()),
//! )?;
//! let keys = KeySet::new(SigningKey::generate_hmac("k1", Algorithm::HS256)?);
//! let auth = AuthService::builder(keys, Stores::in_memory())
//!     .issuer("https://auth.example.com", "https://api.example.com")
//!     .mailer(Arc::new(LogMailer))
//!     .passkeys(passkeys)
//!     .build()?;
//!
//! // Passkey-only signup: hand `options` to navigator.credentials.create(), then post the
//! // answer to finish_passkey_signup with the token.
//! let client = ClientInfo::default().ip("203.0.113.7");
//! let signup = auth.start_passkey_signup("kim@example.com", &client).await?;
//! assert_eq!(signup.options["publicKey"]["user"]["name"], "kim@example.com");
//!
//! // A usernameless sign-in: navigator.credentials.get(options), then finish_passkey_login.
//! let login = auth.start_passkey_login(None, &client).await?;
//! assert!(login.options["publicKey"]["challenge"].is_string());
//! # Ok(())
//! # }
//! ```

use std::time::SystemTime;

use serde_json::Value;
use tracing::field;

use super::account::Removing;
use super::service::{EventExt as _, event};
use super::signup_login::{is_valid_email, signup_conflict};
use super::{AuthError, AuthService, ClientInfo, Endpoint, SignupMode, TokenPair};
use crate::passkey::{Passkeys, checked_name};
use crate::store::{
    AuditKind, CeremonyToken, PasskeyRecord, SessionId, User, UserId, normalize_email,
};
use crate::token::AuthMethod;

/// The name a passkey gets at a passkey-only signup when the user gives none.
pub const DEFAULT_PASSKEY_NAME: &str = "Passkey";

/// A started passkey ceremony: the token to hand back at its finish and the options for the
/// browser. `Debug` does not show the token.
#[derive(Debug)]
#[non_exhaustive]
pub struct PasskeyChallenge {
    /// Names the ceremony at its finish; single use, short-lived. Hand it to the client once.
    pub token: CeremonyToken,
    /// webauthn-rs's `CreationChallengeResponse` (registration, signup) or
    /// `RequestChallengeResponse` (sign-in) JSON: `{"publicKey": {…}}`, for
    /// `PublicKeyCredential.parseCreationOptionsFromJSON` /
    /// `parseRequestOptionsFromJSON` in the browser.
    pub options: Value,
}

impl PasskeyChallenge {
    fn new((token, options): (CeremonyToken, Value)) -> Self {
        Self { token, options }
    }
}

impl AuthService {
    /// The configured passkeys, or [`AuthError::NotEnabled`].
    fn passkey_setup(&self) -> Result<&Passkeys, AuthError> {
        self.inner
            .passkeys
            .as_deref()
            .ok_or(AuthError::NotEnabled("passkeys"))
    }

    /// The session of a change to `user_id`'s passkeys, if its sign-in is recent enough.
    async fn recent_passkey_session(
        &self,
        user_id: UserId,
        session_id: SessionId,
        now: SystemTime,
    ) -> Result<(), AuthError> {
        let max_age = self.passkey_setup()?.config().recent_sign_in;
        self.recent_session_within(user_id, session_id, max_age, now)
            .await
            .map(drop)
    }

    /// Starts adding a passkey to the signed-in user's account: the options for
    /// `navigator.credentials.create()` (the account's passkeys excluded, a discoverable
    /// credential and user verification required) and the ceremony token.
    ///
    /// # Errors
    /// [`AuthError::ReauthenticationRequired`] when the session's sign-in is older than
    /// [`recent_sign_in`](crate::passkey::PasskeyConfig::recent_sign_in),
    /// [`AuthError::SessionNotFound`], [`AuthError::AccountDisabled`],
    /// [`AuthError::NotEnabled`], infrastructure errors.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn start_passkey_registration(
        &self,
        user_id: UserId,
        session_id: SessionId,
    ) -> Result<PasskeyChallenge, AuthError> {
        let passkeys = self.passkey_setup()?;
        let now = self.now();
        self.recent_passkey_session(user_id, session_id, now)
            .await?;
        let user = self.signed_in_user(user_id).await?;
        Ok(PasskeyChallenge::new(
            passkeys.start_registration(&user, now).await?,
        ))
    }

    /// Finishes adding a passkey: `ceremony` is the token of
    /// [`start_passkey_registration`](Self::start_passkey_registration), `credential` the
    /// browser's `PublicKeyCredential.toJSON()`, `name` what the user calls it. The sign-in
    /// must still be recent. Audited as `passkey_changed` (`added`).
    ///
    /// # Errors
    /// [`AuthError::InvalidPasskey`] for an unknown, expired, used or foreign ceremony or a
    /// refused answer; [`AuthError::InvalidPasskeyName`]; as
    /// [`start_passkey_registration`](Self::start_passkey_registration).
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn finish_passkey_registration(
        &self,
        user_id: UserId,
        session_id: SessionId,
        ceremony: &str,
        credential: Value,
        name: &str,
    ) -> Result<PasskeyRecord, AuthError> {
        let passkeys = self.passkey_setup()?;
        let now = self.now();
        self.recent_passkey_session(user_id, session_id, now)
            .await?;
        self.signed_in_user(user_id).await?;
        let record = passkeys
            .finish_registration(ceremony, &user_id, credential, name, now)
            .await?;
        self.audit(
            event(AuditKind::PasskeyChanged, now, true)
                .user(user_id)
                .session(session_id)
                .detail("added"),
        )
        .await?;
        tracing::info!("passkey added");
        Ok(record)
    }

    /// The signed-in user's passkeys, oldest first.
    ///
    /// # Errors
    /// [`AuthError::NotEnabled`], infrastructure errors.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn passkeys(&self, user_id: UserId) -> Result<Vec<PasskeyRecord>, AuthError> {
        Ok(self.passkey_setup()?.store().passkeys_of(user_id).await?)
    }

    /// Renames one of the signed-in user's passkeys. Audited as `passkey_changed`
    /// (`renamed`).
    ///
    /// # Errors
    /// [`AuthError::InvalidPasskeyName`] for an empty (after trimming), too long (over 64
    /// characters) or control-character name; [`AuthError::PasskeyNotFound`] when the user
    /// has no such passkey; [`AuthError::NotEnabled`], infrastructure errors.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn rename_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
        name: &str,
    ) -> Result<(), AuthError> {
        let passkeys = self.passkey_setup()?;
        let name = checked_name(name)?;
        self.signed_in_user(user_id).await?;
        if !passkeys
            .store()
            .rename_passkey(user_id, credential_id, name)
            .await?
        {
            return Err(AuthError::PasskeyNotFound);
        }
        self.audit(
            event(AuditKind::PasskeyChanged, self.now(), true)
                .user(user_id)
                .detail("renamed"),
        )
        .await?;
        Ok(())
    }

    /// Removes one of the signed-in user's passkeys — never the account's last way in.
    /// Needs a recent sign-in. Audited as `passkey_changed` (`removed`, or
    /// `last_sign_in_method` when refused).
    ///
    /// The rule is checked before the delete and again after it: two concurrent removals of
    /// an account's last two passkeys may both pass the first check, but the one that finds
    /// the account without a way in after its delete puts its passkey back and is refused,
    /// so the account keeps at least one (it may lack it for the moment between the two).
    ///
    /// # Errors
    /// [`AuthError::LastSignInMethod`] when the account has no password, no provider
    /// identity and no other passkey; [`AuthError::PasskeyNotFound`];
    /// [`AuthError::ReauthenticationRequired`], [`AuthError::SessionNotFound`],
    /// [`AuthError::AccountDisabled`], [`AuthError::NotEnabled`], infrastructure errors.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn remove_passkey(
        &self,
        user_id: UserId,
        session_id: SessionId,
        credential_id: &[u8],
    ) -> Result<(), AuthError> {
        let passkeys = self.passkey_setup()?;
        let now = self.now();
        self.recent_passkey_session(user_id, session_id, now)
            .await?;
        let user = self.signed_in_user(user_id).await?;
        let store = passkeys.store();
        let Some(record) = store
            .passkeys_of(user_id)
            .await?
            .into_iter()
            .find(|record| record.credential_id == credential_id)
        else {
            return Err(AuthError::PasskeyNotFound);
        };
        if !self
            .keeps_a_way_in(&user, Removing::Passkey(credential_id))
            .await?
        {
            return Err(self.last_way_in_refused(user_id, session_id, now).await?);
        }
        if !store.delete_passkey(user_id, credential_id).await? {
            return Err(AuthError::PasskeyNotFound);
        }
        // Check again: a concurrent removal may have taken the other way in meanwhile.
        let now_user = self.signed_in_user(user_id).await?;
        if !self.keeps_a_way_in(&now_user, Removing::Nothing).await? {
            if let Err(error) = store.add_passkey(&record).await {
                tracing::error!(
                    error = %crate::ErrorChain::new(&error),
                    "a passkey removed concurrently with the account's other ways in could not \
                     be put back; the account has no way in but a password reset"
                );
                return Err(error.into());
            }
            return Err(self.last_way_in_refused(user_id, session_id, now).await?);
        }
        self.audit(
            event(AuditKind::PasskeyChanged, now, true)
                .user(user_id)
                .session(session_id)
                .detail("removed"),
        )
        .await?;
        tracing::info!("passkey removed");
        Ok(())
    }

    /// Starts a passkey sign-in: the options for `navigator.credentials.get()` and the
    /// ceremony token. Without `email_hint` the sign-in is usernameless (the browser offers
    /// every passkey of the site). With one, the account of that address (if it has
    /// passkeys) is the only one that can finish it, and its passkeys are listed; an address
    /// without an account — or not an address at all — answers exactly what no hint
    /// answers. Counted under [`EndpointLimits::passkey_login`](super::EndpointLimits::passkey_login).
    ///
    /// # Errors
    /// [`AuthError::Throttled`], [`AuthError::NotEnabled`], infrastructure errors.
    #[tracing::instrument(skip_all, fields(hinted = email_hint.is_some()))]
    pub async fn start_passkey_login(
        &self,
        email_hint: Option<&str>,
        client: &ClientInfo,
    ) -> Result<PasskeyChallenge, AuthError> {
        let passkeys = self.passkey_setup()?;
        self.reserve_endpoint(Endpoint::PasskeyLogin, client)
            .await?;
        let hinted = match email_hint.map(normalize_email) {
            Some(email) if is_valid_email(&email) => self
                .inner
                .stores
                .users
                .user_by_email(&email)
                .await?
                .map(|user| user.id),
            _ => None,
        };
        Ok(PasskeyChallenge::new(
            passkeys
                .start_authentication(hinted.as_ref(), self.now())
                .await?,
        ))
    }

    /// Finishes a passkey sign-in and starts a session: `ceremony` is the token of
    /// [`start_passkey_login`](Self::start_passkey_login), `credential` the browser's
    /// `PublicKeyCredential.toJSON()`. The session's `amr` is `hwk` or `swk` (a synced
    /// passkey), `user` and `mfa`; no second factor is asked. Audited as `login` (detail
    /// `passkey`, or why it failed).
    ///
    /// # Errors
    /// [`AuthError::InvalidPasskey`] for an unknown, expired or replayed ceremony, or an
    /// answer refused for any reason (see [`crate::passkey`]); [`AuthError::AccountDisabled`];
    /// [`AuthError::Throttled`], [`AuthError::NotEnabled`], infrastructure errors.
    #[tracing::instrument(skip_all, fields(user_id = field::Empty, session_id = field::Empty))]
    pub async fn finish_passkey_login(
        &self,
        ceremony: &str,
        credential: Value,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let passkeys = self.passkey_setup()?;
        self.reserve_endpoint(Endpoint::PasskeyLogin, client)
            .await?;
        let now = self.now();
        let (user_id, record) = match passkeys
            .finish_authentication(ceremony, credential, now)
            .await
        {
            Ok(found) => found,
            Err(error) => {
                let error = AuthError::from(error);
                if matches!(error, AuthError::InvalidPasskey) {
                    self.audit(
                        event(AuditKind::Login, now, false)
                            .client(client)
                            .detail("passkey_refused"),
                    )
                    .await?;
                }
                return Err(error);
            }
        };
        tracing::Span::current().record("user_id", field::display(user_id));
        let user = match self.inner.stores.users.user_by_id(user_id).await? {
            Some(user) if user.active => user,
            found => {
                // A passkey whose account is gone outlived it (stores cascade the delete).
                let detail = if found.is_some() {
                    "account_disabled"
                } else {
                    "unknown_account"
                };
                self.audit(
                    event(AuditKind::Login, now, false)
                        .user(user_id)
                        .client(client)
                        .detail(detail),
                )
                .await?;
                return Err(if found.is_some() {
                    AuthError::AccountDisabled
                } else {
                    AuthError::InvalidPasskey
                });
            }
        };
        self.inner.stores.users.record_login(user_id, now).await?;
        let pair = self
            .start_session(
                &user,
                client,
                self.assurance(now, passkey_methods(&record)),
                now,
            )
            .await?;
        tracing::Span::current().record("session_id", field::display(pair.session_id));
        self.audit(
            event(AuditKind::Login, now, true)
                .user(user_id)
                .session(pair.session_id)
                .client(client)
                .detail("passkey"),
        )
        .await?;
        tracing::info!("login with a passkey");
        Ok(pair)
    }

    /// Starts a passkey-only signup for `email`: the account's id is generated now (it is
    /// the WebAuthn user handle) and kept, with the email, in the ceremony; nothing is
    /// created until [`finish_passkey_signup`](Self::finish_passkey_signup). Counted under
    /// [`EndpointLimits::signup`](super::EndpointLimits::signup).
    ///
    /// Only in [`SignupMode::RevealTaken`]: in
    /// [`SignupMode::EnumerationSafe`] a taken address must not be told, and a passkey
    /// signup cannot end in "check your mail" without a password to sign in with later, so
    /// it answers [`AuthError::NotEnabled`].
    ///
    /// # Errors
    /// [`AuthError::InvalidEmail`], [`AuthError::EmailTaken`], [`AuthError::Throttled`],
    /// [`AuthError::NotEnabled`], infrastructure errors.
    #[tracing::instrument(skip_all, fields(user_id = field::Empty))]
    pub async fn start_passkey_signup(
        &self,
        email: &str,
        client: &ClientInfo,
    ) -> Result<PasskeyChallenge, AuthError> {
        let passkeys = self.passkey_signup_setup()?;
        self.reserve_endpoint(Endpoint::Signup, client).await?;
        let email = normalize_email(email);
        if !is_valid_email(&email) {
            return Err(AuthError::InvalidEmail);
        }
        if self
            .inner
            .stores
            .users
            .user_by_email(&email)
            .await?
            .is_some()
        {
            return Err(AuthError::EmailTaken);
        }
        let now = self.now();
        let user = User::new(UserId::generate()?, &email, now);
        tracing::Span::current().record("user_id", field::display(user.id));
        Ok(PasskeyChallenge::new(
            passkeys.start_signup(&user, now).await?,
        ))
    }

    /// Finishes a passkey-only signup: verifies the browser's answer to the ceremony of
    /// [`start_passkey_signup`](Self::start_passkey_signup), creates the account (no
    /// password, email unverified) with the passkey named `name` (or
    /// [`DEFAULT_PASSKEY_NAME`]), and signs it in as a passkey sign-in does. A failure after
    /// the account was created removes it again. Audited as `signup` (detail `passkey`) and
    /// `passkey_changed` (`added`).
    ///
    /// # Errors
    /// [`AuthError::InvalidPasskey`], [`AuthError::InvalidPasskeyName`],
    /// [`AuthError::EmailTaken`] (taken since the start), [`AuthError::Throttled`],
    /// [`AuthError::NotEnabled`], infrastructure errors.
    #[tracing::instrument(skip_all, fields(user_id = field::Empty, session_id = field::Empty))]
    pub async fn finish_passkey_signup(
        &self,
        ceremony: &str,
        credential: Value,
        name: Option<&str>,
        client: &ClientInfo,
    ) -> Result<(User, TokenPair), AuthError> {
        let passkeys = self.passkey_signup_setup()?;
        self.reserve_endpoint(Endpoint::PasskeyLogin, client)
            .await?;
        let now = self.now();
        let name = name.unwrap_or(DEFAULT_PASSKEY_NAME);
        let (user_id, email, record) = passkeys
            .finish_signup(ceremony, credential, name, now)
            .await?;
        tracing::Span::current().record("user_id", field::display(user_id));
        let mut user = User::new(user_id, &email, now);
        user.last_login_at = Some(now);
        self.inner
            .stores
            .users
            .insert_user(&user)
            .await
            .map_err(signup_conflict)?;
        let pair = self
            .or_undo_signup(&user, async {
                passkeys.keep(&record).await?;
                let pair = self
                    .start_session(
                        &user,
                        client,
                        self.assurance(now, passkey_methods(&record)),
                        now,
                    )
                    .await?;
                self.audit(
                    event(AuditKind::Signup, now, true)
                        .user(user_id)
                        .session(pair.session_id)
                        .client(client)
                        .detail("passkey"),
                )
                .await?;
                self.audit(
                    event(AuditKind::PasskeyChanged, now, true)
                        .user(user_id)
                        .session(pair.session_id)
                        .detail("added"),
                )
                .await?;
                Ok(pair)
            })
            .await?;
        tracing::Span::current().record("session_id", field::display(pair.session_id));
        tracing::info!("account created with a passkey");
        Ok((user, pair))
    }

    /// Audits a refused removal of the last way in; the refusal to answer.
    async fn last_way_in_refused(
        &self,
        user_id: UserId,
        session_id: SessionId,
        now: SystemTime,
    ) -> Result<AuthError, AuthError> {
        self.audit(
            event(AuditKind::PasskeyChanged, now, false)
                .user(user_id)
                .session(session_id)
                .detail("last_sign_in_method"),
        )
        .await?;
        tracing::info!("removing the last way in refused");
        Ok(AuthError::LastSignInMethod)
    }

    /// The passkeys, if passkey-only signups are possible in this signup mode.
    fn passkey_signup_setup(&self) -> Result<&Passkeys, AuthError> {
        let passkeys = self.passkey_setup()?;
        if self.inner.config.signup_mode != SignupMode::RevealTaken {
            return Err(AuthError::NotEnabled("passkey signups"));
        }
        Ok(passkeys)
    }
}

/// The methods of a sign-in with `passkey`: a key held (`swk` when it may be synced, `hwk`
/// when it is bound to its device) and the user verified by the authenticator (`user`) —
/// two kinds of factor, so `amr` gains `mfa`.
pub(super) fn passkey_methods(passkey: &PasskeyRecord) -> [&'static str; 2] {
    let key = if passkey.backup_eligible {
        AuthMethod::Swk
    } else {
        AuthMethod::Hwk
    };
    [key.as_str(), AuthMethod::User.as_str()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Assurance;

    /// The assurance of a passkey sign-in at `now` (without the host's `acr`).
    fn passkey_sign_in(passkey: &PasskeyRecord, now: SystemTime) -> Assurance {
        Assurance::new(now, passkey_methods(passkey))
    }

    fn record(backup_eligible: bool) -> PasskeyRecord {
        PasskeyRecord::new(
            vec![1],
            UserId::generate().unwrap(),
            "k",
            "{}",
            SystemTime::UNIX_EPOCH,
            backup_eligible,
            false,
        )
    }

    // RFC 8176 §2: a synced passkey is a software-secured key, a device-bound one a
    // hardware-secured key; with user verification both are multi-factor.
    #[test]
    fn synced_passkeys_are_swk_device_bound_ones_hwk_and_both_mfa() {
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(
            passkey_sign_in(&record(true), now).amr,
            ["swk", "user", "mfa"]
        );
        assert_eq!(
            passkey_sign_in(&record(false), now).amr,
            ["hwk", "user", "mfa"]
        );
    }
}
