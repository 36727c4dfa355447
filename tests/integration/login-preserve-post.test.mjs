// CognitoPreservePost (issue 18): a form post that meets an expired session survives the login — kept in the
// browser (sessionStorage), never on the server — with raw requests, no browser (tests/browser/preserve-post.test.mjs
// drives the same pages in Chromium).
//
// Threats and behaviour guarded:
//   - lost work: a same-origin, urlencoded, top-level form POST without a session gets the 200 "keep" page (its
//     JSON block holds the decoded fields, the path+query and the authorize URL) instead of a 302 that drops the
//     body; after the sign-in the callback answers the 200 "re-submit" page naming the same path;
//   - double submission: the callback URL used again never gives a re-submit page (state spent / replayed);
//   - leaks: the body (a marker value) appears in no error_log line (auth_cognito at debug), no access_log line
//     and no Location header; both pages are no-store, no-referrer, CSP default-src 'none' with the inline
//     script allowed by its exact sha256 only;
//   - cross-site request forgery after the victim signs in: a cross-site / same-site post, or one whose Origin
//     is another site, is NOT kept (ordinary 302 login redirect, info log line naming why);
//   - resource abuse: bodies over CognitoPreservePostMax (declared or chunked), multipart, text/plain, malformed
//     %-escapes or UTF-8 are not kept (302 + log line); anonymous posts write nothing to a shared store (Redis);
//   - API callers: an XHR/fetch POST without a session stays a 401 with no form-post log line;
//   - CognitoPreservePost off: 302 + log line.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import {
  Agent, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, cookiesNamed, isExpiring, isLoginRedirect, logSlice, login,
  signInAtIdp, startLoginRig,
} from './lib/login.mjs';
import { recordFiles, records as readRecords } from './lib/record-app.mjs';
import { secretLine, startRedis, storeModules } from './lib/stores.mjs';

const MARKER = `PPMARK-${crypto.randomBytes(6).toString('hex')}`;
const FIELDS = [['who', 'Jürgen Ünïcødé ✓'], ['expr', '&=%+'], ['marker', MARKER]];
const BODY = new URLSearchParams(FIELDS).toString(); // who=J%C3%BCrgen+…&expr=%26%3D%25%2B&marker=…
const TARGET = '/protected/cgi-bin/record.cgi?a=1&b=%C3%BC';
const OFF_TARGET = '/protected/nopost/cgi-bin/record.cgi';
const URLENCODED = 'application/x-www-form-urlencoded';
const CSP_RE = /^default-src 'none'; script-src 'sha256-([A-Za-z0-9+/]{43}=)'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'$/;
const NOT_KEPT = 'form post not kept across the login';

let rig;
const sources = () => rig?.sources() ?? [];

before(async () => {
  rig = await startLoginRig({
    directives: 'LogLevel info auth_cognito:debug',
    suffix: `
<Location /protected/nopost/>
    CognitoPreservePost Off
</Location>
ScriptAlias /protected/nopost/cgi-bin/ "@DIR@/cgi-bin/"`,
    files: recordFiles(),
  });
});
after(async () => {
  await rig?.stop();
});

/** What the PHP page received so far. */
const records = (h = rig.h) => readRecords(h);

/**
 * A browser form submission (top-level navigation POST). headers override the defaults; a header set to
 * undefined is left out (type: null = no Content-Type). chunked: no Content-Length (node sends Transfer-Encoding: chunked).
 */
function formPost(agent, url, { body = BODY, type = URLENCODED, headers = {}, chunked = false, h = rig.h } = {}) {
  const all = { ...NAV_HEADERS, 'Sec-Fetch-Site': 'same-origin', Origin: h.url, Referer: `${h.url}/form.html`, 'Content-Type': type ?? undefined, ...headers };
  if (!chunked) all['Content-Length'] = String(Buffer.byteLength(body));
  for (const k of Object.keys(all)) if (all[k] === undefined) delete all[k];
  return agent.request(h.url + url, { method: 'POST', headers: all, body });
}

