#!/usr/bin/env node
// tests/soak/soak.mjs — the soak test behind tests/soak/run (see tests/soak/README.md).
//
// Starts the Cognito emulator (in this process) and one Apache httpd (own config in a temp directory: event
// MPM, 2 children × 64 threads, no access log), signs alice in once through the real login flow to get a
// session cookie, mints a one-day access token, then runs wrk (-t2 -c64 by default) for N minutes over a
// Lua script that alternates between the session path and the Bearer path (both AuthType Cognito). Every
// 10 s it samples each child's VmRSS / RssAnon from /proc. At the end it prints totals, every non-2xx,
// socket errors, crash lines of the error_log, RSS per child at warm-up and at the end, and a verdict.
// Exit status: 0 = PASS, 1 = FAIL, 2 = could not run.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../integration/lib/httpd.mjs';
import { CLIENT_ID, POOL_ID, startIdp } from '../integration/lib/idp.mjs';
import { Agent, login } from '../integration/lib/login.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const APACHE_BIN = process.env.APACHE_BIN || '/usr/sbin/apache2';
const MODULES_DIR = process.env.APACHE_MODULES_DIR || '/usr/lib/apache2/modules';
const MODULE = process.env.COGNITO_MODULE || path.join(root, 'build', '.libs', 'mod_auth_cognito.so');
const CRASH_RE = /exit signal|Segmentation fault|AH00052|AddressSanitizer|double free|stack smashing|child process \d+ still did not exit/i;

// ------------------------------------------------------------------------------------- options
const opts = { minutes: 5, connections: 64, threads: 2, sample: 10, warmup: null, keep: false, rssLimitKb: 4096 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const val = () => { const v = a.includes('=') ? a.split('=')[1] : argv[++i]; if (v === undefined) usage(`${a} needs a value`); return v; };
  if (a.startsWith('--minutes')) opts.minutes = Number(val());
  else if (a.startsWith('--connections')) opts.connections = Number(val());
  else if (a.startsWith('--threads')) opts.threads = Number(val());
  else if (a.startsWith('--warmup')) opts.warmup = Number(val());
  else if (a.startsWith('--rss-limit-kb')) opts.rssLimitKb = Number(val());
  else if (a === '--keep') opts.keep = true;
  else if (a === '-h' || a === '--help') usage();
  else usage(`unknown argument ${a}`);
}
if (!(opts.minutes > 0)) usage('--minutes must be a positive number');
// warm-up: 1 minute, or half the run when it is shorter than 2 minutes
const totalS = Math.round(opts.minutes * 60);
const warmupS = opts.warmup ?? (totalS >= 120 ? 60 : Math.floor(totalS / 2));

function usage(msg) {
  if (msg) process.stderr.write(`soak: ${msg}\n`);
  process.stderr.write(`usage: tests/soak/run [--minutes N (5)] [--connections C (64)] [--threads T (2)] [--warmup S (60)]
                      [--rss-limit-kb K (4096)] [--keep]\n`);
  process.exit(msg ? 2 : 0);
}

// ------------------------------------------------------------------------------------- helpers
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (s) => process.stdout.write(`${s}\n`);
const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
let httpd = null;
let dir = null;
let idp = null;
let wrk = null;

function killAll() {
  if (wrk && wrk.exitCode === null) { try { wrk.kill('SIGKILL'); } catch { /* gone */ } }
  if (httpd) { try { process.kill(-httpd.pid, 'SIGKILL'); } catch { /* gone */ } }
}
process.on('exit', () => {
  killAll();
  if (dir && !opts.keep) fs.rmSync(dir, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => { killAll(); process.exit(130); });

function readStatus(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number((new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s) || [])[1] || 0);
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), shmem: kb('RssShmem') };
  } catch {
    return null;
  }
}
function children(ppid) {
  const out = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === ppid && f[0] !== 'Z') out.push(Number(e));
    } catch { /* raced */ }
  }
  return out.sort((a, b) => a - b);
}

