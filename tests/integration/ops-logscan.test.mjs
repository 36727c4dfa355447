// Operability: the error_log never contains a token, an authorization code, a client secret or a
// session/state cookie value — under LogLevel auth_cognito:debug and core:trace1, after a workload that
// goes through every path that handles them: logins (public and confidential client), callbacks refused
// in many ways (tampered ID/access tokens, replayed, forged and foreign callbacks, Cognito failures, a
// wrong client secret), Bearer tokens good and bad, refreshes with 3-second tokens (ok, failed, refused),
// the info endpoint with CognitoPassTokens on, bogus cookies, logouts with revocation.
//
// The needles: every token in the emulator's /_test/issued (and each of its segments of ≥ 20 chars),
// every token this test sent as Bearer, every authorization code seen in a callback URL (the emulator does
// not record codes, so they are taken from the Location headers during the flows) and every code this
// test made up, both client secrets, and every session/state cookie value received in Set-Cookie or
// made up and sent. The access log is Apache's own (it holds the callback query string) and not scanned.
//
// With COGNITO_LOG_SCAN_DIR set, every *error_log* file under that directory (e.g. the rig's temp dirs
// of a whole run kept with KEEP_HTTPD_DIRS=1 and TMPDIR=<dir>) is also scanned, for these needles and for
// generic credential patterns (JWTs, code=…, session cookies, the emulator's client secret).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { alterPayload, alterSignature, b64uJson, decode } from './lib/jwt.mjs';
import {
  Agent, NAV_HEADERS, XHR_HEADERS, idpLogSource, login, loginBody, loginFiles, parseSetCookie, send, signInAtIdp,
  sleep, startLogin,
} from './lib/login.mjs';
import {
  describeHits, errorLogFiles, findNeedles, findPatterns, GENERIC_SECRET_PATTERNS, tokenNeedles,
} from './lib/ops.mjs';

const CLIENT_SECRET = 's3cr3t-value-for-tests';
const WRONG_SECRET = 'wr0ng-s3cret-for-the-log-scan-0123456789';
const SHORT_SECONDS = 3; // access/ID token lifetime of the refreshing clients

// /protected: public client (testclient1), tokens passed, info endpoint
// /conf:      confidential client (secretclient, secret from a file), 3 s tokens → refresh with the secret
// /wrong:     confidential client with a wrong secret → client_refused
// /short:     public client otherclient, 3 s tokens → refresh ok / failed / refused
// /api:       Bearer only
function body(idp) {
  return loginBody({
    idp,
    // big headers reach the module (token_too_large is its own refusal, not core's 400)
    prefix: 'LogLevel info auth_cognito:debug core:trace1\nLimitRequestFieldSize 65536',
    locationExtra: `    CognitoPassTokens on
    CognitoInfoPath /protected/me`,
    suffix: `
<Location /conf>
    AuthType Cognito
    AuthName "conf"
    CognitoClientID secretclient
    CognitoClientSecret file:@DIR@/secret/client-secret
    CognitoRedirectURI /conf/callback
    CognitoLogoutPath /conf/logout
    CognitoCookieName conf_session
    CognitoPassTokens on
    Require valid-user
</Location>
ScriptAlias /conf/cgi-bin/ "@DIR@/cgi-bin/"
<Location /wrong>
    AuthType Cognito
    AuthName "wrong"
    CognitoClientID secretclient
    CognitoClientSecret ${WRONG_SECRET}
    CognitoRedirectURI /wrong/callback
    CognitoCookieName wrong_session
    Require valid-user
</Location>
<Location /short>
    AuthType Cognito
    AuthName "short"
    CognitoClientID otherclient
    CognitoRedirectURI /short/callback
    CognitoLogoutPath /short/logout
    CognitoCookieName short_session
    Require valid-user
</Location>
ScriptAlias /short/cgi-bin/ "@DIR@/cgi-bin/"
<Location /api>
    AuthType Cognito
    AuthName "api"
    CognitoBearer only
    Require valid-user
</Location>
ScriptAlias /api/cgi-bin/ "@DIR@/cgi-bin/"
`,
  });
}

