// tamper.test.mjs — /_test/tamper (rewrite the next token response) and /_test/issued.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startMockCognito, loginTokens, decode, verifyWithJwks, getJson, postJson, postForm } from './helpers.mjs';

let mock;
before(async () => {
  mock = await startMockCognito();
});
after(() => mock.close());
beforeEach(() => postJson(mock.url, '/_test/reset'));

const JWKS = '/eu-west-1_TestPool1/.well-known/jwks.json';
const jwks = async () => (await getJson(mock.url, JWKS)).body;

test('tamper: ID token claims and header overlaid, still validly signed; applied once', async () => {
  const r = await postJson(mock.url, '/_test/tamper', { idToken: { claims: { nonce: 'wrong', aud: 'otherclient', email: null }, header: { typ: 'JWT' } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.length, 1);
  const t1 = await loginTokens(mock.url, { nonce: 'right' });
  const p1 = verifyWithJwks(t1.id_token, await jwks());
  assert.equal(p1.nonce, 'wrong');
  assert.equal(p1.aud, 'otherclient');
  assert.ok(!('email' in p1));
  assert.equal(decode(t1.id_token).header.typ, 'JWT');
  verifyWithJwks(t1.access_token, await jwks()); // access token untouched
  const t2 = await loginTokens(mock.url, { nonce: 'right' });
  assert.equal(verifyWithJwks(t2.id_token, await jwks()).nonce, 'right');
  assert.deepEqual((await getJson(mock.url, '/_test/tamper')).body, []);
  const ev = (await getJson(mock.url, '/_test/events?type=token')).body.filter((e) => e.outcome === 'ok');
  assert.equal(ev.length, 2);
  assert.equal(ev[0].detail.tampered, true);
  assert.equal(ev[1].detail.tampered, undefined);
});

test('tamper: garbage signature, grant filter, times', async () => {
  await postJson(mock.url, '/_test/tamper', { idToken: { sign: 'garbage-signature' }, grant: 'refresh_token', times: 2 });
  const t = await loginTokens(mock.url);
  verifyWithJwks(t.id_token, await jwks()); // authorization_code not affected
  for (let i = 0; i < 3; i++) {
    const r = await postForm(mock.url, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: 'testclient1' });
    assert.equal(r.status, 200, r.text);
    const { header, payload } = decode(r.json.id_token);
    assert.equal(header.alg, 'RS256');
    assert.equal(payload.token_use, 'id');
    let valid = true;
    try { verifyWithJwks(r.json.id_token, await jwks()); } catch { valid = false; }
    assert.equal(valid, i >= 2, `refresh ${i}: signature valid=${valid}`);
  }
});

test('tamper: bad input → 400; mode off clears', async () => {
  assert.equal((await postJson(mock.url, '/_test/tamper', {})).status, 400);
  assert.equal((await postJson(mock.url, '/_test/tamper', { idToken: { sign: 'nope' } })).status, 400);
  assert.equal((await postJson(mock.url, '/_test/tamper', { idToken: {}, grant: 'password' })).status, 400);
  assert.equal((await postJson(mock.url, '/_test/tamper', { idToken: {}, times: 0 })).status, 400);
  assert.equal((await postJson(mock.url, '/_test/tamper', { idToken: { claims: { iss: 'x' } } })).status, 200);
  assert.deepEqual((await postJson(mock.url, '/_test/tamper', { mode: 'off' })).body, []);
});

test('issued: records every token response with its tokens', async () => {
  const t = await loginTokens(mock.url);
  const issued = (await getJson(mock.url, '/_test/issued')).body;
  assert.equal(issued.length, 1);
  assert.equal(issued[0].grant, 'authorization_code');
  assert.equal(issued[0].username, 'alice');
  assert.equal(issued[0].id_token, t.id_token);
  assert.equal(issued[0].access_token, t.access_token);
  assert.equal(issued[0].refresh_token, t.refresh_token);
  await postJson(mock.url, '/_test/reset');
  assert.deepEqual((await getJson(mock.url, '/_test/issued')).body, []);
});
