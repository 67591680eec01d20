//! The SeaORM entities behind the stores, one module per table.
//!
//! They are public so a host can join its own tables against them (say, list a tenant's users
//! with their last login) or write reports; write through the store traits, which keep the
//! invariants (normalized emails, hashed tokens, atomic rotation).
//!
//! Column conventions, the same on every backend:
//!
//! * ids (`UserId`, `SessionId`) are hyphenated UUID strings, 36 characters;
//! * times are `BIGINT` microseconds since the Unix epoch, UTC — one integer type that
//!   compares the same on SQLite, PostgreSQL and MySQL and has no 2038 limit;
//! * token hashes are the 64 lowercase hex digits of a SHA-256 — never the token itself;
//! * role and permission lists (and a client's redirect URIs and grant types) are JSON
//!   arrays of strings in a text column; OAuth scopes are space-separated text.
//!
//! Every table is prefixed `auth_` so it sits beside the host's own tables.

pub mod audit_event;
pub mod authorization_code;
pub mod ceremony;
pub mod counter;
pub mod identity;
pub mod oauth_client;
pub mod oauth_consent;
pub mod oauth_grant;
pub mod one_time_token;
pub mod passkey;
pub mod pending_login;
pub mod recovery_code;
pub mod refresh_token;
pub mod revoked_access_token;
pub mod session;
pub mod throttle_counter;
pub mod totp;
pub mod user;
