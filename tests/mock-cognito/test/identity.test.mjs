// identity.test.mjs — the identity pool (Cognito Identity GetId / GetCredentialsForIdentity at POST /):
// wire shapes, every error type, ID-token checks, role selection (default, token, rules), group roles in
// ID tokens, credential lifetime and Expiration spelling, fault injection, counters, issued record, reset.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startMockCognito, loginTokens, decode, getJson, postJson } from './helpers.mjs';

let mock;
before(async () => {
  mock = await startMockCognito();
});
after(() => mock.close());
beforeEach(() => postJson(mock.url, '/_test/reset'));

const POOL = 'eu-west-1:11111111-2222-3333-4444-555555555555';
const PROVIDER = 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1';
const AUTH_ROLE = 'arn:aws:iam::123456789012:role/cognito-authenticated';
const ADMIN_ROLE = 'arn:aws:iam::123456789012:role/admin';
const STAFF_ROLE = 'arn:aws:iam::123456789012:role/staff';
const ACME_ROLE = 'arn:aws:iam::123456789012:role/acme';
const ID_RE = /^eu-west-1:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** One Cognito Identity call → {status, headers, text, json, errorType}. */
async function call(op, body, { target = `AWSCognitoIdentityService.${op}`, contentType = 'application/x-amz-json-1.1', signal } = {}) {
  const headers = { 'content-type': contentType };
  if (target !== null) headers['x-amz-target'] = target;
  const r = await fetch(`${mock.url}/`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body), signal });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, headers: r.headers, text, json, errorType: r.headers.get('x-amzn-errortype') };
}

const mintId = async (o = {}) => {
  const r = await postJson(mock.url, '/_test/mint', { tokenUse: 'id', username: 'alice', ...o });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.token;
};
const logins = (token) => ({ [PROVIDER]: token });
const getId = (token, extra = {}) => call('GetId', { IdentityPoolId: POOL, Logins: logins(token), ...extra });
const getCreds = (identityId, token, extra = {}) => call('GetCredentialsForIdentity', { IdentityId: identityId, Logins: logins(token), ...extra });
const ctl = async (path, body) => {
  const r = body === undefined ? await getJson(mock.url, path) : await postJson(mock.url, path, body);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};

/** GetId + GetCredentialsForIdentity for a token; asserts 200 and returns the credentials answer. */
async function credentialsFor(token, extra = {}) {
  const a = await getId(token);
  assert.equal(a.status, 200, a.text);
  const b = await getCreds(a.json.IdentityId, token, extra);
  assert.equal(b.status, 200, b.text);
  return b;
}
const roleOf = async (token, extra) => {
  const b = await credentialsFor(token, extra);
  const issued = await ctl('/_test/identity/issued');
  assert.equal(issued.at(-1).accessKeyId, b.json.Credentials.AccessKeyId);
  return issued.at(-1).roleArn;
};

function assertAwsError(r, status, type) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers.get('content-type'), 'application/x-amz-json-1.1');
  assert.ok(r.errorType && r.errorType.startsWith(`${type}:`), `x-amzn-ErrorType ${r.errorType}`);
  assert.equal(r.json.__type, type);
  if (type !== 'UnknownOperationException') assert.equal(typeof r.json.message, 'string');
}

test('GetId: a real ID token from the Hosted UI → IdentityId; the same user always gets the same one', async () => {
  const t = await loginTokens(mock.url);
  const a = await getId(t.id_token);
  assert.equal(a.status, 200, a.text);
  assert.equal(a.headers.get('content-type'), 'application/x-amz-json-1.1');
  assert.ok(a.headers.get('x-amzn-requestid'));
  assert.deepEqual(Object.keys(a.json), ['IdentityId']);
  assert.match(a.json.IdentityId, ID_RE);
  // another token of the same user (minted, another sign-in), with AccountId
  const again = await getId(await mintId(), { AccountId: '123456789012' });
  assert.equal(again.json.IdentityId, a.json.IdentityId);
  const bob = await getId(await mintId({ username: 'bob' }));
  assert.notEqual(bob.json.IdentityId, a.json.IdentityId);
  // same across /_test/reset (derived from identity pool + provider + sub)
  await postJson(mock.url, '/_test/reset');
  assert.equal((await getId(await mintId())).json.IdentityId, a.json.IdentityId);
  const ids = await ctl('/_test/identity/identities');
  assert.deepEqual(ids.map((i) => [i.identityId, i.username, i.providerName]), [[a.json.IdentityId, 'alice', PROVIDER]]);
});

