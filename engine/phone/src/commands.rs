//! The agent's commands, as the phone core carries them out: each is checked and refused
//! with a [`CommandError`] before anything changes, or done; one that waits for DNS is
//! parked (lookups.rs) and done when the name is found.

use std::path::PathBuf;

use super::email_commands::EmailCommand;
use std::path::Path;
use std::time::{Instant, SystemTime};

use super::api::{CallId, Command, Event};
use super::chat_following::Supervise;
use super::chatting::ChatCommand;
use super::core::Phone;
use super::desking::DeskCommand;
use super::effect::Effect;
use super::errors::CommandError;
use super::lookups::Parked;

impl Phone {
    /// A command from the agent at `now`: done, refused with an `error` event, or parked
    /// until a name it needs is found in DNS. `quit` starts stopping the phone.
    pub fn command(&mut self, c: Command, now: Instant, wall: SystemTime) {
        self.now = now;
        self.wall = wall;
        if c == Command::Quit {
            self.quit();
            return;
        }
        let text = format!("{c:?}");
        let again = c.clone();
        match self.do_command(c) {
            Ok(()) => {}
            Err(CommandError::Locating(name)) => self.park(name, Parked::Command(again)),
            Err(e) => self.emit(Event::problem(e.problem(), Some(text))),
        }
        self.desk_flush();
    }

