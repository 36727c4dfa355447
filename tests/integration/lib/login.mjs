// Helpers for the browser-login integration tests (tests/integration/login-*.test.mjs):
// a cookie-jar "browser" agent over node:http/https, the Hosted-UI form flow against the emulator,
// the cookie-login httpd configuration, raw request lines over node:net, a real redis-server, and a
// tiny binary-safe RESP client to dump it. Builds on the shared rig (httpd.mjs, idp.mjs); changes neither.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, readResponse, startHttpd, tail } from './httpd.mjs';
import { CLIENT_ID, POOL_ID, startIdp } from './idp.mjs';
import { exchange, parseResponse } from './rawhttp.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const USERS = {
  alice: 'Alice-Passw0rd!',
  bob: 'Bob-Passw0rd!',
  carol: 'Carol-Passw0rd!',
  'zoë': 'Zoe-Passw0rd!',
  mallory: 'Mallory-Passw0rd!',
  dave: 'Dave-Passw0rd!',
};
export const ALICE_SUB = '4f8e2a6c-1b3d-4e5f-9a7b-0c1d2e3f4a51';

/** What Chromium sends for a top-level navigation. */
export const NAV_HEADERS = {
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'Sec-Fetch-Mode': 'navigate',
  'Sec-Fetch-Dest': 'document',
  'Sec-Fetch-Site': 'none',
  'Sec-Fetch-User': '?1',
  'Upgrade-Insecure-Requests': '1',
};
/** What a page's fetch()/XHR sends. */
export const XHR_HEADERS = {
  Accept: 'application/json',
  'X-Requested-With': 'XMLHttpRequest',
  'Sec-Fetch-Mode': 'cors',
  'Sec-Fetch-Dest': 'empty',
  'Sec-Fetch-Site': 'same-origin',
};

export const SESSION_COOKIE = 'cognito_session';
export const B64URL_43 = /^[A-Za-z0-9_-]{43}$/;

// ------------------------------------------------------------------------------------------ HTTP

/**
 * One HTTP(S) request, no redirects followed. https ignores certificate errors (self-signed test certs).
 * → { status, headers, setCookies: string[], text, json, url, ms }
 */
export function send(url, { method = 'GET', headers = {}, body, timeoutMs = 30000 } = {}) {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method, headers, agent: false, rejectUnauthorized: false }, (res) => {
      readResponse(res, { url, ms: () => Date.now() - started }).then(resolve, reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body != null) req.write(body);
    req.end();
  });
}

/** Parses one Set-Cookie header. → { name, value, attrs: {path, domain, max-age, expires, samesite, httponly, secure}, raw } */
export function parseSetCookie(raw) {
  const [pair, ...rest] = raw.split(';');
  const eq = pair.indexOf('=');
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  const attrs = {};
  for (const a of rest) {
    const i = a.indexOf('=');
    const k = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    if (!k) continue;
    attrs[k] = i < 0 ? true : a.slice(i + 1).trim();
  }
  return { name, value, attrs, raw };
}

/** Set-Cookie headers of a response for a cookie name (exact) or names matching a RegExp. */
export function cookiesNamed(res, name) {
  return res.setCookies.map(parseSetCookie).filter((c) => (name instanceof RegExp ? name.test(c.name) : c.name === name));
}

export const isExpiring = (c) =>
  c.attrs['max-age'] !== undefined ? Number(c.attrs['max-age']) <= 0
    : c.attrs.expires !== undefined ? Date.parse(c.attrs.expires) <= Date.now() : false;

/**
 * A browser cookie jar: cookies are per host (not per port, as in browsers), host-only unless Domain is
 * given, honour Path, Max-Age/Expires and Secure.
 */
export class CookieJar {
  constructor() {
    this.cookies = new Map();
  }

  absorb(url, setCookies) {
    const u = new URL(url);
    for (const raw of setCookies) {
      const c = parseSetCookie(raw);
      const domain = typeof c.attrs.domain === 'string' ? c.attrs.domain.replace(/^\./, '').toLowerCase() : u.hostname;
      const cpath = typeof c.attrs.path === 'string' && c.attrs.path.startsWith('/') ? c.attrs.path : '/';
      const key = `${c.name}\u0000${domain}\u0000${cpath}`;
      let expires = Infinity;
      if (c.attrs['max-age'] !== undefined) expires = Date.now() + Number(c.attrs['max-age']) * 1000;
      else if (c.attrs.expires !== undefined) expires = Date.parse(c.attrs.expires);
      if (expires <= Date.now()) {
        this.cookies.delete(key);
        continue;
      }
      const old = this.cookies.get(key);
      this.cookies.set(key, {
        name: c.name, value: c.value, domain, hostOnly: typeof c.attrs.domain !== 'string', path: cpath,
        secure: !!c.attrs.secure, expires, created: old ? old.created : Date.now(),
      });
    }
  }

