// Authorization gate: an unauthenticated or unauthorised request never reaches the content handler — by
// any method, any path spelling, any broken credential or spoofed identity header.
//
// Guards findings (peer advisories): oauth2-proxy route-matching bypasses ("skip_auth" regexes, encoded
// paths, dot segments); auth modules that let OPTIONS/HEAD or odd methods through; spoofed identity headers
// honoured.
//
// Two content handlers record every run: a CGI (fixtures/record.cgi appends one line to a file) and
// a proxied backend (every request it receives). Both sit under AuthType Cognito + Require valid-user
// (/protected/…) and under Require cognito-group admin (/protected/admin/…). Every kind of request without
// a valid session or token, with a broken one, with spoofed identity headers, with every method, and through
// every path spelling that maps to the same handler, must leave both records untouched; the valid session
// (and a valid Bearer token) must reach them — and a signed-in user outside the group never reaches admin.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import { mods, rawHttp, startEchoBackend } from './lib/apps.mjs';
import { startIdp } from './lib/idp.mjs';
import { alterSignature } from './lib/jwt.mjs';
import {
  Agent, NAV_HEADERS, XHR_HEADERS, idpLogSource, login, rawRequest, startLogin, startLoginRig,
} from './lib/login.mjs';
import { RECORDER_ENV, assertNoCrash, hits, recorderFiles, resetHits } from './lib/hostile.mjs';

let idp;
let echo;
let rig;
const sess = {};
const tok = {};
const sources = () => [rig?.h, idp && idpLogSource(idp), echo].filter(Boolean);

const CGI = '/protected/cgi-bin/record.cgi';
const ADMIN_CGI = '/protected/admin/cgi-bin/record.cgi';
const BACKEND = '/protected/backend/x';
const ADMIN_BACKEND = '/protected/admin/backend/x';
const TARGETS = [CGI, ADMIN_CGI, BACKEND, ADMIN_BACKEND];

before(async () => {
  idp = await startIdp();
  echo = await startEchoBackend();
  rig = await startLoginRig({
    idp,
    extraModules: mods('proxy', 'proxy_http'),
    files: recorderFiles(),
    directives: RECORDER_ENV,
    suffix: `
<Location /protected/admin>
    Require cognito-group admin
    AuthzSendForbiddenOnFailure On
</Location>
ScriptAlias /protected/admin/cgi-bin/ "@DIR@/admin-cgi/"
<Directory "@DIR@/admin-cgi">
    Options +ExecCGI
    Require all granted
</Directory>
ProxyPass /protected/backend/ ${echo.url}/backend/
ProxyPass /protected/admin/backend/ ${echo.url}/admin/backend/
`,
  });
  resetHits(rig.h);
  for (const u of ['alice', 'carol']) sess[u] = (await login(new Agent(), rig.h, idp, '/protected/index.html', { username: u })).sessionCookie;
  tok.alice = (await idp.mint({ username: 'alice' })).token;
  tok.carol = (await idp.mint({ username: 'carol' })).token;
  tok.expired = (await idp.mint({ username: 'alice', expiresIn: -3600 })).token;
  tok.other = (await idp.mint({ username: 'alice', clientId: 'otherclient' })).token;
  tok.id = (await idp.mint({ username: 'alice', tokenUse: 'id', nonce: 'n' })).token;
  tok.none = (await idp.mint({ username: 'alice', sign: 'none' })).token;
  tok.hs = (await idp.mint({ username: 'alice', sign: 'hs256-with-public-key' })).token;
});
after(async () => {
  await rig?.stop();
  await echo?.close();
  await idp?.close();
});

/** What reached the handlers since `mark`. */
function reachedSince(mark) {
  return {
    cgi: hits(rig.h).slice(mark.cgi),
    backend: echo.requests.slice(mark.backend).map((r) => `${r.method} ${r.url}`),
  };
}
const markNow = () => ({ cgi: hits(rig.h).length, backend: echo.requests.length });

