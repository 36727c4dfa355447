#!/usr/bin/env node
// bench/lib/capacity.mjs — how many sessions a (small) shmcb session store holds while it is in use:
// logins one by one, every live session touched by a background loop of authenticated XHR requests,
// and anonymous traffic (navigations without a cookie, random cookie values, bogus callbacks) all the
// time. Measures, never asserts. Node ≥ 20 standard library only; the login is bench/lib/login.mjs's.
//
//   node capacity.mjs --base http://127.0.0.1:PORT --mb 4 --users 2000 [--touch-period 2]
//        [--touch-concurrency 8] [--anon-rps 100] [--hold 30] [--status-every 6×MB] [--idle 8]
//        [--error-log FILE] [--out FILE]
//
// The server must run mod_auth_cognito with CognitoSessionCache shmcb:…(<mb> MB), CognitoSessionIdleTimeout
// <idle> (8: a touch — a small "last seen" record — at most every second per session), a session-protected
// /app (AuthType Cognito) and `SetHandler cognito-status` at /cognito-status (?store → the store's status).
//
// Phases: (1) anonymous traffic alone for a few seconds (does it change the store's entry count?);
// (2) logins one by one (up to --users; stops early at max(2 × the count at the first lost session,
// that count + 200)) while touches and anonymous traffic run — after every --status-every logins the
// logins wait for a pass over all sessions (the survival curve) and read the store's status; (3) --hold
// seconds more of touches and anonymous traffic without logins; (4) one last pass over every session.
// A session is alive when an XHR request with its cookie answers 200, gone when it answers 401 (a
// gone session never comes back; it leaves the touch loop). Prints one JSON line (also to --out).
import fs from 'node:fs';
import http from 'node:http';
import crypto from 'node:crypto';
import { login } from './login.mjs';

const opt = {
  mb: 4, users: 2000, 'touch-period': 2, 'touch-concurrency': 8, 'anon-rps': 100, 'anon-concurrency': 4,
  hold: 30, 'status-every': 0, idle: 8, path: '/app/static.html', cookie: '^cognito_session$', user: 'alice',
  password: 'Alice-Passw0rd!', 'anon-probe': 3,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
for (const k of ['mb', 'users', 'touch-period', 'touch-concurrency', 'anon-rps', 'anon-concurrency', 'hold', 'status-every', 'idle', 'anon-probe']) opt[k] = Number(opt[k]);
if (!opt['status-every']) opt['status-every'] = Math.max(10, Math.round(opt.mb * 6));
if (!opt.base) {
  process.stderr.write('usage: capacity.mjs --base URL [--mb 4 --users 2000 …] (see the header)\n');
  process.exit(2);
}
const cookieRe = new RegExp(opt.cookie);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now() / 1000;
const T0 = now();
const since = () => Number((now() - T0).toFixed(2));
const say = (s) => process.stderr.write(`bench:   capacity: ${s}\n`);

// ------------------------------------------------------------------ HTTP
const agent = new http.Agent({ keepAlive: true, maxSockets: opt['touch-concurrency'] + opt['anon-concurrency'] + 4 });
function get(path, headers = {}) {
  return new Promise((resolve) => {
    const req = http.request(new URL(path, opt.base), { headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on('error', (e) => resolve({ status: 0, text: String(e) }));
    });
    req.setTimeout(30000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, text: String(e) }));
    req.end();
  });
}
const XHR = { Accept: 'application/json', 'X-Requested-With': 'XMLHttpRequest', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' };
const NAV = { Accept: 'text/html,application/xhtml+xml', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' };
const cookieName = opt['cookie-name'] || 'cognito_session';

/** The store's own status lines (`?store`): "Name: value" pairs (HTML or text), numbers where numeric. */
async function storeStatus() {
  const r = await get('/cognito-status?store');
  const text = r.text.replace(/<br\s*\/?>/gi, '\n').replace(/<[^>]+>/g, '');
  const fields = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z][A-Za-z ()_-]*?)\s*:\s*(.+?)\s*$/.exec(line);
    if (m) fields[m[1]] = /^-?\d+(\.\d+)?%?$/.test(m[2]) ? Number(m[2].replace('%', '')) : m[2];
  }
  return { status: r.status, fields, text: text.trim() };
}
const pick = (f, ...names) => {
  for (const n of names) {
    const k = Object.keys(f).find((x) => x.toLowerCase().replace(/[^a-z]/g, '') === n);
    if (k !== undefined && typeof f[k] === 'number') return f[k];
  }
  return null;
};
const entriesOf = (st) => pick(st.fields, 'cachecurrententries', 'currententries');
const usageOf = (st) => pick(st.fields, 'cacheusage');
const indexUsageOf = (st) => pick(st.fields, 'cacheindexusage', 'indexusage');

