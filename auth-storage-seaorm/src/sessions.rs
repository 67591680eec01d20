//! [`SessionStore`] on `auth_sessions` and `auth_refresh_tokens`, with refresh rotation
//! decided by one conditional write.
//!
//! # How rotation stays atomic on every backend
//!
//! **PostgreSQL** rotates in one statement — one round trip that locks, decides, writes and
//! says which outcome it was (see [`postgres`]).
//!
//! **SQLite and MySQL/MariaDB** cannot (no data-modifying `WITH`), so there the decision is a
//! single statement at the start of a transaction:
//!
//! ```sql
//! UPDATE auth_refresh_tokens SET rotated_at = :now
//!  WHERE hash = :presented AND rotated_at IS NULL AND expires_at > :now
//!    AND EXISTS (SELECT 1 FROM auth_sessions s
//!                 WHERE s.id = auth_refresh_tokens.session_id AND s.kind = :kind
//!                   AND s.revoked_at IS NULL
//!                   AND s.expires_at > :now AND s.idle_expires_at > :now)
//! ```
//!
//! InnoDB re-checks the `WHERE` of a row another transaction changed before updating it, and
//! SQLite runs one writer at a time, so of any number of concurrent calls exactly one sees
//! `rows_affected = 1`. Only that caller goes on — in the same transaction — to touch the
//! session and insert the successor; if either fails, the claim rolls back with them. A caller
//! that claims nothing has written nothing, and reads the rows afterwards only to say why
//! ([`Rotation::AlreadyRotated`], [`Rotation::Inactive`], [`Rotation::Unknown`]).
//!
//! On MySQL/MariaDB the transaction first locks the session row (`SELECT … FOR UPDATE`):
//! otherwise the claim's shared lock on it and a concurrent logout's exclusive one deadlock,
//! and InnoDB fails one of the two.

