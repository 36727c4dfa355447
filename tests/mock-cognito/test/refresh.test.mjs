// refresh.test.mjs — refresh_token grant with/without rotation, /oauth2/revoke, global sign-out, expiry.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startMockCognito, loginTokens, decode, getJson, postJson, postForm, basic, sleep } from './helpers.mjs';

let mock;
before(async () => {
  mock = await startMockCognito();
});
after(() => mock.close());
beforeEach(() => postJson(mock.url, '/_test/reset'));

const refresh = (rt, clientId = 'testclient1', headers = {}) =>
  postForm(mock.url, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: rt, ...(clientId ? { client_id: clientId } : {}) }, headers);
const userInfo = (at) => getJson(mock.url, '/oauth2/userInfo', { headers: { authorization: `Bearer ${at}` } });

test('refresh token is an opaque 5-part JWE-shaped string', async () => {
  const t = await loginTokens(mock.url);
  const parts = t.refresh_token.split('.');
  assert.equal(parts.length, 5);
  for (const p of parts) assert.match(p, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(JSON.parse(Buffer.from(parts[0], 'base64url')), { cty: 'JWT', enc: 'A256GCM', alg: 'RSA-OAEP' });
});

test('refresh without rotation: new id+access, no refresh_token, auth_time/origin_jti kept, no nonce', async () => {
  const t = await loginTokens(mock.url, { nonce: 'orig-nonce' });
  await sleep(1100); // so iat differs
  const r = await refresh(t.refresh_token);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.deepEqual(Object.keys(r.json), ['id_token', 'access_token', 'expires_in', 'token_type']);
  const oldId = decode(t.id_token).payload;
  const newId = decode(r.json.id_token).payload;
  const oldAt = decode(t.access_token).payload;
  const newAt = decode(r.json.access_token).payload;
  assert.equal(oldId.nonce, 'orig-nonce');
  assert.ok(!('nonce' in newId));
  assert.equal(newId.auth_time, oldId.auth_time);
  assert.equal(newAt.auth_time, oldAt.auth_time);
  assert.equal(newId.origin_jti, oldId.origin_jti);
  assert.equal(newAt.origin_jti, oldAt.origin_jti);
  assert.notEqual(newAt.jti, oldAt.jti);
  assert.ok(newAt.iat > oldAt.iat);
  assert.equal(newAt.scope, oldAt.scope);
  // still usable again (no rotation)
  assert.equal((await refresh(t.refresh_token)).status, 200);
  const c = (await getJson(mock.url, '/_test/counters')).body;
  assert.equal(c['token:refresh_token'], 2);
  assert.equal(c['token:authorization_code'], 1);
});

test('refresh: wrong client, unknown token, missing token', async () => {
  const t = await loginTokens(mock.url);
  assert.deepEqual((await refresh(t.refresh_token, 'otherclient')).json, { error: 'invalid_grant' });
  assert.deepEqual((await refresh('a.b.c.d.e')).json, { error: 'invalid_grant' });
  const m = await postForm(mock.url, '/oauth2/token', { grant_type: 'refresh_token', client_id: 'testclient1' });
  assert.deepEqual([m.status, m.json], [400, { error: 'invalid_request' }]);
  // confidential client needs its secret for refresh as well
  const s = await loginTokens(mock.url, { clientId: 'secretclient', secret: 's3cr3t-value-for-tests' });
  assert.deepEqual((await refresh(s.refresh_token, 'secretclient')).json, { error: 'invalid_client' });
  const ok = await refresh(s.refresh_token, null, { authorization: basic('secretclient', 's3cr3t-value-for-tests') });
  assert.equal(ok.status, 200);
});

test('rotation with grace 0: new refresh token each time, old one dead at once', async () => {
  await postJson(mock.url, '/_test/clients', { clientId: 'testclient1', refreshTokenRotation: true, rotationGracePeriodSeconds: 0 });
  const t = await loginTokens(mock.url);
  const r1 = await refresh(t.refresh_token);
  assert.equal(r1.status, 200);
  assert.deepEqual(Object.keys(r1.json), ['id_token', 'access_token', 'refresh_token', 'expires_in', 'token_type']);
  assert.notEqual(r1.json.refresh_token, t.refresh_token);
  assert.deepEqual((await refresh(t.refresh_token)).json, { error: 'invalid_grant' });
  const r2 = await refresh(r1.json.refresh_token);
  assert.equal(r2.status, 200);
  assert.equal(decode(r2.json.access_token).payload.origin_jti, decode(t.access_token).payload.origin_jti);
  const ev = (await getJson(mock.url, '/_test/events?type=token')).body;
  assert.deepEqual(ev.map((e) => [e.grant, e.outcome]), [
    ['authorization_code', 'ok'], ['refresh_token', 'ok'], ['refresh_token', 'invalid_grant'], ['refresh_token', 'ok'],
  ]);
  assert.equal(ev[2].detail, 'refresh token rotated');
});

test('rotation with grace period: old token works until the grace period ends', async () => {
  await postJson(mock.url, '/_test/clients', { clientId: 'testclient1', refreshTokenRotation: true, rotationGracePeriodSeconds: 1 });
  const t = await loginTokens(mock.url);
  assert.equal((await refresh(t.refresh_token)).status, 200);
  assert.equal((await refresh(t.refresh_token)).status, 200);
  await sleep(1100);
  assert.deepEqual((await refresh(t.refresh_token)).json, { error: 'invalid_grant' });
});

test('revoke: 200 empty body; refresh token and its access tokens dead; unknown tokens also 200', async () => {
  const t = await loginTokens(mock.url);
  const other = await loginTokens(mock.url);
  assert.equal((await userInfo(t.access_token)).status, 200);
  const r = await postForm(mock.url, '/oauth2/revoke', { token: t.refresh_token, client_id: 'testclient1' });
  assert.equal(r.status, 200);
  assert.equal(r.text, '');
  assert.deepEqual((await refresh(t.refresh_token)).json, { error: 'invalid_grant' });
  assert.equal((await userInfo(t.access_token)).status, 401);
  // other sign-ins of the same user are unaffected
  assert.equal((await refresh(other.refresh_token)).status, 200);
  assert.equal((await userInfo(other.access_token)).status, 200);
  const again = await postForm(mock.url, '/oauth2/revoke', { token: t.refresh_token, client_id: 'testclient1' });
  assert.equal(again.status, 200);
  const unknown = await postForm(mock.url, '/oauth2/revoke', { token: 'x.y.z.w.v', client_id: 'testclient1' });
  assert.equal(unknown.status, 200);
  const ev = (await getJson(mock.url, '/_test/events?type=revoke')).body;
  assert.deepEqual(ev.map((e) => e.outcome), ['ok', 'ok', 'unknown_token']);
  assert.equal(ev[0].username, 'alice');
  assert.equal((await getJson(mock.url, '/_test/counters')).body.revoke, 3);
});

test('revoke: errors', async () => {
  const t = await loginTokens(mock.url);
  let r = await postForm(mock.url, '/oauth2/revoke', { client_id: 'testclient1' });
  assert.deepEqual([r.status, r.json], [400, { error: 'invalid_request' }]);
  r = await postForm(mock.url, '/oauth2/revoke', { token: t.access_token, client_id: 'testclient1' });
  assert.deepEqual([r.status, r.json], [400, { error: 'unsupported_token_type' }]);
  const s = await loginTokens(mock.url, { clientId: 'secretclient', secret: 's3cr3t-value-for-tests' });
  r = await postForm(mock.url, '/oauth2/revoke', { token: s.refresh_token, client_id: 'secretclient' });
  assert.deepEqual([r.status, r.json], [401, { error: 'invalid_client' }]);
  r = await postForm(mock.url, '/oauth2/revoke', { token: s.refresh_token }, { authorization: basic('secretclient', 's3cr3t-value-for-tests') });
  assert.equal(r.status, 200);
  r = await postForm(mock.url, '/oauth2/revoke', { token: t.refresh_token, client_id: 'otherclient' });
  assert.equal(r.status, 400);
  assert.equal((await refresh(t.refresh_token)).status, 200, 'another client cannot revoke it');
});

test('global sign-out: all refresh tokens of the user refused, access tokens refused by userInfo; other users fine', async () => {
  const a1 = await loginTokens(mock.url);
  const a2 = await loginTokens(mock.url, { clientId: 'otherclient' });
  const minted = (await postJson(mock.url, '/_test/mint', { username: 'alice' })).body.token;
  const b = await loginTokens(mock.url, { username: 'bob', password: 'Bob-Passw0rd!' });
  const r = await postJson(mock.url, '/_test/global-signout', { username: 'alice' });
  assert.equal(r.status, 200);
  assert.equal(r.body.revokedRefreshTokens, 2);
  assert.deepEqual((await refresh(a1.refresh_token)).json, { error: 'invalid_grant' });
  assert.deepEqual((await refresh(a2.refresh_token, 'otherclient')).json, { error: 'invalid_grant' });
  assert.equal((await userInfo(a1.access_token)).status, 401);
  assert.equal((await userInfo(minted)).status, 401);
  assert.equal((await refresh(b.refresh_token)).status, 200);
  assert.equal((await userInfo(b.access_token)).status, 200);
  // a fresh sign-in after the global sign-out works
  const fresh = await loginTokens(mock.url);
  assert.equal((await userInfo(fresh.access_token)).status, 200);
  assert.equal((await refresh(fresh.refresh_token)).status, 200);
  assert.equal((await postJson(mock.url, '/_test/global-signout', { username: 'nobody' })).status, 400);
});

test('refresh token expiry (refreshTokenSeconds) and user disabled', async () => {
  await postJson(mock.url, '/_test/lifetimes', { refreshTokenSeconds: 1 });
  const t = await loginTokens(mock.url);
  assert.equal((await refresh(t.refresh_token)).status, 200);
  await sleep(1100);
  assert.deepEqual((await refresh(t.refresh_token)).json, { error: 'invalid_grant' });
  await postJson(mock.url, '/_test/lifetimes', { refreshTokenSeconds: 3600 });
  const u = await loginTokens(mock.url, { username: 'bob', password: 'Bob-Passw0rd!' });
  await postJson(mock.url, '/_test/users', { username: 'bob', enabled: false });
  assert.deepEqual((await refresh(u.refresh_token)).json, { error: 'invalid_grant' });
});

test('refresh picks up changed user attributes and groups', async () => {
  const t = await loginTokens(mock.url, { username: 'bob', password: 'Bob-Passw0rd!' });
  await postJson(mock.url, '/_test/users', { username: 'bob', groups: ['staff', 'admin'], attributes: { 'custom:plan': 'pro' } });
  const r = await refresh(t.refresh_token);
  const p = decode(r.json.id_token).payload;
  assert.deepEqual(p['cognito:groups'], ['staff', 'admin']);
  assert.equal(p['custom:plan'], 'pro');
  assert.equal(p['custom:tenant_id'], 'globex');
});
