//! TOTP, recovery codes and the second step of a login:
//!
//! * `POST /login` answers 401 `second_factor_required` with a `challenge` when the account
//!   has a confirmed TOTP; `POST /login/second-factor` completes it with a `code` (TOTP) or a
//!   `recovery_code`;
//! * `GET /second-factors`, `POST /totp/enroll`, `POST /totp/confirm`, `DELETE /totp`,
//!   `POST /recovery-codes` for the signed-in user (enrolling and removing need a sign-in at
//!   most ten minutes old: 401 `insufficient_user_authentication` otherwise, answered by
//!   `POST /reauthenticate`).

use std::time::Duration;

use auth_core::flows::{AuthError, SecondFactorChallenge, SecondFactorProof};
use auth_core::mfa::RecoveryCodes;
use bytes::Bytes;
use http::header::{COOKIE, HeaderValue, WWW_AUTHENTICATE};
use http::{Response, StatusCode};
use serde::{Deserialize, Serialize};

use super::handlers::{AccessTokenBody, parse_json};
use super::response::{Failure, add_cookie, host_cookie, json, no_content};
use crate::credentials::single_cookie;

/// The cookie a social login's callback leaves the second-factor challenge in (cookie mode):
/// HttpOnly, `SameSite=Strict`, as long as the challenge lives. The page then posts the code
/// to `POST /login/second-factor` without a `challenge`.
pub const SECOND_FACTOR_COOKIE: &str = "__Host-second-factor";
use super::{AuthEndpoints, EndpointRequest};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SecondFactorRequest))]
pub(crate) struct SecondFactorBody {
    /// The `challenge` of the 401 `second_factor_required` (or of the last retry). After a
    /// social login it is in the `__Host-second-factor` cookie instead (cookie mode).
    #[serde(default)]
    challenge: Option<String>,
    /// A code from the authenticator app.
    #[serde(default)]
    code: Option<String>,
    /// One of the recovery codes.
    #[serde(default)]
    recovery_code: Option<String>,
    /// A passkey's answer to the challenge's `passkey.options` (feature `passkey`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    passkey: Option<PasskeyAnswer>,
}

/// A passkey's answer in the second step: the ceremony of the challenge's `passkey` and the
/// browser's `PublicKeyCredential.toJSON()`.
#[derive(Deserialize)]
pub(crate) struct PasskeyAnswer {
    #[cfg_attr(not(feature = "passkey"), allow(dead_code))]
    ceremony: String,
    #[cfg_attr(not(feature = "passkey"), allow(dead_code))]
    credential: serde_json::Value,
}

/// The passkey part of a challenge: the ceremony token and the WebAuthn request options.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct PasskeyOffer<'a> {
    ceremony: &'a str,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    options: &'a serde_json::Value,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TotpConfirmRequest))]
pub(crate) struct TotpConfirmBody {
    /// The app's current code.
    code: String,
}

/// The 401 a login answers when a second factor is needed, and a wrong second factor's
/// answer (with the next challenge while attempts remain).
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SecondFactorChallenge))]
pub(crate) struct ChallengeBody<'a> {
    error: &'static str,
    error_description: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    challenge: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    methods: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    passkey: Option<PasskeyOffer<'a>>,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SecondFactorStatus))]
pub(crate) struct StatusBody {
    totp: bool,
    recovery_codes_left: u32,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TotpEnrolment))]
pub(crate) struct EnrolmentBody<'a> {
    otpauth_uri: &'a str,
    manual_key: &'a str,
    qr_svg: String,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RecoveryCodes))]
pub(crate) struct RecoveryCodesBody<'a> {
    recovery_codes: Vec<&'a str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    token: Option<AccessTokenBody<'a>>,
}

impl<'a> RecoveryCodesBody<'a> {
    fn new(codes: &'a RecoveryCodes, token: Option<AccessTokenBody<'a>>) -> Self {
        Self {
            recovery_codes: codes
                .codes()
                .iter()
                .map(|code| code.expose_secret())
                .collect(),
            token,
        }
    }
}

/// The `challenge` of a challenge response's body, if it carries one.
fn response_challenge(response: &Response<Bytes>) -> Option<String> {
    if response.status() != StatusCode::UNAUTHORIZED {
        return None;
    }
    let body: serde_json::Value = serde_json::from_slice(response.body()).ok()?;
    body.get("challenge")?.as_str().map(str::to_owned)
}

