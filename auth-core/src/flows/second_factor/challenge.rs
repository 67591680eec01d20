//! The second step of a login: the challenge a password login answers when the account has
//! a second factor, and its completion.

use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::super::service::{EventExt as _, event, password_gates, second_factor_throttle_key};
use super::super::{AuthError, AuthService, ClientInfo, TokenPair};
use crate::mfa::{TotpSecret, hash_recovery_code};
use crate::store::{
    AuditKind, Ceremony, CeremonyPurpose, CeremonyToken, SecretValue, User, UserId,
};
use crate::token::AuthMethod;

/// A way to complete a login's second step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecondFactorMethod {
    /// A code from the authenticator app.
    Totp,
    /// One of the recovery codes shown at enrolment.
    RecoveryCode,
    /// One of the account's passkeys (feature `passkey`, with passkeys configured): the
    /// challenge carries the WebAuthn options for it.
    Passkey,
}

impl SecondFactorMethod {
    /// The name clients see (`totp`, `recovery_code`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::RecoveryCode => "recovery_code",
            Self::Passkey => "passkey",
        }
    }
}

/// What a login answers instead of tokens when the account has a second factor, inside
/// [`AuthError::SecondFactorRequired`]: a single-use token for
/// [`AuthService::complete_second_factor`], the methods it accepts, and its expiry. `Debug`
/// does not show the token.
#[derive(Debug)]
#[non_exhaustive]
pub struct SecondFactorChallenge {
    /// The challenge; hand it to the client once.
    pub token: CeremonyToken,
    /// What may complete it.
    pub methods: Vec<SecondFactorMethod>,
    /// When it stops being accepted.
    pub expires_at: SystemTime,
    /// When [`SecondFactorMethod::Passkey`] is offered: a passkey sign-in ceremony for this
    /// account (its token, and the options for `navigator.credentials.get()`), to answer with
    /// `SecondFactorProof::Passkey`.
    pub passkey: Option<(CeremonyToken, serde_json::Value)>,
}

/// What completes a login's second step.
#[non_exhaustive]
pub enum SecondFactorProof {
    /// A TOTP code (spaces ignored).
    Totp(String),
    /// A recovery code (case, spaces and dashes ignored). Used up by a successful login.
    RecoveryCode(String),
    /// The browser's answer (`PublicKeyCredential.toJSON()`) to the challenge's passkey
    /// options, with the ceremony token that came with them.
    #[cfg(feature = "passkey")]
    Passkey {
        /// The token of [`SecondFactorChallenge::passkey`].
        ceremony: String,
        /// The browser's answer.
        credential: serde_json::Value,
    },
}

impl fmt::Debug for SecondFactorProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Totp(_) => "Totp([redacted])",
            Self::RecoveryCode(_) => "RecoveryCode([redacted])",
            #[cfg(feature = "passkey")]
            Self::Passkey { .. } => "Passkey([redacted])",
        })
    }
}

/// What a challenge remembers between the password and the second factor.
#[derive(Serialize, Deserialize)]
struct Pending {
    /// The methods the first step used (`pwd`).
    amr: Vec<String>,
    /// Proofs left, this one included.
    attempts_left: u32,
}

impl AuthService {
    /// The challenge for `user`, who just passed the first step with `first` (`None`: a social
    /// login, whose methods are the provider's), if the account
    /// has a second factor; `None` otherwise (or when no [`SecondFactorSetup`](super::SecondFactorSetup)
    /// is configured).
    pub(in crate::flows) async fn second_factor_challenge(
        &self,
        user: &User,
        first: Option<AuthMethod>,
        now: SystemTime,
    ) -> Result<Option<SecondFactorChallenge>, AuthError> {
        let Some(setup) = &self.inner.second_factors else {
            return Ok(None);
        };
        let confirmed = setup
            .store
            .totp(user.id)
            .await?
            .is_some_and(|record| record.is_confirmed());
        if !confirmed {
            return Ok(None);
        }
        let pending = Pending {
            amr: first
                .iter()
                .map(|method| method.as_str().to_owned())
                .collect(),
            attempts_left: setup.attempts_per_login.max(1),
        };
        self.put_challenge(user.id, &pending, now).await.map(Some)
    }

    /// Stores a challenge for `user` remembering `pending`.
    async fn put_challenge(
        &self,
        user: UserId,
        pending: &Pending,
        now: SystemTime,
    ) -> Result<SecondFactorChallenge, AuthError> {
        let Some(setup) = &self.inner.second_factors else {
            return Err(AuthError::NotEnabled("second factors"));
        };
        let token = CeremonyToken::generate().map_err(|_| AuthError::Random)?;
        let expires_at = now + setup.challenge_ttl;
        let state = serde_json::to_string(pending)
            .map_err(|error| AuthError::Store(crate::store::StoreError::backend(error)))?;
        let mut methods = self.second_factor_methods(user).await?;
        let passkey = self.second_factor_passkey(user, now).await?;
        if passkey.is_some() {
            methods.push(SecondFactorMethod::Passkey);
        }
        setup
            .ceremonies
            .put_ceremony(
                &token.hash(),
                Ceremony::new(
                    CeremonyPurpose::SecondFactor,
                    Some(user),
                    SecretValue::new(state),
                    expires_at,
                ),
                now,
            )
            .await?;
        Ok(SecondFactorChallenge {
            token,
            methods,
            expires_at,
            passkey,
        })
    }

