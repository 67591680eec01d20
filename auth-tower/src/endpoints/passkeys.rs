//! The passkey routes (feature `passkey`): adding, listing, renaming and removing the
//! signed-in user's passkeys, signing in with one, and signing up with nothing but one. Each
//! handler reads its input, calls one auth-core flow and shapes the answer; every refusal
//! goes through [`Failure`].
//!
//! Ceremonies are two requests: a `…/start` answers `{"ceremony","options"}` — `options` is
//! webauthn-rs's `{"publicKey":{…}}` for `PublicKeyCredential.parseCreationOptionsFromJSON`
//! / `parseRequestOptionsFromJSON` — and the matching `…/finish` takes the `ceremony` back
//! with the browser's `credential.toJSON()`.

use auth_core::flows::PasskeyChallenge;
use auth_core::store::PasskeyRecord;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::{Response, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::handlers::{parse_json, unix};
use super::response::{Failure, json, no_content};
use super::{AuthEndpoints, EndpointRequest};
use auth_core::flows::AuthError;

/// `POST /passkeys/register/finish`.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PasskeyRegisterFinishRequest))]
pub(crate) struct RegisterFinishBody {
    /// The `ceremony` of `POST /passkeys/register/start`.
    ceremony: String,
    /// The browser's `PublicKeyCredential.toJSON()`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    credential: Value,
    /// What the user calls the passkey (1 to 64 characters).
    name: String,
}

/// `PATCH /passkeys/{id}`.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PasskeyRenameRequest))]
pub(crate) struct RenameBody {
    /// The new name (1 to 64 characters).
    name: String,
}

/// `POST /passkey/login/start`: `{}` for a usernameless sign-in, or an email hint.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PasskeyLoginStartRequest))]
pub(crate) struct LoginStartBody {
    /// An email hint: that account's passkeys are offered. An address without an account
    /// answers exactly what no hint answers.
    #[serde(default)]
    email: Option<String>,
}

/// `POST /passkey/login/finish`.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PasskeyLoginFinishRequest))]
pub(crate) struct LoginFinishBody {
    /// The `ceremony` of `POST /passkey/login/start`.
    ceremony: String,
    /// The browser's `PublicKeyCredential.toJSON()`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    credential: Value,
}

/// `POST /passkey/signup/start`.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PasskeySignupStartRequest))]
pub(crate) struct SignupStartBody {
    /// The new account's email address.
    email: String,
}

/// `POST /passkey/signup/finish`.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PasskeySignupFinishRequest))]
pub(crate) struct SignupFinishBody {
    /// The `ceremony` of `POST /passkey/signup/start`.
    ceremony: String,
    /// The browser's `PublicKeyCredential.toJSON()`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    credential: Value,
    /// What the user calls the passkey; `Passkey` when absent.
    #[serde(default)]
    name: Option<String>,
}

/// A started ceremony.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PasskeyCeremony))]
pub(crate) struct CeremonyBody<'a> {
    /// Send it back with the finish; single use, valid for a few minutes.
    ceremony: &'a str,
    /// `{"publicKey":{…}}` for the browser's WebAuthn call.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    options: &'a Value,
}

impl<'a> From<&'a PasskeyChallenge> for CeremonyBody<'a> {
    fn from(challenge: &'a PasskeyChallenge) -> Self {
        Self {
            ceremony: challenge.token.secret(),
            options: &challenge.options,
        }
    }
}

/// One passkey of the account.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Passkey))]
pub(crate) struct PasskeyBody<'a> {
    /// The credential id, base64url without padding.
    id: String,
    name: &'a str,
    /// Seconds since the Unix epoch.
    created_at: u64,
    /// Seconds since the Unix epoch; `null` when never used.
    last_used_at: Option<u64>,
    /// May be synced to the user's other devices.
    backup_eligible: bool,
    /// Was synced at its last use.
    backup_state: bool,
}

impl<'a> From<&'a PasskeyRecord> for PasskeyBody<'a> {
    fn from(record: &'a PasskeyRecord) -> Self {
        Self {
            id: URL_SAFE_NO_PAD.encode(&record.credential_id),
            name: &record.name,
            created_at: unix(record.created_at),
            last_used_at: record.last_used_at.map(unix),
            backup_eligible: record.backup_eligible,
            backup_state: record.backup_state,
        }
    }
}

