//! Shared fixtures of the `flows_*` tests: an `AuthService` over in-memory stores, a manual
//! clock, a recording mailer, and a verifier for the access tokens it issues.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use auth_core::flows::{
    AuthConfig, AuthError, AuthService, ClientInfo, RecordingMailer, Stores, TokenPair,
};
use auth_core::password::{Password, PasswordHasher};
use auth_core::store::memory::MemoryStores;
use auth_core::store::{
    AuditEvent, AuditKind, Session, SessionId, SessionStore, User, UserId, UserStore,
};
use auth_core::token::{
    AccessTokenIssuer, AccessTokenVerifier, Algorithm, Claims, IssuerConfig, KeySet, SigningKey,
    VerifierConfig,
};
use auth_core::{Clock, ManualClock};

pub const ISSUER: &str = "https://auth.example.com";
pub const AUDIENCE: &str = "https://api.example.com";
pub const NOW: u64 = 1_800_000_000;
pub const PASSWORD: &str = "mauve-tulip-orbit-42";
pub const NEW_PASSWORD: &str = "copper-heron-velvet-17";
pub const IP: &str = "203.0.113.7";
pub const USER_AGENT: &str = "flows-test/1.0";

pub struct Harness {
    pub auth: AuthService,
    pub stores: MemoryStores,
    pub clock: ManualClock,
    pub mailer: RecordingMailer,
    pub verifier: AccessTokenVerifier,
}

pub fn harness() -> Harness {
    harness_with(AuthConfig::default())
}

pub fn harness_with(config: AuthConfig) -> Harness {
    harness_wired(config, |_| {})
}

/// A harness whose stores `rewire` may replace (to inject failures).
pub fn harness_wired(config: AuthConfig, rewire: impl FnOnce(&mut Stores)) -> Harness {
    harness_full(config, PasswordHasher::insecure_fast_for_tests(), rewire)
}

/// A harness with its own password hasher (the real one, for tests about what happens while
/// hashing takes its time) and stores `rewire` may replace.
pub fn harness_full(
    config: AuthConfig,
    hasher: PasswordHasher,
    rewire: impl FnOnce(&mut Stores),
) -> Harness {
    let clock = ManualClock::at_unix(NOW);
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let keys = KeySet::new(
        SigningKey::hmac(
            "k1",
            Algorithm::HS256,
            b"an HS256 test secret of 32+ bytes!!",
        )
        .expect("valid key"),
    );
    let issuer =
        AccessTokenIssuer::with_clock(IssuerConfig::new(ISSUER, AUDIENCE), &keys, shared.clone());
    let verifier = AccessTokenVerifier::new(VerifierConfig::new(ISSUER, AUDIENCE), &keys)
        .with_clock(shared.clone());
    let stores = MemoryStores::new();
    let mut wired = Stores::from(stores.clone());
    rewire(&mut wired);
    let mailer = RecordingMailer::default();
    let auth = AuthService::new(
        config,
        wired,
        issuer,
        hasher,
        shared,
        Arc::new(mailer.clone()),
    );
    Harness {
        auth,
        stores,
        clock,
        mailer,
        verifier,
    }
}

pub fn client() -> ClientInfo {
    ClientInfo::default().ip(IP).user_agent(USER_AGENT)
}

pub fn client_from(ip: &str) -> ClientInfo {
    ClientInfo::default().ip(ip).user_agent(USER_AGENT)
}

impl Harness {
    pub async fn signup(&self, email: &str) -> (User, TokenPair) {
        self.auth
            .signup(email, Password::from(PASSWORD), &client())
            .await
            .expect("signup succeeds")
    }

    pub async fn login(&self, identifier: &str, password: &str) -> Result<TokenPair, AuthError> {
        self.auth
            .login(identifier, Password::from(password), &client())
            .await
    }

    pub async fn user(&self, id: UserId) -> User {
        self.stores
            .users
            .user_by_id(id)
            .await
            .expect("store")
            .expect("user exists")
    }

    pub async fn update(&self, user: &User) {
        self.stores.users.update_user(user).await.expect("update");
    }

    pub async fn session(&self, id: SessionId) -> Session {
        self.stores
            .sessions
            .session(id)
            .await
            .expect("store")
            .expect("session exists")
    }

    /// Every audit event, oldest first.
    pub fn events(&self) -> Vec<AuditEvent> {
        let mut events = self.stores.audit.events();
        events.sort_by_key(|event| event.at);
        events
    }

    pub fn events_of(&self, kind: AuditKind) -> Vec<AuditEvent> {
        self.events()
            .into_iter()
            .filter(|event| event.kind == kind)
            .collect()
    }

    pub fn claims(&self, pair: &TokenPair) -> Claims {
        self.verifier
            .verify(pair.access_token.token.secret())
            .expect("issued access token verifies")
    }

    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}

/// A harness whose service has second factors (TOTP, recovery codes) on in-memory stores;
/// the TOTP store is returned too, for tests that look at it.
pub fn harness_with_second_factors() -> (Harness, auth_core::store::memory::MemorySecondFactorStore)
{
    harness_with_second_factors_and(AuthConfig::default())
}

/// [`harness_with_second_factors`] with `config`.
pub fn harness_with_second_factors_and(
    config: AuthConfig,
) -> (Harness, auth_core::store::memory::MemorySecondFactorStore) {
    use auth_core::flows::SecondFactorSetup;
    use auth_core::mfa::SecretKey;
    use auth_core::store::memory::{MemoryCeremonyStore, MemorySecondFactorStore};

    let base = harness();
    let second_factors = MemorySecondFactorStore::default();
    let keys = KeySet::new(
        SigningKey::hmac(
            "k1",
            Algorithm::HS256,
            b"an HS256 test secret of 32+ bytes!!",
        )
        .expect("valid key"),
    );
    let shared: Arc<dyn Clock> = Arc::new(base.clock.clone());
    let auth = AuthService::builder(keys, Stores::from(base.stores.clone()))
        .issuer(ISSUER, AUDIENCE)
        .mailer(Arc::new(base.mailer.clone()))
        .hasher(PasswordHasher::insecure_fast_for_tests())
        .clock(shared)
        .config(config)
        .second_factors(
            SecondFactorSetup::new(
                Arc::new(second_factors.clone()),
                Arc::new(MemoryCeremonyStore::default()),
                SecretKey::from_bytes([9; 32]),
            )
            .totp_issuer("Flows Test"),
        )
        .build()
        .expect("a service with second factors");
    (Harness { auth, ..base }, second_factors)
}
