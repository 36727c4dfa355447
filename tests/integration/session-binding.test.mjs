// Session records are bound to their issuer and app client (issue 14).
//
// Threat: one Apache serves several applications — locations or name-based virtual hosts with different
// CognitoClientID, or another user pool (CognitoUserPool / CognitoIssuer) — that share one session store
// and, by default, one cookie name (Path=/, so the browser sends each app's cookie to every other app on the
// host). An attacker who holds a valid session cookie of application A (their own, or one they obtained)
// presents it to application B — under the same cookie name, or renamed to B's cookie name — hoping that B
// opens A's session record (or a per-process copy of it that a child still holds) and lets them in as A's
// user. Variants: a third application on another issuer with the SAME client id as A; the per-process copies
// on (CognitoSessionLocalEntries default, each child warmed with A's session first, so the copy path is
// really taken) and off (0); and one keep-alive TCP connection that sends A's cookie with Host: of the vhost A
// (200) and then with Host: of vhost B (must not reuse anything from the first request).
// Expected: the cookie is "no session" everywhere but at its own application: a navigation gets the 302 to
// the login of THAT application (its own client_id), an XHR gets 401 — never 200 — on shmcb, Redis and
// memcached. The sessions themselves stay valid at their own application before and after the attempts.
//
// Setup, one httpd per (store, copies on/off):
//   /a  client testclient1, pool 1 (emulator 1)          cookie cognito_session
//   /b  client otherclient, pool 1                        cookie cognito_session
//   /c  client testclient1, pool 2 (a second emulator: another issuer host and pool id)   cookie cognito_session
//   /d  client thirdclient (added through /_test/clients), pool 1   cookie d_session
//   vhost "127.0.0.1" (default) and vhost "localhost" on the same port: /protected with testclient1 resp.
//   otherclient (server-level CognitoClientID of each vhost), both cookie cognito_session.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { POOL_ID, startIdp } from './lib/idp.mjs';
import {
  Agent, NAV_HEADERS, XHR_HEADERS, cookiesNamed, idpLogSource, isExpiring, login, loginFiles, signInAtIdp, startLogin,
} from './lib/login.mjs';
import { PinnedAgent, STATUS_LOCATION, pinChildren, readStatus } from './lib/ops.mjs';
import { assertNoCrash } from './lib/hostile.mjs';
import { parseResponse } from './lib/rawhttp.mjs';
import { secretLine, startStore, storeModules } from './lib/stores.mjs';

const POOL2 = 'eu-west-1_TestPool2';
const APPS = {
  a: { path: '/a', client: 'testclient1', cookie: 'cognito_session', pool: 1 },
  b: { path: '/b', client: 'otherclient', cookie: 'cognito_session', pool: 1 },
  c: { path: '/c', client: 'testclient1', cookie: 'cognito_session', pool: 2 },
  d: { path: '/d', client: 'thirdclient', cookie: 'd_session', pool: 1 },
};
const envOf = (app) => `${app.path}/cgi-bin/env.cgi`;
const VHOST_ENV = '/protected/cgi-bin/env.cgi';

function body({ idp, idp2, store, localEntries }) {
  const loc = (name, app) => {
    const idpX = app.pool === 1 ? idp : idp2;
    return `
<Location ${app.path}>
    AuthType Cognito
    AuthName "${name}"
    Require valid-user
    CognitoClientID ${app.client}
    CognitoRedirectURI ${app.path}/callback
${app.pool === 2 ? `    CognitoUserPool ${POOL2}\n    CognitoIssuer ${idpX.issuer}\n    CognitoDomain ${idpX.url}` : ''}
${app.cookie !== 'cognito_session' ? `    CognitoCookieName ${app.cookie}` : ''}
</Location>
ScriptAlias ${app.path}/cgi-bin/ "@DIR@/cgi-bin/"`;
  };
  return `
CognitoUserPool ${POOL_ID}
CognitoIssuer ${idp.issuer}
CognitoDomain ${idp.url}
CognitoClientID testclient1
CognitoRedirectURI /protected/callback
${store ? `CognitoSessionCache ${store.spec}\n${secretLine()}` : '# shmcb (default), no CognitoSessionSecret: a random one per start'}
${localEntries === 0 ? 'CognitoSessionLocalEntries 0' : '# CognitoSessionLocalEntries: default (per-process copies on)'}
${STATUS_LOCATION}
${Object.entries(APPS).map(([n, a]) => loc(n, a)).join('\n')}
<Location /protected>
    AuthType Cognito
    AuthName "vhosts"
    Require valid-user
</Location>
ScriptAlias /protected/cgi-bin/ "@DIR@/cgi-bin/"
# two name-based virtual hosts on the rig's one port; the first is the default (the rig's probes land there)
<VirtualHost 127.0.0.1:@PORT@>
    ServerName 127.0.0.1
</VirtualHost>
<VirtualHost 127.0.0.1:@PORT@>
    ServerName localhost
    CognitoClientID otherclient
</VirtualHost>
`;
}

