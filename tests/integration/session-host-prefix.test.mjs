// Cookies over HTTPS carry the `__Host-` prefix.
//
// Threat: an attacker who controls a sibling subdomain (evil.example.com next to app.example.com), or who
// can answer plain-HTTP requests for the host, can plant cookies in the victim's browser for the app's
// host: a `cognito_session=<the attacker's own valid session id>` (the victim then works inside the
// attacker's account: login CSRF / session swapping), or a `cognito_session_state_…` cookie (to finish a
// login the attacker started). A browser only accepts a `__Host-` cookie that is Secure, Path=/, without
// Domain and set by a secure origin — none of which a sibling subdomain or a plain-HTTP answer can do.
//
// Expected (request over HTTPS, neither CognitoCookieDomain nor CognitoCookiePath set):
//   - the state cookie is `__Host-<name>_state_<16>` and the session cookie `__Host-<name>`, both Secure,
//     Path=/, no Domain;
//   - only the `__Host-` names are read: the valid id sent as plain `cognito_session=` is no session
//     (302 for a navigation, 401 for XHR); a plain-named state cookie at the callback is refused (400);
//   - with CognitoCookiePath or CognitoCookieDomain set the prefix is impossible (documented exception):
//     plain names, still Secure;
//   - over plain HTTP: the plain names as before, no Secure.
// Real httpd with a loopback TLS vhost (startHttpd({ tls: true })), the Cognito emulator.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import {
  Agent, B64URL_43, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, assertErrorPage, cookiesNamed, idpLogSource, isExpiring,
  isLoginRedirect, logSlice, login, loginBody, loginFiles, send, signInAtIdp, startLogin,
} from './lib/login.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const HOST_SESSION = `__Host-${SESSION_COOKIE}`;

let idp, h;
const sources = () => [h, idp && idpLogSource(idp)].filter(Boolean);

/**
 * /protected: the defaults (cookie name cognito_session, host-only, Path=/)
 * /named:     CognitoCookieName appsess
 * /pathed:    CognitoCookiePath /pathed
 * /domained:  CognitoCookieDomain 127.0.0.1
 */
before(async () => {
  idp = await startIdp();
  const loc = (name, extra) => `
<Location /${name}>
    AuthType Cognito
    AuthName "${name}"
    CognitoRedirectURI /${name}/callback
${extra}
    Require valid-user
</Location>
ScriptAlias /${name}/cgi-bin/ "@DIR@/cgi-bin/"`;
  h = await startHttpd({
    tls: true,
    body: loginBody({
      idp,
      suffix: [
        loc('named', '    CognitoCookieName appsess'),
        loc('pathed', '    CognitoCookiePath /pathed'),
        loc('domained', '    CognitoCookieDomain 127.0.0.1'),
      ].join('\n'),
    }),
    files: loginFiles(),
  });
  assert.ok(h.httpsUrl && h.tlsPort, 'the rig serves HTTPS');
});
after(async () => {
  await h?.stop();
  await idp?.close();
});

/** The https side of the server as a rig handle for login.mjs (startLogin/login use h.url). */
const tlsSide = () => ({ url: h.httpsUrl });

/** Asserts the __Host- requirements: Secure, Path=/, no Domain. */
function assertHostPrefixed(c, what) {
  assert.ok(c.name.startsWith('__Host-'), `${what}: name ${c.name}`);
  assert.equal(c.attrs.secure, true, `${what}: Secure: ${c.raw}`);
  assert.equal(c.attrs.path, '/', `${what}: Path=/: ${c.raw}`);
  assert.equal(c.attrs.domain, undefined, `${what}: no Domain: ${c.raw}`);
}

/** Set-Cookie names of a response. */
const names = (res) => res.setCookies.map((s) => s.slice(0, s.indexOf('=')));

