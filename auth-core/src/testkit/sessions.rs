//! Checks for [`SessionStore`].

use std::sync::Arc;

use super::support::{
    DAY, HOUR, MINUTE, PURGE_NOW, TASKS, at, concurrently, new_hash, new_user, new_user_id, ok,
    secs,
};
use crate::opaque::TokenHash;
use crate::store::{
    Assurance, RefreshTokenRecord, RevokeReason, Rotation, Session, SessionId, SessionKind,
    SessionStore, StoreError, UserId, UserStore,
};

/// Runs every [`SessionStore`] check against `store`, creating the users its sessions belong
/// to through `users`. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * a session round-trips with every field intact; unknown ids are `Ok(None)`; creating a
///   session with a taken id, or with a first token whose hash is taken, is
///   [`StoreError::Conflict`], and a failed create stores neither the session nor its token;
/// * rotation: the current token rotates ([`Rotation::Rotated`] with `last_used_at = now` and
///   `idle_expires_at = now + idle_timeout`); presenting it again is
///   [`Rotation::AlreadyRotated`] with the first rotation's time and writes nothing; its
///   successor rotates in turn; a rotated token is still reported as `AlreadyRotated` after
///   its session is revoked;
/// * the idle expiry a rotation sets never passes the session's absolute expiry;
/// * [`Rotation::Inactive`], writing nothing, when the token has expired (`now >= expires_at`),
///   the session has passed its absolute or idle expiry, or it is revoked;
///   [`Rotation::Unknown`] for a hash never stored;
/// * `revoke_session` returns `true` once, keeps the first reason and time, and `false` for an
///   unknown session;
/// * `active_sessions` lists only the user's unrevoked, unexpired sessions, most recently used
///   first;
/// * `revoke_user_sessions` revokes every unrevoked session of the user except `keep`, leaves
///   already revoked ones (and other users') alone, and returns how many it revoked;
/// * `purge_expired_sessions` deletes expired sessions with their tokens and expired tokens of
///   live sessions, and keeps live sessions and their unexpired (even rotated) tokens;
/// * `refresh_token` looks a token up by hash without rotating it: the current token as
///   stored, a rotated token with its `rotated_at`, the successor a rotation stored (bound to
///   the presented token's session), and `Ok(None)` for an unknown hash;
/// * 50 concurrent rotations of one token: exactly one [`Rotation::Rotated`], 49
///   [`Rotation::AlreadyRotated`], and only the winner's `next` token is stored;
/// * session kinds ([`SessionKind`]): every kind round-trips; `refresh_token` and
///   `rotate_refresh_token` with another kind than the session's find nothing
///   ([`Rotation::Unknown`]) and write nothing — before and after the token's rotation, so a
///   replay under a foreign kind neither rotates nor is reported as a reuse — and in a race of
///   50 concurrent rotations, half naming the wrong kind, exactly one right-kind call wins
///   and every wrong-kind call is `Unknown`;
/// * assurance: `auth_time`, `amr` and `acr` round-trip; `record_authentication` replaces
///   them (and nothing else) on an active session and returns `true`, and returns `false`,
///   writing nothing, for a revoked, expired or unknown session.
pub async fn session_store_conformance<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: SessionStore + ?Sized + 'static,
{
    create_and_get(&*store, users).await;
    rotation(&*store, users).await;
    rotation_binds_next_to_the_presented_session(&*store, users).await;
    idle_expiry_is_capped(&*store, users).await;
    refused_rotations(&*store, users).await;
    revoke_session(&*store, users).await;
    record_authentication(&*store, users).await;
    active_sessions(&*store, users).await;
    revoke_user_sessions(&*store, users).await;
    purge(&*store, users).await;
    lookup_by_hash(&*store, users).await;
    kinds_are_enforced(&*store, users).await;
    concurrent_rotation(Arc::clone(&store), users).await;
    concurrent_rotation_across_kinds(store, users).await;
}

const KINDS: [SessionKind; 3] = [
    SessionKind::FirstParty,
    SessionKind::AuthorizationServerSignIn,
    SessionKind::OAuthGrant,
];

async fn rotate_as(
    store: &(impl SessionStore + ?Sized),
    presented: &TokenHash,
    kind: SessionKind,
    next: &RefreshTokenRecord,
    now: i64,
) -> Rotation {
    ok(
        store
            .rotate_refresh_token(presented, kind, next, at(now), secs(DAY))
            .await,
        ROTATE,
    )
}

