//! Resource-server verification of another authorization server's access tokens: through its
//! JWKS ([`RemoteJwtVerifier`]) or through RFC 7662 introspection ([`Introspector`]). When the
//! server cannot be reached the token is refused with
//! [`RemoteTokenError::Unavailable`] — never read without checking its signature.

mod introspected;
mod introspection;

pub use introspected::IntrospectedToken;
pub use introspection::{Introspector, IntrospectorConfig};

use std::sync::Arc;

use auth_core::token::{
    AccessTokenVerifier, Claims, NoCustomClaims, TokenError, VerificationKey, VerifierConfig,
};
use auth_core::{Clock, SystemClock};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use crate::error::RemoteTokenError;
use crate::http::HttpClient;
use crate::oidc::jwks::{JwksCache, refetch_may_help};

/// Verifies JWT access tokens from another authorization server with the keys of its JWKS,
/// through auth-core's strict [`AccessTokenVerifier`] (issuer, audience, expiry, `typ`, the
/// key's algorithm). An unknown `kid`, or a signature the cached key for its `kid` refuses
/// (keys regenerated under the same `kid`s), refreshes the JWKS once, rate-limited by the
/// cache, and tries again.
///
/// For servers that write `typ: JWT` (Keycloak, Auth0), pass a config with
/// [`VerifierConfig::dangerous_accept_jwt_typ`].
#[derive(Debug, Clone)]
pub struct RemoteJwtVerifier {
    jwks: JwksCache,
    config: VerifierConfig,
    http: HttpClient,
    clock: Arc<dyn Clock>,
    built: Arc<Mutex<Option<Built>>>,
}

/// The verifier built for one key set (compared by pointer: the cache swaps the `Arc` on
/// every fetch).
type Built = (Arc<[VerificationKey]>, AccessTokenVerifier);

impl RemoteJwtVerifier {
    /// A verifier for tokens matching `config`, with keys from `jwks` (share a provider's
    /// cache through [`Provider::jwks_cache`](crate::Provider::jwks_cache)).
    pub fn new(jwks: JwksCache, config: VerifierConfig, http: HttpClient) -> Self {
        Self {
            jwks,
            config,
            http,
            clock: Arc::new(SystemClock),
            built: Arc::default(),
        }
    }

    /// Reads time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self.built = Arc::default();
        self
    }

    /// Verifies `token` and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<Claims<NoCustomClaims>, RemoteTokenError> {
        self.verify_with::<NoCustomClaims>(token).await
    }

    /// Verifies `token`, reading the custom claims as `E`.
    pub async fn verify_with<E: DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<Claims<E>, RemoteTokenError> {
        let verifier = self.verifier().await?;
        let error = match verifier.verify_with::<E>(token) {
            Err(error) if refetch_may_help(&error) => error,
            other => return other.map_err(RemoteTokenError::Rejected),
        };
        let refreshed = self
            .jwks
            .refresh_for_unknown_kid(&self.http, self.clock.as_ref())
            .await
            .map_err(RemoteTokenError::Unavailable)?;
        if !refreshed {
            return Err(RemoteTokenError::Rejected(error));
        }
        self.verifier()
            .await?
            .verify_with::<E>(token)
            .map_err(RemoteTokenError::Rejected)
    }

    /// The verifier for the current keys, rebuilt only when the key set changed.
    async fn verifier(&self) -> Result<AccessTokenVerifier, RemoteTokenError> {
        let keys = self
            .jwks
            .keys(&self.http, self.clock.as_ref())
            .await
            .map_err(RemoteTokenError::Unavailable)?;
        let mut built = self.built.lock().await;
        if let Some((for_keys, verifier)) = built.as_ref()
            && Arc::ptr_eq(for_keys, &keys)
        {
            return Ok(verifier.clone());
        }
        // The cache holds each kid once, so this cannot fail on duplicates; fail closed anyway.
        let verifier = AccessTokenVerifier::from_keys(self.config.clone(), keys.iter().cloned())
            .map_err(|_| RemoteTokenError::Rejected(TokenError::UnknownKey))?
            .with_clock(self.clock.clone());
        *built = Some((keys, verifier.clone()));
        Ok(verifier)
    }
}
