//! The row-level-security helper on a real PostgreSQL server (skipped without
//! `AUTH_TEST_POSTGRES_URL`): a host table under a policy, two users, an injection attempt,
//! and the view from outside the helper.

mod support;

use auth_storage_seaorm::rls::{RlsContext, RlsError, RlsPolicy, with_rls};
use auth_storage_seaorm::sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};
use support::TestDb;

const ALICE: &str = "0b6f6a52-2c1e-4a8f-9d0e-6a1d2c3b4a51";
const BOB: &str = "7c2d9e1f-5b3a-4c6d-8e7f-9a0b1c2d3e4f";
const INJECTION: &str = "x'; SET row_security=off;--";

/// `base` with its user part replaced by `user`.
fn as_user(base: &str, user: &str) -> String {
    let (scheme, rest) = base.split_once("://").expect("URL with a scheme");
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}@{host}")
}

async fn bodies(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT body FROM notes ORDER BY body",
        ))
        .await?;
    rows.iter().map(|row| row.try_get_by_index(0)).collect()
}

async fn scalar(db: &impl ConnectionTrait, sql: &str) -> Result<Option<String>, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?
        .expect("one row");
    row.try_get_by_index(0)
}

async fn notes_as(app: &DatabaseConnection, context: RlsContext) -> Vec<String> {
    with_rls(app, &context, |txn| Box::pin(bodies(txn)))
        .await
        .expect("unit of work")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_sees_only_their_rows_and_injection_runs_nothing() {
    let Some(db) =
        TestDb::postgres("each_user_sees_only_their_rows_and_injection_runs_nothing").await
    else {
        return;
    };
    let schema = db.schema().expect("a schema").to_owned();
    let admin = db.store.connection();
    // The application's role: neither superuser nor BYPASSRLS, or every policy is skipped.
    let role = format!("{schema}_app");
    for sql in [
        format!("CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"),
        format!("ALTER ROLE {role} SET search_path = {schema}"),
        format!("GRANT USAGE ON SCHEMA {schema} TO {role}"),
        "CREATE TABLE notes (id serial PRIMARY KEY, owner_id uuid NOT NULL, body text NOT NULL)"
            .to_owned(),
        format!("GRANT SELECT, INSERT ON notes TO {role}"),
        format!("GRANT USAGE ON SEQUENCE notes_id_seq TO {role}"),
        format!(
            "INSERT INTO notes (owner_id, body) VALUES ('{ALICE}', 'alice-1'), \
             ('{ALICE}', 'alice-2'), ('{BOB}', 'bob-1')"
        ),
    ] {
        admin.execute_unprepared(&sql).await.expect(&sql);
    }
    RlsPolicy::owner_column("notes", "owner_id")
        .expect("plain names")
        .apply(admin)
        .await
        .expect("policy installed");

    let app = Database::connect(as_user(&db.url, &role))
        .await
        .expect("connect as app role");

    assert_eq!(
        notes_as(&app, RlsContext::user(ALICE)).await,
        ["alice-1", "alice-2"]
    );
    assert_eq!(notes_as(&app, RlsContext::user(BOB)).await, ["bob-1"]);

    // Outside the helper no setting is in force: the policy matches nothing.
    assert_eq!(bodies(&app).await.expect("query"), Vec::<String>::new());

    // The injection attempt is a value, stored literally: no statement runs, RLS stays on.
    let (seen, setting, row_security) = with_rls(&app, &RlsContext::user(INJECTION), |txn| {
        Box::pin(async move {
            let seen = bodies(txn).await?;
            let setting = scalar(txn, "SELECT current_setting('app.current_user_id')").await?;
            let row_security = scalar(txn, "SHOW row_security").await?;
            Ok::<_, DbErr>((seen, setting, row_security))
        })
    })
    .await
    .expect("unit of work");
    assert_eq!(seen, Vec::<String>::new(), "the injected id matches no row");
    assert_eq!(setting.as_deref(), Some(INJECTION), "stored literally");
    assert_eq!(row_security.as_deref(), Some("on"));
    assert_eq!(bodies(&app).await.expect("query"), Vec::<String>::new());

    // WITH CHECK: inside Alice's unit of work a row for Bob cannot be written.
    let forged = with_rls(&app, &RlsContext::user(ALICE), |txn| {
        Box::pin(async move {
            txn.execute_unprepared(&format!(
                "INSERT INTO notes (owner_id, body) VALUES ('{BOB}', 'forged')"
            ))
            .await
        })
    })
    .await;
    assert!(matches!(forged, Err(RlsError::Work(_))), "got {forged:?}");
    assert_eq!(notes_as(&app, RlsContext::user(BOB)).await, ["bob-1"]);

    // A failing unit of work rolls back what it wrote.
    let rolled_back = with_rls(&app, &RlsContext::user(ALICE), |txn| {
        Box::pin(async move {
            txn.execute_unprepared(&format!(
                "INSERT INTO notes (owner_id, body) VALUES ('{ALICE}', 'alice-3')"
            ))
            .await?;
            Err::<(), DbErr>(DbErr::Custom("the handler failed".into()))
        })
    })
    .await;
    assert!(matches!(rolled_back, Err(RlsError::Work(_))));
    assert_eq!(
        notes_as(&app, RlsContext::user(ALICE)).await,
        ["alice-1", "alice-2"]
    );

    app.close().await.ok();
    db.drop_all().await;
    // The role outlives the schema; drop it after its grants went with the schema.
    let admin = Database::connect(std::env::var(support::POSTGRES_URL).unwrap())
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("DROP ROLE IF EXISTS {role}"))
        .await
        .expect("drop role");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_helper_refuses_other_backends_without_running_the_work() {
    let db = TestDb::sqlite_memory().await;
    let result: Result<(), RlsError<DbErr>> =
        with_rls(db.store.connection(), &RlsContext::user(ALICE), |_txn| {
            Box::pin(async { panic!("the unit of work must not run on SQLite") })
        })
        .await;
    assert!(matches!(result, Err(RlsError::NotPostgres)));
    db.drop_all().await;
}
