//! The accept loop of both listeners, the operations server and `POST /interactions`: every
//! connection gets a deadline for its request head and one for its body, a body over
//! [`MAX_BODY`] is refused before it is read, and at most [`MAX_CONNECTIONS`] are held. At the
//! cap, the oldest connection that is not being answered (half-open, trickling a body, or idle
//! between requests) makes room for the new one, so a liveness probe or a real delivery from
//! Discord is answered however many slow clients pile up.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{Service, service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use super::{
    BODY_DEADLINE, HEADER_READ_TIMEOUT, MAX_BODY, MAX_CONNECTIONS, OPS_CONNECTIONS_CLOSED_TOTAL,
};

/// How long shutdown waits for requests in flight; above the `/readyz` database probe bound
/// (2 s), so a probe that started before shutdown still gets its answer.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// After an accept error other than a vanished peer (typically EMFILE), the pause before the
/// next try, so that a process out of descriptors does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// Which listener a connection came to: the `listener` label of the connections it closes, so
/// that an alert says which port to look at (the private operations port, or the public
/// interactions endpoint behind an ingress).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Listener {
    Operations,
    Interactions,
}

impl Listener {
    fn label(self) -> &'static str {
        match self {
            Listener::Operations => "ops",
            Listener::Interactions => "interactions",
        }
    }

    fn count_closed(self, reason: &'static str) {
        metrics::counter!(OPS_CONNECTIONS_CLOSED_TOTAL, "listener" => self.label(), "reason" => reason)
            .increment(1);
    }
}

/// Accepts until `shutdown` resolves, then lets requests in flight finish (for up to
/// [`SHUTDOWN_GRACE`]) and closes every connection.
pub(crate) async fn serve(
    listener: TcpListener,
    which: Listener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let registry = Arc::new(Registry::new(MAX_CONNECTIONS, which));
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
                        tasks.spawn(serve_one(stream, which, router.clone(), held, stopping.clone()));
                    }
                    None => {
                        which.count_closed("refused");
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

/// The request with its whole body read, or the answer that refuses it: `413` for a body over
/// [`MAX_BODY`] (an announced length before anything is read), `408` for one that did not
/// arrive within [`BODY_DEADLINE`]. Either way the connection is closed after the answer.
async fn read_body(
    request: Request<Incoming>,
    which: Listener,
) -> Result<Request<Body>, Response<Body>> {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(refusal(StatusCode::PAYLOAD_TOO_LARGE, "body too large\n"));
    }
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(BODY_DEADLINE, Limited::new(body, MAX_BODY).collect()).await;
    match read {
        Ok(Ok(collected)) => Ok(Request::from_parts(parts, Body::from(collected.to_bytes()))),
        Ok(Err(e)) if e.is::<LengthLimitError>() => {
            Err(refusal(StatusCode::PAYLOAD_TOO_LARGE, "body too large\n"))
        }
        Ok(Err(_)) => Err(refusal(StatusCode::BAD_REQUEST, "unreadable body\n")),
        Err(_) => {
            which.count_closed("body_timeout");
            Err(refusal(
                StatusCode::REQUEST_TIMEOUT,
                "body not received in time\n",
            ))
        }
    }
}

/// An answer that ends the connection: what is left of the body is never read.
fn refusal(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    response
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
    which: Listener,
    router: Router,
    held: Held,
    mut stopping: watch::Receiver<bool>,
) {
    // Small answers: send them without waiting for Nagle.
    let _ = stream.set_nodelay(true);
    let routes = TowerToHyperService::new(router);
    let slot = held.slot.clone();
    let service = service_fn(move |request: Request<Incoming>| {
        let routes = routes.clone();
        let slot = slot.clone();
        async move {
            // While the body arrives the connection is not being answered: it may be evicted.
            let receiving = slot.receiving();
            let request = match read_body(request, which).await {
                Ok(request) => request,
                Err(refusal) => return Ok(refusal),
            };
            drop(receiving);
            let _busy = slot.request_started();
            routes.call(request).await
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
            which.count_closed("header_timeout");
        }
        Err(e) => tracing::debug!(error = %e, "operations server: connection ended"),
    }
}

/// The connections the server holds, oldest first, and the cap on them.
struct Registry {
    cap: usize,
    which: Listener,
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
    /// Set while a request's body is being read: such a connection is as cheap to close as a
    /// half-open one.
    receiving: AtomicBool,
    /// Requests being answered now (0 or 1 on HTTP/1, but counted to be safe).
    in_flight: AtomicUsize,
    /// Woken when the registry closed this connection to make room.
    evicted: Notify,
}

impl Slot {
    /// A request head arrived; its body is read next.
    fn receiving(self: &Arc<Self>) -> Receiving {
        self.served.store(true, Ordering::Release);
        self.receiving.store(true, Ordering::Release);
        Receiving(self.clone())
    }

    /// The whole request arrived and is being answered.
    fn request_started(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(self.clone())
    }

    fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }

    /// Never sent a whole request: no head yet, or a body still on its way.
    fn is_stalled(&self) -> bool {
        self.is_idle()
            && (!self.served.load(Ordering::Acquire) || self.receiving.load(Ordering::Acquire))
    }
}

