// Identity export cannot be spoofed: client-sent headers that pose as the module's (X-Cognito-*, Cognito-*,
// X-Amzn-Oidc-*, Remote-User, X-Forwarded-User … in any case, with '-' or '_', once or twice, mixed, in
// trailers) never reach a CGI, a PHP page (php-fpm) or a proxied backend — on authenticated requests,
// CognitoUnauthenticated pass, 401 answers (ErrorDocument), OPTIONS, subrequests (SSI include virtual,
// DirectoryIndex → CGI) and locations without AuthType Cognito. With CognitoPassClaimsAs headers the backend
// gets the module's own X-Cognito-* with the right values. The backend never sees cognito_session /
// cognito_session_state_* but sees other cookies.
//
// Guards findings (peer advisories): missing header scrub — mod_auth_openidc passed client-sent OIDC_CLAIM_*
// headers through, oauth2-proxy honoured a client's X-Forwarded-User; header smuggling through name variants —
// oauth2-proxy honoured X_Forwarded_User / X-Forwarded_Email because backends map '_' and '-' to the same CGI
// variable. Guards finding (this suite's, fixed): header names with '.' or '~' (X.Cognito.Sub) were not
// scrubbed (SECURITY.md "Open findings" 4) — "'.', '~', '!' separators …".
//
// The first part sends the pure forms (X-Cognito-Sub, X_Cognito_Groups, Cognito-User, cognito_groups,
// X-Amzn-Oidc-*, Remote-User/Remote_User, X-Remote-User, X-Forwarded-User, case variants; lib/apps.mjs
// spoofVariants) across CGI, PHP, proxies, SSI, ErrorDocument and OPTIONS. The header-smuggling part adds:
//   • mixed '-'/'_' in one name (X-Cognito_Sub, X_Cognito-Groups, x_cognito-claim_custom_plan …), every
//     exported name of README "What the application sees" in a mixed form, bare prefixes and doubled separators;
//   • names httpd must refuse (whitespace before ':', leading whitespace = obs-fold, non-ASCII, NUL) — 400,
//     never a value reaching the application;
//   • other token characters ('.', '~', '!') that neither httpd's CGI mapping nor a backend reads as ours;
//   • request trailers (chunked body) carrying X-Cognito-*.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { Agent, XHR_HEADERS, login } from './lib/login.mjs';
import { pool } from './lib/cognito.mjs';
import {
  SPOOF_MARK, SUBS, backendHeader, backendLeaks, cognitoServer, envLeaks, fixture, idpEvents, mods, normHeader, phpLeaks, rawHttp,
  requirePhpCgi, resources, spoofVariants, startEchoBackend, startPhpFpm,
} from './lib/apps.mjs';
import { assertNoCrash, rawExchange, settlePool } from './lib/hostile.mjs';

const AREAS = ['auth', 'auth2', 'both', 'pass', 'open', 'u401', 'api'];

function files() {
  const f = { 'app/errdoc/env.cgi': { content: fixture('env.cgi'), mode: 0o755 } };
  for (const a of AREAS) {
    f[`app/${a}/cgi/env.cgi`] = { content: fixture('env.cgi'), mode: 0o755 };
    f[`app/${a}/fpm/env.php`] = fixture('env.php');
    // php-cgi: the PHP dump run as a CGI by its #! line
    f[`app/${a}/phpcgi/env.cgi`] = { content: Buffer.concat([Buffer.from('#!/usr/bin/php-cgi -dcgi.force_redirect=0\n'), fixture('env.php')]), mode: 0o755 };
    f[`app/${a}/ssi/page.shtml`] = `<!--#include virtual="/${a}/cgi/env.cgi" -->\n`;
    // the included CGI lies in a location with another configuration: the subrequest authenticates itself
    f[`app/${a}/ssi/cross.shtml`] = '<!--#include virtual="/auth2/cgi/env.cgi" -->\n';
    f[`app/${a}/dir/index.cgi`] = { content: fixture('env.cgi'), mode: 0o755 };
  }
  return f;
}

