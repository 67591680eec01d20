#!/usr/bin/env bash
# Instruction counts per verification, auth-core vs jsonwebtoken::decode, for each algorithm.
# callgrind counts instructions, not time, so the ratio is the same on a busy machine: it
# complements the criterion timings in benches/tokens.rs. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/auth-rs-target}"
cargo build --quiet --profile bench -p auth-benches --bin verify_work
bin="$CARGO_TARGET_DIR/release/verify_work"
n=2000

count() { # algorithm implementation iterations -> total instructions
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" "$1" "$2" "$3" >/dev/null 2>&1
  grep '^summary:' "$out" | awk '{print $2}'
  rm -f "$out"
}

printf '%-6s %16s %16s %7s\n' alg "auth-core" "jsonwebtoken" ratio
for alg in HS256 RS256 ES256 EdDSA; do
  # Subtract a run with no verification, which leaves the set-up cost only.
  ours=$(( $(count "$alg" auth-core $n) - $(count "$alg" auth-core 0) ))
  raw=$(( $(count "$alg" jsonwebtoken $n) - $(count "$alg" jsonwebtoken 0) ))
  awk -v a="$alg" -v o="$ours" -v r="$raw" -v n="$n" \
    'BEGIN { printf "%-6s %16.0f %16.0f %7.3f\n", a, o / n, r / n, o / r }'
done
