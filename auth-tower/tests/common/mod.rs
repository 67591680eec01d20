//! Shared fixtures and a framework-neutral HTTP client, so that the same black-box scenarios
//! run through axum (`tower::ServiceExt::oneshot`) and actix (`actix_web::test`).
#![allow(dead_code)] // each test binary uses a different subset

pub mod abuse;
#[cfg(feature = "actix")]
pub mod actix_client;
pub mod axum_client;
pub mod logs;
#[cfg(feature = "providers")]
pub mod oauth;
#[cfg(feature = "passkey")]
pub mod passkeys;
pub mod scenarios;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use auth_core::authz::{Forbidden, PlanTiers, Requirement};
use auth_core::flows::{
    AuthConfig, AuthService, ClientInfo, RecordingMailer, Stores, ThrottleLimit,
};
use auth_core::password::{Password, PasswordHasher};
use auth_core::revocation::{RevocationChecker, RevocationConfig};
use auth_core::store::memory::{MemoryRevocationStore, MemoryStores, MemoryThrottleStore};
use auth_core::store::{
    Reservation, RevocationStore, RevokedAccessToken, StoreError, ThrottleStore, UserStore,
};
use auth_core::token::{
    AccessTokenIssuer, AccessTokenVerifier, Algorithm, Claims, IssuerConfig, KeySet, SigningKey,
    VerifierConfig,
};
use auth_core::{Clock, ManualClock};
use auth_tower::{AuthEndpoints, Authenticator, EndpointsConfig, Policy};

pub const PASSWORD: &str = "mauve-tulip-orbit-42";
pub const REALM: &str = "test";
pub const STALENESS: Duration = Duration::from_secs(5);

/// Everything a test needs, sharing one manual clock.
pub struct Fixture {
    pub clock: ManualClock,
    pub stores: MemoryStores,
    pub service: AuthService,
    pub mailer: Arc<RecordingMailer>,
    pub issuer: AccessTokenIssuer,
    pub keys: KeySet,
    pub authenticator: Authenticator,
    /// While `true`, the revocation and throttle stores answer as an unreachable database
    /// would ([`StoreError::Unavailable`]); set it back to `false` and they work again.
    pub outage: Arc<AtomicBool>,
    #[cfg(feature = "providers")]
    pub oauth: Option<oauth::Setup>,
}

pub struct Options {
    pub failing_revocations: bool,
    pub ip_throttle: u32,
    /// Changes to the service's configuration beyond `ip_throttle`.
    pub configure: fn(&mut AuthConfig),
    /// Social login: providers (pointed at a mock server) and the routes' configuration.
    #[cfg(feature = "providers")]
    pub oauth: Option<oauth::Setup>,
    /// Passkeys on the service (relying party `example.com`, origin `https://example.com`).
    #[cfg(feature = "passkey")]
    pub passkeys: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            failing_revocations: false,
            ip_throttle: 20,
            configure: |_| {},
            #[cfg(feature = "providers")]
            oauth: None,
            #[cfg(feature = "passkey")]
            passkeys: false,
        }
    }
}

/// What [`DownRevocations`] says went wrong, three levels below what a client hears: the
/// text the log must carry.
pub const DOWN_CAUSE: &str = "revocations table unreachable: connection reset (test cause)";

/// A revocation store that is down: the layer must fail closed.
#[derive(Debug)]
pub struct DownRevocations;

#[auth_core::async_trait]
impl RevocationStore for DownRevocations {
    async fn revoke_access_token(&self, _: &RevokedAccessToken) -> Result<(), StoreError> {
        Err(StoreError::backend(std::io::Error::other(DOWN_CAUSE)))
    }
    async fn is_access_token_revoked(&self, _: &str) -> Result<bool, StoreError> {
        Err(StoreError::backend(std::io::Error::other(DOWN_CAUSE)))
    }
    async fn purge_expired_revocations(&self, _: std::time::SystemTime) -> Result<u64, StoreError> {
        Err(StoreError::backend(std::io::Error::other(DOWN_CAUSE)))
    }
}

/// The error of a store whose database cannot be reached in time.
fn unreachable() -> StoreError {
    StoreError::unavailable(std::io::Error::from(std::io::ErrorKind::ConnectionRefused))
}

/// The memory revocation store behind a switch: down while `outage` is set.
#[derive(Debug)]
pub struct SwitchedRevocations {
    inner: MemoryRevocationStore,
    outage: Arc<AtomicBool>,
}

