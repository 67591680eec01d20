//! `AuthService::builder` (issue 13): one description builds the service, its access-token
//! verifier and its revocation checker, which agree on keys, issuer, audience, clock and
//! stores.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use auth_core::ManualClock;
use auth_core::flows::{
    AuthService, BuildError, ClientInfo, MailKind, RecordingMailer, Stores, TokenPair,
};
use auth_core::password::{Password, PasswordHasher};
use auth_core::revocation::{RevocationConfig, RevocationError};
use auth_core::store::{
    SeparateTokenStatus, StoreError, TokenStatus, TokenStatusQuery, TokenStatusStore,
};
use auth_core::token::{Algorithm, KeySet, SigningKey, TokenError};

const ISSUER: &str = "https://auth.example.com";
const AUDIENCE: &str = "https://api.example.com";

fn keys() -> KeySet {
    KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[5; 32]).unwrap())
}

fn builder(stores: Stores, clock: &ManualClock) -> auth_core::flows::AuthServiceBuilder {
    AuthService::builder(keys(), stores)
        .issuer(ISSUER, AUDIENCE)
        .mailer(Arc::new(RecordingMailer::default()))
        .hasher(PasswordHasher::insecure_fast_for_tests())
        .clock(Arc::new(clock.clone()))
        .revocation(RevocationConfig::default().max_staleness(Duration::ZERO))
}

async fn signup(service: &AuthService) -> TokenPair {
    service
        .signup(
            "kim@example.com",
            Password::from("correct horse battery staple"),
            &ClientInfo::default(),
        )
        .await
        .unwrap()
        .1
}

/// The claims of `pair`'s access token, verified by the service's own verifier.
fn verified(service: &AuthService, pair: &TokenPair) -> auth_core::token::Claims {
    service
        .access_token_verifier()
        .verify(pair.access_token.token.secret())
        .unwrap()
}

#[test]
fn a_builder_names_what_it_cannot_build_without() {
    let no_issuer = AuthService::builder(keys(), Stores::in_memory())
        .mailer(Arc::new(RecordingMailer::default()))
        .build();
    assert_eq!(no_issuer.unwrap_err(), BuildError::MissingIssuer);
    let no_mailer = AuthService::builder(keys(), Stores::in_memory())
        .issuer(ISSUER, AUDIENCE)
        .build();
    let error = no_mailer.unwrap_err();
    assert_eq!(error, BuildError::MissingMailer);
    assert!(error.to_string().contains(".mailer("), "{error}");
}

#[tokio::test]
async fn the_built_verifier_and_checker_accept_what_the_service_issues_and_see_its_logout() {
    let clock = ManualClock::at_unix(1_800_000_000);
    let service = builder(Stores::in_memory(), &clock).build().unwrap();
    let pair = signup(&service).await;
    let claims = verified(&service, &pair);
    assert_eq!(claims.iss, ISSUER);
    service.revocation_checker().check(&claims).await.unwrap();

    service.logout(pair.session_id).await.unwrap();
    assert!(matches!(
        service.revocation_checker().check(&claims).await,
        Err(RevocationError::SessionEnded)
    ));
}

/// The clock is given once: the issuer stamps with it and the verifier expires with it.
#[tokio::test]
async fn one_clock_reaches_the_issuer_and_the_verifier() {
    let clock = ManualClock::at_unix(1_800_000_000);
    let service = builder(Stores::in_memory(), &clock)
        .access_token_ttl(Duration::from_secs(60))
        .build()
        .unwrap();
    let pair = signup(&service).await;
    let token = pair.access_token.token.secret().to_owned();
    let claims = service.access_token_verifier().verify(&token).unwrap();
    assert_eq!(claims.iat, 1_800_000_000);
    assert_eq!(claims.exp, 1_800_000_060);
    clock.advance(Duration::from_secs(60 + 31)); // past exp and the 30 s leeway
    assert!(matches!(
        service.access_token_verifier().verify(&token),
        Err(TokenError::Expired)
    ));
}

/// Another issuer or audience signed with the same key is refused: `iss`/`aud` are given
/// once and the verifier checks exactly those.
#[tokio::test]
async fn the_verifier_checks_the_issuer_and_audience_given_once() {
    let clock = ManualClock::at_unix(1_800_000_000);
    let service = builder(Stores::in_memory(), &clock).build().unwrap();
    let other = AuthService::builder(keys(), Stores::in_memory())
        .issuer(ISSUER, "https://other-api.example.com")
        .mailer(Arc::new(RecordingMailer::default()))
        .hasher(PasswordHasher::insecure_fast_for_tests())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let foreign = signup(&other).await;
    assert!(matches!(
        service
            .access_token_verifier()
            .verify(foreign.access_token.token.secret()),
        Err(TokenError::WrongAudience)
    ));
}

struct Counting {
    inner: SeparateTokenStatus,
    calls: AtomicUsize,
}

#[async_trait]
impl TokenStatusStore for Counting {
    async fn token_status(&self, query: &TokenStatusQuery<'_>) -> Result<TokenStatus, StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.token_status(query).await
    }
}

