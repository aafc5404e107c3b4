//! What the chat tests look for in a headless phone's events: a chat offered, a message
//! with a given text (either direction).

use serde_json::Value;

/// An `interaction` event of a chat in the offered state.
pub fn chat_offer(e: &Value) -> bool {
    e["event"] == "interaction" && e["channel"] == "chat" && e["state"] == "offered"
}

/// A `message` event of `text` (in either direction, at any step of its delivery).
pub fn message<'a>(text: &'a str) -> impl Fn(&Value) -> bool + 'a {
    move |e| e["event"] == "message" && e["text"] == text
}
