// Token refresh through a shared store: one session used through two Apache servers (A and B, one shared
// store) across several access token expiries, with refresh-token rotation (grace period 0 s and 10 s).
// Requests alternate between A and B, with concurrent bursts to both at once; the user must stay signed in
// (every answer 200) and Cognito must never see a refused refresh (a refresh with a token another server
// already rotated out).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simultaneous } from './lib/rawhttp.mjs';
import { Agent, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, login, logSlice, send, sleep } from './lib/login.mjs';
import { scaleout, scaleoutHttpdOpts, secretLine } from './lib/stores.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const TOKEN_SECONDS = 4; // access and ID token lifetime; the module refreshes when a quarter of it remains
const EXPIRIES = 6; // how many token lifetimes the traffic spans (cycles: half burst in the refresh window, half after expiry)

const withCookie = (h, cookie, headers = NAV_HEADERS) =>
  send(h.url + ENV, { headers: { ...headers, Cookie: `${SESSION_COOKIE}=${cookie}` }, timeoutMs: 20000 });

for (const kind of ['redis', 'memcached']) {
  for (const grace of [0, 10]) {
    describe(`refresh-token rotation through two servers (${kind}, grace ${grace} s)`, () => {
      it(`alternating and concurrent requests to A and B across ${EXPIRIES} token expiries all get 200; no refresh refused (${kind}, grace ${grace} s)`, scaleout(async (ctx) => {
        const idp = await ctx.idp();
        await idp.call('POST', '/_test/clients', {
          clientId: 'testclient1', refreshTokenRotation: true, rotationGracePeriodSeconds: grace,
        });
        await idp.call('POST', '/_test/lifetimes', { accessTokenSeconds: TOKEN_SECONDS, idTokenSeconds: TOKEN_SECONDS });
        const store = await ctx.store(kind);
        const A = await ctx.httpd(scaleoutHttpdOpts({ idp, store, directives: secretLine() }));
        const B = await ctx.httpd(scaleoutHttpdOpts({ idp, store, directives: secretLine() }));
        const servers = { A, B };

        const { sessionCookie: cookie } = await login(new Agent(), A, idp, ENV, { username: 'alice' });
        await idp.call('POST', '/_test/events/reset', {});

        const started = Date.now();
        const failures = [];
        const expiresSeen = new Set();
        let requests = 0;
        let firstFailureLogs = '';
        /** whether an answer is 200 for alice; records failures. → the access token expiry (s), or null */
        const judge = (name, how, res, slice) => {
          requests++;
          if (res.status === 200 && res.json?.REMOTE_USER === 'alice') {
            expiresSeen.add(res.json.COGNITO_EXPIRES);
            return Number(res.json.COGNITO_EXPIRES);
          }
          const what = res.status === 302 && String(res.headers.location || '').startsWith(`${idp.url}/oauth2/authorize?`)
            ? '302 to the login page' : `${res.status} ${res.headers.location || ''} ${res.text.slice(0, 80).replace(/\s+/g, ' ')}`;
          failures.push(`t+${Date.now() - started} ms ${name} ${how}: ${what}`);
          if (!firstFailureLogs) firstFailureLogs = slice;
          return null;
        };
        const one = async (name, how) => {
          const [res, slice] = await logSlice(servers[name], () =>
            withCookie(servers[name], cookie, how === 'xhr' ? XHR_HEADERS : NAV_HEADERS));
          return judge(name, how, res, `${name} error_log:\n${slice}`);
        };
        /** 6 requests to each server at once (navigation and XHR mixed), written to the wire in the same tick */
        const burst = async () => {
          const plan = Array.from({ length: 12 }, (_, i) => ({ name: i % 2 ? 'B' : 'A', how: i % 4 < 2 ? 'nav' : 'xhr' }));
          const [[results, sliceB], sliceA] = await logSlice(A, () => logSlice(B, () => simultaneous(plan.map(({ name, how }) => ({
            h: servers[name],
            headers: { ...(how === 'nav' ? NAV_HEADERS : XHR_HEADERS), Cookie: `${SESSION_COOKIE}=${cookie}` },
          })), ENV)));
          return results.map((res, i) => judge(plan[i].name, `burst ${plan[i].how}`, res,
            `A error_log:\n${sliceA}\nB error_log:\n${sliceB}`));
        };

        // Each cycle: requests alternating between A and B until shortly before the refresh window (the last
        // quarter of the token's life, at least 1 s), then a burst to both at once. Even cycles burst just inside
        // the window, so both servers want to refresh at the same moment; odd cycles leave the window quiet and
        // burst just after the expiry, so every request of the burst needs the new tokens.
        const marginMs = Math.max(1000, TOKEN_SECONDS * 250);
        let exp = await one('A', 'nav');
        let step = 0;
        for (let cycle = 0; cycle < EXPIRIES && exp != null; cycle++) {
          const windowStart = exp * 1000 - marginMs;
          const target = cycle % 2 === 0 ? windowStart + 100 : exp * 1000 + 300;
          while (Date.now() < windowStart - 300) {
            await one(step++ % 2 ? 'B' : 'A', 'nav');
            await sleep(Math.min(250, Math.max(0, windowStart - 300 - Date.now())));
          }
          await sleep(Math.max(0, target - Date.now()));
          const got = (await burst()).filter((e) => e != null);
          exp = got.length ? Math.max(...got) : null;
          await one(step++ % 2 ? 'B' : 'A', 'nav');
        }

        const events = await idp.call('GET', '/_test/events?type=token');
        const refreshes = events.filter((e) => e.grant === 'refresh_token');
        const refused = refreshes.filter((e) => e.outcome !== 'ok');
        const ok = refreshes.filter((e) => e.outcome === 'ok');
        ctx.log(`${requests} requests in ${Date.now() - started} ms, ${failures.length} failed; ` +
          `${ok.length} refreshes ok, ${refused.length} refused; ${expiresSeen.size} distinct access-token expiries seen`);

        const refusedText = refused.map((e) => JSON.stringify(e)).join('\n');
        if (failures.length) {
          const shown = failures.length > 15 ? [...failures.slice(0, 15), `… ${failures.length - 15} more`] : failures;
          assert.fail(`every request should get 200 as alice; ${failures.length} of ${requests} did not:\n${shown.join('\n')}\n` +
            `refused refreshes at the emulator:\n${refusedText || '(none)'}\n` +
            `log lines written while the first failed request ran:\n${firstFailureLogs}`);
        }
        assert.equal(refused.length, 0, `Cognito refused ${refused.length} refresh(es):\n${refusedText}`);
        assert.ok(ok.length >= EXPIRIES, `expected at least ${EXPIRIES} refreshes over ${EXPIRIES} token lifetimes, saw ${ok.length}`);
        assert.ok(expiresSeen.size >= EXPIRIES, `the session should have carried at least ${EXPIRIES} access tokens, saw ${expiresSeen.size}`);
        for (const h of [A, B]) assert.doesNotMatch(h.errorLog(), /refresh_refused|exit signal/, `${h.url} error_log`);
      }));
    });
  }
}
