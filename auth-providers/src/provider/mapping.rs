//! Where a generic OAuth2 provider's userinfo JSON keeps each profile field.

use serde_json::Value;

use crate::error::LoginError;
use crate::profile::{ProviderProfile, id_text, is_true, text};

/// JSON Pointers (RFC 6901) into a generic OAuth2 provider's userinfo answer.
///
/// The defaults read OIDC's standard claim names (`/sub`, `/email`, `/email_verified`,
/// `/name`, `/picture`, `/locale`). A field whose pointer is `None` or finds nothing is
/// unknown; `email_verified` is true only when its pointer finds the JSON boolean `true`.
///
/// ```
/// use auth_providers::UserInfoMapping;
///
/// // A GitLab-like answer: {"id": 42, "email": "…", "confirmed_at": …, "avatar_url": "…"}
/// let mapping = UserInfoMapping::default()
///     .subject("/id")
///     .email_verified(None)
///     .avatar("/avatar_url");
/// # let _ = mapping;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserInfoMapping {
    /// The stable account id (a string or an integer). Required in the answer.
    pub subject: String,
    /// The email address.
    pub email: Option<String>,
    /// The provider's own "email verified" boolean.
    pub email_verified: Option<String>,
    /// The display name.
    pub name: Option<String>,
    /// The avatar URL.
    pub avatar: Option<String>,
    /// The locale.
    pub locale: Option<String>,
}

impl Default for UserInfoMapping {
    fn default() -> Self {
        Self {
            subject: "/sub".into(),
            email: Some("/email".into()),
            email_verified: Some("/email_verified".into()),
            name: Some("/name".into()),
            avatar: Some("/picture".into()),
            locale: Some("/locale".into()),
        }
    }
}

impl UserInfoMapping {
    /// Sets [`subject`](Self::subject).
    pub fn subject(mut self, pointer: impl Into<String>) -> Self {
        self.subject = pointer.into();
        self
    }

    /// Sets [`email`](Self::email).
    pub fn email(mut self, pointer: Option<&str>) -> Self {
        self.email = pointer.map(str::to_owned);
        self
    }

    /// Sets [`email_verified`](Self::email_verified).
    pub fn email_verified(mut self, pointer: Option<&str>) -> Self {
        self.email_verified = pointer.map(str::to_owned);
        self
    }

    /// Sets [`name`](Self::name).
    pub fn name(mut self, pointer: impl Into<String>) -> Self {
        self.name = Some(pointer.into());
        self
    }

    /// Sets [`avatar`](Self::avatar).
    pub fn avatar(mut self, pointer: impl Into<String>) -> Self {
        self.avatar = Some(pointer.into());
        self
    }

    /// Sets [`locale`](Self::locale).
    pub fn locale(mut self, pointer: impl Into<String>) -> Self {
        self.locale = Some(pointer.into());
        self
    }

    /// Reads a profile out of `json`.
    pub fn apply(&self, provider: &str, json: Value) -> Result<ProviderProfile, LoginError> {
        let at = |pointer: &Option<String>| pointer.as_deref().and_then(|p| json.pointer(p));
        let subject = id_text(json.pointer(&self.subject)).ok_or(LoginError::InvalidProfile(
            "the userinfo answer has no subject",
        ))?;
        let email = text(at(&self.email));
        let email_verified = email.is_some() && is_true(at(&self.email_verified));
        let name = text(at(&self.name));
        let avatar_url = text(at(&self.avatar));
        let locale = text(at(&self.locale));
        let mut profile = ProviderProfile::new(provider, subject, Value::Null);
        profile.email = email;
        profile.email_verified = email_verified;
        profile.name = name;
        profile.avatar_url = avatar_url;
        profile.locale = locale;
        profile.raw = json;
        Ok(profile)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn maps_fields_and_requires_a_subject() {
        let mapping = UserInfoMapping::default()
            .subject("/data/id")
            .name("/data/login");
        let profile = mapping
            .apply(
                "forge",
                json!({"data": {"id": 7, "login": "kim"}, "email": "k@example.com",
                       "email_verified": "true"}),
            )
            .unwrap();
        assert_eq!(profile.subject, "7");
        assert_eq!(profile.name.as_deref(), Some("kim"));
        // a string "true" is not the provider's boolean signal
        assert!(!profile.email_verified);
        assert!(matches!(
            mapping.apply("forge", json!({"email": "k@example.com"})),
            Err(LoginError::InvalidProfile(_))
        ));
    }
}
