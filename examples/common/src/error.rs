//! [`StartError`]: why an example refused to start, worded as what to fix.

use std::path::PathBuf;

/// Why an example could not start. Every message names the environment variable or file to
/// fix; none carries a secret (database passwords are masked).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A variable is set to something unusable.
    #[error("{name} is invalid: {reason}")]
    InvalidVar {
        /// The variable.
        name: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// Both key sources are set, so which one signs would be a guess.
    #[error(
        "both JWT_SECRET_KEY and JWT_PRIVATE_KEY_FILE are set: set only one (HS256 secret or a PEM private key)"
    )]
    TwoKeySources,
    /// `JWT_SECRET_KEY` is shorter than HS256 allows.
    #[error(
        "JWT_SECRET_KEY is {actual} bytes long; HS256 needs at least 32 bytes. \
         Generate one with `openssl rand -base64 48` and set JWT_SECRET_KEY to it"
    )]
    SecretTooShort {
        /// The length given.
        actual: usize,
    },
    /// The PEM file could not be read or is no private key auth-core can sign with.
    #[error("JWT_PRIVATE_KEY_FILE={path}: {reason}")]
    PrivateKey {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The generated development key file could not be read or written.
    #[error(
        "the development key file {path}: {reason} (set JWT_DEV_KEY_FILE elsewhere, or set JWT_SECRET_KEY)"
    )]
    DevKey {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The database could not be opened.
    #[error(
        "could not open the database at DATABASE_URL={url}: {reason}. Set DATABASE_URL to \
         sqlite://FILE, postgres://USER:PASSWORD@HOST/DB or mysql://USER:PASSWORD@HOST/DB, \
         or unset it to use the default SQLite file"
    )]
    Database {
        /// The URL with any password masked.
        url: String,
        /// The driver's message, with any password masked.
        reason: String,
    },
    /// The schema migrations failed.
    #[error("applying the auth migrations to DATABASE_URL={url} failed: {reason}")]
    Migration {
        /// The URL with any password masked.
        url: String,
        /// The driver's message, with any password masked.
        reason: String,
    },
    /// Redis could not be reached.
    #[error(
        "could not connect to Redis at REDIS_URL={url}: {reason}. Set REDIS_URL to \
         redis://HOST:6379 (or redis://:PASSWORD@HOST:6379), or unset it to keep everything in \
         the database"
    )]
    Redis {
        /// The URL with any password masked.
        url: String,
        /// What went wrong, with any password masked.
        reason: String,
    },
    /// Something auth-core refused while building the service.
    #[error("{0}")]
    Setup(String),
    /// The listening socket could not be opened.
    #[error("could not listen on {addr}: {source}. Set PORT to a free port")]
    Bind {
        /// The address.
        addr: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}
