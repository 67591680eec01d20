//! The OAuth 2.0 / OpenID Connect authorization server, end to end on the in-memory stores:
//! the whole flow, and one test per rule of issue 8's acceptance list.

mod oauth_support;

use std::sync::Arc;

use auth_core::flows::Stores;
use auth_core::jsonwebtoken::{self, DecodingKey, Validation};
use auth_core::oauth_server::{
    AuthorizeOutcome, AuthorizeRequest, CLIENT_AUTH_CHALLENGE, ClientCredentials,
    ClientRegistration, FormPostResponse, OAuthConfigError, OAuthError, OAuthErrorCode,
    OAuthServer, OAuthStores, RegistrationError, TokenRequest, UserInfoError, sign_in_continuation,
};
use auth_core::opaque::TokenHash;
use auth_core::store::{AuditKind, RevokeReason, SessionStore as _, UserStore as _};
use auth_core::token::{Algorithm, KeySet, SigningKey};
use auth_core::{Clock, ManualClock, ToBearerError};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_support::*;
use sha2::{Digest as _, Sha256};

/// Form fields of a token request.
type Form<'a> = Vec<(&'a str, &'a str)>;

fn assert_invalid_grant(result: Result<impl std::fmt::Debug, OAuthError>, why: &str) {
    match result {
        Err(error @ OAuthError::InvalidGrant(_)) => {
            assert_eq!(error.status_code(), 400, "{why}");
            assert_eq!(error.body().error, "invalid_grant", "{why}");
        }
        other => panic!("{why}: expected invalid_grant, got {other:?}"),
    }
}

fn assert_redirect_error(outcome: AuthorizeOutcome, code: OAuthErrorCode) -> String {
    let redirect = expect_redirect(outcome);
    assert_eq!(redirect.error(), Some(code), "{}", redirect.location());
    let location = redirect.location().to_owned();
    assert_eq!(param(&location, "error").as_deref(), Some(code.as_str()));
    assert_eq!(
        param(&location, "iss").as_deref(),
        Some(ISSUER),
        "RFC 9207: iss in every response"
    );
    assert_eq!(
        param(&location, "code"),
        None,
        "an error redirect carries no code"
    );
    location
}

fn verify_id_token(h: &Harness, id_token: &str, audience: &str) -> serde_json::Value {
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let kid = header.kid.expect("id_token names its key");
    let jwk = h.server.jwks().find(&kid).expect("the key is in the JWKS");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[ISSUER]);
    jsonwebtoken::decode::<serde_json::Value>(id_token, &key, &validation)
        .expect("the id_token verifies against the published JWKS")
        .claims
}

// ----------------------------------------------------------------------------------------
// The whole flow
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn full_flow_authorize_consent_token_id_token_userinfo_refresh_revoke_introspect() {
    let h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let scope = "openid profile email read:groups";
    let mut pairs = authorize_pairs("workflow-studio", REDIRECT, &challenge, scope);
    pairs.push(("nonce", "n-0S6_WzA2Mj"));

    // Not signed in: the login page.
    match h.authorize(&pairs, None).await {
        AuthorizeOutcome::LoginRequired(prompt) => {
            assert_eq!(prompt.client_name, "Workflow studio");
        }
        other => panic!("expected the login page, got {other:?}"),
    }
    // Signed in, third-party client, no consent yet: the consent page.
    let owner = h.owner();
    match h.authorize(&pairs, Some(&owner)).await {
        AuthorizeOutcome::ConsentRequired(prompt) => {
            assert_eq!(prompt.scope.as_str(), scope);
            assert_eq!(prompt.client_id, "workflow-studio");
        }
        other => panic!("expected the consent page, got {other:?}"),
    }
    // Approved: a code, state echoed, iss present.
    let request = AuthorizeRequest::from_query_pairs(pairs.iter().copied());
    let redirect = expect_redirect(
        h.server
            .decide_consent(&request, &owner, true)
            .await
            .unwrap(),
    );
    let location = redirect.location();
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=")),
        "{location}"
    );
    assert_eq!(param(location, "state").as_deref(), Some("st@te 1"));
    assert_eq!(param(location, "iss").as_deref(), Some(ISSUER));
    assert!(
        !format!("{redirect:?}").contains(&code_of(&redirect)),
        "Debug hides the code"
    );
    let code = code_of(&redirect);
    // Consent is remembered: the next request goes straight to a code.
    let again = expect_redirect(h.authorize(&pairs, Some(&owner)).await);
    assert_eq!(again.error(), None);

    h.advance(3);
    let tokens = h
        .exchange(&code, &verifier, REDIRECT, Some(h.basic()), &[])
        .await
        .unwrap();
    assert_eq!(tokens.scope.as_str(), scope);
    let body = serde_json::to_value(&tokens).unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["scope"], scope);
    assert!(body["refresh_token"].is_string() && body["id_token"].is_string());
    let shown = format!("{tokens:?}");
    assert!(!shown.contains(tokens.access_token.token.secret()));
    assert!(!shown.contains(tokens.refresh_token.secret()));

    // The id_token: signed by the JWKS key, for this client, with nonce, at_hash, auth_time.
    let id_token = tokens.id_token.as_ref().unwrap().secret();
    let claims = verify_id_token(&h, id_token, "workflow-studio");
    assert_eq!(claims["sub"], h.user.id.to_string());
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(
        claims["auth_time"],
        owner
            .auth_time
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    );
    let digest = Sha256::digest(tokens.access_token.token.secret().as_bytes());
    assert_eq!(claims["at_hash"], URL_SAFE_NO_PAD.encode(&digest[..16]));

    // The access token: client_id, scope and sid, for the resource servers' audience.
    let introspection = h
        .server
        .introspect(
            &h.credentials(),
            Some(tokens.access_token.token.secret()),
            None,
        )
        .await
        .unwrap();
    assert!(introspection.active);
    assert_eq!(introspection.client_id.as_deref(), Some("workflow-studio"));
    assert_eq!(introspection.scope.as_deref(), Some(scope));
    assert_eq!(introspection.sid, Some(tokens.session_id.to_string()));

    // Userinfo releases what the scope allows.
    let info = h
        .server
        .userinfo(tokens.access_token.token.secret())
        .await
        .unwrap();
    assert_eq!(info.sub, h.user.id.to_string());
    assert_eq!(info.email.as_deref(), Some("kim@example.com"));
    assert_eq!(info.email_verified, Some(true));
    assert_eq!(info.name.as_deref(), Some("Kim"));
    assert_eq!(info.groups, Some(vec!["editors".to_owned()]));

    // Refresh: rotated.
    h.advance(60);
    let refreshed = h
        .refresh(tokens.refresh_token.secret(), Some(h.basic()), &[])
        .await
        .unwrap();
    assert_ne!(
        refreshed.refresh_token.secret(),
        tokens.refresh_token.secret()
    );
    assert_eq!(refreshed.session_id, tokens.session_id);
    assert!(
        refreshed.id_token.is_some(),
        "openid scope: an id_token at refresh too"
    );
    assert!(h.introspect_active(refreshed.refresh_token.secret()).await);
    assert!(
        !h.introspect_active(tokens.refresh_token.secret()).await,
        "the old one is rotated"
    );

    // Revoke the refresh token: the grant ends, and so do its access tokens.
    h.server
        .revoke(
            &h.credentials(),
            Some(refreshed.refresh_token.secret()),
            Some("refresh_token"),
        )
        .await
        .unwrap();
    assert!(!h.introspect_active(refreshed.refresh_token.secret()).await);
    assert!(
        !h.introspect_active(refreshed.access_token.token.secret())
            .await
    );
    let inactive = h
        .server
        .introspect(
            &h.credentials(),
            Some(refreshed.access_token.token.secret()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&inactive).unwrap(),
        serde_json::json!({"active": false})
    );
    assert!(matches!(
        h.server
            .userinfo(refreshed.access_token.token.secret())
            .await,
        Err(UserInfoError::InvalidToken)
    ));
    assert_invalid_grant(
        h.refresh(refreshed.refresh_token.secret(), Some(h.basic()), &[])
            .await,
        "a revoked grant cannot be refreshed",
    );
    assert_eq!(h.events(AuditKind::OAuthConsentGranted).await, 1);
    assert_eq!(h.events(AuditKind::OAuthCodeExchanged).await, 1);
    assert_eq!(h.events(AuditKind::OAuthTokenRevoked).await, 1);
}

