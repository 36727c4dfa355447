// Sealing of stored records and state cookies: every AES-256-GCM seal uses its own IV — across sessions,
// across re-seals of one record under the same key, and across login-state cookies.
//
// Guards finding (peer advisory): AES-GCM nonce reuse — mod_auth_openidc sealed its session and state
// cookies with AES-GCM under a static IV, so two values under one key revealed their XOR and allowed
// forgeries.
//
// Threat: an attacker who can read the shared store (here a real redis-server) or who collects the state
// cookies of many logins tries to find two sealed values with the same IV — a static, per-key or
// counter-reset IV — to XOR ciphertexts and forge records. Expected: every sealed value has its own IV.
//
// The module seals every stored record with AES-256-GCM: version byte 0x01, then a 12-byte IV, ciphertext,
// 16-byte tag. Per session the store holds the session record (KBs), a small last-seen record (written by
// idle-timer touches, never rewriting the session record) and a small consumed-state marker (written at the
// callback); besides these every Apache child writes one fixed, unsealed "store probe" beacon key, which is
// left out. Kinds are told apart by size (session record ≥ 1 KB; the others < 200 bytes). Shown: the IVs of
// the records of many sessions all differ; the *same* session's records re-sealed under the same keys —
// the last-seen record at each idle touch, the session record at each token refresh — get a new IV every
// time (a static or counter-reset IV would repeat); no two values ever seen in the store share an IV.
//
// Login states are no longer stored server-side: they live in sealed cookies
// (`<cookie>_state_<16>=<created>.<base64url of 0x01|IV|ciphertext|tag>`), so pending logins must add
// nothing to the store, and the IVs of the state cookies themselves are checked on the Set-Cookie values.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { Agent, SESSION_COOKIE, XHR_HEADERS, idpLogSource, login, send, sleep, startLogin, startLoginRig, startRedis } from './lib/login.mjs';
import { assertNoCrash, settlePool } from './lib/hostile.mjs';
import { slotOfKey } from './lib/store-attack.mjs';
import { secretLine } from './lib/stores.mjs';

const REDIS_MODULE = 'LoadModule socache_redis_module /usr/lib/apache2/modules/mod_socache_redis.so';
const ENV = '/protected/cgi-bin/env.cgi';
/** The socache slot of the beacon every child writes at startup: "mod_auth_cognito store probe..." + NUL. */
const BEACON_SLOT = Buffer.from('mod_auth_cognito store probe...\0', 'latin1').toString('hex');
/** A session record holds the tokens (KBs); the last-seen record and the consumed marker are tiny. */
const SESSION_MIN = 1024;
const SMALL_MAX = 200;
let redis;
let idp;
let rig;
const sources = () => [rig?.h, idp && idpLogSource(idp), redis].filter(Boolean);

before(async () => {
  redis = await startRedis();
  idp = await startIdp();
  // idle timer touched at most every 1 s (max(1, idle/8)); a refresh forced 4 s after the last one
  rig = await startLoginRig({
    idp, prefix: REDIS_MODULE,
    directives: `CognitoSessionCache redis:127.0.0.1:${redis.port}\n${secretLine()}\nCognitoSessionIdleTimeout 8\nCognitoRevalidateInterval 4`,
  });
});
after(async () => {
  await rig?.stop();
  await idp?.close();
  await redis?.stop();
});

const hex = (b) => Buffer.from(b).toString('hex');
/** The sealed-record layout: version 0x01 | IV (12) | ciphertext | tag (16). */
function sealed(value, what) {
  assert.ok(value.length >= 1 + 12 + 16 + 1, `${what}: ${value.length} bytes is too short for a sealed record`);
  assert.equal(value[0], 0x01, `${what}: version byte ${value[0]}`);
  return { iv: hex(value.subarray(1, 13)), body: value.subarray(13) };
}

/** Every distinct sealed value seen in the store during this file: value hex → { iv, where }. */
const everyStored = new Map();
/** Every state cookie value the module set during this file: value → iv. */
const everyState = new Map();

/** { key (latin1) → value Buffer } of every string key in redis but the beacon; every value must be sealed. */
async function snapshot(where) {
  const out = new Map();
  for (const { key, type, value } of await redis.dump()) {
    const k = key.toString('latin1');
    assert.equal(type, 'string', `redis key ${k} has type ${type}`);
    const slot = slotOfKey(k);
    assert.ok(slot, `redis key ${k} does not name a 32-byte slot`);
    if (hex(slot) === BEACON_SLOT) continue;
    const { iv } = sealed(value, `${where}: record ${k}`);
    if (!everyStored.has(hex(value))) everyStored.set(hex(value), { iv, where });
    out.set(k, value);
  }
  return out;
}
const newKeys = (before, after) => [...after.keys()].filter((k) => !before.has(k));
const bySize = (snap, keys) => ({
  session: keys.filter((k) => snap.get(k).length >= SESSION_MIN),
  small: keys.filter((k) => snap.get(k).length < SMALL_MAX),
  other: keys.filter((k) => snap.get(k).length >= SMALL_MAX && snap.get(k).length < SESSION_MIN),
});

