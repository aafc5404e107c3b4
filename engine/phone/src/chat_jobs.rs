//! The driver's side of chat transcripts: each message of a chat, as it arrives or is
//! written and again as its delivery moves, kept in the store (on a team store through
//! the outbox); a transcript read back for the agent (`transcript` → a `transcript`
//! event), this agent's or a colleague's from the team store.

use earshot_desk::InteractionId;
use earshot_store::ChatLine;

use super::api::Event;
use super::contact_jobs::Answers;
use super::desk_writer::DeskWriter;
use super::problem::Problem;

/// Keeps `line` of chat `interaction`.
pub fn save_line(store: Option<&DeskWriter>, answers: Answers, interaction: u64, line: ChatLine) {
    let Some(store) = store else { return };
    store.run(Box::new(move |s, _| {
        if let Err(e) = s.save_chat_line(InteractionId(interaction), &line) {
            let problem = Problem::DeskNotSaved { why: e.to_string() };
            let _ = answers.events.send(Event::problem(problem, None));
        }
    }));
}

/// Reads the transcript of `agent`'s (this agent's if `None`) chat `interaction`.
pub fn read(store: Option<&DeskWriter>, answers: Answers, agent: Option<String>, interaction: u64) {
    let Some(store) = store else {
        let why = "no store".to_owned();
        let _ = answers.events.send(Event::problem(Problem::ContactStore { why }, None));
        return;
    };
    store.run(Box::new(move |s, me| {
        let agent = agent.unwrap_or_else(|| me.to_owned());
        let event = match s.chat_lines(&agent, InteractionId(interaction)) {
            Ok(lines) => Event::Transcript { interaction, agent, lines },
            Err(e) => Event::problem(Problem::ContactStore { why: e.to_string() }, None),
        };
        let _ = answers.events.send(event);
    }));
}
