//! `SeaOrmStore::connect` never echoes a database password in its errors (sea-orm puts the
//! whole connection string into some of them).

use auth_storage_seaorm::SeaOrmStore;
use auth_storage_seaorm::sea_orm::DbErr;

#[tokio::test]
async fn connection_errors_never_echo_the_password() {
    for url in [
        "nosuchdb://user:hunter2@host/db", // no driver for the scheme
        "postgres://app:hunter2@[bad/db",  // does not parse
        "sqlite://app:hunter2@/nonexistent/dir/x.db", // does not parse as SQLite's
        "mysql://app:hunter%32@[bad/db",   // percent-encoded, does not parse
    ] {
        let Err(error) = SeaOrmStore::connect(url).await else {
            panic!("{url} connected");
        };
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("hunter"), "{url}: {shown}");
        assert!(
            shown.contains("***"),
            "{url}: says where it was redacted: {shown}"
        );
        assert!(
            matches!(error, DbErr::Conn(_)),
            "{url}: still a connection error"
        );
    }
}
