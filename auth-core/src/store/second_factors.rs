//! Second factors: a user's TOTP authenticator and recovery codes.

use std::fmt::Debug;
use std::time::SystemTime;

use async_trait::async_trait;

use super::{SecretHash, StoreError, TotpRecord, UserId};

/// Where a user's TOTP record (one per user) and recovery codes (hashed) are kept.
///
/// Build the values with [`crate::mfa`]. The contract:
/// * [`use_totp_step`](Self::use_totp_step) is **one conditional write**: it records a step
///   only if the record is confirmed and the step is after the last one used, so of any
///   number of concurrent calls with one step exactly one returns `true` (RFC 6238 §5.2: a
///   code is accepted once, even when two requests carry it at the same moment);
/// * [`confirm_totp`](Self::confirm_totp) confirms only an unconfirmed record, once;
/// * [`use_recovery_code`](Self::use_recovery_code) is **consume-once**: of concurrent calls
///   with one code exactly one returns `true`, and a code only ever matches for the user it
///   was stored for;
/// * [`replace_recovery_codes`](Self::replace_recovery_codes) voids every earlier code of
///   the user, used or not, together with storing the new ones.
///
/// A backend with a users table may refuse records of unknown users, and should delete a
/// user's second factors with the user.
///
/// `Debug` is required so flows holding a `dyn SecondFactorStore` can derive it; print
/// counts, never the records.
#[async_trait]
pub trait SecondFactorStore: Debug + Send + Sync + 'static {
    /// Stores `record` as `user`'s TOTP record, replacing any earlier one (a new enrolment
    /// starts over: pass an unconfirmed record).
    async fn put_totp(&self, user: UserId, record: TotpRecord) -> Result<(), StoreError>;

    /// `user`'s TOTP record, if there is one.
    async fn totp(&self, user: UserId) -> Result<Option<TotpRecord>, StoreError>;

    /// Marks `user`'s record confirmed at `now` and records `step` (the step of the code that
    /// confirmed it) as used, only if it exists and is unconfirmed: one conditional write.
    /// `false` when there is no record or it was already confirmed.
    async fn confirm_totp(
        &self,
        user: UserId,
        step: u64,
        now: SystemTime,
    ) -> Result<bool, StoreError>;

    /// Records `step` as `user`'s last used step, only if the record is confirmed and its
    /// last used step is unset or before `step`: one conditional write. `true` when it
    /// wrote; `false` means refuse the code (a replay, an older step, no confirmed record).
    async fn use_totp_step(&self, user: UserId, step: u64) -> Result<bool, StoreError>;

    /// Deletes `user`'s TOTP record; `true` if there was one.
    async fn delete_totp(&self, user: UserId) -> Result<bool, StoreError>;

    /// Replaces all of `user`'s recovery codes with `hashes` (duplicates stored once), in one
    /// step: afterwards no earlier code works, and a failure leaves the earlier ones.
    async fn replace_recovery_codes(
        &self,
        user: UserId,
        hashes: &[SecretHash],
        now: SystemTime,
    ) -> Result<(), StoreError>;

    /// Uses up `user`'s unused recovery code with `hash` at `now`: `true` exactly once per
    /// code; `false` for a used code, an unknown one or another user's.
    async fn use_recovery_code(
        &self,
        user: UserId,
        hash: &SecretHash,
        now: SystemTime,
    ) -> Result<bool, StoreError>;

    /// How many of `user`'s recovery codes are unused.
    async fn recovery_codes_left(&self, user: UserId) -> Result<u32, StoreError>;

    /// Deletes all of `user`'s recovery codes, used or not; returns how many.
    async fn delete_recovery_codes(&self, user: UserId) -> Result<u64, StoreError>;
}