/** A https login up to the callback (not sent). → { agent, start, stateCookie, callbackUrl } */
async function pendingTls(pathAndQuery = `${ENV}?tls=1`, cookieName = SESSION_COOKIE) {
  const agent = new Agent();
  const start = await startLogin(agent, tlsSide(), idp, pathAndQuery);
  const st = cookiesNamed(start.res, `__Host-${cookieName}_state_${start.state.slice(0, 16)}`);
  assert.equal(st.length, 1, `a __Host- state cookie: ${JSON.stringify(start.res.setCookies)}`);
  const callbackUrl = await signInAtIdp(agent, start.authorizeUrl);
  assert.ok(callbackUrl.startsWith(`${h.httpsUrl}/`), `Cognito sends the browser back over https: ${callbackUrl}`);
  return { agent, start, stateCookie: st[0], callbackUrl };
}

/** A complete https login at /protected. → session id */
async function tlsLogin(username = 'alice') {
  const l = await login(new Agent(), tlsSide(), idp, `${ENV}?u=${username}`, { username, cookieName: HOST_SESSION });
  return l.sessionCookie;
}

describe('over HTTPS the cookies are __Host- prefixed', () => {
  it('a full login: state and session cookies are __Host-, Secure, Path=/, no Domain', withLogs(sources, async () => {
    const agent = new Agent();
    const start = await startLogin(agent, tlsSide(), idp, `${ENV}?full=1`);
    assert.equal(start.params.get('redirect_uri'), `${h.httpsUrl}/protected/callback`);
    const stName = `__Host-${SESSION_COOKIE}_state_${start.state.slice(0, 16)}`;
    assert.deepEqual(names(start.res), [stName], 'only the __Host- state cookie is set');
    const st = cookiesNamed(start.res, stName)[0];
    assertHostPrefixed(st, 'state cookie');
    assert.match(st.value, /^\d+\.[A-Za-z0-9_-]+$/, `state cookie value <created>.<sealed>: ${st.value}`);
    assert.equal(st.attrs.httponly, true);
    assert.equal(String(st.attrs.samesite).toLowerCase(), 'lax');
    assert.equal(st.attrs['max-age'], '300');

    const callbackUrl = await signInAtIdp(agent, start.authorizeUrl);
    const cb = await agent.nav(callbackUrl);
    assert.equal(cb.status, 302, `callback: ${cb.status} ${cb.text.slice(0, 300)}`);
    assert.equal(cb.headers.location, `${h.httpsUrl}${ENV}?full=1`);
    const sc = cookiesNamed(cb, HOST_SESSION).filter((c) => !isExpiring(c));
    assert.equal(sc.length, 1, `one __Host- session cookie: ${JSON.stringify(cb.setCookies)}`);
    assertHostPrefixed(sc[0], 'session cookie');
    assert.match(sc[0].value, B64URL_43);
    assert.equal(sc[0].attrs.httponly, true);
    assert.equal(cookiesNamed(cb, SESSION_COOKIE).filter((c) => !isExpiring(c)).length, 0,
      `no plain-named session cookie: ${JSON.stringify(cb.setCookies)}`);
    // the state cookie is deleted under its __Host- name, with the attributes a browser requires for it
    const del = cookiesNamed(cb, stName);
    assert.equal(del.length, 1, `the state cookie is deleted: ${JSON.stringify(cb.setCookies)}`);
    assert.ok(isExpiring(del[0]));
    assertHostPrefixed(del[0], 'state cookie deletion');
    assert.ok(!names(cb).some((n) => !n.startsWith('__Host-')), `only __Host- cookies over HTTPS: ${names(cb)}`);

    const page = await agent.nav(cb.headers.location);
    assert.equal(page.status, 200, page.text);
    assert.equal(page.json.REMOTE_USER, 'alice');
    assert.equal(page.json.HTTPS, 'on');
    assert.ok(!String(page.json.HTTP_COOKIE || '').includes(sc[0].value), 'the __Host- session cookie does not reach the application');
    const x = await agent.xhr(`${h.httpsUrl}${ENV}`);
    assert.equal(x.status, 200);
    assert.equal(x.json.REMOTE_USER, 'alice');
  }));

  it('CognitoCookieName appsess → __Host-appsess and __Host-appsess_state_…', withLogs(sources, async () => {
    const p = await pendingTls('/named/cgi-bin/env.cgi', 'appsess');
    assertHostPrefixed(p.stateCookie, 'state cookie');
    const cb = await p.agent.nav(p.callbackUrl);
    assert.equal(cb.status, 302, `callback: ${cb.status} ${cb.text.slice(0, 300)}`);
    const sc = cookiesNamed(cb, '__Host-appsess').filter((c) => !isExpiring(c));
    assert.equal(sc.length, 1, JSON.stringify(cb.setCookies));
    assertHostPrefixed(sc[0], 'session cookie');
    const page = await p.agent.nav(cb.headers.location);
    assert.equal(page.status, 200);
    assert.equal(page.json.REMOTE_USER, 'alice');
  }));
});

