//! Chats taken up again after the phone restarts (or was killed): the desk restores each
//! chat interaction left open; its conversation is rebuilt here from the transcript the
//! store kept, so that the agent sees what was said and goes on writing, and the
//! customer's next message lands in the same chat. What cannot be known again is said:
//! a message still waiting for its answer is shown as failed, saying it may not have
//! arrived; whether the peer uses
//! is-composing or IMDN is learnt anew from what it sends next.

use earshot_chat::{ChatMessage, Conversation, Delivery, MessageDirection};
use earshot_desk::{InteractionId, State};
use earshot_sip::message::NameAddr;
use earshot_store::ChatLine;

use super::api::Event;
use super::chats::{Chat, peer_key};
use super::core::Phone;

/// A kept line's delivery as the conversation knows it.
fn delivery_of(kept: &str) -> Delivery {
    match kept.split_once(':').map_or(kept, |(d, _)| d) {
        "sent" => Delivery::Sent,
        "delivered" => Delivery::Delivered,
        "read" => Delivery::Read,
        "failed" => {
            Delivery::Failed(kept.split_once(':').map_or("", |(_, why)| why).trim().to_owned())
        }
        _ => Delivery::Failed(
            "the phone stopped before its answer came: it may not have arrived".into(),
        ),
    }
}

impl Phone {
    /// Rebuilds the chats of the interactions the desk restored, from their kept lines.
    pub(super) fn chats_restored(&mut self, restored: Vec<(u64, Vec<ChatLine>)>) {
        for (i, lines) in restored {
            let Some(x) = self.desk.get(InteractionId(i)).cloned() else { continue };
            let Ok(to) = NameAddr::parse(&x.contact) else { continue };
            let key = peer_key(&to.uri);
            // A queue's chat is written as the queue, at the site (or at this phone).
            let from = x.queue.as_ref().map(|q| {
                let domain = self.config.accounts.first().and_then(|a| a.aor.split_once('@'));
                match domain {
                    Some((_, d)) => format!("sip:{q}@{d}"),
                    None => format!("sip:{q}@{}", self.ua.config().local),
                }
            });
            let me = from.clone().unwrap_or_else(|| self.local_uri.clone());
            let mut conversation = Conversation::new(&me, &key);
            let (said, coaching): (Vec<ChatLine>, Vec<ChatLine>) =
                lines.into_iter().partition(|l| l.delivery != "coaching");
            let history: Vec<ChatMessage> = said
                .into_iter()
                .map(|l| ChatMessage {
                    delivery: if l.outgoing {
                        delivery_of(&l.delivery)
                    } else {
                        Delivery::Delivered
                    },
                    id: l.id,
                    from: l.from,
                    text: l.text,
                    sent_ms: l.sent_ms,
                    direction: if l.outgoing {
                        MessageDirection::Out
                    } else {
                        MessageDirection::In
                    },
                })
                .collect();
            let ids: Vec<String> = history.iter().map(|m| m.id.clone()).collect();
            conversation.import(history);
            let mut chat = Chat::new(i, conversation, NameAddr::new(to.uri.clone()), self.now);
            chat.from = from;
            chat.open = matches!(x.state, State::Offered | State::Active);
            self.chats.by_interaction.insert(i, chat);
            for id in ids {
                if let Some(c) = self.chats.by_interaction.get(&i)
                    && let Some(m) = c.message(&id)
                {
                    let event = c.event(m);
                    self.emit(event);
                }
            }
            for l in coaching {
                self.emit(Event::Message {
                    interaction: i,
                    id: l.id,
                    from: l.from,
                    text: l.text,
                    sent_ms: l.sent_ms,
                    direction: "in".into(),
                    delivery: "coaching".into(),
                    why: None,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_deliveries_read_back_and_one_on_its_way_is_not_sent() {
        assert_eq!(delivery_of("read"), Delivery::Read);
        assert_eq!(delivery_of("failed: 480 No agent"), Delivery::Failed("480 No agent".into()));
        assert!(matches!(delivery_of("sending"), Delivery::Failed(w) if w.contains("stopped")));
    }
}
