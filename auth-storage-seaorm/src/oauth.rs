//! The OAuth authorization server's stores: [`OAuthClientStore`] on `auth_oauth_clients`,
//! [`AuthorizationCodeStore`] on `auth_authorization_codes`, [`ConsentStore`] on
//! `auth_oauth_consents` and [`OAuthGrantStore`] on `auth_oauth_grants`.
//!
//! # How a code is redeemed once on every backend
//!
//! The decision is one conditional `UPDATE … SET used_at = :now, session_id = :sid WHERE
//! hash = :hash AND used_at IS NULL AND expires_at > :now`: of concurrent redemptions exactly
//! one sees `rows_affected = 1` (the same reasoning as the refresh rotation in
//! [`SessionStore`](auth_core::store::SessionStore)). The others mark the replay with a second
//! conditional `UPDATE … SET replayed_at = :now WHERE … used_at IS NOT NULL AND replayed_at IS
//! NULL`, then read the row to say what they found.

use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::opaque::TokenHash;
use auth_core::store::{
    AuthorizationCode, AuthorizationCodeStore, ClientType, CodeRedemption, Consent, ConsentStore,
    GrantType, OAuthClient, OAuthClientStore, OAuthGrant, OAuthGrantStore, SessionId, StoreError,
    UserId,
};
use auth_core::token::Scope;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::SeaOrmStore;
use crate::convert::{corrupt, db, micros, opt_micros, session_id, time, user_id};
use crate::entity::{authorization_code, oauth_client, oauth_consent, oauth_grant};
use crate::error::conflict_or_backend;

fn strings_to_json(items: &[&str]) -> Result<String, StoreError> {
    serde_json::to_string(items).map_err(StoreError::backend)
}

fn strings_from_json(text: &str, what: &'static str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt(what))
}

fn hash_from_hex(hex: &str) -> Result<TokenHash, StoreError> {
    TokenHash::from_hex(hex).map_err(|_| corrupt("token hash"))
}

fn client_to_active(client: &OAuthClient) -> Result<oauth_client::ActiveModel, StoreError> {
    let uris: Vec<&str> = client.redirect_uris.iter().map(String::as_str).collect();
    let grants: Vec<&str> = client
        .grant_types
        .iter()
        .map(|grant| grant.as_str())
        .collect();
    Ok(oauth_client::ActiveModel {
        client_id: Set(client.client_id.clone()),
        secret_hash: Set(client.secret_hash.map(|hash| hash.to_hex())),
        client_type: Set(client.client_type.as_str().to_owned()),
        name: Set(client.name.clone()),
        redirect_uris: Set(strings_to_json(&uris)?),
        allowed_scopes: Set(client.allowed_scopes.as_str().to_owned()),
        grant_types: Set(strings_to_json(&grants)?),
        first_party: Set(client.first_party),
        created_at: Set(micros(client.created_at)?),
    })
}

fn client_from_model(row: oauth_client::Model) -> Result<OAuthClient, StoreError> {
    let grant_types = strings_from_json(&row.grant_types, "grant types")?
        .iter()
        .map(|name| GrantType::parse(name).ok_or_else(|| corrupt("grant type")))
        .collect::<Result<_, _>>()?;
    Ok(OAuthClient {
        client_id: row.client_id,
        secret_hash: row.secret_hash.as_deref().map(hash_from_hex).transpose()?,
        client_type: ClientType::parse(&row.client_type).ok_or_else(|| corrupt("client type"))?,
        name: row.name,
        redirect_uris: strings_from_json(&row.redirect_uris, "redirect URIs")?,
        allowed_scopes: Scope::parse(&row.allowed_scopes),
        grant_types,
        first_party: row.first_party,
        created_at: time(row.created_at),
    })
}

#[async_trait]
impl OAuthClientStore for SeaOrmStore {
    #[tracing::instrument(level = "debug", skip_all, fields(client_id = %client.client_id))]
    async fn insert_client(&self, client: &OAuthClient) -> Result<(), StoreError> {
        oauth_client::Entity::insert(client_to_active(client)?)
            .exec_without_returning(self.connection())
            .await
            .map_err(|error| conflict_or_backend(error, "oauth client"))?;
        Ok(())
    }

    async fn client(&self, client_id: &str) -> Result<Option<OAuthClient>, StoreError> {
        // Compared in Rust too: MySQL's default collation compares case-insensitively.
        oauth_client::Entity::find_by_id(client_id.to_owned())
            .one(self.connection())
            .await
            .map_err(db)?
            .filter(|row| row.client_id == client_id)
            .map(client_from_model)
            .transpose()
    }

