// failures.test.mjs — fault injection (status, hang, garbage, slow, huge, drop, times, off) and counters.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startMockCognito, loginTokens, getJson, postJson, postForm, authorizeQuery, get } from './helpers.mjs';

let mock;
before(async () => {
  mock = await startMockCognito();
});
after(() => mock.close());
beforeEach(() => postJson(mock.url, '/_test/reset'));

const JWKS = '/eu-west-1_TestPool1/.well-known/jwks.json';
const fail = (cfg) => postJson(mock.url, '/_test/fail', cfg);

const requests = {
  jwks: () => fetch(mock.url + JWKS),
  'openid-configuration': () => fetch(`${mock.url}/eu-west-1_TestPool1/.well-known/openid-configuration`),
  token: () => fetch(`${mock.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&client_id=testclient1&refresh_token=x' }),
  revoke: () => fetch(`${mock.url}/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x&client_id=testclient1' }),
  userInfo: () => fetch(`${mock.url}/oauth2/userInfo`, { headers: { authorization: 'Bearer x' } }),
  authorize: () => fetch(`${mock.url}/oauth2/authorize?${authorizeQuery()}`, { redirect: 'manual' }),
  login: () => fetch(`${mock.url}/login?${authorizeQuery()}`, { redirect: 'manual' }),
  logout: () => fetch(`${mock.url}/logout?client_id=testclient1&logout_uri=http%3A%2F%2F127.0.0.1%3A1%2F`, { redirect: 'manual' }),
};

test("mode 'status' on every endpoint, then 'off'", async () => {
  for (const [endpoint, req] of Object.entries(requests)) {
    const s = await fail({ endpoint, mode: 'status', status: 503 });
    assert.equal(s.status, 200);
    const r = await req();
    assert.equal(r.status, 503, endpoint);
    await r.arrayBuffer();
    await fail({ endpoint, mode: 'off' });
    const ok = await req();
    assert.notEqual(ok.status, 503, endpoint);
    await ok.arrayBuffer();
  }
  const c = (await getJson(mock.url, '/_test/counters')).body;
  for (const k of Object.keys(requests)) assert.equal(c[k], 2, k);
  assert.equal(c['token:refresh_token'], 2);
});

test("mode 'garbage': 200 with a non-JSON body", async () => {
  await fail({ endpoint: 'jwks', mode: 'garbage' });
  const r = await fetch(mock.url + JWKS);
  assert.equal(r.status, 200);
  const text = await r.text();
  assert.throws(() => JSON.parse(text));
  await fail({ endpoint: 'token', mode: 'garbage' });
  const t = await requests.token();
  assert.equal(t.status, 200);
  const body = await t.text();
  assert.throws(() => JSON.parse(body), SyntaxError);
});

test("mode 'huge': ~5 MB valid JSON (JWKS keeps its keys)", async () => {
  await fail({ endpoint: 'jwks', mode: 'huge' });
  const r = await fetch(mock.url + JWKS);
  const text = await r.text();
  assert.equal(r.status, 200);
  assert.ok(text.length >= 5 * 1024 * 1024 - 64 && text.length <= 5 * 1024 * 1024 + 64, String(text.length));
  const j = JSON.parse(text);
  assert.equal(j.keys.length, 2);
  await fail({ endpoint: 'userInfo', mode: 'huge' });
  const u = await requests.userInfo();
  assert.ok((await u.text()).length > 5_000_000);
});

test("mode 'slow' answers correctly after delayMs", async () => {
  await fail({ endpoint: 'openid-configuration', mode: 'slow', delayMs: 300 });
  const t0 = Date.now();
  const r = await getJson(mock.url, '/eu-west-1_TestPool1/.well-known/openid-configuration');
  assert.ok(Date.now() - t0 >= 250);
  assert.equal(r.status, 200);
  assert.equal(r.body.issuer, mock.issuer);
});

test("'times' fails only the next N requests", async () => {
  await fail({ endpoint: 'jwks', mode: 'status', status: 500, times: 2 });
  const statuses = [];
  for (let i = 0; i < 4; i++) {
    const r = await fetch(mock.url + JWKS);
    statuses.push(r.status);
    await r.arrayBuffer();
  }
  assert.deepEqual(statuses, [500, 500, 200, 200]);
  assert.deepEqual((await getJson(mock.url, '/_test/fail')).body, {});
});

test("mode 'drop' closes the connection without an answer", async () => {
  await fail({ endpoint: 'token', mode: 'drop', times: 1 });
  await assert.rejects(requests.token());
  const ok = await requests.token();
  assert.equal(ok.status, 400);
});

test("mode 'hang' never answers, and close() still returns promptly", async () => {
  const m = await startMockCognito();
  await postJson(m.url, '/_test/fail', { endpoint: 'jwks', mode: 'hang' });
  await assert.rejects(fetch(m.url + JWKS, { signal: AbortSignal.timeout(300) }), /abort|timeout/i);
  // leave one hanging request open while closing
  const pending = fetch(m.url + JWKS).catch((e) => e);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  await m.close();
  assert.ok(Date.now() - t0 < 2000, `close took ${Date.now() - t0} ms`);
  assert.ok((await pending) instanceof Error);
});

test('close() with a pending slow request returns promptly', async () => {
  const m = await startMockCognito();
  await postJson(m.url, '/_test/fail', { endpoint: 'token', mode: 'slow', delayMs: 60000 });
  const pending = postForm(m.url, '/oauth2/token', { grant_type: 'x' }).catch((e) => e);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  await m.close();
  assert.ok(Date.now() - t0 < 2000);
  assert.ok((await pending) instanceof Error);
});

test('failure control validation', async () => {
  assert.equal((await fail({ endpoint: 'nope', mode: 'status' })).status, 400);
  assert.equal((await fail({ endpoint: 'jwks', mode: 'explode' })).status, 400);
  assert.equal((await fail({ endpoint: 'jwks', mode: 'status', status: 42 })).status, 400);
  assert.equal((await fail({ endpoint: 'jwks', mode: 'status', times: 0 })).status, 400);
  await fail({ endpoints: ['jwks', 'token'], mode: 'status', status: 502 });
  assert.deepEqual(Object.keys((await getJson(mock.url, '/_test/fail')).body), ['jwks', 'token']);
  await fail({ endpoint: 'all', mode: 'off' });
  assert.deepEqual((await getJson(mock.url, '/_test/fail')).body, {});
});

test('counters: per endpoint and per grant; reset', async () => {
  await postJson(mock.url, '/_test/counters/reset');
  const t = await loginTokens(mock.url);
  await postForm(mock.url, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: 'testclient1' });
  await postForm(mock.url, '/oauth2/revoke', { token: t.refresh_token, client_id: 'testclient1' });
  await getJson(mock.url, '/oauth2/userInfo', { headers: { authorization: `Bearer ${t.access_token}` } });
  await (await get(mock.url, '/logout?client_id=testclient1&logout_uri=http%3A%2F%2F127.0.0.1%3A1%2F')).arrayBuffer();
  await (await fetch(mock.url + JWKS)).arrayBuffer();
  const c = (await getJson(mock.url, '/_test/counters')).body;
  assert.deepEqual(
    { ...c },
    { jwks: 1, 'openid-configuration': 0, authorize: 1, login: 2, token: 2, 'token:authorization_code': 1, 'token:refresh_token': 1, 'token:client_credentials': 0, revoke: 1, userInfo: 1, logout: 1, error: 0,
      'identity:GetId': 0, 'identity:GetCredentialsForIdentity': 0 },
  );
  await postJson(mock.url, '/_test/counters/reset');
  const z = (await getJson(mock.url, '/_test/counters')).body;
  assert.ok(Object.values(z).every((v) => v === 0));
});

test('injected token failures are recorded as events', async () => {
  await fail({ endpoint: 'token', mode: 'status', status: 500, times: 1 });
  await (await requests.token()).arrayBuffer();
  const ev = (await getJson(mock.url, '/_test/events?type=token')).body;
  assert.equal(ev.length, 1);
  assert.equal(ev[0].outcome, 'injected_failure');
  assert.equal(ev[0].grant, 'refresh_token');
});
