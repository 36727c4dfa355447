// Session cookie parsing under hostile Cookie headers: whatever the header's size or shape, nothing answers
// 5xx, no child crashes, garbage never gets in, and a valid session id next to garbage still gets its user in.
//
// Guards finding (peer advisories): mod_auth_openidc crashed or looped on cookie headers that were huge, had
// many chunks, lacked '=' or repeated its cookie name. Guards finding (this suite's, fixed): cookie tossing
// could lock a user out — garbage copies of our cookie before the valid one (SECURITY.md "Open findings" 1,
// "10 garbage copies of our cookie name before the valid one …").
//
// Every Cookie header shape below goes to a protected CGI as an XHR (no session → 401, never a redirect) and,
// for a few, as a navigation. Nothing may answer 5xx, no child may crash, a header without a valid session id
// never gets in, and one that carries alice's valid id next to garbage still gets her in — within the limits
// the module documents: Cookie headers over 16 KB are ignored (treated as no cookies) and httpd itself
// refuses a header line over LimitRequestFieldSize (default 8190) with 400.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import { rawHttp } from './lib/apps.mjs';
import { startIdp } from './lib/idp.mjs';
import {
  Agent, SESSION_COOKIE, XHR_HEADERS, idpLogSource, isLoginRedirect, login, send, signInAtIdp, startLogin, startLoginRig,
} from './lib/login.mjs';
import { assertNoCrash, settlePool } from './lib/hostile.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
let idp;
let small; // httpd defaults: LimitRequestFieldSize 8190
let big; // LimitRequestFieldSize 65536: headers up to 64 KB reach the module
const sid = {};
const sources = () => [small?.h, big?.h, idp && idpLogSource(idp)].filter(Boolean);

before(async () => {
  idp = await startIdp();
  small = await startLoginRig({ idp });
  big = await startLoginRig({ idp, directives: 'LimitRequestFieldSize 65536' });
  sid.small = (await login(new Agent(), small.h, idp, ENV)).sessionCookie;
  sid.big = (await login(new Agent(), big.h, idp, ENV)).sessionCookie;
});
after(async () => {
  await small?.stop();
  await big?.stop();
  await idp?.close();
});

const rnd43 = () => crypto.randomBytes(32).toString('base64url');
const S = SESSION_COOKIE;
const fill = (n, ch = 'x') => ch.repeat(n);

/**
 * Cases: { label, cookie (string, or array = several Cookie header lines; VALID = alice's id), expect }
 *   expect 'alice'        200, REMOTE_USER alice
 *   'anon'                401 (XHR) — no access
 *   'httpd400'            400 from httpd itself (header line too long / malformed) — no access
 *   'anon|alice'          the valid id is present in a form RFC 6265 does not define; either is safe
 */
