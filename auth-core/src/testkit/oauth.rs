//! Checks for the OAuth authorization server's stores: [`OAuthClientStore`],
//! [`AuthorizationCodeStore`], [`ConsentStore`] and [`OAuthGrantStore`].

use std::sync::Arc;

use super::support::{
    DAY, HOUR, MINUTE, PURGE_NOW, TASKS, at, concurrently, new_hash, new_user, ok, unique,
};
use crate::flows::Stores;
use crate::oauth_server::OAuthStores;
use crate::store::{
    AuthorizationCode, AuthorizationCodeStore, ClientType, CodeRedemption, Consent, ConsentStore,
    GrantType, OAuthClient, OAuthClientStore, OAuthGrant, OAuthGrantStore, RefreshTokenRecord,
    Session, SessionId, SessionKind, SessionStore, StoreError, UserId, UserStore,
};
use crate::token::Scope;

/// Runs every OAuth store check against `oauth`, creating users and sessions through
/// `stores`. Panics on the first violation.
pub async fn run_all_oauth(stores: &Stores, oauth: &OAuthStores) {
    let users = &*stores.users;
    oauth_client_store_conformance(Arc::clone(&oauth.clients)).await;
    authorization_code_store_conformance(Arc::clone(&oauth.codes), &*oauth.clients, users).await;
    consent_store_conformance(Arc::clone(&oauth.consents), &*oauth.clients, users).await;
    oauth_grant_store_conformance(
        Arc::clone(&oauth.grants),
        &*stores.sessions,
        &*oauth.clients,
        users,
    )
    .await;
}

/// A fresh confidential client with every field set.
fn new_client() -> OAuthClient {
    OAuthClient {
        client_id: format!("testkit-{}", unique()),
        secret_hash: Some(new_hash()),
        client_type: ClientType::Confidential,
        name: "Testkit client".to_owned(),
        redirect_uris: vec![
            "https://client.example.test/cb".to_owned(),
            "http://127.0.0.1:8080/cb?x=1".to_owned(),
        ],
        allowed_scopes: Scope::parse("openid profile read:profile"),
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        first_party: false,
        created_at: at(0),
    }
}

/// Registers a fresh client through `clients` and returns its id.
async fn registered_client(clients: &dyn OAuthClientStore) -> String {
    let client = new_client();
    ok(
        clients.insert_client(&client).await,
        "OAuthClientStore::insert_client (creating a client for the check)",
    );
    client.client_id
}

const INSERT_CLIENT: &str = "OAuthClientStore::insert_client";

