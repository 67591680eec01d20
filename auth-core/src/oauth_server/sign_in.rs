//! What an authorization request asks of the user's sign-in — `prompt=login` and `max_age`
//! (OpenID Connect Core §3.1.2.1, §15.1) — and how the login page continues the request once
//! the user has signed in for it.
//!
//! Both are requirements on the sign-in *of this request*. A session that already exists when
//! the request arrives never satisfies `prompt=login` (nor `max_age=0`, which means the same),
//! however recent it is: there is no freshness window. `max_age=N` is satisfied by a session
//! whose `auth_time` is at most `N` seconds old. Otherwise the user gets the login page, and
//! once they sign in there the request continues as [`sign_in_continuation`] — the same
//! parameters without `prompt=login` and `max_age`, which the sign-in just completed
//! satisfied — under the session that sign-in started.
//!
//! The user of a browser can always edit their own request (drop `prompt=login` before it
//! reaches the server), so what tells a client how recent the sign-in is remains the
//! id_token's `auth_time`: it is always the true time of the sign-in the code was issued
//! under. A client that sends `max_age` or `prompt=login` should check it.

use std::time::{Duration, SystemTime};

use super::ResourceOwner;

/// The most digits a `max_age` may have (any 19-digit number fits a `u64`).
const MAX_AGE_DIGITS: usize = 19;

/// The sign-in requirements of one authorization request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct SignInRequirement {
    /// `prompt=login` (or `select_account`, which the same login page serves).
    pub(super) login: bool,
    /// `max_age`, in seconds.
    pub(super) max_age: Option<u64>,
    /// `acr_values`: a session whose `acr` is none of these signs in again.
    pub(super) acr_values: Vec<String>,
}

impl SignInRequirement {
    /// Whether the session of `owner`, which existed before this request, may serve it at
    /// `now`. A sign-in time in the future (clock skew) is not trusted to be recent.
    pub(super) fn satisfied_by(&self, owner: &ResourceOwner, now: SystemTime) -> bool {
        if self.login {
            return false;
        }
        if !self.acr_values.is_empty()
            && !owner
                .acr
                .as_ref()
                .is_some_and(|acr| self.acr_values.contains(acr))
        {
            return false;
        }
        match self.max_age {
            None => true,
            Some(0) => false,
            Some(max_age) => now
                .duration_since(owner.auth_time)
                .is_ok_and(|age| age <= Duration::from_secs(max_age)),
        }
    }
}

/// `max_age` as OpenID Connect Core §3.1.2.1 defines it: a non-negative whole number of
/// seconds, in decimal digits. `None` when malformed (empty, signed, fractional, too long).
pub(super) fn parse_max_age(value: &str) -> Option<u64> {
    if value.is_empty()
        || value.len() > MAX_AGE_DIGITS
        || !value.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    value.parse().ok()
}

