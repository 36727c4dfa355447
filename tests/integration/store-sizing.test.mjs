// Session store sizing: what one session costs in each session cache. A large session (dave: 100 groups, 20
// custom attributes of 100 characters) and a typical one (alice) are stored and read back through every
// session cache (shmcb, Redis, memcached). Per session the store holds three records, measured in Redis and
// memcached and printed for the README's sizing section:
//   - the session record (tokens and claims, KBs), written at the callback and at each token refresh;
//   - the consumed-state marker (< 200 bytes), written at the callback (it blocks a replay of the callback);
//   - the last-seen record (< 200 bytes), written by the idle timer at most every max(1, idle/8) seconds.
// Kinds are told apart by size (session record ≥ 1 KB) and by when they appear (marker: at the callback;
// last-seen: at the first touch). The fixed "store probe" beacon key every Apache child writes at startup
// (redis/memcached) is not part of a session and is left out. For shmcb only entry counts are visible
// (through `cognito-status?store`). memcached keys are listed by merging `lru_crawler metadump` runs until
// they account for every item (one run alone may skip a slab class).
// Threat modelled: an operator sizing a shared store from these numbers, and an attacker who can make a
// session large (many groups/attributes) — expected: the large session is stored and read back intact,
// without a store error, and no session costs more records than the three above.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ALICE_SUB, Agent, NAV_HEADERS, SESSION_COOKIE, login, send, sleep } from './lib/login.mjs';
import { rawStore, shmcbEntries, slotOfKey, storeStatus } from './lib/store-attack.mjs';
import { scaleout, scaleoutHttpdOpts, secretLine } from './lib/stores.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
/** The socache slot of the beacon every child writes at startup: "mod_auth_cognito store probe..." + NUL. */
const BEACON_SLOT = Buffer.from('mod_auth_cognito store probe...\0', 'latin1').toString('hex');
const SESSION_MIN = 1024;
const SMALL_MAX = 200;
/** idle timeout 16 s: the last-seen record is written at most every 2 s */
const IDLE = 16;
const TOUCH_WAIT_MS = 2600;
const STATUS = `<Location /cognito-status>\n    SetHandler cognito-status\n    Require ip 127.0.0.1\n</Location>`;
const sizes = [];

const withCookie = (h, cookie) =>
  send(h.url + ENV, { headers: { ...NAV_HEADERS, Cookie: `${SESSION_COOKIE}=${cookie}` } });

/** A view of the store (null for shmcb): keys without the beacon, and a size description per key. */
function storeView(store) {
  if (!store) return null;
  const raw = rawStore(store); // memcached: metadumps merged until they list every item
  return {
    async keys() {
      const out = [];
      for (const k of await raw.keys()) {
        const slot = slotOfKey(k);
        assert.ok(slot, `${store.kind} key ${k} does not name a 32-byte slot`);
        if (slot.toString('hex') !== BEACON_SLOT) out.push(k);
      }
      return out;
    },
    async describe(key) {
      // memcached: describe() reads one metadump for the item size; retry until the item is listed
      for (let i = 0; ; i++) {
        const d = await store.describe(key);
        assert.ok(d.bytes > 0, `${store.kind} ${key}: no value: ${JSON.stringify(d)}`);
        if (store.kind !== 'memcached' || d.itemSize !== undefined) return d;
        assert.ok(i < 200, `memcached metadump never listed ${key}`);
        await sleep(25);
      }
    },
  };
}

/** The new keys after `fn`, each described: → [{ key, bytes, … }] */
async function added(view, fn) {
  const before = new Set(await view.keys());
  await fn();
  const out = [];
  for (const k of (await view.keys()).filter((x) => !before.has(x))) out.push(await view.describe(k));
  return out;
}

/**
 * Logs `username` in on h; with a store, measures what the callback stored: exactly one session record
 * (≥ 1 KB) and one consumed-state marker (< 200 bytes). shmcb: the entry count grows by two.
 */
async function loginAndMeasure(h, idp, store, view, username) {
  let sessionCookie;
  const doLogin = async () => { ({ sessionCookie } = await login(new Agent(), h, idp, ENV, { username })); };
  if (!store) {
    const n0 = shmcbEntries(await storeStatus(h.url));
    await doLogin();
    const n1 = shmcbEntries(await storeStatus(h.url));
    assert.equal(n1 - n0, 2, `${username}'s login should add two shmcb entries (session record, consumed marker): ${n0} → ${n1}`);
    return { sessionCookie, entries: n1 - n0 };
  }
  const statsBefore = store.kind === 'memcached' ? await store.stats() : null;
  const entries = await added(view, doLogin);
  const session = entries.filter((e) => e.bytes >= SESSION_MIN);
  const marker = entries.filter((e) => e.bytes < SMALL_MAX);
  assert.ok(entries.length === 2 && session.length === 1 && marker.length === 1,
    `after ${username}'s login one session record (≥ ${SESSION_MIN} bytes) and one consumed-state marker (< ${SMALL_MAX} bytes) expected in ${store.kind}: ${JSON.stringify(entries)}`);
  if (statsBefore) session[0].statsBytesDelta = (await store.stats()).bytes - statsBefore.bytes;
  return { sessionCookie, session: session[0], marker: marker[0] };
}

/**
 * Waits past the touch interval and reads the session back once (`check(res)`); the idle timer then writes
 * the last-seen record: exactly one new small record (shmcb: one new entry).
 */
