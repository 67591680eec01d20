//! Checks for [`RevocationStore`].

use std::sync::Arc;

use super::support::{DAY, HOUR, PURGE_NOW, at, ok, unique};
use crate::store::{RevocationStore, RevokedAccessToken};

/// Runs every [`RevocationStore`] check against `store`. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * an unknown `jti` is not revoked; a revoked one is; revoking it again is `Ok` and it stays
///   revoked;
/// * `purge_expired_revocations` deletes entries whose token expired before `now` and keeps
///   the others.
pub async fn revocation_store_conformance<S>(store: Arc<S>)
where
    S: RevocationStore + ?Sized + 'static,
{
    revoke(&*store).await;
    purge(&*store).await;
}

fn new_jti() -> String {
    format!("testkit-{}", unique())
}

async fn is_revoked(store: &(impl RevocationStore + ?Sized), jti: &str) -> bool {
    ok(
        store.is_access_token_revoked(jti).await,
        "RevocationStore::is_access_token_revoked",
    )
}

async fn revoke(store: &(impl RevocationStore + ?Sized)) {
    let jti = new_jti();
    assert!(
        !is_revoked(store, &jti).await,
        "RevocationStore::is_access_token_revoked must return false for a jti never revoked"
    );
    ok(
        store
            .revoke_access_token(&RevokedAccessToken::new(jti.clone(), at(HOUR)))
            .await,
        "RevocationStore::revoke_access_token",
    );
    assert!(
        is_revoked(store, &jti).await,
        "RevocationStore::is_access_token_revoked must return true for a revoked jti"
    );
    ok(
        store
            .revoke_access_token(&RevokedAccessToken::new(jti.clone(), at(HOUR)))
            .await,
        "RevocationStore::revoke_access_token of a jti already revoked (must be idempotent, \
         not a Conflict)",
    );
    assert!(
        is_revoked(store, &jti).await,
        "a jti revoked twice must still be revoked"
    );
    assert!(
        !is_revoked(store, &new_jti()).await,
        "RevocationStore::is_access_token_revoked must return false for other jtis"
    );
}

async fn purge(store: &(impl RevocationStore + ?Sized)) {
    let expired = new_jti();
    let live = new_jti();
    for (jti, expires) in [(&expired, -2 * DAY), (&live, DAY)] {
        ok(
            store
                .revoke_access_token(&RevokedAccessToken::new(jti.clone(), at(expires)))
                .await,
            "RevocationStore::revoke_access_token",
        );
    }
    let purged = ok(
        store.purge_expired_revocations(at(PURGE_NOW)).await,
        "RevocationStore::purge_expired_revocations",
    );
    assert!(
        purged >= 1,
        "RevocationStore::purge_expired_revocations must count what it deleted (this check \
         expired one entry; got {purged})"
    );
    assert!(
        !is_revoked(store, &expired).await,
        "RevocationStore::purge_expired_revocations must delete entries whose token expired \
         before `now`"
    );
    assert!(
        is_revoked(store, &live).await,
        "RevocationStore::purge_expired_revocations must keep entries whose token has not \
         expired"
    );
}
