// Bearer tokens of several app clients and machine (client_credentials) tokens — issue 16.
//
// Threat: an API that trusts several app clients of its pool (CognitoBearerClientID web mobile) must
// still refuse access tokens of every other client of that pool, and never take an ID token for an
// access token. Machine tokens (client_credentials: no username, sub = client_id) get in as the client,
// flagged COGNITO_PRINCIPAL_TYPE=machine so the application never mistakes them for a user. A valid token
// that a Require line refuses is a permission problem, not an authentication one: 403 with
// WWW-Authenticate error="insufficient_scope" (RFC 6750 §3.1, with scope="…" for Require cognito-scope),
// whether or not AuthzSendForbiddenOnFailure is set — never 401 (which tells clients to get a new token and
// retry forever) and never a redirect to the login page.
// Also checks the emulator's own client_credentials refusal (400 invalid_scope) that the tests rely on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { decode } from './lib/jwt.mjs';
import { assertLogHasNoToken, callApi, expectInvalidToken, withLogSlice, wwwAuth } from './lib/cognito.mjs';
import { idpLogSource } from './lib/login.mjs';

const WEB = 'webclient';
const MOBILE = 'mobileclient';
const PARTNER = 'partnerclient'; // a client of the same pool that the API does not list
const MACHINE = 'machine1'; // client_credentials, orders/read only
const MACHINE_SECRET = 'm-secret-for-bearer-clients-tests';
const MACHINE2 = 'machine2'; // client_credentials, orders/read and orders/write
const MACHINE2_SECRET = 'm2-secret-for-bearer-clients-tests';

let idp;
let h;
const logs = () => [h, idp && idpLogSource(idp)].filter(Boolean);

const body = (idp) => `
<Location /api>
    AuthType Cognito
    AuthName "api"
    CognitoUserPool ${idp.poolId}
    CognitoIssuer ${idp.issuer}
    CognitoBearerClientID ${WEB} ${MOBILE}
    CognitoBearer only
    Require valid-user
</Location>
ScriptAlias /api/cgi-bin/ "@DIR@/cgi-bin/"

<Location /svc>
    AuthType Cognito
    AuthName "svc"
    CognitoUserPool ${idp.poolId}
    CognitoIssuer ${idp.issuer}
    CognitoBearerClientID ${MACHINE} ${MACHINE2}
    CognitoBearer only
    Require valid-user
</Location>
# the same scope rule with and without AuthzSendForbiddenOnFailure: the answer must be the same 403
# (trailing slashes: <Location /svc/write> would also match /svc/write-ff/)
<Location /svc/write-ff/>
    Require cognito-scope orders/write
    AuthzSendForbiddenOnFailure On
</Location>
<Location /svc/write/>
    Require cognito-scope orders/write
</Location>
<Location /svc/two-scopes/>
    Require cognito-scope orders/write admin/all
</Location>
<Location /svc/other/>
    Require cognito-claim client_id ${MACHINE2}
</Location>
ScriptAliasMatch "^/svc/(?:([a-z-]+)/)?cgi-bin/env\\.cgi$" "@DIR@/cgi-bin/env.cgi"
`;

const svc = (sub) => `/svc/${sub ? `${sub}/` : ''}cgi-bin/env.cgi`;

