//! TCP connections (RFC 3261 §18.3): one reader task framing messages by Content-Length,
//! answering CRLF pings and passing on the pongs to ours (RFC 5626 §3.5.1), one writer
//! task fed by a channel.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

use crate::message::{StreamFramer, StreamItem};

/// What connection tasks tell the driver.
#[derive(Debug)]
pub(crate) enum ConnEvent {
    Message {
        from: SocketAddr,
        message: crate::message::Message,
    },
    /// Unparseable bytes on the stream: the connection is closed.
    Garbage {
        from: SocketAddr,
        bytes: Vec<u8>,
    },
    Closed {
        peer: SocketAddr,
        error: bool,
    },
    /// A pong (RFC 5626 §3.5.1) answered our keep-alive ping.
    Pong {
        from: SocketAddr,
    },
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts reader and writer tasks for a connected stream; returns the writer's sender.
pub(crate) fn attach(
    stream: TcpStream,
    peer: SocketAddr,
    events: mpsc::UnboundedSender<ConnEvent>,
) -> mpsc::UnboundedSender<Vec<u8>> {
    let _ = stream.set_nodelay(true);
    let (read, write) = stream.into_split();
    let (tx, rx) = mpsc::unbounded_channel();
    let pinged = Arc::new(AtomicBool::new(false));
    tokio::spawn(writer(write, rx, peer, events.clone(), pinged.clone()));
    tokio::spawn(reader(read, peer, events, tx.clone(), pinged));
    tx
}

/// Connects to `peer` in the background; queued bytes are written once connected.
pub(crate) fn connect(
    peer: SocketAddr,
    events: mpsc::UnboundedSender<ConnEvent>,
) -> mpsc::UnboundedSender<Vec<u8>> {
    let (tx, rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let pong_tx = tx.clone();
    tokio::spawn(async move {
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(peer)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                let (read, write) = stream.into_split();
                let pinged = Arc::new(AtomicBool::new(false));
                tokio::spawn(reader(read, peer, events.clone(), pong_tx, pinged.clone()));
                writer(write, rx, peer, events, pinged).await;
            }
            _ => {
                let _ = events.send(ConnEvent::Closed { peer, error: true });
            }
        }
    });
    tx
}

async fn writer(
    mut w: OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
    peer: SocketAddr,
    events: mpsc::UnboundedSender<ConnEvent>,
    pinged: Arc<AtomicBool>,
) {
    while let Some(bytes) = rx.recv().await {
        if bytes == b"\r\n\r\n" {
            // Our keep-alive ping: the reader takes the next lone CRLF as its pong.
            pinged.store(true, Ordering::Release);
        }
        if w.write_all(&bytes).await.is_err() {
            let _ = events.send(ConnEvent::Closed { peer, error: true });
            return;
        }
    }
    let _ = w.shutdown().await;
}

async fn reader(
    mut r: OwnedReadHalf,
    peer: SocketAddr,
    events: mpsc::UnboundedSender<ConnEvent>,
    writer: mpsc::UnboundedSender<Vec<u8>>,
    pinged: Arc<AtomicBool>,
) {
    let mut framer = StreamFramer::default();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match r.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = events.send(ConnEvent::Closed { peer, error: false });
                return;
            }
            Ok(n) => n,
        };
        if pinged.swap(false, Ordering::AcqRel) {
            framer.sent_ping();
        }
        framer.push(buf.get(..n).unwrap_or(&[]));
        while let Some(item) = framer.next_item() {
            match item {
                Ok(StreamItem::Message(m)) => {
                    let _ = events.send(ConnEvent::Message { from: peer, message: *m });
                }
                Ok(StreamItem::Ping) => {
                    let _ = writer.send(b"\r\n".to_vec());
                }
                Ok(StreamItem::Pong) => {
                    let _ = events.send(ConnEvent::Pong { from: peer });
                }
                Err(_) => {
                    let _ = events.send(ConnEvent::Garbage {
                        from: peer,
                        bytes: buf.get(..n).unwrap_or(&[]).to_vec(),
                    });
                    let _ = events.send(ConnEvent::Closed { peer, error: true });
                    return;
                }
            }
        }
    }
}
