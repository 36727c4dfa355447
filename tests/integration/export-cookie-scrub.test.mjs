// Cookie scrubbing — what applications and backends receive in the Cookie header (issue 14).
//
// Behaviour guarded: the Cookie header passed on to CGI (and so to PHP and proxied backends) has every cookie
// of the module removed: the session cookie and the login-state cookies of EVERY location of the server (all
// CognitoCookieName values used anywhere, plus the default cognito_session), with and without the __Host-
// prefix — under protected locations and unprotected ones alike. Every other cookie arrives byte for byte as
// the client sent it (`a=1,2`, `b="q"`, `c=x y`, empty values, pairs without '=', UTF-8 bytes), in order,
// joined by "; "; a header without any module cookie is passed through untouched. Cookie lines that httpd
// (or a proxy) merged with ", " do not smuggle a session id through: whatever spelling the module signs a
// request in from, that id never reaches the backend. The rewrite is linear: a 16 KB header of 2,000 tiny
// cookies plus a session cookie costs little memory.
//
// Threats modelled:
// - an application under /b (or an unprotected CGI, or a backend that logs its headers) would receive the
//   session id of the application under /a — its own CognitoCookieName — and could replay it there. Expected:
//   no backend ever sees a module cookie of any location, nor a session id the module accepted.
// - scrubbing that re-parses and re-serialises cookies would change the other applications' cookies (split
//   `a=1,2` at the comma, strip quotes), breaking them. Expected: exact bytes.
// - an attacker sends Cookie headers of 16 KB made of 2,000 tiny cookies to make a quadratic rewrite eat
//   memory in every child. Expected: child memory (RssAnon, both children) grows by less than 1 MB per
//   request in flight over 200 such requests, 8 at a time.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { rawHttp, resources } from './lib/apps.mjs';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { Agent, XHR_HEADERS, idpLogSource, login, loginBody, loginFiles } from './lib/login.mjs';
import { assertNoCrash, settlePool } from './lib/hostile.mjs';

const A_ENV = '/a/cgi-bin/env.cgi';
const B_ENV = '/b/cgi-bin/env.cgi';
const OPEN_ENV = '/cgi-bin/env.cgi'; // the rig's own ScriptAlias: no AuthType anywhere above it
// A light CGI for the 200-request run (env.cgi starts Perl and JSON::PP, ~80 ms a request): prints
// HTTP_COOKIE exactly as it got it, "-" when there is none.
const B_COOKIE = '/b/cgi-bin/cookie.cgi';
const COOKIE_CGI = `#!/bin/sh
printf 'Content-Type: text/plain\\r\\nCache-Control: no-store\\r\\n\\r\\n'
printf '%s' "\${HTTP_COOKIE--}"
`;

/**
 * /a: CognitoCookieName appA_session; /b: CognitoCookieName appB_session (another callback); /cgi-bin: no
 * AuthType. Headers up to 64 KB reach the module (httpd's default LimitRequestFieldSize is 8190).
 */
function body(idp) {
  return loginBody({
    idp,
    prefix: 'LimitRequestFieldSize 65536',
    location: '/a',
    redirectUri: '/a/callback',
    logoutPath: '/a/logout',
    locationExtra: '    CognitoCookieName appA_session',
    suffix: `
ScriptAlias /a/cgi-bin/ "@DIR@/cgi-bin/"
<Location /b>
    AuthType Cognito
    AuthName "b"
    CognitoRedirectURI /b/callback
    CognitoLogoutPath /b/logout
    CognitoCookieName appB_session
    Require valid-user
</Location>
ScriptAlias /b/cgi-bin/ "@DIR@/cgi-bin/"
`,
  });
}

const R = resources();
let idp;
let h;
const sid = {}; // valid session ids: sid.A (appA_session), sid.B (appB_session)
const logs = () => [...R.sources(), idp && idpLogSource(idp)].filter(Boolean);

before(withLogs(logs, async () => {
  idp = R.add(await startIdp());
  h = R.add(await startHttpd({ body: body(idp), files: { ...loginFiles(), 'cgi-bin/cookie.cgi': { content: COOKIE_CGI, mode: 0o755 } } }));
  sid.A = (await login(new Agent(), h, idp, A_ENV, { cookieName: 'appA_session' })).sessionCookie;
  sid.B = (await login(new Agent(), h, idp, B_ENV, { cookieName: 'appB_session' })).sessionCookie;
  assert.notEqual(sid.A, sid.B);
}));
after(() => R.stopAll());