const body = (idp, fpm, echo) => `
${cognitoServer(idp)}
AliasMatch "^/(${AREAS.join('|')})/(cgi|phpcgi|fpm|ssi|dir)/(.*)$" "@DIR@/app/$1/$2/$3"
<Directory "@DIR@/app">
    Options +ExecCGI +Includes
    AddHandler cgi-script .cgi
    AddType text/html .shtml
    AddOutputFilter INCLUDES .shtml
    DirectoryIndex index.cgi
    Require all granted
    <FilesMatch "\\.php$">
        SetHandler "${fpm.handler}"
    </FilesMatch>
</Directory>
ProxyPass /auth/proxy/ ${echo.url}/auth/proxy/
ProxyPass /auth/proxyenv/ ${echo.url}/auth/proxyenv/
ProxyPass /pass/proxy/ ${echo.url}/pass/proxy/
ProxyPass /open/proxy/ ${echo.url}/open/proxy/
ProxyPass /api/proxy/ ${echo.url}/api/proxy/

# every 401 goes through a CGI that dumps its environment
ErrorDocument 401 /errdoc/env.cgi
ScriptAlias /errdoc/ "@DIR@/app/errdoc/"
<Directory "@DIR@/app/errdoc">
    Options +ExecCGI
    Require all granted
</Directory>

<Location /auth/>
    AuthType Cognito
    AuthName "app"
    AuthzSendForbiddenOnFailure On
    Require valid-user
</Location>
<Location /auth/proxy/>
    CognitoPassClaimsAs headers
</Location>
<Location /auth2/>
    AuthType Cognito
    AuthName "app"
    AuthzSendForbiddenOnFailure On
    CognitoRemoteUserClaim cognito:username
    Require valid-user
</Location>
<Location /both/>
    AuthType Cognito
    AuthName "app"
    CognitoPassClaimsAs both
    Require valid-user
</Location>
<Location /pass/>
    AuthType Cognito
    AuthName "app"
    CognitoUnauthenticated pass
    Require valid-user
</Location>
<Location /pass/proxy/>
    CognitoPassClaimsAs headers
</Location>
<Location /u401/>
    AuthType Cognito
    AuthName "app"
    CognitoUnauthenticated 401
    Require valid-user
</Location>
<Location /api/>
    AuthType Cognito
    AuthName "api"
    CognitoBearer only
    Require valid-user
</Location>
# /open/: no AuthType at all
`;

const R = resources();
let idp;
let h;
let echo;
let fpm;
const sessions = {};
let aliceToken;
const logs = () => [...R.sources(), idp && idpEvents(idp)];

before(withLogs(logs, async () => {
  requirePhpCgi();
  idp = R.add(await startIdp());
  echo = R.add(await startEchoBackend());
  fpm = R.add(await startPhpFpm());
  h = R.add(await startHttpd({
    body: body(idp, fpm, echo), files: files(), extraModules: mods('proxy', 'proxy_http', 'proxy_fcgi', 'include'),
  }));
  for (const name of ['alice', 'zoë', 'mallory']) {
    const agent = new Agent();
    sessions[name] = (await login(agent, h, idp, '/auth/cgi/env.cgi', { username: name })).sessionCookie;
  }
  aliceToken = (await idp.mint({ username: 'alice', scope: 'openid email orders/read' })).token;
}));
after(() => R.stopAll());

const ALICE_HEADERS = {
  'x-cognito-sub': SUBS.alice,
  'x-cognito-username': 'alice',
  'x-cognito-email': 'alice@example.com',
  'x-cognito-groups': 'admin,staff',
  'x-cognito-tenant': 'acme',
};

// ------------------------------------------------------------------------------ what each answer is

function parsed(res) {
  if (res.json) return res.json;
  // SSI pages wrap the included output; take the JSON object out of the page
  const i = res.text.indexOf('{');
  const j = res.text.lastIndexOf('}');
  if (i >= 0 && j > i) { try { return JSON.parse(res.text.slice(i, j + 1)); } catch { /* below */ } }
  return undefined;
}

