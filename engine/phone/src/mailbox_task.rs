//! The driver's task for one queue's shared mailbox (DESIGN.md §7 "Email"): an IMAP
//! session (RFC 3501) that waits in IDLE (RFC 2177) on the queue's INBOX and, while the
//! agent has room for an email, claims the next message by UID MOVE (RFC 6851) into the
//! agent's folder — the server moves it once, so of two agents racing only one gets the
//! COPYUID (RFC 4315) that says it moved. It also does what the phone core asks in the
//! agent's folder (put a message back, flag it answered, file a finished thread), keeps a
//! copy of sent mail (APPEND), and reconnects with back-off when the connection drops.
//! It reads the clock: it is a driver.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use async_imap::imap_proto::rfc4315::UidSetMember;
use async_imap::imap_proto::{Response, ResponseCode, Status};
use async_imap::types::Flag;
use async_imap::{Client, Session};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_rustls::TlsConnector;

use super::driver::Input;
use super::email_config::{MailboxSettings, ServerUrl};
use super::mail_tls::{self, MailStream};

/// What the phone core asks of a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailboxJob {
    /// Whether the agent has room for one more email: claim one (each claim uses it up;
    /// the core says again).
    Hungry(bool),
    /// Put a claimed message back in the queue (declined, missed, refused).
    Release { uid: u32, message_id: String },
    /// File a finished thread's messages (the done folder).
    Finish { uids: Vec<u32> },
    /// Flag a message in the agent's folder (`\Seen`, `\Answered`).
    Flag { uid: u32, flag: String },
    /// Keep a copy of what we sent (the sent folder, `\Seen`).
    AppendSent { bytes: Vec<u8> },
    /// Earlier messages of a thread, by Message-ID, from the sent and done folders.
    LoadThread { interaction: u64, ids: Vec<String> },
}

/// What a mailbox tells the phone core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailReport {
    /// The mailbox can (or cannot) be reached; `why` when not.
    Online {
        mailbox: usize,
        online: bool,
        why: Option<String>,
    },
    /// A message claimed for this agent: its UID in the agent's folder and its bytes.
    Claimed {
        mailbox: usize,
        uid: u32,
        raw: Vec<u8>,
    },
    /// A message of interaction `interaction`, taken up again after a restart, found in
    /// the agent's folder.
    Resumed {
        mailbox: usize,
        interaction: u64,
        uid: u32,
        raw: Vec<u8>,
    },
    /// Earlier messages of a thread (oldest first), for interaction `interaction`.
    ThreadLoaded {
        mailbox: usize,
        interaction: u64,
        raws: Vec<Vec<u8>>,
    },
    /// A job could not be done (`what` names it).
    Failed {
        mailbox: usize,
        what: String,
        why: String,
    },
    /// A message was sent (SMTP accepted it: its bytes as sent) or could not be.
    Sent {
        interaction: u64,
        message_id: String,
        raw: Vec<u8>,
    },
    SendFailed {
        interaction: u64,
        message_id: String,
        why: String,
    },
    /// An attachment was saved where the agent asked, or could not be.
    Saved {
        interaction: u64,
        path: String,
        bytes: u64,
    },
    SaveFailed {
        interaction: u64,
        path: String,
        why: String,
    },
}

/// The folders a mailbox uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folders {
    /// This agent's claimed mail (`Earshot/alice`).
    pub agent: String,
    pub sent: String,
    pub done: String,
}

/// What the task knows of a message waiting in the queue.
#[derive(Debug, Clone)]
struct Waiting {
    message_id: String,
    /// Ids it answers (In-Reply-To, References).
    answers: Vec<String>,
    /// When the server got it (INTERNALDATE), Unix ms.
    arrived_ms: i64,
}

