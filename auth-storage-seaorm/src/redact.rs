//! Keeping database passwords out of errors and logs.
//!
//! sea-orm echoes the whole connection string in some connection errors ("The connection
//! string 'postgres://app:PASSWORD@db/app' cannot be parsed", "… has no supporting driver"),
//! so [`SeaOrmStore::connect`](crate::SeaOrmStore::connect) passes its errors through
//! [`redact_connect_error`] and hosts print URLs with [`redact_url`].

use sea_orm::{DbErr, RuntimeErr};

/// `url` with its password (if any) replaced by `***`, for logs and error messages.
///
/// A string that does not parse as a URL may still hold a secret: everything between
/// `scheme://` and the last `@` is masked, and a string without `://` becomes
/// `[not a URL]`.
///
/// ```
/// use auth_storage_seaorm::redact_url;
///
/// assert_eq!(
///     redact_url("postgres://app:s3cr%21t@db.internal:5432/app"),
///     "postgres://app:***@db.internal:5432/app"
/// );
/// assert_eq!(redact_url("sqlite://auth.db"), "sqlite://auth.db");
/// assert_eq!(redact_url("postgres://app:s3cret@[bad/app"), "postgres://***@[bad/app");
/// ```
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some("***")).is_ok() {
                parsed.to_string()
            } else {
                "[unparsable URL]".to_owned()
            }
        }
        Ok(_) => url.to_owned(),
        Err(_) => match url.split_once("://") {
            Some((scheme, rest)) => match rest.rfind('@') {
                Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
                None => url.to_owned(),
            },
            None => "[not a URL]".to_owned(),
        },
    }
}

/// `text` with `url` (and its password, raw and percent-decoded) masked.
fn mask_in(url: &str, text: &str) -> String {
    let mut masked = text.replace(url, &redact_url(url));
    if let Some(password) = url::Url::parse(url)
        .ok()
        .and_then(|parsed| parsed.password().map(str::to_owned))
    {
        masked = masked.replace(&password, "***");
        let decoded: String = url::form_urlencoded::parse(format!("p={password}").as_bytes())
            .map(|(_, value)| value.into_owned())
            .next()
            .unwrap_or_default();
        if !decoded.is_empty() {
            masked = masked.replace(&decoded, "***");
        }
    }
    masked
}

/// `error` from connecting to `url`, without the password: a message that echoes the
/// connection string is rebuilt with it redacted (kept a `DbErr::Conn`); any other error is
/// returned as it was.
pub(crate) fn redact_connect_error(url: &str, error: DbErr) -> DbErr {
    match error {
        DbErr::Conn(RuntimeErr::Internal(message)) => {
            DbErr::Conn(RuntimeErr::Internal(mask_in(url, &message)))
        }
        other => {
            let text = other.to_string();
            let masked = mask_in(url, &text);
            if masked == text {
                other
            } else {
                DbErr::Conn(RuntimeErr::Internal(masked))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        let url = "postgres://app:s3cr%21t@db.internal:5432/app";
        let echoed = format!("cannot connect to {url} with password s3cr!t");
        let masked = mask_in(url, &echoed);
        assert!(!masked.contains("s3cr"), "{masked}");
        assert!(
            masked.contains("postgres://app:***@db.internal:5432/app"),
            "{masked}"
        );
        assert_eq!(redact_url("not a url with secret"), "[not a URL]");
        let unparsable = "mysql://root:hunter2@[::1/db";
        assert!(!mask_in(unparsable, &format!("bad '{unparsable}'")).contains("hunter2"));
    }
}
