// Helpers for the operability tests (tests/integration/ops-*.test.mjs): the cognito-status handler in
// both formats, keep-alive connections pinned to one httpd child (so that a scripted sequence provably
// spreads over both children), and a scanner that looks for secrets in log text.
// Builds on the shared rig (httpd.mjs, idp.mjs, login.mjs); changes none of them.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { readResponse } from './httpd.mjs';
import { Agent, send, sleep } from './login.mjs';

// ------------------------------------------------------------------------------ configuration

/** The metrics handler, private to loopback (README "Monitoring and the info endpoint"). */
export const STATUS_LOCATION = `
<Location /cognito-status>
    SetHandler cognito-status
    Require ip 127.0.0.1
</Location>
`;

/** Every metric family of metrics.c, with its label name (null = no label) and fixed label values. */
export const FAMILIES = {
  cognito_logins_started_total: { label: null },
  cognito_logins_completed_total: { label: null },
  cognito_login_failures_total: { label: 'reason' },
  cognito_bearer_verifications_total: { label: 'outcome' },
  cognito_jwks_fetches_total: { label: 'result', values: ['ok', 'failed'] },
  cognito_jwks_kid_refusals_total: { label: 'reason', values: ['remembered', 'throttled'] },
  cognito_refreshes_total: { label: 'result', values: ['ok', 'failed', 'refused'] },
  cognito_session_lookups_total: { label: 'result', values: ['hit', 'miss', 'error'] },
  cognito_session_local_hits_total: { label: null },
  cognito_logouts_total: { label: null },
  cognito_outbound_requests_total: { label: 'endpoint', values: ['token', 'jwks', 'revoke', 'identity'] },
  cognito_outbound_failures_total: { label: 'endpoint', values: ['token', 'jwks', 'revoke', 'identity'] },
  cognito_outbound_seconds_total: { label: 'endpoint', values: ['token', 'jwks', 'revoke', 'identity'] },
  cognito_login_cpu_seconds_total: { label: 'step', values: ['redirect', 'callback'] },
};

// ---------------------------------------------------------------------------- status parsing

const SAMPLE_RE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"\})? ([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)$/;

/**
 * Parses Prometheus text exposition 0.0.4 strictly (every line must be a HELP, TYPE or sample line)
 * into the shape of the JSON rendering: { family: number | { labelValue: number } }.
 * Also returns per family its label name, HELP and TYPE.
 */
export function parsePrometheus(text) {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const values = {};
  const meta = {};
  const lines = text.slice(0, -1).split('\n');
  for (const line of lines) {
    let m;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line))) {
      assert.ok(!meta[m[1]]?.help, `second HELP for ${m[1]}`);
      meta[m[1]] = { ...meta[m[1]], help: m[2] };
    } else if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      assert.ok(!meta[m[1]]?.type, `second TYPE for ${m[1]}`);
      meta[m[1]] = { ...meta[m[1]], type: m[2] };
    } else if ((m = SAMPLE_RE.exec(line))) {
      const [, name, label, lvalue, num] = m;
      assert.ok(meta[name]?.type, `sample of ${name} before its TYPE line: ${line}`);
      const n = Number(num);
      if (label === undefined) {
        assert.ok(!(name in values), `two unlabelled samples of ${name}`);
        values[name] = n;
      } else {
        meta[name].label ??= label;
        assert.equal(label, meta[name].label, `${name}: one label name per family`);
        values[name] ??= {};
        assert.equal(typeof values[name], 'object', `${name}: labelled and unlabelled samples mixed`);
        assert.ok(!(lvalue in values[name]), `${name}{${label}="${lvalue}"} twice`);
        values[name][lvalue] = n;
      }
    } else {
      assert.fail(`not a Prometheus exposition line: ${JSON.stringify(line)}`);
    }
  }
  // a labelled family with no sample yet (reasons that never occurred): HELP/TYPE only
  for (const name of Object.keys(meta)) if (!(name in values)) values[name] = {};
  return { values, meta };
}

/**
 * GET /cognito-status (Prometheus text) and ?format=json, over `via` (a PinnedConnection) or fresh
 * connections. Checks status, content types and no-store; parses the text strictly.
 */
export async function readStatus(url, { via } = {}) {
  const get = (u) => (via ? via.request(u) : send(u, { headers: { Connection: 'close' } }));
  const text = await get(`${url}/cognito-status`);
  const json = await get(`${url}/cognito-status?format=json`);
  assert.equal(text.status, 200, `status (text) answered ${text.status}: ${text.text.slice(0, 300)}`);
  assert.equal(json.status, 200, `status (json) answered ${json.status}: ${json.text.slice(0, 300)}`);
  assert.match(String(text.headers['content-type']), /^text\/plain; version=0\.0\.4/, 'Prometheus content type');
  assert.match(String(json.headers['content-type']), /^application\/json/, 'JSON content type');
  for (const r of [text, json]) assert.match(String(r.headers['cache-control'] || ''), /no-store/, 'status is never cached');
  assert.ok(json.json && typeof json.json === 'object', `?format=json is JSON: ${json.text.slice(0, 300)}`);
  const prom = parsePrometheus(text.text);
  return { prom: prom.values, meta: prom.meta, json: json.json, textRes: text, jsonRes: json, pids: [text.pid, json.pid] };
}

