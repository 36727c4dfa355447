// Bearer (and ID) token claims: inside a correctly signed token, every claim must have its specified type
// and range — hostile numbers, types, duplicate names and deep nesting are refused (401 invalid_token with
// the right reason), valid edge values accepted, and nothing crashes.
//
// Guards findings (peer advisories): integer overflow and type confusion on exp/iat/nbf, array-vs-string
// group claims granting access, stack exhaustion on deeply nested JSON, missing audience checks.
//
// Tokens are signed here with the emulator's real access key (GET /_test/keys), so the signature is valid and
// only the claim decides. Numeric claims are written as exact JSON text (1e300, -1, 2^63, "123", 1.5e9 …).
// Every bad token must get 401 invalid_token with the right reason; good ones (a future float exp — a valid
// RFC 7519 NumericDate —, nesting within the documented depth) must still get 200; nothing may crash.
// ID tokens with the same values at the login callback (emulator /_test/tamper) are refused as well.
// Audience checks themselves are covered by bearer-verify.test.mjs ("another client's access token") and
// login-callback.test.mjs ("ID token with wrong aud"); here: aud of the wrong *type*.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { CLIENT_ID, POOL_ID, startIdp } from './lib/idp.mjs';
import { b64u, b64uJson, signRs256Raw } from './lib/jwt.mjs';
import { callApi, withLogSlice, wwwAuth } from './lib/cognito.mjs';
import { Agent, assertErrorPage, idpLogSource, logSlice, signInAtIdp, startLogin, startLoginRig } from './lib/login.mjs';
import { assertNoCrash, nestedArrays, nestedObjects } from './lib/hostile.mjs';

const now = () => Math.floor(Date.now() / 1000);
let idp;
let h;
let keys;
let base; // a valid access-token payload of alice
let loginRig;
const logs = () => [h, idp, loginRig?.h, idp && idpLogSource(idp)].filter(Boolean);

before(async () => {
  idp = await startIdp();
  keys = await idp.keys();
  h = await startHttpd({
    body: `
LimitRequestFieldSize 65536
<Location /api>
    AuthType Cognito
    AuthName "api"
    CognitoUserPool ${POOL_ID}
    CognitoIssuer ${idp.issuer}
    CognitoClientID ${CLIENT_ID}
    CognitoBearer only
    Require valid-user
</Location>
<Location /api/admin>
    Require cognito-group admin
    AuthzSendForbiddenOnFailure On
</Location>
ScriptAlias /api/cgi-bin/ "@DIR@/cgi-bin/"
ScriptAlias /api/admin/cgi-bin/ "@DIR@/cgi-bin/"
`,
  });
  base = (await idp.mint({ username: 'alice', scope: 'openid email orders/read' })).payload;
  delete base.jti; // every token below gets its own, so the verified-token cache never answers for another
});
after(async () => {
  await loginRig?.stop();
  await h?.stop();
  await idp?.close();
});

let serial = 0;
/**
 * Signs alice's payload with `overrides`: values are JSON *texts* (inserted verbatim), `undefined` deletes.
 * `extraText` is appended inside the object verbatim (duplicate names etc.).
 */
function token(overrides = {}, { extraText = '', header } = {}) {
  const p = { ...base, jti: `claims-${process.pid}-${++serial}` };
  const marks = {};
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) { delete p[k]; continue; }
    const m = `__RAW_${Object.keys(marks).length}__`;
    marks[m] = v;
    p[k] = m;
  }
  let json = JSON.stringify(p);
  for (const [m, v] of Object.entries(marks)) json = json.replace(`"${m}"`, v);
  if (extraText) json = `${json.slice(0, -1)},${extraText}}`;
  const hdr = header ?? JSON.stringify({ kid: keys.access.kid, alg: 'RS256' });
  return signRs256Raw(b64u(Buffer.from(hdr)), b64u(Buffer.from(json)), keys.access.privateKeyPem);
}

/**
 * Sends each case, collects mismatches. expect: 200 | 403 | a reason string (401 invalid_token + that
 * reason in the log) | 'reason1|reason2' | '200|401' (either, never anything else).
 */
