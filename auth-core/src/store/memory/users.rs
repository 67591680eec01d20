//! [`MemoryUserStore`]: accounts in a map, indexed by email and by [`username_key`].

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use async_trait::async_trait;

use super::lock;
use crate::store::{StoreError, User, UserId, UserStore, UserUpdate, username_key};

/// An in-memory [`UserStore`].
///
/// Emails are compared exactly (callers store and look up [`normalize_email`]ed addresses);
/// usernames by their [`username_key`], exactly. Both are unique across users, on insert
/// and on update. Clones share the same accounts; see the [module docs](super) for the rest.
///
/// [`normalize_email`]: crate::store::normalize_email
#[derive(Clone, Default)]
pub struct MemoryUserStore {
    inner: Arc<Mutex<Users>>,
}

#[derive(Default)]
struct Users {
    by_id: HashMap<UserId, User>,
    /// Normalized email → owner.
    by_email: HashMap<String, UserId>,
    /// [`username_key`] → owner.
    by_username: HashMap<String, UserId>,
}

impl Users {
    /// `Conflict` when `user`'s email or username belongs to a user other than `user.id`.
    fn check_unique(&self, user: &User, username: Option<&str>) -> Result<(), StoreError> {
        if self
            .by_email
            .get(&user.email)
            .is_some_and(|owner| *owner != user.id)
        {
            return Err(StoreError::Conflict("email"));
        }
        if let Some(key) = username
            && self
                .by_username
                .get(key)
                .is_some_and(|owner| *owner != user.id)
        {
            return Err(StoreError::Conflict("username"));
        }
        Ok(())
    }
}

impl MemoryUserStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryUserStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let users = lock(&self.inner).by_id.len();
        f.debug_struct("MemoryUserStore")
            .field("users", &users)
            .finish()
    }
}

#[async_trait]
impl UserStore for MemoryUserStore {
    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        let mut users = lock(&self.inner);
        if users.by_id.contains_key(&user.id) {
            return Err(StoreError::Conflict("user"));
        }
        let username = user.username.as_deref().map(username_key);
        users.check_unique(user, username.as_deref())?;
        users.by_email.insert(user.email.clone(), user.id);
        if let Some(key) = username {
            users.by_username.insert(key, user.id);
        }
        users.by_id.insert(user.id, user.clone());
        Ok(())
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(lock(&self.inner).by_id.get(&id).cloned())
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let users = lock(&self.inner);
        Ok(users
            .by_email
            .get(email)
            .and_then(|id| users.by_id.get(id))
            .cloned())
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let users = lock(&self.inner);
        Ok(users
            .by_username
            .get(&username_key(username))
            .and_then(|id| users.by_id.get(id))
            .cloned())
    }

    async fn delete_user(&self, id: UserId) -> Result<bool, StoreError> {
        let mut users = lock(&self.inner);
        let Some(user) = users.by_id.remove(&id) else {
            return Ok(false);
        };
        users.by_email.remove(&user.email);
        if let Some(name) = user.username.as_deref() {
            users.by_username.remove(&username_key(name));
        }
        Ok(true)
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let mut users = lock(&self.inner);
        let Some(old) = users.by_id.get(&user.id) else {
            return Err(StoreError::NotFound("user"));
        };
        let old_email = old.email.clone();
        let old_username = old.username.as_deref().map(username_key);
        let username = user.username.as_deref().map(username_key);
        users.check_unique(user, username.as_deref())?;

        // Checked: nothing below can fail, so the indexes and the record change together.
        users.by_email.remove(&old_email);
        users.by_email.insert(user.email.clone(), user.id);
        if let Some(key) = old_username {
            users.by_username.remove(&key);
        }
        if let Some(key) = username {
            users.by_username.insert(key, user.id);
        }
        users.by_id.insert(user.id, user.clone());
        Ok(())
    }

    async fn update_user_fields(
        &self,
        id: UserId,
        update: &UserUpdate,
    ) -> Result<bool, StoreError> {
        let mut users = lock(&self.inner);
        let Some(user) = users.by_id.get_mut(&id) else {
            return Err(StoreError::NotFound("user"));
        };
        Ok(apply(user, update))
    }

    /// Sets `last_login_at` only (not `updated_at`: a login does not change the account).
    /// [`StoreError::NotFound`] when there is no user with `id`.
    async fn record_login(&self, id: UserId, at: SystemTime) -> Result<(), StoreError> {
        match lock(&self.inner).by_id.get_mut(&id) {
            Some(user) => {
                user.last_login_at = Some(at);
                Ok(())
            }
            None => Err(StoreError::NotFound("user")),
        }
    }
}

