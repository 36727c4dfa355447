-- tests/soak/soak.lua — wrk script for tests/soak/run: alternates between the session-cookie path and the
-- Bearer path (both behind AuthType Cognito) and counts every answer that is not 2xx (wrk's own
-- "Non-2xx or 3xx" line does not count 3xx, and a redirect to the login page is a 3xx).
-- Environment: SOAK_COOKIE (cognito_session value), SOAK_TOKEN (access token), SOAK_SESSION_PATH, SOAK_BEARER_PATH.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  ok2xx = 0
  n3xx = 0
  n4xx = 0
  n5xx = 0
  nother = 0
  session_req = wrk.format("GET", os.getenv("SOAK_SESSION_PATH"),
    { ["Cookie"] = "cognito_session=" .. os.getenv("SOAK_COOKIE"), ["Accept"] = "text/html" })
  bearer_req = wrk.format("GET", os.getenv("SOAK_BEARER_PATH"),
    { ["Authorization"] = "Bearer " .. os.getenv("SOAK_TOKEN"), ["Accept"] = "application/json" })
end

function request()
  n = n + 1
  if n % 2 == 0 then return session_req end
  return bearer_req
end

function response(status, headers, body)
  if status >= 200 and status <= 299 then ok2xx = ok2xx + 1
  elseif status >= 300 and status <= 399 then n3xx = n3xx + 1
  elseif status >= 400 and status <= 499 then n4xx = n4xx + 1
  elseif status >= 500 and status <= 599 then n5xx = n5xx + 1
  else nother = nother + 1 end
end

function done(summary, latency, requests)
  local t = { ok2xx = 0, n3xx = 0, n4xx = 0, n5xx = 0, nother = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
  end
  local e = summary.errors
  io.write(string.format("SOAK requests=%d 2xx=%d 3xx=%d 4xx=%d 5xx=%d other=%d\n",
    summary.requests, t.ok2xx, t.n3xx, t.n4xx, t.n5xx, t.nother))
  io.write(string.format("SOAK errors connect=%d read=%d write=%d status=%d timeout=%d\n",
    e.connect, e.read, e.write, e.status, e.timeout))
  io.write(string.format("SOAK latency_us p50=%d p99=%d max=%d\n",
    latency:percentile(50), latency:percentile(99), latency.max))
  io.write(string.format("SOAK duration_us=%d bytes=%d\n", summary.duration, summary.bytes))
end