/// The task's state between connections.
#[derive(Debug)]
pub struct MailboxTask {
    pub index: usize,
    pub settings: MailboxSettings,
    pub folders: Folders,
    /// Our Message-IDs start `earshot.<me>.`; others' `earshot.<them>.` (mail_ids.rs).
    pub me: String,
    pub reply_hold: Duration,
    pub decline_skip: Duration,
    pub inputs: mpsc::WeakUnboundedSender<Input>,
    pub jobs: mpsc::UnboundedReceiver<MailboxJob>,
    hungry: bool,
    /// Message-IDs declined here, until when they are skipped.
    skipped: HashMap<String, Instant>,
    /// What is known of the queue's messages, by UID (for this UIDVALIDITY).
    waiting: HashMap<u32, Waiting>,
    validity: Option<u32>,
    /// Jobs received while busy, done at the next chance.
    pending: Vec<MailboxJob>,
    /// Queue messages seen marked as claimed, since when (an abandoned claim is undone).
    claimed_since: HashMap<u32, Instant>,
    /// Whether mail claimed before this phone started was put back in the queue.
    orphans_returned: bool,
    /// The messages of email interactions taken up again (Message-ID → interaction):
    /// kept in the agent's folder at the first connection, not put back.
    resume: std::collections::BTreeMap<String, u64>,
}

type ImapSession = Session<MailStream>;

/// Back-off between reconnections: 1 s doubling to 30 s.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_MOST: Duration = Duration::from_secs(30);
/// An IDLE is renewed before servers drop it (RFC 2177: at least every 29 minutes).
const IDLE_RENEW: Duration = Duration::from_secs(20 * 60);
/// The keyword an agent's Earshot sets on a queue message it is claiming.
const CLAIM_KEYWORD: &str = "$EarshotClaimed";
/// A claim keyword on a message still in the queue this long was abandoned.
const ABANDONED_CLAIM: Duration = Duration::from_secs(60);
/// Any one IMAP command must answer in this long, or the connection is taken as lost.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The wall clock (INTERNALDATE comparisons).
#[allow(clippy::disallowed_methods)] // a driver: reads the clock
fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[allow(clippy::disallowed_methods)] // a driver: reads the clock
fn now() -> Instant {
    Instant::now()
}

impl MailboxTask {
    pub fn new(
        index: usize,
        settings: MailboxSettings,
        folders: Folders,
        me: String,
        holds: (Duration, Duration),
        inputs: mpsc::WeakUnboundedSender<Input>,
        jobs: mpsc::UnboundedReceiver<MailboxJob>,
    ) -> MailboxTask {
        MailboxTask {
            index,
            settings,
            folders,
            me,
            reply_hold: holds.0,
            decline_skip: holds.1,
            inputs,
            jobs,
            hungry: false,
            skipped: HashMap::new(),
            waiting: HashMap::new(),
            validity: None,
            pending: Vec::new(),
            claimed_since: HashMap::new(),
            orphans_returned: false,
            resume: Default::default(),
        }
    }

    /// Keeps these messages (Message-ID → interaction) for the interactions taken up
    /// again.
    pub fn resuming(mut self, resume: std::collections::BTreeMap<String, u64>) -> MailboxTask {
        self.resume = resume;
        self
    }

    fn report(&self, report: MailReport) -> bool {
        match self.inputs.upgrade() {
            Some(inputs) => inputs.send(Input::Mail(report)).is_ok(),
            None => false,
        }
    }

    /// Runs until the phone stops: connect, work, and on any loss connect again.
    pub async fn run(mut self) {
        let connector = match mail_tls::tls_connector(self.settings.ca_file.as_deref()) {
            Ok(c) => c,
            Err(why) => {
                self.report(MailReport::Online {
                    mailbox: self.index,
                    online: false,
                    why: Some(why),
                });
                return;
            }
        };
        let mut backoff = BACKOFF_FIRST;
        loop {
            let why = match self.connect(&connector).await {
                Ok(session) => {
                    backoff = BACKOFF_FIRST;
                    if !self.report(MailReport::Online {
                        mailbox: self.index,
                        online: true,
                        why: None,
                    }) {
                        return;
                    }
                    match self.work(session).await {
                        Ok(()) => return, // the phone stopped
                        Err(why) => why,
                    }
                }
                Err(why) => why,
            };
            if !self.report(MailReport::Online {
                mailbox: self.index,
                online: false,
                why: Some(why),
            }) {
                return;
            }
            // Wait out the back-off, still taking the core's jobs (they wait for the
            // connection; hunger is only a flag).
            let until = tokio::time::Instant::now() + backoff;
            loop {
                tokio::select! {
                    () = tokio::time::sleep_until(until) => break,
                    job = self.jobs.recv() => match job {
                        Some(job) => self.take(job),
                        None => return,
                    },
                }
            }
            backoff = (backoff * 2).min(BACKOFF_MOST);
        }
    }

