#!/usr/bin/env node
// bench/lib/report.mjs — turns the raw measurements of bench/run into the printed table and the JSON file.
//   report.mjs line  RESULTS.jsonl        one progress line for the last scenario
//   report.mjs login LOGIN.json           one progress line for a login loop
//   report.mjs mem   MEMORY.jsonl         one progress line for the last memory run
//   report.mjs capacity CAPACITY.jsonl    the capacity lines for the last capacity run
//   report.mjs final TMPDIR OUT.json      the full report (stdout) + OUT.json
import fs from 'node:fs';
import path from 'node:path';

const readJsonl = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const readJson = (f) => (fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : null);
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (us) => (us >= 10000 ? `${(us / 1000).toFixed(1)} ms` : `${(us / 1000).toFixed(2)} ms`);
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

/** Derived figures for one wrk scenario. */
function derive(r) {
  const w = r.wrk;
  const secs = w.duration_us / 1e6;
  const d = {
    ...r,
    rps: w.requests / secs,
    p50_us: w.p50_us,
    p99_us: w.p99_us,
    cpu_us_per_req: w.requests ? (r.server_cpu_s * 1e6) / w.requests : null,
    // Everything else that used CPU meanwhile (other users of the machine), in cores.
    other_load_cores: Math.max(0, (r.machine_busy_s - r.server_cpu_s - r.wrk_cpu_s) / r.wall_s),
    wrk_core_share: r.wrk_cpu_s / r.wall_s,
    notes: [],
  };
  const errs = w.err_connect + w.err_read + w.err_write + w.err_status + w.err_timeout;
  if (errs) d.notes.push(`${errs} wrk errors (status ${w.err_status}, timeout ${w.err_timeout}, read ${w.err_read})`);
  if (r.metric && r.metric_delta < 0.99 * w.requests) d.notes.push(`module counted only ${r.metric_delta} authenticated requests of ${w.requests}`);
  if (w.tokens_available !== undefined) {
    d.notes.push(`${fmtInt(w.tokens_used)} distinct tokens`);
    if (w.threads_exhausted) d.notes.push(`tokens ran out: ${fmtInt(w.reused)} requests reused a token sent earlier in the run${r.id.startsWith('openidc-') ? '' : ' (long evicted from the bounded token cache, so still fully verified)'}; raise BENCH_TOKENS_PER_SEC`);
  }
  if (d.wrk_core_share > 0.9) d.notes.push(`wrk used ${(d.wrk_core_share * 100).toFixed(0)}% of its core: may be client-bound`);
  if (d.other_load_cores > 0.15) d.notes.push(`other processes used ${d.other_load_cores.toFixed(2)} cores meanwhile`);
  return d;
}

const verdict = (x, y, ok) => (ok(x) && ok(y) ? 'PASS' : !ok(x) && !ok(y) ? 'FAIL' : 'UNSURE');
const acceptancePaired = [];

/* Paired rounds (bench/run: pair-<k>-static, pair-<k>-<scenario>): per round the scenario's rate and
 * CPU/req against the static run just before it; the median round. */
function pairedRatios(byId) {
  const scenarios = [
    ['session-shmcb', 'static', 'session cookie (shmcb)', 0.9],
    ['bearer-repeat', 'static', 'Bearer, repeated token', 0.9],
    ['session-redis', 'static-redis', 'session cookie (Redis)', 0.85],
    ['bearer-distinct', 'static', 'Bearer, first-seen tokens', 0.6],
  ];
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
  const out = [];
  for (const [id, base, label, min] of scenarios) {
    const rounds = [], cpus = [];
    for (let k = 1; byId[`pair-${k}-${id}`] && byId[`pair-${k}-${base}`]; k++) {
      const a = byId[`pair-${k}-${id}`], b = byId[`pair-${k}-${base}`];
      rounds.push(a.rps / b.rps);
      cpus.push(b.cpu_us_per_req / a.cpu_us_per_req);
    }
    if (rounds.length) out.push({ id, label, min, rounds, ratio: median(rounds), cpu: median(cpus) });
  }
  return out;
}

