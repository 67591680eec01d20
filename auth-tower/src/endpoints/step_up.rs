//! `POST /reauthenticate`: a signed-in user proves it is still them (step-up, RFC 9470), and
//! gets an access token with a fresh `auth_time`.

use auth_core::password::Password;
use bytes::Bytes;
use http::{Response, StatusCode};
use serde::Deserialize;

use super::handlers::{AccessTokenBody, parse_json};
use super::response::{Failure, json};
use super::{AuthEndpoints, EndpointRequest};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReauthenticateRequest))]
pub(crate) struct ReauthenticateBody {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    password: Password,
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
        let token = self
            .inner
            .service
            .reauthenticate(
                Self::user_id(&context)?,
                Self::session_id(&context)?,
                body.password,
            )
            .await?;
        Ok(json(StatusCode::OK, &AccessTokenBody::from(&token)))
    }
}
