//! A real mail site for a test, on loopback: Dovecot (Debian's `dovecot-imapd` and
//! `dovecot-lmtpd`) with a configuration, passwd-file and Maildirs in a temporary
//! directory — IMAP with STARTTLS, IMAPS, LMTP —, and the SMTP servers in front of it
//! (`tests/mail/submission.py`, aiosmtpd: inbound without authentication, submission with
//! STARTTLS and AUTH, implicit TLS), each message they accept kept for the test to read.
//! A test CA made by rcgen signs the servers' certificate. Mail is stored as `nobody` when
//! the test runs as root. Everything is stopped, and the directory removed, when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The queue's mailbox account and its password.
pub const QUEUE: &str = "support@shop.test";
pub const QUEUE_PASSWORD: &str = "queue-pass";
/// A second queue.
pub const BILLING: &str = "billing@shop.test";
pub const BILLING_PASSWORD: &str = "billing-pass";
/// The site's own mail domain.
pub const DOMAIN: &str = "shop.test";

/// A message one of the SMTP servers accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub raw: Vec<u8>,
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    /// `inbound`, `submission` or `tls`.
    pub listener: String,
    /// Who authenticated (submission and tls).
    pub user: Option<String>,
}

#[derive(Debug)]
pub struct MailSite {
    dir: PathBuf,
    pub imap_port: u16,
    pub imaps_port: u16,
    pub lmtp_port: u16,
    pub inbound_port: u16,
    pub submission_port: u16,
    pub tls_port: u16,
    /// The test CA's certificate (PEM): what a client must trust.
    pub ca_pem: String,
    dovecot: Option<Child>,
    smtp: Option<Child>,
    mail_user: String,
}

fn current_user() -> String {
    std::env::var("USER").unwrap_or_else(|_| "nobody".to_owned())
}

fn need(program: &str, package: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(found, "{program} is not installed (Debian package {package}): run ./scripts/test");
}

