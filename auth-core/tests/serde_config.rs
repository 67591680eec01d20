//! Feature `serde` (issue 13, "configuration a host can load"): the config structs read from
//! a file or the environment through serde — figment, config-rs, envy, YAML, JSON — with
//! secure defaults for what is left out, and errors that name what is wrong.
#![cfg(feature = "serde")]

use std::time::Duration;

use auth_core::flows::{AuthConfig, RouteLimit, SignupMode, ThrottleLimit};
use auth_core::password::PasswordPolicy;
use auth_core::revocation::RevocationConfig;

const MINUTE: u64 = 60;
const DAY: u64 = 24 * 60 * MINUTE;

#[test]
fn a_partial_auth_config_keeps_the_secure_defaults_for_the_rest() {
    let config: AuthConfig = serde_json::from_str(
        r#"{
            "refresh_token_lifetime": "14d",
            "session_idle_timeout": 259200,
            "account_throttle": { "max_failures": 3, "window": "10m" },
            "password_policy": { "min_length": 12, "require_digit": true },
            "endpoint_limits": {
                "signup": { "max_requests": 100, "window": "1h" },
                "refresh": "insecure_unlimited"
            },
            "signup_mode": "enumeration_safe"
        }"#,
    )
    .unwrap();
    let default = AuthConfig::default();
    assert_eq!(config.refresh_token_lifetime, Duration::from_secs(14 * DAY));
    assert_eq!(config.session_idle_timeout, Duration::from_secs(3 * DAY));
    assert_eq!(
        config.account_throttle,
        ThrottleLimit::new(3, Duration::from_secs(10 * MINUTE))
    );
    assert_eq!(config.password_policy.min_length, 12);
    assert!(config.password_policy.require_digit);
    assert_eq!(
        config.password_policy.reject_common,
        PasswordPolicy::default().reject_common,
        "a policy field left out keeps its default"
    );
    assert_eq!(
        config.endpoint_limits.signup,
        RouteLimit::new(100, Duration::from_secs(3600))
    );
    assert_eq!(
        config.endpoint_limits.refresh,
        RouteLimit::insecure_unlimited()
    );
    assert_eq!(
        config.endpoint_limits.password_reset,
        default.endpoint_limits.password_reset
    );
    assert_eq!(config.signup_mode, SignupMode::EnumerationSafe);
    // Everything not written is the default.
    assert_eq!(config.ip_throttle, default.ip_throttle);
    assert_eq!(config.account_ceiling, default.account_ceiling);
    assert_eq!(config.refresh_reuse_grace, default.refresh_reuse_grace);
    assert_eq!(config.password_reset_ttl, default.password_reset_ttl);
    assert_eq!(
        config.link_social_by_verified_email,
        default.link_social_by_verified_email
    );

    let empty: AuthConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(empty.refresh_token_lifetime, default.refresh_token_lifetime);
    assert_eq!(empty.endpoint_limits, default.endpoint_limits);
}