/** The JSON block and the inline script of a keep / re-submit page. */
function parsePage(res) {
  const json = /<script type="application\/json" id="cognito-post">([\s\S]*?)<\/script>/.exec(res.text);
  assert.ok(json, `no cognito-post JSON block in:\n${res.text.slice(0, 600)}`);
  const scripts = [...res.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1, 'exactly one executable inline script');
  return { data: JSON.parse(json[1]), script: scripts[0] };
}

/** The headers both pages carry; returns the CSP script hash (checked against the inline script). */
function assertPageHeaders(res, what) {
  assert.equal(res.status, 200, `${what}: status ${res.status}: ${res.text.slice(0, 300)}`);
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8$/i, `${what}: Content-Type`);
  assert.match(String(res.headers['cache-control']), /no-store/, `${what}: Cache-Control ${res.headers['cache-control']}`);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`);
  assert.equal(res.headers.location, undefined, `${what}: no Location`);
  const csp = String(res.headers['content-security-policy'] || '');
  const m = CSP_RE.exec(csp);
  assert.ok(m, `${what}: Content-Security-Policy ${JSON.stringify(csp)}`);
  const { script } = parsePage(res);
  const hash = crypto.createHash('sha256').update(script, 'utf8').digest('base64');
  assert.equal(m[1], hash, `${what}: the CSP hash is the sha256 of the page's one inline script`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, `${what}: nothing loose in the CSP`);
  return hash;
}

/** The marker (the body) is nowhere it must not be. */
function assertNoBodyLeak(h, resList = []) {
  assert.ok(!h.errorLog().includes(MARKER), 'the post body (marker) never appears in the error_log');
  assert.ok(!h.accessLog().includes(MARKER), 'the post body (marker) never appears in the access_log (URLs)');
  for (const r of resList) {
    assert.ok(!String(r.headers.location || '').includes(MARKER), `no Location carries the body: ${r.headers.location}`);
    assert.ok(!decodeURIComponent(String(r.headers.location || '')).includes('Jürgen'), 'no Location carries the fields');
    assert.ok(!r.setCookies.some((c) => c.includes(MARKER)), 'no cookie carries the body');
  }
}

