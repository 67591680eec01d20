//! Reading the userinfo answers of Kakao, Naver, Discord and GitHub into a
//! [`ProviderProfile`], each by its own rules for the subject and a verified email.

use serde_json::Value;
use url::Url;

use crate::error::LoginError;
use crate::profile::{ProviderProfile, id_text, is_true, text};

/// Kakao `/v2/user/me`: `id` (number), `kakao_account.email`, `is_email_valid`,
/// `is_email_verified`, `profile.nickname`, `profile.profile_image_url`.
pub(crate) fn kakao_profile(provider: &str, json: Value) -> Result<ProviderProfile, LoginError> {
    let subject = id_text(json.get("id"))
        .ok_or(LoginError::InvalidProfile("Kakao answered without an id"))?;
    let account = json.get("kakao_account");
    let field = |name: &str| account.and_then(|account| account.get(name));
    let kakao_profile = field("profile");
    let email = text(field("email"));
    let mut profile = ProviderProfile::new(provider, subject, Value::Null);
    // Kakao's email counts as verified only when it is both valid (still the account's) and
    // verified.
    profile.email_verified =
        email.is_some() && is_true(field("is_email_valid")) && is_true(field("is_email_verified"));
    profile.email = email;
    profile.name = text(kakao_profile.and_then(|p| p.get("nickname")))
        .or_else(|| text(json.pointer("/properties/nickname")));
    profile.avatar_url = text(kakao_profile.and_then(|p| p.get("profile_image_url")))
        .or_else(|| text(json.pointer("/properties/profile_image")));
    profile.raw = json;
    Ok(profile)
}

/// Naver `/v1/nid/me`: `{"resultcode":"00","message":"success","response":{…}}`. Naver gives
/// no email-verified signal: the email is reported unverified.
pub(crate) fn naver_profile(provider: &str, json: Value) -> Result<ProviderProfile, LoginError> {
    if json.get("resultcode").and_then(Value::as_str) != Some("00") {
        return Err(LoginError::InvalidProfile(
            "Naver answered with an error resultcode",
        ));
    }
    let response = json.get("response").ok_or(LoginError::InvalidProfile(
        "Naver answered without a response",
    ))?;
    let subject = id_text(response.get("id"))
        .ok_or(LoginError::InvalidProfile("Naver answered without an id"))?;
    let mut profile = ProviderProfile::new(provider, subject, Value::Null);
    profile.email = text(response.get("email"));
    profile.name = text(response.get("name")).or_else(|| text(response.get("nickname")));
    profile.avatar_url = text(response.get("profile_image"));
    profile.raw = json;
    Ok(profile)
}

/// Discord `/users/@me`: `id` (string snowflake), `email`, `verified`, `global_name`,
/// `username`, `avatar` (a hash on the CDN), `locale`.
pub(crate) fn discord_profile(
    provider: &str,
    json: Value,
    avatar_base: Option<&Url>,
) -> Result<ProviderProfile, LoginError> {
    let subject = id_text(json.get("id"))
        .ok_or(LoginError::InvalidProfile("Discord answered without an id"))?;
    let mut profile = ProviderProfile::new(provider, subject.clone(), Value::Null);
    profile.email = text(json.get("email"));
    profile.email_verified = profile.email.is_some() && is_true(json.get("verified"));
    profile.name = text(json.get("global_name")).or_else(|| text(json.get("username")));
    profile.locale = text(json.get("locale"));
    profile.avatar_url = match (text(json.get("avatar")), avatar_base) {
        (Some(hash), Some(base))
            if hash.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && subject.chars().all(|c| c.is_ascii_digit()) =>
        {
            let extension = if hash.starts_with("a_") { "gif" } else { "png" };
            base.join(&format!("avatars/{subject}/{hash}.{extension}"))
                .ok()
                .map(String::from)
        }
        _ => None,
    };
    profile.raw = json;
    Ok(profile)
}

/// GitHub `/user` (`id` number, `login`, `name`, `avatar_url`, public `email`) and
/// `/user/emails` (`[{email, primary, verified}]`): only a primary, verified address is
/// reported verified.
pub(crate) fn github_profile(
    provider: &str,
    user: Value,
    emails: Option<Value>,
) -> Result<ProviderProfile, LoginError> {
    let subject = id_text(user.get("id"))
        .ok_or(LoginError::InvalidProfile("GitHub answered without an id"))?;
    let mut profile = ProviderProfile::new(provider, subject, Value::Null);
    profile.name = text(user.get("name")).or_else(|| text(user.get("login")));
    profile.avatar_url = text(user.get("avatar_url"));
    let list = emails.as_ref().and_then(Value::as_array);
    let primary = list.and_then(|list| list.iter().find(|entry| is_true(entry.get("primary"))));
    match primary {
        Some(entry) if is_true(entry.get("verified")) => {
            profile.email = text(entry.get("email"));
            profile.email_verified = profile.email.is_some();
        }
        Some(entry) => profile.email = text(entry.get("email")),
        None => profile.email = text(user.get("email")),
    }
    profile.raw = serde_json::json!({ "user": user, "emails": emails });
    Ok(profile)
}
