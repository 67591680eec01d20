//! `RedisStore::connect` never echoes a Redis password in its errors.

mod support;

use auth_storage_redis::{ConnectError, RedisStore};

async fn refused(url: &str) -> ConnectError {
    match RedisStore::connect(url).await {
        Ok(_) => panic!("{url} connected"),
        Err(error) => error,
    }
}

fn assert_redacted(url: &str, error: &ConnectError) {
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("hunter"), "{url}: {shown}");
}

#[tokio::test]
async fn connection_errors_never_echo_the_password() {
    for url in [
        "redis://:hunter2@[bad/0",        // does not parse
        "redis://app:hunter%32@[bad/0",   // percent-encoded, does not parse
        "nosuch://app:hunter2@localhost", // not a Redis scheme
    ] {
        let error = refused(url).await;
        assert_redacted(url, &error);
        assert!(
            matches!(error, ConnectError::InvalidUrl { .. }),
            "{url}: {error:?}"
        );
    }
    // Nothing listens on port 1.
    let url = "redis://app:hunter2@127.0.0.1:1/0";
    let error = refused(url).await;
    assert_redacted(url, &error);
    assert!(
        format!("{error}").contains("***"),
        "says where it redacted: {error}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_echoing_it() {
    let Some(url) = support::redis_url("a_wrong_password_is_refused_without_echoing_it") else {
        return;
    };
    let mut parsed = url::Url::parse(&url).unwrap();
    parsed.set_username("nosuchuser").unwrap();
    parsed.set_password(Some("hunter2")).unwrap();
    let url = parsed.to_string();
    let error = refused(&url).await;
    assert_redacted(&url, &error);
}