describe('CognitoPreservePost: a same-origin form post without a session is kept in the browser', () => {
  let kept; // { agent, res, data, hash }

  it('→ 200 keep page: fields decoded, path+query, authorize URL, state cookie, CSP/no-store/no-referrer; body in no log or URL', withLogs(sources, async () => {
    const agent = new Agent();
    const [res, slice] = await logSlice(rig.h, () => formPost(agent, TARGET));
    const hash = assertPageHeaders(res, 'keep page');
    const { data } = parsePage(res);
    assert.deepEqual(data.fields, FIELDS, 'the JSON block holds the decoded fields, in order');
    assert.equal(data.path, TARGET, 'the JSON block names the path and query posted to');
    assert.ok(String(data.login).startsWith(`${rig.idp.url}/oauth2/authorize?`), `login: ${data.login}`);
    const auth = new URL(data.login);
    assert.equal(auth.searchParams.get('response_type'), 'code');
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    const state = auth.searchParams.get('state');
    assert.match(state, /^[A-Za-z0-9_-]{43}$/);
    const sc = cookiesNamed(res, `${SESSION_COOKIE}_state_${state.slice(0, 16)}`).filter((c) => !isExpiring(c));
    assert.equal(sc.length, 1, `one state cookie for that state: ${JSON.stringify(res.setCookies)}`);
    assert.equal(sc[0].attrs.httponly, true);
    assert.ok(!data.login.includes(MARKER), 'the authorize URL does not carry the body');
    assert.ok(!slice.includes(NOT_KEPT), `no "not kept" line for a keepable post:\n${slice}`);
    assert.equal(records().length, 0, 'the application got nothing yet');
    assertNoBodyLeak(rig.h, [res]);
    kept = { agent, res, data, hash };
  }));

  it('sign-in → callback answers 200 with the re-submit page for the same path; the callback again → no re-submit page', withLogs(sources, async () => {
    assert.ok(kept, 'needs the previous test');
    const { agent, data } = kept;
    const callbackUrl = await signInAtIdp(agent, data.login, { username: 'alice' });
    assert.ok(callbackUrl.startsWith(`${rig.h.url}/protected/callback?`), callbackUrl);
    const [cb, slice] = await logSlice(rig.h, () => agent.nav(callbackUrl, { headers: { 'Sec-Fetch-Site': 'cross-site' } }));
    const hash = assertPageHeaders(cb, 're-submit page');
    assert.notEqual(hash, kept.hash, 'the re-submit page has its own script (another hash)');
    const page = parsePage(cb);
    assert.deepEqual(page.data, { path: TARGET }, 'the re-submit page names only the path (the fields stay in the browser)');
    assert.ok(!cb.text.includes(MARKER) && !cb.text.includes('Jürgen'), 'the re-submit page carries none of the fields');
    const session = cookiesNamed(cb, SESSION_COOKIE).filter((c) => !isExpiring(c));
    assert.equal(session.length, 1, `the callback set the session cookie: ${JSON.stringify(cb.setCookies)}`);
    assert.equal(agent.stateCookies().length, 0, 'state cookie spent');
    assert.doesNotMatch(slice, /\[auth_cognito:(error|warn)\]/, 'the callback logged no error');

    // what the page's script then sends: the fields, urlencoded, to the path — with the new session
    const post = await formPost(agent, page.data.path);
    assert.equal(post.status, 200, `POST with the session: ${post.status} ${post.text.slice(0, 300)}`);
    const recs = records();
    assert.equal(recs.length, 1);
    assert.equal(recs[0].method, 'POST');
    assert.equal(recs[0].uri, TARGET);
    assert.equal(recs[0].user, 'alice');
    assert.deepEqual(Object.entries(recs[0].post), FIELDS, 'the application got exactly the fields');

    // the same callback URL again (reload / history): never another re-submit page
    const [again, slice2] = await logSlice(rig.h, () => agent.nav(callbackUrl));
    assert.notEqual(again.status, 200, `callback again: ${again.status}`);
    assert.ok(!again.text.includes('cognito-post'), 'no re-submit page on the second visit');
    assert.match(slice2, /state_browser_mismatch|state_replayed/, slice2);
    // the same with the state cookie put back (a copy of the browser's cookies): state_replayed
    const stateName = `${SESSION_COOKIE}_state_${new URL(data.login).searchParams.get('state').slice(0, 16)}`;
    const stateValue = cookiesNamed(kept.res, stateName)[0].value;
    const [replay, slice3] = await logSlice(rig.h, () => new Agent().nav(callbackUrl, { headers: { Cookie: `${stateName}=${stateValue}` } }));
    assert.equal(replay.status, 400, `replay with the state cookie: ${replay.status}`);
    assert.ok(!replay.text.includes('cognito-post'), 'no re-submit page on a replay');
    assert.match(slice3, /state_replayed/, slice3);
    assert.equal(records().length, 1, 'nothing more reached the application');
    assertNoBodyLeak(rig.h, [cb, again, replay]);
  }));

  it('without Sec-Fetch-Site, Origin = this server → kept; chunked small body → kept', withLogs(sources, async () => {
    const a = await formPost(new Agent(), TARGET, { headers: { 'Sec-Fetch-Site': undefined } });
    assertPageHeaders(a, 'Origin-only keep page');
    assert.deepEqual(parsePage(a).data.fields, FIELDS);
    const b = await formPost(new Agent(), TARGET, { chunked: true });
    assertPageHeaders(b, 'chunked keep page');
    assert.deepEqual(parsePage(b).data.fields, FIELDS);
    assertNoBodyLeak(rig.h, [a, b]);
  }));
});

