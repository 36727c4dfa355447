// Bearer access-token verification — contract (b), (c), (d): valid access tokens get in with their
// identity; missing, non-Bearer and refused tokens (expired, wrong issuer/client/use, bad alg, kid, signature,
// shape, size, weak key) get 401 with the reason logged; no token ever reaches the error log. Against a real
// httpd + the Cognito emulator.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import {
  alterPayload, alterSignature, b64u, b64uJson, decode, randomKid, signRs256, signRs256Raw,
} from './lib/jwt.mjs';
import {
  apiBody, assertLogHasNoToken, callApi, expectInvalidToken, pool, withLogSlice, wwwAuth,
} from './lib/cognito.mjs';

const SCOPE = 'openid email orders/read';
const now = () => Math.floor(Date.now() / 1000);

let idp;
let h;
let keys;
const logs = () => [h, idp];

before(async () => {
  idp = await startIdp();
  keys = await idp.keys();
  h = await startHttpd({
    // 20 KB tokens must reach the module (core's default limit is 8190 bytes per header line)
    body: apiBody({ issuer: idp.issuer, server: 'LimitRequestFieldSize 65536' }),
  });
});

after(async () => {
  await h?.stop();
  await idp?.close();
});

/** A valid access-token payload for alice, for hand-signed tokens. */
async function alicePayload() {
  return (await idp.mint({ username: 'alice', scope: SCOPE })).payload;
}
const accessHeader = () => ({ kid: keys.access.kid, alg: 'RS256' });
const signAccess = (header, payload) => signRs256(header, payload, keys.access.privateKeyPem);

describe('valid access tokens', () => {
  it('alice: 200 and the CGI sees the identity', withLogs(logs, async () => {
    const { token, payload } = await idp.mint({ username: 'alice', scope: SCOPE });
    const res = await callApi(h, token);
    assert.equal(res.status, 200, res.text);
    const env = res.json;
    assert.ok(env, `CGI output is not JSON: ${res.text}`);
    assert.equal(env.REMOTE_USER, 'alice');
    assert.equal(env.AUTH_TYPE, 'Cognito');
    assert.equal(env.COGNITO_SUB, payload.sub);
    assert.equal(env.COGNITO_USERNAME, 'alice');
    assert.equal(env.COGNITO_GROUPS, 'admin,staff');
    assert.equal(env.COGNITO_SCOPE, SCOPE);
    assert.equal(env.COGNITO_TOKEN_USE, 'access');
    assert.equal(env.COGNITO_CLIENT_ID, 'testclient1');
    assert.equal(env.COGNITO_EXPIRES, String(payload.exp));
    assert.match(env.COGNITO_EXPIRES, /^\d+$/);
    assert.equal(env.HTTP_AUTHORIZATION, undefined, 'Authorization must not reach the CGI');
    assertLogHasNoToken(h, token);
  }));

  it('carol (no groups): COGNITO_GROUPS absent or empty', withLogs(logs, async () => {
    const { token, payload } = await idp.mint({ username: 'carol', scope: SCOPE });
    const res = await callApi(h, token);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.REMOTE_USER, 'carol');
    assert.equal(res.json.COGNITO_SUB, payload.sub);
    assert.ok(res.json.COGNITO_GROUPS === undefined || res.json.COGNITO_GROUPS === '',
      `COGNITO_GROUPS=${JSON.stringify(res.json.COGNITO_GROUPS)}`);
  }));

  it('the same token keeps working when repeated (verified-token cache)', withLogs(logs, async () => {
    const { token } = await idp.mint({ username: 'bob', scope: SCOPE });
    const results = await pool(60, 8, () => callApi(h, token));
    for (const r of results) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.REMOTE_USER, 'bob');
      assert.equal(r.json.COGNITO_GROUPS, 'staff');
    }
    assertLogHasNoToken(h, token);
  }));
});

describe('missing or non-Bearer credentials', () => {
  it('no Authorization header: 401, Bearer realm="api", no error attribute', withLogs(logs, async () => {
    const res = await callApi(h, null);
    assert.equal(res.status, 401);
    const wa = wwwAuth(res);
    assert.match(wa, /^Bearer realm="api"/);
    assert.doesNotMatch(wa, /error=/);
  }));

  it('Authorization: Basic → 401 with a Bearer challenge', withLogs(logs, async () => {
    const res = await callApi(h, null, { headers: { Authorization: 'Basic ' + Buffer.from('alice:pw').toString('base64') } });
    assert.equal(res.status, 401);
    assert.match(wwwAuth(res), /Bearer/);
  }));

  it('Authorization: Bearer with an empty value → 401', withLogs(logs, async () => {
    for (const v of ['Bearer', 'Bearer ', 'Bearer    ']) {
      const res = await callApi(h, null, { headers: { Authorization: v } });
      assert.equal(res.status, 401, `for ${JSON.stringify(v)}`);
      assert.match(wwwAuth(res), /Bearer/);
    }
  }));

  it('two Authorization headers (each with a valid token) → 401', withLogs(logs, async () => {
    const { token } = await idp.mint();
    const res = await callApi(h, null, { headers: { Authorization: [`Bearer ${token}`, `Bearer ${token}`] } });
    assert.equal(res.status, 401, res.text);
    assert.match(wwwAuth(res), /Bearer/);
    assertLogHasNoToken(h, token);
  }));
});

