//! [`OAuthServer`] and [`OAuthStores`], client registration, metadata and JWKS.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use jsonwebtoken::AlgorithmFamily;

use super::client::{IssuedClientSecret, generate_secret, provided_secret};
use super::response::ResponseMode;
use super::{
    AuthorizationServerMetadata, ClientRegistration, OAuthConfigError, OAuthServerConfig,
    RegistrationError,
};
use crate::clock::Clock;
use crate::flows::Stores;
use crate::revocation::{Invalidation, InvalidationBroadcast, RevocationChecker, RevocationConfig};
use crate::store::memory::{
    MemoryAuthorizationCodeStore, MemoryConsentStore, MemoryOAuthClientStore, MemoryOAuthGrantStore,
};
use crate::store::{
    AuditEvent, AuthorizationCodeStore, ClientType, ConsentStore, OAuthClient, OAuthClientStore,
    OAuthGrantStore, StoreError,
};
use crate::token::{
    AccessTokenIssuer, AccessTokenVerifier, IssuerConfig, JwkSet, JwtSigner, KeySet,
    VerifierConfig, algorithm_name,
};

/// The four stores of the authorization server, as trait objects.
///
/// Cheap to clone. Build it field by field, with [`OAuthStores::from_one`] when one type
/// implements every trait (a database backend), or with [`OAuthStores::in_memory`].
#[derive(Clone)]
#[non_exhaustive]
pub struct OAuthStores {
    /// Registered clients.
    pub clients: Arc<dyn OAuthClientStore>,
    /// Authorization codes.
    pub codes: Arc<dyn AuthorizationCodeStore>,
    /// Consents.
    pub consents: Arc<dyn ConsentStore>,
    /// The client and scope behind each OAuth session.
    pub grants: Arc<dyn OAuthGrantStore>,
}

impl OAuthStores {
    /// Every store from the given trait objects.
    pub fn new(
        clients: Arc<dyn OAuthClientStore>,
        codes: Arc<dyn AuthorizationCodeStore>,
        consents: Arc<dyn ConsentStore>,
        grants: Arc<dyn OAuthGrantStore>,
    ) -> Self {
        Self {
            clients,
            codes,
            consents,
            grants,
        }
    }

    /// Every store backed by one value that implements all four traits.
    pub fn from_one<S>(store: S) -> Self
    where
        S: OAuthClientStore + AuthorizationCodeStore + ConsentStore + OAuthGrantStore + 'static,
    {
        let store = Arc::new(store);
        Self {
            clients: store.clone(),
            codes: store.clone(),
            consents: store.clone(),
            grants: store,
        }
    }

    /// Four empty in-memory stores, for tests, examples and development servers.
    pub fn in_memory() -> Self {
        Self {
            clients: Arc::new(MemoryOAuthClientStore::new()),
            codes: Arc::new(MemoryAuthorizationCodeStore::new()),
            consents: Arc::new(MemoryConsentStore::new()),
            grants: Arc::new(MemoryOAuthGrantStore::new()),
        }
    }
}

impl fmt::Debug for OAuthStores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthStores").finish_non_exhaustive()
    }
}

/// The OAuth 2.0 / OpenID Connect authorization server: the logic behind `/oauth/authorize`,
/// `/oauth/token`, `/oauth/userinfo`, `/oauth/revoke`, `/oauth/introspect` and the metadata
/// and JWKS documents, without any HTTP types. See the [module docs](super) for what each
/// endpoint calls.
///
/// Cheap to clone (an `Arc` inside). Every operation is traced with ids only — never a code,
/// token, secret or verifier — and every security event goes to the audit store. A store
/// failure refuses the request (fail closed).
#[derive(Clone)]
pub struct OAuthServer {
    pub(super) inner: Arc<Inner>,
    /// Where revocations made here are announced to resource servers' caches.
    pub(super) broadcast: Option<Arc<dyn InvalidationBroadcast>>,
}

pub(super) struct Inner {
    pub(super) config: OAuthServerConfig,
    pub(super) stores: Stores,
    pub(super) oauth: OAuthStores,
    pub(super) issuer: AccessTokenIssuer,
    pub(super) verifier: AccessTokenVerifier,
    pub(super) revocation: RevocationChecker,
    pub(super) id_tokens: JwtSigner,
    pub(super) jwks: JwkSet,
    pub(super) clock: Arc<dyn Clock>,
}

