//! PostgreSQL row-level security for multi-tenant hosts.
//!
//! Seed 002 isolates tenants with RLS policies that read the current user from a session
//! setting — but sets it with `SET LOCAL app.current_user_id = '{user_id}'`, built by string
//! formatting, which a crafted id turns into SQL of the attacker's choosing. Here the settings
//! are written with `SELECT set_config($1, $2, true)`, the name and value both bound
//! parameters, inside the transaction that runs your unit of work; `true` makes them
//! transaction-local, so they vanish at commit or rollback and never leak to the next user of
//! a pooled connection.
//!
//! * [`with_rls`] runs a unit of work as an [`RlsContext`] (user, tenant, superuser flag);
//! * [`RlsPolicy`] enables (and forces) RLS on one of your tables with a policy that compares
//!   a column to one of those settings — as SQL to put in your own migration
//!   ([`RlsPolicy::statements`]) or applied directly ([`RlsPolicy::apply`]).
//!
//! # No user, no tenant
//!
//! PostgreSQL has no way to unset a setting: once a connection has run one transaction-local
//! `set_config`, the setting reads as `''` on that connection ever after, and "no tenant" is
//! written as `''` too. A policy comparing a column with the raw setting would therefore hand
//! every row whose column is the empty string to a unit of work without a tenant — and to any
//! query outside the helper on a pooled connection. So the policies [`RlsPolicy`] builds
//! compare with `NULLIF(current_setting(name, true), '')`: unset and empty both read as `NULL`,
//! which equals nothing, so "none" matches no row and admits no write. [`with_rls`] also
//! refuses an empty user or tenant id ([`RlsError::EmptyId`]) rather than running as one; "no
//! tenant" is a context without [`RlsContext::tenant`].
//!
//! Policies installed by an earlier version of this module compared with the raw setting:
//! re-run [`RlsPolicy::apply`] (or your migration with [`RlsPolicy::statements`]), which
//! replaces them. Write your own policies the same way.
//!
//! # What the database role must be
//!
//! PostgreSQL skips every policy for superusers and for roles with `BYPASSRLS`, so the
//! application must connect as an ordinary role. [`RlsPolicy`] also `FORCE`s RLS, so the
//! table's owner is subject to it too.
//!
//! # Example
//!
//! ```no_run
//! use auth_storage_seaorm::rls::{RlsContext, RlsPolicy, with_rls};
//! use sea_orm::{ConnectionTrait, Statement};
//!
//! # async fn run(admin: &sea_orm::DatabaseConnection, app: &sea_orm::DatabaseConnection)
//! #     -> Result<(), Box<dyn std::error::Error>> {
//! // Once, in a migration run by the table's owner:
//! RlsPolicy::owner_column("notes", "owner_id")?.apply(admin).await?;
//!
//! // Per request, on the application's (non-superuser) connection:
//! let notes = with_rls(app, &RlsContext::user("6f1c…"), |txn| {
//!     Box::pin(async move {
//!         let sql = "SELECT body FROM notes";
//!         txn.query_all_raw(Statement::from_string(txn.get_database_backend(), sql)).await
//!     })
//! })
//! .await?;
//! # let _ = notes; Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, Statement,
    TransactionTrait,
};

/// The session setting holding the current user id.
pub const USER_ID_SETTING: &str = "app.current_user_id";
/// The session setting holding the current tenant id (empty when there is none, which the
/// policies of [`RlsPolicy`] read as `NULL`: it matches no row).
pub const TENANT_ID_SETTING: &str = "app.current_tenant_id";
/// The session setting that is `on` when the unit of work runs as a superuser, else `off`.
pub const SUPERUSER_SETTING: &str = "app.is_superuser";

/// Who a unit of work runs as. `Debug` shows the ids (they are identifiers, not secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RlsContext {
    user_id: String,
    tenant_id: Option<String>,
    superuser: bool,
}

impl RlsContext {
    /// Runs as `user_id` (sets [`USER_ID_SETTING`]), with no tenant and not as superuser. An
    /// empty `user_id` makes [`with_rls`] refuse the context ([`RlsError::EmptyId`]).
    pub fn user(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            tenant_id: None,
            superuser: false,
        }
    }

    /// Also sets [`TENANT_ID_SETTING`] to `tenant_id`. An empty `tenant_id` makes
    /// [`with_rls`] refuse the context ([`RlsError::EmptyId`]): leave this out for "no
    /// tenant".
    pub fn tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    /// Sets [`SUPERUSER_SETTING`] to `on`, which policies built with
    /// [`RlsPolicy::superuser_sees_all`] honour.
    ///
    /// # Security
    ///
    /// Every row of such tables becomes visible and writable in this unit of work. Decide it
    /// from a verified claim (a role in a verified access token), never from request input.
    pub fn as_superuser(mut self) -> Self {
        self.superuser = true;
        self
    }

    /// The setting an empty id would be written to, if any: an empty id is never an
    /// identity, and `''` is how PostgreSQL spells "unset".
    fn empty_id(&self) -> Option<&'static str> {
        if self.user_id.is_empty() {
            Some(USER_ID_SETTING)
        } else if self.tenant_id.as_deref() == Some("") {
            Some(TENANT_ID_SETTING)
        } else {
            None
        }
    }

    /// The settings this context writes, as `(name, value)`.
    fn settings(&self) -> [(&'static str, &str); 3] {
        [
            (USER_ID_SETTING, &self.user_id),
            (TENANT_ID_SETTING, self.tenant_id.as_deref().unwrap_or("")),
            (SUPERUSER_SETTING, if self.superuser { "on" } else { "off" }),
        ]
    }
}