// ------------------------------------------------------------------------------------ assertions

const claimsOf = (json) => { try { return JSON.parse(json.COGNITO_CLAIMS || 'null'); } catch { return null; } };

/** 200 from the env CGI as alice, with the identity of `client` at `issuer`. */
function assertOwn(res, { client, issuer }, what) {
  assert.equal(res.status, 200, `${what}: expected 200, got ${res.status}: ${String(res.text ?? res.body).slice(0, 200)}`);
  const json = res.json;
  assert.ok(json && typeof json === 'object', `${what}: the CGI answered no JSON: ${String(res.text).slice(0, 200)}`);
  assert.equal(json.REMOTE_USER, 'alice', `${what}: REMOTE_USER`);
  assert.equal(json.COGNITO_CLIENT_ID, client, `${what}: the session's app client`);
  assert.equal(claimsOf(json)?.iss, issuer, `${what}: the session's issuer`);
}

/** Navigation → 302 to the login of the app asked (its own domain and client_id); XHR → 401, no Location. */
function assertNavRefused(res, { domain, client }, what) {
  assert.notEqual(res.status, 200, `${what}: a foreign session cookie was accepted (200)`);
  assert.equal(res.status, 302, `${what}: navigation → 302 to login expected, got ${res.status}`);
  const loc = String(res.headers.location || '');
  assert.ok(loc.startsWith(`${domain}/oauth2/authorize?`), `${what}: Location is not this app's authorize endpoint: ${loc}`);
  assert.equal(new URL(loc).searchParams.get('client_id'), client, `${what}: login for this app's client`);
  return loc;
}
function assertXhrRefused(res, what) {
  assert.notEqual(res.status, 200, `${what}: a foreign session cookie was accepted (200)`);
  assert.equal(res.status, 401, `${what}: XHR → 401 expected, got ${res.status}`);
  assert.equal(res.headers.location, undefined, `${what}: XHR must not be redirected`);
}
/** No response may (re)issue the presented foreign id as a session cookie. */
function assertNoSessionCookie(res, names, id, what) {
  for (const n of names) {
    const set = cookiesNamed(res, n).filter((c) => !isExpiring(c) && c.value === id);
    assert.deepEqual(set.map((c) => c.raw), [], `${what}: the foreign id was set as ${n}`);
  }
}

// ---------------------------------------------------------------------------- keep-alive raw client

/**
 * One TCP connection, requests sent one after another (each after the previous answer). request() fails if
 * the server closed the connection: every answer provably came over the same connection.
 */
class KeepAlive {
  static open(port) {
    return new Promise((resolve, reject) => {
      const ka = new KeepAlive();
      ka.port = port;
      ka.sock = net.connect(port, '127.0.0.1');
      ka.buf = Buffer.alloc(0);
      ka.closed = false;
      ka.waiter = null;
      ka.sock.on('data', (c) => { ka.buf = Buffer.concat([ka.buf, c]); ka.waiter?.(); });
      ka.sock.on('close', () => { ka.closed = true; ka.waiter?.(); });
      ka.sock.once('error', (e) => { ka.closed = true; ka.error = e; ka.waiter?.(); reject(e); });
      ka.sock.once('connect', () => resolve(ka));
    });
  }

