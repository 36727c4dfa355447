// Anonymous traffic cannot flush the session store (issue 14).
//
// Threat: an unauthenticated attacker who can send requests — and nothing else — floods a protected site
// with login navigations (no cookie, or a random well-formed session cookie) and with bogus callbacks
// (a random state cookie + /protected/callback?code=x&state=<43 chars>). If anonymous requests wrote
// anything to the session store (a pending-login record, a negative-lookup entry, a consumed marker), a
// small shmcb store would evict every real session: a denial of service against all signed-in users.
//
// Expected (spec "Anonymous requests write NOTHING to the store"): after 100,000 anonymous navigations
// plus bogus callbacks against a 1 MB shmcb store (CognitoSessionCache shmcb:…(1048576)):
//   - the store's entry count (and its store counter) read through `cognito-status?store` is unchanged;
//   - every one of ~20 sessions established before the burst still answers 200 with its own identity,
//     in BOTH Apache children (CognitoSessionLocalEntries 0, so every such answer comes from the store);
//   - navigations were answered 302 to the login page, bogus callbacks 400; no 5xx and (beyond a tiny
//     tolerance) no socket errors.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import {
  Agent, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, idpLogSource, isLoginRedirect, login, loginBody, loginFiles,
} from './lib/login.mjs';
import { STATUS_LOCATION, pinChildren } from './lib/ops.mjs';
import { LUA_RANDOM, runWrk, shmcbEntries, shmcbStores, storeStatus } from './lib/store-attack.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const CALLBACK = '/protected/callback';
const SESSIONS = 20;
const NAVIGATIONS = 100000;
const CALLBACKS = 20000;
const USERS = ['alice', 'bob', 'carol', 'dave', 'mallory'];
/**
 * socket errors wrk may count without anything being wrong (a keep-alive connection closed by httpd as wrk
 * reuses it, connections torn down when wrk stops): a tiny share, never more than 0.2 % of the requests
 */
const socketErrorTolerance = (n) => Math.max(64, Math.ceil(n * 0.002));

let idp;
let h;
let conns = [];
const sessions = []; // { user, cookie }
const sources = () => [h, idp && idpLogSource(idp)].filter(Boolean);

before(async () => {
  idp = await startIdp();
  h = await startHttpd({
    body: loginBody({
      idp,
      directives: 'CognitoSessionCache shmcb:@DIR@/run/cog(1048576)\nCognitoSessionLocalEntries 0',
      suffix: STATUS_LOCATION,
    }),
    files: loginFiles(),
  });
  conns = await pinChildren(h, { children: 2 });
});

after(async () => {
  for (const c of conns) c.close();
  await h?.stop();
  await idp?.close();
});

/** GET env.cgi over a pinned connection with exactly this session cookie. */
const asSession = (conn, cookie, headers = XHR_HEADERS) =>
  conn.request(h.url + ENV, { headers: { ...headers, Cookie: `${SESSION_COOKIE}=${cookie}` } });

async function expectEverySessionInBothChildren(what) {
  for (const { user, cookie } of sessions) {
    for (const conn of conns) {
      const res = await asSession(conn, cookie);
      assert.equal(res.status, 200, `${what}: ${user}'s session in child ${conn.pid} answered ${res.status}: ${res.text.slice(0, 200)}`);
      assert.equal(res.json?.REMOTE_USER, user, `${what}: identity of ${user}'s session in child ${conn.pid}`);
    }
  }
}

/** Runs wrk and asserts every answer had the expected status class and nothing broke. */
async function flood(label, { script, requests, expect, maxSeconds }) {
  const r = await runWrk({ url: h.url, script, requests, threads: 2, connections: 32, maxSeconds });
  console.log(`[${label}] wrk: ${r.requests} answers ${JSON.stringify(r.statuses)}, socket errors ${JSON.stringify(r.errors)}`);
  assert.ok(r.requests >= requests, `${label}: wrk got only ${r.requests} answers of ${requests} within the deadline\n${r.output}`);
  assert.equal(r.statuses['5xx'], 0, `${label}: 5xx answers\n${r.output}`);
  const socketErrors = r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout;
  assert.ok(socketErrors <= socketErrorTolerance(requests), `${label}: ${socketErrors} socket errors ${JSON.stringify(r.errors)}`);
  const good = r.statuses[expect];
  assert.equal(good, r.requests, `${label}: every answer should be ${expect}: ${JSON.stringify(r.statuses)}`);
  assert.equal(h.exited, null, `${label}: httpd exited`);
  return r;
}

