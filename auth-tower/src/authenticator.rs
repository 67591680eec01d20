//! [`Authenticator`]: the framework-neutral check every adapter runs — find the token, verify
//! it, run the revocation check, build the [`AuthContext`].

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use auth_core::Clock;
use auth_core::flows::AuthService;
use auth_core::revocation::RevocationChecker;
use auth_core::token::{AccessTokenVerifier, NoCustomClaims};
use http::HeaderMap;
use http::header::{AUTHORIZATION, COOKIE};
use serde::de::DeserializeOwned;

use crate::context::AuthContext;
use crate::credentials::{Candidate, CredentialConfig, CredentialError, extract};
use crate::rejection::{
    AuthRejection, DEFAULT_OUTAGE_RETRY_AFTER, DEFAULT_REALM, RejectionReason, clean_realm,
};
use crate::token_cache::TokenCache;

/// How many verified tokens an [`Authenticator`] remembers by default (see
/// [`Authenticator::with_token_cache`]): a few megabytes at most.
pub const DEFAULT_TOKEN_CACHE_CAPACITY: usize = 4096;

/// Which access tokens an [`Authenticator`] accepts, by whom they were issued for.
///
/// An access token of an OAuth client carries a `client_id` claim; one of the host's own
/// (first-party) login does not. Both may verify with the same keys, issuer and audience —
/// a host that runs the authorization server beside its own API often configures them so —
/// and must still not be interchangeable: a third-party client's token, granted a narrow
/// scope, is not the user's first-party session. A token of a kind the authenticator does
/// not accept is refused as `invalid_token`, exactly like one that does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AcceptedTokens {
    /// Only first-party tokens (no `client_id` claim). The default: what the host's own
    /// API and the ready-made [`AuthEndpoints`](crate::AuthEndpoints) serve.
    #[default]
    FirstParty,
    /// Only OAuth clients' tokens (with a `client_id` claim): a resource server of an
    /// authorization server, guarding routes by scope.
    OAuthClients,
    /// Both kinds: a route that serves the host's own app and OAuth clients alike (guard it
    /// by scope or role; first-party tokens carry no scope).
    Any,
}

impl AcceptedTokens {
    /// Whether a token with (or without) a `client_id` is of an accepted kind.
    pub fn accepts(self, client_id: Option<&str>) -> bool {
        match self {
            Self::FirstParty => client_id.is_none(),
            Self::OAuthClients => client_id.is_some(),
            Self::Any => true,
        }
    }
}

/// The host's custom-claims type: what [`Authenticator`] can read from a token and hand
/// across threads.
pub trait CustomClaims: DeserializeOwned + Send + Sync + 'static {}
impl<T: DeserializeOwned + Send + Sync + 'static> CustomClaims for T {}

pub(crate) type RevocationFuture =
    Pin<Box<dyn Future<Output = Result<(), AuthRejection>> + Send + 'static>>;

/// Verifies the access token of a request: from `Authorization: Bearer` (default) and/or a
/// configured cookie, never the query string; signature and claims through auth-core's
/// [`AccessTokenVerifier`]; then, when enabled, the [`RevocationChecker`] (session ended,
/// user cut off or disabled, `jti` revoked — failing closed when its store is down).
///
/// `E` is the host's custom-claims type ([`NoCustomClaims`] by default). Cheap to clone.
///
/// ```
/// use auth_core::token::{AccessTokenVerifier, Algorithm, KeySet, SigningKey, VerifierConfig};
/// use auth_tower::Authenticator;
///
/// let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[7; 32])?);
/// let verifier = AccessTokenVerifier::new(VerifierConfig::new("https://auth.example", "api"), &keys);
/// let authenticator = Authenticator::new(verifier).realm("example");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Authenticator<E = NoCustomClaims> {
    inner: Arc<Inner<E>>,
    claims: PhantomData<fn() -> E>,
}

struct Inner<E> {
    verifier: AccessTokenVerifier,
    accepted: AcceptedTokens,
    revocation: Option<RevocationChecker>,
    credentials: CredentialConfig,
    realm: Arc<str>,
    token_cache: Option<Arc<TokenCache<E>>>,
    outage_retry_after: Duration,
    /// Set once [`AuthLayer`](crate::AuthLayer) has logged that it refused what looks like a
    /// request for the auth endpoints: shared by every authenticator derived from this one,
    /// so a host sees the hint once, not once per request.
    misplaced_endpoints_hinted: Arc<AtomicBool>,
}

