//! A service over in-memory stores, for the unit tests of this module.

use std::sync::Arc;

use super::{AuthConfig, AuthService, RecordingMailer, Stores};
use crate::ManualClock;
use crate::password::PasswordHasher;
use crate::store::memory::MemoryStores;
use crate::token::{AccessTokenIssuer, Algorithm, IssuerConfig, KeySet, SigningKey};

pub(super) const PASSWORD: &str = "mauve-tulip-orbit-42";

pub(super) fn service() -> (AuthService, MemoryStores) {
    service_with_hasher(PasswordHasher::insecure_fast_for_tests())
}

/// [`service`] with the given hasher (tests of a small or saturated hashing pool).
pub(super) fn service_with_hasher(hasher: PasswordHasher) -> (AuthService, MemoryStores) {
    let (auth, stores, _) = service_with_mailer(hasher);
    (auth, stores)
}

/// [`service_with_hasher`], also returning the mailer (tests that follow a mailed link).
pub(super) fn service_with_mailer(
    hasher: PasswordHasher,
) -> (AuthService, MemoryStores, Arc<RecordingMailer>) {
    let clock = ManualClock::at_unix(1_800_000_000);
    let keys = KeySet::new(
        SigningKey::hmac(
            "k1",
            Algorithm::HS256,
            b"a unit-test HS256 secret, 32+ bytes",
        )
        .expect("valid key"),
    );
    let issuer = AccessTokenIssuer::with_clock(
        IssuerConfig::new("https://auth.test", "api"),
        &keys,
        Arc::new(clock.clone()),
    );
    let stores = MemoryStores::new();
    let mailer = Arc::new(RecordingMailer::default());
    let auth = AuthService::new(
        AuthConfig::default(),
        Stores::from(stores.clone()),
        issuer,
        hasher,
        Arc::new(clock),
        mailer.clone(),
    );
    (auth, stores, mailer)
}
