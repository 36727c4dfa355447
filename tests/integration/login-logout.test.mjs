// Logout (CognitoLogoutPath) and behaviour while the Cognito emulator is down.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import {
  Agent, SESSION_COOKIE, XHR_HEADERS, assertErrorPage, cookiesNamed, isExpiring, isLoginRedirect, logSlice, login,
  send, signInAtIdp, startLogin, startLoginRig,
} from './lib/login.mjs';

const ENV = '/protected/cgi-bin/env.cgi';

describe('logout', () => {
  let rig;
  const sources = () => rig?.sources() ?? [];
  before(async () => { rig = await startLoginRig({}); });
  after(async () => { await rig?.stop(); });

  it('GET CognitoLogoutPath: 302 to <domain>/logout, cookie cleared, session gone, refresh token revoked', withLogs(sources, async () => {
    const agent = new Agent();
    const l = await login(agent, rig.h, rig.idp, ENV);
    assert.equal((await agent.nav(rig.h.url + ENV)).status, 200);
    await rig.idp.call('POST', '/_test/events/reset', {});
    const issued = (await rig.idp.call('GET', '/_test/issued')).at(-1);

    const res = await agent.nav(rig.h.url + '/protected/logout');
    assert.equal(res.status, 302, res.text);
    const loc = res.headers.location;
    const u = new URL(loc);
    assert.equal(`${u.origin}${u.pathname}`, `${rig.idp.url}/logout`);
    assert.equal(u.searchParams.get('client_id'), 'testclient1');
    const postLogout = `http://127.0.0.1:${rig.h.port}/bye`;
    assert.equal(u.searchParams.get('logout_uri'), postLogout);
    assert.deepEqual([...u.searchParams.keys()].sort(), ['client_id', 'logout_uri']);
    const rawLogoutUri = /[?&]logout_uri=([^&#]*)/.exec(loc)[1];
    assert.match(rawLogoutUri, /^http%3A/i, `logout_uri is URL-encoded: ${rawLogoutUri}`);
    assert.doesNotMatch(rawLogoutUri, /[?#&\s]/);
    assert.match(String(res.headers['cache-control'] || ''), /no-store/);

    const cleared = cookiesNamed(res, SESSION_COOKIE);
    assert.equal(cleared.length, 1, `the session cookie is cleared: ${JSON.stringify(res.setCookies)}`);
    assert.ok(isExpiring(cleared[0]) && cleared[0].attrs['max-age'] === '0', `Max-Age=0: ${cleared[0].raw}`);
    assert.equal(cleared[0].value, '');
    assert.equal(agent.jar.get(SESSION_COOKIE), undefined);

    // the old cookie no longer works
    const nav = await send(rig.h.url + ENV, { headers: { Accept: 'text/html', Cookie: `${SESSION_COOKIE}=${l.sessionCookie}` } });
    assert.ok(isLoginRedirect(nav, rig.idp), `old cookie, navigation: ${nav.status}`);
    const xhr = await send(rig.h.url + ENV, { headers: { ...XHR_HEADERS, Cookie: `${SESSION_COOKIE}=${l.sessionCookie}` } });
    assert.equal(xhr.status, 401, 'old cookie, XHR');

    // the refresh token was revoked at Cognito
    const ev = await rig.idp.call('GET', '/_test/events?type=revoke');
    assert.equal(ev.length, 1, `one revoke call: ${JSON.stringify(ev)}`);
    assert.equal(ev[0].outcome, 'ok');
    assert.ok(ev[0].detail.revokedRefreshTokens >= 1, JSON.stringify(ev[0]));
    assert.equal(ev[0].detail.originJti, issued.originJti, 'the revoked token is the one of this login');
    const r = await fetch(`${rig.idp.url}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: issued.refresh_token, client_id: 'testclient1' }),
    });
    assert.equal(r.status, 400, 'the refresh token no longer works at Cognito');

    // following the redirect at Cognito lands on CognitoPostLogoutURI
    const idpOut = await agent.nav(loc);
    assert.equal(idpOut.status, 302);
    assert.equal(idpOut.headers.location, postLogout);
    assert.ok(!rig.h.errorLog().includes(issued.refresh_token.split('.')[1]), 'the refresh token reached the log');
  }));

  it('logout without a session still clears the cookie and goes to Cognito', withLogs(sources, async () => {
    const res = await new Agent().nav(rig.h.url + '/protected/logout');
    assert.equal(res.status, 302);
    assert.ok(res.headers.location.startsWith(`${rig.idp.url}/logout?`));
    assert.ok(cookiesNamed(res, SESSION_COOKIE).every(isExpiring));
  }));
});

describe('Cognito down', () => {
  let rig;
  const sources = () => rig?.sources() ?? [];
  before(async () => { rig = await startLoginRig({ directives: 'CognitoHTTPTimeout 2' }); });
  after(async () => { await rig?.stop(); });

  it('an established session keeps working; a callback meanwhile → 502/503/504 within the HTTP timeout + 1 s', withLogs(sources, async () => {
    const agent = new Agent();
    await login(agent, rig.h, rig.idp, ENV);
    assert.equal((await agent.nav(rig.h.url + ENV)).status, 200);
    // a second browser gets as far as the code
    const other = new Agent();
    const start = await startLogin(other, rig.h, rig.idp, `${ENV}?late=1`);
    const callbackUrl = await signInAtIdp(other, start.authorizeUrl, { username: 'bob' });

    await rig.idp.close();

    for (let i = 0; i < 3; i++) {
      const r = await agent.nav(rig.h.url + ENV);
      assert.equal(r.status, 200, `established session while Cognito is down: ${r.status} ${r.text.slice(0, 200)}`);
      assert.equal(r.json.REMOTE_USER, 'alice');
      assert.equal((await agent.xhr(rig.h.url + ENV)).status, 200);
    }
    const [cb, slice] = await logSlice(rig.h, () => other.nav(callbackUrl, { timeoutMs: 15000 }));
    assert.ok([502, 503, 504].includes(cb.status), `callback while Cognito is down: ${cb.status} ${cb.text.slice(0, 300)}`);
    assert.ok(cb.ms <= 3000, `answered after ${cb.ms} ms (CognitoHTTPTimeout 2)`);
    assertErrorPage(cb, cb.status, slice, null);
    assert.match(slice, /COGNITO\d+: (http_connect|http_timeout|http_failed)/, `log names the outbound failure:\n${slice}`);
  }));
});