function line(d, base) {
  const ratio = base ? (d.rps / base.rps).toFixed(2) : '—';
  const cpu = d.cpu_us_per_req == null ? '—' : `${d.cpu_us_per_req.toFixed(0)} µs`;
  const cpuRatio = base && d.cpu_us_per_req ? (base.cpu_us_per_req / d.cpu_us_per_req).toFixed(2) : '—';
  return `${pad(d.label, 50)} ${lpad(fmtInt(d.rps), 8)} ${lpad(ms(d.p50_us), 9)} ${lpad(ms(d.p99_us), 9)} ${lpad(ratio, 7)} ${lpad(cpu, 9)} ${lpad(cpuRatio, 9)}`;
}

/** The baseline: the faster of the static runs (start, end) for req/s and the cheaper for CPU/req, so
 *  other load during one of them cannot flatter the ratios. */
function pickBase(rows) {
  const st = rows.filter((x) => x.id === 'static' || x.id === 'static-end');
  if (!st.length) return undefined;
  return {
    rps: Math.max(...st.map((x) => x.rps)),
    cpu_us_per_req: Math.min(...st.map((x) => x.cpu_us_per_req)),
    from: st.map((x) => x.id),
  };
}

const HEADER = `${pad('scenario', 50)} ${lpad('req/s', 8)} ${lpad('p50', 9)} ${lpad('p99', 9)} ${lpad('×static', 7)} ${lpad('CPU/req', 9)} ${lpad('CPU×', 9)}`;

function loginSummary(l) {
  if (!l) return null;
  const logins = l.driver.logins;
  return {
    ...l,
    logins_per_s: l.driver.loginsPerSecond,
    apache_cpu_ms_per_login: logins ? (l.apache_cpu_s * 1000) / logins : null,
    module_cpu_ms_per_login: logins && l.module_callback_cpu_s != null
      ? ((l.module_redirect_cpu_s + l.module_callback_cpu_s) * 1000) / logins : null,
    module_callback_cpu_ms: logins && l.module_callback_cpu_s != null ? (l.module_callback_cpu_s * 1000) / logins : null,
  };
}