/// A credential of one kind never serves another (see [`SessionKind`]).
async fn kinds_are_enforced(store: &(impl SessionStore + ?Sized), users: &dyn UserStore) {
    for kind in KINDS {
        let user = new_user(users).await;
        let mut session = new_session(user, 0, 30 * DAY);
        session.kind = kind;
        let token = create(store, &session).await;
        assert_eq!(
            stored(store, session.id).await.map(|stored| stored.kind),
            Some(kind),
            "SessionStore::session must return the kind a session was created with"
        );
        assert_eq!(
            ok(store.refresh_token(&token.hash, kind).await, LOOKUP),
            Some(token.clone()),
            "{LOOKUP} with the session's own kind must find its token"
        );
        for other in KINDS.into_iter().filter(|other| *other != kind) {
            assert_eq!(
                ok(store.refresh_token(&token.hash, other).await, LOOKUP),
                None,
                "{LOOKUP} of a {} session's token as {} must find nothing",
                kind.as_str(),
                other.as_str()
            );
            let next = new_token(&session, HOUR, 30 * DAY);
            assert_eq!(
                rotate_as(store, &token.hash, other, &next, HOUR).await,
                Rotation::Unknown,
                "{ROTATE} of a {} session's token as {} must be Unknown",
                kind.as_str(),
                other.as_str()
            );
            assert_eq!(
                ok(store.refresh_token(&next.hash, kind).await, LOOKUP),
                None,
                "{ROTATE} under a foreign kind must not store `next`"
            );
        }
        assert_eq!(
            ok(store.refresh_token(&token.hash, kind).await, LOOKUP),
            Some(token.clone()),
            "{ROTATE} under a foreign kind must leave the token current"
        );

        let next = new_token(&session, HOUR, 30 * DAY);
        assert!(
            matches!(
                rotate_as(store, &token.hash, kind, &next, HOUR).await,
                Rotation::Rotated(_)
            ),
            "{ROTATE} of a {} token as its own kind must rotate it",
            kind.as_str()
        );
        for other in KINDS.into_iter().filter(|other| *other != kind) {
            let probe = new_token(&session, 2 * HOUR, 30 * DAY);
            assert_eq!(
                rotate_as(store, &token.hash, other, &probe, 2 * HOUR).await,
                Rotation::Unknown,
                "a rotated {} token presented as {} must be Unknown, not AlreadyRotated \
                 (a foreign-kind replay must not be able to revoke the session)",
                kind.as_str(),
                other.as_str()
            );
        }
        assert!(
            stored(store, session.id)
                .await
                .is_some_and(|stored| stored.revoked_at.is_none()),
            "foreign-kind presentations must leave the session alone"
        );
    }
}

/// Half of 50 concurrent rotations name the wrong kind: exactly one right-kind call wins.
async fn concurrent_rotation_across_kinds<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: SessionStore + ?Sized + 'static,
{
    let user = new_user(users).await;
    let mut session = new_session(user, 0, 30 * DAY);
    session.kind = SessionKind::OAuthGrant;
    let token = create(&*store, &session).await;

    let outcomes = concurrently(TASKS, |task| {
        let store = Arc::clone(&store);
        let next = new_token(&session, HOUR, 30 * DAY);
        let presented = token.hash;
        let kind = if task % 2 == 0 {
            SessionKind::OAuthGrant
        } else {
            SessionKind::FirstParty
        };
        async move {
            let outcome = store
                .rotate_refresh_token(&presented, kind, &next, at(HOUR), secs(DAY))
                .await;
            (kind, outcome)
        }
    })
    .await;
    let mut winners = 0;
    for (kind, outcome) in outcomes {
        match (kind, outcome) {
            (SessionKind::OAuthGrant, Ok(Rotation::Rotated(_))) => winners += 1,
            (SessionKind::OAuthGrant, Ok(Rotation::AlreadyRotated { .. })) => {}
            (SessionKind::FirstParty, Ok(Rotation::Unknown)) => {}
            (kind, other) => panic!(
                "in a race of {ROTATE} calls, a call as {} got {other:?}; a wrong-kind call \
                 must be Unknown and a right-kind one Rotated or AlreadyRotated",
                kind.as_str()
            ),
        }
    }
    assert_eq!(
        winners, 1,
        "of concurrent {ROTATE} calls with one token, exactly one of the right kind must win"
    );
}

const LOOKUP: &str = "SessionStore::refresh_token";

async fn lookup(
    store: &(impl SessionStore + ?Sized),
    hash: &TokenHash,
) -> Option<RefreshTokenRecord> {
    ok(
        store.refresh_token(hash, SessionKind::FirstParty).await,
        LOOKUP,
    )
}