#[tokio::test]
async fn public_first_party_client_needs_no_secret_and_no_consent() {
    let h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let pairs = authorize_pairs(
        "dashboard",
        PUBLIC_REDIRECT,
        &challenge,
        "openid read:profile",
    );
    let code = code_of(&expect_redirect(
        h.authorize(&pairs, Some(&h.owner())).await,
    ));
    let tokens = h
        .exchange(
            &code,
            &verifier,
            PUBLIC_REDIRECT,
            None,
            &[("client_id", "dashboard")],
        )
        .await
        .unwrap();
    let claims = verify_id_token(&h, tokens.id_token.as_ref().unwrap().secret(), "dashboard");
    assert!(claims.get("nonce").is_none(), "no nonce asked, none echoed");
    // A public client cannot introspect.
    let public = ClientCredentials::new(None, Some("dashboard".into()), None);
    assert!(matches!(
        h.server
            .introspect(&public, Some(tokens.access_token.token.secret()), None)
            .await,
        Err(OAuthError::InvalidClient)
    ));
    // But it can refresh and revoke with its client_id.
    let next = h
        .refresh(
            tokens.refresh_token.secret(),
            None,
            &[("client_id", "dashboard")],
        )
        .await
        .unwrap();
    h.server
        .revoke(&public, Some(next.refresh_token.secret()), None)
        .await
        .unwrap();
    assert!(!h.introspect_active(next.access_token.token.secret()).await);
}

// ----------------------------------------------------------------------------------------
// PKCE
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn pkce_is_mandatory_and_s256_only() {
    let h = Harness::new().await;
    let owner = h.owner();
    let (_, challenge) = pkce();
    let base = authorize_pairs("dashboard", PUBLIC_REDIRECT, &challenge, "openid");
    let without = |names: &[&str]| -> Vec<(&str, &str)> {
        base.iter()
            .copied()
            .filter(|(name, _)| !names.contains(name))
            .collect()
    };

    // Missing challenge, missing method (which RFC 7636 reads as `plain`), both missing.
    for pairs in [
        without(&["code_challenge"]),
        without(&["code_challenge_method"]),
        without(&["code_challenge", "code_challenge_method"]),
    ] {
        let location = assert_redirect_error(
            h.authorize(&pairs, Some(&owner)).await,
            OAuthErrorCode::InvalidRequest,
        );
        assert_eq!(
            param(&location, "state").as_deref(),
            Some("st@te 1"),
            "state echoed on errors"
        );
    }
    // `plain`, and other methods.
    for method in ["plain", "s256", "S512"] {
        let mut pairs = without(&["code_challenge_method"]);
        pairs.push(("code_challenge_method", method));
        assert_redirect_error(
            h.authorize(&pairs, Some(&owner)).await,
            OAuthErrorCode::InvalidRequest,
        );
    }
    // A challenge that cannot be an S256 output (a `plain` verifier, say).
    let mut pairs = without(&["code_challenge"]);
    pairs.push(("code_challenge", "short-plain-verifier"));
    assert_redirect_error(
        h.authorize(&pairs, Some(&owner)).await,
        OAuthErrorCode::InvalidRequest,
    );
    assert_eq!(
        h.events(AuditKind::OAuthCodeIssued).await,
        0,
        "no code was issued"
    );
}

#[tokio::test]
async fn wrong_or_missing_verifier_is_invalid_grant_and_burns_the_code() {
    let h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let (other_verifier, _) = pkce();

    let code = h.code(&challenge, "openid", None).await;
    assert_invalid_grant(
        h.exchange(&code, &other_verifier, REDIRECT, Some(h.basic()), &[])
            .await,
        "a verifier of another challenge",
    );
    // The code is spent: the right verifier now finds a replay.
    assert_invalid_grant(
        h.exchange(&code, &verifier, REDIRECT, Some(h.basic()), &[])
            .await,
        "a code is single-use even when its first use failed",
    );

    let code = h.code(&challenge, "openid", None).await;
    let request = TokenRequest::from_form_pairs(
        [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ],
        Some(h.basic()),
    );
    assert_invalid_grant(h.server.token(&request).await, "no verifier");

    // `plain`: presenting the challenge itself as the verifier.
    let code = h.code(&challenge, "openid", None).await;
    assert_invalid_grant(
        h.exchange(&code, &challenge, REDIRECT, Some(h.basic()), &[])
            .await,
        "the challenge as verifier (plain)",
    );
}

// ----------------------------------------------------------------------------------------
// Codes
// ----------------------------------------------------------------------------------------

// RFC 6749 §4.1.2: a code used twice is refused, and what it issued is revoked.
#[tokio::test]
async fn code_replay_is_refused_and_revokes_the_tokens_it_issued() {
    let h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let code = h.code(&challenge, "openid read:profile", None).await;
    let tokens = h
        .exchange(&code, &verifier, REDIRECT, Some(h.basic()), &[])
        .await
        .unwrap();
    assert!(
        h.introspect_active(tokens.access_token.token.secret())
            .await
    );

    h.advance(5);
    assert_invalid_grant(
        h.exchange(&code, &verifier, REDIRECT, Some(h.basic()), &[])
            .await,
        "the replayed code",
    );
    let session = h
        .memory
        .sessions
        .session(tokens.session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        session.revoke_reason,
        Some(RevokeReason::AuthorizationCodeReplay)
    );
    assert!(
        !h.introspect_active(tokens.access_token.token.secret())
            .await
    );
    assert!(!h.introspect_active(tokens.refresh_token.secret()).await);
    assert!(matches!(
        h.server.userinfo(tokens.access_token.token.secret()).await,
        Err(UserInfoError::InvalidToken)
    ));
    assert_invalid_grant(
        h.refresh(tokens.refresh_token.secret(), Some(h.basic()), &[])
            .await,
        "the refresh token of a replayed code",
    );
    assert_eq!(h.events(AuditKind::OAuthCodeReplay).await, 1);
}

#[tokio::test]
async fn expired_code_is_invalid_grant() {
    let h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let code = h.code(&challenge, "openid", None).await;
    h.advance(600); // the 10-minute lifetime, exactly
    assert_invalid_grant(
        h.exchange(&code, &verifier, REDIRECT, Some(h.basic()), &[])
            .await,
        "a code at its expiry",
    );
    let code = h.code(&challenge, "openid", None).await;
    h.advance(599);
    assert!(
        h.exchange(&code, &verifier, REDIRECT, Some(h.basic()), &[])
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn code_of_another_client_is_invalid_grant() {
    let h = Harness::new().await;
    let (other, other_secret) = h
        .server
        .register_client(
            ClientRegistration::confidential("Other")
                .client_id("other")
                .redirect_uri(REDIRECT)
                .scopes("openid"),
        )
        .await
        .unwrap();
    let other_basic = basic(&other.client_id, other_secret.unwrap().secret());
    let (verifier, challenge) = pkce();
    let code = h.code(&challenge, "openid", None).await;
    assert_invalid_grant(
        h.exchange(&code, &verifier, REDIRECT, Some(other_basic), &[])
            .await,
        "a code issued to another client",
    );
    assert_invalid_grant(
        h.exchange(&code, &verifier, REDIRECT, Some(h.basic()), &[])
            .await,
        "the code is burnt by the attempt",
    );
}

#[tokio::test]
async fn redirect_uri_must_be_repeated_exactly_at_the_token_endpoint() {
    let h = Harness::new().await;
    let (verifier, challenge) = pkce();
    for presented in [
        Some("https://app.example.com/cb/"),
        Some("https://app.example.com/other"),
        None,
    ] {
        let code = h.code(&challenge, "openid", None).await;
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", verifier.as_str()),
        ];
        if let Some(uri) = presented {
            pairs.push(("redirect_uri", uri));
        }
        let result = h
            .server
            .token(&TokenRequest::from_form_pairs(pairs, Some(h.basic())))
            .await;
        assert_invalid_grant(result, &format!("redirect_uri {presented:?}"));
    }
}

// ----------------------------------------------------------------------------------------
// Redirect URIs and clients at the authorization endpoint
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn redirect_uri_variants_get_an_error_page_never_a_redirect() {
    let h = Harness::new().await;
    let owner = h.owner();
    let (_, challenge) = pkce();
    for variant in [
        "https://app.example.com/cb/",     // trailing slash
        "https://app.example.com/cb?x",    // added query
        "https://app.example.com/cb?",     // empty query
        "https://app.example.com/CB",      // path case
        "https://APP.example.com/cb",      // host case
        "HTTPS://app.example.com/cb",      // scheme case
        "https://app.example.com/cb/..;/", // path traversal / matrix tricks
        "https://app.example.com/cb/../cb",
        "https://app.example.com/cb%2F",
        "https://app.example.com@evil.example/cb", // user-info trick
        "https://evil.example/@app.example.com/cb",
        "https://evil.example/cb?https://app.example.com/cb",
        "http://app.example.com/cb",      // http instead of https
        "https://app.example.com:443/cb", // explicit default port
        "https://app.example.com/cb#frag",
        "https://app.example.com/cb ",
        "",
    ] {
        let pairs = authorize_pairs("workflow-studio", variant, &challenge, "openid");
        match h.authorize(&pairs, Some(&owner)).await {
            AuthorizeOutcome::ErrorPage(page) => {
                assert_eq!(page.error, OAuthErrorCode::InvalidRequest, "{variant:?}");
            }
            other => panic!("{variant:?} must get the error page, got {other:?}"),
        }
    }
    // Missing redirect_uri: the error page too.
    let pairs: Vec<_> = authorize_pairs("workflow-studio", REDIRECT, &challenge, "openid")
        .into_iter()
        .filter(|(name, _)| *name != "redirect_uri")
        .collect();
    assert!(matches!(
        h.authorize(&pairs, Some(&owner)).await,
        AuthorizeOutcome::ErrorPage(_)
    ));
    // Another client's registered URI is not this client's.
    let pairs = authorize_pairs("workflow-studio", PUBLIC_REDIRECT, &challenge, "openid");
    assert!(matches!(
        h.authorize(&pairs, Some(&owner)).await,
        AuthorizeOutcome::ErrorPage(_)
    ));
    assert_eq!(h.events(AuditKind::OAuthCodeIssued).await, 0);
}

#[tokio::test]
async fn unknown_or_missing_client_gets_an_error_page() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    for client_id in ["nobody", "WORKFLOW-STUDIO", ""] {
        let pairs = authorize_pairs(client_id, REDIRECT, &challenge, "openid");
        match h.authorize(&pairs, Some(&h.owner())).await {
            AuthorizeOutcome::ErrorPage(_) => {}
            other => panic!("{client_id:?}: expected the error page, got {other:?}"),
        }
    }
    // A repeated parameter could smuggle a second redirect_uri past a proxy: error page.
    let mut pairs = authorize_pairs("workflow-studio", REDIRECT, &challenge, "openid");
    pairs.push(("redirect_uri", "https://evil.example/cb"));
    assert!(matches!(
        h.authorize(&pairs, Some(&h.owner())).await,
        AuthorizeOutcome::ErrorPage(_)
    ));
}