/** CGI dump: no leaks; identity: 'alice' (session), 'alice-bearer', or 'anonymous'; ours: X-Cognito-* expected. */
const cgi = (identity, { ours = false } = {}) => (res) => {
  const env = parsed(res);
  if (!env || typeof env !== 'object' || env.server) return [`no CGI environment dump in the answer: ${res.text.slice(0, 160)}`];
  const out = envLeaks(env, 'CGI env', { ours });
  if (ours) {
    for (const [n, v] of Object.entries(ALICE_HEADERS)) {
      const k = `HTTP_${n.toUpperCase().replaceAll('-', '_')}`;
      if (env[k] !== v) out.push(`${k}=${JSON.stringify(env[k])}, expected ${JSON.stringify(v)}`);
    }
  }
  if (identity === 'alice' || identity === 'alice-bearer') {
    if (env.REMOTE_USER !== 'alice') out.push(`REMOTE_USER=${env.REMOTE_USER}`);
    if (env.COGNITO_SUB !== SUBS.alice) out.push(`COGNITO_SUB=${env.COGNITO_SUB}`);
    if (env.COGNITO_GROUPS !== 'admin,staff') out.push(`COGNITO_GROUPS=${env.COGNITO_GROUPS}`);
    if (identity === 'alice' && env.COGNITO_TENANT !== 'acme') out.push(`COGNITO_TENANT=${env.COGNITO_TENANT}`);
  } else if (identity === 'anonymous') {
    if (env.REMOTE_USER) out.push(`anonymous request has REMOTE_USER=${env.REMOTE_USER}`);
    for (const k of Object.keys(env)) if (/^COGNITO_/.test(k)) out.push(`anonymous request has ${k}=${env[k]}`);
  }
  return out;
};

const php = (identity) => (res) => {
  const d = res.json;
  if (!d || !d.server) return [`no PHP dump in the answer: ${res.text.slice(0, 160)}`];
  const out = phpLeaks(d);
  if (identity === 'alice') {
    if (d.server.REMOTE_USER !== 'alice') out.push(`REMOTE_USER=${d.server.REMOTE_USER}`);
    if (d.server.COGNITO_SUB !== SUBS.alice) out.push(`COGNITO_SUB=${d.server.COGNITO_SUB}`);
    if (d.server.COGNITO_GROUPS !== 'admin,staff') out.push(`COGNITO_GROUPS=${d.server.COGNITO_GROUPS}`);
  } else if (identity === 'anonymous') {
    if (d.server.REMOTE_USER) out.push(`anonymous request has REMOTE_USER=${d.server.REMOTE_USER}`);
  }
  return out;
};

/** Echo-backend answer: no spoofed or reserved headers; ours (with alice's values) when told. */
const proxied = ({ ours = false, method = 'GET' } = {}) => (res) => {
  const rec = res.json;
  if (!rec || !Array.isArray(rec.rawHeaders)) return [`no echo-backend answer: ${res.status} ${res.text.slice(0, 160)}`];
  const out = backendLeaks(rec, ours ? { ours: true, expect: ALICE_HEADERS } : {});
  if (rec.method !== method) out.push(`backend saw method ${rec.method}`);
  return out;
};

/** 401 answers: the ErrorDocument CGI ran and saw nothing spoofed; or (OPTIONS) the backend answered. */
const either = (...checks) => (res) => {
  const results = checks.map((c) => c(res));
  return results.find((r) => r.length === 0) || results[0];
};

const cookie = (name = 'alice') => ({ Cookie: `cognito_session=${sessions[name]}` });

