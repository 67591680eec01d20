//! Checks that lookups compare exactly what the flows normalized: emails, username keys and
//! `(provider, subject)`, with case, accent and trailing-space variants.
//!
//! A database collation that folds case or accents (MySQL/MariaDB's defaults) would let a
//! look-alike address or subject find — or collide with — someone else's account: a
//! provider's verified `alícé@example.com` linking to the account of `alice@example.com`.

use super::support::{at, new_user, new_user_id, ok, unique};
use crate::store::{IdentityStore, ProviderIdentity, User, UserStore};

/// Emails are exact; usernames ignore case (their key is lower-cased) and nothing else.
pub(super) async fn user_lookups(store: &(impl UserStore + ?Sized)) {
    let tag = unique();
    let email = format!("alice-{tag}@example.test");
    let lookalike_email = format!("al\u{ed}c\u{e9}-{tag}@example.test");
    let username = format!("Zo\u{eb}_{tag}");
    let mut alice = User::new(new_user_id(), &email, at(0));
    alice.username = Some(username.clone());
    ok(store.insert_user(&alice).await, "UserStore::insert_user");

    for variant in [
        lookalike_email.clone(),
        email.to_uppercase(),
        format!("{email} "),
    ] {
        assert_eq!(
            ok(
                store.user_by_email(&variant).await,
                "UserStore::user_by_email"
            ),
            None,
            "UserStore::user_by_email({variant:?}) must not find {email:?}: emails are \
             compared exactly (the caller normalizes them); a case-, accent- or \
             space-insensitive comparison (such as a MySQL/MariaDB `_ci` collation) lets a \
             look-alike address reach another account"
        );
    }
    for variant in [username.to_uppercase(), username.to_lowercase()] {
        assert_eq!(
            ok(
                store.user_by_username(&variant).await,
                "UserStore::user_by_username"
            )
            .map(|found| found.id),
            Some(alice.id),
            "UserStore::user_by_username({variant:?}) must find {username:?}: usernames are \
             compared by their username_key, which ignores letter case"
        );
    }
    let plain_username = format!("Zoe_{tag}");
    for variant in [plain_username.clone(), plain_username.to_lowercase()] {
        assert_eq!(
            ok(
                store.user_by_username(&variant).await,
                "UserStore::user_by_username"
            ),
            None,
            "UserStore::user_by_username({variant:?}) must not find {username:?}: username \
             keys are compared exactly, so accents matter"
        );
    }

    // Uniqueness is exact too: the look-alikes are other names, free to take.
    let mut lookalike = User::new(new_user_id(), &lookalike_email, at(0));
    lookalike.username = Some(plain_username);
    ok(
        store.insert_user(&lookalike).await,
        "UserStore::insert_user of an email and a username that differ from taken ones only \
         in accents (they are different; an accent-insensitive unique index refuses them)",
    );
    for (address, owner) in [(&email, alice.id), (&lookalike_email, lookalike.id)] {
        assert_eq!(
            ok(
                store.user_by_email(address).await,
                "UserStore::user_by_email"
            )
            .map(|found| found.id),
            Some(owner),
            "UserStore::user_by_email({address:?}) must find exactly its own account beside a \
             look-alike"
        );
    }
}

/// `(provider, subject)` is exact in both parts, for lookups, uniqueness and unlinking.
pub(super) async fn identity_lookups(store: &(impl IdentityStore + ?Sized), users: &dyn UserStore) {
    let owner = new_user(users).await;
    let other = new_user(users).await;
    let subject = format!("Andre-{}", unique());
    let accented = subject.replacen("Andre", "Andr\u{e9}", 1);
    let identity = ProviderIdentity::new("google", subject.clone(), owner, at(0));
    ok(
        store.link_identity(&identity).await,
        "IdentityStore::link_identity",
    );

    for (provider, variant) in [
        ("google", subject.to_lowercase()),
        ("google", subject.to_uppercase()),
        ("google", accented.clone()),
        ("google", format!("{subject} ")),
        ("Google", subject.clone()),
    ] {
        assert_eq!(
            ok(
                store.identity(provider, &variant).await,
                "IdentityStore::identity"
            ),
            None,
            "IdentityStore::identity({provider:?}, {variant:?}) must not find (\"google\", \
             {subject:?}): providers and subjects are compared exactly; a case- or \
             accent-insensitive comparison signs one provider account in as another"
        );
    }
    assert!(
        !ok(
            store
                .unlink_identity(owner, "google", &subject.to_uppercase())
                .await,
            "IdentityStore::unlink_identity"
        ),
        "IdentityStore::unlink_identity must compare (provider, subject) exactly and unlink \
         nothing for a subject in another case"
    );

    for variant in [subject.to_lowercase(), accented] {
        let lookalike = ProviderIdentity::new("google", variant.clone(), other, at(0));
        ok(
            store.link_identity(&lookalike).await,
            "IdentityStore::link_identity of a subject that differs from a linked one only in \
             case or accents (a different provider account; a case- or accent-insensitive \
             key refuses it)",
        );
        assert_eq!(
            ok(
                store.identity("google", &variant).await,
                "IdentityStore::identity"
            )
            .map(|found| found.user_id),
            Some(other),
            "IdentityStore::identity(\"google\", {variant:?}) must find its own link"
        );
    }
    assert_eq!(
        ok(
            store.identity("google", &subject).await,
            "IdentityStore::identity"
        )
        .as_ref(),
        Some(&identity),
        "IdentityStore::identity must still find the first link beside its look-alikes"
    );
}