/** Every request kind without a valid identity, as rawHttp options (header lists). */
async function anonymousKinds() {
  const started = await startLogin(new Agent(), rig.h, idp, '/protected/index.html?state-only=1');
  const stateCookie = started.res.setCookies[0].split(';')[0];
  const loggedOut = new Agent();
  const lo = await login(loggedOut, rig.h, idp, '/protected/index.html');
  await loggedOut.nav(`${rig.h.url}/protected/logout`);
  const nav = Object.entries(NAV_HEADERS);
  const xhr = Object.entries(XHR_HEADERS);
  const bearer = (t) => [['Authorization', `Bearer ${t}`]];
  const spoof = [['X-Cognito-Sub', 'SPOOF'], ['X-Cognito-Username', 'alice'], ['X-Cognito-Groups', 'admin'], ['X_Cognito_Groups', 'admin'],
    ['Remote-User', 'alice'], ['Remote_User', 'alice'], ['X-Remote-User', 'alice'], ['X-Forwarded-User', 'alice'], ['Auth-Type', 'Cognito']];
  return [
    { label: 'no cookie, navigation', headers: nav },
    { label: 'no cookie, XHR', headers: xhr },
    { label: 'bogus session cookie, navigation', headers: [...nav, ['Cookie', `cognito_session=${crypto.randomBytes(32).toString('base64url')}`]] },
    { label: 'bogus session cookie, XHR', headers: [...xhr, ['Cookie', 'cognito_session=AAAA']] },
    { label: 'a logged-out session cookie', headers: [...xhr, ['Cookie', `cognito_session=${lo.sessionCookie}`]] },
    { label: 'the valid id under another cookie name', headers: [...xhr, ['Cookie', `cognito_session_state_0123456789abcdef=${sess.alice}; session=${sess.alice}`]] },
    { label: 'a state cookie only', headers: [...nav, ['Cookie', stateCookie]] },
    { label: 'expired Bearer', headers: [...xhr, ...bearer(tok.expired)] },
    { label: 'Bearer with an altered signature', headers: [...xhr, ...bearer(alterSignature(tok.alice))] },
    { label: "another client's Bearer", headers: [...xhr, ...bearer(tok.other)] },
    { label: 'an ID token as Bearer', headers: [...xhr, ...bearer(tok.id)] },
    { label: 'alg none Bearer', headers: [...xhr, ...bearer(tok.none)] },
    { label: 'HS256 (alg confusion) Bearer', headers: [...xhr, ...bearer(tok.hs)] },
    { label: 'Authorization: Basic', headers: [...xhr, ['Authorization', `Basic ${Buffer.from('alice:Alice-Passw0rd!').toString('base64')}`]] },
    { label: 'Authorization: Bearer (empty)', headers: [...xhr, ['Authorization', 'Bearer ']] },
    { label: 'spoofed identity headers, navigation', headers: [...nav, ...spoof] },
    { label: 'spoofed identity headers, XHR', headers: [...xhr, ...spoof] },
    { label: 'POST form', method: 'POST', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'a=1' },
    { label: 'POST without Content-Type', method: 'POST', body: 'a=1' },
    { label: 'POST, navigation headers', method: 'POST', headers: [...nav, ['Content-Type', 'application/x-www-form-urlencoded']], body: 'a=1' },
    { label: 'PUT', method: 'PUT', body: 'x' },
    { label: 'DELETE', method: 'DELETE' },
    { label: 'PATCH', method: 'PATCH', body: 'x' },
    { label: 'OPTIONS', method: 'OPTIONS' },
    { label: 'OPTIONS, CORS preflight', method: 'OPTIONS', headers: [['Origin', 'https://evil.example'], ['Access-Control-Request-Method', 'POST']] },
    { label: 'HEAD', method: 'HEAD', headers: nav },
    { label: 'TRACE', method: 'TRACE' },
    { label: 'PROPFIND', method: 'PROPFIND' },
    { label: 'an unknown method', method: 'FROB' },
  ];
}

/** Path spellings that map to the same handlers (route-matching bypass attempts). */
function spellings(target) {
  const [, first, rest] = /^\/([^/]+)\/(.*)$/.exec(target);
  const tail = rest.split('/');
  const last = tail.pop();
  return [
    target,
    `/${target}`,
    `/${first}//${rest}`,
    `/./${first}/${rest}`,
    `/x/../${first}/${rest}`,
    `/${first}/./${rest}`,
    `/%70${first.slice(1)}/${rest}`,
    `/${first}/${tail.join('/')}/%${last.charCodeAt(0).toString(16)}${last.slice(1)}`,
    `/${first}/callback/../${rest}`,
    `/${first}/logout/../${rest}`,
    `${target}?`,
    `${target}?cognito_session=${sess.alice}`,
    `${target}/extra/path/info`,
    `${target};jsessionid=1`,
    `http://127.0.0.1:${rig.h.port}${target}`,
    `/${first}/${rest.replaceAll('/', '//')}`,
  ];
}

