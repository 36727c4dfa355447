// Shared session store: two Apache servers (A and B) sharing one session store (Redis, memcached). A session
// made on A works on B with the same identity; a logout on A ends it on B (at once with CognitoSessionRecheck
// 0); sessions survive a graceful restart and a full stop/start of A.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALICE_SUB, Agent, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, isLoginRedirect, login, send,
} from './lib/login.mjs';
import { scaleout, scaleoutHttpdOpts, secretLine } from './lib/stores.mjs';

const ENV = '/protected/cgi-bin/env.cgi';

/** A request carrying exactly this session cookie (cookies are not port-bound: the same header goes to A and B). */
const withCookie = (h, cookie, headers = NAV_HEADERS, p = ENV) =>
  send(h.url + p, { headers: { ...headers, Cookie: `${SESSION_COOKIE}=${cookie}` } });

/** 200 from the env CGI as alice. */
async function expectAlice(h, cookie, what) {
  const res = await withCookie(h, cookie);
  assert.equal(res.status, 200, `${what}: ${h.url} answered ${res.status}: ${res.text.slice(0, 300)}`);
  assert.ok(res.json, `${what}: CGI output is not JSON: ${res.text.slice(0, 200)}`);
  assert.equal(res.json.REMOTE_USER, 'alice', `${what}: REMOTE_USER`);
  assert.equal(res.json.AUTH_TYPE, 'Cognito', `${what}: AUTH_TYPE`);
  assert.equal(res.json.COGNITO_SUB, ALICE_SUB, `${what}: COGNITO_SUB`);
  assert.equal(res.json.COGNITO_GROUPS, 'admin,staff', `${what}: COGNITO_GROUPS`);
  const x = await withCookie(h, cookie, XHR_HEADERS);
  assert.equal(x.status, 200, `${what} (XHR): ${h.url} answered ${x.status}: ${x.text.slice(0, 300)}`);
  assert.equal(x.json?.REMOTE_USER, 'alice', `${what} (XHR): REMOTE_USER`);
  return res.json;
}

/** The cookie no longer opens a session: navigation → 302 to the login page, XHR → 401. */
async function expectRefused(h, cookie, idp, what) {
  const nav = await withCookie(h, cookie);
  assert.ok(isLoginRedirect(nav, idp),
    `${what}: navigation should be sent to login, got ${nav.status} ${nav.headers.location || ''}: ${nav.text.slice(0, 200)}`);
  const x = await withCookie(h, cookie, XHR_HEADERS);
  assert.equal(x.status, 401, `${what}: XHR should get 401, got ${x.status}: ${x.text.slice(0, 200)}`);
  assert.equal(x.headers.location, undefined, `${what}: XHR must not be redirected`);
}

for (const kind of ['redis', 'memcached']) {
  describe(`two servers sharing ${kind}`, () => {
    it(`a session from A works on B with the same identity; logout on A ends it on B (${kind})`, scaleout(async (ctx) => {
      const idp = await ctx.idp();
      const store = await ctx.store(kind);
      // CognitoSessionRecheck 0: B reads the store on every request, so A's logout shows there at once
      // (with the default, B's children may answer from their copy for up to 5 s: session-local.test.mjs)
      const A = await ctx.httpd(scaleoutHttpdOpts({ idp, store, directives: `${secretLine()}\nCognitoSessionRecheck 0` }));
      const B = await ctx.httpd(scaleoutHttpdOpts({ idp, store, directives: `${secretLine()}\nCognitoSessionRecheck 0` }));
      assert.notEqual(A.port, B.port);

      const agent = new Agent();
      const { sessionCookie: cookie, location } = await login(agent, A, idp, ENV, { username: 'alice' });
      assert.equal(location, `${A.url}${ENV}`);

      const onA = await expectAlice(A, cookie, 'A after login');
      const onB = await expectAlice(B, cookie, 'B with the cookie from A');
      assert.equal(onB.COGNITO_EMAIL, onA.COGNITO_EMAIL);
      assert.equal(onB.COGNITO_EXPIRES, onA.COGNITO_EXPIRES, 'the same stored session (same access token expiry)');
      // several round trips back and forth
      for (let i = 0; i < 3; i++) {
        await expectAlice(B, cookie, `B round ${i}`);
        await expectAlice(A, cookie, `A round ${i}`);
      }
      // B was never asked to log in and never created a session
      assert.doesNotMatch(B.accessLog(), /\/protected\/callback/, 'B served no callback');

      // logout on A
      const out = await withCookie(A, cookie, NAV_HEADERS, '/protected/logout');
      assert.equal(out.status, 302, `logout answered ${out.status}: ${out.text.slice(0, 200)}`);
      assert.ok(String(out.headers.location).startsWith(`${idp.url}/logout?`), `logout Location: ${out.headers.location}`);

      await expectRefused(B, cookie, idp, 'B after logout on A');
      await expectRefused(A, cookie, idp, 'A after logout on A');
    }));

    it(`the session survives a graceful restart and a full stop/start of A (${kind})`, scaleout(async (ctx) => {
      const idp = await ctx.idp();
      const store = await ctx.store(kind);
      let A = await ctx.httpd(scaleoutHttpdOpts({ idp, store, directives: secretLine() }));
      const B = await ctx.httpd(scaleoutHttpdOpts({ idp, store, directives: secretLine() }));

      const { sessionCookie: cookie } = await login(new Agent(), A, idp, ENV, { username: 'alice' });
      await expectAlice(A, cookie, 'A after login');
      await expectAlice(B, cookie, 'B after login');

      await A.graceful();
      await expectAlice(A, cookie, 'A after graceful restart');
      await expectAlice(B, cookie, 'B after graceful restart of A');

      const oldPid = A.pid;
      A = await ctx.restartHttpd(A);
      assert.notEqual(A.pid, oldPid, 'a new Apache process');
      await expectAlice(A, cookie, 'A after stop/start');
      await expectAlice(B, cookie, 'B after stop/start of A');

      // and a new login on the restarted A is seen by B as well
      const second = await login(new Agent(), A, idp, ENV, { username: 'alice' });
      await expectAlice(B, second.sessionCookie, 'B with a session made on the restarted A');
    }));
  });
}
