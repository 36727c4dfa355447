// tokens.test.mjs — Cognito token shapes, JWKS/discovery documents, userInfo, client_credentials.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startMockCognito, loginTokens, decode, verifyWithJwks, getJson, postForm, basic, get } from './helpers.mjs';

let mock;
let jwks;
before(async () => {
  mock = await startMockCognito();
  jwks = (await getJson(mock.url, '/eu-west-1_TestPool1/.well-known/jwks.json')).body;
});
after(() => mock.close());

test('JWKS: two RSA-2048 RS256 signing keys with base64 (+ / =) kids', async () => {
  const r = await fetch(`${mock.url}/eu-west-1_TestPool1/.well-known/jwks.json`);
  assert.equal(r.headers.get('content-type'), 'application/json;charset=UTF-8');
  assert.equal(jwks.keys.length, 2);
  for (const k of jwks.keys) {
    assert.deepEqual(Object.keys(k), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    assert.equal(k.kty, 'RSA');
    assert.equal(k.alg, 'RS256');
    assert.equal(k.use, 'sig');
    assert.equal(k.e, 'AQAB');
    assert.equal(k.n.length, 342);
    assert.match(k.kid, /^[A-Za-z0-9+/]{43}=$/);
    assert.ok(k.kid.includes('+') && k.kid.includes('/'));
  }
  assert.notEqual(jwks.keys[0].kid, jwks.keys[1].kid);
});

test('discovery document has exactly Cognito’s field set', async () => {
  const d = (await getJson(mock.url, '/eu-west-1_TestPool1/.well-known/openid-configuration')).body;
  assert.deepEqual(Object.keys(d).sort(), [
    'authorization_endpoint', 'end_session_endpoint', 'id_token_signing_alg_values_supported', 'issuer', 'jwks_uri',
    'response_types_supported', 'revocation_endpoint', 'scopes_supported', 'subject_types_supported', 'token_endpoint',
    'token_endpoint_auth_methods_supported', 'userinfo_endpoint',
  ]);
  assert.equal(d.issuer, mock.issuer);
  assert.equal(d.jwks_uri, `${mock.issuer}/.well-known/jwks.json`);
  assert.equal(d.authorization_endpoint, `${mock.url}/oauth2/authorize`);
  assert.equal(d.token_endpoint, `${mock.url}/oauth2/token`);
  assert.equal(d.userinfo_endpoint, `${mock.url}/oauth2/userInfo`);
  assert.equal(d.end_session_endpoint, `${mock.url}/logout`);
  assert.deepEqual(d.id_token_signing_alg_values_supported, ['RS256']);
  const other = await get(mock.url, '/eu-west-1_Other/.well-known/jwks.json');
  assert.equal(other.status, 404);
});

test('access token shape (alice)', async () => {
  const t = await loginTokens(mock.url, { scope: 'openid email orders/read', nonce: 'nn' });
  const { header, payload } = decode(t.access_token);
  assert.deepEqual(header, { kid: header.kid, alg: 'RS256' });
  const p = verifyWithJwks(t.access_token, jwks);
  assert.deepEqual(Object.keys(p), ['sub', 'cognito:groups', 'iss', 'version', 'client_id', 'origin_jti', 'event_id', 'token_use', 'scope', 'auth_time', 'exp', 'iat', 'jti', 'username']);
  assert.equal(p.sub, '4f8e2a6c-1b3d-4e5f-9a7b-0c1d2e3f4a51');
  assert.deepEqual(p['cognito:groups'], ['admin', 'staff']);
  assert.equal(p.iss, mock.issuer);
  assert.equal(p.version, 2);
  assert.equal(p.client_id, 'testclient1');
  assert.equal(p.token_use, 'access');
  assert.equal(p.scope, 'openid email orders/read');
  assert.equal(p.username, 'alice');
  assert.equal(p.exp - p.iat, 3600);
  assert.ok(!('aud' in p));
  assert.ok(Math.abs(p.iat - Date.now() / 1000) < 5);
  assert.equal(payload.jti, p.jti);
});

test('ID token shape (alice): different kid, aud string, boolean email_verified, string custom:*, extra claims, at_hash', async () => {
  const t = await loginTokens(mock.url, { nonce: 'my-nonce' });
  const id = decode(t.id_token);
  const acc = decode(t.access_token);
  assert.deepEqual(Object.keys(id.header), ['kid', 'alg']);
  assert.notEqual(id.header.kid, acc.header.kid);
  const p = verifyWithJwks(t.id_token, jwks);
  assert.equal(p.aud, 'testclient1');
  assert.equal(p.token_use, 'id');
  assert.equal(p['cognito:username'], 'alice');
  assert.equal(p.email_verified, true);
  assert.equal(p.email, 'alice@example.com');
  assert.equal(p.name, 'Alice Example');
  assert.equal(p.nonce, 'my-nonce');
  assert.equal(p['custom:tenant_id'], 'acme');
  assert.equal(p['custom:plan'], 'pro');
  assert.equal(p.score, 42);
  assert.equal(p.beta, true);
  assert.deepEqual(p.prefs, { theme: 'dark' });
  assert.deepEqual(p.regions, ['eu', 'us']);
  assert.ok(!('client_id' in p) && !('username' in p) && !('scope' in p));
  assert.equal(p.origin_jti, acc.payload.origin_jti);
  assert.equal(p.event_id, acc.payload.event_id);
  assert.equal(p.auth_time, acc.payload.auth_time);
  assert.notEqual(p.jti, acc.payload.jti);
  const digest = crypto.createHash('sha256').update(t.access_token).digest();
  assert.equal(p.at_hash, digest.subarray(0, 16).toString('base64url'));
  for (const k of ['at_hash', 'sub', 'cognito:groups', 'email_verified', 'iss', 'cognito:username', 'origin_jti', 'aud', 'event_id', 'token_use', 'auth_time', 'name', 'nonce', 'exp', 'iat', 'jti', 'email']) {
    assert.ok(k in p, k);
  }
});

test('carol: no groups → no cognito:groups claim in either token; email_verified false', async () => {
  const t = await loginTokens(mock.url, { username: 'carol', password: 'Carol-Passw0rd!' });
  const id = decode(t.id_token).payload;
  const acc = decode(t.access_token).payload;
  assert.ok(!('cognito:groups' in id));
  assert.ok(!('cognito:groups' in acc));
  assert.equal(id.email_verified, false);
  assert.equal(id['custom:tenant_id'], 'acme');
});

test('bob, mallory, dave fixtures', async () => {
  const bob = decode((await loginTokens(mock.url, { username: 'bob', password: 'Bob-Passw0rd!' })).id_token).payload;
  assert.deepEqual(bob['cognito:groups'], ['staff']);
  assert.equal(bob['custom:tenant_id'], 'globex');
  assert.equal(bob['custom:plan'], 'basic');
  const mal = decode((await loginTokens(mock.url, { username: 'mallory', password: 'Mallory-Passw0rd!' })).id_token).payload;
  assert.equal(mal['custom:note'], 'line1\r\nline2\u0000end');
  assert.equal(mal['custom:plan'], 'pro');
  const dave = await loginTokens(mock.url, { username: 'dave', password: 'Dave-Passw0rd!' });
  const d = verifyWithJwks(dave.id_token, jwks);
  assert.equal(d['cognito:groups'].length, 100);
  assert.equal(d['cognito:groups'][0], 'group-000');
  assert.equal(d['cognito:groups'][99], 'group-099');
  const attrs = Object.keys(d).filter((k) => /^custom:attr\d\d$/.test(k));
  assert.equal(attrs.length, 20);
  for (const k of attrs) assert.equal(d[k].length, 100);
  assert.equal(decode(dave.access_token).payload['cognito:groups'].length, 100);
});

test('userInfo: attributes with string booleans; 401 WWW-Authenticate for bad tokens', async () => {
  const t = await loginTokens(mock.url);
  const r = await getJson(mock.url, '/oauth2/userInfo', { headers: { authorization: `Bearer ${t.access_token}` } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json;charset=UTF-8');
  assert.equal(r.body.sub, '4f8e2a6c-1b3d-4e5f-9a7b-0c1d2e3f4a51');
  assert.equal(r.body.email_verified, 'true');
  assert.equal(r.body.phone_number_verified, 'false');
  assert.equal(r.body.username, 'alice');
  assert.equal(r.body['custom:tenant_id'], 'acme');
  assert.ok(!('cognito:groups' in r.body));
  const lower = await getJson(mock.url, '/oauth2/userinfo', { headers: { authorization: `Bearer ${t.access_token}` } });
  assert.equal(lower.status, 200);
  const expect401 = async (tok) => {
    const x = await getJson(mock.url, '/oauth2/userInfo', { headers: { authorization: `Bearer ${tok}` } });
    assert.equal(x.status, 401);
    assert.equal(x.headers.get('www-authenticate'), 'Bearer error="invalid_token", error_description="Access token is expired, disabled, or deleted, or the user has globally signed out."');
    assert.equal(x.body.error, 'invalid_token');
  };
  await expect401(t.id_token); // ID token is not an access token
  await expect401('garbage');
  const parts = t.access_token.split('.');
  await expect401(`${parts[0]}.${parts[1]}.${Buffer.from('x'.repeat(256)).toString('base64url')}`);
  const missing = await getJson(mock.url, '/oauth2/userInfo');
  assert.equal(missing.status, 401);
});

test('client_credentials: access token only, sub = client_id, custom scopes only', async () => {
  const auth = { authorization: basic('secretclient', 's3cr3t-value-for-tests') };
  let r = await postForm(mock.url, '/oauth2/token', { grant_type: 'client_credentials', scope: 'orders/read' }, auth);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json), ['access_token', 'expires_in', 'token_type']);
  const p = verifyWithJwks(r.json.access_token, jwks);
  assert.deepEqual(Object.keys(p), ['sub', 'token_use', 'scope', 'auth_time', 'iss', 'exp', 'iat', 'version', 'jti', 'client_id']);
  assert.equal(p.sub, 'secretclient');
  assert.equal(p.scope, 'orders/read');
  r = await postForm(mock.url, '/oauth2/token', { grant_type: 'client_credentials' }, auth);
  assert.equal(decode(r.json.access_token).payload.scope, 'orders/read orders/write');
  r = await postForm(mock.url, '/oauth2/token', { grant_type: 'client_credentials', scope: 'openid' }, auth);
  assert.deepEqual([r.status, r.json], [400, { error: 'invalid_scope' }]);
  r = await postForm(mock.url, '/oauth2/token', { grant_type: 'client_credentials', client_id: 'testclient1' });
  assert.deepEqual([r.status, r.json], [400, { error: 'unauthorized_client' }]);
});

test('lifetimes: pool-wide and per-client', async () => {
  await fetch(`${mock.url}/_test/lifetimes`, { method: 'POST', body: JSON.stringify({ accessTokenSeconds: 300, idTokenSeconds: 600 }) });
  let t = await loginTokens(mock.url);
  assert.equal(t.expires_in, 300);
  let a = decode(t.access_token).payload;
  let i = decode(t.id_token).payload;
  assert.equal(a.exp - a.iat, 300);
  assert.equal(i.exp - i.iat, 600);
  await fetch(`${mock.url}/_test/clients`, { method: 'POST', body: JSON.stringify({ clientId: 'otherclient', accessTokenSeconds: 120 }) });
  t = await loginTokens(mock.url, { clientId: 'otherclient' });
  a = decode(t.access_token).payload;
  assert.equal(a.exp - a.iat, 120);
  await fetch(`${mock.url}/_test/lifetimes`, { method: 'POST', body: JSON.stringify({ accessTokenSeconds: 3600, idTokenSeconds: 3600 }) });
});
