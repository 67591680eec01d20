//! Checks for [`TokenStatusStore`].

use std::sync::Arc;

use super::support::{DAY, HOUR, at, ok, unique, unique_email};
use crate::store::{
    RefreshTokenRecord, RevocationStore, RevokeReason, RevokedAccessToken, Session, SessionId,
    SessionKind, SessionStatus, SessionStore, TokenStatus, TokenStatusQuery, TokenStatusStore,
    User, UserId, UserStatus, UserStore, UserUpdate,
};

const CALL: &str = "TokenStatusStore::token_status";

/// Runs every [`TokenStatusStore`] check against `store`, which must read the data of
/// `users`, `sessions` and `revocations` (the checks write through those; a store that is all
/// four passes itself four times). Panics on the first violation.
///
/// Checks, each with its own failure message, that for every query the answer equals what
/// the three separate reads return (`user_by_id`, `session`, `is_access_token_revoked`):
///
/// * an empty query answers nothing; unknown user, session and `jti` are `None`, `None` and
///   not revoked — never an error;
/// * an active user without a cut-off, then the same user disabled and cut off;
/// * a live first-party session, an OAuth grant's session, a revoked session, and a session
///   of another user (reported with its own user: the caller compares);
/// * a revoked and an unrevoked `jti`;
/// * parts not asked are not answered even when they exist (each part alone, and pairs).
pub async fn token_status_store_conformance<S>(
    store: Arc<S>,
    users: &dyn UserStore,
    sessions: &dyn SessionStore,
    revocations: &dyn RevocationStore,
) where
    S: TokenStatusStore + ?Sized + 'static,
{
    let store = &Parts {
        status: &*store,
        users,
        sessions,
        revocations,
    };
    assert_eq!(
        status(store, &TokenStatusQuery::new()).await,
        TokenStatus::default(),
        "{CALL} of an empty query must answer nothing"
    );

    let unknown_user = ok(UserId::generate(), "UserId::generate");
    let unknown_session = ok(SessionId::generate(), "SessionId::generate");
    let unknown_jti = format!("testkit-{}", unique());
    let query = TokenStatusQuery::new()
        .user(unknown_user)
        .session(unknown_session)
        .jti(&unknown_jti);
    assert_eq!(
        status(store, &query).await,
        TokenStatus::default(),
        "{CALL} of an unknown user, session and jti must answer None, None and not revoked"
    );

    let user = new_user(store.users).await;
    let other = new_user(store.users).await;
    let first_party = new_session(store.sessions, user.id, SessionKind::FirstParty).await;
    let grant = new_session(store.sessions, user.id, SessionKind::OAuthGrant).await;
    let revoked = new_session(store.sessions, user.id, SessionKind::FirstParty).await;
    let others = new_session(store.sessions, other.id, SessionKind::FirstParty).await;
    ok(
        store
            .sessions
            .revoke_session(revoked, RevokeReason::Logout, at(HOUR))
            .await,
        "SessionStore::revoke_session",
    );
    let revoked_jti = format!("testkit-{}", unique());
    ok(
        store
            .revocations
            .revoke_access_token(&RevokedAccessToken::new(revoked_jti.clone(), at(HOUR)))
            .await,
        "RevocationStore::revoke_access_token",
    );

    let mut answers = Vec::new();
    for session in [first_party, grant, revoked, others] {
        for jti in [revoked_jti.as_str(), unknown_jti.as_str()] {
            let query = TokenStatusQuery::new()
                .user(user.id)
                .session(session)
                .jti(jti);
            answers.push(same_as_separate_reads(store, &query, "a full query").await);
        }
    }
    let found = answers
        .iter()
        .filter(|answer| answer.user.is_some() && answer.session.is_some())
        .count();
    assert_eq!(
        found,
        answers.len(),
        "{CALL} must find the user and each of its sessions"
    );
    assert!(
        answers.iter().any(|answer| answer.access_token_revoked)
            && answers.iter().any(|answer| !answer.access_token_revoked),
        "{CALL} must tell a revoked jti from an unrevoked one"
    );

    // Parts alone and in pairs: nothing beyond what is asked.
    for query in [
        TokenStatusQuery::new().user(user.id),
        TokenStatusQuery::new().session(first_party),
        TokenStatusQuery::new().jti(&revoked_jti),
        TokenStatusQuery::new().user(user.id).jti(&revoked_jti),
        TokenStatusQuery::new().session(revoked).jti(&revoked_jti),
        TokenStatusQuery::new().user(other.id).session(first_party),
    ] {
        same_as_separate_reads(store, &query, "a partial query").await;
    }

    // The same user disabled and cut off.
    ok(
        store
            .users
            .update_user_fields(
                user.id,
                &UserUpdate::new(at(2 * HOUR))
                    .active(false)
                    .cut_off_tokens(at(2 * HOUR)),
            )
            .await,
        "UserStore::update_user_fields",
    );
    let answer = same_as_separate_reads(
        store,
        &TokenStatusQuery::new().user(user.id).session(first_party),
        "a disabled, cut-off user",
    )
    .await;
    assert_eq!(
        answer.user,
        Some(UserStatus::new(false, Some(at(2 * HOUR)))),
        "{CALL} must report a disabled user's active flag and cut-off"
    );
}

