//! Starting an example binary as a child process, on a free loopback port with a temporary
//! SQLite file, and waiting for it — with bounded timeouts, never sleeps on a guess.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a server may take from spawn to "listening" (debug builds, migrations).
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory whose name starts with `prefix`.
    pub fn new(prefix: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "{prefix}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create a temp dir");
        Self(path)
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The environment every example process gets: nothing inherited (so a developer's own
/// `DATABASE_URL` or provider variables cannot leak in), a temp SQLite file, port 0 (the OS
/// picks a free one), and the generated development key kept in the temp dir.
fn base_command(bin: &str, dir: &Path) -> Command {
    let mut command = Command::new(bin);
    command
        .env_clear()
        .current_dir(dir)
        .env("RUST_LOG", "info")
        .env("PORT", "0")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("app.db").display()),
        )
        .env("JWT_DEV_KEY_FILE", dir.join("dev-key"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// A running example binary, killed on drop.
#[derive(Debug)]
pub struct ExampleServer {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The temp dir with the SQLite file and the development key.
    pub dir: Arc<TempDir>,
    logs: Arc<Mutex<Vec<String>>>,
}

impl ExampleServer {
    /// Starts `bin` with the base environment (no inherited variables, `PORT=0`, a temp
    /// SQLite file and development-key file) plus `env`, in a new temp dir.
    pub fn start(bin: &str, env: &[(&str, &str)]) -> Self {
        Self::start_in(bin, Arc::new(TempDir::new("example-e2e")), env)
    }

    /// Starts `bin` in `dir` (reusing its database and key).
    pub fn start_in(bin: &str, dir: Arc<TempDir>, env: &[(&str, &str)]) -> Self {
        let mut command = base_command(bin, dir.path());
        command.envs(env.iter().copied());
        let mut child = command.spawn().expect("spawn the example binary");
        let stderr = child.stderr.take().expect("piped stderr");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (lines, received) = mpsc::channel();
        {
            let logs = logs.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    logs.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(line.clone());
                    let _ = lines.send(line);
                }
            });
        }
        let deadline = Instant::now() + START_TIMEOUT;
        let base_url = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match received.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = listening_url(&line) {
                        break url;
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "{bin} did not start within {START_TIMEOUT:?}; its log:\n{}",
                        logs.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .join("\n")
                    );
                }
            }
        };
        Self {
            child,
            base_url,
            dir,
            logs,
        }
    }

    /// Everything the server logged so far.
    pub fn logs(&self) -> String {
        self.logs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .join("\n")
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The `DATABASE_URL` this server uses.
    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("app.db").display())
    }
}

impl Drop for ExampleServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The URL in the "listening on http://127.0.0.1:PORT" line.
fn listening_url(line: &str) -> Option<String> {
    let rest = line.split_once("listening on http://")?.1;
    let addr: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
        .collect();
    addr.contains(':').then(|| format!("http://{addr}"))
}

/// Says why a test is skipped, straight to the process's stderr: the test harness captures
/// `eprintln!` of passing tests, and a skip must be visible in CI's log.
pub fn skip_notice(message: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// What a process that ran to its end left.
#[derive(Debug)]
pub struct Finished {
    /// Its exit status.
    pub status: ExitStatus,
    /// Everything it wrote to stderr.
    pub stderr: String,
}

/// Runs `bin args…` in `dir` with the base environment plus `env`, to its exit (killed after
/// [`START_TIMEOUT`]; a server that starts when it should have refused fails the test).
pub fn run_to_exit(bin: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Finished {
    let mut command = base_command(bin, dir);
    command.args(args).envs(env.iter().copied());
    let mut child = command.spawn().expect("spawn the example binary");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let deadline = Instant::now() + START_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{bin} {args:?} did not exit within {START_TIMEOUT:?}; its log:\n{}",
                reader.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Finished {
        status,
        stderr: reader.join().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::listening_url;

    #[test]
    fn finds_the_url_in_the_log_line() {
        let line = "2026-11-21T13:00:00Z  INFO axum_app: axum-app listening on http://127.0.0.1:41234 — open it";
        assert_eq!(
            listening_url(line).as_deref(),
            Some("http://127.0.0.1:41234")
        );
        assert_eq!(listening_url("nothing here"), None);
    }
}
