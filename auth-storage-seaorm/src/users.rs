//! [`UserStore`] on `auth_users`.

use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::store::{StoreError, User, UserId, UserStore, UserUpdate, username_key};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::SeaOrmStore;
use crate::convert::{db, list_from_json, list_to_json, micros, opt_micros, time, user_id};
use crate::entity::user;
use crate::error::user_conflict_or_backend;

fn to_active(user: &User) -> Result<user::ActiveModel, StoreError> {
    Ok(user::ActiveModel {
        id: Set(user.id.to_string()),
        email: Set(user.email.clone()),
        email_verified: Set(user.email_verified),
        username: Set(user.username.clone()),
        username_key: Set(user.username.as_deref().map(username_key)),
        display_name: Set(user.display_name.clone()),
        avatar_url: Set(user.avatar_url.clone()),
        locale: Set(user.locale.clone()),
        password_hash: Set(user.password_hash.clone()),
        active: Set(user.active),
        roles: Set(list_to_json(&user.roles)?),
        permissions: Set(list_to_json(&user.permissions)?),
        plan: Set(user.plan.clone()),
        tenant_id: Set(user.tenant_id.clone()),
        created_at: Set(micros(user.created_at)?),
        updated_at: Set(micros(user.updated_at)?),
        last_login_at: Set(opt_micros(user.last_login_at)?),
        tokens_valid_after: Set(opt_micros(user.tokens_valid_after)?),
    })
}

fn from_model(row: user::Model) -> Result<User, StoreError> {
    let mut user = User::new(user_id(&row.id)?, &row.email, time(row.created_at));
    user.email = row.email;
    user.email_verified = row.email_verified;
    user.username = row.username;
    user.display_name = row.display_name;
    user.avatar_url = row.avatar_url;
    user.locale = row.locale;
    user.password_hash = row.password_hash;
    user.active = row.active;
    user.roles = list_from_json(&row.roles)?;
    user.permissions = list_from_json(&row.permissions)?;
    user.plan = row.plan;
    user.tenant_id = row.tenant_id;
    user.updated_at = time(row.updated_at);
    user.last_login_at = row.last_login_at.map(time);
    user.tokens_valid_after = row.tokens_valid_after.map(time);
    Ok(user)
}

impl SeaOrmStore {
    async fn user_where(
        &self,
        condition: sea_orm::sea_query::Expr,
    ) -> Result<Option<User>, StoreError> {
        user::Entity::find()
            .filter(condition)
            .one(self.connection())
            .await
            .map_err(db)?
            .map(from_model)
            .transpose()
    }
}

#[async_trait]
impl UserStore for SeaOrmStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        // The unique indexes decide, atomically, whoever inserts first.
        user::Entity::insert(to_active(user)?)
            .exec_without_returning(self.connection())
            .await
            .map_err(user_conflict_or_backend)?;
        Ok(())
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.user_where(user::Column::Id.eq(id.to_string())).await
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.user_where(user::Column::Email.eq(email)).await
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.user_where(user::Column::UsernameKey.eq(username_key(username)))
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let mut row = to_active(user)?;
        // Never rewrite the id or the creation time.
        row.id = sea_orm::ActiveValue::NotSet;
        row.created_at = sea_orm::ActiveValue::NotSet;
        let updated = user::Entity::update_many()
            .set(row)
            .filter(user::Column::Id.eq(user.id.to_string()))
            .exec(self.connection())
            .await
            .map_err(user_conflict_or_backend)?;
        if updated.rows_affected == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    /// One `UPDATE auth_users SET <the update's columns> WHERE id = ? [AND password_hash = ?]`;
    /// the cut-off is set with `CASE` so that it only moves forward inside that one
    /// statement. Only when no row matched does a second query tell "no such user" from "the
    /// precondition failed".
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn update_user_fields(
        &self,
        id: UserId,
        update: &UserUpdate,
    ) -> Result<bool, StoreError> {
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
        let mut query = user::Entity::update_many()
            .col_expr(user::Column::UpdatedAt, Expr::value(micros(*updated_at)?))
            .filter(user::Column::Id.eq(id.to_string()));
        if let Some(hash) = password_hash {
            query = query.col_expr(user::Column::PasswordHash, Expr::value(hash.clone()));
        }
        if let Some(verified) = email_verified {
            query = query.col_expr(user::Column::EmailVerified, Expr::value(*verified));
        }
        if let Some(active) = active {
            query = query.col_expr(user::Column::Active, Expr::value(*active));
        }
        if let Some(roles) = roles {
            query = query.col_expr(user::Column::Roles, Expr::value(list_to_json(roles)?));
        }
        if let Some(permissions) = permissions {
            query = query.col_expr(
                user::Column::Permissions,
                Expr::value(list_to_json(permissions)?),
            );
        }
        if let Some(cut_off) = tokens_valid_after {
            let cut_off = micros(*cut_off)?;
            let column = Expr::col(user::Column::TokensValidAfter);
            query = query.col_expr(
                user::Column::TokensValidAfter,
                Expr::case(
                    column.clone().is_null().or(column.clone().lt(cut_off)),
                    Expr::value(cut_off),
                )
                .finally(column)
                .into(),
            );
        }
        if let Some(expected) = if_password_hash {
            query = query.filter(user::Column::PasswordHash.eq(expected.clone()));
        }
        let updated = query.exec(self.connection()).await.map_err(db)?;
        if updated.rows_affected > 0 {
            return Ok(true);
        }
        // Nothing matched: tell a missing user from a failed precondition.
        let exists = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::Id.eq(id.to_string()))
            .into_tuple::<String>()
            .one(self.connection())
            .await
            .map_err(db)?
            .is_some();
        if !exists {
            return Err(StoreError::NotFound("user"));
        }
        // With a precondition, a matching row would have been counted (the drivers report
        // matched rows, MySQL included): it failed. Without one, the row matched but every
        // value was already in place.
        Ok(if_password_hash.is_none())
    }

    async fn record_login(&self, id: UserId, at: SystemTime) -> Result<(), StoreError> {
        let updated = user::Entity::update_many()
            .col_expr(user::Column::LastLoginAt, Expr::value(micros(at)?))
            .filter(user::Column::Id.eq(id.to_string()))
            // Informational, like the throttle counters: no need to wait for the disk.
            .exec(self.counter_connection())
            .await
            .map_err(db)?;
        if updated.rows_affected == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    /// One `DELETE`; the database's `ON DELETE CASCADE` removes the account's identities,
    /// sessions, refresh tokens, one-time tokens and OAuth grants in the same statement
    /// (SQLite connections run with `foreign_keys` on). Audit events have no foreign key
    /// and stay.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn delete_user(&self, id: UserId) -> Result<bool, StoreError> {
        let deleted = user::Entity::delete_many()
            .filter(user::Column::Id.eq(id.to_string()))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(deleted.rows_affected > 0)
    }
}
