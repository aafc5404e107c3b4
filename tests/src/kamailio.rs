//! The reference site (deploy/kamailio) started on a free loopback port for a test; as a
//! contact centre (presence server and queues, `WITH_DESK`) with its SQLite database
//! created from Kamailio's own schema files, and a WebSocket listener for the customers'
//! chat page.

use std::net::SocketAddr;
use std::time::Duration;

use crate::netns::Netns;
use crate::{Peer, asset, free_port};

/// A running Kamailio; stopped when dropped (its database removed).
#[derive(Debug)]
pub struct Site {
    _kamailio: Peer,
    pub addr: SocketAddr,
    database: Option<std::path::PathBuf>,
    /// A desk site's WebSocket listener (SIP over WebSocket, RFC 7118: the chat page).
    pub websocket: Option<SocketAddr>,
}

impl Drop for Site {
    fn drop(&mut self) {
        if let Some(db) = &self.database {
            let _ = std::fs::remove_file(db);
        }
    }
}

/// The contact-centre part of a site: how long a queue caller waits for a Ready agent,
/// and how long an agent is offered a call before the site gives up on it.
#[derive(Debug, Clone, Copy)]
pub struct DeskSite {
    pub queue_wait_s: u32,
    pub offer_timeout_ms: u32,
}

/// Where Kamailio's SQLite schema files are (kamailio-sqlite-modules).
const SCHEMA: &str = "/usr/share/kamailio/db_sqlite";

/// Creates the site's database: Kamailio's version table, the presence tables and msilo's
/// (chat messages kept for users who are away).
pub fn create_database(path: &std::path::Path) -> Result<(), String> {
    let _ = std::fs::remove_file(path);
    let db = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
    // Kamailio's processes share the file: with a write-ahead log (kept in the file) a
    // PUBLISH being stored does not lock out a SUBSCRIBE reading ("database is locked",
    // 500 to the watcher, without it).
    db.pragma_update(None, "journal_mode", "WAL").map_err(|e| e.to_string())?;
    for file in ["standard-create.sql", "presence-create.sql", "msilo-create.sql"] {
        let sql = std::fs::read_to_string(format!("{SCHEMA}/{file}")).map_err(|e| {
            format!("{SCHEMA}/{file}: {e} (apt-get install kamailio-sqlite-modules)")
        })?;
        db.execute_batch(&sql).map_err(|e| format!("{file}: {e}"))?;
    }
    Ok(())
}

impl Site {
    /// Starts the site on UDP and TCP at a free port and waits (bounded) until it listens.
    pub async fn start() -> Site {
        Site::start_in(None).await
    }

    /// As [`Site::start`], inside a test's network namespace (on its loopback).
    pub async fn start_in(netns: Option<&Netns>) -> Site {
        Site::start_with(netns, None).await
    }

    /// A site that is also the contact centre's presence server and router.
    pub async fn start_desk(desk: DeskSite) -> Site {
        Site::start_with(None, Some(desk)).await
    }

    async fn start_with(netns: Option<&Netns>, desk: Option<DeskSite>) -> Site {
        let port = free_port("127.0.0.1");
        let udp = format!("udp:127.0.0.1:{port}");
        let tcp = format!("tcp:127.0.0.1:{port}");
        let cfg = asset("../deploy/kamailio/kamailio.cfg");
        let pid = std::env::temp_dir().join(format!("earshot-kamailio-{port}.pid"));
        let mut args: Vec<&str> = Vec::new();
        if let Some(ns) = netns {
            args.extend(ns.prefix());
            args.push("kamailio");
        }
        let program = if netns.is_some() { "ip" } else { "kamailio" };
        args.extend([
            "-f",
            cfg.to_str().expect("utf8"),
            "-DD",
            "-E",
            "-l",
            &udp,
            "-l",
            &tcp,
            "-m",
            "32",
            "-M",
            "8",
            "-P",
            pid.to_str().expect("utf8"),
        ]);
        let database =
            desk.map(|_| std::env::temp_dir().join(format!("earshot-site-{port}.sqlite")));
        // A desk site also takes the customers' chat page over WebSocket (RFC 7118).
        let ws_port = desk.map(|_| free_port("127.0.0.1"));
        let ws_listen = ws_port.map(|p| format!("tcp:127.0.0.1:{p}"));
        if let Some(l) = &ws_listen {
            args.extend(["-l", l.as_str()]);
        }
        let defines: Vec<String> = match (desk, &database) {
            (Some(d), Some(db)) => {
                create_database(db).unwrap_or_else(|e| panic!("the site's database: {e}"));
                vec![
                    "WITH_DESK".into(),
                    format!("DB_URL=\"sqlite://{}\"", db.display()),
                    format!("SITE_URI=\"sip:127.0.0.1:{port}\""),
                    format!("QUEUE_WAIT_S={}", d.queue_wait_s),
                    format!("OFFER_TIMEOUT_MS={}", d.offer_timeout_ms),
                    "WITH_WEBSOCKET".into(),
                    format!("WS_PORT={}", ws_port.unwrap_or_default()),
                ]
            }
            _ => Vec::new(),
        };
        for d in &defines {
            args.extend(["-A", d.as_str()]);
        }
        let mut peer = Peer::spawn("kamailio", program, &args);
        // Its log goes to a file (a pipe nobody reads would stop it once full).
        let log = std::env::temp_dir().join(format!("earshot-kamailio-{port}.log"));
        if let (Some(mut err), Ok(mut file)) =
            (peer.child.stderr.take(), std::fs::File::create(&log))
        {
            tokio::spawn(async move {
                use std::io::Write;
                use tokio::io::AsyncReadExt;
                let mut buf = vec![0u8; 16 * 1024];
                while let Ok(n) = err.read(&mut buf).await {
                    if n == 0 || file.write_all(buf.get(..n).unwrap_or(&[])).is_err() {
                        break;
                    }
                }
            });
        }
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        for _ in 0..100 {
            let up = match netns {
                Some(ns) => ns.listening(port),
                None => tokio::net::TcpStream::connect(addr).await.is_ok(),
            };
            if up {
                let websocket = ws_port.map(|p| SocketAddr::from(([127, 0, 0, 1], p)));
                return Site { _kamailio: peer, addr, database, websocket };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("kamailio did not start");
    }
}