  /** Live cookies that a request to url would carry. */
  matching(url) {
    const u = new URL(url);
    const now = Date.now();
    const out = [];
    for (const [key, c] of this.cookies) {
      if (c.expires <= now) { this.cookies.delete(key); continue; }
      const hostOk = c.hostOnly ? u.hostname === c.domain : u.hostname === c.domain || u.hostname.endsWith('.' + c.domain);
      const pathOk = u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : c.path + '/');
      if (hostOk && pathOk && (!c.secure || u.protocol === 'https:')) out.push(c);
    }
    return out.sort((a, b) => b.path.length - a.path.length || a.created - b.created);
  }

  header(url) {
    const list = this.matching(url);
    return list.length ? list.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  all() {
    const now = Date.now();
    return [...this.cookies.values()].filter((c) => c.expires > now);
  }

  get(name) {
    return this.all().find((c) => c.name === name)?.value;
  }

  set(url, name, value) {
    this.absorb(url, [`${name}=${value}; Path=/`]);
  }

  delete(name) {
    for (const [k, c] of this.cookies) if (c.name === name) this.cookies.delete(k);
  }
}

/** A cookie-keeping client that behaves like one browser. */
export class Agent {
  constructor() {
    this.jar = new CookieJar();
  }

  async request(url, { method = 'GET', headers = {}, body, timeoutMs, cookies = true } = {}) {
    const h = { ...headers };
    const cookie = cookies ? this.jar.header(url) : undefined;
    if (cookie && h.Cookie === undefined) h.Cookie = cookie;
    const res = await send(url, { method, headers: h, body, timeoutMs });
    res.sentCookie = h.Cookie;
    this.jar.absorb(url, res.setCookies);
    return res;
  }

  nav(url, opts = {}) {
    return this.request(url, { ...opts, headers: { ...NAV_HEADERS, ...(opts.headers || {}) } });
  }

  xhr(url, opts = {}) {
    return this.request(url, { ...opts, headers: { ...XHR_HEADERS, ...(opts.headers || {}) } });
  }

  stateCookies() {
    return this.jar.all().filter((c) => c.name.startsWith(`${SESSION_COOKIE}_state_`));
  }
}

export const locationOf = (res) => res.headers.location;

// --------------------------------------------------------------------------------- login flow

/** Hidden inputs and action of the emulator's sign-in form. */
export function parseLoginForm(html) {
  const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const fields = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = unescape(m[2]);
  const action = /<form[^>]*action="([^"]+)"/.exec(html);
  assert.ok(action, `no sign-in form in:\n${html.slice(0, 500)}`);
  assert.match(html, /name="username"/);
  assert.match(html, /name="password"/);
  assert.match(html, /id="signin"/);
  return { action: unescape(action[1]), fields };
}

/**
 * Step 1: an unauthenticated navigation. Asserts the 302 to <domain>/oauth2/authorize.
 * → { res, authorizeUrl, params (URLSearchParams), state }
 */
export async function startLogin(agent, h, idp, pathAndQuery, { headers } = {}) {
  const res = await agent.nav(h.url + pathAndQuery, { headers });
  assert.equal(res.status, 302, `navigation to ${pathAndQuery} should redirect to login, got ${res.status}: ${res.text.slice(0, 300)}`);
  const loc = locationOf(res);
  assert.ok(loc && loc.startsWith(`${idp.url}/oauth2/authorize?`), `Location should be the authorize endpoint: ${loc}`);
  const u = new URL(loc);
  return { res, authorizeUrl: loc, params: u.searchParams, state: u.searchParams.get('state') };
}

/**
 * Step 2: at the emulator — authorize → /login form → POST credentials (or straight back when the
 * Hosted-UI session cookie is there). Returns the callback URL (with code & state) the emulator sent.
 */
