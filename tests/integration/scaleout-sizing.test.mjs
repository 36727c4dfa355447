// Scale-out: a large session (dave: 100 groups, 20 custom attributes of 100 characters) is stored and read
// back through every session cache (shmcb, Redis, memcached); the stored bytes of a typical session (alice)
// and of dave's are measured in Redis and memcached and printed for the README's sizing section.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ALICE_SUB, Agent, NAV_HEADERS, SESSION_COOKIE, login, send } from './lib/login.mjs';
import { scaleout, scaleoutHttpdOpts } from './lib/stores.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const sizes = [];

const withCookie = (h, cookie) =>
  send(h.url + ENV, { headers: { ...NAV_HEADERS, Cookie: `${SESSION_COOKIE}=${cookie}` } });

/** Logs `username` in on h and returns the store entry that appeared (null for shmcb). */
async function loginAndMeasure(h, idp, store, username) {
  const before = store ? new Set(await store.keys()) : null;
  const statsBefore = store?.kind === 'memcached' ? await store.stats() : null;
  const { sessionCookie } = await login(new Agent(), h, idp, ENV, { username });
  let entry = null;
  if (store) {
    const added = (await store.keys()).filter((k) => !before.has(k));
    assert.equal(added.length, 1, `one new ${store.kind} entry (the session) expected after ${username}'s login: ${JSON.stringify(added)}`);
    entry = await store.describe(added[0]);
    assert.ok(entry.bytes > 0, `stored bytes of ${username}'s session: ${JSON.stringify(entry)}`);
    if (statsBefore) entry.statsBytesDelta = (await store.stats()).bytes - statsBefore.bytes;
  }
  return { sessionCookie, entry };
}

for (const kind of ['shmcb', 'redis', 'memcached']) {
  describe(`session sizes through ${kind}`, () => {
    it(`alice's and dave's (100 groups, 20 custom attributes) sessions are stored and read back (${kind})`, scaleout(async (ctx) => {
      const idp = await ctx.idp();
      const store = kind === 'shmcb' ? null : await ctx.store(kind);
      const h = await ctx.httpd(scaleoutHttpdOpts({ idp, store }));

      const alice = await loginAndMeasure(h, idp, store, 'alice');
      const a = await withCookie(h, alice.sessionCookie);
      assert.equal(a.status, 200, `alice read back: ${a.status}: ${a.text.slice(0, 300)}`);
      assert.equal(a.json?.REMOTE_USER, 'alice');
      assert.equal(a.json.COGNITO_SUB, ALICE_SUB);

      const dave = await loginAndMeasure(h, idp, store, 'dave');
      for (let i = 0; i < 3; i++) {
        const d = await withCookie(h, dave.sessionCookie);
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
      }
      assert.doesNotMatch(h.errorLog(), /session_store_unavailable|record too large/, 'no store error');

      const row = { store: kind, alice: alice.entry, dave: dave.entry };
      sizes.push(row);
      if (store) {
        const fmt = (e) => (kind === 'redis'
          ? `${e.bytes} bytes (STRLEN; MEMORY USAGE ${e.memory}, TTL ${e.ttl} s)`
          : `${e.bytes} bytes (value; item size ${e.itemSize}, stats bytes +${e.statsBytesDelta})`);
        ctx.log(`${kind}: alice's session ${fmt(alice.entry)}; dave's session ${fmt(dave.entry)}`);
      } else {
        ctx.log('shmcb: alice\'s and dave\'s sessions stored and read back (shmcb sizes are not visible from outside)');
      }
    }));
  });
}

after(() => {
  if (!sizes.length) return;
  const lines = ['stored session record sizes (bytes):', 'store      alice    dave'];
  for (const r of sizes) {
    lines.push(`${r.store.padEnd(10)} ${String(r.alice?.bytes ?? 'n/a').padStart(6)} ${String(r.dave?.bytes ?? 'n/a').padStart(7)}`);
  }
  console.log(lines.join('\n'));
});
