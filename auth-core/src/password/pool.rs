//! The hashing pool behind [`PasswordHasher`](super::PasswordHasher)'s `*_async` methods:
//! a fixed set of low-priority OS threads fed by a bounded queue.
//!
//! Why not Tokio's blocking pool: it grows to hundreds of threads, so a burst of logins
//! multiplies argon2's memory and, at normal priority, takes the CPU from the threads that
//! answer already-verified requests. Here hashing runs on `threads` threads (one per core by
//! default) that the OS schedules *below* request handling (`SCHED_IDLE` on Linux), so a
//! request thread that wakes up preempts a hash instead of waiting behind it; and a burst beyond `queue` waiting hashes is
//! refused at once ([`PasswordError::Busy`]) rather than piling latency onto everyone.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::PasswordError;
use crate::ErrorChain;

/// One unit of work: runs on a pool thread, reports through its own channel.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// How long a hash is assumed to take before the pool has timed one (argon2id at the OWASP
/// minimum takes 15–40 ms on current servers).
const INITIAL_ESTIMATE: Duration = Duration::from_millis(50);
/// Bounds of the `Retry-After` a refusal suggests.
const MIN_RETRY_AFTER: Duration = Duration::from_secs(1);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Logged once per process: a host on a platform that refuses the lower priority hears about
/// it once, not on every thread of every hasher.
static PRIORITY_WARNED: AtomicBool = AtomicBool::new(false);

/// The size of a pool: worker threads and waiting jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PoolSize {
    pub(super) threads: usize,
    pub(super) queue: usize,
}

impl PoolSize {
    /// One thread per CPU this process may use (2 if that cannot be read) and a queue of
    /// [`QUEUE_PER_THREAD`](super::PasswordHasher::QUEUE_PER_THREAD) waiting hashes per thread.
    pub(super) fn default_for_machine() -> Self {
        let threads = std::thread::available_parallelism().map_or(2, |cpus| cpus.get());
        Self {
            threads,
            queue: threads.saturating_mul(super::PasswordHasher::QUEUE_PER_THREAD),
        }
    }
}

/// Running pool. Dropping it (with the last hasher clone) closes the queue; each thread
/// finishes the jobs already queued and exits.
pub(super) struct HashPool {
    sender: SyncSender<Job>,
    size: PoolSize,
    shared: Arc<Shared>,
}

/// What the pool's threads and its handle share.
struct Shared {
    /// Smoothed duration of one job, in nanoseconds, for the `Retry-After` estimate.
    average_nanos: AtomicU64,
    /// Jobs that ran (test builds only: the tests count that a refused hash never ran).
    #[cfg(test)]
    ran: std::sync::atomic::AtomicUsize,
}

impl HashPool {
    /// Starts `size.threads` threads (at least one) at the lowest normal OS priority.
    ///
    /// # Errors
    /// [`PasswordError::Hashing`] if not a single thread could be started. If only some
    /// could, the pool runs with those (logged).
    pub(super) fn start(size: PoolSize) -> Result<Self, PasswordError> {
        let size = PoolSize {
            threads: size.threads.max(1),
            queue: size.queue.max(1),
        };
        // `sync_channel(n)` holds n waiting jobs; `try_send` refuses the next at once.
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Job>(size.queue);
        let receiver = Arc::new(Mutex::new(receiver));
        let shared = Arc::new(Shared {
            average_nanos: AtomicU64::new(duration_nanos(INITIAL_ESTIMATE)),
            #[cfg(test)]
            ran: std::sync::atomic::AtomicUsize::new(0),
        });
        let mut started = 0;
        for index in 0..size.threads {
            let receiver = Arc::clone(&receiver);
            let shared = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name(format!("auth-password-hash-{index}"))
                .spawn(move || worker(&receiver, &shared));
            match spawned {
                Ok(_) => started += 1,
                Err(error) => {
                    tracing::error!(error = %ErrorChain::new(&error), "could not start a password hashing thread");
                }
            }
        }
        if started == 0 {
            return Err(PasswordError::Hashing(
                "no password hashing thread could be started".into(),
            ));
        }
        Ok(Self {
            sender,
            size: PoolSize {
                threads: started,
                queue: size.queue,
            },
            shared,
        })
    }