impl<E> Clone for Authenticator<E> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            claims: PhantomData,
        }
    }
}

impl<E> fmt::Debug for Authenticator<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("verifier", &self.inner.verifier)
            .field("accepted", &self.inner.accepted)
            .field("revocation", &self.inner.revocation.is_some())
            .field("credentials", &self.inner.credentials)
            .field("realm", &self.inner.realm)
            .field("token_cache", &self.inner.token_cache.is_some())
            .field("outage_retry_after", &self.inner.outage_retry_after)
            .finish()
    }
}

impl Authenticator {
    /// Reads `Authorization: Bearer`, verifies with `verifier`, accepts first-party tokens
    /// only ([`AcceptedTokens::FirstParty`]), no revocation check, realm `"api"`; tokens
    /// without custom claims (see
    /// [`with_custom_claims`](Self::with_custom_claims) otherwise).
    pub fn new(verifier: AccessTokenVerifier) -> Self {
        Self::with_custom_claims(verifier)
    }

    /// Verifies `service`'s own access tokens (its
    /// [verifier](AuthService::access_token_verifier): same keys, `iss`, `aud` and clock) and
    /// checks their revocation against its stores (its
    /// [revocation checker](AuthService::revocation_checker), whose cache the service's
    /// endpoints invalidate on logout). First-party tokens only, as [`new`](Self::new).
    pub fn for_service(service: &AuthService) -> Self {
        Self::new(service.access_token_verifier().clone())
            .with_revocation(service.revocation_checker().clone())
    }
}

impl<E: CustomClaims> Authenticator<E> {
    /// Like [`Authenticator::new`], reading the host's own claims as `E`:
    /// `let auth: Authenticator<MyClaims> = Authenticator::with_custom_claims(verifier);`.
    pub fn with_custom_claims(verifier: AccessTokenVerifier) -> Self {
        let token_cache = Some(Arc::new(TokenCache::new(
            DEFAULT_TOKEN_CACHE_CAPACITY,
            verifier.config().leeway.as_secs(),
            verifier.clock(),
        )));
        Self {
            inner: Arc::new(Inner {
                verifier,
                accepted: AcceptedTokens::default(),
                revocation: None,
                credentials: CredentialConfig::default(),
                realm: Arc::from(DEFAULT_REALM),
                token_cache,
                outage_retry_after: DEFAULT_OUTAGE_RETRY_AFTER,
                misplaced_endpoints_hinted: Arc::default(),
            }),
            claims: PhantomData,
        }
    }

    fn with_inner(self, change: impl FnOnce(&mut Inner<E>)) -> Self {
        let mut inner = Inner {
            verifier: self.inner.verifier.clone(),
            accepted: self.inner.accepted,
            revocation: self.inner.revocation.clone(),
            credentials: self.inner.credentials.clone(),
            realm: self.inner.realm.clone(),
            token_cache: self.inner.token_cache.clone(),
            outage_retry_after: self.inner.outage_retry_after,
            misplaced_endpoints_hinted: Arc::clone(&self.inner.misplaced_endpoints_hinted),
        };
        change(&mut inner);
        Self {
            inner: Arc::new(inner),
            claims: PhantomData,
        }
    }

    /// Which tokens to accept: first-party ones (the default), OAuth clients' ones, or both.
    /// See [`AcceptedTokens`].
    pub fn accept(self, accepted: AcceptedTokens) -> Self {
        self.with_inner(|inner| inner.accepted = accepted)
    }

    /// The kinds of token accepted.
    pub fn accepted_tokens(&self) -> AcceptedTokens {
        self.inner.accepted
    }

    /// Runs `checker` on every verified token, so that logout, "log out everywhere",
    /// password changes, disabled accounts and revoked `jti`s reach access tokens within the
    /// checker's staleness bound. Strongly recommended for first-party APIs.
    pub fn with_revocation(self, checker: RevocationChecker) -> Self {
        self.with_inner(|inner| inner.revocation = Some(checker))
    }