impl MailSite {
    /// Starts Dovecot and the SMTP servers; returns once all take connections (bounded).
    pub fn start(name: &str) -> MailSite {
        need("dovecot", "dovecot-imapd");
        need("/usr/lib/dovecot/lmtp", "dovecot-lmtpd");
        assert!(
            Command::new("/usr/bin/python3")
                .args(["-c", "import aiosmtpd"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success()),
            "aiosmtpd is not installed (Debian package python3-aiosmtpd): run ./scripts/test"
        );
        let dir = std::env::temp_dir().join(format!("earshot-mail-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("mail")).expect("mail dir");
        let (ca_pem, cert_pem, key_pem) = test_certificates();
        std::fs::write(dir.join("ca.pem"), &ca_pem).expect("ca");
        std::fs::write(dir.join("cert.pem"), &cert_pem).expect("cert");
        std::fs::write(dir.join("key.pem"), &key_pem).expect("key");
        let mail_user = if crate::running_as_root() { "nobody".to_owned() } else { current_user() };
        if crate::running_as_root() {
            let _ =
                Command::new("chown").args(["-R", "nobody:nogroup"]).arg(dir.join("mail")).status();
        }
        let mut site = MailSite {
            imap_port: crate::free_port("127.0.0.1"),
            imaps_port: crate::free_port("127.0.0.1"),
            lmtp_port: crate::free_port("127.0.0.1"),
            inbound_port: crate::free_port("127.0.0.1"),
            submission_port: crate::free_port("127.0.0.1"),
            tls_port: crate::free_port("127.0.0.1"),
            dir,
            ca_pem,
            dovecot: None,
            smtp: None,
            mail_user,
        };
        site.write_dovecot_config();
        site.start_imap();
        site.start_smtp();
        site
    }

    fn conf(&self) -> PathBuf {
        self.dir.join("dovecot.conf")
    }

    fn write_dovecot_config(&self) {
        let d = self.dir.display();
        let root = crate::running_as_root();
        let (internal_user, internal_group, login_user) = if root {
            ("nobody".to_owned(), "nogroup".to_owned(), "dovenull".to_owned())
        } else {
            (current_user(), current_user(), current_user())
        };
        let mail_group = if root { "nogroup".to_owned() } else { current_user() };
        let users =
            format!("{QUEUE}:{{PLAIN}}{QUEUE_PASSWORD}\n{BILLING}:{{PLAIN}}{BILLING_PASSWORD}\n");
        std::fs::write(self.dir.join("users"), users).expect("users");
        let conf = format!(
            "protocols = imap lmtp\n\
             listen = 127.0.0.1\n\
             base_dir = {d}/run\n\
             state_dir = {d}/state\n\
             instance_name = earshot-{pid}-{port}\n\
             log_path = {d}/dovecot.log\n\
             ssl = yes\n\
             ssl_cert = <{d}/cert.pem\n\
             ssl_key = <{d}/key.pem\n\
             disable_plaintext_auth = no\n\
             auth_mechanisms = plain login\n\
             default_internal_user = {internal_user}\n\
             default_internal_group = {internal_group}\n\
             default_login_user = {login_user}\n\
             first_valid_uid = 1\n\
             mail_uid = {mail_user}\n\
             mail_gid = {mail_group}\n\
             mail_location = maildir:{d}/mail/%u\n\
             namespace inbox {{\n  inbox = yes\n  separator = /\n}}\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/users\n}}\n\
             userdb {{\n  driver = static\n  args = uid={mail_user} gid={mail_group} home={d}/mail/%u\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    port = {imap}\n  }}\n  inet_listener imaps {{\n    port = {imaps}\n    ssl = yes\n  }}\n}}\n\
             service lmtp {{\n  inet_listener lmtp {{\n    address = 127.0.0.1\n    port = {lmtp}\n  }}\n  unix_listener lmtp {{\n    mode = 0600\n  }}\n}}\n\
             protocol imap {{\n  mail_max_userip_connections = 100\n}}\n",
            pid = std::process::id(),
            port = self.imap_port,
            mail_user = self.mail_user,
            imap = self.imap_port,
            imaps = self.imaps_port,
            lmtp = self.lmtp_port,
        );
        std::fs::write(self.conf(), conf).expect("dovecot.conf");
    }

    /// Starts Dovecot (again, on the same mail and ports) and waits until IMAP answers.
    pub fn start_imap(&mut self) {
        assert!(self.dovecot.is_none(), "dovecot already running");
        let child = Command::new("dovecot")
            .args(["-F", "-c"])
            .arg(self.conf())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("dovecot: {e}"));
        self.dovecot = Some(child);
        self.wait_port(self.imap_port, "dovecot");
        self.wait_port(self.lmtp_port, "dovecot lmtp");
    }

    /// Stops Dovecot now (every IMAP connection is cut), bounded.
    pub fn stop_imap(&mut self) {
        let Some(mut child) = self.dovecot.take() else { return };
        stop(&mut child);
    }

    fn start_smtp(&mut self) {
        let script = crate::asset("mail/submission.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg("--dir")
            .arg(&self.dir)
            .args(["--inbound-port", &self.inbound_port.to_string()])
            .args(["--submission-port", &self.submission_port.to_string()])
            .args(["--tls-port", &self.tls_port.to_string()])
            .args(["--lmtp-port", &self.lmtp_port.to_string()])
            .arg("--cert")
            .arg(self.dir.join("cert.pem"))
            .arg("--key")
            .arg(self.dir.join("key.pem"))
            .args(["--login", &format!("{QUEUE}:{QUEUE_PASSWORD}")])
            .args(["--login", &format!("{BILLING}:{BILLING_PASSWORD}")])
            .args(["--local-domain", DOMAIN])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(
                std::fs::File::create(self.dir.join("smtp.log")).map_or(Stdio::null(), Stdio::from),
            )
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("submission.py: {e}"));
        let stdout = child.stdout.take().expect("stdout");
        self.smtp = Some(child);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        assert_eq!(line.trim(), "ready", "SMTP servers did not start: {}", self.smtp_log());
    }

    fn wait_port(&mut self, port: u16, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(Ok(Some(status))) = self.dovecot.as_mut().map(Child::try_wait) {
                panic!("{what} exited ({status}): {}", self.dovecot_log());
            }
            assert!(
                Instant::now() < deadline,
                "{what} not listening in 30 s: {}",
                self.dovecot_log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn dovecot_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dovecot.log")).unwrap_or_default()
    }

    pub fn smtp_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("smtp.log")).unwrap_or_default()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// An Earshot agent's `[desk]` and `[email]` on the support queue's mailbox: IMAP and
    /// SMTP with STARTTLS, or with TLS from the start (`implicit_tls`), trusting the test
    /// CA; room for `capacity` emails; `desk_more` added to `[desk]`.
    pub fn agent_config(&self, implicit_tls: bool, capacity: u32, desk_more: &str) -> String {
        let (imap, smtp) = if implicit_tls {
            (
                format!("imaps://127.0.0.1:{}", self.imaps_port),
                format!("smtps://127.0.0.1:{}", self.tls_port),
            )
        } else {
            (
                format!("imap://127.0.0.1:{}", self.imap_port),
                format!("smtp://127.0.0.1:{}", self.submission_port),
            )
        };
        format!(
            "[desk]\noffer_timeout_s = 10\ncapacity = {{ voice = 1, chat = 0, email = {capacity} }}\n{desk_more}\
             [desk.queues.support]\nlabel = \"Support\"\n\
             [email]\nsignature = \"{{agent}} — {{queue}}\"\nreply_hold_s = 5\ndecline_skip_s = 30\n\
             [[email.mailboxes]]\nqueue = \"support\"\naddress = \"{QUEUE}\"\nname = \"Shop Support\"\n\
             imap = \"{imap}\"\nsmtp = \"{smtp}\"\nuser = \"{QUEUE}\"\npassword = \"{QUEUE_PASSWORD}\"\n\
             ca_file = {:?}\n",
            self.ca_file().display().to_string()
        )
    }

    /// Puts `messages` straight into `user`'s Maildir folder (`None`: INBOX) as new mail,
    /// as a mail server that delivered them would leave them: for filling a mailbox with
    /// thousands of messages quickly. Dovecot finds them at its next look.
    pub fn fill_maildir(&self, user: &str, folder: Option<&str>, messages: &[Vec<u8>]) {
        let mut dir = self.dir.join("mail").join(user);
        if let Some(f) = folder {
            dir = dir.join(format!(".{}", f.replace('/', ".")));
        }
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(dir.join(sub)).expect("maildir");
        }
        if folder.is_some() {
            let _ = std::fs::write(dir.join("maildirfolder"), b"");
        }
        for (n, raw) in messages.iter().enumerate() {
            let name = format!("{}.M{n}P{}.earshot-test", 1_764_000_000 + n, std::process::id());
            std::fs::write(dir.join("new").join(name), raw).expect("message");
        }
        if crate::running_as_root() {
            let _ = Command::new("chown")
                .args(["-R", &format!("{}:nogroup", self.mail_user)])
                .arg(self.dir.join("mail"))
                .status();
        }
    }

    /// The CA certificate's file, for a client's configuration.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// Messages the SMTP servers accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let mut out = Vec::new();
        for n in 1.. {
            let eml = self.dir.join(format!("received/{n}.eml"));
            let Ok(raw) = std::fs::read(&eml) else { break };
            let meta: serde_json::Value =
                std::fs::read_to_string(self.dir.join(format!("received/{n}.json")))
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or_default();
            out.push(Received {
                raw,
                mail_from: meta["mail_from"].as_str().unwrap_or_default().to_owned(),
                rcpt_tos: meta["rcpt_tos"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
                listener: meta["listener"].as_str().unwrap_or_default().to_owned(),
                user: meta["user"].as_str().map(str::to_owned),
            });
        }
        out
    }

    /// Waits (bounded) until at least `n` messages were accepted.
    pub fn wait_received(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} messages received: {}",
                got.len(),
                self.smtp_log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `raw` from `from` to `to` through the inbound SMTP server (as the world
    /// does), with a plain SMTP client (RFC 5321): the server's final answer.
    pub fn send_inbound(&self, from: &str, to: &[&str], raw: &[u8]) -> Result<(), String> {
        smtp_send(self.inbound_port, from, to, raw)
    }

    /// Sends with `swaks`, as a person testing a site would.
    pub fn swaks(&self, from: &str, to: &str, subject: &str, body: &str) {
        need("swaks", "swaks");
        let out = Command::new("swaks")
            .args(["--server", &format!("127.0.0.1:{}", self.inbound_port)])
            .args(["--from", from, "--to", to])
            .args(["--header", &format!("Subject: {subject}")])
            .args(["--body", body])
            .args(["--timeout", "10"])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("swaks: {e}"));
        assert!(out.status.success(), "swaks: {}", String::from_utf8_lossy(&out.stdout));
    }

    /// `doveadm` on this site's Dovecot (as root or the mail user), its output.
    pub fn doveadm(&self, args: &[&str]) -> String {
        let out = Command::new("doveadm")
            .arg("-c")
            .arg(self.conf())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("doveadm: {e}"));
        assert!(out.status.success(), "doveadm {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Message-IDs in `mailbox` of `user`, as Dovecot has them.
    pub fn message_ids(&self, user: &str, mailbox: &str) -> Vec<String> {
        self.doveadm(&[
            "-f",
            "flow",
            "fetch",
            "-u",
            user,
            "hdr.message-id",
            "mailbox",
            mailbox,
            "ALL",
        ])
        .lines()
        .filter_map(|l| {
            l.split_once("hdr.message-id=")
                .map(|(_, v)| v.trim().trim_matches(['<', '>']).to_owned())
        })
        .filter(|v| !v.is_empty())
        .collect()
    }

    /// The flags of each message in `mailbox`, by Message-ID.
    pub fn flags(&self, user: &str, mailbox: &str) -> Vec<(String, String)> {
        self.doveadm(&[
            "-f",
            "flow",
            "fetch",
            "-u",
            user,
            "flags hdr.message-id",
            "mailbox",
            mailbox,
            "ALL",
        ])
        .lines()
        .filter_map(|l| {
            let flags = l.split("flags=").nth(1)?.split(" hdr.message-id=").next()?.to_owned();
            let id = l.split("hdr.message-id=").nth(1)?.trim().trim_matches(['<', '>']).to_owned();
            Some((id, flags))
        })
        .collect()
    }
}

impl Drop for MailSite {
    fn drop(&mut self) {
        if let Some(mut smtp) = self.smtp.take() {
            drop(smtp.stdin.take());
            stop(&mut smtp);
        }
        self.stop_imap();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// TERM to the process group, then KILL after 10 s.
fn stop(child: &mut Child) {
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", "--", &format!("-{pid}")]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
    let _ = child.wait();
}

/// A test CA and a certificate for 127.0.0.1 and localhost signed by it (PEM: CA, cert,
/// key).
fn test_certificates() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Earshot test CA");
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    params.subject_alt_names.push(SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])));
    let cert = params.signed_by(&key, &issuer).expect("cert");
    (ca.pem(), cert.pem(), key.serialize_pem())
}