async function run(cases, { path } = {}) {
  const problems = [];
  for (const [label, tok, expect] of cases) {
    const [res, slice] = await withLogSlice(h, () => callApi(h, tok, { path }));
    const wants = String(expect).split('|');
    if (res.status === 200 || res.status === 403) {
      if (!wants.includes(String(res.status))) problems.push(`${label}: ${res.status} (expected ${expect})`);
      continue;
    }
    if (res.status !== 401) { problems.push(`${label}: ${res.status} (expected ${expect}) ${res.text.slice(0, 100)}`); continue; }
    if (wants.includes('401')) continue;
    const reason = wants.find((w) => slice.includes(w));
    if (!reason) problems.push(`${label}: 401 but the log names ${(/COGNITO\d+: (\w+)/.exec(slice) || [])[1]} (expected ${expect})`);
    if (!/error="invalid_token"/.test(wwwAuth(res))) problems.push(`${label}: WWW-Authenticate ${wwwAuth(res)}`);
  }
  return problems;
}

const CT = 'token_claim_type';
const MAL = 'token_malformed';

describe('numeric edge values in exp, iat, nbf, auth_time', () => {
  it('exp: 1e300, -1, 2^63, strings, non-finite, out-of-range → refused; a future float → accepted', withLogs(logs, async () => {
    const t = now();
    const cases = [
      ['exp 1e300', token({ exp: '1e300' }), CT],
      ['exp -1', token({ exp: '-1' }), CT],
      ['exp -1e300', token({ exp: '-1e300' }), CT],
      ['exp 2^63', token({ exp: '9223372036854775808' }), CT],
      ['exp 2^63-1', token({ exp: '9223372036854775807' }), CT],
      ['exp 2^64', token({ exp: '18446744073709551616' }), CT],
      ['exp 2^53+1', token({ exp: '9007199254740993' }), CT],
      ['exp 253402300800 (year 10000)', token({ exp: '253402300800' }), CT],
      ['exp "123" (string)', token({ exp: '"123"' }), CT],
      ['exp "1e300" (string)', token({ exp: '"1e300"' }), CT],
      [`exp "${t + 3600}" (string of a valid date)`, token({ exp: `"${t + 3600}"` }), CT],
      ['exp true', token({ exp: 'true' }), CT],
      ['exp null', token({ exp: 'null' }), `${CT}|token_claim_missing`],
      ['exp []', token({ exp: '[]' }), CT],
      [`exp [${t + 3600}]`, token({ exp: `[${t + 3600}]` }), CT],
      ['exp {}', token({ exp: '{}' }), CT],
      ['exp 1e400 (not finite)', token({ exp: '1e400' }), MAL],
      ['exp -1e400', token({ exp: '-1e400' }), MAL],
      ['exp NaN', token({ exp: 'NaN' }), MAL],
      ['exp Infinity', token({ exp: 'Infinity' }), MAL],
      ['exp 0x6B49D200', token({ exp: '0x6B49D200' }), MAL],
      ['exp with a leading zero', token({ exp: `0${t + 3600}` }), MAL],
      ['exp +N', token({ exp: `+${t + 3600}` }), MAL],
      ['exp N. (no fraction digits)', token({ exp: `${t + 3600}.` }), MAL],
      ['exp .5', token({ exp: '.5' }), MAL],
      ['exp 1e (no exponent digits)', token({ exp: '1e' }), MAL],
      ['exp 1.5e9 (a float in 2017)', token({ exp: '1.5e9' }), 'token_expired'],
      ['exp 0', token({ exp: '0' }), 'token_expired'],
      ['exp -0', token({ exp: '-0' }), `token_expired|${CT}`],
      ['exp 0.0', token({ exp: '0.0' }), 'token_expired'],
      [`exp ${t + 3600}.5 (a future float)`, token({ exp: `${t + 3600}.5` }), 200],
      [`exp ${((t + 7200) / 1e9).toFixed(9)}e9 (exponent notation, future)`, token({ exp: `${((t + 7200) / 1e9).toFixed(9)}e9` }), 200],
      [`exp ${t + 3600}E0`, token({ exp: `${t + 3600}E0` }), 200],
      ['exp 253402300799 (9999-12-31)', token({ exp: '253402300799' }), 200],
      ['exp with 5,000 fraction digits', token({ exp: `${t + 3600}.${'1'.repeat(5000)}` }), '200|401'],
      ['exp missing', token({ exp: undefined }), 'token_claim_missing'],
    ];
    const problems = await run(cases);
    assert.deepEqual(problems, [], problems.join('\n'));
  }));

  it('iat, nbf, auth_time: the same values → refused; valid floats → accepted', withLogs(logs, async () => {
    const t = now();
    const cases = [
      ['iat 1e300', token({ iat: '1e300' }), CT],
      ['iat -1', token({ iat: '-1' }), CT],
      ['iat 2^63', token({ iat: '9223372036854775808' }), CT],
      ['iat "123"', token({ iat: '"123"' }), CT],
      ['iat 1e400', token({ iat: '1e400' }), MAL],
      ['iat an hour ahead', token({ iat: String(t + 3600), exp: String(t + 7200) }), 'token_iat_future'],
      ['iat after exp (both within the skew)', token({ iat: String(t + 50), exp: String(t + 30) }), CT],
      [`iat ${t - 10}.25 (float)`, token({ iat: `${t - 10}.25` }), 200],
      ['iat missing', token({ iat: undefined }), 'token_claim_missing'],
      ['nbf 1e300', token({ nbf: '1e300' }), CT],
      ['nbf -1', token({ nbf: '-1' }), CT],
      ['nbf 2^63', token({ nbf: '9223372036854775808' }), CT],
      ['nbf "x"', token({ nbf: '"x"' }), CT],
      ['nbf an hour ahead', token({ nbf: String(t + 3600) }), 'token_not_yet_valid'],
      [`nbf ${t - 100}.75 (float)`, token({ nbf: `${t - 100}.75` }), 200],
      ['nbf 0', token({ nbf: '0' }), 200],
      ['auth_time "yesterday"', token({ auth_time: '"yesterday"' }), CT],
      ['auth_time 1e300', token({ auth_time: '1e300' }), CT],
      ['auth_time -1', token({ auth_time: '-1' }), CT],
    ];
    const problems = await run(cases);
    assert.deepEqual(problems, [], problems.join('\n'));
  }));
});