/// The parameters of an authorization request to continue with once the user has signed in
/// on the login page shown for it: the same pairs in the same order, without `max_age` and
/// `acr_values` and without the `login` and `select_account` values of `prompt` (a `prompt`
/// left empty is dropped). The sign-in just completed is the one those parameters asked for;
/// its `acr` (and `amr`) are in the id_token for the client to check — `acr_values` is a
/// request, not a guarantee (OpenID Connect Core §3.1.2.1).
///
/// The login page calls [`OAuthServer::authorize`](super::OAuthServer::authorize) again with
/// these parameters (auth-tower redirects the browser to them), under the new session.
///
/// # Security
/// Use it only after a sign-in completed by the login form that carried this very request.
/// Continuing with it under a session that existed before would skip the sign-in the client
/// asked for.
///
/// ```
/// use auth_core::oauth_server::sign_in_continuation;
///
/// let continued = sign_in_continuation([
///     ("client_id", "app"),
///     ("prompt", "login consent"),
///     ("max_age", "0"),
///     ("state", "xyz"),
/// ]);
/// assert_eq!(
///     continued,
///     [
///         ("client_id".to_owned(), "app".to_owned()),
///         ("prompt".to_owned(), "consent".to_owned()),
///         ("state".to_owned(), "xyz".to_owned()),
///     ]
/// );
/// ```
pub fn sign_in_continuation<I, K, V>(pairs: I) -> Vec<(String, String)>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    pairs
        .into_iter()
        .filter_map(|(name, value)| {
            let (name, value) = (name.as_ref(), value.as_ref());
            match name {
                "max_age" | "acr_values" => None,
                "prompt" => {
                    let rest: Vec<&str> = value
                        .split(' ')
                        .filter(|v| !v.is_empty() && !matches!(*v, "login" | "select_account"))
                        .collect();
                    (!rest.is_empty()).then(|| (name.to_owned(), rest.join(" ")))
                }
                _ => Some((name.to_owned(), value.to_owned())),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::UserId;

    fn owner_signed_in(seconds_ago: u64, now: SystemTime) -> ResourceOwner {
        ResourceOwner::new(
            UserId::generate().unwrap(),
            now - Duration::from_secs(seconds_ago),
        )
    }

    #[test]
    fn max_age_is_a_non_negative_integer() {
        assert_eq!(parse_max_age("0"), Some(0));
        assert_eq!(parse_max_age("3600"), Some(3600));
        assert_eq!(parse_max_age("0010"), Some(10));
        assert_eq!(
            parse_max_age("9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        for bad in [
            "",
            "-1",
            "+1",
            "1.5",
            "1e3",
            " 1",
            "one",
            "99999999999999999999",
        ] {
            assert_eq!(parse_max_age(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn an_existing_session_never_satisfies_prompt_login_or_max_age_zero() {
        let now = SystemTime::now();
        let just_now = owner_signed_in(0, now);
        let login = SignInRequirement {
            login: true,
            ..SignInRequirement::default()
        };
        assert!(!login.satisfied_by(&just_now, now));
        let zero = SignInRequirement {
            max_age: Some(0),
            ..SignInRequirement::default()
        };
        assert!(!zero.satisfied_by(&just_now, now));
        assert!(SignInRequirement::default().satisfied_by(&owner_signed_in(86_400, now), now));
    }

    #[test]
    fn max_age_compares_with_the_sign_in_time() {
        let now = SystemTime::now();
        let max_age = SignInRequirement {
            max_age: Some(60),
            ..SignInRequirement::default()
        };
        assert!(max_age.satisfied_by(&owner_signed_in(60, now), now));
        assert!(!max_age.satisfied_by(&owner_signed_in(61, now), now));
        let future = ResourceOwner::new(UserId::generate().unwrap(), now + Duration::from_secs(5));
        assert!(
            !max_age.satisfied_by(&future, now),
            "clock skew is not recent"
        );
    }

    /// OpenID Connect Core §3.1.2.1 `acr_values`: a session whose `acr` is not one of them
    /// signs in again (the id_token then says what was achieved).
    #[test]
    fn acr_values_need_a_session_with_one_of_them() {
        let now = SystemTime::now();
        let mfa = SignInRequirement {
            acr_values: vec!["urn:example:mfa".into(), "urn:example:hwk".into()],
            ..SignInRequirement::default()
        };
        let mut owner = owner_signed_in(0, now);
        assert!(!mfa.satisfied_by(&owner, now), "no acr at all");
        owner.acr = Some("urn:example:pwd".into());
        assert!(!mfa.satisfied_by(&owner, now), "another acr");
        owner.acr = Some("urn:example:hwk".into());
        assert!(mfa.satisfied_by(&owner, now));
    }

    #[test]
    fn continuation_keeps_everything_but_the_sign_in_requirements() {
        let pairs = [
            ("prompt", "select_account login"),
            ("max_age", "10"),
            ("acr_values", "urn:example:mfa"),
            ("nonce", "n"),
        ];
        assert_eq!(
            sign_in_continuation(pairs),
            [("nonce".to_owned(), "n".to_owned())]
        );
        assert_eq!(
            sign_in_continuation([("prompt", "consent")]),
            [("prompt".to_owned(), "consent".to_owned())]
        );
    }
}