/// A plain SMTP client (RFC 5321 §3–4): EHLO, MAIL, RCPT…, DATA with dot-stuffing, QUIT.
pub fn smtp_send(port: u16, from: &str, to: &[&str], raw: &[u8]) -> Result<(), String> {
    let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
    let mut writer = stream;
    let answer = |reader: &mut BufReader<TcpStream>| -> Result<(u16, String), String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).map_err(|e| e.to_string())?;
            if line.is_empty() {
                return Err("connection closed".to_owned());
            }
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                let code = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
                return Ok((code, all));
            }
        }
    };
    let step = |writer: &mut TcpStream, reader: &mut BufReader<TcpStream>, line: &str, ok: u16| {
        if !line.is_empty() {
            writer.write_all(format!("{line}\r\n").as_bytes()).map_err(|e| e.to_string())?;
        }
        let (code, text) = answer(reader)?;
        if code / 100 != ok / 100 {
            return Err(text);
        }
        Ok(())
    };
    step(&mut writer, &mut reader, "", 220)?;
    step(&mut writer, &mut reader, "EHLO customer.example", 250)?;
    step(&mut writer, &mut reader, &format!("MAIL FROM:<{from}>"), 250)?;
    for rcpt in to {
        step(&mut writer, &mut reader, &format!("RCPT TO:<{rcpt}>"), 250)?;
    }
    step(&mut writer, &mut reader, "DATA", 354)?;
    let mut data = Vec::with_capacity(raw.len() + 16);
    for line in raw.split_inclusive(|b| *b == b'\n') {
        if line.first() == Some(&b'.') {
            data.push(b'.');
        }
        data.extend_from_slice(line);
    }
    if !data.ends_with(b"\r\n") {
        data.extend_from_slice(b"\r\n");
    }
    data.extend_from_slice(b".\r\n");
    writer.write_all(&data).map_err(|e| e.to_string())?;
    step(&mut writer, &mut reader, "", 250)?;
    let _ = writer.write_all(b"QUIT\r\n");
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    Ok(())
}
