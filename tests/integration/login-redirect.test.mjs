// Browser login, step 1: who gets the 302 to the managed login page (and with what), who gets a 401.
// Real httpd (+ a real mod_ssl listener) + the Cognito emulator.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, withLogs } from './lib/httpd.mjs';
import {
  Agent, B64URL_43, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, cookiesNamed, isExpiring, login, parseSetCookie,
  selfSignedCert, send, startLoginRig,
} from './lib/login.mjs';

let rig; // default config + an HTTPS listener
let httpsPort;
const sources = () => rig?.sources() ?? [];

before(async () => {
  const tls = selfSignedCert();
  httpsPort = await freePort();
  rig = await startLoginRig({
    prefix: `LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so\nListen 127.0.0.1:${httpsPort} https`,
    suffix: `
<VirtualHost 127.0.0.1:${httpsPort}>
    ServerName 127.0.0.1:${httpsPort}
    SSLEngine on
    SSLCertificateFile ${tls.certFile}
    SSLCertificateKeyFile ${tls.keyFile}
</VirtualHost>`,
  });
});

after(async () => {
  await rig?.stop();
});

const PAGE = '/protected/page.html?x=1';

/**
 * Asserts the state cookie of a login redirect; returns it parsed. Over HTTPS (secure) its name has the
 * __Host- prefix (session-host-prefix.test.mjs covers that in depth).
 */
function assertStateCookie(res, state, { maxAge = 300, secure = false } = {}) {
  const prefix = `${secure ? '__Host-' : ''}${SESSION_COOKIE}`;
  const all = res.setCookies.map(parseSetCookie).filter((c) => c.name.includes(`${SESSION_COOKIE}_state_`) && !isExpiring(c));
  assert.equal(all.length, 1, `exactly one new state cookie: ${JSON.stringify(res.setCookies)}`);
  const c = all[0];
  assert.equal(c.name, `${prefix}_state_${state.slice(0, 16)}`, 'state cookie name = prefix + first 16 chars of state');
  const m = /^(\d+)\.([A-Za-z0-9_-]+)$/.exec(c.value);
  assert.ok(m, `state cookie value <unix time>.<base64url sealed attempt>: ${c.value}`);
  assert.ok(Math.abs(Number(m[1]) - Date.now() / 1000) < 10, `state cookie time ${m[1]} is now`);
  assert.ok(m[2].length >= 22, `state cookie sealed part is long enough: ${m[2]}`);
  assert.equal(c.attrs.path, '/');
  assert.equal(c.attrs.httponly, true, 'HttpOnly');
  assert.equal(String(c.attrs.samesite).toLowerCase(), 'lax', 'SameSite=Lax');
  assert.equal(c.attrs['max-age'], String(maxAge), `Max-Age=${maxAge}`);
  assert.equal(c.attrs.domain, undefined, 'host-only (no Domain)');
  assert.equal(!!c.attrs.secure, secure, `Secure ${secure ? 'required over HTTPS' : 'absent over http'}: ${c.raw}`);
  return c;
}

function assertAuthorize(loc, idp, { redirectUri, scope = 'openid email profile', extra = {} }) {
  const u = new URL(loc);
  assert.equal(`${u.origin}${u.pathname}`, `${idp.url}/oauth2/authorize`);
  const p = u.searchParams;
  for (const k of new Set(p.keys())) assert.equal(p.getAll(k).length, 1, `parameter ${k} appears once`);
  assert.equal(p.get('response_type'), 'code');
  assert.equal(p.get('client_id'), 'testclient1');
  assert.equal(p.get('redirect_uri'), redirectUri);
  assert.equal(p.get('scope'), scope);
  assert.match(p.get('state') || '', /^[A-Za-z0-9_-]{22,}$/, 'state: long random base64url');
  assert.match(p.get('nonce') || '', /^[A-Za-z0-9_-]{22,}$/, 'nonce: long random base64url');
  assert.match(p.get('code_challenge') || '', B64URL_43, 'code_challenge: 43 base64url chars');
  assert.equal(p.get('code_challenge_method'), 'S256');
  const known = new Set(['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge',
    'code_challenge_method', ...Object.keys(extra)]);
  for (const k of p.keys()) assert.ok(known.has(k), `unexpected authorize parameter ${k}`);
  for (const [k, v] of Object.entries(extra)) assert.equal(p.get(k), v, `authorize parameter ${k}`);
  return p;
}