    fn take(&mut self, job: MailboxJob) {
        match job {
            MailboxJob::Hungry(h) => self.hungry = h,
            other => self.pending.push(other),
        }
    }

    /// Connects and logs in (TLS from the start, or STARTTLS; clear text is refused).
    async fn connect(&self, connector: &TlsConnector) -> Result<ImapSession, String> {
        let url = ServerUrl::parse(&self.settings.imap, "imap")?;
        let tcp = mail_tls::connect(&url.host, url.port).await?;
        let mut client = if url.implicit_tls {
            let tls = mail_tls::start_tls(connector, &url.host, tcp).await?;
            let mut client = Client::new(tls);
            greeting(&mut client).await?;
            client
        } else {
            let mut client = Client::new(MailStream::Plain(tcp));
            greeting(&mut client).await?;
            timed(client.run_command_and_check_ok("STARTTLS", None))
                .await?
                .map_err(|e| format!("STARTTLS refused by {}: {e}", url.host))?;
            let MailStream::Plain(tcp) = client.into_inner() else {
                return Err("STARTTLS on a TLS stream".into());
            };
            Client::new(mail_tls::start_tls(connector, &url.host, tcp).await?)
        };
        let _ = &mut client;
        let session =
            timed(client.login(&self.settings.user, &self.settings.password)).await?.map_err(
                |(e, _)| format!("{} refused the login of {}: {e}", url.host, self.settings.user),
            )?;
        Ok(session)
    }

    /// One connection's life: folders made, then claims, jobs and IDLE until it drops
    /// (`Err`) or the phone stops (`Ok`).
    async fn work(&mut self, mut session: ImapSession) -> Result<(), String> {
        for folder in [&self.folders.agent, &self.folders.sent, &self.folders.done] {
            // NO [ALREADYEXISTS] is the usual answer after the first time.
            let _ = timed(session.create(folder)).await?;
        }
        if !self.orphans_returned {
            self.return_orphans(&mut session).await?;
            self.orphans_returned = true;
        }
        self.select_inbox(&mut session).await?;
        loop {
            while let Ok(job) = self.jobs.try_recv() {
                self.take(job);
            }
            if !self.pending.is_empty() {
                self.do_jobs(&mut session).await?;
                self.select_inbox(&mut session).await?;
            }
            if self.hungry && self.claim(&mut session).await? {
                continue;
            }
            // Nothing to do: wait in IDLE for new mail, a job, or a held reply to free.
            let wake = self.next_wake();
            let mut idle = session.idle();
            timed(idle.init()).await?.map_err(|e| format!("IDLE: {e}"))?;
            let (wait, stop) = idle.wait_with_timeout(IDLE_RENEW);
            let got = tokio::select! {
                r = wait => match r {
                    Ok(_) => None,
                    Err(e) => return Err(format!("IDLE: {e}")),
                },
                job = self.jobs.recv() => Some(job),
                () = sleep_until(wake) => None,
            };
            drop(stop);
            session = timed(idle.done()).await?.map_err(|e| format!("IDLE: {e}"))?;
            match got {
                Some(Some(job)) => self.take(job),
                Some(None) => {
                    let _ = timed(session.logout()).await;
                    return Ok(());
                }
                None => {}
            }
        }
    }

