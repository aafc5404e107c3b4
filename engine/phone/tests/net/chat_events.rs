//! What the chat tests read off the phones of the in-memory network: a chat interaction
//! as last reported, a chat's transcript as its `message` events told it, why a chat
//! ended; and an agent with the support queue, made Ready.

use earshot_phone::api::{Command, Event, InteractionView};

use super::{Net, Node, config};

/// Interaction `id` of `node` as its last `interaction` event told it.
pub fn interaction(node: &Node, id: u64) -> Option<InteractionView> {
    node.events.iter().rev().find_map(|e| match e {
        Event::Interaction(i) if i.id == id => Some((**i).clone()),
        _ => None,
    })
}

/// Every chat message event of `node` for interaction `id`, latest state of each message,
/// in the order they first appeared: (id, from, text, direction, delivery).
pub fn transcript(node: &Node, id: u64) -> Vec<(String, String, String, String, String)> {
    let mut out: Vec<(String, String, String, String, String)> = Vec::new();
    for e in &node.events {
        if let Event::Message { interaction, id: m, from, text, direction, delivery, .. } = e
            && *interaction == id
        {
            let row = (m.clone(), from.clone(), text.clone(), direction.clone(), delivery.clone());
            match out.iter_mut().find(|r| r.0 == *m) {
                Some(r) => *r = row,
                None => out.push(row),
            }
        }
    }
    out
}

pub fn agent_config() -> earshot_phone::Config {
    let mut c = config("agent");
    c.desk.queues.insert("support".into(), earshot_desk::QueueConfig::default());
    c.chat.inactivity_timeout_s = 120;
    c
}

pub fn queue_uri(net: &Net, n: usize) -> String {
    format!("sip:support@{}", net.nodes[n].addr)
}

pub fn ready(net: &mut Net, n: usize) {
    net.command(n, Command::State { state: "ready".into(), reason: None });
}

pub fn chat_ended(node: &Node, id: u64) -> Option<String> {
    node.events.iter().find_map(|e| match e {
        Event::ChatEnded { interaction, reason } if *interaction == id => Some(reason.clone()),
        _ => None,
    })
}
