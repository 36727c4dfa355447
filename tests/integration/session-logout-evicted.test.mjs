// Logout when the session record is already gone from the store (issue 14).
//
// Threat: a user signs out on a shared computer, trusting that the cookie left in the browser is now worthless.
// The shared store (Redis here) has already dropped the session record — evicted under memory pressure
// (maxmemory), flushed, or a failover to a replica that never had it — while the Apache children still hold
// their per-process copies of the opened session (CognitoSessionLocalEntries, default on). If the logout
// only deletes the record (nothing to delete) and does not reach the copies, whoever uses the browser next
// (or anyone who copied the cookie) is still let in by every child holding a copy — on this server for up to
// CognitoSessionRecheck seconds, or for as long as the copies live.
// Expected: the logout on server A makes every child of A refuse the cookie at once (XHR → 401, navigation →
// 302 to login), although the store had nothing to delete and A's CognitoSessionRecheck (60 here) would let
// the copies answer for a minute otherwise (checked right before the logout: they do); server B, which shares
// the store and the secret (CognitoSessionRecheck 2), refuses the cookie within 2 s (checked with a generous
// margin) and never serves it again after that.
//
// The shmcb variant covers the single-server part only, WITHOUT the eviction: an shmcb record cannot be
// removed from outside the server (no client reaches its shared memory, and anonymous requests no longer
// write to the store, so it cannot be crowded out either). It checks that a logout through one child ends the
// session in the other child at its very next request, with both children holding a copy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import {
  NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, idpLogSource, isLoginRedirect, login, loginBody, loginFiles, sleep,
} from './lib/login.mjs';
import { PinnedAgent, STATUS_LOCATION, pinChildren, readStatus } from './lib/ops.mjs';
import { assertNoCrash } from './lib/hostile.mjs';
import { scaleout, scaleoutHttpdOpts, secretLine } from './lib/stores.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const LOGOUT = '/protected/logout';
const B_RECHECK_S = 2;
const MARGIN_MS = 1500;

/**
 * Record keys: mod_socache_redis stores the module's 32-byte slot ids under "<prefix>:<64 hex>". The module's
 * own reachability probe is also a 32-byte id, but a fixed readable one ("mod_auth_cognito store probe...",
 * 10 s TTL, written whenever the module checks the store): not a session's, and it comes and goes.
 */
const PROBE_HEX = Buffer.from('mod_auth_cognito').toString('hex');
const slotKeys = async (store) => (await store.keys()).filter((k) => /:[0-9a-f]{64}$/.test(k) && !k.includes(`:${PROBE_HEX}`));

const withCookie = (conn, h, cookie, headers = NAV_HEADERS, p = ENV) =>
  conn.request(h.url + p, { headers: { ...headers, Cookie: `${SESSION_COOKIE}=${cookie}` } });

async function expectAlice(conn, h, cookie, what) {
  const res = await withCookie(conn, h, cookie, XHR_HEADERS);
  assert.equal(res.status, 200, `${what}: expected 200, got ${res.status}: ${res.text.slice(0, 200)}`);
  assert.equal(res.json?.REMOTE_USER, 'alice', `${what}: REMOTE_USER`);
}

async function expectRefused(conn, h, cookie, idp, what) {
  const x = await withCookie(conn, h, cookie, XHR_HEADERS);
  assert.notEqual(x.status, 200, `${what}: the logged-out cookie was accepted (XHR 200)`);
  assert.equal(x.status, 401, `${what}: XHR → 401 expected, got ${x.status}: ${x.text.slice(0, 200)}`);
  const nav = await withCookie(conn, h, cookie);
  assert.ok(isLoginRedirect(nav, idp), `${what}: navigation → 302 to login expected, got ${nav.status} ${nav.headers.location || ''}`);
}

/** The server's counters (shared by its children), read over `via`. */
async function counters(h, via) {
  const { json } = await readStatus(h.url, { via });
  return { local: json.cognito_session_local_hits_total, hit: json.cognito_session_lookups_total.hit, logouts: json.cognito_logouts_total };
}

/** Both children answer the session several times; with copies on, most answers come from the copies. */
async function warm(h, conns, cookie, label) {
  const before = await counters(h, conns[0]);
  for (let i = 0; i < 4; i++) {
    for (const [n, conn] of conns.entries()) await expectAlice(conn, h, cookie, `${label} child ${n + 1}, warm-up ${i + 1}`);
  }
  const now = await counters(h, conns[0]);
  assert.equal(now.hit - before.hit, 4 * conns.length, `${label}: every warm-up request found the session`);
  assert.ok(now.local - before.local >= 3 * conns.length, `${label}: the children answered from their copies (${now.local - before.local} local hits of ${4 * conns.length})`);
}