describe('over HTTPS only the __Host- names are read', () => {
  it('the valid id as plain cognito_session= (planted by a sibling subdomain) is no session', withLogs(sources, async () => {
    const alice = await tlsLogin('alice');
    const mallory = await tlsLogin('mallory');
    const httpAlice = (await login(new Agent(), h, idp, ENV)).sessionCookie; // plain name, made over http
    const ask = (cookie, headers) => send(`${h.httpsUrl}${ENV}`, { headers: { ...headers, Cookie: cookie } });
    // positive controls: the __Host- cookies work
    for (const [sid, user] of [[alice, 'alice'], [mallory, 'mallory']]) {
      const ok = await ask(`${HOST_SESSION}=${sid}`, XHR_HEADERS);
      assert.equal(ok.status, 200, `${user} with the __Host- cookie: ${ok.status}`);
      assert.equal(ok.json.REMOTE_USER, user);
    }
    for (const [label, sid] of [['an id made over https', mallory], ['an id made over http (plain name there)', httpAlice]]) {
      const nav = await ask(`${SESSION_COOKIE}=${sid}`, NAV_HEADERS);
      assert.ok(isLoginRedirect(nav, idp), `${label} as plain cognito_session, navigation → login, got ${nav.status}: ${nav.text.slice(0, 200)}`);
      const x = await ask(`${SESSION_COOKIE}=${sid}`, XHR_HEADERS);
      assert.equal(x.status, 401, `${label} as plain cognito_session, XHR → 401, got ${x.status}`);
      assert.equal(x.headers.location, undefined);
    }
    // the planted cookie beside the real one, in either order: the user stays herself
    for (const cookie of [`${SESSION_COOKIE}=${mallory}; ${HOST_SESSION}=${alice}`, `${HOST_SESSION}=${alice}; ${SESSION_COOKIE}=${mallory}`]) {
      const r = await ask(cookie, XHR_HEADERS);
      assert.equal(r.status, 200, `${cookie.slice(0, 40)}…: ${r.status}`);
      assert.equal(r.json.REMOTE_USER, 'alice', `the planted session must not be used: ${cookie}`);
    }
  }));

  it('a plain-named state cookie at the https callback is refused', withLogs(sources, async () => {
    const p = await pendingTls(`${ENV}?planted-state=1`);
    const plainName = p.stateCookie.name.replace(/^__Host-/, '');
    assert.notEqual(plainName, p.stateCookie.name);
    const calls = (await idp.counters()).token;
    const [res, slice] = await logSlice(h, () => send(p.callbackUrl, {
      headers: { ...NAV_HEADERS, Cookie: `${plainName}=${p.stateCookie.value}` },
    }));
    assertErrorPage(res, 400, slice, 'state_browser_mismatch', { cookieName: HOST_SESSION });
    assert.equal(cookiesNamed(res, SESSION_COOKIE).filter((c) => !isExpiring(c)).length, 0, 'no plain session cookie either');
    assert.equal((await idp.counters()).token, calls, 'the code was never sent to Cognito');
    // positive control: the same callback with the __Host- cookie completes
    const ok = await send(p.callbackUrl, { headers: { ...NAV_HEADERS, Cookie: `${p.stateCookie.name}=${p.stateCookie.value}` } });
    assert.equal(ok.status, 302, `with the __Host- state cookie: ${ok.status} ${ok.text.slice(0, 300)}`);
    assert.equal(cookiesNamed(ok, HOST_SESSION).filter((c) => !isExpiring(c)).length, 1);
  }));
});

