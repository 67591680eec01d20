//! The hasher's `*_async` methods, which run on its hashing pool (see
//! [the hashing pool](PasswordHasher#the-hashing-pool)), and the pool's size settings.

use std::sync::{Arc, OnceLock};

use super::{Inner, PasswordHash, PasswordHasher, PasswordVerification, check_length};
use crate::password::pool::{HashPool, PoolSize};
use crate::password::{Password, PasswordError};

impl PasswordHasher {
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

#[cfg(test)]
mod tests {
    use super::super::tests::fast;
    use super::*;

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
