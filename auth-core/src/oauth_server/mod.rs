//! The OAuth 2.0 / OpenID Connect **authorization server**: the grant logic behind
//! `/oauth/authorize`, `/oauth/token`, `/oauth/userinfo`, `/oauth/revoke`,
//! `/oauth/introspect`, the RFC 8414 / OpenID Connect discovery document and the JWKS —
//! framework-neutral: plain request structs the HTTP layer fills from the query, form and
//! headers, and outcome types it renders.
//!
//! What it enforces: authorization code + PKCE (S256 only, mandatory), redirect URIs compared
//! byte for byte (a mismatch is an error page, never a redirect; a public client's loopback
//! IP literal URI may use any port, RFC 8252 §7.3), `state` echoed and `iss` in every
//! authorization response (RFC 9207), in the `query` or `form_post` response mode,
//! `prompt=none` silent SSO, `prompt=login` and `max_age` answered only by a sign-in that
//! satisfies them (a session that predates the request never satisfies `prompt=login`; see
//! [`sign_in_continuation`]), `request` and `request_uri` refused rather than ignored,
//! consent (skipped for first-party clients), single-use codes of at most 10 minutes bound to
//! client, redirect URI and challenge — a replayed code revokes what it issued —, refresh
//! tokens rotated with reuse detection, client secrets generated with 256 bits and stored
//! only as SHA-256, RFC 6749 §5.2 errors from one mapping ([`OAuthError`]). There is no
//! implicit and no password grant.
//!
//! # What each endpoint calls
//!
//! | endpoint | call | input | output |
//! |---|---|---|---|
//! | `GET /oauth/authorize` | [`OAuthServer::authorize`] | [`AuthorizeRequest::from_query_pairs`], the signed-in [`ResourceOwner`] | [`AuthorizeOutcome`] |
//! | `POST` consent page | [`OAuthServer::decide_consent`] | the same request, owner, approved | [`AuthorizeOutcome`] |
//! | `POST /oauth/token` | [`OAuthServer::token`] | [`TokenRequest::from_form_pairs`] | [`TokenResponse`] / [`OAuthError`] |
//! | `GET /oauth/userinfo` | [`OAuthServer::userinfo`] | the bearer token | [`UserInfo`] / [`UserInfoError`] |
//! | `POST /oauth/revoke` | [`OAuthServer::revoke`] | [`ClientCredentials`], `token`, `token_type_hint` | `()` / [`OAuthError`] |
//! | `POST /oauth/introspect` | [`OAuthServer::introspect`] | [`ClientCredentials`], `token`, `token_type_hint` | [`Introspection`] / [`OAuthError`] |
//! | `GET /.well-known/oauth-authorization-server`, `/.well-known/openid-configuration` | [`OAuthServer::metadata`] | — | [`AuthorizationServerMetadata`] |
//! | `GET /.well-known/jwks.json` | [`OAuthServer::jwks`] | — | [`JwkSet`](crate::token::JwkSet) |
//!
//! The login, consent and error pages carry [`INTERACTION_PAGE_HEADERS`] (no framing, no
//! caching, no referrer). Token, revocation and introspection responses carry
//! [`NO_STORE_HEADERS`]; an
//! `invalid_client` answer carries `WWW-Authenticate: `[`CLIENT_AUTH_CHALLENGE`].
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use auth_core::flows::Stores;
//! use auth_core::oauth_server::{
//!     AuthorizeOutcome, AuthorizeRequest, ClientRegistration, OAuthServer, OAuthServerConfig,
//!     OAuthStores, ResourceOwner, TokenRequest,
//! };
//! use auth_core::store::{User, UserId};
//! use auth_core::token::{Algorithm, KeySet, SigningKey};
//! use auth_core::{Clock, SystemClock};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let pem = std::fs::read("tests/keys/ed25519.pem")?;
//! let keys = KeySet::new(SigningKey::from_pem("2026-11", Algorithm::EdDSA, &pem)?);
//! let clock: Arc<dyn Clock> = Arc::new(SystemClock);
//! let stores = Stores::in_memory();
//! let server = OAuthServer::new(
//!     OAuthServerConfig::new("https://auth.example", "https://api.example"),
//!     stores.clone(),
//!     OAuthStores::in_memory(),
//!     &keys,
//!     clock.clone(),
//! )?;
//! let (client, secret) = server
//!     .register_client(
//!         ClientRegistration::confidential("Example app")
//!             .redirect_uri("https://app.example/callback")
//!             .scopes("openid profile")
//!             .first_party(true),
//!     )
//!     .await?;
//! let secret = secret.expect("a confidential client gets a secret");
//!
//! // The user signed in on the authorization server's own login page.
//! let user = User::new(UserId::generate()?, "kim@example.com", clock.now());
//! stores.users.insert_user(&user).await?;
//! let owner = ResourceOwner::new(user.id, clock.now());
//!
//! let verifier = "a-pkce-code-verifier-of-at-least-43-characters-0123";
//! let challenge = "7GciRfjOje8UgzM6TnAqAFqizc2qAt0m7nWpryyaSDQ"; // base64url(SHA-256(verifier))
//! let request = AuthorizeRequest::from_query_pairs([
//!     ("response_type", "code"),
//!     ("client_id", client.client_id.as_str()),
//!     ("redirect_uri", "https://app.example/callback"),
//!     ("scope", "openid profile"),
//!     ("state", "xyz"),
//!     ("code_challenge", challenge),
//!     ("code_challenge_method", "S256"),
//! ]);
//! let AuthorizeOutcome::Redirect(redirect) = server.authorize(&request, Some(&owner)).await? else {
//!     panic!("a signed-in user of a first-party client is redirected with a code");
//! };
//! let location = redirect.location();
//! let code = location.split(['?', '&']).find_map(|p| p.strip_prefix("code=")).unwrap();
//!
//! let tokens = server
//!     .token(&TokenRequest::from_form_pairs(
//!         [
//!             ("grant_type", "authorization_code"),
//!             ("code", code),
//!             ("redirect_uri", "https://app.example/callback"),
//!             ("code_verifier", verifier),
//!             ("client_id", client.client_id.as_str()),
//!             ("client_secret", secret.secret()),
//!         ],
//!         None,
//!     ))
//!     .await?;
//! assert!(tokens.id_token.is_some());
//! let info = server.userinfo(tokens.access_token.token.secret()).await?;
//! assert_eq!(info.sub, user.id.to_string());
//! # Ok(())
//! # }
//! ```

mod authorize;
mod client;
mod config;
mod error;
mod metadata;
mod pkce;
mod redirect;
mod request;
mod resources;
mod response;
mod service;
mod sign_in;
mod token;

pub use authorize::{
    AuthorizeErrorPage, AuthorizeOutcome, INTERACTION_PAGE_HEADERS, InteractionPrompt,
    ResourceOwner,
};
pub use client::{ClientCredentials, ClientRegistration, IssuedClientSecret};
pub use config::{EndpointPaths, OAuthServerConfig, UserInfoScopes};
pub use error::{
    CLIENT_AUTH_CHALLENGE, OAuthConfigError, OAuthError, OAuthErrorBody, OAuthErrorCode,
    RegistrationError, UserInfoError,
};
pub use metadata::AuthorizationServerMetadata;
pub use request::AuthorizeRequest;
pub use resources::{Introspection, UserInfo};
pub use response::{AuthorizationRedirect, FormPostResponse};
pub use service::{OAuthServer, OAuthStores};
pub use sign_in::sign_in_continuation;
pub use token::{NO_STORE_HEADERS, TokenRequest, TokenResponse};
