// One Bearer API trusting two user pools (CognitoUserPool A B + CognitoIssuer A B) — issue 16.
//
// Threat: with several pools at one location, the pools must stay separate. A token is checked only
// against the key set of the pool its `iss` names: a token claiming pool A's issuer but signed with a key
// of pool B (whose key set the module also holds) must be refused (401, token_kid_unknown), or anyone
// with a token-signing position in B — or simply B's own tokens rewritten — becomes a user of A.
// A token naming an issuer the location does not trust is refused before anything is fetched (no
// outbound request to an attacker-chosen issuer, no JWKS fetch of a configured pool either).
// `Require cognito-pool` grants on the pool the token came from; COGNITO_USER_POOL tells the app.
// Several pools are only allowed at `CognitoBearer only` locations (a browser session belongs to one
// pool): apache2 -t fails otherwise, naming CognitoUserPool.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { configtest, startHttpd, withLogs } from './lib/httpd.mjs';
import { CLIENT_ID, startIdp } from './lib/idp.mjs';
import { decode } from './lib/jwt.mjs';
import {
  apiPids, assertLogHasNoToken, callApi, expectInvalidToken, pool, withLogSlice, wwwAuth,
} from './lib/cognito.mjs';
import { idpLogSource } from './lib/login.mjs';

const POOL_A = 'eu-west-1_PoolA';
const POOL_B = 'us-east-1_PoolB';
const POOL_C = 'ap-south-1_PoolC'; // a third pool the httpd does not know

let A;
let B;
let C;
let h;
const logs = () => [h, A && idpLogSource(A), B && idpLogSource(B), C && idpLogSource(C)].filter(Boolean);

const body = () => `
<Location /api>
    AuthType Cognito
    AuthName "api"
    CognitoUserPool ${A.poolId} ${B.poolId}
    CognitoIssuer ${A.issuer} ${B.issuer}
    CognitoClientID ${CLIENT_ID}
    CognitoBearer only
    Require valid-user
</Location>
<Location /api/pool-a/>
    Require cognito-pool ${A.poolId}
</Location>
ScriptAlias /api/cgi-bin/ "@DIR@/cgi-bin/"
ScriptAlias /api/pool-a/cgi-bin/ "@DIR@/cgi-bin/"
`;

const POOL_A_PATH = '/api/pool-a/cgi-bin/env.cgi';

before(async () => {
  A = await startIdp({ poolId: POOL_A });
  B = await startIdp({ poolId: POOL_B });
  C = await startIdp({ poolId: POOL_C });
  assert.equal(A.poolId, POOL_A);
  assert.equal(B.poolId, POOL_B);
  assert.ok(A.issuer.endsWith(`/${POOL_A}`) && B.issuer.endsWith(`/${POOL_B}`), `${A.issuer} ${B.issuer}`);
  h = await startHttpd({ body: body() });
});

after(async () => {
  await h?.stop();
  for (const x of [A, B, C]) await x?.close();
});

const resetAll = () => Promise.all([A, B, C].map((x) => x.resetCounters()));
const jwksCounts = async () => Object.fromEntries(
  await Promise.all([['A', A], ['B', B], ['C', C]].map(async ([n, x]) => [n, (await x.counters()).jwks])));

