//! [`PasskeyStore`] on `auth_passkeys`: one row per credential, keyed by the SHA-256 of the
//! credential id (unique across all users by the primary key), the id itself beside it.

use std::fmt::Write as _;
use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::store::{PasskeyRecord, PasskeyStore, StoreError, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};

use crate::SeaOrmStore;
use crate::convert::{corrupt, db, micros, opt_micros, time, user_id};
use crate::entity::passkey;
use crate::error::conflict_or_backend;
use crate::migration::PASSKEY_NAME;

/// A passkey name longer than the column holds. Refused before any SQL: MySQL outside strict
/// mode would truncate it silently.
#[derive(Debug, thiserror::Error)]
#[error("passkey name is longer than {PASSKEY_NAME} characters")]
struct NameTooLong;

fn check_name(name: &str) -> Result<(), StoreError> {
    let max = usize::try_from(PASSKEY_NAME).unwrap_or(usize::MAX);
    if name.chars().count() > max {
        return Err(StoreError::backend(NameTooLong));
    }
    Ok(())
}

/// Lowercase hex of `bytes`.
fn to_hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// The bytes of lowercase or uppercase hex; `None` for anything else.
fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

/// The primary key of a credential id: its SHA-256 as 64 hex digits.
fn credential_key(credential_id: &[u8]) -> String {
    to_hex(&Sha256::digest(credential_id))
}

fn from_model(row: passkey::Model) -> Result<PasskeyRecord, StoreError> {
    let credential_id =
        from_hex(&row.credential_id).ok_or_else(|| corrupt("passkey credential id is not hex"))?;
    let mut record = PasskeyRecord::new(
        credential_id,
        user_id(&row.user_id)?,
        row.name,
        row.passkey,
        time(row.created_at),
        row.backup_eligible,
        row.backup_state,
    );
    record.last_used_at = row.last_used_at.map(time);
    Ok(record)
}

#[async_trait]
impl PasskeyStore for SeaOrmStore {
    async fn add_passkey(&self, record: &PasskeyRecord) -> Result<(), StoreError> {
        check_name(&record.name)?;
        let row = passkey::ActiveModel {
            credential_key: Set(credential_key(&record.credential_id)),
            credential_id: Set(to_hex(&record.credential_id)),
            user_id: Set(record.user_id.to_string()),
            name: Set(record.name.clone()),
            passkey: Set(record.passkey.clone()),
            created_at: Set(micros(record.created_at)?),
            last_used_at: Set(opt_micros(record.last_used_at)?),
            backup_eligible: Set(record.backup_eligible),
            backup_state: Set(record.backup_state),
        };
        passkey::Entity::insert(row)
            .exec_without_returning(self.connection())
            .await
            .map_err(|error| conflict_or_backend(error, "passkey credential id"))?;
        Ok(())
    }

    async fn passkeys_of(&self, user_id: UserId) -> Result<Vec<PasskeyRecord>, StoreError> {
        passkey::Entity::find()
            .filter(passkey::Column::UserId.eq(user_id.to_string()))
            .order_by_asc(passkey::Column::CreatedAt)
            .order_by_asc(passkey::Column::CredentialId)
            .all(self.connection())
            .await
            .map_err(db)?
            .into_iter()
            .map(from_model)
            .collect()
    }

    async fn passkey_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyRecord>, StoreError> {
        passkey::Entity::find_by_id(credential_key(credential_id))
            .one(self.connection())
            .await
            .map_err(db)?
            .map(from_model)
            .transpose()
    }

    async fn update_passkey_use(
        &self,
        credential_id: &[u8],
        passkey_json: &str,
        backup_state: bool,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        // Only these three columns: never the owner, name or registration time.
        let updated = passkey::Entity::update_many()
            .col_expr(passkey::Column::Passkey, Expr::value(passkey_json))
            .col_expr(passkey::Column::BackupState, Expr::value(backup_state))
            .col_expr(passkey::Column::LastUsedAt, Expr::value(micros(now)?))
            .filter(passkey::Column::CredentialKey.eq(credential_key(credential_id)))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(updated.rows_affected == 1)
    }

    async fn rename_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
        name: &str,
    ) -> Result<bool, StoreError> {
        check_name(name)?;
        // The owner is part of the condition: another user's credential id matches no row.
        let updated = passkey::Entity::update_many()
            .col_expr(passkey::Column::Name, Expr::value(name))
            .filter(passkey::Column::CredentialKey.eq(credential_key(credential_id)))
            .filter(passkey::Column::UserId.eq(user_id.to_string()))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(updated.rows_affected == 1)
    }

    async fn delete_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
    ) -> Result<bool, StoreError> {
        let deleted = passkey::Entity::delete_many()
            .filter(passkey::Column::CredentialKey.eq(credential_key(credential_id)))
            .filter(passkey::Column::UserId.eq(user_id.to_string()))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(deleted.rows_affected == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_ids_round_trip_through_hex_and_bad_hex_is_refused() {
        let id: Vec<u8> = (0..=255).collect();
        assert_eq!(from_hex(&to_hex(&id)), Some(id));
        for text in ["0", "zz", "é0", "0g"] {
            assert_eq!(from_hex(text), None, "{text}");
        }
    }
}