#[tokio::test]
async fn response_type_token_is_unsupported() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    for response_type in ["token", "id_token", "code token", "code id_token"] {
        let mut pairs: Vec<_> = authorize_pairs("workflow-studio", REDIRECT, &challenge, "openid")
            .into_iter()
            .filter(|(name, _)| *name != "response_type")
            .collect();
        pairs.push(("response_type", response_type));
        assert_redirect_error(
            h.authorize(&pairs, Some(&h.owner())).await,
            OAuthErrorCode::UnsupportedResponseType,
        );
    }
}

#[tokio::test]
async fn scopes_beyond_the_client_are_invalid_scope() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    for scope in ["", "admin", "openid manage:workflows"] {
        // The public client may not ask for manage:workflows; nobody may ask for admin.
        let pairs = authorize_pairs("dashboard", PUBLIC_REDIRECT, &challenge, scope);
        assert_redirect_error(
            h.authorize(&pairs, Some(&h.owner())).await,
            OAuthErrorCode::InvalidScope,
        );
    }
}

#[tokio::test]
async fn oversized_state_is_refused_without_being_echoed() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    let long = "s".repeat(1025);
    let mut pairs: Vec<_> = authorize_pairs("dashboard", PUBLIC_REDIRECT, &challenge, "openid")
        .into_iter()
        .filter(|(name, _)| *name != "state")
        .collect();
    pairs.push(("state", &long));
    let location = assert_redirect_error(
        h.authorize(&pairs, Some(&h.owner())).await,
        OAuthErrorCode::InvalidRequest,
    );
    assert_eq!(param(&location, "state"), None);
}

// ----------------------------------------------------------------------------------------
// prompt
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn prompt_none_answers_without_any_page() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    let mut pairs = authorize_pairs(
        "workflow-studio",
        REDIRECT,
        &challenge,
        "openid read:profile",
    );
    pairs.push(("prompt", "none"));

    let location = assert_redirect_error(
        h.authorize(&pairs, None).await,
        OAuthErrorCode::LoginRequired,
    );
    assert_eq!(param(&location, "state").as_deref(), Some("st@te 1"));
    assert_redirect_error(
        h.authorize(&pairs, Some(&h.owner())).await,
        OAuthErrorCode::ConsentRequired,
    );

    // With consent given once, silent SSO issues a code.
    h.code(&challenge, "openid read:profile", None).await;
    let redirect = expect_redirect(h.authorize(&pairs, Some(&h.owner())).await);
    assert!(param(redirect.location(), "code").is_some());

    // A disabled user is not signed in.
    let mut user = h.user.clone();
    user.active = false;
    h.memory.users.update_user(&user).await.unwrap();
    assert_redirect_error(
        h.authorize(&pairs, Some(&h.owner())).await,
        OAuthErrorCode::LoginRequired,
    );

    // prompt=none with anything else is malformed.
    let mut mixed = authorize_pairs("workflow-studio", REDIRECT, &challenge, "openid");
    mixed.push(("prompt", "none consent"));
    assert_redirect_error(
        h.authorize(&mixed, None).await,
        OAuthErrorCode::InvalidRequest,
    );
}

#[tokio::test]
async fn prompt_login_and_consent_force_the_pages() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    h.code(&challenge, "openid", None).await; // consent given
    let owner = h.owner();
    h.advance(600); // sign-in now 10 minutes old

    let mut login = authorize_pairs("workflow-studio", REDIRECT, &challenge, "openid");
    login.push(("prompt", "login"));
    assert!(matches!(
        h.authorize(&login, Some(&owner)).await,
        AuthorizeOutcome::LoginRequired(_)
    ));
    let fresh = h.owner();

    let mut consent = authorize_pairs("workflow-studio", REDIRECT, &challenge, "openid");
    consent.push(("prompt", "consent"));
    assert!(matches!(
        h.authorize(&consent, Some(&fresh)).await,
        AuthorizeOutcome::ConsentRequired(_)
    ));
    // Declining redirects with access_denied.
    let request = AuthorizeRequest::from_query_pairs(consent.iter().copied());
    assert_redirect_error(
        h.server
            .decide_consent(&request, &fresh, false)
            .await
            .unwrap(),
        OAuthErrorCode::AccessDenied,
    );
}

// ----------------------------------------------------------------------------------------
// OpenID Connect request semantics: max_age, prompt=login, request objects (issue 12, item 5)
// ----------------------------------------------------------------------------------------

fn with<'a>(
    mut pairs: Vec<(&'a str, &'a str)>,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    pairs.extend_from_slice(extra);
    pairs
}

fn unix(at: std::time::SystemTime) -> u64 {
    at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

// OIDC Core §3.1.2.1: a sign-in older than max_age seconds must not be used; the user signs in
// again (or, with prompt=none, the client gets login_required). Pins issue 12 item 5: max_age=1
// with a 10 s old sign-in returned a code.
#[tokio::test]
async fn oidc_3_1_2_1_max_age_older_than_the_sign_in_requires_a_new_sign_in() {
    let h = Harness::new().await;
    let (verifier, challenge) = pkce();
    h.code(&challenge, "openid", None).await; // consent given
    let owner = h.owner();
    h.advance(10); // the sign-in is now 10 s old
    let base = authorize_pairs("workflow-studio", REDIRECT, &challenge, "openid");

    let one_second = with(base.clone(), &[("max_age", "1")]);
    assert!(matches!(
        h.authorize(&one_second, Some(&owner)).await,
        AuthorizeOutcome::LoginRequired(_)
    ));
    let silent = with(base.clone(), &[("max_age", "1"), ("prompt", "none")]);
    let location = assert_redirect_error(
        h.authorize(&silent, Some(&owner)).await,
        OAuthErrorCode::LoginRequired,
    );
    assert_eq!(param(&location, "state").as_deref(), Some("st@te 1"));

    // A sign-in within max_age is used, and the id_token says when it happened.
    let minute = with(base, &[("max_age", "60"), ("nonce", "n-1")]);
    let code = code_of(&expect_redirect(h.authorize(&minute, Some(&owner)).await));
    let tokens = h
        .exchange(&code, &verifier, REDIRECT, Some(h.basic()), &[])
        .await
        .unwrap();
    let claims = verify_id_token(&h, tokens.id_token.unwrap().secret(), "workflow-studio");
    assert_eq!(
        claims["auth_time"],
        unix(owner.auth_time),
        "§3.1.2.1: auth_time MUST be present"
    );
}

// OIDC Core §3.1.2.1 / §15.1: max_age=0 means "always re-authenticate" — no existing session,
// however recent, satisfies it; the sign-in of this request's login page does.
#[tokio::test]
async fn oidc_3_1_2_1_max_age_zero_is_never_satisfied_by_an_existing_session() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    h.code(&challenge, "openid", None).await; // consent given
    let pairs = with(
        authorize_pairs("workflow-studio", REDIRECT, &challenge, "openid"),
        &[("max_age", "0")],
    );
    let just_now = h.owner();
    assert!(matches!(
        h.authorize(&pairs, Some(&just_now)).await,
        AuthorizeOutcome::LoginRequired(_)
    ));
    // After the login page: the continuation, under the session it started.
    let continued = sign_in_continuation(pairs.iter().copied());
    assert!(continued.iter().all(|(name, _)| name != "max_age"));
    let outcome = h
        .server
        .authorize(
            &AuthorizeRequest::from_query_pairs(continued),
            Some(&h.owner()),
        )
        .await
        .unwrap();
    code_of(&expect_redirect(outcome));
}