    /// Mail left in the agent's folder by an earlier run: the messages of the email
    /// interactions taken up again are given back to them (`Resumed`); the rest (an offer
    /// left unanswered, work this desk did not keep) goes back to the queue, unmarked, to
    /// be offered again — to this agent or a colleague.
    async fn return_orphans(&mut self, session: &mut ImapSession) -> Result<(), String> {
        let agent = self.folders.agent.clone();
        timed(session.select(&agent)).await?.map_err(|e| format!("SELECT {agent}: {e}"))?;
        let uids = timed(session.uid_search("ALL")).await?.map_err(|e| format!("SEARCH: {e}"))?;
        if uids.is_empty() {
            return Ok(());
        }
        let mut uids: Vec<u32> = uids.into_iter().collect();
        uids.sort_unstable();
        if !self.resume.is_empty() {
            let kept = self.resume_kept(session, &uids).await?;
            uids.retain(|u| !kept.contains(u));
            if uids.is_empty() {
                return Ok(());
            }
        }
        let set = uid_set(&uids);
        let unmark = format!("UID STORE {set} -FLAGS.SILENT ({CLAIM_KEYWORD})");
        let _ = timed(session.run_command_and_check_ok(&unmark)).await?;
        if let Err(e) = timed(session.uid_mv(&set, "INBOX")).await? {
            let what = "return-claimed".to_owned();
            self.report(MailReport::Failed { mailbox: self.index, what, why: e.to_string() });
        }
        Ok(())
    }

    /// Of the agent's folder's `uids`, those whose Message-ID an interaction taken up
    /// again names, each reported with its bytes (`Resumed`).
    async fn resume_kept(
        &mut self,
        session: &mut ImapSession,
        uids: &[u32],
    ) -> Result<HashSet<u32>, String> {
        let stream = timed(session.uid_fetch(uid_set(uids), "(UID BODY.PEEK[HEADER])"))
            .await?
            .map_err(|e| format!("FETCH: {e}"))?;
        let mut wanted = Vec::new();
        for f in timed(stream.collect::<Vec<_>>()).await?.into_iter().flatten() {
            let (Some(uid), Some(header)) = (f.uid, f.header()) else { continue };
            let id = earshot_mail::MailMessage::parse(header).message_id;
            if let Some(&interaction) = self.resume.get(&id) {
                wanted.push((uid, interaction));
            }
        }
        let mut kept = HashSet::new();
        for (uid, interaction) in wanted {
            let stream = timed(session.uid_fetch(uid.to_string(), "(UID BODY.PEEK[])"))
                .await?
                .map_err(|e| format!("FETCH: {e}"))?;
            for f in timed(stream.collect::<Vec<_>>()).await?.into_iter().flatten() {
                if let Some(raw) = f.body() {
                    kept.insert(uid);
                    let raw = raw.to_vec();
                    self.report(MailReport::Resumed { mailbox: self.index, interaction, uid, raw });
                }
            }
        }
        Ok(kept)
    }

    async fn select_inbox(&mut self, session: &mut ImapSession) -> Result<(), String> {
        let inbox = timed(session.select_condstore("INBOX"))
            .await?
            .map_err(|e| format!("SELECT INBOX: {e}"))?;
        if inbox.uid_validity != self.validity {
            self.validity = inbox.uid_validity;
            self.waiting.clear();
        }
        Ok(())
    }

    /// When a reply held for another agent, or a declined message, may be taken.
    fn next_wake(&self) -> Option<Instant> {
        if !self.hungry {
            return None;
        }
        let now_ms = unix_ms();
        let hold_ms = i64::try_from(self.reply_hold.as_millis()).unwrap_or(i64::MAX);
        let held = self
            .waiting
            .values()
            .filter(|w| self.held_for_other(w))
            .map(|w| w.arrived_ms.saturating_add(hold_ms).saturating_sub(now_ms))
            .filter(|ms| *ms > 0)
            .min()
            .map(|ms| now() + Duration::from_millis(u64::try_from(ms).unwrap_or(0) + 50));
        let skipped = self.skipped.values().min().copied();
        [held, skipped].into_iter().flatten().min()
    }

    /// An answer to mail another agent sent (our Message-IDs name the agent).
    fn held_for_other(&self, w: &Waiting) -> bool {
        let mine = format!("earshot.{}.", self.me);
        let others = w.answers.iter().any(|a| a.starts_with("earshot.") && !a.starts_with(&mine));
        let ours = w.answers.iter().any(|a| a.starts_with(&mine));
        others && !ours
    }

