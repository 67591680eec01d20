-- wrk script for benches/load/login.sh: POST /auth/login, cycling through the LOGIN_ACCOUNTS
-- load-test accounts `<LOGIN_PREFIX><i>@example.com` (i = 0 .. LOGIN_ACCOUNTS-1, all with
-- LOGIN_PASSWORD), and counting the answers by status so the script can tell hashing from
-- throttling (429) or a full hashing queue (503).
--
-- Why many accounts: each login attempt is reserved against the per-account throttle (5 per
-- client network) *before* its password check and given back on success, so more than 5
-- concurrent logins of one account are refused with 429 by design. Cycling through many
-- accounts keeps every account's in-flight logins far below that.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local prefix = os.getenv("LOGIN_PREFIX")
local password = os.getenv("LOGIN_PASSWORD")
local accounts = tonumber(os.getenv("LOGIN_ACCOUNTS"))
local next_account = 0

function request()
  next_account = (next_account + 1) % accounts
  local body = string.format('{"email":"%s%d@example.com","password":"%s"}',
    prefix, next_account, password)
  return wrk.format(nil, nil, nil, body)
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d: %d\n", status, n))
  end
end
