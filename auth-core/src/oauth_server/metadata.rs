//! The RFC 8414 / OpenID Connect Discovery document.

use serde::{Deserialize, Serialize};

/// Authorization-server metadata (RFC 8414 §2), with the OpenID Connect Discovery 1.0 members
/// a relying party needs. Built by [`OAuthServer::metadata`](super::OAuthServer::metadata);
/// serve it as JSON at both `/.well-known/oauth-authorization-server` and
/// `/.well-known/openid-configuration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthorizationServerMetadata {
    /// The issuer identifier.
    pub issuer: String,
    /// `GET /oauth/authorize`.
    pub authorization_endpoint: String,
    /// `POST /oauth/token`.
    pub token_endpoint: String,
    /// `GET /oauth/userinfo`.
    pub userinfo_endpoint: String,
    /// The JWKS document.
    pub jwks_uri: String,
    /// `POST /oauth/revoke` (RFC 7009).
    pub revocation_endpoint: String,
    /// `POST /oauth/introspect` (RFC 7662).
    pub introspection_endpoint: String,
    /// The supported scopes.
    pub scopes_supported: Vec<String>,
    /// `["code"]`.
    pub response_types_supported: Vec<String>,
    /// `["query", "form_post"]`: exactly the modes
    /// [`OAuthServer::authorize`](super::OAuthServer::authorize) answers in.
    pub response_modes_supported: Vec<String>,
    /// `["authorization_code", "refresh_token"]`.
    pub grant_types_supported: Vec<String>,
    /// `client_secret_basic`, `client_secret_post`, `none` (public clients).
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// As the token endpoint's.
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    /// `client_secret_basic`, `client_secret_post`: introspection needs a confidential client.
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    /// `["S256"]`.
    pub code_challenge_methods_supported: Vec<String>,
    /// `true`: every authorization response carries `iss` (RFC 9207).
    pub authorization_response_iss_parameter_supported: bool,
    /// `["public"]`.
    pub subject_types_supported: Vec<String>,
    /// The id_token signing algorithm: the active key's.
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// The claims the server can release.
    pub claims_supported: Vec<String>,
    /// `none`, `login`, `consent`.
    pub prompt_values_supported: Vec<String>,
    /// `false`: a `request` object is refused with `request_not_supported` (OpenID Connect
    /// Discovery §3; the default, `false`, is stated anyway).
    #[serde(default)]
    pub request_parameter_supported: bool,
    /// `false`: a `request_uri` is refused with `request_uri_not_supported`. Stated because
    /// OpenID Connect Discovery §3's default when it is absent is `true`.
    #[serde(default = "absent_means_true")]
    pub request_uri_parameter_supported: bool,
}

/// OpenID Connect Discovery §3: a document without `request_uri_parameter_supported`
/// supports `request_uri`.
fn absent_means_true() -> bool {
    true
}