/// Runs every [`OAuthClientStore`] check against `store`. Panics on the first violation.
///
/// * a client round-trips with every field intact (public clients without a secret too);
///   unknown ids, and ids differing only in case, are `Ok(None)`;
/// * inserting a taken `client_id` is [`StoreError::Conflict`] and changes nothing;
/// * `update_client` replaces every field; for an unknown id it is [`StoreError::NotFound`];
/// * `delete_client` returns `true` once, then `false`;
/// * 50 concurrent inserts of one `client_id`: exactly one succeeds, the rest conflict.
pub async fn oauth_client_store_conformance<S>(store: Arc<S>)
where
    S: OAuthClientStore + ?Sized + 'static,
{
    let client = new_client();
    ok(store.insert_client(&client).await, INSERT_CLIENT);
    let found = ok(
        store.client(&client.client_id).await,
        "OAuthClientStore::client",
    );
    assert_eq!(
        found.as_ref(),
        Some(&client),
        "OAuthClientStore::client must return the inserted client with every field intact"
    );
    assert_eq!(
        ok(
            store.client(&client.client_id.to_uppercase()).await,
            "OAuthClientStore::client"
        ),
        None,
        "OAuthClientStore::client must compare client ids case-sensitively"
    );
    assert_eq!(
        ok(
            store.client(&format!("testkit-{}", unique())).await,
            "OAuthClientStore::client"
        ),
        None,
        "OAuthClientStore::client of an unknown id must return None"
    );

    let mut public = new_client();
    public.secret_hash = None;
    public.client_type = ClientType::Public;
    public.first_party = true;
    public.grant_types = vec![GrantType::AuthorizationCode];
    public.allowed_scopes = Scope::default();
    ok(store.insert_client(&public).await, INSERT_CLIENT);
    assert_eq!(
        ok(
            store.client(&public.client_id).await,
            "OAuthClientStore::client"
        ),
        Some(public.clone()),
        "a public client without a secret, scopes or refresh grant must round-trip"
    );

    let mut taken = new_client();
    taken.client_id = client.client_id.clone();
    taken.name = "Impostor".to_owned();
    assert!(
        matches!(
            store.insert_client(&taken).await,
            Err(StoreError::Conflict(_))
        ),
        "{INSERT_CLIENT} of a taken client_id must be StoreError::Conflict"
    );
    assert_eq!(
        ok(
            store.client(&client.client_id).await,
            "OAuthClientStore::client"
        )
        .as_ref(),
        Some(&client),
        "a refused insert must not change the stored client"
    );

    let mut updated = client.clone();
    updated.secret_hash = Some(new_hash());
    updated.name = "Renamed".to_owned();
    updated.redirect_uris = vec!["https://other.example.test/cb".to_owned()];
    updated.allowed_scopes = Scope::parse("openid");
    updated.grant_types = vec![GrantType::RefreshToken];
    updated.first_party = true;
    ok(
        store.update_client(&updated).await,
        "OAuthClientStore::update_client",
    );
    assert_eq!(
        ok(
            store.client(&client.client_id).await,
            "OAuthClientStore::client"
        ),
        Some(updated),
        "OAuthClientStore::update_client must replace every field"
    );
    assert!(
        matches!(
            store.update_client(&new_client()).await,
            Err(StoreError::NotFound(_))
        ),
        "OAuthClientStore::update_client of an unknown id must be StoreError::NotFound"
    );

    assert!(
        ok(
            store.delete_client(&public.client_id).await,
            "OAuthClientStore::delete_client"
        ),
        "OAuthClientStore::delete_client of a stored client must return true"
    );
    assert!(
        !ok(
            store.delete_client(&public.client_id).await,
            "OAuthClientStore::delete_client"
        ),
        "OAuthClientStore::delete_client of a deleted client must return false"
    );
    assert_eq!(
        ok(
            store.client(&public.client_id).await,
            "OAuthClientStore::client"
        ),
        None,
        "a deleted client must be gone"
    );

    let contested = new_client();
    let results = concurrently(TASKS, |_| {
        let store = Arc::clone(&store);
        let client = contested.clone();
        async move { store.insert_client(&client).await }
    })
    .await;
    let inserted = results.iter().filter(|result| result.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|result| matches!(result, Err(StoreError::Conflict(_))))
        .count();
    assert_eq!(
        (inserted, conflicts),
        (1, TASKS - 1),
        "of {TASKS} concurrent {INSERT_CLIENT} calls with one client_id exactly one must succeed \
         and the rest be StoreError::Conflict"
    );
}

const REDEEM: &str = "AuthorizationCodeStore::redeem_authorization_code";

fn new_code(client_id: &str, user_id: UserId, created: i64, expires: i64) -> AuthorizationCode {
    AuthorizationCode {
        hash: new_hash(),
        client_id: client_id.to_owned(),
        user_id,
        redirect_uri: "https://client.example.test/cb".to_owned(),
        scope: Scope::parse("openid profile"),
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned(),
        nonce: Some("n-0S6_WzA2Mj".to_owned()),
        auth_time: at(created - MINUTE),
        amr: vec!["pwd".to_owned(), "otp".to_owned(), "mfa".to_owned()],
        acr: Some("urn:example:loa:2".to_owned()),
        created_at: at(created),
        expires_at: at(expires),
        used_at: None,
        session_id: None,
        replayed_at: None,
    }
}

fn new_session_id() -> SessionId {
    ok(SessionId::generate(), "SessionId::generate")
}

async fn redeem(
    store: &(impl AuthorizationCodeStore + ?Sized),
    code: &AuthorizationCode,
    session_id: SessionId,
    now: i64,
) -> CodeRedemption {
    ok(
        store
            .redeem_authorization_code(&code.hash, session_id, at(now))
            .await,
        REDEEM,
    )
}

