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

/// A sans-IO core the driver runs: a user agent and whatever logic sits on it (the
/// phone), fed the driver's inputs with the time, asked for its next wake-up. The driver
/// sends the agent's transmissions after each input.
pub trait Core: Send + 'static {
    /// What other tasks send the core (commands, lookups done).
    type Input: Send + 'static;
    /// The user agent whose transmissions the driver sends and to which it hands bytes.
    fn agent(&mut self) -> &mut UserAgent;
    /// One input from another task.
    fn input(&mut self, input: Self::Input, now: Instant);
    /// After every input and wake-up: the core takes what its agent reported and acts.
    fn settle(&mut self, now: Instant);
    /// The core's own next wake-up, beside the agent's timers.
    fn poll_timeout(&mut self) -> Option<Instant>;
    /// A wake-up is due (the agent's or the core's own).
    fn timeout(&mut self, now: Instant);
    /// True once the core has finished: the driver stops.
    fn finished(&mut self, now: Instant) -> bool;
    /// Nothing can send the core inputs any more: the driver stops after this.
    fn inputs_closed(&mut self, _now: Instant) {}
}

/// Code to run on the agent's task.
type Job = Box<dyn FnOnce(&mut UserAgent, Instant) + Send>;

/// What a [`SipHandle`] sends the plain user agent's task.
enum Command {
    Run(Job),
    /// Unregister and hang up, then stop once idle or after two seconds.
    Shutdown(oneshot::Sender<()>),
}

/// The plain user agent as a core: its events go to a channel, other tasks run code on it.
struct AgentCore {
    ua: UserAgent,
    events: mpsc::UnboundedSender<UaEvent>,
    stopping: Option<(Instant, oneshot::Sender<()>)>,
}

impl Core for AgentCore {
    type Input = Command;

    fn agent(&mut self) -> &mut UserAgent {
        &mut self.ua
    }

    fn input(&mut self, input: Command, now: Instant) {
        match input {
            Command::Run(f) => f(&mut self.ua, now),
            Command::Shutdown(done) => {
                self.ua.shutdown(now);
                self.stopping = Some((now + std::time::Duration::from_secs(2), done));
            }
        }
    }

    fn settle(&mut self, _now: Instant) {
        while let Some(e) = self.ua.poll_event() {
            let _ = self.events.send(e);
        }
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        self.stopping.as_ref().map(|(t, _)| *t)
    }

    fn timeout(&mut self, now: Instant) {
        self.ua.handle_timeout(now);
    }

    fn finished(&mut self, now: Instant) -> bool {
        let over =
            self.stopping.as_ref().is_some_and(|(until, _)| self.ua.is_idle() || now >= *until);
        if over && let Some((_, done)) = self.stopping.take() {
            let _ = done.send(());
        }
        over
    }
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
    let bound = bind(ua.config().local).await?;
    let local = bound.local;
    ua.set_local(local);
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let core = AgentCore { ua, events, stopping: None };
    run_bound(core, bound, cmd_rx);
    Ok(SipHandle { commands: cmd_tx, local })
}

/// A UDP socket and a TCP listener on one address, ready for [`run_bound`].
#[derive(Debug)]
pub struct Bound {
    udp: UdpSocket,
    listener: TcpListener,
    /// The address both are bound to.
    pub local: SocketAddr,
}

/// Binds UDP and TCP on `want` (port 0: a free port, the same for both).
pub async fn bind(want: SocketAddr) -> io::Result<Bound> {
    let (udp, listener, local) = bind_pair(want).await?;
    Ok(Bound { udp, listener, local })
}

/// Runs `core` on a task over the bound sockets until it has finished or its inputs are
/// closed. Its agent's configuration must name `bound.local`.
pub fn run_bound<C: Core>(
    core: C,
    bound: Bound,
    inputs: mpsc::UnboundedReceiver<C::Input>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(core, bound.udp, bound.listener, inputs))
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

async fn run<C: Core>(
    mut core: C,
    udp: UdpSocket,
    listener: TcpListener,
    mut inputs: mpsc::UnboundedReceiver<C::Input>,
) {
    let (conn_tx, mut conn_rx) = mpsc::unbounded_channel::<ConnEvent>();
    let mut conns: HashMap<SocketAddr, mpsc::UnboundedSender<Vec<u8>>> = HashMap::new();
    let mut buf = vec![0u8; 65536];
    let mut trace = Trace::from_env();
    loop {
        // Output first: what the core does with the last input, then its transmissions.
        core.settle(Instant::now());
        let ua = core.agent();
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
        if core.agent().has_events() {
            // A transport error above produced more to settle and send.
            continue;
        }
        if core.finished(Instant::now()) {
            return;
        }
        let deadline = [core.agent().poll_timeout(), core.poll_timeout()]
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
                    core.agent().handle_bytes(bytes, Target::udp(from), Instant::now());
                }
            }
            input = inputs.recv() => match input {
                Some(i) => core.input(i, Instant::now()),
                None => {
                    core.inputs_closed(Instant::now());
                    return;
                }
            },
            Ok((stream, peer)) = listener.accept() => {
                conns.insert(peer, tcp::attach(stream, peer, conn_tx.clone()));
            }
            Some(ev) = conn_rx.recv() => match ev {
                ConnEvent::Message { from, message } => {
                    trace.received(Target::tcp(from), &message.to_bytes());
                    core.agent().handle_message(message, Target::tcp(from), Instant::now());
                }
                ConnEvent::Garbage { from, bytes } => {
                    core.agent().handle_bytes(&bytes, Target::tcp(from), Instant::now());
                }
                ConnEvent::Pong { from } => core.agent().handle_pong(Target::tcp(from), Instant::now()),
                ConnEvent::Closed { peer, error } => {
                    conns.remove(&peer);
                    if error {
                        core.agent().handle_transport_error(Target::tcp(peer), Instant::now());
                    }
                    core.agent().handle_flow_closed(Target::tcp(peer), Instant::now());
                }
            },
            _ = sleep => core.timeout(Instant::now()),
        }
    }
}
