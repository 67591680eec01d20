//! Passkeys for the HTTP scenarios (feature `passkey`): the service's passkey setup,
//! and the software authenticator of auth-core's passkey tests (one copy, included by path).

use std::sync::Arc;

use auth_core::passkey::{PasskeyConfig, Passkeys};
use auth_core::store::memory::{MemoryCeremonyStore, MemoryPasskeyStore};

#[path = "../../../auth-core/tests/passkey_support/mod.rs"]
mod passkey_support;

pub use passkey_support::Browser;

/// The origin the scenarios' pages run on.
pub const ORIGIN: &str = "https://example.com";

/// Passkeys for the scenarios' origin, on memory stores.
pub fn passkeys() -> Passkeys {
    Passkeys::new(
        PasskeyConfig::new("example.com", "Example", vec![ORIGIN.parse().unwrap()]),
        Arc::new(MemoryCeremonyStore::new()),
        Arc::new(MemoryPasskeyStore::new()),
    )
    .expect("a valid passkey config")
}