const SITUATIONS = [
  // authenticated
  { name: 'authenticated session → CGI', path: '/auth/cgi/env.cgi', headers: cookie, status: 200, check: cgi('alice') },
  { name: 'authenticated session → PHP-FPM', path: '/auth/fpm/env.php', headers: cookie, status: 200, check: php('alice') },
  { name: 'authenticated session → php-cgi', path: '/auth/phpcgi/env.cgi', headers: cookie, status: 200, check: php('alice') },
  { name: 'authenticated session → proxy (CognitoPassClaimsAs headers)', path: '/auth/proxy/x', headers: cookie, status: 200, check: proxied({ ours: true }) },
  { name: 'authenticated session → proxy (env: no X-Cognito-* at all)', path: '/auth/proxyenv/x', headers: cookie, status: 200, check: proxied() },
  { name: 'authenticated session → CGI (CognitoPassClaimsAs both: our HTTP_X_COGNITO_*)', path: '/both/cgi/env.cgi', headers: cookie, status: 200, check: cgi('alice', { ours: true }) },
  { name: 'Bearer → CGI', path: '/api/cgi/env.cgi', headers: () => ({ Authorization: `Bearer ${aliceToken}` }), status: 200, check: cgi('alice-bearer') },
  // CognitoUnauthenticated pass
  { name: 'pass, anonymous → CGI', path: '/pass/cgi/env.cgi', status: 200, check: cgi('anonymous') },
  { name: 'pass, anonymous → PHP-FPM', path: '/pass/fpm/env.php', status: 200, check: php('anonymous') },
  { name: 'pass, anonymous → php-cgi', path: '/pass/phpcgi/env.cgi', status: 200, check: php('anonymous') },
  { name: 'pass, anonymous → proxy', path: '/pass/proxy/x', status: 200, check: proxied() },
  { name: 'pass, with a session → proxy', path: '/pass/proxy/x', headers: cookie, status: 200, check: proxied({ ours: true }) },
  // no AuthType Cognito at all
  { name: 'no AuthType → CGI', path: '/open/cgi/env.cgi', status: 200, check: cgi('anonymous') },
  { name: 'no AuthType → PHP-FPM', path: '/open/fpm/env.php', status: 200, check: php('anonymous') },
  { name: 'no AuthType → php-cgi', path: '/open/phpcgi/env.cgi', status: 200, check: php('anonymous') },
  { name: 'no AuthType → proxy', path: '/open/proxy/x', status: 200, check: proxied() },
  { name: 'no AuthType, a session cookie sent → CGI', path: '/open/cgi/env.cgi', headers: cookie, status: 200, check: cgi() },
  // 401 answers through ErrorDocument 401 → env-dumping CGI
  { name: '401 (CognitoUnauthenticated 401) → ErrorDocument CGI', path: '/u401/cgi/env.cgi', status: 401, check: cgi() },
  { name: '401 (XHR without a session) → ErrorDocument CGI', path: '/auth/cgi/env.cgi', headers: () => XHR_HEADERS, status: 401, check: cgi() },
  { name: '401 (CognitoBearer only, no token) → ErrorDocument CGI', path: '/api/cgi/env.cgi', status: 401, check: cgi() },
  { name: '401 (CognitoBearer only, bad token) → ErrorDocument CGI', path: '/api/cgi/env.cgi', headers: () => ({ Authorization: 'Bearer abc.def.ghi' }), status: 401, check: cgi() },
  // OPTIONS (CGIs do not run for OPTIONS; backends and php-fpm do)
  { name: 'OPTIONS, no AuthType → proxy', method: 'OPTIONS', path: '/open/proxy/x', status: 200, check: proxied({ method: 'OPTIONS' }) },
  { name: 'OPTIONS, pass → proxy', method: 'OPTIONS', path: '/pass/proxy/x', status: 200, check: proxied({ method: 'OPTIONS' }) },
  { name: 'OPTIONS, session → proxy', method: 'OPTIONS', path: '/auth/proxy/x', headers: cookie, status: 200, check: proxied({ ours: true, method: 'OPTIONS' }) },
  { name: 'OPTIONS, session → PHP-FPM', method: 'OPTIONS', path: '/auth/fpm/env.php', headers: cookie, status: 200, check: php('alice') },
  { name: 'OPTIONS, no AuthType → PHP-FPM', method: 'OPTIONS', path: '/open/fpm/env.php', status: 200, check: php('anonymous') },
  { name: 'OPTIONS, no session → protected proxy (passed or 401)', method: 'OPTIONS', path: '/auth/proxy/x', status: [200, 401], check: either(proxied({ method: 'OPTIONS' }), cgi()) },
  // subrequests
  { name: 'SSI include virtual, session → protected CGI', path: '/auth/ssi/page.shtml', headers: cookie, status: 200, check: cgi('alice') },
  { name: 'SSI include virtual, session → CGI of another protected location', path: '/auth/ssi/cross.shtml', headers: cookie, status: 200, check: cgi('alice') },
  { name: 'SSI include virtual, page without AuthType, session → protected CGI', path: '/open/ssi/cross.shtml', headers: cookie, status: 200, check: cgi('alice') },
  { name: 'SSI include virtual, pass → CGI', path: '/pass/ssi/page.shtml', status: 200, check: cgi('anonymous') },
  { name: 'SSI include virtual, no AuthType → CGI', path: '/open/ssi/page.shtml', status: 200, check: cgi('anonymous') },
  { name: 'DirectoryIndex → CGI, session', path: '/auth/dir/', headers: cookie, status: 200, check: cgi('alice') },
  { name: 'DirectoryIndex → CGI, no AuthType', path: '/open/dir/', status: 200, check: cgi('anonymous') },
];

