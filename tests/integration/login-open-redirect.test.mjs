// Return targets stay on this site: after login the module sends the browser back to where it was going —
// only ever a same-origin path, taken from the request that started the login, never from a parameter — and
// logout sends it to Cognito's /logout with CognitoPostLogoutURI from the configuration, whatever the request
// says. Hostile request targets are sent as raw request lines (node:net: fetch would normalise them).
//
// Guards findings (peer advisories): open redirects — mod_auth_openidc's post-login "target_link_uri" and
// logout "logout=" parameters redirecting anywhere; oauth2-proxy's "rd" bypasses with //, /\, tabs and
// encoded slashes.
//
// 1. The post-login return target: the module never takes it from a parameter; it is the path of the request
//    that started the login. A dozen classic targets, each its own test with the sign-in form, then over 200
//    payloads (fixtures/open-redirect.txt + slash × host combinations) sent as raw request targets of a
//    protected page, each login completed through the emulator: the Location of the callback must stay on
//    this server's origin, with a path that does not start with // or /\ — as written, as a browser resolves
//    it, and after any number of percent-decoding layers. An ordinary local path with a query comes back as is.
// 2. The logout target: CognitoPostLogoutURI (configuration only). No request input — query parameters,
//    Host header variants, absolute-form targets, path suffixes, bodies — may change where logout sends the
//    browser (Cognito's /logout) or the logout_uri it carries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import { rawHttp } from './lib/apps.mjs';
import {
  Agent, NAV_HEADERS, isLoginRedirect, login, rawRequest, signInAtIdp, startLoginRig,
} from './lib/login.mjs';
import { assertNoCrash, assertSameOriginLocation, openRedirectPayloads, settlePool } from './lib/hostile.mjs';

const NAV = {
  Accept: NAV_HEADERS.Accept, 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document',
};

let rig;
let canon;
const sources = () => [...(rig?.sources() ?? []), ...(canon?.sources() ?? [])];

before(async () => {
  // Everything is protected (so every odd target starts a login) and encoded slashes reach the module.
  rig = await startLoginRig({ location: '/', directives: 'AllowEncodedSlashes NoDecode' });
});
after(async () => {
  await canon?.stop();
  await rig?.stop();
});

/** A Hosted-UI session cookie at the emulator, so each payload's login skips the sign-in form. */
async function idpSessionCookie() {
  const a = new Agent();
  await login(a, rig.h, rig.idp, '/index.html');
  const c = a.jar.all().find((x) => x.name === 'cognito');
  assert.ok(c, 'the emulator set its Hosted-UI session cookie');
  return c.value;
}

/** Classic targets, each its own test: the login is completed through the sign-in form. */
const TARGETS = [
  '//evil.example',
  '//evil.example/path?q=1',
  '/\\evil.example',
  '/\\/evil.example',
  'https://evil.example/',
  'http://evil.example//evil.example',
  '/%09/evil.example',
  '/%2F%2Fevil.example',
  '/%2f%2fevil.example',
  '/%5C%5Cevil.example',
  '///evil.example',
  '/.//evil.example',
];

