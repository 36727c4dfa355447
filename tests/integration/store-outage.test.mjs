// Shared session store outage: the store (Redis; memcached too) goes away and comes back. Requests that need
// a session get a quick 503 page (session_store_unavailable), Apache's children stay up, Bearer requests are
// unaffected; once Redis is back on the same port, logins and sessions work again without restarting Apache.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Agent, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, isLoginRedirect, login, logSlice, send, sleep,
} from './lib/login.mjs';
import { scaleout, scaleoutHttpdOpts, secretLine } from './lib/stores.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const HTTP_TIMEOUT = 2; // CognitoHTTPTimeout
const BOUND_MS = (HTTP_TIMEOUT + 1) * 1000;

const withCookie = (h, cookie, headers = NAV_HEADERS) =>
  send(h.url + ENV, { headers: { ...headers, Cookie: `${SESSION_COOKIE}=${cookie}` }, timeoutMs: 20000 });

/** n requests at once, alternating navigation and XHR, so both Apache children get some. */
const burst = (h, cookie, n) =>
  Promise.all(Array.from({ length: n }, (_, i) => withCookie(h, cookie, i % 2 ? XHR_HEADERS : NAV_HEADERS)));

function assertAlice(res, what) {
  assert.equal(res.status, 200, `${what}: ${res.status}: ${res.text.slice(0, 300)}`);
  assert.equal(res.json?.REMOTE_USER, 'alice', `${what}: REMOTE_USER`);
}

/** What is wrong with an answer that should be the 503 store page ('' when nothing). */
function storePageProblem(res) {
  const p = [];
  if (res.status !== 503) p.push(`status ${res.status}${res.headers.location ? ` → ${res.headers.location.slice(0, 60)}` : ''}`);
  if (res.ms > BOUND_MS) p.push(`took ${res.ms} ms > ${BOUND_MS} ms`);
  if (!/text\/html/.test(String(res.headers['content-type'] || '')) || !/<html/i.test(res.text)) p.push('not an HTML page');
  if (res.status === 503 && res.headers.location !== undefined) p.push('redirects');
  return p.join(', ');
}

function assertStorePage(res, what) {
  const p = storePageProblem(res);
  assert.equal(p, '', `${what}: expected the 503 store page within ${BOUND_MS} ms: ${p}: ${res.text.slice(0, 300)}`);
}

/**
 * apr-util's Redis and memcached clients (under mod_socache_redis / mod_socache_memcache) retry a server
 * they marked dead at most once per 5 s, per Apache child: a store that comes back is seen again by every
 * child within that time. The first login redirect (the old session's data is gone) must come within it.
 */
// apr-util retries a failed server 5 s after its last failed attempt; plus scheduling slack.
// Both clients pool connections: each one left from before the restart fails once and marks
// the server dead again for 5 s, until those connections expire (MemcacheConnTTL /
// RedisConnPoolTTL, 15 s by default) — see the README's scale-out guide.
const RECOVERY_BOUNDS_MS = { redis: 22000, memcached: 22000 };

