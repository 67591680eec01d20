//! What an allowed origin must look like: exactly `scheme://host[:port]`, as browsers send it
//! in `Origin` and compare it byte for byte. Shared by the first-party endpoints' CSRF check
//! and the authorization server's CORS list.

/// Whether `origin` is an exact `http(s)` origin: no path, query, fragment, user info or
/// wildcard (a wildcard with credentials is never allowed).
pub(crate) fn is_exact_origin(origin: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "https" | "http")
        && !authority.is_empty()
        && !authority.contains(['/', '?', '#', '@', '*', '\\'])
        && !authority
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
}

/// The exact origins listed (comma-separated) in variable `name`, or the error naming the
/// first one that is not exactly `scheme://host[:port]`.
pub(crate) fn origins_var(
    vars: &auth_core::env::Vars<impl Fn(&str) -> Option<String>>,
    name: &'static str,
) -> Result<Vec<String>, auth_core::env::EnvError> {
    let origins = vars.list(name);
    match origins.iter().find(|origin| !is_exact_origin(origin)) {
        None => Ok(origins),
        Some(bad) => Err(auth_core::env::EnvError::Invalid {
            name,
            reason: format!(
                "{bad:?} is not exactly an origin; write it like https://app.example or \
                 http://localhost:5173 (scheme, host and port only)"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::is_exact_origin;

    #[test]
    fn only_scheme_host_and_port() {
        for good in [
            "https://app.example",
            "http://localhost:5173",
            "http://[::1]:3000",
        ] {
            assert!(is_exact_origin(good), "{good}");
        }
        for bad in [
            "app.example",
            "ftp://app.example",
            "https://",
            "https://app.example/",
            "https://app.example/path",
            "https://app.example?x",
            "https://user@app.example",
            "https://*.example",
            "*",
            "https://app.example\\@evil",
            "https://app .example",
        ] {
            assert!(!is_exact_origin(bad), "{bad}");
        }
    }
}
