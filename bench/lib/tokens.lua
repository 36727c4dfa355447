-- bench/lib/tokens.lua — wrk script: every request carries a different Bearer token.
-- Environment: BENCH_LIB (this directory), BENCH_TOKENS (file, one token per line), BENCH_TOKEN_LIMIT
-- (use only the first N lines; 0 = all), BENCH_THREADS (wrk -t), BENCH_HOSTHDR (host:port),
-- BENCH_PATH (request path), BENCH_ON_EXHAUST = cycle | stop.
-- Thread k of T uses lines k, k+T, k+2T, … so no token is sent twice while tokens last. Should they
-- run out: "cycle" starts over from the thread's first token (by then long evicted from the module's
-- bounded token cache, so still a full verification) and counts those requests as "reused"; "stop"
-- stops the thread (wrk itself still waits for -d to pass or SIGINT; bench/run sends SIGINT).
dofile(os.getenv("BENCH_LIB") .. "/report.lua")   -- defines bench_report_line()

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local T = tonumber(os.getenv("BENCH_THREADS") or "2")
  local limit = tonumber(os.getenv("BENCH_TOKEN_LIMIT") or "0")
  local path = os.getenv("BENCH_TOKENS")
  cycle = (os.getenv("BENCH_ON_EXHAUST") or "cycle") == "cycle"
  prefix = "GET " .. os.getenv("BENCH_PATH") .. " HTTP/1.1\r\nHost: " .. os.getenv("BENCH_HOSTHDR") ..
           "\r\nAuthorization: Bearer "
  tokens = {}
  local i = 0
  for line in io.lines(path) do
    if limit > 0 and i >= limit then break end
    if i % T == id then tokens[#tokens + 1] = line end
    i = i + 1
  end
  ntokens = #tokens
  n = 0
  reused = 0
  exhausted = 0
end

function request()
  n = n + 1
  if n > ntokens then
    if exhausted == 0 then
      exhausted = 1
      if not cycle then wrk.thread:stop() end
    end
    if cycle then n = 1 else n = ntokens end
  end
  if exhausted == 1 then reused = reused + 1 end
  return prefix .. tokens[n] .. "\r\n\r\n"
end

function done(summary, latency, requests)
  local re, ex, have = 0, 0, 0
  for _, t in ipairs(threads) do
    re = re + t:get("reused")
    ex = ex + t:get("exhausted")
    have = have + t:get("ntokens")
  end
  bench_report_line(summary, latency, string.format('"tokens_available":%d,"tokens_used":%d,"reused":%d,"threads_exhausted":%d',
    have, math.min(summary.requests, have), re, ex))
end
