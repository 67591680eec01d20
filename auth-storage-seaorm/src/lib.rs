//! # auth-storage-seaorm
//!
//! (crate docs below)

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod audit;
mod convert;
pub mod entity;
mod error;
mod identities;
pub mod migration;
mod one_time;
mod revocations;
pub mod rls;
mod sessions;
mod store;
mod throttle;
mod users;

pub use error::{CorruptRow, TimeOutOfRange, is_connection_error};
pub use migration::Migrator;
pub use store::{PurgeReport, SeaOrmStore};

pub use sea_orm;
pub use sea_orm_migration;