/// Why [`with_rls`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RlsError<E> {
    /// The connection is not PostgreSQL.
    #[error("row-level security needs a PostgreSQL connection")]
    NotPostgres,
    /// The context's user id, or the tenant id it was given, is empty (the setting is named);
    /// nothing runs. "No tenant" is a context without [`RlsContext::tenant`].
    #[error("an empty value for the row-level-security setting `{setting}` is refused")]
    EmptyId {
        /// [`USER_ID_SETTING`] or [`TENANT_ID_SETTING`].
        setting: &'static str,
    },
    /// Beginning the transaction, writing the settings, or committing failed.
    #[error("database error around the row-level-security transaction")]
    Database(#[source] DbErr),
    /// The unit of work returned an error; the transaction was rolled back.
    #[error("the unit of work failed")]
    Work(#[source] E),
}

/// The boxed future a unit of work returns (as with sea-orm's `TransactionTrait::transaction`).
pub type UnitOfWork<'c, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>;

/// Runs `work` inside a transaction on `db` in which the settings of `context` are set with
/// bound parameters (`SELECT set_config($1, $2, true)`), so RLS policies that read them see
/// only that user's (or tenant's) rows. Commits when `work` returns `Ok`, rolls back
/// otherwise.
///
/// # Errors
///
/// [`RlsError::NotPostgres`] on another backend and [`RlsError::EmptyId`] for an empty user
/// or tenant id (nothing runs in either case), [`RlsError::Database`] when
/// the transaction or the settings fail (`work` does not run), [`RlsError::Work`] with the
/// error of `work`.
pub async fn with_rls<T, E, F>(
    db: &DatabaseConnection,
    context: &RlsContext,
    work: F,
) -> Result<T, RlsError<E>>
where
    F: for<'c> FnOnce(&'c DatabaseTransaction) -> UnitOfWork<'c, T, E> + Send,
    T: Send,
    E: Send,
{
    if db.get_database_backend() != DbBackend::Postgres {
        return Err(RlsError::NotPostgres);
    }
    if let Some(setting) = context.empty_id() {
        return Err(RlsError::EmptyId { setting });
    }
    let txn = db.begin().await.map_err(RlsError::Database)?;
    for (name, value) in context.settings() {
        let set = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT set_config($1, $2, true)",
            [name.into(), value.into()],
        );
        txn.execute_raw(set).await.map_err(RlsError::Database)?;
    }
    match work(&txn).await {
        Ok(value) => {
            txn.commit().await.map_err(RlsError::Database)?;
            Ok(value)
        }
        Err(error) => {
            // Dropping the transaction would roll back too; this reports a failed rollback.
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "rollback after a failed unit of work failed");
            }
            Err(RlsError::Work(error))
        }
    }
}

/// A name refused by [`RlsPolicy`]: identifiers cannot be bound parameters, so they must be
/// plain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 bytes)")]
pub struct InvalidIdentifier(String);

/// An RLS policy on one of the host's tables: a row is visible (and writable) when `column`
/// equals the session setting `setting`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RlsPolicy {
    schema: Option<String>,
    table: String,
    column: String,
    setting: &'static str,
    superuser_sees_all: bool,
}

impl RlsPolicy {
    /// Rows whose `column` equals [`USER_ID_SETTING`]. `table` may be schema-qualified
    /// (`app.notes`).
    ///
    /// # Errors
    ///
    /// [`InvalidIdentifier`] for a table or column name that is not a plain identifier.
    pub fn owner_column(table: &str, column: &str) -> Result<Self, InvalidIdentifier> {
        Self::on(table, column, USER_ID_SETTING)
    }

    /// Rows whose `column` equals [`TENANT_ID_SETTING`].
    ///
    /// # Errors
    ///
    /// As [`RlsPolicy::owner_column`].
    pub fn tenant_column(table: &str, column: &str) -> Result<Self, InvalidIdentifier> {
        Self::on(table, column, TENANT_ID_SETTING)
    }

    fn on(table: &str, column: &str, setting: &'static str) -> Result<Self, InvalidIdentifier> {
        let (schema, table) = match table.split_once('.') {
            Some((schema, table)) => (Some(identifier(schema)?), identifier(table)?),
            None => (None, identifier(table)?),
        };
        Ok(Self {
            schema,
            table,
            column: identifier(column)?,
            setting,
            superuser_sees_all: false,
        })
    }

