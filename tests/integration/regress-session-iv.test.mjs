// Security regression — AES-GCM nonce reuse (peer advisory: mod_auth_openidc sealed its session and state
// cookies with AES-GCM under a static IV, so two values under one key revealed their XOR and allowed
// forgeries).
//
// The module seals every stored record (sessions, login states) with AES-256-GCM: version byte 0x01, then a
// 12-byte IV, ciphertext, 16-byte tag. A real redis-server is the shared cache here, so the sealed bytes can be
// read back exactly. Shown: the IVs of many sessions and login states all differ; the *same* session
// re-sealed under the same key — after the idle timer is touched and after a token refresh — gets a new IV
// every time (a static or counter-reset IV would repeat); no two records share an IV.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { Agent, XHR_HEADERS, idpLogSource, login, send, sleep, startLogin, startLoginRig, startRedis } from './lib/login.mjs';
import { assertNoCrash, settlePool } from './lib/regress.mjs';

const REDIS_MODULE = 'LoadModule socache_redis_module /usr/lib/apache2/modules/mod_socache_redis.so';
const ENV = '/protected/cgi-bin/env.cgi';
let redis;
let idp;
let rig;
const sources = () => [rig?.h, idp && idpLogSource(idp), redis].filter(Boolean);

before(async () => {
  redis = await startRedis();
  idp = await startIdp();
  // idle timer touched at most every 2 s (idle/4); a refresh forced 4 s after the last one
  rig = await startLoginRig({
    idp, prefix: REDIS_MODULE,
    directives: `CognitoSessionCache redis:127.0.0.1:${redis.port}\nCognitoSessionIdleTimeout 8\nCognitoRevalidateInterval 4`,
  });
});
after(async () => {
  await rig?.stop();
  await idp?.close();
  await redis?.stop();
});

const hex = (b) => Buffer.from(b).toString('hex');
/** { key(hex) → value Buffer } of every string key in redis. */
async function snapshot() {
  const out = new Map();
  for (const { key, type, value } of await redis.dump()) if (type === 'string') out.set(hex(key), value);
  return out;
}
/** The sealed-record layout: version 0x01 | IV (12) | ciphertext | tag (16). */
function sealed(value, what) {
  assert.ok(value.length >= 1 + 12 + 16 + 1, `${what}: ${value.length} bytes is too short for a sealed record`);
  assert.equal(value[0], 0x01, `${what}: version byte ${value[0]}`);
  return { iv: hex(value.subarray(1, 13)), body: value.subarray(13) };
}
const newKeys = (before, after) => [...after.keys()].filter((k) => !before.has(k));

describe('AES-GCM IVs of stored records are never reused', () => {
  it('20 sessions and 20 pending login states: every record has its own IV', withLogs(sources, async () => {
    const s0 = await snapshot();
    await settlePool(Array.from({ length: 20 }), 4, () => login(new Agent(), rig.h, idp, ENV));
    const s1 = await snapshot();
    const sessions = newKeys(s0, s1);
    assert.equal(sessions.length, 20, `20 new session records, found ${sessions.length}`);
    await settlePool(Array.from({ length: 20 }), 4, (_, i) => startLogin(new Agent(), rig.h, idp, `${ENV}?pending=${i}`));
    const s2 = await snapshot();
    const states = newKeys(s1, s2);
    assert.equal(states.length, 20, `20 new login-state records, found ${states.length}`);
    const ivs = [...sessions, ...states].map((k) => sealed(s2.get(k), `record ${k.slice(0, 12)}`).iv);
    assert.equal(new Set(ivs).size, ivs.length, `repeated IVs among ${ivs.length} records`);
  }));

  it('one session re-sealed under the same key (idle touch, then refresh): a new IV each time', withLogs(sources, async () => {
    const s0 = await snapshot();
    const agent = new Agent();
    const l = await login(agent, rig.h, idp, ENV);
    const s1 = await snapshot();
    const [key] = newKeys(s0, s1);
    assert.ok(key, 'the session record is in redis');
    const versions = [{ when: 'login', value: s1.get(key) }];
    const cookie = { ...XHR_HEADERS, Cookie: `cognito_session=${l.sessionCookie}` };
    const issued0 = (await idp.call('GET', '/_test/issued')).length;

    // 1: the idle timer (touched at most every 2 s): same tokens, only last_seen changes
    await sleep(2300);
    assert.equal((await send(rig.h.url + ENV, { headers: cookie })).status, 200);
    versions.push({ when: 'idle touch', value: (await snapshot()).get(key) });
    // 2: CognitoRevalidateInterval 4 forces a refresh: new tokens stored under the same key
    await sleep(2300);
    assert.equal((await send(rig.h.url + ENV, { headers: cookie })).status, 200);
    versions.push({ when: 'refresh', value: (await snapshot()).get(key) });
    assert.ok((await idp.call('GET', '/_test/issued')).length > issued0, 'a refresh happened (the emulator issued new tokens)');
    // 3: and once more
    await sleep(2300);
    assert.equal((await send(rig.h.url + ENV, { headers: cookie })).status, 200);
    versions.push({ when: 'touch/refresh again', value: (await snapshot()).get(key) });

    for (const v of versions) assert.ok(v.value, `the record is still under the same key after ${v.when}`);
    const distinct = new Set(versions.map((v) => hex(v.value)));
    assert.equal(distinct.size, versions.length, `each step stored a new record: ${versions.map((v) => v.when).join(', ')}`);
    const ivs = versions.map((v) => sealed(v.value, v.when).iv);
    assert.equal(new Set(ivs).size, ivs.length, `the same key was sealed twice with one IV: ${versions.map((v, i) => `${v.when}=${ivs[i]}`).join(' ')}`);
    // a static IV under one key would make equal-length ciphertexts XOR to the plaintexts' XOR: the
    // keystreams here must differ from the first byte on
    const [a, b] = [sealed(versions[0].value, 'a').body, sealed(versions[1].value, 'b').body];
    assert.notEqual(hex(a.subarray(0, 16)), hex(b.subarray(0, 16)), 'identical ciphertext prefixes under one key');
  }));

  it('no httpd child crashed', () => {
    assertNoCrash(rig.h);
  });
});
