//! The one mapping from this crate's errors to the error codes of RFC 6750 §3.1.

use std::fmt;

/// An error code a protected resource returns in `WWW-Authenticate: Bearer error="…"`
/// (RFC 6750 §3.1), with the HTTP status that goes with it.
///
/// Every error type in this crate that can reach a client implements [`ToBearerError`]; the
/// HTTP layers use only this mapping, so the code a failure gets is decided in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BearerErrorCode {
    /// `invalid_request`: the request is malformed (for example two sets of credentials).
    /// HTTP 400.
    InvalidRequest,
    /// `invalid_token`: the token is expired, revoked, malformed or otherwise invalid.
    /// HTTP 401.
    InvalidToken,
    /// `insufficient_scope`: the token is valid but does not grant what the request needs.
    /// HTTP 403.
    InsufficientScope,
    /// `insufficient_user_authentication` (RFC 9470 §3): the token is valid, but the sign-in
    /// behind it is too old or too weak for this request; the client should have the user
    /// authenticate again (with the `acr_values` / `max_age` of the challenge). HTTP 401.
    InsufficientUserAuthentication,
}

impl BearerErrorCode {
    /// The code as it appears on the wire, e.g. `"invalid_token"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::InsufficientUserAuthentication => "insufficient_user_authentication",
        }
    }

    /// The HTTP status code RFC 6750 §3.1 pairs with this error.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::InvalidRequest => 400,
            Self::InvalidToken => 401,
            Self::InsufficientScope => 403,
            Self::InsufficientUserAuthentication => 401,
        }
    }
}

impl fmt::Display for BearerErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors that a resource server reports to the client as an RFC 6750 error.
pub trait ToBearerError {
    /// The RFC 6750 code for this error, or `None` when it is a server-side failure that the
    /// client must see as a plain 500 (misconfiguration, a crypto backend failure, …).
    fn bearer_error(&self) -> Option<BearerErrorCode>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_follow_rfc_6750() {
        assert_eq!(BearerErrorCode::InvalidRequest.as_str(), "invalid_request");
        assert_eq!(BearerErrorCode::InvalidRequest.http_status(), 400);
        assert_eq!(BearerErrorCode::InvalidToken.to_string(), "invalid_token");
        assert_eq!(BearerErrorCode::InvalidToken.http_status(), 401);
        assert_eq!(
            BearerErrorCode::InsufficientScope.as_str(),
            "insufficient_scope"
        );
        assert_eq!(BearerErrorCode::InsufficientScope.http_status(), 403);
        // RFC 9470 §3: a step-up challenge is a 401, so clients start a new sign-in.
        assert_eq!(
            BearerErrorCode::InsufficientUserAuthentication.as_str(),
            "insufficient_user_authentication"
        );
        assert_eq!(
            BearerErrorCode::InsufficientUserAuthentication.http_status(),
            401
        );
    }
}