impl OAuthServer {
    /// A server with `config` over the flows' `stores` (users, sessions, revocations, audit)
    /// and the `oauth` stores, signing with the active key of `keys` and reading time from
    /// `clock`.
    ///
    /// # Errors
    /// [`OAuthConfigError`] when the configuration is invalid
    /// ([`OAuthServerConfig::validate`]) or the signing key is an HMAC secret: clients verify
    /// id_tokens, and resource servers access tokens, through the public JWKS.
    pub fn new(
        config: OAuthServerConfig,
        stores: Stores,
        oauth: OAuthStores,
        keys: &KeySet,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, OAuthConfigError> {
        config.validate()?;
        let key = keys.signing_key();
        if key.algorithm().family() == AlgorithmFamily::Hmac {
            return Err(OAuthConfigError::SymmetricSigningKey);
        }
        let issuer = AccessTokenIssuer::with_clock(
            IssuerConfig::new(config.issuer.clone(), config.audience.clone())
                .access_token_ttl(config.access_token_ttl),
            keys,
            clock.clone(),
        );
        let verifier = AccessTokenVerifier::new(
            VerifierConfig::new(config.issuer.clone(), config.audience.clone()),
            keys,
        )
        .with_clock(clock.clone());
        // The authorization server is the authority: introspection and userinfo see every
        // revocation at once.
        let revocation = RevocationChecker::with_clock(
            RevocationConfig::default().max_staleness(Duration::ZERO),
            stores.users.clone(),
            stores.sessions.clone(),
            stores.revocations.clone(),
            clock.clone(),
        );
        let id_tokens = JwtSigner::new(key, "JWT").map_err(|_| {
            OAuthConfigError::Key(crate::token::KeyError::InvalidKeyId("unusable key"))
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                stores,
                oauth,
                issuer,
                verifier,
                revocation,
                id_tokens,
                jwks: keys.jwks(),
                clock,
            }),
            broadcast: None,
        })
    }

    /// This server, also announcing every revocation it makes — RFC 7009 revocation of a
    /// refresh or access token, a grant revoked by an authorization-code replay — through
    /// `broadcast`, so resource servers that cache "not revoked"
    /// ([`RevocationConfig::max_staleness`]) drop the entry at once instead of when it goes
    /// stale (auth-storage-redis's `RedisInvalidation` carries it over Redis). Clones made after
    /// this call announce too.
    pub fn with_invalidation_broadcast(
        mut self,
        broadcast: Arc<dyn InvalidationBroadcast>,
    ) -> Self {
        self.broadcast = Some(broadcast);
        self
    }

    /// Announces `invalidation` when a broadcast is configured (never blocks, never fails:
    /// the stores already hold the revocation).
    pub(super) fn announce(&self, invalidation: Invalidation) {
        if let Some(broadcast) = &self.broadcast {
            broadcast.publish(&invalidation);
        }
    }

    /// The configuration.
    pub fn config(&self) -> &OAuthServerConfig {
        &self.inner.config
    }

    /// The OAuth stores.
    pub fn oauth_stores(&self) -> &OAuthStores {
        &self.inner.oauth
    }

    pub(super) fn now(&self) -> SystemTime {
        self.inner.clock.now()
    }

    /// Registers a client. A confidential client gets a fresh 256-bit secret, returned here
    /// once and stored only as its SHA-256; a public client gets none.
    ///
    /// # Errors
    /// [`RegistrationError`] for an invalid id, name, redirect URI (not https — loopback http
    /// aside —, a fragment, a wildcard, user info) or scope, or when the store refuses (a
    /// taken `client_id` is a [`StoreError::Conflict`]).
    #[tracing::instrument(skip_all, fields(client_id = tracing::field::Empty))]
    pub async fn register_client(
        &self,
        registration: ClientRegistration,
    ) -> Result<(OAuthClient, Option<IssuedClientSecret>), RegistrationError> {
        let mut client = registration.check(&self.inner.config.supported_scopes, self.now())?;
        let secret = match client.client_type {
            ClientType::Confidential => {
                let (secret, hash) = generate_secret()?;
                client.secret_hash = Some(hash);
                Some(secret)
            }
            _ => None,
        };
        self.store_client(&client).await?;
        Ok((client, secret))
    }

    /// Registers a confidential client with a secret the host chose (for example one read
    /// from the environment by a demo server), of at least 32 bytes. Prefer
    /// [`register_client`](Self::register_client), which generates 256 random bits.
    ///
    /// # Errors
    /// As [`register_client`](Self::register_client), plus
    /// [`RegistrationError::WeakSecret`] for a secret under 32 bytes and
    /// [`RegistrationError::SecretForPublicClient`] for a public client (register those with
    /// `register_client`).
    #[tracing::instrument(skip_all, fields(client_id = tracing::field::Empty))]
    pub async fn register_client_with_secret(
        &self,
        registration: ClientRegistration,
        secret: &str,
    ) -> Result<OAuthClient, RegistrationError> {
        if registration.client_type != ClientType::Confidential {
            return Err(RegistrationError::SecretForPublicClient);
        }
        let mut client = registration.check(&self.inner.config.supported_scopes, self.now())?;
        let (_, hash) = provided_secret(secret)?;
        client.secret_hash = Some(hash);
        self.store_client(&client).await?;
        Ok(client)
    }

    async fn store_client(&self, client: &OAuthClient) -> Result<(), StoreError> {
        tracing::Span::current().record("client_id", client.client_id.as_str());
        self.inner.oauth.clients.insert_client(client).await?;
        tracing::info!(
            client_type = client.client_type.as_str(),
            "oauth client registered"
        );
        Ok(())
    }

    /// The RFC 8414 metadata (`/.well-known/oauth-authorization-server`), which is also the
    /// OpenID Connect discovery document (`/.well-known/openid-configuration`): serialize it
    /// as JSON.
    pub fn metadata(&self) -> AuthorizationServerMetadata {
        let config = &self.inner.config;
        let paths = &config.endpoints;
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        let client_auth = strings(&["client_secret_basic", "client_secret_post", "none"]);
        let secret_auth = strings(&["client_secret_basic", "client_secret_post"]);
        AuthorizationServerMetadata {
            issuer: config.issuer.clone(),
            authorization_endpoint: config.url(&paths.authorization),
            token_endpoint: config.url(&paths.token),
            userinfo_endpoint: config.url(&paths.userinfo),
            jwks_uri: config.url(&paths.jwks),
            revocation_endpoint: config.url(&paths.revocation),
            introspection_endpoint: config.url(&paths.introspection),
            scopes_supported: config.supported_scopes.iter().map(str::to_owned).collect(),
            response_types_supported: strings(&["code"]),
            response_modes_supported: strings(&ResponseMode::SUPPORTED),
            grant_types_supported: strings(&["authorization_code", "refresh_token"]),
            token_endpoint_auth_methods_supported: client_auth.clone(),
            revocation_endpoint_auth_methods_supported: client_auth,
            introspection_endpoint_auth_methods_supported: secret_auth,
            code_challenge_methods_supported: strings(&["S256"]),
            authorization_response_iss_parameter_supported: true,
            subject_types_supported: strings(&["public"]),
            id_token_signing_alg_values_supported: vec![
                algorithm_name(self.inner.id_tokens.key().algorithm()).to_owned(),
            ],
            claims_supported: strings(&[
                "iss",
                "sub",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "amr",
                "acr",
                "nonce",
                "at_hash",
                "name",
                "preferred_username",
                "picture",
                "locale",
                "updated_at",
                "email",
                "email_verified",
                "groups",
            ]),
            prompt_values_supported: strings(&["none", "login", "consent"]),
            request_parameter_supported: false,
            request_uri_parameter_supported: false,
        }
    }

    /// The public signing keys (`/.well-known/jwks.json`): serialize as JSON.
    pub fn jwks(&self) -> &JwkSet {
        &self.inner.jwks
    }

    pub(super) async fn audit(&self, event: AuditEvent) -> Result<(), StoreError> {
        self.inner.stores.audit.record_event(&event).await
    }
}

impl fmt::Debug for OAuthServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthServer")
            .field("config", &self.inner.config)
            .field("issuer", &self.inner.issuer)
            .field("clock", &self.inner.clock)
            .finish_non_exhaustive()
    }
}

/// `now + by`, or `now` if that is not representable.
pub(super) fn later(now: SystemTime, by: Duration) -> SystemTime {
    now.checked_add(by).unwrap_or(now)
}

/// Whole seconds since the Unix epoch.
pub(super) fn unix(at: SystemTime) -> u64 {
    at.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}
