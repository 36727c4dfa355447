// flow.test.mjs — Hosted-UI code flow with PKCE over real HTTP, authorize/login/logout validation and errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMockCognito, browserLogin, exchangeCode, authorizeQuery, get, postForm, pkce, hiddenFields, CALLBACK, getJson, postJson,
} from './helpers.mjs';

let mock;
before(async () => {
  mock = await startMockCognito();
});
after(() => mock.close());

test('startMockCognito returns port/url/issuer/poolId', () => {
  assert.equal(mock.url, `http://127.0.0.1:${mock.port}`);
  assert.equal(mock.poolId, 'eu-west-1_TestPool1');
  assert.equal(mock.issuer, `${mock.url}/eu-west-1_TestPool1`);
  assert.ok(mock.state);
});

test('full code flow with PKCE: authorize → login → code → tokens', async () => {
  const l = await browserLogin(mock.url, { state: 'abc', nonce: 'nonce-1' });
  assert.ok(l.location.startsWith(`${CALLBACK}?code=`));
  assert.match(l.code, /^[0-9a-f-]{36}$/);
  assert.equal(l.state, 'abc');
  assert.ok(l.cookie, 'session cookie set');
  const t = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier });
  assert.equal(t.status, 200);
  assert.equal(t.headers.get('content-type'), 'application/json;charset=UTF-8');
  assert.equal(t.headers.get('cache-control'), 'no-store');
  assert.deepEqual(Object.keys(t.json), ['id_token', 'access_token', 'refresh_token', 'expires_in', 'token_type']);
  assert.equal(t.json.token_type, 'Bearer');
  assert.equal(t.json.expires_in, 3600);
  // code is single use
  const again = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier });
  assert.equal(again.status, 400);
  assert.deepEqual(again.json, { error: 'invalid_grant' });
});

test('login form: Hosted-UI fields, hidden params, login_hint, lang', async () => {
  const { challenge } = pkce();
  const r = await get(mock.url, `/login?${authorizeQuery({ challenge, extra: { login_hint: 'bob', lang: 'de' } })}`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  const html = await r.text();
  const h = hiddenFields(html);
  assert.equal(h.client_id, 'testclient1');
  assert.equal(h.code_challenge, challenge);
  assert.equal(h.state, 'st-123');
  assert.match(html, /<html lang="de">/);
  assert.match(html, /name="username"[^>]*value="bob"/);
});

test('wrong password re-renders the form with 200 and an error; no cookie, no code', async () => {
  const { challenge } = pkce();
  const q = authorizeQuery({ challenge });
  const r = await postForm(mock.url, `/login?${q}`, { username: 'alice', password: 'nope' });
  assert.equal(r.status, 200);
  assert.match(r.text, /Incorrect username or password\./);
  assert.equal(r.headers.get('location'), null);
  assert.ok(!/cognito=/.test(r.headers.get('set-cookie') || ''));
  const u = await postForm(mock.url, `/login?${q}`, { username: 'nobody', password: 'x' });
  assert.equal(u.status, 200);
  assert.match(u.text, /Incorrect username or password\./);
});

test('non-ASCII username zoë logs in (NFC/NFD and case-insensitive)', async () => {
  for (const name of ['zoë', 'zoe\u0308', 'ZOË']) {
    const l = await browserLogin(mock.url, { username: name, password: 'Zoe-Passw0rd!' });
    const t = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier });
    assert.equal(t.status, 200);
    const p = JSON.parse(Buffer.from(t.json.id_token.split('.')[1], 'base64url'));
    assert.equal(p['cognito:username'], 'zoë');
    assert.equal(p.name, 'Zoë Ünïcødé');
  }
});

test('existing Hosted-UI session cookie: authorize issues a code immediately', async () => {
  const l = await browserLogin(mock.url);
  const p = pkce();
  const r = await get(mock.url, `/oauth2/authorize?${authorizeQuery({ challenge: p.challenge, state: 's2' })}`, { cookie: `cognito=${l.cookie}` });
  assert.equal(r.status, 302);
  const u = new URL(r.headers.get('location'));
  assert.equal(u.origin + u.pathname, CALLBACK);
  assert.equal(u.searchParams.get('state'), 's2');
  const t = await exchangeCode(mock.url, { code: u.searchParams.get('code'), verifier: p.verifier });
  assert.equal(t.status, 200);
  // prompt=login forces the form even with a session
  const f = await get(mock.url, `/oauth2/authorize?${authorizeQuery({ challenge: p.challenge, extra: { prompt: 'login' } })}`, { cookie: `cognito=${l.cookie}` });
  assert.match(f.headers.get('location'), /^\/login\?/);
  // prompt=none without a session → error=login_required
  const n = await get(mock.url, `/oauth2/authorize?${authorizeQuery({ challenge: p.challenge, extra: { prompt: 'none' } })}`);
  assert.equal(new URL(n.headers.get('location')).searchParams.get('error'), 'login_required');
});