/** The IV of a state cookie set by a login redirect: `<created>.<base64url of 0x01|IV|ct|tag>`. */
function stateCookieIvs(res, what) {
  const raw = [res.setCookies || []].flat().filter((c) => c.startsWith(`${SESSION_COOKIE}_state_`));
  assert.equal(raw.length, 1, `${what}: one state cookie expected: ${JSON.stringify(res.setCookies)}`);
  const value = raw[0].slice(raw[0].indexOf('=') + 1).split(';')[0];
  const m = /^(\d+)\.([A-Za-z0-9_-]+)$/.exec(value);
  assert.ok(m, `${what}: state cookie value is not <created>.<base64url>: ${value}`);
  const blob = Buffer.from(m[2], 'base64url');
  assert.equal(blob.toString('base64url'), m[2], `${what}: state cookie blob is not canonical base64url`);
  const { iv } = sealed(blob, `${what}: state cookie`);
  assert.ok(!everyState.has(value), `${what}: the same state cookie value was set twice`);
  everyState.set(value, iv);
  return iv;
}

function assertOk(results, what) {
  const failed = results.filter((r) => !r.ok);
  assert.equal(failed.length, 0, `${what}: ${failed.length} failed: ${failed.map((r) => r.error?.message).join(' | ')}`);
  return results.map((r) => r.value);
}