export async function signInAtIdp(agent, authorizeUrl, { username = 'alice', password = USERS[username] } = {}) {
  const a = await agent.nav(authorizeUrl);
  assert.equal(a.status, 302, `authorize answered ${a.status}: ${a.text.slice(0, 300)}`);
  let loc = new URL(locationOf(a), authorizeUrl).href;
  if (new URL(loc).pathname !== '/login') return loc; // Hosted-UI session: code at once
  const page = await agent.nav(loc);
  assert.equal(page.status, 200, `login page answered ${page.status}`);
  const { action, fields } = parseLoginForm(page.text);
  const postUrl = new URL(action, loc).href;
  const body = new URLSearchParams({ ...fields, username, password, signInSubmitButton: 'Sign in' }).toString();
  const p = await agent.request(postUrl, {
    method: 'POST',
    headers: { ...NAV_HEADERS, 'Content-Type': 'application/x-www-form-urlencoded', Origin: new URL(loc).origin },
    body,
  });
  assert.equal(p.status, 302, `login POST answered ${p.status}: ${p.text.slice(0, 300)}`);
  loc = new URL(locationOf(p), postUrl).href;
  return loc;
}

/**
 * The whole login: navigation → emulator → callback. Asserts the callback answered 302 and returns
 * { start, callbackUrl, callback, sessionCookie, location }.
 */
export async function login(agent, h, idp, pathAndQuery = '/protected/cgi-bin/env.cgi', opts = {}) {
  const start = await startLogin(agent, h, idp, pathAndQuery, opts);
  const callbackUrl = await signInAtIdp(agent, start.authorizeUrl, opts);
  const callback = await agent.nav(callbackUrl);
  assert.equal(callback.status, 302, `callback answered ${callback.status}: ${callback.text.slice(0, 400)}`);
  const sc = cookiesNamed(callback, opts.cookieName || SESSION_COOKIE).filter((c) => !isExpiring(c));
  assert.equal(sc.length, 1, `callback should set one session cookie: ${JSON.stringify(callback.setCookies)}`);
  return { start, callbackUrl, callback, sessionCookie: sc[0].value, location: locationOf(callback) };
}

// -------------------------------------------------------------------------------- httpd config

/**
 * The browser-login configuration of the module contract: Cognito directives at server level and a
 * protected location with a CGI (env.cgi, whoami.cgi) and static pages under it.
 *   directives   extra server-level directives (Cognito… or core) (after the standard ones)
 *   prefix       config text before everything (LoadModule lines, Listen, …)
 *   location     the protected location (default /protected)
 *   locationExtra extra lines inside <Location>
 *   suffix       config text after everything (vhosts …)
 */
export function loginBody({
  idp, prefix = '', directives = '', location = '/protected', locationExtra = '', suffix = '',
  redirectUri = '/protected/callback', logoutPath = '/protected/logout', postLogoutUri = 'http://127.0.0.1:@PORT@/bye',
  clientId = CLIENT_ID, pool = POOL_ID,
} = {}) {
  return `
${prefix}
CognitoUserPool ${pool}
CognitoIssuer ${idp.issuer}
CognitoClientID ${clientId}
CognitoDomain ${idp.url}
CognitoRedirectURI ${redirectUri}
CognitoLogoutPath ${logoutPath}
CognitoPostLogoutURI ${postLogoutUri}
${directives}
<Location ${location}>
    AuthType Cognito
    AuthName "app"
    Require valid-user
${locationExtra}
</Location>
ScriptAlias /protected/cgi-bin/ "@DIR@/cgi-bin/"
${suffix}
`;
}

const WHOAMI_CGI = `#!/usr/bin/perl
# Prints who the module says the user is, as a small HTML page (browser tests).
use strict;
use warnings;
sub esc { my $s = shift // ''; $s =~ s/&/&amp;/g; $s =~ s/</&lt;/g; $s =~ s/>/&gt;/g; $s =~ s/"/&quot;/g; return $s; }
binmode STDOUT;
print "Content-Type: text/html; charset=utf-8\\r\\nCache-Control: no-store\\r\\n\\r\\n";
my $user = esc($ENV{REMOTE_USER});
my $name = esc($ENV{COGNITO_CLAIM_NAME});
my $email = esc($ENV{COGNITO_EMAIL});
my $groups = esc($ENV{COGNITO_GROUPS});
print "<!DOCTYPE html><html><head><meta charset=\\"utf-8\\"><title>Signed in</title></head><body>";
print "<h1 id=\\"hello\\">Hello, $name</h1>";
print "<p>REMOTE_USER: <b id=\\"user\\">$user</b></p><p>email: <span id=\\"email\\">$email</span></p>";
print "<p>groups: <span id=\\"groups\\">$groups</span></p><p>AUTH_TYPE: " . esc($ENV{AUTH_TYPE}) . "</p>";
print "</body></html>\\n";
`;