#[tokio::test]
async fn a_token_status_store_given_to_the_builder_answers_the_checks() {
    let clock = ManualClock::at_unix(1_800_000_000);
    let stores = Stores::in_memory();
    let counting = Arc::new(Counting {
        inner: SeparateTokenStatus::new(
            stores.users.clone(),
            stores.sessions.clone(),
            stores.revocations.clone(),
        ),
        calls: AtomicUsize::new(0),
    });
    let service = builder(stores, &clock)
        .token_status_store(counting.clone())
        .build()
        .unwrap();
    let pair = signup(&service).await;
    let claims = verified(&service, &pair);
    service.revocation_checker().check(&claims).await.unwrap();
    assert_eq!(counting.calls.load(Ordering::SeqCst), 1);
}

/// Issue 14, "logout that takes effect at once, by default": the service's own flows drop
/// what its checker cached, so with a long cache the host's routes (which use that checker)
/// refuse the ended session's token on the next request — also when the host calls the
/// flows itself, without auth-tower's endpoints.
mod the_services_own_flows_reach_its_checker_at_once {
    use super::*;
    use auth_core::revocation::RevocationChecker;
    use auth_core::token::Claims;

    const PASSWORD: &str = "correct horse battery staple";

    async fn cached(clock: &ManualClock) -> (AuthService, TokenPair, Claims) {
        cached_mailing_to(clock, RecordingMailer::default()).await
    }

    /// A service with a minute-long revocation cache and a signed-up user whose token is
    /// now cached as live.
    async fn cached_mailing_to(
        clock: &ManualClock,
        mailer: RecordingMailer,
    ) -> (AuthService, TokenPair, Claims) {
        let service = builder(Stores::in_memory(), clock)
            .mailer(Arc::new(mailer))
            .revocation(RevocationConfig::default().max_staleness(Duration::from_secs(60)))
            .build()
            .unwrap();
        let pair = signup(&service).await;
        let claims = verified(&service, &pair);
        // Now cached as live for a minute.
        service.revocation_checker().check(&claims).await.unwrap();
        (service, pair, claims)
    }

    async fn refused(checker: &RevocationChecker, claims: &Claims) -> bool {
        checker.check(claims).await.is_err()
    }

    #[tokio::test]
    async fn logout() {
        let clock = ManualClock::at_unix(1_800_000_000);
        let (service, pair, claims) = cached(&clock).await;
        service.logout(pair.session_id).await.unwrap();
        assert!(refused(service.revocation_checker(), &claims).await);
    }

    #[tokio::test]
    async fn end_session() {
        let clock = ManualClock::at_unix(1_800_000_000);
        let (service, pair, claims) = cached(&clock).await;
        let user = auth_core::store::UserId::parse(&claims.sub).unwrap();
        service.end_session(user, pair.session_id).await.unwrap();
        assert!(refused(service.revocation_checker(), &claims).await);
    }

    #[tokio::test]
    async fn logout_all() {
        let clock = ManualClock::at_unix(1_800_000_000);
        let (service, _, claims) = cached(&clock).await;
        clock.advance(Duration::from_secs(1)); // the cut-off is in whole seconds
        let user = auth_core::store::UserId::parse(&claims.sub).unwrap();
        service.logout_all(user).await.unwrap();
        assert!(refused(service.revocation_checker(), &claims).await);
    }

    #[tokio::test]
    async fn a_password_change_ends_the_other_sessions() {
        let clock = ManualClock::at_unix(1_800_000_000);
        let (service, _, claims) = cached(&clock).await;
        let other = service
            .login(
                "kim@example.com",
                Password::from(PASSWORD),
                &ClientInfo::default(),
            )
            .await
            .unwrap();
        let user = auth_core::store::UserId::parse(&claims.sub).unwrap();
        service
            .change_password(
                user,
                other.session_id,
                Password::from(PASSWORD),
                Password::from("another horse battery staple"),
            )
            .await
            .unwrap();
        assert!(
            refused(service.revocation_checker(), &claims).await,
            "the first session's token, cached as live, is refused at once"
        );
    }

    #[tokio::test]
    async fn a_replayed_refresh_token_ends_its_session() {
        let clock = ManualClock::at_unix(1_800_000_000);
        let (service, pair, claims) = cached(&clock).await;
        let stolen = pair.refresh_token.secret().to_owned();
        service
            .refresh(&stolen, &ClientInfo::default())
            .await
            .unwrap();
        clock.advance(Duration::from_secs(30)); // past the reuse grace window
        assert!(
            service
                .refresh(&stolen, &ClientInfo::default())
                .await
                .is_err()
        );
        assert!(refused(service.revocation_checker(), &claims).await);
    }

    #[tokio::test]
    async fn a_password_reset_ends_every_session() {
        let clock = ManualClock::at_unix(1_800_000_000);
        let mailer = RecordingMailer::default();
        let (service, _, claims) = cached_mailing_to(&clock, mailer.clone()).await;
        clock.advance(Duration::from_secs(1)); // the cut-off is in whole seconds

        service
            .request_password_reset("kim@example.com", &ClientInfo::default())
            .await
            .unwrap();
        service.drain_background_work().await;
        let link = mailer
            .last_token(MailKind::PasswordReset, "kim@example.com")
            .expect("a reset link was mailed");
        service
            .reset_password(
                &link,
                Password::from("another horse battery staple"),
                &ClientInfo::default(),
            )
            .await
            .unwrap();
        assert!(refused(service.revocation_checker(), &claims).await);
    }
}