async function touchAndMeasure(h, store, view, cookie, check) {
  const read = async () => { await sleep(TOUCH_WAIT_MS); check(await withCookie(h, cookie)); };
  if (!store) {
    const n0 = shmcbEntries(await storeStatus(h.url));
    await read();
    const n1 = shmcbEntries(await storeStatus(h.url));
    assert.equal(n1 - n0, 1, `the first idle touch should add one shmcb entry (last-seen record): ${n0} → ${n1}`);
    return { entries: n1 - n0 };
  }
  const entries = await added(view, read);
  assert.ok(entries.length === 1 && entries[0].bytes < SMALL_MAX,
    `the first idle touch should add one last-seen record (< ${SMALL_MAX} bytes) to ${store.kind}: ${JSON.stringify(entries)}`);
  return entries[0];
}

for (const kind of ['shmcb', 'redis', 'memcached']) {
  describe(`session sizes through ${kind}`, () => {
    it(`alice's and dave's (100 groups, 20 custom attributes) sessions are stored and read back (${kind})`, scaleout(async (ctx) => {
      const idp = await ctx.idp();
      const store = kind === 'shmcb' ? null : await ctx.store(kind);
      const view = storeView(store);
      const h = await ctx.httpd(scaleoutHttpdOpts({
        idp, store, directives: `${store ? secretLine() : ''}\nCognitoSessionIdleTimeout ${IDLE}\n${STATUS}`,
      }));

      const alice = await loginAndMeasure(h, idp, store, view, 'alice');
      alice.seen = await touchAndMeasure(h, store, view, alice.sessionCookie, (a) => {
        assert.equal(a.status, 200, `alice read back: ${a.status}: ${a.text.slice(0, 300)}`);
        assert.equal(a.json?.REMOTE_USER, 'alice');
        assert.equal(a.json.COGNITO_SUB, ALICE_SUB);
      });

      const dave = await loginAndMeasure(h, idp, store, view, 'dave');
      const checkDave = (d, i) => {
        assert.equal(d.status, 200, `dave read back (${i}): ${d.status}: ${d.text.slice(0, 300)}`);
        assert.equal(d.json?.REMOTE_USER, 'dave');
        const groups = String(d.json.COGNITO_GROUPS || '').split(',');
        assert.equal(groups.length, 100, `COGNITO_GROUPS has ${groups.length} entries`);
        assert.equal(groups[0], 'group-000');
        assert.equal(groups[99], 'group-099');
        for (let n = 1; n <= 20; n++) {
          const v = d.json[`COGNITO_CLAIM_CUSTOM_ATTR${String(n).padStart(2, '0')}`];
          assert.equal(v?.length, 100, `custom:attr${String(n).padStart(2, '0')} is 100 characters: ${v}`);
        }
      };
      dave.seen = await touchAndMeasure(h, store, view, dave.sessionCookie, (d) => checkDave(d, 0));
      for (let i = 1; i < 3; i++) checkDave(await withCookie(h, dave.sessionCookie), i);
      if (store) {
        assert.ok(dave.session.bytes > alice.session.bytes,
          `dave's session record (${dave.session.bytes} bytes) should be larger than alice's (${alice.session.bytes})`);
        const left = await view.keys();
        for (const e of [alice.session, alice.marker, alice.seen, dave.session, dave.marker, dave.seen]) {
          assert.ok(left.includes(e.key), `${e.key} (${e.bytes} bytes) is still in ${kind}`);
        }
        assert.equal(left.length, 6, `two sessions should cost six records in ${kind}: ${left.join(' ')}`);
      }
      assert.doesNotMatch(h.errorLog(), /session_store_unavailable|record too large/, 'no store error');

      sizes.push({ store: kind, alice, dave });
      if (store) {
        const fmt = (e) => (kind === 'redis'
          ? `${e.bytes} bytes (STRLEN; MEMORY USAGE ${e.memory}, TTL ${e.ttl} s)`
          : `${e.bytes} bytes (value; item size ${e.itemSize}${e.statsBytesDelta !== undefined ? `, stats bytes +${e.statsBytesDelta} for the login` : ''})`);
        for (const [name, s] of [['alice', alice], ['dave', dave]]) {
          ctx.log(`${kind}: ${name}'s session record ${fmt(s.session)}; last-seen record ${fmt(s.seen)}; consumed marker ${fmt(s.marker)}`);
        }
      } else {
        ctx.log(`shmcb: each session costs ${alice.entries + alice.seen.entries} entries (session record + consumed marker at the callback, ` +
          'last-seen record at the first touch); byte sizes are not visible from outside');
      }
    }));
  });
}

after(() => {
  if (!sizes.length) return;
  const cell = (e, w) => String(e?.bytes ?? 'n/a').padStart(w);
  const larger = (a, b) => (a?.bytes !== undefined && b?.bytes !== undefined && b.bytes > a.bytes ? b : a);
  const total = (s) => (s.session ? String(s.session.bytes + s.seen.bytes + s.marker.bytes) : `${s.entries + s.seen.entries} entries`);
  const lines = [
    'stored bytes per session (value bytes; session record + last-seen record + consumed marker):',
    'store      session(alice) session(dave) last-seen consumed total(alice) total(dave)',
  ];
  for (const r of sizes) {
    lines.push(`${r.store.padEnd(10)} ${cell(r.alice.session, 14)} ${cell(r.dave.session, 13)} ${cell(larger(r.alice.seen, r.dave.seen), 9)} ${cell(larger(r.alice.marker, r.dave.marker), 8)} `
      + `${total(r.alice).padStart(12)} ${total(r.dave).padStart(11)}`);
  }
  console.log(lines.join('\n'));
});
