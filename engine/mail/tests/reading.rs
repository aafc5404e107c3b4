//! Mail read as real clients write it: charsets and transfer encodings (quoted-printable,
//! base64, RFC 2047 words; ISO-8859-1, Windows-1252, Shift_JIS), HTML-only bodies,
//! attachments listed and saved byte for byte, quotes folded; and mail that is broken —
//! a malformed MIME tree, a 100 kB header, an unknown charset, no headers at all — read
//! as well as it can be, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use earshot_mail::{MailMessage, attachment_bytes, quoting};

fn mail(headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = headers.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body);
    out
}

#[test]
fn charsets_and_encodings_decode() {
    let latin1 = mail(
        &[
            "From: =?ISO-8859-1?Q?Andr=E9_M=FCller?= <andre@example.de>",
            "To: support@shop.test",
            "Subject: =?ISO-8859-1?Q?Pr=FCfung_f=FCr_Bestellung?=",
            "Message-ID: <latin1@example.de>",
            "Content-Type: text/plain; charset=ISO-8859-1",
            "Content-Transfer-Encoding: quoted-printable",
        ],
        b"Gr=FC=DFe aus K=F6ln=\r\n, bitte =E4ndern.\r\n",
    );
    let m = MailMessage::parse(&latin1);
    assert_eq!(m.from.as_ref().and_then(|f| f.name.as_deref()), Some("André Müller"));
    assert_eq!(m.subject, "Prüfung für Bestellung");
    assert_eq!(m.text.trim(), "Grüße aus Köln, bitte ändern.");

    let cp1252 = mail(
        &[
            "From: bob@contoso.test",
            "Subject: price",
            "Message-ID: <cp1252@contoso.test>",
            "Content-Type: text/plain; charset=windows-1252",
            "Content-Transfer-Encoding: 8bit",
        ],
        b"\x80 \x93quotes\x94 na\xefve\r\n",
    );
    assert_eq!(MailMessage::parse(&cp1252).text.trim(), "€ “quotes” naïve");

    let sjis = mail(
        &[
            "From: =?Shift_JIS?B?jI+WvINlg1iDZw==?= <taro@example.jp>",
            "Subject: =?Shift_JIS?B?jI+WvINlg1iDZw==?=",
            "Message-ID: <sjis@example.jp>",
            "Content-Type: text/plain; charset=Shift_JIS",
            "Content-Transfer-Encoding: base64",
        ],
        b"k/qWe4zqgsyDgYFbg4s=\r\n",
    );
    let m = MailMessage::parse(&sjis);
    assert_eq!(m.subject, "件名テスト");
    assert_eq!(m.text.trim(), "日本語のメール");
}

#[test]
fn an_html_only_body_reads_as_text_with_its_links() {
    let raw = mail(
        &[
            "From: shop@newsletter.example",
            "Subject: Your order",
            "Message-ID: <html@newsletter.example>",
            "MIME-Version: 1.0",
            "Content-Type: text/html; charset=utf-8",
        ],
        b"<html><head><style>.x{color:red}</style><script>steal()</script></head><body>\
<h1>Order shipped</h1><p>Track it <a href=\"https://track.example/42\">here</a>.</p>\
<img src=\"https://pixel.example/open.gif\" alt=\"\"></body></html>",
    );
    let m = MailMessage::parse(&raw);
    assert!(m.text.contains("Order shipped"), "{}", m.text);
    assert!(!m.text.contains("steal"), "{}", m.text);
    assert!(!m.text.contains("color"), "{}", m.text);
    assert_eq!(m.links, vec!["https://track.example/42"]);
}

#[test]
fn attachments_are_listed_and_saved_byte_for_byte() {
    let pdf: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let encoded = base64_lines(&pdf);
    let mut body = b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n--b1\r\n\
Content-Type: application/pdf; name=\"invoice 42.pdf\"\r\nContent-Disposition: attachment; filename=\"../../invoice 42.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    body.extend_from_slice(encoded.as_bytes());
    body.extend_from_slice(b"\r\n--b1--\r\n");
    let raw = mail(
        &[
            "From: anna@example.com",
            "Subject: invoice",
            "Message-ID: <att@example.com>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=b1",
        ],
        &body,
    );
    let m = MailMessage::parse(&raw);
    assert_eq!(m.text.trim(), "See attached.");
    assert_eq!(m.attachments.len(), 1);
    let listed = &m.attachments[0];
    assert_eq!(listed.name, "invoice 42.pdf", "no directories in a saved name");
    assert_eq!(listed.content_type, "application/pdf");
    assert_eq!(listed.size, 3000);
    assert_eq!(attachment_bytes(&raw, listed.index).expect("saved"), pdf);
}

#[test]
fn quoted_text_is_folded_out_of_the_preview() {
    let raw = mail(
        &["From: anna@example.com", "Subject: Re: x", "Message-ID: <q@example.com>"],
        b"Thanks!\r\nIt works now.\r\n\r\nOn Mon, 30 Nov 2026, Support <support@shop.test> wrote:\r\n> Try again.\r\n",
    );
    let m = MailMessage::parse(&raw);
    assert_eq!(m.preview(3), "Thanks!\nIt works now.");
    assert!(quoting::fold(&m.text).quoted.is_some());
}

#[test]
fn broken_mail_reads_as_well_as_it_can() {
    // A multipart whose boundary never comes, a part with an unknown charset, a header of
    // 100 kB, and a message with no headers at all.
    let huge = format!("X-Huge: {}", "a".repeat(100_000));
    let raw = mail(
        &[
            "From: broken@example.com",
            "Subject: broken",
            &huge,
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=never",
        ],
        b"--wrong\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\nStill readable text\r\n",
    );
    let m = MailMessage::parse(&raw);
    assert!(m.problems.iter().any(|p| p.contains("Message-ID")), "{:?}", m.problems);
    assert!(m.text.contains("Still readable text"), "{:?}", m.text);
    assert!(m.problems.iter().any(|p| p.contains("MIME")), "{:?}", m.problems);
    assert!(m.attachments.is_empty(), "{:?}", m.attachments);
    assert!(m.message_id.ends_with("@earshot.invalid"));
    let huge_kept = m.case_headers.iter().find(|(n, _)| n == "X-Huge").expect("kept");
    assert!(huge_kept.1.len() <= 1_000 + '…'.len_utf8());

    let unknown_charset = mail(
        &[
            "From: a@b.example",
            "Message-ID: <cs@b.example>",
            "Content-Type: text/plain; charset=x-klingon",
        ],
        b"plain ascii under an unknown charset\r\n",
    );
    assert!(MailMessage::parse(&unknown_charset).text.contains("plain ascii"));

    let nothing = MailMessage::parse(b"");
    assert!(!nothing.message_id.is_empty());
    let garbage: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 256) as u8).collect();
    let _ = MailMessage::parse(&garbage);
}

fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    text.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}