describe('spoofed identity headers never reach the application', () => {
  const variants = spoofVariants();

  for (const s of SITUATIONS) {
    it(s.name, withLogs(logs, async () => {
      // the situation works at all without spoofing (else every variant would "pass" for nothing)
      const plain = await rawHttp(h.port, { method: s.method || 'GET', path: s.path, headers: { ...(s.headers ? s.headers() : {}) } });
      const okStatus = [s.status].flat();
      assert.ok(okStatus.includes(plain.status), `without spoofing: expected ${okStatus}, got ${plain.status}: ${plain.text.slice(0, 300)}`);
      const base = s.check(plain);
      assert.deepEqual(base, [], `without spoofing the answer is already wrong:\n${base.join('\n')}`);

      const problems = [];
      await pool(variants.length, 6, async (i) => {
        const v = variants[i];
        const res = await rawHttp(h.port, {
          method: s.method || 'GET', path: s.path, headers: [...Object.entries(s.headers ? s.headers() : {}), ...v.headers],
        });
        if (!okStatus.includes(res.status)) problems.push(`${v.label}: status ${res.status} (expected ${okStatus})`);
        for (const p of s.check(res)) problems.push(`${v.label}: ${p}`);
      });
      assert.deepEqual(problems, [], `${problems.length} problems:\n${problems.slice(0, 60).join('\n')}`);
    }));
  }
});

describe('CognitoPassClaimsAs headers: the backend gets our values', () => {
  it("alice's X-Cognito-* headers (and claim headers) with the right values, spoofed copies gone", withLogs(logs, async () => {
    const res = await rawHttp(h.port, {
      path: '/auth/proxy/x',
      headers: [['Cookie', `cognito_session=${sessions.alice}`], ['X-Cognito-Sub', 'SPOOFED-sub'], ['X-Cognito-Groups', 'SPOOFED-admin'],
        ['x-cognito-tenant', 'SPOOFED-evil'], ['X_Cognito_Username', 'SPOOFED-root'], ['X-Cognito-Claim-Custom-Plan', 'SPOOFED-gold']],
    });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    const rec = res.json;
    assert.deepEqual(backendLeaks(rec, { ours: true, expect: ALICE_HEADERS }), []);
    assert.equal(backendHeader(rec, 'X-Cognito-Claim-Custom-Plan'), 'pro');
    assert.equal(backendHeader(rec, 'X-Cognito-Claim-Custom-Tenant-Id'), 'acme');
    assert.equal(backendHeader(rec, 'X-Cognito-Claim-Regions'), 'eu,us');
    assert.deepEqual(JSON.parse(backendHeader(rec, 'X-Cognito-Claim-Prefs')), { theme: 'dark' });
    assert.equal(backendHeader(rec, 'X-Cognito-Claim-Score'), '42');
    assert.equal(backendHeader(rec, 'X-Cognito-Claim-Beta'), 'true');
    assert.equal(backendHeader(rec, 'Authorization'), undefined, 'no token without CognitoPassTokens on');
  }));

  it("zoë's UTF-8 and mallory's CR/LF/NUL: UTF-8 passes, control characters removed (no header injection)", withLogs(logs, async () => {
    const z = await rawHttp(h.port, { path: '/auth/proxy/x', headers: { Cookie: `cognito_session=${sessions['zoë']}` } });
    assert.equal(z.status, 200, z.text.slice(0, 300));
    const utf8 = (v) => (v === undefined ? v : Buffer.from(v, 'latin1').toString('utf8'));
    assert.equal(utf8(backendHeader(z.json, 'X-Cognito-Username')), 'zoë');
    assert.equal(utf8(backendHeader(z.json, 'X-Cognito-Claim-Name')), 'Zoë Ünïcødé');
    const m = await rawHttp(h.port, { path: '/auth/proxy/x', headers: { Cookie: `cognito_session=${sessions.mallory}` } });
    assert.equal(m.status, 200, m.text.slice(0, 300));
    assert.equal(backendHeader(m.json, 'X-Cognito-Claim-Custom-Note'), 'line1line2end');
    assert.equal(backendHeader(m.json, 'X-Cognito-Username'), 'mallory');
    assert.ok(!m.json.rawHeaders.some(([k]) => /^line2/i.test(k)), 'a header line was injected');
  }));
});

