// control.test.mjs — /_test controls: mint variants, keys, rotation, JWKS modes, users, clients, events, reset.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startMockCognito, loginTokens, decode, verifyWithJwks, getJson, postJson } from './helpers.mjs';

let mock;
before(async () => {
  mock = await startMockCognito();
});
after(() => mock.close());
beforeEach(() => postJson(mock.url, '/_test/reset'));

const JWKS = '/eu-west-1_TestPool1/.well-known/jwks.json';
const jwks = async () => (await getJson(mock.url, JWKS)).body;
const mint = async (b) => {
  const r = await postJson(mock.url, '/_test/mint', b);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const userInfo = (at) => getJson(mock.url, '/oauth2/userInfo', { headers: { authorization: `Bearer ${at}` } });

test('mint: default access token verifies with the JWKS and matches the real shape', async () => {
  const m = await mint({});
  const p = verifyWithJwks(m.token, await jwks());
  assert.deepEqual(p, m.payload);
  assert.equal(p.token_use, 'access');
  assert.equal(p.username, 'alice');
  assert.equal(p.client_id, 'testclient1');
  assert.equal(p.scope, 'openid email orders/read');
  assert.deepEqual(Object.keys(p), ['sub', 'cognito:groups', 'iss', 'version', 'client_id', 'origin_jti', 'event_id', 'token_use', 'scope', 'auth_time', 'exp', 'iat', 'jti', 'username']);
  const keys = (await getJson(mock.url, '/_test/keys')).body;
  assert.equal(m.header.kid, keys.access.kid);
  assert.equal((await userInfo(m.token)).status, 200);
});

test('mint: id token with nonce, other user/client, claim overrides and deletions, header overrides', async () => {
  const m = await mint({ tokenUse: 'id', username: 'bob', clientId: 'otherclient', nonce: 'nn', claims: { email: null, 'custom:extra': 'x', aud: ['a', 'b'] }, header: { typ: 'JWT', kid: null } });
  assert.equal(m.payload.token_use, 'id');
  assert.deepEqual(m.payload.aud, ['a', 'b']);
  assert.equal(m.payload['cognito:username'], 'bob');
  assert.equal(m.payload.nonce, 'nn');
  assert.ok(!('email' in m.payload));
  assert.equal(m.payload['custom:extra'], 'x');
  assert.deepEqual(m.header, { alg: 'RS256', typ: 'JWT' });
  const keys = (await getJson(mock.url, '/_test/keys')).body;
  const [h, p, s] = m.token.split('.');
  assert.ok(crypto.verify('sha256', Buffer.from(`${h}.${p}`), keys.id.publicKeyPem, Buffer.from(s, 'base64url')), 'signed with the ID key');
  assert.deepEqual(decode(m.token).header, m.header);
});

test('mint: expiresIn negative → already expired; userInfo refuses it', async () => {
  const m = await mint({ expiresIn: -120 });
  assert.equal(m.payload.exp - m.payload.iat, -120);
  assert.ok(m.payload.exp < Date.now() / 1000);
  assert.equal((await userInfo(m.token)).status, 401);
});

test("mint: sign 'id' for an access token (wrong key but a published kid)", async () => {
  const m = await mint({ sign: 'id' });
  const keys = (await getJson(mock.url, '/_test/keys')).body;
  assert.equal(m.header.kid, keys.id.kid);
  verifyWithJwks(m.token, await jwks());
  assert.equal((await userInfo(m.token)).status, 401);
});

test("mint: sign 'none' → alg none, empty signature", async () => {
  const m = await mint({ sign: 'none' });
  assert.equal(m.header.alg, 'none');
  assert.ok(m.token.endsWith('.'));
  assert.equal(m.token.split('.').length, 3);
  assert.equal((await userInfo(m.token)).status, 401);
});

test("mint: 'hs256-with-public-key' is HMAC keyed with the access key's public PEM", async () => {
  const m = await mint({ sign: 'hs256-with-public-key' });
  const keys = (await getJson(mock.url, '/_test/keys')).body;
  assert.equal(m.header.alg, 'HS256');
  assert.equal(m.header.kid, keys.access.kid);
  const [h, p, s] = m.token.split('.');
  const mac = crypto.createHmac('sha256', keys.access.publicKeyPem).update(`${h}.${p}`).digest('base64url');
  assert.equal(s, mac);
  assert.equal((await userInfo(m.token)).status, 401);
});

test("mint: 'unsigned-garbage' has a random RS256 signature", async () => {
  const m = await mint({ sign: 'unsigned-garbage' });
  assert.equal(m.header.alg, 'RS256');
  assert.throws(() => verifyWithJwks(m.token, { keys: [] }));
  assert.equal((await userInfo(m.token)).status, 401);
});

test("mint: 'weak' uses the 1024-bit key, published only in 'weak-only' (and 'with-weak') JWKS modes", async () => {
  const m = await mint({ sign: 'weak' });
  const keys = (await getJson(mock.url, '/_test/keys')).body;
  assert.equal(m.header.kid, keys.weak.kid);
  assert.equal(keys.weak.bits, 1024);
  let set = await jwks();
  assert.ok(!set.keys.some((k) => k.kid === keys.weak.kid));
  await postJson(mock.url, '/_test/jwks', { mode: 'weak-only' });
  set = await jwks();
  assert.deepEqual(set.keys.map((k) => k.kid), [keys.weak.kid]);
  verifyWithJwks(m.token, set);
  assert.equal(set.keys[0].n.length, 171);
  await postJson(mock.url, '/_test/jwks', { mode: 'with-weak' });
  assert.equal((await jwks()).keys.length, 3);
  await postJson(mock.url, '/_test/jwks', { mode: 'empty' });
  assert.deepEqual(await jwks(), { keys: [] });
  assert.equal((await postJson(mock.url, '/_test/jwks', { mode: 'bogus' })).status, 400);
  await postJson(mock.url, '/_test/jwks', { mode: 'normal' });
  assert.equal((await jwks()).keys.length, 2);
});

test('mint: machine token (username null) and validation errors', async () => {
  const m = await mint({ username: null, clientId: 'secretclient', scope: 'orders/write' });
  assert.equal(m.payload.sub, 'secretclient');
  assert.ok(!('username' in m.payload));
  assert.equal((await postJson(mock.url, '/_test/mint', { username: 'ghost' })).status, 400);
  assert.equal((await postJson(mock.url, '/_test/mint', { sign: 'rot13' })).status, 400);
});

test('keys: PEMs sign tokens the JWKS accepts', async () => {
  const keys = (await getJson(mock.url, '/_test/keys')).body;
  for (const name of ['access', 'id', 'weak']) {
    assert.match(keys[name].privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.match(keys[name].publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  }
  const h = Buffer.from(JSON.stringify({ kid: keys.access.kid, alg: 'RS256' })).toString('base64url');
  const p = Buffer.from(JSON.stringify({ hello: 'world' })).toString('base64url');
  const s = crypto.sign('sha256', Buffer.from(`${h}.${p}`), keys.access.privateKeyPem).toString('base64url');
  assert.deepEqual(verifyWithJwks(`${h}.${p}.${s}`, await jwks()), { hello: 'world' });
});

test('rotate-keys: new kids; old ones dropped unless keepOld', async () => {
  const before1 = await jwks();
  const oldToken = (await loginTokens(mock.url)).access_token;
  let r = (await postJson(mock.url, '/_test/rotate-keys', { keepOld: true })).body;
  assert.ok(r.access && r.id);
  let set = await jwks();
  assert.equal(set.keys.length, 4);
  for (const k of before1.keys) assert.ok(set.keys.some((x) => x.kid === k.kid));
  assert.equal((await userInfo(oldToken)).status, 200);
  const fresh = await loginTokens(mock.url);
  assert.equal(decode(fresh.access_token).header.kid, r.access);
  assert.equal(decode(fresh.id_token).header.kid, r.id);
  verifyWithJwks(fresh.id_token, set);
  r = (await postJson(mock.url, '/_test/rotate-keys', {})).body;
  set = await jwks();
  assert.deepEqual(set.keys.map((k) => k.kid).sort(), [r.access, r.id].sort());
  assert.equal((await userInfo(oldToken)).status, 401);
});

test('reset keeps keys unless {keys:true}', async () => {
  const k1 = (await getJson(mock.url, '/_test/keys')).body.access.kid;
  await postJson(mock.url, '/_test/reset');
  assert.equal((await getJson(mock.url, '/_test/keys')).body.access.kid, k1);
  const r = await postJson(mock.url, '/_test/reset', { keys: true });
  assert.notEqual(r.body.keys.access, k1);
  assert.equal((await getJson(mock.url, '/_test/keys')).body.access.kid, r.body.keys.access);
});

test('reset restores clients, users, lifetimes, failures, counters and events', async () => {
  await postJson(mock.url, '/_test/clients', { clientId: 'newone' });
  await postJson(mock.url, '/_test/users', { username: 'newuser', password: 'x' });
  await postJson(mock.url, '/_test/lifetimes', { accessTokenSeconds: 5 });
  await postJson(mock.url, '/_test/fail', { endpoint: 'jwks', mode: 'status' });
  await loginTokens(mock.url);
  await postJson(mock.url, '/_test/reset');
  assert.ok(!(await getJson(mock.url, '/_test/clients')).body.some((c) => c.clientId === 'newone'));
  assert.ok(!(await getJson(mock.url, '/_test/users')).body.some((u) => u.username === 'newuser'));
  assert.equal((await getJson(mock.url, '/_test/lifetimes')).body.accessTokenSeconds, 3600);
  assert.deepEqual((await getJson(mock.url, '/_test/fail')).body, {});
  assert.deepEqual((await getJson(mock.url, '/_test/events')).body, []);
  assert.equal((await getJson(mock.url, '/_test/counters')).body.token, 0);
});

test('users: fixture list without passwords', async () => {
  const users = (await getJson(mock.url, '/_test/users')).body;
  assert.deepEqual(users.map((u) => u.username), ['alice', 'bob', 'carol', 'zoë', 'mallory', 'dave']);
  for (const u of users) {
    assert.ok(!('password' in u));
    assert.match(u.sub, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  const alice = users[0];
  assert.deepEqual(alice.groups, ['admin', 'staff']);
  assert.equal(alice.attributes['custom:tenant_id'], 'acme');
  assert.deepEqual(alice.extraIdClaims, { score: 42, beta: true, prefs: { theme: 'dark' }, regions: ['eu', 'us'] });
});

test('clients: defaults, create/update, validation', async () => {
  const list = (await getJson(mock.url, '/_test/clients')).body;
  assert.deepEqual(list.map((c) => c.clientId), ['testclient1', 'otherclient', 'secretclient']);
  const tc = list[0];
  assert.equal(tc.clientSecret, null);
  assert.equal(tc.allowAnyLoopbackCallback, true);
  assert.deepEqual(tc.scopes, ['openid', 'email', 'profile', 'phone', 'aws.cognito.signin.user.admin', 'orders/read', 'orders/write']);
  assert.equal(list[2].clientSecret, 's3cr3t-value-for-tests');
  const up = (await postJson(mock.url, '/_test/clients', { clientId: 'testclient1', refreshTokenRotation: true, rotationGracePeriodSeconds: 30 })).body;
  assert.equal(up.refreshTokenRotation, true);
  assert.equal(up.rotationGracePeriodSeconds, 30);
  assert.equal(up.allowAnyLoopbackCallback, true, 'unmentioned fields kept');
  assert.equal((await postJson(mock.url, '/_test/clients', { clientId: 'x', rotationGracePeriodSeconds: 61 })).status, 400);
  assert.equal((await postJson(mock.url, '/_test/clients', { clientId: 'bad id!' })).status, 400);
  assert.equal((await postJson(mock.url, '/_test/clients', { clientId: 'x', callbackURLs: 'http://a' })).status, 400);
});

test('extra clients via startMockCognito({clients}) and a custom pool id', async () => {
  const m = await startMockCognito({ poolId: 'us-east-1_Other42', clients: [{ clientId: 'extra', clientSecret: 'sh' }] });
  try {
    assert.equal(m.issuer, `${m.url}/us-east-1_Other42`);
    const c = (await getJson(m.url, '/_test/clients')).body;
    assert.ok(c.some((x) => x.clientId === 'extra' && x.clientSecret === 'sh'));
    assert.equal((await getJson(m.url, '/us-east-1_Other42/.well-known/jwks.json')).status, 200);
    const t = (await postJson(m.url, '/_test/mint', {})).body;
    assert.equal(t.payload.iss, m.issuer);
  } finally {
    await m.close();
  }
});

test('events: records type/grant/client/user/outcome; filter by type; reset', async () => {
  await loginTokens(mock.url);
  const ev = (await getJson(mock.url, '/_test/events')).body;
  assert.deepEqual(ev.map((e) => e.type), ['authorize', 'login', 'token']);
  for (const e of ev) {
    assert.deepEqual(Object.keys(e), ['t', 'type', 'grant', 'clientId', 'username', 'outcome', 'detail']);
    assert.equal(e.outcome, 'ok');
    assert.equal(e.clientId, 'testclient1');
  }
  assert.equal(ev[0].detail.params.code_challenge_method, 'S256');
  assert.equal(ev[2].grant, 'authorization_code');
  assert.equal(ev[2].username, 'alice');
  await postJson(mock.url, '/_test/events/reset');
  assert.deepEqual((await getJson(mock.url, '/_test/events')).body, []);
});

test('unknown control route → 404', async () => {
  assert.equal((await getJson(mock.url, '/_test/nope')).status, 404);
});
