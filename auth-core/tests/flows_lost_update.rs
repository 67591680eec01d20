//! Lost updates (issue 12, item 2): flows that read the account, spend a while (hashing),
//! then wrote the whole record back undid whatever an administrator changed meanwhile — a
//! disable above all. Every flow now writes only the columns it changes.

mod flows_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::flows::{AuthConfig, AuthError};
use auth_core::password::{Password, PasswordHasher};
use auth_core::store::{StoreError, User, UserId, UserStore, UserUpdate};
use flows_support::*;
use tokio::sync::mpsc;

const EMAIL: &str = "kim@example.com";

/// Delegates every call to the real store and lets a test step in between a flow's read of
/// the account and its write.
struct Interpose {
    inner: Arc<dyn UserStore>,
    /// Told of every `user_by_id`, so a test can act right after a flow read the account.
    reads: Option<mpsc::UnboundedSender<()>>,
    /// Once armed, an administrator disables the account exactly once: right after the next
    /// `user_by_id` (so the flow holds a stale copy), or before the next write if the flow
    /// does not read.
    disable_armed: AtomicBool,
}

impl Interpose {
    fn wrap(inner: &Arc<dyn UserStore>, reads: Option<mpsc::UnboundedSender<()>>) -> Arc<Self> {
        Arc::new(Self {
            inner: Arc::clone(inner),
            reads,
            disable_armed: AtomicBool::new(false),
        })
    }

    async fn step_in(&self, id: UserId) -> Result<(), StoreError> {
        if self.disable_armed.swap(false, Ordering::SeqCst) {
            let disable = UserUpdate::new(SystemTime::now()).active(false);
            self.inner.update_user_fields(id, &disable).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl UserStore for Interpose {
    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        self.inner.insert_user(user).await
    }
    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let found = self.inner.user_by_id(id).await?;
        if let Some(reads) = &self.reads {
            let _ = reads.send(());
        }
        self.step_in(id).await?;
        Ok(found)
    }
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.inner.user_by_email(email).await
    }
    async fn user_by_username(&self, name: &str) -> Result<Option<User>, StoreError> {
        self.inner.user_by_username(name).await
    }
    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        self.step_in(user.id).await?;
        self.inner.update_user(user).await
    }
    async fn delete_user(&self, id: UserId) -> Result<bool, StoreError> {
        self.inner.delete_user(id).await
    }
    async fn update_user_fields(
        &self,
        id: UserId,
        update: &UserUpdate,
    ) -> Result<bool, StoreError> {
        self.step_in(id).await?;
        self.inner.update_user_fields(id, update).await
    }
    async fn record_login(&self, id: UserId, at: SystemTime) -> Result<(), StoreError> {
        self.inner.record_login(id, at).await
    }
}

/// Lost update: `change_password` read the account, verified and hashed with the real
/// argon2id parameters (hundreds of milliseconds), then wrote the whole record back — so an
/// administrator's disable made meanwhile was undone and the account was active again. Pins:
/// a disable that lands while `change_password` is hashing persists, and the password change
/// persists too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_update_a_disable_while_change_password_hashes_persists() {
    let (reads, mut read) = mpsc::unbounded_channel();
    let h = harness_full(AuthConfig::default(), PasswordHasher::default(), |stores| {
        stores.users = Interpose::wrap(&stores.users, Some(reads));
    });
    let (user, pair) = h.signup(EMAIL).await;
    while read.try_recv().is_ok() {}

    let auth = h.auth.clone();
    let change = tokio::spawn(async move {
        auth.change_password(
            user.id,
            pair.session_id,
            Password::from(PASSWORD),
            Password::from(NEW_PASSWORD),
        )
        .await
    });
    read.recv()
        .await
        .expect("change_password reads the account");
    // The administrator disables the account while change_password verifies and hashes.
    let disable = UserUpdate::new(h.now()).active(false);
    assert!(
        h.stores
            .users
            .update_user_fields(user.id, &disable)
            .await
            .unwrap()
    );
    assert!(
        !change.is_finished(),
        "the disable must land while change_password is still hashing"
    );
    change
        .await
        .expect("task")
        .expect("the password change succeeds");

    let stored = h.user(user.id).await;
    assert!(
        !stored.active,
        "lost update: the password change re-enabled a disabled account"
    );
    assert!(
        PasswordHasher::default()
            .verify(NEW_PASSWORD, stored.password_hash.as_deref().unwrap())
            .unwrap()
            .is_match(),
        "the password change persists too"
    );
}

/// Lost update in the other flows that wrote the whole record: password reset, email
/// verification and logout-all. Pins: an administrator's disable landing between the flow's
/// read and its write persists.
#[tokio::test]
async fn lost_update_a_disable_during_reset_verification_or_logout_all_persists() {
    for flow in ["reset_password", "verify_email", "logout_all"] {
        let mut admin = None;
        let h = harness_wired(AuthConfig::default(), |stores| {
            let wrapper = Interpose::wrap(&stores.users, None);
            admin = Some(Arc::clone(&wrapper));
            stores.users = wrapper;
        });
        let admin = admin.expect("rewired");
        let (user, _) = h.signup(EMAIL).await;
        match flow {
            "reset_password" => {
                h.auth
                    .request_password_reset(EMAIL, &client())
                    .await
                    .unwrap();
                h.auth.drain_background_work().await;
            }
            "verify_email" => h.auth.request_email_verification(user.id).await.unwrap(),
            _ => {}
        }
        let token = h.mailer.sent().last().map(|mail| mail.token.clone());

        admin.disable_armed.store(true, Ordering::SeqCst);
        let result: Result<(), AuthError> = match flow {
            "reset_password" => {
                h.auth
                    .reset_password(&token.unwrap(), Password::from(NEW_PASSWORD), &client())
                    .await
            }
            "verify_email" => h.auth.verify_email(&token.unwrap(), &client()).await,
            _ => h.auth.logout_all(user.id).await.map(drop),
        };
        result.unwrap_or_else(|error| panic!("{flow}: {error:?}"));
        assert!(
            !admin.disable_armed.load(Ordering::SeqCst),
            "{flow}: the administrator's disable must have happened"
        );
        assert!(
            !h.user(user.id).await.active,
            "lost update: {flow} re-enabled an account disabled while it ran"
        );
    }
}
