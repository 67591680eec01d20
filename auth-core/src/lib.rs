//! auth-core (crate docs are written at the end of the foundation work).

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod clock;
mod crypto_backend;
mod error;
pub mod opaque;
pub mod password;
pub mod token;

pub use crypto_backend::crypto_backend_name;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{BearerErrorCode, ToBearerError};

/// The JWT crate this one builds on, re-exported so its types (`Algorithm`, `Jwk`, …) need no
/// version matching.
pub use jsonwebtoken;
