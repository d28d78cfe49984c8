//! A TCP proxy that can be frozen: "the database is reachable but silent".
//!
//! While thawed it forwards bytes both ways on every connection. [`FreezableProxy::freeze`] stops
//! all forwarding, on connections already open and on new ones (which are still accepted), and
//! closes nothing: a client sees a connection that is open and never answers, as with a hung
//! PostgreSQL server or a network path that black-holes packets. [`FreezableProxy::thaw`] resumes
//! forwarding; bytes that waited in the sockets meanwhile flow then.
//!
//! Bytes are pumped by hand, one task per direction, and each pump waits for "thawed" both before
//! reading and before writing; so a chunk read just before a freeze is held, not sent. While
//! frozen nothing is read, so what the client sends waits in the kernel's socket buffers.
//! A new connection accepted while frozen connects upstream only once thawed.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::postgres::TestDatabase;

/// Handle to a running proxy. Dropping it closes the listener and every proxied connection.
pub struct FreezableProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    frozen: watch::Sender<bool>,
    counts: Arc<Counts>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct Counts {
    accepted: AtomicUsize,
    open: AtomicUsize,
}

impl FreezableProxy {
    /// Listens on `127.0.0.1:0` (see [`addr`](Self::addr)) and forwards every connection to
    /// `upstream`, on the current runtime. Starts thawed.
    pub async fn start(upstream: SocketAddr) -> FreezableProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy listener");
        let addr = listener
            .local_addr()
            .expect("proxy listener has an address");
        let frozen = watch::Sender::new(false);
        let counts = Arc::new(Counts::default());
        let task = tokio::spawn(accept_loop(
            listener,
            upstream,
            frozen.subscribe(),
            Arc::clone(&counts),
        ));
        FreezableProxy {
            addr,
            upstream,
            frozen,
            counts,
            task,
        }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where connections are forwarded to.
    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }

    /// From now on no byte is forwarded in either direction, on any connection, existing or
    /// new; connections stay open and new ones are still accepted.
    pub fn freeze(&self) {
        self.frozen.send_replace(true);
    }

    /// Forwarding resumes on every connection.
    pub fn thaw(&self) {
        self.frozen.send_replace(false);
    }

    pub fn is_frozen(&self) -> bool {
        *self.frozen.borrow()
    }

    /// Client connections accepted so far (open or closed since).
    pub fn connection_count(&self) -> usize {
        self.counts.accepted.load(Ordering::SeqCst)
    }

    /// Client connections currently open through the proxy.
    pub fn open_connections(&self) -> usize {
        self.counts.open.load(Ordering::SeqCst)
    }

    /// `url` (a `postgres://user@host:port/db?params` URL) with its host and port replaced by
    /// the proxy's; user, password, database and parameters are kept.
    pub fn url_for(&self, url: &str) -> String {
        url_through(url, self.addr)
    }
}

impl Drop for FreezableProxy {
    fn drop(&mut self) {
        // The accept loop owns the connection tasks (a `JoinSet`), so they end with it.
        self.task.abort();
    }
}

impl TestDatabase {
    /// The server this database lives on, resolved from [`url`](Self::url).
    pub fn server_addr(&self) -> SocketAddr {
        upstream_of(&self.url)
    }

    /// [`url`](Self::url) through `proxy` (which should forward to
    /// [`server_addr`](Self::server_addr)).
    pub fn url_via(&self, proxy: &FreezableProxy) -> String {
        proxy.url_for(&self.url)
    }
}

/// The socket address a `postgres://` URL points at (port 5432 when it names none).
///
/// # Panics
/// If the URL does not parse, has no host, or the host does not resolve.
pub fn upstream_of(url: &str) -> SocketAddr {
    let parsed = url::Url::parse(url).unwrap_or_else(|e| panic!("not a URL ({e})"));
    let host = parsed.host_str().expect("the database URL names a host");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = parsed.port().unwrap_or(5432);
    (host, port)
        .to_socket_addrs()
        .expect("the database host resolves")
        .next()
        .expect("the database host has an address")
}

/// `url` with its host and port replaced by `proxy`.
pub fn url_through(url: &str, proxy: SocketAddr) -> String {
    let mut parsed = url::Url::parse(url).unwrap_or_else(|e| panic!("not a URL ({e})"));
    parsed
        .set_host(Some(&proxy.ip().to_string()))
        .expect("a URL with a host takes another");
    parsed
        .set_port(Some(proxy.port()))
        .expect("a URL with a host takes a port");
    parsed.to_string()
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    frozen: watch::Receiver<bool>,
    counts: Arc<Counts>,
) {
    let mut connections = JoinSet::new();
    loop {
        // Reap finished connections so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
        let Ok((client, _)) = listener.accept().await else {
            // e.g. out of file descriptors: do not spin.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let _ = client.set_nodelay(true);
        counts.accepted.fetch_add(1, Ordering::SeqCst);
        counts.open.fetch_add(1, Ordering::SeqCst);
        let guard = OpenGuard(Arc::clone(&counts));
        connections.spawn(proxy_connection(client, upstream, frozen.clone(), guard));
    }
}

/// Counts a connection as open until dropped (also when its task is aborted).
struct OpenGuard(Arc<Counts>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn proxy_connection(
    client: TcpStream,
    upstream: SocketAddr,
    mut frozen: watch::Receiver<bool>,
    _open: OpenGuard,
) {
    // Held silent while frozen: connect upstream only when forwarding is allowed.
    if !wait_thawed(&mut frozen).await {
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return; // dropping `client` closes it, as a refused upstream would look through a proxy
    };
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    // Both directions in this one task, so aborting it (dropping the proxy) closes both sockets.
    // Each runs until its side has finished sending; an error on one ends both.
    let up = pump(client_read, server_write, frozen.clone());
    let down = pump(server_read, client_write, frozen);
    tokio::pin!(up, down);
    tokio::select! {
        clean = &mut up => if clean { down.await; },
        clean = &mut down => if clean { up.await; },
    }
}

/// Copies `from` to `to` while thawed. `true` at a clean end of stream (after passing on the
/// half-close), `false` on an error.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut frozen: watch::Receiver<bool>,
) -> bool {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if !wait_thawed(&mut frozen).await {
            return false;
        }
        let n = match from.read(&mut buf).await {
            Ok(0) => {
                let _ = to.shutdown().await;
                return true;
            }
            Ok(n) => n,
            Err(_) => return false,
        };
        // A freeze that came while reading holds these bytes too.
        if !wait_thawed(&mut frozen).await {
            return false;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return false;
        }
    }
}

/// Waits until the proxy is thawed; `false` if the proxy is gone.
async fn wait_thawed(frozen: &mut watch::Receiver<bool>) -> bool {
    frozen.wait_for(|f| !*f).await.is_ok()
}
