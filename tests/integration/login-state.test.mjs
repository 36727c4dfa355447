// Browser login with state cookies only (no server-side state record).
//
// The module no longer writes anything when it sends a browser to the managed login page: the login
// attempt (return path, PKCE verifier, nonce, redirect_uri, issuer, client, time) travels in a state
// cookie `<cookie name>_state_<first 16 chars of state>=<created>.<base64url sealed blob>`, sealed with
// the server secret (CognitoSessionSecret) and bound to the exact `state` parameter and to the issuer +
// app client. The only server-side write of a login is the "consumed" marker of the state, written at the
// callback after Cognito accepted the code, so a callback cannot be used twice.
//
// Threats and expectations:
//   - An anonymous client floods the login start (50 redirects, random session cookies, bogus callbacks)
//     to fill the shared store: the store (Redis) holds exactly the same keys afterwards.
//   - A user opens five tabs that all need a login: five state cookies live side by side and the five
//     callbacks, completed in any order, all create a working session.
//   - An attacker who can edit the state cookie (one character of its sealed part, its visible timestamp,
//     or another attempt's value under this attempt's name) → 400 state_unknown, Cognito never called.
//   - An attacker who sends a victim the callback URL of his own login (login CSRF / "other browser"),
//     without the state cookie → 400 state_browser_mismatch.
//   - A state cookie older than CognitoStateTimeout, kept by a client that ignores Max-Age → 400.
//   - A state cookie issued at a location with another CognitoClientID (same server, same cookie name),
//     or by a server with another CognitoSessionSecret → 400 state_unknown at this client's callback.
//   - Someone who recorded a successful callback (URL + state cookie: proxy log, shared machine, browser
//     history + cookie theft) replays it → 400 state_replayed (COGNITO0415) without a call to Cognito — on
//     the same server and on a second server sharing the Redis store and the secret (load balancer).
//   - A callback whose code exchange failed (Cognito 500) leaves no consumed marker: the retry works.
// Real httpd (three instances), the Cognito emulator and a real redis-server; nothing mocked.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import {
  Agent, B64URL_43, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, assertErrorPage, cookiesNamed, idpLogSource,
  isExpiring, isLoginRedirect, logSlice, loginBody, loginFiles, send, signInAtIdp, sleep, startLogin,
} from './lib/login.mjs';
import { SESSION_SECRET, secretLine, startRedis, storeModules } from './lib/stores.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const OTHER_SECRET = 'another-servers-secret-9876543210-fedcba-zyx';
const STATE_VALUE = /^(\d+)\.([A-Za-z0-9_-]+)$/;

let idp, redis, A, B, C;
const sources = () => [A, B, C, idp && idpLogSource(idp), redis].filter(Boolean);

/**
 * /protected: testclient1 (the server-level defaults)
 * /other:     otherclient, same cookie name, same issuer
 * /short:     testclient1 with CognitoStateTimeout 10 (the smallest value the directive takes)
 */
function body(store, secret) {
  return loginBody({
    idp,
    directives: `${store ? `CognitoSessionCache ${store.spec}` : ''}\n${secretLine(secret)}`,
    suffix: `
<Location /other>
    AuthType Cognito
    AuthName "other"
    CognitoClientID otherclient
    CognitoRedirectURI /other/callback
    Require valid-user
</Location>
ScriptAlias /other/cgi-bin/ "@DIR@/cgi-bin/"
<Location /short>
    AuthType Cognito
    AuthName "short"
    CognitoStateTimeout 10
    CognitoRedirectURI /short/callback
    Require valid-user
</Location>
ScriptAlias /short/cgi-bin/ "@DIR@/cgi-bin/"
`,
  });
}

before(async () => {
  idp = await startIdp();
  redis = await startRedis();
  const shared = { body: body(redis, SESSION_SECRET), files: loginFiles(), extraModules: storeModules('redis') };
  A = await startHttpd(shared);
  B = await startHttpd(shared);
  // a third server with its own secret (shmcb)
  C = await startHttpd({ body: body(null, OTHER_SECRET), files: loginFiles() });
});
after(async () => {
  for (const h of [A, B, C]) await h?.stop().catch(() => {});
  await redis?.close().catch(() => {});
  await idp?.close().catch(() => {});
});

// ------------------------------------------------------------------------------------------ helpers

