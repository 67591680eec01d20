//! [`AuthorizeRequest`]: the parameters of an authorization request, as the HTTP layer read
//! them from the query.

/// The parameters of an authorization request, as the HTTP layer read them from the query.
///
/// Build it with [`AuthorizeRequest::from_query_pairs`], which notices a repeated parameter
/// (RFC 6749 §3.1: parameters must not appear twice). Unknown parameters are ignored; `request`
/// and `request_uri` are kept only to be refused (they would otherwise be silently ignored,
/// which OpenID Connect Core §6 forbids).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizeRequest {
    /// `response_type`; only `code` is supported.
    pub response_type: Option<String>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `redirect_uri`; required, and must equal a registered one byte for byte (a public
    /// client's loopback URI on any port, RFC 8252 §7.3).
    pub redirect_uri: Option<String>,
    /// `scope`, space-separated.
    pub scope: Option<String>,
    /// `state`, echoed in the response.
    pub state: Option<String>,
    /// `code_challenge` (PKCE); required.
    pub code_challenge: Option<String>,
    /// `code_challenge_method`; must be `S256`.
    pub code_challenge_method: Option<String>,
    /// `nonce` (OpenID Connect), echoed in the id_token.
    pub nonce: Option<String>,
    /// `prompt`: `none`, `login`, `consent` (space-separated).
    pub prompt: Option<String>,
    /// `max_age` (OpenID Connect): the oldest sign-in, in seconds, the client accepts.
    pub max_age: Option<String>,
    /// `acr_values` (OpenID Connect): the authentication context classes the client asks
    /// for, space-separated, most preferred first.
    pub acr_values: Option<String>,
    /// `response_mode`: `query` (the default) or `form_post`.
    pub response_mode: Option<String>,
    /// `request` (a request object, OpenID Connect Core §6.1): not supported, refused.
    pub request: Option<String>,
    /// `request_uri` (OpenID Connect Core §6.2): not supported, refused.
    pub request_uri: Option<String>,
    /// The first parameter that appeared more than once.
    pub(super) repeated: Option<&'static str>,
}

impl AuthorizeRequest {
    /// The request from decoded query pairs (`serde_urlencoded::from_str::<Vec<(String,
    /// String)>>` or your framework's equivalent).
    pub fn from_query_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut request = Self::default();
        for (name, value) in pairs {
            let (slot, name): (&mut Option<String>, &'static str) = match name.as_ref() {
                "response_type" => (&mut request.response_type, "response_type"),
                "client_id" => (&mut request.client_id, "client_id"),
                "redirect_uri" => (&mut request.redirect_uri, "redirect_uri"),
                "scope" => (&mut request.scope, "scope"),
                "state" => (&mut request.state, "state"),
                "code_challenge" => (&mut request.code_challenge, "code_challenge"),
                "code_challenge_method" => {
                    (&mut request.code_challenge_method, "code_challenge_method")
                }
                "nonce" => (&mut request.nonce, "nonce"),
                "prompt" => (&mut request.prompt, "prompt"),
                "max_age" => (&mut request.max_age, "max_age"),
                "acr_values" => (&mut request.acr_values, "acr_values"),
                "response_mode" => (&mut request.response_mode, "response_mode"),
                "request" => (&mut request.request, "request"),
                "request_uri" => (&mut request.request_uri, "request_uri"),
                _ => continue,
            };
            if slot.is_some() {
                request.repeated.get_or_insert(name);
            } else {
                *slot = Some(value.into());
            }
        }
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_parameter_is_read_and_a_repeat_is_noticed() {
        let request = AuthorizeRequest::from_query_pairs([
            ("max_age", "60"),
            ("response_mode", "form_post"),
            ("request_uri", "https://rp.example/r"),
            ("unknown", "ignored"),
        ]);
        assert_eq!(request.max_age.as_deref(), Some("60"));
        assert_eq!(request.response_mode.as_deref(), Some("form_post"));
        assert_eq!(request.request_uri.as_deref(), Some("https://rp.example/r"));
        assert_eq!(request.repeated, None);
        let repeated = AuthorizeRequest::from_query_pairs([("max_age", "1"), ("max_age", "2")]);
        assert_eq!(repeated.repeated, Some("max_age"));
        assert_eq!(repeated.max_age.as_deref(), Some("1"));
    }
}
