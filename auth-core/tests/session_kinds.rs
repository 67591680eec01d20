//! Session kinds at the seam between the first-party flows and the authorization server: a
//! first-party login, the authorization server's browser sign-in and an OAuth grant share one
//! session store, and a credential of one kind must serve no other (issue: an OAuth client's
//! refresh token replayed as the sign-in cookie got the user's code for another client).

mod oauth_support;

use std::sync::Arc;

use auth_core::Clock;
use auth_core::flows::{AuthConfig, AuthError, AuthService, ClientInfo, RecordingMailer, Stores};
use auth_core::oauth_server::{OAuthError, TokenResponse};
use auth_core::password::{Password, PasswordHasher};
use auth_core::revocation::{RevocationChecker, RevocationConfig};
use auth_core::store::{SessionKind, SessionStore as _, UserStore as _};
use auth_core::token::{AccessTokenIssuer, AccessTokenVerifier, IssuerConfig, VerifierConfig};
use oauth_support::*;

const PASSWORD: &str = "mauve-tulip-orbit-42";

/// The authorization server's harness plus a first-party `AuthService` on the same stores,
/// keys, issuer and audience — the configuration in which the kinds used to mix.
struct Both {
    h: Harness,
    auth: AuthService,
    verifier: AccessTokenVerifier,
}

async fn both() -> Both {
    let h = Harness::new().await;
    let hasher = PasswordHasher::insecure_fast_for_tests();
    let mut user = h.user.clone();
    user.password_hash = Some(hasher.hash(PASSWORD).unwrap().into_string());
    h.memory.users.update_user(&user).await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(h.clock.clone());
    let issuer =
        AccessTokenIssuer::with_clock(IssuerConfig::new(ISSUER, AUDIENCE), &h.keys, clock.clone());
    let verifier = AccessTokenVerifier::new(VerifierConfig::new(ISSUER, AUDIENCE), &h.keys)
        .with_clock(clock.clone());
    let auth = AuthService::new(
        AuthConfig::default(),
        Stores::from(h.memory.clone()),
        issuer,
        hasher,
        clock,
        Arc::new(RecordingMailer::default()),
    );
    Both { h, auth, verifier }
}

impl Both {
    async fn grant(&self) -> TokenResponse {
        self.h.tokens("openid read:profile").await
    }

    async fn sign_in(&self) -> String {
        self.auth
            .sign_in_to_authorization_server(
                "kim@example.com",
                Password::from(PASSWORD),
                &ClientInfo::default(),
            )
            .await
            .unwrap()
            .token
            .secret()
            .to_owned()
    }

    async fn first_party(&self) -> (String, String) {
        let pair = self
            .auth
            .login(
                "kim@example.com",
                Password::from(PASSWORD),
                &ClientInfo::default(),
            )
            .await
            .unwrap();
        (
            pair.refresh_token.secret().to_owned(),
            pair.access_token.token.secret().to_owned(),
        )
    }

    async fn as_refresh(&self, token: &str) -> Result<TokenResponse, OAuthError> {
        self.h.refresh(token, Some(self.h.basic()), &[]).await
    }
}

/// An OAuth client's refresh token presented to the first-party `/auth/refresh`
/// (`AuthService::refresh`) is unknown there: it is not rotated, no first-party access token
/// with the user's roles comes out, and the grant keeps working for its client.
#[tokio::test]
async fn session_kinds_a_grant_refresh_token_is_refused_by_first_party_refresh() {
    let b = both().await;
    let grant = b.grant().await;
    let refused = b
        .auth
        .refresh(grant.refresh_token.secret(), &ClientInfo::default())
        .await;
    assert!(
        matches!(refused, Err(AuthError::InvalidRefreshToken)),
        "{refused:?}"
    );
    // Untouched: its own client can still rotate it (not AlreadyRotated, not revoked).
    b.as_refresh(grant.refresh_token.secret()).await.unwrap();
}

