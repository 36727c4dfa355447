// The opened-session table (session_memo.c): each Apache child keeps the sessions it opened and answers
// repeat requests from its own copy, but never serves a session this server has ended, and with a store
// shared by several servers reads the record again after CognitoSessionRecheck seconds.
//   - one server (shmcb), two children: repeat requests are local hits; a logout through one child ends
//     the session in the other child at its very next request; so does an idle-timeout end;
//   - two servers sharing Redis, CognitoSessionRecheck 2: B answers from its copy, a logout on A reaches
//     A at once and B within 2 s (+ slack); with CognitoSessionRecheck 0, B sees it at the next request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import {
  Agent, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, idpLogSource, isLoginRedirect, login, loginBody, loginFiles, send, sleep,
} from './lib/login.mjs';
import { PinnedAgent, STATUS_LOCATION, pinChildren, readStatus } from './lib/ops.mjs';
import { scaleout, scaleoutHttpdOpts, secretLine } from './lib/stores.mjs';

const ENV = '/protected/cgi-bin/env.cgi';

/** The child's view of the counters (they are shared: any child shows the server's totals). */
async function localHits(h, via) {
  const { json } = await readStatus(h.url, via ? { via } : {});
  return { local: json.cognito_session_local_hits_total, hit: json.cognito_session_lookups_total.hit };
}

const withCookie = (conn, h, cookie, headers = NAV_HEADERS, p = ENV) => {
  const opts = { headers: { ...headers, Cookie: `${SESSION_COOKIE}=${cookie}` } };
  return conn ? conn.request(h.url + p, opts) : send(h.url + p, opts);
};

async function expectAlice(conn, h, cookie, what) {
  const res = await withCookie(conn, h, cookie);
  assert.equal(res.status, 200, `${what}: ${res.status}: ${res.text.slice(0, 200)}`);
  assert.equal(res.json?.REMOTE_USER, 'alice', `${what}: REMOTE_USER`);
  assert.equal(res.json?.COGNITO_GROUPS, 'admin,staff', `${what}: COGNITO_GROUPS`);
}

async function expectRefused(conn, h, cookie, idp, what) {
  const nav = await withCookie(conn, h, cookie);
  assert.ok(isLoginRedirect(nav, idp), `${what}: navigation → login expected, got ${nav.status}: ${nav.text.slice(0, 200)}`);
  const x = await withCookie(conn, h, cookie, XHR_HEADERS);
  assert.equal(x.status, 401, `${what}: XHR → 401 expected, got ${x.status}`);
}