/**
 * Both renderings carry the same families and numbers; every family of FAMILIES is there with HELP,
 * TYPE counter and its label, fixed label sets complete. Returns the JSON object.
 */
export function assertSameInBothFormats({ prom, meta, json }) {
  assert.deepEqual(Object.keys(json).sort(), Object.keys(FAMILIES).sort(), 'JSON families');
  assert.deepEqual(Object.keys(meta).sort(), Object.keys(FAMILIES).sort(), 'Prometheus families (HELP/TYPE)');
  for (const [name, f] of Object.entries(FAMILIES)) {
    assert.equal(meta[name].type, 'counter', `${name} is a counter`);
    assert.ok(meta[name].help && meta[name].help.length > 3, `${name} has a HELP text`);
    if (f.label === null) {
      assert.equal(typeof json[name], 'number', `${name} is a plain number in JSON`);
    } else {
      assert.equal(typeof json[name], 'object', `${name} is an object in JSON`);
      if (Object.keys(prom[name]).length) assert.equal(meta[name].label, f.label, `${name} label name`);
      for (const v of f.values || []) assert.ok(v in json[name], `${name}{${f.label}="${v}"} is always listed`);
    }
  }
  const approx = (name) => name === 'cognito_outbound_seconds_total';
  for (const name of Object.keys(FAMILIES)) {
    if (approx(name)) {
      assert.deepEqual(Object.keys(prom[name]).sort(), Object.keys(json[name]).sort(), `${name}: same labels`);
      for (const k of Object.keys(json[name])) assert.ok(Math.abs(prom[name][k] - json[name][k]) < 1e-6, `${name}{${k}}`);
    } else {
      assert.deepEqual(prom[name], json[name], `${name}: Prometheus and JSON agree`);
    }
  }
  return json;
}

/** The JSON rendering without the latency sums (which differ between reads), for equality checks. */
export function countsOnly(json) {
  const out = { ...json };
  delete out.cognito_outbound_seconds_total;
  return out;
}

// --------------------------------------------------------------------- connections to one child

let pinSeq = 0;

/** Waits for the access-log line of a unique probe URL and returns the pid that served it. */
async function pidOfProbe(h, marker, ms = 3000) {
  const re = new RegExp(`"GET /index\\.html\\?ops-pin=${marker} HTTP/1\\.1" 200 .* pid=(\\d+)$`, 'm');
  const deadline = Date.now() + ms;
  for (;;) {
    const m = re.exec(h.accessLog());
    if (m) return Number(m[1]);
    if (Date.now() > deadline) throw new Error(`probe ${marker} is not in the access log`);
    await sleep(20);
  }
}

/**
 * One keep-alive connection to the httpd, and so to one child process (a connection is served by the
 * child that accepted it). request() refuses to go out on another connection: if the server closed this
 * one, it reconnects until a new connection lands on the same child (pid) again.
 */
export class PinnedConnection {
  constructor(h) {
    this.h = h;
    this.pid = null;
    this._open();
  }

  _open() {
    this.agent?.destroy();
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
    this.socket = null;
    this.closed = false;
  }

  /** Sends one request on this connection. → the shape of login.mjs send(), plus pid. */
  async request(url, { method = 'GET', headers = {}, body, timeoutMs = 30000 } = {}) {
    if (this.closed && this.pid !== null) await this._repin();
    return this._send(url, { method, headers, body, timeoutMs });
  }

  _send(url, { method = 'GET', headers = {}, body, timeoutMs = 30000 } = {}) {
    const u = new URL(url, this.h.url);
    assert.equal(u.origin, new URL(this.h.url).origin, `a pinned connection only talks to ${this.h.url}`);
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const req = http.request(u, { method, headers, agent: this.agent }, (res) => {
        readResponse(res, { url: u.href, ms: () => Date.now() - started, pid: this.pid }).then(resolve, reject);
      });
      req.on('socket', (s) => {
        if (this.socket === null) {
          this.socket = s;
          s.on('close', () => { this.closed = true; });
        } else if (s !== this.socket) {
          req.destroy(new Error('the pinned connection was replaced by another one'));
        }
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${u.href} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      if (body != null) req.write(body);
      req.end();
    });
  }

  /** Sends the probe on a (new) connection; → the pid of the child serving it. */
  async probe() {
    const marker = `${process.pid}x${++pinSeq}x${crypto.randomBytes(4).toString('hex')}`;
    const res = await this._send(`${this.h.url}/index.html?ops-pin=${marker}`);
    assert.equal(res.status, 200, `probe answered ${res.status}`);
    return pidOfProbe(this.h, marker);
  }

  async _repin(attempts = 60) {
    const want = this.pid;
    for (let i = 0; i < attempts; i++) {
      this._open();
      if ((await this.probe()) === want) return;
    }
    throw new Error(`could not reconnect to httpd child ${want}`);
  }

