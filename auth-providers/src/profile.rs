//! The normalized profile every provider returns.

use auth_core::flows::SocialProfile;
use serde_json::Value;

/// What a provider said about the user, normalized across providers, with the provider's raw
/// answer kept alongside.
///
/// `email_verified` is `true` only when the provider itself says so (Google/OIDC
/// `email_verified`; Kakao `is_email_valid` and `is_email_verified`; Discord `verified`;
/// GitHub a primary, verified address from `/user/emails`). Naver and providers that say
/// nothing report `false`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ProviderProfile {
    /// The provider's registered name (`google`, `kakao`, …).
    pub provider: String,
    /// The provider's stable account id (numeric ids as decimal text). Never the email.
    pub subject: String,
    /// The email the provider reported, if any.
    pub email: Option<String>,
    /// Whether the provider itself asserts that `email` is verified.
    pub email_verified: bool,
    /// The name to show.
    pub name: Option<String>,
    /// An avatar URL.
    pub avatar_url: Option<String>,
    /// The user's locale, if the provider gives one.
    pub locale: Option<String>,
    /// The provider's profile JSON as received (for OIDC, the verified `id_token` claims).
    pub raw: Value,
}

impl ProviderProfile {
    /// The profile in the form auth-core's social-login flow takes.
    pub fn into_social_profile(self) -> SocialProfile {
        self.into()
    }

    /// A profile of `subject` at `provider` with nothing else known.
    pub fn new(provider: impl Into<String>, subject: impl Into<String>, raw: Value) -> Self {
        Self {
            provider: provider.into(),
            subject: subject.into(),
            email: None,
            email_verified: false,
            name: None,
            avatar_url: None,
            locale: None,
            raw,
        }
    }
}

impl From<ProviderProfile> for SocialProfile {
    fn from(profile: ProviderProfile) -> Self {
        let mut social = SocialProfile::new(profile.provider, profile.subject);
        if let Some(email) = profile.email {
            social = social.email(email, profile.email_verified);
        }
        social.display_name = profile.name;
        social.avatar_url = profile.avatar_url;
        social.locale = profile.locale;
        social
    }
}

/// A JSON string, or a JSON integer as decimal text (Kakao and GitHub ids are numbers).
pub(crate) fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) if number.is_u64() || number.is_i64() => Some(number.to_string()),
        _ => None,
    }
}

/// A non-empty JSON string.
pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// `true` only for the JSON boolean `true`: a missing or malformed signal is "not verified".
pub(crate) fn is_true(value: Option<&Value>) -> bool {
    matches!(value, Some(Value::Bool(true)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn converts_into_a_social_profile() {
        let mut profile = ProviderProfile::new("kakao", "123", json!({}));
        profile.email = Some("kim@example.com".into());
        profile.email_verified = true;
        profile.name = Some("Kim".into());
        let social = profile.into_social_profile();
        assert_eq!(social.provider, "kakao");
        assert_eq!(social.email.as_deref(), Some("kim@example.com"));
        assert!(social.email_verified);
        assert_eq!(social.display_name.as_deref(), Some("Kim"));
    }

    #[test]
    fn only_a_json_true_is_a_verified_signal() {
        assert!(is_true(Some(&json!(true))));
        for value in [json!("true"), json!(1), json!(null)] {
            assert!(!is_true(Some(&value)));
        }
        assert!(!is_true(None));
        assert_eq!(id_text(Some(&json!(42))).as_deref(), Some("42"));
        assert_eq!(id_text(Some(&json!(1.5))), None);
        assert_eq!(id_text(Some(&json!(""))), None);
    }
}