describe('one server (shmcb), two children: local copies never outlive a change', () => {
  let idp, h, conns = [];
  const sources = () => [h, idp && idpLogSource(idp)].filter(Boolean);
  const start = async (directives = '') => {
    await h?.stop();
    h = await startHttpd({ body: loginBody({ idp, directives, suffix: STATUS_LOCATION }), files: loginFiles() });
    for (const c of conns) c.close();
    conns = await pinChildren(h, { children: 2 });
  };
  before(async () => { idp = await startIdp(); });
  after(async () => {
    for (const c of conns) c.close();
    await h?.stop();
    await idp?.close();
  });

  it('repeat requests in both children are local hits; a logout through child A ends the session in child B at once', withLogs(sources, async () => {
    await start();
    const [A, B] = conns;
    const agent = new PinnedAgent(h, A);
    const { sessionCookie: cookie } = await login(agent, h, idp, ENV, { username: 'alice' });
    const before = await localHits(h, A);
    for (let i = 0; i < 5; i++) {
      await expectAlice(A, h, cookie, `child A, request ${i}`);
      await expectAlice(B, h, cookie, `child B, request ${i}`);
    }
    const afterRepeats = await localHits(h, A);
    assert.equal(afterRepeats.hit - before.hit, 10, 'ten session lookups');
    // each child reads the store once, then answers from its copy
    assert.ok(afterRepeats.local - before.local >= 8, `local hits: ${JSON.stringify({ before, afterRepeats })}`);

    const out = await withCookie(A, h, cookie, NAV_HEADERS, '/protected/logout');
    assert.equal(out.status, 302, `logout: ${out.status}`);
    await expectRefused(B, h, cookie, idp, 'child B right after the logout through child A');
    await expectRefused(A, h, cookie, idp, 'child A after the logout');
  }));

  it('CognitoSessionIdleTimeout 2: a copy held by a child does not keep an idle session alive', withLogs(sources, async () => {
    await start('CognitoSessionIdleTimeout 2');
    const [A, B] = conns;
    const agent = new PinnedAgent(h, A);
    const { sessionCookie: cookie } = await login(agent, h, idp, ENV, { username: 'alice' });
    await expectAlice(A, h, cookie, 'child A');
    await expectAlice(B, h, cookie, 'child B');
    await sleep(3500);
    await expectRefused(B, h, cookie, idp, 'child B after 3.5 s idle');
    await expectRefused(A, h, cookie, idp, 'child A after 3.5 s idle');
  }));

  it('CognitoSessionLocalEntries 0: no local copies, every lookup reads the store', withLogs(sources, async () => {
    await start('CognitoSessionLocalEntries 0');
    const [A, B] = conns;
    const agent = new PinnedAgent(h, A);
    const { sessionCookie: cookie } = await login(agent, h, idp, ENV, { username: 'alice' });
    const before = await localHits(h, A);
    for (let i = 0; i < 3; i++) {
      await expectAlice(A, h, cookie, `child A, request ${i}`);
      await expectAlice(B, h, cookie, `child B, request ${i}`);
    }
    const now = await localHits(h, A);
    assert.equal(now.hit - before.hit, 6, 'six session lookups');
    assert.equal(now.local, 0, 'no local hits');
  }));
});

for (const [recheck, boundMs] of [[2, 2000 + 1500], [0, 0]]) {
  describe(`two servers sharing Redis, CognitoSessionRecheck ${recheck}`, () => {
    it(`a logout on A ends the session on A at once and on B ${recheck ? `within ${recheck} s` : 'at the next request'}`, scaleout(async (ctx) => {
      const idp = await ctx.idp();
      const store = await ctx.store('redis');
      const opts = scaleoutHttpdOpts({ idp, store, directives: `${secretLine()}\nCognitoSessionRecheck ${recheck}\n${STATUS_LOCATION}` });
      const A = await ctx.httpd(opts);
      const B = await ctx.httpd(opts);
      const { sessionCookie: cookie } = await login(new Agent(), A, idp, ENV, { username: 'alice' });
      const [b1] = await pinChildren(B, { children: 1 });
      const before = await localHits(B, b1);
      for (let i = 0; i < 4; i++) await expectAlice(b1, B, cookie, `B, request ${i}`);
      const after4 = await localHits(B, b1);
      if (recheck > 0) assert.ok(after4.local - before.local >= 3, `B answered from its copy: ${JSON.stringify({ before, after4 })}`);
      else assert.equal(after4.local, 0, 'recheck 0: B never answers from a copy');

      const out = await withCookie(null, A, cookie, NAV_HEADERS, '/protected/logout');
      assert.equal(out.status, 302, `logout on A: ${out.status}`);
      const loggedOutAt = Date.now();
      await expectRefused(null, A, cookie, idp, 'A right after its logout');
      // B: refused by the bound, and from then on
      let refusedAfter = null;
      while (Date.now() - loggedOutAt <= boundMs + 200) {
        const res = await withCookie(b1, B, cookie, XHR_HEADERS);
        if (res.status === 401) { refusedAfter = Date.now() - loggedOutAt; break; }
        assert.equal(res.status, 200, `B before the recheck: ${res.status}`);
        await sleep(100);
      }
      ctx.log(`B refused the session ${refusedAfter} ms after the logout on A (bound ${boundMs} ms)`);
      assert.ok(refusedAfter !== null && refusedAfter <= boundMs + 200, `B still served the session ${boundMs} ms after the logout on A`);
      await expectRefused(b1, B, cookie, idp, 'B after the recheck');
    }));
  });
}