    /// The `Retry-After` sent with the 503 that answers a request whose check could not
    /// reach its store in time (the revocation store is down), here and in the
    /// [`AuthEndpoints`](crate::AuthEndpoints) built on this authenticator. Defaults to
    /// [`DEFAULT_OUTAGE_RETRY_AFTER`](crate::DEFAULT_OUTAGE_RETRY_AFTER) (2 s); sent in whole
    /// seconds, at least 1.
    pub fn with_outage_retry_after(self, retry_after: Duration) -> Self {
        self.with_inner(|inner| inner.outage_retry_after = retry_after)
    }

    /// The `Retry-After` of an outage's 503 (see
    /// [`with_outage_retry_after`](Self::with_outage_retry_after)).
    pub fn outage_retry_after(&self) -> Duration {
        self.inner.outage_retry_after
    }

    /// The realm named in `WWW-Authenticate` challenges. `"`, `\` and non-printable
    /// characters are dropped. Defaults to `"api"`.
    pub fn realm(self, realm: &str) -> Self {
        let realm = clean_realm(realm);
        self.with_inner(|inner| inner.realm = realm)
    }

    /// Also reads the access token from cookie `name` (a token in both places is refused as
    /// `invalid_request`). Protect cookie-authenticated state-changing routes against CSRF.
    pub fn cookie(self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.with_inner(|inner| inner.credentials.cookie = Some(name))
    }

    /// Reads only the cookie `name`, not the `Authorization` header.
    pub fn cookie_only(self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.with_inner(|inner| {
            inner.credentials.cookie = Some(name);
            inner.credentials.bearer_header = false;
        })
    }

    /// Where tokens are looked for.
    pub fn credentials(&self) -> &CredentialConfig {
        &self.inner.credentials
    }

    /// Remembers up to `capacity` verified tokens (instead of the default
    /// [`DEFAULT_TOKEN_CACHE_CAPACITY`]), so that a token presented again skips the
    /// signature check and the claims parse (the revocation check still runs on every
    /// request). Expiry is checked again on every hit with `clock` — give it the verifier's
    /// clock, as the default cache does — and the verifier's leeway; entries are only ever
    /// made from tokens that passed full verification with this authenticator's keys.
    ///
    /// The cache is **on by default**: a client presents the same access token on every
    /// request for its whole lifetime, and re-checking its HMAC or signature each time is
    /// most of what authentication costs per request (see `benches/README.md`). Turn it off
    /// with [`Authenticator::without_token_cache`].
    ///
    /// # Security
    /// Entries are keyed by the token's exact text (a token differing in one byte misses and
    /// is verified in full) and belong to this authenticator, whose verifier's keys are fixed
    /// when it is built: retiring a key means building a new authenticator, which starts with
    /// an empty cache. Memory is bounded by `capacity` tokens (each at most the verifier's
    /// `max_token_bytes`) plus their claims; when full, expired entries are dropped and, if
    /// that frees nothing, the cache is emptied.
    pub fn with_token_cache(self, capacity: usize, clock: Arc<dyn Clock>) -> Self {
        let leeway = self.inner.verifier.config().leeway.as_secs();
        let cache = Arc::new(TokenCache::new(capacity, leeway, clock));
        self.with_inner(|inner| inner.token_cache = Some(cache))
    }

    /// Verifies every token in full on every request (no cache of verified tokens).
    pub fn without_token_cache(self) -> Self {
        self.with_inner(|inner| inner.token_cache = None)
    }

    /// The realm of the challenges.
    pub fn realm_name(&self) -> &str {
        &self.inner.realm
    }

    pub(crate) fn realm_arc(&self) -> &Arc<str> {
        &self.inner.realm
    }

    /// `true` the first time it is asked, `false` ever after: whether the "endpoints behind
    /// a required layer" hint is still to be logged.
    pub(crate) fn first_misplaced_endpoints_hint(&self) -> bool {
        !self
            .inner
            .misplaced_endpoints_hinted
            .swap(true, Ordering::Relaxed)
    }

    /// Whether a revocation check is configured.
    pub fn checks_revocation(&self) -> bool {
        self.inner.revocation.is_some()
    }

    /// The revocation check, if configured (the ready endpoints tell it what they revoke).
    pub(crate) fn revocation_checker(&self) -> Option<&RevocationChecker> {
        self.inner.revocation.as_ref()
    }