test('authorize without state/nonce/PKCE still works (state omitted from callback)', async () => {
  const r = await get(mock.url, `/oauth2/authorize?${authorizeQuery({ extra: { state: null, nonce: null } })}`);
  assert.equal(r.status, 302);
  const l = await browserLogin(mock.url, { extra: { state: null, nonce: null, code_challenge: null, code_challenge_method: null } });
  assert.equal(l.state, null);
  const t = await exchangeCode(mock.url, { code: l.code });
  assert.equal(t.status, 200);
  const p = JSON.parse(Buffer.from(t.json.id_token.split('.')[1], 'base64url'));
  assert.ok(!('nonce' in p));
});

async function authorizeError(extra, init) {
  const { challenge } = pkce();
  const r = await get(mock.url, `/oauth2/authorize?${authorizeQuery({ challenge, extra })}`, init);
  return r;
}

test('authorize: unknown client_id and unregistered redirect_uri go to the Cognito error page, never to the caller', async () => {
  let r = await authorizeError({ client_id: 'nosuchclient' });
  assert.equal(r.status, 302);
  assert.match(r.headers.get('location'), /^\/error\?error=invalid_request&client_id=nosuchclient$/);
  const page = await get(mock.url, r.headers.get('location'));
  assert.equal(page.status, 400);
  assert.match(await page.text(), /An error was encountered with the requested page/);
  r = await authorizeError({ redirect_uri: 'https://evil.example.com/cb' });
  assert.equal(r.headers.get('location'), '/error?error=redirect_mismatch&client_id=testclient1');
  r = await authorizeError({ redirect_uri: null });
  assert.equal(r.headers.get('location'), '/error?error=redirect_mismatch&client_id=testclient1');
  r = await authorizeError({ redirect_uri: `${CALLBACK}#frag` });
  assert.equal(r.headers.get('location'), '/error?error=redirect_mismatch&client_id=testclient1');
});

test('authorize: errors redirected to the callback with state', async () => {
  const cases = [
    [{ response_type: null }, 'invalid_request'],
    [{ response_type: 'token' }, 'unauthorized_client'],
    [{ response_type: 'id_token' }, 'unsupported_response_type'],
    [{ code_challenge_method: 'plain' }, 'invalid_request'],
    [{ code_challenge: null }, 'invalid_request'],
    [{ code_challenge_method: null }, 'invalid_request'],
    [{ code_challenge: 'short' }, 'invalid_request'],
    [{ scope: 'openid nosuch/scope' }, 'invalid_scope'],
    [{ scope: 'openid bogus' }, 'invalid_scope'],
  ];
  for (const [extra, err] of cases) {
    const r = await authorizeError(extra);
    assert.equal(r.status, 302, JSON.stringify(extra));
    const u = new URL(r.headers.get('location'));
    assert.equal(u.origin + u.pathname, CALLBACK);
    assert.equal(u.searchParams.get('error'), err, JSON.stringify(extra));
    assert.equal(u.searchParams.get('state'), 'st-123');
    assert.equal(u.searchParams.get('code'), null);
  }
});

test('authorize: scopes not enabled on the client are dropped; none requested = all', async () => {
  await postJson(mock.url, '/_test/clients', { clientId: 'narrow', scopes: ['openid', 'email'] });
  const l = await browserLogin(mock.url, { clientId: 'narrow', scope: 'openid email profile orders/read' });
  const t = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier, clientId: 'narrow' });
  assert.equal(JSON.parse(Buffer.from(t.json.access_token.split('.')[1], 'base64url')).scope, 'openid email');
  const all = await browserLogin(mock.url, { scope: '' });
  const t2 = await exchangeCode(mock.url, { code: all.code, verifier: all.verifier });
  assert.equal(JSON.parse(Buffer.from(t2.json.access_token.split('.')[1], 'base64url')).scope,
    'openid email profile phone aws.cognito.signin.user.admin orders/read orders/write');
  // no openid → no ID token
  const noid = await browserLogin(mock.url, { scope: 'orders/read' });
  const t3 = await exchangeCode(mock.url, { code: noid.code, verifier: noid.verifier });
  assert.deepEqual(Object.keys(t3.json), ['access_token', 'refresh_token', 'expires_in', 'token_type']);
});

