//! Feature `serde` (issue 13: "a custom store is 180 lines of field mapping"): every store
//! record round-trips through a document, in the names the SQL stores keep.
#![cfg(feature = "serde")]

use std::time::{Duration, SystemTime};

use auth_core::opaque::TokenHash;
use auth_core::store::{
    AuditEvent, AuditKind, AuthorizationCode, ClientType, Consent, GrantType, OAuthClient,
    OAuthGrant, OneTimePurpose, OneTimeToken, ProviderIdentity, RefreshTokenRecord, RevokeReason,
    RevokedAccessToken, Session, SessionId, SessionKind, User, UserId,
};
use auth_core::token::Scope;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_nanos(123)
}

#[track_caller]
fn round_trips<T>(record: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(record).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, record, "{json}");
}

#[test]
fn every_record_round_trips_through_json() {
    let user_id = UserId::generate().unwrap();
    let session_id = SessionId::generate().unwrap();
    let hash = TokenHash::of("a presented token");
    let mut user = User::new(user_id, "kim@example.com", at(1));
    user.username = Some("Kim".into());
    user.password_hash = Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
    user.roles = vec!["admin".into()];
    user.last_login_at = Some(at(2));
    user.tokens_valid_after = Some(at(3));
    round_trips(&user);
    round_trips(&ProviderIdentity {
        provider: "google".into(),
        subject: "g-1".into(),
        user_id,
        email: Some("kim@example.com".into()),
        email_verified: true,
        linked_at: at(4),
    });
    round_trips(&Session {
        id: session_id,
        kind: SessionKind::AuthorizationServerSignIn,
        user_id,
        created_at: at(5),
        last_used_at: at(6),
        expires_at: at(7),
        idle_expires_at: at(8),
        auth_time: at(5),
        amr: Vec::new(),
        acr: None,
        ip: Some("203.0.113.7".into()),
        user_agent: None,
        device_name: Some("phone".into()),
        revoked_at: Some(at(9)),
        revoke_reason: Some(RevokeReason::RefreshTokenReuse),
    });
    round_trips(&RefreshTokenRecord {
        hash,
        session_id,
        issued_at: at(10),
        rotated_at: None,
        expires_at: at(11),
    });
    round_trips(&OneTimeToken {
        purpose: OneTimePurpose::PasswordReset,
        hash,
        user_id,
        created_at: at(12),
        expires_at: at(13),
        used_at: None,
    });
    round_trips(&AuditEvent {
        kind: AuditKind::OAuthCodeReplay,
        user_id: Some(user_id),
        session_id: None,
        ip: None,
        user_agent: Some("test/1".into()),
        at: at(14),
        success: false,
        detail: Some("detail".into()),
    });
    round_trips(&RevokedAccessToken {
        jti: "jti-1".into(),
        expires_at: at(15),
    });
    round_trips(&OAuthClient {
        client_id: "app".into(),
        secret_hash: Some(hash),
        client_type: ClientType::Confidential,
        name: "App".into(),
        redirect_uris: vec!["https://app.example/cb".into()],
        allowed_scopes: Scope::parse("openid profile"),
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        first_party: false,
        created_at: at(16),
    });
    round_trips(&AuthorizationCode {
        hash,
        client_id: "app".into(),
        user_id,
        redirect_uri: "https://app.example/cb".into(),
        scope: Scope::parse("openid"),
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        nonce: Some("n-0S6_WzA2Mj".into()),
        auth_time: at(17),
        amr: vec!["pwd".into()],
        acr: None,
        created_at: at(18),
        expires_at: at(19),
        used_at: None,
        session_id: Some(session_id),
        replayed_at: None,
    });
    round_trips(&Consent {
        user_id,
        client_id: "app".into(),
        scope: Scope::parse("openid"),
        granted_at: at(20),
    });
    round_trips(&OAuthGrant {
        session_id,
        client_id: "app".into(),
        user_id,
        scope: Scope::parse("openid"),
        auth_time: at(21),
        created_at: at(22),
        expires_at: at(23),
    });
}

/// The document holds the names auth-storage-seaorm keeps in its columns, and the hash as the
/// hex it keeps: the ids as hyphenated UUIDs, never Rust variant names.
#[test]
fn enums_and_hashes_are_written_as_the_sql_stores_write_them() {
    let hash = TokenHash::of("x");
    assert_eq!(
        serde_json::to_value(hash).unwrap(),
        serde_json::Value::String(hash.to_hex())
    );
    for kind in [
        AuditKind::Signup,
        AuditKind::OAuthCodeIssued,
        AuditKind::RolesChanged,
        AuditKind::PermissionsChanged,
    ] {
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
    }
    assert_eq!(
        serde_json::to_value(SessionKind::AuthorizationServerSignIn).unwrap(),
        SessionKind::AuthorizationServerSignIn.as_str()
    );
    assert_eq!(
        serde_json::to_value(GrantType::RefreshToken).unwrap(),
        "refresh_token"
    );
    let id = UserId::generate().unwrap();
    assert_eq!(serde_json::to_value(id).unwrap(), id.to_string());
}

#[test]
fn an_unknown_name_or_a_bad_hash_is_an_error_not_a_default() {
    let kind = serde_json::from_str::<AuditKind>("\"made_up\"").unwrap_err();
    assert!(kind.to_string().contains("made_up"), "{kind}");
    assert!(serde_json::from_str::<SessionKind>("\"\"").is_err());
    assert!(serde_json::from_str::<RevokeReason>("7").is_err());
    assert!(serde_json::from_str::<TokenHash>("\"abc\"").is_err());
    assert!(serde_json::from_str::<TokenHash>(&format!("\"{}\"", "zz".repeat(32))).is_err());
}