  close() {
    this.agent?.destroy();
    this.closed = true;
  }
}

/**
 * Opens connections until `children` distinct httpd children hold one each. → [PinnedConnection] (pid set),
 * sorted by pid. Surplus connections are closed.
 */
export async function pinChildren(h, { children = 2, rounds = 40, batch = 6 } = {}) {
  const found = new Map();
  for (let round = 0; round < rounds && found.size < children; round++) {
    const conns = Array.from({ length: batch }, () => new PinnedConnection(h));
    const pids = await Promise.all(conns.map((c) => c.probe()));
    conns.forEach((c, i) => {
      if (!found.has(pids[i]) && found.size < children) {
        c.pid = pids[i];
        found.set(pids[i], c);
      } else {
        c.close();
      }
    });
  }
  if (found.size < children) {
    for (const c of found.values()) c.close();
    throw new Error(`only ${found.size} httpd child(ren) answered new connections (wanted ${children})`);
  }
  return [...found.values()].sort((a, b) => a.pid - b.pid);
}

/**
 * A cookie-keeping browser (login.mjs Agent) whose requests to the httpd go over `conn` (one child);
 * everything else (the emulator) goes over fresh connections. Switch child with use(conn).
 */
export class PinnedAgent extends Agent {
  constructor(h, conn) {
    super();
    this.h = h;
    this.conn = conn;
  }

  use(conn) {
    this.conn = conn;
    return this;
  }

  async request(url, { method = 'GET', headers = {}, body, timeoutMs, cookies = true } = {}) {
    const hdrs = { ...headers };
    const cookie = cookies ? this.jar.header(url) : undefined;
    if (cookie && hdrs.Cookie === undefined) hdrs.Cookie = cookie;
    const toHttpd = new URL(url).origin === new URL(this.h.url).origin;
    const res = toHttpd && this.conn
      ? await this.conn.request(url, { method, headers: hdrs, body, timeoutMs })
      : await send(url, { method, headers: hdrs, body, timeoutMs });
    res.sentCookie = hdrs.Cookie;
    this.jar.absorb(url, res.setCookies);
    return res;
  }
}

// ------------------------------------------------------------------------------ secret scans

/**
 * What of a token may never appear in a log: the token and each of its dot-separated segments of at
 * least `minSegment` characters. → [{ what, needle }]
 */
export function tokenNeedles(token, what, { minSegment = 20 } = {}) {
  if (!token) return [];
  const out = [{ what, needle: token }];
  String(token).split('.').forEach((seg, i) => {
    if (seg.length >= minSegment) out.push({ what: `${what} (segment ${i + 1})`, needle: seg });
  });
  return out;
}

/** Every needle found in text. → [{ what, needle, line }] (the first line containing it). */
export function findNeedles(text, needles) {
  const hits = [];
  const seen = new Set();
  for (const { what, needle } of needles) {
    if (!needle || seen.has(`${what}\u0000${needle}`)) continue;
    seen.add(`${what}\u0000${needle}`);
    const i = text.indexOf(needle);
    if (i < 0) continue;
    const start = text.lastIndexOf('\n', i) + 1;
    const end = text.indexOf('\n', i);
    hits.push({ what, needle, line: text.slice(start, end < 0 ? undefined : end) });
  }
  return hits;
}

/**
 * Patterns that look like credentials whatever their value: JWTs (three base64url segments starting
 * with a JSON header), the emulator's JWE-shaped refresh tokens, authorization codes after code=,
 * session/state cookie values after their name, the emulator's confidential-client secret.
 */
export const GENERIC_SECRET_PATTERNS = [
  { what: 'a JWT', re: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/ },
  { what: 'a JWT payload segment', re: /eyJ[A-Za-z0-9_-]{40,}/ },
  { what: 'an authorization code parameter', re: /[?&]code=[A-Za-z0-9-]{20,}/ },
  { what: 'a session or state cookie', re: /cognito_session(?:_state_[A-Za-z0-9_-]+)?=[A-Za-z0-9._-]{16,}/ },
  { what: 'the emulator client secret', re: /s3cr3t-value-for-tests/ },
];

export function findPatterns(text, patterns = GENERIC_SECRET_PATTERNS) {
  const hits = [];
  for (const { what, re } of patterns) {
    const m = re.exec(text);
    if (!m) continue;
    const start = text.lastIndexOf('\n', m.index) + 1;
    const end = text.indexOf('\n', m.index);
    hits.push({ what, needle: m[0], line: text.slice(start, end < 0 ? undefined : end) });
  }
  return hits;
}

export function describeHits(hits, where) {
  return hits.map((x) => `${where}: ${x.what} found (${x.needle.slice(0, 24)}…) in line:\n  ${x.line.slice(0, 400)}`).join('\n');
}

/** Every file under dir whose name contains "error_log" (recursively; unreadable entries skipped). */
export function errorLogFiles(dir) {
  const out = [];
  const walk = (d) => {
    let ents;
    try { ents = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of ents) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.includes('error_log')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}