async fn lookup_by_hash(store: &(impl SessionStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let session = new_session(user, 0, 30 * DAY);
    let first = new_token(&session, 0, 30 * DAY);
    create_with(store, &session, &first).await;
    assert_eq!(
        lookup(store, &first.hash).await.as_ref(),
        Some(&first),
        "{LOOKUP} must return the current token with every field as created"
    );
    assert_eq!(
        lookup(store, &first.hash).await.as_ref(),
        Some(&first),
        "{LOOKUP} must not rotate or change the token it looks up"
    );

    // `next` names another session and outlives this one: the store binds and caps it.
    let mut second = new_token(&session, HOUR, 40 * DAY);
    second.session_id = ok(SessionId::generate(), "SessionId::generate");
    assert!(
        matches!(
            rotate(store, &first.hash, &second, HOUR, DAY).await,
            Rotation::Rotated(_)
        ),
        "{ROTATE} of the current token must rotate it"
    );
    let mut rotated = first.clone();
    rotated.rotated_at = Some(at(HOUR));
    assert_eq!(
        lookup(store, &first.hash).await,
        Some(rotated),
        "{LOOKUP} of a rotated token must return it with rotated_at set"
    );
    let mut successor = second.clone();
    successor.session_id = session.id;
    successor.expires_at = at(30 * DAY);
    assert_eq!(
        lookup(store, &second.hash).await,
        Some(successor),
        "{LOOKUP} of a rotation's successor must show it bound to the presented token's \
         session and capped at its expiry"
    );
    assert_eq!(
        lookup(store, &new_hash()).await,
        None,
        "{LOOKUP} of a hash never stored must return None"
    );
}

const ROTATE: &str = "SessionStore::rotate_refresh_token";

/// A session of `user_id` created at `created` and ending at `expires` (idle expiry too),
/// with every optional field set.
fn new_session(user_id: UserId, created: i64, expires: i64) -> Session {
    Session {
        id: ok(SessionId::generate(), "SessionId::generate"),
        kind: SessionKind::FirstParty,
        user_id,
        created_at: at(created),
        last_used_at: at(created),
        expires_at: at(expires),
        idle_expires_at: at(expires),
        auth_time: at(created),
        amr: vec!["pwd".to_owned(), "otp".to_owned(), "mfa".to_owned()],
        acr: Some("urn:example:loa:2".to_owned()),
        ip: Some("192.0.2.10".to_owned()),
        user_agent: Some("auth-core testkit".to_owned()),
        device_name: Some("Testkit device".to_owned()),
        revoked_at: None,
        revoke_reason: None,
    }
}

/// A fresh token of `session` issued at `issued`, expiring at `expires`.
fn new_token(session: &Session, issued: i64, expires: i64) -> RefreshTokenRecord {
    RefreshTokenRecord::new(new_hash(), session.id, at(issued), at(expires))
}

async fn create(store: &(impl SessionStore + ?Sized), session: &Session) -> RefreshTokenRecord {
    let token = new_token(session, 0, DAY);
    create_with(store, session, &token).await;
    token
}

async fn create_with(
    store: &(impl SessionStore + ?Sized),
    session: &Session,
    token: &RefreshTokenRecord,
) {
    ok(
        store.create_session(session, token).await,
        "SessionStore::create_session",
    );
}

async fn stored(store: &(impl SessionStore + ?Sized), id: SessionId) -> Option<Session> {
    ok(store.session(id).await, "SessionStore::session")
}

async fn rotate(
    store: &(impl SessionStore + ?Sized),
    presented: &TokenHash,
    next: &RefreshTokenRecord,
    now: i64,
    idle_timeout: i64,
) -> Rotation {
    ok(
        store
            .rotate_refresh_token(
                presented,
                SessionKind::FirstParty,
                next,
                at(now),
                secs(idle_timeout),
            )
            .await,
        ROTATE,
    )
}

/// Asserts that `hash` is not stored (rotating it finds nothing), e.g. a `next` token that a
/// refused rotation must not have written.
async fn assert_not_stored(
    store: &(impl SessionStore + ?Sized),
    session: &Session,
    hash: &TokenHash,
    why: &str,
) {
    let probe = new_token(session, 0, DAY);
    let outcome = rotate(store, hash, &probe, MINUTE, HOUR).await;
    assert_eq!(outcome, Rotation::Unknown, "{why}");
}

async fn create_and_get(store: &(impl SessionStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let mut session = new_session(user, 0, 30 * DAY);
    session.idle_expires_at = at(DAY);
    let token = new_token(&session, 0, 30 * DAY);
    create_with(store, &session, &token).await;
    assert_eq!(
        stored(store, session.id).await.as_ref(),
        Some(&session),
        "SessionStore::session must return the created session with every field unchanged"
    );
    let unknown = ok(SessionId::generate(), "SessionId::generate");
    assert_eq!(
        stored(store, unknown).await,
        None,
        "SessionStore::session must return Ok(None) for an unknown id"
    );

    let other_token = new_token(&session, 0, 30 * DAY);
    let result = store.create_session(&session, &other_token).await;
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "SessionStore::create_session with a taken session id must return \
         StoreError::Conflict, got {result:?}"
    );
    assert_not_stored(
        store,
        &session,
        &other_token.hash,
        "SessionStore::create_session must store neither the session nor its first token when \
         it fails (both or neither)",
    )
    .await;

    let second = new_session(user, 0, 30 * DAY);
    let taken_hash = RefreshTokenRecord::new(token.hash, second.id, at(0), at(30 * DAY));
    let result = store.create_session(&second, &taken_hash).await;
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "SessionStore::create_session with a first token whose hash is taken must return \
         StoreError::Conflict (refresh-token hashes are unique), got {result:?}"
    );
    assert_eq!(
        stored(store, second.id).await,
        None,
        "SessionStore::create_session must store neither the session nor its first token when \
         it fails (both or neither)"
    );
}