describe('refused tokens: 401 invalid_token with the reason logged', () => {
  it('expired → token_expired', withLogs(logs, async () => {
    const { token } = await idp.mint({ expiresIn: -3600 });
    await expectInvalidToken(h, token, 'token_expired');
  }));

  it('iat an hour in the future → token_iat_future', withLogs(logs, async () => {
    const t = now();
    const { token } = await idp.mint({ claims: { iat: t + 3600, exp: t + 7200 } });
    await expectInvalidToken(h, token, 'token_iat_future');
  }));

  it('wrong iss → token_issuer_mismatch', withLogs(logs, async () => {
    const { token } = await idp.mint({
      claims: { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OtherPool' },
    });
    await expectInvalidToken(h, token, 'token_issuer_mismatch');
  }));

  it('ID token used as a bearer token → token_use_mismatch', withLogs(logs, async () => {
    const { token, payload } = await idp.mint({ tokenUse: 'id', nonce: 'n-1' });
    assert.equal(payload.token_use, 'id');
    await expectInvalidToken(h, token, 'token_use_mismatch');
  }));

  it("another client's access token → token_client_mismatch", withLogs(logs, async () => {
    const { token, payload } = await idp.mint({ clientId: 'otherclient' });
    assert.equal(payload.client_id, 'otherclient');
    await expectInvalidToken(h, token, 'token_client_mismatch');
  }));

  it('exp missing → token_claim_missing', withLogs(logs, async () => {
    const { token, payload } = await idp.mint({ claims: { exp: null } });
    assert.equal(payload.exp, undefined);
    await expectInvalidToken(h, token, 'token_claim_missing');
  }));

  it('exp as a string → token_claim_type', withLogs(logs, async () => {
    const { token } = await idp.mint({ claims: { exp: String(now() + 3600) } });
    await expectInvalidToken(h, token, 'token_claim_type');
  }));

  it('alg none → token_alg_unsupported', withLogs(logs, async () => {
    const payload = await alicePayload();
    // signature segment present, so the refusal is about the algorithm, not the shape
    const forged = `${b64uJson({ alg: 'none', kid: keys.access.kid })}.${b64uJson(payload)}.${b64u(Buffer.alloc(32, 1))}`;
    await expectInvalidToken(h, forged, 'token_alg_unsupported');
    // the emulator's own alg=none token (empty signature segment): refused either way
    const { token } = await idp.mint({ sign: 'none' });
    assert.equal(decode(token).header.alg, 'none');
    await expectInvalidToken(h, token, ['token_alg_unsupported', 'token_malformed']);
  }));

  it('HS256 keyed with the RSA public key → token_alg_unsupported', withLogs(logs, async () => {
    const { token } = await idp.mint({ sign: 'hs256-with-public-key' });
    assert.equal(decode(token).header.alg, 'HS256');
    await expectInvalidToken(h, token, 'token_alg_unsupported');
  }));

  it('unknown kid → token_kid_unknown', withLogs(logs, async () => {
    const token = signAccess({ kid: randomKid(), alg: 'RS256' }, await alicePayload());
    await expectInvalidToken(h, token, 'token_kid_unknown');
  }));

  it('kid with a NUL byte and ../ → token_kid_invalid', withLogs(logs, async () => {
    const token = signAccess({ kid: `${keys.access.kid}\u0000../../../etc/passwd`, alg: 'RS256' }, await alicePayload());
    await expectInvalidToken(h, token, 'token_kid_invalid');
    const token2 = signAccess({ kid: '../../../../etc/passwd', alg: 'RS256' }, await alicePayload());
    await expectInvalidToken(h, token2, ['token_kid_invalid', 'token_kid_unknown']);
  }));

  it('payload altered after signing → token_signature_invalid', withLogs(logs, async () => {
    const { token } = await idp.mint({ username: 'bob' });
    const forged = alterPayload(token, (p) => ({ ...p, username: 'alice', 'cognito:groups': ['admin'] }));
    await expectInvalidToken(h, forged, 'token_signature_invalid');
  }));

  it('signature altered → token_signature_invalid', withLogs(logs, async () => {
    const { token } = await idp.mint();
    await expectInvalidToken(h, alterSignature(token), 'token_signature_invalid');
  }));

  it('signature removed (header.payload.) → token_malformed', withLogs(logs, async () => {
    const { token } = await idp.mint();
    const [hd, pl] = token.split('.');
    await expectInvalidToken(h, `${hd}.${pl}.`, 'token_malformed');
  }));

  it('2 segments and 4 segments → token_malformed', withLogs(logs, async () => {
    const { token } = await idp.mint();
    const [hd, pl, sg] = token.split('.');
    await expectInvalidToken(h, `${hd}.${pl}`, 'token_malformed');
    await expectInvalidToken(h, `${hd}.${pl}.${sg}.${sg}`, 'token_malformed');
    await expectInvalidToken(h, `${token}.`, 'token_malformed');
  }));

  it('characters outside base64url (+ / = padding, space) → token_malformed', withLogs(logs, async () => {
    const { token } = await idp.mint();
    const [hd, pl, sg] = token.split('.');
    const mid = (s, c) => s.slice(0, s.length >> 1) + c + s.slice(s.length >> 1);
    const variants = {
      'plus in payload': `${hd}.${mid(pl, '+')}.${sg}`,
      'slash in signature': `${hd}.${pl}.${mid(sg, '/')}`,
      '= padding on header': `${hd}=.${pl}.${sg}`,
      '== padding on payload': `${hd}.${pl}==.${sg}`,
      'space inside payload': `${hd}.${mid(pl, ' ')}.${sg}`,
      'standard base64 alphabet': `${hd}.${Buffer.from(pl, 'base64url').toString('base64')}.${sg}`,
    };
    for (const [name, t] of Object.entries(variants)) {
      if (name === 'standard base64 alphabet' && !/[+/=]/.test(t.split('.')[1])) continue;
      await expectInvalidToken(h, t, 'token_malformed').catch((e) => { e.message = `[${name}] ${e.message}`; throw e; });
    }
  }));

  it('header not JSON / payload not JSON / payload a JSON array → token_malformed', withLogs(logs, async () => {
    const payload = await alicePayload();
    const kp = keys.access.privateKeyPem;
    const cases = {
      'header not JSON': signRs256Raw(b64u(`{"kid":"${keys.access.kid}","alg":"RS256"`), b64uJson(payload), kp),
      'header garbage': signRs256Raw(b64u('not json at all'), b64uJson(payload), kp),
      'payload not JSON': signRs256Raw(b64uJson(accessHeader()), b64u('{"sub": alice}'), kp),
      'payload a JSON array': signRs256Raw(b64uJson(accessHeader()), b64uJson([payload]), kp),
      'payload with trailing data': signRs256Raw(b64uJson(accessHeader()), b64u(JSON.stringify(payload) + ' x'), kp),
    };
    for (const [name, t] of Object.entries(cases)) {
      await expectInvalidToken(h, t, 'token_malformed').catch((e) => { e.message = `[${name}] ${e.message}`; throw e; });
    }
  }));

  it('a 20 KB token → token_too_large', withLogs(logs, async () => {
    const base = await alicePayload();
    const size = (n) => signAccess(accessHeader(), { ...base, padding: 'x'.repeat(n) });
    const plain = size(0).length;
    // pad the payload so that the whole token is just over 20 KB
    const token = size(Math.ceil(((20 * 1024 - plain) * 3) / 4) + 8);
    assert.ok(token.length > 20 * 1024 && token.length < 20 * 1024 + 64, `token length ${token.length}`);
    const { slice } = await expectInvalidToken(h, token, 'token_too_large');
    assert.doesNotMatch(slice, /token_(signature|malformed|claim)/, 'refused before decoding');
  }));
});

describe('weak keys', () => {
  let h2;
  after(async () => {
    await idp.jwksMode('normal').catch(() => {});
    await h2?.stop();
  });
  it('a JWKS whose only key is RSA-1024 → token_key_weak', withLogs(() => [h2, idp], async () => {
    // fresh httpd: no cached key set, no penalty window from the unknown-kid tests above
    h2 = await startHttpd({ body: apiBody({ issuer: idp.issuer }) });
    await idp.jwksMode('weak-only');
    const { token } = await idp.mint({ sign: 'weak' });
    const [res, slice] = await withLogSlice(h2, () => callApi(h2, token));
    assert.equal(res.status, 401, res.text);
    assert.match(wwwAuth(res), /error="invalid_token"/);
    assert.match(slice, /token_key_weak/);
    assertLogHasNoToken(h2, token);
  }));
});

describe('the error log', () => {
  it('never contains a bearer token', withLogs(logs, async () => {
    // every token above was checked individually; here: nothing that looks like a JWT at all
    const log = h.errorLog();
    assert.doesNotMatch(log, /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}/, 'a JWT-looking string is in the error_log');
  }));
});
