//! Call history in SQLite (a file in the data directory): one row per call with its
//! direction, parties, times, duration, outcome and quality. The schema is migrated in
//! code (`PRAGMA user_version` counts the steps applied); every write is one transaction
//! in WAL mode with full sync, so a crash mid-write leaves the file whole.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

/// The schema, one step per entry; a database at `user_version = n` has had the first `n`.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        direction TEXT NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
        local TEXT NOT NULL,
        remote TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        answered_ms INTEGER,
        ended_ms INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        reason TEXT
    );
    CREATE INDEX calls_by_start ON calls (started_ms);",
    "ALTER TABLE calls ADD COLUMN codec TEXT;
    ALTER TABLE calls ADD COLUMN mos REAL;
    ALTER TABLE calls ADD COLUMN loss_pct REAL;
    ALTER TABLE calls ADD COLUMN jitter_ms REAL;
    ALTER TABLE calls ADD COLUMN rtt_ms REAL;",
];

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("call history {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error("call history: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(
        "call history {path} was written by a newer Earshot (schema {found}, this one knows {known})"
    )]
    TooNew { path: String, found: i64, known: usize },
}

/// How a call ended, for the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Answered, then hung up by either side.
    Answered,
    /// Incoming, never answered here (the caller gave up or it was declined elsewhere).
    Missed,
    /// Declined here, or by the peer (4xx–6xx).
    Rejected,
    /// We gave up before the answer.
    Cancelled,
    /// No answer, no route, transport error.
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Missed => "missed",
            Outcome::Rejected => "rejected",
            Outcome::Cancelled => "cancelled",
            Outcome::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Outcome {
        match s {
            "answered" => Outcome::Answered,
            "missed" => Outcome::Missed,
            "rejected" => Outcome::Rejected,
            "cancelled" => Outcome::Cancelled,
            _ => Outcome::Failed,
        }
    }
}

/// One call as the history keeps it. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CallRecord {
    pub incoming: bool,
    pub local: String,
    pub remote: String,
    pub started_ms: i64,
    pub answered_ms: Option<i64>,
    pub ended_ms: i64,
    pub outcome: Outcome,
    pub reason: Option<String>,
    pub codec: Option<String>,
    pub mos: Option<f64>,
    pub loss_pct: Option<f64>,
    pub jitter_ms: Option<f64>,
    pub rtt_ms: Option<f64>,
}

impl CallRecord {
    /// Seconds from answer to end; 0 for calls never answered.
    pub fn duration_s(&self) -> f64 {
        self.answered_ms.map_or(0.0, |a| (self.ended_ms - a).max(0) as f64 / 1000.0)
    }
}

#[derive(Debug)]
pub struct History {
    conn: Connection,
}