    /// Queues `work` and returns its result once a pool thread has run it.
    ///
    /// # Errors
    /// [`PasswordError::Busy`] at once when `queue` jobs are already waiting (`work` is
    /// dropped unrun); [`PasswordError::Cancelled`] if the job panicked or the pool stopped.
    /// `work`'s own error otherwise. If the returned future is dropped before a thread picks
    /// the job up, the job is skipped: an abandoned login costs no hashing.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T, PasswordError>
    where
        F: FnOnce() -> Result<T, PasswordError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            if reply.is_closed() {
                return; // the caller is gone: don't spend a core on an answer nobody reads
            }
            // A closed receiver here means the caller left meanwhile; nothing to do.
            let _ = reply.send(work());
        });
        match self.sender.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                let retry_after = self.retry_after();
                tracing::warn!(
                    queue = self.size.queue,
                    retry_after_secs = retry_after.as_secs(),
                    "password hashing queue full; refusing"
                );
                return Err(PasswordError::Busy { retry_after });
            }
            Err(TrySendError::Disconnected(_)) => return Err(PasswordError::Cancelled),
        }
        result.await.unwrap_or_else(|_| {
            tracing::error!("password hashing job ended without an answer (it panicked)");
            Err(PasswordError::Cancelled)
        })
    }

    /// How long until a full queue has drained: waiting jobs × the smoothed job time ÷
    /// threads, rounded up to whole seconds (what `Retry-After` can say), within 1–60 s.
    fn retry_after(&self) -> Duration {
        let average = self.shared.average_nanos.load(Ordering::Relaxed);
        let drain_nanos = u128::from(average) * self.size.queue as u128 / self.size.threads as u128;
        let secs = drain_nanos.div_ceil(1_000_000_000);
        Duration::from_secs(u64::try_from(secs).unwrap_or(u64::MAX))
            .clamp(MIN_RETRY_AFTER, MAX_RETRY_AFTER)
    }

    /// Queues a bare job (tests occupy threads and queue slots with these).
    #[cfg(test)]
    pub(super) fn try_submit(&self, job: impl FnOnce() + Send + 'static) -> bool {
        self.sender.try_send(Box::new(job)).is_ok()
    }

    /// How many jobs a thread has picked up so far (skipped ones included).
    #[cfg(test)]
    pub(super) fn jobs_run(&self) -> usize {
        self.shared.ran.load(Ordering::SeqCst)
    }
}

impl std::fmt::Debug for HashPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashPool")
            .field("threads", &self.size.threads)
            .field("queue", &self.size.queue)
            .finish_non_exhaustive()
    }
}

/// A pool thread: lower its priority, then run jobs until the queue closes.
fn worker(receiver: &Mutex<Receiver<Job>>, shared: &Shared) {
    lower_priority();
    loop {
        // Only the waiting is under the lock; the job runs after it is released, so the
        // other threads keep taking jobs. `recv` fails once every sender is gone.
        let job = match receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv()
        {
            Ok(job) => job,
            Err(_) => return,
        };
        #[cfg(test)]
        shared.ran.fetch_add(1, Ordering::SeqCst);
        let started = Instant::now();
        // argon2 and bcrypt return errors rather than panic on bad input; this is the last
        // line of defence, so that one bad job costs its caller an error, not the pool a
        // thread. Its reply channel is dropped unanswered, which the caller sees as
        // `Cancelled`.
        if std::panic::catch_unwind(AssertUnwindSafe(job)).is_err() {
            tracing::error!("a password hashing job panicked; the pool thread carries on");
        }
        record_duration(&shared.average_nanos, started.elapsed());
    }
}

