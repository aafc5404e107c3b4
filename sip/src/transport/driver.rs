//! The event loop: sockets in, timers, commands from other tasks, transmissions out.

// The driver of the sans-IO user agent: it owns the sockets and the timers, so reading the
// clock to stamp each input is its job.
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{mpsc, oneshot};

use super::tcp::{self, ConnEvent};
use super::trace::Trace;
use crate::target::{Target, TransportKind};
use crate::ua::{UaEvent, UserAgent};

/// Code to run on the agent's task.
type Job = Box<dyn FnOnce(&mut UserAgent, Instant) + Send>;

enum Command {
    Run(Job),
    /// Unregister and hang up, then stop once idle or after two seconds.
    Shutdown(oneshot::Sender<()>),
}

/// A handle on a running user agent: run code against it, or stop it.
#[derive(Debug, Clone)]
pub struct SipHandle {
    commands: mpsc::UnboundedSender<Command>,
    /// The address the UDP socket and TCP listener are bound to.
    pub local: SocketAddr,
}

impl SipHandle {
    /// Runs `f` on the user agent's task with the current time and returns its result.
    pub async fn with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut UserAgent, Instant) -> R + Send + 'static,
    ) -> io::Result<R> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Run(Box::new(move |ua, now| {
                let _ = tx.send(f(ua, now));
            })))
            .map_err(|_| io::Error::other("user agent stopped"))?;
        rx.await.map_err(|_| io::Error::other("user agent stopped"))
    }

    /// Unregisters, hangs up, lets the last transactions finish (up to two seconds), and
    /// stops the driver.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Shutdown(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

/// Binds UDP and TCP on the agent's configured address (port 0 picks a free one, which is
/// written back into the configuration) and runs the agent until every handle is dropped.
pub async fn spawn(
    mut ua: UserAgent,
    events: mpsc::UnboundedSender<UaEvent>,
) -> io::Result<SipHandle> {
    let want = ua.config().local;
    let (udp, listener, local) = bind_pair(want).await?;
    ua.set_local(local);
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    tokio::spawn(run(ua, udp, listener, cmd_rx, events));
    Ok(SipHandle { commands: cmd_tx, local })
}

/// UDP and TCP on the same port. With port 0 the UDP port is picked first; when its TCP
/// twin is taken (a listener or an outgoing connection elsewhere), another is tried.
async fn bind_pair(want: SocketAddr) -> io::Result<(UdpSocket, TcpListener, SocketAddr)> {
    let mut attempts = 0;
    loop {
        let udp = UdpSocket::bind(want).await?;
        let local = udp.local_addr()?;
        match TcpListener::bind(local).await {
            Ok(listener) => return Ok((udp, listener, local)),
            Err(_) if want.port() == 0 && attempts < 20 => attempts += 1,
            Err(e) => return Err(e),
        }
    }
}

async fn run(
    mut ua: UserAgent,
    udp: UdpSocket,
    listener: TcpListener,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<UaEvent>,
) {
    let (conn_tx, mut conn_rx) = mpsc::unbounded_channel::<ConnEvent>();
    let mut conns: HashMap<SocketAddr, mpsc::UnboundedSender<Vec<u8>>> = HashMap::new();
    let mut buf = vec![0u8; 65536];
    let mut stopping: Option<(Instant, oneshot::Sender<()>)> = None;
    let mut trace = Trace::from_env();
    loop {
        // Output first: transmissions and events produced by the last input.
        while let Some(t) = ua.poll_transmit() {
            match t.target.transport {
                TransportKind::Udp => {
                    if udp.send_to(&t.bytes, t.target.addr).await.is_err() {
                        ua.handle_transport_error(t.target, Instant::now());
                    }
                }
                _ => {
                    let w = conns
                        .entry(t.target.addr)
                        .or_insert_with(|| tcp::connect(t.target.addr, conn_tx.clone()));
                    if w.send(t.bytes).is_err() {
                        conns.remove(&t.target.addr);
                        ua.handle_transport_error(t.target, Instant::now());
                    }
                }
            }
        }
        while let Some(e) = ua.poll_event() {
            let _ = events.send(e);
        }
        if let Some((until, _)) = &stopping
            && (ua.is_idle() || Instant::now() >= *until)
        {
            if let Some((_, done)) = stopping.take() {
                let _ = done.send(());
            }
            return;
        }
        let stop_at = stopping.as_ref().map(|(t, _)| *t);
        let deadline = [ua.poll_timeout(), stop_at]
            .into_iter()
            .flatten()
            .min()
            .map(tokio::time::Instant::from_std);
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = udp.recv_from(&mut buf) => {
                if let Ok((n, from)) = r {
                    let bytes = buf.get(..n).unwrap_or(&[]);
                    trace.received(Target::udp(from), bytes);
                    ua.handle_bytes(bytes, Target::udp(from), Instant::now());
                }
            }
            cmd = commands.recv() => match cmd {
                Some(Command::Run(f)) => f(&mut ua, Instant::now()),
                Some(Command::Shutdown(done)) => {
                    let now = Instant::now();
                    ua.shutdown(now);
                    stopping = Some((now + std::time::Duration::from_secs(2), done));
                }
                None => return,
            },
            Ok((stream, peer)) = listener.accept() => {
                conns.insert(peer, tcp::attach(stream, peer, conn_tx.clone()));
            }
            Some(ev) = conn_rx.recv() => match ev {
                ConnEvent::Message { from, message } => {
                    trace.received(Target::tcp(from), &message.to_bytes());
                    ua.handle_message(message, Target::tcp(from), Instant::now());
                }
                ConnEvent::Garbage { from, bytes } => ua.handle_bytes(&bytes, Target::tcp(from), Instant::now()),
                ConnEvent::Closed { peer, error } => {
                    conns.remove(&peer);
                    if error {
                        ua.handle_transport_error(Target::tcp(peer), Instant::now());
                    }
                }
            },
            _ = sleep => ua.handle_timeout(Instant::now()),
        }
    }
}