/** POST /oauth2/token grant_type=client_credentials with HTTP Basic. → { status, json, text } */
async function clientCredentials(id, secret, scope) {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope !== undefined) form.set('scope', scope);
  const basic = Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
  const res = await fetch(`${idp.url}/oauth2/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text };
}

async function machineToken(id, secret, scope) {
  const r = await clientCredentials(id, secret, scope);
  assert.equal(r.status, 200, `client_credentials for ${id} (${scope}): ${r.status} ${r.text}`);
  assert.equal(typeof r.json.access_token, 'string');
  return r.json.access_token;
}

/** 403 + Bearer realm + error="insufficient_scope"; never 401, never a redirect. */
function assertInsufficientScope(res, what) {
  assert.notEqual(res.status, 302, `${what}: a refused API call must never redirect (Location ${res.headers.location})`);
  assert.notEqual(res.status, 401, `${what}: a valid token refused by Require is 403, not 401: ${wwwAuth(res)}`);
  assert.equal(res.status, 403, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
  const wa = wwwAuth(res);
  assert.match(wa, /^Bearer realm="[^"]*"/, `${what}: WWW-Authenticate is a Bearer challenge with a realm: ${wa}`);
  assert.match(wa, /error="insufficient_scope"/, `${what}: WWW-Authenticate error: ${wa}`);
  assert.doesNotMatch(wa, /error="invalid_token"/, `${what}: ${wa}`);
  return wa;
}

before(async () => {
  idp = await startIdp();
  for (const clientId of [WEB, MOBILE, PARTNER]) await idp.call('POST', '/_test/clients', { clientId });
  await idp.call('POST', '/_test/clients', {
    clientId: MACHINE, clientSecret: MACHINE_SECRET, scopes: ['orders/read'], allowedGrants: ['client_credentials'],
  });
  await idp.call('POST', '/_test/clients', {
    clientId: MACHINE2, clientSecret: MACHINE2_SECRET, scopes: ['orders/read', 'orders/write'], allowedGrants: ['client_credentials'],
  });
  h = await startHttpd({ body: body(idp) });
});

after(async () => {
  await h?.stop();
  await idp?.close();
});

describe('CognitoBearerClientID with two app clients', () => {
  for (const clientId of [WEB, MOBILE]) {
    it(`an access token of ${clientId} → 200 as the user, COGNITO_CLIENT_ID=${clientId}`, withLogs(logs, async () => {
      const { token, payload } = await idp.mint({ clientId, username: 'alice' });
      assert.equal(payload.client_id, clientId);
      const res = await callApi(h, token);
      assert.equal(res.status, 200, `${res.status} ${wwwAuth(res)} ${res.text.slice(0, 200)}`);
      const env = res.json;
      assert.equal(env.REMOTE_USER, 'alice');
      assert.equal(env.COGNITO_CLIENT_ID, clientId);
      assert.equal(env.COGNITO_PRINCIPAL_TYPE, 'user');
      assert.equal(env.COGNITO_USER_POOL, idp.poolId);
      assert.equal(env.COGNITO_TOKEN_USE, 'access');
      assertLogHasNoToken(h, token);
    }));
  }

  it('a user of either client: REMOTE_USER follows the token (bob on mobileclient)', withLogs(logs, async () => {
    const { token } = await idp.mint({ clientId: MOBILE, username: 'bob' });
    const res = await callApi(h, token);
    assert.equal(res.status, 200, res.text.slice(0, 200));
    assert.equal(res.json.REMOTE_USER, 'bob');
    assert.equal(res.json.COGNITO_CLIENT_ID, MOBILE);
  }));

  it(`an access token of ${PARTNER} (same pool, not listed) → 401 token_client_mismatch`, withLogs(logs, async () => {
    const { token, payload } = await idp.mint({ clientId: PARTNER, username: 'alice' });
    assert.equal(payload.client_id, PARTNER);
    await expectInvalidToken(h, token, 'token_client_mismatch');
  }));

  it('the default client of the pool (testclient1, not listed) → 401 token_client_mismatch', withLogs(logs, async () => {
    const { token } = await idp.mint({ clientId: 'testclient1', username: 'alice' });
    await expectInvalidToken(h, token, 'token_client_mismatch');
  }));

  for (const clientId of [WEB, MOBILE, PARTNER]) {
    it(`an ID token of ${clientId} → 401 token_use_mismatch`, withLogs(logs, async () => {
      const { token, payload } = await idp.mint({ clientId, tokenUse: 'id', username: 'alice', nonce: 'n-1' });
      assert.equal(payload.token_use, 'id');
      assert.equal(payload.aud, clientId);
      await expectInvalidToken(h, token, 'token_use_mismatch');
    }));
  }
});

describe('client_credentials (machine) tokens', () => {
  it(`${MACHINE}: 200, REMOTE_USER = the client id, COGNITO_PRINCIPAL_TYPE=machine, COGNITO_SCOPE`, withLogs(logs, async () => {
    const token = await machineToken(MACHINE, MACHINE_SECRET, 'orders/read');
    const { payload } = decode(token);
    assert.equal(payload.sub, MACHINE, 'emulator: a client_credentials token has sub = client_id');
    assert.equal(payload.username, undefined, 'emulator: a client_credentials token has no username');
    const res = await callApi(h, token, { path: svc('') });
    assert.equal(res.status, 200, `${res.status} ${wwwAuth(res)} ${res.text.slice(0, 200)}`);
    const env = res.json;
    assert.equal(env.REMOTE_USER, MACHINE);
    assert.equal(env.COGNITO_PRINCIPAL_TYPE, 'machine');
    assert.equal(env.COGNITO_CLIENT_ID, MACHINE);
    assert.equal(env.COGNITO_SCOPE, 'orders/read');
    assert.equal(env.COGNITO_USER_POOL, idp.poolId);
    assertLogHasNoToken(h, token);
  }));

  it('a machine token of a client the location does not list → 401 token_client_mismatch', withLogs(logs, async () => {
    const token = await machineToken(MACHINE, MACHINE_SECRET, 'orders/read');
    await expectInvalidToken(h, token, 'token_client_mismatch'); // /api lists web and mobile only
  }));

  it('Require cognito-scope orders/write, token with orders/read only → 403 insufficient_scope, scope="orders/write"', withLogs(logs, async () => {
    const token = await machineToken(MACHINE, MACHINE_SECRET, 'orders/read');
    const answers = {};
    for (const where of ['write-ff', 'write']) {
      const [res, slice] = await withLogSlice(h, () => callApi(h, token, { path: svc(where) }));
      const wa = assertInsufficientScope(res, `/svc/${where}`);
      assert.match(wa, /scope="orders\/write"/, `/svc/${where}: the challenge names the missing scope: ${wa}`);
      assert.match(slice, /insufficient_scope/, `/svc/${where}: reason in the error log; new lines:\n${slice}`);
      assert.match(slice, /COGNITO0121/, `/svc/${where}: COGNITO0121 in the error log; new lines:\n${slice}`);
      answers[where] = { status: res.status, wa };
    }
    assert.deepEqual(answers.write, answers['write-ff'],
      'the same 403 whether or not AuthzSendForbiddenOnFailure is set');
    assertLogHasNoToken(h, token);
  }));

  it('the scope parameter lists every value of the failed Require cognito-scope line', withLogs(logs, async () => {
    const token = await machineToken(MACHINE, MACHINE_SECRET, 'orders/read');
    const res = await callApi(h, token, { path: svc('two-scopes') });
    const wa = assertInsufficientScope(res, '/svc/two-scopes');
    assert.match(wa, /scope="orders\/write admin\/all"/, wa);
  }));

  it('a token that has orders/write passes the same rule (control)', withLogs(logs, async () => {
    const token = await machineToken(MACHINE2, MACHINE2_SECRET, 'orders/read orders/write');
    for (const where of ['write-ff', 'write', 'other']) {
      const res = await callApi(h, token, { path: svc(where) });
      assert.equal(res.status, 200, `/svc/${where}: ${res.status} ${wwwAuth(res)}`);
      assert.equal(res.json.REMOTE_USER, MACHINE2);
      assert.equal(res.json.COGNITO_PRINCIPAL_TYPE, 'machine');
      assert.equal(res.json.COGNITO_SCOPE, 'orders/read orders/write');
    }
  }));

  it(`Require cognito-claim client_id ${MACHINE2}, token of ${MACHINE} → 403 insufficient_scope, never 302/401`, withLogs(logs, async () => {
    const token = await machineToken(MACHINE, MACHINE_SECRET, 'orders/read');
    for (const headers of [{}, { Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate' }]) {
      const res = await callApi(h, token, { path: svc('other'), headers });
      assertInsufficientScope(res, `/svc/other ${JSON.stringify(headers)}`);
    }
  }));
});

describe('the emulator (sanity of the shapes the tests rely on)', () => {
  it('client_credentials for a scope the client lacks → 400 invalid_scope', async () => {
    const r = await clientCredentials(MACHINE, MACHINE_SECRET, 'orders/write');
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json?.error, 'invalid_scope', r.text);
    assert.equal(r.json?.access_token, undefined);
  });

  it('client_credentials without a scope → every custom scope of the client, Bearer, expires_in', async () => {
    const r = await clientCredentials(MACHINE, MACHINE_SECRET);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.token_type, 'Bearer');
    assert.ok(Number.isInteger(r.json.expires_in) && r.json.expires_in > 0);
    const { payload } = decode(r.json.access_token);
    assert.equal(payload.scope, 'orders/read');
    assert.equal(payload.client_id, MACHINE);
    assert.equal(payload.token_use, 'access');
    assert.equal(payload.iss, idp.issuer);
  });

  it('client_credentials with a wrong secret → 400 invalid_client', async () => {
    const r = await clientCredentials(MACHINE, 'wrong-secret', 'orders/read');
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json?.error, 'invalid_client', r.text);
  });
});
