// Security regression — identity header smuggling, the name variants export-spoofing.test.mjs does not
// send (peer advisories: oauth2-proxy honoured X_Forwarded_User / X-Forwarded_Email because backends map
// '_' and '-' to the same CGI variable; mod_auth_openidc passed client-sent OIDC_CLAIM_* headers through).
//
// export-spoofing.test.mjs covers the pure forms (X-Cognito-Sub, X_Cognito_Groups, Cognito-User,
// cognito_groups, X-Amzn-Oidc-*, Remote-User/Remote_User, X-Remote-User, X-Forwarded-User, case variants)
// across CGI, PHP, proxies, SSI, ErrorDocument and OPTIONS. Added here:
//   • mixed '-'/'_' in one name (X-Cognito_Sub, X_Cognito-Groups, x_cognito-claim_custom_plan …), every
//     exported name of README "What the application sees" in a mixed form, bare prefixes and doubled separators;
//   • names httpd must refuse (whitespace before ':', leading whitespace = obs-fold, non-ASCII, NUL) — 400,
//     never a value reaching the application;
//   • other token characters ('.', '~', '!') that neither httpd's CGI mapping nor a backend reads as ours;
//   • request trailers (chunked body) carrying X-Cognito-*.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import { backendLeaks, envLeaks, mods, normHeader, startEchoBackend } from './lib/apps.mjs';
import { startIdp } from './lib/idp.mjs';
import { Agent, idpLogSource, login, startLoginRig } from './lib/login.mjs';
import { assertNoCrash, rawExchange, settlePool } from './lib/regress.mjs';

const MARK = 'SPOOFED';
let idp;
let echo;
let rig;
let sid;
const sources = () => [rig?.h, idp && idpLogSource(idp), echo].filter(Boolean);

before(async () => {
  idp = await startIdp();
  echo = await startEchoBackend();
  rig = await startLoginRig({
    idp,
    extraModules: mods('proxy', 'proxy_http'),
    suffix: `
<Location /protected/proxy/>
    CognitoPassClaimsAs headers
</Location>
ProxyPass /protected/proxy/ ${echo.url}/protected/proxy/
<Location /pass/>
    AuthType Cognito
    AuthName "app"
    CognitoUnauthenticated pass
    Require valid-user
</Location>
ScriptAlias /pass/cgi-bin/ "@DIR@/cgi-bin/"
ProxyPass /pass/proxy/ ${echo.url}/pass/proxy/
ScriptAlias /open/cgi-bin/ "@DIR@/cgi-bin/"
ProxyPass /open/proxy/ ${echo.url}/open/proxy/
`,
  });
  sid = (await login(new Agent(), rig.h, idp, '/protected/index.html')).sessionCookie;
});
after(async () => {
  await rig?.stop();
  await echo?.close();
  await idp?.close();
});

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
  let head = `${method} ${p} HTTP/1.1\r\nHost: 127.0.0.1:${rig.h.port}\r\n`;
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

/** The module's own X-Cognito-* headers the backend must get for alice (and nothing spoofed). */
const ALICE = { 'x-cognito-username': 'alice', 'x-cognito-groups': 'admin,staff', 'x-cognito-tenant': 'acme' };

describe('mixed - / _ spellings of every reserved name', () => {
  for (const [area, cgi, proxy, who] of [
    ['authenticated', '/protected/cgi-bin/env.cgi', '/protected/proxy/x', 'alice'],
    ['CognitoUnauthenticated pass', '/pass/cgi-bin/env.cgi', '/pass/proxy/x', 'anonymous'],
    ['no AuthType', '/open/cgi-bin/env.cgi', '/open/proxy/x', 'anonymous'],
  ]) {
    it(`${area}: each name alone and all at once — no spoofed value reaches the CGI or the backend`, withLogs(sources, async () => {
      const problems = [];
      const cookie = who === 'alice' ? [`Cookie: cognito_session=${sid}`] : [];
      const variants = [...MIXED.map((n, i) => [`${n}`, [`${n}: ${MARK}-${i}-admin`]]), ['all at once', MIXED.map((n, i) => `${n}: ${MARK}-all-${i}`)]];
      await settlePool(variants, 4, async ([label, lines]) => {
        const c = await rawExchange(rig.h.port, requestText('GET', cgi, [...cookie, ...lines]));
        let env;
        try { env = JSON.parse(c.text); } catch { problems.push(`${label} → CGI: ${c.status} not JSON`); return; }
        if (c.status !== 200) problems.push(`${label} → CGI: ${c.status}`);
        for (const p of envLeaks(env, 'CGI')) problems.push(`${label}: ${p}`);
        if (who === 'alice' && env.REMOTE_USER !== 'alice') problems.push(`${label}: REMOTE_USER=${env.REMOTE_USER}`);
        if (who !== 'alice' && (env.REMOTE_USER || Object.keys(env).some((k) => k.startsWith('COGNITO_')))) problems.push(`${label}: anonymous request has an identity`);

        const b = await rawExchange(rig.h.port, requestText('GET', proxy, [...cookie, ...lines]));
        let rec;
        try { rec = JSON.parse(b.text); } catch { problems.push(`${label} → backend: ${b.status} not JSON`); return; }
        for (const p of backendLeaks(rec, who === 'alice' ? { ours: true, expect: ALICE } : {})) problems.push(`${label}: ${p}`);
      });
      assert.deepEqual(problems, [], `${problems.length} problems:\n${problems.slice(0, 40).join('\n')}`);
    }));
  }
});

