#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 30) each, seeded from the RFC torture
# messages. Needs cargo-fuzz (installed if missing); stable Rust via RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-30}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target"
  echo "fuzz: $target for ${secs}s"
  seeds=seeds; [ -d "seeds-$target" ] && seeds="seeds-$target"
  cargo fuzz run -O "$target" "corpus/$target" "$seeds" -- -max_total_time="$secs" -rss_limit_mb=2048 2>&1 \
    | grep -E '^(#[0-9]+\s+DONE|Done [0-9]+ runs|==[0-9]+==|SUMMARY|thread .* panicked)' || true
  # A crash leaves an artifact and a non-zero exit; fail the run if any appeared.
  if ls "artifacts/$target"/crash-* >/dev/null 2>&1; then
    echo "fuzz: $target found crashes:"; ls "artifacts/$target"; exit 1
  fi
done