export function loginFiles() {
  return {
    'cgi-bin/whoami.cgi': { content: WHOAMI_CGI, mode: 0o755 },
    'htdocs/protected/index.html': '<!doctype html><title>protected</title><p>protected index</p>\n',
    'htdocs/protected/page.html': '<!doctype html><title>page</title><p>protected page</p>\n',
    'htdocs/bye.html': '<!doctype html><title>bye</title><p>signed out</p>\n',
  };
}

/** Emulator events as a logs() source for withLogs(). */
export function idpLogSource(idp) {
  return {
    logs() {
      try {
        const ev = idp.raw.state.events.slice(-40).map((e) => JSON.stringify(e)).join('\n');
        return `--- emulator ${idp.url} last events ---\n${ev}`;
      } catch (e) {
        return `(no emulator events: ${e.message})`;
      }
    },
  };
}

/**
 * Starts an emulator (unless one is given) and an httpd with loginBody(). → { idp, h, sources(), stop() }
 * opts: everything loginBody takes, plus files, extraModules, idpOpts, beforeStart(idp), idp.
 */
export async function startLoginRig(opts = {}) {
  const ownIdp = !opts.idp;
  const idp = opts.idp || (await startIdp(opts.idpOpts || {}));
  let h;
  try {
    if (opts.beforeStart) await opts.beforeStart(idp);
    h = await startHttpd({
      body: loginBody({ ...opts, idp }),
      files: { ...loginFiles(), ...(opts.files || {}) },
      extraModules: opts.extraModules || [],
      port: opts.port,
    });
  } catch (e) {
    if (ownIdp) await idp.close();
    throw e;
  }
  const rig = {
    idp, h,
    sources: () => [h, idpLogSource(idp)],
    async stop() {
      await h.stop().catch(() => {});
      if (ownIdp) await idp.close().catch(() => {});
    },
  };
  return rig;
}

/** The error_log text written while fn ran. → [result, slice] */
export async function logSlice(h, fn) {
  const mark = Buffer.byteLength(h.errorLog());
  const result = await fn();
  await sleep(50);
  return [result, Buffer.from(h.errorLog()).subarray(mark).toString('utf8')];
}

/** Waits until the error_log contains re (children write the log asynchronously to our reads). */
export async function waitForLog(h, re, ms = 3000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (re.test(h.errorLog())) return true;
    await sleep(50);
  }
  return re.test(h.errorLog());
}

// ------------------------------------------------------------------------------ raw requests

/**
 * Sends a raw request (request line + headers) over node:net and reads the response head.
 * → { status, headers (lower-case names; set-cookie as array), raw }
 */
export async function rawRequest(port, requestLine, headers = {}, { timeoutMs = 10000 } = {}) {
  let req = `${requestLine}\r\n`;
  for (const [k, v] of Object.entries({ Host: `127.0.0.1:${port}`, ...headers, Connection: 'close' })) {
    for (const one of [v].flat()) req += `${k}: ${one}\r\n`;
  }
  const buf = await exchange(port, req + '\r\n', { timeoutMs, what: `raw request ${requestLine}` });
  const res = parseResponse(buf);
  // one value per name, except set-cookie (always an array)
  const hdrs = {};
  for (const [k, v] of Object.entries(res.headers)) hdrs[k] = k === 'set-cookie' ? [v].flat() : [v].flat().at(-1);
  hdrs['set-cookie'] ??= [];
  return { status: res.status, headers: hdrs, setCookies: hdrs['set-cookie'], raw: buf.toString('latin1') };
}

// ----------------------------------------------------------------------------------- redis

