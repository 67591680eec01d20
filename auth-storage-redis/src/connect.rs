//! Why [`RedisStore::connect`](crate::RedisStore::connect) failed, told without the password.

use std::time::Duration;

/// Why [`RedisStore::connect`](crate::RedisStore::connect) failed. The URL in it has its
/// password replaced by `***`, and the password never appears in the detail either, so the
/// error can be logged as is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL is not a Redis URL the client understands.
    #[error("invalid Redis URL {url}: {detail}")]
    InvalidUrl {
        /// The URL, password redacted.
        url: String,
        /// What is wrong with it.
        detail: String,
    },
    /// Redis refused the connection, the handshake (`AUTH`, `SELECT`) failed, or it answered
    /// with an error.
    #[error("could not connect to Redis at {url}: {detail}")]
    Failed {
        /// The URL, password redacted.
        url: String,
        /// The client's error.
        detail: String,
    },
    /// No connection within [`RedisConfig::timeout`](crate::RedisConfig::timeout).
    #[error("no connection to Redis at {url} within {timeout:?}")]
    TimedOut {
        /// The URL, password redacted.
        url: String,
        /// The bound that passed.
        timeout: Duration,
    },
}

/// `url` with its password (if any) replaced by `***`.
pub(crate) fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some("***")).is_ok() {
                parsed.to_string()
            } else {
                "[unparsable URL]".to_owned()
            }
        }
        Ok(_) => url.to_owned(),
        // Unparsable: keep the scheme and the host part after the last `@`, if any.
        Err(_) => match url.split_once("://") {
            Some((scheme, rest)) => match rest.rfind('@') {
                Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
                None => url.to_owned(),
            },
            None => "[not a URL]".to_owned(),
        },
    }
}

/// `text` (a client error about `url`) with the URL and its password masked.
pub(crate) fn mask(url: &str, text: &str) -> String {
    let mut masked = text.replace(url, &redact_url(url));
    let userinfo = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .rsplit_once('@')
        .map(|(userinfo, _)| userinfo);
    if let Some(password) = userinfo
        .and_then(|userinfo| userinfo.split_once(':'))
        .map(|(_, password)| password)
        .filter(|password| !password.is_empty())
    {
        masked = masked.replace(password, "***");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_raw_and_decoded() {
        let url = "redis://app:hunter%32@[bad";
        let shown = mask(url, &format!("error in {url}: hunter2 hunter%32"));
        assert!(!shown.contains("hunter"), "{shown}");
        assert_eq!(
            redact_url("redis://:hunter2@localhost:6379/0"),
            "redis://:***@localhost:6379/0"
        );
        assert_eq!(redact_url("redis://localhost"), "redis://localhost");
    }
}