describe('several pools at one Bearer location', () => {
  // first, on a fresh httpd (no key set fetched yet): a foreign issuer must not make it fetch anything
  it('a token of a third pool → 401 token_issuer_mismatch, and no emulator served a key set', withLogs(logs, async () => {
    await resetAll();
    const { token, payload } = await C.mint({ username: 'alice' });
    assert.equal(payload.iss, C.issuer);
    await expectInvalidToken(h, token, 'token_issuer_mismatch');
    // more of them, spread over both children
    const results = await pool(16, 8, async () => callApi(h, (await C.mint({ username: 'bob' })).token));
    for (const r of results) {
      assert.equal(r.status, 401, `${r.status} ${r.text.slice(0, 200)}`);
      assert.match(wwwAuth(r), /error="invalid_token"/);
    }
    assert.deepEqual(await jwksCounts(), { A: 0, B: 0, C: 0 }, 'JWKS fetches caused by tokens of an unknown issuer');
    for (const x of [A, B, C]) assert.equal((await x.counters())['openid-configuration'], 0, 'no discovery either');
  }));

  it("tokens of either pool → 200, COGNITO_USER_POOL names the token's pool", withLogs(logs, async () => {
    for (const [idp, user] of [[A, 'alice'], [B, 'bob'], [A, 'carol'], [B, 'alice']]) {
      const { token, payload } = await idp.mint({ username: user });
      assert.equal(payload.iss, idp.issuer);
      const res = await callApi(h, token);
      assert.equal(res.status, 200, `${idp.poolId} ${user}: ${res.status} ${wwwAuth(res)} ${res.text.slice(0, 200)}`);
      assert.equal(res.json.REMOTE_USER, user);
      assert.equal(res.json.COGNITO_USER_POOL, idp.poolId, `${user} of ${idp.poolId}`);
      assert.equal(res.json.COGNITO_CLIENT_ID, CLIENT_ID);
      assertLogHasNoToken(h, token);
    }
    // both children hold both key sets from here on (so the next test's forgery meets a loaded key set of B)
    for (let round = 0; round < 40 && apiPids(h).length < 2; round++) {
      const rs = await pool(12, 12, async () => callApi(h, (await (round % 2 ? B : A).mint()).token));
      for (const r of rs) assert.equal(r.status, 200, `${r.status} ${r.text.slice(0, 200)}`);
    }
    for (const idp of [A, B]) {
      const rs = await pool(24, 12, async () => callApi(h, (await idp.mint()).token));
      for (const r of rs) {
        assert.equal(r.status, 200, `${idp.poolId}: ${r.status} ${r.text.slice(0, 200)}`);
        assert.equal(r.json.COGNITO_USER_POOL, idp.poolId);
      }
    }
  }));

  it("a token claiming pool A's issuer but signed with pool B's key → 401 token_kid_unknown, never accepted", withLogs(logs, async () => {
    const forged = await B.mint({ username: 'alice', claims: { iss: A.issuer } });
    assert.equal(forged.payload.iss, A.issuer);
    const bKids = (await B.keys());
    assert.equal(decode(forged.token).header.kid, bKids.access.kid, 'signed with the access key of pool B');
    assert.notEqual(bKids.access.kid, (await A.keys()).access.kid);
    await expectInvalidToken(h, forged.token, 'token_kid_unknown');
    // again and again, on both children: never 200
    const results = await pool(24, 12, () => callApi(h, forged.token));
    for (const r of results) {
      assert.equal(r.status, 401, `forged token answered ${r.status}: ${r.text.slice(0, 200)}`);
      assert.match(wwwAuth(r), /error="invalid_token"/);
    }
    // and the other way round: pool B's issuer, pool A's key
    const forged2 = await A.mint({ username: 'alice', claims: { iss: B.issuer } });
    await expectInvalidToken(h, forged2.token, 'token_kid_unknown');
    // the genuine tokens still work
    for (const idp of [A, B]) assert.equal((await callApi(h, (await idp.mint()).token)).status, 200);
  }));

  it(`Require cognito-pool ${POOL_A}: pool A's token → 200, pool B's → 403 insufficient_scope`, withLogs(logs, async () => {
    const a = await A.mint({ username: 'alice' });
    const okRes = await callApi(h, a.token, { path: POOL_A_PATH });
    assert.equal(okRes.status, 200, `${okRes.status} ${wwwAuth(okRes)} ${okRes.text.slice(0, 200)}`);
    assert.equal(okRes.json.COGNITO_USER_POOL, POOL_A);
    assert.equal(okRes.json.REMOTE_USER, 'alice');

    const b = await B.mint({ username: 'alice' });
    const [res, slice] = await withLogSlice(h, () => callApi(h, b.token, { path: POOL_A_PATH }));
    assert.notEqual(res.status, 302, 'never a redirect');
    assert.notEqual(res.status, 401, `a valid token refused by Require is 403, not 401: ${wwwAuth(res)}\n${slice}`);
    assert.equal(res.status, 403, `${res.status} ${res.text.slice(0, 200)}`);
    assert.match(wwwAuth(res), /^Bearer realm="[^"]*"/, wwwAuth(res));
    assert.match(wwwAuth(res), /error="insufficient_scope"/, wwwAuth(res));
    assertLogHasNoToken(h, b.token);
  }));

  it('after all that: a third pool still fetches nothing', withLogs(logs, async () => {
    await resetAll();
    const results = await pool(16, 8, async () => callApi(h, (await C.mint()).token));
    for (const r of results) assert.equal(r.status, 401, `${r.status} ${r.text.slice(0, 200)}`);
    assert.deepEqual(await jwksCounts(), { A: 0, B: 0, C: 0 });
  }));
});

describe('configtest: several pools only at CognitoBearer only locations', () => {
  const ISS = (p) => `http://127.0.0.1:9/${p}`;
  const conf = ({ pools, bearer }) => `
CognitoDomain http://127.0.0.1:9
<Location /app>
    AuthType Cognito
    AuthName "app"
    CognitoUserPool ${pools.join(' ')}
    CognitoIssuer ${pools.map(ISS).join(' ')}
    CognitoClientID ${CLIENT_ID}
${bearer ? `    CognitoBearer ${bearer}` : ''}
    Require valid-user
</Location>
`;

  it('two pools at a CognitoBearer only location pass (control)', async () => {
    const r = await configtest({ body: conf({ pools: [POOL_A, POOL_B], bearer: 'only' }) });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Syntax OK/);
  });

  for (const bearer of ['on', 'off', null]) {
    const label = bearer ? `CognitoBearer ${bearer}` : 'no CognitoBearer line (default on)';
    it(`one pool with ${label} passes (control)`, async () => {
      const r = await configtest({ body: conf({ pools: [POOL_A], bearer }) });
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /Syntax OK/);
    });

    it(`two pools with ${label} fail, naming CognitoUserPool`, async () => {
      const r = await configtest({ body: conf({ pools: [POOL_A, POOL_B], bearer }) });
      assert.notEqual(r.code, 0, `configtest should fail; output:\n${r.output}`);
      assert.doesNotMatch(r.output, /Syntax OK/);
      assert.match(r.output, /CognitoUserPool/, `the message should name CognitoUserPool:\n${r.output}`);
    });
  }
});