/** The one live state cookie a login redirect set: → { name, value, created, sealed, attrs } */
function stateCookie(res, state, prefix = SESSION_COOKIE) {
  const all = cookiesNamed(res, new RegExp(`^${prefix}_state_`)).filter((c) => !isExpiring(c));
  assert.equal(all.length, 1, `one state cookie: ${JSON.stringify(res.setCookies)}`);
  const c = all[0];
  assert.equal(c.name, `${prefix}_state_${state.slice(0, 16)}`);
  const m = STATE_VALUE.exec(c.value);
  assert.ok(m, `state cookie value <created>.<base64url sealed>: ${c.value}`);
  return { name: c.name, value: c.value, created: m[1], sealed: m[2], attrs: c.attrs };
}

/**
 * A login up to the moment Cognito sends the browser back (callback not sent yet).
 * → { agent, start, state, cookie, callbackUrl, url (URL) }
 */
async function pending(h, pathAndQuery = `${ENV}?p=1`, username = 'alice') {
  const agent = new Agent();
  const start = await startLogin(agent, h, idp, pathAndQuery);
  const cookie = stateCookie(start.res, start.state);
  const callbackUrl = await signInAtIdp(agent, start.authorizeUrl, { username });
  const url = new URL(callbackUrl);
  assert.equal(url.searchParams.get('state'), start.state);
  return { agent, start, state: start.state, cookie, callbackUrl, url };
}

/** Sends a callback with exactly this Cookie header (or none) to server h. → [res, error_log slice] */
function callback(h, urlText, cookie, headers = {}) {
  const u = new URL(urlText);
  const target = `${h.url}${u.pathname}${u.search}`;
  return logSlice(h, () => send(target, { headers: { ...NAV_HEADERS, ...(cookie ? { Cookie: cookie } : {}), ...headers } }));
}

const tokenCalls = async () => (await idp.counters()).token;

/** The callback succeeded: 302 to the original URL with a fresh session cookie. → session id */
function assertLoggedIn(res, what) {
  assert.equal(res.status, 302, `${what}: callback answered ${res.status}: ${res.text.slice(0, 300)}`);
  const sc = cookiesNamed(res, SESSION_COOKIE).filter((c) => !isExpiring(c));
  assert.equal(sc.length, 1, `${what}: one session cookie: ${JSON.stringify(res.setCookies)}`);
  assert.match(sc[0].value, B64URL_43);
  return sc[0].value;
}