    /// Claims the best waiting message, if one may be taken: `true` if one was.
    async fn claim(&mut self, session: &mut ImapSession) -> Result<bool, String> {
        let uids =
            timed(session.uid_search("UNDELETED")).await?.map_err(|e| format!("SEARCH: {e}"))?;
        self.waiting.retain(|uid, _| uids.contains(uid));
        let unknown: Vec<u32> =
            uids.iter().copied().filter(|u| !self.waiting.contains_key(u)).collect();
        if !unknown.is_empty() {
            self.learn(session, &unknown).await?;
        }
        let now_ms = unix_ms();
        let t = now();
        self.skipped.retain(|_, until| *until > t);
        let hold_ms = i64::try_from(self.reply_hold.as_millis()).unwrap_or(i64::MAX);
        let mine = format!("earshot.{}.", self.me);
        let mut order: Vec<(u8, u32)> = Vec::new();
        for (uid, w) in &self.waiting {
            if self.skipped.contains_key(&w.message_id) {
                continue;
            }
            if w.answers.iter().any(|a| a.starts_with(&mine)) {
                order.push((0, *uid)); // an answer to our own mail first
            } else if !self.held_for_other(w) || w.arrived_ms.saturating_add(hold_ms) <= now_ms {
                order.push((1, *uid));
            }
        }
        order.sort_unstable();
        for (_, uid) in order.into_iter().take(20) {
            match self.move_one(session, uid).await? {
                Some((new_uid, raw)) => {
                    self.waiting.remove(&uid);
                    self.hungry = false;
                    self.report(MailReport::Claimed { mailbox: self.index, uid: new_uid, raw });
                    return Ok(true);
                }
                None => {
                    self.waiting.remove(&uid); // another agent took it
                }
            }
        }
        Ok(false)
    }

    /// Reads the threading headers and arrival of queue messages not seen yet.
    async fn learn(&mut self, session: &mut ImapSession, uids: &[u32]) -> Result<(), String> {
        for chunk in uids.chunks(500) {
            let set = uid_set(chunk);
            let fetched: Vec<_> = {
                let stream = timed(session.uid_fetch(&set, "(UID INTERNALDATE BODY.PEEK[HEADER])"))
                    .await?
                    .map_err(|e| format!("FETCH: {e}"))?;
                timed(stream.collect::<Vec<_>>()).await?
            };
            for f in fetched {
                let f = f.map_err(|e| format!("FETCH: {e}"))?;
                let Some(uid) = f.uid else { continue };
                let header = earshot_mail::MailMessage::parse(f.header().unwrap_or_default());
                let answers =
                    header.in_reply_to.iter().chain(&header.references).cloned().collect();
                self.waiting.insert(
                    uid,
                    Waiting {
                        message_id: header.message_id,
                        answers,
                        arrived_ms: f.internal_date().map_or(0, |d| d.timestamp_millis()),
                    },
                );
            }
        }
        Ok(())
    }

    /// Claims message `uid`: reads it, marks it ours with a conditional STORE (RFC 7162
    /// §3.1.3: only if nobody changed it since we read it — of two agents racing, one
    /// wins), then moves it to the agent's folder. Its new UID and bytes, or `None` if
    /// another agent has it. (MOVE alone is not enough: a server may do it as copy and
    /// expunge, and two sessions can both copy.)
    async fn move_one(
        &mut self,
        session: &mut ImapSession,
        uid: u32,
    ) -> Result<Option<(u32, Vec<u8>)>, String> {
        let found = {
            let stream =
                timed(session.uid_fetch(uid.to_string(), "(UID MODSEQ FLAGS BODY.PEEK[])"))
                    .await?
                    .map_err(|e| format!("FETCH: {e}"))?;
            let fetched: Vec<_> = timed(stream.collect::<Vec<_>>()).await?;
            fetched.into_iter().filter_map(Result::ok).find(|f| f.uid == Some(uid)).and_then(|f| {
                let claimed = f.flags().any(
                    |flag| matches!(flag, Flag::Custom(k) if k.eq_ignore_ascii_case(CLAIM_KEYWORD)),
                );
                Some((f.body()?.to_vec(), f.modseq?, claimed))
            })
        };
        let Some((raw, modseq, claimed)) = found else { return Ok(None) };
        if claimed {
            // Someone's claim: it moves in a moment. One left for a minute was abandoned
            // (its Earshot stopped between mark and move): unmarked, for all to race.
            let first = *self.claimed_since.entry(uid).or_insert_with(now);
            if now().saturating_duration_since(first) > ABANDONED_CLAIM {
                let unmark = format!(
                    "UID STORE {uid} (UNCHANGEDSINCE {modseq}) -FLAGS.SILENT ({CLAIM_KEYWORD})"
                );
                let _ = conditional(session, &unmark).await?;
                self.claimed_since.remove(&uid);
            }
            return Ok(None);
        }
        let mark =
            format!("UID STORE {uid} (UNCHANGEDSINCE {modseq}) +FLAGS.SILENT ({CLAIM_KEYWORD})");
        if !conditional(session, &mark).await? {
            return Ok(None);
        }
        let folder = quoted(&self.folders.agent);
        let moved = uid_command_copyuid(session, &format!("UID MOVE {uid} {folder}")).await?;
        Ok(moved.map(|new_uid| (new_uid, raw)))
    }