describe('claim types: groups, client_id, token_use, iss, sub, username, scope, aud', () => {
  it('cognito:groups as a string, number, nested array, object → refused; a Require cognito-group is never fooled', withLogs(logs, async () => {
    const cases = [
      ['groups ["admin"] (control)', token({ 'cognito:groups': '["admin"]' }), 200],
      ['groups "admin" (string)', token({ 'cognito:groups': '"admin"' }), CT],
      ['groups 1', token({ 'cognito:groups': '1' }), CT],
      ['groups [["admin"]]', token({ 'cognito:groups': '[["admin"]]' }), CT],
      ['groups ["admin", 1]', token({ 'cognito:groups': '["admin",1]' }), CT],
      ['groups [{"0":"admin"}]', token({ 'cognito:groups': '[{"0":"admin"}]' }), CT],
      ['groups {"admin":true}', token({ 'cognito:groups': '{"admin":true}' }), CT],
      ['groups null', token({ 'cognito:groups': 'null' }), CT],
      ['groups true', token({ 'cognito:groups': 'true' }), CT],
      ['groups [] (no groups)', token({ 'cognito:groups': '[]' }), 403],
      ['groups ["Admin"]', token({ 'cognito:groups': '["Admin"]' }), 403],
      ['groups ["admin,staff"]', token({ 'cognito:groups': '["admin,staff"]' }), 403],
      ['groups [" admin"]', token({ 'cognito:groups': '[" admin"]' }), 403],
      ['groups ["admin\\u0000x"]', token({ 'cognito:groups': '["admin\\u0000x"]' }), `403|${MAL}|${CT}`],
      ['groups ["adm\\u0069n"] (escaped i: equals admin)', token({ 'cognito:groups': '["adm\\u0069n"]' }), 200],
      ['groups claim named with an escape (cognito:gr\\u006fups)', token({ 'cognito:groups': undefined }, { extraText: '"cognito:gr\\u006fups":["admin"]' }), 200],
    ];
    const problems = await run(cases, { path: '/api/admin/cgi-bin/env.cgi' });
    assert.deepEqual(problems, [], problems.join('\n'));
  }));

  it('required string claims of another type → refused', withLogs(logs, async () => {
    const cases = [
      ['client_id ["testclient1"]', token({ client_id: `["${CLIENT_ID}"]` }), CT],
      ['client_id 123', token({ client_id: '123' }), CT],
      ['client_id null', token({ client_id: 'null' }), `${CT}|token_claim_missing`],
      ['token_use ["access"]', token({ token_use: '["access"]' }), CT],
      ['token_use true', token({ token_use: 'true' }), CT],
      ['iss 1', token({ iss: '1' }), CT],
      [`iss ["${idp.issuer}"]`, token({ iss: `["${idp.issuer}"]` }), CT],
      ['sub 1', token({ sub: '1' }), CT],
      ['sub {}', token({ sub: '{}' }), CT],
      ['username ["alice"]', token({ username: '["alice"]' }), CT],
      ['scope ["orders/read"]', token({ scope: '["orders/read"]' }), CT],
      ['aud 123 (access token)', token({ aud: '123' }), CT],
      ['aud [] (access token)', token({ aud: '[]' }), CT],
      [`aud [["${CLIENT_ID}"]]`, token({ aud: `[["${CLIENT_ID}"]]` }), CT],
      ['jti 5', token({ jti: '5' }), CT],
    ];
    const problems = await run(cases);
    assert.deepEqual(problems, [], problems.join('\n'));
  }));

  it('duplicate member names, also when one is spelled with escapes → token_malformed', withLogs(logs, async () => {
    const t = now();
    const cases = [
      ['exp twice', token({}, { extraText: `"exp":${t + 99999}` }), MAL],
      ['sub twice', token({}, { extraText: '"sub":"someone-else"' }), MAL],
      ['username twice', token({}, { extraText: '"username":"root"' }), MAL],
      ['client_id twice', token({}, { extraText: '"client_id":"otherclient"' }), MAL],
      ['"ex\\u0070" next to "exp"', token({}, { extraText: `"ex\\u0070":${t + 99999}` }), MAL],
      ['cognito:groups twice', token({ 'cognito:groups': '["staff"]' }, { extraText: '"cognito:groups":["admin"]' }), MAL],
    ];
    const problems = await run(cases);
    assert.deepEqual(problems, [], problems.join('\n'));
  }));
});