/** What the CGI's JSON shows for bytes sent as latin1 (rawHttp): the same bytes, read as UTF-8. */
const asReceived = (s) => Buffer.from(s, 'latin1').toString('utf8');

/** GET path with exactly this Cookie header line (one line, bytes as given). → the rawHttp answer */
const withCookie = (path, cookie) => rawHttp(h.port, { path, headers: [...Object.entries(XHR_HEADERS), ['Cookie', cookie]] });

/** Asserts a 200 from env.cgi (as alice when `user`) and returns HTTP_COOKIE (undefined when no Cookie header). */
function cgiCookie(res, { user, where }) {
  assert.equal(res.status, 200, `${where}: status ${res.status}: ${res.text.slice(0, 300)}`);
  assert.ok(res.json && typeof res.json === 'object', `${where}: env.cgi JSON: ${res.text.slice(0, 300)}`);
  if (user) assert.equal(res.json.REMOTE_USER, user, `${where}: REMOTE_USER`);
  else assert.equal(res.json.REMOTE_USER, undefined, `${where}: REMOTE_USER`);
  return res.json.HTTP_COOKIE;
}

/** No session id the module issued appears anywhere in what the backend got (env.cgi's JSON answer). */
function assertNoSessionId(res, where) {
  for (const [name, id] of Object.entries(sid)) {
    if (!res.text.includes(id)) continue;
    const vars = Object.entries(res.json || {}).filter(([, v]) => String(v).includes(id))
      .map(([k, v]) => `${k}=${String(v).length > 400 ? `${String(v).slice(0, 400)}…` : v}`);
    assert.fail(`${where}: the backend received the session id of app ${name} in:\n${vars.join('\n') || res.text.slice(0, 400)}`);
  }
}

// Cookies of the module (every location's, default name, __Host- spellings) mixed with the application's own.
const OTHERS = ['a=1,2', 'b="q"', 'c=x y', 'd=', 'flag', 'e=\u00c3\u00a9', 'f=a=b==', 'x=appA_session'];
const mixed = () => [
  OTHERS[0],
  `appA_session=${sid.A}`,
  OTHERS[1],
  'appA_session_state_0123456789abcdef=1700000000.c2VhbGVkLXN0YXRl',
  OTHERS[2],
  `__Host-appA_session=${sid.A}`,
  OTHERS[3],
  `appB_session=${sid.B}`,
  '__Host-appA_session_state_0123456789abcdef=1700000000.c2VhbGVk',
  OTHERS[4],
  'cognito_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  OTHERS[5],
  'cognito_session_state_fedcba9876543210=1700000000.eHl6',
  `__Host-appB_session=${sid.B}`,
  'appB_session_state_00112233aabbccdd=1700000000.YWJj',
  '__Host-cognito_session=BBBB',
  OTHERS[6],
  '__Host-cognito_session_state_fedcba9876543210=zz',
  OTHERS[7],
].join('; ');
const OTHERS_JOINED = asReceived(OTHERS.join('; '));