/// Moves the smoothed job time a quarter of the way towards `elapsed`.
fn record_duration(average: &AtomicU64, elapsed: Duration) {
    let sample = duration_nanos(elapsed);
    // Races between threads lose a sample at worst: this is an estimate for a header.
    let old = average.load(Ordering::Relaxed);
    let new = old - old / 4 + sample / 4;
    average.store(new, Ordering::Relaxed);
}

fn duration_nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// Puts the calling thread below request handling.
///
/// * Linux and Android: `SCHED_IDLE`. A normal thread that wakes up preempts a `SCHED_IDLE`
///   one at once (plain nice 19 only shrinks its share, and the scheduler may let it finish
///   its slice first — milliseconds of added latency for the woken request). `SCHED_IDLE`
///   threads still get every idle cycle and a small share under full load, so hashing keeps
///   moving; a machine saturated by requests fills the queue, which then answers `Busy`.
///   If the kernel refuses `SCHED_IDLE`, nice 19 is tried.
/// * Elsewhere: the lowest priority of the thread's policy (the lowest `SCHED_OTHER` priority
///   on macOS and the BSDs, `THREAD_PRIORITY_LOWEST` on Windows).
///
/// Where the OS refuses (a sandbox without these calls, an unsupported platform), the thread
/// keeps its normal priority: logged once per process at warn level, and hashing works as
/// before, only without the preemption guarantee.
fn lower_priority() {
    use thread_priority::{ThreadPriority, set_current_thread_priority};
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use thread_priority::{
            NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
            thread_native_id,
        };
        let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
        if set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle).is_ok() {
            return;
        }
    }
    if let Err(error) = set_current_thread_priority(ThreadPriority::Min)
        && !PRIORITY_WARNED.swap(true, Ordering::Relaxed)
    {
        tracing::warn!(
            ?error,
            "could not lower the priority of password hashing threads; they run at normal \
             priority, so logins may slow down other requests under load"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future as _;
    use std::sync::mpsc;

    fn pool(threads: usize, queue: usize) -> HashPool {
        HashPool::start(PoolSize { threads, queue }).expect("pool starts")
    }

    /// Occupies one pool thread until the returned sender is dropped or sent to; returns once
    /// the job is running.
    fn occupy_thread(pool: &HashPool) -> mpsc::Sender<()> {
        let (release, wait) = mpsc::channel::<()>();
        let (started, has_started) = mpsc::channel::<()>();
        assert!(pool.try_submit(move || {
            let _ = started.send(());
            let _ = wait.recv();
        }));
        has_started.recv().expect("blocking job started");
        release
    }

    // Bounded queue: a burst beyond `queue` waiting hashes is refused at once, and the refused
    // work never runs (it would otherwise be latency, and memory, for everyone queued after).
    #[tokio::test]
    async fn full_queue_refuses_at_once_and_never_runs_the_refused_job() {
        let pool = pool(1, 2);
        let release = occupy_thread(&pool);
        // Two waiting jobs fill the queue.
        let (done, finished) = mpsc::channel::<()>();
        for _ in 0..2 {
            let done = done.clone();
            assert!(pool.try_submit(move || {
                let _ = done.send(());
            }));
        }
        let refused_ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&refused_ran);
        let outcome = pool
            .run(move || {
                flag.store(true, Ordering::SeqCst);
                Ok(())
            })
            .await;
        let Err(PasswordError::Busy { retry_after }) = outcome else {
            panic!("expected Busy, got {outcome:?}");
        };
        assert!((MIN_RETRY_AFTER..=MAX_RETRY_AFTER).contains(&retry_after));
        drop(release);
        for _ in 0..2 {
            finished.recv().expect("filler ran");
        }
        // The queue drained: a new job runs, and only the blocker, the two fillers and it ran.
        assert_eq!(pool.run(|| Ok(7)).await, Ok(7));
        assert_eq!(pool.jobs_run(), 4);
        assert!(!refused_ran.load(Ordering::SeqCst), "refused job ran");
    }

    #[tokio::test]
    async fn a_job_whose_caller_left_is_skipped() {
        let pool = pool(1, 4);
        let release = occupy_thread(&pool);
        let ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let abandoned = pool.run(move || {
            flag.store(true, Ordering::SeqCst);
            Ok(())
        });
        // Poll once (queues the job), then drop the future: the client went away.
        let mut abandoned = Box::pin(abandoned);
        let waker = std::task::Waker::noop();
        let _ = abandoned
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker));
        drop(abandoned);
        drop(release);
        assert_eq!(pool.run(|| Ok(())).await, Ok(()));
        assert!(!ran.load(Ordering::SeqCst), "abandoned hash was computed");
    }

    #[tokio::test]
    async fn a_panicking_job_costs_its_caller_an_error_not_the_pool_a_thread() {
        let pool = pool(1, 4);
        let outcome: Result<(), _> = pool.run(|| panic!("boom")).await;
        assert_eq!(outcome, Err(PasswordError::Cancelled));
        // The one thread is still there.
        assert_eq!(pool.run(|| Ok("still here")).await, Ok("still here"));
    }

    #[tokio::test]
    async fn an_error_is_passed_back_and_the_pool_carries_on() {
        let pool = pool(1, 4);
        let outcome: Result<(), _> = pool.run(|| Err(PasswordError::InvalidHash)).await;
        assert_eq!(outcome, Err(PasswordError::InvalidHash));
        assert_eq!(pool.run(|| Ok(1)).await, Ok(1));
    }

    #[test]
    fn the_estimate_follows_job_times_and_stays_in_bounds() {
        let pool = pool(2, 100);
        // 100 waiting × 50 ms ÷ 2 threads = 2.5 s → 3 s.
        assert_eq!(pool.retry_after(), Duration::from_secs(3));
        for _ in 0..64 {
            record_duration(&pool.shared.average_nanos, Duration::from_secs(10));
        }
        assert_eq!(pool.retry_after(), MAX_RETRY_AFTER);
        for _ in 0..64 {
            record_duration(&pool.shared.average_nanos, Duration::ZERO);
        }
        assert_eq!(pool.retry_after(), MIN_RETRY_AFTER);
    }

    /// Linux: the calling thread's nice value and scheduling policy (fields 19 and 41 of
    /// `/proc/thread-self/stat`).
    #[cfg(target_os = "linux")]
    fn own_nice_and_policy() -> (i64, i64) {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("stat");
        // The command name (field 2) may hold spaces; count fields after its closing ')'.
        let fields: Vec<i64> = stat[stat.rfind(')').expect("comm") + 2..]
            .split(' ')
            .map(|field| field.trim().parse().unwrap_or(0))
            .collect();
        (fields[16], fields[38])
    }

    // Request threads preempt hashing: the pool's threads run under SCHED_IDLE (5), or at
    // least at a higher nice value than the caller.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn pool_threads_run_below_the_caller() {
        const SCHED_IDLE: i64 = 5;
        let pool = pool(1, 1);
        let (caller_nice, caller_policy) = own_nice_and_policy();
        assert_ne!(caller_policy, SCHED_IDLE);
        let (name, (nice, policy)) = pool
            .run(|| {
                let name = std::thread::current().name().map(str::to_owned);
                Ok((name, own_nice_and_policy()))
            })
            .await
            .expect("job ran");
        assert_eq!(name.as_deref(), Some("auth-password-hash-0"));
        assert!(
            policy == SCHED_IDLE || nice > caller_nice,
            "pool thread: policy {policy}, nice {nice}; caller nice {caller_nice}"
        );
    }

    #[test]
    fn debug_shows_the_size_only() {
        let pool = pool(3, 5);
        assert_eq!(format!("{pool:?}"), "HashPool { threads: 3, queue: 5, .. }");
    }
}