describe('deeply nested and oversized JSON', () => {
  it('nesting within the documented depth (32) is accepted, beyond it refused; 5,000 and 10,000 levels never crash', withLogs(logs, async () => {
    const cases = [
      ['30 nested arrays in a claim (depth 31)', token({ deep: nestedArrays(30) }), 200],
      ['40 nested arrays in a claim', token({ deep: nestedArrays(40) }), MAL],
      ['40 nested objects in a claim', token({ deep: nestedObjects(40) }), MAL],
      ['1,000 nested arrays', token({ deep: nestedArrays(1000) }), MAL],
      ['5,000 nested arrays (token under 16 KB)', token({ deep: nestedArrays(5000) }), MAL],
      ['10,000 unclosed [ (token under 16 KB)', token({}, { extraText: `"deep":${'['.repeat(10000)}` }), MAL],
      ['10,000 nested arrays (token over 16 KB)', token({ deep: nestedArrays(10000) }), 'token_too_large'],
      ['5,000 nested arrays in the header', token({}, { header: `{"kid":"${keys.access.kid}","alg":"RS256","x":${nestedArrays(5000)}}` }), MAL],
      ['40 nested objects in the header', token({}, { header: `{"kid":"${keys.access.kid}","alg":"RS256","x":${nestedObjects(40)}}` }), MAL],
      ['a number of 5,000 digits (1e5000: not finite)', token({ big: `1${'0'.repeat(5000)}` }), MAL],
      ['1,000 claims', token(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`c${i}`, String(i)]))), '200|401'],
      ['a lone surrogate escape', token({ odd: '"\\ud800"' }), `200|${MAL}`],
      ['a raw invalid UTF-8 byte', null, MAL],
    ];
    // the last one: bytes that are not UTF-8 inside a string, signed
    const p = JSON.stringify({ ...base, jti: `claims-utf8-${serial++}`, odd: '__X__' });
    const bytes = Buffer.concat([Buffer.from(p.split('"__X__"')[0]), Buffer.from([0x22, 0xc3, 0x28, 0x22]), Buffer.from(p.split('"__X__"')[1])]);
    cases.at(-1)[1] = signRs256Raw(b64uJson({ kid: keys.access.kid, alg: 'RS256' }), b64u(bytes), keys.access.privateKeyPem);
    const problems = await run(cases);
    assert.deepEqual(problems, [], problems.join('\n'));
  }));

  it('the same nesting under a garbage signature (what an anonymous attacker can send): 401, no crash', withLogs(logs, async () => {
    const garbage = (tok) => `${tok.split('.').slice(0, 2).join('.')}.${b64u(Buffer.alloc(256, 7))}`;
    const cases = [
      ['5,000 nested arrays, unsigned', garbage(token({ deep: nestedArrays(5000) })), '401'],
      ['10,000 unclosed [, unsigned', garbage(token({}, { extraText: `"deep":${'['.repeat(10000)}` })), '401'],
      ['5,000 nested objects, unsigned', `${b64uJson({ kid: keys.access.kid, alg: 'RS256' })}.${b64u(nestedObjects(1500))}.${b64u(Buffer.alloc(256, 1))}`, '401'],
      ['exp 1e300, unsigned', garbage(token({ exp: '1e300' })), '401'],
    ];
    const problems = await run(cases);
    assert.deepEqual(problems, [], problems.join('\n'));
    assertNoCrash(h);
  }));
});