test('exact callback matching when allowAnyLoopbackCallback is off', async () => {
  await postJson(mock.url, '/_test/clients', { clientId: 'strict', allowAnyLoopbackCallback: false, callbackURLs: ['https://app.example.com/cb'], logoutURLs: ['https://app.example.com/'] });
  let r = await authorizeError({ client_id: 'strict' });
  assert.equal(r.headers.get('location'), '/error?error=redirect_mismatch&client_id=strict');
  r = await authorizeError({ client_id: 'strict', redirect_uri: 'https://app.example.com/cb' });
  assert.match(r.headers.get('location'), /^\/login\?/);
  r = await authorizeError({ client_id: 'strict', redirect_uri: 'https://app.example.com/cb/' });
  assert.equal(r.headers.get('location'), '/error?error=redirect_mismatch&client_id=strict');
  r = await get(mock.url, '/logout?client_id=strict&logout_uri=https%3A%2F%2Fapp.example.com%2F');
  assert.equal(r.headers.get('location'), 'https://app.example.com/');
  r = await get(mock.url, `/logout?client_id=strict&logout_uri=${encodeURIComponent('http://127.0.0.1:9/')}`);
  assert.equal(r.headers.get('location'), '/error?error=redirect_mismatch&client_id=strict');
});

test('token endpoint: code bound to redirect_uri, client and PKCE verifier', async () => {
  let l = await browserLogin(mock.url);
  let t = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier, redirectUri: 'http://127.0.0.1:8080/other' });
  assert.deepEqual([t.status, t.json], [400, { error: 'invalid_grant' }]);
  l = await browserLogin(mock.url);
  t = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier, clientId: 'otherclient' });
  assert.deepEqual([t.status, t.json], [400, { error: 'invalid_grant' }]);
  l = await browserLogin(mock.url);
  t = await exchangeCode(mock.url, { code: l.code, verifier: pkce().verifier });
  assert.deepEqual([t.status, t.json], [400, { error: 'invalid_grant' }]);
  l = await browserLogin(mock.url);
  t = await exchangeCode(mock.url, { code: l.code });
  assert.deepEqual([t.status, t.json], [400, { error: 'invalid_grant' }]);
  t = await exchangeCode(mock.url, { code: 'not-a-code', verifier: l.verifier });
  assert.deepEqual([t.status, t.json], [400, { error: 'invalid_grant' }]);
});

test('token endpoint: request validation errors', async () => {
  const f = (params, headers) => postForm(mock.url, '/oauth2/token', params, headers);
  assert.deepEqual((await f({ client_id: 'testclient1' })).json, { error: 'invalid_request' });
  assert.deepEqual((await f({ client_id: 'testclient1', grant_type: 'password' })).json, { error: 'unsupported_grant_type' });
  assert.deepEqual((await f({ grant_type: 'authorization_code', code: 'x', redirect_uri: CALLBACK })).json, { error: 'invalid_request' });
  assert.deepEqual((await f({ client_id: 'nosuch', grant_type: 'authorization_code', code: 'x' })).json, { error: 'invalid_client' });
  assert.deepEqual((await f({ client_id: 'testclient1', grant_type: 'authorization_code' })).json, { error: 'invalid_request' });
  const json = await fetch(`${mock.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(json.status, 400);
  const big = await fetch(`${mock.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a='.padEnd(2 * 1024 * 1024, 'x') });
  assert.equal(big.status, 413);
  const getr = await fetch(`${mock.url}/oauth2/token`);
  assert.equal(getr.status, 405);
});

test('confidential client: Basic (url-decoded) and client_secret_post; missing/wrong secret → 400 invalid_client', async () => {
  const secret = 's3cr3t-value-for-tests';
  let l = await browserLogin(mock.url, { clientId: 'secretclient' });
  let t = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier, clientId: 'secretclient', secret });
  assert.equal(t.status, 200);
  l = await browserLogin(mock.url, { clientId: 'secretclient' });
  t = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier, clientId: 'secretclient', secret, useBasic: false });
  assert.equal(t.status, 200);
  l = await browserLogin(mock.url, { clientId: 'secretclient' });
  t = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier, clientId: 'secretclient' });
  assert.deepEqual([t.status, t.json], [400, { error: 'invalid_client' }]);
  t = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier, clientId: 'secretclient', secret: 'wrong' });
  assert.deepEqual([t.status, t.json], [400, { error: 'invalid_client' }]);
  // the code survived the failed client authentications
  t = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier, clientId: 'secretclient', secret });
  assert.equal(t.status, 200);
  // a secret containing characters that RFC 6749 §2.3.1 form-encodes
  const odd = 'p@ss w:rd+/=%&';
  await postJson(mock.url, '/_test/clients', { clientId: 'oddsecret', clientSecret: odd });
  l = await browserLogin(mock.url, { clientId: 'oddsecret' });
  t = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier, clientId: 'oddsecret', secret: odd });
  assert.equal(t.status, 200, t.text);
  // public client sending a secret
  l = await browserLogin(mock.url);
  t = await exchangeCode(mock.url, { code: l.code, verifier: l.verifier, secret: 'x', useBasic: false });
  assert.deepEqual(t.json, { error: 'invalid_client' });
});