/** Starts a real redis-server on a random loopback port, no persistence. → { port, stop(), command(), dump() } */
export async function startRedis() {
  const bin = '/usr/bin/redis-server';
  if (!fs.existsSync(bin)) throw new Error('redis-server is not installed (apt-get install -y redis-server)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-redis-'));
  let lastErr;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', dir, '--daemonize', 'no', '--protected-mode', 'yes', '--logfile', path.join(dir, 'redis.log')], {
      stdio: 'ignore', detached: false,
    });
    let exited = false;
    const exitP = new Promise((r) => child.on('exit', () => { exited = true; r(); }));
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline && !exited) {
      try {
        const pong = await respCommand(port, ['PING']);
        if (pong === 'PONG') {
          const handle = {
            port, pid: child.pid, dir,
            command: (args) => respCommand(port, args),
            dump: () => redisDump(port),
            logs: () => { try { return `--- redis log ---\n${tail(fs.readFileSync(path.join(dir, 'redis.log'), 'utf8'), 30)}`; } catch { return ''; } },
            async stop() {
              if (!exited) { try { child.kill('SIGKILL'); } catch { /* gone */ } await exitP; }
              fs.rmSync(dir, { recursive: true, force: true });
            },
          };
          process.once('exit', () => { try { child.kill('SIGKILL'); } catch { /* gone */ } });
          return handle;
        }
      } catch { /* not yet */ }
      await sleep(50);
    }
    try { child.kill('SIGKILL'); } catch { /* gone */ }
    await exitP;
    lastErr = new Error(`redis-server did not start on port ${port}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  throw lastErr;
}

function encodeCommand(args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parses one RESP reply at offset; → [value, nextOffset] or null when incomplete. Bulk strings stay Buffers. */
function parseResp(buf, off = 0) {
  const nl = buf.indexOf('\r\n', off);
  if (nl < 0) return null;
  const type = String.fromCharCode(buf[off]);
  const line = buf.subarray(off + 1, nl).toString('latin1');
  const next = nl + 2;
  switch (type) {
    case '+': return [line, next];
    case '-': return [new Error(line), next];
    case ':': return [Number(line), next];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [Buffer.from(buf.subarray(next, next + n)), next + n + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const out = [];
      let o = next;
      for (let i = 0; i < n; i++) {
        const r = parseResp(buf, o);
        if (!r) return null;
        out.push(r[0]);
        o = r[1];
      }
      return [out, o];
    }
    default: throw new Error(`bad RESP type ${type}`);
  }
}

/** One command on a fresh connection (binary safe). */
export function respCommand(port, args, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`redis ${args[0]} timed out`)); }, timeoutMs);
    sock.on('connect', () => sock.write(encodeCommand(args)));
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      const r = parseResp(buf);
      if (r) {
        clearTimeout(timer);
        sock.end();
        if (r[0] instanceof Error) reject(r[0]);
        else resolve(r[0]);
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** Every key and its value (GET; DUMP for non-strings). → [{ key: Buffer, type, value: Buffer }] */
export async function redisDump(port) {
  const keys = [];
  let cursor = '0';
  do {
    const [next, batch] = await respCommand(port, ['SCAN', cursor, 'COUNT', '1000']);
    cursor = next.toString();
    keys.push(...batch);
  } while (cursor !== '0');
  const out = [];
  for (const key of keys) {
    const type = await respCommand(port, ['TYPE', key]);
    const value = type === 'string' ? await respCommand(port, ['GET', key]) : await respCommand(port, ['DUMP', key]);
    out.push({ key, type, value: value || Buffer.alloc(0) });
  }
  return out;
}

// ------------------------------------------------------------------------------------- TLS

/** A self-signed certificate for 127.0.0.1 (openssl). → { certFile, keyFile, dir } */
export function selfSignedCert() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-tls-'));
  fs.chmodSync(dir, 0o755);
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  fs.chmodSync(keyFile, 0o644);
  process.once('exit', () => { try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* ignore */ } });
  return { certFile, keyFile, dir };
}

// ------------------------------------------------------------------------------ assertions

/** Asserts an error page answer of the callback: status, HTML, no-store, no session cookie, reason logged. */
export function assertErrorPage(res, status, slice, reason, { cookieName = SESSION_COOKIE, method = 'GET' } = {}) {
  assert.equal(res.status, status, `expected ${status} (${reason}), got ${res.status}: ${res.text.slice(0, 300)}\nlog:\n${slice}`);
  if (method !== 'HEAD') {
    assert.match(String(res.headers['content-type'] || ''), /text\/html/, `error page Content-Type: ${res.headers['content-type']}`);
    assert.match(res.text, /<html/i, 'error page is HTML');
  }
  assert.match(String(res.headers['cache-control'] || ''), /no-store/, `Cache-Control: ${res.headers['cache-control']}`);
  const set = cookiesNamed(res, cookieName).filter((c) => !isExpiring(c));
  assert.equal(set.length, 0, `no session cookie may be set on failure: ${JSON.stringify(res.setCookies)}`);
  assert.equal(res.headers.location, undefined, `no Location on an error page: ${res.headers.location}`);
  if (reason) assert.ok(slice.includes(reason), `error_log should name ${reason}; new lines:\n${slice}`);
}

/** Whether an answer sends the browser to the login page. */
export function isLoginRedirect(res, idp) {
  return res.status === 302 && String(res.headers.location || '').startsWith(`${idp.url}/oauth2/authorize?`);
}