describe('post-login redirect stays on this site', () => {
  for (const target of TARGETS) {
    it(`GET ${target} → login → back to this origin only`, withLogs(sources, async () => {
      const first = await rawRequest(rig.h.port, `GET ${target} HTTP/1.1`, NAV);
      assert.ok(isLoginRedirect(first, rig.idp),
        `${JSON.stringify(target)} should trigger a login: ${first.status} ${first.headers.location || ''}\n${first.raw.slice(0, 300)}`);
      const redirectUri = new URL(first.headers.location).searchParams.get('redirect_uri');
      const agent = new Agent();
      agent.jar.absorb(rig.h.url, first.setCookies);
      assert.equal(agent.stateCookies().length, 1);
      if (new URL(redirectUri).origin !== rig.h.url) {
        // An absolute-form target names the host, and httpd builds the callback URL from it (as from a
        // Host header). Cognito only accepts registered callbacks; register it so the flow can finish,
        // and deliver the callback to this server: what matters here is where the module sends us after.
        await rig.idp.call('POST', '/_test/clients', { clientId: 'testclient1', callbackURLs: [redirectUri] });
      }
      let callbackUrl = await signInAtIdp(agent, first.headers.location);
      const cbu = new URL(callbackUrl);
      assert.equal(cbu.pathname, '/protected/callback', callbackUrl);
      callbackUrl = `${rig.h.url}${cbu.pathname}${cbu.search}`;
      const cb = await agent.nav(callbackUrl);
      assert.equal(cb.status, 302, `callback: ${cb.status} ${cb.text.slice(0, 300)}`);
      assertSameOriginLocation(cb.headers.location, rig.h.url, JSON.stringify(target));
      assert.doesNotMatch(new URL(cb.headers.location, rig.h.url + '/').host, /evil\.example/, 'evil.example as the host');
    }));
  }

  it('an ordinary local path with a query still comes back unchanged (the filter is not "always /")', withLogs(sources, async () => {
    // through the sign-in form, then followed to the page
    const first = await rawRequest(rig.h.port, 'GET /cgi-bin/env.cgi?a=1&b=%2F%2Fx HTTP/1.1', { Accept: 'text/html' });
    assert.ok(isLoginRedirect(first, rig.idp));
    const agent = new Agent();
    agent.jar.absorb(rig.h.url, first.setCookies);
    const cb = await agent.nav(await signInAtIdp(agent, first.headers.location));
    assert.equal(cb.status, 302);
    assert.equal(cb.headers.location, `${rig.h.url}/cgi-bin/env.cgi?a=1&b=%2F%2Fx`);
    const page = await agent.nav(cb.headers.location);
    assert.equal(page.status, 200);
    assert.equal(page.json.QUERY_STRING, 'a=1&b=%2F%2Fx');
    // the same through the shared login() helper
    const l = await login(new Agent(), rig.h, rig.idp, '/cgi-bin/env.cgi?a=1&next=%2F%2Fx');
    assert.equal(l.location, `${rig.h.url}/cgi-bin/env.cgi?a=1&next=%2F%2Fx`);
  }));
});

