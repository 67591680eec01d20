//! Checks for [`IdentityStore`].

use std::sync::Arc;

use super::support::{MINUTE, at, concurrently, new_user, ok, unique};
use crate::store::{IdentityStore, ProviderIdentity, StoreError, UserStore};

/// Runs every [`IdentityStore`] check against `store`, creating the users it links through
/// `users`. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * a link round-trips with every field intact; `identity` finds it by `(provider, subject)`
///   and nothing else (the same subject at another provider is a different identity);
/// * linking a taken `(provider, subject)`, to another user or to the same one, is
///   [`StoreError::Conflict`] and changes nothing;
/// * `identities_for_user` lists a user's links oldest first, and nobody else's;
/// * `unlink_identity` refuses (`false`) to unlink another user's link, returns `true` once and
///   then `false`, and frees `(provider, subject)` for a new link;
/// * `(provider, subject)` is compared exactly: a subject differing in case, accents or a
///   trailing space, or a provider differing in case, is another identity (not found, not
///   unlinked, and linkable beside the first);
/// * 20 concurrent links of one `(provider, subject)` yield exactly one `Ok`.
pub async fn identity_store_conformance<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: IdentityStore + ?Sized + 'static,
{
    link_find_list_unlink(&*store, users).await;
    super::exact_match::identity_lookups(&*store, users).await;
    concurrent_links(store, users).await;
}

async fn link_find_list_unlink(store: &(impl IdentityStore + ?Sized), users: &dyn UserStore) {
    let kim = new_user(users).await;
    let lee = new_user(users).await;
    let subject = unique();

    let mut google = ProviderIdentity::new("google", subject.clone(), kim, at(2 * MINUTE));
    google.email = Some(format!("{subject}@gmail.example.test"));
    google.email_verified = true;
    let github = ProviderIdentity::new("github", unique(), kim, at(MINUTE));
    ok(
        store.link_identity(&google).await,
        "IdentityStore::link_identity",
    );
    ok(
        store.link_identity(&github).await,
        "IdentityStore::link_identity",
    );

    assert_eq!(
        ok(
            store.identity("google", &subject).await,
            "IdentityStore::identity"
        )
        .as_ref(),
        Some(&google),
        "IdentityStore::identity must return the linked identity with every field unchanged"
    );
    assert_eq!(
        ok(
            store.identity("kakao", &subject).await,
            "IdentityStore::identity"
        ),
        None,
        "IdentityStore::identity must not find a subject under another provider: identities \
         are keyed by (provider, subject)"
    );

    for owner in [lee, kim] {
        let taken = ProviderIdentity::new("google", subject.clone(), owner, at(3 * MINUTE));
        let result = store.link_identity(&taken).await;
        assert!(
            matches!(result, Err(StoreError::Conflict(_))),
            "IdentityStore::link_identity of a (provider, subject) that is already linked must \
             return StoreError::Conflict whoever it is linked to, got {result:?}"
        );
    }
    assert_eq!(
        ok(
            store.identity("google", &subject).await,
            "IdentityStore::identity"
        )
        .as_ref(),
        Some(&google),
        "IdentityStore::link_identity must change nothing when it returns Conflict"
    );

    assert_eq!(
        ok(
            store.identities_for_user(kim).await,
            "IdentityStore::identities_for_user"
        ),
        vec![github.clone(), google.clone()],
        "IdentityStore::identities_for_user must list the user's identities oldest (linked_at) \
         first"
    );
    assert_eq!(
        ok(
            store.identities_for_user(lee).await,
            "IdentityStore::identities_for_user"
        ),
        Vec::new(),
        "IdentityStore::identities_for_user must list only the user's own identities"
    );

    assert!(
        !ok(
            store.unlink_identity(lee, "google", &subject).await,
            "IdentityStore::unlink_identity"
        ),
        "IdentityStore::unlink_identity must return false (and unlink nothing) for an identity \
         linked to another user"
    );
    assert!(
        ok(
            store.identity("google", &subject).await,
            "IdentityStore::identity"
        )
        .is_some(),
        "IdentityStore::unlink_identity must not unlink another user's identity"
    );
    assert!(
        ok(
            store.unlink_identity(kim, "google", &subject).await,
            "IdentityStore::unlink_identity"
        ),
        "IdentityStore::unlink_identity must return true when it removed a link"
    );
    assert!(
        !ok(
            store.unlink_identity(kim, "google", &subject).await,
            "IdentityStore::unlink_identity"
        ),
        "IdentityStore::unlink_identity must return false when the link is already gone"
    );
    assert_eq!(
        ok(
            store.identity("google", &subject).await,
            "IdentityStore::identity"
        ),
        None,
        "IdentityStore::identity must not find an unlinked identity"
    );
    assert_eq!(
        ok(
            store.identities_for_user(kim).await,
            "IdentityStore::identities_for_user"
        ),
        vec![github],
        "IdentityStore::identities_for_user must not list an unlinked identity"
    );

    let relinked = ProviderIdentity::new("google", subject, lee, at(4 * MINUTE));
    ok(
        store.link_identity(&relinked).await,
        "IdentityStore::link_identity of a (provider, subject) that was unlinked",
    );
}

async fn concurrent_links<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: IdentityStore + ?Sized + 'static,
{
    const LINKS: usize = 20;

    let owners = [new_user(users).await, new_user(users).await];
    let subject = unique();
    let results = concurrently(LINKS, |index| {
        let store = Arc::clone(&store);
        let identity =
            ProviderIdentity::new("google", subject.clone(), owners[index % 2], at(MINUTE));
        async move { store.link_identity(&identity).await }
    })
    .await;
    let succeeded = results.iter().filter(|result| result.is_ok()).count();
    assert_eq!(
        succeeded, 1,
        "of {LINKS} concurrent IdentityStore::link_identity calls with one (provider, subject), \
         exactly one must succeed; {succeeded} did"
    );
    for result in &results {
        assert!(
            matches!(result, Ok(()) | Err(StoreError::Conflict(_))),
            "a concurrent IdentityStore::link_identity that loses the race must return \
             StoreError::Conflict, got {result:?}"
        );
    }
}
