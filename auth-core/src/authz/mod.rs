//! Authorization: roles, permissions, plan tiers with a host-defined order, OAuth scopes and
//! tenants — all read from verified access-token claims.
//!
//! A [`Requirement`] is checked against [`Claims`](crate::token::Claims) and refuses with a
//! typed [`Forbidden`], which maps to RFC 6750 `insufficient_scope` (HTTP 403). Checks fail
//! closed: a missing claim, an unknown plan or an empty permission list never grants access.

mod plan;
mod requirement;

pub use plan::PlanTiers;
pub use requirement::{Forbidden, Requirement, StepUp};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use crate::token::AuthMethod;
    use crate::token::{
        AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Algorithm, Claims,
        IssuerConfig, KeySet, Scope, SigningKey, VerifierConfig,
    };
    use crate::{BearerErrorCode, ToBearerError};
    use std::sync::Arc;
    use std::time::Duration;

    fn claims(request: AccessTokenRequest) -> Claims {
        let keys = KeySet::new(SigningKey::hmac("k", Algorithm::HS256, &[7; 32]).unwrap());
        let clock = Arc::new(ManualClock::at_unix(1_800_000_000));
        let issuer =
            AccessTokenIssuer::with_clock(IssuerConfig::new("i", "a"), &keys, clock.clone());
        let verifier =
            AccessTokenVerifier::new(VerifierConfig::new("i", "a"), &keys).with_clock(clock);
        let token = issuer.issue(&request).unwrap().token;
        verifier.verify(token.secret()).unwrap()
    }

    fn seed_002_tiers() -> PlanTiers {
        PlanTiers::new(["free", "pro", "studio", "enterprise"])
    }

    #[test]
    fn plan_order_follows_the_host() {
        let tiers = seed_002_tiers();
        for (held, required, expected) in [
            ("free", "free", true),
            ("pro", "free", true),
            ("enterprise", "studio", true),
            ("pro", "studio", false),
            ("free", "enterprise", false),
        ] {
            let claims = claims(AccessTokenRequest::new("u").plan(held));
            let outcome = Requirement::plan_at_least(&tiers, required).check(&claims);
            assert_eq!(outcome.is_ok(), expected, "{held} >= {required}");
        }
    }

    #[test]
    fn plan_checks_fail_closed() {
        let tiers = seed_002_tiers();
        let no_plan = claims(AccessTokenRequest::new("u"));
        assert_eq!(
            Requirement::plan_at_least(&tiers, "free").check(&no_plan),
            Err(Forbidden::PlanTooLow("free".into()))
        );
        let unknown = claims(AccessTokenRequest::new("u").plan("platinum"));
        assert!(
            Requirement::plan_at_least(&tiers, "free")
                .check(&unknown)
                .is_err()
        );
        let pro = claims(AccessTokenRequest::new("u").plan("pro"));
        assert!(
            Requirement::plan_at_least(&tiers, "gold")
                .check(&pro)
                .is_err()
        );
        assert_eq!(
            PlanTiers::new(["a", "b", "a"]).tiers().collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn roles_and_permissions() {
        let c = claims(
            AccessTokenRequest::new("u")
                .roles(["editor"])
                .permissions(["post:read", "post:write"]),
        );
        assert!(Requirement::role("editor").check(&c).is_ok());
        assert_eq!(
            Requirement::role("admin").check(&c),
            Err(Forbidden::MissingRole("admin".into()))
        );
        assert!(
            Requirement::any_permission(["x", "post:read"])
                .check(&c)
                .is_ok()
        );
        assert!(Requirement::any_permission(["x", "y"]).check(&c).is_err());
        assert!(
            Requirement::any_permission(Vec::<String>::new())
                .check(&c)
                .is_err()
        );
        assert!(
            Requirement::all_permissions(["post:read", "post:write"])
                .check(&c)
                .is_ok()
        );
        assert_eq!(
            Requirement::all_permissions(["post:read", "post:delete"]).check(&c),
            Err(Forbidden::MissingAllPermissions(vec![
                "post:read".into(),
                "post:delete".into()
            ]))
        );
    }

    #[test]
    fn scope_and_tenant() {
        let c = claims(
            AccessTokenRequest::new("u")
                .scope(Scope::new(["read:profile", "read:groups"]))
                .tenant("t-1"),
        );
        assert!(Requirement::scope("read:groups").check(&c).is_ok());
        assert_eq!(
            Requirement::scope("manage:workflows").check(&c),
            Err(Forbidden::MissingScope("manage:workflows".into()))
        );
        assert!(
            Requirement::scope("read").check(&c).is_err(),
            "no prefix match"
        );
        assert!(Requirement::tenant("t-1").check(&c).is_ok());
        assert_eq!(
            Requirement::tenant("t-2").check(&c),
            Err(Forbidden::WrongTenant)
        );
        let no_tenant = claims(AccessTokenRequest::new("u"));
        assert_eq!(
            Requirement::tenant("t-1").check(&no_tenant),
            Err(Forbidden::WrongTenant)
        );
    }

    #[test]
    fn every_refusal_is_insufficient_scope() {
        assert_eq!(
            Forbidden::MissingRole("a".into()).bearer_error(),
            Some(BearerErrorCode::InsufficientScope)
        );
        assert_eq!(
            Forbidden::WrongTenant
                .bearer_error()
                .map(BearerErrorCode::http_status),
            Some(403)
        );
    }

    /// The time `claims` uses: tokens are issued at 1 800 000 000.
    fn at(unix: u64) -> std::time::SystemTime {
        std::time::UNIX_EPOCH + Duration::from_secs(unix)
    }

    #[test]
    fn step_up_refuses_a_sign_in_older_than_its_window_rfc9470() {
        let signed_in = claims(AccessTokenRequest::new("u").assurance(
            at(1_800_000_000 - 600),
            AuthMethod::amr(["pwd"]),
            None,
        ));
        let fresh = Requirement::authenticated_within(Duration::from_secs(900));
        assert!(fresh.check_at(&signed_in, at(1_800_000_000)).is_ok());
        let window = Requirement::authenticated_within(Duration::from_secs(300));
        let refused = window.check_at(&signed_in, at(1_800_000_000)).unwrap_err();
        assert_eq!(
            refused.bearer_error(),
            Some(BearerErrorCode::InsufficientUserAuthentication)
        );
        assert_eq!(
            refused.step_up().and_then(|step_up| step_up.max_age),
            Some(300)
        );
        // At exactly the window's edge it still passes; one second later it does not.
        assert!(window.check_at(&signed_in, at(1_800_000_000 - 300)).is_ok());
        assert!(
            window
                .check_at(&signed_in, at(1_800_000_000 - 299))
                .is_err()
        );
    }

    #[test]
    fn step_up_fails_closed_without_auth_time_or_with_a_future_one() {
        let window = Requirement::authenticated_within(Duration::from_secs(300));
        let none = claims(AccessTokenRequest::new("u"));
        assert!(window.check_at(&none, at(1_800_000_000)).is_err());
        let future =
            claims(AccessTokenRequest::new("u").assurance(at(1_800_000_100), Vec::new(), None));
        assert!(window.check_at(&future, at(1_800_000_000)).is_err());
    }

    #[test]
    fn multi_factor_needs_mfa_in_amr() {
        let password = claims(AccessTokenRequest::new("u").assurance(
            at(1_800_000_000),
            AuthMethod::amr(["pwd"]),
            None,
        ));
        let second_factor = claims(AccessTokenRequest::new("u").assurance(
            at(1_800_000_000),
            AuthMethod::amr(["pwd", "otp"]),
            Some("urn:example:mfa".into()),
        ));
        let required = Requirement::MultiFactor {
            acr: Some("urn:example:mfa".into()),
        };
        assert!(required.check(&second_factor).is_ok());
        let refused = required.check(&password).unwrap_err();
        assert_eq!(
            refused
                .step_up()
                .and_then(|step_up| step_up.acr_values.clone()),
            Some("urn:example:mfa".into())
        );
        assert!(
            Requirement::acr_one_of(["urn:example:mfa"])
                .check(&second_factor)
                .is_ok()
        );
        assert!(
            Requirement::acr_one_of(["urn:example:mfa"])
                .check(&password)
                .is_err()
        );
    }
}
