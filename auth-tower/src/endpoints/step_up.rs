//! `POST /reauthenticate`: a signed-in user proves it is still them (step-up, RFC 9470), and
//! gets an access token with a fresh `auth_time`.

use auth_core::password::Password;
use bytes::Bytes;
use http::{Response, StatusCode};
use serde::Deserialize;

use super::handlers::{AccessTokenBody, parse_json};
use super::response::{Failure, json};
use super::{AuthEndpoints, EndpointRequest};

/// Exactly one of: the password, a TOTP code, or a passkey's answer to
/// `POST /reauthenticate/passkey`'s options.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReauthenticateRequest))]
pub(crate) struct ReauthenticateBody {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Password))]
    password: Option<Password>,
    /// A code from the authenticator app.
    #[serde(default)]
    code: Option<String>,
    /// `{"ceremony","credential"}`: the ceremony of `POST /reauthenticate/passkey` and the
    /// browser's `PublicKeyCredential.toJSON()` (feature `passkey`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    passkey: Option<PasskeyAnswer>,
}

/// A passkey's answer: its ceremony and the browser's credential.
#[derive(Deserialize)]
pub(crate) struct PasskeyAnswer {
    #[cfg_attr(not(feature = "passkey"), allow(dead_code))]
    ceremony: String,
    #[cfg_attr(not(feature = "passkey"), allow(dead_code))]
    credential: serde_json::Value,
}

impl AuthEndpoints {
    /// The password again, for the session the access token belongs to: 200 with a new
    /// access token whose `auth_time` is now (the refresh token is unchanged, and its later
    /// refreshes carry the new `auth_time`).
    pub(super) async fn reauthenticate(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let body: ReauthenticateBody = parse_json(request)?;
        let (user, session) = (Self::user_id(&context)?, Self::session_id(&context)?);
        let service = &self.inner.service;
        let token = match (body.password, body.code, body.passkey) {
            (Some(password), None, None) => service.reauthenticate(user, session, password).await?,
            (None, Some(code), None) => {
                service
                    .reauthenticate_with_totp(user, session, &code)
                    .await?
            }
            #[cfg(feature = "passkey")]
            (None, None, Some(answer)) => {
                service
                    .finish_passkey_reauthentication(
                        user,
                        session,
                        &answer.ceremony,
                        answer.credential,
                    )
                    .await?
            }
            _ => {
                return Err(Failure::InvalidRequest(
                    "give exactly one of `password`, `code` and `passkey`",
                ));
            }
        };
        Ok(json(StatusCode::OK, &AccessTokenBody::from(&token)))
    }

    /// `POST /reauthenticate/passkey`: the options to step up with one of the account's
    /// passkeys (answered at `POST /reauthenticate` with `passkey`).
    #[cfg(feature = "passkey")]
    pub(super) async fn reauthenticate_passkey_start(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let challenge = self
            .inner
            .service
            .start_passkey_reauthentication(Self::user_id(&context)?, Self::session_id(&context)?)
            .await?;
        Ok(json(
            StatusCode::OK,
            &super::passkeys::CeremonyBody::from(&challenge),
        ))
    }
}