describe('the backend never sees our cookies, but sees the others', () => {
  const jar = () => `a=1; cognito_session=${sessions.alice}; b=two; cognito_session_state_0123456789abcdef=zzz; c=3`;
  const cookieOf = (rec) => rec.rawHeaders.filter(([k]) => k.toLowerCase() === 'cookie').map(([, v]) => v).join('; ');

  for (const [where, p] of [['authenticated proxy', '/auth/proxy/x'], ['pass proxy', '/pass/proxy/x'], ['no-AuthType proxy', '/open/proxy/x']]) {
    it(`${where}: Cookie arrives without cognito_session / cognito_session_state_*`, withLogs(logs, async () => {
      const res = await rawHttp(h.port, { path: p, headers: { Cookie: jar() } });
      assert.equal(res.status, 200, res.text.slice(0, 300));
      const c = cookieOf(res.json);
      assert.doesNotMatch(c, /cognito_session/, `backend Cookie: ${c}`);
      assert.deepEqual(c.split(/;\s*/).sort(), ['a=1', 'b=two', 'c=3'], `backend Cookie: ${c}`);
    }));
  }

  it('only our cookies: the backend gets no Cookie header with them', withLogs(logs, async () => {
    const res = await rawHttp(h.port, { path: '/auth/proxy/x', headers: { Cookie: `cognito_session=${sessions.alice}` } });
    assert.equal(res.status, 200);
    assert.doesNotMatch(cookieOf(res.json), /cognito_session/);
  }));

  it('two Cookie header lines: the session cookie in the second line does not slip through', withLogs(logs, async () => {
    const res = await rawHttp(h.port, {
      path: '/auth/proxy/x',
      headers: [['Cookie', 'a=1; b=2'], ['Cookie', `cognito_session=${sessions.alice}; c=3`]],
    });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    const c = cookieOf(res.json);
    assert.doesNotMatch(c, /cognito_session/, `backend Cookie: ${c}`);
    assert.match(c, /(^|[;,]\s*)a=1/, `backend Cookie: ${c}`);
  }));

  it('CGI and PHP: HTTP_COOKIE / $_COOKIE without cognito_session, with the others', withLogs(logs, async () => {
    const c = await rawHttp(h.port, { path: '/auth/cgi/env.cgi', headers: { Cookie: jar() } });
    assert.equal(c.status, 200);
    assert.doesNotMatch(c.json.HTTP_COOKIE || '', /cognito_session/);
    assert.deepEqual((c.json.HTTP_COOKIE || '').split(/;\s*/).sort(), ['a=1', 'b=two', 'c=3']);
    const p = await rawHttp(h.port, { path: '/auth/fpm/env.php', headers: { Cookie: jar() } });
    assert.equal(p.status, 200);
    assert.deepEqual(Object.keys(p.json.cookies).sort(), ['a', 'b', 'c']);
  }));
});

// ------------------------------------------------------------- header smuggling through name variants

/** Mixed-separator and edge spellings of every name the module exports or reserves (README "What the application sees"). */
const MIXED = [
  'X-Cognito_Sub', 'X_Cognito-Sub', 'X_Cognito-Groups', 'x-cognito_groups', 'X-COGNITO_GROUPS', 'x_COGNITO-uSeRnAmE',
  'X-Cognito_Email', 'X_Cognito-Tenant', 'X-Cognito-Token_Use', 'X_Cognito_Token-Use', 'X-Cognito_Scope', 'X-Cognito-Client_Id',
  'X_Cognito-Expires', 'x-cognito-claim_custom_plan', 'X_Cognito_Claim-Custom-Tenant-Id', 'X-Cognito-Claim_Custom_Tenant_Id',
  'X-Cognito-Claims', 'X_Cognito_Claims', 'X-Cognito-Access-Token', 'X_Cognito-Id_Token', 'Cognito_Sub', 'Cognito-Groups',
  'cOgNiTo_gRoUpS', 'Cognito-Claim_Custom_Plan', 'X-Amzn_Oidc-Identity', 'x_amzn-oidc_data', 'X-Amzn-Oidc_Accesstoken',
  'Remote-user', 'REMOTE-USER', 'Remote_user', 'X-Remote_User', 'X_Remote-User', 'X-Forwarded_User', 'X_Forwarded-User',
  'Auth-User', 'Auth_User', 'X-Auth_User', 'Auth-type', 'AUTH_TYPE', 'X-Cognito-', 'X_Cognito_', 'X-Cognito--Sub', 'X-Cognito__Sub',
  'X-Cognito-_Sub', 'Cognito-', 'X-Cognito-Sub-', 'X-Cognito-Sub_',
];