/// The caller cannot know the presented token's session, so `next.session_id` is a
/// placeholder the store must ignore: the successor belongs to the presented token's session.
async fn rotation_binds_next_to_the_presented_session(
    store: &(impl SessionStore + ?Sized),
    users: &dyn UserStore,
) {
    let user = new_user(users).await;
    let session = new_session(user, 0, 30 * DAY);
    let first = new_token(&session, 0, 30 * DAY);
    create_with(store, &session, &first).await;

    let mut second = new_token(&session, HOUR, 60 * DAY);
    second.session_id = SessionId(uuid::Uuid::nil());
    assert!(
        matches!(
            rotate(store, &first.hash, &second, HOUR, DAY).await,
            Rotation::Rotated(_)
        ),
        "{ROTATE} of the current token must succeed whatever `next.session_id` says"
    );
    let third = new_token(&session, 2 * HOUR, 30 * DAY);
    match rotate(store, &second.hash, &third, 2 * HOUR, DAY).await {
        Rotation::Rotated(rotated) => assert_eq!(
            rotated.id, session.id,
            "{ROTATE} must bind `next` to the presented token's session, ignoring \
             `next.session_id`"
        ),
        other => panic!(
            "{ROTATE} must bind `next` to the presented token's session so that it can be \
             rotated in turn; rotating it gave {other:?}"
        ),
    }
}