describe('no prefix where a __Host- cookie is impossible', () => {
  for (const [where, check] of [
    ['CognitoCookiePath /pathed', (c) => assert.equal(c.attrs.path, '/pathed', `Path: ${c.raw}`)],
    ['CognitoCookieDomain 127.0.0.1', (c) => assert.equal(String(c.attrs.domain).replace(/^\./, ''), '127.0.0.1', `Domain: ${c.raw}`)],
  ]) {
    const loc = where.includes('Path') ? '/pathed' : '/domained';
    it(`${where} over HTTPS: plain names, Secure`, withLogs(sources, async () => {
      const agent = new Agent();
      const start = await startLogin(agent, tlsSide(), idp, `${loc}/cgi-bin/env.cgi`);
      const stName = `${SESSION_COOKIE}_state_${start.state.slice(0, 16)}`;
      assert.deepEqual(names(start.res), [stName], `plain state cookie name: ${JSON.stringify(start.res.setCookies)}`);
      const st = cookiesNamed(start.res, stName)[0];
      assert.equal(st.attrs.secure, true, `state cookie Secure over HTTPS: ${st.raw}`);
      const cb = await agent.nav(await signInAtIdp(agent, start.authorizeUrl));
      assert.equal(cb.status, 302, `callback: ${cb.status} ${cb.text.slice(0, 300)}`);
      const sc = cookiesNamed(cb, SESSION_COOKIE).filter((c) => !isExpiring(c));
      assert.equal(sc.length, 1, `plain session cookie: ${JSON.stringify(cb.setCookies)}`);
      assert.equal(sc[0].attrs.secure, true, `session cookie Secure over HTTPS: ${sc[0].raw}`);
      check(sc[0]);
      assert.ok(!names(cb).some((n) => n.startsWith('__Host-')), `no __Host- cookie: ${names(cb)}`);
      const page = await agent.nav(cb.headers.location);
      assert.equal(page.status, 200, `${page.status} ${page.text.slice(0, 200)}`);
      assert.equal(page.json.REMOTE_USER, 'alice');
    }));
  }
});

describe('over plain HTTP nothing changes', () => {
  it('plain names, no Secure, and the login works', withLogs(sources, async () => {
    const agent = new Agent();
    const start = await startLogin(agent, h, idp, `${ENV}?plain=1`);
    assert.equal(start.params.get('redirect_uri'), `${h.url}/protected/callback`);
    const stName = `${SESSION_COOKIE}_state_${start.state.slice(0, 16)}`;
    assert.deepEqual(names(start.res), [stName]);
    const st = cookiesNamed(start.res, stName)[0];
    assert.equal(st.attrs.secure, undefined, `no Secure over http: ${st.raw}`);
    assert.equal(st.attrs.path, '/');
    const cb = await agent.nav(await signInAtIdp(agent, start.authorizeUrl));
    assert.equal(cb.status, 302, `callback: ${cb.status} ${cb.text.slice(0, 300)}`);
    const sc = cookiesNamed(cb, SESSION_COOKIE).filter((c) => !isExpiring(c));
    assert.equal(sc.length, 1, JSON.stringify(cb.setCookies));
    assert.equal(sc[0].attrs.secure, undefined);
    assert.equal(sc[0].attrs.path, '/');
    assert.ok(!names(cb).some((n) => n.startsWith('__Host-')), `no __Host- cookie over http: ${names(cb)}`);
    const page = await agent.nav(cb.headers.location);
    assert.equal(page.status, 200);
    assert.equal(page.json.REMOTE_USER, 'alice');
    assert.equal(page.json.HTTPS, undefined);
  }));
});
