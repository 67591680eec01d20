//! argon2id hashing and verification, with legacy bcrypt verification for migrated users.

use std::fmt;
use std::sync::{Arc, OnceLock};

use argon2::password_hash::{PasswordHash as PhcHash, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, Version};

use super::pool::{HashPool, PoolSize};
use super::{Argon2Params, Password, PasswordError};
use crate::ErrorChain;

/// Largest password, in bytes, that [`PasswordHasher`] hashes or verifies.
///
/// Longer input is refused with [`PasswordError::TooLong`] before any hashing, so a client
/// cannot make the server hash megabytes (DoS guard). 4096 bytes is far above any policy's
/// maximum length (128 code points are at most 512 bytes).
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// Bytes of random salt in every new hash (the PHC string format's recommendation).
const SALT_BYTES: usize = 16;
/// Length of a 16-byte salt in the PHC string's unpadded base64.
const SALT_B64_LEN: usize = 22;
/// The fixed input of the dummy hash behind [`PasswordHasher::verify_dummy`]. Not a secret: the
/// result of verifying against it is always discarded.
const DUMMY_PASSWORD: &str = "auth-core dummy password: timing equaliser for unknown accounts";
/// The fixed salt of the dummy hash (it never protects a real credential).
const DUMMY_SALT: [u8; SALT_BYTES] = *b"auth-core-dummy!";

/// bcrypt prefixes verified as legacy hashes (`$2a$`, `$2b$`, `$2y$`: passlib, python bcrypt,
/// PHP). The buggy `$2x$` and the original `$2$` are refused as unsupported.
const BCRYPT_PREFIXES: [&str; 3] = ["$2a$", "$2b$", "$2y$"];
const UNSUPPORTED_BCRYPT_PREFIXES: [&str; 2] = ["$2x$", "$2$"];

/// Hashes passwords with argon2id into PHC strings and verifies them.
///
/// Cheap to clone (an `Arc` inside); build one at start-up and share it. The blocking methods
/// ([`hash`](Self::hash), [`verify`](Self::verify), [`verify_dummy`](Self::verify_dummy)) take
/// tens of milliseconds by design: from async code use the `*_async` variants, which run on
/// the hasher's own hashing pool.
///
/// # The hashing pool
///
/// The `*_async` methods never hash on the caller's thread (a Tokio worker, in a server).
/// They hand the work to a pool owned by this hasher (shared by its clones), started on the
/// first `*_async` call and stopped when the last clone is dropped:
///
/// * **Threads** — one per CPU by default ([`with_hashing_threads`](Self::with_hashing_threads)).
///   Each hash keeps one core busy, so more threads add memory (`memory_kib` apiece), not
///   throughput.
/// * **Priority** — the threads run below normal OS priority (`SCHED_IDLE` on Linux), so a
///   request thread that becomes runnable preempts a hash: logins cannot starve requests that
///   are already authenticated, and on an idle machine hashing still gets every core. Where the
///   OS refuses to lower it, the pool runs at normal priority and logs a warning once.
/// * **Queue** — at most [`QUEUE_PER_THREAD`](Self::QUEUE_PER_THREAD) × threads hashes wait
///   ([`with_queue_length`](Self::with_queue_length)). One more is refused at once with
///   [`PasswordError::Busy`], carrying an estimate of when the queue will have drained: the
///   server is saturated, and a client should retry after that delay (auth-tower answers
///   `503 Service Unavailable` with `Retry-After`). Waiting longer would only add latency for
///   every login behind it.
/// * A call whose future is dropped before a thread picks it up (the client went away) is
///   skipped without hashing.
///
/// In a **debug build** argon2 unoptimised takes about ten times as long (≈ 0.6 s a login):
/// set `[profile.dev.package.argon2] opt-level = 3` (and `blake2`, `bcrypt`, `blowfish`) in
/// your workspace's root `Cargo.toml` — the crate README shows the block.
///
/// ```
/// use auth_core::password::PasswordHasher;
///
/// # fn main() -> Result<(), auth_core::password::PasswordError> {
/// # let hasher = PasswordHasher::insecure_fast_for_tests();
/// // let hasher = PasswordHasher::default(); // argon2id m=19456 KiB, t=2, p=1
/// let mut stored = hasher.hash("correct horse battery staple")?.into_string();
///
/// let outcome = hasher.verify("correct horse battery staple", &stored)?;
/// if outcome.is_match() {
///     if outcome.needs_rehash() {
///         stored = hasher.hash("correct horse battery staple")?.into_string();
///     }
///     // … log the user in
/// }
/// # assert!(outcome.is_match() && !outcome.needs_rehash());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    params: Argon2Params,
    argon2: Argon2<'static>,
    /// Threads and queue length of the hashing pool.
    pool_size: PoolSize,
    /// The hashing pool, started by the first `*_async` call (a hasher used only from
    /// blocking code never starts threads); `Err` if no thread could be started.
    pool: OnceLock<Result<HashPool, PasswordError>>,
    /// PHC string of [`DUMMY_PASSWORD`] with these params; `None` if computing it failed.
    dummy: OnceLock<Option<String>>,
}

