// Shared store — the idle timer must never undo a token refresh (issue 14).
//
// Behaviour guarded: with CognitoSessionIdleTimeout set, requests regularly write the session's last-seen
// time (at most once per max(1, min(300, idle/8)) s). That write is a record of its own and never rewrites the
// session record, so it cannot put back the tokens a concurrent refresh (on another process or server) just
// replaced. Refresh stays single-flight across servers sharing the store.
//
// Threat / failure modelled: Cognito rotates refresh tokens with no grace period, so a refresh token that was
// used once is dead. If a touch read the session (old tokens), a refresh elsewhere stored the new tokens, and
// the touch then wrote its copy back, the store would hold the dead refresh token again: the next refresh is
// refused (invalid_grant) and the user is thrown out mid-work — on a busy page (many parallel XHR calls) this
// happens at an access-token expiry. Expected: 20 parallel XHR requests (10 to each of two servers sharing one
// Redis / memcached store) around each of 10 token expiries, with steady traffic forcing a touch every second
// in between: every answer is 200 for alice, the emulator saw no refused refresh grant, the module counted no
// refused or failed refresh, and nothing in the error_log says the session was refused or ended.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simultaneous } from './lib/rawhttp.mjs';
import { Agent, SESSION_COOKIE, XHR_HEADERS, login, logSlice, send, sleep } from './lib/login.mjs';
import { STATUS_LOCATION, readStatus } from './lib/ops.mjs';
import { scaleout, scaleoutHttpdOpts, secretLine } from './lib/stores.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const TOKEN_SECONDS = 4; // access and ID token lifetime; the module refreshes when a quarter of it (at least 1 s) remains
const IDLE_SECONDS = 8; // CognitoSessionIdleTimeout: touch interval max(1, min(300, 8 / 8)) = 1 s
const EXPIRIES = 10; // token lifetimes the traffic spans, one burst around each
const BURST = 20; // parallel XHR requests per burst, half to each server
const STEADY_MS = 250; // gap between the single requests that keep the idle timer busy

const xhr = (h, cookie) => send(h.url + ENV, { headers: { ...XHR_HEADERS, Cookie: `${SESSION_COOKIE}=${cookie}` }, timeoutMs: 20000 });

