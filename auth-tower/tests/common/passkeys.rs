//! Passkeys for the HTTP scenarios (feature `passkey`): a service with passkeys configured,
//! and the software authenticator of auth-core's passkey tests (one copy, included by path).

use std::sync::Arc;

use auth_core::flows::{AuthService, Mailer};
use auth_core::passkey::{PasskeyConfig, Passkeys};
use auth_core::password::PasswordHasher;
use auth_core::store::memory::{MemoryCeremonyStore, MemoryPasskeyStore};
use auth_core::token::KeySet;

#[path = "../../../auth-core/tests/passkey_support/mod.rs"]
mod passkey_support;

pub use passkey_support::Browser;

/// The origin the scenarios' pages run on.
pub const ORIGIN: &str = "https://example.com";

/// `service` rebuilt with passkeys: the same configuration, stores, clock, keys and mailer.
pub fn with_passkeys(service: &AuthService, keys: &KeySet, mailer: Arc<dyn Mailer>) -> AuthService {
    let passkeys = Passkeys::new(
        PasskeyConfig::new("example.com", "Example", vec![ORIGIN.parse().unwrap()]),
        Arc::new(MemoryCeremonyStore::new()),
        Arc::new(MemoryPasskeyStore::new()),
    )
    .expect("a valid passkey config");
    AuthService::builder(keys.clone(), service.stores().clone())
        .issuer("https://auth.test", "api")
        .config(service.config().clone())
        .clock(service.clock())
        .hasher(PasswordHasher::insecure_fast_for_tests())
        .mailer(mailer)
        .passkeys(passkeys)
        .build()
        .expect("a service with passkeys")
}
