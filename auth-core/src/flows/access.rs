//! Granting and withdrawing roles and permissions: an administrator's action.

use super::service::{EventExt as _, event};
use super::{AuthError, AuthService};
use crate::store::{AuditKind, UserId, UserUpdate};

/// The longest role or permission name accepted.
const MAX_NAME_CHARS: usize = 64;

impl AuthService {
    /// Replaces user `user_id`'s roles with `roles` — the whole list, so `[]` withdraws every
    /// role — in one column-scoped write that a concurrent password change or logout cannot
    /// undo. Duplicates are dropped and the list is sorted. Audited as `roles_changed` with
    /// the new list.
    ///
    /// This is the administrator's side: check that the caller may change roles (say,
    /// auth-tower's `Guard::role("admin")` on the route) before calling it.
    ///
    /// **When it takes effect.** Access tokens carry the roles they were issued with. A
    /// granted role appears in the user's next access token (their next refresh or login). A
    /// withdrawn role stays in the access tokens already issued until they expire — at most
    /// the access-token lifetime, 15 minutes by default; to withdraw it at once, follow with
    /// [`logout_all`](Self::logout_all), which ends every session of the user.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use auth_core::flows::{AuthService, RecordingMailer, Stores};
    /// # use auth_core::password::{Password, PasswordHasher};
    /// # use auth_core::token::{Algorithm, KeySet, SigningKey};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[7; 32])?);
    /// # let auth = AuthService::builder(keys, Stores::in_memory())
    /// #     .issuer("https://auth.example.com", "https://api.example.com")
    /// #     .mailer(Arc::new(RecordingMailer::default()))
    /// #     .hasher(PasswordHasher::insecure_fast_for_tests())
    /// #     .build()?;
    /// # let client = Default::default();
    /// let (user, _) = auth.signup("kim@example.com", Password::from("mauve-tulip-orbit-42"), &client).await?;
    /// auth.set_roles(user.id, ["admin", "editor"]).await?;
    /// // Her next access token carries both; `Guard::role("admin")` lets her through.
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidRoleName`] (nothing is written), [`AuthError::UserNotFound`],
    /// infrastructure errors.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn set_roles<I>(&self, user_id: UserId, roles: I) -> Result<(), AuthError>
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.replace_names(user_id, Names::Roles, checked_names(roles)?)
            .await
    }

    /// Replaces user `user_id`'s permissions with `permissions`, exactly as
    /// [`set_roles`](Self::set_roles) does roles (the same names, the same timing: a
    /// withdrawn permission lasts in issued access tokens until they expire). Audited as
    /// `permissions_changed`.
    ///
    /// # Errors
    /// As [`set_roles`](Self::set_roles).
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn set_permissions<I>(&self, user_id: UserId, permissions: I) -> Result<(), AuthError>
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.replace_names(user_id, Names::Permissions, checked_names(permissions)?)
            .await
    }

    /// The one write and audit record behind [`set_roles`](Self::set_roles) and
    /// [`set_permissions`](Self::set_permissions).
    async fn replace_names(
        &self,
        user_id: UserId,
        which: Names,
        names: Vec<String>,
    ) -> Result<(), AuthError> {
        let now = self.now();
        let detail = names.join(" ");
        let (update, kind) = match which {
            Names::Roles => (UserUpdate::new(now).roles(names), AuditKind::RolesChanged),
            Names::Permissions => (
                UserUpdate::new(now).permissions(names),
                AuditKind::PermissionsChanged,
            ),
        };
        self.update_account(user_id, &update).await?;
        self.audit(event(kind, now, true).user(user_id).detail(detail.clone()))
            .await?;
        tracing::info!(change = kind.as_str(), names = %detail, "roles or permissions replaced");
        Ok(())
    }
}

/// Which list of names a user carries in their tokens.
#[derive(Clone, Copy)]
enum Names {
    Roles,
    Permissions,
}

/// `names` sorted and without duplicates, or [`AuthError::InvalidRoleName`] when one is not
/// a name a token and a guard can carry unambiguously (no spaces: scopes and audit details
/// separate names with them).
fn checked_names<I>(names: I) -> Result<Vec<String>, AuthError>
where
    I: IntoIterator,
    I::Item: Into<String>,
{
    let mut checked = Vec::new();
    for name in names {
        let name = name.into();
        let valid = (1..=MAX_NAME_CHARS).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '.' | '-' | '/'));
        if !valid {
            return Err(AuthError::InvalidRoleName);
        }
        checked.push(name);
    }
    checked.sort_unstable();
    checked.dedup();
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_and_deduplicated() {
        assert_eq!(
            checked_names(["editor", "admin", "editor"]).unwrap(),
            ["admin", "editor"]
        );
        assert_eq!(
            checked_names(Vec::<String>::new()).unwrap(),
            Vec::<String>::new()
        );
        assert!(checked_names(["posts:write", "org/acme.admin", "a_b-c"]).is_ok());
    }

    #[test]
    fn names_a_token_or_guard_could_misread_are_refused() {
        let too_long = "r".repeat(MAX_NAME_CHARS + 1);
        for bad in [
            "",
            " admin",
            "admin ",
            "ad min",
            "admin\n",
            "관리자",
            too_long.as_str(),
        ] {
            assert!(
                matches!(checked_names([bad]), Err(AuthError::InvalidRoleName)),
                "{bad:?}"
            );
        }
    }
}