for (const kind of ['redis', 'memcached']) {
  describe(`idle-timer touches racing token refreshes through two servers (${kind}, rotation, grace 0 s)`, () => {
    it(`${BURST} parallel XHR requests around each of ${EXPIRIES} token expiries, touches every second: all 200, no refused refresh (${kind})`, scaleout(async (ctx) => {
      const idp = await ctx.idp();
      await idp.call('POST', '/_test/clients', { clientId: 'testclient1', refreshTokenRotation: true, rotationGracePeriodSeconds: 0 });
      await idp.call('POST', '/_test/lifetimes', { accessTokenSeconds: TOKEN_SECONDS, idTokenSeconds: TOKEN_SECONDS });
      const store = await ctx.store(kind);
      const opts = scaleoutHttpdOpts({
        idp, store, directives: `${secretLine()}\nCognitoSessionIdleTimeout ${IDLE_SECONDS}\n${STATUS_LOCATION}`,
      });
      const A = await ctx.httpd(opts);
      const B = await ctx.httpd(opts);
      const servers = { A, B };

      const { sessionCookie: cookie } = await login(new Agent(), A, idp, ENV, { username: 'alice' });
      await idp.call('POST', '/_test/events/reset', {});

      const started = Date.now();
      const failures = [];
      const expiresSeen = new Set();
      let requests = 0;
      let firstFailureLogs = '';
      /** whether an answer is 200 for alice; records failures. → the access token expiry (s), or null */
      const judge = (what, res, slice) => {
        requests++;
        if (res.status === 200 && res.json?.REMOTE_USER === 'alice') {
          expiresSeen.add(res.json.COGNITO_EXPIRES);
          return Number(res.json.COGNITO_EXPIRES);
        }
        failures.push(`t+${Date.now() - started} ms ${what}: ${res.status} ${res.headers['www-authenticate'] || res.headers.location || ''} ` +
          `${res.text.slice(0, 100).replace(/\s+/g, ' ')}`);
        if (!firstFailureLogs) firstFailureLogs = slice;
        return null;
      };
      const one = async (name) => {
        const [res, slice] = await logSlice(servers[name], () => xhr(servers[name], cookie));
        return judge(`${name} single`, res, `${name} error_log:\n${slice}`);
      };
      /** BURST requests, half to A and half to B, written to the wire in the same tick */
      const burst = async (cycle) => {
        const plan = Array.from({ length: BURST }, (_, i) => (i % 2 ? 'B' : 'A'));
        const [[results, sliceB], sliceA] = await logSlice(A, () => logSlice(B, () => simultaneous(plan.map((name) => ({
          h: servers[name], headers: { ...XHR_HEADERS, Cookie: `${SESSION_COOKIE}=${cookie}` },
        })), ENV)));
        return results.map((res, i) => judge(`cycle ${cycle} burst → ${plan[i]}`, res, `A error_log:\n${sliceA}\nB error_log:\n${sliceB}`));
      };

      // Each cycle: single requests alternating between A and B every STEADY_MS (each second one of them writes the
      // last-seen time) until shortly before the refresh window (the last quarter of the token's life, at least
      // 1 s), then the burst. Even cycles burst just inside the window: one request refreshes while the other 19
      // use the still-valid token and touch the session. Odd cycles leave the window quiet and burst just after the
      // expiry: every request needs the new tokens, one refreshes, the others wait for it, all touch.
      const marginMs = Math.max(1000, TOKEN_SECONDS * 250);
      let exp = await one('A');
      let step = 0;
      for (let cycle = 0; cycle < EXPIRIES && exp != null; cycle++) {
        const windowStart = exp * 1000 - marginMs;
        const target = cycle % 2 === 0 ? windowStart + 100 : exp * 1000 + 300;
        while (Date.now() < windowStart - 300) {
          await one(step++ % 2 ? 'B' : 'A');
          await sleep(Math.min(STEADY_MS, Math.max(0, windowStart - 300 - Date.now())));
        }
        await sleep(Math.max(0, target - Date.now()));
        const got = (await burst(cycle)).filter((e) => e != null);
        exp = got.length ? Math.max(...got) : null;
        await one(step++ % 2 ? 'B' : 'A');
      }
      const elapsedMs = Date.now() - started;

      const events = await idp.call('GET', '/_test/events?type=token');
      const refreshes = events.filter((e) => e.grant === 'refresh_token');
      const refused = refreshes.filter((e) => e.outcome !== 'ok');
      const ok = refreshes.filter((e) => e.outcome === 'ok');
      const metrics = {};
      for (const [name, h] of Object.entries(servers)) metrics[name] = (await readStatus(h.url)).prom.cognito_refreshes_total;
      ctx.log(`${requests} requests in ${elapsedMs} ms, ${failures.length} failed; ${ok.length} refreshes ok, ${refused.length} refused ` +
        `at the emulator; module counters A ${JSON.stringify(metrics.A)} B ${JSON.stringify(metrics.B)}; ` +
        `${expiresSeen.size} distinct access-token expiries seen`);

      const refusedText = refused.map((e) => JSON.stringify(e)).join('\n');
      if (failures.length) {
        const shown = failures.length > 15 ? [...failures.slice(0, 15), `… ${failures.length - 15} more`] : failures;
        assert.fail(`every request should get 200 as alice; ${failures.length} of ${requests} did not:\n${shown.join('\n')}\n` +
          `refused refreshes at the emulator:\n${refusedText || '(none)'}\n` +
          `log lines written while the first failed request ran:\n${firstFailureLogs}`);
      }
      assert.equal(refused.length, 0, `Cognito refused ${refused.length} refresh grant(s):\n${refusedText}`);
      assert.ok(ok.length >= EXPIRIES, `expected at least ${EXPIRIES} refreshes over ${EXPIRIES} token lifetimes, saw ${ok.length}`);
      assert.ok(expiresSeen.size >= EXPIRIES, `the session should have carried at least ${EXPIRIES} access tokens, saw ${expiresSeen.size}`);
      // The session outlived its idle timeout several times over: the touches happened (else 401 session_idle).
      assert.ok(elapsedMs > 3 * IDLE_SECONDS * 1000, `the traffic should span more than ${3 * IDLE_SECONDS} s, it took ${elapsedMs} ms`);
      for (const [name, m] of Object.entries(metrics)) {
        assert.equal(m.refused, 0, `${name}: cognito_refreshes_total{result="refused"} = ${m.refused}`);
        assert.equal(m.failed, 0, `${name}: cognito_refreshes_total{result="failed"} = ${m.failed}`);
      }
      assert.equal(metrics.A.ok + metrics.B.ok, ok.length,
        `the module's successful refreshes (A ${metrics.A.ok} + B ${metrics.B.ok}) should be the grants Cognito answered (${ok.length})`);
      for (const h of [A, B]) {
        assert.doesNotMatch(h.errorLog(), /refresh_refused|refresh_failed|session_invalid|session_idle|exit signal/,
          `${h.url} error_log`);
      }
    }));
  });
}
