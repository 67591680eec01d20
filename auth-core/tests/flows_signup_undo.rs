//! Issue 13: a signup that failed after creating its account left it behind — the retry was
//! answered "email taken", the login failed — so every signup path now deletes the account
//! again when a later write fails.

mod flows_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use auth_core::flows::{AuthConfig, AuthError, SignupMode, SignupOutcome, SignupRequest};
use auth_core::flows::{SocialProfile, Stores};
use auth_core::password::Password;
use auth_core::store::memory::MemoryUserStore;
use auth_core::store::{
    AuditEvent, AuditKind, AuditStore, StoreError, User, UserId, UserStore, UserUpdate,
};
use flows_support::*;

const EMAIL: &str = "kim@example.com";

/// The audit trail, failing to record `signup` events while `down` is set: the last write of
/// every signup path. (Other events, `signup_undone` among them, are recorded.)
struct FlakyAudit {
    inner: Arc<dyn AuditStore>,
    down: Arc<AtomicBool>,
}

#[async_trait]
impl AuditStore for FlakyAudit {
    async fn record_event(&self, event: &AuditEvent) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) && event.kind == AuditKind::Signup {
            return Err(StoreError::backend(std::io::Error::other(
                "audit disk full",
            )));
        }
        self.inner.record_event(event).await
    }
    async fn events_for_user(
        &self,
        user_id: UserId,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        self.inner.events_for_user(user_id, limit).await
    }
}

/// A harness whose audit trail is down until the returned switch is cleared.
fn with_audit_down(config: AuthConfig) -> (Harness, Arc<AtomicBool>) {
    let down = Arc::new(AtomicBool::new(true));
    let switch = Arc::clone(&down);
    let h = harness_wired(config, move |stores: &mut Stores| {
        stores.audit = Arc::new(FlakyAudit {
            inner: Arc::clone(&stores.audit),
            down: switch,
        });
    });
    (h, down)
}

async fn account(h: &Harness) -> Option<User> {
    h.stores.users.user_by_email(EMAIL).await.unwrap()
}

fn request() -> SignupRequest {
    SignupRequest::new(EMAIL, Password::from(PASSWORD))
}

#[tokio::test]
async fn issue13_a_failed_signup_leaves_no_account_and_the_retry_succeeds() {
    let (h, down) = with_audit_down(AuthConfig::default());
    let failed = h.auth.signup_with(request(), &client()).await;
    assert!(matches!(failed, Err(AuthError::Store(_))), "{failed:?}");
    assert_eq!(account(&h).await, None, "the half-created account is gone");
    let undone = h.events_of(AuditKind::SignupUndone);
    assert_eq!(undone.len(), 1, "the trail says the account was removed");
    assert_eq!(undone[0].detail.as_deref(), Some("server_error"));
    assert!(!undone[0].success);

    down.store(false, Ordering::SeqCst);
    let (user, _) = h
        .auth
        .signup_with(request(), &client())
        .await
        .expect("the retry is not 'email taken'");
    assert_eq!(account(&h).await.map(|found| found.id), Some(user.id));
    h.login(EMAIL, PASSWORD)
        .await
        .expect("and the account works");
}

#[tokio::test]
async fn issue13_a_failed_enumeration_safe_signup_leaves_no_account() {
    let mut config = AuthConfig::default();
    config.signup_mode = SignupMode::EnumerationSafe;
    let (h, down) = with_audit_down(config);
    let failed = h.auth.register(request(), &client()).await;
    assert!(matches!(failed, Err(AuthError::Store(_))), "{failed:?}");
    assert_eq!(account(&h).await, None);

    down.store(false, Ordering::SeqCst);
    let outcome = h.auth.register(request(), &client()).await.unwrap();
    assert!(matches!(outcome, SignupOutcome::VerificationSent));
    assert!(account(&h).await.is_some());
}

#[tokio::test]
async fn issue13_a_failed_first_social_login_leaves_no_account() {
    let (h, down) = with_audit_down(AuthConfig::default());
    let profile = || SocialProfile::new("google", "g-1").email(EMAIL, true);
    let failed = h.auth.complete_social_login(profile(), &client()).await;
    assert!(matches!(failed, Err(AuthError::Store(_))), "{failed:?}");
    assert_eq!(account(&h).await, None);

    down.store(false, Ordering::SeqCst);
    h.auth
        .complete_social_login(profile(), &client())
        .await
        .expect("the retry creates the account");
    assert!(account(&h).await.is_some());
}

/// Users whose deletion fails: the undo itself fails.
struct Undeletable(MemoryUserStore);

#[async_trait]
impl UserStore for Undeletable {
    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        self.0.insert_user(user).await
    }
    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.0.user_by_id(id).await
    }
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.0.user_by_email(email).await
    }
    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.0.user_by_username(username).await
    }
    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        self.0.update_user(user).await
    }
    async fn update_user_fields(
        &self,
        id: UserId,
        update: &UserUpdate,
    ) -> Result<bool, StoreError> {
        self.0.update_user_fields(id, update).await
    }
    async fn record_login(&self, id: UserId, at: std::time::SystemTime) -> Result<(), StoreError> {
        self.0.record_login(id, at).await
    }
    async fn delete_user(&self, _: UserId) -> Result<bool, StoreError> {
        Err(StoreError::backend(std::io::Error::other("delete refused")))
    }
}

#[tokio::test]
async fn when_the_undo_fails_too_the_signup_answers_its_own_error() {
    let users = MemoryUserStore::new();
    let down = Arc::new(AtomicBool::new(true));
    let h = harness_wired(AuthConfig::default(), {
        let users = users.clone();
        let down = Arc::clone(&down);
        move |stores: &mut Stores| {
            stores.users = Arc::new(Undeletable(users));
            stores.audit = Arc::new(FlakyAudit {
                inner: Arc::clone(&stores.audit),
                down,
            });
        }
    });
    let failed = h.auth.signup_with(request(), &client()).await;
    let Err(AuthError::Store(error)) = failed else {
        panic!("{failed:?}");
    };
    assert!(
        auth_core::ErrorChain::new(&error)
            .to_string()
            .contains("audit disk full"),
        "the signup's own failure, not the undo's: {error:?}"
    );
    assert!(
        users.user_by_email(EMAIL).await.unwrap().is_some(),
        "nothing pretends the account is gone"
    );
}