async function metrics() {
  const r = await get('/cognito-status');
  const out = {};
  for (const line of r.text.split('\n')) {
    const m = /^(cognito_session_lookups_total\{[^}]*\}|cognito_logins_completed_total|cognito_logins_started_total)\s+(\S+)/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

// ------------------------------------------------------------------ state
const sessions = []; // { i, cookie, loggedAt, alive, lastOk, diedAt, diedAtN, touches }
let stopping = false;
let stopAnon = false;
const passes = [];
const checkpoints = [];
const touch = { requests: 0, ok: 0, gone: 0, other: 0, otherStatuses: {}, maxGap: 0, gapSum: 0, gapN: 0, maxPass: 0 };
const anon = { requests: 0, byKind: {} };
let firstLoss = null; // { n, t }
let largestAllAlive = 0;
let maxAlive = 0;

const aliveAmong = (n) => {
  let a = 0;
  for (let i = 0; i < n; i++) if (sessions[i].alive) a++;
  return a;
};

async function pool(items, conc, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(conc, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

async function touchOne(s) {
  const r = await get(opt.path, { ...XHR, Cookie: `${cookieName}=${s.cookie}` });
  const t = now();
  touch.requests++;
  if (r.status === 200) {
    touch.ok++;
    if (s.lastOk) {
      const gap = t - s.lastOk;
      touch.maxGap = Math.max(touch.maxGap, gap);
      touch.gapSum += gap;
      touch.gapN++;
    }
    s.lastOk = t;
    s.touches++;
    return 'ok';
  }
  if (r.status === 401) {
    touch.gone++;
    if (s.alive) {
      s.alive = false;
      s.diedAt = t;
      s.diedAtN = sessions.length;
    }
    return 'gone';
  }
  touch.other++;
  touch.otherStatuses[r.status] = (touch.otherStatuses[r.status] || 0) + 1;
  return 'other';
}

// The touch loop passes over every live session every --touch-period seconds; a checkpoint can ask for a
// pass at once (kick) and wait until one that covered the first n sessions has finished.
let kick = null;
const pause = (ms) => new Promise((r) => {
  const t = setTimeout(() => { kick = null; r(); }, ms);
  kick = () => { clearTimeout(t); kick = null; r(); };
});
async function passCovering(n) {
  for (;;) {
    const last = passes[passes.length - 1];
    if (last && last.n >= n) return last;
    if (kick) kick();
    await sleep(10);
  }
}

async function toucher() {
  while (!stopping) {
    const t0 = now();
    const n = sessions.length;
    const snap = sessions.slice(0, n).filter((s) => s.alive);
    let died = 0;
    await pool(snap, opt['touch-concurrency'], async (s) => {
      if ((await touchOne(s)) === 'gone') died++;
    });
    const secs = now() - t0;
    touch.maxPass = Math.max(touch.maxPass, secs);
    if (n > 0) {
      const alive = aliveAmong(n);
      if (alive === n) largestAllAlive = Math.max(largestAllAlive, n);
      else if (!firstLoss) firstLoss = { n, t: since() };
      maxAlive = Math.max(maxAlive, alive);
      passes.push({ t: Number((t0 - T0).toFixed(2)), n, checked: snap.length, alive, died, seconds: Number(secs.toFixed(3)), phase });
    }
    const wait = opt['touch-period'] - (now() - t0);
    if (wait > 0) await pause(wait * 1000);
  }
}

// Anonymous traffic: none of it has a session; none of it should write to the store.
const randomId = () => crypto.randomBytes(32).toString('base64url'); // the shape of a real cookie id
const ANON = [
  ['navigation, no cookie', () => get(opt.path, NAV)],
  ['navigation, random cookie id', () => get(opt.path, { ...NAV, Cookie: `${cookieName}=${randomId()}` })],
  ['XHR, random cookie id', () => get(opt.path, { ...XHR, Cookie: `${cookieName}=${randomId()}` })],
  ['XHR, no cookie', () => get(opt.path, XHR)],
  ['navigation, garbage cookie', () => get(opt.path, { ...NAV, Cookie: `${cookieName}=${crypto.randomBytes(9).toString('hex')}` })],
  ['bogus callback', () => get(`/app/callback?code=${randomId()}&state=${randomId()}`, NAV)],
];
async function anonymous() {
  const c = opt['anon-concurrency'];
  const every = (c / Math.max(opt['anon-rps'], 0.001)) * 1000;
  let k = 0;
  await Promise.all(Array.from({ length: c }, async () => {
    while (!stopAnon && opt['anon-rps'] > 0) {
      const t0 = performance.now();
      const [kind, fn] = ANON[k++ % ANON.length];
      const r = await fn();
      anon.requests++;
      const b = (anon.byKind[kind] ||= {});
      b[r.status] = (b[r.status] || 0) + 1;
      const wait = every - (performance.now() - t0);
      if (wait > 0) await sleep(wait);
    }
  }));
}

let phase = 'anonymous';
async function checkpoint(label, survival = false) {
  const n = sessions.length;
  if (survival && n) await passCovering(n);
  const st = await storeStatus();
  const cp = { label, t: since(), n, alive_known: aliveAmong(n), entries: entriesOf(st), usage_pct: usageOf(st), index_usage_pct: indexUsageOf(st), scrolled_out: pick(st.fields, 'cachediscardcount'), store: st.fields };
  checkpoints.push(cp);
  return cp;
}

// ------------------------------------------------------------------ run
const result = { mb: opt.mb, shmcb_bytes: Math.round(opt.mb * 1048576), idle_timeout_s: opt.idle, touch_period_s: opt['touch-period'], touch_concurrency: opt['touch-concurrency'], anon_rps_target: opt['anon-rps'], hold_s: opt.hold, user: opt.user };
const status0 = await storeStatus();
if (status0.status !== 200 || entriesOf(status0) == null) {
  say(`GET /cognito-status?store answered ${status0.status}: ${status0.text.slice(0, 300)}`);
}
result.store_status_start = status0.text;
const metrics0 = await metrics();

// (1) anonymous traffic alone
const cpA = await checkpoint('start');
const anonRun = anonymous();
await sleep(opt['anon-probe'] * 1000);
const cpB = await checkpoint('after anonymous traffic alone');
result.anonymous_probe = { seconds: opt['anon-probe'], requests: anon.requests, entries_before: cpA.entries, entries_after: cpB.entries, store_stores_before: pick(cpA.store, 'cachestorecount'), store_stores_after: pick(cpB.store, 'cachestorecount') };
say(`anonymous traffic alone: ${anon.requests} requests in ${opt['anon-probe']} s; store entries ${cpA.entries} → ${cpB.entries}`);

// (2) logins one by one, touches and anonymous traffic meanwhile
phase = 'logins';
const touchRun = toucher();
const tLogin0 = now();
let failures = 0;
let consecutiveFailures = 0;
let firstError = null;
let loginSeconds = 0;
while (sessions.length < opt.users) {
  if (firstLoss && sessions.length >= Math.max(2 * firstLoss.n, firstLoss.n + 200)) break;
  const t0 = now();
  try {
    const { browser } = await login({ url: new URL(opt.path, opt.base).href, cookieRe, user: opt.user, password: opt.password });
    const [, value] = [...browser.jar].find(([k]) => cookieRe.test(k)) || [];
    browser.close();
    if (!value) throw new Error('no session cookie after the callback');
    sessions.push({ i: sessions.length, cookie: value, loggedAt: now(), alive: true, lastOk: now(), touches: 0 });
    consecutiveFailures = 0;
  } catch (e) {
    failures++;
    consecutiveFailures++;
    firstError ||= e.message;
    if (consecutiveFailures >= 20) {
      say(`20 logins in a row failed (${e.message}); stopping the logins`);
      break;
    }
  }
  loginSeconds += now() - t0;
  if (sessions.length % opt['status-every'] === 0 && consecutiveFailures === 0) {
    const cp = await checkpoint('logins', true);
    say(`${cp.n} logged in, ${cp.alive_known} alive; store: ${cp.entries} entries, index ${cp.index_usage_pct}% / data ${cp.usage_pct}% used, ${cp.scrolled_out} scrolled out`);
  }
}
const loginWall = now() - tLogin0;
const cpEnd = await checkpoint('end of logins', true);
result.logins = { done: sessions.length, failures, first_error: firstError, wall_s: Number(loginWall.toFixed(1)), per_s: sessions.length / loginWall, mean_login_s: sessions.length ? loginSeconds / (sessions.length + failures) : null };
say(`logins stopped at ${sessions.length} (${failures} failed, ${(sessions.length / loginWall).toFixed(1)}/s); store: ${cpEnd.entries} entries, ${cpEnd.usage_pct}% used`);

// (3) hold: touches and anonymous traffic, no logins
phase = 'hold';
const holdStartPass = passes.length;
await sleep(opt.hold * 1000);
// let the pass under way finish, then stop
const p0 = passes.length;
while (sessions.length && passes.length === p0) await sleep(100);
stopping = true;
stopAnon = true;
await touchRun;
await anonRun;
phase = 'final';
const cpHold = await checkpoint('end of hold');

// (4) one last pass over every session ever logged in (a gone one must stay gone)
let finalAlive = 0;
let resurrected = 0;
await pool(sessions, opt['touch-concurrency'], async (s) => {
  const wasAlive = s.alive;
  const r = await touchOne(s);
  if (r === 'ok') {
    finalAlive++;
    if (!wasAlive) resurrected++;
  }
});
const cpFinal = await checkpoint('final');
const metrics1 = await metrics();

// ------------------------------------------------------------------ figures
const ages = sessions.filter((s) => !s.alive && s.diedAt).map((s) => s.diedAt - s.loggedAt).sort((a, b) => a - b);
const q = (arr, p) => (arr.length ? arr[Math.min(arr.length - 1, Math.floor(p * (arr.length - 1)))] : null);
const loginPassAlive = passes.filter((p) => p.phase === 'logins');
const holdPasses = passes.slice(holdStartPass);
const perMb = (x) => (x == null ? null : x / opt.mb);
result.sessions = {
  logged_in: sessions.length,
  largest_n_all_alive: largestAllAlive,
  first_loss_at_n: firstLoss ? firstLoss.n : null,
  max_alive: maxAlive,
  alive_end_of_logins: loginPassAlive.length ? loginPassAlive[loginPassAlive.length - 1].alive : null,
  alive_end_of_hold: holdPasses.length ? holdPasses[holdPasses.length - 1].alive : null,
  alive_final_sweep: finalAlive,
  resurrected,
  age_at_loss_s: { min: q(ages, 0), median: q(ages, 0.5), max: q(ages, 1), n: ages.length },
};
result.per_mb = {
  all_alive: perMb(largestAllAlive),
  max_alive: perMb(maxAlive),
  end_of_hold: perMb(result.sessions.alive_end_of_hold),
};
result.extrapolated_32mb = Object.fromEntries(Object.entries(result.per_mb).map(([k, v]) => [k, v == null ? null : Math.floor(v * 32)]));
result.touch = {
  requests: touch.requests, ok: touch.ok, gone: touch.gone, other: touch.other, other_statuses: touch.otherStatuses,
  mean_gap_s: touch.gapN ? touch.gapSum / touch.gapN : null, max_gap_s: touch.maxGap, max_pass_s: touch.maxPass,
};
result.anonymous = { requests: anon.requests, by_kind: anon.byKind };
// Record sizes as the store sees them: bytes in use ÷ entries. shmcb reports its data area use only as a
// whole percentage of the shared memory (approximate, index area included in the denominator).
const sizeAt = (cp) => (cp.entries && cp.usage_pct != null ? { entries: cp.entries, usage_pct: cp.usage_pct, approx_bytes_per_entry: Math.round((cp.usage_pct / 100) * result.shmcb_bytes / cp.entries), approx_bytes_per_alive_session: cp.alive_known ? Math.round((cp.usage_pct / 100) * result.shmcb_bytes / cp.alive_known) : null } : null);
result.store = {
  at_end_of_logins: sizeAt(cpEnd),
  index_usage_at_end_of_logins: cpEnd.index_usage_pct,
  at_end_of_hold: sizeAt(cpHold),
  stores: pick(cpFinal.store, 'cachestorecount'),
  replaces: pick(cpFinal.store, 'cachereplacecount'),
  expired: pick(cpFinal.store, 'cacheexpirecount'),
  scrolled_out: pick(cpFinal.store, 'cachediscardcount'),
  subcaches: pick(cpFinal.store, 'cachesubcaches'),
  indexes_per_subcache: pick(cpFinal.store, 'cacheindexespersubcaches', 'cacheindexespersubcache'),
  status_end_of_logins: cpEnd.store,
  status_final_text: (await storeStatus()).text,
};
result.metrics = { before: metrics0, after: metrics1 };
if (opt['error-log'] && fs.existsSync(opt['error-log'])) {
  const log = fs.readFileSync(opt['error-log'], 'utf8');
  const count = (re) => (log.match(re) || []).length;
  result.error_log = {
    session_idle: count(/session_idle/g), session_expired: count(/session_expired/g), session_invalid: count(/session_invalid/g),
    store_errors: count(/session_store|cannot (read|store)/g),
  };
}
result.survival_curve = checkpoints.filter((c) => c.label === 'logins' || c.label === 'end of logins').map((c) => [c.n, c.alive_known]);
result.hold_curve = holdPasses.map((p) => [Number((p.t - (holdPasses[0]?.t ?? 0)).toFixed(1)), p.alive]);
result.passes = passes;
result.checkpoints = checkpoints.map(({ store, ...rest }) => rest);
const line = JSON.stringify(result);
if (opt.out) fs.appendFileSync(opt.out, `${line}\n`);
process.stdout.write(`${line}\n`);
agent.destroy();