/// The authorization server's sign-in cookie accepts only sign-in sessions: a grant's or a
/// first-party refresh token is unknown there, and a sign-in token is no refresh token at
/// either refresh endpoint.
#[tokio::test]
async fn session_kinds_the_sign_in_cookie_accepts_only_sign_in_sessions() {
    let b = both().await;
    let grant = b.grant().await;
    let (first_party, _) = b.first_party().await;
    let sign_in = b.sign_in().await;

    for (token, what) in [
        (grant.refresh_token.secret(), "a grant's refresh token"),
        (first_party.as_str(), "a first-party refresh token"),
    ] {
        assert!(
            b.auth
                .authorization_server_session(token)
                .await
                .unwrap()
                .is_none(),
            "{what} must not be a sign-in"
        );
    }
    let session = b
        .auth
        .authorization_server_session(&sign_in)
        .await
        .unwrap()
        .expect("a sign-in token is a sign-in");
    assert_eq!(session.kind, SessionKind::AuthorizationServerSignIn);

    assert!(matches!(
        b.auth.refresh(&sign_in, &ClientInfo::default()).await,
        Err(AuthError::InvalidRefreshToken)
    ));
    let refused = b.as_refresh(&sign_in).await;
    assert_eq!(
        refused.as_ref().err().map(|error| error.body().error),
        Some("invalid_grant"),
        "{refused:?}"
    );
    assert!(matches!(
        b.as_refresh(&first_party).await,
        Err(OAuthError::InvalidGrant(_))
    ));
    // Neither presentation rotated or revoked anything.
    assert!(
        b.auth
            .authorization_server_session(&sign_in)
            .await
            .unwrap()
            .is_some()
    );
    b.auth
        .refresh(&first_party, &ClientInfo::default())
        .await
        .unwrap();
}

/// A rotated grant token replayed at the first-party refresh must not be taken for a reuse
/// of a first-party session (which would revoke the grant: a cross-kind denial of service).
#[tokio::test]
async fn session_kinds_a_rotated_grant_token_replayed_as_first_party_revokes_nothing() {
    let b = both().await;
    let grant = b.grant().await;
    let rotated = b.as_refresh(grant.refresh_token.secret()).await.unwrap();
    b.h.advance(60);
    assert!(matches!(
        b.auth
            .refresh(grant.refresh_token.secret(), &ClientInfo::default())
            .await,
        Err(AuthError::InvalidRefreshToken)
    ));
    let session =
        b.h.memory
            .sessions
            .session(rotated.session_id)
            .await
            .unwrap()
            .unwrap();
    assert!(session.revoked_at.is_none(), "the grant must stay alive");
    b.as_refresh(rotated.refresh_token.secret()).await.unwrap();
}

/// An OAuth access token (it carries `client_id`) is not a first-party one: the revocation
/// check refuses it on a first-party session's terms, and a first-party token names no grant.
#[tokio::test]
async fn session_kinds_access_tokens_name_their_kind() {
    let b = both().await;
    let checker = RevocationChecker::with_clock(
        RevocationConfig::default(),
        Arc::new(b.h.memory.users.clone()),
        Arc::new(b.h.memory.sessions.clone()),
        Arc::new(b.h.memory.revocations.clone()),
        Arc::new(b.h.clock.clone()),
    );
    let grant = b.grant().await;
    let oauth = b
        .verifier
        .verify(grant.access_token.token.secret())
        .unwrap();
    assert_eq!(oauth.client_id.as_deref(), Some("workflow-studio"));
    checker.check(&oauth).await.unwrap();
    let (_, first_party) = b.first_party().await;
    let first_party = b.verifier.verify(&first_party).unwrap();
    assert!(first_party.client_id.is_none());
    checker.check(&first_party).await.unwrap();
    // Each token's sid names a session of its own kind (the check that refuses a mismatch is
    // pinned in tests/revocation.rs).
    let kind_of = |sid: &Option<String>| {
        let id = auth_core::store::SessionId::parse(sid.as_deref().unwrap()).unwrap();
        let sessions = b.h.memory.sessions.clone();
        async move { sessions.session(id).await.unwrap().unwrap().kind }
    };
    assert_eq!(kind_of(&oauth.sid).await, SessionKind::OAuthGrant);
    assert_eq!(kind_of(&first_party.sid).await, SessionKind::FirstParty);
}
