// Browser-login sessions and token refresh: a session outlives its access token; a burst of requests at
// the expiry moment refreshes once; a global sign-out ends the session at the next refresh, and
// CognitoRevalidateInterval bounds how long that takes. Each scenario has its own emulator and httpd and
// they run concurrently (the slowest waits ~70 s).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import { Agent, isLoginRedirect, login, sleep, startLoginRig, waitForLog } from './lib/login.mjs';
import { pool } from './lib/cognito.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const rigs = [];
after(async () => {
  await Promise.all(rigs.map((r) => r.stop()));
});

/** A rig whose emulator issues access/ID tokens with the given lifetime (set before any login). */
async function rigWith({ tokenSeconds, directives = '' }) {
  const rig = await startLoginRig({
    directives,
    beforeStart: (idp) => idp.call('POST', '/_test/lifetimes', { accessTokenSeconds: tokenSeconds, idTokenSeconds: tokenSeconds }),
  });
  rigs.push(rig);
  return rig;
}

const refreshCount = async (idp) => (await idp.counters())['token:refresh_token'];

describe('refresh', { concurrency: true }, () => {
  it('the session outlives its 60 s access token (request at 70 s → 200)', async () => {
    const rig = await rigWith({ tokenSeconds: 60 });
    await withLogs(() => rig.sources(), async () => {
      const agent = new Agent();
      const t0 = Date.now();
      await login(agent, rig.h, rig.idp, ENV);
      const first = await agent.xhr(rig.h.url + ENV);
      assert.equal(first.status, 200);
      const exp0 = Number(first.json.COGNITO_EXPIRES);
      assert.ok(exp0 - Date.now() / 1000 <= 61, `the emulator issued a 60 s token (exp ${exp0})`);
      await sleep(t0 + 70000 - Date.now());
      const nav = await agent.nav(rig.h.url + ENV);
      assert.equal(nav.status, 200, `at 70 s: ${nav.status} ${nav.headers.location || ''} ${nav.text.slice(0, 200)}`);
      assert.equal(nav.json.REMOTE_USER, 'alice');
      assert.ok(Number(nav.json.COGNITO_EXPIRES) > exp0, 'the session now carries a newer access token');
      assert.ok((await refreshCount(rig.idp)) >= 1, 'the module used the refresh token');
    })();
  });

  it('20 parallel requests at the expiry moment: all 200, exactly one refresh', async () => {
    const rig = await rigWith({ tokenSeconds: 60 });
    await withLogs(() => rig.sources(), async () => {
      const agent = new Agent();
      await login(agent, rig.h, rig.idp, ENV, { username: 'bob' });
      const first = await agent.xhr(rig.h.url + ENV);
      assert.equal(first.status, 200);
      const exp = Number(first.json.COGNITO_EXPIRES);
      const before = await refreshCount(rig.idp);
      assert.equal(before, 0, 'no refresh before the burst');
      await sleep(exp * 1000 + 100 - Date.now());
      const cookie = agent.jar.header(rig.h.url + ENV);
      const results = await pool(20, 20, (i) => (i % 2 ? agent.xhr(rig.h.url + ENV, { headers: { Cookie: cookie } })
        : agent.nav(rig.h.url + ENV, { headers: { Cookie: cookie } })));
      const statuses = results.map((r) => r.status);
      assert.deepEqual(statuses, new Array(20).fill(200), `statuses at the expiry moment: ${statuses}`);
      for (const r of results) assert.equal(r.json.REMOTE_USER, 'bob');
      assert.equal((await refreshCount(rig.idp)) - before, 1, 'token:refresh_token rose by exactly 1');
    })();
  });

  it('global sign-out: the next refresh is refused and the session ends (XHR 401, navigation → login)', async () => {
    const rig = await rigWith({ tokenSeconds: 60 });
    await withLogs(() => rig.sources(), async () => {
      const agent = new Agent();
      const t0 = Date.now();
      await login(agent, rig.h, rig.idp, ENV, { username: 'carol' });
      assert.equal((await agent.xhr(rig.h.url + ENV)).status, 200);
      await rig.idp.call('POST', '/_test/global-signout', { username: 'carol' });
      assert.equal((await agent.xhr(rig.h.url + ENV)).status, 200, 'the token is still valid right after the sign-out');
      // a 60 s token is refreshed ahead of its expiry; by 58 s it is due
      await sleep(t0 + 58000 - Date.now());
      const xhr = await agent.xhr(rig.h.url + ENV);
      assert.equal(xhr.status, 401, `XHR after the refused refresh: ${xhr.status} ${xhr.text.slice(0, 200)}`);
      const nav = await agent.nav(rig.h.url + ENV);
      assert.ok(isLoginRedirect(nav, rig.idp), `navigation: ${nav.status} ${nav.headers.location || ''}`);
      assert.ok(await waitForLog(rig.h, /refresh_refused/), 'the log shows refresh_refused');
      const ev = await rig.idp.call('GET', '/_test/events?type=token');
      assert.ok(ev.some((e) => e.grant === 'refresh_token' && e.outcome === 'invalid_grant'), 'Cognito refused a refresh');
    })();
  });

  it('CognitoRevalidateInterval 30: a global sign-out ends the session within ~30 s though the token lives 3600 s', async () => {
    const rig = await rigWith({ tokenSeconds: 3600, directives: 'CognitoRevalidateInterval 30' });
    await withLogs(() => rig.sources(), async () => {
      const agent = new Agent();
      const t0 = Date.now();
      await login(agent, rig.h, rig.idp, ENV, { username: 'dave' });
      assert.equal((await agent.xhr(rig.h.url + ENV)).status, 200);
      await rig.idp.call('POST', '/_test/global-signout', { username: 'dave' });
      let endedAt = null;
      let last;
      while (Date.now() - t0 < 45000) {
        last = await agent.xhr(rig.h.url + ENV);
        if (last.status !== 200) { endedAt = Date.now(); break; }
        await sleep(1000);
      }
      assert.ok(endedAt, 'the session still works 45 s after a global sign-out');
      assert.equal(last.status, 401, `after revalidation: ${last.status} ${last.text.slice(0, 200)}`);
      const endedAfter = (endedAt - t0) / 1000;
      assert.ok(endedAfter <= 35, `the session ended ${endedAfter.toFixed(1)} s after login (revalidate interval 30 s)`);
      const nav = await agent.nav(rig.h.url + ENV);
      assert.ok(isLoginRedirect(nav, rig.idp), `navigation: ${nav.status} ${nav.headers.location || ''}`);
      assert.ok(await waitForLog(rig.h, /refresh_refused/), 'the log shows refresh_refused');
    })();
  });
});