#[test]
fn a_misspelt_setting_is_an_error_that_names_it_not_a_setting_ignored() {
    let error = serde_json::from_str::<AuthConfig>(r#"{ "refresh_token_lifetme": "1d" }"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("refresh_token_lifetme"), "{error}");
    let error = serde_json::from_str::<AuthConfig>(r#"{ "password_policy": { "min_lenght": 4 } }"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("min_lenght"), "{error}");
}

#[test]
fn a_bad_value_is_an_error_that_says_what_is_expected() {
    let error = serde_json::from_str::<AuthConfig>(r#"{ "password_reset_ttl": "soon" }"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("\"soon\""), "{error}");
    // A limit is lifted only by name: no empty, null or partial value does it.
    for written in [
        r#""""#,
        "null",
        r#"{ "max_requests": 5 }"#,
        r#""unlimited""#,
    ] {
        let json = format!(r#"{{ "endpoint_limits": {{ "signup": {written} }} }}"#);
        let error = serde_json::from_str::<AuthConfig>(&json)
            .unwrap_err()
            .to_string();
        assert!(error.contains("insecure_unlimited"), "{written}: {error}");
    }
    assert!(serde_json::from_str::<AuthConfig>(r#"{ "signup_mode": "open" }"#).is_err());
    assert!(
        serde_json::from_str::<AuthConfig>(r#"{ "account_throttle": { "max_failures": 3 } }"#)
            .is_err(),
        "a throttle limit needs both its count and its window"
    );
}

#[test]
fn the_revocation_cache_settings_read_the_same_way() {
    let config: RevocationConfig =
        serde_json::from_str(r#"{ "max_staleness": "0s", "cache_capacity": 500 }"#).unwrap();
    assert_eq!(config.max_staleness, Duration::ZERO);
    assert_eq!(config.cache_capacity, 500);
    let default: RevocationConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(
        default.max_staleness,
        RevocationConfig::default().max_staleness
    );
}

#[test]
fn the_totp_settings_read_the_same_way_and_validate() {
    use auth_core::mfa::{TotpConfig, TotpError};
    let config: TotpConfig =
        serde_json::from_str(r#"{ "issuer": "Acme", "step": "60s", "digits": 8 }"#).unwrap();
    assert_eq!(config.issuer, "Acme");
    assert_eq!(config.step, Duration::from_secs(60));
    assert_eq!((config.digits, config.skew), (8, 1));
    assert_eq!(config.validate(), Ok(()));
    let default: TotpConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(default, TotpConfig::default());
    assert!(serde_json::from_str::<TotpConfig>(r#"{ "algorithm": "SHA256" }"#).is_err());
    let weak: TotpConfig = serde_json::from_str(r#"{ "skew": 10 }"#).unwrap();
    assert!(matches!(weak.validate(), Err(TotpError::InvalidConfig(_))));
}

#[test]
fn the_authorization_server_config_needs_its_issuer_and_keeps_the_rest_s_defaults() {
    use auth_core::oauth_server::OAuthServerConfig;
    let config: OAuthServerConfig = serde_json::from_str(
        r#"{
            "issuer": "https://auth.example",
            "audience": "https://api.example",
            "supported_scopes": "openid read:profile",
            "code_ttl": "2m",
            "endpoints": { "token": "/token" },
            "userinfo_scopes": { "groups": "read:groups" }
        }"#,
    )
    .unwrap();
    let default = OAuthServerConfig::new("https://auth.example", "https://api.example");
    assert_eq!(config.code_ttl, Duration::from_secs(120));
    assert_eq!(config.access_token_ttl, default.access_token_ttl);
    assert!(config.supported_scopes.contains("read:profile"));
    assert_eq!(config.endpoints.token, "/token");
    assert_eq!(
        config.endpoints.authorization,
        default.endpoints.authorization
    );
    assert!(config.userinfo_scopes.groups.contains("read:groups"));
    assert_eq!(
        config.userinfo_scopes.access,
        default.userinfo_scopes.access
    );
    config.validate().unwrap();

    let missing = serde_json::from_str::<OAuthServerConfig>(r#"{ "audience": "a" }"#)
        .unwrap_err()
        .to_string();
    assert!(missing.contains("issuer"), "{missing}");
    let misspelt = serde_json::from_str::<OAuthServerConfig>(
        r#"{ "issuer": "https://a", "audience": "b", "code_tll": "1m" }"#,
    )
    .unwrap_err()
    .to_string();
    assert!(misspelt.contains("code_tll"), "{misspelt}");
}

#[test]
fn a_verifier_config_spells_its_insecure_switch_out() {
    use auth_core::token::VerifierConfig;
    let config: VerifierConfig = serde_json::from_str(
        r#"{ "issuer": "https://idp.example", "audience": "api", "leeway": "5s" }"#,
    )
    .unwrap();
    assert_eq!(config.leeway, Duration::from_secs(5));
    assert_eq!(
        config.max_token_bytes,
        VerifierConfig::DEFAULT_MAX_TOKEN_BYTES
    );
    assert!(!config.accepts_jwt_typ());
    let lenient: VerifierConfig = serde_json::from_str(
        r#"{ "issuer": "https://idp.example", "audience": "api", "dangerous_accept_jwt_typ": true }"#,
    )
    .unwrap();
    assert!(lenient.accepts_jwt_typ());
    assert!(
        serde_json::from_str::<VerifierConfig>(
            r#"{ "issuer": "i", "audience": "a", "accept_jwt_typ": true }"#
        )
        .is_err(),
        "the switch is only ever spelt with its warning"
    );
}