    /// A passkey sign-in ceremony for `user`'s passkeys, when passkeys are configured and the
    /// account has one.
    #[cfg(feature = "passkey")]
    async fn second_factor_passkey(
        &self,
        user: UserId,
        now: SystemTime,
    ) -> Result<Option<(CeremonyToken, serde_json::Value)>, AuthError> {
        let Some(passkeys) = self.inner.passkeys.as_deref() else {
            return Ok(None);
        };
        if self.passkeys(user).await?.is_empty() {
            return Ok(None);
        }
        Ok(Some(passkeys.start_authentication(Some(&user), now).await?))
    }

    /// Without the `passkey` feature there is no passkey to offer.
    #[cfg(not(feature = "passkey"))]
    #[allow(clippy::unused_async)] // the same shape as the feature's version
    async fn second_factor_passkey(
        &self,
        _user: UserId,
        _now: SystemTime,
    ) -> Result<Option<(CeremonyToken, serde_json::Value)>, AuthError> {
        Ok(None)
    }

    /// The methods `user` can complete a challenge with.
    async fn second_factor_methods(
        &self,
        user: UserId,
    ) -> Result<Vec<SecondFactorMethod>, AuthError> {
        let Some(setup) = &self.inner.second_factors else {
            return Ok(Vec::new());
        };
        let mut methods = vec![SecondFactorMethod::Totp];
        if setup.store.recovery_codes_left(user).await? > 0 {
            methods.push(SecondFactorMethod::RecoveryCode);
        }
        Ok(methods)
    }

    /// Completes a login's second step: `challenge` is the token of the
    /// [`AuthError::SecondFactorRequired`] a login answered (or of the retry an
    /// [`AuthError::InvalidSecondFactor`] carried), `proof` the user's code. Answers the
    /// session's token pair, with `amr` `pwd otp mfa` (a recovery code is a one-time password
    /// too).
    ///
    /// The challenge is consumed whatever the outcome. Audited as `second_factor` (with the
    /// method, or why it failed) and, on success, `login`; a used recovery code also as
    /// `recovery_codes_changed` with how many are left.
    ///
    /// # Errors
    /// [`AuthError::InvalidSecondFactor`] for an unknown, expired or used challenge, a wrong
    /// or replayed TOTP code, or an unknown or used recovery code — all alike, with a retry
    /// challenge while the login has attempts left; [`AuthError::Throttled`] when the
    /// account's login throttle is full; [`AuthError::AccountDisabled`];
    /// [`AuthError::NotEnabled`] without a [`SecondFactorSetup`](super::SecondFactorSetup).
    #[tracing::instrument(skip_all, fields(user_id = tracing::field::Empty))]
    pub async fn complete_second_factor(
        &self,
        challenge: &str,
        proof: SecondFactorProof,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let Some(setup) = &self.inner.second_factors else {
            return Err(AuthError::NotEnabled("second factors"));
        };
        let now = self.now();
        let no_retry = || AuthError::InvalidSecondFactor { retry: None };
        let Ok(token) = CeremonyToken::parse(challenge) else {
            return Err(no_retry());
        };
        let Some(ceremony) = setup
            .ceremonies
            .take_ceremony(&token.hash(), CeremonyPurpose::SecondFactor, now)
            .await?
        else {
            self.audit(
                event(AuditKind::SecondFactor, now, false)
                    .client(client)
                    .detail("unknown_challenge"),
            )
            .await?;
            return Err(no_retry());
        };
        let (Some(user_id), Ok(pending)) = (
            ceremony.user_id,
            serde_json::from_str::<Pending>(ceremony.state.expose_secret()),
        ) else {
            tracing::error!("a second-factor challenge without a user or readable state; refusing");
            return Err(no_retry());
        };
        tracing::Span::current().record("user_id", tracing::field::display(user_id));
        let user = self.signed_in_user(user_id).await?;

        let gates = password_gates(
            &self.inner.config,
            &second_factor_throttle_key(user_id),
            client.clean_ip().as_deref(),
        );
        let attempt = match self.reserve_attempt(gates, now).await? {
            Ok(attempt) => attempt,
            Err((retry_after, which)) => {
                self.audit(
                    event(AuditKind::LoginThrottled, now, false)
                        .user(user_id)
                        .client(client)
                        .detail(which),
                )
                .await?;
                return Err(AuthError::Throttled { retry_after });
            }
        };

        let kind = match &proof {
            SecondFactorProof::Totp(_) => SecondFactorMethod::Totp,
            SecondFactorProof::RecoveryCode(_) => SecondFactorMethod::RecoveryCode,
            #[cfg(feature = "passkey")]
            SecondFactorProof::Passkey { .. } => SecondFactorMethod::Passkey,
        };
        let checked: Option<Vec<&'static str>> = match proof {
            SecondFactorProof::Totp(code) => self
                .check_totp(user_id, &code, now)
                .await?
                .map(|method| vec![method.as_str()]),
            SecondFactorProof::RecoveryCode(code) => self
                .use_recovery_code(user_id, &code, now)
                .await?
                .map(|method| vec![method.as_str()]),
            #[cfg(feature = "passkey")]
            SecondFactorProof::Passkey {
                ceremony,
                credential,
            } => self
                .check_passkey(user_id, &ceremony, credential, now)
                .await?
                .map(|methods| methods.to_vec()),
        };
        let Some(methods) = checked else {
            drop(attempt); // kept: a wrong second factor is a failure
            self.audit(
                event(AuditKind::SecondFactor, now, false)
                    .user(user_id)
                    .client(client)
                    .detail(format!("wrong_{}", kind.as_str())),
            )
            .await?;
            let retry = if pending.attempts_left > 1 {
                let next = Pending {
                    amr: pending.amr,
                    attempts_left: pending.attempts_left - 1,
                };
                Some(Box::new(self.put_challenge(user_id, &next, now).await?))
            } else {
                None
            };
            return Err(AuthError::InvalidSecondFactor { retry });
        };
        self.attempt_succeeded(attempt, now).await?;

