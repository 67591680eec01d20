#!/usr/bin/env bash
# Load test of auth-tower's RateLimitLayer, all on loopback and bounded in time: a
# hello-world axum route bare, and the same route behind the layer (in-process GCRA keyed by
# the peer address; the load never reaches the limit, so every request does the whole
# check and gets the RateLimit fields), measured with wrk on a release build, interleaved
# over several rounds in alternating order (median of the per-round ratios reported).
#
#   bash benches/load/rate_limit.sh          # 5 rounds x 2 targets x 6 s, about 1.5 minutes
#   ROUNDS=3 DURATION=4s CONNECTIONS=64 bash benches/load/rate_limit.sh
#
# Needs wrk. Pass criterion: the layer keeps >= 90 % of the bare route's requests/s (median
# of the per-round ratios); the exit status says whether it did. With AUTH_TEST_REDIS_URL set
# (redis://127.0.0.1:6379) a third target counts the same limit in Redis (the layer's shared
# mode, one script call per request) and its ratio to the bare route is reported too, without
# a target: it prices a network round trip per request, not the layer.
set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-6s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
export LOAD_WORKERS=${LOAD_WORKERS:-0}
PORTS=("${BARE_PORT:-38091}" "${LIMITED_PORT:-38092}" "${REDIS_PORT:-38093}") # override if taken
NAMES=(bare rate-limited redis-shared)
N=2
[[ -n "${AUTH_TEST_REDIS_URL:-}" ]] && N=3

command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 2; }
cd "$(dirname "$0")/../.."
cargo build --release -q -p auth-benches --bin rate_limit_server
BIN="${CARGO_TARGET_DIR:-target}/release/rate_limit_server"

OUT=$(mktemp)
"$BIN" "${PORTS[@]}" >"$OUT" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; rm -f "$OUT"' EXIT
for _ in $(seq 100); do [[ -s "$OUT" ]] && break; sleep 0.1; done
[[ "$(head -n1 "$OUT")" == ready ]] || { echo "server did not start" >&2; exit 1; }

# Sanity: all answer 200; only the limited ones carry the RateLimit fields.
for ((i = 0; i < N; i++)); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[$i]}/hello")
  [[ "$code" == 200 ]] || { echo "${NAMES[$i]}: $code" >&2; exit 1; }
done
for ((i = 1; i < N; i++)); do
  curl -s -D - -o /dev/null "http://127.0.0.1:${PORTS[$i]}/hello" | grep -qi '^ratelimit: "api";r=' \
    || { echo "${NAMES[$i]}: no RateLimit field" >&2; exit 1; }
done

HZ=$(getconf CLK_TCK)
server_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; } # user + system CPU
run() { # port duration -> "requests/sec server-CPU-µs/request"
  local before after out
  before=$(server_ticks)
  out=$(timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" "http://127.0.0.1:$1/hello")
  after=$(server_ticks)
  if grep -q 'Non-2xx' <<<"$out"; then echo "non-2xx answers on port $1: $out" >&2; exit 1; fi
  awk -v ticks=$((after - before)) -v hz="$HZ" '
    /Requests\/sec/ {rps = $2} / requests in / {n = $1}
    END {printf "%s %.2f\n", rps, ticks / hz * 1e6 / n}' <<<"$out"
}

for ((i = 0; i < N; i++)); do run "${PORTS[$i]}" 2s >/dev/null; done # warm-up
declare -A RESULTS CPU
RATIOS=""
REDIS_RATIOS=""
for round in $(seq "$ROUNDS"); do
  declare -A THIS=()
  for ((k = 0; k < N; k++)); do
    i=$(( (k + round - 1) % N ))
    read -r rps cpu < <(run "${PORTS[$i]}" "$DURATION")
    THIS[$i]=$rps
    RESULTS[$i]+="$rps "
    CPU[$i]+="$cpu "
    printf 'round %d  %-13s %10s req/s  %6s µs server CPU/request\n' "$round" "${NAMES[$i]}" "$rps" "$cpu"
  done
  RATIOS+="$(awk -v o="${THIS[1]}" -v b="${THIS[0]}" 'BEGIN {print o / b}') "
  if ((N == 3)); then
    REDIS_RATIOS+="$(awk -v o="${THIS[2]}" -v b="${THIS[0]}" 'BEGIN {print o / b}') "
  fi
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
BARE=$(echo "${RESULTS[0]}" | median)
LIMITED=$(echo "${RESULTS[1]}" | median)
RATIO=$(echo "$RATIOS" | median)
C_BARE=$(echo "${CPU[0]}" | median)
C_LIMITED=$(echo "${CPU[1]}" | median)
echo
echo "median over $ROUNDS rounds of $DURATION, $CONNECTIONS connections, wrk -t$THREADS, server workers: $LOAD_WORKERS (0 = current-thread), load average: $(cut -d' ' -f1-3 /proc/loadavg):"
printf '  %-13s %10.0f req/s %8.2f µs server CPU/request\n' bare "$BARE" "$C_BARE" rate-limited "$LIMITED" "$C_LIMITED"
if ((N == 3)); then
  printf '  %-13s %10.0f req/s %8.2f µs server CPU/request (Redis itself not counted)\n' \
    redis-shared "$(echo "${RESULTS[2]}" | median)" "$(echo "${CPU[2]}" | median)"
  printf 'median of the per-round ratios: redis-shared / bare = %.3f  (no target: a Redis round trip per request)\n' \
    "$(echo "$REDIS_RATIOS" | median)"
fi
awk -v b="$C_BARE" -v l="$C_LIMITED" 'BEGIN {
  printf "throughput implied by server CPU per request: rate-limited / bare = %.3f\n", b / l }'
awk -v r="$RATIO" 'BEGIN {
  printf "median of the per-round ratios: rate-limited / bare = %.3f  %s (target >= 0.90)\n", r, (r >= 0.90) ? "PASS" : "FAIL"
  exit !(r >= 0.90)
}'