// OIDC Core §3.1.2.1: a malformed max_age is an invalid request, sent to the client.
#[tokio::test]
async fn oidc_3_1_2_1_malformed_max_age_is_invalid_request() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    for bad in ["-1", "1.5", "ten", "", " 1", "1e3", "99999999999999999999"] {
        let pairs = with(
            authorize_pairs("workflow-studio", REDIRECT, &challenge, "openid"),
            &[("max_age", bad)],
        );
        assert_redirect_error(
            h.authorize(&pairs, Some(&h.owner())).await,
            OAuthErrorCode::InvalidRequest,
        );
    }
}

// OIDC Core §3.1.2.1: prompt=login must make the user sign in again. Pins issue 12 item 5: a
// sign-in up to 5 minutes old satisfied it. Only the sign-in of the login page shown for this
// request does — not a session that existed before, not even one a second old, and not through
// the consent form either.
#[tokio::test]
async fn oidc_3_1_2_1_prompt_login_is_never_satisfied_by_an_existing_session() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    let pairs = with(
        authorize_pairs("workflow-studio", REDIRECT, &challenge, "openid"),
        &[("prompt", "login")],
    );
    let owner = h.owner();
    h.advance(1);
    assert!(matches!(
        h.authorize(&pairs, Some(&owner)).await,
        AuthorizeOutcome::LoginRequired(_)
    ));
    // A consent form posted with prompt=login and the old session: no code.
    let request = AuthorizeRequest::from_query_pairs(pairs.iter().copied());
    assert!(matches!(
        h.server
            .decide_consent(&request, &owner, true)
            .await
            .unwrap(),
        AuthorizeOutcome::LoginRequired(_)
    ));
    assert_eq!(h.events(AuditKind::OAuthCodeIssued).await, 0);

    // The login page's sign-in: the request continues, here to the consent page and a code.
    let continued = AuthorizeRequest::from_query_pairs(sign_in_continuation(pairs.iter().copied()));
    assert_eq!(continued.prompt, None);
    let signed_in = h.owner();
    assert!(matches!(
        h.server
            .authorize(&continued, Some(&signed_in))
            .await
            .unwrap(),
        AuthorizeOutcome::ConsentRequired(_)
    ));
    let redirect = expect_redirect(
        h.server
            .decide_consent(&continued, &signed_in, true)
            .await
            .unwrap(),
    );
    code_of(&redirect);
}

// OIDC Core §6.1 / §6.2: an OP that does not support request objects must answer
// request_not_supported / request_uri_not_supported, not act on the rest of the request while
// ignoring them.
#[tokio::test]
async fn oidc_6_request_and_request_uri_are_refused_not_ignored() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    h.code(&challenge, "openid", None).await; // consent given: ignoring them would issue a code
    let base = authorize_pairs("workflow-studio", REDIRECT, &challenge, "openid");
    let location = assert_redirect_error(
        h.authorize(
            &with(base.clone(), &[("request", "eyJhbGciOiJub25lIn0.e30.")]),
            Some(&h.owner()),
        )
        .await,
        OAuthErrorCode::RequestNotSupported,
    );
    assert_eq!(
        param(&location, "error").as_deref(),
        Some("request_not_supported")
    );
    assert_eq!(param(&location, "state").as_deref(), Some("st@te 1"));
    let location = assert_redirect_error(
        h.authorize(
            &with(
                base,
                &[("request_uri", "https://app.example.com/request.jwt")],
            ),
            Some(&h.owner()),
        )
        .await,
        OAuthErrorCode::RequestUriNotSupported,
    );
    assert_eq!(
        param(&location, "error").as_deref(),
        Some("request_uri_not_supported")
    );
}

// OIDC Discovery §3: request_uri_parameter_supported defaults to true when absent, so a server
// that refuses request_uri must say false; response_modes_supported lists exactly the modes
// the authorization endpoint answers in.
#[tokio::test]
async fn oidc_discovery_3_metadata_states_what_the_authorization_endpoint_supports() {
    let h = Harness::new().await;
    let metadata = serde_json::to_value(h.server.metadata()).unwrap();
    assert_eq!(metadata["request_uri_parameter_supported"], false);
    assert_eq!(metadata["request_parameter_supported"], false);
    assert_eq!(
        metadata["response_modes_supported"],
        serde_json::json!(["query", "form_post"])
    );
}

// ----------------------------------------------------------------------------------------
// RFC 8252 §7.3: loopback redirect URIs of native apps (issue 12, item 6)
// ----------------------------------------------------------------------------------------

// RFC 8252 §7.3: the authorization server MUST allow any port for a native (public) client's
// loopback IP literal redirect URI; the code is then bound to the URI exactly as requested.
// Pins issue 12 item 6: the port had to match the registration.
#[tokio::test]
async fn rfc8252_7_3_loopback_redirect_any_port() {
    let h = Harness::new().await;
    let owner = h.owner();
    let at_runtime = "http://127.0.0.1:61234/callback"; // registered: …:5173/callback
    for exchange_with in ["http://127.0.0.1:5173/callback", at_runtime] {
        let (verifier, challenge) = pkce();
        let pairs = authorize_pairs("dashboard", at_runtime, &challenge, "openid");
        let redirect = expect_redirect(h.authorize(&pairs, Some(&owner)).await);
        assert!(
            redirect
                .location()
                .starts_with(&format!("{at_runtime}?code=")),
            "the response goes to the port the app listens on"
        );
        let code = code_of(&redirect);
        let exchanged = h
            .exchange(
                &code,
                &verifier,
                exchange_with,
                None,
                &[("client_id", "dashboard")],
            )
            .await;
        if exchange_with == at_runtime {
            exchanged.expect("the exact URI of the authorization request");
        } else {
            assert_invalid_grant(exchanged, "the token endpoint compares the exact URI used");
        }
    }
}

// RFC 8252 §7.3 / §8.3: only the port of a loopback IP literal may vary, only for public
// clients; `localhost` is not an IP literal and keeps exact matching, as does every other part
// of the URI.
#[tokio::test]
async fn rfc8252_8_3_localhost_and_everything_but_the_port_match_exactly() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    h.server
        .register_client(
            ClientRegistration::public("CLI")
                .client_id("cli")
                .redirect_uri("http://localhost:8400/cb")
                .redirect_uri("http://[::1]:8400/cb")
                .scopes("openid")
                .first_party(true),
        )
        .await
        .unwrap();
    h.server
        .register_client_with_secret(
            ClientRegistration::confidential("Loopback web")
                .client_id("loopback-web")
                .redirect_uri("http://127.0.0.1:8500/cb")
                .scopes("openid"),
            "a-demo-secret-of-at-least-32-bytes-0123456789",
        )
        .await
        .unwrap();
    let owner = h.owner();
    for (client, uri) in [
        ("cli", "http://localhost:8401/cb"),
        ("cli", "http://[::1]:8401/cb/"),
        ("cli", "http://[::1]:8401/cb?x=1"),
        ("cli", "http://127.0.0.1:8400/cb"),
        ("dashboard", "http://127.0.0.1:61234/other"),
        ("dashboard", "http://localhost:5173/callback"),
        ("loopback-web", "http://127.0.0.1:8501/cb"),
    ] {
        let pairs = authorize_pairs(client, uri, &challenge, "openid");
        match h.authorize(&pairs, Some(&owner)).await {
            AuthorizeOutcome::ErrorPage(page) => {
                assert_eq!(page.error, OAuthErrorCode::InvalidRequest, "{uri}");
            }
            other => panic!("{client} {uri}: expected the error page, got {other:?}"),
        }
    }
    let pairs = authorize_pairs("cli", "http://[::1]:50000/cb", &challenge, "openid");
    code_of(&expect_redirect(h.authorize(&pairs, Some(&owner)).await));
}

// ----------------------------------------------------------------------------------------
// OAuth 2.0 Form Post Response Mode (issue 12, item 11)
// ----------------------------------------------------------------------------------------

fn expect_form_post(outcome: AuthorizeOutcome) -> FormPostResponse {
    match outcome {
        AuthorizeOutcome::FormPost(form) => form,
        other => panic!("expected a form post, got {other:?}"),
    }
}

fn field(form: &FormPostResponse, name: &str) -> Option<String> {
    form.params()
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.clone())
}

