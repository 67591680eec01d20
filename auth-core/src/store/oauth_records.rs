//! The records of the OAuth 2.0 authorization server: registered clients, authorization
//! codes, consents, and the grant that binds a session (a refresh-token family) to a client.
//!
//! Plain data, like [`records`](super::records): the
//! [`oauth_server`](crate::oauth_server) module decides what they mean.

use std::time::SystemTime;

use super::{SessionId, UserId};
use crate::opaque::TokenHash;
use crate::token::Scope;

/// Whether a client can keep a secret (RFC 6749 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientType {
    /// A server-side application: it holds a client secret and authenticates with it
    /// (`client_secret_basic` or `client_secret_post`).
    Confidential,
    /// A browser or native application: it has no secret, names itself with `client_id`
    /// alone, and must use PKCE (which every client here must anyway).
    Public,
}

impl ClientType {
    /// A stable lowercase name, for storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Confidential => "confidential",
            Self::Public => "public",
        }
    }

    /// The type named by [`ClientType::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Confidential, Self::Public]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// A grant type a client may use at the token endpoint. There is deliberately no implicit,
/// password or client-credentials grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GrantType {
    /// `authorization_code` (with PKCE), RFC 6749 §4.1 and RFC 7636.
    AuthorizationCode,
    /// `refresh_token`, RFC 6749 §6, with rotation and reuse detection.
    RefreshToken,
}

impl GrantType {
    /// The `grant_type` value, also the stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
        }
    }

    /// The grant type named by [`GrantType::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [Self::AuthorizationCode, Self::RefreshToken]
            .into_iter()
            .find(|grant| grant.as_str() == name)
    }
}

/// A registered OAuth client.
///
/// Build one through
/// [`OAuthServer::register_client`](crate::oauth_server::OAuthServer::register_client), which
/// checks the redirect URIs and scopes and generates the secret; a store only keeps it.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// The public identifier (`client_id`); unique.
    pub client_id: String,
    /// SHA-256 of the client secret, for a confidential client; `None` for a public one.
    /// The secret itself is never stored.
    pub secret_hash: Option<TokenHash>,
    /// Confidential or public.
    pub client_type: ClientType,
    /// The name shown on the consent page.
    pub name: String,
    /// The redirect URIs, each compared byte for byte with the one a request names.
    pub redirect_uris: Vec<String>,
    /// The scopes the client may ask for.
    pub allowed_scopes: Scope,
    /// The grant types the client may use.
    pub grant_types: Vec<GrantType>,
    /// A client of the service's own (its own web or mobile app): users are not asked for
    /// consent.
    pub first_party: bool,
    /// When it was registered.
    pub created_at: SystemTime,
}

/// An authorization code, kept as its hash: single use, short-lived, bound to the client, the
/// redirect URI and the PKCE challenge it was issued with.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    /// SHA-256 of the code; unique.
    pub hash: TokenHash,
    /// The client it was issued to.
    pub client_id: String,
    /// The user who authorized it.
    pub user_id: UserId,
    /// The redirect URI of the authorization request; the token request must repeat it.
    pub redirect_uri: String,
    /// The scope granted.
    pub scope: Scope,
    /// The PKCE `code_challenge` (S256, 43 base64url characters).
    pub code_challenge: String,
    /// The OpenID Connect `nonce` of the request, echoed in the id_token.
    pub nonce: Option<String>,
    /// When the user authenticated (the id_token's `auth_time`).
    pub auth_time: SystemTime,
    /// How (RFC 8176 names): the id_token's and access tokens' `amr`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub amr: Vec<String>,
    /// The authentication context class satisfied: the id_token's `acr`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub acr: Option<String>,
    /// When it was issued.
    pub created_at: SystemTime,
    /// When it stops being accepted (at most 10 minutes after issue).
    pub expires_at: SystemTime,
    /// When it was redeemed; a redeemed code is never redeemed again.
    pub used_at: Option<SystemTime>,
    /// The session (refresh-token family) its redemption started, so that a replay can
    /// revoke it.
    pub session_id: Option<SessionId>,
    /// When it was first presented again after its redemption (a replay).
    pub replayed_at: Option<SystemTime>,
}

/// What [`AuthorizationCodeStore::redeem_authorization_code`](super::AuthorizationCodeStore::redeem_authorization_code)
/// found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodeRedemption {
    /// The code was unused and unexpired: it is now marked used, bound to the given session,
    /// and returned as updated.
    Redeemed(AuthorizationCode),
    /// The code had already been redeemed: it is now marked replayed (the first replay's time
    /// stays) and returned, with the session its first redemption started.
    Replayed(AuthorizationCode),
    /// The code is unused but expired. Nothing written.
    Expired,
    /// No such code.
    Unknown,
}

/// What a user allowed a client: the scopes they consented to.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// The user.
    pub user_id: UserId,
    /// The client.
    pub client_id: String,
    /// The scopes consented to.
    pub scope: Scope,
    /// When consent was (last) given.
    pub granted_at: SystemTime,
}

/// The grant behind a session that an authorization code started: which client holds its
/// refresh tokens, and for which scope.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthGrant {
    /// The session (refresh-token family); unique.
    pub session_id: SessionId,
    /// The client the refresh tokens were issued to.
    pub client_id: String,
    /// The user.
    pub user_id: UserId,
    /// The scope granted; a refresh may narrow it for one access token, never widen it.
    pub scope: Scope,
    /// When the user authenticated (for id_tokens issued at refresh).
    pub auth_time: SystemTime,
    /// When the grant was made.
    pub created_at: SystemTime,
    /// When it may be purged: the session's absolute expiry.
    pub expires_at: SystemTime,
}
