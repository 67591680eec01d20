//! Selects jsonwebtoken's crypto provider from this crate's features.
//!
//! jsonwebtoken 11 compiles without any backend and then panics at first use; it also panics
//! when both of its backends are enabled and nobody installed a default. We pick the provider
//! ourselves (aws-lc-rs when both are on) and hand it to jsonwebtoken as the process default, so
//! neither panic can happen through this crate.

use std::sync::Once;

use jsonwebtoken::crypto::CryptoProvider;

#[cfg(not(any(feature = "aws_lc_rs", feature = "rust_crypto")))]
compile_error!(
    "auth-core needs a crypto backend: enable the `aws_lc_rs` (default) or the `rust_crypto` feature"
);

/// The provider this crate signs and verifies with.
#[cfg(feature = "aws_lc_rs")]
pub(crate) fn provider() -> &'static CryptoProvider {
    &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
}

/// The provider this crate signs and verifies with.
#[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
pub(crate) fn provider() -> &'static CryptoProvider {
    &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER
}

/// Makes sure jsonwebtoken's own process default is set before we call any of its functions
/// that consult it (JWK export). A provider the host installed first is left alone.
pub(crate) fn ensure_process_default() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Err means the host installed a provider already: that one stays.
        let _ = provider().install_default();
    });
}

/// The crypto backend this build signs and verifies with: `"aws-lc-rs"` (the default, also
/// chosen when both backend features are on) or `"rustcrypto"`.
pub fn crypto_backend_name() -> &'static str {
    if cfg!(feature = "aws_lc_rs") {
        "aws-lc-rs"
    } else {
        "rustcrypto"
    }
}