/// Writes `update` into `user` unless its precondition fails (then `false`, nothing
/// written). No column the update does not name changes, and none of them is indexed, so
/// the email and username indexes stay as they are.
fn apply(user: &mut User, update: &UserUpdate) -> bool {
    let UserUpdate {
        updated_at,
        password_hash,
        email_verified,
        active,
        roles,
        permissions,
        tokens_valid_after,
        if_password_hash,
    } = update;
    if let Some(expected) = if_password_hash
        && user.password_hash.as_ref() != Some(expected)
    {
        return false;
    }
    user.updated_at = *updated_at;
    if let Some(hash) = password_hash {
        user.password_hash = Some(hash.clone());
    }
    if let Some(verified) = email_verified {
        user.email_verified = *verified;
    }
    if let Some(active) = active {
        user.active = *active;
    }
    if let Some(roles) = roles {
        user.roles.clone_from(roles);
    }
    if let Some(permissions) = permissions {
        user.permissions.clone_from(permissions);
    }
    if let Some(cut_off) = tokens_valid_after {
        // Forward only: a later cut-off already stored stays.
        user.tokens_valid_after = user.tokens_valid_after.max(Some(*cut_off));
    }
    true
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn user(email: &str, username: Option<&str>) -> User {
        let mut user = User::new(
            UserId::generate().expect("OS RNG available in tests"),
            email,
            UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        );
        user.username = username.map(str::to_owned);
        user
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime builds")
            .block_on(future)
    }

    #[test]
    fn works_after_its_lock_was_poisoned() {
        let store = MemoryUserStore::new();
        let kim = user("kim@example.com", Some("Kim"));
        block_on(store.insert_user(&kim)).expect("insert");
        super::super::tests::poison(Arc::clone(&store.inner));

        let found = block_on(store.user_by_username("KIM")).expect("lookup after poisoning");
        assert_eq!(found.map(|found| found.id), Some(kim.id));
        let other = user("lee@example.com", Some("kim"));
        assert!(matches!(
            block_on(store.insert_user(&other)),
            Err(StoreError::Conflict("username"))
        ));
    }

    #[test]
    fn a_conflicting_update_changes_nothing() {
        let store = MemoryUserStore::new();
        let kim = user("kim@example.com", Some("kim"));
        let mut lee = user("lee@example.com", Some("lee"));
        block_on(store.insert_user(&kim)).expect("insert kim");
        block_on(store.insert_user(&lee)).expect("insert lee");

        // New email is free, new username is taken: neither may be applied.
        lee.email = "lee2@example.com".to_owned();
        lee.username = Some("KIM".to_owned());
        assert!(matches!(
            block_on(store.update_user(&lee)),
            Err(StoreError::Conflict("username"))
        ));
        assert!(
            block_on(store.user_by_email("lee2@example.com"))
                .expect("lookup")
                .is_none()
        );
        let still = block_on(store.user_by_email("lee@example.com")).expect("lookup");
        assert_eq!(still.and_then(|user| user.username), Some("lee".to_owned()));
    }

    #[test]
    fn debug_shows_no_email_or_hash() {
        let store = MemoryUserStore::new();
        let mut kim = user("kim@example.com", None);
        kim.password_hash = Some("$argon2id$v=19$secret".to_owned());
        block_on(store.insert_user(&kim)).expect("insert");
        let text = format!("{store:?}");
        assert_eq!(text, "MemoryUserStore { users: 1 }");
    }
}