/** A session id opens a session for alice on server h (XHR, so a refusal is a 401, never a redirect). */
async function expectSession(h, sid, what, user = 'alice') {
  const res = await send(h.url + ENV, { headers: { ...XHR_HEADERS, Cookie: `${SESSION_COOKIE}=${sid}` } });
  assert.equal(res.status, 200, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
  assert.equal(res.json?.REMOTE_USER, user, `${what}: REMOTE_USER`);
}

/** Flips one character in the middle of a base64url string (never the last one: it may carry padding bits). */
function flipMiddle(s) {
  const i = Math.floor(s.length / 2);
  return s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
}

// ------------------------------------------------------------------------------------------- tests

describe('the login start writes nothing', () => {
  it('50 login redirects, then random session cookies, then refused callbacks: the Redis keys are unchanged', withLogs(sources, async () => {
    const before = await redis.keys();
    const states = new Set();
    for (let i = 0; i < 50; i++) {
      const p = ['/protected/page.html', `${ENV}?n=${i}`, '/other/cgi-bin/env.cgi', '/short/page.html'][i % 4];
      const res = await send(A.url + p, { headers: NAV_HEADERS });
      assert.ok(isLoginRedirect(res, idp), `redirect ${i} (${p}): ${res.status} ${res.text.slice(0, 200)}`);
      const state = new URL(res.headers.location).searchParams.get('state');
      states.add(state);
      // the state cookie carries the attempt (its sealed part is far longer than a random reference)
      const c = stateCookie(res, state);
      assert.ok(c.sealed.length > 100, `the sealed part holds the attempt (${c.sealed.length} chars)`);
    }
    assert.equal(states.size, 50, 'fresh state every time');
    const newKeys = async () => (await redis.keys()).filter((k) => !before.includes(k));
    assert.deepEqual(await newKeys(), [], '50 login redirects wrote to the store');
    // random session ids, navigation and XHR
    for (let i = 0; i < 10; i++) {
      const sid = crypto.randomBytes(32).toString('base64url');
      const nav = await send(A.url + ENV, { headers: { ...NAV_HEADERS, Cookie: `${SESSION_COOKIE}=${sid}` } });
      assert.ok(isLoginRedirect(nav, idp), `random session id, navigation: ${nav.status}`);
      const x = await send(A.url + ENV, { headers: { ...XHR_HEADERS, Cookie: `${SESSION_COOKIE}=${sid}` } });
      assert.equal(x.status, 401, `random session id, XHR: ${x.status}`);
    }
    assert.deepEqual(await newKeys(), [], 'requests with random session ids wrote to the store');
    // refused callbacks: no cookie, a forged cookie, and a code Cognito refuses (a marker is written only
    // after Cognito accepted the code)
    const p = await pending(A, `${ENV}?refused=1`);
    assert.equal((await callback(A, p.callbackUrl, null))[0].status, 400);
    assert.equal((await callback(A, p.callbackUrl, `${p.cookie.name}=${p.cookie.created}.${flipMiddle(p.cookie.sealed)}`))[0].status, 400);
    const badCode = new URL(p.callbackUrl);
    badCode.searchParams.set('code', crypto.randomUUID());
    const [bad, slice] = await callback(A, badCode.href, `${p.cookie.name}=${p.cookie.value}`);
    assertErrorPage(bad, 400, slice, 'grant_refused');

    assert.deepEqual(await newKeys(), [], 'refused callbacks wrote to the store');
    assert.deepEqual(await redis.keys(), before, 'no key disappeared either');

    // positive control: a real login does write (session record + consumed marker)
    const ok = await pending(A, `${ENV}?control=1`);
    const [res] = await callback(A, ok.callbackUrl, `${ok.cookie.name}=${ok.cookie.value}`);
    assertLoggedIn(res, 'control login');
    const grown = await redis.keys();
    assert.ok(grown.length >= before.length + 2, `a login adds the session record and the consumed marker: ${before.length} → ${grown.length} keys`);
  }));
});

describe('five tabs logging in at once', () => {
  it('five navigations, then five sign-ins and callbacks in shuffled order: five sessions, all 200', withLogs(sources, async () => {
    const agent = new Agent();
    const urls = [1, 2, 3, 4, 5].map((i) => `${ENV}?tab=${i}`);
    const starts = [];
    for (const u of urls) starts.push(await startLogin(agent, A, idp, u));
    assert.equal(new Set(starts.map((s) => s.state)).size, 5, 'five different states');
    const jarStates = agent.jar.all().filter((c) => c.name.startsWith(`${SESSION_COOKIE}_state_`));
    assert.equal(jarStates.length, 5, `five state cookies in the browser: ${jarStates.map((c) => c.name).join(', ')}`);
    for (const s of starts) assert.ok(jarStates.some((c) => c.name === `${SESSION_COOKIE}_state_${s.state.slice(0, 16)}`));

    // at the emulator in one order (the first signs in with the form, the others ride its session) …
    const callbacks = [];
    for (const i of [3, 0, 4, 2, 1]) callbacks[i] = await signInAtIdp(agent, starts[i].authorizeUrl);
    // … and back at the module in another
    const sids = [];
    for (const i of [1, 4, 0, 2, 3]) {
      const res = await agent.nav(callbacks[i]);
      sids[i] = assertLoggedIn(res, `tab ${i + 1}`);
      assert.equal(res.headers.location, A.url + urls[i], `tab ${i + 1} lands on its own URL`);
      const cleared = cookiesNamed(res, `${SESSION_COOKIE}_state_${starts[i].state.slice(0, 16)}`);
      assert.ok(cleared.length === 1 && isExpiring(cleared[0]), `tab ${i + 1}: its state cookie is deleted: ${JSON.stringify(res.setCookies)}`);
    }
    assert.equal(new Set(sids).size, 5, 'five different sessions');
    for (let i = 0; i < 5; i++) {
      const page = await send(A.url + urls[i], { headers: { ...NAV_HEADERS, Cookie: `${SESSION_COOKIE}=${sids[i]}` } });
      assert.equal(page.status, 200, `tab ${i + 1} page: ${page.status} ${page.text.slice(0, 200)}`);
      assert.equal(page.json.REMOTE_USER, 'alice');
      assert.equal(page.json.QUERY_STRING, `tab=${i + 1}`);
    }
    assert.equal(agent.jar.all().filter((c) => c.name.startsWith(`${SESSION_COOKIE}_state_`)).length, 0, 'all state cookies spent');
  }));
});

describe('a state cookie that is altered, missing, transplanted, expired or foreign is refused', () => {
  it('one character of the sealed part flipped → 400 state_unknown, Cognito not called', withLogs(sources, async () => {
    const p = await pending(A, `${ENV}?altered=1`);
    const calls = await tokenCalls();
    const [res, slice] = await callback(A, p.callbackUrl, `${p.cookie.name}=${p.cookie.created}.${flipMiddle(p.cookie.sealed)}`);
    assertErrorPage(res, 400, slice, 'state_unknown');
    // cut short, and with bytes appended
    for (const v of [`${p.cookie.created}.${p.cookie.sealed.slice(0, -8)}`, `${p.cookie.value}AAAA`, `${p.cookie.created}.`]) {
      const [r, s] = await callback(A, p.callbackUrl, `${p.cookie.name}=${v}`);
      assertErrorPage(r, 400, s, 'state_unknown');
    }
    assert.equal(await tokenCalls(), calls, 'the code was never sent to Cognito');
    // the untouched cookie still works: the refusals were about the edits
    assertLoggedIn((await callback(A, p.callbackUrl, `${p.cookie.name}=${p.cookie.value}`))[0], 'the original state cookie');
  }));

  it('the callback in another browser (no state cookie) → 400 state_browser_mismatch', withLogs(sources, async () => {
    const p = await pending(A, `${ENV}?other-browser=1`);
    const calls = await tokenCalls();
    const [res, slice] = await callback(A, p.callbackUrl, null);
    assertErrorPage(res, 400, slice, 'state_browser_mismatch');
    // a browser that holds only state cookies of its own attempts
    const mine = await pending(A, `${ENV}?mine=1`);
    const [res2, slice2] = await callback(A, p.callbackUrl, `${mine.cookie.name}=${mine.cookie.value}`);
    assertErrorPage(res2, 400, slice2, 'state_browser_mismatch');
    assert.equal(await tokenCalls(), calls, 'the code was never sent to Cognito');
  }));

  it("another attempt's state cookie value under this attempt's name → 400 state_unknown", withLogs(sources, async () => {
    const p = await pending(A, `${ENV}?victim=1`);
    const q = await pending(A, `${ENV}?attacker=1`);
    const calls = await tokenCalls();
    const [res, slice] = await callback(A, p.callbackUrl, `${p.cookie.name}=${q.cookie.value}`);
    assertErrorPage(res, 400, slice, 'state_unknown');
    assert.equal(await tokenCalls(), calls, 'the code was never sent to Cognito');
  }));

  it('expired (CognitoStateTimeout 10, callback after 11 s with the cookie kept) → 400 state_unknown', withLogs(sources, async () => {
    const p = await pending(A, '/short/cgi-bin/env.cgi?late=1');
    assert.equal(new URL(p.callbackUrl).pathname, '/short/callback');
    assert.equal(p.cookie.attrs['max-age'], '10', 'Max-Age follows CognitoStateTimeout');
    const fresh = await pending(A, '/short/cgi-bin/env.cgi?in-time=1');
    assertLoggedIn((await callback(A, fresh.callbackUrl, `${fresh.cookie.name}=${fresh.cookie.value}`))[0], 'a callback in time');
    await sleep(11000);
    const calls = await tokenCalls();
    const [res, slice] = await callback(A, p.callbackUrl, `${p.cookie.name}=${p.cookie.value}`);
    assertErrorPage(res, 400, slice, 'state_unknown');
    // the visible timestamp rewritten to now does not revive it (the time that counts is sealed)
    const now = String(Math.floor(Date.now() / 1000));
    const [res2, slice2] = await callback(A, p.callbackUrl, `${p.cookie.name}=${now}.${p.cookie.sealed}`);
    assertErrorPage(res2, 400, slice2, 'state_unknown');
    assert.equal(await tokenCalls(), calls, 'the code was never sent to Cognito');
  }));

  it("a state cookie issued for another app client (same server, same cookie name) → 400 state_unknown", withLogs(sources, async () => {
    const p = await pending(A, '/other/cgi-bin/env.cgi?foreign=1');
    assert.equal(p.start.params.get('client_id'), 'otherclient');
    assert.equal(p.url.pathname, '/other/callback');
    const calls = await tokenCalls();
    // presented at testclient1's callback
    const here = `${A.url}/protected/callback${p.url.search}`;
    const [res, slice] = await callback(A, here, `${p.cookie.name}=${p.cookie.value}`);
    assertErrorPage(res, 400, slice, 'state_unknown');
    assert.equal(await tokenCalls(), calls, 'the code was never sent to Cognito');
    // at its own client's callback it is fine
    const [ok] = await callback(A, p.callbackUrl, `${p.cookie.name}=${p.cookie.value}`);
    const sid = assertLoggedIn(ok, 'the other client at its own callback');
    const page = await send(A.url + '/other/cgi-bin/env.cgi', { headers: { ...XHR_HEADERS, Cookie: `${SESSION_COOKIE}=${sid}` } });
    assert.equal(page.status, 200);
  }));

  it('a state cookie of a server with another CognitoSessionSecret → 400 state_unknown', withLogs(sources, async () => {
    const p = await pending(A, `${ENV}?other-secret=1`);
    const calls = await tokenCalls();
    // C serves the same public host name (Host of A), as behind a load balancer
    const [res, slice] = await callback(C, p.callbackUrl, `${p.cookie.name}=${p.cookie.value}`, { Host: new URL(A.url).host });
    assertErrorPage(res, 400, slice, 'state_unknown');
    assert.equal(await tokenCalls(), calls, 'the code was never sent to Cognito');
  }));
});

describe('a callback replayed after its success is refused (consumed marker)', () => {
  it('same server: the same URL with the same state cookie put back → 400 state_replayed, Cognito not called', withLogs(sources, async () => {
    const p = await pending(A, `${ENV}?replay=1`);
    const first = await p.agent.nav(p.callbackUrl);
    const sid = assertLoggedIn(first, 'first callback');
    const deleted = cookiesNamed(first, p.cookie.name);
    assert.ok(deleted.length === 1 && isExpiring(deleted[0]), `the state cookie is deleted on success: ${JSON.stringify(first.setCookies)}`);
    const calls = await tokenCalls();
    const [res, slice] = await callback(A, p.callbackUrl, `${p.cookie.name}=${p.cookie.value}`);
    assertErrorPage(res, 400, slice, 'state_replayed');
    assert.match(slice, /COGNITO0415/, `the replay is logged as COGNITO0415:\n${slice}`);
    assert.equal(await tokenCalls(), calls, 'a replay never reaches Cognito');
    // the replay did not harm the session it copies
    await expectSession(A, sid, 'the original session after the replay');
  }));

  it('second server sharing Redis and the secret: the replay there → 400 state_replayed', withLogs(sources, async () => {
    const host = { Host: new URL(A.url).host }; // both servers answer for one public name (load balancer)
    const p = await pending(A, `${ENV}?replay-b=1`);
    const sid = assertLoggedIn((await callback(A, p.callbackUrl, `${p.cookie.name}=${p.cookie.value}`))[0], 'callback on A');
    const calls = await tokenCalls();
    const [res, slice] = await callback(B, p.callbackUrl, `${p.cookie.name}=${p.cookie.value}`, host);
    assertErrorPage(res, 400, slice, 'state_replayed');
    assert.equal(await tokenCalls(), calls, 'a replay never reaches Cognito');
    await expectSession(B, sid, 'the session from A on B');

    // and the other way round: a login started on A finishes on B (the state cookie is portable between
    // servers with the same secret); its replay on A is refused
    const q = await pending(A, `${ENV}?replay-a=1`);
    const [okB] = await callback(B, q.callbackUrl, `${q.cookie.name}=${q.cookie.value}`, host);
    const sid2 = assertLoggedIn(okB, 'callback of an A-started login on B');
    assert.equal(okB.headers.location, `${A.url}${ENV}?replay-a=1`);
    const calls2 = await tokenCalls();
    const [res2, slice2] = await callback(A, q.callbackUrl, `${q.cookie.name}=${q.cookie.value}`);
    assertErrorPage(res2, 400, slice2, 'state_replayed');
    assert.equal(await tokenCalls(), calls2, 'a replay never reaches Cognito');
    await expectSession(A, sid2, 'the session from B on A');
  }));

  it('a callback whose code exchange failed leaves no marker: the retry succeeds', withLogs(sources, async () => {
    const p = await pending(A, `${ENV}?retry=1`);
    await idp.fail({ endpoint: 'token', mode: 'status', status: 500, times: 1 });
    const [res, slice] = await callback(A, p.callbackUrl, `${p.cookie.name}=${p.cookie.value}`);
    assertErrorPage(res, 502, slice, 'http_status');
    const [again, slice2] = await callback(A, p.callbackUrl, `${p.cookie.name}=${p.cookie.value}`);
    assert.ok(!slice2.includes('state_replayed'), `a failed exchange must not consume the state:\n${slice2}`);
    const sid = assertLoggedIn(again, 'the retry');
    await expectSession(A, sid, 'the retried login');
    // and now it is spent
    const [third, slice3] = await callback(A, p.callbackUrl, `${p.cookie.name}=${p.cookie.value}`);
    assertErrorPage(third, 400, slice3, 'state_replayed');
  }));
});