test('logout: clears the session cookie, validates logout_uri, records events', async () => {
  await postJson(mock.url, '/_test/events/reset');
  const l = await browserLogin(mock.url);
  const target = 'http://127.0.0.1:8080/bye?x=1';
  let r = await get(mock.url, `/logout?client_id=testclient1&logout_uri=${encodeURIComponent(target)}`, { cookie: `cognito=${l.cookie}` });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), target);
  assert.match(r.headers.get('set-cookie'), /^cognito=; .*Max-Age=0/);
  // the old cookie no longer gives a session
  const { challenge } = pkce();
  r = await get(mock.url, `/oauth2/authorize?${authorizeQuery({ challenge })}`, { cookie: `cognito=${l.cookie}` });
  assert.match(r.headers.get('location'), /^\/login\?/);
  r = await get(mock.url, '/logout?client_id=testclient1&logout_uri=https%3A%2F%2Fevil.example%2F');
  assert.equal(r.headers.get('location'), '/error?error=redirect_mismatch&client_id=testclient1');
  r = await get(mock.url, '/logout?client_id=nosuch&logout_uri=http%3A%2F%2F127.0.0.1%3A1%2F');
  assert.equal(r.headers.get('location'), '/error?error=invalid_request&client_id=nosuch');
  r = await get(mock.url, '/logout?client_id=testclient1');
  assert.equal(r.headers.get('location'), '/error?error=invalid_request&client_id=testclient1');
  // re-login variant
  r = await get(mock.url, `/logout?client_id=testclient1&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}&state=q`);
  assert.match(r.headers.get('location'), /^\/login\?client_id=testclient1&redirect_uri=.*&response_type=code&state=q$/);
  const ev = (await getJson(mock.url, '/_test/events?type=logout')).body;
  assert.deepEqual(ev.map((e) => e.outcome), ['ok', 'redirect_mismatch', 'invalid_client', 'invalid_request', 'ok']);
  assert.equal(ev[0].username, 'alice');
  assert.equal(ev[0].detail.logout_uri, target);
});

test("errorPageMode 'inline' answers 400 pages directly", async () => {
  const m = await startMockCognito({ errorPageMode: 'inline' });
  try {
    const r = await get(m.url, `/oauth2/authorize?${authorizeQuery({ client_id: 'x', extra: { client_id: 'nosuch' } })}`);
    assert.equal(r.status, 400);
    assert.match(await r.text(), /An error was encountered/);
  } finally {
    await m.close();
  }
});

test('enforceCsrf requires the _csrf field to match the XSRF-TOKEN cookie', async () => {
  const m = await startMockCognito({ enforceCsrf: true });
  try {
    const l = await browserLogin(m.url); // helper sends the cookie back
    assert.ok(l.code);
    const { challenge } = pkce();
    const r = await postForm(m.url, `/login?${authorizeQuery({ challenge })}`, { username: 'alice', password: 'Alice-Passw0rd!', _csrf: 'forged' });
    assert.equal(r.status, 403);
  } finally {
    await m.close();
  }
});

test('disabled users cannot sign in', async () => {
  await postJson(mock.url, '/_test/users', { username: 'tmpuser', password: 'Tmp-Passw0rd!', enabled: false, attributes: { email: 't@example.com' } });
  const { challenge } = pkce();
  const r = await postForm(mock.url, `/login?${authorizeQuery({ challenge })}`, { username: 'tmpuser', password: 'Tmp-Passw0rd!' });
  assert.equal(r.status, 200);
  assert.match(r.text, /User is disabled\./);
});

test('malformed requests never crash the server', async () => {
  const odd = ['/oauth2/authorize?%zz=%', '/login?client_id=%FF%FE', '/%2e%2e/%2e%2e/etc/passwd', '/oauth2/userInfo', '/nothing', '/x/.well-known/jwks.json'];
  for (const p of odd) {
    const r = await get(mock.url, p);
    assert.ok(r.status >= 200 && r.status < 500, `${p} → ${r.status}`);
    await r.arrayBuffer();
  }
  const r = await postForm(mock.url, '/login', 'username=%ZZ&&&=');
  assert.ok(r.status < 500);
  const c = await postJson(mock.url, '/_test/mint', { tokenUse: 'weird' });
  assert.equal(c.status, 400);
  const j = await fetch(`${mock.url}/_test/mint`, { method: 'POST', body: '{not json' });
  assert.equal(j.status, 400);
  assert.equal((await getJson(mock.url, '/_test/counters')).status, 200);
});
