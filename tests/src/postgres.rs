//! A real PostgreSQL server for a test: a new cluster (`initdb`) in a temporary directory,
//! `postgres` on 127.0.0.1 at a free port, run as the unprivileged `postgres` user when
//! the test runs as root (the server refuses root). Stopped (and its directory removed)
//! when dropped; [`Postgres::stop`] and [`Postgres::start_again`] take it down and up
//! mid-test on the same data and port.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running (or stopped) test server.
#[derive(Debug)]
pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    pub port: u16,
    server: Option<Child>,
    /// The user the server runs as when started by root.
    as_user: Option<(u32, u32)>,
}

/// Where Debian puts the server's programs: the newest `/usr/lib/postgresql/N/bin`.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| {
                    let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                    Some((v, e.path().join("bin")))
                })
                .filter(|(_, p)| p.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    versions.pop().map(|(_, p)| p).unwrap_or_else(|| {
        panic!("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): run ./scripts/test")
    })
}

/// The uid and gid of `postgres` (Debian's package makes it), for a test run as root.
fn postgres_user() -> Option<(u32, u32)> {
    // Read from /etc/passwd: no libc call needed.
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let line = passwd.lines().find(|l| l.starts_with("postgres:"))?;
    let mut parts = line.split(':');
    let uid = parts.nth(2)?.parse().ok()?;
    let gid = parts.next()?.parse().ok()?;
    Some((uid, gid))
}

impl Postgres {
    /// A new cluster, started; the database `earshot` in it, user `earshot`, trusted on
    /// loopback.
    pub fn start(name: &str) -> Postgres {
        let dir = std::env::temp_dir().join(format!("earshot-pg-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let as_user = if crate::running_as_root() {
            let user = postgres_user().unwrap_or_else(|| {
                panic!("no postgres user to run the server as (install postgresql)")
            });
            let chown = Command::new("chown")
                .args([&format!("{}:{}", user.0, user.1), &dir.display().to_string()])
                .status();
            assert!(chown.is_ok_and(|s| s.success()), "chown {}", dir.display());
            Some(user)
        } else {
            None
        };
        let bin = bin_dir();
        let mut pg =
            Postgres { dir, bin, port: crate::free_port("127.0.0.1"), server: None, as_user };
        let data = pg.data();
        let out = pg
            .command("initdb")
            .args(["-D", &data, "-U", "earshot", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("initdb: {e}"));
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        pg.start_again();
        let created = pg
            .command("createdb")
            .args(["-h", "127.0.0.1", "-p", &pg.port.to_string(), "-U", "earshot", "earshot"])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("createdb: {e}"));
        assert!(created.status.success(), "createdb: {}", String::from_utf8_lossy(&created.stderr));
        pg
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    /// One of the server's programs, as the server's user.
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(self.bin.join(program));
        if let Some((uid, gid)) = self.as_user {
            c.uid(uid).gid(gid);
        }
        c.current_dir(&self.dir);
        c
    }

    /// The connection string for the `earshot` database.
    pub fn url(&self) -> String {
        format!("host=127.0.0.1 port={} user=earshot dbname=earshot connect_timeout=5", self.port)
    }

    /// Starts the server (again) and waits until it takes connections (bounded: 30 s).
    pub fn start_again(&mut self) {
        assert!(self.server.is_none(), "already running");
        let log = std::fs::File::create(self.dir.join("server.log")).ok();
        let mut c = self.command("postgres");
        c.args([
            "-D",
            &self.data(),
            "-p",
            &self.port.to_string(),
            "-k",
            &self.dir.display().to_string(),
        ])
        .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=50"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .process_group(0);
        if let Some(log) = log {
            c.stderr(log);
        }
        let server = c.spawn().unwrap_or_else(|e| panic!("postgres: {e}"));
        self.server = Some(server);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = self
                .command("pg_isready")
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-t", "1"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return;
            }
            if let Some(Ok(Some(status))) = self.server.as_mut().map(Child::try_wait) {
                panic!("postgres exited ({status}): {}", self.log());
            }
            assert!(Instant::now() < deadline, "postgres not ready in 30 s: {}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the server now (fast shutdown: clients are cut off), bounded: 10 s, then
    /// killed.
    pub fn stop(&mut self) {
        let Some(mut server) = self.server.take() else { return };
        let pid = server.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = server.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
        let _ = server.wait();
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
