#!/usr/bin/env bash
# Instruction counts per request through each layer variant (HS256), with callgrind:
# instructions do not drift with the load of a shared machine the way time does, so this
# complements the criterion timings in benches/layer.rs. Needs valgrind.
#
#   bash benches/layer_instructions.sh            # table of instructions per request
#   PROFILE=ours+revocation bash benches/layer_instructions.sh   # + callgrind_annotate of one variant
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/auth-rs-target}"
cargo build --quiet --profile bench -p auth-benches --bin layer_work
bin="$CARGO_TARGET_DIR/release/layer_work"
n=${N:-2000}

count() { # variant iterations [output file] -> total instructions
  local out=${3:-$(mktemp)}
  valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" "$1" "$2" >/dev/null 2>&1
  grep '^summary:' "$out" | awk '{print $2}'
  [[ -n "${3:-}" ]] || rm -f "$out"
}

declare -A TOTAL
for variant in bare ours ours+revocation ours+revocation+cache raw-jsonwebtoken; do
  # Subtract a run with no requests, which leaves the set-up cost only.
  TOTAL[$variant]=$(( $(count "$variant" "$n") - $(count "$variant" 0) ))
done
printf '%-24s %14s %14s\n' variant "instr/request" "over bare"
for variant in bare ours ours+revocation ours+revocation+cache raw-jsonwebtoken; do
  awk -v v="$variant" -v t="${TOTAL[$variant]}" -v b="${TOTAL[bare]}" -v n="$n" \
    'BEGIN { printf "%-24s %14.0f %14.0f\n", v, t / n, (t - b) / n }'
done

if [[ -n "${PROFILE:-}" ]]; then
  out=$(mktemp)
  count "$PROFILE" "$n" "$out" >/dev/null
  callgrind_annotate --inclusive=yes "$out" | head -80
  rm -f "$out"
fi