/// The store under test and the stores whose data it reads.
struct Parts<'a, S: ?Sized> {
    status: &'a S,
    users: &'a dyn UserStore,
    sessions: &'a dyn SessionStore,
    revocations: &'a dyn RevocationStore,
}

async fn status<S>(store: &Parts<'_, S>, query: &TokenStatusQuery<'_>) -> TokenStatus
where
    S: TokenStatusStore + ?Sized,
{
    ok(store.status.token_status(query).await, CALL)
}

/// Asks `query` and the three separate reads; fails unless they agree. Returns the answer.
async fn same_as_separate_reads<S>(
    store: &Parts<'_, S>,
    query: &TokenStatusQuery<'_>,
    what: &str,
) -> TokenStatus
where
    S: TokenStatusStore + ?Sized,
{
    let user = match query.user {
        Some(id) => ok(store.users.user_by_id(id).await, "UserStore::user_by_id")
            .as_ref()
            .map(UserStatus::from),
        None => None,
    };
    let session = match query.session {
        Some(id) => ok(store.sessions.session(id).await, "SessionStore::session")
            .as_ref()
            .map(SessionStatus::from),
        None => None,
    };
    let revoked = match query.jti {
        Some(jti) => ok(
            store.revocations.is_access_token_revoked(jti).await,
            "RevocationStore::is_access_token_revoked",
        ),
        None => false,
    };
    let expected = TokenStatus::new(user, session, revoked);
    let answer = status(store, query).await;
    assert_eq!(
        answer, expected,
        "{CALL} must answer {what} exactly as user_by_id, session and is_access_token_revoked do"
    );
    answer
}

async fn new_user(store: &dyn UserStore) -> User {
    let user = User::new(
        ok(UserId::generate(), "UserId::generate"),
        &unique_email(),
        at(0),
    );
    ok(store.insert_user(&user).await, "UserStore::insert_user");
    user
}

async fn new_session(store: &dyn SessionStore, user_id: UserId, kind: SessionKind) -> SessionId {
    let session = Session {
        id: ok(SessionId::generate(), "SessionId::generate"),
        kind,
        user_id,
        created_at: at(0),
        last_used_at: at(0),
        expires_at: at(DAY),
        idle_expires_at: at(DAY),
        auth_time: at(0),
        amr: Vec::new(),
        acr: None,
        ip: None,
        user_agent: None,
        device_name: None,
        revoked_at: None,
        revoke_reason: None,
    };
    let token = RefreshTokenRecord::new(super::support::new_hash(), session.id, at(0), at(DAY));
    ok(
        store.create_session(&session, &token).await,
        "SessionStore::create_session",
    );
    session.id
}