const VALID = '\u0001VALID\u0001';
function cases() {
  return [
    { label: 'the valid session alone', cookie: `${S}=${VALID}`, expect: 'alice' },
    // sizes
    { label: 'just under 8 KB with the valid session', cookie: `pad=${fill(8100)}; ${S}=${VALID}`, expect: 'alice' },
    { label: 'just over 8 KB (httpd LimitRequestFieldSize)', cookie: `pad=${fill(8200)}; ${S}=${VALID}`, expect: 'httpd400' },
    { label: '64 KB in one line', cookie: `pad=${fill(65536)}`, expect: 'httpd400' },
    // httpd merges repeated lines and applies LimitRequestFieldSize to the merged value too
    { label: 'three lines of 7 KB each (merged: 21 KB)', cookie: [`a=${fill(7000)}; ${S}=${VALID}`, `b=${fill(7000)}`, `c=${fill(7000)}`], expect: { small: 'httpd400', big: 'anon' } },
    { label: '80 Cookie lines, the valid session in the first', cookie: [`${S}=${VALID}`, ...Array.from({ length: 79 }, (_, i) => `k${i}=v${i}`)], expect: 'alice' },
    { label: '80 Cookie lines, garbage session in the first, valid in the last', cookie: [`${S}=garbage`, ...Array.from({ length: 78 }, (_, i) => `k${i}=v${i}`), `${S}=${VALID}`], expect: 'alice' },
    { label: '120 Cookie lines (over LimitRequestFields 100)', cookie: Array.from({ length: 120 }, (_, i) => `k${i}=v${i}`), expect: 'httpd400' },
    // many
    { label: '500 cookies, then the valid session', cookie: `${Array.from({ length: 500 }, (_, i) => `c${i}=v${i}`).join('; ')}; ${S}=${VALID}`, expect: 'alice' },
    { label: '500 cookies, no session', cookie: Array.from({ length: 500 }, (_, i) => `c${i}=v${i}`).join('; '), expect: 'anon' },
    { label: '2000 empty pairs ;;;;', cookie: `${';'.repeat(2000)}${S}=${VALID}${';'.repeat(2000)}`, expect: 'alice' },
    // our name repeated
    { label: 'garbage copy of our cookie, then the valid one', cookie: `${S}=garbage; ${S}=${VALID}`, expect: 'alice' },
    { label: '3 garbage copies of our cookie, then the valid one', cookie: `${S}=g1; ${S}=${rnd43()}; ${S}=; ${S}=${VALID}`, expect: 'alice' },
    { label: 'the valid session, then 100 garbage copies', cookie: `${S}=${VALID}; ${Array.from({ length: 100 }, (_, i) => `${S}=g${i}`).join('; ')}`, expect: 'alice' },
    { label: '50 well-formed random ids under our name', cookie: Array.from({ length: 50 }, () => `${S}=${rnd43()}`).join('; '), expect: 'anon' },
    { label: 'a state cookie name carrying the session id', cookie: `${S}_state_0123456789abcdef=${VALID}`, expect: 'anon' },
    { label: 'our name, other case', cookie: `Cognito_Session=${VALID}; COGNITO_SESSION=${VALID}`, expect: 'anon' },
    { label: 'our name with a prefix', cookie: `x${S}=${VALID}; __Host-${S}=${VALID}`, expect: 'anon' },
    // without '='
    { label: 'our name without =', cookie: `${S}`, expect: 'anon' },
    { label: 'our name without =, then the valid session', cookie: `${S}; ${S}=${VALID}`, expect: 'alice' },
    { label: 'only the id, no name', cookie: `${VALID}`, expect: 'anon' },
    { label: '=id (empty name)', cookie: `=${VALID}`, expect: 'anon' },
    { label: 'a = b = c', cookie: `${S}==${VALID}`, expect: 'anon' },
    { label: 'nothing but separators', cookie: '; ; , ;;', expect: 'anon' },
    // non-ASCII
    { label: 'UTF-8 bytes in another cookie, valid session', cookie: `a=\u00ff\u00e9\u0080; ${S}=${VALID}`, expect: 'alice' },
    { label: 'UTF-8 bytes in our value', cookie: `${S}=${VALID}\u00ff`, expect: 'anon' },
    { label: 'non-ASCII cookie name', cookie: `c\u00f6\u00f6kie=1; ${S}=${VALID}`, expect: 'alice' },
    { label: 'non-ASCII in our name', cookie: `cognito_sessi\u00f6n=${VALID}`, expect: 'anon' },
    { label: 'percent-encoded id', cookie: `${S}=${encodeURIComponent(VALID)}%41`, expect: 'anon' },
    // empty values and quotes
    { label: 'empty value', cookie: `${S}=`, expect: 'anon' },
    { label: 'empty quoted value', cookie: `${S}=""`, expect: 'anon' },
    { label: 'DQUOTE-wrapped valid id (RFC 6265 cookie-value)', cookie: `${S}="${VALID}"`, expect: 'alice' },
    { label: 'unbalanced quote', cookie: `${S}="${VALID}`, expect: 'anon' },
    { label: 'single quotes', cookie: `${S}='${VALID}'`, expect: 'anon' },
    { label: 'valid id with one character more', cookie: `${S}=${VALID}A`, expect: 'anon' },
    { label: 'valid id with one character less', cookie: (id) => `${S}=${id.slice(0, -1)}`, expect: 'anon' },
    { label: 'valid id upper-cased', cookie: (id) => `${S}=${id.toUpperCase()}`, expect: 'anon' },
    { label: 'a 8000-byte value under our name', cookie: `${S}=${fill(8000, 'A')}`, expect: 'anon' },
    // whitespace and separators RFC 6265 does not define
    { label: 'space before =', cookie: `${S} =${VALID}`, expect: 'anon|alice' },
    { label: 'tabs around', cookie: `\t${S}=\t${VALID}\t`, expect: 'anon|alice' },
    { label: 'comma-separated', cookie: `a=1, ${S}=${VALID}`, expect: 'anon|alice' },
  ];
}

