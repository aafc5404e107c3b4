//! The side-by-side benchmark runs end to end: one call per stack (PCMU, clean network) on
//! the JACK rig, and the table it prints has figures that make sense — speech through,
//! a mouth-to-ear delay found, CPU and memory read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::process::Command;

#[test]
fn one_cell_for_each_stack() {
    let out = Command::new(env!("CARGO_BIN_EXE_side-by-side"))
        .args(["--codecs", "PCMU", "--conditions", "clean", "--runs", "1"])
        .output()
        .expect("side-by-side runs");
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprintln!("{stderr}\n{stdout}");
    assert!(out.status.success(), "{stderr}");
    let row = stdout.lines().find(|l| l.starts_with("| PCMU | clean |")).expect("a PCMU row");
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    // | codec | condition | PESQ E | PESQ b | delay E | delay b | CPU E | CPU b | RSS E | RSS b |
    let number = |i: usize| -> f64 {
        cells[i].split_whitespace().next().unwrap().parse().unwrap_or_else(|_| panic!("{row}"))
    };
    for (name, pesq, delay, cpu, rss) in [("Earshot", 3, 5, 7, 9), ("baresip", 4, 6, 8, 10)] {
        assert!(number(pesq) > 3.5, "{name} PESQ: {row}");
        assert!((10.0..300.0).contains(&number(delay)), "{name} mouth-to-ear: {row}");
        assert!(number(cpu) > 0.0 && number(rss) > 1.0, "{name} CPU and memory: {row}");
    }
}
