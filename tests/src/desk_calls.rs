//! A call's life as the desk saves it, for tests and benchmarks of the stores: offered,
//! accepted, ended into wrap-up, a note typed in two goes with a disposition, done — each
//! step the interaction as saved and the Unix ms of the save.

use earshot_engine::desk::{
    CaseData, Channel, Direction, Interaction, InteractionId, State, WrapUpMode,
};

/// Call `id` from `from` in the queue `support`, offered at `at_ms`, wrapped up with
/// `disposition` and `note`: its six saves in order.
pub fn call_saves(
    id: u64,
    from: &str,
    at_ms: u64,
    disposition: &str,
    note: &str,
) -> Vec<(Interaction, u64)> {
    let mut i = Interaction {
        id: InteractionId(id),
        channel: Channel::Voice,
        direction: Direction::Inbound,
        contact: from.into(),
        contact_name: None,
        queue: Some("support".into()),
        call: Some(id),
        case: CaseData::default(),
        state: State::Offered,
        held: false,
        disposition: None,
        note: String::new(),
        link: None,
        wrap_up: WrapUpMode::Mandatory,
        offered_ms: at_ms,
        accepted_ms: None,
        ended_ms: None,
        done_ms: None,
    };
    let mut saves = vec![(i.clone(), at_ms)];
    i.state = State::Active;
    i.accepted_ms = Some(at_ms + 1_000);
    saves.push((i.clone(), at_ms + 1_000));
    i.state = State::WrapUp;
    i.ended_ms = Some(at_ms + 60_000);
    saves.push((i.clone(), at_ms + 60_000));
    i.note = note.chars().take(note.chars().count() / 2).collect();
    saves.push((i.clone(), at_ms + 61_000));
    i.note = note.into();
    i.disposition = Some(disposition.into());
    saves.push((i.clone(), at_ms + 62_000));
    i.state = State::Done;
    i.done_ms = Some(at_ms + 63_000);
    saves.push((i, at_ms + 63_000));
    saves
}
