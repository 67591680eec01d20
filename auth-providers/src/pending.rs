//! Pending logins: what `start` remembers until the provider redirects back — the PKCE
//! verifier, the OIDC nonce, which provider, which browser, and until when.
//!
//! The trait, its record and the in-memory store live in auth-core's
//! [`store`](auth_core::store), beside the other storage traits, so every storage backend
//! (auth-storage-seaorm, your own) can implement it and run auth-core's conformance kit
//! (`testkit::pending_login_store_conformance`); they are re-exported here under
//! their old paths.

pub use auth_core::store::memory::MemoryPendingLoginStore;
pub use auth_core::store::{PendingLogin, PendingLoginStore};

/// Why a pending-login store failed: auth-core's [`StoreError`](auth_core::store::StoreError)
/// (an infrastructure fault or a conflict, never a refused login).
pub type PendingStoreError = auth_core::store::StoreError;
