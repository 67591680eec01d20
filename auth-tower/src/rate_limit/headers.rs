//! The response side: `RateLimit-Policy` / `RateLimit` fields (draft-ietf-httpapi-ratelimit-
//! headers-11) on every response, and the 429 / 503 refusals.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};

/// `RateLimit-Policy`: the quota policies that apply (`"name";q=<units>;w=<seconds>`).
pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// `RateLimit`: what is left of each policy (`"name";r=<remaining>;t=<seconds to reset>`).
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// How long a client is asked to wait when the counter store is down.
pub(crate) const UNAVAILABLE_RETRY_AFTER: u64 = 5;

/// The state of one policy after a request, for the `RateLimit` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyState {
    /// The policy's `RateLimit-Policy` item, e.g. `"api";q=100;w=60` (made once per plan).
    pub(crate) policy: HeaderValue,
    /// The policy's name, already a valid sf-string body.
    pub(crate) name: Arc<str>,
    pub(crate) remaining: u64,
    pub(crate) reset: u64,
}

impl PolicyState {
    /// The `RateLimit` item: `"api";r=42;t=18`.
    fn current(&self) -> String {
        use std::fmt::Write as _;
        let mut item = String::with_capacity(self.name.len() + 48);
        item.push('"');
        item.push_str(&self.name);
        // Writing to a String cannot fail.
        let _ = write!(item, "\";r={};t={}", self.remaining, self.reset);
        item
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefusalKind {
    RateLimited,
    QuotaExceeded,
    Unavailable,
}

/// The policies a request met: its rate limit and its quota (no allocation for the pair).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Report {
    pub(crate) rate: Option<PolicyState>,
    pub(crate) quota: Option<PolicyState>,
}

impl Report {
    fn states(&self) -> impl Iterator<Item = &PolicyState> {
        self.rate.iter().chain(self.quota.iter())
    }

    /// Appends the fields to `headers`. Appended, not inserted: an outer rate-limit layer
    /// adds its own policies beside an inner one's (a structured-field list may span lines).
    pub(crate) fn apply(&self, headers: &mut HeaderMap) {
        let (policy, current) = match (&self.rate, &self.quota) {
            (None, None) => return,
            // The hot path (one limit, no quota): the policy's value is shared, not rebuilt.
            (Some(only), None) | (None, Some(only)) => (
                Ok(only.policy.clone()),
                HeaderValue::try_from(only.current()),
            ),
            _ => match self.fields() {
                Some((policy, current)) => (
                    HeaderValue::try_from(policy),
                    HeaderValue::try_from(current),
                ),
                None => return,
            },
        };
        // Both are ASCII digits, punctuation and names cleaned by `policy_name`.
        if let (Ok(policy), Ok(current)) = (policy, current) {
            headers.append(RATELIMIT_POLICY, policy);
            headers.append(RATELIMIT, current);
        }
    }

    /// The `RateLimit-Policy` and `RateLimit` values, or `None` when no policy applied.
    pub(crate) fn fields(&self) -> Option<(String, String)> {
        self.rate.as_ref().or(self.quota.as_ref())?;
        let policy = self
            .states()
            .map(|state| state.policy.to_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(", ");
        let current = self
            .states()
            .map(PolicyState::current)
            .collect::<Vec<_>>()
            .join(", ");
        Some((policy, current))
    }
}

/// `name` as the body of a structured-field string: printable ASCII without `"` and `\`;
/// anything else becomes `_` (a name is configuration, never worth a panic).
pub(crate) fn policy_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    if cleaned.is_empty() {
        "default".to_owned()
    } else {
        cleaned
    }
}

/// A policy's `RateLimit-Policy` item.
pub(crate) fn policy_item(name: &str, quota: u64, window: u64) -> HeaderValue {
    let item = format!("\"{name}\";q={quota};w={window}");
    // `name` went through `policy_name` (or is a fixed period name): always a valid value.
    HeaderValue::try_from(item).unwrap_or(HeaderValue::from_static("\"default\""))
}

/// The 429 (or 503) answer: `Retry-After`, the `RateLimit` fields and a small JSON body.
pub(crate) fn refusal(kind: RefusalKind, retry_after: u64, report: &Report) -> Response<Bytes> {
    let (status, error, message) = match kind {
        RefusalKind::RateLimited => (
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("Too many requests: retry in {retry_after} s."),
        ),
        RefusalKind::QuotaExceeded => (
            StatusCode::TOO_MANY_REQUESTS,
            "quota_exceeded",
            format!("Quota exceeded for this period: it resets in {retry_after} s."),
        ),
        RefusalKind::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            format!("Usage limits cannot be checked right now: retry in {retry_after} s."),
        ),
    };
    let body = serde_json::json!({ "error": error, "message": message }).to_string();
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(RETRY_AFTER, HeaderValue::from(retry_after));
    report.apply(headers);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_follow_the_draft_syntax() {
        let report = Report {
            rate: Some(PolicyState {
                policy: policy_item("api", 100, 60),
                name: "api".into(),
                remaining: 42,
                reset: 18,
            }),
            quota: Some(PolicyState {
                policy: policy_item("monthly", 1_000, 2_678_400),
                name: "monthly".into(),
                remaining: 900,
                reset: 86_400,
            }),
        };
        let mut headers = HeaderMap::new();
        report.apply(&mut headers);
        assert_eq!(
            headers[RATELIMIT_POLICY],
            "\"api\";q=100;w=60, \"monthly\";q=1000;w=2678400"
        );
        assert_eq!(
            headers[RATELIMIT],
            "\"api\";r=42;t=18, \"monthly\";r=900;t=86400"
        );
    }

    #[test]
    fn a_policy_name_cannot_break_out_of_its_string() {
        assert_eq!(policy_name("a\"b\\c\né"), "a_b_c__");
        assert_eq!(policy_name(""), "default");
    }
}
