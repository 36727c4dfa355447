// Session records in a shared store (Redis, memcached) can be neither forged, nor moved, nor read (issue 14).
//
// Threat: an attacker who can read and write the session store (a shared Redis/memcached reachable from a
// neighbouring application, a leaked store password) and who knows a victim's cookie id (a logged request,
// a sniffed cookie), but NOT the server secret (CognitoSessionSecret):
//   - seals a session record exactly the way the module did before this change (slot and key derived from
//     the cookie id alone, AES-256-GCM, 0x01 | IV | ciphertext | tag, AAD = slot), carrying bob's real tokens
//     and claims plus the admin group, and writes it at alice's slot (found by watching which keys her login
//     created) or at the slot the old derivation gives for her id, or for an id of their own choosing;
//     expected: never a session as anyone (navigation → login, XHR → 401); a record at a slot the module
//     reads is refused with `COGNITO0409: session_invalid:` in the error_log;
//   - copies bob's (valid, sealed) record bytes into alice's slot; expected: alice's cookie is refused with
//     the same log line, bob's own session is unaffected;
//   - dumps every key and value; expected: no token (nor a segment of one), cookie id, user name, sub,
//     e-mail or name appears, as UTF-8 or latin1 text, raw bytes or hex.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import {
  ALICE_SUB, Agent, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, idpLogSource, isLoginRedirect, logSlice, login, send,
} from './lib/login.mjs';
import { SESSION_SECRET, scaleoutHttpdOpts, secretLine, startStore } from './lib/stores.mjs';
import { keyForSlot, oldDerivation, rawStore, seal, sessionRecord, slotOfKey } from './lib/store-attack.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const BOB_SUB = '9b2c7d1e-5f6a-4b8c-8d9e-1f2a3b4c5d62';
const INVALID = 'COGNITO0409: session_invalid:';
/** a session record holds tokens: several KB; the "seen" record and the consumed-state marker are small */
const BIG = 1000;

const decodeJwt = (t) => JSON.parse(Buffer.from(String(t).split('.')[1], 'base64url').toString('utf8'));