impl PasswordHasher {
    /// A hasher producing argon2id (v19) hashes with `params`.
    ///
    /// # Errors
    /// [`PasswordError::WeakParameters`] when `params` are below the OWASP minimum
    /// ([`Argon2Params::meets_owasp_minimum`]); [`PasswordError::InvalidParameters`] when argon2
    /// refuses them otherwise (e.g. more lanes than memory blocks allow).
    pub fn new(params: Argon2Params) -> Result<Self, PasswordError> {
        if !params.meets_owasp_minimum() {
            return Err(PasswordError::WeakParameters {
                memory_kib: params.memory_kib,
                iterations: params.iterations,
                parallelism: params.parallelism,
            });
        }
        Self::build(params)
    }

    /// A hasher with tiny argon2id parameters (m=64 KiB, t=1, p=1) that hashes in well under a
    /// millisecond, for test suites.
    ///
    /// # Security
    /// Only for tests. Hashes made with it can be brute-forced quickly. Never use it in a
    /// deployed service; a production hasher verifies such hashes fine but reports
    /// `needs_rehash`, so any that leak into a database get upgraded on the next login.
    pub fn insecure_fast_for_tests() -> Self {
        const PARAMS: Argon2Params = Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        // Evaluated at compile time: a mistake here fails the build, never a caller.
        const ARGON2_PARAMS: Params = match Params::new(
            PARAMS.memory_kib,
            PARAMS.iterations,
            PARAMS.parallelism,
            None,
        ) {
            Ok(params) => params,
            Err(_) => panic!("invalid test argon2 parameters"),
        };
        Self::from_parts(PARAMS, ARGON2_PARAMS)
    }

