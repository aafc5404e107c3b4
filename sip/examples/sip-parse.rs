//! Reads SIP messages from files (or stdin) and prints what the parser makes of each: the
//! start line, every header as typed, or the precise error and the response it warrants.

use std::io::Read;

use earshot_sip::message::{Message, parse_datagram};

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let inputs: Vec<(String, Vec<u8>)> = if paths.is_empty() {
        let mut buf = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut buf) {
            eprintln!("stdin: {e}");
            std::process::exit(2);
        }
        vec![("stdin".into(), buf)]
    } else {
        paths
            .into_iter()
            .filter_map(|p| match std::fs::read(&p) {
                Ok(b) => Some((p, b)),
                Err(e) => {
                    eprintln!("{p}: {e}");
                    None
                }
            })
            .collect()
    };
    let mut failures = 0;
    for (name, bytes) in inputs {
        match parse_datagram(&bytes) {
            Ok(m) => {
                match &m {
                    Message::Request(r) => println!("{name}: request {} {}", r.method, r.uri),
                    Message::Response(r) => println!("{name}: response {} {}", r.status, r.reason),
                }
                for h in m.headers().iter() {
                    println!("  {}: {}", h.name, h.value().replace("\r\n", "\\r\\n"));
                }
                println!("  body: {} bytes", m.body().len());
            }
            Err(e) => {
                failures += 1;
                println!("{name}: rejected ({}): {e}", e.status_code());
            }
        }
    }
    std::process::exit(if failures > 0 { 1 } else { 0 });
}