    fn rejection(&self, reason: impl Into<RejectionReason>) -> AuthRejection {
        AuthRejection::new(reason, self.inner.realm.clone())
            .with_retry_after(self.inner.outage_retry_after)
    }

    /// The synchronous part: find and verify the token in raw header values. `Ok(None)`
    /// means no credentials.
    pub(crate) fn verify_raw<'a, A, C>(
        &'a self,
        authorization: A,
        cookies: C,
    ) -> Result<Option<AuthContext<E>>, AuthRejection>
    where
        A: IntoIterator<Item = &'a [u8]>,
        C: IntoIterator<Item = &'a [u8]>,
    {
        let inner = &*self.inner;
        let Some(candidate) = extract(&inner.credentials, authorization, cookies)
            .map_err(|error| self.rejection(error))?
        else {
            return Ok(None);
        };
        let source = candidate.source;
        // A token that is not UTF-8 is not a b64token either.
        let Ok(token) = std::str::from_utf8(candidate.token) else {
            return Err(self.malformed(&candidate));
        };
        if let Some(cache) = &inner.token_cache
            && let Some(claims) = cache.get(token)
        {
            // Byte-for-byte a token that passed full verification here (expiry re-checked);
            // its kind is checked again, since clones with other settings share the cache.
            self.check_kind(claims.client_id.as_deref())?;
            return Ok(Some(AuthContext::from_arc(
                claims,
                source,
                inner.realm.clone(),
                inner.verifier.clock().now(),
            )));
        }
        let claims = match inner.verifier.verify_with::<E>(token) {
            Ok(claims) => Arc::new(claims),
            // The b64token syntax decides between 400 and 401 (see `Candidate`).
            Err(error) => {
                return Err(match candidate.syntax_error() {
                    Some(malformed) => self.rejection(malformed),
                    None => self.rejection(error),
                });
            }
        };
        self.check_kind(claims.client_id.as_deref())?;
        if let Some(cache) = &inner.token_cache {
            cache.put(token, Arc::clone(&claims));
        }
        Ok(Some(AuthContext::from_arc(
            claims,
            source,
            inner.realm.clone(),
            inner.verifier.clock().now(),
        )))
    }

    /// A verified token of a kind this authenticator does not accept is `invalid_token`.
    fn check_kind(&self, client_id: Option<&str>) -> Result<(), AuthRejection> {
        if self.inner.accepted.accepts(client_id) {
            Ok(())
        } else {
            tracing::debug!(
                accepted = ?self.inner.accepted,
                "access token of another kind refused"
            );
            Err(self.rejection(auth_core::token::TokenError::InvalidClaim("client_id")))
        }
    }

    /// The 400 for a token that is not a `b64token`.
    fn malformed(&self, candidate: &Candidate<'_>) -> AuthRejection {
        self.rejection(
            candidate
                .syntax_error()
                .unwrap_or(CredentialError::MalformedBearer),
        )
    }

    /// Finds and verifies the token in an http 1 header map (no revocation check yet).
    pub(crate) fn verify_headers(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<AuthContext<E>>, AuthRejection> {
        self.verify_raw(
            headers.get_all(AUTHORIZATION).iter().map(|v| v.as_bytes()),
            headers.get_all(COOKIE).iter().map(|v| v.as_bytes()),
        )
    }

    /// The revocation check for a verified context, as an owned future; `None` when no
    /// checker is configured.
    pub(crate) fn revocation_future(&self, context: &AuthContext<E>) -> Option<RevocationFuture> {
        let checker = self.inner.revocation.clone()?;
        let context = context.clone();
        let realm = self.inner.realm.clone();
        let retry_after = self.inner.outage_retry_after;
        Some(Box::pin(async move {
            checker
                .check(context.claims())
                .await
                .map_err(|error| AuthRejection::new(error, realm).with_retry_after(retry_after))
        }))
    }

    /// Authenticates a request from its headers: `Ok(None)` when it carries no credentials,
    /// the caller's context when it carries a valid, unrevoked token, and the rejection to
    /// answer with otherwise. What the layer, the extractors and the endpoints all run.
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<AuthContext<E>>, AuthRejection> {
        let context = self.verify_headers(headers)?;
        self.check_revocation(context).await
    }

    pub(crate) async fn check_revocation(
        &self,
        context: Option<AuthContext<E>>,
    ) -> Result<Option<AuthContext<E>>, AuthRejection> {
        if let (Some(context), Some(checker)) = (&context, &self.inner.revocation) {
            checker
                .check(context.claims())
                .await
                .map_err(|error| self.rejection(error))?;
        }
        Ok(context)
    }

    /// Like [`authenticate`](Self::authenticate), but no credentials is a rejection (401).
    pub async fn require(&self, headers: &HeaderMap) -> Result<AuthContext<E>, AuthRejection> {
        self.authenticate(headers)
            .await?
            .ok_or_else(|| AuthRejection::missing(self.inner.realm.clone()))
    }
}

