#!/usr/bin/env bash
# Load test, all on loopback and bounded in time: a hello-world axum route bare, behind
# auth-tower's AuthLayer (HS256, revocation cache on), the same with the verified-token cache
# also on, and behind jwt-authorizer's layer (HS256), measured with wrk in one run,
# interleaved over several rounds (median reported).
#
#   bash benches/load/run.sh                # 3 rounds x 4 targets x 10 s, about 2.5 minutes
#   ROUNDS=5 DURATION=5s CONNECTIONS=64 bash benches/load/run.sh
#
# Needs wrk (`apt-get install -y wrk`). Pass criteria, printed for both auth-tower
# configurations: >= 85 % of bare, and >= jwt-authorizer. The exit status is 0 when at least
# one auth-tower configuration meets both.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
export LOAD_WORKERS=${LOAD_WORKERS:-0}
PORTS=(38081 38082 38083 38084)
NAMES=(bare auth-tower auth-tower+cache jwt-authorizer)

command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 2; }
cd "$(dirname "$0")/../.."
cargo build --release -q -p auth-benches --bin load_server
BIN="${CARGO_TARGET_DIR:-target}/release/load_server"

OUT=$(mktemp)
"$BIN" "${PORTS[@]}" >"$OUT" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; rm -f "$OUT"' EXIT
for _ in $(seq 100); do [[ -s "$OUT" ]] && break; sleep 0.1; done
TOKEN=$(head -n1 "$OUT")
[[ -n "$TOKEN" ]] || { echo "server did not start" >&2; exit 1; }

# Sanity: every target answers 200 with the token; the two protected ones 401 without it.
for i in 0 1 2 3; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:${PORTS[$i]}/hello")
  [[ "$code" == 200 ]] || { echo "${NAMES[$i]}: $code with token" >&2; exit 1; }
done
for i in 1 2 3; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[$i]}/hello")
  [[ "$code" == 401 ]] || { echo "${NAMES[$i]}: $code without token" >&2; exit 1; }
done

run() { # port duration -> requests/sec
  timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$1/hello" | awk '/Requests\/sec/ {print $2}'
}

for i in 0 1 2 3; do run "${PORTS[$i]}" 2s >/dev/null; done # warm-up
declare -A RESULTS
for round in $(seq "$ROUNDS"); do
  for i in 0 1 2 3; do
    rps=$(run "${PORTS[$i]}" "$DURATION")
    RESULTS[$i]+="$rps "
    printf 'round %d  %-15s %10s req/s\n' "$round" "${NAMES[$i]}" "$rps"
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
BARE=$(echo "${RESULTS[0]}" | median)
OURS=$(echo "${RESULTS[1]}" | median)
CACHED=$(echo "${RESULTS[2]}" | median)
PEER=$(echo "${RESULTS[3]}" | median)
echo
echo "median over $ROUNDS rounds of $DURATION, $CONNECTIONS connections, wrk -t$THREADS, server workers: $LOAD_WORKERS (0 = current-thread):"
printf '  %-17s %10.0f req/s\n' bare "$BARE" auth-tower "$OURS" auth-tower+cache "$CACHED" jwt-authorizer "$PEER"
awk -v b="$BARE" -v o="$OURS" -v c="$CACHED" -v p="$PEER" 'BEGIN {
  printf "  auth-tower       / bare = %.3f, / jwt-authorizer = %.3f  %s\n", o / b, o / p, (o >= 0.85 * b && o >= p) ? "PASS" : "FAIL"
  printf "  auth-tower+cache / bare = %.3f, / jwt-authorizer = %.3f  %s\n", c / b, c / p, (c >= 0.85 * b && c >= p) ? "PASS" : "FAIL"
  exit !((o >= 0.85 * b && o >= p) || (c >= 0.85 * b && c >= p))
}'