describe('two servers on one Redis (same CognitoSessionSecret): logout on A after the record was evicted', () => {
  it(`every child of A refuses the cookie at once, B within CognitoSessionRecheck ${B_RECHECK_S} s`, scaleout(async (ctx) => {
    const idp = await ctx.idp();
    const store = await ctx.store('redis');
    // A: copies may answer for 60 s without reading the store — only the logout itself can end them early
    const A = await ctx.httpd(scaleoutHttpdOpts({ idp, store, directives: `${secretLine()}\nCognitoSessionRecheck 60\n${STATUS_LOCATION}` }));
    const B = await ctx.httpd(scaleoutHttpdOpts({ idp, store, directives: `${secretLine()}\nCognitoSessionRecheck ${B_RECHECK_S}\n${STATUS_LOCATION}` }));
    const aConns = await pinChildren(A, { children: 2 });
    const bConns = await pinChildren(B, { children: 2 });
    ctx.track({ kind: 'conns', stop: async () => { for (const c of [...aConns, ...bConns]) c.close(); } });

    const keysBefore = new Set(await slotKeys(store));
    const { sessionCookie: cookie } = await login(new PinnedAgent(A, aConns[0]), A, idp, ENV, { username: 'alice' });
    await warm(A, aConns, cookie, 'A');
    await warm(B, bConns, cookie, 'B');

    // evict: every key that appeared since before the login (session record, its "seen" record, the
    // consumed-state marker) is deleted directly in Redis
    const sessionKeys = (await slotKeys(store)).filter((k) => !keysBefore.has(k));
    assert.ok(sessionKeys.length >= 1, 'the login left keys in Redis');
    ctx.log(`deleting ${sessionKeys.length} key(s) of the session: ${sessionKeys.map((k) => `${k.slice(0, 24)}…`).join(', ')}`);
    for (const k of sessionKeys) assert.equal(await store.command(['DEL', Buffer.from(k, 'latin1')]), 1, `DEL ${k}`);
    const left = (await slotKeys(store)).filter((k) => !keysBefore.has(k));
    assert.deepEqual(left, [], 'nothing of the session is left in Redis');

    // the copies still answer (A reads the store again only after 60 s): this is what the logout must end
    for (const [n, conn] of aConns.entries()) await expectAlice(conn, A, cookie, `A child ${n + 1}, record evicted, before the logout (its copy)`);

    const logoutsBefore = (await counters(A, aConns[0])).logouts;
    const out = await withCookie(aConns[0], A, cookie, NAV_HEADERS, LOGOUT);
    const loggedOutAt = Date.now();
    assert.equal(out.status, 302, `logout on A answered ${out.status}: ${out.text.slice(0, 200)}`);
    assert.ok(String(out.headers.location).startsWith(`${idp.url}/logout?`), `logout goes on to Cognito's /logout: ${out.headers.location}`);
    assert.equal((await counters(A, aConns[0])).logouts - logoutsBefore, 1, 'A counted the logout');

    const keysAfterLogout = (await slotKeys(store)).join('\n');

    // A: every child, at once — the other child first (it did not serve the logout)
    await expectRefused(aConns[1], A, cookie, idp, 'A child 2 right after the logout through child 1');
    await expectRefused(aConns[0], A, cookie, idp, 'A child 1 right after its logout');

    // B: refused by both children within the recheck bound, and never served again afterwards
    const bound = B_RECHECK_S * 1000 + MARGIN_MS;
    const refusedAt = bConns.map(() => null);
    while (refusedAt.some((t) => t === null) && Date.now() - loggedOutAt <= bound) {
      for (const [n, conn] of bConns.entries()) {
        const res = await withCookie(conn, B, cookie, XHR_HEADERS);
        const ms = Date.now() - loggedOutAt;
        if (refusedAt[n] !== null) {
          assert.equal(res.status, 401, `B child ${n + 1} refused the cookie at ${refusedAt[n]} ms, then answered ${res.status} at ${ms} ms`);
        } else if (res.status === 401) {
          refusedAt[n] = ms;
        } else {
          assert.equal(res.status, 200, `B child ${n + 1} before its recheck: ${res.status}`);
        }
      }
      await sleep(100);
    }
    ctx.log(`B's children refused the cookie ${refusedAt.join(' / ')} ms after the logout on A (bound ${bound} ms)`);
    for (const [n, t] of refusedAt.entries()) {
      assert.ok(t !== null, `B child ${n + 1} still served the session ${bound} ms after the logout on A (CognitoSessionRecheck ${B_RECHECK_S})`);
    }
    for (let i = 0; i < 3; i++) {
      for (const [n, conn] of bConns.entries()) await expectRefused(conn, B, cookie, idp, `B child ${n + 1} after the bound (${i + 1})`);
      for (const [n, conn] of aConns.entries()) await expectRefused(conn, A, cookie, idp, `A child ${n + 1} after the bound (${i + 1})`);
    }
    // the refused requests are anonymous: they wrote nothing to the store
    assert.equal((await slotKeys(store)).join('\n'), keysAfterLogout, 'requests with the logged-out cookie wrote to Redis');
    assertNoCrash(A, 'A: ');
    assertNoCrash(B, 'B: ');
  }));
});

describe('one server, shmcb (no eviction possible from outside): logout through one child', () => {
  it('the other child, holding a copy, refuses the cookie at its very next request', async () => {
    const idp = await startIdp();
    let h;
    let conns = [];
    try {
      await withLogs(() => [h, idpLogSource(idp)], async () => {
        h = await startHttpd({ body: loginBody({ idp, suffix: STATUS_LOCATION }), files: loginFiles() });
        conns = await pinChildren(h, { children: 2 });
        const { sessionCookie: cookie } = await login(new PinnedAgent(h, conns[0]), h, idp, ENV, { username: 'alice' });
        await warm(h, conns, cookie, 'shmcb');
        const out = await withCookie(conns[0], h, cookie, NAV_HEADERS, LOGOUT);
        assert.equal(out.status, 302, `logout answered ${out.status}`);
        await expectRefused(conns[1], h, cookie, idp, 'child 2 right after the logout through child 1');
        await expectRefused(conns[0], h, cookie, idp, 'child 1 after its logout');
        assertNoCrash(h);
      })();
    } finally {
      for (const c of conns) c.close();
      await h?.stop();
      await idp.close();
    }
  });
});
