//! Owns `ModelServer`: the loopback HTTP server itself — binding, its own thread and tokio
//! runtime, the connection loop, the request log and usage totals, and writing each planned
//! answer (after any scripted delay). What to answer is decided in `dispatch`; the script and the
//! records are in `script` and `record`.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use super::dispatch::{self, Outcome, Planned};
use super::record::{RequestRecord, UsageServed};
use super::script::{Protocol, Script};

/// A running loopback model server; stops when dropped.
#[derive(Debug)]
pub struct ModelServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    script: Script,
    state: Mutex<State>,
    changed: Condvar,
    next_id: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    requests: Vec<RequestRecord>,
    usage: UsageServed,
    subscribers: Vec<mpsc::Sender<RequestRecord>>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the log consistent enough to read.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn log(&self, mut record: RequestRecord) {
        let mut state = self.state();
        record.index = state.requests.len();
        state
            .subscribers
            .retain(|tx| tx.send(record.clone()).is_ok());
        state.requests.push(record);
        drop(state);
        self.changed.notify_all();
    }
}

impl ModelServer {
    /// Starts a server for `script` on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When the port cannot be bound or the server thread cannot start.
    pub fn start(script: Script) -> Self {
        Self::bind(script, 0).expect("start the loopback model server")
    }

    /// Starts a server for `script` on 127.0.0.1:`port` (0 = a free port).
    pub fn bind(script: Script, port: u16) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let shared = Arc::new(Shared {
            script,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            next_id: AtomicU64::new(1),
        });
        let (shutdown, stop) = oneshot::channel();
        let server_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("model-server-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(serve(listener, server_shared, stop));
                // Dropping the runtime drops every connection task, hung ones included.
                drop(runtime);
            })?;
        Ok(Self {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The script being played.
    pub fn script(&self) -> &Script {
        &self.shared.script
    }

    /// How many requests arrived so far (probes and unknown paths included).
    pub fn request_count(&self) -> usize {
        self.shared.state().requests.len()
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.state().requests.clone()
    }

    /// The requests of one protocol so far, in arrival order.
    pub fn requests_of(&self, protocol: Protocol) -> Vec<RequestRecord> {
        self.shared
            .state()
            .requests
            .iter()
            .filter(|r| r.protocol == Some(protocol))
            .cloned()
            .collect()
    }

    /// The token usage reported in every reply actually sent so far, per protocol.
    pub fn usage_served(&self) -> UsageServed {
        self.shared.state().usage
    }

    /// Blocks until at least `count` requests matching `filter` arrived, or `timeout` passed;
    /// returns whether they arrived.
    pub fn wait_for_requests(
        &self,
        count: usize,
        timeout: Duration,
        filter: impl Fn(&RequestRecord) -> bool,
    ) -> bool {
        let state = self.shared.state();
        let (state, _) = self
            .shared
            .changed
            .wait_timeout_while(state, timeout, |s| {
                s.requests.iter().filter(|r| filter(r)).count() < count
            })
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.requests.iter().filter(|r| filter(r)).count() >= count
    }

    /// Returns a channel that receives a copy of every request logged from now on.
    pub fn subscribe(&self) -> mpsc::Receiver<RequestRecord> {
        let (tx, rx) = mpsc::channel();
        self.shared.state().subscribers.push(tx);
        rx
    }

    /// Serves until the process is killed (for the `model-server` binary).
    pub fn serve_forever(mut self) {
        if let Some(thread) = self.thread.take() {
            // The shutdown sender stays alive in `self`, so the server never stops by itself.
            let _ = thread.join();
        }
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(err) => panic!("model server: cannot register the listener: {err}"),
    };
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        handle(Arc::clone(&shared), req)
                    });
                    // Clients that hang up mid-answer (timeouts, kills) are not server errors.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), ToString::to_string);
    let encoding = req
        .headers()
        .get(hyper::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = match req.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let planned = match encoding.as_deref() {
        None | Some("identity") => dispatch::plan(&shared.script, &method, &path, &body, id),
        Some(other) => unsupported_encoding(other),
    };
    shared.log(RequestRecord {
        index: 0,
        protocol: planned.protocol,
        method,
        path,
        model: planned.model.clone(),
        rule: planned.rule.clone(),
        turn: planned.turn,
        reply: planned.reply.to_owned(),
        status: planned.status(),
        error: planned.status().is_some_and(|s| s >= 400),
        prompt: planned.prompt.clone(),
        body,
    });
    respond(&shared, planned).await
}

fn unsupported_encoding(encoding: &str) -> Planned {
    let message = format!(
        "okstra model-server: request bodies with content-encoding {encoding} are not supported"
    );
    Planned::bare(
        "bad_request",
        Outcome::Respond {
            status: 415,
            content_type: "application/json",
            body: serde_json::json!({"error": {"code": 415, "message": message}}).to_string(),
            usage: None,
        },
    )
}

async fn respond(shared: &Shared, planned: Planned) -> Result<Response<Full<Bytes>>, Infallible> {
    if planned.delay_ms > 0 {
        scripted_delay(Duration::from_millis(planned.delay_ms)).await;
    }
    match planned.outcome {
        Outcome::Hang => std::future::pending().await,
        Outcome::Respond {
            status,
            content_type,
            body,
            usage,
        } => {
            if let (Some(usage), Some(protocol)) = (usage, planned.protocol) {
                shared.state().usage.add(protocol, &usage);
            }
            let mut response = Response::new(Full::new(Bytes::from(body)));
            *response.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            response.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static(content_type),
            );
            response.headers_mut().insert(
                hyper::header::CACHE_CONTROL,
                hyper::header::HeaderValue::from_static("no-cache"),
            );
            Ok(response)
        }
    }
}

/// The one place the server waits on a timer: a `Reply::Delay` the script asked for.
#[expect(
    clippy::disallowed_methods,
    reason = "a scripted reply delay is the point here, not a wait for a result"
)]
async fn scripted_delay(duration: Duration) {
    tokio::time::sleep(duration).await;
}