  /** Length of the first complete response in buf, or 0 when incomplete. */
  static complete(buf) {
    const sep = buf.indexOf('\r\n\r\n');
    if (sep < 0) return 0;
    const head = buf.subarray(0, sep).toString('latin1');
    let off = sep + 4;
    if (/^HTTP\/1\.[01] (1\d\d|204|304)/.test(head)) return off;
    if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      for (;;) {
        const nl = buf.indexOf('\r\n', off);
        if (nl < 0) return 0;
        const n = parseInt(buf.subarray(off, nl).toString('latin1'), 16);
        if (Number.isNaN(n)) throw new Error(`bad chunk size in ${buf.subarray(off, nl)}`);
        if (n === 0) {
          const end = buf.indexOf('\r\n\r\n', nl);
          return end < 0 ? 0 : end + 4;
        }
        off = nl + 2 + n + 2;
        if (buf.length < off) return 0;
      }
    }
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!m) throw new Error(`keep-alive response without length: ${head}`);
    return buf.length >= off + Number(m[1]) ? off + Number(m[1]) : 0;
  }

  async request(target, headers, { timeoutMs = 15000 } = {}) {
    assert.ok(!this.closed, `the keep-alive connection was closed by the server before: ${target}`);
    let req = `GET ${target} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) req += `${k}: ${v}\r\n`;
    this.sock.write(`${req}\r\n`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = KeepAlive.complete(this.buf);
      if (n) {
        const res = parseResponse(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
        const setCookies = [res.headers['set-cookie'] || []].flat();
        let json = null;
        try { json = JSON.parse(res.body.toString('utf8')); } catch { /* not JSON */ }
        return { ...res, setCookies, json, text: res.body.toString('utf8') };
      }
      assert.ok(!this.closed, `the server closed the keep-alive connection during ${target} (${this.error?.message || 'no answer'})`);
      assert.ok(Date.now() < deadline, `no complete answer to ${target} within ${timeoutMs} ms`);
      await new Promise((r) => { this.waiter = r; setTimeout(r, 200); });
      this.waiter = null;
    }
  }

  close() { this.sock.destroy(); }
}

// ----------------------------------------------------------------------------------------- login

/** A login at `pathq` with Host: `host` (a name-based vhost), over 127.0.0.1. → the session cookie value */
async function loginWithHost(h, idp, pathq, host) {
  const agent = new Agent();
  const start = await startLogin(agent, h, idp, pathq, { headers: { Host: host } });
  assert.equal(new URL(start.params.get('redirect_uri')).host, host, 'the vhost builds its redirect_uri from Host:');
  const cb = new URL(await signInAtIdp(agent, start.authorizeUrl));
  assert.equal(cb.host, host, `the emulator sends the browser back to ${host}`);
  const callback = await agent.nav(`${h.url}${cb.pathname}${cb.search}`, { headers: { Host: host } });
  assert.equal(callback.status, 302, `callback at ${host} answered ${callback.status}: ${callback.text.slice(0, 300)}`);
  const sc = cookiesNamed(callback, 'cognito_session').filter((c) => !isExpiring(c));
  assert.equal(sc.length, 1, `callback at ${host} sets one session cookie: ${JSON.stringify(callback.setCookies)}`);
  return sc[0].value;
}

// ----------------------------------------------------------------------------------------- tests

const STORES = ['shmcb', 'redis', 'memcached'];
for (const kind of STORES) {
  for (const localEntries of [undefined, 0]) {
    const copies = localEntries === 0 ? 'CognitoSessionLocalEntries 0' : 'per-process copies on (default)';
    describe(`session binding to issuer and app client: ${kind}, ${copies}`, () => {
      let store = null;
      let idp;
      let idp2;
      let h;
      let conns = [];
      const sessions = {}; // app name → cookie value
      const sources = () => [h, idp && idpLogSource(idp), idp2 && idpLogSource(idp2), store].filter(Boolean);
      const issuerOf = (app) => (app.pool === 1 ? idp : idp2).issuer;
      const domainOf = (app) => (app.pool === 1 ? idp : idp2).url;

      before(async () => {
        try {
          idp = await startIdp();
          idp2 = await startIdp({ poolId: POOL2 });
          assert.notEqual(idp2.issuer, idp.issuer);
          await idp.call('POST', '/_test/clients', { clientId: 'thirdclient' });
          if (kind !== 'shmcb') store = await startStore(kind);
          h = await startHttpd({
            body: body({ idp, idp2, store, localEntries }),
            files: loginFiles(),
            extraModules: storeModules(store?.kind),
          });
          conns = await pinChildren(h, { children: 2 });
          for (const [name, app] of Object.entries(APPS)) {
            const idpX = app.pool === 1 ? idp : idp2;
            // the login runs through child 1, so that child 2 first meets the session in the warm-up below
            const r = await login(new PinnedAgent(h, conns[0]), h, idpX, envOf(app), { username: 'alice', cookieName: app.cookie });
            sessions[name] = r.sessionCookie;
          }
        } catch (e) {
          const text = sources().map((s) => { try { return s.logs(); } catch { return ''; } }).join('\n');
          e.stack = `${e.stack}\n${text}`;
          throw e;
        }
      });
      after(async () => {
        for (const c of conns) c.close();
        await h?.stop();
        await store?.close();
        await idp?.close();
        await idp2?.close();
      });

      const present = (conn, app, cookieName, id, headers) =>
        conn.request(h.url + envOf(app), { headers: { ...headers, Cookie: `${cookieName}=${id}` } });

      async function expectOwn(conn, name, what) {
        const app = APPS[name];
        const res = await present(conn, app, app.cookie, sessions[name], NAV_HEADERS);
        assertOwn(res, { client: app.client, issuer: issuerOf(app) }, what);
      }

      it('each session works at its own location, in both children; the copies are used (or not, with 0)', withLogs(sources, async () => {
        const t0 = (await readStatus(h.url, { via: conns[0] })).json;
        for (let round = 0; round < 3; round++) {
          for (const name of Object.keys(APPS)) {
            for (const [i, conn] of conns.entries()) await expectOwn(conn, name, `${name}'s session at ${APPS[name].path}, child ${i + 1}, round ${round}`);
          }
        }
        const now = (await readStatus(h.url, { via: conns[0] })).json;
        const lookups = now.cognito_session_lookups_total.hit - t0.cognito_session_lookups_total.hit;
        const local = now.cognito_session_local_hits_total - t0.cognito_session_local_hits_total;
        assert.equal(lookups, 24, 'four sessions × two children × three rounds: 24 session lookups that found one');
        if (localEntries === 0) assert.equal(now.cognito_session_local_hits_total, 0, 'CognitoSessionLocalEntries 0: no local hits');
        else assert.ok(local >= 16, `each child answers repeats from its copy: ${local} local hits of 24`);
      }));

      it('a session cookie presented at another location (other client, other issuer, renamed) is "no session" in both children', withLogs(sources, async () => {
        // warm: every child holds a copy of every session (when copies are on) right before the attempts
        for (const name of Object.keys(APPS)) for (const [i, conn] of conns.entries()) await expectOwn(conn, name, `warm ${name}, child ${i + 1}`);
        for (const [from, fromApp] of Object.entries(APPS)) {
          for (const [to, toApp] of Object.entries(APPS)) {
            if (to === from) continue;
            // under the target's cookie name (what an attacker would rename it to), and under the source's
            const names = [...new Set([toApp.cookie, fromApp.cookie])];
            for (const cookieName of names) {
              for (const [i, conn] of conns.entries()) {
                const what = `${from}'s cookie at ${toApp.path} as ${cookieName}, child ${i + 1}`;
                const nav = await present(conn, toApp, cookieName, sessions[from], NAV_HEADERS);
                assertNavRefused(nav, { domain: domainOf(toApp), client: toApp.client }, `${what} (navigation)`);
                assertNoSessionCookie(nav, names, sessions[from], what);
                const xhr = await present(conn, toApp, cookieName, sessions[from], XHR_HEADERS);
                assertXhrRefused(xhr, `${what} (XHR)`);
                assertNoSessionCookie(xhr, names, sessions[from], what);
              }
            }
            // the session was alive at its own location in the same child right after each attempt
            for (const [i, conn] of conns.entries()) await expectOwn(conn, from, `${from} at its own location after the attempt at ${toApp.path}, child ${i + 1}`);
          }
        }
        assertNoCrash(h);
      }));

      it('one keep-alive connection: the cookie of vhost 127.0.0.1 sent with Host: localhost (another client) is "no session"', withLogs(sources, async () => {
        const hostA = `127.0.0.1:${h.port}`;
        const hostB = `localhost:${h.port}`;
        const a = { client: 'testclient1', issuer: idp.issuer, domain: idp.url };
        const b = { client: 'otherclient', issuer: idp.issuer, domain: idp.url };
        const idA = (await login(new Agent(), h, idp, VHOST_ENV, { username: 'alice' })).sessionCookie;
        const idB = await loginWithHost(h, idp, VHOST_ENV, hostB);
        const hdrs = (host, id, kindHeaders) => ({ Host: host, ...kindHeaders, Cookie: `cognito_session=${id}` });
        // several connections (so both children take part), each scripted the same way
        for (let c = 0; c < 4; c++) {
          const ka = await KeepAlive.open(h.port);
          try {
            const step = (n) => `connection ${c + 1}, request ${n}`;
            assertOwn(await ka.request(VHOST_ENV, hdrs(hostA, idA, NAV_HEADERS)), a, `${step(1)}: Host ${hostA}, its own cookie`);
            assertOwn(await ka.request(VHOST_ENV, hdrs(hostA, idA, NAV_HEADERS)), a, `${step(2)}: Host ${hostA} again (a copy, if on)`);
            const nav = await ka.request(VHOST_ENV, hdrs(hostB, idA, NAV_HEADERS));
            const loc = assertNavRefused(nav, b, `${step(3)}: Host ${hostB} with the cookie of ${hostA} (navigation)`);
            assert.equal(new URL(new URL(loc).searchParams.get('redirect_uri')).host, hostB, `${step(3)}: vhost ${hostB} answered`);
            assertXhrRefused(await ka.request(VHOST_ENV, hdrs(hostB, idA, XHR_HEADERS)), `${step(4)}: Host ${hostB} with the cookie of ${hostA} (XHR)`);
            assertOwn(await ka.request(VHOST_ENV, hdrs(hostA, idA, XHR_HEADERS)), a, `${step(5)}: back to Host ${hostA}`);
            assertOwn(await ka.request(VHOST_ENV, hdrs(hostB, idB, XHR_HEADERS)), b, `${step(6)}: Host ${hostB}, its own cookie`);
            assertXhrRefused(await ka.request(VHOST_ENV, hdrs(hostA, idB, XHR_HEADERS)), `${step(7)}: Host ${hostA} with the cookie of ${hostB} (XHR)`);
            const navA = await ka.request(VHOST_ENV, hdrs(hostA, idB, NAV_HEADERS));
            assertNavRefused(navA, a, `${step(8)}: Host ${hostA} with the cookie of ${hostB} (navigation)`);
            assertXhrRefused(await ka.request(VHOST_ENV, hdrs(hostB, idA, XHR_HEADERS)), `${step(9)}: Host ${hostB} with the cookie of ${hostA} once more`);
            assert.ok(!ka.closed, 'all nine answers came over one connection');
          } finally {
            ka.close();
          }
        }
        const kaPids = [...h.accessLog().matchAll(/"GET \/protected\/cgi-bin\/env\.cgi HTTP\/1\.1" \d+ \S+ pid=(\d+)$/gm)].map((m) => m[1]);
        console.log(`[${kind}, ${copies}] keep-alive requests served by children ${[...new Set(kaPids)].join(', ')}`);
        assertNoCrash(h);
      }));
    });
  }
}
