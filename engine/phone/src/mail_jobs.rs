//! The driver's side of email: a task per configured mailbox (mailbox_task.rs) started with
//! the phone, the core's mail effects carried out — jobs passed to their mailbox, a reply
//! written (attachments read from files here, off the core) and submitted over SMTP
//! (smtp_submit.rs), then its copy kept in Sent and the message it answers flagged —,
//! attachments saved to the files the agent chose.

use std::path::PathBuf;
use std::sync::Arc;

use earshot_mail::{Draft, DraftAttachment};
use tokio::sync::mpsc;

use super::driver::Input;
use super::email_config::{EmailSettings, MailboxSettings};
use super::mailbox_task::{Folders, MailReport, MailboxJob, MailboxTask};
use super::smtp_submit;

/// What the phone core asks of the mail driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailEffect {
    /// A job for mailbox `mailbox`.
    Job { mailbox: usize, job: MailboxJob },
    /// Send `draft` as `message_id` (at `date_ms`) through mailbox `mailbox`, with the
    /// files `attach` attached; then flag `answers` (a UID in the agent's folder) answered.
    Send {
        mailbox: usize,
        interaction: u64,
        draft: Box<Draft>,
        attach: Vec<PathBuf>,
        message_id: String,
        date_ms: i64,
        answers: Option<u32>,
    },
    /// Save attachment `index` of `raw` to `path`.
    SaveAttachment { interaction: u64, raw: Arc<Vec<u8>>, index: u32, path: PathBuf },
}

/// The mailboxes' tasks.
#[derive(Debug, Default)]
pub struct MailDriver {
    mailboxes: Vec<(MailboxSettings, mpsc::UnboundedSender<MailboxJob>)>,
}

/// The most a file attached may weigh (servers commonly refuse beyond ~25 MB).
pub const ATTACHMENT_LIMIT: u64 = 25 * 1024 * 1024;

impl MailDriver {
    /// Starts a task for each configured mailbox; `me` names this agent's folder and our
    /// Message-IDs.
    pub fn start(
        settings: &EmailSettings,
        me: &str,
        inputs: mpsc::WeakUnboundedSender<Input>,
        resumed: Vec<std::collections::BTreeMap<String, u64>>,
    ) -> MailDriver {
        let mut mailboxes = Vec::new();
        for (index, mailbox) in settings.mailboxes.iter().enumerate() {
            let (tx, rx) = mpsc::unbounded_channel();
            let folders = Folders {
                agent: format!("{}/{me}", settings.agents_folder),
                sent: settings.sent_folder.clone(),
                done: settings.done_folder.clone(),
            };
            let holds = (
                std::time::Duration::from_secs(settings.reply_hold_s),
                std::time::Duration::from_secs(settings.decline_skip_s),
            );
            let task = MailboxTask::new(
                index,
                mailbox.clone(),
                folders,
                me.to_owned(),
                holds,
                inputs.clone(),
                rx,
            )
            .resuming(resumed.get(index).cloned().unwrap_or_default());
            tokio::spawn(task.run());
            mailboxes.push((mailbox.clone(), tx));
        }
        MailDriver { mailboxes }
    }

    /// Does what the core asked.
    pub fn effect(&self, effect: MailEffect, inputs: &mpsc::WeakUnboundedSender<Input>) {
        match effect {
            MailEffect::Job { mailbox, job } => {
                if let Some((_, tx)) = self.mailboxes.get(mailbox) {
                    let _ = tx.send(job);
                }
            }
            MailEffect::Send {
                mailbox,
                interaction,
                draft,
                attach,
                message_id,
                date_ms,
                answers,
            } => {
                let Some((settings, tx)) = self.mailboxes.get(mailbox).cloned() else { return };
                let inputs = inputs.clone();
                tokio::spawn(async move {
                    let report = match send(&settings, *draft, attach, &message_id, date_ms).await {
                        Ok(bytes) => {
                            let _ = tx.send(MailboxJob::AppendSent { bytes: bytes.clone() });
                            if let Some(uid) = answers {
                                let _ =
                                    tx.send(MailboxJob::Flag { uid, flag: "\\Answered".into() });
                            }
                            MailReport::Sent { interaction, message_id, raw: bytes }
                        }
                        Err(why) => MailReport::SendFailed { interaction, message_id, why },
                    };
                    if let Some(inputs) = inputs.upgrade() {
                        let _ = inputs.send(Input::Mail(report));
                    }
                });
            }
            MailEffect::SaveAttachment { interaction, raw, index, path } => {
                let inputs = inputs.clone();
                tokio::task::spawn_blocking(move || {
                    let shown = path.display().to_string();
                    let report = match earshot_mail::attachment_bytes(&raw, index) {
                        None => MailReport::SaveFailed {
                            interaction,
                            path: shown,
                            why: format!("no attachment {index}"),
                        },
                        Some(bytes) => match std::fs::write(&path, &bytes) {
                            Ok(()) => MailReport::Saved {
                                interaction,
                                path: shown,
                                bytes: bytes.len() as u64,
                            },
                            Err(e) => MailReport::SaveFailed {
                                interaction,
                                path: shown,
                                why: e.to_string(),
                            },
                        },
                    };
                    if let Some(inputs) = inputs.upgrade() {
                        let _ = inputs.send(Input::Mail(report));
                    }
                });
            }
        }
    }
}

/// Reads the files to attach, writes the message and submits it: its bytes (for Sent).
async fn send(
    settings: &MailboxSettings,
    mut draft: Draft,
    attach: Vec<PathBuf>,
    message_id: &str,
    date_ms: i64,
) -> Result<Vec<u8>, String> {
    for path in attach {
        let meta =
            tokio::fs::metadata(&path).await.map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.len() > ATTACHMENT_LIMIT {
            return Err(format!(
                "{}: {} MB is over the {} MB limit",
                path.display(),
                meta.len() / 1_048_576,
                ATTACHMENT_LIMIT / 1_048_576
            ));
        }
        let bytes = tokio::fs::read(&path).await.map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "attachment".into());
        draft.attachments.push(DraftAttachment {
            content_type: content_type_of(&name).into(),
            name,
            bytes,
        });
    }
    let id = message_id.to_owned();
    let written = tokio::task::spawn_blocking(move || draft.write(&id, date_ms))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    smtp_submit::submit(settings, &written.sender, &written.recipients, &written.bytes).await?;
    Ok(written.bytes)
}

/// A file's content type by its extension (the common ones; others are octet-stream).
pub fn content_type_of(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "zip" => "application/zip",
        "eml" => "message/rfc822",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}
