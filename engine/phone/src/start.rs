//! Bringing the phone up: SIP on the first free port from 5060 (or the one asked for), the
//! media loop on the chosen devices, the account registered; and the handle that sends
//! it commands and reads its events.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use earshot_sip::auth::Credential;
use earshot_sip::message::Uri;
use earshot_sip::target::TransportKind;
use earshot_sip::transport::{bind, run_bound};
use earshot_sip::ua::{UaConfig, UserAgent};
use tokio::sync::mpsc;

use super::api::{Command, Event};
use super::config::{Config, Transport};
use super::contact_jobs::Answers;
use super::core::{Phone, PhoneParts};
use super::desk_writer::{DeskSaved, DeskWriter};
use super::directory_commands::StartingIndex;
use super::driver::{Input, PhoneDriver};
use super::history::History;
use super::locating::Locator;
use super::media::route_problem;
use super::media::{AudioChoice, PhoneMedia};
use super::problem::Problem;
use std::sync::{Arc, Mutex};

/// How the phone is started, beyond its configuration (the command line's flags).
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    pub audio: AudioChoice,
    /// Listen on this SIP port instead of the configured one.
    pub sip_port: Option<u16>,
    /// Answer every incoming call.
    pub auto_answer: bool,
    /// The configuration file the settings came from; settings changed while running are
    /// written back to it.
    pub config_path: Option<std::path::PathBuf>,
    /// Open screen-pop links in the system browser (the window does; headless does not,
    /// it reports them as `screen-pop` events).
    pub open_links: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PhoneError {
    #[error("cannot listen for SIP on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("no free SIP port from 5060 to 5099 on {0}")]
    NoPort(IpAddr),
    #[error("account {aor:?}: {problem}")]
    Account { aor: String, problem: String },
    #[error(transparent)]
    Media(#[from] super::media::MediaError),
}

/// The running phone: send commands, read events.
#[derive(Debug)]
pub struct PhoneHandle {
    inputs: mpsc::UnboundedSender<Input>,
    pub events: mpsc::UnboundedReceiver<Event>,
    /// The desk's configuration the phone runs with (reasons, dispositions, queues): what
    /// the window offers to choose from.
    pub desk: earshot_desk::DeskConfig,
    /// The chat's quick replies (`[chat] quick_replies`), for the window's chat panel.
    pub quick_replies: Vec<String>,
    task: tokio::task::JoinHandle<()>,
}

impl PhoneHandle {
    /// Queues a command; false once the phone has stopped.
    pub fn send(&self, c: Command) -> bool {
        self.inputs.send(Input::Command(c)).is_ok()
    }

    /// Sends `quit` and waits (bounded) for the phone to stop.
    pub async fn quit(mut self) {
        let _ = self.inputs.send(Input::Command(Command::Quit));
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.task).await;
    }
}

