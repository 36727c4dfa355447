// Contract: what the application sees (README "What the application sees") — a plain CGI (perl), PHP through php-cgi (a
// #!/usr/bin/php-cgi script, and Debian's Action handler layout) and PHP through php-fpm (mod_proxy_fcgi)
// get REMOTE_USER, AUTH_TYPE=Cognito and exactly the COGNITO_* variables with the documented renderings;
// UTF-8 passes unchanged, control characters are removed; tokens only with CognitoPassTokens on;
// CognitoPassClaimsAs none exports no COGNITO_* but keeps REMOTE_USER.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it as nodeIt } from 'node:test';
import { repoRoot, startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { Agent, login } from './lib/login.mjs';
import {
  assertIdentity, assertNoCognitoVars, cognitoServer, fixture, idpEvents, jwtPayload, mods, requirePhpCgi, resources, startPhpFpm,
} from './lib/apps.mjs';

const SCOPE = ['openid', 'email', 'profile', 'orders/read'];
const USERS = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tests/mock-cognito/fixtures/users.json'), 'utf8')).users;
const user = (name) => USERS.find((u) => u.username === name);
const expectFor = (name) => {
  const u = user(name);
  return {
    user: name, sub: u.sub, email: u.attributes.email, tenant: u.attributes['custom:tenant_id'],
    groups: u.groups.length ? u.groups.join(',') : null, scope: SCOPE, tokenUse: 'id',
  };
};

const VARIANTS = ['default', 'tokens', 'none'];
const PHP_SHEBANG = '#!/usr/bin/php-cgi -dcgi.force_redirect=0\n';

/** Every runtime: URL prefix, file name, how to read its answer as { env, claims, hex }. */
const RUNTIMES = {
  cgi: { title: 'plain CGI (perl, ScriptAlias)', file: 'env.cgi', php: false },
  phpcgi: { title: 'php-cgi (#!/usr/bin/php-cgi script, ScriptAlias)', file: 'env.php', php: true },
  // the same tests, fewer of them: one failure cause shows up once, not seven times
  phpaction: { title: "php-cgi (Action handler, Debian's php8.2-cgi.conf layout, handler inside the protected area)", file: 'env.php', php: true, only: ['alice', 'tokens', 'none'] },
  fpm: { title: 'php-fpm (mod_proxy_fcgi, SetHandler proxy:unix:…)', file: 'env.php', php: true },
};

function files() {
  const f = {};
  for (const v of VARIANTS) {
    f[`app/cgi/${v}/env.cgi`] = { content: fixture('env.cgi'), mode: 0o755 };
    f[`app/phpcgi/${v}/env.php`] = { content: Buffer.concat([Buffer.from(PHP_SHEBANG), fixture('env.php')]), mode: 0o755 };
    f[`app/phpaction/${v}/env.php`] = fixture('env.php');
    f[`app/fpm/${v}/env.php`] = fixture('env.php');
  }
  f['app/phpaction-open/env.php'] = fixture('env.php');
  return f;
}

const body = (idp, fpm) => `
${cognitoServer(idp, { scope: SCOPE.join(' ') })}

# ---- plain CGI
ScriptAlias /cgi/ "@DIR@/app/cgi/"
<Directory "@DIR@/app/cgi">
    Options +ExecCGI
    Require all granted
</Directory>

# ---- php-cgi, scripts run directly by their #! line
ScriptAlias /phpcgi/ "@DIR@/app/phpcgi/"
<Directory "@DIR@/app/phpcgi">
    Options +ExecCGI
    Require all granted
</Directory>

# ---- php-cgi through mod_actions (Debian: Action application/x-httpd-php /cgi-bin/php8.2)
ScriptAlias /php-cgi-bin/ "/usr/lib/cgi-bin/"
ScriptAlias /php-cgi-bin-open/ "/usr/lib/cgi-bin/"
<Directory "/usr/lib/cgi-bin">
    Options +ExecCGI
    Require all granted
</Directory>
Alias /phpaction/ "@DIR@/app/phpaction/"
<Directory "@DIR@/app/phpaction">
    Require all granted
    <FilesMatch "\\.php$">
        SetHandler application/x-httpd-php
    </FilesMatch>
    Action application/x-httpd-php /php-cgi-bin/php8.2
</Directory>
Alias /phpaction-open/ "@DIR@/app/phpaction-open/"
<Directory "@DIR@/app/phpaction-open">
    Require all granted
    <FilesMatch "\\.php$">
        SetHandler application/x-httpd-php
    </FilesMatch>
    Action application/x-httpd-php /php-cgi-bin-open/php8.2
</Directory>

# ---- php-fpm
Alias /fpm/ "@DIR@/app/fpm/"
<Directory "@DIR@/app/fpm">
    Require all granted
    <FilesMatch "\\.php$">
        SetHandler "${fpm.handler}"
    </FilesMatch>
</Directory>

# ---- the protected areas (the php-cgi Action handler lies inside, as with <Location />)
<LocationMatch "^/(cgi|phpcgi|phpaction|php-cgi-bin|fpm)/">
    AuthType Cognito
    AuthName "app"
    AuthzSendForbiddenOnFailure On
    Require valid-user
</LocationMatch>
<LocationMatch "^/[a-z]+/tokens/">
    CognitoPassTokens on
</LocationMatch>
<LocationMatch "^/[a-z]+/none/">
    CognitoPassClaimsAs none
</LocationMatch>
# only the application directory is protected; the Action handler URL is not (Debian's default layout)
<Location /phpaction-open/>
    AuthType Cognito
    AuthName "app"
    Require valid-user
</Location>
`;

const R = resources();
let idp;
let h;
let fpm;
const agents = {};
const logs = () => [...R.sources(), idp && idpEvents(idp)];

before(withLogs(logs, async () => {
  requirePhpCgi();
  idp = R.add(await startIdp());
  fpm = R.add(await startPhpFpm());
  h = R.add(await startHttpd({ body: body(idp, fpm), files: files(), extraModules: mods('proxy', 'proxy_fcgi', 'actions') }));
  for (const name of ['alice', 'bob', 'carol', 'zoë', 'mallory', 'dave']) {
    agents[name] = new Agent();
    await login(agents[name], h, idp, '/cgi/default/env.cgi', { username: name });
  }
}));
after(() => R.stopAll());

/** GETs a runtime's dump as alice (or another user) → { res, env, claims, hex, dump } */
async function dump(rt, variant, name = 'alice', urlPath) {
  const res = await agents[name].nav(h.url + (urlPath || `/${rt}/${variant}/${RUNTIMES[rt].file}`));
  assert.equal(res.status, 200, `${rt}/${variant} as ${name}: ${res.status} ${res.headers.location || ''} ${res.text.slice(0, 300)}`);
  assert.ok(res.json, `not JSON: ${res.text.slice(0, 500)}`);
  if (res.json.server) { // the PHP dump (fixtures/env.php)
    assert.equal(res.json.claims_error, null, `json_decode(COGNITO_CLAIMS) failed: ${res.json.claims_error}`);
    return { res, env: res.json.server, claims: res.json.claims, hex: res.json.hex, dump: res.json };
  }
  // the CGI dump (fixtures/env.cgi)
  const env = { ...res.json };
  const hex = env._hex;
  delete env._hex;
  let claims;
  if (typeof env.COGNITO_CLAIMS === 'string') claims = JSON.parse(env.COGNITO_CLAIMS);
  return { res, env, claims, hex, dump: res.json };
}

for (const [rt, info] of Object.entries(RUNTIMES)) {
  describe(info.title, () => {
    // it(key, title, fn): runtimes with an `only` list run just those keys
    const it = (key, title, fn) => (info.only && !info.only.includes(key) ? undefined : nodeIt(title, fn));
    it('alice', 'alice: REMOTE_USER, AUTH_TYPE and every COGNITO_* variable with the documented values', withLogs(logs, async () => {
      const { env, claims, dump: d } = await dump(rt, 'default');
      if (info.php) assert.match(d.sapi, rt === 'fpm' ? /fpm/ : /cgi/, `SAPI ${d.sapi}`);
      assertIdentity(env, claims, expectFor('alice'), `${rt}: `);
      assert.equal(env.COGNITO_GROUPS, 'admin,staff');
      assert.equal(env.COGNITO_TENANT, 'acme');
      assert.equal(env.COGNITO_CLAIM_CUSTOM_PLAN, 'pro');
      assert.equal(env.COGNITO_CLAIM_CUSTOM_TENANT_ID, 'acme');
      assert.equal(env.COGNITO_CLAIM_COGNITO_USERNAME, 'alice');
      assert.equal(env.COGNITO_CLAIM_COGNITO_GROUPS, 'admin,staff');
      assert.equal(env.COGNITO_CLAIM_REGIONS, 'eu,us', 'array → comma-joined');
      assert.deepEqual(JSON.parse(env.COGNITO_CLAIM_PREFS), { theme: 'dark' }, 'object → JSON');
      assert.match(env.COGNITO_CLAIM_PREFS, /^\{.*\}$/);
      assert.equal(env.COGNITO_CLAIM_SCORE, '42', 'number → decimal text');
      assert.equal(env.COGNITO_CLAIM_BETA, 'true', 'boolean → true');
      assert.equal(env.COGNITO_CLAIM_EMAIL_VERIFIED, 'true');
      assert.equal(env.COGNITO_CLAIM_PHONE_NUMBER_VERIFIED, 'false', 'boolean → false');
      // json_decode($_SERVER['COGNITO_CLAIMS']) gives the claims with their JSON types
      assert.equal(claims['custom:plan'], 'pro');
      assert.equal(claims.score, 42);
      assert.equal(claims.beta, true);
      assert.deepEqual(claims.prefs, { theme: 'dark' });
      assert.deepEqual(claims.regions, ['eu', 'us']);
      assert.deepEqual(claims['cognito:groups'], ['admin', 'staff']);
      assert.equal(env.COGNITO_ACCESS_TOKEN, undefined, 'no tokens without CognitoPassTokens on');
      assert.equal(env.COGNITO_ID_TOKEN, undefined, 'no tokens without CognitoPassTokens on');
      assert.equal(env.HTTP_AUTHORIZATION, undefined);
      // REDIRECT_* copies are httpd's own doing on internal redirects (mod_actions); what
      // matters is that the unprefixed variables above are there.
      const cookie = env.HTTP_COOKIE || '';
      assert.doesNotMatch(cookie, /cognito_session/, `the session cookie reached the application: ${cookie}`);
    }));

    it('bob', 'bob and carol: groups comma-joined / absent, tenant, plan', withLogs(logs, async () => {
      const b = await dump(rt, 'default', 'bob');
      assertIdentity(b.env, b.claims, expectFor('bob'), `${rt} bob: `);
      assert.equal(b.env.COGNITO_GROUPS, 'staff');
      assert.equal(b.env.COGNITO_TENANT, 'globex');
      assert.equal(b.env.COGNITO_CLAIM_CUSTOM_PLAN, 'basic');
      const c = await dump(rt, 'default', 'carol');
      assertIdentity(c.env, c.claims, expectFor('carol'), `${rt} carol: `);
      assert.equal(c.env.COGNITO_CLAIM_CUSTOM_PLAN, undefined);
      assert.equal(c.env.COGNITO_CLAIM_EMAIL_VERIFIED, 'false');
    }));

    it('zoe', 'zoë: the non-ASCII user name and name claim arrive as UTF-8', withLogs(logs, async () => {
      const { env, claims, hex } = await dump(rt, 'default', 'zoë');
      assertIdentity(env, claims, expectFor('zoë'), `${rt} zoë: `);
      assert.equal(env.REMOTE_USER, 'zoë');
      assert.equal(env.COGNITO_CLAIM_NAME, 'Zoë Ünïcødé');
      assert.equal(claims.name, 'Zoë Ünïcødé');
      if (hex) assert.equal(hex.COGNITO_CLAIM_NAME, Buffer.from('Zoë Ünïcødé', 'utf8').toString('hex'), 'raw bytes of COGNITO_CLAIM_NAME');
    }));

    it('mallory', 'mallory: CR, LF and NUL are removed from custom:note ("line1line2end")', withLogs(logs, async () => {
      const { env, claims, hex } = await dump(rt, 'default', 'mallory');
      assertIdentity(env, claims, expectFor('mallory'), `${rt} mallory: `);
      assert.equal(env.COGNITO_CLAIM_CUSTOM_NOTE, 'line1line2end');
      if (hex) assert.equal(hex.COGNITO_CLAIM_CUSTOM_NOTE, Buffer.from('line1line2end').toString('hex'));
      assert.ok(['line1\r\nline2\u0000end', 'line1line2end'].includes(claims['custom:note']),
        `COGNITO_CLAIMS custom:note decodes to ${JSON.stringify(claims['custom:note'])}`);
    }));

    it('dave', 'dave: 100 groups comma-joined', withLogs(logs, async () => {
      const { env, claims } = await dump(rt, 'default', 'dave');
      assertIdentity(env, claims, expectFor('dave'), `${rt} dave: `);
      assert.equal(env.COGNITO_GROUPS.split(',').length, 100);
    }));

    it('tokens', 'CognitoPassTokens on: COGNITO_ACCESS_TOKEN and COGNITO_ID_TOKEN are the session tokens', withLogs(logs, async () => {
      const { env, claims } = await dump(rt, 'tokens');
      assertIdentity(env, claims, expectFor('alice'), `${rt} tokens: `);
      assert.ok(env.COGNITO_ACCESS_TOKEN, 'COGNITO_ACCESS_TOKEN missing');
      assert.ok(env.COGNITO_ID_TOKEN, 'COGNITO_ID_TOKEN missing');
      const at = jwtPayload(env.COGNITO_ACCESS_TOKEN);
      const it_ = jwtPayload(env.COGNITO_ID_TOKEN);
      assert.equal(at.token_use, 'access');
      assert.equal(at.client_id, 'testclient1');
      assert.equal(at.sub, expectFor('alice').sub);
      assert.deepEqual(at.scope.split(' ').sort(), [...SCOPE].sort());
      assert.equal(it_.token_use, 'id');
      assert.equal(it_.aud, 'testclient1');
      assert.equal(it_.sub, expectFor('alice').sub);
      assert.equal(String(it_.exp), env.COGNITO_EXPIRES);
    }));

    it('none', 'CognitoPassClaimsAs none: no COGNITO_* variable, REMOTE_USER and AUTH_TYPE still set', withLogs(logs, async () => {
      const { env } = await dump(rt, 'none');
      assert.equal(env.REMOTE_USER, 'alice');
      assert.equal(env.AUTH_TYPE, 'Cognito');
      assertNoCognitoVars(env, `${rt} none: `);
    }));
  });
}

describe("php-cgi with Debian's default layout (only the application directory protected)", () => {
  // The Action handler's URL (/php-cgi-bin-open/php8.2) lies outside the protected location, so httpd
  // serves it as an internal redirect and renames the variables to REDIRECT_*. Whether the module must
  // re-export them there is an open question (see the report); the test states what the contract says.
  nodeIt('the PHP page sees REMOTE_USER and COGNITO_* (not only REDIRECT_*)', withLogs(logs, async () => {
    const { env, claims } = await dump('phpaction', null, 'alice', '/phpaction-open/env.php');
    assertIdentity(env, claims, expectFor('alice'), 'phpaction-open: ');
  }));
});
