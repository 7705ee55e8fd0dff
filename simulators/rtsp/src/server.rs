//! The listener supervisor: accepts connections while the device is powered, closes the
//! listening socket and every connection (and so every session) on power off, binds the same
//! address again on power on, and stops on the shutdown token.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use devsim_core::Power;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::conn::{serve_connection, Shared};
use crate::device::RtspDevice;

const REBIND_PAUSE: Duration = Duration::from_millis(250);

/// A running RTSP server.
pub struct RtspServer {
    addr: SocketAddr,
    listening: watch::Receiver<bool>,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for RtspServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RtspServer").field("addr", &self.addr).finish()
    }
}

impl RtspServer {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `true` while the socket accepts; follows the device's power.
    pub fn listening(&self) -> watch::Receiver<bool> {
        self.listening.clone()
    }

    /// Sessions currently set up on this server.
    pub fn active_sessions(&self) -> usize {
        self.shared.sessions.load(Ordering::Relaxed)
    }

    /// Waits until the server stopped (after the shutdown token was cancelled).
    pub async fn wait(self) {
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "rtsp server task failed");
        }
    }
}

/// Binds `addr` with `SO_REUSEADDR` (so it can be bound again right after power off).
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    TcpListener::from_std(socket.into())
}

/// Serves `device` on `listener` until `shutdown` is cancelled. Must run inside a tokio runtime.
pub fn serve(listener: TcpListener, device: Arc<dyn RtspDevice>, shutdown: CancellationToken) -> RtspServer {
    let addr = listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
    let shared = Arc::new(Shared::new(device.clone()));
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(supervise(listener, addr, shared.clone(), shutdown, tx));
    RtspServer { addr, listening: rx, shared, task }
}

async fn supervise(
    first: TcpListener,
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    listening: watch::Sender<bool>,
) {
    let mut power = shared.device.runtime().watch_power();
    let mut listener = Some(first);
    loop {
        if *power.borrow_and_update() == Power::Off {
            listener = None;
            listening.send_replace(false);
            tracing::info!(%addr, "power off: rtsp listener closed");
            tokio::select! {
                _ = shutdown.cancelled() => return,
                r = power.wait_for(|p| *p == Power::On) => if r.is_err() { return },
            }
        }
        let l = match listener.take() {
            Some(l) => l,
            None => loop {
                match bind(addr) {
                    Ok(l) => break l,
                    Err(e) => {
                        tracing::warn!(%addr, error = %e, "cannot bind rtsp listener again; retrying");
                        tokio::select! {
                            _ = shutdown.cancelled() => return,
                            _ = tokio::time::sleep(REBIND_PAUSE) => {}
                        }
                    }
                }
            },
        };
        listening.send_replace(true);
        let stop = shutdown.child_token();
        let conns = TaskTracker::new();
        let power_off = async {
            let _ = power.wait_for(|p| *p == Power::Off).await;
        };
        tokio::pin!(power_off);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = &mut power_off => break,
                r = l.accept() => match r {
                    Ok((stream, _)) => {
                        conns.spawn(serve_connection(stream, shared.clone(), stop.clone()));
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
        }
        drop(l);
        stop.cancel();
        conns.close();
        conns.wait().await;
        listening.send_replace(false);
        if shutdown.is_cancelled() {
            return;
        }
    }
}
