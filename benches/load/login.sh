#!/usr/bin/env bash
# Logins never starve verified requests (issue 14), measured on the release examples/axum-app
# (SQLite) with wrk on loopback, in one run:
#
#   (a) p99 of GET /api/me alone (idle),
#   (b) p99 of GET /api/me while a login load runs beside it,
#   (c) login throughput alone (POST /auth/login, correct password),
#   (d) the raw argon2id verify rate on all cores with the same parameters (m=19456 KiB, t=2,
#       p=1: auth-core's default), from benches/src/bin/argon2_raw.rs — the argon2 crate
#       used directly, one thread per CPU,
#   (e) p99 of GET /api/me beside that raw argon2id load run at the lowest CPU priority
#       (`chrt --idle`, like the app's hashing pool) and no logins: what the machine itself
#       does to the tail when every core has a busy background thread — the floor any login
#       design can reach on it,
#
# and prints `p99 ratio (loaded/idle)` (target <= 2), `login/raw argon2 ratio`
# (target >= 0.85) and, for reading the first, `p99 ratio (loaded/beside bare hashing)`.
# Everything stays on 127.0.0.1 and every wrk run is bounded in time.
#
#   bash benches/load/login.sh                      # about a minute after the build
#   DURATION=10s ME_CONNECTIONS=4 LOGIN_CONNECTIONS=8 bash benches/load/login.sh
#   AXUM_APP_BIN=/path/to/axum-app bash benches/load/login.sh   # measure another build
#
# How the load measures hashing, not refusals: the script signs up LOGIN_ACCOUNTS (32)
# accounts and the login load (benches/load/login.lua) cycles through them with their correct
# password. An attempt is reserved against the per-account throttle (5 per client network)
# before its check and given back on success (AuthConfig docs), so one account with more
# than 5 logins in flight gets 429 by design; 32 accounts keep each far below that, and the
# per-IP gate (20) stays above the 8 connections. The script prints the status counts of the
# login load and fails if any answer was not 200. The app runs with REVOCATION_CACHE_SECONDS=0 (the example's
# default: one SQLite query per /api/me) and RUST_LOG=warn (no per-request log lines), with
# the example's seed-002 limits (login 5 a minute, the API 100 a minute per client) lifted out
# of the load's way.
# Needs wrk, sqlite3 and chrt (`apt-get install -y wrk sqlite3 util-linux`).
set -euo pipefail

DURATION=${DURATION:-10s}
ME_CONNECTIONS=${ME_CONNECTIONS:-4}
LOGIN_CONNECTIONS=${LOGIN_CONNECTIONS:-8}
LOGIN_ACCOUNTS=${LOGIN_ACCOUNTS:-32}
RAW_SECONDS=${RAW_SECONDS:-10}
PORT=${PORT:-38090}

for tool in wrk sqlite3 chrt; do
  command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install -y $tool" >&2; exit 2; }
done
cd "$(dirname "$0")/../.."
TARGET="${CARGO_TARGET_DIR:-target}"
# One build for both binaries (built once, then cached).
cargo build --release -q -p axum-app -p auth-benches --bin axum-app --bin argon2_raw
AXUM_APP_BIN="${AXUM_APP_BIN:-$TARGET/release/axum-app}"
RAW_BIN="$TARGET/release/argon2_raw"

