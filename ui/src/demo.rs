//! `earshot --demo`: the desk at work with no site and no configuration. The agent's
//! phone runs peer-to-peer with a demonstration configuration (two queues, case fields,
//! a mandatory wrap-up on Support) in a temporary folder, and an in-process contact line
//! — three customers, each a real phone of its own on loopback — calls the agent's
//! queues every half-minute or so over SIP: routed calls with case data in `X-` headers
//! (RFC 3261 §19.1.5 URI headers), a spoken request (espeak-ng recordings built into the
//! binary) played from the answer, and a hang-up after a while, or when nobody answers.

use std::path::{Path, PathBuf};
use std::time::Duration;

use earshot_engine::phone::{AudioChoice, CallState, Command, Config, Event, StartOptions, start};

/// A customer of the demonstration line: who, which queue, the case, what they say.
struct Customer {
    user: &'static str,
    name: &'static str,
    queue: &'static str,
    case: &'static [(&'static str, &'static str)],
    speech: &'static [u8],
}

const CUSTOMERS: [Customer; 3] = [
    Customer {
        user: "marie",
        name: "Marie Tremblay",
        queue: "support",
        case: &[
            ("Account-Id", "A-10482"),
            ("Reason", "Parcel arrived damaged"),
            ("Order", "58213"),
            ("Segment", "gold"),
        ],
        speech: include_bytes!("../demo/marie.wav"),
    },
    Customer {
        user: "james",
        name: "James Wilson",
        queue: "billing",
        case: &[
            ("Account-Id", "B-2291"),
            ("Reason", "Charged twice in October"),
            ("Segment", "standard"),
        ],
        speech: include_bytes!("../demo/james.wav"),
    },
    Customer {
        user: "sofia",
        name: "Sofia Rossi",
        queue: "support",
        case: &[
            ("Account-Id", "A-77310"),
            ("Reason", "Cannot log in to the portal"),
            ("Segment", "platinum"),
        ],
        speech: include_bytes!("../demo/sofia.wav"),
    },
];

/// The first call comes this soon after the start.
const FIRST_CALL: Duration = Duration::from_secs(5);
/// A customer nobody answers hangs up after this long.
const PATIENCE: Duration = Duration::from_secs(40);
/// How long a customer stays on an answered call unless the agent hangs up first.
const TALK: Duration = Duration::from_secs(45);

/// The agent's demonstration configuration, its history in `dir`, SIP on `port`.
pub fn agent_config(dir: &Path, port: u16) -> Config {
    let text = format!(
        r#"user = "agent"
display_name = "Demo agent"
data_dir = "{data}"
[sip]
address = "127.0.0.1"
port = {port}
[desk]
case_fields = [
  {{ source = "Reason", label = "Reason", order = 1 }},
  {{ source = "Account-Id", label = "Account", order = 2 }},
  {{ source = "Order", label = "Order", order = 3, editable = true }},
  {{ source = "Segment", label = "Segment", order = 4 }},
]
[desk.queues.support]
label = "Support"
wrap_up = "mandatory"
screen_pops = [{{ label = "Account in the CRM", url = "https://crm.example.com/accounts/{{Account-Id}}" }}]
[desk.queues.billing]
label = "Billing"
"#,
        data = dir.join("agent").display()
    );
    // The text is this file's own: it parses (a test checks it); the defaults otherwise.
    Config::parse(&text, &dir.join("demo.toml")).unwrap_or_default()
}