    /// The jobs waiting, in order (most in the agent's folder).
    async fn do_jobs(&mut self, session: &mut ImapSession) -> Result<(), String> {
        let jobs = std::mem::take(&mut self.pending);
        let agent = self.folders.agent.clone();
        timed(session.select(&agent)).await?.map_err(|e| format!("SELECT {agent}: {e}"))?;
        for (n, job) in jobs.iter().enumerate() {
            let done = self.do_job(session, job.clone()).await;
            if let Err(why) = done {
                // The connection failed under it: this job and the rest wait for the next.
                self.pending.extend(jobs.into_iter().skip(n));
                return Err(why);
            }
        }
        Ok(())
    }

    async fn do_job(&mut self, session: &mut ImapSession, job: MailboxJob) -> Result<(), String> {
        let failed = |what: &str, why: String| MailReport::Failed {
            mailbox: self.index,
            what: what.into(),
            why,
        };
        match job {
            MailboxJob::Hungry(h) => self.hungry = h,
            MailboxJob::Release { uid, message_id } => {
                if !message_id.is_empty() {
                    self.skipped.insert(message_id, now() + self.decline_skip);
                }
                // Unmarked (the claim keyword went with it), then back in the queue.
                let unmark = format!("UID STORE {uid} -FLAGS.SILENT ({CLAIM_KEYWORD})");
                let _ = timed(session.run_command_and_check_ok(&unmark)).await?;
                let r = timed(session.uid_mv(uid.to_string(), "INBOX")).await?;
                if let Err(e) = r {
                    self.report(failed("release", e.to_string()));
                }
            }
            MailboxJob::Finish { uids } => {
                if !uids.is_empty() {
                    let r = timed(session.uid_mv(uid_set(&uids), &self.folders.done)).await?;
                    if let Err(e) = r {
                        self.report(failed("finish", e.to_string()));
                    }
                }
            }
            MailboxJob::Flag { uid, flag } => {
                let r =
                    timed(session.uid_store(uid.to_string(), format!("+FLAGS ({flag})"))).await?;
                match r {
                    Ok(stream) => {
                        let _ = timed(stream.collect::<Vec<_>>()).await?;
                    }
                    Err(e) => {
                        self.report(failed("flag", e.to_string()));
                    }
                }
            }
            MailboxJob::AppendSent { bytes } => {
                let r = timed(session.append(&self.folders.sent, Some("(\\Seen)"), None, &bytes))
                    .await?;
                if let Err(e) = r {
                    self.report(failed("keep-sent", e.to_string()));
                }
            }
            MailboxJob::LoadThread { interaction, ids } => {
                let mut raws = Vec::new();
                let mut seen = HashSet::new();
                for folder in [
                    self.folders.done.clone(),
                    self.folders.sent.clone(),
                    self.folders.agent.clone(),
                ] {
                    timed(session.select(&folder))
                        .await?
                        .map_err(|e| format!("SELECT {folder}: {e}"))?;
                    for chunk in ids.chunks(50) {
                        let query = header_query(chunk);
                        let Ok(uids) = timed(session.uid_search(&query)).await? else { continue };
                        if uids.is_empty() {
                            continue;
                        }
                        let mut uids: Vec<u32> = uids.into_iter().collect();
                        uids.sort_unstable();
                        let stream = timed(session.uid_fetch(uid_set(&uids), "(UID BODY.PEEK[])"))
                            .await?
                            .map_err(|e| format!("FETCH: {e}"))?;
                        for f in timed(stream.collect::<Vec<_>>()).await?.into_iter().flatten() {
                            if let Some(body) = f.body()
                                && seen.insert(body.to_vec())
                            {
                                raws.push(body.to_vec());
                            }
                        }
                    }
                }
                timed(session.select(&self.folders.agent))
                    .await?
                    .map_err(|e| format!("SELECT: {e}"))?;
                self.report(MailReport::ThreadLoaded { mailbox: self.index, interaction, raws });
            }
        }
        Ok(())
    }
}