WORK=$(mktemp -d)
APP=""
cleanup() { [[ -n "$APP" ]] && kill "$APP" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

PORT="$PORT" DATABASE_URL="sqlite://$WORK/app.db" \
  JWT_SECRET_KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  ACCESS_TOKEN_EXPIRE_MINUTES=60 REVOCATION_CACHE_SECONDS="${REVOCATION_CACHE_SECONDS:-0}" RUST_LOG="${APP_RUST_LOG:-warn}" \
  RATE_LIMIT_LOGIN_PER_MINUTE=4000000000 RATE_LIMIT_API_PER_MINUTE=4000000000 \
  "$AXUM_APP_BIN" >"$WORK/app.log" 2>&1 &
APP=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -s -o /dev/null "$BASE/" && break; sleep 0.1; done

# LOGIN_ACCOUNTS accounts, all with one password; the first one's token reads /api/me.
export LOGIN_PREFIX="load-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')-"
export LOGIN_PASSWORD="load-test-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export LOGIN_ACCOUNTS
TOKEN=""
for i in $(seq 0 $((LOGIN_ACCOUNTS - 1))); do
  BODY="{\"email\":\"$LOGIN_PREFIX$i@example.com\",\"password\":\"$LOGIN_PASSWORD\"}"
  # Signup allows 10 an hour per client network (auth-core's EndpointLimits): the accounts
  # come from loopback addresses of their own, 8 per address.
  token=$(curl -s --interface "127.0.0.$((i / 8 + 2))" -H 'Content-Type: application/json' \
    -d "$BODY" "$BASE/auth/signup" |
    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  [[ -n "$token" ]] || { echo "signup failed; app log:" >&2; cat "$WORK/app.log" >&2; exit 1; }
  TOKEN=${TOKEN:-$token}
done
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE/api/me")
[[ "$code" == 200 ]] || { echo "GET /api/me: $code" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$BODY" "$BASE/auth/login")
[[ "$code" == 200 ]] || { echo "POST /auth/login: $code" >&2; exit 1; }

me() { # duration -> wrk output for GET /api/me, with the latency distribution
  timeout 120 wrk -t1 -c"$ME_CONNECTIONS" -d"$1" --latency -H "Authorization: Bearer $TOKEN" "$BASE/api/me"
}
# wrk ends each run by closing its connections, which abandons up to LOGIN_CONNECTIONS logins
# mid-check; an abandoned attempt keeps its throttle reservation (by design: hanging up must
# not dodge the count), so after ~3 runs the per-IP gate (20 per 15 minutes, all from
# 127.0.0.1) would refuse everything. Each login phase therefore starts with the throttle
# counters of this run's own throw-away database cleared.
clear_throttle() {
  sqlite3 -cmd '.timeout 5000' "$WORK/app.db" 'DELETE FROM auth_throttle_counters;'
}
login() { # duration -> wrk output for POST /auth/login
  clear_throttle
  timeout 120 wrk -t1 -c"$LOGIN_CONNECTIONS" -d"$1" -s benches/load/login.lua "$BASE/auth/login"
}
p99_ms() { awk '/^ +99%/ {v = $2; if (v ~ /us$/) m = v / 1000; else if (v ~ /ms$/) m = v + 0; else m = v * 1000; print m}'; }
rps() { awk '/Requests\/sec/ {print $2}'; }
check_logins() { # wrk output of a login run: every answer must be 200
  local bad
  bad=$(awk '/^status / && $2 != "200:" {n += $3} END {print n + 0}' <<<"$1")
  [[ "$bad" == 0 ]] || {
    echo "login load got non-200 answers:" >&2
    grep '^status' <<<"$1" >&2
    grep -o 'throttled_by=[^ ]*' "$WORK/app.log" | sort | uniq -c >&2 || true
    exit 1
  }
}

me 2s >/dev/null # warm-up
login 2s >/dev/null

IDLE=$(me "$DURATION")
IDLE_P99=$(p99_ms <<<"$IDLE")
IDLE_RPS=$(rps <<<"$IDLE")

ALONE=$(login "$DURATION")
check_logins "$ALONE"
LOGIN_RPS=$(rps <<<"$ALONE")

RAW=$("$RAW_BIN" "$RAW_SECONDS")
read -r RAW_RATE RAW_THREADS <<<"$RAW"

# The login load starts first and outlasts the /api/me measurement at both ends.
SECS=${DURATION%s}
login "$((SECS + 4))s" >"$WORK/login-under-load.txt" &
LOAD=$!
sleep 2
LOADED=$(me "$DURATION")
wait "$LOAD"
UNDER=$(cat "$WORK/login-under-load.txt")
check_logins "$UNDER"
LOADED_P99=$(p99_ms <<<"$LOADED")
LOADED_RPS=$(rps <<<"$LOADED")
UNDER_RPS=$(rps <<<"$UNDER")

# (e) The same /api/me load beside bare hashing at idle priority, outlasting it at both ends.
chrt --idle 0 "$RAW_BIN" "$((SECS + 4))" >/dev/null &
HASHING=$!
sleep 2
BESIDE=$(me "$DURATION")
wait "$HASHING"
BESIDE_P99=$(p99_ms <<<"$BESIDE")
BESIDE_RPS=$(rps <<<"$BESIDE")

echo "axum-app (release, SQLite), wrk -t1, /api/me -c$ME_CONNECTIONS, login -c$LOGIN_CONNECTIONS, $DURATION per phase, $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  (a) GET /api/me idle:          p99 %8.2f ms  %9s req/s\n' "$IDLE_P99" "$IDLE_RPS"
printf '  (b) GET /api/me under logins:  p99 %8.2f ms  %9s req/s  (logins meanwhile: %s/s)\n' "$LOADED_P99" "$LOADED_RPS" "$UNDER_RPS"
printf '  (c) POST /auth/login alone:                   %9s req/s\n' "$LOGIN_RPS"
printf '  (d) raw argon2id verify, %s threads:           %9s /s\n' "$RAW_THREADS" "$RAW_RATE"
printf '  (e) GET /api/me beside (d) at idle priority, no logins: p99 %8.2f ms  %9s req/s\n' "$BESIDE_P99" "$BESIDE_RPS"
awk -v l="$LOADED_P99" -v i="$IDLE_P99" -v lr="$LOGIN_RPS" -v r="$RAW_RATE" -v b="$BESIDE_P99" 'BEGIN {
  p = l / i; q = lr / r
  printf "p99 ratio (loaded/idle): %.2f  (target <= 2)     %s\n", p, (p <= 2 ? "PASS" : "FAIL")
  printf "login/raw argon2 ratio:  %.2f  (target >= 0.85)  %s\n", q, (q >= 0.85 ? "PASS" : "FAIL")
  printf "p99 ratio (loaded/beside bare hashing): %.2f  (the logins'"'"' own share of the tail; (e)/(a) = %.2f is the machine'"'"'s)\n", l / b, b / i
  exit !(p <= 2 && q >= 0.85)
}'
