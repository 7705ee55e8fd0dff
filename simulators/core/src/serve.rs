//! Listeners: plain HTTP and HTTPS on tokio + hyper, with a power supervisor per device.
//!
//! A [`Listener`] is bound first (with `SO_REUSEADDR`, so a port can be bound again at once),
//! which tells the caller the real address (port 0 works) before the device is built. Then
//! [`serve_device`] runs the device's listeners under a supervisor that follows
//! [`crate::Runtime::watch_power`]:
//!
//! - `Power::Off`: stop accepting, close the listening sockets (new connections are refused)
//!   and end the open connections at once;
//! - `Power::On`: bind the same addresses again and serve.
//!
//! Cancelling the shutdown token stops accepting and lets open connections finish their current
//! request (up to [`GRACE`]), then the server task ends.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::device::{DynDevice, Power};
use crate::error::{Error, Result};
use crate::http::{device_app, ConnectionAbort};

/// How long open connections may take to finish after shutdown was asked.
pub const GRACE: Duration = Duration::from_secs(5);
/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between attempts to bind again after power came back (the port may be taken).
const REBIND_PAUSE: Duration = Duration::from_millis(250);

/// The scheme a listener speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Http,
    Https,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Http => "http",
            Transport::Https => "https",
        }
    }
}

/// A bound listening socket, not yet serving.
pub struct Listener {
    transport: Transport,
    local: SocketAddr,
    tls: Option<Arc<ServerConfig>>,
    socket: std::net::TcpListener,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener").field("transport", &self.transport).field("local", &self.local).finish()
    }
}

impl Listener {
    /// Bind a plain HTTP listener.
    pub fn bind_http(addr: SocketAddr) -> Result<Self> {
        let socket = bind_socket(addr)?;
        Ok(Listener { transport: Transport::Http, local: local_addr(&socket, addr)?, tls: None, socket })
    }

    /// Bind an HTTPS listener serving `tls`.
    pub fn bind_https(addr: SocketAddr, tls: Arc<ServerConfig>) -> Result<Self> {
        let socket = bind_socket(addr)?;
        Ok(Listener {
            transport: Transport::Https,
            local: local_addr(&socket, addr)?,
            tls: Some(tls),
            socket,
        })
    }

    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The address actually bound (the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The URL a client on this host uses (`http://127.0.0.1:10080`); an unspecified bind
    /// address (`0.0.0.0`, `::`) is reported as the loopback address of its family.
    pub fn url(&self) -> String {
        url_for(self.transport.as_str(), self.local)
    }
}

/// `scheme://host:port` for a bound address, loopback standing in for an unspecified address.
pub fn url_for(scheme: &str, addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("{scheme}://{}", SocketAddr::new(ip, addr.port()))
}

fn local_addr(socket: &std::net::TcpListener, asked: SocketAddr) -> Result<SocketAddr> {
    socket
        .local_addr()
        .map_err(|e| Error::internal(format!("cannot read the address bound for {asked}: {e}")))
}

/// A non-blocking listening socket with `SO_REUSEADDR`.
fn bind_socket(addr: SocketAddr) -> Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let fail =
        |what: &str, e: std::io::Error| Error::unavailable(format!("cannot listen on {addr}: {what}: {e}"));
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(|e| fail("socket", e))?;
    socket.set_reuse_address(true).map_err(|e| fail("SO_REUSEADDR", e))?;
    if addr.is_ipv6() {
        // `[::]` serves IPv6 only, so `0.0.0.0` on the same port stays possible.
        socket.set_only_v6(true).map_err(|e| fail("IPV6_V6ONLY", e))?;
    }
    socket.set_nonblocking(true).map_err(|e| fail("non-blocking", e))?;
    socket.bind(&addr.into()).map_err(|e| fail("bind", e))?;
    socket.listen(1024).map_err(|e| fail("listen", e))?;
    Ok(socket.into())
}

/// A running server (one device's listeners, or the control listener).
#[derive(Debug)]
pub struct Server {
    addrs: Vec<(Transport, SocketAddr)>,
    listening: watch::Receiver<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// The bound addresses, in the order the listeners were given.
    pub fn addrs(&self) -> &[(Transport, SocketAddr)] {
        &self.addrs
    }

    /// `true` while the sockets are open and accepting; follows power changes.
    pub fn listening(&self) -> watch::Receiver<bool> {
        self.listening.clone()
    }

    /// Wait until the server has shut down (after the shutdown token was cancelled).
    pub async fn wait(self) {
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "server task failed");
        }
    }
}

/// Serve `device` on `listeners`: each gets [`device_app`] around `app` for its transport, and
/// follows the device's power (see the module docs). Must be called inside a tokio runtime.
pub fn serve_device(
    device: DynDevice,
    app: Router,
    listeners: Vec<Listener>,
    shutdown: CancellationToken,
) -> Server {
    let power = device.runtime().watch_power();
    let label = device.info().id;
    let apps = listeners
        .into_iter()
        .map(|l| {
            let wrapped = device_app(device.clone(), l.transport.as_str(), app.clone());
            (l, wrapped)
        })
        .collect();
    spawn_supervisor(label, apps, Some(power), shutdown)
}

/// Serve a finished router (the control API) on `listeners`, with no power supervision.
pub fn serve_router(
    label: &str,
    app: Router,
    listeners: Vec<Listener>,
    shutdown: CancellationToken,
) -> Server {
    let apps = listeners.into_iter().map(|l| (l, app.clone())).collect();
    spawn_supervisor(label.to_owned(), apps, None, shutdown)
}

