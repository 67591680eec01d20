//! Ceremonies: the short-lived, consume-once state between the start and the finish of a
//! passkey registration, a passkey sign-in or a second-factor login step.

use std::fmt::Debug;
use std::time::SystemTime;

use async_trait::async_trait;

use super::{Ceremony, CeremonyPurpose, SecretHash, StoreError};

/// Where ceremonies wait for their finish, keyed by the SHA-256 of the token handed to the
/// client.
///
/// Put it on shared storage (a database table, Redis with a TTL) when several instances serve
/// requests: a ceremony started on one instance must finish on another. The contract:
/// * [`take_ceremony`](Self::take_ceremony) is **consume-once**: of any number of concurrent
///   calls with one id, at most one returns the ceremony (a replayed finish finds nothing),
///   and it never returns a ceremony whose `expires_at` is not after `now`;
/// * a take names the [`CeremonyPurpose`] it accepts; a ceremony of **another purpose is
///   consumed and answers `None`** (fail closed: a token presented at the wrong endpoint is
///   spent, so a probe cannot learn what it was for and then use it at the right one);
/// * an id that is already pending is a [`StoreError::Conflict`] (ids are 256 random bits, so
///   this only happens through a bug);
/// * ceremonies past `expires_at` may be dropped at any time.
///
/// `Debug` is required so services holding a `dyn CeremonyStore` can derive it; print counts,
/// never the records.
#[async_trait]
pub trait CeremonyStore: Debug + Send + Sync + 'static {
    /// Stores `ceremony` under `id`.
    async fn put_ceremony(
        &self,
        id: &SecretHash,
        ceremony: Ceremony,
        now: SystemTime,
    ) -> Result<(), StoreError>;

    /// Removes the ceremony under `id` and returns it if it is for `purpose` and unexpired at
    /// `now`. A ceremony of another purpose, or an expired one, is removed too, and answers
    /// `None`.
    async fn take_ceremony(
        &self,
        id: &SecretHash,
        purpose: CeremonyPurpose,
        now: SystemTime,
    ) -> Result<Option<Ceremony>, StoreError>;

    /// Deletes ceremonies that expired at or before `now`; returns how many.
    async fn purge_expired_ceremonies(&self, now: SystemTime) -> Result<u64, StoreError>;
}