/// `HEADER Message-ID <a>` for each id, OR-ed (RFC 3501 §6.4.4).
fn header_query(ids: &[String]) -> String {
    let one = |id: &String| format!("HEADER Message-ID {}", quoted(&format!("<{id}>")));
    let mut query = String::new();
    for (n, id) in ids.iter().enumerate() {
        if n + 1 < ids.len() {
            query.push_str("OR ");
        }
        query.push_str(&one(id));
        query.push(' ');
    }
    query.trim_end().to_owned()
}

/// A conditional STORE (RFC 7162 §3.1.3): `true` if it was done, `false` if the message
/// changed since (`[MODIFIED …]`) or is gone.
async fn conditional(session: &mut ImapSession, command: &str) -> Result<bool, String> {
    let tag = timed(session.run_command(command)).await?.map_err(|e| e.to_string())?;
    loop {
        let response = timed(session.read_response())
            .await?
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "the server closed the connection".to_owned())?;
        if let Response::Done { tag: done, status, outcome } = response.parsed()
            && *done == tag
        {
            let modified = outcome
                .information
                .as_deref()
                .is_some_and(|i| i.to_ascii_uppercase().contains("[MODIFIED"));
            return Ok(*status == Status::Ok && !modified);
        }
    }
}

/// Reads the server's greeting.
async fn greeting(client: &mut Client<MailStream>) -> Result<(), String> {
    match tokio::time::timeout(COMMAND_TIMEOUT, client.read_response()).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) => Err("the server closed the connection".into()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no greeting".into()),
    }
}

/// A UID command whose success is its COPYUID (RFC 4315 §3, sent with MOVE as RFC 6851
/// §4.3 says): the new UID, or `None` when nothing moved.
async fn uid_command_copyuid(
    session: &mut ImapSession,
    command: &str,
) -> Result<Option<u32>, String> {
    let tag = timed(session.run_command(command)).await?.map_err(|e| e.to_string())?;
    let mut copied = None;
    loop {
        let response = timed(session.read_response())
            .await?
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "the server closed the connection".to_owned())?;
        match response.parsed() {
            Response::Data { outcome, .. } => {
                if let Some(ResponseCode::CopyUid(_, _, to)) = &outcome.code {
                    copied = first_uid(to);
                }
            }
            Response::Done { tag: done, status, outcome } if *done == tag => {
                if let Some(ResponseCode::CopyUid(_, _, to)) = &outcome.code {
                    copied = copied.or(first_uid(to));
                }
                return Ok(if *status == Status::Ok { copied } else { None });
            }
            _ => {}
        }
    }
}

fn first_uid(set: &[UidSetMember]) -> Option<u32> {
    match set.first()? {
        UidSetMember::Uid(u) => Some(*u),
        UidSetMember::UidRange(r) => Some(*r.start()),
    }
}

/// `1,3,5` — a UID set (RFC 3501 §9 sequence-set).
fn uid_set(uids: &[u32]) -> String {
    uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

/// A mailbox name or string as an IMAP quoted string.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// Bounds one IMAP exchange: a server that stops answering is a lost connection.
async fn timed<F: std::future::Future>(f: F) -> Result<F::Output, String> {
    tokio::time::timeout(COMMAND_TIMEOUT, f)
        .await
        .map_err(|_| format!("the server did not answer in {} s", COMMAND_TIMEOUT.as_secs()))
}