struct Slot {
    transport: Transport,
    addr: SocketAddr,
    tls: Option<TlsAcceptor>,
    app: Router,
}

fn spawn_supervisor(
    label: String,
    apps: Vec<(Listener, Router)>,
    power: Option<watch::Receiver<Power>>,
    shutdown: CancellationToken,
) -> Server {
    let addrs = apps.iter().map(|(l, _)| (l.transport, l.local)).collect();
    let mut sockets = Vec::with_capacity(apps.len());
    let mut slots = Vec::with_capacity(apps.len());
    for (l, app) in apps {
        sockets.push(l.socket);
        slots.push(Slot { transport: l.transport, addr: l.local, tls: l.tls.map(TlsAcceptor::from), app });
    }
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(supervise(label, slots, sockets, power, shutdown, tx));
    Server { addrs, listening: rx, task }
}

async fn supervise(
    label: String,
    slots: Vec<Slot>,
    first: Vec<std::net::TcpListener>,
    mut power: Option<watch::Receiver<Power>>,
    shutdown: CancellationToken,
    listening: watch::Sender<bool>,
) {
    let mut sockets = Some(first);
    loop {
        // Wait for power.
        if let Some(p) = power.as_mut() {
            if *p.borrow_and_update() == Power::Off {
                sockets = None;
                listening.send_replace(false);
                tracing::info!(device = %label, "power off: listeners closed");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    r = p.wait_for(|v| *v == Power::On) => if r.is_err() { return },
                }
            }
        }
        let socks = match sockets.take() {
            Some(s) => s,
            None => match rebind(&label, &slots, &shutdown).await {
                Some(s) => s,
                None => return,
            },
        };
        // Serve until power goes off or shutdown.
        let stop = CancellationToken::new();
        let conns = TaskTracker::new();
        let mut accepts = JoinSet::new();
        for (slot, sock) in slots.iter().zip(socks) {
            let listener = match TcpListener::from_std(sock) {
                Ok(l) => l,
                Err(e) => {
                    tracing::error!(device = %label, addr = %slot.addr, error = %e, "cannot register listener");
                    continue;
                }
            };
            accepts.spawn(accept_loop(
                listener,
                slot.tls.clone(),
                slot.app.clone(),
                stop.clone(),
                shutdown.clone(),
                conns.clone(),
            ));
            tracing::debug!(device = %label, transport = slot.transport.as_str(), addr = %slot.addr, "listening");
        }
        listening.send_replace(true);
        let power_off = async {
            match power.as_mut() {
                Some(p) => {
                    let _ = p.wait_for(|v| *v == Power::Off).await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        let graceful = tokio::select! {
            _ = shutdown.cancelled() => true,
            _ = power_off => false,
        };
        if !graceful {
            // Power off: end everything now.
            stop.cancel();
        }
        while accepts.join_next().await.is_some() {}
        conns.close();
        if graceful {
            if tokio::time::timeout(GRACE, conns.wait()).await.is_err() {
                tracing::warn!(device = %label, "open connections did not finish in time; closing them");
                stop.cancel();
                conns.wait().await;
            }
            listening.send_replace(false);
            tracing::debug!(device = %label, "listeners shut down");
            return;
        }
        conns.wait().await;
        listening.send_replace(false);
    }
}

/// Bind every slot's address again; `None` when shutdown came first.
async fn rebind(
    label: &str,
    slots: &[Slot],
    shutdown: &CancellationToken,
) -> Option<Vec<std::net::TcpListener>> {
    let mut out = Vec::with_capacity(slots.len());
    for slot in slots {
        let mut warned = false;
        loop {
            match bind_socket(slot.addr) {
                Ok(s) => {
                    out.push(s);
                    break;
                }
                Err(e) => {
                    if !warned {
                        tracing::warn!(device = %label, error = %e, "power on: cannot bind again; retrying");
                        warned = true;
                    }
                    tokio::select! {
                        _ = shutdown.cancelled() => return None,
                        _ = tokio::time::sleep(REBIND_PAUSE) => {}
                    }
                }
            }
        }
    }
    tracing::info!(device = %label, "power on: listening again");
    Some(out)
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    stop: CancellationToken,
    shutdown: CancellationToken,
    conns: TaskTracker,
) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => break,
            _ = shutdown.cancelled() => break,
            r = listener.accept() => r,
        };
        match accepted {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                conns.spawn(connection(
                    stream,
                    peer,
                    tls.clone(),
                    app.clone(),
                    stop.child_token(),
                    shutdown.clone(),
                ));
            }
            Err(e) => {
                // Typically EMFILE: back off a little instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    // Dropping the listener here closes the socket: new connections are refused.
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    app: Router,
    abort: CancellationToken,
    shutdown: CancellationToken,
) {
    match tls {
        None => drive(stream, peer, app, abort, shutdown).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
            let tls_stream = tokio::select! {
                _ = abort.cancelled() => return,
                _ = shutdown.cancelled() => return,
                r = handshake => match r {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "TLS handshake timed out");
                        return;
                    }
                },
            };
            drive(tls_stream, peer, app, abort, shutdown).await
        }
    }
}

async fn drive<I>(io: I, peer: SocketAddr, app: Router, abort: CancellationToken, shutdown: CancellationToken)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let conn_abort = ConnectionAbort(abort.clone());
    let service = hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
        req.extensions_mut().insert(conn_abort.clone());
        req.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move { app.oneshot(req.map(axum::body::Body::new)).await }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            return;
        }
        _ = abort.cancelled() => return,
        _ = shutdown.cancelled() => {}
    }
    conn.as_mut().graceful_shutdown();
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = abort.cancelled() => {}
    }
}