describe('CognitoPreservePost: posts that are not kept get the ordinary 302 login redirect and a log line', () => {
  const big = `big=${'x'.repeat(200 * 1024)}&marker=${MARKER}`;
  const cases = [
    { name: '200 KB body (Content-Length) over the 64 KB default', opts: { body: big }, why: /larger than CognitoPreservePostMax/ },
    { name: '200 KB body, chunked', opts: { body: big, chunked: true }, why: /larger than CognitoPreservePostMax/ },
    { name: 'multipart/form-data', opts: { type: 'multipart/form-data; boundary=XyZ', body: `--XyZ\r\nContent-Disposition: form-data; name="marker"\r\n\r\n${MARKER}\r\n--XyZ--\r\n` }, why: /multipart\/form-data/ },
    { name: 'text/plain', opts: { type: 'text/plain', body: `marker=${MARKER}` }, why: /text\/plain/ },
    { name: 'no Content-Type', opts: { type: null }, why: /without type/ },
    { name: 'Sec-Fetch-Site cross-site', opts: { headers: { 'Sec-Fetch-Site': 'cross-site', Origin: 'http://evil.example' } }, why: /another site/ },
    { name: 'Sec-Fetch-Site same-site', opts: { headers: { 'Sec-Fetch-Site': 'same-site', Origin: 'http://127.0.0.1:1' } }, why: /another site/ },
    { name: 'Sec-Fetch-Site none (typed / bookmarked)', opts: { headers: { 'Sec-Fetch-Site': 'none', Origin: undefined } }, why: /another site/ },
    { name: 'no Sec-Fetch-Site, Origin of another site', opts: { headers: { 'Sec-Fetch-Site': undefined, Origin: 'http://evil.example' } }, why: /another site/ },
    { name: 'no Sec-Fetch-Site, Origin of another port', opts: { headers: { 'Sec-Fetch-Site': undefined, Origin: 'http://127.0.0.1:1' } }, why: /another site/ },
    { name: 'no Sec-Fetch-Site, no Origin', opts: { headers: { 'Sec-Fetch-Site': undefined, Origin: undefined } }, why: /another site|origin is unknown/ },
    { name: 'malformed %-escape', opts: { body: `a=%zz&marker=${MARKER}` }, why: /the body has/ },
    { name: 'truncated %-escape', opts: { body: `marker=${MARKER}&a=%4` }, why: /the body has/ },
    { name: 'invalid UTF-8 (%C3%28)', opts: { body: `a=%C3%28&marker=${MARKER}` }, why: /the body has/ },
    { name: 'overlong UTF-8 (%C0%AF)', opts: { body: `a=%C0%AF&marker=${MARKER}` }, why: /the body has/ },
  ];
  for (const c of cases) {
    it(`${c.name} → 302 login redirect + "${NOT_KEPT}" line`, withLogs(sources, async () => {
      const agent = new Agent();
      const [res, slice] = await logSlice(rig.h, () => formPost(agent, TARGET, c.opts));
      assert.ok(isLoginRedirect(res, rig.idp), `expected the 302 login redirect, got ${res.status} ${res.headers.location || ''}: ${res.text.slice(0, 200)}`);
      assert.ok(!res.text.includes('cognito-post'), 'no keep page');
      assert.equal(agent.stateCookies().length, 1, 'an ordinary login: one state cookie');
      const line = slice.split('\n').find((l) => l.includes(NOT_KEPT));
      assert.ok(line, `expected a "${NOT_KEPT}" line; new log lines:\n${slice}`);
      assert.match(line, /\[auth_cognito:info\]/, line);
      assert.match(line, c.why, line);
      assert.ok(records().every((r) => r.user === 'alice'), 'no anonymous request reached the application');
      assertNoBodyLeak(rig.h, [res]);
    }));
  }

  it('CognitoPreservePost Off → 302 + log line', withLogs(sources, async () => {
    const agent = new Agent();
    const [res, slice] = await logSlice(rig.h, () => formPost(agent, OFF_TARGET));
    assert.ok(isLoginRedirect(res, rig.idp), `got ${res.status}: ${res.text.slice(0, 200)}`);
    assert.match(slice, /form post not kept across the login: CognitoPreservePost is off/, slice);
    assertNoBodyLeak(rig.h, [res]);
  }));

  it('the limit is CognitoPreservePostMax: 64 KB exactly is kept, 64 KB + 1 is not', withLogs(sources, async () => {
    const pad = (n) => { const head = `marker=${MARKER}&pad=`; return head + 'y'.repeat(n - head.length); };
    const ok = await formPost(new Agent(), TARGET, { body: pad(65536) });
    assertPageHeaders(ok, '65536-byte body');
    const [over, slice] = await logSlice(rig.h, () => formPost(new Agent(), TARGET, { body: pad(65537) }));
    assert.ok(isLoginRedirect(over, rig.idp), `65537 bytes: ${over.status}`);
    assert.match(slice, /larger than CognitoPreservePostMax \(65536 bytes\)/, slice);
    assertNoBodyLeak(rig.h, [ok, over]);
  }));

  it('XHR/fetch POST without a session → 401, no page, no form-post log line', withLogs(sources, async () => {
    const [res, slice] = await logSlice(rig.h, () => new Agent().xhr(rig.h.url + TARGET, {
      method: 'POST', body: BODY, headers: { 'Content-Type': URLENCODED, Origin: rig.h.url, 'Content-Length': String(Buffer.byteLength(BODY)) },
    }));
    assert.equal(res.status, 401, `XHR POST: ${res.status} ${res.headers.location || ''}`);
    assert.equal(res.headers.location, undefined);
    assert.ok(!res.text.includes('cognito-post'));
    assert.doesNotMatch(slice, /form post/, slice);
    // a fetch() without X-Requested-With (Sec-Fetch-Mode cors) is no navigation either
    const { 'X-Requested-With': _x, ...fetchHeaders } = XHR_HEADERS;
    const [res2, slice2] = await logSlice(rig.h, () => new Agent().request(rig.h.url + TARGET, {
      method: 'POST', body: BODY, headers: { ...fetchHeaders, 'Content-Type': URLENCODED, Origin: rig.h.url, 'Content-Length': String(Buffer.byteLength(BODY)) },
    }));
    assert.equal(res2.status, 401, `fetch POST: ${res2.status} ${res2.headers.location || ''}`);
    assert.doesNotMatch(slice2, /form post/, slice2);
    assertNoBodyLeak(rig.h, [res, res2]);
  }));

  it('after everything: the marker is in no log, and no anonymous post reached the application', withLogs(sources, async () => {
    assertNoBodyLeak(rig.h);
    assert.ok(records().every((r) => r.user === 'alice'), JSON.stringify(records()));
  }));
});

