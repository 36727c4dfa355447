// Browser login end to end (cookie agent): callback → session cookie → the original URL; several logins at
// once in one browser; abandoned logins; Bearer beside cookies; confidential clients; cookie settings.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import {
  ALICE_SUB, Agent, B64URL_43, SESSION_COOKIE, XHR_HEADERS, cookiesNamed, isExpiring, login, send, signInAtIdp,
  startLogin, startLoginRig,
} from './lib/login.mjs';

let rig;
const sources = () => rig?.sources() ?? [];

before(async () => {
  rig = await startLoginRig({});
});
after(async () => {
  await rig?.stop();
});

const ENV = '/protected/cgi-bin/env.cgi';

describe('a complete login', () => {
  it('callback → 302 to the original URL, session cookie, state cookie expired; the page sees alice', withLogs(sources, async () => {
    const agent = new Agent();
    const start = await startLogin(agent, rig.h, rig.idp, `${ENV}?x=1&y=%C3%A9`);
    const stateCookieName = `${SESSION_COOKIE}_state_${start.state.slice(0, 16)}`;
    const callbackUrl = await signInAtIdp(agent, start.authorizeUrl, { username: 'alice' });
    const cb = new URL(callbackUrl);
    assert.equal(`${cb.origin}${cb.pathname}`, `${rig.h.url}/protected/callback`);
    assert.equal(cb.searchParams.get('state'), start.state);
    assert.ok(cb.searchParams.get('code'));

    const res = await agent.nav(callbackUrl);
    assert.equal(res.status, 302, res.text);
    assert.equal(res.headers.location, `${rig.h.url}${ENV}?x=1&y=%C3%A9`, 'back to the original URL, same origin');
    assert.match(String(res.headers['cache-control']), /no-store/);
    const sc = cookiesNamed(res, SESSION_COOKIE);
    assert.equal(sc.length, 1, JSON.stringify(res.setCookies));
    const c = sc[0];
    assert.match(c.value, B64URL_43, `session id: 43 base64url chars (256 bits): ${c.value}`);
    assert.equal(c.attrs.path, '/');
    assert.equal(c.attrs.httponly, true);
    assert.equal(String(c.attrs.samesite).toLowerCase(), 'lax');
    assert.equal(c.attrs.domain, undefined, 'host-only');
    assert.equal(c.attrs.secure, undefined, 'no Secure over http');
    assert.ok(!isExpiring(c));
    const st = cookiesNamed(res, stateCookieName);
    assert.equal(st.length, 1, `the state cookie is cleared: ${JSON.stringify(res.setCookies)}`);
    assert.equal(st[0].attrs['max-age'], '0');
    assert.equal(agent.stateCookies().length, 0, 'no state cookie left in the jar');

    const page = await agent.nav(res.headers.location);
    assert.equal(page.status, 200, page.text);
    const env = page.json;
    assert.equal(env.REMOTE_USER, 'alice');
    assert.equal(env.AUTH_TYPE, 'Cognito');
    assert.equal(env.COGNITO_SUB, ALICE_SUB);
    assert.equal(env.COGNITO_EMAIL, 'alice@example.com');
    assert.equal(env.QUERY_STRING, 'x=1&y=%C3%A9');
    assert.ok(!String(env.HTTP_COOKIE || '').includes(c.value), 'the session cookie must not reach the application');

    // XHR with the session: 200 as well
    const x = await agent.xhr(rig.h.url + ENV);
    assert.equal(x.status, 200);
    assert.equal(x.json.REMOTE_USER, 'alice');

    // the log never holds the session id, the code or the state
    const log = rig.h.errorLog();
    assert.ok(!log.includes(c.value), 'error_log contains the session cookie value');
    assert.ok(!log.includes(cb.searchParams.get('code')), 'error_log contains the code');
  }));

  it('a new session id: never one the browser presented before (session fixation)', withLogs(sources, async () => {
    const agent = new Agent();
    const planted = 'A'.repeat(43);
    agent.jar.set(rig.h.url, SESSION_COOKIE, planted);
    const first = await login(agent, rig.h, rig.idp, ENV);
    assert.notEqual(first.sessionCookie, planted);
    // log in again while presenting a session id (the planted one) at every step
    const again = await startLogin(agent, rig.h, rig.idp, ENV, { headers: { Cookie: `${SESSION_COOKIE}=${planted}` } });
    const cbUrl = await signInAtIdp(agent, again.authorizeUrl);
    const cb = await agent.nav(cbUrl, {
      headers: { Cookie: `${agent.jar.header(cbUrl)}; ${SESSION_COOKIE}=${planted}` },
    });
    assert.equal(cb.status, 302, cb.text);
    const sc = cookiesNamed(cb, SESSION_COOKIE).filter((c) => !isExpiring(c));
    assert.equal(sc.length, 1);
    assert.notEqual(sc[0].value, planted, 'the planted id was adopted');
    assert.notEqual(sc[0].value, first.sessionCookie, 'the previous session id was reused');
    // the planted id selects nothing
    const r = await send(rig.h.url + ENV, { headers: { ...XHR_HEADERS, Cookie: `${SESSION_COOKIE}=${planted}` } });
    assert.equal(r.status, 401);
  }));

  it('five logins started in parallel in one browser, completed in any order: each lands on its own URL', withLogs(sources, async () => {
    const agent = new Agent();
    const urls = [1, 2, 3, 4, 5].map((i) => `${ENV}?tab=${i}`);
    const starts = await Promise.all(urls.map((u) => startLogin(agent, rig.h, rig.idp, u)));
    assert.equal(new Set(starts.map((s) => s.state)).size, 5);
    assert.equal(agent.stateCookies().length, 5, 'five state cookies in the jar');
    // at the emulator in one order (the first signs in with the form, the others ride its session) …
    const order1 = [2, 4, 0, 3, 1];
    const callbacks = [];
    for (const i of order1) callbacks[i] = await signInAtIdp(agent, starts[i].authorizeUrl);
    // … and back at the module in another
    const order2 = [4, 1, 3, 0, 2];
    const results = [];
    for (const i of order2) {
      const res = await agent.nav(callbacks[i]);
      assert.equal(res.status, 302, `tab ${i + 1}: ${res.status} ${res.text.slice(0, 300)}\n${rig.h.errorLog().slice(-2000)}`);
      results[i] = res;
    }
    for (let i = 0; i < 5; i++) {
      assert.equal(results[i].headers.location, rig.h.url + urls[i], `tab ${i + 1} lands on its own URL`);
      const page = await agent.nav(results[i].headers.location);
      assert.equal(page.status, 200, `tab ${i + 1} page: ${page.status}`);
      assert.equal(page.json.QUERY_STRING, `tab=${i + 1}`);
      assert.equal(page.json.REMOTE_USER, 'alice');
    }
    assert.equal(agent.stateCookies().length, 0, 'all state cookies spent');
  }));

  it('50 logins started and abandoned: at most 8 state cookies, Cookie header under 4 KB', withLogs(sources, async () => {
    const agent = new Agent();
    let maxCookieHeader = 0;
    for (let i = 0; i < 50; i++) {
      const res = await agent.nav(`${rig.h.url}${ENV}?abandoned=${i}`);
      assert.equal(res.status, 302);
      maxCookieHeader = Math.max(maxCookieHeader, Buffer.byteLength(res.sentCookie || ''));
      assert.ok(agent.stateCookies().length <= 8, `after ${i + 1} attempts the jar holds ${agent.stateCookies().length} state cookies`);
    }
    const header = agent.jar.header(rig.h.url + ENV) || '';
    assert.ok(Buffer.byteLength(header) < 4096, `Cookie header is ${Buffer.byteLength(header)} bytes`);
    assert.ok(maxCookieHeader < 4096, `largest Cookie header sent: ${maxCookieHeader} bytes`);
    assert.ok(agent.stateCookies().length >= 1);
    // the newest attempt still completes
    const last = await startLogin(agent, rig.h, rig.idp, `${ENV}?final=1`);
    const cbUrl = await signInAtIdp(agent, last.authorizeUrl);
    const cb = await agent.nav(cbUrl);
    assert.equal(cb.status, 302, cb.text);
    assert.equal(cb.headers.location, `${rig.h.url}${ENV}?final=1`);
  }));

  it('Authorization: Bearer <access token> on the cookie location → 200 without cookies', withLogs(sources, async () => {
    const { token } = await rig.idp.mint({ username: 'bob' });
    for (const headers of [{ Accept: 'application/json' }, { Accept: 'text/html' }]) {
      const res = await send(rig.h.url + ENV, { headers: { ...headers, Authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.REMOTE_USER, 'bob');
      assert.equal(res.setCookies.length, 0, `no cookies for a Bearer request: ${JSON.stringify(res.setCookies)}`);
    }
  }));
});

describe('confidential client and cookie settings', () => {
  let rig2;
  let secretDir;
  const src2 = () => rig2?.sources() ?? [];
  before(async () => {
    secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-secret-'));
    fs.chmodSync(secretDir, 0o755);
    fs.writeFileSync(path.join(secretDir, 'secret'), 's3cr3t-value-for-tests\n', { mode: 0o644 });
    rig2 = await startLoginRig({
      clientId: 'secretclient',
      directives: `
CognitoClientSecret file:${path.join(secretDir, 'secret')}
CognitoCookieName appsess
CognitoCookieSameSite Strict`,
    });
  });
  after(async () => {
    await rig2?.stop();
    if (secretDir) fs.rmSync(secretDir, { recursive: true, force: true });
  });

  it('CognitoClientSecret file: — the code is exchanged with HTTP Basic; CognitoCookieName/SameSite apply', withLogs(src2, async () => {
    const agent = new Agent();
    const start = await startLogin(agent, rig2.h, rig2.idp, ENV);
    assert.equal(start.params.get('client_id'), 'secretclient');
    const st = start.res.setCookies.map((s) => s.split('=')[0]);
    assert.deepEqual(st, [`appsess_state_${start.state.slice(0, 16)}`], 'state cookie name derives from CognitoCookieName');
    assert.match(start.res.setCookies[0], /SameSite=Lax/, 'state cookies stay Lax (the callback is a cross-site navigation)');
    const cbUrl = await signInAtIdp(agent, start.authorizeUrl, { username: 'carol' });
    const cb = await agent.nav(cbUrl);
    assert.equal(cb.status, 302, cb.text);
    const sc = cookiesNamed(cb, 'appsess').filter((c) => !isExpiring(c));
    assert.equal(sc.length, 1, JSON.stringify(cb.setCookies));
    assert.equal(String(sc[0].attrs.samesite), 'Strict');
    const page = await agent.nav(cb.headers.location);
    assert.equal(page.status, 200);
    assert.equal(page.json.REMOTE_USER, 'carol');
    const ev = (await rig2.idp.call('GET', '/_test/events?type=token')).filter((e) => e.grant === 'authorization_code');
    assert.equal(ev.at(-1).outcome, 'ok');
    assert.equal(ev.at(-1).detail.auth, 'client_secret_basic');
    assert.ok(!rig2.h.errorLog().includes('s3cr3t-value-for-tests'), 'the secret is never logged');
  }));

  it('CognitoClientSecret env: works the same', async () => {
    process.env.COGNITO_TEST_CLIENT_SECRET = 's3cr3t-value-for-tests';
    const r = await startLoginRig({
      clientId: 'secretclient', idp: rig2.idp,
      directives: 'CognitoClientSecret env:COGNITO_TEST_CLIENT_SECRET',
    });
    try {
      await withLogs(() => r.sources(), async () => {
        const agent = new Agent();
        const l = await login(agent, r.h, r.idp, ENV, { username: 'bob' });
        const page = await agent.nav(l.location);
        assert.equal(page.status, 200);
        assert.equal(page.json.REMOTE_USER, 'bob');
      })();
    } finally {
      delete process.env.COGNITO_TEST_CLIENT_SECRET;
      await r.stop();
    }
  });
});
