//! Second factors in the database (issue 15): TOTP secrets stored only encrypted and bound to
//! their account, recovery codes only as hashes, and both gone with the account.

mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_core::mfa::{
    MfaError, RecoveryCodes, SecretKey, TotpConfig, TotpSecret, hash_recovery_code,
};
use auth_core::store::{SecondFactorStore, TotpRecord, User, UserId, UserStore};
use auth_storage_seaorm::entity::{recovery_code, totp};
use auth_storage_seaorm::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use support::TestDb;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

async fn new_user(db: &TestDb) -> UserId {
    let id = UserId::generate().expect("id");
    let user = User::new(id, &format!("{}@example.test", id.0.simple()), now());
    db.store.insert_user(&user).await.expect("insert user");
    id
}

/// Deleting an account deletes its TOTP record and recovery codes in the same statement
/// (`ON DELETE CASCADE`), like its sessions and identities: nothing of a deleted account's
/// second factor stays behind to be revived under a reused id or read from a backup.
async fn deleting_a_user_deletes_their_second_factors(db: TestDb) {
    let user = new_user(&db).await;
    let keep = new_user(&db).await;
    for id in [user, keep] {
        db.store
            .put_totp(id, TotpRecord::new(vec![1, 2, 3], now()))
            .await
            .expect("put");
        let codes = RecoveryCodes::generate(3).expect("codes");
        db.store
            .replace_recovery_codes(id, codes.hashes(), now())
            .await
            .expect("codes");
    }
    assert!(db.store.delete_user(user).await.expect("delete"));
    assert!(db.store.totp(user).await.expect("read").is_none());
    assert_eq!(db.store.recovery_codes_left(user).await.expect("count"), 0);
    let rows = recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user.to_string()))
        .all(db.store.connection())
        .await
        .expect("rows");
    assert!(rows.is_empty(), "used or not, no code row stays");
    // The other account is untouched.
    assert!(db.store.totp(keep).await.expect("read").is_some());
    assert_eq!(db.store.recovery_codes_left(keep).await.expect("count"), 3);
    db.drop_all().await;
}

#[tokio::test]
async fn sqlite_deleting_a_user_deletes_their_second_factors() {
    deleting_a_user_deletes_their_second_factors(TestDb::sqlite_memory().await).await;
}

#[tokio::test]
async fn postgres_deleting_a_user_deletes_their_second_factors() {
    if let Some(db) =
        TestDb::postgres("postgres_deleting_a_user_deletes_their_second_factors").await
    {
        deleting_a_user_deletes_their_second_factors(db).await;
    }
}

#[tokio::test]
async fn mysql_deleting_a_user_deletes_their_second_factors() {
    if let Some(db) = TestDb::mysql("mysql_deleting_a_user_deletes_their_second_factors").await {
        deleting_a_user_deletes_their_second_factors(db).await;
    }
}

/// What a copy of the database shows: the TOTP secret only as ciphertext, recovery codes
/// only as SHA-256 hex. And an attacker with write access who copies their own account's
/// ciphertext onto a victim's row (to know the victim's codes) gets a row that does not
/// decrypt.
#[tokio::test]
async fn a_database_copy_holds_no_second_factor_in_clear_and_rows_do_not_swap() {
    let db = TestDb::sqlite_memory().await;
    let key = SecretKey::generate().expect("key");
    let config = TotpConfig::new("Acme");
    let attacker = new_user(&db).await;
    let victim = new_user(&db).await;

    let enrolment = config.enrol("attacker@example.test").expect("enrol");
    let stored = enrolment.secret().encrypt(&key, attacker).expect("encrypt");
    db.store
        .put_totp(attacker, TotpRecord::new(stored, now()))
        .await
        .expect("put");
    let row = totp::Entity::find_by_id(attacker.to_string())
        .one(db.store.connection())
        .await
        .expect("row")
        .expect("stored");
    let secret = enrolment.secret().expose_secret();
    assert!(
        !row.encrypted_secret
            .windows(secret.len())
            .any(|window| window == secret),
        "the secret itself is not in the row"
    );
    let record = db
        .store
        .totp(attacker)
        .await
        .expect("read")
        .expect("stored");
    let back = TotpSecret::decrypt(&key, attacker, &record.encrypted_secret).expect("decrypt");
    assert_eq!(back.expose_secret(), secret);

    // The attacker's ciphertext on the victim's row.
    db.store
        .put_totp(victim, TotpRecord::new(row.encrypted_secret.clone(), now()))
        .await
        .expect("put");
    let swapped = db.store.totp(victim).await.expect("read").expect("stored");
    assert!(matches!(
        TotpSecret::decrypt(&key, victim, &swapped.encrypted_secret),
        Err(MfaError::Decrypt)
    ));

    let codes = RecoveryCodes::generate(2).expect("codes");
    db.store
        .replace_recovery_codes(victim, codes.hashes(), now())
        .await
        .expect("codes");
    let rows = recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(victim.to_string()))
        .all(db.store.connection())
        .await
        .expect("rows");
    assert_eq!(rows.len(), 2);
    for code in codes.codes() {
        let typed = code.expose_secret();
        assert!(
            rows.iter()
                .all(|row| !row.hash.contains(&typed.replace('-', ""))),
            "no code in clear"
        );
        let hash = hash_recovery_code(&typed.to_uppercase()).expect("well-formed");
        assert!(
            db.store
                .use_recovery_code(victim, &hash, now())
                .await
                .expect("use")
        );
    }
    db.drop_all().await;
}
