//! Keeping passwords in connection URLs out of errors and logs, for every storage crate and
//! host: database and Redis clients echo the whole connection string in some of their
//! errors ("The connection string 'postgres://app:PASSWORD@db/app' cannot be parsed").

/// `url` with its password (if any) replaced by `***`, for logs and error messages.
///
/// A string that does not parse as a URL may still hold a secret: everything between
/// `scheme://` and the last `@` is masked, and a string without `://` becomes
/// `[not a URL]`.
///
/// ```
/// use auth_core::redact::redact_url;
///
/// assert_eq!(
///     redact_url("postgres://app:s3cr%21t@db.internal:5432/app"),
///     "postgres://app:***@db.internal:5432/app"
/// );
/// assert_eq!(redact_url("redis://:hunter2@localhost:6379/0"), "redis://:***@localhost:6379/0");
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

/// `text` — a client's error about connecting to `url` — with `url` shown as
/// [`redact_url`] shows it and its password masked wherever else it appears, raw or
/// percent-decoded. The password is read from the text between `scheme://` and the last `@`,
/// so a URL that does not parse is masked too.
///
/// ```
/// use auth_core::redact::mask_url_in;
///
/// let url = "postgres://app:s3cr%21t@db.internal:5432/app";
/// let error = format!("cannot connect to {url} with password s3cr!t");
/// assert_eq!(
///     mask_url_in(url, &error),
///     "cannot connect to postgres://app:***@db.internal:5432/app with password ***"
/// );
/// ```
pub fn mask_url_in(url: &str, text: &str) -> String {
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
    fn passwords_never_reach_messages() {
        let url = "postgres://app:s3cr%21t@db.internal:5432/app";
        let echoed = format!("cannot connect to {url} with password s3cr!t");
        let masked = mask_url_in(url, &echoed);
        assert!(!masked.contains("s3cr"), "{masked}");
        assert!(
            masked.contains("postgres://app:***@db.internal:5432/app"),
            "{masked}"
        );
        assert_eq!(redact_url("not a url with secret"), "[not a URL]");
        let unparsable = "mysql://root:hunter2@[::1/db";
        assert!(!mask_url_in(unparsable, &format!("bad '{unparsable}'")).contains("hunter2"));
    }

    #[test]
    fn passwords_are_masked_raw_and_decoded_in_urls_that_do_not_parse() {
        let url = "redis://app:hunter%32@[bad";
        let shown = mask_url_in(url, &format!("error in {url}: hunter2 hunter%32"));
        assert!(!shown.contains("hunter"), "{shown}");
        assert_eq!(redact_url("redis://localhost"), "redis://localhost");
    }
}