mod postgres;

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use auth_core::opaque::TokenHash;
use auth_core::store::{
    Assurance, RefreshTokenRecord, RevokeReason, Rotation, Session, SessionId, SessionKind,
    SessionStore, StoreError, UserId,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::SeaOrmStore;
use crate::convert::{corrupt, db, micros, opt_micros, session_id, time, user_id};
use crate::entity::{refresh_token, session};
use crate::error::conflict_or_backend;

fn session_to_active(session: &Session) -> Result<session::ActiveModel, StoreError> {
    Ok(session::ActiveModel {
        id: Set(session.id.to_string()),
        kind: Set(session.kind.as_str().to_owned()),
        user_id: Set(session.user_id.to_string()),
        created_at: Set(micros(session.created_at)?),
        last_used_at: Set(micros(session.last_used_at)?),
        expires_at: Set(micros(session.expires_at)?),
        idle_expires_at: Set(micros(session.idle_expires_at)?),
        ip: Set(session.ip.clone()),
        user_agent: Set(session.user_agent.clone()),
        device_name: Set(session.device_name.clone()),
        revoked_at: Set(opt_micros(session.revoked_at)?),
        revoke_reason: Set(session
            .revoke_reason
            .map(|reason| reason.as_str().to_owned())),
        auth_time: Set(Some(micros(session.auth_time)?)),
        amr: Set(amr_column(&session.amr)?),
        acr: Set(session.acr.clone()),
    })
}

fn session_from_model(row: session::Model) -> Result<Session, StoreError> {
    let revoke_reason = match row.revoke_reason.as_deref() {
        None => None,
        Some(name) => Some(RevokeReason::parse(name).ok_or_else(|| corrupt("revoke reason"))?),
    };
    Ok(Session {
        id: session_id(&row.id)?,
        kind: SessionKind::parse(&row.kind).ok_or_else(|| corrupt("session kind"))?,
        user_id: user_id(&row.user_id)?,
        created_at: time(row.created_at),
        last_used_at: time(row.last_used_at),
        expires_at: time(row.expires_at),
        idle_expires_at: time(row.idle_expires_at),
        ip: row.ip,
        user_agent: row.user_agent,
        device_name: row.device_name,
        revoked_at: row.revoked_at.map(time),
        revoke_reason,
        auth_time: time(row.auth_time.unwrap_or(row.created_at)),
        amr: amr_from_column(&row.amr),
        acr: row.acr,
    })
}

/// `amr` read back from its column (space-separated names).
pub(crate) fn amr_from_column(column: &str) -> Vec<String> {
    column
        .split(' ')
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `amr` as its column holds it: space-separated names. A name with a space could not be
/// read back as written, so it is refused rather than split.
pub(crate) fn amr_column(amr: &[String]) -> Result<String, StoreError> {
    if amr.iter().any(|name| name.is_empty() || name.contains(' ')) {
        return Err(StoreError::Backend(
            "an amr name is empty or contains a space".into(),
        ));
    }
    Ok(amr.join(" "))
}

fn token_to_active(
    token: &RefreshTokenRecord,
    session_id: &str,
    expires_at: i64,
) -> Result<refresh_token::ActiveModel, StoreError> {
    Ok(refresh_token::ActiveModel {
        hash: Set(token.hash.to_hex()),
        session_id: Set(session_id.to_owned()),
        issued_at: Set(micros(token.issued_at)?),
        rotated_at: Set(opt_micros(token.rotated_at)?),
        expires_at: Set(expires_at),
    })
}

fn token_from_model(row: refresh_token::Model) -> Result<RefreshTokenRecord, StoreError> {
    let hash = TokenHash::from_hex(&row.hash).map_err(|_| corrupt("refresh token hash"))?;
    let mut token = RefreshTokenRecord::new(
        hash,
        session_id(&row.session_id)?,
        time(row.issued_at),
        time(row.expires_at),
    );
    token.rotated_at = row.rotated_at.map(time);
    Ok(token)
}

/// The idle expiry a rotation at `now` sets before it is capped at the session's absolute
/// expiry (µs). A sum past what the column holds saturates: the cap decides then.
fn idle_until(now: SystemTime, idle_timeout: Duration) -> i64 {
    now.checked_add(idle_timeout)
        .and_then(|until| micros(until).ok())
        .unwrap_or(i64::MAX)
}

async fn find_session<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<Option<Session>, StoreError> {
    session::Entity::find_by_id(id.to_owned())
        .one(connection)
        .await
        .map_err(db)?
        .map(session_from_model)
        .transpose()
}

/// The session of the token whose hash is `presented`, in one query (the token row itself is
/// not needed); `lock`: `FOR UPDATE`.
async fn claimed_token_session(
    txn: &DatabaseTransaction,
    presented: &str,
    lock: bool,
) -> Result<Option<session::Model>, StoreError> {
    let mut query = session::Entity::find().filter(
        session::Column::Id.in_subquery(
            Query::select()
                .column(refresh_token::Column::SessionId)
                .from(refresh_token::Entity)
                .and_where(refresh_token::Column::Hash.eq(presented))
                .to_owned(),
        ),
    );
    if lock {
        query = query.lock_exclusive();
    }
    query.one(txn).await.map_err(db)
}

/// Claims `presented` for rotation at `now`: the one conditional write (see the module docs).
/// Only a token whose session is of `kind` can be claimed.
async fn claim(
    txn: &DatabaseTransaction,
    presented: &str,
    kind: SessionKind,
    now: i64,
) -> Result<bool, StoreError> {
    let session_is_active = Query::select()
        .expr(Expr::val(1))
        .from(session::Entity)
        .and_where(
            Expr::col((session::Entity, session::Column::Id))
                .equals((refresh_token::Entity, refresh_token::Column::SessionId)),
        )
        .and_where(Expr::col((session::Entity, session::Column::Kind)).eq(kind.as_str()))
        .and_where(Expr::col((session::Entity, session::Column::RevokedAt)).is_null())
        .and_where(Expr::col((session::Entity, session::Column::ExpiresAt)).gt(now))
        .and_where(Expr::col((session::Entity, session::Column::IdleExpiresAt)).gt(now))
        .to_owned();
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now))
        .filter(refresh_token::Column::Hash.eq(presented))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .filter(Expr::exists(session_is_active))
        .exec(txn)
        .await
        .map_err(db)?;
    Ok(claimed.rows_affected == 1)
}