/** Everything secret this test saw, as needles for findNeedles(). */
class Needles {
  constructor() {
    this.list = [];
    this.codes = new Set();
    this.cookies = new Set();
    this.sentTokens = new Set();
  }

  add(what, needle) {
    if (needle) this.list.push({ what, needle: String(needle) });
  }

  token(what, token) {
    if (!token) return;
    this.sentTokens.add(token);
    this.list.push(...tokenNeedles(token, what));
  }

  code(what, code) {
    if (!code) return;
    this.codes.add(code);
    this.add(`authorization code (${what})`, code);
  }

  codeFrom(url, what) {
    for (const c of new URL(url).searchParams.getAll('code')) this.code(what, c);
  }

  cookie(name, value) {
    if (!value) return;
    this.cookies.add(`${name}=${value}`);
    this.add(`cookie value ${name}`, value);
    // state cookie "<created>.<sealed attempt>": the sealed part alone, too
    const dot = value.indexOf('.');
    if (dot > 0 && value.length - dot - 1 >= 16) this.add(`cookie value ${name} (random part)`, value.slice(dot + 1));
  }
}

/** login.mjs Agent that records every cookie value the httpd sets (session and state cookies). */
class RecordingAgent extends Agent {
  constructor(h, needles) {
    super();
    this.h = h;
    this.needles = needles;
  }

  async request(url, opts = {}) {
    const res = await super.request(url, opts);
    if (new URL(url).origin === new URL(this.h.url).origin) {
      for (const raw of res.setCookies) {
        const c = parseSetCookie(raw);
        if (/session/.test(c.name)) this.needles.cookie(c.name, c.value);
      }
    }
    return res;
  }
}

