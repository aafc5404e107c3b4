//! Fuzzes email reading and threading (`earshot_mail`): any bytes read as a message must
//! not panic; a message read is threaded, answered and forwarded, and what we write reads
//! back with the threading headers we put in.
#![no_main]

use earshot_engine::mail::{
    ForwardAs, MailAddress, MailMessage, ThreadBook, ThreadingKeys, Writer, forward, quoting,
    reply,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let message = MailMessage::parse(data);
    let _ = message.preview(3);
    let _ = quoting::fold(&message.text);
    for listed in &message.attachments {
        let _ = earshot_engine::mail::attachment_bytes(data, listed.index);
    }
    let mut book = ThreadBook::new();
    let first = book.place(&ThreadingKeys::of(&message, false));
    assert_eq!(book.place(&ThreadingKeys::of(&message, false)).thread, first.thread);
    let ours = vec!["support@shop.test".to_owned()];
    let writer = Writer {
        from: MailAddress::new(Some("Support"), "support@shop.test"),
        ours: &ours,
        signature: "Support",
        now_ms: 1_764_600_000_000,
    };
    let answer = reply(&message, &writer, "ok", true);
    if let Ok(written) = answer.write("fuzz.reply@shop.test", 1_764_600_000_000) {
        let back = MailMessage::parse(&written.bytes);
        assert_eq!(back.message_id, "fuzz.reply@shop.test");
        let placed = book.place(&ThreadingKeys::of(&back, true));
        assert_eq!(placed.thread, first.thread, "our reply joins the thread it answers");
    }
    let to = vec![MailAddress::new(None, "billing@shop.test")];
    let forwarded = forward(&message, data, &writer, to, "fyi", ForwardAs::Attachment);
    if let Ok(written) = forwarded.write("fuzz.fwd@shop.test", 1_764_600_000_000) {
        assert_eq!(MailMessage::parse(&written.bytes).attachments.len(), 1);
    }
});