for (const kind of ['redis', 'memcached']) {
  describe(`forged, moved and dumped records in ${kind}`, () => {
    let idp;
    let store;
    let h;
    let raw;
    const users = {}; // name → { cookie, keys: [new keys], recordKey, record: Buffer, issued }
    const sources = () => [h, idp && idpLogSource(idp), store].filter(Boolean);

    const withCookie = (cookie, headers) => send(h.url + ENV, { headers: { ...headers, Cookie: `${SESSION_COOKIE}=${cookie}` } });

    async function expectUser(cookie, user, what) {
      for (const headers of [XHR_HEADERS, NAV_HEADERS]) {
        const res = await withCookie(cookie, headers);
        assert.equal(res.status, 200, `${what}: ${res.status}: ${res.text.slice(0, 200)}`);
        assert.equal(res.json?.REMOTE_USER, user, `${what}: REMOTE_USER`);
      }
    }

    /** No session as anyone: navigation → login redirect, XHR → 401. → the error_log lines written meanwhile */
    async function expectNoSession(cookie, what) {
      const [[x, nav], slice] = await logSlice(h, async () => [await withCookie(cookie, XHR_HEADERS), await withCookie(cookie, NAV_HEADERS)]);
      assert.equal(x.status, 401, `${what}: XHR should be 401, got ${x.status} (REMOTE_USER ${x.json?.REMOTE_USER}): ${x.text.slice(0, 200)}`);
      assert.ok(isLoginRedirect(nav, idp), `${what}: navigation should go to login, got ${nav.status} (REMOTE_USER ${nav.json?.REMOTE_USER})`);
      return slice;
    }

    async function restore(name) {
      const u = users[name];
      await raw.put(u.recordKey, u.record);
      await expectUser(u.cookie, name, `${name} after her/his record was put back`);
    }

    /** bob's real tokens and claims, promoted to admin: a record that would be accepted if it opened. */
    function bobAsAdminRecord() {
      const bob = users.bob.issued;
      const claims = { ...decodeJwt(bob.id_token), 'cognito:groups': ['admin', 'staff'] };
      return sessionRecord({ claims, idToken: bob.id_token, accessToken: bob.access_token, refreshToken: bob.refresh_token });
    }

    before(async () => {
      idp = await startIdp();
      store = await startStore(kind);
      raw = rawStore(store);
      // CognitoSessionRecheck 0: every request reads the record from the store (no per-process copy hides a change)
      h = await startHttpd(scaleoutHttpdOpts({ idp, store, directives: `${secretLine()}\nCognitoSessionRecheck 0` }));
      for (const name of ['alice', 'bob']) {
        const before = new Set(await raw.keys());
        const { sessionCookie } = await login(new Agent(), h, idp, ENV, { username: name });
        await expectUser(sessionCookie, name, `${name} after login`);
        const added = (await raw.keys()).filter((k) => !before.has(k));
        const sizes = await Promise.all(added.map(async (k) => [k, (await raw.get(k))?.length ?? 0]));
        const big = sizes.filter(([, n]) => n > BIG);
        assert.equal(big.length, 1, `${name}'s login should add exactly one session record (KBs): ${JSON.stringify(sizes)}`);
        for (const [k] of sizes) assert.ok(slotOfKey(k), `key ${k} should end in the hex of a 32-byte slot`);
        const issued = (await idp.call('GET', '/_test/issued')).filter((e) => e.username === name).at(-1);
        assert.ok(issued?.access_token, `the emulator recorded ${name}'s tokens`);
        users[name] = { cookie: sessionCookie, keys: added, recordKey: big[0][0], record: await raw.get(big[0][0]), issued };
      }
      assert.notEqual(users.alice.recordKey, users.bob.recordKey);
    });

    after(async () => {
      await h?.stop();
      await store?.close();
      await idp?.close();
    });

    it('a dump of every key and value contains no token, cookie id, user name, sub, e-mail or name', withLogs(sources, async () => {
      // a login in progress as well (its state lives in a cookie: nothing of it may be in the store either)
      const pending = await new Agent().nav(`${h.url}${ENV}?pending=1`);
      assert.ok(isLoginRedirect(pending, idp), `pending login: ${pending.status}`);
      const pendingState = new URL(pending.headers.location).searchParams.get('state');

      const needles = [];
      const add = (what, s) => { if (s) needles.push({ what, s: String(s) }); };
      for (const e of await idp.call('GET', '/_test/issued')) {
        for (const t of ['id_token', 'access_token', 'refresh_token']) {
          if (!e[t]) continue;
          add(`${e.username}'s ${t}`, e[t]);
          e[t].split('.').forEach((seg, i) => { if (seg.length >= 16) add(`${e.username}'s ${t} segment ${i}`, seg); });
        }
      }
      for (const [name, u] of Object.entries(users)) {
        add(`${name}'s cookie id`, u.cookie);
        needles.push({ what: `${name}'s cookie id (raw bytes)`, bytes: Buffer.from(u.cookie, 'base64url') });
        add(`${name}'s cookie id (hex)`, Buffer.from(u.cookie, 'base64url').toString('hex'));
      }
      add('pending state', pendingState);
      add('user name alice', 'alice');
      add('user name bob (JSON string)', '"bob"');
      add('user name bob (claim)', 'username":"bob');
      add('alice sub', ALICE_SUB);
      add('bob sub', BOB_SUB);
      add('alice e-mail', 'alice@example.com');
      add('bob e-mail', 'bob@example.com');
      add('alice name', 'Alice Example');
      add('bob name', 'Bob Builder');
      add('a claim name', 'cognito:groups');
      add('a claim name', 'token_use');
      add('a JSON record', '"access_token"');

      const dump = await raw.dump();
      assert.ok(dump.length >= 2, `the store should hold both sessions, holds ${dump.length} values`);
      assert.ok(dump.filter((d) => d.value.length > BIG).length >= 2, 'both session records are in the dump');
      const problems = [];
      for (const { key, value } of dump) {
        const keyBytes = Buffer.from(key, 'latin1');
        for (const n of needles) {
          const forms = n.bytes ? [n.bytes] : [Buffer.from(n.s, 'utf8'), Buffer.from(n.s, 'latin1')];
          for (const f of forms) {
            if (value.includes(f)) problems.push(`value of ${key} (${value.length} bytes) contains ${n.what}`);
            if (keyBytes.includes(f) || key.toLowerCase().includes(f.toString('latin1').toLowerCase())) problems.push(`key ${key} contains ${n.what}`);
          }
        }
      }
      assert.deepEqual([...new Set(problems)], [], `the ${kind} dump holds readable secrets`);
    }));

    it('a record sealed from alice\'s cookie id (old derivation) with bob\'s tokens + admin, at her slot, is refused with a log line', withLogs(sources, async () => {
      const alice = users.alice;
      const realSlot = slotOfKey(alice.recordKey);
      const old = oldDerivation(alice.cookie);
      for (const [aadName, aad] of [['her real slot', realSlot], ['the old-derivation slot', old.slot]]) {
        const forged = seal(old.key, aad, bobAsAdminRecord());
        await raw.put(alice.recordKey, forged);
        assert.ok((await raw.get(alice.recordKey)).equals(forged), 'the forged record is in the store');
        const slice = await expectNoSession(alice.cookie, `alice's cookie with a forged record (AAD = ${aadName})`);
        assert.ok(slice.includes(INVALID), `the refusal should be logged (${INVALID}); new error_log lines:\n${slice}`);
        await restore('alice');
      }
    }));

    it('records written at slots the attacker can compute from a cookie id are never read', withLogs(sources, async () => {
      const sample = users.alice.recordKey;
      // 1. at the old slot of alice's id: alice stays alice (the module does not look there)
      const old = oldDerivation(users.alice.cookie);
      const atOld = keyForSlot(sample, old.slot);
      assert.notEqual(atOld, sample, 'the slot no longer derives from the cookie id alone');
      await raw.put(atOld, seal(old.key, old.slot, bobAsAdminRecord()));
      await expectUser(users.alice.cookie, 'alice', 'alice with a forged record at her old-derivation slot');
      // 2. an id of the attacker's own choosing, with a record at the slot the old derivation gives for it
      const mine = crypto.randomBytes(32).toString('base64url');
      const d = oldDerivation(mine);
      await raw.put(keyForSlot(sample, d.slot), seal(d.key, d.slot, bobAsAdminRecord()));
      assert.ok(await raw.get(keyForSlot(sample, d.slot)), 'the forged record is in the store');
      await expectNoSession(mine, 'a self-made cookie id with a self-sealed record');
    }));

    it('bob\'s record copied into alice\'s slot does not open there; bob\'s own session is unaffected', withLogs(sources, async () => {
      await raw.put(users.alice.recordKey, users.bob.record);
      const slice = await expectNoSession(users.alice.cookie, 'alice\'s cookie with bob\'s record in her slot');
      assert.ok(slice.includes(INVALID), `the refusal should be logged (${INVALID}); new error_log lines:\n${slice}`);
      await expectUser(users.bob.cookie, 'bob', 'bob while his record bytes also sit in alice\'s slot');
      // and the other way round: alice's record in bob's slot
      await restore('alice');
      await raw.put(users.bob.recordKey, users.alice.record);
      const slice2 = await expectNoSession(users.bob.cookie, 'bob\'s cookie with alice\'s record in his slot');
      assert.ok(slice2.includes(INVALID), `the refusal should be logged (${INVALID}); new error_log lines:\n${slice2}`);
      await expectUser(users.alice.cookie, 'alice', 'alice while her record bytes also sit in bob\'s slot');
      await restore('bob');
    }));

    it('the secret in the config is what protects the records: another secret does not open them', withLogs(sources, async () => {
      const other = await startHttpd(scaleoutHttpdOpts({
        idp, store, directives: `${secretLine(`${SESSION_SECRET}-but-another-one`)}\nCognitoSessionRecheck 0`,
      }));
      try {
        for (const name of ['alice', 'bob']) {
          const x = await send(other.url + ENV, { headers: { ...XHR_HEADERS, Cookie: `${SESSION_COOKIE}=${users[name].cookie}` } });
          assert.equal(x.status, 401, `${name}'s cookie on a server with another secret: ${x.status} ${x.json?.REMOTE_USER || ''}`);
        }
      } finally {
        await other.stop();
      }
      await expectUser(users.alice.cookie, 'alice', 'alice on the original server');
    }));
  });
}