/** The capacity section (one shmcb size), shared by the progress output and the final report. */
function capacityLines(c, kinds) {
  const L = [];
  const s = c.sessions;
  const f = (x, d = 0) => (x == null ? '—' : typeof x === 'number' ? x.toFixed(d) : x);
  L.push(`shmcb ${c.mb} MB (${fmtInt(c.shmcb_bytes)} bytes), CognitoSessionIdleTimeout ${c.idle_timeout_s} (a touch at most every second per session); user ${c.user}; ${fmtInt(s.logged_in)} logins one by one at ${f(c.logins.per_s, 1)}/s (${c.logins.failures} failed)`);
  L.push(`  meanwhile: every live session requested (XHR) every ~${c.touch_period_s} s — ${fmtInt(c.touch.requests)} authenticated requests, gap between two of the same session mean ${f(c.touch.mean_gap_s, 2)} s, max ${f(c.touch.max_gap_s, 2)} s (longest pass ${f(c.touch.max_pass_s, 2)} s); ${fmtInt(c.anonymous.requests)} anonymous requests (~${c.anon_rps_target}/s target)`);
  if (c.touch.max_gap_s > c.idle_timeout_s) L.push(`  note: a session went ${c.touch.max_gap_s.toFixed(1)} s without a request, longer than the idle timeout: some losses may be idle expiry (busy machine?)`);
  if (c.touch.other) L.push(`  note: ${c.touch.other} touch requests answered neither 200 nor 401: ${JSON.stringify(c.touch.other_statuses)}`);
  const ap = c.anonymous_probe;
  L.push(`  anonymous traffic alone (${ap.seconds} s, ${fmtInt(ap.requests)} requests: navigations without / with random cookies, XHR, bogus callbacks): store entries ${f(ap.entries_before)} → ${f(ap.entries_after)}, stores ${f(ap.store_stores_before)} → ${f(ap.store_stores_after)}`);
  L.push(`  all sessions alive up to N = ${fmtInt(s.largest_n_all_alive)} logins (first loss seen after ${s.first_loss_at_n == null ? '— (none)' : fmtInt(s.first_loss_at_n)}); most alive at once ${fmtInt(s.max_alive)}; alive when the logins stopped ${f(s.alive_end_of_logins)}, after ${c.hold_s} s more without logins ${f(s.alive_end_of_hold)}, final sweep ${fmtInt(s.alive_final_sweep)} of ${fmtInt(s.logged_in)}${s.resurrected ? ` (${s.resurrected} gone sessions answered 200 again!)` : ''}`);
  const thin = (pts, k) => (pts.length <= k ? pts : pts.filter((_, i) => i % Math.ceil(pts.length / k) === 0 || i === pts.length - 1));
  if (c.survival_curve?.length) L.push(`  survival (logged in → alive): ${thin(c.survival_curve, 14).map(([n, a]) => `${n}→${a}`).join(', ')}`);
  if (c.hold_curve?.length) L.push(`  then without logins (s → alive): ${thin(c.hold_curve, 10).map(([t, a]) => `${t}→${a}`).join(', ')}`);
  if (s.age_at_loss_s.n) L.push(`  age of a session when found gone: min ${f(s.age_at_loss_s.min, 1)} s, median ${f(s.age_at_loss_s.median, 1)} s, max ${f(s.age_at_loss_s.max, 1)} s (${fmtInt(s.age_at_loss_s.n)} lost)`);
  L.push(`  sessions per MB: ${f(c.per_mb.all_alive, 1)} (all alive) · ${f(c.per_mb.max_alive, 1)} (most alive at once) · ${f(c.per_mb.end_of_hold, 1)} (after the hold)${c.mb === 32 ? '' : `  →  default 32 MB store, linear: ${fmtInt(c.extrapolated_32mb.all_alive)} · ${fmtInt(c.extrapolated_32mb.max_alive)} · ${fmtInt(c.extrapolated_32mb.end_of_hold ?? 0)} (an upper bound: touch writes grow with sessions × time, so a bigger store fills its index sooner per MB — a 32 MB run measures it)`}`);
  const st = c.store;
  const at = st.at_end_of_logins;
  if (at) L.push(`  store when the logins stopped: ${fmtInt(at.entries)} entries, index ${st.index_usage_at_end_of_logins ?? '?'}% / data ${at.usage_pct}% used ⇒ ≈ ${fmtInt(at.approx_bytes_per_entry)} bytes per entry, ≈ ${at.approx_bytes_per_alive_session == null ? '—' : fmtInt(at.approx_bytes_per_alive_session)} bytes per live session`);
  L.push(`  store totals: ${fmtInt(st.stores ?? 0)} stores, ${fmtInt(st.replaces ?? 0)} replaced, ${fmtInt(st.expired ?? 0)} expired, ${fmtInt(st.scrolled_out ?? 0)} scrolled out before expiry; ${st.subcaches ?? '?'} subcaches × ${st.indexes_per_subcache ?? '?'} index slots`);
  const md = (k) => (c.metrics.after[k] ?? 0) - (c.metrics.before[k] ?? 0);
  const lk = `session lookups during the run: ${fmtInt(md('cognito_session_lookups_total{result="hit"}'))} hit, ${fmtInt(md('cognito_session_lookups_total{result="miss"}'))} miss (no record: gone, or anonymous), ${fmtInt(md('cognito_session_lookups_total{result="error"}'))} error`;
  L.push(`  ${lk}${c.error_log ? `; error_log: ${c.error_log.session_idle} session_idle, ${c.error_log.session_expired} session_expired, ${c.error_log.session_invalid} session_invalid` : ''}`);
  if (kinds) {
    const k = (x) => (x ? `${fmtInt(x.valueBytes)} bytes` : '—');
    L.push(`  record sizes (sealed value, exact, from the Redis-backed run; shmcb adds its 32-byte id per entry): session ${k(kinds.session)}, consumed-state marker ${k(kinds.consumed_state_marker)}, last-seen ${k(kinds.seen)}`);
  }
  return L;
}