describe('unauthenticated navigation → 302 to the managed login page', () => {
  it('Location, Cache-Control: no-store and the state cookie', withLogs(sources, async () => {
    const res = await new Agent().nav(rig.h.url + PAGE);
    assert.equal(res.status, 302, res.text);
    const p = assertAuthorize(res.headers.location, rig.idp, { redirectUri: `${rig.h.url}/protected/callback` });
    assert.match(String(res.headers['cache-control']), /no-store/);
    assertStateCookie(res, p.get('state'));
  }));

  it('state, nonce and PKCE challenge are fresh for every attempt', withLogs(sources, async () => {
    const seen = { state: new Set(), nonce: new Set(), code_challenge: new Set() };
    for (let i = 0; i < 5; i++) {
      const res = await new Agent().nav(rig.h.url + PAGE);
      const p = new URL(res.headers.location).searchParams;
      for (const k of Object.keys(seen)) seen[k].add(p.get(k));
    }
    for (const [k, s] of Object.entries(seen)) assert.equal(s.size, 5, `${k} repeated across attempts`);
  }));

  for (const [label, headers] of [
    ['no Accept, no Sec-Fetch-*', {}],
    ['Accept: text/html', { Accept: 'text/html' }],
    ['Accept: application/xhtml+xml', { Accept: 'application/xhtml+xml' }],
    ['Accept: */*', { Accept: '*/*' }],
    ['Chromium navigation headers', NAV_HEADERS],
    ['Sec-Fetch-Mode: navigate, Sec-Fetch-Dest: iframe', { 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'iframe', Accept: 'text/html' }],
  ]) {
    it(`navigation (${label}) → 302 + state cookie`, withLogs(sources, async () => {
      const res = await send(rig.h.url + PAGE, { headers });
      assert.equal(res.status, 302, `${label}: ${res.status} ${res.text.slice(0, 200)}`);
      const p = assertAuthorize(res.headers.location, rig.idp, { redirectUri: `${rig.h.url}/protected/callback` });
      assertStateCookie(res, p.get('state'));
    }));
  }

  it('over HTTPS: redirect_uri is https and the state cookie is Secure', withLogs(sources, async () => {
    const base = `https://127.0.0.1:${httpsPort}`;
    const res = await send(base + PAGE, { headers: NAV_HEADERS });
    assert.equal(res.status, 302, res.text);
    const p = assertAuthorize(res.headers.location, rig.idp, { redirectUri: `${base}/protected/callback` });
    assertStateCookie(res, p.get('state'), { secure: true });
  }));

  it('over HTTPS the whole login ends with a Secure (__Host-) session cookie', withLogs(sources, async () => {
    const base = `https://127.0.0.1:${httpsPort}`;
    const agent = new Agent();
    const hs = { url: base };
    const l = await login(agent, hs, rig.idp, '/protected/cgi-bin/env.cgi?tls=1', { cookieName: `__Host-${SESSION_COOKIE}` });
    assert.equal(l.location, `${base}/protected/cgi-bin/env.cgi?tls=1`);
    const c = parseSetCookie(l.callback.setCookies.find((s) => s.startsWith(`__Host-${SESSION_COOKIE}=`)));
    assert.equal(c.attrs.secure, true, `session cookie over HTTPS must be Secure: ${c.raw}`);
    const page = await agent.nav(l.location);
    assert.equal(page.status, 200, page.text);
    assert.equal(page.json.REMOTE_USER, 'alice');
    assert.equal(page.json.HTTPS, 'on');
  }));
});