// OAuth 2.0 Form Post Response Mode §2: with response_mode=form_post the code, state and iss are
// posted to the redirect URI, never put in its query. Pins issue 12 item 11: the mode was
// silently ignored and the code went to the query.
#[tokio::test]
async fn oauth_form_post_response_mode_posts_the_code_to_the_redirect_uri() {
    let h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let pairs = with(
        authorize_pairs("dashboard", PUBLIC_REDIRECT, &challenge, "openid"),
        &[("response_mode", "form_post")],
    );
    let form = expect_form_post(h.authorize(&pairs, Some(&h.owner())).await);
    assert_eq!(
        form.action(),
        PUBLIC_REDIRECT,
        "the redirect URI, without a query"
    );
    assert_eq!(form.error(), None);
    let names: Vec<&str> = form.params().iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["code", "state", "iss"]);
    assert_eq!(field(&form, "state").as_deref(), Some("st@te 1"));
    assert_eq!(field(&form, "iss").as_deref(), Some(ISSUER));
    let code = field(&form, "code").unwrap();
    assert!(!format!("{form:?}").contains(&code), "Debug hides the code");
    h.exchange(
        &code,
        &verifier,
        PUBLIC_REDIRECT,
        None,
        &[("client_id", "dashboard")],
    )
    .await
    .expect("the posted code is a code like any other");
}

// OAuth 2.0 Form Post Response Mode §2 / OAuth 2.0 Multiple Response Types §2.1: errors for the
// client honour the requested mode too (login_required, consent_required, access_denied, a bad
// scope).
#[tokio::test]
async fn oauth_form_post_response_mode_carries_errors_too() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    let form_post = |scope: &'static str, extra: &'static [(&'static str, &'static str)]| {
        let mut pairs = authorize_pairs("workflow-studio", REDIRECT, &challenge, scope);
        pairs.push(("response_mode", "form_post"));
        pairs.extend_from_slice(extra);
        pairs
    };
    for (pairs, owner, error) in [
        (
            form_post("openid", &[("prompt", "none")]),
            None,
            "login_required",
        ),
        (
            form_post("openid", &[("prompt", "none")]),
            Some(h.owner()),
            "consent_required",
        ),
        (form_post("openid nope", &[]), None, "invalid_scope"),
        (
            form_post("openid", &[("max_age", "x")]),
            None,
            "invalid_request",
        ),
    ] {
        let form = expect_form_post(h.authorize(&pairs, owner.as_ref()).await);
        assert_eq!(form.error().map(|e| e.as_str()), Some(error));
        assert_eq!(field(&form, "error").as_deref(), Some(error));
        assert_eq!(field(&form, "state").as_deref(), Some("st@te 1"));
        assert_eq!(field(&form, "iss").as_deref(), Some(ISSUER));
        assert_eq!(field(&form, "code"), None);
    }
    let request = AuthorizeRequest::from_query_pairs(form_post("openid", &[]));
    let denied = expect_form_post(
        h.server
            .decide_consent(&request, &h.owner(), false)
            .await
            .unwrap(),
    );
    assert_eq!(denied.error(), Some(OAuthErrorCode::AccessDenied));
}

// OAuth 2.0 Multiple Response Types §2.1: a response_mode the server does not support (here:
// fragment, the JWT modes, unknown names) is refused with invalid_request — in the default
// query mode — rather than ignored.
#[tokio::test]
async fn oauth_unsupported_response_mode_is_invalid_request() {
    let h = Harness::new().await;
    let (_, challenge) = pkce();
    for mode in ["fragment", "query.jwt", "form_post.jwt", "web_message", ""] {
        let pairs = with(
            authorize_pairs("dashboard", PUBLIC_REDIRECT, &challenge, "openid"),
            &[("response_mode", mode)],
        );
        let location = assert_redirect_error(
            h.authorize(&pairs, Some(&h.owner())).await,
            OAuthErrorCode::InvalidRequest,
        );
        assert!(
            location.starts_with(&format!("{PUBLIC_REDIRECT}?")),
            "{mode}"
        );
        assert_eq!(param(&location, "state").as_deref(), Some("st@te 1"));
    }
}

// ----------------------------------------------------------------------------------------
// The token endpoint: clients and grant types
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_client_and_wrong_secret_are_401_invalid_client() {
    let h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let code = h.code(&challenge, "openid", None).await;
    let wrong = format!("{}x", h.secret);
    let cases: Vec<(Option<String>, Form<'_>)> = vec![
        (Some(basic("workflow-studio", &wrong)), vec![]),
        (Some(basic("nobody", &h.secret)), vec![]),
        (
            None,
            vec![
                ("client_id", "workflow-studio"),
                ("client_secret", wrong.as_str()),
            ],
        ),
        (
            None,
            vec![
                ("client_id", "nobody"),
                ("client_secret", h.secret.as_str()),
            ],
        ),
        // A confidential client without its secret.
        (None, vec![("client_id", "workflow-studio")]),
        // A public client presenting a secret it does not have.
        (
            None,
            vec![
                ("client_id", "dashboard"),
                ("client_secret", h.secret.as_str()),
            ],
        ),
        // No credentials at all; a non-Basic Authorization header.
        (None, vec![]),
        (Some("Bearer abc".to_owned()), vec![]),
    ];
    for (header, extra) in cases {
        let result = h
            .exchange(&code, &verifier, REDIRECT, header.clone(), &extra)
            .await;
        match result {
            Err(error @ OAuthError::InvalidClient) => {
                assert_eq!(error.status_code(), 401);
                assert_eq!(error.www_authenticate(), Some(CLIENT_AUTH_CHALLENGE));
                assert_eq!(error.body().error, "invalid_client");
            }
            other => panic!("{header:?} {extra:?}: expected invalid_client, got {other:?}"),
        }
    }
    // The code survived every refused authentication.
    let mut post = vec![
        ("client_id", "workflow-studio"),
        ("client_secret", h.secret.as_str()),
    ];
    assert!(
        h.exchange(&code, &verifier, REDIRECT, None, &post)
            .await
            .is_ok(),
        "client_secret_post works"
    );
    // Both methods at once: invalid_request.
    post.truncate(1);
    post.push(("client_secret", h.secret.as_str()));
    let both = h
        .exchange("x", &verifier, REDIRECT, Some(h.basic()), &post)
        .await;
    assert!(
        matches!(both, Err(OAuthError::InvalidRequest(_))),
        "{both:?}"
    );
}

