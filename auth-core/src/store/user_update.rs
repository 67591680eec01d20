//! [`UserUpdate`]: a column-scoped change to one account.

use std::fmt;
use std::time::SystemTime;

/// A change to some columns of one account, written by
/// [`UserStore::update_user_fields`](super::UserStore::update_user_fields) in one atomic
/// write that touches no other column.
///
/// Why not read the account, change it and write it back with
/// [`update_user`](super::UserStore::update_user)? Because a flow spends hundreds of
/// milliseconds hashing between the read and the write, and a whole-record write would undo
/// whatever changed meanwhile: an administrator disabling the account or removing a role,
/// a "log out everywhere" moving the cut-off. Every flow of
/// [`AuthService`](crate::flows::AuthService) writes accounts through this type only.
///
/// Fields left `None` are not written. The cut-off
/// ([`tokens_valid_after`](Self::tokens_valid_after)) only ever moves forward, and
/// [`if_password_hash`](Self::if_password_hash) makes the whole write conditional.
///
/// The fields are public so that storage backends can read them; a backend should
/// destructure the struct without `..`, so that a field added later is a compile error
/// rather than a column it silently never writes.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use auth_core::store::UserUpdate;
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// // What a password reset writes, and nothing else.
/// let reset = UserUpdate::new(now)
///     .password_hash("$argon2id$v=19$m=19456,t=2,p=1$…")
///     .email_verified(true)
///     .cut_off_tokens(now);
/// assert_eq!(reset.active, None); // a concurrent disable stays
/// assert!(!format!("{reset:?}").contains("argon2")); // Debug hides the hash
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct UserUpdate {
    /// The new `updated_at`. Always written: every update changes the record.
    pub updated_at: SystemTime,
    /// A new password hash (PHC string).
    pub password_hash: Option<String>,
    /// Whether the email is verified.
    pub email_verified: Option<bool>,
    /// Whether the account is enabled.
    pub active: Option<bool>,
    /// The whole new list of roles.
    pub roles: Option<Vec<String>>,
    /// The whole new list of permissions.
    pub permissions: Option<Vec<String>>,
    /// Moves the user-wide cut-off to at least this instant: the stored `tokens_valid_after`
    /// becomes the later of the stored value and this one. A cut-off never moves backwards,
    /// so two concurrent "log out everywhere" (or a logout and a password reset) can never
    /// revive tokens that one of them ended.
    pub tokens_valid_after: Option<SystemTime>,
    /// A precondition: the update is written only if the stored password hash is still
    /// exactly this one (and the account has one). For writes that derive from the hash they
    /// read, such as upgrading it at login: a password changed meanwhile must win.
    pub if_password_hash: Option<String>,
}

impl UserUpdate {
    /// An update that writes only `updated_at`; add the columns to change with the other
    /// methods.
    pub fn new(updated_at: SystemTime) -> Self {
        Self {
            updated_at,
            password_hash: None,
            email_verified: None,
            active: None,
            roles: None,
            permissions: None,
            tokens_valid_after: None,
            if_password_hash: None,
        }
    }

    /// Also sets the password hash (a PHC string, never a password).
    pub fn password_hash(mut self, hash: impl Into<String>) -> Self {
        self.password_hash = Some(hash.into());
        self
    }

    /// Also sets whether the email is verified.
    pub fn email_verified(mut self, verified: bool) -> Self {
        self.email_verified = Some(verified);
        self
    }

    /// Also enables or disables the account.
    pub fn active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// Also replaces the roles.
    pub fn roles(mut self, roles: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.roles = Some(roles.into_iter().map(Into::into).collect());
        self
    }

    /// Also replaces the permissions.
    pub fn permissions(mut self, permissions: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.permissions = Some(permissions.into_iter().map(Into::into).collect());
        self
    }

    /// Also moves the user-wide cut-off forward to `at` (access tokens issued before it are
    /// refused); it stays where it is if it is already later. See
    /// [`tokens_valid_after`](Self::tokens_valid_after).
    pub fn cut_off_tokens(mut self, at: SystemTime) -> Self {
        self.tokens_valid_after = Some(at);
        self
    }

    /// Writes the update only if the stored password hash is still `current`; see
    /// [`if_password_hash`](Self::if_password_hash).
    pub fn if_password_hash(mut self, current: impl Into<String>) -> Self {
        self.if_password_hash = Some(current.into());
        self
    }
}

impl fmt::Debug for UserUpdate {
    /// Names the columns written; the password hashes are shown as `[redacted]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |hash: &Option<String>| hash.as_ref().map(|_| "[redacted]");
        f.debug_struct("UserUpdate")
            .field("updated_at", &self.updated_at)
            .field("password_hash", &redacted(&self.password_hash))
            .field("email_verified", &self.email_verified)
            .field("active", &self.active)
            .field("roles", &self.roles)
            .field("permissions", &self.permissions)
            .field("tokens_valid_after", &self.tokens_valid_after)
            .field("if_password_hash", &redacted(&self.if_password_hash))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn only_the_columns_asked_for_are_set() {
        let now = UNIX_EPOCH + Duration::from_secs(10);
        let update = UserUpdate::new(now).active(false).roles(["viewer"]);
        assert_eq!(update.updated_at, now);
        assert_eq!(update.active, Some(false));
        assert_eq!(update.roles, Some(vec!["viewer".to_owned()]));
        assert_eq!(update.password_hash, None);
        assert_eq!(update.email_verified, None);
        assert_eq!(update.permissions, None);
        assert_eq!(update.tokens_valid_after, None);
        assert_eq!(update.if_password_hash, None);
    }

    #[test]
    fn debug_hides_both_hashes() {
        let update = UserUpdate::new(UNIX_EPOCH)
            .password_hash("$argon2id$new-secret")
            .if_password_hash("$argon2id$old-secret");
        let text = format!("{update:?}");
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
}