    async fn update_client(&self, client: &OAuthClient) -> Result<(), StoreError> {
        let row = client_to_active(client)?;
        let updated = oauth_client::Entity::update_many()
            .set(row)
            .filter(oauth_client::Column::ClientId.eq(client.client_id.as_str()))
            .exec(self.connection())
            .await
            .map_err(db)?;
        if updated.rows_affected == 0 {
            return Err(StoreError::NotFound("oauth client"));
        }
        Ok(())
    }

    async fn delete_client(&self, client_id: &str) -> Result<bool, StoreError> {
        let deleted = oauth_client::Entity::delete_many()
            .filter(oauth_client::Column::ClientId.eq(client_id))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(deleted.rows_affected > 0)
    }
}

fn code_from_model(row: authorization_code::Model) -> Result<AuthorizationCode, StoreError> {
    Ok(AuthorizationCode {
        hash: hash_from_hex(&row.hash)?,
        client_id: row.client_id,
        user_id: user_id(&row.user_id)?,
        redirect_uri: row.redirect_uri,
        scope: Scope::parse(&row.scope),
        code_challenge: row.code_challenge,
        nonce: row.nonce,
        auth_time: time(row.auth_time),
        amr: crate::sessions::amr_from_column(&row.amr),
        acr: row.acr,
        created_at: time(row.created_at),
        expires_at: time(row.expires_at),
        used_at: row.used_at.map(time),
        session_id: row.session_id.as_deref().map(session_id).transpose()?,
        replayed_at: row.replayed_at.map(time),
    })
}

impl SeaOrmStore {
    async fn find_code(&self, hash: &str) -> Result<Option<AuthorizationCode>, StoreError> {
        authorization_code::Entity::find_by_id(hash.to_owned())
            .one(self.connection())
            .await
            .map_err(db)?
            .map(code_from_model)
            .transpose()
    }
}