async fn stored_code(
    store: &(impl AuthorizationCodeStore + ?Sized),
    code: &AuthorizationCode,
) -> Option<AuthorizationCode> {
    ok(
        store.authorization_code(&code.hash).await,
        "AuthorizationCodeStore::authorization_code",
    )
}

/// Runs every [`AuthorizationCodeStore`] check against `store`, creating the clients and users
/// its codes belong to through `clients` and `users`. Panics on the first violation.
///
/// * a code round-trips with every field intact; issuing a taken hash is
///   [`StoreError::Conflict`];
/// * an unused code at or after its expiry is [`CodeRedemption::Expired`], writing nothing;
///   an unknown hash is [`CodeRedemption::Unknown`];
/// * redeeming marks it used at `now` with the given session and returns it
///   ([`CodeRedemption::Redeemed`]); every later redemption — even after expiry — is
///   [`CodeRedemption::Replayed`] with the first session, the first replay's time kept in
///   `replayed_at`, and the session never overwritten;
/// * `purge_expired_authorization_codes` counts what it deleted and keeps unexpired codes;
/// * 50 concurrent redemptions of one code: exactly one `Redeemed`, 49 `Replayed`, and the
///   stored session is the winner's.
pub async fn authorization_code_store_conformance<S>(
    store: Arc<S>,
    clients: &dyn OAuthClientStore,
    users: &dyn UserStore,
) where
    S: AuthorizationCodeStore + ?Sized + 'static,
{
    let client = registered_client(clients).await;
    let user = new_user(users).await;

    let code = new_code(&client, user, 0, 10 * MINUTE);
    ok(
        store.issue_authorization_code(&code).await,
        "AuthorizationCodeStore::issue_authorization_code",
    );
    assert_eq!(
        stored_code(&*store, &code).await.as_ref(),
        Some(&code),
        "AuthorizationCodeStore::authorization_code must return the issued code intact"
    );
    let mut clash = new_code(&client, user, 0, 10 * MINUTE);
    clash.hash = code.hash;
    assert!(
        matches!(
            store.issue_authorization_code(&clash).await,
            Err(StoreError::Conflict(_))
        ),
        "AuthorizationCodeStore::issue_authorization_code of a taken hash must be Conflict"
    );
    assert_eq!(
        redeem(&*store, &code, new_session_id(), 10 * MINUTE).await,
        CodeRedemption::Expired,
        "{REDEEM} at the code's expiry must be Expired (only now < expires_at is accepted)"
    );
    assert_eq!(
        stored_code(&*store, &code).await.as_ref(),
        Some(&code),
        "{REDEEM} must write nothing when it returns Expired"
    );
    let mut unknown = new_code(&client, user, 0, HOUR);
    unknown.hash = new_hash();
    assert_eq!(
        redeem(&*store, &unknown, new_session_id(), MINUTE).await,
        CodeRedemption::Unknown,
        "{REDEEM} of a hash never issued must be Unknown"
    );

    let first_session = new_session_id();
    let mut redeemed = code.clone();
    redeemed.used_at = Some(at(MINUTE));
    redeemed.session_id = Some(first_session);
    assert_eq!(
        redeem(&*store, &code, first_session, MINUTE).await,
        CodeRedemption::Redeemed(redeemed.clone()),
        "{REDEEM} of an unused, unexpired code must mark it used at now, bind the session, and \
         return it"
    );
    let mut replayed = redeemed.clone();
    replayed.replayed_at = Some(at(2 * MINUTE));
    assert_eq!(
        redeem(&*store, &code, new_session_id(), 2 * MINUTE).await,
        CodeRedemption::Replayed(replayed.clone()),
        "{REDEEM} of a used code must be Replayed with the first redemption's session and \
         replayed_at = now"
    );
    assert_eq!(
        redeem(&*store, &code, new_session_id(), HOUR).await,
        CodeRedemption::Replayed(replayed.clone()),
        "{REDEEM} of a used code after its expiry must still be Replayed, keeping the first \
         replay's time and the first session"
    );
    assert_eq!(
        stored_code(&*store, &code).await,
        Some(replayed),
        "AuthorizationCodeStore::authorization_code must show the replay"
    );

    // Purge: only what expired before `now`.
    let old = new_code(&client, user, PURGE_NOW - HOUR, PURGE_NOW - MINUTE);
    let live = new_code(&client, user, 0, DAY);
    for code in [&old, &live] {
        ok(
            store.issue_authorization_code(code).await,
            "AuthorizationCodeStore::issue_authorization_code",
        );
    }
    let purged = ok(
        store.purge_expired_authorization_codes(at(PURGE_NOW)).await,
        "AuthorizationCodeStore::purge_expired_authorization_codes",
    );
    assert!(
        purged >= 1,
        "the purge must count the expired code it deleted (got {purged})"
    );
    assert_eq!(
        stored_code(&*store, &old).await,
        None,
        "the purge must delete expired codes"
    );
    assert!(
        stored_code(&*store, &live).await.is_some(),
        "the purge must keep unexpired codes"
    );

    let contested = new_code(&client, user, 0, 10 * MINUTE);
    ok(
        store.issue_authorization_code(&contested).await,
        "AuthorizationCodeStore::issue_authorization_code",
    );
    let sessions: Vec<SessionId> = (0..TASKS).map(|_| new_session_id()).collect();
    let outcomes = concurrently(TASKS, |index| {
        let store = Arc::clone(&store);
        let hash = contested.hash;
        let session = sessions[index];
        async move {
            (
                session,
                store
                    .redeem_authorization_code(&hash, session, at(MINUTE))
                    .await,
            )
        }
    })
    .await;
    let winners: Vec<SessionId> = outcomes
        .iter()
        .filter_map(|(session, outcome)| match outcome {
            Ok(CodeRedemption::Redeemed(_)) => Some(*session),
            _ => None,
        })
        .collect();
    let replays = outcomes
        .iter()
        .filter(|(_, outcome)| matches!(outcome, Ok(CodeRedemption::Replayed(_))))
        .count();
    assert_eq!(
        (winners.len(), replays),
        (1, TASKS - 1),
        "of {TASKS} concurrent {REDEEM} calls with one code exactly one must be Redeemed and the \
         rest Replayed"
    );
    assert_eq!(
        stored_code(&*store, &contested)
            .await
            .and_then(|code| code.session_id),
        winners.first().copied(),
        "the stored session of a contested code must be the winner's"
    );
}

