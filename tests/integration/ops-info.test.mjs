// Operability: the info endpoint (CognitoInfoPath). Signed in → 200 JSON with the user's claims (via
// "session", or via "bearer" for an access token); not signed in → 401 JSON, never a redirect; always
// Cache-Control: no-store; GET only; raw tokens only with CognitoPassTokens on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import { decode } from './lib/jwt.mjs';
import {
  ALICE_SUB, Agent, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, login, send, startLoginRig,
} from './lib/login.mjs';
import { STATUS_LOCATION } from './lib/ops.mjs';

// /app: CognitoInfoPath /app/me, tokens not passed.  /tok: the same with CognitoPassTokens on.
const SUFFIX = `
${STATUS_LOCATION}
<Location /tok>
    AuthType Cognito
    AuthName "tok"
    CognitoPassTokens on
    CognitoInfoPath /tok/me
    Require valid-user
</Location>
`;

const now = () => Date.now() / 1000;

function assertNoStore(res, what) {
  assert.match(String(res.headers['cache-control'] || ''), /no-store/, `${what}: Cache-Control ${res.headers['cache-control']}`);
}

function assertJson(res, what) {
  assert.match(String(res.headers['content-type'] || ''), /^application\/json/, `${what}: Content-Type ${res.headers['content-type']}`);
  assert.ok(res.json && typeof res.json === 'object', `${what}: body is JSON: ${res.text.slice(0, 300)}`);
}

/** 401 {"authenticated":false,…}: JSON, no-store, no redirect, no login started (no state cookie). */
function assertAnonymous(res, what) {
  assert.equal(res.status, 401, `${what}: ${res.status} ${res.headers.location || ''} ${res.text.slice(0, 300)}`);
  assertJson(res, what);
  assert.equal(res.json.authenticated, false, `${what}: authenticated:false`);
  assert.equal(res.json.error, 'login_required', `${what}: error`);
  for (const k of ['user', 'sub', 'claims', 'groups', 'access_token', 'id_token']) {
    assert.ok(!(k in res.json), `${what}: no ${k} for an anonymous caller`);
  }
  assert.equal(res.headers.location, undefined, `${what}: never a redirect`);
  assertNoStore(res, what);
  const stateCookies = res.setCookies.filter((c) => c.startsWith(`${SESSION_COOKIE}_state_`));
  assert.equal(stateCookies.length, 0, `${what}: no login is started: ${JSON.stringify(res.setCookies)}`);
}