#[async_trait]
impl AuthorizationCodeStore for SeaOrmStore {
    #[tracing::instrument(level = "debug", skip_all, fields(client_id = %code.client_id))]
    async fn issue_authorization_code(&self, code: &AuthorizationCode) -> Result<(), StoreError> {
        let row = authorization_code::ActiveModel {
            hash: Set(code.hash.to_hex()),
            client_id: Set(code.client_id.clone()),
            user_id: Set(code.user_id.to_string()),
            redirect_uri: Set(code.redirect_uri.clone()),
            scope: Set(code.scope.as_str().to_owned()),
            code_challenge: Set(code.code_challenge.clone()),
            nonce: Set(code.nonce.clone()),
            auth_time: Set(micros(code.auth_time)?),
            amr: Set(crate::sessions::amr_column(&code.amr)?),
            acr: Set(code.acr.clone()),
            created_at: Set(micros(code.created_at)?),
            expires_at: Set(micros(code.expires_at)?),
            used_at: Set(opt_micros(code.used_at)?),
            session_id: Set(code.session_id.map(|id| id.to_string())),
            replayed_at: Set(opt_micros(code.replayed_at)?),
        };
        authorization_code::Entity::insert(row)
            .exec_without_returning(self.connection())
            .await
            .map_err(|error| conflict_or_backend(error, "authorization code"))?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn redeem_authorization_code(
        &self,
        hash: &TokenHash,
        session_id: SessionId,
        now: SystemTime,
    ) -> Result<CodeRedemption, StoreError> {
        let now = micros(now)?;
        let hash = hash.to_hex();
        // The one conditional write that decides (see the module docs).
        let redeemed = authorization_code::Entity::update_many()
            .col_expr(authorization_code::Column::UsedAt, Expr::value(now))
            .col_expr(
                authorization_code::Column::SessionId,
                Expr::value(session_id.to_string()),
            )
            .filter(authorization_code::Column::Hash.eq(hash.as_str()))
            .filter(authorization_code::Column::UsedAt.is_null())
            .filter(authorization_code::Column::ExpiresAt.gt(now))
            .exec(self.connection())
            .await
            .map_err(db)?;
        if redeemed.rows_affected == 1 {
            // `used_at` is set once and never cleared, so this read sees our own write.
            return match self.find_code(&hash).await? {
                Some(code) => Ok(CodeRedemption::Redeemed(code)),
                None => Err(corrupt("a redeemed authorization code disappeared")),
            };
        }
        authorization_code::Entity::update_many()
            .col_expr(authorization_code::Column::ReplayedAt, Expr::value(now))
            .filter(authorization_code::Column::Hash.eq(hash.as_str()))
            .filter(authorization_code::Column::UsedAt.is_not_null())
            .filter(authorization_code::Column::ReplayedAt.is_null())
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(match self.find_code(&hash).await? {
            None => CodeRedemption::Unknown,
            Some(code) if code.used_at.is_some() => CodeRedemption::Replayed(code),
            Some(_) => CodeRedemption::Expired,
        })
    }

    async fn authorization_code(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<AuthorizationCode>, StoreError> {
        self.find_code(&hash.to_hex()).await
    }

    async fn purge_expired_authorization_codes(&self, now: SystemTime) -> Result<u64, StoreError> {
        let purged = authorization_code::Entity::delete_many()
            .filter(authorization_code::Column::ExpiresAt.lt(micros(now)?))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(purged.rows_affected)
    }
}

#[async_trait]
impl ConsentStore for SeaOrmStore {
    async fn save_consent(&self, consent: &Consent) -> Result<(), StoreError> {
        let row = oauth_consent::ActiveModel {
            user_id: Set(consent.user_id.to_string()),
            client_id: Set(consent.client_id.clone()),
            scope: Set(consent.scope.as_str().to_owned()),
            granted_at: Set(micros(consent.granted_at)?),
        };
        // One statement on every backend: INSERT … ON CONFLICT / ON DUPLICATE KEY UPDATE.
        oauth_consent::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    oauth_consent::Column::UserId,
                    oauth_consent::Column::ClientId,
                ])
                .update_columns([
                    oauth_consent::Column::Scope,
                    oauth_consent::Column::GrantedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(self.connection())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn consent(
        &self,
        user_id: UserId,
        client_id: &str,
    ) -> Result<Option<Consent>, StoreError> {
        let row = oauth_consent::Entity::find_by_id((user_id.to_string(), client_id.to_owned()))
            .one(self.connection())
            .await
            .map_err(db)?
            .filter(|row| row.client_id == client_id);
        row.map(|row| {
            Ok(Consent {
                user_id: crate::convert::user_id(&row.user_id)?,
                client_id: row.client_id,
                scope: Scope::parse(&row.scope),
                granted_at: time(row.granted_at),
            })
        })
        .transpose()
    }

    async fn revoke_consent(&self, user_id: UserId, client_id: &str) -> Result<bool, StoreError> {
        let deleted = oauth_consent::Entity::delete_many()
            .filter(oauth_consent::Column::UserId.eq(user_id.to_string()))
            .filter(oauth_consent::Column::ClientId.eq(client_id))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(deleted.rows_affected > 0)
    }
}

#[async_trait]
impl OAuthGrantStore for SeaOrmStore {
    async fn insert_grant(&self, grant: &OAuthGrant) -> Result<(), StoreError> {
        let row = oauth_grant::ActiveModel {
            session_id: Set(grant.session_id.to_string()),
            client_id: Set(grant.client_id.clone()),
            user_id: Set(grant.user_id.to_string()),
            scope: Set(grant.scope.as_str().to_owned()),
            auth_time: Set(micros(grant.auth_time)?),
            created_at: Set(micros(grant.created_at)?),
            expires_at: Set(micros(grant.expires_at)?),
        };
        oauth_grant::Entity::insert(row)
            .exec_without_returning(self.connection())
            .await
            .map_err(|error| conflict_or_backend(error, "oauth grant"))?;
        Ok(())
    }

    async fn grant(&self, session: SessionId) -> Result<Option<OAuthGrant>, StoreError> {
        let row = oauth_grant::Entity::find_by_id(session.to_string())
            .one(self.connection())
            .await
            .map_err(db)?;
        row.map(|row| {
            Ok(OAuthGrant {
                session_id: session_id(&row.session_id)?,
                client_id: row.client_id,
                user_id: user_id(&row.user_id)?,
                scope: Scope::parse(&row.scope),
                auth_time: time(row.auth_time),
                created_at: time(row.created_at),
                expires_at: time(row.expires_at),
            })
        })
        .transpose()
    }

    async fn purge_expired_grants(&self, now: SystemTime) -> Result<u64, StoreError> {
        let purged = oauth_grant::Entity::delete_many()
            .filter(oauth_grant::Column::ExpiresAt.lt(micros(now)?))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(purged.rows_affected)
    }
}