function requestText(method, p, headerLines, { body, chunkedTrailers } = {}) {
  let head = `${method} ${p} HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\n`;
  for (const l of headerLines) head += `${l}\r\n`;
  let tail = '';
  if (chunkedTrailers) {
    head += 'Transfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n';
    tail = `3\r\na=1\r\n0\r\n${chunkedTrailers.map((t) => `${t}\r\n`).join('')}\r\n`;
  } else if (body != null) {
    head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    tail = body;
  }
  return `${head}Connection: close\r\n\r\n${tail}`;
}

describe('mixed - / _ spellings of every reserved name', () => {
  for (const [area, cgiPath, proxyPath, who] of [
    ['authenticated', '/auth/cgi/env.cgi', '/auth/proxy/x', 'alice'],
    ['CognitoUnauthenticated pass', '/pass/cgi/env.cgi', '/pass/proxy/x', 'anonymous'],
    ['no AuthType', '/open/cgi/env.cgi', '/open/proxy/x', 'anonymous'],
  ]) {
    it(`${area}: each name alone and all at once — no spoofed value reaches the CGI or the backend`, withLogs(logs, async () => {
      const problems = [];
      const cookie = who === 'alice' ? [`Cookie: cognito_session=${sessions.alice}`] : [];
      const variants = [...MIXED.map((n, i) => [`${n}`, [`${n}: ${SPOOF_MARK}-${i}-admin`]]), ['all at once', MIXED.map((n, i) => `${n}: ${SPOOF_MARK}-all-${i}`)]];
      await settlePool(variants, 4, async ([label, lines]) => {
        const c = await rawExchange(h.port, requestText('GET', cgiPath, [...cookie, ...lines]));
        let env;
        try { env = JSON.parse(c.text); } catch { problems.push(`${label} → CGI: ${c.status} not JSON`); return; }
        if (c.status !== 200) problems.push(`${label} → CGI: ${c.status}`);
        for (const p of envLeaks(env, 'CGI')) problems.push(`${label}: ${p}`);
        if (who === 'alice' && env.REMOTE_USER !== 'alice') problems.push(`${label}: REMOTE_USER=${env.REMOTE_USER}`);
        if (who !== 'alice' && (env.REMOTE_USER || Object.keys(env).some((k) => k.startsWith('COGNITO_')))) problems.push(`${label}: anonymous request has an identity`);

        const b = await rawExchange(h.port, requestText('GET', proxyPath, [...cookie, ...lines]));
        let rec;
        try { rec = JSON.parse(b.text); } catch { problems.push(`${label} → backend: ${b.status} not JSON`); return; }
        for (const p of backendLeaks(rec, who === 'alice' ? { ours: true, expect: ALICE_HEADERS } : {})) problems.push(`${label}: ${p}`);
      });
      assert.deepEqual(problems, [], `${problems.length} problems:\n${problems.slice(0, 40).join('\n')}`);
    }));
  }
});