describe('every location\'s session and state cookies are removed, the others arrive byte for byte', () => {
  for (const [where, path, user] of [
    ['/b (CognitoCookieName appB_session), carrying /a\'s cookies', B_ENV, 'alice'],
    ['/a (CognitoCookieName appA_session), carrying /b\'s cookies', A_ENV, 'alice'],
    ['an unprotected CGI (no AuthType)', OPEN_ENV, null],
  ]) {
    it(`${where}: HTTP_COOKIE is exactly the other cookies, in order, joined by "; "`, withLogs(logs, async () => {
      const res = await withCookie(path, mixed());
      const got = cgiCookie(res, { user, where });
      assertNoSessionId(res, where);
      assert.equal(got, OTHERS_JOINED, `${where}: HTTP_COOKIE`);
    }));
  }

  it('odd spacing and empty segments: each kept pair is trimmed, the pairs are joined by "; "', withLogs(logs, async () => {
    const cookie = `a=1,2;appB_session=${sid.B};  b="q"  ;;\tc=x y\t; ;appA_session=${sid.A};d=`;
    for (const [path, user] of [[B_ENV, 'alice'], [OPEN_ENV, null]]) {
      const got = cgiCookie(await withCookie(path, cookie), { user, where: path });
      assert.equal(got, 'a=1,2; b="q"; c=x y; d=', `${path}: HTTP_COOKIE`);
    }
  }));

  it('only module cookies: the backend gets no Cookie at all', withLogs(logs, async () => {
    const cookie = `appB_session=${sid.B}; appA_session=${sid.A}; __Host-appA_session=${sid.A}; appA_session_state_0123456789abcdef=x`;
    for (const [path, user] of [[B_ENV, 'alice'], [OPEN_ENV, null]]) {
      const res = await withCookie(path, cookie);
      const got = cgiCookie(res, { user, where: path });
      assert.ok(got === undefined || got === '', `${path}: HTTP_COOKIE should be absent, got ${JSON.stringify(got)}`);
      assertNoSessionId(res, path);
    }
  }));

  it('a header without any module cookie reaches an unprotected CGI untouched', withLogs(logs, async () => {
    for (const cookie of [
      'a=1,2;b="q";  c=x y ;d=;;flag; e=\u00c3\u00a9',
      'appA_sessionx=1; xappA_session=2; appA_session_stat=3; appC_session=4; __Secure-appA_session=5',
      'x=appB_session; y=__Host-appA_session=1',
    ]) {
      const got = cgiCookie(await withCookie(OPEN_ENV, cookie), { where: cookie });
      assert.equal(got, asReceived(cookie), 'HTTP_COOKIE');
    }
  }));

  it('whatever spelling the module accepts a session from, that session id never reaches the backend', withLogs(logs, async () => {
    // Spellings a browser would not send but a client can: the module may or may not accept them (401 is
    // fine); when it signs the request in with the id, the id must not be in what the backend gets.
    const spellings = [
      `appB_session=${sid.B}`,
      `appB_session="${sid.B}"`,
      `\tappB_session=${sid.B}\t`,
      `appB_session =${sid.B}`,
      `appB_session= ${sid.B}`,
      `k=1, appB_session=${sid.B}`,
      `k=1,appB_session=${sid.B}`,
      `appB_session=${sid.B}, k=1`,
      `k=1; appB_session=garbage; appB_session=${sid.B}`,
    ];
    const accepted = [];
    for (const cookie of spellings) {
      const res = await withCookie(B_ENV, `z=0; ${cookie}; y=9`);
      assert.ok([200, 401].includes(res.status), `[${cookie}]: status ${res.status}: ${res.text.slice(0, 200)}`);
      if (res.status !== 200) continue;
      accepted.push(cookie);
      assert.equal(res.json?.REMOTE_USER, 'alice', `[${cookie}]: REMOTE_USER`);
      assertNoSessionId(res, `Cookie [${cookie}]`);
    }
    assert.ok(accepted.includes(spellings[0]), 'the plain spelling signs in');
  }));

  it('several Cookie header lines (httpd joins them with ", "): no session id reaches the backend', withLogs(logs, async () => {
    const sets = [
      ['z=0', `appB_session=${sid.B}; y=9`],
      [`appB_session=${sid.B}`, 'y=9'],
      ['a=1,2', `appB_session=${sid.B}`, `appA_session=${sid.A}`],
      [`appA_session=${sid.A}; k=1`, `appB_session=${sid.B}`],
    ];
    for (const lines of sets) {
      const res = await rawHttp(h.port, { path: B_ENV, headers: [...Object.entries(XHR_HEADERS), ...lines.map((l) => ['Cookie', l])] });
      const where = `Cookie lines ${JSON.stringify(lines)}`;
      assert.ok([200, 401].includes(res.status), `${where}: status ${res.status}: ${res.text.slice(0, 200)}`);
      if (res.status === 200) assert.equal(res.json?.REMOTE_USER, 'alice', `${where}: REMOTE_USER`);
      assertNoSessionId(res, where);
    }
  }));
});

// --------------------------------------------------------------------------------- the 16 KB header

const TINY = 2000;
const HEADER_BYTES = 16300; // "16 KB", under the 16,384 bytes over which the module ignores a Cookie header
/** 3 base-36 characters + "=" + one digit: 5 bytes, 7 with the separator. */
const tiny = (i) => `${i.toString(36).padStart(3, '0')}=${i % 10}`;

/**
 * 2,000 tiny cookies, appB_session in the middle, the odd ones, /a's cookies near the end, padded with one more
 * cookie to HEADER_BYTES. → { header, want }
 */
function bigHeader() {
  const kept = [];
  const all = [];
  for (let i = 0; i < TINY; i++) {
    if (i === TINY / 2) all.push(`appB_session=${sid.B}`);
    if (i === TINY - 10) all.push(`appA_session=${sid.A}`, 'appA_session_state_0123456789abcdef=1700000000.c2VhbGVk');
    all.push(tiny(i));
    kept.push(tiny(i));
  }
  for (const o of ['a=1,2', 'b="q"', 'c=x y', 'd=']) {
    all.push(o);
    kept.push(o);
  }
  const base = all.join('; ');
  const pad = `pad=${'p'.repeat(HEADER_BYTES - base.length - 2 - 4)}`;
  all.push(pad);
  kept.push(pad);
  const header = all.join('; ');
  assert.equal(header.length, HEADER_BYTES);
  return { header, want: kept.join('; ') };
}