describe('CognitoPreservePost with a shared store (Redis): anonymous posts write nothing to it', () => {
  let redis;
  let srig;
  const ssources = () => [srig?.sources() ?? [], redis].flat().filter(Boolean);

  before(async () => {
    redis = await startRedis();
    srig = await startLoginRig({
      idp: rig.idp,
      directives: `CognitoSessionCache ${redis.spec}\n${secretLine()}`,
      extraModules: storeModules('redis'),
      files: recordFiles(),
    });
  });
  after(async () => {
    await srig?.stop();
    await redis?.close();
  });

  it('a sign-in writes the session to Redis; 50 anonymous form posts (kept and not kept) add no key', withLogs(ssources, async () => {
    await login(new Agent(), srig.h, srig.idp, '/protected/cgi-bin/env.cgi', { username: 'bob' });
    const before = await redis.keys();
    assert.ok(before.length > 0, 'the store is in use (the session is in Redis)');
    for (let i = 0; i < 50; i++) {
      const headers = i % 5 === 4 ? { 'Sec-Fetch-Site': 'cross-site' } : {};
      const res = await formPost(new Agent(), TARGET, { h: srig.h, headers, body: `${BODY}&n=${i}` });
      if (i % 5 === 4) assert.ok(isLoginRedirect(res, srig.idp), `post ${i}: ${res.status}`);
      else assertPageHeaders(res, `post ${i}`);
    }
    assert.deepEqual(await redis.keys(), before, 'no key added or removed by anonymous posts');
    assert.equal(records(srig.h).length, 0);
    assert.ok(!srig.h.errorLog().includes(MARKER), 'no body in the error_log');
  }));
});