/// Starts the phone: binds SIP (first free port from 5060 unless told), starts the media
/// loop, registers the accounts, and reports `ready`.
pub async fn start(config: Config, options: StartOptions) -> Result<PhoneHandle, PhoneError> {
    let address = config.sip.address.unwrap_or_else(default_address);
    // An address that follows the default route: listen on all of the host's addresses,
    // so that the sockets stay good when the route moves (the driver then re-registers).
    let follows_route = config.sip.address.is_none();
    let listen_on = if follows_route { IpAddr::V4(Ipv4Addr::UNSPECIFIED) } else { address };
    let fixed_port = options.sip_port.or(config.sip.port);
    let ports: Vec<u16> = match fixed_port {
        Some(p) => vec![p],
        None => (5060..5100).collect(),
    };
    let account = config.accounts.first().cloned();
    let mut bound = None;
    for port in ports {
        let want = SocketAddr::new(listen_on, port);
        // The configuration is checked before anything is bound.
        ua_config(&config, account.as_ref(), SocketAddr::new(address, port))?;
        match bind(want).await {
            Ok(b) => {
                bound = Some(b);
                break;
            }
            Err(e) if fixed_port.is_some() => return Err(PhoneError::Bind(want, e)),
            Err(_) => {}
        }
    }
    let bound = bound.ok_or(PhoneError::NoPort(address))?;
    let local = SocketAddr::new(address, bound.local.port());
    let ua = UserAgent::new(ua_config(&config, account.as_ref(), local)?, rand_seed());
    let cname = format!("{}@{}", config.user, local);
    let (input_tx, input_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let mut problems = Vec::new();
    let history = match History::open(&config.data_dir().join("history.db")) {
        Ok(h) => Some(Arc::new(Mutex::new(h))),
        Err(e) => {
            problems.push(Problem::HistoryUnavailable { why: e.to_string() });
            None
        }
    };
    let agent =
        account.as_ref().map_or_else(|| format!("sip:{}@{local}", config.user), |a| a.aor.clone());
    let enrolment = super::site_jobs::Enrolment::of(&config, &agent);
    let (desk_store, desk_saved) = match DeskWriter::open(
        &config.data_dir().join("desk.db"),
        config.store.url.as_deref(),
        enrolment,
        Answers { events: ev_tx.clone(), inputs: input_tx.downgrade() },
    ) {
        Ok((w, saved)) => (Some(w), saved),
        Err(e) => {
            problems.push(Problem::DeskUnavailable { why: e.to_string() });
            (None, DeskSaved::default())
        }
    };
    let mut index = StartingIndex::new(&config, &desk_saved.contacts);
    if let Some((agents, queues)) = &desk_saved.site {
        index.site(agents, queues);
    }
    index.kept = desk_saved.kept;
    // The media loop starts last, just before `ready`: its files (`--audio-in-live`,
    // `--audio-out`) start with it, and scripts line them up on the `ready` moment; opening
    // the stores first (a new SQLite file syncs several times) kept it from being one.
    let (media, route_event) =
        PhoneMedia::start(&options.audio, &cname, config.preference.max_delay_ms())?;
    if let Some(e) = route_event {
        problems.push(route_problem(&e));
    }
    let seed = rand_seed();
    let locator = match Locator::new(&config.sip.dns_servers, seed) {
        Ok(l) => Some(l),
        Err(e) => {
            problems.push(Problem::Dns { why: e.to_string() });
            None
        }
    };
    let (now, wall) = clock();
    let desk = config.desk.clone();
    let quick_replies = config.chat.quick_replies.clone();
    let resumed =
        super::email_drafts::resumed_mail(&desk_saved.open, &desk_saved.emails, &config.email);
    let mail = super::mail_jobs::MailDriver::start(
        &config.email,
        &super::email_config::mail_me(&config),
        input_tx.downgrade(),
        resumed,
    );
    let parts = PhoneParts {
        auto_answer: options.auto_answer,
        input_file: options.audio.input_file.is_some() && options.audio.input_from_answer,
        config,
        ua,
        media: Box::new(media),
        seed,
        desk_first_id: desk_saved.first_id,
        desk_restored: desk_saved.open,
        chats_restored: desk_saved.chats,
        emails_restored: desk_saved.emails,
        index,
    };
    let mut phone = Phone::new(parts, now, wall);
    for problem in problems {
        phone.report_error(problem);
    }
    let driver = PhoneDriver {
        phone,
        events: ev_tx,
        inputs: input_tx.downgrade(),
        history,
        config_path: options.config_path,
        locator,
        next_route_check: follows_route.then(|| now + Duration::from_secs(2)),
        desk_store,
        open_links: options.open_links,
        mail,
    };
    let task = run_bound(driver, bound, input_rx);
    Ok(PhoneHandle { inputs: input_tx, events: ev_rx, desk, quick_replies, task })
}

/// This host's address on its default route (no packet is sent), or loopback.
pub(super) fn default_address() -> IpAddr {
    std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| {
            s.connect("192.0.2.1:9")?;
            s.local_addr()
        })
        .map(|a| a.ip())
        .ok()
        .filter(|ip| !ip.is_unspecified())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// The moment the phone starts (the driver loop reads the clock from then on).
#[allow(clippy::disallowed_methods)]
fn clock() -> (std::time::Instant, std::time::SystemTime) {
    (std::time::Instant::now(), std::time::SystemTime::now())
}

/// Seeds from the wall clock and the process: starting is the driver's work.
#[allow(clippy::disallowed_methods)]
fn rand_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    t ^ (u64::from(std::process::id()) << 32)
}

/// `host[:port]` (an address or a name, located by DNS) as the proxy's URI.
fn proxy_uri(s: &str, transport: TransportKind) -> Option<earshot_sip::SipUri> {
    let param = match transport {
        TransportKind::Udp => String::new(),
        t => format!(";transport={}", t.as_str().to_ascii_lowercase()),
    };
    match Uri::parse(&format!("sip:{}{param}", s.trim())).ok()? {
        Uri::Sip(u) if u.user.is_none() => Some(u),
        _ => None,
    }
}

pub fn ua_config(
    config: &Config,
    account: Option<&super::config::Account>,
    local: SocketAddr,
) -> Result<UaConfig, PhoneError> {
    let host = match local.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let aor_text = match account {
        Some(a) => a.aor.clone(),
        None => format!("sip:{}@{host}:{}", config.user, local.port()),
    };
    let bad =
        |problem: &str| PhoneError::Account { aor: aor_text.clone(), problem: problem.into() };
    let Ok(Uri::Sip(aor)) = Uri::parse(&aor_text) else {
        return Err(bad("not a sip: URI"));
    };
    let mut c = UaConfig::new(aor.clone(), local);
    c.display_name = config.display_name.clone();
    // Supervisors watch our calls (RFC 4235).
    c.event_packages = vec![
        super::dialog_watchers::PACKAGE.to_owned(),
        super::presence_publisher::PACKAGE.to_owned(),
    ];
    if let Some(a) = account {
        let transport = match a.transport {
            Transport::Udp => TransportKind::Udp,
            Transport::Tcp => TransportKind::Tcp,
        };
        c.default_transport = transport;
        let keepalive = config.sip.keepalive_s.unwrap_or(match transport {
            TransportKind::Udp => 25,
            _ => 90,
        });
        c.keepalive = (keepalive > 0).then(|| Duration::from_secs(u64::from(keepalive)));
        if let Some(p) = &a.outbound_proxy {
            c.outbound_proxy = Some(
                proxy_uri(p, transport).ok_or_else(|| bad("outbound_proxy is not host[:port]"))?,
            );
        }
        c.credentials.push(Credential {
            realm: None,
            username: a.auth_user.clone().or_else(|| aor.user.clone()).unwrap_or_default(),
            password: a.password.clone(),
        });
    }
    Ok(c)
}