impl SeaOrmStore {
    /// Why `presented` could not be claimed; reads only. A token of another kind is unknown.
    async fn explain_refusal(
        &self,
        presented: &str,
        kind: SessionKind,
        now: i64,
    ) -> Result<Rotation, StoreError> {
        let Some(token) = refresh_token::Entity::find_by_id(presented.to_owned())
            .one(self.connection())
            .await
            .map_err(db)?
        else {
            return Ok(Rotation::Unknown);
        };
        let Some(session) = find_session(self.connection(), &token.session_id).await? else {
            return Ok(Rotation::Unknown);
        };
        if session.kind != kind {
            return Ok(Rotation::Unknown);
        }
        if let Some(rotated_at) = token.rotated_at {
            return Ok(Rotation::AlreadyRotated {
                session,
                rotated_at: time(rotated_at),
            });
        }
        // The claim failed for an unrotated token, so it or its session was not active at
        // `now`. Said plainly even if a clock skew makes it look active now: fail closed.
        if token.expires_at > now && session.is_active(time(now)) {
            tracing::warn!("refresh token looked active after its claim failed; refusing");
        }
        Ok(Rotation::Inactive(session))
    }
}

#[async_trait]
impl SessionStore for SeaOrmStore {
    #[tracing::instrument(level = "debug", skip_all, fields(session_id = %session.id))]
    async fn create_session(
        &self,
        session: &Session,
        first_token: &RefreshTokenRecord,
    ) -> Result<(), StoreError> {
        let session_row = session_to_active(session)?;
        let token_row = token_to_active(
            first_token,
            &session.id.to_string(),
            micros(first_token.expires_at)?,
        )?;
        let txn = self.connection().begin().await.map_err(db)?;
        session::Entity::insert(session_row)
            .exec_without_returning(&txn)
            .await
            .map_err(|error| conflict_or_backend(error, "session"))?;
        refresh_token::Entity::insert(token_row)
            .exec_without_returning(&txn)
            .await
            .map_err(|error| conflict_or_backend(error, "refresh token"))?;
        // Dropping `txn` on an error above rolls both inserts back.
        txn.commit().await.map_err(db)
    }

    async fn session(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        find_session(self.connection(), &id.to_string()).await
    }

    async fn refresh_token(
        &self,
        hash: &TokenHash,
        kind: SessionKind,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        // One query: the token, only if its session is of `kind`.
        refresh_token::Entity::find_by_id(hash.to_hex())
            .filter(
                refresh_token::Column::SessionId.in_subquery(
                    Query::select()
                        .column(session::Column::Id)
                        .from(session::Entity)
                        .and_where(session::Column::Kind.eq(kind.as_str()))
                        .to_owned(),
                ),
            )
            .one(self.connection())
            .await
            .map_err(db)?
            .map(token_from_model)
            .transpose()
    }

    async fn active_sessions(
        &self,
        user_id: UserId,
        now: SystemTime,
    ) -> Result<Vec<Session>, StoreError> {
        let now = micros(now)?;
        session::Entity::find()
            .filter(session::Column::UserId.eq(user_id.to_string()))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .filter(session::Column::IdleExpiresAt.gt(now))
            .order_by_desc(session::Column::LastUsedAt)
            .order_by_desc(session::Column::CreatedAt)
            .order_by_asc(session::Column::Id)
            .all(self.connection())
            .await
            .map_err(db)?
            .into_iter()
            .map(session_from_model)
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn rotate_refresh_token(
        &self,
        presented: &TokenHash,
        kind: SessionKind,
        next: &RefreshTokenRecord,
        now: SystemTime,
        idle_timeout: Duration,
    ) -> Result<Rotation, StoreError> {
        let now_us = micros(now)?;
        let idle_until = idle_until(now, idle_timeout);
        let presented = presented.to_hex();
        if self.backend() == DbBackend::Postgres {
            return postgres::rotate(self, &presented, kind, next, now_us, idle_until).await;
        }
        let txn = self.connection().begin().await.map_err(db)?;
        // MySQL/MariaDB: lock the session before the claim. The claim's `EXISTS` takes a
        // shared lock on the session row and the touch below needs an exclusive one; a logout
        // asking for its exclusive lock in between deadlocked with it (InnoDB then killed one
        // of the two — a logout or a refresh failed). Locking first makes a logout wait. SQLite
        // has no row locks (its one writer serialises this); taking the write lock with the
        // claim, not after a read, keeps its concurrent rotations from failing as busy.
        let locked = if self.backend() == DbBackend::MySql {
            claimed_token_session(&txn, &presented, true).await?
        } else {
            None
        };
        if !claim(&txn, &presented, kind, now_us).await? {
            txn.rollback().await.map_err(db)?;
            return self.explain_refusal(&presented, kind, now_us).await;
        }
        let session_row = match locked {
            Some(row) => row,
            None => claimed_token_session(&txn, &presented, false)
                .await?
                .ok_or_else(|| corrupt("refresh token without a session"))?,
        };
        let idle_expires_at = std::cmp::min(idle_until, session_row.expires_at);
        let touched = session::Entity::update_many()
            .col_expr(session::Column::LastUsedAt, Expr::value(now_us))
            .col_expr(session::Column::IdleExpiresAt, Expr::value(idle_expires_at))
            .filter(session::Column::Id.eq(session_row.id.clone()))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db)?;
        if touched.rows_affected != 1 {
            // Revoked between the claim and now: the revocation wins, nothing is written.
            txn.rollback().await.map_err(db)?;
            let session = find_session(self.connection(), &session_row.id)
                .await?
                .ok_or_else(|| corrupt("refresh token without a session"))?;
            return Ok(Rotation::Inactive(session));
        }

        // The successor belongs to the presented token's session and never outlives it.
        let successor_expires_at = std::cmp::min(micros(next.expires_at)?, session_row.expires_at);
        let mut successor = token_to_active(next, &session_row.id, successor_expires_at)?;
        successor.rotated_at = Set(None);
        refresh_token::Entity::insert(successor)
            .exec_without_returning(&txn)
            .await
            .map_err(|error| conflict_or_backend(error, "refresh token"))?;
        txn.commit().await.map_err(db)?;

        let mut rotated = session_from_model(session_row)?;
        rotated.last_used_at = time(now_us);
        rotated.idle_expires_at = time(idle_expires_at);
        Ok(Rotation::Rotated(rotated))
    }