impl SwitchedRevocations {
    fn check(&self) -> Result<(), StoreError> {
        if self.outage.load(Ordering::SeqCst) {
            Err(unreachable())
        } else {
            Ok(())
        }
    }
}

#[auth_core::async_trait]
impl RevocationStore for SwitchedRevocations {
    async fn revoke_access_token(&self, token: &RevokedAccessToken) -> Result<(), StoreError> {
        self.check()?;
        self.inner.revoke_access_token(token).await
    }
    async fn is_access_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.is_access_token_revoked(jti).await
    }
    async fn purge_expired_revocations(&self, now: SystemTime) -> Result<u64, StoreError> {
        self.check()?;
        self.inner.purge_expired_revocations(now).await
    }
}

/// The memory throttle store behind a switch: down while `outage` is set (login checks it
/// first, so a login during the outage reaches the store and fails).
#[derive(Debug)]
pub struct SwitchedThrottle {
    inner: MemoryThrottleStore,
    outage: Arc<AtomicBool>,
}

#[auth_core::async_trait]
impl ThrottleStore for SwitchedThrottle {
    async fn reserve(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
        max: u32,
    ) -> Result<Reservation, StoreError> {
        if self.outage.load(Ordering::SeqCst) {
            return Err(unreachable());
        }
        self.inner.reserve(key, now, window, max).await
    }
    async fn release(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), StoreError> {
        if self.outage.load(Ordering::SeqCst) {
            return Err(unreachable());
        }
        self.inner.release(key, now, window).await
    }
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        if self.outage.load(Ordering::SeqCst) {
            return Err(unreachable());
        }
        self.inner.clear_failures(key).await
    }
    async fn purge_old_failures(
        &self,
        now: SystemTime,
        window: Duration,
    ) -> Result<u64, StoreError> {
        if self.outage.load(Ordering::SeqCst) {
            return Err(unreachable());
        }
        self.inner.purge_old_failures(now, window).await
    }
}

pub fn fixture(options: Options) -> Fixture {
    let clock = ManualClock::at_unix(1_800_000_000);
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[9; 32]).unwrap());
    let issuer = AccessTokenIssuer::with_clock(
        IssuerConfig::new("https://auth.test", "api"),
        &keys,
        shared.clone(),
    );
    let verifier = AccessTokenVerifier::new(VerifierConfig::new("https://auth.test", "api"), &keys)
        .with_clock(shared.clone());
    let stores = MemoryStores::new();
    let mailer = Arc::new(RecordingMailer::default());
    let mut config = AuthConfig::default();
    config.ip_throttle = ThrottleLimit::new(options.ip_throttle, Duration::from_secs(900));
    let outage = Arc::new(AtomicBool::new(false));
    let mut service_stores = Stores::from(stores.clone());
    service_stores.throttle = Arc::new(SwitchedThrottle {
        inner: stores.throttle.clone(),
        outage: outage.clone(),
    });
    (options.configure)(&mut config);
    // Second factors on (issue 15): nothing changes for accounts without TOTP.
    let second_factors = auth_core::flows::SecondFactorSetup::new(
        Arc::new(auth_core::store::memory::MemorySecondFactorStore::default()),
        Arc::new(auth_core::store::memory::MemoryCeremonyStore::default()),
        auth_core::mfa::SecretKey::from_bytes([5; 32]),
    )
    .totp_issuer("HTTP Test");
    let builder = AuthService::builder(keys.clone(), service_stores)
        .issuer("https://auth.test", "api")
        .config(config)
        .hasher(PasswordHasher::insecure_fast_for_tests())
        .clock(shared.clone())
        .mailer(mailer.clone())
        .second_factors(second_factors);
    #[cfg(feature = "passkey")]
    let builder = if options.passkeys {
        builder.passkeys(passkeys::passkeys())
    } else {
        builder
    };
    let service = builder.build().expect("the fixture's service");
    let revocations: Arc<dyn RevocationStore> = if options.failing_revocations {
        Arc::new(DownRevocations)
    } else {
        Arc::new(SwitchedRevocations {
            inner: stores.revocations.clone(),
            outage: outage.clone(),
        })
    };
    let checker = RevocationChecker::with_clock(
        RevocationConfig::default().max_staleness(STALENESS),
        Arc::new(stores.users.clone()),
        Arc::new(stores.sessions.clone()),
        revocations,
        shared,
    );
    let authenticator = Authenticator::new(verifier)
        .with_revocation(checker)
        .realm(REALM);
    Fixture {
        clock,
        stores,
        service,
        mailer,
        issuer,
        keys,
        authenticator,
        outage,
        #[cfg(feature = "providers")]
        oauth: options.oauth,
    }
}

