//! The conformance test-kit run against the in-memory stores, and against deliberately broken
//! stores to show that the kit catches the bugs it is meant to catch.

// Without the feature there is no test-kit to run (Cargo.toml may also make this file require it).
#![cfg(feature = "testkit")]

use std::sync::Arc;

use auth_core::flows::Stores;
use auth_core::store::memory::{
    MemoryAuditStore, MemoryCeremonyStore, MemoryCounterStore, MemoryIdentityStore,
    MemoryOneTimeTokenStore, MemoryPasskeyStore, MemoryPendingLoginStore, MemoryRevocationStore,
    MemorySecondFactorStore, MemorySessionStore, MemoryStores, MemoryThrottleStore,
    MemoryUserStore,
};
use auth_core::store::{SeparateTokenStatus, SplitTokenStatus};
use auth_core::testkit;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_user_store_conforms() {
    testkit::user_store_conformance(Arc::new(MemoryUserStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_identity_store_conforms() {
    let users = MemoryUserStore::new();
    testkit::identity_store_conformance(Arc::new(MemoryIdentityStore::new()), &users).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_session_store_conforms() {
    let users = MemoryUserStore::new();
    testkit::session_store_conformance(Arc::new(MemorySessionStore::new()), &users).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_revocation_store_conforms() {
    testkit::revocation_store_conformance(Arc::new(MemoryRevocationStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_token_status_over_memory_stores_conforms() {
    let users = Arc::new(MemoryUserStore::new());
    let sessions = Arc::new(MemorySessionStore::new());
    let revocations = Arc::new(MemoryRevocationStore::new());
    let status = SeparateTokenStatus::new(users.clone(), sessions.clone(), revocations.clone());
    testkit::token_status_store_conformance(Arc::new(status), &*users, &*sessions, &*revocations)
        .await;
}

/// Users and sessions in one store, the denylist in another (SQL + Redis): the split answers
/// as the separate reads do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_token_status_over_memory_stores_conforms() {
    let users = Arc::new(MemoryUserStore::new());
    let sessions = Arc::new(MemorySessionStore::new());
    let revocations = Arc::new(MemoryRevocationStore::new());
    // The accounts side has its own (empty) denylist: a split that asked it about `jti`s
    // would miss every revocation.
    let accounts = SeparateTokenStatus::new(
        users.clone(),
        sessions.clone(),
        Arc::new(MemoryRevocationStore::new()),
    );
    let split = SplitTokenStatus::new(Arc::new(accounts), revocations.clone());
    testkit::token_status_store_conformance(Arc::new(split), &*users, &*sessions, &*revocations)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_one_time_token_store_conforms() {
    let users = MemoryUserStore::new();
    testkit::one_time_token_store_conformance(Arc::new(MemoryOneTimeTokenStore::new()), &users)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_pending_login_store_conforms() {
    testkit::pending_login_store_conformance(Arc::new(MemoryPendingLoginStore::new())).await;
}

// TOTP steps and recovery codes: 50 concurrent uses of one step (and of one code) succeed
// exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_second_factor_store_conforms() {
    let users = MemoryUserStore::new();
    testkit::second_factor_store_conformance(Arc::new(MemorySecondFactorStore::new()), &users)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_ceremony_store_conforms() {
    testkit::ceremony_store_conformance(Arc::new(MemoryCeremonyStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_passkey_store_conforms() {
    let users = MemoryUserStore::new();
    testkit::passkey_store_conformance(Arc::new(MemoryPasskeyStore::new()), &users).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_throttle_store_conforms() {
    testkit::throttle_store_conformance(Arc::new(MemoryThrottleStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_counter_store_conforms() {
    testkit::counter_store_conformance(Arc::new(MemoryCounterStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_audit_store_conforms() {
    let users = MemoryUserStore::new();
    testkit::audit_store_conformance(Arc::new(MemoryAuditStore::new()), &users).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_oauth_stores_conform() {
    let stores = Stores::from(MemoryStores::new());
    let oauth = auth_core::oauth_server::OAuthStores::in_memory();
    testkit::run_all_oauth(&stores, &oauth).await;
    // Twice over the same data: the kit never assumes empty stores.
    testkit::run_all_oauth(&stores, &oauth).await;
}

/// The kit never assumes an empty store: a second run over the data of the first passes too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_all_passes_twice_on_the_same_stores() {
    let stores = Stores::from(MemoryStores::new());
    testkit::run_all(&stores).await;
    testkit::run_all(&stores).await;
}

/// The kit also runs (with less real parallelism) on a current-thread runtime.
#[tokio::test]
async fn run_all_passes_on_a_current_thread_runtime() {
    testkit::run_all(&Stores::from(MemoryStores::new())).await;
}

/// Callers may spawn the kit: its futures are `Send`.
#[test]
fn run_all_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let stores = Stores::from(MemoryStores::new());
    let future = testkit::run_all(&stores);
    assert_send(&future);
}

/// Stores with one bug each. Every one must make the kit fail, with a message naming the rule.
mod broken {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, SystemTime};

    use async_trait::async_trait;
    use auth_core::opaque::TokenHash;
    use auth_core::store::memory::{
        MemoryOneTimeTokenStore, MemoryRevocationStore, MemorySessionStore, MemoryUserStore,
    };
    use auth_core::store::{
        Assurance, OneTimePurpose, OneTimeToken, OneTimeTokenStore, RefreshTokenRecord,
        Reservation, RevokeReason, Rotation, SecondFactorStore, SecretHash, Session, SessionId,
        SessionKind, SessionStore, StoreError, ThrottleStore, TotpRecord, User, UserId, UserStore,
        UserUpdate,
    };
    use auth_core::testkit;

    /// Holds a racy store's gap between its read and its write open until another call has
    /// arrived after this one (or a bound passes). A bare `yield_now` left the overlap to the
    /// scheduler: on a busy two-core machine one call could finish before the next began, the
    /// race did not happen, and the "is caught" test failed for want of a bug to catch. Held
    /// this way, the kit's concurrent calls overlap on every run; calls the kit makes one at a
    /// time each wait out the bound alone and then behave correctly.
    #[derive(Default)]
    struct RaceWindow(AtomicUsize);

    impl RaceWindow {
        async fn hold(&self) {
            let arrived = self.0.fetch_add(1, Ordering::SeqCst);
            let deadline = tokio::time::Instant::now() + Duration::from_millis(50);
            while self.0.load(Ordering::SeqCst) == arrived + 1
                && tokio::time::Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }

    /// Finds usernames only in the case they were stored in.
    #[derive(Default)]
    struct CaseSensitiveUsernames(MemoryUserStore);

    #[async_trait]
    impl UserStore for CaseSensitiveUsernames {
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
            let found = self.0.user_by_username(username).await?;
            Ok(found.filter(|user| user.username.as_deref() == Some(username)))
        }
        async fn update_user(&self, user: &User) -> Result<(), StoreError> {
            self.0.update_user(user).await
        }
        async fn delete_user(&self, id: UserId) -> Result<bool, StoreError> {
            self.0.delete_user(id).await
        }
        async fn update_user_fields(
            &self,
            id: UserId,
            update: &UserUpdate,
        ) -> Result<bool, StoreError> {
            self.0.update_user_fields(id, update).await
        }
        async fn record_login(&self, id: UserId, at: SystemTime) -> Result<(), StoreError> {
            self.0.record_login(id, at).await
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[should_panic(expected = "usernames are compared case-insensitively")]
    async fn case_sensitive_usernames_are_caught() {
        testkit::user_store_conformance(Arc::new(CaseSensitiveUsernames::default())).await;
    }

    /// The user-store bugs the column-scoped and exact-match checks exist for.
    #[derive(Clone, Copy)]
    enum UserBug {
        /// `update_user_fields` reads the record, then writes it back whole.
        WholeRecordWrites,
        /// `update_user_fields` sets the cut-off to the value given, even an earlier one.
        CutOffMovesBack,
        /// `user_by_email` falls back to a case-insensitive match, like a `_ci` collation.
        FoldingEmails,
        /// `delete_user` removes the row but its email stays taken (a unique index on a
        /// column the delete did not clear, say).
        DeleteKeepsEmail,
    }

    struct BuggyUsers(MemoryUserStore, UserBug, RaceWindow);

    impl BuggyUsers {
        fn new(bug: UserBug) -> Arc<Self> {
            Arc::new(Self(MemoryUserStore::new(), bug, RaceWindow::default()))
        }
    }

    #[async_trait]
    impl UserStore for BuggyUsers {
        async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
            self.0.insert_user(user).await
        }
        async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
            self.0.user_by_id(id).await
        }
        async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
            match (self.0.user_by_email(email).await?, self.1) {
                (None, UserBug::FoldingEmails) => {
                    self.0.user_by_email(&email.trim().to_lowercase()).await
                }
                (found, _) => Ok(found),
            }
        }
        async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
            self.0.user_by_username(username).await
        }
        async fn update_user(&self, user: &User) -> Result<(), StoreError> {
            self.0.update_user(user).await
        }
        async fn delete_user(&self, id: UserId) -> Result<bool, StoreError> {
            let user = self.0.user_by_id(id).await?;
            let deleted = self.0.delete_user(id).await?;
            if let (UserBug::DeleteKeepsEmail, Some(user)) = (self.1, user) {
                let ghost = User::new(
                    UserId::generate().expect("random"),
                    &user.email,
                    user.created_at,
                );
                self.0.insert_user(&ghost).await?;
            }
            Ok(deleted)
        }
        async fn update_user_fields(
            &self,
            id: UserId,
            update: &UserUpdate,
        ) -> Result<bool, StoreError> {
            match self.1 {
                UserBug::WholeRecordWrites => {
                    let mut user = self
                        .0
                        .user_by_id(id)
                        .await?
                        .ok_or(StoreError::NotFound("user"))?;
                    if update
                        .if_password_hash
                        .as_ref()
                        .is_some_and(|expected| user.password_hash.as_ref() != Some(expected))
                    {
                        return Ok(false);
                    }
                    self.2.hold().await; // the "hashing" between read and write
                    user.updated_at = update.updated_at;
                    if let Some(hash) = &update.password_hash {
                        user.password_hash = Some(hash.clone());
                    }
                    user.email_verified = update.email_verified.unwrap_or(user.email_verified);
                    user.active = update.active.unwrap_or(user.active);
                    user.roles = update.roles.clone().unwrap_or(user.roles);
                    user.permissions = update.permissions.clone().unwrap_or(user.permissions);
                    user.tokens_valid_after =
                        user.tokens_valid_after.max(update.tokens_valid_after);
                    self.0.update_user(&user).await?;
                    Ok(true)
                }
                UserBug::CutOffMovesBack => {
                    let mut rest = update.clone();
                    let cut_off = rest.tokens_valid_after.take();
                    let applied = self.0.update_user_fields(id, &rest).await?;
                    if let (true, Some(cut_off)) = (applied, cut_off) {
                        let mut user = self.0.user_by_id(id).await?.expect("just updated");
                        user.tokens_valid_after = Some(cut_off);
                        self.0.update_user(&user).await?;
                    }
                    Ok(applied)
                }
                UserBug::FoldingEmails | UserBug::DeleteKeepsEmail => {
                    self.0.update_user_fields(id, update).await
                }
            }
        }
        async fn record_login(&self, id: UserId, at: SystemTime) -> Result<(), StoreError> {
            self.0.record_login(id, at).await
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[should_panic(expected = "lost update")]
    async fn whole_record_writes_are_caught() {
        testkit::user_store_conformance(BuggyUsers::new(UserBug::WholeRecordWrites)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[should_panic(expected = "must never move tokens_valid_after backwards")]
    async fn a_cut_off_moving_backwards_is_caught() {
        testkit::user_store_conformance(BuggyUsers::new(UserBug::CutOffMovesBack)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[should_panic(expected = "a deleted user must be gone by email")]
    async fn a_delete_that_keeps_the_email_taken_is_caught() {
        testkit::user_store_conformance(BuggyUsers::new(UserBug::DeleteKeepsEmail)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[should_panic(expected = "emails are compared exactly")]
    async fn case_insensitive_email_lookups_are_caught() {
        testkit::user_store_conformance(BuggyUsers::new(UserBug::FoldingEmails)).await;
    }

    /// Reports a replayed refresh token as merely inactive, hiding the theft signal.
    #[derive(Default)]
    struct FlawedSessions {
        inner: MemorySessionStore,
        flaw: SessionFlaw,
    }

    #[derive(Default, Clone, Copy, PartialEq)]
    enum SessionFlaw {
        /// Reports a replayed refresh token as merely inactive, hiding the theft signal.
        #[default]
        ReplayLooksInactive,
        /// Ignores the session kind a caller names: any live token of any kind serves.
        KindBlind,
    }

    const ALL_KINDS: [SessionKind; 3] = [
        SessionKind::FirstParty,
        SessionKind::AuthorizationServerSignIn,
        SessionKind::OAuthGrant,
    ];

    impl FlawedSessions {
        fn with(flaw: SessionFlaw) -> Self {
            Self {
                inner: MemorySessionStore::new(),
                flaw,
            }
        }

        /// The kinds a lookup under `kind` tries: the flaw makes it try all.
        fn kinds(&self, kind: SessionKind) -> Vec<SessionKind> {
            if self.flaw == SessionFlaw::KindBlind {
                ALL_KINDS.to_vec()
            } else {
                vec![kind]
            }
        }
    }

    #[async_trait]
    impl SessionStore for FlawedSessions {
        async fn create_session(
            &self,
            session: &Session,
            first_token: &RefreshTokenRecord,
        ) -> Result<(), StoreError> {
            self.inner.create_session(session, first_token).await
        }
        async fn session(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
            self.inner.session(id).await
        }
        async fn refresh_token(
            &self,
            hash: &TokenHash,
            kind: SessionKind,
        ) -> Result<Option<RefreshTokenRecord>, StoreError> {
            for kind in self.kinds(kind) {
                if let Some(found) = self.inner.refresh_token(hash, kind).await? {
                    return Ok(Some(found));
                }
            }
            Ok(None)
        }
        async fn active_sessions(
            &self,
            user_id: UserId,
            now: SystemTime,
        ) -> Result<Vec<Session>, StoreError> {
            self.inner.active_sessions(user_id, now).await
        }
        async fn record_authentication(
            &self,
            id: SessionId,
            assurance: &Assurance,
            now: SystemTime,
        ) -> Result<bool, StoreError> {
            self.inner.record_authentication(id, assurance, now).await
        }
        async fn rotate_refresh_token(
            &self,
            presented: &TokenHash,
            kind: SessionKind,
            next: &RefreshTokenRecord,
            now: SystemTime,
            idle_timeout: Duration,
        ) -> Result<Rotation, StoreError> {
            for kind in self.kinds(kind) {
                let outcome = self
                    .inner
                    .rotate_refresh_token(presented, kind, next, now, idle_timeout)
                    .await?;
                match outcome {
                    Rotation::Unknown => continue,
                    Rotation::AlreadyRotated { session, .. }
                        if self.flaw == SessionFlaw::ReplayLooksInactive =>
                    {
                        return Ok(Rotation::Inactive(session));
                    }
                    other => return Ok(other),
                }
            }
            Ok(Rotation::Unknown)
        }
        async fn revoke_session(
            &self,
            id: SessionId,
            reason: RevokeReason,
            at: SystemTime,
        ) -> Result<bool, StoreError> {
            self.inner.revoke_session(id, reason, at).await
        }
        async fn revoke_user_sessions(
            &self,
            user_id: UserId,
            keep: Option<SessionId>,
            reason: RevokeReason,
            at: SystemTime,
        ) -> Result<u64, StoreError> {
            self.inner
                .revoke_user_sessions(user_id, keep, reason, at)
                .await
        }
        async fn purge_expired_sessions(&self, now: SystemTime) -> Result<u64, StoreError> {
            self.inner.purge_expired_sessions(now).await
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[should_panic(expected = "of a token that was already rotated must return AlreadyRotated")]
    async fn replay_reported_as_inactive_is_caught() {
        let users = MemoryUserStore::new();
        let store = FlawedSessions::with(SessionFlaw::ReplayLooksInactive);
        testkit::session_store_conformance(Arc::new(store), &users).await;
    }

    /// Session kinds: a store that lets a credential of one kind serve another is caught.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[should_panic(expected = "must find nothing")]
    async fn kind_blind_session_store_is_caught() {
        let users = MemoryUserStore::new();
        let store = FlawedSessions::with(SessionFlaw::KindBlind);
        testkit::session_store_conformance(Arc::new(store), &users).await;
    }

    /// Accepts a one-time token whatever purpose it is presented for.
    #[derive(Default)]
    struct AnyPurpose(MemoryOneTimeTokenStore);

    #[async_trait]
    impl OneTimeTokenStore for AnyPurpose {
        async fn issue_one_time_token(&self, token: &OneTimeToken) -> Result<(), StoreError> {
            self.0.issue_one_time_token(token).await
        }
        async fn consume_one_time_token(
            &self,
            hash: &TokenHash,
            _purpose: OneTimePurpose,
            now: SystemTime,
        ) -> Result<Option<OneTimeToken>, StoreError> {
            for purpose in [
                OneTimePurpose::PasswordReset,
                OneTimePurpose::EmailVerification,
                OneTimePurpose::LoginCode,
            ] {
                if let Some(token) = self.0.consume_one_time_token(hash, purpose, now).await? {
                    return Ok(Some(token));
                }
            }
            Ok(None)
        }
        async fn void_one_time_tokens(
            &self,
            user_id: UserId,
            purpose: OneTimePurpose,
        ) -> Result<u64, StoreError> {
            self.0.void_one_time_tokens(user_id, purpose).await
        }
        async fn purge_expired_one_time_tokens(&self, now: SystemTime) -> Result<u64, StoreError> {
            self.0.purge_expired_one_time_tokens(now).await
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[should_panic(expected = "must refuse a token presented for another purpose")]
    async fn any_purpose_one_time_tokens_are_caught() {
        let users = MemoryUserStore::new();
        testkit::one_time_token_store_conformance(Arc::new(AnyPurpose::default()), &users).await;
    }

    /// Correct one call at a time, but reads the count, awaits, then writes it back: the
    /// "check, then record" throttle of issue 14, where concurrent attempts all see room and
    /// all get a real password check (and overwrite each other's counts).
    #[derive(Default)]
    struct RacyThrottle(Mutex<HashMap<String, (SystemTime, u32)>>, RaceWindow);

    impl RacyThrottle {
        fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<String, (SystemTime, u32)>> {
            self.0
                .lock()
                .expect("no test panics while holding the lock")
        }
    }

    #[async_trait]
    impl ThrottleStore for RacyThrottle {
        async fn reserve(
            &self,
            key: &str,
            now: SystemTime,
            window: Duration,
            max: u32,
        ) -> Result<Reservation, StoreError> {
            let current = self.keys().get(key).copied();
            self.1.hold().await; // a round trip to the database, say
            let (opened, attempts) = match current {
                Some((opened, attempts)) if opened + window > now => (opened, attempts),
                _ => (now, 0),
            };
            if attempts >= max {
                return Ok(Reservation::Refused {
                    retry_after: (opened + window).duration_since(now).unwrap_or(window),
                });
            }
            self.keys().insert(key.to_owned(), (opened, attempts + 1));
            Ok(Reservation::Granted)
        }
        async fn release(
            &self,
            key: &str,
            now: SystemTime,
            window: Duration,
        ) -> Result<(), StoreError> {
            if let Some((opened, attempts)) = self.keys().get_mut(key)
                && *opened + window > now
            {
                *attempts = attempts.saturating_sub(1);
            }
            Ok(())
        }
        async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
            let nested = format!("{key}:");
            self.keys()
                .retain(|other, _| other != key && !other.starts_with(&nested));
            Ok(())
        }
        async fn purge_old_failures(
            &self,
            now: SystemTime,
            window: Duration,
        ) -> Result<u64, StoreError> {
            let cutoff = now - window;
            let mut keys = self.keys();
            let before = keys.len();
            keys.retain(|_, (opened, _)| *opened >= cutoff);
            Ok(u64::try_from(before - keys.len()).expect("few keys in a test"))
        }
    }

    // Current-thread: the interleaving (all 50 read before any writes back) is deterministic.
    #[tokio::test]
    #[should_panic(expected = "must grant exactly 7 (count before you check")]
    async fn racy_throttle_reservations_are_caught() {
        testkit::throttle_store_conformance(Arc::new(RacyThrottle::default())).await;
    }

    /// Reads the counter, awaits, then writes it back: the read-then-write quota of seed 002,
    /// where concurrent requests all see room and the counter loses updates.
    #[derive(Default)]
    struct RacyCounters(Mutex<HashMap<String, (u64, SystemTime)>>, RaceWindow);

    #[async_trait]
    impl auth_core::store::CounterStore for RacyCounters {
        async fn add(
            &self,
            key: &str,
            cost: u64,
            limit: u64,
            expires_at: SystemTime,
            now: SystemTime,
        ) -> Result<auth_core::store::Count, StoreError> {
            let current = self
                .0
                .lock()
                .expect("no test panics while holding the lock")
                .get(key)
                .copied()
                .filter(|(_, expires)| *expires > now);
            self.1.hold().await; // a round trip to the database, say
            let (used, expires) = current.unwrap_or((0, expires_at));
            let allowed = used.checked_add(cost).is_some_and(|next| next <= limit);
            let used = if allowed { used + cost } else { used };
            if allowed && cost > 0 {
                self.0
                    .lock()
                    .expect("no test panics while holding the lock")
                    .insert(key.to_owned(), (used, expires));
            }
            Ok(auth_core::store::Count { allowed, used })
        }
        async fn purge_expired_counters(&self, now: SystemTime) -> Result<u64, StoreError> {
            let mut counters = self
                .0
                .lock()
                .expect("no test panics while holding the lock");
            let before = counters.len();
            counters.retain(|_, (_, expires)| *expires > now);
            Ok(u64::try_from(before - counters.len()).expect("few keys in a test"))
        }
    }

    #[tokio::test]
    #[should_panic(expected = "with limit 7 must allow exactly 7")]
    async fn racy_counter_additions_are_caught() {
        testkit::counter_store_conformance(Arc::new(RacyCounters::default())).await;
    }

    /// Redeems with a read, an await, then a write: two concurrent redemptions can both see
    /// the code unused (the classic check-then-act race the kit must catch).
    #[derive(Default)]
    struct RacyCodeRedemption(
        auth_core::store::memory::MemoryAuthorizationCodeStore,
        RaceWindow,
    );

    #[async_trait]
    impl auth_core::store::AuthorizationCodeStore for RacyCodeRedemption {
        async fn issue_authorization_code(
            &self,
            code: &auth_core::store::AuthorizationCode,
        ) -> Result<(), StoreError> {
            self.0.issue_authorization_code(code).await
        }
        async fn redeem_authorization_code(
            &self,
            hash: &TokenHash,
            session_id: SessionId,
            now: SystemTime,
        ) -> Result<auth_core::store::CodeRedemption, StoreError> {
            let seen = self.0.authorization_code(hash).await?;
            self.1.hold().await;
            match seen {
                Some(mut code) if code.used_at.is_none() && now < code.expires_at => {
                    code.used_at = Some(now);
                    code.session_id = Some(session_id);
                    // Rewrite the row as if freshly redeemed, whatever happened meanwhile.
                    self.0
                        .redeem_authorization_code(hash, session_id, now)
                        .await?;
                    Ok(auth_core::store::CodeRedemption::Redeemed(code))
                }
                _ => {
                    self.0
                        .redeem_authorization_code(hash, session_id, now)
                        .await
                }
            }
        }
        async fn authorization_code(
            &self,
            hash: &TokenHash,
        ) -> Result<Option<auth_core::store::AuthorizationCode>, StoreError> {
            self.0.authorization_code(hash).await
        }
        async fn purge_expired_authorization_codes(
            &self,
            now: SystemTime,
        ) -> Result<u64, StoreError> {
            self.0.purge_expired_authorization_codes(now).await
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[should_panic(expected = "exactly one must be Redeemed")]
    async fn racy_code_redemption_is_caught() {
        let users = MemoryUserStore::new();
        let clients = auth_core::store::memory::MemoryOAuthClientStore::new();
        testkit::authorization_code_store_conformance(
            Arc::new(RacyCodeRedemption::default()),
            &clients,
            &users,
        )
        .await;
    }

    /// Reads a session's status but forgets whether it was revoked: a logged-out session
    /// would keep its access tokens working. The token-status check must catch it.
    struct RevocationBlindStatus(auth_core::store::SeparateTokenStatus);

    #[async_trait]
    impl auth_core::store::TokenStatusStore for RevocationBlindStatus {
        async fn token_status(
            &self,
            query: &auth_core::store::TokenStatusQuery<'_>,
        ) -> Result<auth_core::store::TokenStatus, StoreError> {
            let mut status = self.0.token_status(query).await?;
            if let Some(session) = &mut status.session {
                session.revoked = false;
            }
            Ok(status)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[should_panic(expected = "exactly as user_by_id, session and is_access_token_revoked do")]
    async fn a_token_status_that_forgets_session_revocation_is_caught() {
        let users = Arc::new(MemoryUserStore::new());
        let sessions = Arc::new(MemorySessionStore::new());
        let revocations = Arc::new(MemoryRevocationStore::new());
        let blind = RevocationBlindStatus(auth_core::store::SeparateTokenStatus::new(
            users.clone(),
            sessions.clone(),
            revocations.clone(),
        ));
        testkit::token_status_store_conformance(
            Arc::new(blind),
            &*users,
            &*sessions,
            &*revocations,
        )
        .await;
    }

    /// A second-factor store whose `use_totp_step` checks, awaits (a round trip), then
    /// writes the whole record back: the check-then-act race RFC 6238 §5.2's "accept a code
    /// once" falls to when two requests carry one code at the same moment.
    #[derive(Debug, Default)]
    struct RacyTotpStep(
        auth_core::store::memory::MemorySecondFactorStore,
        RaceWindow,
    );

    impl std::fmt::Debug for RaceWindow {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("RaceWindow")
        }
    }

    #[async_trait]
    impl SecondFactorStore for RacyTotpStep {
        async fn put_totp(&self, user: UserId, record: TotpRecord) -> Result<(), StoreError> {
            self.0.put_totp(user, record).await
        }
        async fn totp(&self, user: UserId) -> Result<Option<TotpRecord>, StoreError> {
            self.0.totp(user).await
        }
        async fn confirm_totp(
            &self,
            user: UserId,
            step: u64,
            now: SystemTime,
        ) -> Result<bool, StoreError> {
            self.0.confirm_totp(user, step, now).await
        }
        async fn use_totp_step(&self, user: UserId, step: u64) -> Result<bool, StoreError> {
            let seen = self.0.totp(user).await?;
            self.1.hold().await;
            match seen {
                Some(mut record)
                    if record.is_confirmed()
                        && record.last_used_step.is_none_or(|last| last < step) =>
                {
                    record.last_used_step = Some(step);
                    self.0.put_totp(user, record).await?;
                    Ok(true)
                }
                _ => Ok(false),
            }
        }
        async fn delete_totp(&self, user: UserId) -> Result<bool, StoreError> {
            self.0.delete_totp(user).await
        }
        async fn replace_recovery_codes(
            &self,
            user: UserId,
            hashes: &[SecretHash],
            now: SystemTime,
        ) -> Result<(), StoreError> {
            self.0.replace_recovery_codes(user, hashes, now).await
        }
        async fn use_recovery_code(
            &self,
            user: UserId,
            hash: &SecretHash,
            now: SystemTime,
        ) -> Result<bool, StoreError> {
            self.0.use_recovery_code(user, hash, now).await
        }
        async fn recovery_codes_left(&self, user: UserId) -> Result<u32, StoreError> {
            self.0.recovery_codes_left(user).await
        }
        async fn delete_recovery_codes(&self, user: UserId) -> Result<u64, StoreError> {
            self.0.delete_recovery_codes(user).await
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[should_panic(expected = "calls with one step must succeed exactly once")]
    async fn racy_totp_step_is_caught() {
        let users = MemoryUserStore::new();
        testkit::second_factor_store_conformance(Arc::new(RacyTotpStep::default()), &users).await;
    }
}
