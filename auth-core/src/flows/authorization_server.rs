//! [`AuthService::oauth_server`]: an authorization server made from the service, so the two
//! share one set of keys, stores and clock instead of being wired twice.

use super::AuthService;
use crate::oauth_server::{OAuthConfigError, OAuthServer, OAuthServerConfig, OAuthStores};
use crate::token::Audience;

impl AuthService {
    /// The authorization server's configuration with this service's issuer and audience, to
    /// adjust (scopes, userinfo, lifetimes) before [`oauth_server`](Self::oauth_server).
    pub fn oauth_server_config(&self) -> OAuthServerConfig {
        let issued = self.inner.issuer.config();
        let audience = match &issued.audience {
            Audience::Single(audience) => audience.clone(),
            Audience::Many(audiences) => audiences.first().cloned().unwrap_or_default(),
        };
        OAuthServerConfig::new(issued.issuer.clone(), audience)
    }

    /// An OAuth 2.0 / OpenID Connect authorization server over this service's stores (users,
    /// sessions, revocations, audit) and `oauth`'s, signing with this service's keys and
    /// reading its clock — the one set a host would otherwise load and hand to
    /// [`OAuthServer::new`] a second time.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use auth_core::flows::{AuthService, LogMailer, Stores};
    /// use auth_core::oauth_server::OAuthStores;
    /// use auth_core::token::{Algorithm, KeySet, SigningKey};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let pem = include_bytes!("../../tests/keys/ed25519.pem");
    /// let keys = KeySet::new(SigningKey::from_pem("k1", Algorithm::EdDSA, pem)?);
    /// let service = AuthService::builder(keys, Stores::in_memory())
    ///     .issuer("https://auth.example", "https://api.example")
    ///     .mailer(Arc::new(LogMailer))
    ///     .build()?;
    /// let mut config = service.oauth_server_config();
    /// config.supported_scopes = auth_core::token::Scope::parse("openid profile read:profile");
    /// let server = service.oauth_server(config, OAuthStores::in_memory())?;
    /// assert_eq!(server.config().issuer, "https://auth.example");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`OAuthServer::new`]: an invalid `config`, or an HMAC signing key (clients verify
    /// id_tokens, and resource servers access tokens, through the public JWKS).
    pub fn oauth_server(
        &self,
        config: OAuthServerConfig,
        oauth: OAuthStores,
    ) -> Result<OAuthServer, OAuthConfigError> {
        OAuthServer::new(
            config,
            self.inner.stores.clone(),
            oauth,
            &self.inner.keys,
            self.inner.clock.clone(),
        )
    }
}