impl Fixture {
    pub fn endpoints(&self, config: EndpointsConfig) -> AuthEndpoints {
        let endpoints =
            AuthEndpoints::new(self.service.clone(), self.authenticator.clone(), config)
                .expect("the fixture's authenticator checks revocation")
                .with_clock(Arc::new(self.clock.clone()));
        #[cfg(feature = "providers")]
        if let Some(setup) = &self.oauth {
            return endpoints
                .with_providers(setup.flow(&self.clock), setup.config.clone())
                .unwrap();
        }
        endpoints
    }

    /// Signs a user up (directly through the service) and returns their access token.
    pub async fn user(&self, email: &str) -> String {
        let (_, pair) = self
            .service
            .signup(email, Password::from(PASSWORD), &ClientInfo::default())
            .await
            .unwrap();
        pair.access_token.token.into_secret()
    }

    /// A user with roles, plan and tenant, logged in afresh so the token carries them.
    pub async fn user_with(
        &self,
        email: &str,
        roles: &[&str],
        plan: Option<&str>,
        tenant: Option<&str>,
    ) -> String {
        self.user(email).await;
        let mut user = self
            .stores
            .users
            .user_by_email(email)
            .await
            .unwrap()
            .unwrap();
        user.roles = roles.iter().map(|r| r.to_string()).collect();
        user.plan = plan.map(str::to_owned);
        user.tenant_id = tenant.map(str::to_owned);
        self.stores.users.update_user(&user).await.unwrap();
        let pair = self
            .service
            .login(email, Password::from(PASSWORD), &ClientInfo::default())
            .await
            .unwrap();
        pair.access_token.token.into_secret()
    }
}

pub fn tiers() -> PlanTiers {
    PlanTiers::new(["free", "pro", "studio", "enterprise"])
}

/// Seed 000's `require_admin`, as a policy type for the `Require` extractor.
pub struct Admin;
impl Policy for Admin {
    fn check(claims: &Claims) -> Result<(), Forbidden> {
        Requirement::role("admin").check(claims)
    }
}

/// Scope guard as a policy.
pub struct ReadReports;
impl Policy for ReadReports {
    fn check(claims: &Claims) -> Result<(), Forbidden> {
        Requirement::scope("read:reports").check(claims)
    }
}

/// A plain request, framework-neutral.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: &'static str,
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub peer: SocketAddr,
}

impl Req {
    pub fn new(method: &'static str, uri: &str) -> Self {
        Self {
            method,
            uri: uri.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
            peer: "198.51.100.7:50000".parse().unwrap(),
        }
    }
    pub fn get(uri: &str) -> Self {
        Self::new("GET", uri)
    }
    pub fn post(uri: &str) -> Self {
        Self::new("POST", uri)
    }
    pub fn delete(uri: &str) -> Self {
        Self::new("DELETE", uri)
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
    pub fn json(mut self, value: serde_json::Value) -> Self {
        self.body = serde_json::to_vec(&value).unwrap();
        self.header("content-type", "application/json")
    }
    pub fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self.header("content-type", content_type)
    }
    pub fn peer(mut self, ip: &str) -> Self {
        self.peer = SocketAddr::new(ip.parse().unwrap(), 50000);
        self
    }
}

/// A response, framework-neutral.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {:?}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
    /// The `name=value` part of a `Set-Cookie` for `name`, and the whole header.
    pub fn cookie(&self, name: &str) -> Option<(String, String)> {
        self.all("set-cookie").into_iter().find_map(|cookie| {
            let pair = cookie.split(';').next()?;
            let (n, v) = pair.split_once('=')?;
            (n == name).then(|| (v.to_owned(), cookie.to_owned()))
        })
    }
}

pub type Sent = Pin<Box<dyn Future<Output = Resp>>>;

/// Sends requests to an app of one framework or the other.
pub struct Client {
    pub send: Box<dyn Fn(Req) -> Sent>,
}

impl Client {
    pub async fn send(&self, req: Req) -> Resp {
        (self.send)(req).await
    }
}
