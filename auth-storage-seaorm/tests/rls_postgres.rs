//! The row-level-security helper on a real PostgreSQL server (skipped without
//! `AUTH_TEST_POSTGRES_URL`): a host table under a policy, two users, an injection attempt,
//! the view from outside the helper, and "no tenant" against a row whose tenant is `''`.

mod support;

use auth_storage_seaorm::rls::{RlsContext, RlsError, RlsPolicy, with_rls};
use auth_storage_seaorm::rls::{TENANT_ID_SETTING, USER_ID_SETTING};
use auth_storage_seaorm::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
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
    bodies_of(db, "notes").await
}

async fn bodies_of(db: &impl ConnectionTrait, table: &str) -> Result<Vec<String>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT body FROM {table} ORDER BY body"),
        ))
        .await?;
    rows.iter().map(|row| row.try_get_by_index(0)).collect()
}

/// Creates the application's role for `db`'s schema — neither superuser nor BYPASSRLS, or every
/// policy is skipped — runs `setup` as the admin, and connects as the role with a pool of one
/// connection, so that every query reuses the connection earlier units of work ran on (as a
/// busy pool does).
async fn app_role(db: &TestDb, setup: &[String]) -> (String, DatabaseConnection) {
    let schema = db.schema().expect("a schema").to_owned();
    let admin = db.store.connection();
    let role = format!("{schema}_app");
    for sql in [
        format!("CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"),
        format!("ALTER ROLE {role} SET search_path = {schema}"),
        format!("GRANT USAGE ON SCHEMA {schema} TO {role}"),
    ]
    .iter()
    .chain(setup)
    {
        let sql = sql.replace("{role}", &role);
        admin.execute_unprepared(&sql).await.expect(&sql);
    }
    let mut options = ConnectOptions::new(as_user(&db.url, &role));
    options.max_connections(1).min_connections(1);
    let app = Database::connect(options)
        .await
        .expect("connect as app role");
    (role, app)
}

/// Drops the test's schema, then the role (it outlives the schema; its grants went with it).
async fn drop_all(db: TestDb, app: DatabaseConnection, role: &str) {
    app.close().await.ok();
    db.drop_all().await;
    let admin = Database::connect(std::env::var(support::POSTGRES_URL).unwrap())
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("DROP ROLE IF EXISTS {role}"))
        .await
        .expect("drop role");
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
    let (role, app) = app_role(
        &db,
        &[
            "CREATE TABLE notes (id serial PRIMARY KEY, owner_id uuid NOT NULL, body text NOT NULL)"
                .to_owned(),
            "GRANT SELECT, INSERT ON notes TO {role}".to_owned(),
            "GRANT USAGE ON SEQUENCE notes_id_seq TO {role}".to_owned(),
            format!(
                "INSERT INTO notes (owner_id, body) VALUES ('{ALICE}', 'alice-1'), \
                 ('{ALICE}', 'alice-2'), ('{BOB}', 'bob-1')"
            ),
        ],
    )
    .await;
    RlsPolicy::owner_column("notes", "owner_id")
        .expect("plain names")
        .apply(db.store.connection())
        .await
        .expect("policy installed");

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

    drop_all(db, app, &role).await;
}

/// Issue 12 item 9, "no tenant matches the empty tenant": the helper writes "no tenant" as
/// `''`, and once a pooled connection has run one unit of work every setting reads `''` on it
/// outside the helper too. A policy comparing the column with the raw setting handed rows
/// whose tenant is `''` to every tenant-less unit of work and to every query outside the
/// helper. Pins that "none" matches no row and admits no write (the policy compares with
/// `NULLIF(…, '')`), and that an empty tenant or user id is refused before anything runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_tenant_never_matches_a_row_whose_tenant_is_empty() {
    let Some(db) = TestDb::postgres("no_tenant_never_matches_a_row_whose_tenant_is_empty").await
    else {
        return;
    };
    let (role, app) = app_role(
        &db,
        &[
            "CREATE TABLE docs (id serial PRIMARY KEY, tenant_id text NOT NULL, body text NOT NULL)"
                .to_owned(),
            "GRANT SELECT, INSERT ON docs TO {role}".to_owned(),
            "GRANT USAGE ON SEQUENCE docs_id_seq TO {role}".to_owned(),
            "INSERT INTO docs (tenant_id, body) VALUES ('', 'no-tenant-1'), \
             ('acme', 'acme-1'), ('globex', 'globex-1')"
                .to_owned(),
        ],
    )
    .await;
    RlsPolicy::tenant_column("docs", "tenant_id")
        .expect("plain names")
        .apply(db.store.connection())
        .await
        .expect("policy installed");
    let docs_as = |context: RlsContext| {
        let app = app.clone();
        async move {
            with_rls(&app, &context, |txn| Box::pin(bodies_of(txn, "docs")))
                .await
                .expect("unit of work")
        }
    };

    assert_eq!(
        docs_as(RlsContext::user(ALICE).tenant("acme")).await,
        ["acme-1"]
    );
    // A unit of work without a tenant sees nothing, not the rows whose tenant is ''.
    assert_eq!(docs_as(RlsContext::user(ALICE)).await, Vec::<String>::new());
    // Outside the helper, on the connection those units of work ran on, the setting now reads
    // '' rather than NULL: still nothing.
    let outside = scalar(
        &app,
        "SELECT current_setting('app.current_tenant_id', true)",
    )
    .await;
    assert_eq!(outside.expect("query").as_deref(), Some(""));
    assert_eq!(
        bodies_of(&app, "docs").await.expect("query"),
        Vec::<String>::new()
    );

    // WITH CHECK: without a tenant, no row can be written for the empty tenant either.
    let written = with_rls(&app, &RlsContext::user(ALICE), |txn| {
        Box::pin(async move {
            txn.execute_unprepared("INSERT INTO docs (tenant_id, body) VALUES ('', 'planted')")
                .await
        })
    })
    .await;
    assert!(matches!(written, Err(RlsError::Work(_))), "got {written:?}");

    // An empty id is refused before the transaction: it would be "nobody" by accident.
    for (context, setting) in [
        (RlsContext::user(ALICE).tenant(""), TENANT_ID_SETTING),
        (RlsContext::user(""), USER_ID_SETTING),
    ] {
        let refused: Result<(), RlsError<DbErr>> = with_rls(&app, &context, |_txn| {
            Box::pin(async { panic!("the unit of work must not run with an empty id") })
        })
        .await;
        assert!(
            matches!(refused, Err(RlsError::EmptyId { setting: s }) if s == setting),
            "got {refused:?}"
        );
    }

    drop_all(db, app, &role).await;
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