describe('no secret in the error_log', () => {
  let idp, h, stopped = false;
  const needles = new Needles();
  const reasonsSeen = new Set();
  const sources = () => [h, idp && idpLogSource(idp)].filter(Boolean);

  before(async () => {
    idp = await startIdp();
    for (const clientId of ['otherclient', 'secretclient']) {
      await idp.call('POST', '/_test/clients', { clientId, accessTokenSeconds: SHORT_SECONDS, idTokenSeconds: SHORT_SECONDS });
    }
    h = await startHttpd({
      body: body(idp),
      files: { ...loginFiles(), 'secret/client-secret': { content: `${CLIENT_SECRET}\n`, mode: 0o600 } },
    });
  });
  after(async () => {
    if (!stopped) await h?.stop();
    await idp?.close();
  });

  const url = (p) => h.url + p;
  const agent = () => new RecordingAgent(h, needles);

  /** A login that must succeed; records its code. → login() result */
  async function goodLogin(a, path, username) {
    const l = await login(a, h, idp, path, { username, cookieName: cookieNameFor(path) });
    needles.codeFrom(l.callbackUrl, `${username} at ${path}`);
    return l;
  }
  const cookieNameFor = (p) => (p.startsWith('/conf') ? 'conf_session' : p.startsWith('/short') ? 'short_session'
    : p.startsWith('/wrong') ? 'wrong_session' : 'cognito_session');

  /** Starts a login and signs in at the emulator; → { a, start, callbackUrl } (callback not yet sent). */
  async function pendingLogin(path = '/protected/page.html', username = 'alice') {
    const a = agent();
    const start = await startLogin(a, h, idp, path);
    const callbackUrl = await signInAtIdp(a, start.authorizeUrl, { username });
    needles.codeFrom(callbackUrl, `pending login at ${path}`);
    return { a, start, callbackUrl };
  }

  /** A callback that must be refused with `status`; the reason is expected in the log afterwards. */
  async function refusedCallback(what, { path, username, tamper, fail, mutate, via, status, reason }) {
    const p = await pendingLogin(path, username);
    if (tamper) await idp.call('POST', '/_test/tamper', { grant: 'authorization_code', times: 1, ...tamper });
    if (fail) await idp.fail({ endpoint: 'token', times: 1, ...fail });
    let cb = p.callbackUrl;
    if (mutate) {
      cb = mutate(cb, p);
      needles.codeFrom(cb, `made-up callback (${what})`);
    }
    const res = await (via || p.a).nav(cb);
    assert.equal(res.status, status, `${what}: callback answered ${res.status}: ${res.text.slice(0, 200)}`);
    reasonsSeen.add([reason].flat().join('|'));
    return p;
  }

  async function bearer(what, token, status) {
    needles.token(`Bearer token sent (${what})`, token);
    const res = await send(url('/api/cgi-bin/env.cgi'), { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, status, `Bearer ${what}: ${res.status}`);
    return res;
  }

  it('a representative workload leaves no token, code, secret or cookie value in the error_log', withLogs(sources, async () => {
    // ------------------------------------------------------------------ successful logins
    const alice = agent();
    await goodLogin(alice, '/protected/cgi-bin/env.cgi', 'alice');
    const env = await alice.xhr(url('/protected/cgi-bin/env.cgi'));
    assert.equal(env.status, 200);
    assert.ok(env.json.COGNITO_ACCESS_TOKEN, 'CognitoPassTokens on passes the access token');
    const me = await alice.xhr(url('/protected/me'));
    assert.equal(me.status, 200);
    assert.ok(me.json.access_token, 'the info endpoint shows the tokens');
    const dave = agent(); // 100 groups, 20 long attributes: big tokens
    await goodLogin(dave, '/protected/page.html', 'dave');
    assert.equal((await dave.nav(url('/protected/page.html'))).status, 200);

    // confidential client (secret from file:) and the short-lived public client, for the refreshes below
    const t0 = Date.now();
    const conf = agent();
    await goodLogin(conf, '/conf/cgi-bin/env.cgi', 'bob');
    const shortOk = agent();
    await goodLogin(shortOk, '/short/cgi-bin/env.cgi', 'zoë');
    const shortFail = agent();
    await goodLogin(shortFail, '/short/cgi-bin/env.cgi', 'alice');
    const shortRefused = agent();
    await goodLogin(shortRefused, '/short/cgi-bin/env.cgi', 'carol');

    // ------------------------------------------------------------------ refused callbacks
    await refusedCallback('ID token with a random signature', {
      tamper: { idToken: { sign: 'garbage-signature' } }, status: 401, reason: 'token_signature_invalid' });
    await refusedCallback('ID token for another audience (validly signed)', {
      tamper: { idToken: { claims: { aud: 'otherclient' } } }, status: 401, reason: 'token_audience_mismatch' });
    await refusedCallback('ID token with another nonce', {
      tamper: { idToken: { claims: { nonce: 'not-the-nonce-of-this-login' } } }, status: 401, reason: 'token_nonce_mismatch' });
    await refusedCallback('ID token with alg none', {
      tamper: { idToken: { sign: 'none' } }, status: 401, reason: ['token_alg_unsupported', 'token_malformed'] });
    await refusedCallback('expired ID token', {
      tamper: { idToken: { claims: { exp: Math.floor(Date.now() / 1000) - 3600 } } }, status: 401, reason: 'token_expired' });
    await refusedCallback('access token of another client', {
      tamper: { accessToken: { claims: { client_id: 'otherclient' } } }, status: 401, reason: 'token_client_mismatch' });
    await refusedCallback('ID token signed by the weak key', {
      tamper: { idToken: { sign: 'weak' } }, status: 401, reason: 'token_kid_unknown' });
    await refusedCallback('token endpoint 500', { fail: { mode: 'status', status: 500 }, status: 502, reason: 'http_status' });
    await refusedCallback('token endpoint garbage', { fail: { mode: 'garbage' }, status: 502, reason: 'token_response_invalid' });
    // every time until cleared: libcurl resends once when a kept-alive connection turns out to be dead
    await refusedCallback('token endpoint drops the connection', { fail: { mode: 'drop', times: 1000 }, status: 502, reason: 'http_failed' });
    await idp.fail({ endpoint: 'token', mode: 'off' });
    await refusedCallback('made-up code', {
      mutate: (cb) => { const u = new URL(cb); u.searchParams.set('code', crypto.randomUUID()); return u.href; },
      status: 400, reason: 'grant_refused' });
    await refusedCallback('two code parameters', {
      mutate: (cb) => `${cb}&code=${crypto.randomUUID()}`, status: 400, reason: 'callback_bad_request' });
    await refusedCallback('callback in another browser', { via: agent(), status: 400, reason: 'state_browser_mismatch' });
    // the state's first 16 characters name the state cookie: keep them so the cookie is found (and does
    // not open for the altered state)
    await refusedCallback('state altered', {
      mutate: (cb) => { const u = new URL(cb); const st = u.searchParams.get('state'); u.searchParams.set('state', st.slice(0, 16) + 'A'.repeat(27)); return u.href; },
      status: 400, reason: 'state_unknown' });
    await refusedCallback('wrong client secret', { path: '/wrong/page.html', status: 500, reason: 'client_refused' });
    // replay: the same callback twice (the code was used, the state spent), with the state cookie put back
    {
      const p = await pendingLogin('/protected/page.html', 'bob');
      const stateSet = p.start.res.setCookies.map(parseSetCookie).find((c) => c.name.startsWith('cognito_session_state_'));
      assert.equal((await p.a.nav(p.callbackUrl)).status, 302);
      const again = await p.a.nav(p.callbackUrl, { headers: { Cookie: `${stateSet.name}=${stateSet.value}` } });
      assert.equal(again.status, 400, 'replayed callback');
      reasonsSeen.add('state_replayed');
    }
    // Cognito reports an error; a POSTed callback; no state
    {
      const p = await pendingLogin('/protected/page.html', 'alice');
      const u = new URL(p.callbackUrl);
      const res = await p.a.nav(`${u.origin}${u.pathname}?error=access_denied&error_description=denied&state=${u.searchParams.get('state')}`);
      assert.equal(res.status, 403);
      reasonsSeen.add('idp_error');
      const post = await p.a.request(p.callbackUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'x=1' });
      assert.equal(post.status, 405);
      reasonsSeen.add('callback_method');
      const noState = await p.a.nav(`${u.origin}${u.pathname}?code=${u.searchParams.get('code')}`);
      assert.equal(noState.status, 400);
      reasonsSeen.add('state_missing');
    }

    // ------------------------------------------------------------------ Bearer tokens
    const access = (o = {}) => idp.mint({ username: 'alice', ...o }).then((m) => m.token);
    const good = await access();
    await bearer('valid', good, 200);
    await bearer('valid, again (verification cache)', good, 200);
    await bearer('expired', await access({ expiresIn: -3600 }), 401);
    await bearer('altered signature', alterSignature(await access()), 401);
    await bearer('altered payload', alterPayload(await access(), (p) => ({ ...p, username: 'root' })), 401);
    await bearer('ID token', (await idp.mint({ tokenUse: 'id', username: 'alice' })).token, 401);
    await bearer('another client', await access({ clientId: 'otherclient' }), 401);
    await bearer('alg none', await access({ sign: 'none' }), 401);
    await bearer('HS256 with the public key', await access({ sign: 'hs256-with-public-key' }), 401);
    await bearer('random signature', await access({ sign: 'unsigned-garbage' }), 401);
    await bearer('weak key', await access({ sign: 'weak' }), 401);
    await bearer('unknown kid', await access({ header: { kid: 'bm8tc3VjaC1rZXktaWQtaW4tdGhlLXNldA==' } }), 401);
    await bearer('no exp', await access({ claims: { exp: null } }), 401);
    await bearer('exp as a string', await access({ claims: { exp: String(Math.floor(Date.now() / 1000) + 600) } }), 401);
    await bearer('another issuer', await access({ claims: { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' } }), 401);
    await bearer('not a JWT', 'this-is-not-a-jwt-but-a-long-opaque-bearer-value-0123456789', 401);
    await bearer('two segments', `${b64uJson({ alg: 'RS256', kid: 'x' })}.${decode(good).segments[1]}`, 401);
    await bearer('too large', alterPayload(good, (p) => ({ ...p, pad: 'x'.repeat(20000) })), 401);
    const machine = (await idp.mint({ username: null, scope: 'orders/read' })).token;
    await bearer('machine token', machine, 200);
    // lower-case scheme, and the token in a session-less XHR to the login location
    needles.token('Bearer token sent (protected location)', good);
    assert.equal((await send(url('/protected/me'), { headers: { ...XHR_HEADERS, Authorization: `bearer ${good}` } })).status, 200);

    // ------------------------------------------------------------------ bogus and tampered cookies
    const bogus = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZn';
    needles.cookie('cognito_session (made up)', bogus);
    for (const headers of [NAV_HEADERS, XHR_HEADERS]) {
      await send(url('/protected/page.html'), { headers: { ...headers, Cookie: `cognito_session=${bogus}` } });
    }
    const real = alice.jar.get('cognito_session');
    const flipped = real.slice(0, 10) + (real[10] === 'A' ? 'B' : 'A') + real.slice(11);
    needles.cookie('cognito_session (altered)', flipped);
    assert.equal((await send(url('/protected/me'), { headers: { ...XHR_HEADERS, Cookie: `cognito_session=${flipped}` } })).status, 401);
    const stateBogus = `${Math.floor(Date.now() / 1000)}.c3RhdGUtY29va2llLXZhbHVlLW1hZGUtdXAtMDEyMzQ1`;
    needles.cookie('state cookie (made up)', stateBogus);
    await send(url('/protected/page.html'), { headers: { ...NAV_HEADERS, Cookie: `cognito_session_state_AAAAAAAAAAAAAAAA=${stateBogus}` } });

    // ------------------------------------------------------------------ refreshes (3 s tokens)
    await sleep(Math.max(0, t0 + (SHORT_SECONDS - 1) * 1000 + 300 - Date.now())); // due 1 s before expiry
    const refreshesBefore = (await idp.counters())['token:refresh_token'];
    // ok: public client, and the confidential one (client secret in the Basic header)
    assert.equal((await shortOk.xhr(url('/short/cgi-bin/env.cgi'))).status, 200, 'refreshed (public client)');
    assert.equal((await conf.xhr(url('/conf/cgi-bin/env.cgi'))).status, 200, 'refreshed (confidential client)');
    // failed: the token endpoint answers 500 once (the session keeps its still-valid token, or 503 after expiry)
    await idp.fail({ endpoint: 'token', mode: 'status', status: 500, times: 1 });
    const rf = await shortFail.xhr(url('/short/cgi-bin/env.cgi'));
    assert.ok([200, 503].includes(rf.status), `refresh failed: ${rf.status}`);
    // refused: the user signed out globally
    await idp.call('POST', '/_test/global-signout', { username: 'carol' });
    const rr = await shortRefused.xhr(url('/short/cgi-bin/env.cgi'));
    assert.equal(rr.status, 401, `refresh refused: ${rr.status}`);
    assert.ok((await idp.counters())['token:refresh_token'] - refreshesBefore >= 4, 'the refreshes reached the emulator');
    // the refreshed sessions go on (one more refresh after the next expiry for the confidential client)
    await sleep(SHORT_SECONDS * 1000);
    assert.equal((await conf.xhr(url('/conf/cgi-bin/env.cgi'))).status, 200);
    assert.equal((await shortOk.nav(url('/short/cgi-bin/env.cgi'))).status, 200);

    // ------------------------------------------------------------------ logouts (revocation; confidential with the secret)
    assert.equal((await alice.nav(url('/protected/logout'))).status, 302);
    assert.equal((await conf.nav(url('/conf/logout'))).status, 302);
    assert.equal((await shortOk.nav(url('/short/logout'))).status, 302);
    const revokes = await idp.call('GET', '/_test/events?type=revoke');
    assert.ok(revokes.filter((e) => e.outcome === 'ok').length >= 3, `revocations: ${JSON.stringify(revokes.map((e) => e.outcome))}`);

    // ------------------------------------------------------------------ collect and scan
    const issued = await idp.call('GET', '/_test/issued');
    assert.ok(issued.length >= 8, `the emulator issued tokens (${issued.length} responses)`);
    for (const [i, r] of issued.entries()) {
      const tag = `#${i} ${r.grant} ${r.clientId} ${r.username}${r.tampered ? ' (tampered)' : ''}`;
      needles.list.push(...tokenNeedles(r.access_token, `access token ${tag}`));
      needles.list.push(...tokenNeedles(r.id_token, `ID token ${tag}`));
      needles.list.push(...tokenNeedles(r.refresh_token, `refresh token ${tag}`));
    }
    needles.add('client secret', CLIENT_SECRET);
    needles.add('client secret (wrong one configured)', WRONG_SECRET);
    assert.ok(needles.codes.size >= 20, `codes collected: ${needles.codes.size}`);
    assert.ok([...needles.cookies].filter((c) => c.includes('_state_')).length >= 20, 'state cookie values collected');
    assert.ok([...needles.cookies].some((c) => c.startsWith('conf_session=')), 'confidential-client session cookie collected');

    await h.stop();
    stopped = true;
    const log = h.errorLog();

    // the log is the strict one we asked for, and the workload went where it should
    assert.match(log, /\[auth_cognito:debug\]/, 'auth_cognito debug lines are there');
    assert.match(log, /\[core:(?:debug|trace\d)\]/, 'core logs below info (LogLevel core:trace1)');
    for (const reason of [...reasonsSeen, 'token_expired', 'token_signature_invalid', 'token_use_mismatch', 'token_kid_unknown',
      'token_alg_unsupported', 'token_malformed', 'token_too_large', 'token_claim_missing', 'token_issuer_mismatch',
      'refresh_refused']) {
      assert.ok(reason.split('|').some((r) => log.includes(`: ${r}: `)), `the workload produced a ${reason} log line`);
    }

    // positive control: the same needles are found in Apache's access log (callback query strings hold the codes)
    const accessHits = findNeedles(h.accessLog(), needles.list).filter((x) => x.what.startsWith('authorization code'));
    assert.ok(accessHits.length >= 10, `the scanner finds the codes in the access log (${accessHits.length})`);
    assert.ok(findPatterns(h.accessLog()).some((x) => x.what === 'an authorization code parameter'),
      'the generic code=… pattern matches the access log');

    const hits = [...findNeedles(log, needles.list), ...findPatterns(log, GENERIC_SECRET_PATTERNS_ALL)];
    assert.equal(hits.length, 0, `secrets in the error_log (${h.dir}/logs/error_log):\n${describeHits(hits, 'error_log')}`);

    // keep the needles for the optional directory scan below
    scanState.needles = needles.list;
  }));

  it('every *error_log* under COGNITO_LOG_SCAN_DIR is clean too', { skip: !process.env.COGNITO_LOG_SCAN_DIR && 'COGNITO_LOG_SCAN_DIR is not set' }, () => {
    const dir = process.env.COGNITO_LOG_SCAN_DIR;
    assert.ok(fs.existsSync(dir), `COGNITO_LOG_SCAN_DIR ${dir} does not exist`);
    const files = errorLogFiles(dir);
    assert.ok(files.length > 0, `no *error_log* file under ${dir}`);
    const report = [];
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      const hits = [...findNeedles(text, scanState.needles || []), ...findPatterns(text, GENERIC_SECRET_PATTERNS_ALL)];
      if (hits.length) report.push(describeHits(hits, f));
    }
    assert.equal(report.length, 0, `secrets in ${report.length} of ${files.length} error_log files:\n${report.join('\n')}`);
  });
});

const scanState = {};
// the generic patterns, widened to this test's cookie names
const GENERIC_SECRET_PATTERNS_ALL = [
  ...GENERIC_SECRET_PATTERNS,
  { what: 'a session or state cookie (any name)', re: /\b(?:conf|short|wrong)_session(?:_state_[A-Za-z0-9_-]+)?=[A-Za-z0-9._-]{16,}/ },
  { what: 'the wrong client secret', re: new RegExp(WRONG_SECRET) },
];
