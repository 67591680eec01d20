//! # auth-tower
//! (crate docs are written below)

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "actix")]
pub mod actix;
mod authenticator;
#[cfg(feature = "axum")]
pub mod axum;
mod context;
mod credentials;
pub mod endpoints;
mod guard;
pub mod layer;
mod rejection;

pub use authenticator::{Authenticator, CustomClaims};
pub use context::{AuthContext, CredentialSource};
pub use credentials::{CredentialConfig, CredentialError};
pub use endpoints::{AuthEndpoints, EndpointsConfig, EndpointsService, TokenDelivery};
pub use guard::{Guard, Policy, Require};
pub use layer::{AuthLayer, AuthService, GuardLayer, Mode};
pub use rejection::{AuthRejection, DEFAULT_REALM, RejectionReason};

pub use auth_core;