describe('the same values in the ID token at the login callback', () => {
  before(async () => {
    loginRig = await startLoginRig({ idp });
  });

  for (const [label, claims, reason] of [
    ['exp 1e300', { exp: 1e300 }, CT],
    ['exp -1', { exp: -1 }, CT],
    ['exp 2^63', { exp: 2 ** 63 }, CT],
    ['exp "123"', { exp: '123' }, CT],
    ['iat -1', { iat: -1 }, CT],
    ['iat 1e300', { iat: 1e300 }, CT],
    ['nbf "x"', { nbf: 'x' }, CT],
    ['aud 123', { aud: 123 }, CT],
    ['aud [["testclient1"]]', { aud: [['testclient1']] }, CT],
    ['aud []', { aud: [] }, CT],
    ['cognito:groups "admin"', { 'cognito:groups': 'admin' }, CT],
    ['nonce 5', { nonce: 5 }, `${CT}|token_nonce_mismatch`],
    ['a claim nested 40 deep', { deep: JSON.parse(nestedArrays(40)) }, MAL],
  ]) {
    it(`ID token with ${label} → 401, no session`, withLogs(logs, async () => {
      const agent = new Agent();
      const start = await startLogin(agent, loginRig.h, idp, '/protected/cgi-bin/env.cgi');
      const callbackUrl = await signInAtIdp(agent, start.authorizeUrl);
      await idp.call('POST', '/_test/tamper', { idToken: { claims }, grant: 'authorization_code', times: 1 });
      const [res, slice] = await logSlice(loginRig.h, () => agent.nav(callbackUrl));
      const reasons = reason.split('|');
      assertErrorPage(res, 401, slice, null);
      assert.ok(reasons.some((r) => slice.includes(r)), `log should name ${reason}:\n${slice}`);
    }));
  }

  it('no httpd child crashed', () => {
    assertNoCrash(h);
    assertNoCrash(loginRig.h);
  });
});