#[tokio::test]
async fn password_implicit_and_other_grants_are_unsupported() {
    let h = Harness::new().await;
    for grant_type in [
        "password",
        "implicit",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:device_code",
        "token",
    ] {
        let request = TokenRequest::from_form_pairs(
            [
                ("grant_type", grant_type),
                ("username", "kim@example.com"),
                ("password", "x"),
            ],
            Some(h.basic()),
        );
        match h.server.token(&request).await {
            Err(error @ OAuthError::UnsupportedGrantType) => {
                assert_eq!(
                    (error.status_code(), error.body().error),
                    (400, "unsupported_grant_type")
                );
            }
            other => panic!("{grant_type}: expected unsupported_grant_type, got {other:?}"),
        }
    }
    let missing = TokenRequest::from_form_pairs([("code", "x")], Some(h.basic()));
    assert!(matches!(
        h.server.token(&missing).await,
        Err(OAuthError::InvalidRequest(_))
    ));
    let repeated = TokenRequest::from_form_pairs(
        [
            ("grant_type", "refresh_token"),
            ("grant_type", "authorization_code"),
        ],
        Some(h.basic()),
    );
    assert!(matches!(
        h.server.token(&repeated).await,
        Err(OAuthError::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn a_client_without_the_refresh_grant_is_unauthorized_client() {
    let h = Harness::new().await;
    let (client, secret) = h
        .server
        .register_client(
            ClientRegistration::confidential("No refresh")
                .redirect_uri(REDIRECT)
                .scopes("openid")
                .grant_types([auth_core::store::GrantType::AuthorizationCode]),
        )
        .await
        .unwrap();
    let request = TokenRequest::from_form_pairs(
        [("grant_type", "refresh_token"), ("refresh_token", "x")],
        Some(basic(&client.client_id, secret.unwrap().secret())),
    );
    assert!(matches!(
        h.server.token(&request).await,
        Err(OAuthError::UnauthorizedClient(_))
    ));
}

// ----------------------------------------------------------------------------------------
// Refresh
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn refresh_token_reuse_revokes_the_grant() {
    let h = Harness::new().await;
    let first = h.tokens("openid read:profile").await;
    let second = h
        .refresh(first.refresh_token.secret(), Some(h.basic()), &[])
        .await
        .unwrap();

    // Within the grace window: refused, nothing revoked.
    h.advance(1);
    assert_invalid_grant(
        h.refresh(first.refresh_token.secret(), Some(h.basic()), &[])
            .await,
        "a rotated token within the grace window",
    );
    assert!(h.introspect_active(second.refresh_token.secret()).await);

    // After it: theft assumed, the whole grant ends.
    h.advance(10);
    assert_invalid_grant(
        h.refresh(first.refresh_token.secret(), Some(h.basic()), &[])
            .await,
        "a rotated token replayed",
    );
    let session = h
        .memory
        .sessions
        .session(first.session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.revoke_reason, Some(RevokeReason::RefreshTokenReuse));
    assert_invalid_grant(
        h.refresh(second.refresh_token.secret(), Some(h.basic()), &[])
            .await,
        "the current token of a revoked grant",
    );
    assert!(
        !h.introspect_active(second.access_token.token.secret())
            .await
    );
    assert_eq!(h.events(AuditKind::RefreshTokenReuse).await, 1);
}

#[tokio::test]
async fn refresh_token_of_another_client_is_refused_untouched() {
    let h = Harness::new().await;
    let tokens = h.tokens("openid read:profile").await;
    let (other, other_secret) = h
        .server
        .register_client(
            ClientRegistration::confidential("Other")
                .redirect_uri(REDIRECT)
                .scopes("openid"),
        )
        .await
        .unwrap();
    assert_invalid_grant(
        h.refresh(
            tokens.refresh_token.secret(),
            Some(basic(&other.client_id, other_secret.unwrap().secret())),
            &[],
        )
        .await,
        "another client's refresh token",
    );
    // Not rotated by the attempt: the rightful client still refreshes.
    assert!(
        h.refresh(tokens.refresh_token.secret(), Some(h.basic()), &[])
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn refresh_may_narrow_the_scope_but_never_widen_it() {
    let h = Harness::new().await;
    let tokens = h.tokens("openid read:profile read:groups").await;
    let narrowed = h
        .refresh(
            tokens.refresh_token.secret(),
            Some(h.basic()),
            &[("scope", "read:profile")],
        )
        .await
        .unwrap();
    assert_eq!(narrowed.scope.as_str(), "read:profile");
    assert!(narrowed.id_token.is_none(), "no openid, no id_token");
    // The grant keeps its scope: the next refresh without `scope` gets all of it back.
    let full = h
        .refresh(narrowed.refresh_token.secret(), Some(h.basic()), &[])
        .await
        .unwrap();
    assert_eq!(full.scope.as_str(), "openid read:profile read:groups");
    let wider = h
        .refresh(
            full.refresh_token.secret(),
            Some(h.basic()),
            &[("scope", "openid manage:workflows")],
        )
        .await;
    assert!(
        matches!(wider, Err(OAuthError::InvalidScope(_))),
        "{wider:?}"
    );
}

#[tokio::test]
async fn a_first_party_login_refresh_token_is_not_an_oauth_grant() {
    let h = Harness::new().await;
    // A session started by the first-party login flows has no OAuth grant.
    use auth_core::store::{RefreshTokenRecord, Session, SessionId, SessionKind};
    let token = auth_core::opaque::OpaqueToken::generate().unwrap();
    let now = h.clock.now();
    let id = SessionId::generate().unwrap();
    let session = Session {
        id,
        kind: SessionKind::FirstParty,
        user_id: h.user.id,
        created_at: now,
        last_used_at: now,
        expires_at: now + std::time::Duration::from_secs(3600),
        idle_expires_at: now + std::time::Duration::from_secs(3600),
        auth_time: now,
        amr: Vec::new(),
        acr: None,
        ip: None,
        user_agent: None,
        device_name: None,
        revoked_at: None,
        revoke_reason: None,
    };
    h.memory
        .sessions
        .create_session(
            &session,
            &RefreshTokenRecord::new(token.hash(), id, now, session.expires_at),
        )
        .await
        .unwrap();
    assert_invalid_grant(
        h.refresh(token.secret(), Some(h.basic()), &[]).await,
        "a first-party token",
    );
    assert!(!h.introspect_active(token.secret()).await);
}

/// One rule for "may this user still use this sign-in": a code issued on a sign-in that a
/// later user-wide cut-off (log out everywhere, password reset) ended is no longer redeemable,
/// and neither is the grant's refresh token.
#[tokio::test]
async fn a_cut_off_after_the_sign_in_voids_its_code_and_grant() {
    let h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let code = h.code(&challenge, "openid", None).await;
    let tokens = h.tokens("openid read:profile").await;
    h.advance(5);
    let mut user = h.user.clone();
    user.tokens_valid_after = Some(h.clock.now());
    h.memory.users.update_user(&user).await.unwrap();
    assert_invalid_grant(
        h.exchange(&code, &verifier, REDIRECT, Some(h.basic()), &[])
            .await,
        "code of a sign-in before the cut-off",
    );
    assert_invalid_grant(
        h.refresh(tokens.refresh_token.secret(), Some(h.basic()), &[])
            .await,
        "refresh of a grant made before the cut-off",
    );
}

#[tokio::test]
async fn a_disabled_user_gets_no_tokens() {
    let h = Harness::new().await;
    let (verifier, challenge) = pkce();
    let code = h.code(&challenge, "openid", None).await;
    let tokens = h.tokens("openid read:profile").await;
    let mut user = h.user.clone();
    user.active = false;
    h.memory.users.update_user(&user).await.unwrap();
    assert_invalid_grant(
        h.exchange(&code, &verifier, REDIRECT, Some(h.basic()), &[])
            .await,
        "code of a disabled user",
    );
    assert_invalid_grant(
        h.refresh(tokens.refresh_token.secret(), Some(h.basic()), &[])
            .await,
        "refresh of a disabled user",
    );
    assert!(matches!(
        h.server.userinfo(tokens.access_token.token.secret()).await,
        Err(UserInfoError::InvalidToken)
    ));
}

// ----------------------------------------------------------------------------------------
// Revocation, introspection, userinfo
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn revoking_an_access_token_denylists_its_jti_only() {
    let h = Harness::new().await;
    let tokens = h.tokens("openid read:profile").await;
    h.server
        .revoke(
            &h.credentials(),
            Some(tokens.access_token.token.secret()),
            Some("access_token"),
        )
        .await
        .unwrap();
    assert!(
        !h.introspect_active(tokens.access_token.token.secret())
            .await
    );
    assert!(
        h.introspect_active(tokens.refresh_token.secret()).await,
        "the grant stands"
    );
    // Unknown and malformed tokens: still Ok (RFC 7009 §2.2).
    for token in ["garbage", "a.b.c", &"A".repeat(43)] {
        h.server
            .revoke(&h.credentials(), Some(token), None)
            .await
            .unwrap();
    }
    assert!(matches!(
        h.server.revoke(&h.credentials(), None, None).await,
        Err(OAuthError::InvalidRequest(_))
    ));
    let wrong = ClientCredentials::new(Some(basic("workflow-studio", "nope")), None, None);
    assert!(matches!(
        h.server
            .revoke(&wrong, Some(tokens.refresh_token.secret()), None)
            .await,
        Err(OAuthError::InvalidClient)
    ));
}

/// Records what the server announces, in order.
#[derive(Debug, Default)]
struct Announced(std::sync::Mutex<Vec<auth_core::revocation::Invalidation>>);

impl auth_core::revocation::InvalidationBroadcast for Announced {
    fn publish(&self, invalidation: &auth_core::revocation::Invalidation) {
        self.0.lock().unwrap().push(invalidation.clone());
    }
}

/// RFC 7009 §2: after a revocation "the token is no longer usable" — also on resource servers
/// that cache "not revoked" for some seconds. The server announces what it revoked (the
/// grant's session for a refresh token, the `jti` for an access token) so their caches drop
/// it at once; without the announcement a revoked access token kept working there until the
/// cache went stale.
#[tokio::test]
async fn rfc7009_2_revocations_are_announced_to_resource_server_caches() {
    use auth_core::revocation::Invalidation;

    let h = Harness::new().await;
    let announced = Arc::new(Announced::default());
    let server = h
        .server
        .clone()
        .with_invalidation_broadcast(announced.clone());
    let tokens = h.tokens("openid read:profile").await;
    let access = tokens.access_token.token.secret();
    let claims = access_claims(&h, access);
    server
        .revoke(&h.credentials(), Some(access), Some("access_token"))
        .await
        .unwrap();
    server
        .revoke(&h.credentials(), Some(tokens.refresh_token.secret()), None)
        .await
        .unwrap();
    let jti = claims["jti"].as_str().expect("a jti").to_owned();
    let sid = claims["sid"].as_str().expect("a sid");
    let sid = auth_core::store::SessionId::parse(sid).expect("a session id");
    assert_eq!(
        *announced.0.lock().unwrap(),
        vec![Invalidation::AccessToken(jti), Invalidation::Session(sid)]
    );
    // Unknown tokens announce nothing.
    server
        .revoke(&h.credentials(), Some(&"A".repeat(43)), None)
        .await
        .unwrap();
    assert_eq!(announced.0.lock().unwrap().len(), 2);
}

/// The claims of an access token issued by the harness's server, checked against its JWKS.
fn access_claims(h: &Harness, token: &str) -> serde_json::Value {
    let header = jsonwebtoken::decode_header(token).unwrap();
    let kid = header.kid.expect("the token names its key");
    let jwk = h.server.jwks().find(&kid).expect("the key is in the JWKS");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[ISSUER]);
    jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
        .expect("the access token verifies")
        .claims
}

/// A confidential client registered under `client_id`, as credentials.
async fn other_client(h: &Harness, client_id: &str) -> ClientCredentials {
    let (other, secret) = h
        .server
        .register_client(
            ClientRegistration::confidential("Other")
                .client_id(client_id)
                .redirect_uri(REDIRECT)
                .scopes("openid"),
        )
        .await
        .unwrap();
    ClientCredentials::new(
        Some(basic(&other.client_id, secret.unwrap().secret())),
        None,
        None,
    )
}

/// RFC 7009 §2.1: the server "verifies whether the token was issued to the client making the
/// revocation request. If this validation fails, the request is refused" — an error, and the
/// token is left alone (it used to answer 200 and ignore it).
#[tokio::test]
async fn rfc7009_2_1_revoking_another_clients_token_is_refused() {
    let h = Harness::new().await;
    let tokens = h.tokens("openid read:profile").await;
    let other = other_client(&h, "other-app").await;
    for token in [
        tokens.refresh_token.secret(),
        tokens.access_token.token.secret(),
    ] {
        let refused = h.server.revoke(&other, Some(token), None).await;
        assert!(
            matches!(refused, Err(OAuthError::InvalidGrant(_))),
            "{refused:?}"
        );
        assert!(h.introspect_active(token).await, "left alone");
    }
    // Unknown tokens still answer 200 (RFC 7009 §2.2).
    h.server
        .revoke(&other, Some(&"A".repeat(43)), None)
        .await
        .unwrap();
}

/// RFC 7662 §4: introspection must not disclose a token to whoever asks. A client sees its
/// own tokens; a client registered as a resource server sees every access token of this
/// server (never another client's refresh token); any other client gets `active: false`.
#[tokio::test]
async fn rfc7662_4_only_the_tokens_client_or_a_resource_server_may_introspect() {
    let h = Harness::new().await;
    let tokens = h.tokens("openid read:profile").await;
    let other = other_client(&h, "other-app").await;
    let resource_server = other_client(&h, RESOURCE_SERVER).await;
    let active = |credentials: &ClientCredentials, token: &str| {
        let (server, credentials, token) =
            (h.server.clone(), credentials.clone(), token.to_owned());
        async move {
            server
                .introspect(&credentials, Some(&token), None)
                .await
                .unwrap()
                .active
        }
    };
    let (access, refresh) = (
        tokens.access_token.token.secret(),
        tokens.refresh_token.secret(),
    );
    assert!(h.introspect_active(access).await, "own access token");
    assert!(h.introspect_active(refresh).await, "own refresh token");
    assert!(
        !active(&other, access).await,
        "another client's access token"
    );
    assert!(
        !active(&other, refresh).await,
        "another client's refresh token"
    );
    assert!(active(&resource_server, access).await, "resource server");
    assert!(
        !active(&resource_server, refresh).await,
        "a resource server never sees a client's refresh token"
    );
}

#[tokio::test]
async fn introspection_reports_expiry_and_foreign_tokens_as_inactive() {
    let h = Harness::new().await;
    let tokens = h.tokens("openid read:profile").await;
    // Another issuer's token, signed by another key.
    let foreign_keys = KeySet::new(SigningKey::generate_hmac("x", Algorithm::HS256).unwrap());
    let foreign = auth_core::token::AccessTokenIssuer::new(
        auth_core::token::IssuerConfig::new("https://evil.example", AUDIENCE),
        &foreign_keys,
    )
    .issue(&auth_core::token::AccessTokenRequest::new(
        h.user.id.to_string(),
    ))
    .unwrap();
    assert!(!h.introspect_active(foreign.token.secret()).await);
    h.advance(15 * 60 + 31);
    assert!(
        !h.introspect_active(tokens.access_token.token.secret())
            .await,
        "expired"
    );
    assert!(h.introspect_active(tokens.refresh_token.secret()).await);
    h.advance(31 * 24 * 3600);
    assert!(
        !h.introspect_active(tokens.refresh_token.secret()).await,
        "expired"
    );
}

#[tokio::test]
async fn userinfo_needs_a_userinfo_scope_and_releases_claims_per_scope() {
    let h = Harness::new().await;
    let bare = h.tokens("manage:workflows").await;
    let error = h
        .server
        .userinfo(bare.access_token.token.secret())
        .await
        .unwrap_err();
    assert!(matches!(error, UserInfoError::InsufficientScope));
    assert_eq!(
        error.bearer_error().map(|code| code.http_status()),
        Some(403)
    );

    let openid = h.tokens("openid").await;
    let info = h
        .server
        .userinfo(openid.access_token.token.secret())
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&info).unwrap(),
        serde_json::json!({"sub": h.user.id.to_string()})
    );

    let profile = h.tokens("read:profile").await; // seed 003's scope
    let info = h
        .server
        .userinfo(profile.access_token.token.secret())
        .await
        .unwrap();
    assert_eq!(info.preferred_username.as_deref(), Some("kim"));
    assert_eq!(info.email.as_deref(), Some("kim@example.com"));
    assert_eq!(info.groups, None);

    assert!(matches!(
        h.server.userinfo("not-a-token").await,
        Err(UserInfoError::InvalidToken)
    ));
}

// ----------------------------------------------------------------------------------------
// Registration, configuration, metadata
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn registration_refuses_unsafe_redirect_uris_and_unknown_scopes() {
    let h = Harness::new().await;
    for uri in [
        "http://app.example.com/cb",
        "https://app.example.com/cb#x",
        "https://*.example.com/cb",
        "https://user@app.example.com/cb",
        "myapp://cb",
    ] {
        let result = h
            .server
            .register_client(
                ClientRegistration::confidential("x")
                    .redirect_uri(uri)
                    .scopes("openid"),
            )
            .await;
        assert!(
            matches!(result, Err(RegistrationError::InvalidRedirectUri(_))),
            "{uri}: {result:?}"
        );
    }
    let loopback = h
        .server
        .register_client(
            ClientRegistration::public("cli")
                .redirect_uri("http://localhost:8765/cb")
                .scopes("openid"),
        )
        .await;
    assert!(loopback.is_ok(), "RFC 8252 loopback http is allowed");
    let unknown_scope = h
        .server
        .register_client(
            ClientRegistration::confidential("x")
                .redirect_uri(REDIRECT)
                .scopes("openid admin"),
        )
        .await;
    assert!(matches!(
        unknown_scope,
        Err(RegistrationError::UnsupportedScope)
    ));
    let taken = h
        .server
        .register_client(
            ClientRegistration::confidential("x")
                .client_id("workflow-studio")
                .redirect_uri(REDIRECT),
        )
        .await;
    assert!(matches!(
        taken,
        Err(RegistrationError::Store(
            auth_core::store::StoreError::Conflict(_)
        ))
    ));
    let weak = h
        .server
        .register_client_with_secret(
            ClientRegistration::confidential("x").redirect_uri(REDIRECT),
            "short",
        )
        .await;
    assert!(matches!(weak, Err(RegistrationError::WeakSecret)));
    let public_secret = h
        .server
        .register_client_with_secret(
            ClientRegistration::public("x").redirect_uri(REDIRECT),
            "a-demo-secret-of-at-least-32-bytes!!",
        )
        .await;
    assert!(matches!(
        public_secret,
        Err(RegistrationError::SecretForPublicClient)
    ));
}

#[tokio::test]
async fn client_secrets_are_256_bits_and_stored_only_as_sha256() {
    let h = Harness::new().await;
    assert_eq!(h.secret.len(), 43, "32 random bytes, base64url");
    let stored = h
        .oauth
        .clients
        .client("workflow-studio")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.secret_hash, Some(TokenHash::of(&h.secret)));
    assert!(!format!("{stored:?}").contains(&h.secret));
    // A host-chosen secret (the demo server's) works the same way.
    let secret = "a-demo-secret-of-at-least-32-bytes!!";
    h.server
        .register_client_with_secret(
            ClientRegistration::confidential("Demo")
                .client_id("demo")
                .redirect_uri(REDIRECT)
                .scopes("openid"),
            secret,
        )
        .await
        .unwrap();
    let (verifier, challenge) = pkce();
    let pairs = authorize_pairs("demo", REDIRECT, &challenge, "openid");
    let request = AuthorizeRequest::from_query_pairs(pairs.iter().copied());
    let code = code_of(&expect_redirect(
        h.server
            .decide_consent(&request, &h.owner(), true)
            .await
            .unwrap(),
    ));
    assert!(
        h.exchange(&code, &verifier, REDIRECT, Some(basic("demo", secret)), &[])
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn metadata_and_jwks_describe_the_server() {
    let h = Harness::new().await;
    let metadata = serde_json::to_value(h.server.metadata()).unwrap();
    assert_eq!(metadata["issuer"], ISSUER);
    assert_eq!(
        metadata["authorization_endpoint"],
        "https://auth.example.com/oauth/authorize"
    );
    assert_eq!(
        metadata["token_endpoint"],
        "https://auth.example.com/oauth/token"
    );
    assert_eq!(
        metadata["jwks_uri"],
        "https://auth.example.com/.well-known/jwks.json"
    );
    assert_eq!(
        metadata["response_types_supported"],
        serde_json::json!(["code"])
    );
    assert_eq!(
        metadata["grant_types_supported"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        metadata["authorization_response_iss_parameter_supported"],
        true
    );
    assert_eq!(
        metadata["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert!(
        metadata["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&"manage:workflows".into())
    );
    let jwks = serde_json::to_value(h.server.jwks()).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], "as-2026");
    assert!(jwks["keys"][0].get("d").is_none(), "no private part");
}

#[tokio::test]
async fn an_hmac_signing_key_or_a_long_code_lifetime_is_refused() {
    let hmac = KeySet::new(SigningKey::generate_hmac("k", Algorithm::HS256).unwrap());
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::at_unix(1_800_000_000));
    let result = OAuthServer::new(
        config(),
        Stores::in_memory(),
        OAuthStores::in_memory(),
        &hmac,
        clock.clone(),
    );
    assert!(matches!(result, Err(OAuthConfigError::SymmetricSigningKey)));
    let rsa = KeySet::new(SigningKey::from_pem("k", Algorithm::RS256, RSA_PEM).unwrap());
    let mut long = config();
    long.code_ttl = std::time::Duration::from_secs(11 * 60);
    let result = OAuthServer::new(
        long,
        Stores::in_memory(),
        OAuthStores::in_memory(),
        &rsa,
        clock.clone(),
    );
    assert!(matches!(result, Err(OAuthConfigError::InvalidCodeTtl)));
    let mut plain = config();
    plain.issuer = "http://auth.example.com".into();
    let result = OAuthServer::new(
        plain,
        Stores::in_memory(),
        OAuthStores::in_memory(),
        &rsa,
        clock,
    );
    assert!(matches!(result, Err(OAuthConfigError::InvalidIssuer)));
}

/// A code store on which a replay of every code arrives while the first exchange is still
/// issuing tokens (between its redemption and its final look at the code).
struct ReplayDuringExchange(auth_core::store::memory::MemoryAuthorizationCodeStore);

#[async_trait::async_trait]
impl auth_core::store::AuthorizationCodeStore for ReplayDuringExchange {
    async fn issue_authorization_code(
        &self,
        code: &auth_core::store::AuthorizationCode,
    ) -> Result<(), auth_core::store::StoreError> {
        self.0.issue_authorization_code(code).await
    }
    async fn redeem_authorization_code(
        &self,
        hash: &TokenHash,
        session_id: auth_core::store::SessionId,
        now: std::time::SystemTime,
    ) -> Result<auth_core::store::CodeRedemption, auth_core::store::StoreError> {
        self.0
            .redeem_authorization_code(hash, session_id, now)
            .await
    }
    async fn authorization_code(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<auth_core::store::AuthorizationCode>, auth_core::store::StoreError> {
        // The racing replay: it finds the code used, but no session exists yet to revoke.
        let other = auth_core::store::SessionId::generate().unwrap();
        self.0
            .redeem_authorization_code(hash, other, std::time::SystemTime::now())
            .await?;
        self.0.authorization_code(hash).await
    }
    async fn purge_expired_authorization_codes(
        &self,
        now: std::time::SystemTime,
    ) -> Result<u64, auth_core::store::StoreError> {
        self.0.purge_expired_authorization_codes(now).await
    }
}

// RFC 6749 §4.1.2 under a race: a replay that lands before the first exchange has created its
// session cannot revoke it, so the exchange itself must notice and revoke before answering.
#[tokio::test]
async fn a_replay_racing_the_first_exchange_still_revokes_its_grant() {
    let clock = ManualClock::starting_now();
    let keys = KeySet::new(SigningKey::from_pem("k", Algorithm::RS256, RSA_PEM).unwrap());
    let memory = auth_core::store::memory::MemoryStores::new();
    let defaults = OAuthStores::in_memory();
    let oauth = OAuthStores::new(
        defaults.clients.clone(),
        Arc::new(ReplayDuringExchange(Default::default())),
        defaults.consents.clone(),
        defaults.grants.clone(),
    );
    let server = OAuthServer::new(
        config(),
        Stores::from(memory.clone()),
        oauth,
        &keys,
        Arc::new(clock.clone()),
    )
    .unwrap();
    server
        .register_client(
            ClientRegistration::public("Dashboard")
                .client_id("dashboard")
                .redirect_uri(PUBLIC_REDIRECT)
                .scopes("openid")
                .first_party(true),
        )
        .await
        .unwrap();
    let user = auth_core::store::User::new(
        auth_core::store::UserId::generate().unwrap(),
        "kim@example.com",
        clock.now(),
    );
    memory.users.insert_user(&user).await.unwrap();
    let owner = auth_core::oauth_server::ResourceOwner::new(user.id, clock.now());
    let (verifier, challenge) = pkce();
    let pairs = authorize_pairs("dashboard", PUBLIC_REDIRECT, &challenge, "openid");
    let request = AuthorizeRequest::from_query_pairs(pairs.iter().copied());
    let code = code_of(&expect_redirect(
        server.authorize(&request, Some(&owner)).await.unwrap(),
    ));
    let result = server
        .token(&TokenRequest::from_form_pairs(
            [
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", PUBLIC_REDIRECT),
                ("code_verifier", verifier.as_str()),
                ("client_id", "dashboard"),
            ],
            None,
        ))
        .await;
    assert_invalid_grant(result, "an exchange raced by a replay");
    let sessions = memory
        .sessions
        .active_sessions(user.id, clock.now())
        .await
        .unwrap();
    assert!(
        sessions.is_empty(),
        "the session the exchange created is revoked: {sessions:?}"
    );
}

/// The claims of a compact JWT, read without verification (the tests above verify them).
fn jwt_claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

// Issue 15 / OIDC Core §2 and §3.1.2.1 `acr_values`: how the user signed in (`amr`, `acr`)
// reaches the id_token and the access tokens of the grant, a refresh keeps it with
// `auth_time`, and a session whose `acr` is not among the requested `acr_values` signs in
// again.
#[tokio::test]
async fn oidc_amr_and_acr_of_the_sign_in_reach_the_tokens_and_acr_values_are_honoured() {
    use auth_core::oauth_server::ResourceOwner;
    use auth_core::store::Assurance;

    let h = Harness::new().await;
    let (verifier, challenge) = pkce();
    h.code(&challenge, "openid", None).await; // consent given
    let owner = ResourceOwner::from_assurance(
        h.user.id,
        Assurance::new(h.clock.now(), ["pwd", "otp"]).acr("urn:example:mfa"),
    );
    let base = authorize_pairs("workflow-studio", REDIRECT, &challenge, "openid");
    let unmet = with(base.clone(), &[("acr_values", "urn:example:hwk")]);
    assert!(
        matches!(
            h.authorize(&unmet, Some(&owner)).await,
            AuthorizeOutcome::LoginRequired(_)
        ),
        "a session of another acr signs in again"
    );
    let without_acr = h.owner();
    assert!(matches!(
        h.authorize(&unmet, Some(&without_acr)).await,
        AuthorizeOutcome::LoginRequired(_)
    ));
    let met = with(
        base,
        &[
            ("acr_values", "urn:example:hwk urn:example:mfa"),
            ("nonce", "n-1"),
        ],
    );
    let code = code_of(&expect_redirect(h.authorize(&met, Some(&owner)).await));
    h.advance(60);
    let tokens = h
        .exchange(&code, &verifier, REDIRECT, Some(h.basic()), &[])
        .await
        .unwrap();
    let id_token = verify_id_token(&h, tokens.id_token.unwrap().secret(), "workflow-studio");
    assert_eq!(id_token["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(id_token["acr"], "urn:example:mfa");
    assert_eq!(id_token["auth_time"], unix(owner.auth_time));
    let access = jwt_claims(tokens.access_token.token.secret());
    assert_eq!(access["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(access["acr"], "urn:example:mfa");
    assert_eq!(access["auth_time"], unix(owner.auth_time));

    h.advance(600);
    let refreshed = h
        .refresh(tokens.refresh_token.secret(), Some(h.basic()), &[])
        .await
        .unwrap();
    let access = jwt_claims(refreshed.access_token.token.secret());
    assert_eq!(access["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(access["acr"], "urn:example:mfa");
    assert_eq!(
        access["auth_time"],
        unix(owner.auth_time),
        "a refresh is not a sign-in"
    );
}