/// A request whose body is being read.
struct Receiving(Arc<Slot>);

impl Drop for Receiving {
    fn drop(&mut self) {
        self.0.receiving.store(false, Ordering::Release);
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
    fn new(cap: usize, which: Listener) -> Self {
        Registry {
            cap,
            which,
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
        if inner.held.len() >= self.cap && !self.evict_locked(&mut inner) {
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
        self.evict_locked(&mut self.lock());
    }

    /// Prefers a connection that never sent a whole request (half-open, or trickling its head
    /// or body) over a keep-alive one waiting for its next request.
    fn evict_locked(&self, inner: &mut Inner) -> bool {
        let victim = inner
            .held
            .iter()
            .find(|(_, s)| s.is_stalled())
            .or_else(|| inner.held.iter().find(|(_, s)| s.is_idle()))
            .map(|(id, _)| *id);
        let Some(slot) = victim.and_then(|id| inner.held.remove(&id)) else {
            return false;
        };
        // Stores a permit if the connection's task is not waiting yet.
        slot.evicted.notify_one();
        self.which.count_closed("evicted");
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held_ids(registry: &Registry) -> Vec<u64> {
        registry.lock().held.keys().copied().collect()
    }

    /// One whole request read and answered on `held`.
    fn answered(held: &Held) {
        drop(held.slot.receiving());
        drop(held.slot.request_started());
    }

    #[test]
    fn a_connection_trickling_its_body_goes_before_an_idle_keep_alive_one() {
        let registry = Arc::new(Registry::new(2, Listener::Operations));
        let keep_alive = registry.admit().expect("room");
        answered(&keep_alive);
        let trickling = registry.admit().expect("room");
        let body_on_its_way = trickling.slot.receiving();
        let newcomer = registry.admit().expect("the trickling one makes room");
        assert_eq!(held_ids(&registry), [keep_alive.id, newcomer.id]);
        drop(body_on_its_way);
        // Once its body is in, a request being answered is never evicted.
        let _reading = newcomer.slot.receiving();
        drop(_reading);
        let _answering = newcomer.slot.request_started();
        let last = registry
            .admit()
            .expect("the idle keep-alive one makes room");
        assert_eq!(held_ids(&registry), [newcomer.id, last.id]);
        let _also_answering = last.slot.request_started();
        assert!(registry.admit().is_none(), "both are being answered");
    }

    #[test]
    fn at_the_cap_the_oldest_half_open_connection_goes_first() {
        let registry = Arc::new(Registry::new(3, Listener::Operations));
        let keep_alive = registry.admit().expect("room");
        answered(&keep_alive);
        let half_open = registry.admit().expect("room");
        let busy = registry.admit().expect("room");
        let _request = busy.slot.request_started();

        let newcomer = registry.admit().expect("the half-open one makes room");
        assert_eq!(held_ids(&registry), [keep_alive.id, busy.id, newcomer.id]);
        answered(&newcomer);
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
        let registry = Arc::new(Registry::new(2, Listener::Operations));
        let a = registry.admit().expect("room");
        let b = registry.admit().expect("room");
        drop(a.slot.receiving());
        drop(b.slot.receiving());
        let _ra = a.slot.request_started();
        let rb = b.slot.request_started();
        assert!(registry.admit().is_none());
        drop(rb);
        assert!(registry.admit().is_some(), "b is idle again");
    }
}