impl AuthEndpoints {
    /// The answer to a login that needs a second factor (`second_factor_required`) or whose
    /// second factor was wrong (`invalid_second_factor`, with a retry challenge or none).
    pub(super) fn challenge_response(&self, error: &AuthError) -> Option<Response<Bytes>> {
        let (code, description, challenge): (_, _, Option<&SecondFactorChallenge>) = match error {
            AuthError::SecondFactorRequired(challenge) => (
                "second_factor_required",
                "a second factor is required to complete the login",
                Some(challenge),
            ),
            AuthError::InvalidSecondFactor { retry } => (
                "invalid_second_factor",
                "the second factor is wrong, used, or its challenge expired",
                retry.as_deref(),
            ),
            _ => return None,
        };
        let now = self.inner.clock.now();
        let body = ChallengeBody {
            error: code,
            error_description: description,
            challenge: challenge.map(|challenge| challenge.token.secret()),
            methods: challenge.map(|challenge| {
                challenge
                    .methods
                    .iter()
                    .map(|method| method.as_str())
                    .collect()
            }),
            passkey: challenge
                .and_then(|challenge| challenge.passkey.as_ref())
                .map(|(ceremony, options)| PasskeyOffer {
                    ceremony: ceremony.secret(),
                    options,
                }),
            expires_in: challenge.map(|challenge| {
                challenge
                    .expires_at
                    .duration_since(now)
                    .unwrap_or(Duration::ZERO)
                    .as_secs()
            }),
        };
        let mut response = json(StatusCode::UNAUTHORIZED, &body);
        let realm = self.inner.authenticator.realm_name();
        if let Ok(value) = HeaderValue::from_str(&format!("Bearer realm=\"{realm}\"")) {
            response.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        Some(response)
    }

    pub(super) async fn second_factor(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let body: SecondFactorBody = parse_json(request)?;
        let proof = match (body.code, body.recovery_code, body.passkey) {
            (Some(code), None, None) => SecondFactorProof::Totp(code),
            (None, Some(code), None) => SecondFactorProof::RecoveryCode(code),
            #[cfg(feature = "passkey")]
            (None, None, Some(answer)) => SecondFactorProof::Passkey {
                ceremony: answer.ceremony,
                credential: answer.credential,
            },
            _ => {
                return Err(Failure::InvalidRequest(
                    "give exactly one of `code`, `recovery_code` and `passkey`",
                ));
            }
        };
        let from_cookie = body.challenge.is_none();
        let challenge = match body.challenge {
            Some(challenge) => challenge,
            None if self.cookie_mode() => single_cookie(
                request.headers.get_all(COOKIE).iter().map(|v| v.as_bytes()),
                SECOND_FACTOR_COOKIE,
            )
            .ok()
            .flatten()
            .and_then(|value| std::str::from_utf8(value).ok())
            .map(str::to_owned)
            .ok_or(Failure::InvalidRequest("the challenge is missing"))?,
            None => return Err(Failure::InvalidRequest("the challenge is missing")),
        };
        let client = self.client_info(request);
        let outcome = self
            .inner
            .service
            .complete_second_factor(&challenge, proof, &client)
            .await;
        let mut response = match outcome {
            Ok(pair) => self.token_response(StatusCode::OK, &pair)?,
            Err(error) => match self.challenge_response(&error) {
                Some(response) => response,
                None => return Err(error.into()),
            },
        };
        if from_cookie {
            // Spent either way; a retry challenge travels the way the first one did.
            let retry = response_challenge(&response);
            let max_age = if retry.is_some() {
                Duration::from_secs(300)
            } else {
                Duration::ZERO
            };
            add_cookie(
                &mut response,
                &host_cookie(
                    SECOND_FACTOR_COOKIE,
                    retry.as_deref().unwrap_or(""),
                    max_age,
                    true,
                ),
            );
        }
        Ok(response)
    }

    /// A social login that needs a second factor (cookie mode): the challenge goes into
    /// [`SECOND_FACTOR_COOKIE`] and the browser to `target` with `second_factor=required`, so
    /// the page asks for the code.
    #[cfg(feature = "providers")]
    pub(super) fn second_factor_redirect(
        &self,
        challenge: &SecondFactorChallenge,
        target: &str,
    ) -> Response<Bytes> {
        let separator = if target.contains('?') { '&' } else { '?' };
        let mut response = super::response::respond(StatusCode::SEE_OTHER, Bytes::new());
        match HeaderValue::from_str(&format!("{target}{separator}second_factor=required")) {
            Ok(location) => {
                response
                    .headers_mut()
                    .insert(http::header::LOCATION, location);
            }
            Err(_) => {
                return super::response::error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "internal server error",
                );
            }
        }
        let max_age = challenge
            .expires_at
            .duration_since(self.inner.clock.now())
            .unwrap_or(Duration::ZERO);
        add_cookie(
            &mut response,
            &host_cookie(
                SECOND_FACTOR_COOKIE,
                challenge.token.secret(),
                max_age,
                true,
            ),
        );
        response
    }

    pub(super) async fn second_factors(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let status = self
            .inner
            .service
            .second_factor_status(Self::user_id(&context)?)
            .await?;
        Ok(json(
            StatusCode::OK,
            &StatusBody {
                totp: status.totp,
                recovery_codes_left: status.recovery_codes_left,
            },
        ))
    }

    pub(super) async fn totp_enroll(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let enrolment = self
            .inner
            .service
            .start_totp_enrolment(Self::user_id(&context)?, Self::session_id(&context)?)
            .await?;
        let qr_svg = enrolment.qr_svg().map_err(|error| {
            tracing::error!(error = %auth_core::ErrorChain::new(&error), "the TOTP QR code could not be drawn");
            AuthError::SecondFactorCrypto
        })?;
        Ok(json(
            StatusCode::OK,
            &EnrolmentBody {
                otpauth_uri: enrolment.otpauth_uri(),
                manual_key: enrolment.manual_key(),
                qr_svg,
            },
        ))
    }

    pub(super) async fn totp_confirm(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let body: TotpConfirmBody = parse_json(request)?;
        let (codes, token) = self
            .inner
            .service
            .confirm_totp(
                Self::user_id(&context)?,
                Self::session_id(&context)?,
                &body.code,
            )
            .await?;
        Ok(json(
            StatusCode::OK,
            &RecoveryCodesBody::new(&codes, Some(AccessTokenBody::from(&token))),
        ))
    }

    pub(super) async fn totp_remove(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        self.inner
            .service
            .remove_totp(Self::user_id(&context)?, Self::session_id(&context)?)
            .await?;
        Ok(no_content())
    }

    pub(super) async fn recovery_codes(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let codes = self
            .inner
            .service
            .regenerate_recovery_codes(Self::user_id(&context)?, Self::session_id(&context)?)
            .await?;
        Ok(json(StatusCode::OK, &RecoveryCodesBody::new(&codes, None)))
    }
}
