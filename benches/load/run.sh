#!/usr/bin/env bash
# Load test, all on loopback and bounded in time: a hello-world axum route bare, behind
# auth-tower's AuthLayer (HS256, revocation cache on), the same with the verified-token cache
# also on, and behind a bearer layer on the raw jsonwebtoken crate (HS256; the peer,
# benches/src/raw_layer.rs), measured with wrk in one run, interleaved over several rounds in
# a rotating order (median of the per-round ratios reported).
#
#   bash benches/load/run.sh                # 5 rounds x 4 targets x 6 s, about 2.5 minutes
#   ROUNDS=5 DURATION=5s CONNECTIONS=64 bash benches/load/run.sh
#
# Needs wrk (`apt-get install -y wrk`). Pass criteria, printed for both auth-tower
# configurations: >= 85 % of bare, and >= the raw jsonwebtoken layer, on the median of the
# per-round ratios. The exit status is 0 when at least one auth-tower configuration meets both.
set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-6s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
export LOAD_WORKERS=${LOAD_WORKERS:-0}
PORTS=(38081 38082 38083 38084)
NAMES=(bare auth-tower auth-tower+cache raw-jsonwebtoken)

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

HZ=$(getconf CLK_TCK)
server_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; } # user + system CPU
run() { # port duration -> "requests/sec server-CPU-µs/request"
  local before after out
  before=$(server_ticks)
  out=$(timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$1/hello")
  after=$(server_ticks)
  awk -v ticks=$((after - before)) -v hz="$HZ" '
    /Requests\/sec/ {rps = $2} / requests in / {n = $1}
    END {printf "%s %.2f\n", rps, ticks / hz * 1e6 / n}' <<<"$out"
}

for i in 0 1 2 3; do run "${PORTS[$i]}" 2s >/dev/null; done # warm-up
# The machine's load drifts during a run, so each round measures the four targets back to
# back in a rotated order (no target always goes first), and the verdict uses the ratios
# within each round — their median — rather than ratios of medians taken at different times.
declare -A RESULTS CPU
RATIOS_OURS="" RATIOS_CACHED="" RATIOS_OURS_PEER="" RATIOS_CACHED_PEER=""
for round in $(seq "$ROUNDS"); do
  declare -A THIS=()
  for k in 0 1 2 3; do
    i=$(( (k + round - 1) % 4 ))
    read -r rps cpu < <(run "${PORTS[$i]}" "$DURATION")
    THIS[$i]=$rps
    RESULTS[$i]+="$rps "
    CPU[$i]+="$cpu "
    printf 'round %d  %-17s %10s req/s  %6s µs server CPU/request\n' "$round" "${NAMES[$i]}" "$rps" "$cpu"
  done
  RATIOS_OURS+="$(awk -v o="${THIS[1]}" -v b="${THIS[0]}" 'BEGIN {print o / b}') "
  RATIOS_CACHED+="$(awk -v o="${THIS[2]}" -v b="${THIS[0]}" 'BEGIN {print o / b}') "
  RATIOS_OURS_PEER+="$(awk -v o="${THIS[1]}" -v p="${THIS[3]}" 'BEGIN {print o / p}') "
  RATIOS_CACHED_PEER+="$(awk -v o="${THIS[2]}" -v p="${THIS[3]}" 'BEGIN {print o / p}') "
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
BARE=$(echo "${RESULTS[0]}" | median)
OURS=$(echo "${RESULTS[1]}" | median)
CACHED=$(echo "${RESULTS[2]}" | median)
PEER=$(echo "${RESULTS[3]}" | median)
R_OURS=$(echo "$RATIOS_OURS" | median)
R_CACHED=$(echo "$RATIOS_CACHED" | median)
R_OURS_PEER=$(echo "$RATIOS_OURS_PEER" | median)
R_CACHED_PEER=$(echo "$RATIOS_CACHED_PEER" | median)
C_BARE=$(echo "${CPU[0]}" | median)
C_OURS=$(echo "${CPU[1]}" | median)
C_CACHED=$(echo "${CPU[2]}" | median)
C_PEER=$(echo "${CPU[3]}" | median)
echo
echo "median over $ROUNDS rounds of $DURATION, $CONNECTIONS connections, wrk -t$THREADS, server workers: $LOAD_WORKERS (0 = current-thread), load average: $(cut -d' ' -f1-3 /proc/loadavg):"
printf '  %-17s %10.0f req/s %8.2f µs server CPU/request\n' bare "$BARE" "$C_BARE" \
  auth-tower "$OURS" "$C_OURS" auth-tower+cache "$CACHED" "$C_CACHED" raw-jsonwebtoken "$PEER" "$C_PEER"
# The server is one thread: once it is saturated its throughput is 1 / (CPU per request), and
# CPU time per request drifts far less with the machine's load than requests per second do.
echo "throughput implied by server CPU per request (bare CPU / target CPU):"
awk -v b="$C_BARE" -v o="$C_OURS" -v c="$C_CACHED" -v p="$C_PEER" 'BEGIN {
  printf "  auth-tower       / bare = %.3f, / raw-jsonwebtoken = %.3f\n", b / o, p / o
  printf "  auth-tower+cache / bare = %.3f, / raw-jsonwebtoken = %.3f\n", b / c, p / c
}'
echo "median of the per-round ratios:"
awk -v o="$R_OURS" -v c="$R_CACHED" -v op="$R_OURS_PEER" -v cp="$R_CACHED_PEER" 'BEGIN {
  printf "  auth-tower       / bare = %.3f, / raw-jsonwebtoken = %.3f  %s\n", o, op, (o >= 0.85 && op >= 1) ? "PASS" : "FAIL"
  printf "  auth-tower+cache / bare = %.3f, / raw-jsonwebtoken = %.3f  %s\n", c, cp, (c >= 0.85 && cp >= 1) ? "PASS" : "FAIL"
  exit !((o >= 0.85 && op >= 1) || (c >= 0.85 && cp >= 1))
}'