describe('header names httpd must refuse, and separators that are not ours', () => {
  it('whitespace before the colon, a leading-whitespace (folded) line, non-ASCII and NUL in the name → 400 or no effect', withLogs(sources, async () => {
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
      for (const p of ['/protected/cgi-bin/env.cgi', '/protected/proxy/x']) {
        const text = requestText('GET', p, [`Cookie: cognito_session=${sid}`, ...hdrs]);
        const res = await rawExchange(rig.h.port, Buffer.from(text, 'utf8'));
        if (res.status >= 500) problems.push(`${label} ${p}: ${res.status}`);
        if (!res.text.includes(MARK)) continue;
        // a folded line is part of the previous header's value (X-Harmless): that is where it may show up
        let json;
        try { json = JSON.parse(res.text); } catch { problems.push(`${label} ${p}: ${res.status}, spoofed text in ${res.text.slice(0, 200)}`); continue; }
        const carriers = json.rawHeaders
          ? json.rawHeaders.filter(([, v]) => String(v).includes(MARK)).map(([k]) => k)
          : Object.entries(json).filter(([, v]) => String(v).includes(MARK)).map(([k]) => k);
        const wrong = carriers.filter((k) => !/^(X-Harmless|HTTP_X_HARMLESS)$/.test(k));
        if (wrong.length) problems.push(`${label} ${p}: the spoofed value reached the application as ${wrong.join(', ')}`);
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  }));

  it("'.', '~', '!' separators: not mapped to our names by httpd's CGI environment nor passed under our names", withLogs(sources, async () => {
    const names = ['X.Cognito.Sub', 'X~Cognito~Groups', 'X!Cognito!Username', 'X-Cognito.Groups', 'Remote.User', 'X*Cognito*Sub'];
    const c = await rawExchange(rig.h.port, requestText('GET', '/protected/cgi-bin/env.cgi', [`Cookie: cognito_session=${sid}`, ...names.map((n) => `${n}: ${MARK}`)]));
    assert.equal(c.status, 200, c.text.slice(0, 200));
    const env = JSON.parse(c.text);
    assert.deepEqual(Object.entries(env).filter(([, v]) => String(v).includes(MARK)), [], 'httpd exported one of them to the CGI');
    const b = await rawExchange(rig.h.port, requestText('GET', '/protected/proxy/x', [`Cookie: cognito_session=${sid}`, ...names.map((n) => `${n}: ${MARK}`)]));
    const rec = JSON.parse(b.text);
    // the backend receives them under their own names (they are not ours); none reads as a reserved one
    const asOurs = rec.rawHeaders.filter(([k, v]) => String(v).includes(MARK) && /^(x-cognito-|cognito-|remote-user$)/.test(normHeader(k)));
    assert.deepEqual(asOurs, []);
    assert.deepEqual(backendLeaks({ rawHeaders: rec.rawHeaders.filter(([, v]) => !String(v).includes(MARK)) }, { ours: true, expect: ALICE }), []);
  }));
});

describe('trailers of a chunked request body', () => {
  for (const p of ['/protected/cgi-bin/env.cgi', '/protected/proxy/x', '/pass/proxy/x']) {
    it(`X-Cognito-* / Remote-User in trailers → never seen by ${p}`, withLogs(sources, async () => {
      const trailers = ['X-Cognito-Groups: SPOOFED-t1', 'X_Cognito_Sub: SPOOFED-t2', 'Remote-User: SPOOFED-t3', 'Cognito-Tenant: SPOOFED-t4'];
      const cookie = p.startsWith('/protected') ? [`Cookie: cognito_session=${sid}`] : [];
      const res = await rawExchange(rig.h.port, requestText('POST', p, [...cookie, 'Trailer: X-Cognito-Groups, X_Cognito_Sub, Remote-User, Cognito-Tenant'], { chunkedTrailers: trailers }));
      assert.ok(res.status < 500, `${res.status}`);
      assert.ok(!res.text.includes(MARK), `a trailer value reached the application: ${res.text.slice(0, 300)}`);
    }));
  }

  it('no httpd child crashed', () => {
    assertNoCrash(rig.h);
  });
});
