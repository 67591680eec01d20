//! Refresh rotation on PostgreSQL in **one statement**: one round trip decides, writes and
//! says which [`Rotation`] it was.
//!
//! The other backends need a transaction of several statements (see the parent module):
//! neither has data-modifying `WITH` clauses (MySQL/MariaDB's `UPDATE` has no `RETURNING`
//! either; SQLite has `RETURNING` but allows `UPDATE`/`INSERT` only at the top level of a
//! statement). PostgreSQL runs the whole rotation as one statement:
//!
//! 1. `ses` locks the presented token's session (only if it is of the asked `kind`: a
//!    credential of another kind locks, writes and learns nothing) and `tok` then locks the
//!    token. `FOR NO KEY UPDATE` in READ COMMITTED waits for a concurrent writer and returns
//!    the row **as it committed**, so what decides is the latest state, not the statement's
//!    snapshot: of 50 concurrent rotations the first locks, the others wait and then see
//!    `rotated_at` set. Session before token is the order in which a purge's
//!    `DELETE … CASCADE` locks them too, so the two cannot deadlock.
//! 2. `claimed` marks the token rotated only if it is unrotated and unexpired and its session
//!    active — the rules of the other backends' conditional `UPDATE`, on the locked rows.
//! 3. `touched` moves the session's `last_used_at` and idle expiry (never past the absolute
//!    one) for a claimed token only, and `successor` inserts `next` under that session with
//!    an expiry capped at the session's. A `next.hash` that exists fails the whole statement
//!    (nothing written), reported as a conflict.
//! 4. The final `SELECT` returns the session as locked, the token's `rotated_at`, and the
//!    touched times: no row is [`Rotation::Unknown`]; touched times are
//!    [`Rotation::Rotated`]; else a `rotated_at` is [`Rotation::AlreadyRotated`] (with when,
//!    for the caller's grace window); else [`Rotation::Inactive`].
//!
//! Locking and then updating the same row within one command is allowed (a lock is not a
//! modification), and PostgreSQL runs data-modifying `WITH` parts exactly once, in the order
//! their data flows.

use auth_core::store::{RefreshTokenRecord, Rotation, SessionKind, StoreError};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};

use super::session_from_model;
use crate::SeaOrmStore;
use crate::convert::{db, micros, time};
use crate::entity::session;
use crate::error::conflict_or_backend;

/// The rotation (see the module docs). `$1` presented hash, `$2` kind, `$3` now, `$4` the idle
/// expiry to set (before the cap), `$5` successor hash, `$6` its `issued_at`, `$7` its
/// `expires_at` (before the cap). All µs since the epoch.
const ROTATE: &str = r#"
WITH ses AS MATERIALIZED (
    SELECT s.* FROM "auth_sessions" s
     WHERE s."id" = (SELECT t."session_id" FROM "auth_refresh_tokens" t WHERE t."hash" = $1)
       AND s."kind" = $2
       FOR NO KEY UPDATE
), tok AS MATERIALIZED (
    SELECT t."hash", t."session_id", t."rotated_at", t."expires_at"
      FROM "auth_refresh_tokens" t
     WHERE t."hash" = $1 AND t."session_id" IN (SELECT "id" FROM ses)
       FOR NO KEY UPDATE
), claimed AS (
    UPDATE "auth_refresh_tokens" t SET "rotated_at" = $3
      FROM tok JOIN ses ON ses."id" = tok."session_id"
     WHERE t."hash" = tok."hash"
       AND tok."rotated_at" IS NULL AND tok."expires_at" > $3
       AND ses."revoked_at" IS NULL AND ses."expires_at" > $3 AND ses."idle_expires_at" > $3
    RETURNING t."session_id"
), touched AS (
    UPDATE "auth_sessions" s SET "last_used_at" = $3, "idle_expires_at" = LEAST($4, s."expires_at")
      FROM claimed WHERE s."id" = claimed."session_id"
    RETURNING s."id", s."last_used_at", s."idle_expires_at", s."expires_at"
), successor AS (
    INSERT INTO "auth_refresh_tokens" ("hash", "session_id", "issued_at", "rotated_at", "expires_at")
    SELECT $5, touched."id", $6, NULL, LEAST($7, touched."expires_at") FROM touched
    RETURNING "session_id"
)
SELECT ses.*,
       tok."rotated_at" AS "token_rotated_at",
       touched."last_used_at" AS "touched_last_used_at",
       touched."idle_expires_at" AS "touched_idle_expires_at"
  FROM tok
  JOIN ses ON ses."id" = tok."session_id"
  LEFT JOIN touched ON touched."id" = ses."id"
"#;

/// [`SessionStore::rotate_refresh_token`](auth_core::store::SessionStore::rotate_refresh_token)
/// on PostgreSQL: one statement, one round trip. `now` and `idle_until` are µs since the
/// epoch; `presented` is the hex hash.
pub(super) async fn rotate(
    store: &SeaOrmStore,
    presented: &str,
    kind: SessionKind,
    next: &RefreshTokenRecord,
    now: i64,
    idle_until: i64,
) -> Result<Rotation, StoreError> {
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        ROTATE,
        [
            presented.into(),
            kind.as_str().into(),
            now.into(),
            idle_until.into(),
            next.hash.to_hex().into(),
            micros(next.issued_at)?.into(),
            micros(next.expires_at)?.into(),
        ],
    );
    let Some(row) = store
        .connection()
        .query_one_raw(statement)
        .await
        .map_err(|error| conflict_or_backend(error, "refresh token"))?
    else {
        // No token with that hash, or its session is of another kind.
        return Ok(Rotation::Unknown);
    };
    let touched_last_used_at: Option<i64> = row.try_get("", "touched_last_used_at").map_err(db)?;
    let touched_idle_expires_at: Option<i64> =
        row.try_get("", "touched_idle_expires_at").map_err(db)?;
    let token_rotated_at: Option<i64> = row.try_get("", "token_rotated_at").map_err(db)?;
    let mut session = session_from_model(session::Model::from_query_result(&row, "").map_err(db)?)?;
    Ok(
        match (
            touched_last_used_at,
            touched_idle_expires_at,
            token_rotated_at,
        ) {
            (Some(last_used_at), Some(idle_expires_at), _) => {
                session.last_used_at = time(last_used_at);
                session.idle_expires_at = time(idle_expires_at);
                Rotation::Rotated(session)
            }
            (_, _, Some(rotated_at)) => Rotation::AlreadyRotated {
                session,
                rotated_at: time(rotated_at),
            },
            _ => Rotation::Inactive(session),
        },
    )
}