        let assurance = self.assurance(now, pending.amr.iter().map(String::as_str).chain(methods));
        let pair = self.start_session(&user, client, assurance, now).await?;
        self.audit(
            event(AuditKind::SecondFactor, now, true)
                .user(user_id)
                .session(pair.session_id)
                .client(client)
                .detail(kind.as_str()),
        )
        .await?;
        self.audit(
            event(AuditKind::Login, now, true)
                .user(user_id)
                .session(pair.session_id)
                .client(client),
        )
        .await?;
        tracing::info!(
            method = kind.as_str(),
            "login completed with a second factor"
        );
        Ok(pair)
    }

    /// Checks a TOTP code of `user` and spends its time step (one conditional write, so a
    /// code is accepted once even by concurrent requests). `Some(otp)` when it passed.
    pub(in crate::flows) async fn check_totp(
        &self,
        user: UserId,
        code: &str,
        now: SystemTime,
    ) -> Result<Option<AuthMethod>, AuthError> {
        let Some(setup) = &self.inner.second_factors else {
            return Err(AuthError::NotEnabled("second factors"));
        };
        let Some(record) = setup.store.totp(user).await? else {
            return Ok(None);
        };
        if !record.is_confirmed() {
            return Ok(None);
        }
        let secret = match TotpSecret::decrypt(&setup.key, user, &record.encrypted_secret) {
            Ok(secret) => secret,
            Err(error) => {
                // A wrong key or a tampered row: refuse, and say so loudly.
                tracing::error!(error = %crate::ErrorChain::new(&error), "a stored TOTP secret cannot be decrypted; refusing");
                return Ok(None);
            }
        };
        let Ok(step) = setup.totp.verify(&secret, code, now, record.last_used_step) else {
            return Ok(None);
        };
        Ok(setup
            .store
            .use_totp_step(user, step)
            .await?
            .then_some(AuthMethod::Otp))
    }

    /// Checks a passkey answer to the challenge's ceremony: it must verify and be one of
    /// `user`'s passkeys. The methods it proves, when it passed.
    #[cfg(feature = "passkey")]
    async fn check_passkey(
        &self,
        user: UserId,
        ceremony: &str,
        credential: serde_json::Value,
        now: SystemTime,
    ) -> Result<Option<[&'static str; 2]>, AuthError> {
        let Some(passkeys) = self.inner.passkeys.as_deref() else {
            return Ok(None);
        };
        match passkeys
            .finish_authentication(ceremony, credential, now)
            .await
        {
            Ok((owner, record)) if owner == user => {
                Ok(Some(super::super::passkeys::passkey_methods(&record)))
            }
            Ok(_) => {
                tracing::warn!("a second-factor passkey of another account; refused");
                Ok(None)
            }
            Err(crate::passkey::PasskeyError::Store(error)) => Err(error.into()),
            Err(_) => Ok(None),
        }
    }

    /// Uses up one recovery code of `user`. `Some(otp)` when it was theirs and unused: a
    /// recovery code is a one-time password (RFC 8176 `otp`; NIST SP 800-63B's look-up
    /// secret, something the user has). The audit trail tells it from a TOTP code.
    async fn use_recovery_code(
        &self,
        user: UserId,
        code: &str,
        now: SystemTime,
    ) -> Result<Option<AuthMethod>, AuthError> {
        let Some(setup) = &self.inner.second_factors else {
            return Err(AuthError::NotEnabled("second factors"));
        };
        let Ok(hash) = hash_recovery_code(code) else {
            return Ok(None);
        };
        if !setup.store.use_recovery_code(user, &hash, now).await? {
            return Ok(None);
        }
        let left = setup.store.recovery_codes_left(user).await?;
        self.audit(
            event(AuditKind::RecoveryCodesChanged, now, true)
                .user(user)
                .detail(format!("used; {left} left")),
        )
        .await?;
        Ok(Some(AuthMethod::Otp))
    }
}
