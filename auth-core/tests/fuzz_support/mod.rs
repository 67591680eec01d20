//! What the fuzz harnesses of auth-core, auth-tower and auth-providers share (the last two
//! include this file by path): the case count, one runtime per test binary, and arbitrary
//! JSON.
#![allow(dead_code)] // each harness uses its own subset

use std::sync::LazyLock;

use proptest::prelude::*;
use serde_json::Value;

/// `cases` runs of a property, unless `PROPTEST_CASES` says otherwise (proptest reads that
/// variable only for its default, which a literal `cases` would override).
///
/// No failure persistence: a failure is turned into a named regression `#[test]` with its
/// minimized input, which says more than a seed file, and no `proptest-regressions/` files
/// appear in a working tree that several people share.
pub fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// One runtime per test binary, for the properties that drive async code. One worker thread:
/// the mock servers' tasks run there while a property blocks on its future.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    });
    &RUNTIME
}

/// Any JSON value, a few levels deep, with the odd numbers and strings parsers trip on.
pub fn json_value() -> impl Strategy<Value = Value> + Clone {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        any::<String>().prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{0,8}", inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}
