//! The driver's SMTP submission (RFC 6409 on 587 with STARTTLS, RFC 8314 implicit TLS on
//! 465; authenticated; lettre over rustls): one message handed to the queue's submission
//! server with its envelope. A refusal comes back with the server's words.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::email_config::{MailboxSettings, ServerUrl};

/// How long one submission may take, end to end.
const SUBMIT_TIMEOUT: Duration = Duration::from_secs(120);

/// Submits `bytes` from `sender` to `recipients` through the mailbox's SMTP server.
pub async fn submit(
    settings: &MailboxSettings,
    sender: &str,
    recipients: &[String],
    bytes: &[u8],
) -> Result<(), String> {
    let url = ServerUrl::parse(&settings.smtp, "smtp")?;
    let mut tls = TlsParameters::builder(url.host.clone());
    if let Some(ca) = &settings.ca_file {
        let pem = tokio::fs::read(ca).await.map_err(|e| format!("{}: {e}", ca.display()))?;
        let cert = Certificate::from_pem(&pem).map_err(|e| format!("{}: {e}", ca.display()))?;
        tls = tls.add_root_certificate(cert);
    }
    let tls = tls.build_rustls().map_err(|e| format!("TLS: {e}"))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host.as_str())
        .port(url.port)
        .tls(if url.implicit_tls { Tls::Wrapper(tls) } else { Tls::Required(tls) })
        .credentials(Credentials::new(settings.user.clone(), settings.password.clone()))
        .timeout(Some(Duration::from_secs(60)))
        .build();
    let parse = |a: &str| a.parse::<Address>().map_err(|e| format!("{a}: {e}"));
    let to = recipients.iter().map(|r| parse(r)).collect::<Result<Vec<_>, _>>()?;
    let envelope = Envelope::new(Some(parse(sender)?), to).map_err(|e| e.to_string())?;
    match tokio::time::timeout(SUBMIT_TIMEOUT, transport.send_raw(&envelope, bytes)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(describe(&e)),
        Err(_) => Err(format!("{}: no answer in {} s", url.host, SUBMIT_TIMEOUT.as_secs())),
    }
}

/// lettre's error with the server's answer when there is one.
fn describe(e: &lettre::transport::smtp::Error) -> String {
    use std::error::Error;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}