    fn build(params: Argon2Params) -> Result<Self, PasswordError> {
        // argon2 0.5.3 computes `p * 8` unchecked before its own range check, which overflows
        // for huge `p`; refuse those here first.
        if params.parallelism > Params::MAX_P_COST {
            return Err(PasswordError::InvalidParameters(format!(
                "parallelism must be at most {}",
                Params::MAX_P_COST
            )));
        }
        let argon2_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| PasswordError::InvalidParameters(e.to_string()))?;
        Ok(Self::from_parts(params, argon2_params))
    }

    fn from_parts(params: Argon2Params, argon2_params: Params) -> Self {
        Self {
            inner: Arc::new(Inner {
                params,
                argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, argon2_params),
                pool_size: PoolSize::default_for_machine(),
                pool: OnceLock::new(),
                dummy: OnceLock::new(),
            }),
        }
    }

    /// Waiting hashes allowed per hashing thread by default: 64, so with 2 threads 128
    /// logins may wait — about 1.5 s of work at 25 ms a hash — before new ones are refused.
    pub const QUEUE_PER_THREAD: usize = 64;

    /// Runs the `*_async` methods on `threads` hashing threads (at least 1). Defaults to the
    /// number of CPUs: more gains no throughput, since each hash keeps one core busy, and
    /// costs `memory_kib` of RAM apiece. The queue length stays as set (or its default for
    /// the machine); set it after this to scale it with `threads`.
    ///
    /// Returns a hasher with a pool of its own; existing clones keep the old one.
    pub fn with_hashing_threads(self, threads: usize) -> Self {
        let size = PoolSize {
            threads: threads.max(1),
            queue: self.inner.pool_size.queue,
        };
        self.with_pool_size(size)
    }

    /// Lets at most `queue` hashes (at least 1) wait for a hashing thread; the next
    /// `*_async` call is refused at once with [`PasswordError::Busy`]. Defaults to
    /// [`QUEUE_PER_THREAD`](Self::QUEUE_PER_THREAD) × the number of CPUs. A longer queue
    /// absorbs bigger bursts at the price of latency: each waiting hash adds a hash time ÷
    /// threads to the wait of everything behind it.
    ///
    /// Returns a hasher with a pool of its own; existing clones keep the old one.
    pub fn with_queue_length(self, queue: usize) -> Self {
        let size = PoolSize {
            threads: self.inner.pool_size.threads,
            queue: queue.max(1),
        };
        self.with_pool_size(size)
    }

    fn with_pool_size(self, pool_size: PoolSize) -> Self {
        let inner = Inner {
            params: self.inner.params,
            argon2: self.inner.argon2.clone(),
            pool_size,
            pool: OnceLock::new(),
            dummy: OnceLock::new(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Hashing threads of the pool (as configured; if the OS allowed fewer to start, the
    /// pool runs with those and logs it).
    pub fn hashing_threads(&self) -> usize {
        self.inner.pool_size.threads
    }

    /// How many hashes may wait for a thread before the next is refused with
    /// [`PasswordError::Busy`].
    pub fn queue_length(&self) -> usize {
        self.inner.pool_size.queue
    }

    /// The parameters new hashes are made with.
    pub fn params(&self) -> Argon2Params {
        self.inner.params
    }

    /// Hashes `password` with a fresh 16-byte random salt into a PHC string such as
    /// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    ///
    /// Blocks for the full cost of argon2; from async code use [`hash_async`](Self::hash_async).
    ///
    /// # Errors
    /// [`PasswordError::TooLong`] over [`MAX_PASSWORD_BYTES`] (checked first);
    /// [`PasswordError::Hashing`] if the OS random generator or argon2 fails.
    #[tracing::instrument(level = "debug", skip_all)]
    pub fn hash(&self, password: &str) -> Result<PasswordHash, PasswordError> {
        check_length(password)?;
        let mut salt = [0u8; SALT_BYTES];
        getrandom::getrandom(&mut salt).map_err(|error| {
            tracing::error!(error = %ErrorChain::new(&error), "getrandom failed while salting a password hash");
            PasswordError::Hashing("the operating system random number generator failed".into())
        })?;
        self.hash_with_salt(password, &salt)
    }

    fn hash_with_salt(&self, password: &str, salt: &[u8]) -> Result<PasswordHash, PasswordError> {
        let salt = SaltString::encode_b64(salt).map_err(hashing_error)?;
        let phc = self
            .inner
            .argon2
            .hash_password(password.as_bytes(), &salt)
            .map_err(hashing_error)?;
        Ok(PasswordHash(phc.to_string()))
    }

    /// Verifies `password` against a `stored` hash.
    ///
    /// * argon2 PHC strings (`$argon2id$…`, also argon2i/argon2d) are verified with the
    ///   parameters written in the string, so hashes made before a parameter change keep
    ///   verifying; `needs_rehash` is `true` when the variant, version, parameters, output
    ///   length or salt length differ from what [`hash`](Self::hash) produces today.
    /// * Legacy bcrypt hashes (`$2a$`, `$2b$`, `$2y$`, as written by passlib and python bcrypt)
    ///   are verified with bcrypt and always report `needs_rehash: true`. bcrypt only looks at
    ///   the first 72 bytes of a password, so for such hashes any two passwords that share
    ///   their first 72 bytes match; rehashing with argon2id on login ends that.
    ///
    /// The stored hash is trusted input (it comes from your database): its cost parameters are
    /// honoured as written.
    ///
    /// # Errors
    /// Only for problems other than a wrong password, which is `Ok(Mismatch)`:
    /// [`PasswordError::TooLong`] over [`MAX_PASSWORD_BYTES`] (checked before hashing),
    /// [`PasswordError::InvalidHash`] when `stored` is malformed, and
    /// [`PasswordError::UnsupportedHash`] when it is another algorithm.
    #[tracing::instrument(level = "debug", skip_all)]
    pub fn verify(
        &self,
        password: &str,
        stored: &str,
    ) -> Result<PasswordVerification, PasswordError> {
        check_length(password)?;
        let outcome = if is_legacy_bcrypt(stored) {
            verify_bcrypt(password, stored)
        } else {
            parse_argon2(stored).and_then(|phc| self.verify_argon2(password, &phc))
        };
        match &outcome {
            Err(error) => {
                tracing::warn!(error = %ErrorChain::new(&error), "stored password hash could not be verified")
            }
            Ok(PasswordVerification::Match { needs_rehash: true }) => {
                tracing::debug!("password verified; stored hash needs rehash");
            }
            Ok(_) => {}
        }
        outcome
    }

    fn verify_argon2(
        &self,
        password: &str,
        phc: &PhcHash<'_>,
    ) -> Result<PasswordVerification, PasswordError> {
        // `verify_password` rebuilds argon2 from the algorithm, version and params in the
        // PHC string, and compares the output in constant time.
        match self.inner.argon2.verify_password(password.as_bytes(), phc) {
            Ok(()) => Ok(PasswordVerification::Match {
                needs_rehash: self.argon2_needs_rehash(phc),
            }),
            Err(argon2::password_hash::Error::Password) => Ok(PasswordVerification::Mismatch),
            Err(_) => Err(PasswordError::InvalidHash),
        }
    }

    fn argon2_needs_rehash(&self, phc: &PhcHash<'_>) -> bool {
        let Ok(params) = Params::try_from(phc) else {
            return true;
        };
        let current = self.inner.params;
        phc.algorithm != Algorithm::Argon2id.ident()
            || phc.version != Some(Version::V0x13.into())
            || params.m_cost() != current.memory_kib
            || params.t_cost() != current.iterations
            || params.p_cost() != current.parallelism
            || phc.hash.map(|h| h.len()) != Some(Params::DEFAULT_OUTPUT_LEN)
            || phc.salt.is_none_or(|s| s.as_str().len() < SALT_B64_LEN)
    }

    /// Whether `stored` should be replaced by a fresh [`hash`](Self::hash) of the password at
    /// the next successful login: `true` for legacy bcrypt, for argon2 hashes whose variant,
    /// version, parameters, output or salt length differ from this hasher's, and for anything
    /// that cannot be parsed. Does not verify anything.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        if is_legacy_bcrypt(stored) {
            return true;
        }
        match parse_argon2(stored) {
            Ok(phc) => self.argon2_needs_rehash(&phc),
            Err(_) => true,
        }
    }

    /// Does the work of a [`verify`](Self::verify) against a dummy hash with this hasher's
    /// parameters and throws the outcome away.
    ///
    /// Call it when the account does not exist, so that "unknown user" takes as long as
    /// "wrong password" and response timing does not reveal which accounts exist. It applies
    /// the same length check as `verify`, so over-long input is refused equally fast either way.
    /// The dummy hash is computed on the first call (that call's hashing stands in for the
    /// verification, so it costs the same).
    ///
    /// # Errors
    /// [`PasswordError::TooLong`] exactly when `verify` would return it;
    /// [`PasswordError::Hashing`] if the dummy hash could not be computed.
    #[tracing::instrument(level = "debug", skip_all)]
    pub fn verify_dummy(&self, password: &str) -> Result<(), PasswordError> {
        check_length(password)?;
        let mut computed_now = false;
        let dummy = self.inner.dummy.get_or_init(|| {
            computed_now = true;
            match self.hash_with_salt(DUMMY_PASSWORD, &DUMMY_SALT) {
                Ok(hash) => Some(hash.into_string()),
                Err(error) => {
                    tracing::error!(error = %ErrorChain::new(&error), "could not compute the dummy password hash");
                    None
                }
            }
        });
        let Some(dummy) = dummy else {
            return Err(PasswordError::Hashing(
                "the dummy password hash is unavailable".into(),
            ));
        };
        if !computed_now {
            let outcome = PhcHash::new(dummy)
                .map_err(|_| PasswordError::InvalidHash)
                .and_then(|phc| self.verify_argon2(password, &phc));
            // Keep the optimiser from skipping work whose result is unused.
            std::hint::black_box(outcome).ok();
        }
        Ok(())
    }

    /// [`hash`](Self::hash) on the hasher's hashing pool, off the async executor (see
    /// [the hashing pool](Self#the-hashing-pool)). Needs no particular async runtime.
    ///
    /// # Errors
    /// As `hash` (the length is checked before the job is queued), plus
    /// [`PasswordError::Busy`] at once when the pool's queue is full and
    /// [`PasswordError::Cancelled`] if the job did not complete.
    pub async fn hash_async(&self, password: Password) -> Result<PasswordHash, PasswordError> {
        check_length(password.expose_secret())?;
        let this = self.clone();
        self.pool()?
            .run(move || this.hash(password.expose_secret()))
            .await
    }

    /// [`verify`](Self::verify) on the hasher's hashing pool, off the async executor.
    ///
    /// # Errors
    /// As `verify` (the length is checked before the job is queued), plus
    /// [`PasswordError::Busy`] at once when the pool's queue is full and
    /// [`PasswordError::Cancelled`] if the job did not complete.
    pub async fn verify_async(
        &self,
        password: Password,
        stored: String,
    ) -> Result<PasswordVerification, PasswordError> {
        check_length(password.expose_secret())?;
        let this = self.clone();
        self.pool()?
            .run(move || this.verify(password.expose_secret(), &stored))
            .await
    }

    /// [`verify_dummy`](Self::verify_dummy) on the hasher's hashing pool, off the async
    /// executor. It queues and runs exactly like [`verify_async`](Self::verify_async), so an
    /// unknown account is refused with `Busy` exactly when a known one would be.
    ///
    /// # Errors
    /// As `verify_dummy`, plus [`PasswordError::Busy`] at once when the pool's queue is full
    /// and [`PasswordError::Cancelled`] if the job did not complete.
    pub async fn verify_dummy_async(&self, password: Password) -> Result<(), PasswordError> {
        check_length(password.expose_secret())?;
        let this = self.clone();
        self.pool()?
            .run(move || this.verify_dummy(password.expose_secret()))
            .await
    }

    /// Occupies every thread of the pool and fills its queue with jobs that wait until
    /// [`Saturation::release`]; returns once all threads are busy. For tests of what a
    /// saturated hasher does (here and in the flows).
    #[cfg(test)]
    pub(crate) fn saturate_for_tests(&self) -> Saturation {
        use std::sync::mpsc;
        let pool = self.pool().expect("pool");
        let (release, wait) = mpsc::channel::<()>();
        let wait = Arc::new(std::sync::Mutex::new(wait));
        let (started, has_started) = mpsc::channel::<()>();
        let (finished, has_finished) = mpsc::channel::<()>();
        let job = || {
            let (wait, started, finished) = (Arc::clone(&wait), started.clone(), finished.clone());
            move || {
                let _ = started.send(());
                let _ = wait.lock().map(|wait| wait.recv());
                let _ = finished.send(());
            }
        };
        // One at a time until every thread holds one, so none of the queue's slots is taken
        // by a job a thread was about to pick up; then fill the queue.
        for _ in 0..self.hashing_threads() {
            assert!(pool.try_submit(job()));
            has_started.recv().expect("a blocking job started");
        }
        for _ in 0..self.queue_length() {
            assert!(pool.try_submit(job()));
        }
        Saturation {
            release,
            finished: has_finished,
            jobs: self.hashing_threads() + self.queue_length(),
        }
    }

    /// The hashing pool, started on first use.
    fn pool(&self) -> Result<&HashPool, PasswordError> {
        self.inner
            .pool
            .get_or_init(|| HashPool::start(self.inner.pool_size))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// A pool held full by [`PasswordHasher::saturate_for_tests`].
#[cfg(test)]
pub(crate) struct Saturation {
    release: std::sync::mpsc::Sender<()>,
    finished: std::sync::mpsc::Receiver<()>,
    jobs: usize,
}

#[cfg(test)]
impl Saturation {
    /// Lets the blocking jobs end and waits until all have: the queue is empty again.
    pub(crate) fn release(self) {
        drop(self.release);
        for _ in 0..self.jobs {
            self.finished.recv().expect("blocking job finished");
        }
    }
}

impl Default for PasswordHasher {
    /// argon2id with [`Argon2Params::default`] (the OWASP minimum, m=19456 KiB, t=2, p=1).
    fn default() -> Self {
        // `Params::DEFAULT` is the same m=19456, t=2, p=1 (a unit test pins this), so this
        // needs no fallible construction.
        Self::from_parts(Argon2Params::OWASP_MINIMUM, Params::DEFAULT)
    }
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("algorithm", &"argon2id")
            .field("params", &self.inner.params)
            .field("hashing_threads", &self.inner.pool_size.threads)
            .field("queue_length", &self.inner.pool_size.queue)
            .finish_non_exhaustive()
    }
}

/// The outcome of [`PasswordHasher::verify`] when the stored hash could be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[must_use = "a password verification that is not inspected authenticates nobody"]
pub enum PasswordVerification {
    /// The password is correct.
    Match {
        /// The stored hash is legacy (bcrypt) or was made with other argon2 settings than the
        /// hasher's current ones: store a fresh [`PasswordHasher::hash`] of this password.
        needs_rehash: bool,
    },
    /// The password is wrong.
    Mismatch,
}

impl PasswordVerification {
    /// `true` for [`Match`](Self::Match).
    pub fn is_match(&self) -> bool {
        matches!(self, Self::Match { .. })
    }

    /// `true` for a match whose stored hash should be replaced.
    pub fn needs_rehash(&self) -> bool {
        matches!(self, Self::Match { needs_rehash: true })
    }
}

/// A PHC-format argon2id hash produced by [`PasswordHasher::hash`], ready to store.
///
/// Not a secret, but there is no reason to spread it around: `Debug` shows only the algorithm,
/// version and parameters; `Display` and [`as_str`](Self::as_str) give the full string.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// The PHC string, e.g. `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The PHC string, by value (to store it).
    pub fn into_string(self) -> String {
        self.0
    }
}

impl AsRef<str> for PasswordHash {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<PasswordHash> for String {
    fn from(hash: PasswordHash) -> Self {
        hash.0
    }
}

impl fmt::Display for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`: show the first three fields only.
        let mut fields = self.0.split('$').skip(1);
        f.debug_struct("PasswordHash")
            .field("algorithm", &fields.next().unwrap_or_default())
            .field("version", &fields.next().unwrap_or_default())
            .field("params", &fields.next().unwrap_or_default())
            .finish_non_exhaustive()
    }
}

/// Whether `stored` is a bcrypt hash verified as legacy (`$2a$`, `$2b$`, `$2y$`).
fn is_legacy_bcrypt(stored: &str) -> bool {
    BCRYPT_PREFIXES.iter().any(|p| stored.starts_with(p))
}

/// Parses a stored hash that is not legacy bcrypt as an argon2 PHC string that is safe to
/// hand to the `argon2` crate.
fn parse_argon2(stored: &str) -> Result<PhcHash<'_>, PasswordError> {
    if UNSUPPORTED_BCRYPT_PREFIXES
        .iter()
        .any(|p| stored.starts_with(p))
    {
        return Err(PasswordError::UnsupportedHash);
    }
    let phc = PhcHash::new(stored).map_err(|_| PasswordError::InvalidHash)?;
    if Algorithm::try_from(phc.algorithm).is_err() {
        return Err(PasswordError::UnsupportedHash);
    }
    if phc.salt.is_none() || phc.hash.is_none() {
        return Err(PasswordError::InvalidHash);
    }
    // argon2 0.5.3 computes `p * 8` unchecked while reading the parameters, which overflows
    // (a panic in debug builds) for a corrupt `p`; refuse out-of-range values here first.
    let parallelism_in_range = phc.params.iter().all(|(name, value)| {
        name.as_str() != "p" || value.decimal().is_ok_and(|p| p <= Params::MAX_P_COST)
    });
    if !parallelism_in_range {
        return Err(PasswordError::InvalidHash);
    }
    Ok(phc)
}

/// Legacy bcrypt verification (bcrypt looks at the first 72 bytes only).
fn verify_bcrypt(password: &str, stored: &str) -> Result<PasswordVerification, PasswordError> {
    match bcrypt::verify(password.as_bytes(), stored) {
        Ok(true) => Ok(PasswordVerification::Match { needs_rehash: true }),
        Ok(false) => Ok(PasswordVerification::Mismatch),
        // bcrypt's errors quote the stored hash; do not pass them on.
        Err(_) => Err(PasswordError::InvalidHash),
    }
}

fn check_length(password: &str) -> Result<(), PasswordError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::TooLong {
            max_bytes: MAX_PASSWORD_BYTES,
        });
    }
    Ok(())
}

fn hashing_error(error: argon2::password_hash::Error) -> PasswordError {
    PasswordError::Hashing(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> PasswordHasher {
        PasswordHasher::insecure_fast_for_tests()
    }

    #[test]
    fn default_hasher_uses_owasp_minimum() {
        let hasher = PasswordHasher::default();
        assert_eq!(hasher.params(), Argon2Params::default());
        // `Default` relies on argon2's defaults being the OWASP minimum.
        let p = Params::DEFAULT;
        assert_eq!(
            (p.m_cost(), p.t_cost(), p.p_cost()),
            (19456, 2, 1),
            "argon2 changed its defaults"
        );
    }

    #[test]
    fn hash_produces_argon2id_phc_with_fresh_salt() {
        let h = fast();
        let a = h.hash("pw").expect("hash");
        let b = h.hash("pw").expect("hash");
        assert!(a.as_str().starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert_ne!(a, b, "salt must be fresh per hash");
        assert!(!h.needs_rehash(a.as_str()));
    }

    #[test]
    fn verify_round_trip_and_mismatch() {
        let h = fast();
        let stored = h.hash("right").expect("hash");
        assert_eq!(
            h.verify("right", stored.as_str()),
            Ok(PasswordVerification::Match {
                needs_rehash: false
            })
        );
        assert_eq!(
            h.verify("wrong", stored.as_str()),
            Ok(PasswordVerification::Mismatch)
        );
    }

    #[test]
    fn stored_hash_classification() {
        let h = fast();
        for garbage in [
            "",
            "garbage",
            "$argon2id$",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdA",
        ] {
            assert_eq!(
                h.verify("pw", garbage),
                Err(PasswordError::InvalidHash),
                "{garbage:?}"
            );
        }
        for other in [
            "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
            "$2x$04$4eztADlzKznydbL/FMrN7.1oRqPGwjfCszkYl.8UMCmkSw9.1fRdW",
        ] {
            assert_eq!(h.verify("pw", other), Err(PasswordError::UnsupportedHash));
        }
        // Regression: argon2 0.5.3 overflows computing `p * 8` for a huge stored `p`.
        let huge_p = "$argon2id$v=19$m=64,t=1,p=4294967295$c2FsdHNhbHQ$\
                      tzq8ohl7j3Ymz4i5fW2Rm0SIYcA1S0IWCjRFYIjB+dk";
        assert_eq!(h.verify("pw", huge_p), Err(PasswordError::InvalidHash));
        assert!(h.needs_rehash(huge_p));
        // A corrupt bcrypt hash is malformed, and the error does not quote it.
        let err = h.verify("pw", "$2b$04$short").unwrap_err();
        assert_eq!(err, PasswordError::InvalidHash);
        assert!(!err.to_string().contains("short"));
    }

    #[test]
    fn argon2i_hash_verifies_and_needs_rehash() {
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(64, 1, 1, None).expect("params"),
        );
        let salt = SaltString::encode_b64(&[7u8; 16]).expect("salt");
        let stored = argon2i
            .hash_password(b"pw", &salt)
            .expect("hash")
            .to_string();
        assert_eq!(
            fast().verify("pw", &stored),
            Ok(PasswordVerification::Match { needs_rehash: true })
        );
    }

    #[test]
    fn short_salt_needs_rehash() {
        let argon2 = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(64, 1, 1, None).expect("params"),
        );
        let salt = SaltString::encode_b64(&[7u8; 8]).expect("salt");
        let stored = argon2
            .hash_password(b"pw", &salt)
            .expect("hash")
            .to_string();
        assert!(fast().needs_rehash(&stored));
    }

    #[test]
    fn length_cap_is_checked_before_hashing() {
        let h = fast();
        let at_cap = "a".repeat(MAX_PASSWORD_BYTES);
        assert!(h.hash(&at_cap).is_ok());
        let over = "a".repeat(MAX_PASSWORD_BYTES + 1);
        let too_long = Err(PasswordError::TooLong {
            max_bytes: MAX_PASSWORD_BYTES,
        });
        assert_eq!(h.hash(&over).map(|_| ()), too_long);
        // Even against a garbage hash: the length is checked first.
        assert_eq!(h.verify(&over, "garbage").map(|_| ()), too_long);
        assert_eq!(h.verify_dummy(&over), too_long);
    }

    #[test]
    fn verify_dummy_computes_once_and_succeeds() {
        let h = fast();
        assert_eq!(h.verify_dummy("anything"), Ok(()));
        assert_eq!(h.verify_dummy("anything else"), Ok(()));
        let dummy = h
            .inner
            .dummy
            .get()
            .cloned()
            .flatten()
            .expect("dummy computed");
        assert!(dummy.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(
            !h.needs_rehash(&dummy),
            "dummy must cost what a real hash costs"
        );
    }

    #[test]
    fn debug_output_is_short() {
        let h = fast();
        let stored = h.hash("pw").expect("hash");
        let dbg = format!("{stored:?}");
        assert_eq!(
            dbg,
            r#"PasswordHash { algorithm: "argon2id", version: "v=19", params: "m=64,t=1,p=1", .. }"#
        );
        assert_eq!(stored.to_string(), stored.as_str());
        assert!(format!("{h:?}").contains("memory_kib: 64"));
    }

    #[test]
    fn verification_helpers() {
        let m = PasswordVerification::Match { needs_rehash: true };
        assert!(m.is_match() && m.needs_rehash());
        assert!(!PasswordVerification::Mismatch.is_match());
        assert!(!PasswordVerification::Mismatch.needs_rehash());
    }

    // Issue 14: a login burst must not queue without bound behind the hashing threads (every
    // login's latency grows, and so does memory). A full queue refuses at once — and the
    // refused login is never hashed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn full_queue_answers_busy_at_once_without_hashing() {
        let h = fast().with_hashing_threads(1).with_queue_length(2);
        let stored = h.hash("pw").expect("hash").into_string();
        let release = h.saturate_for_tests();
        let before = h.pool().expect("pool").jobs_run();
        for _ in 0..3 {
            let outcome = h.verify_async(Password::from("pw"), stored.clone()).await;
            assert!(
                matches!(outcome, Err(PasswordError::Busy { retry_after }) if retry_after.as_secs() >= 1),
                "{outcome:?}"
            );
            assert!(matches!(
                h.verify_dummy_async(Password::from("pw")).await,
                Err(PasswordError::Busy { .. })
            ));
            assert!(matches!(
                h.hash_async(Password::from("pw")).await,
                Err(PasswordError::Busy { .. })
            ));
        }
        release.release();
        // The queue drains and hashing works again; the 9 refusals never reached a thread:
        // only the 3 blocking jobs and this one ran.
        let outcome = h.verify_async(Password::from("pw"), stored).await;
        assert!(outcome.expect("verified").is_match());
        assert_eq!(h.pool().expect("pool").jobs_run(), before + 2 + 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_hashes_all_complete() {
        let h = fast().with_hashing_threads(2).with_queue_length(64);
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..48 {
            let h = h.clone();
            tasks.spawn(async move {
                let password = format!("password {i}");
                let stored = h.hash_async(Password::from(password.as_str())).await?;
                let outcome = h
                    .verify_async(Password::from(password.as_str()), stored.into_string())
                    .await?;
                Ok::<_, PasswordError>(outcome.is_match())
            });
        }
        let mut matched = 0;
        while let Some(joined) = tasks.join_next().await {
            assert_eq!(joined.expect("task"), Ok(true));
            matched += 1;
        }
        assert_eq!(matched, 48);
    }

    // Login never hashes on a Tokio worker: the work runs on the pool's named threads.
    #[tokio::test(flavor = "current_thread")]
    async fn async_hashing_runs_on_the_pool_not_the_caller() {
        let h = fast();
        let caller = std::thread::current().id();
        let stored = h.hash("pw").expect("hash").into_string();
        let pool = h.pool().expect("pool");
        let on = pool
            .run(|| {
                Ok((
                    std::thread::current().id(),
                    std::thread::current().name().map(str::to_owned),
                ))
            })
            .await
            .expect("ran");
        assert_ne!(on.0, caller);
        assert!(on.1.is_some_and(|name| name.starts_with("auth-password-hash-")));
        assert!(
            h.verify_async(Password::from("pw"), stored)
                .await
                .expect("verify")
                .is_match()
        );
    }

    #[tokio::test]
    async fn a_malformed_hash_is_an_error_and_the_pool_carries_on() {
        let h = fast().with_hashing_threads(1);
        for _ in 0..3 {
            assert_eq!(
                h.verify_async(Password::from("pw"), "garbage".into()).await,
                Err(PasswordError::InvalidHash)
            );
        }
        let stored = h.hash_async(Password::from("pw")).await.expect("hash");
        assert!(
            h.verify_async(Password::from("pw"), stored.into_string())
                .await
                .expect("verify")
                .is_match()
        );
    }

    #[test]
    fn pool_size_is_configurable_and_at_least_one() {
        let h = fast().with_hashing_threads(3).with_queue_length(7);
        assert_eq!((h.hashing_threads(), h.queue_length()), (3, 7));
        let h = h.with_hashing_threads(0).with_queue_length(0);
        assert_eq!((h.hashing_threads(), h.queue_length()), (1, 1));
        let default = PasswordHasher::default();
        assert_eq!(
            default.queue_length(),
            default.hashing_threads() * PasswordHasher::QUEUE_PER_THREAD
        );
        let dbg = format!("{:?}", fast().with_hashing_threads(2).with_queue_length(5));
        assert!(dbg.contains("hashing_threads: 2, queue_length: 5"), "{dbg}");
    }

    #[test]
    fn async_hashing_needs_no_tokio_runtime() {
        // The pool is plain threads and a oneshot channel: any executor (here, none but a
        // parking loop) can drive it.
        let h = fast();
        let stored = block_on(h.hash_async(Password::from("pw"))).expect("hash");
        assert!(
            block_on(h.verify_async(Password::from("pw"), stored.into_string()))
                .expect("verify")
                .is_match()
        );
    }

    /// A minimal executor: polls `fut`, parking the thread until its waker is called.
    fn block_on<F: std::future::Future>(fut: F) -> F::Output {
        struct Unpark(std::thread::Thread);
        impl std::task::Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = std::task::Context::from_waker(&waker);
        let mut fut = std::pin::pin!(fut);
        loop {
            match fut.as_mut().poll(&mut cx) {
                std::task::Poll::Ready(out) => return out,
                std::task::Poll::Pending => std::thread::park(),
            }
        }
    }
}