describe('CognitoInfoPath', () => {
  let rig;
  const sources = () => rig?.sources() ?? [];
  before(async () => {
    rig = await startLoginRig({
      location: '/app', redirectUri: '/app/callback', logoutPath: '/app/logout',
      locationExtra: '    CognitoInfoPath /app/me', suffix: SUFFIX,
      files: { 'htdocs/app/index.html': '<!doctype html><title>app</title><p>app</p>\n', 'htdocs/tok/index.html': 'tok\n' },
    });
  });
  after(async () => { await rig?.stop(); });

  const url = (p) => rig.h.url + p;

  it('signed in: 200 JSON with the user and the claims, via session; no tokens without CognitoPassTokens', withLogs(sources, async () => {
    const agent = new Agent();
    const t0 = now();
    await login(agent, rig.h, rig.idp, '/app/', { username: 'alice' });
    const issued = (await rig.idp.call('GET', '/_test/issued')).at(-1);
    const idClaims = decode(issued.id_token).payload;
    const accessClaims = decode(issued.access_token).payload;

    for (const [how, res] of [['XHR', await agent.xhr(url('/app/me'))], ['navigation', await agent.nav(url('/app/me'))],
      ['plain GET', await agent.request(url('/app/me'))]]) {
      assert.equal(res.status, 200, `${how}: ${res.status} ${res.text.slice(0, 300)}`);
      assertJson(res, how);
      assertNoStore(res, how);
      const j = res.json;
      assert.equal(j.authenticated, true);
      assert.equal(j.via, 'session');
      assert.equal(j.user, 'alice');
      assert.equal(j.sub, ALICE_SUB);
      assert.deepEqual(j.groups, ['admin', 'staff']);
      assert.equal(j.tenant, 'acme');
      assert.equal(typeof j.scope, 'string');
      assert.deepEqual(j.scope.split(' ').sort(), accessClaims.scope.split(' ').sort(), 'scope of the access token');
      assert.equal(typeof j.session_expires, 'number', 'session_expires is a number');
      assert.ok(j.session_expires > t0 && j.session_expires <= t0 + 28800 + 5, `session_expires ${j.session_expires}`);
      assert.equal(typeof j.tokens_expire, 'number', 'tokens_expire is a number');
      assert.equal(j.tokens_expire, accessClaims.exp, 'tokens_expire = exp of the access token');
      // the claims are the ID token's
      assert.equal(typeof j.claims, 'object');
      for (const k of ['sub', 'email', 'cognito:username', 'custom:tenant_id', 'cognito:groups', 'name', 'email_verified', 'token_use', 'iss', 'aud']) {
        assert.deepEqual(j.claims[k], idClaims[k], `claims.${k}`);
      }
      assert.deepEqual(j.claims, Object.fromEntries(Object.entries(j.claims).map(([k]) => [k, idClaims[k]])),
        'every claim shown is the ID token\'s');
      assert.ok(!('access_token' in j) && !('id_token' in j) && !('refresh_token' in j), `no tokens: ${Object.keys(j)}`);
      for (const tok of [issued.access_token, issued.id_token, issued.refresh_token]) {
        assert.ok(!res.text.includes(tok.split('.')[2] || tok), 'no token text in the answer');
      }
    }
    // HEAD is a GET without a body
    const head = await agent.request(url('/app/me'), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assertNoStore(head, 'HEAD');
  }));

  it('CognitoPassTokens on: the raw tokens are included', withLogs(sources, async () => {
    const agent = new Agent();
    await login(agent, rig.h, rig.idp, '/tok/', { username: 'carol' });
    const issued = (await rig.idp.call('GET', '/_test/issued')).at(-1);
    const res = await agent.xhr(url('/tok/me'));
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assertJson(res, 'tok');
    assertNoStore(res, 'tok');
    assert.equal(res.json.via, 'session');
    assert.equal(res.json.user, 'carol');
    assert.deepEqual(res.json.groups, [], 'no cognito:groups claim → []');
    assert.equal(res.json.tenant, 'acme');
    assert.equal(res.json.access_token, issued.access_token);
    assert.equal(res.json.id_token, issued.id_token);
    assert.ok(!('refresh_token' in res.json), 'never the refresh token');
    // the same session at /app/me (tokens off there)
    const app = await agent.xhr(url('/app/me'));
    assert.equal(app.status, 200);
    assert.ok(!('access_token' in app.json) && !('id_token' in app.json));
  }));

  it('Bearer access token: 200 via "bearer"; a bad one is anonymous (401 JSON)', withLogs(sources, async () => {
    const { token, payload } = await rig.idp.mint({ username: 'bob', scope: 'openid email' });
    const h = { Accept: 'application/json', Authorization: `Bearer ${token}` };
    const res = await send(url('/app/me'), { headers: h });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assertJson(res, 'bearer');
    assertNoStore(res, 'bearer');
    assert.equal(res.json.authenticated, true);
    assert.equal(res.json.via, 'bearer');
    assert.equal(res.json.user, 'bob');
    assert.equal(res.json.sub, payload.sub);
    assert.deepEqual(res.json.groups, payload['cognito:groups']);
    assert.equal(res.json.scope, 'openid email');
    assert.equal(res.json.claims.sub, payload.sub);
    assert.equal(res.json.claims.token_use, 'access');
    assert.ok(!('access_token' in res.json) && !('id_token' in res.json), 'no tokens with CognitoPassTokens off');

    const tok = await send(url('/tok/me'), { headers: h });
    assert.equal(tok.status, 200);
    assert.equal(tok.json.via, 'bearer');
    assert.equal(tok.json.access_token, token, 'CognitoPassTokens on: the access token');
    assert.ok(!('id_token' in tok.json), 'no ID token with a Bearer request');

    for (const [what, bad] of [['expired', (await rig.idp.mint({ username: 'bob', expiresIn: -600 })).token],
      ['malformed', 'not-a-jwt'], ['ID token', (await rig.idp.mint({ tokenUse: 'id', username: 'bob' })).token]]) {
      const r = await send(url('/app/me'), { headers: { ...XHR_HEADERS, Authorization: `Bearer ${bad}` } });
      assertAnonymous(r, `Bearer ${what}`);
    }
  }));

  it('not signed in: 401 JSON for navigation, XHR, a bogus or stale cookie — never a redirect', withLogs(sources, async () => {
    assertAnonymous(await send(url('/app/me'), { headers: NAV_HEADERS }), 'navigation');
    assertAnonymous(await send(url('/app/me'), { headers: XHR_HEADERS }), 'XHR');
    assertAnonymous(await send(url('/app/me')), 'no headers at all');
    assertAnonymous(await send(url('/tok/me'), { headers: NAV_HEADERS }), 'navigation (PassTokens location)');
    const bogus = `${SESSION_COOKIE}=${'A'.repeat(43)}`;
    assertAnonymous(await send(url('/app/me'), { headers: { ...NAV_HEADERS, Cookie: bogus } }), 'bogus cookie (navigation)');
    assertAnonymous(await send(url('/app/me'), { headers: { ...XHR_HEADERS, Cookie: bogus } }), 'bogus cookie (XHR)');
    assertAnonymous(await send(url('/app/me'), { headers: { ...NAV_HEADERS, Cookie: `${SESSION_COOKIE}=garbage%00;x` } }), 'malformed cookie');

    // after logout the old cookie is anonymous too
    const agent = new Agent();
    const l = await login(agent, rig.h, rig.idp, '/app/', { username: 'bob' });
    assert.equal((await agent.xhr(url('/app/me'))).status, 200);
    assert.equal((await agent.nav(url('/app/logout'))).status, 302);
    assertAnonymous(await send(url('/app/me'), { headers: { ...NAV_HEADERS, Cookie: `${SESSION_COOKIE}=${l.sessionCookie}` } }),
      'cookie of a logged-out session');
    // the rest of the location still sends navigations to the login page
    const page = await send(url('/app/'), { headers: NAV_HEADERS });
    assert.equal(page.status, 302, 'other URLs of the location still start a login');
  }));

  it('only GET: POST (and PUT, DELETE) → 405, signed in or not', withLogs(sources, async () => {
    const agent = new Agent();
    await login(agent, rig.h, rig.idp, '/app/', { username: 'alice' });
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const signedIn = await agent.xhr(url('/app/me'), { method, headers: { 'Content-Type': 'application/json' }, body: '{}' });
      assert.equal(signedIn.status, 405, `${method} signed in: ${signedIn.status} ${signedIn.text.slice(0, 200)}`);
      assert.ok(!signedIn.text.includes('"authenticated":true'), `${method} signed in: no user data`);
      const anon = await send(url('/app/me'), { method, headers: { ...XHR_HEADERS, 'Content-Type': 'application/json' }, body: '{}' });
      assert.equal(anon.status, 405, `${method} anonymous: ${anon.status} ${anon.text.slice(0, 200)}`);
      assert.ok(!anon.text.includes('"authenticated":true'));
    }
  }));

  // RFC 9110 §15.5.6: a 405 response MUST carry Allow with the methods the resource supports.
  it('the 405 answers of the info and status handlers name GET in Allow', withLogs(sources, async () => {
    const agent = new Agent();
    await login(agent, rig.h, rig.idp, '/app/', { username: 'alice' });
    const answers = [
      ['info, signed in', await agent.xhr(url('/app/me'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })],
      ['info, anonymous', await send(url('/app/me'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })],
      ['cognito-status', await send(url('/cognito-status'), { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' })],
    ];
    for (const [what, res] of answers) {
      assert.equal(res.status, 405, `${what}: ${res.status}`);
      const allow = String(res.headers.allow || '').split(',').map((m) => m.trim());
      assert.ok(allow.includes('GET'), `${what}: Allow must list GET, got "${res.headers.allow}"`);
      assert.ok(!allow.includes('POST'), `${what}: Allow must not list POST, got "${res.headers.allow}"`);
    }
  }));
});
