//! [`OutageProxy`]: a loopback TCP proxy in front of a database (or any TCP service) that a
//! test can cut and restore, to check that a store answers an outage quickly with
//! [`StoreError::Unavailable`](crate::store::StoreError::Unavailable) and works again
//! afterwards — without touching the real server, which other tests keep using.

use std::io;
use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A loopback TCP proxy to `upstream` that can be taken down — every live connection closed,
/// new ones refused (connection refused: nothing listens) — and brought back on the same
/// port, as a database restart looks to its clients.
///
/// Point the store at [`OutageProxy::url_for`] of its URL. Needs a Tokio runtime with the
/// `net` driver (the default multi-thread runtime of `#[tokio::test]`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use auth_core::testkit::OutageProxy;
///
/// let mut proxy = OutageProxy::start("127.0.0.1:5432".parse().unwrap()).await?;
/// let url = OutageProxy::url_for("postgres://app@127.0.0.1:5432/test", proxy.addr());
/// assert_eq!(url, format!("postgres://app@{}/test", proxy.addr()));
/// proxy.take_down().await; // refuses and resets connections
/// proxy.bring_back().await?; // the same port again
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct OutageProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    up: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl OutageProxy {
    /// Starts a proxy on a free loopback port, forwarding to `upstream`.
    ///
    /// # Errors
    ///
    /// The I/O error of binding the port.
    pub async fn start(upstream: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (up, _) = watch::channel(true);
        let mut proxy = Self {
            addr,
            upstream,
            up,
            task: None,
        };
        proxy.task = Some(proxy.serve(listener));
        Ok(proxy)
    }

    /// The proxy's own address (`127.0.0.1:<port>`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the proxy is currently forwarding.
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    fn serve(&self, listener: TcpListener) -> JoinHandle<()> {
        let upstream = self.upstream;
        let up = self.up.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut down = up.subscribe();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut client, mut server) = (client, server);
                    // Dropping both streams when the proxy goes down is what the client sees
                    // as the server vanishing mid-connection.
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = down.wait_for(|up| !*up) => {}
                    }
                });
            }
        })
    }

    /// Closes every connection and stops listening, so new connections are refused.
    pub async fn take_down(&mut self) {
        self.up.send_replace(false);
        if let Some(task) = self.task.take() {
            task.abort();
            // The listener is dropped with the task: wait for it, so the port is free for
            // `bring_back` and refuses connections meanwhile.
            task.await.ok();
        }
    }

    /// Listens again on the same port and forwards new connections.
    ///
    /// # Errors
    ///
    /// The I/O error of binding the port again (another process took it meanwhile).
    pub async fn bring_back(&mut self) -> io::Result<()> {
        if self.task.is_some() {
            return Ok(());
        }
        self.up.send_replace(true);
        let listener = TcpListener::bind(self.addr).await?;
        self.task = Some(self.serve(listener));
        Ok(())
    }

    /// `url` (`scheme://[user[:password]@]IP:port/…`) with its `IP:port` replaced by `addr`.
    /// The host must be a literal IP address (as in `127.0.0.1:5432`); URLs without a port
    /// or with a host name are returned unchanged.
    pub fn url_for(url: &str, addr: SocketAddr) -> String {
        match upstream_of(url) {
            Some(upstream) => url.replacen(&upstream.to_string(), &addr.to_string(), 1),
            None => url.to_owned(),
        }
    }
}

impl Drop for OutageProxy {
    fn drop(&mut self) {
        self.up.send_replace(false);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The `IP:port` a URL of the form `scheme://[user[:password]@]IP:port/…` points at, or
/// `None` when it has no literal IP and port.
pub fn upstream_of(url: &str) -> Option<SocketAddr> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    host.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redirected_only_when_they_name_an_ip_and_port() {
        let at: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        assert_eq!(
            OutageProxy::url_for("mysql://root:pw@127.0.0.1:3306/test?ssl=false", at),
            "mysql://root:pw@127.0.0.1:40000/test?ssl=false"
        );
        assert_eq!(
            upstream_of("redis://127.0.0.1:6379"),
            Some("127.0.0.1:6379".parse().unwrap())
        );
        assert_eq!(upstream_of("postgres://db.internal/app"), None);
        assert_eq!(
            OutageProxy::url_for("postgres://db.internal/app", at),
            "postgres://db.internal/app"
        );
    }
}
