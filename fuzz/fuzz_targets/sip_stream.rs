//! Fuzzes the stream framer: the input is cut into chunks (sizes taken from the input
//! itself) and fed in; no input may panic or make the framer hold more than its limit.
#![no_main]

use earshot_sip::message::{StreamFramer, StreamItem};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&step, rest)) = data.split_first() else { return };
    let step = usize::from(step % 64) + 1;
    let mut framer = StreamFramer::new(4096);
    let mut messages = 0usize;
    for chunk in rest.chunks(step) {
        framer.push(chunk);
        while let Some(item) = framer.next_item() {
            match item {
                Ok(StreamItem::Message(m)) => {
                    messages += 1;
                    let _ = m.to_bytes();
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
        assert!(framer.pending() <= 4096 + step, "framer holds {} bytes", framer.pending());
    }
    assert!(messages <= rest.len() / 16 + 1);
});
