// Contract: client-sent headers that pose as the module's (X-Cognito-*, Cognito-*, X-Amzn-Oidc-*,
// Remote-User, X-Forwarded-User … in any case, with '-' or '_', once or twice) never reach a CGI, a PHP
// page (php-fpm) or a proxied backend — on authenticated requests, CognitoUnauthenticated pass, 401 answers
// (ErrorDocument), OPTIONS, subrequests (SSI include virtual, DirectoryIndex → CGI) and locations without
// AuthType Cognito. With CognitoPassClaimsAs headers the backend gets the module's own X-Cognito-* with the
// right values. The backend never sees cognito_session / cognito_session_state_* but sees other cookies.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { Agent, XHR_HEADERS, login } from './lib/login.mjs';
import { pool } from './lib/cognito.mjs';
import {
  SUBS, backendHeader, backendLeaks, cognitoServer, envLeaks, fixture, idpEvents, mods, phpLeaks, rawHttp, requirePhpCgi,
  resources, spoofVariants, startEchoBackend, startPhpFpm,
} from './lib/apps.mjs';

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