describe('non-navigation requests without a session → 401, never a redirect', () => {
  const cases = [
    ['XMLHttpRequest', 'GET', { 'X-Requested-With': 'XMLHttpRequest', Accept: 'text/html' }],
    ['fetch (Sec-Fetch-Mode: cors)', 'GET', { 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty', Accept: '*/*' }],
    ['fetch (Sec-Fetch-Mode: no-cors)', 'GET', { 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' }],
    ['Sec-Fetch-Dest: script', 'GET', { 'Sec-Fetch-Dest': 'script', Accept: '*/*' }],
    ['Accept: application/json', 'GET', { Accept: 'application/json' }],
    ['page XHR headers', 'GET', XHR_HEADERS],
    // (A form POST that is a top-level navigation is a login, with the post kept when it came from this
    // origin: login-preserve-post.test.mjs. A form POST sent by fetch/XHR stays a 401.)
    ['POST form by fetch', 'POST', { ...XHR_HEADERS, 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['PUT', 'PUT', { Accept: 'text/html' }],
    ['DELETE', 'DELETE', { Accept: 'text/html' }],
    ['PATCH', 'PATCH', { Accept: '*/*' }],
  ];
  for (const [label, method, headers] of cases) {
    it(`${label} → 401 with a Bearer challenge, no Location, no state cookie`, withLogs(sources, async () => {
      const res = await send(rig.h.url + PAGE, { method, headers, body: method === 'GET' ? undefined : 'a=1' });
      assert.equal(res.status, 401, `${label}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.equal(res.headers.location, undefined, 'no Location');
      assert.equal(cookiesNamed(res, new RegExp(`^${SESSION_COOKIE}_state_`)).length, 0,
        `no state cookie: ${JSON.stringify(res.setCookies)}`);
      assert.match(String(res.headers['www-authenticate'] || ''), /^Bearer realm="[^"]*"/, `WWW-Authenticate: ${res.headers['www-authenticate']}`);
    }));
  }
});

describe('authorize parameters from the configuration', () => {
  let rig2;
  const src2 = () => rig2?.sources() ?? [];
  before(async () => {
    rig2 = await startLoginRig({
      directives: `
CognitoIdentityProvider Google
CognitoAuthRequestParam lang fr
CognitoAuthRequestParam login_hint "bob@example.com"
CognitoScope "openid email"
CognitoStateTimeout 120
CognitoBearer off`,
    });
  });
  after(async () => { await rig2?.stop(); });

  it('identity_provider, extra parameters, scope and the state timeout', withLogs(src2, async () => {
    const res = await new Agent().nav(rig2.h.url + PAGE);
    assert.equal(res.status, 302, res.text);
    const p = assertAuthorize(res.headers.location, rig2.idp, {
      redirectUri: `${rig2.h.url}/protected/callback`, scope: 'openid email',
      extra: { identity_provider: 'Google', lang: 'fr', login_hint: 'bob@example.com' },
    });
    assertStateCookie(res, p.get('state'), { maxAge: 120 });
  }));

  it('the login still completes with these parameters (the emulator accepts them)', withLogs(src2, async () => {
    const agent = new Agent();
    const l = await login(agent, rig2.h, rig2.idp, '/protected/cgi-bin/env.cgi', { username: 'bob' });
    const page = await agent.nav(l.location);
    assert.equal(page.status, 200);
    assert.equal(page.json.REMOTE_USER, 'bob');
    const ev = await rig2.idp.call('GET', '/_test/events?type=authorize');
    assert.equal(ev.at(-1).detail.params.identity_provider, 'Google');
    assert.equal(ev.at(-1).detail.params.lang, 'fr');
  }));

  it('CognitoBearer off: XHR → 401, no Location, no state cookie', withLogs(src2, async () => {
    const res = await send(rig2.h.url + PAGE, { headers: XHR_HEADERS });
    assert.equal(res.status, 401, res.text);
    assert.equal(res.headers.location, undefined);
    assert.equal(cookiesNamed(res, new RegExp(`^${SESSION_COOKIE}_state_`)).length, 0);
  }));
});