const mode = process.argv[2];
if (mode === 'line') {
  const rows = readJsonl(process.argv[3]).map(derive);
  const d = rows[rows.length - 1];
  const base = pickBase(rows);
  process.stdout.write(`bench:   ${line(d, base)}${d.notes.length ? `   [${d.notes.join('; ')}]` : ''}\n`);
} else if (mode === 'login') {
  const l = loginSummary(readJson(process.argv[3]));
  process.stdout.write(`bench:   login round trip: ${l.driver.logins} logins (${l.driver.failures} failed) at ${l.logins_per_s.toFixed(1)}/s; Apache CPU ${l.apache_cpu_ms_per_login.toFixed(3)} ms per login\n`);
} else if (mode === 'mem') {
  const rows = readJsonl(process.argv[3]);
  const m = rows[rows.length - 1];
  process.stdout.write(`bench:   memory (token cache ${m.entries}): child RSS ${fmtInt(m.rss_before_kb)} kB → ${fmtInt(m.rss_half_kb)} kB (half) → ${fmtInt(m.rss_after_kb)} kB after ${fmtInt(m.tokens)} distinct tokens, each sent twice\n`);
} else if (mode === 'capacity') {
  const rows = readJsonl(process.argv[3]);
  for (const l of capacityLines(rows[rows.length - 1], null)) process.stdout.write(`bench:   ${l}\n`);
} else if (mode === 'final') {
  const [dir, outFile] = process.argv.slice(3);
  const meta = readJson(path.join(dir, 'meta.json'));
  const endTxt = fs.existsSync(path.join(dir, 'meta-end.txt')) ? fs.readFileSync(path.join(dir, 'meta-end.txt'), 'utf8') : '';
  const m = /"loadavg_end":"([^"]*)"/.exec(endTxt);
  if (m) meta.loadavg_end = m[1];
  const rows = readJsonl(path.join(dir, 'results.jsonl')).map(derive);
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  const base = pickBase(rows);
  const login = loginSummary(readJson(path.join(dir, 'login-cognito.json')));
  const loginOidc = loginSummary(readJson(path.join(dir, 'login-openidc.json')));
  const loginIdentity = loginSummary(readJson(path.join(dir, 'login-cognito-identity.json')));
  const sizes = readJsonl(path.join(dir, 'session-size.jsonl'));
  const memory = readJsonl(path.join(dir, 'memory.jsonl'));
  const mint = readJson(path.join(dir, 'mint.json'));
  const openidcWhy = fs.existsSync(path.join(dir, 'openidc.txt')) ? fs.readFileSync(path.join(dir, 'openidc.txt'), 'utf8').trim() : '';
  const capacity = readJsonl(path.join(dir, 'capacity.jsonl'));
  const kinds = readJson(path.join(dir, 'record-kinds.json'));
  const perf = fs.existsSync(path.join(dir, 'perf.txt')) ? fs.readFileSync(path.join(dir, 'perf.txt'), 'utf8').trim() : '';

  const out = [];
  const p = (s = '') => out.push(s);
  p('');
  p(`mod_auth_cognito benchmark — ${meta.started}${meta.quick ? '  (QUICK smoke run: figures are indicative only)' : ''}`);
  p(`machine: ${meta.cpu_model}, ${meta.ncpu} CPUs, Linux ${meta.kernel}, ${meta.apache} (event MPM, 1 process × 64 threads)`);
  p(`pinning: ${meta.pinning}`);
  if (base) p(`baseline: ${fmtInt(base.rps)} req/s and ${base.cpu_us_per_req.toFixed(0)} µs CPU/req (best of: ${base.from.join(', ')})`);
  p(`load:    ${meta.wrk} for every scenario; load average ${meta.loadavg_start} at start${meta.loadavg_end ? `, ${meta.loadavg_end} at end` : ''}`);
  p(`module:  ${meta.module_commit}${meta.openidc_version ? `; mod_auth_openidc ${meta.openidc_version} (${meta.openidc_build}; ${meta.openidc_so})` : ''}`);
  p('');
  p(HEADER);
  p('-'.repeat(HEADER.length));
  const ours = rows.filter((r) => !r.id.startsWith('openidc-') && !r.id.startsWith('pair-'));
  for (const r of ours) p(line(r, base));
  const theirs = rows.filter((r) => r.id.startsWith('openidc-'));
  if (theirs.length) {
    p('');
    for (const r of theirs) p(line(r, base));
  }
  p('');
  p('CPU/req: user+system CPU time of the server-side processes on the server core — Apache (parent + child), php-fpm (only busy in PHP rows),');
  p('         redis-server (counted in the Redis rows) — divided by the requests wrk completed.');
  p('CPU×:     static CPU/req ÷ this CPU/req — the ratio ×static would be with the server core to itself (less sensitive to other load).');
  const noted = rows.filter((r) => r.notes.length);
  for (const r of noted) p(`note: ${r.label}: ${r.notes.join('; ')}`);
  if (mint) p(`tokens: ${fmtInt(mint.count)} distinct access tokens signed in ${mint.seconds.toFixed(0)} s (${mint.bytesPerToken} bytes each)`);

  // PHP: the module's share of a PHP request
  if (byId.php && byId['php-session']) {
    p(`PHP: with the session cookie ${(byId['php-session'].rps / byId.php.rps).toFixed(2)}× the rate of the same PHP page without the module.`);
  }

  p('');
  p('Login round trip (complete logins: protected page → 302 → emulator authorize → /login form → POST → callback → session)');
  if (login) {
    p(`  mod_auth_cognito: ${login.logins_per_s.toFixed(1)} logins/s with 8 concurrent browsers (${login.driver.logins} logins, ${login.driver.failures} failures; the emulator's Node process is the bottleneck)`);
    p(`  Apache CPU per completed login: ${login.apache_cpu_ms_per_login.toFixed(3)} ms (2 module requests: login redirect + callback with code exchange, ID-token check, session store; emulator time not included)`);
    const redirect = byId['login-redirect'];
    if (redirect && redirect.cpu_us_per_req) {
      const cb = login.apache_cpu_ms_per_login - redirect.cpu_us_per_req / 1000;
      login.redirect_cpu_ms = redirect.cpu_us_per_req / 1000;
      login.callback_cpu_ms = cb;
      p(`    of which the login redirect ${(redirect.cpu_us_per_req / 1000).toFixed(3)} ms (wrk row "login redirect") and the callback ≈ ${cb.toFixed(3)} ms`);
    }
    if (login.module_cpu_ms_per_login != null) {
      p(`  Module CPU per completed login: ${login.module_cpu_ms_per_login.toFixed(3)} ms (thread CPU inside the module's login redirect and callback, cognito_login_cpu_seconds_total; the callback ${login.module_callback_cpu_ms.toFixed(3)} ms) — the rest of the Apache CPU above is Apache's own request and connection handling`);
    }
  }
  if (loginIdentity && loginIdentity.module_cpu_ms_per_login != null) {
    p(`  with an identity pool (GetId + GetCredentialsForIdentity at the callback): ${loginIdentity.logins_per_s.toFixed(1)} logins/s, Apache CPU per login ${loginIdentity.apache_cpu_ms_per_login.toFixed(3)} ms, module CPU per completed login ${loginIdentity.module_cpu_ms_per_login.toFixed(3)} ms (the callback ${loginIdentity.module_callback_cpu_ms.toFixed(3)} ms)`);
  }
  if (loginOidc) {
    p(`  mod_auth_openidc ${meta.openidc_version || ''}: ${loginOidc.logins_per_s.toFixed(1)} logins/s, Apache CPU per login ${loginOidc.apache_cpu_ms_per_login.toFixed(3)} ms`);
  }

  p('');
  p('Memory');
  for (const s of sizes) {
    if (s.largest) p(`  stored session record, ${s.label}: ${fmtInt(s.largest.valueBytes)} bytes (Redis STRLEN; MEMORY USAGE ${fmtInt(s.largest.memoryUsage)} bytes incl. key + overhead; ${s.keys.length} key(s) in Redis after one login)`);
  }
  for (const mm of memory) {
    const grow = (mm.rss_after_kb - mm.rss_before_kb) / 1024;
    const grow2 = (mm.rss_after_kb - mm.rss_half_kb) / 1024;
    p(`  Apache child RSS, CognitoTokenCacheEntries ${lpad(mm.entries, 7)}: ${fmtInt(mm.rss_before_kb)} kB before → ${fmtInt(mm.rss_half_kb)} kB after ${fmtInt(mm.tokens / 2)} → ${fmtInt(mm.rss_after_kb)} kB after ${fmtInt(mm.tokens)} distinct tokens, each sent twice (+${grow.toFixed(1)} MB; +${grow2.toFixed(1)} MB in the second half)`);
  }

  if (capacity.length) {
    p('');
    p('Session store capacity (shmcb; logins, touches and anonymous traffic at the same time; measured, not asserted)');
    for (const c of capacity) for (const l of capacityLines(c, kinds)) p(`  ${l}`);
  }

  // Comparison and acceptance
  const pairs = [
    ['session-shmcb', 'openidc-session-shmcb', 'session cookie (shmcb)', 0.9],
    ['bearer-repeat', 'openidc-bearer-repeat', 'Bearer, repeated token', 0.9],
    ['session-redis', 'openidc-session-redis', 'session cookie (Redis)', 0.85],
    ['bearer-distinct', 'openidc-bearer-distinct', 'Bearer, first-seen tokens', 0.6],
  ];
  p('');
  p(`Comparison with mod_auth_openidc${meta.openidc_version ? ` ${meta.openidc_version}` : ''} (same machine, same run, same emulator, same wrk settings)`);
  if (meta.openidc_so) p(`  mod_auth_openidc used: ${meta.openidc_so} — ${meta.openidc_build}`);
  const acceptance = [];
  if (theirs.length) {
    p(`  ${pad('scenario', 28)} ${lpad('openidc req/s', 13)} ${lpad('×static', 8)} ${lpad('ours req/s', 11)} ${lpad('ours/openidc', 12)} ${lpad('CPU/req theirs/ours', 20)}`);
  }
  for (const [ours_, theirs_, label] of pairs) {
    const a = byId[ours_];
    const b = byId[theirs_];
    if (a && b) {
      const cpu = `${b.cpu_us_per_req.toFixed(0)}/${a.cpu_us_per_req.toFixed(0)} µs = ${(b.cpu_us_per_req / a.cpu_us_per_req).toFixed(2)}×`;
      p(`  ${pad(label, 28)} ${lpad(fmtInt(b.rps), 13)} ${lpad(base ? (b.rps / base.rps).toFixed(2) : '—', 8)} ${lpad(fmtInt(a.rps), 11)} ${lpad(`${(a.rps / b.rps).toFixed(2)}×`, 12)} ${lpad(cpu, 20)}`);
    }
  }
  if (openidcWhy) for (const l of openidcWhy.split('\n')) p(`  ${l}`);

  const paired = pairedRatios(byId);
  if (paired.length) {
    p('');
    p('Paired rounds (each scenario right after a static-file run on the same Apache, module loaded; median of the rounds):');
    for (const x of paired) {
      p(`  ${pad(x.label, 32)} ${x.ratio.toFixed(2)}× static by req/s, ${x.cpu.toFixed(2)}× by CPU/req   (rounds: ${x.rounds.map((v) => v.toFixed(2)).join(', ')})`);
    }
  }
  for (const x of paired) {
    const v = verdict(x.ratio, x.cpu, (y) => y >= x.min);
    acceptancePaired.push({ check: `${x.label} ≥ ${x.min}× static (paired)`, value: x.ratio, cpu_value: x.cpu, verdict: v });
  }
  p('');
  p('Acceptance (informative; the test suite never asserts timings). PASS/FAIL when req/s and CPU/req agree, UNSURE when');
  p('other load made them disagree (re-run on a quiet machine).');
  for (const a of acceptancePaired) {
    acceptance.push(a);
    p(`  [${a.verdict}] ${pad(a.check, 44)} ${a.value.toFixed(2)}× by req/s, ${a.cpu_value.toFixed(2)}× by CPU/req`);
  }
  for (const [ours_, theirs_, label, min] of pairs) {
    const a = byId[ours_];
    if (!a || !base) continue;
    const ratio = a.rps / base.rps;
    const cpuRatio = base.cpu_us_per_req / a.cpu_us_per_req;
    const v = verdict(ratio, cpuRatio, (x) => x >= min);
    acceptance.push({ check: `${label} ≥ ${min}× static`, value: ratio, cpu_value: cpuRatio, verdict: v });
    p(`  [${v}] ${pad(`${label} ≥ ${min}× static`, 44)} ${ratio.toFixed(2)}× by req/s, ${cpuRatio.toFixed(2)}× by CPU/req`);
  }
  for (const [ours_, theirs_, label] of pairs) {
    const a = byId[ours_];
    const b = byId[theirs_];
    if (!a || !b) continue;
    const r = a.rps / b.rps;
    const rc = b.cpu_us_per_req / a.cpu_us_per_req;
    const v = verdict(r, rc, (x) => x >= 3);
    acceptance.push({ check: `${label} ≥ 3× mod_auth_openidc`, value: r, cpu_value: rc, verdict: v });
    p(`  [${v}] ${pad(`${label} ≥ 3× mod_auth_openidc`, 44)} ${r.toFixed(2)}× by req/s, ${rc.toFixed(2)}× by CPU/req`);
  }
  if (login && login.module_cpu_ms_per_login != null) {
    const m = login.module_cpu_ms_per_login;
    acceptance.push({ check: 'Module CPU per login ≤ 1 ms', value: m, verdict: m <= 1 ? 'PASS' : 'FAIL' });
    p(`  [${m <= 1 ? 'PASS' : 'FAIL'}] ${pad('Module CPU per completed login ≤ 1 ms', 44)} ${m.toFixed(3)} ms (redirect + callback, thread CPU)`);
  }
  if (login) {
    const v = login.apache_cpu_ms_per_login;
    acceptance.push({ check: 'Apache CPU per login (informative)', value: v, verdict: 'INFO' });
    p(`  [INFO] ${pad('Apache CPU per completed login', 44)} ${v.toFixed(3)} ms (includes Apache's own request/connection work)`);
    if (login.callback_cpu_ms != null) {
      const c = login.callback_cpu_ms;
      acceptance.push({ check: 'Apache CPU per callback alone (informative)', value: c, verdict: 'INFO' });
      p(`  [INFO] ${pad('… Apache CPU of the callback alone', 44)} ${c.toFixed(3)} ms`);
    }
  }
  if (memory.length) {
    const d = memory.find((x) => x.entries === 'default');
    if (d) {
      const grow2 = (d.rss_after_kb - d.rss_half_kb) / 1024;
      p(`  [INFO] ${pad('token cache bounded (RSS growth, 2nd half)', 44)} +${grow2.toFixed(1)} MB with the default 4096 entries`);
    }
  }
  if (perf) {
    p('');
    p('Profile (perf record on the Apache child during separate runs; not part of the figures above)');
    for (const l of perf.split('\n')) p(`  ${l}`);
  }
  p('');
  process.stdout.write(out.join('\n'));

  const json = {
    meta,
    baseline: base || null,
    scenarios: rows.map((r) => ({
      id: r.id, label: r.label, server: r.server, rps: r.rps, p50_us: r.p50_us, p99_us: r.p99_us,
      ratio_to_static: base ? r.rps / base.rps : null, cpu_us_per_request: r.cpu_us_per_req,
      cpu_ratio_to_static: base && r.cpu_us_per_req ? base.cpu_us_per_req / r.cpu_us_per_req : null,
      other_load_cores: r.other_load_cores, notes: r.notes, raw: r,
    })),
    login: { cognito: login, cognito_identity_pool: loginIdentity, openidc: loginOidc },
    session_sizes: sizes,
    memory,
    capacity: capacity.length ? { record_kinds: kinds, runs: capacity } : null,
    tokens: mint,
    openidc_notes: openidcWhy || null,
    acceptance,
    profile: perf || null,
  };
  fs.writeFileSync(outFile, `${JSON.stringify(json, null, 2)}\n`);
}