#[cfg(test)]
mod tests {
    use auth_core::token::{
        AccessTokenIssuer, AccessTokenRequest, Algorithm, IssuerConfig, KeySet, SigningKey,
        VerifierConfig,
    };

    use super::*;
    use crate::context::CredentialSource;

    fn setup() -> (Authenticator, String) {
        let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[3; 32]).unwrap());
        let issuer = AccessTokenIssuer::new(IssuerConfig::new("iss", "api"), &keys);
        let verifier = AccessTokenVerifier::new(VerifierConfig::new("iss", "api"), &keys);
        let token = issuer
            .issue(&AccessTokenRequest::new("user-1"))
            .unwrap()
            .token
            .into_secret();
        (Authenticator::new(verifier).cookie("at"), token)
    }

    fn header(authenticator: &Authenticator, value: &[u8]) -> Result<bool, AuthRejection> {
        authenticator
            .verify_raw([value], [])
            .map(|context| context.is_some())
    }

    fn malformed_bearer(result: Result<bool, AuthRejection>) -> bool {
        matches!(
            result.as_ref().map_err(AuthRejection::reason),
            Err(RejectionReason::InvalidRequest(
                CredentialError::MalformedBearer
            ))
        )
    }

    /// The b64token syntax check runs only when verification fails (it decides 400 vs 401);
    /// every outcome must be what the eager check gave.
    #[test]
    fn malformed_tokens_are_still_invalid_requests() {
        let (authenticator, token) = setup();
        assert!(header(&authenticator, format!("Bearer {token}").as_bytes()).unwrap());
        for malformed in [
            format!("Bearer {token}\""),
            format!("Bearer {token} x"),
            format!("Bearer \"{token}\""),
            "Bearer".to_owned(),
            "Bearer =abc".to_owned(),
        ] {
            assert!(
                malformed_bearer(header(&authenticator, malformed.as_bytes())),
                "{malformed}"
            );
        }
        let mut not_utf8 = b"Bearer ".to_vec();
        not_utf8.extend_from_slice(&[0xff, 0xfe]);
        assert!(malformed_bearer(header(&authenticator, &not_utf8)));
        // Well-formed but wrong: 401 invalid_token, as before.
        let mut tampered = token.clone();
        tampered.push('A');
        let refused = header(&authenticator, format!("Bearer {tampered}").as_bytes());
        assert!(matches!(
            refused.as_ref().map_err(AuthRejection::reason),
            Err(RejectionReason::InvalidToken(_))
        ));
        // The cookie path names the cookie.
        let cookie = format!("at={token}\"");
        let rejection = authenticator
            .verify_raw([], [cookie.as_bytes()])
            .unwrap_err();
        assert!(matches!(
            rejection.reason(),
            RejectionReason::InvalidRequest(CredentialError::MalformedCookie)
        ));
        let ok = format!("at={token}");
        let context = authenticator
            .verify_raw([], [ok.as_bytes()])
            .unwrap()
            .unwrap();
        assert_eq!(context.source(), CredentialSource::Cookie);
    }

    /// The verified-token cache is on by default, and can be turned off.
    #[test]
    fn token_cache_is_on_by_default_and_can_be_turned_off() {
        let (authenticator, _) = setup();
        assert!(authenticator.inner.token_cache.is_some());
        assert!(format!("{authenticator:?}").contains("token_cache: true"));
        let uncached = authenticator.without_token_cache();
        assert!(uncached.inner.token_cache.is_none());
        assert!(format!("{uncached:?}").contains("token_cache: false"));
    }
}
