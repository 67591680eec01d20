#!/usr/bin/env bash
# Issue 14: what the revocation cache buys once Redis makes it safe. The release axum-app,
# `GET /api/me` with one access token, measured with wrk in one run:
#   1. today's example default: REVOCATION_CACHE_SECONDS=0 on SQLite (a database query per
#      request, so logout is seen at once);
#   2. two-instance configuration: REVOCATION_CACHE_SECONDS=30 with REDIS_URL (logout still
#      seen at once: Redis publish/subscribe drops the cached entry on every instance) on
#      PostgreSQL (or SQLite when AUTH_TEST_POSTGRES_URL is unset).
# Prints requests/s of both and their ratio (target >= 10).
#
#   AUTH_TEST_REDIS_URL=redis://127.0.0.1:6379 \
#   AUTH_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
#   bash benches/load/revocation_cache.sh
set -euo pipefail

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
REDIS=${AUTH_TEST_REDIS_URL:?set AUTH_TEST_REDIS_URL (redis://127.0.0.1:6379)}

command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 2; }
cd "$(dirname "$0")/../.."
cargo build --release -q -p axum-app
BIN="${CARGO_TARGET_DIR:-target}/release/axum-app"
WORK=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

start() { # name port env... -> base URL on stdout once listening
  local name=$1 port=$2; shift 2
  env -i PATH="$PATH" RUST_LOG=warn PORT="$port" JWT_DEV_KEY_FILE="$WORK/dev-key" \
    RATE_LIMIT_LOGIN_PER_MINUTE=100000 RATE_LIMIT_API_PER_MINUTE=4000000000 \
    "$@" "$BIN" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 300); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
    sleep 0.1
  done
  echo "$name did not start:" >&2; cat "$WORK/$name.log" >&2; exit 1
}

token() { # base email -> access token
  local email=$2 password=mauve-tulip-orbit-42
  curl -s -o /dev/null -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$1/auth/signup"
  curl -s -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$1/auth/login" |
    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}

rps() { # base token -> requests/s
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" "$1/api/me")
  [[ "$code" == 200 ]] || { echo "GET /api/me answered $code" >&2; exit 1; }
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -H "Authorization: Bearer $2" "$1/api/me" >/dev/null
  timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -H "Authorization: Bearer $2" \
    "$1/api/me" | awk '/Requests\/sec/ {print $2}'
}

DB_SHARED=${AUTH_TEST_POSTGRES_URL:-sqlite://$WORK/shared.db}
start default 38191 DATABASE_URL="sqlite://$WORK/default.db" REVOCATION_CACHE_SECONDS=0
start cached 38192 DATABASE_URL="$DB_SHARED" REVOCATION_CACHE_SECONDS=30 REDIS_URL="$REDIS" \
  REDIS_KEY_PREFIX="bench-$$:"
suffix="$$-$(date +%s%N)"
T1=$(token http://127.0.0.1:38191 "bench-default-$suffix@example.com")
T2=$(token http://127.0.0.1:38192 "bench-cached-$suffix@example.com")
[[ -n "$T1" && -n "$T2" ]] || { echo "could not log in" >&2; exit 1; }

# Interleaved: default, cached, default, cached — the machine's load drifts.
D1=$(rps http://127.0.0.1:38191 "$T1"); C1=$(rps http://127.0.0.1:38192 "$T2")
D2=$(rps http://127.0.0.1:38191 "$T1"); C2=$(rps http://127.0.0.1:38192 "$T2")
awk -v d1="$D1" -v d2="$D2" -v c1="$C1" -v c2="$C2" -v db="${DB_SHARED%%:*}" 'BEGIN {
  d = (d1 + d2) / 2; c = (c1 + c2) / 2
  printf "default (cache 0, sqlite)          %10.0f req/s  (%s, %s)\n", d, d1, d2
  printf "cache 30 s + Redis (%s)      %10.0f req/s  (%s, %s)\n", db, c, c1, c2
  printf "ratio cached/default               %10.2f  (target >= 10)\n", c / d
  # The issue measured the default at 2 100 req/s when it was filed (SQLite then ran on one
  # connection); the default itself has become faster since, so both ratios are printed.
  printf "ratio cached/2100 (issue 14 baseline) %7.2f\n", c / 2100
  exit (c / d >= 10) ? 0 : 1
}'