describe('post-login return target: ≥ 200 open-redirect payloads as raw request targets', () => {
  it('every completed login lands on this origin; every other answer carries no off-site Location', withLogs(sources, async (t) => {
    const h = rig.h;
    const origin = new URL(h.url).origin;
    const payloads = openRedirectPayloads(h.port);
    assert.ok(payloads.length >= 200, `only ${payloads.length} payloads`);
    const idpCookie = await idpSessionCookie();

    // Phase 1: the request that starts the login.
    const firsts = await settlePool(payloads, 8, (target) => rawRequest(h.port, `GET ${target} HTTP/1.1`, NAV));
    const problems = [];
    const flows = [];
    const foreignCallbacks = new Set();
    firsts.forEach((r, i) => {
      const target = payloads[i];
      const label = JSON.stringify(target);
      if (!r.ok) { problems.push(`${label}: request failed: ${r.error.message}`); return; }
      const res = r.value;
      if (/x-injected|^location: http:\/\/evil/im.test(res.raw.split('\r\n\r\n')[0])) problems.push(`${label}: injected header in ${res.raw.slice(0, 300)}`);
      if (isLoginRedirect(res, rig.idp)) {
        const redirectUri = new URL(res.headers.location).searchParams.get('redirect_uri');
        if (new URL(redirectUri).origin !== origin) foreignCallbacks.add(redirectUri);
        flows.push({ target, res });
        return;
      }
      // Not a login: httpd refused the request line (400), or the path maps to nothing (404) …
      if (res.status >= 500) problems.push(`${label}: ${res.status} ${res.raw.slice(0, 200)}`);
      const loc = res.headers.location;
      if (loc) {
        try { assertSameOriginLocation(loc, h.url, label); } catch (e) { problems.push(e.message); }
      }
    });

    // An absolute-form target names the host and httpd builds the callback URL from it (as from a Host
    // header). Cognito accepts only registered callbacks: register them so those logins can finish too; the
    // browser then delivers the callback to this server (what counts is where the module sends us next).
    if (foreignCallbacks.size) {
      await rig.idp.call('POST', '/_test/clients', { clientId: 'testclient1', callbackURLs: [...foreignCallbacks] });
    }

    // Phase 2: finish each login through the emulator and look at the callback's Location.
    const outcomes = await settlePool(flows, 8, async ({ target, res }) => {
      const agent = new Agent();
      agent.jar.absorb(h.url, res.setCookies);
      agent.jar.set(rig.idp.url, 'cognito', idpCookie);
      const callbackUrl = new URL(await signInAtIdp(agent, res.headers.location));
      const cb = await agent.nav(`${h.url}${callbackUrl.pathname}${callbackUrl.search}`);
      return { target, cb };
    });
    let completed = 0;
    for (const [i, o] of outcomes.entries()) {
      const label = JSON.stringify(flows[i].target);
      if (!o.ok) { problems.push(`${label}: login flow failed: ${o.error.message.split('\n')[0]}`); continue; }
      const { cb } = o.value;
      if (cb.status !== 302) { problems.push(`${label}: callback answered ${cb.status}: ${cb.text.slice(0, 200)}`); continue; }
      if (cb.headers['x-injected']) problems.push(`${label}: injected header X-Injected on the callback answer`);
      try {
        assertSameOriginLocation(cb.headers.location, h.url, label);
        completed++;
      } catch (e) { problems.push(e.message); }
    }
    t.diagnostic(`${payloads.length} payloads: ${flows.length} started a login, ${completed} completed on this origin, ` +
      `${payloads.length - flows.length} refused before the module (400/404 …); ${foreignCallbacks.size} absolute-form hosts`);
    assert.deepEqual(problems, [], `${problems.length} problems:\n${problems.slice(0, 40).join('\n')}`);
    // the test must not pass for nothing: most payloads are real logins
    assert.ok(completed >= 150, `only ${completed} payloads completed a login`);
    assertNoCrash(h);
  }));

});

// ------------------------------------------------------------------------------------ logout

/** Asserts a logout answer: 302 to exactly <domain>/logout?client_id=testclient1&logout_uri=<expected>. */
function assertLogoutLocation(res, idp, expected, label) {
  assert.equal(res.status, 302, `${label}: ${res.status} ${String(res.text || '').slice(0, 200)}`);
  const loc = res.headers.location;
  const u = new URL(loc);
  assert.equal(`${u.origin}${u.pathname}`, `${idp.url}/logout`, `${label}: Location ${loc}`);
  assert.deepEqual([...u.searchParams.keys()], ['client_id', 'logout_uri'], `${label}: Location ${loc}`);
  assert.equal(u.searchParams.get('client_id'), 'testclient1', `${label}: Location ${loc}`);
  assert.equal(u.searchParams.get('logout_uri'), expected, `${label}: logout_uri in ${loc}`);
  assert.doesNotMatch(loc, /evil/i, `${label}: Location ${loc}`);
}

const EVIL = 'https://evil.example/';
const PARAMS = ['logout_uri', 'redirect', 'redirect_uri', 'post_logout_redirect_uri', 'next', 'target_link_uri', 'return_to',
  'returnTo', 'rd', 'url', 'continue', 'logout', 'client_id', 'state', 'id_token_hint'];