    /// Also lets a unit of work run [`as_superuser`](RlsContext::as_superuser) see and write
    /// every row.
    pub fn superuser_sees_all(mut self) -> Self {
        self.superuser_sees_all = true;
        self
    }

    /// The policy's name: `auth_rls_<table>_<column>`.
    pub fn name(&self) -> String {
        format!("auth_rls_{}_{}", self.table, self.column)
    }

    /// The SQL that installs the policy (idempotent: it replaces a policy of the same name),
    /// for a host that keeps its own migrations.
    pub fn statements(&self) -> Vec<String> {
        let table = match &self.schema {
            Some(schema) => format!("\"{schema}\".\"{}\"", self.table),
            None => format!("\"{}\"", self.table),
        };
        // `setting` is one of this module's constants, never input; `::text` lets the column be
        // a uuid or an integer. A missing setting reads as NULL and an empty one (how "no
        // tenant" is written, and what every setting reads as on a connection once used) is
        // made NULL: either way "none" matches no row, not even one whose column is ''.
        let mut condition = format!(
            "\"{}\"::text = NULLIF(current_setting('{}', true), '')",
            self.column, self.setting
        );
        if self.superuser_sees_all {
            condition =
                format!("({condition}) OR current_setting('{SUPERUSER_SETTING}', true) = 'on'");
        }
        let name = self.name();
        vec![
            format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"),
            format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY"),
            format!("DROP POLICY IF EXISTS \"{name}\" ON {table}"),
            format!(
                "CREATE POLICY \"{name}\" ON {table} USING ({condition}) WITH CHECK ({condition})"
            ),
        ]
    }

    /// Runs [`RlsPolicy::statements`] on `db` in one transaction (as the table's owner).
    ///
    /// # Errors
    ///
    /// The [`DbErr`] of a statement that failed (nothing is applied), or of a non-PostgreSQL
    /// connection.
    pub async fn apply(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Err(DbErr::Custom(RlsError::<()>::NotPostgres.to_string()));
        }
        let txn = db.begin().await?;
        for statement in self.statements() {
            txn.execute_unprepared(&statement).await?;
        }
        txn.commit().await
    }
}

impl fmt::Display for RlsPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.statements().join(";\n"))?;
        f.write_str(";")
    }
}

/// `name` if it is a plain identifier that needs no escaping inside double quotes.
fn identifier(name: &str) -> Result<String, InvalidIdentifier> {
    let mut chars = name.chars();
    let plain = name.len() <= 63
        && chars
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        Ok(name.to_owned())
    } else {
        Err(InvalidIdentifier(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_sql_compares_the_column_to_the_setting_in_both_directions() {
        let sql = RlsPolicy::owner_column("app.notes", "owner_id")
            .unwrap()
            .statements();
        assert_eq!(
            sql[0],
            r#"ALTER TABLE "app"."notes" ENABLE ROW LEVEL SECURITY"#
        );
        assert_eq!(
            sql[1],
            r#"ALTER TABLE "app"."notes" FORCE ROW LEVEL SECURITY"#
        );
        assert_eq!(
            sql[3],
            r#"CREATE POLICY "auth_rls_notes_owner_id" ON "app"."notes" USING ("owner_id"::text = NULLIF(current_setting('app.current_user_id', true), '')) WITH CHECK ("owner_id"::text = NULLIF(current_setting('app.current_user_id', true), ''))"#
        );
    }

    #[test]
    fn an_empty_user_or_tenant_id_is_refused_not_written() {
        // '' is what an unset setting reads as; an empty id would run as "nobody" by accident.
        assert_eq!(RlsContext::user("").empty_id(), Some(USER_ID_SETTING));
        assert_eq!(
            RlsContext::user("u").tenant("").empty_id(),
            Some(TENANT_ID_SETTING)
        );
        assert_eq!(RlsContext::user("u").empty_id(), None, "no tenant is fine");
        assert_eq!(RlsContext::user("u").tenant("t").empty_id(), None);
    }

    #[test]
    fn identifiers_that_would_need_escaping_are_refused() {
        // Seed 002 formatted input into SQL; identifiers cannot be bound, so they are checked.
        for bad in [
            "notes\"; DROP TABLE users;--",
            "notes; x",
            "1notes",
            "",
            "nötes",
            "a.b.c",
            &"n".repeat(64),
        ] {
            assert!(
                RlsPolicy::owner_column(bad, "owner_id").is_err(),
                "table {bad:?} must be refused"
            );
            assert!(
                RlsPolicy::owner_column("notes", bad).is_err(),
                "column {bad:?}"
            );
        }
    }

    #[test]
    fn the_superuser_clause_is_only_there_when_asked_for() {
        let plain = RlsPolicy::tenant_column("docs", "tenant_id").unwrap();
        assert!(!plain.to_string().contains(SUPERUSER_SETTING));
        assert!(plain.to_string().contains(TENANT_ID_SETTING));
        let open = plain.superuser_sees_all();
        assert!(
            open.to_string()
                .contains("current_setting('app.is_superuser', true) = 'on'")
        );
    }
}