/// Runs every [`ConsentStore`] check against `store`, creating clients and users through
/// `clients` and `users`. Panics on the first violation.
///
/// * a consent round-trips; a second save for the same user and client replaces it;
/// * consents are per (user, client): another user or client sees none;
/// * `revoke_consent` returns `true` once, then `false`, and the consent is gone.
pub async fn consent_store_conformance<S>(
    store: Arc<S>,
    clients: &dyn OAuthClientStore,
    users: &dyn UserStore,
) where
    S: ConsentStore + ?Sized + 'static,
{
    let client = registered_client(clients).await;
    let other_client = registered_client(clients).await;
    let user = new_user(users).await;
    let other_user = new_user(users).await;
    let consent = Consent {
        user_id: user,
        client_id: client.clone(),
        scope: Scope::parse("openid profile"),
        granted_at: at(0),
    };
    ok(
        store.save_consent(&consent).await,
        "ConsentStore::save_consent",
    );
    assert_eq!(
        ok(store.consent(user, &client).await, "ConsentStore::consent"),
        Some(consent.clone()),
        "ConsentStore::consent must return the saved consent intact"
    );
    assert_eq!(
        ok(
            store.consent(other_user, &client).await,
            "ConsentStore::consent"
        ),
        None,
        "a consent must not be visible to another user"
    );
    assert_eq!(
        ok(
            store.consent(user, &other_client).await,
            "ConsentStore::consent"
        ),
        None,
        "a consent must not be visible for another client"
    );
    let wider = Consent {
        scope: Scope::parse("openid profile read:profile"),
        granted_at: at(HOUR),
        ..consent
    };
    ok(
        store.save_consent(&wider).await,
        "ConsentStore::save_consent",
    );
    assert_eq!(
        ok(store.consent(user, &client).await, "ConsentStore::consent"),
        Some(wider),
        "ConsentStore::save_consent for the same user and client must replace the consent"
    );
    assert!(
        ok(
            store.revoke_consent(user, &client).await,
            "ConsentStore::revoke_consent"
        ),
        "ConsentStore::revoke_consent of a saved consent must return true"
    );
    assert!(
        !ok(
            store.revoke_consent(user, &client).await,
            "ConsentStore::revoke_consent"
        ),
        "ConsentStore::revoke_consent of a revoked consent must return false"
    );
    assert_eq!(
        ok(store.consent(user, &client).await, "ConsentStore::consent"),
        None,
        "a revoked consent must be gone"
    );
}