    async fn record_authentication(
        &self,
        id: SessionId,
        assurance: &Assurance,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let now = micros(now)?;
        // One conditional write: a revoked or expired session is not revived by a step-up.
        let updated = session::Entity::update_many()
            .col_expr(
                session::Column::AuthTime,
                Expr::value(micros(assurance.auth_time)?),
            )
            .col_expr(
                session::Column::Amr,
                Expr::value(amr_column(&assurance.amr)?),
            )
            .col_expr(session::Column::Acr, Expr::value(assurance.acr.clone()))
            .filter(session::Column::Id.eq(id.to_string()))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .filter(session::Column::IdleExpiresAt.gt(now))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(updated.rows_affected > 0)
    }

    async fn revoke_session(
        &self,
        id: SessionId,
        reason: RevokeReason,
        at: SystemTime,
    ) -> Result<bool, StoreError> {
        let revoked = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(micros(at)?))
            .col_expr(session::Column::RevokeReason, Expr::value(reason.as_str()))
            .filter(session::Column::Id.eq(id.to_string()))
            .filter(session::Column::RevokedAt.is_null())
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(revoked.rows_affected > 0)
    }

    async fn revoke_user_sessions(
        &self,
        user_id: UserId,
        keep: Option<SessionId>,
        reason: RevokeReason,
        at: SystemTime,
    ) -> Result<u64, StoreError> {
        let mut update = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(micros(at)?))
            .col_expr(session::Column::RevokeReason, Expr::value(reason.as_str()))
            .filter(session::Column::UserId.eq(user_id.to_string()))
            .filter(session::Column::RevokedAt.is_null());
        if let Some(keep) = keep {
            update = update.filter(session::Column::Id.ne(keep.to_string()));
        }
        let revoked = update.exec(self.connection()).await.map_err(db)?;
        Ok(revoked.rows_affected)
    }

    async fn purge_expired_sessions(&self, now: SystemTime) -> Result<u64, StoreError> {
        let now = micros(now)?;
        let txn = self.connection().begin().await.map_err(db)?;
        // Expired sessions, with their tokens (ON DELETE CASCADE) — first, so rows are locked
        // session before token, as PostgreSQL's one-statement rotation locks them: the other
        // order could deadlock with a rotation of an expired session's token.
        let purged = session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lt(now))
            .exec(&txn)
            .await
            .map_err(db)?;
        // Then expired tokens of live sessions. Rotated but unexpired tokens stay: they are
        // how a replay is recognised.
        refresh_token::Entity::delete_many()
            .filter(refresh_token::Column::ExpiresAt.lt(now))
            .exec(&txn)
            .await
            .map_err(db)?;
        txn.commit().await.map_err(db)?;
        Ok(purged.rows_affected)
    }
}
