//! [`StartError`]: why an example refused to start, worded as what to fix.

use std::path::PathBuf;

/// Why an example could not start. Every message names the environment variable or file to
/// fix; none carries a secret (the libraries mask database and Redis passwords).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A variable is missing, invalid or names something unreachable (the libraries'
    /// `from_vars` say which).
    #[error(transparent)]
    Env(#[from] auth_core::env::EnvError),
    /// A social-login provider's variables are incomplete or invalid.
    #[error("social login: {0}")]
    SocialLogin(#[from] auth_providers::ConfigError),
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
    /// The schema migrations failed.
    #[error("applying the auth migrations to DATABASE_URL={url} failed: {reason}")]
    Migration {
        /// The URL with any password masked.
        url: String,
        /// The driver's message, with any password masked.
        reason: String,
    },
    /// Something the libraries refused while building the service or the endpoints.
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