describe('AES-GCM IVs of stored records and state cookies are never reused', () => {
  it('20 sessions: every stored record has its own IV; 20 pending logins: nothing stored, every state cookie its own IV', withLogs(sources, async () => {
    const s0 = await snapshot('before');
    const logins = assertOk(await settlePool(Array.from({ length: 20 }), 4, () => login(new Agent(), rig.h, idp, ENV)), 'logins');
    const s1 = await snapshot('after 20 logins');
    const added = bySize(s1, newKeys(s0, s1));
    assert.equal(added.session.length, 20, `20 new session records (≥ ${SESSION_MIN} bytes), found ${added.session.length}`);
    assert.equal(added.other.length, 0, `records of unexpected size: ${added.other.map((k) => s1.get(k).length)}`);
    // one consumed-state marker per callback; last-seen records only after a touch (none here, but allowed)
    assert.ok(added.small.length >= 20 && added.small.length <= 40,
      `20 consumed-state markers (+ at most one last-seen record each) expected, found ${added.small.length} small records`);

    const pending = assertOk(await settlePool(Array.from({ length: 20 }), 4,
      (_, i) => startLogin(new Agent(), rig.h, idp, `${ENV}?pending=${i}`)), 'pending logins');
    const s2 = await snapshot('after 20 pending logins');
    assert.deepEqual(newKeys(s1, s2), [], 'pending logins wrote to the store (login states belong in cookies)');

    const storedIvs = [...added.session, ...added.small].map((k) => sealed(s2.get(k), `record ${k}`).iv);
    assert.equal(new Set(storedIvs).size, storedIvs.length, `repeated IVs among ${storedIvs.length} stored records`);
    const stateIvs = [
      ...logins.map((l, i) => stateCookieIvs(l.start.res, `login ${i}`)),
      ...pending.map((p, i) => stateCookieIvs(p.res, `pending login ${i}`)),
    ];
    assert.equal(stateIvs.length, 40);
    assert.equal(new Set(stateIvs).size, stateIvs.length, `repeated IVs among ${stateIvs.length} state cookies`);
    const all = [...storedIvs, ...stateIvs];
    assert.equal(new Set(all).size, all.length, 'a state cookie and a stored record share an IV');
  }));

  it('one session re-sealed under the same keys (idle touches, refreshes): a new IV each time', withLogs(sources, async () => {
    const s0 = await snapshot('before');
    const agent = new Agent();
    const l = await login(agent, rig.h, idp, ENV, { username: 'bob' });
    stateCookieIvs(l.start.res, 'login');
    const s1 = await snapshot('login');
    const added = bySize(s1, newKeys(s0, s1));
    assert.equal(added.session.length, 1, `one new session record: ${JSON.stringify(added)}`);
    assert.equal(added.small.length, 1, `one consumed-state marker at the callback: ${JSON.stringify(added)}`);
    assert.equal(added.other.length, 0);
    const sessionKey = added.session[0];
    const markerKey = added.small[0];
    const snaps = [{ when: 'login', snap: s1 }];
    const cookie = { ...XHR_HEADERS, Cookie: `${SESSION_COOKIE}=${l.sessionCookie}` };
    const refreshes = async () => (await idp.call('GET', '/_test/issued')).filter((e) => e.grant === 'refresh_token' && e.username === 'bob').length;

    // the idle timer writes the last-seen record at most every 1 s; CognitoRevalidateInterval 4 forces a
    // refresh (a new session record) 4 s after the last one: touches at ~1.3 s, ~2.6 s, ~5.6 s, refreshes at
    // ~4.3 s and ~8.3 s (wall-clock only spaces the steps; nothing below depends on which step did what)
    for (const [i, ms] of [1300, 1300, 1700, 1300, 2700].entries()) {
      await sleep(ms);
      const res = await send(rig.h.url + ENV, { headers: cookie });
      assert.equal(res.status, 200, `step ${i + 1}: ${res.status}: ${res.text.slice(0, 200)}`);
      snaps.push({ when: `step ${i + 1}`, snap: await snapshot(`step ${i + 1}`) });
    }
    assert.ok(await refreshes() >= 1, 'a refresh happened (the emulator issued tokens for a refresh_token grant)');

    // which keys appeared for this session: the session record, the consumed marker, one last-seen record
    const last = snaps.at(-1).snap;
    const mine = bySize(last, newKeys(s0, last));
    assert.deepEqual(mine.session, [sessionKey], 'the session record stays under one key');
    assert.equal(mine.other.length, 0);
    const seenKeys = mine.small.filter((k) => k !== markerKey);
    assert.equal(seenKeys.length, 1, `one last-seen record after the touches: ${JSON.stringify(mine.small)}`);
    const [seenKey] = seenKeys;
    assert.equal(hex(last.get(markerKey)), hex(s1.get(markerKey)), 'the consumed-state marker is written once');

    // every step wrote at least one new value (a touch or a refresh)
    for (let i = 1; i < snaps.length; i++) {
      const changed = [sessionKey, seenKey].filter((k) => hex(snaps[i].snap.get(k) || '') !== hex(snaps[i - 1].snap.get(k) || ''));
      assert.ok(changed.length > 0, `${snaps[i].when} stored nothing new (neither a touch nor a refresh)`);
    }
    const versions = (k) => {
      const out = [];
      for (const { when, snap } of snaps) {
        const v = snap.get(k);
        if (v && (!out.length || hex(out.at(-1).value) !== hex(v))) out.push({ when, value: v });
      }
      return out;
    };
    const sessionVersions = versions(sessionKey);
    const seenVersions = versions(seenKey);
    console.log(`session record sealed ${sessionVersions.length}x (${sessionVersions.map((v) => v.when).join(', ')}), ` +
      `last-seen record ${seenVersions.length}x (${seenVersions.map((v) => v.when).join(', ')}), ${await refreshes()} refreshes`);
    assert.ok(sessionVersions.length >= 2, `the session record was re-sealed by a refresh: ${sessionVersions.map((v) => v.when)}`);
    assert.ok(seenVersions.length >= 2, `the last-seen record was re-sealed by touches: ${seenVersions.map((v) => v.when)}`);

    const all = [...sessionVersions, ...seenVersions, { when: 'consumed marker', value: s1.get(markerKey) }];
    const ivs = all.map((v) => sealed(v.value, v.when).iv);
    assert.equal(new Set(ivs).size, ivs.length,
      `a key was sealed twice with one IV: ${all.map((v, i) => `${v.when}=${ivs[i]}`).join(' ')}`);
    // a static IV under one key would make ciphertexts XOR to the plaintexts' XOR: two last-seen records
    // (plaintexts that differ only in a time) and two session records must differ from the first byte on
    for (const [what, vs] of [['last-seen', seenVersions], ['session', sessionVersions]]) {
      const [a, b] = [sealed(vs[0].value, 'a').body, sealed(vs[1].value, 'b').body];
      assert.notEqual(hex(a.subarray(0, 16)), hex(b.subarray(0, 16)), `identical ${what} ciphertext prefixes under one key`);
    }
  }));

  it('every value seen in the store and every state cookie during this file has its own IV', () => {
    const stored = [...everyStored.values()];
    assert.ok(stored.length >= 20 * 2 + 5, `values collected from the store: ${stored.length}`);
    const ivs = [...stored.map((v) => v.iv), ...everyState.values()];
    const dup = ivs.filter((iv, i) => ivs.indexOf(iv) !== i);
    assert.deepEqual(dup, [], `IVs used twice among ${ivs.length} sealed values`);
  });

  it('no httpd child crashed', () => {
    assertNoCrash(rig.h);
  });
});