/** Every request shape aimed at the logout path, as rawHttp options. */
function logoutVariants(port) {
  const v = [];
  const P = '/protected/logout';
  v.push({ label: 'plain GET', path: P });
  for (const p of PARAMS) {
    v.push({ label: `?${p}=`, path: `${P}?${p}=${encodeURIComponent(EVIL)}` });
    v.push({ label: `?${p}= protocol-relative`, path: `${P}?${p}=//evil.example` });
  }
  v.push({ label: 'every parameter at once, twice', path: `${P}?${PARAMS.flatMap((p) => [`${p}=${encodeURIComponent(EVIL)}`, `${p}=//evil.example`]).join('&')}` });
  v.push({ label: 'encoded parameter name', path: `${P}?logout%5furi=${encodeURIComponent(EVIL)}` });
  v.push({ label: 'semicolon-separated', path: `${P}?a=1;logout_uri=${encodeURIComponent(EVIL)}` });
  v.push({ label: 'CR/LF in the query', path: `${P}?x=%0d%0aLocation:%20${encodeURIComponent(EVIL)}` });
  for (const host of ['evil.example', `evil.example:${port}`, 'evil.example:80', `127.0.0.1:${port}.evil.example`,
    `127.0.0.1:${port}@evil.example`, 'EVIL.EXAMPLE', '[::1]', 'localhost']) {
    v.push({ label: `Host: ${host}`, path: P, host });
  }
  for (const [name, value] of [['X-Forwarded-Host', 'evil.example'], ['X-Forwarded-Proto', 'https'], ['Forwarded', 'host=evil.example;proto=https'],
    ['X-Original-URL', '/evil'], ['X-Rewrite-URL', '/evil'], ['Referer', EVIL], ['Origin', 'https://evil.example']]) {
    v.push({ label: `${name}: ${value}`, path: P, headers: [[name, value]] });
  }
  v.push({ label: 'POST form with logout_uri', method: 'POST', path: P, headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: `logout_uri=${encodeURIComponent(EVIL)}&redirect=${encodeURIComponent(EVIL)}` });
  v.push({ label: 'POST JSON with logout_uri', method: 'POST', path: P, headers: [['Content-Type', 'application/json']], body: JSON.stringify({ logout_uri: EVIL }) });
  v.push({ label: 'POST body without Content-Type', method: 'POST', path: `${P}?next=//evil.example`, body: `logout_uri=${encodeURIComponent(EVIL)}` });
  v.push({ label: 'POST, empty body', method: 'POST', path: P, body: '' });
  return v;
}

/** Request targets next to the logout path: never a logout with another target, never off-site. */
const SUFFIXES = ['/protected/logout/', '/protected/logout/evil.example', '/protected/logout//evil.example', '/protected/logout/%2f%2fevil.example',
  '/protected/logout;logout_uri=https:%2f%2fevil.example', '/protected/logout%2f..%2f..%2fevil', '/protected/logout%3flogout_uri=https://evil.example',
  '/protected/logout/..//evil.example', '/protected/./logout?logout_uri=//evil.example', '/protected//logout', '/PROTECTED/LOGOUT',
  '/protected/logout%00', '/protected/logout.html', '/protected/logoutx'];

describe('logout target: only CognitoPostLogoutURI, whatever the request says', () => {
  it('query parameters, Host variants, forwarding headers and bodies never change Location or logout_uri', withLogs(sources, async (t) => {
    const expected = `http://127.0.0.1:${rig.h.port}/bye`;
    const problems = [];
    const refusedHosts = [];
    const variants = logoutVariants(rig.h.port);
    for (const v of variants) {
      const res = await rawHttp(rig.h.port, { method: v.method || 'GET', path: v.path, host: v.host, headers: v.headers || [], body: v.body });
      // httpd refused the Host header itself (400): nothing reached the module
      if (res.status === 400 && v.host) { refusedHosts.push(v.host); continue; }
      try { assertLogoutLocation(res, rig.idp, expected, v.label); } catch (e) { problems.push(e.message); }
    }
    t.diagnostic(`${variants.length} logout requests; Host values httpd itself refused: ${JSON.stringify(refusedHosts)}`);
    assert.ok(refusedHosts.length <= 3, `too many Host variants never reached the module: ${refusedHosts}`);
    // absolute-form targets naming another host
    for (const target of ['http://evil.example/protected/logout', 'https://evil.example/protected/logout?logout_uri=https://evil.example',
      `http://127.0.0.1:${rig.h.port}/protected/logout?logout_uri=//evil.example`]) {
      const res = await rawRequest(rig.h.port, `GET ${target} HTTP/1.1`, NAV);
      try { assertLogoutLocation(res, rig.idp, expected, target); } catch (e) { problems.push(e.message); }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  }));

  it('with a live session (ended by the logout), a hostile query and Host still change nothing', withLogs(sources, async () => {
    const expected = `http://127.0.0.1:${rig.h.port}/bye`;
    for (const v of [{ path: `/protected/logout?logout_uri=${encodeURIComponent(EVIL)}` }, { path: '/protected/logout?next=//evil.example', host: 'evil.example' },
      { method: 'POST', path: '/protected/logout', body: `logout_uri=${encodeURIComponent(EVIL)}` }]) {
      const agent = new Agent();
      const l = await login(agent, rig.h, rig.idp, '/cgi-bin/env.cgi');
      const res = await rawHttp(rig.h.port, { method: v.method || 'GET', path: v.path, host: v.host, headers: [['Cookie', `cognito_session=${l.sessionCookie}`]], body: v.body });
      assertLogoutLocation(res, rig.idp, expected, JSON.stringify(v));
      const after = await rawHttp(rig.h.port, { path: '/cgi-bin/env.cgi', headers: [['Cookie', `cognito_session=${l.sessionCookie}`], ['X-Requested-With', 'XMLHttpRequest']] });
      assert.equal(after.status, 401, 'the session ended');
    }
  }));

  it('path suffixes and look-alikes of the logout path: a login or an error, never an off-site Location', withLogs(sources, async () => {
    const problems = [];
    for (const p of SUFFIXES) {
      const res = await rawRequest(rig.h.port, `GET ${p} HTTP/1.1`, NAV);
      const loc = res.headers.location;
      if (res.status >= 500) problems.push(`${p}: ${res.status}`);
      if (!loc) continue;
      const u = new URL(loc, rig.h.url);
      if (u.origin === rig.idp.url && u.pathname === '/logout') {
        if (u.searchParams.get('logout_uri') !== `http://127.0.0.1:${rig.h.port}/bye`) problems.push(`${p}: logout_uri ${u.searchParams.get('logout_uri')}`);
      } else if (u.origin === rig.idp.url && u.pathname === '/oauth2/authorize') {
        if (new URL(u.searchParams.get('redirect_uri')).origin !== rig.h.url) problems.push(`${p}: redirect_uri ${u.searchParams.get('redirect_uri')}`);
      } else {
        try { assertSameOriginLocation(loc, rig.h.url, p); } catch (e) { problems.push(e.message); }
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  }));

  it('CognitoPostLogoutURI given as a path + UseCanonicalName On: the Host header cannot change logout_uri', withLogs(sources, async () => {
    // A path is made absolute with this server's name. Without UseCanonicalName On that name is the client's
    // Host header (as for CognitoRedirectURI); Cognito then refuses any logout_uri not registered for the app
    // client, so the browser can still not be sent elsewhere — SECURITY.md recommends an absolute URL.
    canon = await startLoginRig({ idp: rig.idp, postLogoutUri: '/bye', directives: 'UseCanonicalName On' });
    const expected = `http://127.0.0.1:${canon.h.port}/bye`;
    for (const host of [undefined, 'evil.example', `evil.example:${canon.h.port}`, 'localhost:1']) {
      const res = await rawHttp(canon.h.port, { path: '/protected/logout?logout_uri=//evil.example', host });
      assertLogoutLocation(res, rig.idp, expected, `Host: ${host}`);
    }
    assertNoCrash(canon.h);
  }));

  it('no httpd child crashed', () => {
    assertNoCrash(rig.h);
  });
});