describe('the content handler is never reached without a valid identity', () => {
  it('every unauthenticated request kind × every handler: nothing recorded, never a 2xx or 5xx', withLogs(sources, async () => {
    const kinds = await anonymousKinds();
    const mark = markNow();
    const problems = [];
    for (const target of TARGETS) {
      for (const k of kinds) {
        const res = await rawHttp(rig.h.port, { method: k.method || 'GET', path: target, headers: k.headers || [], body: k.body });
        const label = `${k.label} → ${target}`;
        if ((res.status >= 200 && res.status < 300 && k.method !== 'TRACE') || res.status >= 500) problems.push(`${label}: ${res.status}`);
        if (/reached|rawHeaders/.test(res.text)) problems.push(`${label}: the handler's output is in the answer`);
      }
    }
    const got = reachedSince(mark);
    assert.deepEqual(problems, [], problems.join('\n'));
    assert.deepEqual(got, { cgi: [], backend: [] }, 'an unauthenticated request reached a content handler');
  }));

  it('path spellings of the protected handlers without a session: nothing recorded', withLogs(sources, async () => {
    const mark = markNow();
    const problems = [];
    for (const target of TARGETS) {
      for (const p of spellings(target)) {
        for (const headers of [Object.entries(NAV_HEADERS), Object.entries(XHR_HEADERS)]) {
          const res = await rawRequest(rig.h.port, `GET ${p} HTTP/1.1`, Object.fromEntries(headers));
          if ((res.status >= 200 && res.status < 300) || res.status >= 500) problems.push(`${p}: ${res.status}`);
        }
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
    assert.deepEqual(reachedSince(mark), { cgi: [], backend: [] }, 'a path spelling reached a content handler without a session');
  }));

  it('carol (signed in, not in admin) never reaches the admin handlers — by session, Bearer, spoofed groups or any path spelling', withLogs(sources, async () => {
    const mark = markNow();
    const problems = [];
    const carolKinds = [
      { label: 'session', headers: [['Cookie', `cognito_session=${sess.carol}`]] },
      { label: 'session + spoofed X-Cognito-Groups: admin', headers: [['Cookie', `cognito_session=${sess.carol}`], ['X-Cognito-Groups', 'admin'], ['X_Cognito_Groups', 'admin'], ['Cognito-Groups', 'admin']] },
      { label: 'Bearer', headers: [['Authorization', `Bearer ${tok.carol}`]] },
      { label: "carol's session + alice's altered Bearer", headers: [['Cookie', `cognito_session=${sess.carol}`], ['Authorization', `Bearer ${alterSignature(tok.alice)}`]] },
      { label: "carol's session + alice's id under another cookie name", headers: [['Cookie', `cognito_session=${sess.carol}; cognito_session_state_aaaaaaaaaaaaaaaa=${sess.alice}`]] },
    ];
    for (const target of [ADMIN_CGI, ADMIN_BACKEND]) {
      for (const p of spellings(target)) {
        for (const k of carolKinds) {
          for (const method of ['GET', 'POST', 'OPTIONS', 'HEAD']) {
            const res = await rawRequest(rig.h.port, `${method} ${p} HTTP/1.1`, Object.fromEntries([...k.headers, ...(method === 'POST' ? [['Content-Length', '0']] : [])]));
            if ((res.status >= 200 && res.status < 300) || res.status >= 500) problems.push(`${k.label}, ${method} ${p}: ${res.status}`);
          }
        }
      }
    }
    const got = reachedSince(mark);
    assert.deepEqual(problems, [], problems.slice(0, 40).join('\n'));
    assert.deepEqual({ cgi: got.cgi.filter((l) => l.includes('/protected/admin/')), backend: got.backend.filter((l) => l.includes('/admin/')) }, { cgi: [], backend: [] },
      'carol reached an admin handler');
    // she does reach the ordinary ones (the gate is about the group, not about carol)
    const own = await rawHttp(rig.h.port, { path: CGI, headers: [['Cookie', `cognito_session=${sess.carol}`]] });
    assert.equal(own.status, 200, own.text);
    assert.match(hits(rig.h).at(-1), / carol$/);
  }));

  it('positive control: alice\'s session and Bearer token reach all four handlers, recorded with her name', withLogs(sources, async () => {
    const mark = markNow();
    for (const target of TARGETS) {
      for (const headers of [[['Cookie', `cognito_session=${sess.alice}`]], [['Authorization', `Bearer ${tok.alice}`]]]) {
        const res = await rawHttp(rig.h.port, { path: target, headers });
        assert.equal(res.status, 200, `${target}: ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
    // also through a spelling, and with POST
    assert.equal((await rawRequest(rig.h.port, `POST /protected/./admin//cgi-bin/record.cgi HTTP/1.1`, { Cookie: `cognito_session=${sess.alice}`, 'Content-Length': '0' })).status, 200);
    const got = reachedSince(mark);
    assert.equal(got.cgi.length, 5, got.cgi.join('\n'));
    assert.ok(got.cgi.every((l) => l.endsWith(' alice')), got.cgi.join('\n'));
    assert.equal(got.backend.length, 4, got.backend.join('\n'));
  }));

  it('no httpd child crashed', () => {
    assertNoCrash(rig.h);
  });
});
