//! Keeping database passwords out of errors and logs.
//!
//! sea-orm echoes the whole connection string in some connection errors ("The connection
//! string 'postgres://app:PASSWORD@db/app' cannot be parsed", "… has no supporting driver"),
//! so [`SeaOrmStore::connect`](crate::SeaOrmStore::connect) passes its errors through
//! [`redact_connect_error`] and hosts print URLs with [`redact_url`] (auth-core's
//! [`auth_core::redact`], re-exported here).

use auth_core::redact::mask_url_in;
pub use auth_core::redact::redact_url;
use sea_orm::{DbErr, RuntimeErr};

/// `error` from connecting to `url`, without the password: a message that echoes the
/// connection string is rebuilt with it redacted (kept a `DbErr::Conn`); any other error is
/// returned as it was.
pub(crate) fn redact_connect_error(url: &str, error: DbErr) -> DbErr {
    match error {
        DbErr::Conn(RuntimeErr::Internal(message)) => {
            DbErr::Conn(RuntimeErr::Internal(mask_url_in(url, &message)))
        }
        other => {
            let text = other.to_string();
            let masked = mask_url_in(url, &text);
            if masked == text {
                other
            } else {
                DbErr::Conn(RuntimeErr::Internal(masked))
            }
        }
    }
}