impl History {
    /// Opens (creating) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        let name = path.display().to_string();
        let open_error = |source| HistoryError::Open { path: name.clone(), source };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path).map_err(open_error)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open_error)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(open_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(2)).map_err(open_error)?;
        let mut history = History { conn };
        history.migrate(&name)?;
        Ok(history)
    }

    fn migrate(&mut self, name: &str) -> Result<(), HistoryError> {
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version as usize > MIGRATIONS.len() {
            return Err(HistoryError::TooNew {
                path: name.to_owned(),
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        for (step, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            // Each step and its version number commit together or not at all.
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (step + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// The schema version in use.
    pub fn version(&self) -> Result<i64, HistoryError> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Adds a call; returns its row id.
    pub fn record(&mut self, c: &CallRecord) -> Result<i64, HistoryError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO calls (direction, local, remote, started_ms, answered_ms, ended_ms,
                outcome, reason, codec, mos, loss_pct, jitter_ms, rtt_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                if c.incoming { "incoming" } else { "outgoing" },
                c.local,
                c.remote,
                c.started_ms,
                c.answered_ms,
                c.ended_ms,
                c.outcome.as_str(),
                c.reason,
                c.codec,
                c.mos,
                c.loss_pct,
                c.jitter_ms,
                c.rtt_ms,
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// The newest `limit` calls, newest first.
    pub fn recent(&self, limit: usize) -> Result<Vec<CallRecord>, HistoryError> {
        let mut q = self.conn.prepare(
            "SELECT direction, local, remote, started_ms, answered_ms, ended_ms, outcome, reason,
                    codec, mos, loss_pct, jitter_ms, rtt_ms
             FROM calls ORDER BY started_ms DESC, id DESC LIMIT ?1",
        )?;
        let rows = q.query_map([limit as i64], |r| {
            Ok(CallRecord {
                incoming: r.get::<_, String>(0)? == "incoming",
                local: r.get(1)?,
                remote: r.get(2)?,
                started_ms: r.get(3)?,
                answered_ms: r.get(4)?,
                ended_ms: r.get(5)?,
                outcome: Outcome::parse(&r.get::<_, String>(6)?),
                reason: r.get(7)?,
                codec: r.get(8)?,
                mos: r.get(9)?,
                loss_pct: r.get(10)?,
                jitter_ms: r.get(11)?,
                rtt_ms: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The number of calls kept.
    pub fn count(&self) -> Result<i64, HistoryError> {
        Ok(self.conn.query_row("SELECT count(*) FROM calls", [], |r| r.get(0))?)
    }

    /// SQLite's own consistency check: `ok` for a whole file.
    pub fn integrity(&self) -> Result<String, HistoryError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
            .optional()?
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: i64) -> CallRecord {
        CallRecord {
            incoming: n % 2 == 0,
            local: "sip:agent@127.0.0.1:5060".into(),
            remote: format!("sip:caller{n}@127.0.0.1"),
            started_ms: 1_700_000_000_000 + n * 1000,
            answered_ms: Some(1_700_000_000_000 + n * 1000 + 2500),
            ended_ms: 1_700_000_000_000 + n * 1000 + 62_500,
            outcome: Outcome::Answered,
            reason: Some("remote".into()),
            codec: Some("opus".into()),
            mos: Some(4.3),
            loss_pct: Some(0.5),
            jitter_ms: Some(3.2),
            rtt_ms: None,
        }
    }

    fn temp(name: &str) -> std::path::PathBuf {
        let p =
            std::env::temp_dir().join(format!("earshot-history-{name}-{}.db", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
        }
        p
    }

    #[test]
    fn calls_are_kept_and_read_back_newest_first() {
        let path = temp("keep");
        {
            let mut h = History::open(&path).unwrap();
            for n in 0..5 {
                h.record(&record(n)).unwrap();
            }
        }
        let h = History::open(&path).unwrap();
        let recent = h.recent(3).unwrap();
        assert_eq!(recent.len(), 3);
        assert_eq!(recent[0], record(4));
        assert_eq!(recent[0].duration_s(), 60.0);
        assert_eq!(h.count().unwrap(), 5);
        assert_eq!(h.version().unwrap(), MIGRATIONS.len() as i64);
    }

    #[test]
    fn an_old_schema_is_migrated_keeping_its_rows() {
        let path = temp("migrate");
        {
            // A database as the first version left it.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO calls (direction, local, remote, started_ms, ended_ms, outcome)
                 VALUES ('incoming', 'sip:a@h', 'sip:b@h', 5, 9, 'missed')",
                [],
            )
            .unwrap();
        }
        let mut h = History::open(&path).unwrap();
        assert_eq!(h.version().unwrap(), 2);
        let old = h.recent(10).unwrap();
        assert_eq!(old.len(), 1);
        assert_eq!(old[0].outcome, Outcome::Missed);
        assert_eq!(old[0].codec, None);
        h.record(&record(1)).unwrap();
        assert_eq!(h.count().unwrap(), 2);
    }

    #[test]
    fn a_newer_schema_is_refused_not_damaged() {
        let path = temp("newer");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let e = History::open(&path).unwrap_err().to_string();
        assert!(e.contains("newer Earshot"), "{e}");
    }
}