/// A credential id from a path: base64url without padding. Anything else names no passkey.
fn credential_id(id: &str) -> Result<Vec<u8>, Failure> {
    URL_SAFE_NO_PAD
        .decode(id)
        .map_err(|_| Failure::Auth(AuthError::PasskeyNotFound))
}

impl AuthEndpoints {
    pub(super) async fn passkey_register_start(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let started = self
            .inner
            .service
            .start_passkey_registration(Self::user_id(&context)?, Self::session_id(&context)?)
            .await?;
        Ok(json(StatusCode::OK, &CeremonyBody::from(&started)))
    }

    pub(super) async fn passkey_register_finish(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let body: RegisterFinishBody = parse_json(request)?;
        let record = self
            .inner
            .service
            .finish_passkey_registration(
                Self::user_id(&context)?,
                Self::session_id(&context)?,
                &body.ceremony,
                body.credential,
                &body.name,
            )
            .await?;
        Ok(json(StatusCode::CREATED, &PasskeyBody::from(&record)))
    }

    pub(super) async fn passkey_list(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let records = self
            .inner
            .service
            .passkeys(Self::user_id(&context)?)
            .await?;
        let body: Vec<PasskeyBody<'_>> = records.iter().map(PasskeyBody::from).collect();
        Ok(json(StatusCode::OK, &body))
    }

    pub(super) async fn passkey_rename(
        &self,
        request: &EndpointRequest,
        id: &str,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let body: RenameBody = parse_json(request)?;
        self.inner
            .service
            .rename_passkey(Self::user_id(&context)?, &credential_id(id)?, &body.name)
            .await?;
        Ok(no_content())
    }

    pub(super) async fn passkey_delete(
        &self,
        request: &EndpointRequest,
        id: &str,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        self.inner
            .service
            .remove_passkey(
                Self::user_id(&context)?,
                Self::session_id(&context)?,
                &credential_id(id)?,
            )
            .await?;
        Ok(no_content())
    }

    pub(super) async fn passkey_login_start(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let body: LoginStartBody = parse_json(request)?;
        let client = self.client_info(request);
        let started = self
            .inner
            .service
            .start_passkey_login(body.email.as_deref(), &client)
            .await?;
        Ok(json(StatusCode::OK, &CeremonyBody::from(&started)))
    }

    pub(super) async fn passkey_login_finish(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let body: LoginFinishBody = parse_json(request)?;
        let client = self.client_info(request);
        let pair = self
            .inner
            .service
            .finish_passkey_login(&body.ceremony, body.credential, &client)
            .await?;
        self.token_response(StatusCode::OK, &pair)
    }

    pub(super) async fn passkey_signup_start(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let body: SignupStartBody = parse_json(request)?;
        let client = self.client_info(request);
        let started = self
            .inner
            .service
            .start_passkey_signup(&body.email, &client)
            .await?;
        Ok(json(StatusCode::OK, &CeremonyBody::from(&started)))
    }

    pub(super) async fn passkey_signup_finish(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let body: SignupFinishBody = parse_json(request)?;
        let client = self.client_info(request);
        let service = &self.inner.service;
        let (user, pair) = service
            .finish_passkey_signup(
                &body.ceremony,
                body.credential,
                body.name.as_deref(),
                &client,
            )
            .await?;
        // As `POST /signup`: the address is unproven until its owner follows the link.
        if self.inner.config.verify_email_on_signup
            && let Err(error) = service.request_email_verification(user.id).await
        {
            tracing::error!(error = %auth_core::ErrorChain::new(&error), user_id = %user.id, "verification email after passkey signup failed");
        }
        self.token_response(StatusCode::CREATED, &pair)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_id_that_is_not_base64url_names_no_passkey() {
        assert_eq!(credential_id("AQID").ok(), Some(vec![1, 2, 3]));
        for bad in ["a+b/", "AQID=", "%%%"] {
            assert!(
                matches!(
                    credential_id(bad),
                    Err(Failure::Auth(AuthError::PasskeyNotFound))
                ),
                "{bad:?}"
            );
        }
    }
}