test('GetCredentialsForIdentity: STS-shaped credentials, Expiration in Cognito number spelling, recorded', async () => {
  const token = await mintId();
  const a = await getId(token);
  const t0 = Date.now() / 1000;
  const b = await getCreds(a.json.IdentityId, token);
  assert.equal(b.status, 200, b.text);
  assert.deepEqual(Object.keys(b.json), ['Credentials', 'IdentityId']);
  assert.equal(b.json.IdentityId, a.json.IdentityId);
  const c = b.json.Credentials;
  assert.deepEqual(Object.keys(c), ['AccessKeyId', 'Expiration', 'SecretKey', 'SessionToken']);
  assert.match(c.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
  assert.match(c.SecretKey, /^[A-Za-z0-9+/]{40}$/);
  assert.ok(c.SessionToken.length >= 780 && c.SessionToken.length <= 900, String(c.SessionToken.length));
  assert.match(c.SessionToken, /^IQoJb3JpZ2luX2Vj[A-Za-z0-9+/]+=*$/);
  assert.match(b.text, /"Expiration":\d\.\d+E9,/, 'Java-style scientific notation, as Cognito sends it');
  assert.ok(Math.abs(c.Expiration - (t0 + 3600)) < 5, String(c.Expiration));
  // a second call gives fresh credentials
  const b2 = await getCreds(a.json.IdentityId, token);
  assert.notEqual(b2.json.Credentials.AccessKeyId, c.AccessKeyId);
  const issued = await ctl('/_test/identity/issued');
  assert.equal(issued.length, 2);
  const r = issued[0];
  assert.deepEqual(
    { identityId: r.identityId, identityPoolId: r.identityPoolId, roleArn: r.roleArn, accessKeyId: r.accessKeyId, secretKey: r.secretKey, sessionToken: r.sessionToken, expiration: r.expiration, username: r.username, clientId: r.clientId },
    { identityId: a.json.IdentityId, identityPoolId: POOL, roleArn: AUTH_ROLE, accessKeyId: c.AccessKeyId, secretKey: c.SecretKey, sessionToken: c.SessionToken, expiration: c.Expiration, username: 'alice', clientId: 'testclient1' },
  );
  assert.equal(r.sub, decode(token).payload.sub);
  assert.equal(mock.state.identity.credentialsByAccessKeyId(c.AccessKeyId).roleArn, AUTH_ROLE);
  const ev = (await ctl('/_test/events?type=identity')).map((e) => [e.grant, e.outcome]);
  assert.deepEqual(ev, [['GetId', 'ok'], ['GetCredentialsForIdentity', 'ok'], ['GetCredentialsForIdentity', 'ok']]);
});

test('NotAuthorizedException: signature, alg, kid, iss, token_use, aud, exp, provider, no Logins, foreign identity', async () => {
  const alice = await mintId();
  const aliceId = (await getId(alice)).json.IdentityId;
  const cases = {
    'random signature': await mintId({ sign: 'unsigned-garbage' }),
    'signed with the access key': await mintId({ sign: 'access' }),
    'weak key': await mintId({ sign: 'weak' }),
    'alg none': await mintId({ sign: 'none' }),
    'alg HS256': await mintId({ sign: 'hs256-with-public-key' }),
    'not a JWT': 'not-a-jwt',
    'iss of another pool': await mintId({ claims: { iss: `${mock.url}/eu-west-1_Other` } }),
    'iss of real AWS': await mintId({ claims: { iss: `https://${PROVIDER}` } }),
    'access token': (await postJson(mock.url, '/_test/mint', { tokenUse: 'access' })).body.token,
    'token_use missing': await mintId({ claims: { token_use: null } }),
    'aud of another app client': await mintId({ clientId: 'otherclient' }),
    expired: await mintId({ expiresIn: -5 }),
  };
  for (const [name, token] of Object.entries(cases)) {
    const r = await getId(token);
    assertAwsError(r, 400, 'NotAuthorizedException');
    const c = await getCreds(aliceId, token);
    assertAwsError(c, 400, 'NotAuthorizedException');
    assert.ok(r.json.message.startsWith('Invalid login token.'), `${name}: ${r.json.message}`);
  }
  assert.match((await getId(cases.expired)).json.message, /Token expired: \d+ >= \d+/);
  // provider name of another user pool, or another IdP
  for (const key of ['cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other', 'accounts.google.com']) {
    const r = await call('GetId', { IdentityPoolId: POOL, Logins: { [key]: alice } });
    assertAwsError(r, 400, 'NotAuthorizedException');
    assert.equal(r.json.message, 'Token is not from a supported provider of this identity pool.');
  }
  // unauthenticated access is not enabled
  for (const body of [{ IdentityPoolId: POOL }, { IdentityPoolId: POOL, Logins: {} }]) {
    const r = await call('GetId', body);
    assertAwsError(r, 400, 'NotAuthorizedException');
    assert.match(r.json.message, /Unauthenticated access is not supported/);
  }
  assertAwsError(await call('GetCredentialsForIdentity', { IdentityId: aliceId }), 400, 'NotAuthorizedException');
  // bob's valid token for alice's identity
  const r = await getCreds(aliceId, await mintId({ username: 'bob' }));
  assertAwsError(r, 400, 'NotAuthorizedException');
  assert.match(r.json.message, /Logins don't match/);
  const ev = await ctl('/_test/events?type=identity');
  assert.ok(ev.some((e) => e.outcome === 'NotAuthorizedException' && e.detail === 'expired'));
  assert.equal((await ctl('/_test/identity/issued')).length, 0);
});

test('ID-token keys: kept-after-rotation ID keys are accepted, dropped ones are not; JWKS mode does not matter', async () => {
  const old = await mintId();
  await ctl('/_test/rotate-keys', { keepOld: true });
  assert.equal((await getId(old)).status, 200);
  assert.equal((await getId(await mintId())).status, 200);
  await ctl('/_test/jwks', { mode: 'empty' });
  assert.equal((await getId(old)).status, 200);
  await ctl('/_test/rotate-keys', { keepOld: false });
  assertAwsError(await getId(old), 400, 'NotAuthorizedException');
  assert.equal((await getId(await mintId())).status, 200);
});

test('ResourceNotFoundException: unknown identity pool, unknown identity, deleted pool', async () => {
  const token = await mintId();
  const r = await call('GetId', { IdentityPoolId: 'eu-west-1:99999999-2222-3333-4444-555555555555', Logins: logins(token) });
  assertAwsError(r, 400, 'ResourceNotFoundException');
  assert.match(r.json.message, /IdentityPool 'eu-west-1:99999999-2222-3333-4444-555555555555' not found/);
  const c = await getCreds('eu-west-1:00000000-0000-4000-8000-000000000000', token);
  assertAwsError(c, 400, 'ResourceNotFoundException');
  assert.match(c.json.message, /Identity 'eu-west-1:00000000-0000-4000-8000-000000000000' not found/);
  // identities are forgotten by /_test/reset (GetId again recreates the same id)
  const id = (await getId(token)).json.IdentityId;
  await postJson(mock.url, '/_test/reset');
  assertAwsError(await getCreds(id, token), 400, 'ResourceNotFoundException');
  assert.equal((await getId(token)).json.IdentityId, id);
  assert.equal((await getCreds(id, token)).status, 200);
  await ctl('/_test/identity/pool', { identityPoolId: POOL, delete: true });
  assertAwsError(await getId(token), 400, 'ResourceNotFoundException');
  assertAwsError(await getCreds(id, token), 400, 'ResourceNotFoundException');
});

test('InvalidParameterException: malformed body, missing or malformed fields, Logins of the wrong shape', async () => {
  const token = await mintId();
  const id = (await getId(token)).json.IdentityId;
  const bad = [
    ['GetId', '{"IdentityPoolId":'],
    ['GetId', ''],
    ['GetId', '[1,2]'],
    ['GetId', '"x"'],
    ['GetId', { Logins: logins(token) }],
    ['GetId', { IdentityPoolId: 'eu-west-1_TestPool1', Logins: logins(token) }],
    ['GetId', { IdentityPoolId: 42, Logins: logins(token) }],
    ['GetId', { IdentityPoolId: POOL, AccountId: 'abc', Logins: logins(token) }],
    ['GetId', { IdentityPoolId: POOL, Logins: [token] }],
    ['GetId', { IdentityPoolId: POOL, Logins: { [PROVIDER]: 42 } }],
    ['GetId', { IdentityPoolId: POOL, Logins: { [PROVIDER]: '' } }],
    ['GetId', { IdentityPoolId: POOL, Logins: { 'cognito-idp.us-east-1.amazonaws.com/eu-west-1_TestPool1': token } }],
    ['GetId', { IdentityPoolId: POOL, Logins: { 'cognito-idp.eu-west-1.amazonaws.com': token } }],
    ['GetId', { IdentityPoolId: POOL, Logins: { [`cognito-idp.eu-west-1.amazonaws.com/eu-west-1_${'x'.repeat(130)}`]: token } }],
    ['GetCredentialsForIdentity', { Logins: logins(token) }],
    ['GetCredentialsForIdentity', { IdentityId: 'nope', Logins: logins(token) }],
    ['GetCredentialsForIdentity', { IdentityId: id, Logins: logins(token), CustomRoleArn: 'arn:short' }],
    ['GetCredentialsForIdentity', { IdentityId: id, Logins: logins(token), CustomRoleArn: 7 }],
  ];
  for (const [op, body] of bad) {
    const r = await call(op, body);
    assertAwsError(r, 400, 'InvalidParameterException');
  }
});

test('UnknownOperationException: unknown, missing or foreign X-Amz-Target; wrong Content-Type', async () => {
  const token = await mintId();
  for (const target of ['AWSCognitoIdentityService.GetOpenIdToken', 'AWSCognitoIdentityProviderService.InitiateAuth', 'GetId', null]) {
    assertAwsError(await call('GetId', { IdentityPoolId: POOL, Logins: logins(token) }, { target }), 400, 'UnknownOperationException');
  }
  assertAwsError(await call('GetId', { IdentityPoolId: POOL, Logins: logins(token) }, { contentType: 'application/json' }), 400, 'UnknownOperationException');
  const c = await ctl('/_test/counters');
  assert.equal(c['identity:GetId'], 1, 'only the call with a known operation counts');
  // GET / stays a plain 404
  const g = await fetch(`${mock.url}/`);
  assert.equal(g.status, 404);
  await g.arrayBuffer();
});

test("role mapping 'default': always the authenticated role", async () => {
  await ctl('/_test/identity/group-roles', { admin: { roleArn: ADMIN_ROLE, precedence: 1 } });
  await ctl('/_test/identity/pool', { roleMapping: 'default' });
  assert.equal(await roleOf(await mintId()), AUTH_ROLE);
  assert.equal(await roleOf(await mintId(), { CustomRoleArn: ADMIN_ROLE }), AUTH_ROLE, 'CustomRoleArn is ignored');
  await ctl('/_test/identity/pool', { authenticatedRoleArn: null });
  const token = await mintId();
  assertAwsError(await getCreds((await getId(token)).json.IdentityId, token), 400, 'InvalidIdentityPoolConfigurationException');
});

test("role mapping 'token': CustomRoleArn, cognito:preferred_role, ambiguous → AuthenticatedRole or Deny", async () => {
  await ctl('/_test/identity/group-roles', { admin: { roleArn: ADMIN_ROLE, precedence: 1 }, staff: { roleArn: STAFF_ROLE, precedence: 5 } });
  const alice = await mintId(); // admin + staff
  assert.equal(await roleOf(alice), ADMIN_ROLE, 'preferred role = lowest precedence');
  assert.equal(await roleOf(alice, { CustomRoleArn: STAFF_ROLE }), STAFF_ROLE);
  assert.equal(await roleOf(await mintId({ username: 'bob' })), STAFF_ROLE);
  const carol = await mintId({ username: 'carol' }); // no groups → no role claims
  assert.equal(await roleOf(carol), AUTH_ROLE);
  // CustomRoleArn not among cognito:roles
  const aliceId = (await getId(alice)).json.IdentityId;
  const r = await getCreds(aliceId, alice, { CustomRoleArn: 'arn:aws:iam::123456789012:role/other' });
  assertAwsError(r, 400, 'InvalidIdentityPoolConfigurationException');
  const carolId = (await getId(carol)).json.IdentityId;
  assertAwsError(await getCreds(carolId, carol, { CustomRoleArn: ADMIN_ROLE }), 400, 'InvalidIdentityPoolConfigurationException');
  // roles but no preferred role (a tie) → ambiguous
  const tie = await mintId({ claims: { 'cognito:preferred_role': null } });
  assert.equal(await roleOf(tie), AUTH_ROLE);
  await ctl('/_test/identity/pool', { ambiguousRoleResolution: 'Deny' });
  assertAwsError(await getCreds(carolId, carol), 400, 'InvalidIdentityPoolConfigurationException');
  assertAwsError(await getCreds(aliceId, tie), 400, 'InvalidIdentityPoolConfigurationException');
  assert.equal(await roleOf(alice), ADMIN_ROLE, 'Deny does not matter when the token names a role');
  const ev = (await ctl('/_test/events?type=identity')).filter((e) => e.outcome === 'InvalidIdentityPoolConfigurationException');
  assert.ok(ev.some((e) => /AmbiguousRoleResolution is Deny/.test(e.detail)));
});

test("role mapping 'rules': first matching rule (Equals, Contains, StartsWith, NotEqual), else ambiguous", async () => {
  const rules = [
    { claim: 'custom:tenant_id', matchType: 'Equals', value: 'globex', roleArn: STAFF_ROLE },
    { claim: 'cognito:groups', matchType: 'Contains', value: 'dmi', roleArn: ADMIN_ROLE },
    { claim: 'email', matchType: 'StartsWith', value: 'zo', roleArn: ACME_ROLE },
    { claim: 'custom:plan', matchType: 'NotEqual', value: 'pro', roleArn: 'arn:aws:iam::123456789012:role/not-pro' },
  ];
  await ctl('/_test/identity/pool', { roleMapping: 'rules', rules });
  await ctl('/_test/users', { username: 'zoë', attributes: { email: 'zoe@example.com' } });
  assert.equal(await roleOf(await mintId({ username: 'bob' })), STAFF_ROLE, 'Equals (first rule wins)');
  assert.equal(await roleOf(await mintId()), ADMIN_ROLE, 'Contains on an array claim');
  assert.equal(await roleOf(await mintId({ username: 'zoë' })), ACME_ROLE, 'StartsWith');
  assert.equal(await roleOf(await mintId({ username: 'carol', claims: { 'custom:plan': 'basic' } })), 'arn:aws:iam::123456789012:role/not-pro', 'NotEqual');
  assert.equal(await roleOf(await mintId({ username: 'carol' })), AUTH_ROLE, 'a missing claim matches no rule, not even NotEqual');
  // mallory: plan pro, tenant initech, no groups → nothing matches
  const mallory = await mintId({ username: 'mallory' });
  assert.equal(await roleOf(mallory), AUTH_ROLE);
  await ctl('/_test/identity/pool', { ambiguousRoleResolution: 'Deny' });
  assertAwsError(await getCreds((await getId(mallory)).json.IdentityId, mallory), 400, 'InvalidIdentityPoolConfigurationException');
});

test('group roles: cognito:roles and cognito:preferred_role in ID tokens (Hosted UI, refresh and mint), not in access tokens', async () => {
  const before = await loginTokens(mock.url);
  const plainKeys = Object.keys(decode(before.id_token).payload);
  assert.ok(!plainKeys.includes('cognito:roles') && !plainKeys.includes('cognito:preferred_role'), 'no group roles by default');

  const set = await ctl('/_test/identity/group-roles', { staff: { roleArn: STAFF_ROLE, precedence: 5 }, admin: { roleArn: ADMIN_ROLE, precedence: 1 }, nobody: ADMIN_ROLE });
  assert.deepEqual(set, { staff: { roleArn: STAFF_ROLE, precedence: 5 }, admin: { roleArn: ADMIN_ROLE, precedence: 1 }, nobody: { roleArn: ADMIN_ROLE, precedence: null } });
  assert.deepEqual(await ctl('/_test/identity/group-roles'), set);
  const t = await loginTokens(mock.url);
  const p = decode(t.id_token).payload;
  assert.deepEqual(p['cognito:roles'], [ADMIN_ROLE, STAFF_ROLE]);
  assert.equal(p['cognito:preferred_role'], ADMIN_ROLE);
  const keys = Object.keys(p);
  assert.deepEqual(keys.slice(0, 8), ['at_hash', 'sub', 'cognito:groups', 'email_verified', 'cognito:preferred_role', 'iss', 'cognito:username', 'origin_jti']);
  assert.equal(keys[8], 'cognito:roles');
  assert.equal(keys[9], 'aud');
  const a = decode(t.access_token).payload;
  assert.ok(!('cognito:roles' in a) && !('cognito:preferred_role' in a));
  // bob (staff only)
  const bob = decode(await mintId({ username: 'bob' })).payload;
  assert.deepEqual([bob['cognito:roles'], bob['cognito:preferred_role']], [[STAFF_ROLE], STAFF_ROLE]);
  // carol: no groups → no claims
  const carol = decode(await mintId({ username: 'carol' })).payload;
  assert.ok(!('cognito:roles' in carol) && !('cognito:preferred_role' in carol));

  // a tie between different roles → no preferred role; the same role → that role
  await ctl('/_test/identity/group-roles', { admin: { roleArn: ADMIN_ROLE, precedence: 2 }, staff: { roleArn: STAFF_ROLE, precedence: 2 } });
  let q = decode(await mintId()).payload;
  assert.deepEqual(q['cognito:roles'], [ADMIN_ROLE, STAFF_ROLE]);
  assert.ok(!('cognito:preferred_role' in q));
  await ctl('/_test/identity/group-roles', { admin: { roleArn: ADMIN_ROLE, precedence: 2 }, staff: { roleArn: ADMIN_ROLE, precedence: 2 } });
  q = decode(await mintId()).payload;
  assert.deepEqual([q['cognito:roles'], q['cognito:preferred_role']], [[ADMIN_ROLE], ADMIN_ROLE]);
  // null precedence loses to any number
  await ctl('/_test/identity/group-roles', { admin: { roleArn: ADMIN_ROLE }, staff: { roleArn: STAFF_ROLE, precedence: 100 } });
  q = decode(await mintId()).payload;
  assert.deepEqual([q['cognito:roles'], q['cognito:preferred_role']], [[STAFF_ROLE, ADMIN_ROLE], STAFF_ROLE]);

  // refreshed ID tokens re-read the mapping
  await ctl('/_test/identity/group-roles', {});
  const r = await fetch(`${mock.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: 'testclient1' }) });
  const refreshed = decode((await r.json()).id_token).payload;
  assert.deepEqual(Object.keys(refreshed).filter((k) => k.includes('role')), []);

  // validation
  for (const bad of [{ admin: { roleArn: 'not-an-arn' } }, { admin: { roleArn: ADMIN_ROLE, precedence: -1 } }, { admin: 5 }, []]) {
    assert.equal((await postJson(mock.url, '/_test/identity/group-roles', bad)).status, 400, JSON.stringify(bad));
  }
});

test('lifetime and Expiration spelling: exponent (default), fraction, integer; validation', async () => {
  assert.deepEqual(await ctl('/_test/identity/lifetime'), { seconds: 3600, expirationFormat: 'exponent' });
  assert.deepEqual(await ctl('/_test/identity/lifetime', { seconds: 60 }), { seconds: 60, expirationFormat: 'exponent' });
  const token = await mintId();
  let b = await credentialsFor(token);
  assert.ok(Math.abs(b.json.Credentials.Expiration - (Date.now() / 1000 + 60)) < 3);
  await ctl('/_test/identity/lifetime', { expirationFormat: 'fraction' });
  b = await credentialsFor(token);
  assert.match(b.text, /"Expiration":\d{10}\.\d{3},/);
  await ctl('/_test/identity/lifetime', { expirationFormat: 'integer', seconds: -30 });
  b = await credentialsFor(token);
  assert.match(b.text, /"Expiration":\d{10},/);
  assert.ok(b.json.Credentials.Expiration < Date.now() / 1000, 'already expired credentials on request');
  const issued = await ctl('/_test/identity/issued');
  assert.equal(issued.length, 3);
  assert.ok(issued.every((i) => typeof i.expiration === 'number'));
  for (const bad of [{ seconds: 1.5 }, { seconds: '60' }, { seconds: 10 ** 6 }, { expirationFormat: 'iso' }]) {
    assert.equal((await postJson(mock.url, '/_test/identity/lifetime', bad)).status, 400, JSON.stringify(bad));
  }
});

test('fault injection: throttle (400), AWS error modes, internal (500), garbage, hang, times, one operation only, off', async () => {
  const token = await mintId();
  const id = (await getId(token)).json.IdentityId;
  await ctl('/_test/identity/fail', { mode: 'throttle', times: 2 });
  assertAwsError(await getId(token), 400, 'TooManyRequestsException');
  assertAwsError(await getCreds(id, token), 400, 'TooManyRequestsException');
  assertAwsError(await getId(token), 400, 'TooManyRequestsException');
  assertAwsError(await getCreds(id, token), 400, 'TooManyRequestsException');
  assert.equal((await getId(token)).status, 200, 'times: 2 per operation');
  assert.deepEqual(await ctl('/_test/identity/fail'), {});

  const modes = { 'not-authorized': [400, 'NotAuthorizedException'], 'resource-not-found': [400, 'ResourceNotFoundException'], 'invalid-config': [400, 'InvalidIdentityPoolConfigurationException'], internal: [500, 'InternalErrorException'] };
  for (const [mode, [status, type]] of Object.entries(modes)) {
    await ctl('/_test/identity/fail', { mode, times: 1 });
    assertAwsError(await getCreds(id, token), status, type);
  }
  await ctl('/_test/identity/fail', { mode: 'off' });

  // only GetCredentialsForIdentity
  const list = await ctl('/_test/identity/fail', { endpoint: 'identity:GetCredentialsForIdentity', mode: 'garbage' });
  assert.deepEqual(Object.keys(list), ['identity:GetCredentialsForIdentity']);
  assert.equal((await getId(token)).status, 200);
  const g = await getCreds(id, token);
  assert.equal(g.status, 200);
  assert.equal(g.json, null, 'not JSON');
  await ctl('/_test/identity/fail', { mode: 'hang' });
  await assert.rejects(call('GetId', { IdentityPoolId: POOL, Logins: logins(token) }, { signal: AbortSignal.timeout(300) }), /abort|timeout/i);
  await ctl('/_test/identity/fail', { mode: 'status', status: 503, times: 1 });
  assertAwsError(await getId(token), 503, 'InternalErrorException');
  // the general /_test/fail knows the identity operations too; {endpoint:'all', mode:'off'} clears them
  await ctl('/_test/fail', { endpoint: 'identity:GetId', mode: 'throttle' });
  assertAwsError(await getId(token), 400, 'TooManyRequestsException');
  await ctl('/_test/fail', { endpoint: 'all', mode: 'off' });
  assert.equal((await getId(token)).status, 200);
  assert.equal((await getCreds(id, token)).status, 200);

  const injected = (await ctl('/_test/events?type=identity')).filter((e) => e.outcome === 'injected_failure');
  assert.ok(injected.length >= 8);
  for (const bad of [{ mode: 'explode' }, { mode: 'throttle', endpoint: 'token' }, { mode: 'throttle', times: 0 }]) {
    assert.equal((await postJson(mock.url, '/_test/identity/fail', bad)).status, 400, JSON.stringify(bad));
  }
  assert.equal((await postJson(mock.url, '/_test/fail', { endpoint: 'token', mode: 'throttle' })).status, 400, 'AWS modes only for identity operations');
});

test('hang: close() still returns promptly', async () => {
  const m = await startMockCognito();
  await postJson(m.url, '/_test/identity/fail', { mode: 'hang' });
  const pending = fetch(`${m.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.GetId' }, body: '{}' }).catch((e) => e);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  await m.close();
  assert.ok(Date.now() - t0 < 2000);
  assert.ok((await pending) instanceof Error);
});

test('counters: identity:GetId and identity:GetCredentialsForIdentity (failures included), reset with the others', async () => {
  const token = await mintId();
  const id = (await getId(token)).json.IdentityId;
  await getId(await mintId({ sign: 'none' }));
  await getCreds(id, token);
  await ctl('/_test/identity/fail', { mode: 'throttle', times: 1, endpoint: 'identity:GetCredentialsForIdentity' });
  await getCreds(id, token);
  let c = await ctl('/_test/counters');
  assert.equal(c['identity:GetId'], 2);
  assert.equal(c['identity:GetCredentialsForIdentity'], 2);
  await ctl('/_test/counters/reset', {});
  c = await ctl('/_test/counters');
  assert.equal(c['identity:GetId'], 0);
  assert.equal(c['identity:GetCredentialsForIdentity'], 0);
});

test('identity pool controls: list, defaults, update (merge), second pool, validation; /_test/reset restores everything', async () => {
  const [d] = await ctl('/_test/identity/pool');
  assert.deepEqual(d, { identityPoolId: POOL, clientIds: ['testclient1'], authenticatedRoleArn: AUTH_ROLE, roleMapping: 'token', ambiguousRoleResolution: 'AuthenticatedRole', rules: [] });
  const cfg = await ctl('/_test/config');
  assert.equal(cfg.identityEndpoint, `${mock.url}/`);
  assert.equal(cfg.identityProviderName, PROVIDER);
  assert.equal(mock.identityEndpoint, `${mock.url}/`);
  assert.equal(mock.identityPoolId, POOL);

  // aud among several app clients
  const u = await ctl('/_test/identity/pool', { clientIds: ['testclient1', 'otherclient'] });
  assert.equal(u.roleMapping, 'token', 'fields merge');
  assert.equal((await getId(await mintId({ clientId: 'otherclient' }))).status, 200);
  // a second identity pool: another IdentityId for the same user
  const second = 'eu-central-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
  const s = await ctl('/_test/identity/pool', { identityPoolId: second, roleMapping: 'default', authenticatedRoleArn: STAFF_ROLE });
  assert.deepEqual(s.clientIds, ['testclient1'], 'a new pool starts from the defaults');
  const token = await mintId();
  const a1 = (await getId(token)).json.IdentityId;
  const a2 = (await call('GetId', { IdentityPoolId: second, Logins: logins(token) })).json.IdentityId;
  assert.match(a2, /^eu-central-1:/);
  assert.notEqual(a1, a2);
  const c2 = await getCreds(a2, token);
  assert.equal(c2.status, 200);
  assert.equal((await ctl('/_test/identity/issued')).at(-1).roleArn, STAFF_ROLE);
  assert.equal((await ctl('/_test/identity/pool')).length, 2);

  for (const bad of [
    { identityPoolId: 'nope' }, { clientIds: 'testclient1' }, { authenticatedRoleArn: 'x' }, { roleMapping: 'Token' },
    { ambiguousRoleResolution: 'deny' }, { rules: [{ claim: 'x', matchType: 'Regex', value: 'y', roleArn: ADMIN_ROLE }] },
    { rules: [{ claim: 'x', matchType: 'Equals', value: 1, roleArn: ADMIN_ROLE }] }, { identityPoolId: 'eu-west-1:12345678-1234-1234-1234-123456789012', delete: true },
  ]) {
    assert.equal((await postJson(mock.url, '/_test/identity/pool', bad)).status, 400, JSON.stringify(bad));
  }

  await ctl('/_test/identity/group-roles', { admin: ADMIN_ROLE });
  await ctl('/_test/identity/lifetime', { seconds: 60, expirationFormat: 'integer' });
  await ctl('/_test/identity/fail', { mode: 'throttle' });
  await ctl('/_test/reset', {});
  assert.deepEqual(await ctl('/_test/identity/pool'), [d]);
  assert.deepEqual(await ctl('/_test/identity/group-roles'), {});
  assert.deepEqual(await ctl('/_test/identity/lifetime'), { seconds: 3600, expirationFormat: 'exponent' });
  assert.deepEqual(await ctl('/_test/identity/fail'), {});
  assert.deepEqual(await ctl('/_test/identity/issued'), []);
  assert.deepEqual(await ctl('/_test/identity/identities'), []);
});