async fn rotation(store: &(impl SessionStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let mut session = new_session(user, 0, 30 * DAY);
    session.idle_expires_at = at(DAY);
    let first = new_token(&session, 0, 30 * DAY);
    create_with(store, &session, &first).await;

    let second = new_token(&session, HOUR, 30 * DAY);
    let mut expected = session.clone();
    expected.last_used_at = at(HOUR);
    expected.idle_expires_at = at(HOUR + DAY);
    assert_eq!(
        rotate(store, &first.hash, &second, HOUR, DAY).await,
        Rotation::Rotated(expected.clone()),
        "{ROTATE} of the current token must return Rotated with the session updated: \
         last_used_at = now, idle_expires_at = now + idle_timeout, nothing else changed"
    );
    assert_eq!(
        stored(store, session.id).await.as_ref(),
        Some(&expected),
        "{ROTATE} must store the session it returns in Rotated"
    );

    let third = new_token(&session, 2 * HOUR, 30 * DAY);
    assert_eq!(
        rotate(store, &first.hash, &third, 2 * HOUR, DAY).await,
        Rotation::AlreadyRotated {
            session: expected.clone(),
            rotated_at: at(HOUR),
        },
        "{ROTATE} of a token that was already rotated must return AlreadyRotated with the \
         stored session and the time of the first rotation"
    );
    assert_eq!(
        stored(store, session.id).await.as_ref(),
        Some(&expected),
        "{ROTATE} must write nothing to the session when it returns AlreadyRotated"
    );
    assert_not_stored(
        store,
        &session,
        &third.hash,
        "SessionStore::rotate_refresh_token must not store `next` when it returns AlreadyRotated",
    )
    .await;

    let fourth = new_token(&session, 3 * HOUR, 30 * DAY);
    expected.last_used_at = at(3 * HOUR);
    expected.idle_expires_at = at(3 * HOUR + DAY);
    assert_eq!(
        rotate(store, &second.hash, &fourth, 3 * HOUR, DAY).await,
        Rotation::Rotated(expected.clone()),
        "{ROTATE} of the token a rotation stored as `next` must rotate in turn"
    );

    // Theft is still recognised once the session is revoked (by the reuse, say).
    assert!(
        ok(
            store
                .revoke_session(session.id, RevokeReason::RefreshTokenReuse, at(4 * HOUR))
                .await,
            "SessionStore::revoke_session"
        ),
        "SessionStore::revoke_session of an active session must return true"
    );
    expected.revoked_at = Some(at(4 * HOUR));
    expected.revoke_reason = Some(RevokeReason::RefreshTokenReuse);
    let late = new_token(&session, 5 * HOUR, 30 * DAY);
    assert_eq!(
        rotate(store, &first.hash, &late, 5 * HOUR, DAY).await,
        Rotation::AlreadyRotated {
            session: expected.clone(),
            rotated_at: at(HOUR),
        },
        "{ROTATE} of a rotated token must return AlreadyRotated even after its session was \
         revoked: a replay is recognised as one before the session's state is looked at"
    );
    assert_eq!(
        rotate(store, &fourth.hash, &late, 5 * HOUR, DAY).await,
        Rotation::Inactive(expected),
        "{ROTATE} of the current token of a revoked session must return Inactive"
    );
}

async fn idle_expiry_is_capped(store: &(impl SessionStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let mut session = new_session(user, 0, 2 * HOUR);
    session.idle_expires_at = at(HOUR);
    let first = new_token(&session, 0, 2 * HOUR);
    create_with(store, &session, &first).await;

    let next = new_token(&session, 30 * MINUTE, 2 * HOUR);
    let mut expected = session.clone();
    expected.last_used_at = at(30 * MINUTE);
    expected.idle_expires_at = at(2 * HOUR);
    assert_eq!(
        rotate(store, &first.hash, &next, 30 * MINUTE, DAY).await,
        Rotation::Rotated(expected),
        "{ROTATE} must cap the new idle expiry at the session's absolute expiry \
         (min(now + idle_timeout, expires_at))"
    );
}

async fn refused_rotations(store: &(impl SessionStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;

    // The token expired; the session is fine. Expiry is exclusive: `now == expires_at` is late.
    let session = new_session(user, 0, 30 * DAY);
    let token = new_token(&session, 0, HOUR);
    create_with(store, &session, &token).await;
    let next = new_token(&session, HOUR, 30 * DAY);
    assert_eq!(
        rotate(store, &token.hash, &next, HOUR, DAY).await,
        Rotation::Inactive(session.clone()),
        "{ROTATE} of a token at its expiry (now >= expires_at) must return Inactive with the \
         session unchanged"
    );
    assert_not_stored(
        store,
        &session,
        &next.hash,
        "SessionStore::rotate_refresh_token must not store `next` when it returns Inactive",
    )
    .await;
    let next = new_token(&session, HOUR - 1, 30 * DAY);
    assert!(
        matches!(
            rotate(store, &token.hash, &next, HOUR - 1, DAY).await,
            Rotation::Rotated(_)
        ),
        "{ROTATE} must write nothing when it returns Inactive: the same token must still rotate \
         one second before its expiry"
    );

    // The session passed its absolute expiry (the token has not).
    let session = new_session(user, 0, HOUR);
    let token = new_token(&session, 0, DAY);
    create_with(store, &session, &token).await;
    let next = new_token(&session, HOUR, DAY);
    assert_eq!(
        rotate(store, &token.hash, &next, HOUR, DAY).await,
        Rotation::Inactive(session.clone()),
        "{ROTATE} must return Inactive once the session has reached its absolute expiry"
    );

    // The session passed its idle expiry.
    let mut session = new_session(user, 0, 30 * DAY);
    session.idle_expires_at = at(HOUR);
    let token = new_token(&session, 0, 30 * DAY);
    create_with(store, &session, &token).await;
    let next = new_token(&session, 2 * HOUR, 30 * DAY);
    assert_eq!(
        rotate(store, &token.hash, &next, 2 * HOUR, DAY).await,
        Rotation::Inactive(session.clone()),
        "{ROTATE} must return Inactive once the session has passed its idle expiry, and must \
         not move an idle expiry that has already passed"
    );

    // The session was revoked.
    let mut session = new_session(user, 0, 30 * DAY);
    let token = create(store, &session).await;
    ok(
        store
            .revoke_session(session.id, RevokeReason::Logout, at(MINUTE))
            .await,
        "SessionStore::revoke_session",
    );
    session.revoked_at = Some(at(MINUTE));
    session.revoke_reason = Some(RevokeReason::Logout);
    let next = new_token(&session, 2 * MINUTE, DAY);
    assert_eq!(
        rotate(store, &token.hash, &next, 2 * MINUTE, DAY).await,
        Rotation::Inactive(session),
        "{ROTATE} of the current token of a revoked session must return Inactive"
    );

    let unknown_next = RefreshTokenRecord::new(new_hash(), next.session_id, at(0), at(DAY));
    assert_eq!(
        rotate(store, &new_hash(), &unknown_next, MINUTE, DAY).await,
        Rotation::Unknown,
        "{ROTATE} of a hash that was never stored must return Unknown"
    );
}

const RECORD: &str = "SessionStore::record_authentication";

async fn record_authentication(store: &(impl SessionStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let mut session = new_session(user, 0, 30 * DAY);
    create(store, &session).await;
    let stepped_up = Assurance::new(at(HOUR), ["pwd", "otp"]).acr("urn:example:loa:3");
    assert!(
        ok(
            store
                .record_authentication(session.id, &stepped_up, at(HOUR))
                .await,
            RECORD
        ),
        "{RECORD} on an active session must return true"
    );
    session.auth_time = at(HOUR);
    session.amr = vec!["pwd".to_owned(), "otp".to_owned(), "mfa".to_owned()];
    session.acr = Some("urn:example:loa:3".to_owned());
    assert_eq!(
        stored(store, session.id).await.as_ref(),
        Some(&session),
        "{RECORD} must replace auth_time, amr and acr and nothing else"
    );

    let later = Assurance::new(at(2 * HOUR), ["pwd"]);
    assert!(
        !ok(
            store
                .record_authentication(session.id, &later, at(30 * DAY))
                .await,
            RECORD
        ),
        "{RECORD} on an expired session must return false"
    );
    ok(
        store
            .revoke_session(session.id, RevokeReason::Logout, at(HOUR))
            .await,
        "SessionStore::revoke_session",
    );
    assert!(
        !ok(
            store
                .record_authentication(session.id, &later, at(2 * HOUR))
                .await,
            RECORD
        ),
        "{RECORD} on a revoked session must return false (a step-up never revives a session)"
    );
    assert_eq!(
        stored(store, session.id)
            .await
            .map(|stored| stored.auth_time),
        Some(at(HOUR)),
        "a refused {RECORD} must write nothing"
    );
    let unknown = ok(SessionId::generate(), "SessionId::generate");
    assert!(
        !ok(
            store.record_authentication(unknown, &later, at(HOUR)).await,
            RECORD
        ),
        "{RECORD} of an unknown session must return false"
    );
}

async fn revoke_session(store: &(impl SessionStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let mut session = new_session(user, 0, 30 * DAY);
    create(store, &session).await;

    assert!(
        ok(
            store
                .revoke_session(session.id, RevokeReason::Logout, at(HOUR))
                .await,
            "SessionStore::revoke_session"
        ),
        "SessionStore::revoke_session of an unrevoked session must return true"
    );
    session.revoked_at = Some(at(HOUR));
    session.revoke_reason = Some(RevokeReason::Logout);
    assert_eq!(
        stored(store, session.id).await.as_ref(),
        Some(&session),
        "SessionStore::revoke_session must set revoked_at and revoke_reason and nothing else"
    );
    assert!(
        !ok(
            store
                .revoke_session(session.id, RevokeReason::Administrative, at(2 * HOUR))
                .await,
            "SessionStore::revoke_session"
        ),
        "SessionStore::revoke_session of an already revoked session must return false"
    );
    assert_eq!(
        stored(store, session.id).await.as_ref(),
        Some(&session),
        "SessionStore::revoke_session of an already revoked session must keep the first \
         revocation's time and reason"
    );
    let unknown = ok(SessionId::generate(), "SessionId::generate");
    assert!(
        !ok(
            store
                .revoke_session(unknown, RevokeReason::Logout, at(HOUR))
                .await,
            "SessionStore::revoke_session"
        ),
        "SessionStore::revoke_session of an unknown session must return false"
    );
}

async fn active_sessions(store: &(impl SessionStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let now = 4 * HOUR;

    let used = |last_used: i64| {
        let mut session = new_session(user, 0, 30 * DAY);
        session.last_used_at = at(last_used);
        session
    };
    let (a, b, c) = (used(HOUR), used(3 * HOUR), used(2 * HOUR));
    let revoked = used(3 * HOUR + 30 * MINUTE);
    let mut expired = new_session(user, 0, now);
    expired.last_used_at = at(HOUR);
    let mut idle = new_session(user, 0, 30 * DAY);
    idle.idle_expires_at = at(now - 1);
    let someone_else = new_session(new_user(users).await, 0, 30 * DAY);
    for session in [&a, &b, &c, &revoked, &expired, &idle, &someone_else] {
        create(store, session).await;
    }
    ok(
        store
            .revoke_session(revoked.id, RevokeReason::EndedByUser, at(now - 1))
            .await,
        "SessionStore::revoke_session",
    );

    assert_eq!(
        ok(
            store.active_sessions(user, at(now)).await,
            "SessionStore::active_sessions"
        ),
        vec![b, c, a],
        "SessionStore::active_sessions must return exactly the user's sessions that are active \
         at `now` (not revoked, before their absolute and idle expiry), most recently used \
         first"
    );
    assert_eq!(
        ok(
            store.active_sessions(new_user_id(), at(now)).await,
            "SessionStore::active_sessions"
        ),
        Vec::new(),
        "SessionStore::active_sessions of a user without sessions must be empty"
    );
}

async fn revoke_user_sessions(store: &(impl SessionStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;
    let mut kept = new_session(user, 0, 30 * DAY);
    let mut others = [
        new_session(user, 0, 30 * DAY),
        new_session(user, 0, 30 * DAY),
    ];
    let mut earlier = new_session(user, 0, 30 * DAY);
    let someone_else = new_session(new_user(users).await, 0, 30 * DAY);
    for session in [&kept, &others[0], &others[1], &earlier, &someone_else] {
        create(store, session).await;
    }
    ok(
        store
            .revoke_session(earlier.id, RevokeReason::Logout, at(HOUR))
            .await,
        "SessionStore::revoke_session",
    );
    earlier.revoked_at = Some(at(HOUR));
    earlier.revoke_reason = Some(RevokeReason::Logout);

    let revoked = ok(
        store
            .revoke_user_sessions(user, Some(kept.id), RevokeReason::LogoutAll, at(2 * HOUR))
            .await,
        "SessionStore::revoke_user_sessions",
    );
    assert_eq!(
        revoked, 2,
        "SessionStore::revoke_user_sessions must revoke (and count) every unrevoked session of \
         the user except `keep`"
    );
    for other in &mut others {
        other.revoked_at = Some(at(2 * HOUR));
        other.revoke_reason = Some(RevokeReason::LogoutAll);
        assert_eq!(
            stored(store, other.id).await.as_ref(),
            Some(&*other),
            "SessionStore::revoke_user_sessions must set revoked_at and revoke_reason on each \
             session it revokes"
        );
    }
    assert_eq!(
        stored(store, kept.id).await.as_ref(),
        Some(&kept),
        "SessionStore::revoke_user_sessions must not revoke the `keep` session"
    );
    assert_eq!(
        stored(store, earlier.id).await.as_ref(),
        Some(&earlier),
        "SessionStore::revoke_user_sessions must leave an already revoked session's first \
         revocation time and reason alone"
    );
    assert_eq!(
        stored(store, someone_else.id).await.as_ref(),
        Some(&someone_else),
        "SessionStore::revoke_user_sessions must not touch other users' sessions"
    );

    let revoked = ok(
        store
            .revoke_user_sessions(user, None, RevokeReason::PasswordChanged, at(3 * HOUR))
            .await,
        "SessionStore::revoke_user_sessions",
    );
    assert_eq!(
        revoked, 1,
        "SessionStore::revoke_user_sessions without `keep` must revoke the one session left"
    );
    kept.revoked_at = Some(at(3 * HOUR));
    kept.revoke_reason = Some(RevokeReason::PasswordChanged);
    assert_eq!(stored(store, kept.id).await.as_ref(), Some(&kept));
    let revoked = ok(
        store
            .revoke_user_sessions(user, None, RevokeReason::PasswordChanged, at(4 * HOUR))
            .await,
        "SessionStore::revoke_user_sessions",
    );
    assert_eq!(
        revoked, 0,
        "SessionStore::revoke_user_sessions must return 0 when every session is already revoked"
    );
}

async fn purge(store: &(impl SessionStore + ?Sized), users: &dyn UserStore) {
    let user = new_user(users).await;

    // Expired before the purge: the session and its token must go.
    let gone = new_session(user, -3 * DAY, -2 * DAY);
    let gone_token = new_token(&gone, -3 * DAY, -2 * DAY);
    create_with(store, &gone, &gone_token).await;

    // Live, with a rotated unexpired token and an expired current one.
    let live = new_session(user, -3 * DAY, DAY);
    let rotated = new_token(&live, -3 * DAY, DAY);
    create_with(store, &live, &rotated).await;
    let expired = new_token(&live, -2 * DAY - 12 * HOUR, -2 * DAY);
    assert!(
        matches!(
            rotate(
                store,
                &rotated.hash,
                &expired,
                -2 * DAY - 12 * HOUR,
                3 * DAY
            )
            .await,
            Rotation::Rotated(_)
        ),
        "{ROTATE} of a session's current token must return Rotated"
    );

    let purged = ok(
        store.purge_expired_sessions(at(PURGE_NOW)).await,
        "SessionStore::purge_expired_sessions",
    );
    assert!(
        purged >= 1,
        "SessionStore::purge_expired_sessions must count the sessions it deleted (this check \
         expired one; got {purged})"
    );
    assert_eq!(
        stored(store, gone.id).await,
        None,
        "SessionStore::purge_expired_sessions must delete sessions whose absolute expiry is \
         before `now`"
    );
    let probe = new_token(&live, PURGE_NOW, DAY);
    assert_eq!(
        rotate(store, &gone_token.hash, &probe, -3 * DAY, HOUR).await,
        Rotation::Unknown,
        "SessionStore::purge_expired_sessions must delete the tokens of the sessions it deletes"
    );
    assert_eq!(
        rotate(store, &expired.hash, &probe, -3 * DAY, HOUR).await,
        Rotation::Unknown,
        "SessionStore::purge_expired_sessions must delete refresh tokens that expired before \
         `now`, also of live sessions"
    );
    assert!(
        stored(store, live.id).await.is_some(),
        "SessionStore::purge_expired_sessions must keep sessions that have not expired"
    );
    assert!(
        matches!(
            rotate(store, &rotated.hash, &probe, PURGE_NOW, HOUR).await,
            Rotation::AlreadyRotated { .. }
        ),
        "SessionStore::purge_expired_sessions must keep unexpired refresh tokens, rotated ones \
         too (reuse detection depends on them)"
    );
}

async fn concurrent_rotation<S>(store: Arc<S>, users: &dyn UserStore)
where
    S: SessionStore + ?Sized + 'static,
{
    let user = new_user(users).await;
    let session = new_session(user, 0, 30 * DAY);
    let token = create(&*store, &session).await;

    let outcomes = concurrently(TASKS, |_| {
        let store = Arc::clone(&store);
        let next = new_token(&session, HOUR, 30 * DAY);
        let presented = token.hash;
        async move {
            let outcome = store
                .rotate_refresh_token(
                    &presented,
                    SessionKind::FirstParty,
                    &next,
                    at(HOUR),
                    secs(DAY),
                )
                .await;
            (next.hash, outcome)
        }
    })
    .await;

    let mut winners = Vec::new();
    for (next, outcome) in &outcomes {
        match outcome {
            Ok(Rotation::Rotated(_)) => winners.push(*next),
            Ok(Rotation::AlreadyRotated { rotated_at, .. }) => assert_eq!(
                *rotated_at,
                at(HOUR),
                "a concurrent {ROTATE} that lost the race must report the winner's rotation time"
            ),
            other => panic!(
                "of {TASKS} concurrent {ROTATE} calls with one token, each must return Rotated \
                 or AlreadyRotated, got {other:?}"
            ),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "of {TASKS} concurrent {ROTATE} calls with one token exactly one must return Rotated \
         (the check and the write must be one atomic conditional write); {} did",
        winners.len()
    );

    for (next, _) in &outcomes {
        let probe = new_token(&session, 2 * HOUR, 30 * DAY);
        let outcome = rotate(&*store, next, &probe, 2 * HOUR, DAY).await;
        if *next == winners[0] {
            assert!(
                matches!(outcome, Rotation::Rotated(_)),
                "the `next` token of the concurrent rotation that won must be stored and rotate, \
                 got {outcome:?}"
            );
        } else {
            assert_eq!(
                outcome,
                Rotation::Unknown,
                "the `next` token of a concurrent rotation that lost must not be stored"
            );
        }
    }
}