    fn do_command(&mut self, c: Command) -> Result<(), CommandError> {
        match c {
            Command::Call { uri } => {
                self.dial(&uri, None)?;
                self.reached(&uri);
                Ok(())
            }
            Command::Answer { id } => self.answer(id),
            Command::Reject { id, status } => {
                let handle = self.incoming_handle(id)?;
                let status = status.unwrap_or(486);
                // Declined on the desk, which refuses the call with this status.
                if self.desk_declined(id, status) {
                    return Ok(());
                }
                Ok(self.ua.reject(handle, status, self.now)?)
            }
            Command::Hangup { id } => self.hang_up(id),
            Command::Hold { id } => self.set_hold(id, true),
            Command::Resume { id } => {
                let in_conference = self.call_mut(id)?.conference;
                if !in_conference {
                    self.hold_others(Some(id));
                }
                self.set_hold(id, false)
            }
            Command::Mute { id, on } => {
                self.call_mut(id)?.muted = on;
                self.remix();
                self.emit_state(id);
                Ok(())
            }
            Command::Dtmf { id, digits } => {
                let c = self.call_mut(id)?;
                if !c.is_up() {
                    return Err(CommandError::NotAnswered(id));
                }
                c.dtmf.extend(digits.chars());
                Ok(())
            }
            Command::Transfer { id, uri } => {
                let mut to = self.target(&uri)?;
                let handle = self.up_handle(id)?;
                // The transfer target sees the same case: carried in the Refer-To URI,
                // which the transferee copies into its INVITE (RFC 3261 §19.1.5).
                if let earshot_sip::message::Uri::Sip(s) = &mut to.uri {
                    s.headers.extend(self.case_uri_headers(id));
                }
                self.ua.refer(handle, &to, self.now)?;
                self.reached(&uri);
                Ok(())
            }
            Command::Consult { id, uri } => {
                self.up_handle(id)?;
                // The consulted party's servers are found before the first call is held.
                let to = self.target(&uri)?;
                self.ensure_located(&to.uri)?;
                self.set_hold(id, true)?;
                // The consulted agent sees the same case (X- headers, User-to-User).
                let case = self.case_headers(id);
                let consult = self.dial_to(to, case, Some(id))?;
                if let Some(c) = self.calls.get_mut(&consult) {
                    c.consulting_for = Some(id);
                }
                self.reached(&uri);
                Ok(())
            }
            Command::CompleteTransfer { id, consult } => {
                let handle = self.up_handle(id)?;
                let consult_handle = self.up_handle(consult)?;
                let to = self
                    .ua
                    .replaces_uri(consult_handle)
                    .ok_or(earshot_sip::ua::UaError::BadState)?;
                Ok(self.ua.refer(handle, &to, self.now)?)
            }
            Command::Conference { ids } => {
                for id in &ids {
                    self.up_handle(*id)?;
                }
                for id in &ids {
                    if let Some(c) = self.calls.get_mut(id) {
                        c.conference = true;
                    }
                }
                self.hold_others(ids.first().copied());
                for id in &ids {
                    if self.calls.get(id).is_some_and(|c| c.local_hold) {
                        self.set_hold(*id, false)?;
                    }
                }
                self.remix();
                for id in ids {
                    self.emit_state(id);
                }
                Ok(())
            }
            Command::Split { id } => {
                self.call_mut(id)?.conference = false;
                self.set_hold(id, true)?;
                self.end_conference_of_one();
                self.remix();
                self.emit_state(id);
                Ok(())
            }
            Command::DoNotDisturb { on } => {
                self.dnd = on;
                Ok(())
            }
            Command::List => {
                let shown: Vec<Event> = self
                    .calls
                    .values()
                    .filter(|c| self.shown(c))
                    .map(|c| c.event(None, self.now))
                    .collect();
                for e in shown {
                    self.emit(e);
                }
                Ok(())
            }
            Command::Devices => {
                self.devices_event();
                Ok(())
            }
            Command::SetDevices { input, output, ringing } => {
                self.set_devices(input, output, ringing)
            }
            Command::SetRingVolume { percent } => {
                self.set_ring_volume(percent);
                Ok(())
            }
            Command::SetAccount { account } => self.set_account(account),
            Command::Search { text } => {
                self.search(text);
                Ok(())
            }
            Command::Favourite { address } => self.favourite(&address, true),
            Command::Unfavourite { address } => self.favourite(&address, false),
            Command::Targets => {
                self.targets_event();
                Ok(())
            }
            Command::Contact { id } => {
                self.read_contact(id);
                Ok(())
            }
            Command::ContactHistory { id, limit } => {
                self.read_contact_history(id, limit);
                Ok(())
            }
            Command::ImportContacts { file } => {
                self.import_contacts(file);
                Ok(())
            }
            Command::ExportContacts { file } => {
                self.effects.push_back(Effect::ExportContacts(file.into()));
                Ok(())
            }
            Command::SaveContact { contact } => {
                self.effects.push_back(Effect::SaveContact(Box::new(contact)));
                Ok(())
            }
            Command::NameContact { id, name } => {
                self.effects.push_back(Effect::NameContact { id, name });
                Ok(())
            }
            Command::MergeContacts { keep, gone } => self.merge_contacts(keep, gone),
            Command::History { limit } => {
                self.effects.push_back(Effect::ReadHistory { limit });
                Ok(())
            }
            Command::Monitor { agent, mode } => self.monitor(&agent, &mode).map(|_| ()),
            Command::MonitorMode { id, mode } => self.monitor_mode(id, &mode),
            Command::MonitorNext { agent, mode } => self.monitor_next(&agent, &mode),
            Command::Unmonitor { id } => {
                if self.call_mut(id)?.monitoring.is_none() {
                    return Err(CommandError::NotMonitoring(id));
                }
                self.hang_up(id)
            }
            Command::Watch { agent } => self.watch(&agent),
            Command::Unwatch { agent } => self.unwatch(&agent),
            Command::Play { id, file } => self.play(id, &file),
            Command::State { state, reason } => {
                self.desk_command(DeskCommand::State { state, reason })
            }
            Command::Accept { id } => self.desk_command(DeskCommand::Accept(id)),
            Command::Decline { id } => self.desk_command(DeskCommand::Decline(id)),
            Command::Case { id, field, value } => {
                self.desk_command(DeskCommand::Case(id, field, value))
            }
            Command::Note { id, text } => self.desk_command(DeskCommand::Note(id, text)),
            Command::Dispose { id, code } => self.desk_command(DeskCommand::Dispose(id, code)),
            Command::Done { id } => self.desk_command(DeskCommand::Done(id)),
            Command::Interactions => self.desk_command(DeskCommand::List),
            Command::Chat { uri, text } => self.chat_command(ChatCommand::Write { uri, text }),
            Command::Reply { id, text, attachments, heads } => {
                self.email_command(EmailCommand::Reply {
                    id,
                    text,
                    all: false,
                    attach: attachments.into_iter().map(PathBuf::from).collect(),
                    heads,
                })
            }
            Command::ReplyAll { id, text, attachments, heads } => {
                self.email_command(EmailCommand::Reply {
                    id,
                    text,
                    all: true,
                    attach: attachments.into_iter().map(PathBuf::from).collect(),
                    heads,
                })
            }
            Command::Forward { id, to, text, attachments, as_attachment, cc, subject } => self
                .email_command(EmailCommand::Forward {
                    id,
                    to: vec![to],
                    text,
                    attach: attachments.into_iter().map(PathBuf::from).collect(),
                    as_attachment,
                    heads: super::api::Heads { to: None, cc: Some(cc), subject },
                }),
            Command::EmailDraft { id, draft } => self.email_draft(id, draft),
            Command::Email { to, subject, text, cc, attachments, queue } => {
                self.email_command(EmailCommand::New {
                    to: vec![to],
                    cc: vec![cc],
                    subject,
                    text,
                    attach: attachments.into_iter().map(PathBuf::from).collect(),
                    queue,
                })
            }
            Command::EmailClose { id } => self.email_command(EmailCommand::Close { id }),
            Command::EmailRetry { id } => self.email_command(EmailCommand::Retry { id }),
            Command::SaveAttachment { id, index, path, message_id } => {
                self.email_command(EmailCommand::SaveAttachment {
                    id,
                    message_id,
                    index,
                    path: PathBuf::from(path),
                })
            }
            Command::Say { id, text } => self.chat_command(ChatCommand::Say { id, text }),
            Command::ChatOpen { uri } => self.chat_command(ChatCommand::Open { uri }),
            Command::Typing { id } => self.chat_command(ChatCommand::Typing { id }),
            Command::ChatRead { id } => self.chat_command(ChatCommand::Read { id }),
            Command::ChatEnd { id } => self.chat_command(ChatCommand::End { id }),
            Command::ChatConsult { id, target } => self.chat_consult(id, &target).map(|_| ()),
            Command::ChatConference { id, consult } => self.chat_conference(id, consult),
            Command::ChatTransfer { id, target } => self.chat_transfer(id, &target),
            Command::ChatFollow { agent } => self.supervise_chat(Supervise::Follow { agent }),
            Command::ChatUnfollow { agent } => self.supervise_chat(Supervise::Unfollow { agent }),
            Command::ChatCoach { agent, id, text } => {
                self.supervise_chat(Supervise::Coach { agent, id, text })
            }
            Command::ChatBarge { agent, id, text } => {
                self.supervise_chat(Supervise::Barge { agent, id, text })
            }
            Command::Transcript { id, agent } => {
                self.effects.push_back(Effect::ReadTranscript { agent, interaction: id });
                Ok(())
            }
            Command::Quit => Ok(()),
        }
    }

    /// Plays a WAV file into an answered call's leg.
    fn play(&mut self, id: CallId, file: &str) -> Result<(), CommandError> {
        let c = self.call_mut(id)?;
        if !c.has_leg {
            return Err(CommandError::NoAudio(id));
        }
        let prompt = self.next_play + 1;
        self.media
            .play(id as u32, prompt, Path::new(file))
            .map_err(|why| CommandError::Play { file: file.to_owned(), why })?;
        self.next_play = prompt;
        self.plays.insert(prompt, (id, file.to_owned()));
        Ok(())
    }

    /// Hold or resume wishes that waited for the user agent to finish an offer.
    pub(super) fn apply_wanted_holds(&mut self) {
        let waiting: Vec<CallId> =
            self.calls.values().filter(|c| c.wanted_hold.is_some()).map(|c| c.id).collect();
        for id in waiting {
            self.apply_wanted_hold(id);
        }
    }
}