const NAV_SCRIPT = `${LUA_RANDOM}
local n_ = 0
function request()
  n_ = n_ + 1
  local hdrs = { ["Accept"] = "text/html,application/xhtml+xml", ["Sec-Fetch-Mode"] = "navigate",
                 ["Sec-Fetch-Dest"] = "document", ["User-Agent"] = "flood" }
  local path = "${ENV}?n=" .. rnd_b64(8)
  if n_ % 2 == 0 then hdrs["Cookie"] = "${SESSION_COOKIE}=" .. rnd_b64(43) end
  return wrk.format("GET", path, hdrs)
end
`;

const CALLBACK_SCRIPT = `${LUA_RANDOM}
local n_ = 0
function request()
  n_ = n_ + 1
  local state = rnd_b64(43)
  local hdrs = { ["Accept"] = "text/html", ["Sec-Fetch-Mode"] = "navigate", ["User-Agent"] = "flood" }
  if n_ % 4 ~= 0 then
    -- a random state cookie for exactly this state (created.<sealed-looking blob>)
    hdrs["Cookie"] = "${SESSION_COOKIE}_state_" .. state:sub(1, 16) .. "=" .. tostring(os.time()) .. "." .. rnd_b64(200)
  end
  if n_ % 8 == 1 then
    hdrs["Cookie"] = (hdrs["Cookie"] and (hdrs["Cookie"] .. "; ") or "") .. "${SESSION_COOKIE}=" .. rnd_b64(43)
  end
  return wrk.format("GET", "${CALLBACK}?code=x&state=" .. state, hdrs)
end
`;

describe('a flood of anonymous requests against a 1 MB shmcb store', () => {
  it(`${SESSIONS} sessions survive ${NAVIGATIONS} anonymous navigations and ${CALLBACKS} bogus callbacks; the store is untouched`, withLogs(sources, async () => {
    // the requests a browser would make look like this (and are what wrk sends)
    const sample = await conns[0].request(h.url + ENV, { headers: NAV_HEADERS });
    assert.ok(isLoginRedirect(sample, idp), `an anonymous navigation should be a login redirect: ${sample.status}`);
    const sampleCb = await conns[0].request(`${h.url}${CALLBACK}?code=x&state=${crypto.randomBytes(32).toString('base64url')}`, {
      headers: { ...NAV_HEADERS, Cookie: `${SESSION_COOKIE}_state_AAAAAAAAAAAAAAAA=1.${crypto.randomBytes(100).toString('base64url')}` },
    });
    assert.equal(sampleCb.status, 400, `a bogus callback should be refused with 400: ${sampleCb.status}`);

    for (let i = 0; i < SESSIONS; i++) {
      const user = USERS[i % USERS.length];
      const { sessionCookie } = await login(new Agent(), h, idp, ENV, { username: user });
      sessions.push({ user, cookie: sessionCookie });
    }
    await expectEverySessionInBothChildren('before the burst');

    const s0 = await storeStatus(h.url);
    const entries0 = shmcbEntries(s0);
    const stores0 = shmcbStores(s0);
    console.log(`store before the burst: ${entries0} entries, ${stores0} stores\n${s0.text}`);
    assert.ok(entries0 >= SESSIONS, `the store should hold at least the ${SESSIONS} sessions, holds ${entries0}`);

    // deadlines only (a few thousand answers a second are usual; the sanitizer build is slower)
    await flood('navigations', { script: NAV_SCRIPT, requests: NAVIGATIONS, expect: '3xx', maxSeconds: 150 });
    await flood('bogus callbacks', { script: CALLBACK_SCRIPT, requests: CALLBACKS, expect: '4xx', maxSeconds: 60 });

    const s1 = await storeStatus(h.url);
    console.log(`store after the burst: ${shmcbEntries(s1)} entries, ${shmcbStores(s1)} stores, ` +
      `lookups that missed: ${s0.fields.CacheRetrieveMissCount} before, ${s1.fields.CacheRetrieveMissCount} after`);
    assert.equal(shmcbEntries(s1), entries0, `the store's entry count changed during the burst\nbefore:\n${s0.text}\nafter:\n${s1.text}`);
    if (stores0 !== undefined) {
      assert.equal(shmcbStores(s1), stores0, `anonymous requests wrote to the store\nbefore:\n${s0.text}\nafter:\n${s1.text}`);
    }

    await expectEverySessionInBothChildren('after the burst');
    // a navigation with one of them is served as well (not sent to login)
    const nav = await asSession(conns[1], sessions[0].cookie, NAV_HEADERS);
    assert.equal(nav.status, 200, `navigation with a session after the burst: ${nav.status}`);
    assert.doesNotMatch(h.errorLog(), /COGNITO\d+: (internal_error|session_store_unavailable)|AH00052|segfault|exit signal/,
      'no internal error, store failure or crashed child during the burst');
  }));
});
