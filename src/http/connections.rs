//! The operations server's accept loop (SPEC §13): every connection gets a header-read
//! timeout, and at most [`MAX_CONNECTIONS`] are held. At the cap, the oldest idle connection
//! makes room for the new one, so that a liveness probe is answered however many idle or
//! half-open connections pile up.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper::service::{Service, service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use super::{HEADER_READ_TIMEOUT, MAX_CONNECTIONS, OPS_CONNECTIONS_CLOSED_TOTAL};

/// How long shutdown waits for requests in flight; above the `/readyz` database probe bound
/// (2 s), so a probe that started before shutdown still gets its answer.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// After an accept error other than a vanished peer (typically EMFILE), the pause before the
/// next try, so that a process out of descriptors does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// Accepts until `shutdown` resolves, then lets requests in flight finish (for up to
/// [`SHUTDOWN_GRACE`]) and closes every connection.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let registry = Arc::new(Registry::new(MAX_CONNECTIONS));
    let (stop, stopping) = watch::channel(false);
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => match registry.admit() {
                    Some(held) => {
                        tasks.spawn(serve_one(stream, router.clone(), held, stopping.clone()));
                    }
                    None => {
                        metrics::counter!(OPS_CONNECTIONS_CLOSED_TOTAL, "reason" => "refused")
                            .increment(1);
                        drop(stream);
                    }
                },
                Err(e) if is_peer_gone(&e) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "operations server: cannot accept a connection");
                    // Out of descriptors, most likely: an idle connection gives one back.
                    registry.evict_one_idle();
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                }
            },
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = tasks.len(),
            "operations server: connections still open at the shutdown bound; closing them"
        );
    }
    // Dropping the set aborts what is left.
}

/// The accept errors that concern one connection only, not the listener.
fn is_peer_gone(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused
    )
}

async fn serve_one(
    stream: TcpStream,
    router: Router,
    held: Held,
    mut stopping: watch::Receiver<bool>,
) {
    // Small answers: send them without waiting for Nagle.
    let _ = stream.set_nodelay(true);
    let routes = TowerToHyperService::new(router);
    let slot = held.slot.clone();
    let service = service_fn(move |request| {
        let busy = slot.request_started();
        let response = routes.call(request);
        async move {
            let response = response.await;
            drop(busy);
            response
        }
    });
    let mut builder = http1::Builder::new();
    // Hyper restarts this timer whenever it waits for a request head, so an idle keep-alive
    // connection is closed after it too.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        // Dropping the connection closes the socket.
        () = held.slot.evicted.notified() => return,
        () = async {
            let _ = stopping.wait_for(|stop| *stop).await;
        } => {
            // Only a request being answered is worth waiting for; hyper would otherwise wait
            // for the rest of a half-sent head.
            if held.slot.is_idle() {
                return;
            }
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    match result {
        Ok(()) => {}
        Err(e) if e.is_timeout() => {
            metrics::counter!(OPS_CONNECTIONS_CLOSED_TOTAL, "reason" => "header_timeout")
                .increment(1);
        }
        Err(e) => tracing::debug!(error = %e, "operations server: connection ended"),
    }
}

/// The connections the server holds, oldest first, and the cap on them.
struct Registry {
    cap: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    /// Keyed by admission order, so the first entry is the oldest.
    held: BTreeMap<u64, Arc<Slot>>,
}

/// One held connection, as the registry sees it.
#[derive(Default)]
struct Slot {
    /// Set when the first complete request head arrived (the service was called).
    served: AtomicBool,
    /// Requests being answered now (0 or 1 on HTTP/1, but counted to be safe).
    in_flight: AtomicUsize,
    /// Woken when the registry closed this connection to make room.
    evicted: Notify,
}

impl Slot {
    fn request_started(self: &Arc<Self>) -> Busy {
        self.served.store(true, Ordering::Release);
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(self.clone())
    }

    fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }
}

/// A request being answered on a connection; while it lives the connection is not evicted.
struct Busy(Arc<Slot>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A connection's place in the registry, given back on drop.
struct Held {
    id: u64,
    slot: Arc<Slot>,
    registry: Arc<Registry>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.registry.lock().held.remove(&self.id);
    }
}

impl Registry {
    fn new(cap: usize) -> Self {
        Registry {
            cap,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every update is a single insert or remove, so the map is consistent after a panic.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new connection; at the cap, the oldest idle connection is closed to make
    /// one. `None` when every held connection is answering a request.
    fn admit(self: &Arc<Self>) -> Option<Held> {
        let mut inner = self.lock();
        if inner.held.len() >= self.cap && !Self::evict_locked(&mut inner) {
            return None;
        }
        let id = inner.next_id;
        inner.next_id += 1;
        let slot = Arc::new(Slot::default());
        inner.held.insert(id, slot.clone());
        Some(Held {
            id,
            slot,
            registry: self.clone(),
        })
    }

    /// Closes the oldest idle connection, if any.
    fn evict_one_idle(&self) {
        Self::evict_locked(&mut self.lock());
    }

    /// Prefers a connection that never sent a complete request head (half-open, slowloris)
    /// over a keep-alive one waiting for its next request.
    fn evict_locked(inner: &mut Inner) -> bool {
        let victim = inner
            .held
            .iter()
            .find(|(_, s)| s.is_idle() && !s.served.load(Ordering::Acquire))
            .or_else(|| inner.held.iter().find(|(_, s)| s.is_idle()))
            .map(|(id, _)| *id);
        let Some(slot) = victim.and_then(|id| inner.held.remove(&id)) else {
            return false;
        };
        // Stores a permit if the connection's task is not waiting yet.
        slot.evicted.notify_one();
        metrics::counter!(OPS_CONNECTIONS_CLOSED_TOTAL, "reason" => "evicted").increment(1);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held_ids(registry: &Registry) -> Vec<u64> {
        registry.lock().held.keys().copied().collect()
    }

    #[test]
    fn at_the_cap_the_oldest_half_open_connection_goes_first() {
        let registry = Arc::new(Registry::new(3));
        let keep_alive = registry.admit().expect("room");
        drop(keep_alive.slot.request_started());
        let half_open = registry.admit().expect("room");
        let busy = registry.admit().expect("room");
        let _request = busy.slot.request_started();

        let newcomer = registry.admit().expect("the half-open one makes room");
        assert_eq!(held_ids(&registry), [keep_alive.id, busy.id, newcomer.id]);
        drop(newcomer.slot.request_started());
        let newest = registry.admit().expect("then the idle keep-alive one");
        assert_eq!(held_ids(&registry), [busy.id, newcomer.id, newest.id]);
        drop(half_open);
        drop(keep_alive);
        assert_eq!(
            held_ids(&registry).len(),
            3,
            "evicted places were already given back"
        );
    }

    #[test]
    fn when_every_connection_is_busy_the_new_one_is_refused() {
        let registry = Arc::new(Registry::new(2));
        let a = registry.admit().expect("room");
        let b = registry.admit().expect("room");
        let _ra = a.slot.request_started();
        let rb = b.slot.request_started();
        assert!(registry.admit().is_none());
        drop(rb);
        assert!(registry.admit().is_some(), "b is idle again");
    }
}