async function get(url, headers = {}) {
  const res = await fetch(url, { headers, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, text };
}

function httpdConfig(port, idpInfo) {
  const mods = [
    ['mpm_event_module', 'mod_mpm_event.so'], ['authn_core_module', 'mod_authn_core.so'], ['authz_core_module', 'mod_authz_core.so'],
    ['authz_user_module', 'mod_authz_user.so'], ['unixd_module', 'mod_unixd.so'], ['mime_module', 'mod_mime.so'],
    ['dir_module', 'mod_dir.so'], ['socache_shmcb_module', 'mod_socache_shmcb.so'],
  ].filter(([, f]) => fs.existsSync(path.join(MODULES_DIR, f)))
    .map(([n, f]) => `LoadModule ${n} ${path.join(MODULES_DIR, f)}`).join('\n');
  return `# generated by tests/soak/soak.mjs
ServerRoot "${dir}"
ServerName 127.0.0.1:${port}
Listen 127.0.0.1:${port}
${mods}
LoadModule auth_cognito_module ${MODULE}
User www-data
Group www-data
PidFile "${dir}/httpd.pid"
DefaultRuntimeDir "${dir}/run"
Mutex file:${dir}/run default
# two children that live for the whole run (no spare-thread reaping, no recycling), each with a thread per
# wrk connection, so that neither has to shed keep-alive connections under load
StartServers 2
ServerLimit 2
ThreadsPerChild 64
MaxRequestWorkers 128
MinSpareThreads 64
MaxSpareThreads 128
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 15
Timeout 30
ErrorLog "${dir}/logs/error_log"
LogLevel notice
TypesConfig /etc/mime.types
DocumentRoot "${dir}/htdocs"
DirectoryIndex index.html
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "${dir}/htdocs">
    Require all granted
</Directory>

CognitoUserPool ${POOL_ID}
CognitoIssuer ${idpInfo.issuer}
CognitoClientID ${CLIENT_ID}
CognitoDomain ${idpInfo.url}
CognitoRedirectURI /app/callback
CognitoLogoutPath /app/logout
CognitoSessionCache shmcb:${dir}/run/sessions(33554432)
<Location /app>
    AuthType Cognito
    AuthName "app"
    Require valid-user
</Location>
<Location /api>
    AuthType Cognito
    AuthName "api"
    CognitoBearer only
    Require valid-user
</Location>
`;
}

// ------------------------------------------------------------------------------------- run
async function main() {
  if (!fs.existsSync(MODULE)) { log(`soak: ${MODULE} is missing (build first: cd build && make)`); process.exit(2); }
  const wrkBin = spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim();
  if (!wrkBin) { log('soak: wrk is not installed (apt-get install -y wrk)'); process.exit(2); }

  const started = new Date();
  log(`soak: ${stamp()} — ${opts.minutes} min, wrk -t${opts.threads} -c${opts.connections}, warm-up ${warmupS} s, RSS sampled every ${opts.sample} s`);
  log(`soak: machine: ${os.cpus().length} × ${os.cpus()[0]?.model || '?'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}; ` +
    `${spawnSync(APACHE_BIN, ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0].replace('Server version: ', '')}; ` +
    `${spawnSync(wrkBin, ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0] || 'wrk'}; node ${process.version}`);

  // 1. the emulator, with one-day token lifetimes (no refresh can happen during the run)
  idp = await startIdp();
  await idp.call('POST', '/_test/lifetimes', { accessTokenSeconds: 86400, idTokenSeconds: 86400 });

  // 2. httpd
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-soak-'));
  fs.chmodSync(dir, 0o755);
  for (const d of ['logs', 'run', 'htdocs/app', 'htdocs/api']) fs.mkdirSync(path.join(dir, d), { recursive: true, mode: 0o755 });
  for (const d of ['htdocs', 'htdocs/app', 'htdocs/api']) fs.chmodSync(path.join(dir, d), 0o755);
  const page = '<!doctype html><title>ok</title><p>soak test page, protected by mod_auth_cognito</p>\n';
  fs.writeFileSync(path.join(dir, 'htdocs/app/index.html'), page);
  fs.writeFileSync(path.join(dir, 'htdocs/api/index.html'), page);
  fs.writeFileSync(path.join(dir, 'htdocs/index.html'), page);
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'httpd.conf'), httpdConfig(port, idp));
  const t = spawnSync(APACHE_BIN, ['-t', '-f', path.join(dir, 'httpd.conf')], { encoding: 'utf8' });
  if (t.status !== 0) { log(`soak: configtest failed:\n${t.stdout}${t.stderr}`); process.exit(2); }
  const out = fs.openSync(path.join(dir, 'logs', 'stdio.log'), 'a');
  httpd = spawn(APACHE_BIN, ['-f', path.join(dir, 'httpd.conf'), '-DFOREGROUND'], { detached: true, stdio: ['ignore', out, out], env: { ...process.env, LANG: 'C' } });
  fs.closeSync(out);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { await get(`${base}/index.html`); break; } catch { /* not yet */ }
    if (i > 200) { log('soak: httpd did not start'); process.exit(2); }
    await sleep(50);
  }

  // 3. a real login (session cookie) and a one-day access token; sanity checks
  const agent = new Agent();
  const l = await login(agent, { url: base }, idp, '/app/index.html');
  const cookie = l.sessionCookie;
  const token = (await idp.mint({ username: 'alice', expiresIn: 86400 })).token;
  const checks = [
    ['session path with the cookie', await get(`${base}/app/index.html`, { Cookie: `cognito_session=${cookie}` }), 200],
    ['Bearer path with the token', await get(`${base}/api/index.html`, { Authorization: `Bearer ${token}` }), 200],
    ['session path without the cookie (XHR)', await get(`${base}/app/index.html`, { 'X-Requested-With': 'XMLHttpRequest' }), 401],
    ['Bearer path with a broken token', await get(`${base}/api/index.html`, { Authorization: `Bearer ${token}x` }), 401],
  ];
  for (const [label, res, want] of checks) {
    if (res.status !== want) { log(`soak: pre-check failed: ${label}: ${res.status} (expected ${want})`); process.exit(2); }
  }
  log(`soak: httpd ${base} (pid ${httpd.pid}, dir ${dir}); pre-checks passed (200 with cookie/token, 401 without)`);

  // 4. wrk + RSS sampling
  const kids0 = children(httpd.pid);
  log(`soak: children ${kids0.join(', ')}; running wrk for ${totalS} s …`);
  const samples = []; // { t, per: { pid: {rss, anon, shmem} } }
  const sampleNow = (tSec) => {
    const per = {};
    for (const pid of children(httpd.pid)) per[pid] = readStatus(pid);
    samples.push({ t: tSec, per });
  };
  sampleNow(0);
  const logMark = Buffer.byteLength(fs.readFileSync(path.join(dir, 'logs', 'error_log')));
  const t0 = Date.now();
  let wrkOut = '';
  wrk = spawn(wrkBin, ['-t', String(opts.threads), '-c', String(opts.connections), '-d', `${totalS}s`, '--timeout', '10s', '--latency',
    '-s', path.join(here, 'soak.lua'), `${base}/`], {
    env: { ...process.env, SOAK_COOKIE: cookie, SOAK_TOKEN: token, SOAK_SESSION_PATH: '/app/index.html', SOAK_BEARER_PATH: '/api/index.html' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  wrk.stdout.on('data', (c) => { wrkOut += c; });
  wrk.stderr.on('data', (c) => { wrkOut += c; });
  const wrkDone = new Promise((r) => wrk.on('exit', (code) => r(code)));
  const timer = setInterval(() => {
    const tSec = Math.round((Date.now() - t0) / 1000);
    sampleNow(tSec);
    const last = samples.at(-1).per;
    log(`soak: t=${String(tSec).padStart(4)} s  RSS ${Object.entries(last).map(([p, s]) => `${p}: ${s ? `${(s.rss / 1024).toFixed(1)} MB (anon ${(s.anon / 1024).toFixed(1)})` : 'gone'}`).join(', ')}`);
  }, opts.sample * 1000);
  const code = await wrkDone;
  clearInterval(timer);
  sampleNow(Math.round((Date.now() - t0) / 1000));

  // 5. after the run: the same requests still work
  const after = [
    await get(`${base}/app/index.html`, { Cookie: `cognito_session=${cookie}` }),
    await get(`${base}/api/index.html`, { Authorization: `Bearer ${token}` }),
  ];

  // ---------------------------------------------------------------------------------- report
  const kv = (line) => Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
  const lineOf = (k) => (wrkOut.split('\n').find((x) => x.startsWith(`SOAK ${k}`)) || '');
  const counts = kv(lineOf('requests'));
  const errors = kv(lineOf('errors'));
  const lat = kv(lineOf('latency_us'));
  const wrkNon2xx = Number((/Non-2xx or 3xx responses: (\d+)/.exec(wrkOut) || [0, 0])[1]);
  const rps = (/Requests\/sec:\s+([\d.]+)/.exec(wrkOut) || [0, '?'])[1];
  const errLog = fs.readFileSync(path.join(dir, 'logs', 'error_log'), 'utf8');
  const crash = errLog.split('\n').filter((x) => CRASH_RE.test(x));
  // module refusals/failures logged while wrk ran (the pre-checks' deliberate 401s come before)
  const moduleWarn = Buffer.from(errLog).subarray(logMark).toString('utf8').split('\n').filter((x) => /COGNITO\d{4}/.test(x));

  const warm = samples.reduce((best, s) => (Math.abs(s.t - warmupS) < Math.abs(best.t - warmupS) ? s : best), samples[0]);
  const end = samples.at(-1);
  const kidsEnd = children(httpd.pid);
  const rssRows = kids0.map((pid) => {
    const w = warm.per[pid];
    const e = end.per[pid];
    const startS = samples[0].per[pid];
    const series = samples.filter((s) => s.t >= warm.t && s.per[pid]).map((s) => s.per[pid].rss);
    return { pid, start: startS?.rss, warm: w?.rss, end: e?.rss, warmAnon: w?.anon, endAnon: e?.anon, max: Math.max(...series), min: Math.min(...series) };
  });

  const problems = [];
  if (code !== 0) problems.push(`wrk exited ${code}`);
  if (!counts.requests) problems.push('wrk reported no requests');
  const non2xx = (counts['3xx'] || 0) + (counts['4xx'] || 0) + (counts['5xx'] || 0) + (counts.other || 0);
  if (non2xx) problems.push(`${non2xx} non-2xx answers`);
  const sockErr = Object.values(errors).reduce((a, b) => a + b, 0);
  if (sockErr) problems.push(`${sockErr} socket errors/timeouts (${JSON.stringify(errors)})`);
  if (crash.length) problems.push(`${crash.length} crash lines in the error_log`);
  if (moduleWarn.length) problems.push(`${moduleWarn.length} module refusals/failures logged during the run`);
  if (kidsEnd.join(',') !== kids0.join(',')) problems.push(`the set of children changed: ${kids0.join(',')} → ${kidsEnd.join(',')}`);
  for (const r of rssRows) {
    if (r.end == null) problems.push(`child ${r.pid} is gone`);
    else if (r.end - r.warm > opts.rssLimitKb) problems.push(`child ${r.pid} grew ${r.end - r.warm} kB after warm-up (limit ${opts.rssLimitKb} kB)`);
  }
  if (after.some((a) => a.status !== 200)) problems.push(`after the run: ${after.map((a) => a.status).join(', ')}`);

  log('');
  log('==================================== soak test result ====================================');
  log(`date:            ${started.toISOString()} (${opts.minutes} min)`);
  log(`load:            wrk -t${opts.threads} -c${opts.connections} -d${totalS}s, alternating GET /app/index.html (session cookie) and GET /api/index.html (Bearer)`);
  log(`total requests:  ${counts.requests ?? '?'} (${rps} req/s; latency p50 ${(lat.p50 / 1000).toFixed(2)} ms, p99 ${(lat.p99 / 1000).toFixed(2)} ms, max ${(lat.max / 1000).toFixed(1)} ms)`);
  log(`non-2xx:         ${non2xx} (3xx ${counts['3xx'] ?? '?'}, 4xx ${counts['4xx'] ?? '?'}, 5xx ${counts['5xx'] ?? '?'}; wrk's own "Non-2xx or 3xx" line: ${wrkNon2xx})`);
  log(`socket errors:   connect ${errors.connect ?? '?'}, read ${errors.read ?? '?'}, write ${errors.write ?? '?'}, timeout ${errors.timeout ?? '?'}`);
  log(`crash lines:     ${crash.length ? `\n  ${crash.join('\n  ')}` : 'none ("exit signal" / "Segmentation" / AH00052 absent from the error_log)'}`);
  log(`module log lines during the run: ${moduleWarn.length}${moduleWarn.length ? `\n  ${moduleWarn.slice(0, 10).join('\n  ')}` : ''}`);
  log(`children:        ${kids0.join(', ')} at the start, ${kidsEnd.join(', ')} at the end`);
  log(`RSS per child (VmRSS; RssAnon in brackets), warm-up = t=${warm.t} s, end = t=${end.t} s:`);
  for (const r of rssRows) {
    const mb = (k) => (k == null ? '—' : `${(k / 1024).toFixed(1)} MB`);
    log(`  pid ${r.pid}: start ${mb(r.start)}, warm-up ${mb(r.warm)} [${mb(r.warmAnon)}], end ${mb(r.end)} [${mb(r.endAnon)}], ` +
      `change after warm-up ${r.end != null && r.warm != null ? `${r.end - r.warm >= 0 ? '+' : ''}${r.end - r.warm} kB` : '—'} (min ${mb(r.min)}, max ${mb(r.max)} after warm-up)`);
  }
  log(`after the run:   session path ${after[0].status}, Bearer path ${after[1].status}`);
  log(`verdict:         ${problems.length ? `FAIL — ${problems.join('; ')}` : `PASS — 0 non-2xx, no crash, RSS flat after warm-up (each child within ${opts.rssLimitKb} kB)`}`);
  if (opts.keep) log(`kept:            ${dir}`);
  process.stdout.write('\n--- wrk output ---\n' + wrkOut.split('\n').filter((x) => !x.startsWith('SOAK')).join('\n') + '\n');

  try { process.kill(httpd.pid, 'SIGTERM'); } catch { /* gone */ }
  await sleep(500);
  await idp.close();
  return problems.length ? 1 : 0;
}

main().then((rc) => process.exit(rc), (e) => { log(`soak: ${e.stack || e}`); process.exit(2); });