describe('header names httpd must refuse, and separators that are not ours', () => {
  it('whitespace before the colon, a leading-whitespace (folded) line, non-ASCII and NUL in the name → 400 or no effect', withLogs(logs, async () => {
    const problems = [];
    const lines = [
      ['space before the colon', ['X-Cognito-Sub : SPOOFED-a']],
      ['tab before the colon', ['X-Cognito-Groups\t: SPOOFED-b']],
      ['folded onto the previous header (obs-fold)', ['X-Harmless: 1', ' X-Cognito-Groups: SPOOFED-c']],
      ['first header line starts with whitespace', [' X-Cognito-Groups: SPOOFED-d']],
      ['non-ASCII in the name', ['X-Cognito-Gr\u00f6ups: SPOOFED-e']],
      ['UTF-8 look-alike dash (U+2010)', ['X\u2010Cognito\u2010Groups: SPOOFED-f']],
      ['NUL in the name', ['X-Cognito-Groups\u0000x: SPOOFED-g']],
      ['CR inside the name', ['X-Cognito\rGroups: SPOOFED-h']],
      ['empty name', [': SPOOFED-i']],
    ];
    for (const [label, hdrs] of lines) {
      for (const p of ['/auth/cgi/env.cgi', '/auth/proxy/x']) {
        const text = requestText('GET', p, [`Cookie: cognito_session=${sessions.alice}`, ...hdrs]);
        const res = await rawExchange(h.port, Buffer.from(text, 'utf8'));
        if (res.status >= 500) problems.push(`${label} ${p}: ${res.status}`);
        if (!res.text.includes(SPOOF_MARK)) continue;
        // a folded line is part of the previous header's value (X-Harmless): that is where it may show up
        let json;
        try { json = JSON.parse(res.text); } catch { problems.push(`${label} ${p}: ${res.status}, spoofed text in ${res.text.slice(0, 200)}`); continue; }
        const carriers = json.rawHeaders
          ? json.rawHeaders.filter(([, v]) => String(v).includes(SPOOF_MARK)).map(([k]) => k)
          : Object.entries(json).filter(([, v]) => String(v).includes(SPOOF_MARK)).map(([k]) => k);
        const wrong = carriers.filter((k) => !/^(X-Harmless|HTTP_X_HARMLESS)$/.test(k));
        if (wrong.length) problems.push(`${label} ${p}: the spoofed value reached the application as ${wrong.join(', ')}`);
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  }));

  it("'.', '~', '!' separators: not mapped to our names by httpd's CGI environment nor passed under our names", withLogs(logs, async () => {
    const names = ['X.Cognito.Sub', 'X~Cognito~Groups', 'X!Cognito!Username', 'X-Cognito.Groups', 'Remote.User', 'X*Cognito*Sub'];
    const c = await rawExchange(h.port, requestText('GET', '/auth/cgi/env.cgi', [`Cookie: cognito_session=${sessions.alice}`, ...names.map((n) => `${n}: ${SPOOF_MARK}`)]));
    assert.equal(c.status, 200, c.text.slice(0, 200));
    const env = JSON.parse(c.text);
    assert.deepEqual(Object.entries(env).filter(([, v]) => String(v).includes(SPOOF_MARK)), [], 'httpd exported one of them to the CGI');
    const b = await rawExchange(h.port, requestText('GET', '/auth/proxy/x', [`Cookie: cognito_session=${sessions.alice}`, ...names.map((n) => `${n}: ${SPOOF_MARK}`)]));
    const rec = JSON.parse(b.text);
    // the backend receives them under their own names (they are not ours); none reads as a reserved one
    const asOurs = rec.rawHeaders.filter(([k, v]) => String(v).includes(SPOOF_MARK) && /^(x-cognito-|cognito-|remote-user$)/.test(normHeader(k)));
    assert.deepEqual(asOurs, []);
    assert.deepEqual(backendLeaks({ rawHeaders: rec.rawHeaders.filter(([, v]) => !String(v).includes(SPOOF_MARK)) }, { ours: true, expect: ALICE_HEADERS }), []);
  }));
});

describe('trailers of a chunked request body', () => {
  for (const p of ['/auth/cgi/env.cgi', '/auth/proxy/x', '/pass/proxy/x']) {
    it(`X-Cognito-* / Remote-User in trailers → never seen by ${p}`, withLogs(logs, async () => {
      const trailers = ['X-Cognito-Groups: SPOOFED-t1', 'X_Cognito_Sub: SPOOFED-t2', 'Remote-User: SPOOFED-t3', 'Cognito-Tenant: SPOOFED-t4'];
      const cookie = p.startsWith('/auth') ? [`Cookie: cognito_session=${sessions.alice}`] : [];
      const res = await rawExchange(h.port, requestText('POST', p, [...cookie, 'Trailer: X-Cognito-Groups, X_Cognito_Sub, Remote-User, Cognito-Tenant'], { chunkedTrailers: trailers }));
      assert.ok(res.status < 500, `${res.status}`);
      assert.ok(!res.text.includes(SPOOF_MARK), `a trailer value reached the application: ${res.text.slice(0, 300)}`);
    }));
  }

  it('no httpd child crashed', () => {
    assertNoCrash(h);
  });
});