/// Runs every [`OAuthGrantStore`] check against `store`, creating the users, clients and
/// sessions its grants belong to. Panics on the first violation.
///
/// * a grant round-trips; a second grant for the same session is [`StoreError::Conflict`];
///   an unknown session has none;
/// * `purge_expired_grants` counts what it deleted and keeps unexpired grants.
pub async fn oauth_grant_store_conformance<S>(
    store: Arc<S>,
    sessions: &dyn SessionStore,
    clients: &dyn OAuthClientStore,
    users: &dyn UserStore,
) where
    S: OAuthGrantStore + ?Sized + 'static,
{
    let client = registered_client(clients).await;
    let user = new_user(users).await;
    let new_grant = |session_id, expires| OAuthGrant {
        session_id,
        client_id: client.clone(),
        user_id: user,
        scope: Scope::parse("openid read:profile"),
        auth_time: at(-MINUTE),
        created_at: at(0),
        expires_at: at(expires),
    };
    let session = create_session(sessions, user, 30 * DAY).await;
    let grant = new_grant(session, 30 * DAY);
    ok(
        store.insert_grant(&grant).await,
        "OAuthGrantStore::insert_grant",
    );
    assert_eq!(
        ok(store.grant(session).await, "OAuthGrantStore::grant"),
        Some(grant.clone()),
        "OAuthGrantStore::grant must return the inserted grant intact"
    );
    let mut again = grant.clone();
    again.scope = Scope::parse("openid");
    assert!(
        matches!(
            store.insert_grant(&again).await,
            Err(StoreError::Conflict(_))
        ),
        "OAuthGrantStore::insert_grant for a session that has a grant must be Conflict"
    );
    assert_eq!(
        ok(
            store.grant(new_session_id()).await,
            "OAuthGrantStore::grant"
        ),
        None,
        "OAuthGrantStore::grant of a session without a grant must return None"
    );

    let old_session = create_session(sessions, user, PURGE_NOW - MINUTE).await;
    ok(
        store
            .insert_grant(&new_grant(old_session, PURGE_NOW - MINUTE))
            .await,
        "OAuthGrantStore::insert_grant",
    );
    let purged = ok(
        store.purge_expired_grants(at(PURGE_NOW)).await,
        "OAuthGrantStore::purge_expired_grants",
    );
    assert!(
        purged >= 1,
        "the purge must count the expired grant it deleted (got {purged})"
    );
    assert_eq!(
        ok(store.grant(old_session).await, "OAuthGrantStore::grant"),
        None,
        "the purge must delete expired grants"
    );
    assert!(
        ok(store.grant(session).await, "OAuthGrantStore::grant").is_some(),
        "the purge must keep unexpired grants"
    );
}

/// A session of `user` (with a first refresh token) ending at `expires`.
async fn create_session(sessions: &dyn SessionStore, user: UserId, expires: i64) -> SessionId {
    let id = new_session_id();
    let created = expires.min(0) - HOUR;
    let session = Session {
        id,
        kind: SessionKind::OAuthGrant,
        user_id: user,
        created_at: at(created),
        last_used_at: at(created),
        expires_at: at(expires),
        idle_expires_at: at(expires),
        auth_time: at(created),
        amr: Vec::new(),
        acr: None,
        ip: None,
        user_agent: None,
        device_name: None,
        revoked_at: None,
        revoke_reason: None,
    };
    let token = RefreshTokenRecord::new(new_hash(), id, at(created), at(expires));
    ok(
        sessions.create_session(&session, &token).await,
        "SessionStore::create_session (creating a session for the check)",
    );
    id
}