/// A folder for the demonstration's history and recordings, and a free SIP port on
/// loopback for the agent.
pub fn prepare() -> std::io::Result<(PathBuf, u16)> {
    let dir = std::env::temp_dir().join(format!("earshot-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
    Ok((dir, port))
}

/// Starts the customers' phones and the line that makes them call the agent at
/// 127.0.0.1:`agent_port`, the first call after [`FIRST_CALL`], then one every `every`
/// (±25 %). Runs until the runtime stops.
pub async fn run_line(dir: PathBuf, agent_port: u16, every: Duration) {
    let mut phones = Vec::new();
    for c in &CUSTOMERS {
        match customer_phone(&dir, c).await {
            Ok(p) => phones.push((c, p)),
            Err(e) => eprintln!("earshot: demo customer {} cannot start: {e}", c.name),
        }
    }
    tokio::time::sleep(FIRST_CALL).await;
    let mut turn: usize = 0;
    loop {
        if let Some((customer, phone)) = phones.get_mut(turn % CUSTOMERS.len()) {
            call_once(customer, phone, agent_port).await;
        }
        turn += 1;
        // Not a metronome: 75 % to 125 % of the interval, varied by the turn.
        let spread = [0.75, 1.1, 0.9, 1.25, 1.0].get(turn % 5).copied().unwrap_or(1.0);
        tokio::time::sleep(every.mul_f64(spread)).await;
    }
}

/// One customer's phone: no sound card, their recording spoken from each answer.
async fn customer_phone(
    dir: &Path,
    c: &Customer,
) -> Result<earshot_engine::phone::PhoneHandle, String> {
    let speech = dir.join(format!("{}.wav", c.user));
    std::fs::write(&speech, c.speech).map_err(|e| e.to_string())?;
    let config = Config {
        user: c.user.into(),
        display_name: Some(c.name.into()),
        codecs: vec!["PCMU".into()],
        sip: earshot_engine::phone::config::SipSettings {
            address: Some("127.0.0.1".parse().map_err(|_| "loopback")?),
            ..Default::default()
        },
        data_dir: Some(dir.join(c.user)),
        ..Config::default()
    };
    let options = StartOptions {
        audio: AudioChoice {
            input_file: Some(speech),
            input_from_answer: true,
            no_card: true,
            ..AudioChoice::default()
        },
        open_links: false,
        ..StartOptions::default()
    };
    start(config, options).await.map_err(|e| e.to_string())
}

/// The queue address with the customer's case in its headers.
pub fn queue_uri(queue: &str, agent_port: u16, case: &[(&str, &str)]) -> String {
    let headers: Vec<String> = case
        .iter()
        .map(|(name, value)| {
            let value: String = value
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("X-{name}={value}")
        })
        .collect();
    format!("sip:{queue}@127.0.0.1:{agent_port}?{}", headers.join("&"))
}

/// One call from `customer`: placed, waited on, talked, hung up (bounded throughout).
async fn call_once(
    customer: &Customer,
    phone: &mut earshot_engine::phone::PhoneHandle,
    agent_port: u16,
) {
    while phone.events.try_recv().is_ok() {}
    phone.send(Command::Call { uri: queue_uri(customer.queue, agent_port, customer.case) });
    let mut call = None;
    let mut answered = false;
    let ring_until = tokio::time::Instant::now() + PATIENCE;
    let mut talk_until = ring_until;
    loop {
        let until = if answered { talk_until } else { ring_until };
        match tokio::time::timeout_at(until, phone.events.recv()).await {
            Ok(Some(Event::CallState { id, state, .. })) => {
                call = Some(id);
                match state {
                    CallState::Active if !answered => {
                        answered = true;
                        talk_until = tokio::time::Instant::now() + TALK;
                    }
                    CallState::Ended => return,
                    _ => {}
                }
            }
            Ok(Some(Event::Stopped) | None) => return,
            Ok(Some(_)) => {}
            Err(_) => {
                // Nobody answered, or the talk is over: the customer hangs up.
                if let Some(id) = call {
                    phone.send(Command::Hangup { id });
                }
                // The hang-up's own report, briefly.
                let _ = tokio::time::timeout(Duration::from_secs(5), async {
                    while let Some(e) = phone.events.recv().await {
                        if matches!(e, Event::CallState { state: CallState::Ended, .. }) {
                            break;
                        }
                    }
                })
                .await;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demonstration_configuration_parses_with_both_queues() {
        let dir = std::env::temp_dir();
        let text_config = agent_config(&dir, 5999);
        assert_eq!(text_config.sip.port, Some(5999));
        assert!(text_config.desk.queue("support").is_some());
        assert!(text_config.desk.queue("billing").is_some());
        assert_eq!(text_config.desk.case_fields.len(), 4);
    }

    #[test]
    fn case_data_goes_into_the_uri_escaped() {
        let uri = queue_uri("support", 5999, &[("Reason", "Parcel & box"), ("Order", "58213")]);
        assert_eq!(uri, "sip:support@127.0.0.1:5999?X-Reason=Parcel%20%26%20box&X-Order=58213");
    }
}
