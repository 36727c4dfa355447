// AWS credential renewal through a shared session store: one session used through two Apache servers (A and
// B, two children each, one Redis, the same CognitoSessionSecret) while its identity-pool credentials
// (lifetime 60 s) enter their renewal window (the last quarter of their life: from 45 s on).
//
// Guards: a thundering herd at the identity pool when many requests of one session — in several processes of
// several servers — find the credentials due at once (renewal must be single flight per session: exactly one
// GetCredentialsForIdentity, and no new GetId); requests failing or getting no credentials while another
// process renews (they keep the old, still valid set); renewal too early (before the window) or never; a
// renewal on one server the other server does not see.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simultaneous } from './lib/rawhttp.mjs';
import { identityIssued, identityLifetime } from './lib/identity.mjs';
import { Agent, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, login, send, sleep } from './lib/login.mjs';
import { scaleout, scaleoutHttpdOpts, secretLine } from './lib/stores.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const LIFETIME = 60; // seconds; renewal window from 45 s (a quarter of the life before expiry)
const BURST = 20;

describe('AWS credential renewal: two servers, one Redis, one session', () => {
  it(`${BURST} parallel requests in the renewal window: all 200 with valid credentials, exactly one renewal`, scaleout(async (ctx) => {
    const idp = await ctx.idp();
    await identityLifetime(idp, LIFETIME);
    const store = await ctx.store('redis');
    const directives = `${secretLine()}
CognitoIdentityPool ${idp.raw.identityPoolId}
CognitoIdentityEndpoint ${idp.raw.identityEndpoint}
CognitoPassAWSCredentials env
CognitoHTTPTimeout 5`;
    const A = await ctx.httpd(scaleoutHttpdOpts({ idp, store, directives }));
    const B = await ctx.httpd(scaleoutHttpdOpts({ idp, store, directives }));
    const servers = { A, B };

    await idp.resetCounters();
    const { sessionCookie: cookie } = await login(new Agent(), A, idp, ENV, { username: 'alice' });
    const counts = async () => {
      const c = await idp.counters();
      return { getId: c['identity:GetId'] || 0, getCreds: c['identity:GetCredentialsForIdentity'] || 0 };
    };
    const aliceSets = async () => (await identityIssued(idp)).filter((r) => r.username === 'alice');
    const [old] = await aliceSets();
    assert.ok(old, 'credentials issued at login');
    assert.deepEqual(await counts(), { getId: 1, getCreds: 1 }, 'login: one GetId, one GetCredentialsForIdentity');
    assert.ok(Math.abs(old.expiration - (old.t / 1000 + LIFETIME)) < 2, `lifetime ${LIFETIME} s: ${JSON.stringify(old)}`);

    const get = (h, headers = NAV_HEADERS) => send(h.url + ENV, { headers: { ...headers, Cookie: `${SESSION_COOKIE}=${cookie}` } });
    const check = (res, what) => {
      assert.equal(res.status, 200, `${what}: ${res.status} ${res.headers.location || ''} ${res.text.slice(0, 200)}`);
      const env = res.json;
      assert.equal(env?.REMOTE_USER, 'alice', `${what}: alice`);
      assert.equal(env.COGNITO_AWS_CREDENTIALS, 'available', `${what}: COGNITO_AWS_CREDENTIALS`);
      for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION']) {
        assert.ok(env[k], `${what}: ${k} present`);
      }
      assert.ok(Date.parse(env.AWS_CREDENTIAL_EXPIRATION) > Date.now(), `${what}: not expired (${env.AWS_CREDENTIAL_EXPIRATION})`);
      return env;
    };

    // both servers serve the session with the login's credentials
    for (const [name, h] of Object.entries(servers)) {
      assert.equal(check(await get(h), `${name} after login`).AWS_ACCESS_KEY_ID, old.accessKeyId, `${name}: the login's credentials`);
    }

    // before the window (40 s of 60): nobody renews
    await sleep(Math.max(0, old.t + 40000 - Date.now()));
    for (const [name, h] of Object.entries(servers)) {
      assert.equal(check(await get(h, XHR_HEADERS), `${name} at 40 s`).AWS_ACCESS_KEY_ID, old.accessKeyId, `${name} at 40 s: not renewed yet`);
    }
    assert.deepEqual(await counts(), { getId: 1, getCreds: 1 }, 'no renewal before the window');

    // inside the window (46 s): 20 requests at once, half to A, half to B
    await sleep(Math.max(0, old.t + 46000 - Date.now()));
    const plan = Array.from({ length: BURST }, (_, i) => ({ name: i % 2 ? 'B' : 'A', how: i % 4 < 2 ? 'nav' : 'xhr' }));
    const burstAt = Date.now();
    const results = await simultaneous(plan.map(({ name, how }) => ({
      h: servers[name],
      headers: { ...(how === 'nav' ? NAV_HEADERS : XHR_HEADERS), Cookie: `${SESSION_COOKIE}=${cookie}` },
    })), ENV);
    const envs = results.map((res, i) => check(res, `burst #${i} (${plan[i].name}, ${plan[i].how})`));

    const sets = await aliceSets();
    assert.equal(sets.length, 2, `exactly one renewal: ${sets.length} credential sets issued`);
    assert.deepEqual(await counts(), { getId: 1, getCreds: 2 }, 'login + one renewal; the identity id is kept (no GetId)');
    const renewed = sets[1];
    assert.ok(renewed.t >= burstAt - 50, 'renewed by the burst, not earlier');
    assert.equal(renewed.identityId, old.identityId, 'same identity');
    for (const k of ['accessKeyId', 'secretKey', 'sessionToken']) assert.notEqual(renewed[k], old[k], `new ${k}`);
    assert.ok(renewed.expiration > old.expiration, 'the new set lives longer');
    assert.ok(renewed.t < old.expiration * 1000, `the old set was still valid at the renewal (${renewed.t} < ${old.expiration * 1000})`);

    const byKey = new Map(sets.map((s) => [s.accessKeyId, s]));
    let fresh = 0;
    envs.forEach((env, i) => {
      const s = byKey.get(env.AWS_ACCESS_KEY_ID);
      assert.ok(s, `burst #${i}: AWS_ACCESS_KEY_ID ${env.AWS_ACCESS_KEY_ID} is one the identity pool issued`);
      assert.equal(env.AWS_SECRET_ACCESS_KEY, s.secretKey, `burst #${i}: a consistent set (secret)`);
      assert.equal(env.AWS_SESSION_TOKEN, s.sessionToken, `burst #${i}: a consistent set (token)`);
      if (s === renewed) fresh++;
    });
    assert.ok(fresh >= 1, 'the renewing request answers with the new set');
    ctx.log(`burst: ${fresh} of ${BURST} answers carried the new set, ${BURST - fresh} the old (still valid) one; ` +
      `serving pids A ${A.servingPids().length}, B ${B.servingPids().length}`);

    // afterwards both servers see the new set; still one renewal
    for (const [name, h] of Object.entries(servers)) {
      for (let i = 0; i < 2; i++) {
        assert.equal(check(await get(h), `${name} after the burst`).AWS_ACCESS_KEY_ID, renewed.accessKeyId, `${name}: the renewed set`);
      }
    }
    assert.deepEqual(await counts(), { getId: 1, getCreds: 2 }, 'still exactly one renewal');
    for (const h of [A, B]) assert.doesNotMatch(h.errorLog(), /COGNITO05\d\d|exit signal/, `${h.url} error_log`);
  }));
});