for (const kind of ['redis', 'memcached']) {
  const Name = kind === 'redis' ? 'Redis' : 'memcached';
  const RECOVERY_BOUND_MS = RECOVERY_BOUNDS_MS[kind];
  describe(`the shared session store (${Name}) goes away and comes back`, () => {
    it(`${Name} down: 503 within CognitoHTTPTimeout + 1 s, children stay up, Bearer 200; ${Name} back: logins and sessions work`, scaleout(async (ctx) => {
      const idp = await ctx.idp();
      const store = await ctx.store(kind);
      const h = await ctx.httpd(scaleoutHttpdOpts({
        idp, store, locationExtra: '    CognitoBearer on',
        // README: MemcacheConnTTL bounds how long connections pooled before a memcached restart linger.
        // CognitoSessionRecheck 0: every request reads the store, so the outage shows at once (with the
        // default, a session a child opened in the last 5 s keeps working that long; see the next suite).
        directives: `${secretLine()}\nCognitoHTTPTimeout ${HTTP_TIMEOUT}\nCognitoSessionRecheck 0\n`
          + (kind === 'memcached' ? 'MemcacheConnTTL 1' : 'RedisConnPoolTTL 1'),
      }));
      // Contract violations that do not stop the rest of the scenario are collected and asserted at the end,
      // so that one run shows the whole picture.
      const problems = [];

      // a session, used by both children (each holds its own connection to the store)
      const { sessionCookie: cookie } = await login(new Agent(), h, idp, ENV, { username: 'alice' });
      for (let i = 0; i < 5 && h.servingPids().length < 2; i++) {
        for (const r of await burst(h, cookie, 8)) assertAlice(r, 'before the outage');
      }
      const pidsBefore = h.pids().sort();
      const { token } = await idp.mint({ username: 'alice' });
      const bearer = await send(h.url + ENV, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
      assertAlice(bearer, 'Bearer before the outage');

      // ---- outage
      await store.stop();
      const [first, slice] = await logSlice(h, () => withCookie(h, cookie));
      assertStorePage(first, `first session request with ${Name} down`);
      assert.match(slice, /session_store_unavailable/, `error_log should name session_store_unavailable; new lines:\n${slice}`);
      ctx.log(`first session request with ${Name} down: ${first.status} in ${first.ms} ms`);

      // every further session request (navigation and XHR, both children, over a few seconds) gets the same
      const seen = [];
      const wrong = [];
      let wrongLog = '';
      const outageStart = Date.now();
      for (let round = 0; round < 4; round++) {
        const [results, roundLog] = await logSlice(h, () => burst(h, cookie, 6));
        results.forEach((r, i) => {
          const k = i % 2 ? 'XHR' : 'nav';
          seen.push(`${k}:${r.status}/${r.ms}ms`);
          const p = storePageProblem(r);
          if (p) wrong.push(`t+${Date.now() - outageStart} ms round ${round} ${k}: ${p}`);
        });
        if (wrong.length && !wrongLog) wrongLog = roundLog;
        await sleep(700);
      }
      ctx.log(`session requests during the outage (kind:status/time): ${seen.join(' ')}`);
      if (wrong.length) {
        problems.push(`session requests during the outage that did not get the 503 store page:\n  ${wrong.join('\n  ')}\n` +
          `error_log of the first such round:\n${wrongLog}`);
      }

      const b2 = await send(h.url + ENV, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
      assertAlice(b2, 'Bearer during the outage');
      const { token: fresh } = await idp.mint({ username: 'alice' }); // not in any verified-token cache
      assertAlice(await send(h.url + ENV, { headers: { Authorization: `Bearer ${fresh}` } }), 'a new Bearer token during the outage');

      assert.deepEqual(h.pids().sort(), pidsBefore, 'Apache children unchanged during the outage');
      assert.doesNotMatch(h.errorLog(), /exit signal/, 'no child crashed');

      // ---- the store back on the same port (empty: the old session is gone)
      await store.start();
      const backAt = Date.now();
      const trace = [];
      let old;
      for (;;) {
        old = await withCookie(h, cookie);
        const t = Date.now() - backAt;
        trace.push(`t+${t}:${old.status}`);
        if (old.status !== 503) break;
        assertStorePage(old, `old cookie, ${t} ms after ${Name} came back`);
        if (t > RECOVERY_BOUND_MS) break;
        await sleep(200);
      }
      ctx.log(`old cookie after ${Name} came back (ms:status): ${trace.join(' ')}`);
      assert.ok(isLoginRedirect(old, idp),
        `${Name} back for ${Date.now() - backAt} ms (bound ${RECOVERY_BOUND_MS} ms): the session lost with the store's data ` +
        `should send the navigation to login, got ${old.status} ${old.headers.location || ''}: ${old.text.slice(0, 200)}\n` +
        (problems.length ? `earlier problems:\n${problems.join('\n')}` : ''));
      // The other child may still be inside apr-util's 5 s dead-server window: a 503
      // store page is right there too, until the bound.
      let oldXhr;
      for (;;) {
        oldXhr = await withCookie(h, cookie, XHR_HEADERS);
        if (oldXhr.status !== 503 || Date.now() - backAt > RECOVERY_BOUND_MS) break;
        assertStorePage(oldXhr, `old cookie XHR, ${Date.now() - backAt} ms after ${Name} came back`);
        await sleep(200);
      }
      assert.equal(oldXhr.status, 401, `the lost session, XHR: ${oldXhr.status}`);

      // Each Apache child's apr-util client retries a dead server at most every 5 s, so a
      // login may still meet the 503 store page (never another error) inside the bound.
      let again;
      for (;;) {
        try {
          again = await login(new Agent(), h, idp, ENV, { username: 'alice' });
          break;
        } catch (e) {
          const t = Date.now() - backAt;
          if (!/\b503\b/.test(String(e.message)) || t > RECOVERY_BOUND_MS) throw e;
          ctx.log(`login ${t} ms after ${Name} came back met the 503 store page; retrying`);
          await sleep(200);
        }
      }
      ctx.log(`login after ${Name} came back: ok ${Date.now() - backAt} ms after the restart`);
      // Until every child is past its dead-server window, a child may still answer with
      // the 503 store page (and only that); within the bound, three clean rounds in a row.
      for (let clean = 0; clean < 3;) {
        const rs = await burst(h, again.sessionCookie, 8);
        const pending = rs.filter((r) => r.status === 503);
        if (pending.length && Date.now() - backAt <= RECOVERY_BOUND_MS) {
          for (const r of pending) assertStorePage(r, `burst ${Date.now() - backAt} ms after ${Name} came back`);
          clean = 0;
          await sleep(300);
          continue;
        }
        for (const r of rs) assertAlice(r, `after ${Name} came back, clean round ${clean}`);
        clean++;
      }
      assert.ok(h.servingPids().length >= 2, 'both children served requests');
      assert.deepEqual(h.pids().sort(), pidsBefore, 'Apache was not restarted and no child was replaced');
      assert.doesNotMatch(h.errorLog(), /exit signal/, 'no child crashed');

      if (problems.length) assert.fail(`contract violations:\n${problems.join('\n')}`);
    }));
  });
}