/** Anonymous memory (RssAnon, kB → bytes) of every direct child of the httpd parent: the workers and cgid. */
function childMemory() {
  const out = {};
  for (const pid of h.pids().slice(1)) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const anon = /^RssAnon:\s+(\d+) kB/m.exec(status);
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (anon) out[pid] = { anon: Number(anon[1]) * 1024, rss: rss ? Number(rss[1]) * 1024 : NaN };
    } catch { /* gone */ }
  }
  return out;
}
const sumAnon = (m) => Object.values(m).reduce((s, v) => s + v.anon, 0);
const mb = (n) => `${(n / 1048576).toFixed(2)} MB`;

describe('a 16 KB Cookie header of 2,000 tiny cookies plus a session cookie', () => {
  it('/b and an unprotected CGI: HTTP_COOKIE is the 2,000 cookies and the rest, byte for byte, in order', withLogs(logs, async () => {
    const { header, want } = bigHeader();
    const b = await withCookie(B_ENV, header);
    const gotB = cgiCookie(b, { user: 'alice', where: '/b' });
    assertNoSessionId(b, '/b');
    assert.equal(gotB.length, want.length, '/b: HTTP_COOKIE length');
    assert.equal(gotB, want, '/b: HTTP_COOKIE');
    const open = await withCookie(OPEN_ENV, header);
    const gotOpen = cgiCookie(open, { where: 'unprotected' });
    assertNoSessionId(open, 'unprotected');
    assert.equal(gotOpen, want, 'unprotected: HTTP_COOKIE');
  }));

  it('200 such requests, 8 at a time: the children\'s memory grows by less than 1 MB per request in flight', withLogs(logs, async () => {
    const PARALLEL = 8;
    const REQUESTS = 200;
    const { header, want } = bigHeader();
    const small = `k=1; appB_session=${sid.B}; x=2`;
    // Warm-up with small headers at the same concurrency: both children, their threads, connection pools and
    // the CGI path are in use before the first reading.
    for (let round = 0; round < 4; round++) {
      const warm = await settlePool(Array.from({ length: PARALLEL * 2 }, (_, i) => i), PARALLEL, () => withCookie(B_COOKIE, small));
      for (const r of warm) assert.ok(r.ok && r.value.status === 200, `warm-up: ${r.ok ? r.value.status : r.error.message}`);
    }
    const before = childMemory();
    const results = await settlePool(Array.from({ length: REQUESTS }, (_, i) => i), PARALLEL, () => withCookie(B_COOKIE, header));
    const after = childMemory();
    const failed = results.map((r, i) => (!r.ok ? `#${i}: ${r.error.message}` : r.value.status !== 200 ? `#${i}: ${r.value.status}` : null))
      .filter(Boolean);
    assert.deepEqual(failed, [], `every request answers 200:\n${failed.slice(0, 10).join('\n')}`);
    // only processes alive at both readings (a child replaced in between would compare nothing)
    const common = Object.keys(before).filter((pid) => pid in after);
    assert.ok(common.length >= 2, `at least the two worker children at both readings: ${JSON.stringify({ before, after })}`);
    const growth = common.reduce((s, pid) => s + after[pid].anon - before[pid].anon, 0);
    const detail = common.map((pid) => `pid ${pid}: RssAnon ${mb(before[pid].anon)} → ${mb(after[pid].anon)}, ` +
      `VmRSS ${mb(before[pid].rss)} → ${mb(after[pid].rss)}`).join('\n');
    console.log(`[16 KB headers] children's anonymous memory ${mb(sumAnon(before))} → ${mb(sumAnon(after))} (${mb(growth)})\n${detail}`);
    assert.ok(growth < PARALLEL * 1048576,
      `children's anonymous memory grew by ${mb(growth)} over ${REQUESTS} requests with a 16 KB Cookie header, ` +
      `${PARALLEL} in flight; expected under ${mb(PARALLEL * 1048576)}:\n${detail}`);
    const differs = results.filter((r) => r.value.text !== want).length;
    assert.equal(differs, 0, `${differs} of ${REQUESTS} requests reached the CGI with another Cookie header than the scrubbed one`);
    assertNoCrash(h);
  }));
});
