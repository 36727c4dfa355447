-- bench/lib/report.lua — wrk script for the fixed-request scenarios: wrk sends its static request
-- (no request() function, so wrk's fast path), and done() prints one machine-readable line.
--   BENCH_RESULT {"requests":…,"duration_us":…,"rps":…,"p50_us":…,"p99_us":…,…}
-- (No "return" at the end: wrk loads this chunk with luaL_dofile and a returned value would stay on
-- its Lua stack and corrupt the summary table it builds for done().)
function bench_report_line(summary, latency, extra)
  local e = summary.errors
  local secs = summary.duration / 1e6
  local s = string.format(
    '{"requests":%d,"duration_us":%d,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,' ..
    '"bytes":%d,"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d',
    summary.requests, summary.duration, summary.requests / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    summary.bytes, e.connect, e.read, e.write, e.status, e.timeout)
  if extra then s = s .. "," .. extra end
  io.write("BENCH_RESULT " .. s .. "}\n")
end

done = function(summary, latency, requests) bench_report_line(summary, latency) end