const realize = (cookie, id) => [typeof cookie === 'function' ? cookie(id) : cookie].flat().map((c) => c.replaceAll(VALID, id));

async function check(h, id, c, which) {
  const res = await rawHttp(h.port, {
    path: ENV, headers: [...Object.entries(XHR_HEADERS), ...realize(c.cookie, id).map((v) => ['Cookie', v])],
  });
  const who = res.status === 200 ? res.json?.REMOTE_USER : undefined;
  const got = res.status === 200 && who === 'alice' ? 'alice' : res.status === 401 ? 'anon' : res.status === 400 ? 'httpd400' : `${res.status}/${who}`;
  const expect = typeof c.expect === 'string' ? c.expect : c.expect[which];
  const ok = expect.split('|').includes(got);
  return ok ? null : `${c.label}: expected ${expect}, got ${got} (${res.status}) ${res.text.slice(0, 120)}`;
}

describe('Cookie headers that are huge, many, repeated, without =, non-ASCII, empty, quoted', () => {
  it('httpd defaults (LimitRequestFieldSize 8190): every case as expected, nothing 5xx', withLogs(sources, async () => {
    const results = await settlePool(cases(), 6, (c) => check(small.h, sid.small, c, 'small'));
    const problems = results.map((r) => (r.ok ? r.value : `request failed: ${r.error.message}`)).filter(Boolean);
    // raw Latin-1 bytes (0x80–0xff, not UTF-8) through node:http
    for (const [label, cookie, expect] of [
      ['Latin-1 bytes in another cookie, valid session', `a=\u00ff\u00e9\u0080; ${S}=${sid.small}`, 200],
      ['Latin-1 bytes in our value', `${S}=${sid.small}\u00ff`, 401],
      ['Latin-1 bytes only', '\u00ff\u00fe\u00fd=\u0080\u0081', 401],
    ]) {
      const res = await send(small.h.url + ENV, { headers: { ...XHR_HEADERS, Cookie: cookie } });
      if (res.status !== expect || (expect === 200 && res.json?.REMOTE_USER !== 'alice')) problems.push(`${label}: ${res.status}`);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
    assertNoCrash(small.h);
  }));

  it('LimitRequestFieldSize 65536: up to 16 KB the module reads the header, above it ignores it', withLogs(sources, async () => {
    const sized = [
      { label: '15 KB with the valid session last', cookie: `pad=${fill(15000)}; ${S}=${VALID}`, expect: 'alice' },
      { label: '17 KB with the valid session first (over the module\'s 16 KB: ignored)', cookie: `${S}=${VALID}; pad=${fill(17000)}`, expect: 'anon' },
      { label: '60 KB, no session', cookie: `pad=${fill(60000)}`, expect: 'anon' },
      { label: '500 cookies of 100 bytes (~50 KB) with the valid session', cookie: `${S}=${VALID}; ${Array.from({ length: 500 }, (_, i) => `c${i}=${fill(96)}`).join('; ')}`, expect: 'anon' },
      { label: '2000 of our name with garbage (~20 KB), then the valid one', cookie: `${Array.from({ length: 2000 }, () => `${S}=g`).join('; ')}; ${S}=${VALID}`, expect: 'anon' },
      { label: '64 KB of a single value under our name', cookie: `${S}=${fill(65000, 'A')}`, expect: 'httpd400|anon' },
    ];
    const problems = [];
    for (const c of [...sized, ...cases().filter((x) => x.expect !== 'httpd400' || /LimitRequestFields/.test(x.label))]) {
      const p = await check(big.h, sid.big, c, 'big');
      if (p) problems.push(p);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
    assertNoCrash(big.h);
  }));

  it('10 garbage copies of our cookie name before the valid one: the valid session is still used', withLogs(sources, async () => {
    // What a sibling subdomain can do to a shared-domain browser ("cookie tossing"): put several cookies of
    // our name in front of the real one. Garbage must never authenticate (asserted above); the real session
    // must still be found, or the user cannot get in at all (after a new login the tossed copies still
    // come first).
    const c = { label: '10 garbage copies, then the valid one', cookie: `${Array.from({ length: 10 }, () => `${S}=${rnd43()}`).join('; ')}; ${S}=${VALID}`, expect: 'alice' };
    const problems = [await check(small.h, sid.small, c, 'small'), await check(big.h, sid.big, c, 'big')].filter(Boolean);
    assert.deepEqual(problems, [], problems.join('\n'));
  }));

  it('navigations with hostile Cookie headers: a login redirect (or httpd 400), never the page', withLogs(sources, async () => {
    const problems = [];
    for (const cookie of [`${S}=${fill(7000)}`, Array.from({ length: 500 }, () => `${S}=${rnd43()}`).join(';').slice(0, 8000), `${S}`, `${S}=\u00ff\u00fe`,
      `${S}=""`, `${S}_state_${fill(16, 'a')}=x; ${S}=garbage`]) {
      const agent = new Agent();
      const res = await agent.nav(small.h.url + ENV, { headers: { Cookie: cookie } }).catch((e) => ({ status: 0, text: e.message, headers: {} }));
      if (!(isLoginRedirect(res, idp) || res.status === 400)) problems.push(`${cookie.slice(0, 60)}…: ${res.status} ${res.headers?.location || ''}`);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  }));

  it('the login callback with 60 foreign state cookies and garbage copies of its own still completes', withLogs(sources, async () => {
    const agent = new Agent();
    const start = await startLogin(agent, small.h, idp, `${ENV}?many=1`);
    const callbackUrl = await signInAtIdp(agent, start.authorizeUrl);
    const own = agent.stateCookies()[0];
    const junk = Array.from({ length: 60 }, (_, i) => `${S}_state_${String(i).padStart(16, 'x')}=${rnd43()}`).join('; ');
    const res = await agent.nav(callbackUrl, { headers: { Cookie: `${junk}; ${own.name}=${own.value}` } });
    assert.equal(res.status, 302, `callback: ${res.status} ${res.text.slice(0, 300)}`);
    // and a replay with garbage instead of the right value never succeeds
    const again = await startLogin(new Agent(), small.h, idp, `${ENV}?many=2`);
    const cb2 = await signInAtIdp(new Agent(), again.authorizeUrl);
    const name = `${S}_state_${again.state.slice(0, 16)}`;
    const bad = await new Agent().nav(cb2, { headers: { Cookie: `${name}=${rnd43()}; ${name}=; ${name}` } });
    assert.equal(bad.status, 400, `forged state cookie: ${bad.status}`);
    assert.ok(!bad.setCookies.some((c) => c.startsWith(`${S}=`) && !c.startsWith(`${S}=;`)), 'no session cookie was set');
  }));

  it('no httpd child crashed', () => {
    assertNoCrash(small.h);
    assertNoCrash(big.h);
  });
});
