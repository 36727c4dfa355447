// Contract: Require cognito-group / cognito-claim / cognito-tenant / cognito-scope, alone and in
// <RequireAll>/<RequireAny>, for browser sessions (alice, bob, carol) and for Bearer access tokens.
// Every cell is 200 or 403 (AuthzSendForbiddenOnFailure On); without a session navigations go to login
// (302) and XHR gets 401; Bearer-only locations answer 401 without a token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { Agent, NAV_HEADERS, XHR_HEADERS, isLoginRedirect, login, send } from './lib/login.mjs';
import { ID_ONLY_CLAIMS, SUBS, cognitoServer, idpEvents, resources } from './lib/apps.mjs';
import { pool } from './lib/cognito.mjs';

const USERS = ['alice', 'bob', 'carol'];
const SCOPE = 'openid email profile orders/read';

// name → Require block and the expected answer per user (sessions: ID-token claims + access-token scope)
const RULES = [
  { name: 'valid-user', req: 'Require valid-user', exp: [200, 200, 200] },
  { name: 'user-bob', req: 'Require user bob', exp: [403, 200, 403] },
  { name: 'g-admin', req: 'Require cognito-group admin', exp: [200, 403, 403] },
  { name: 'g-staff', req: 'Require cognito-group staff', exp: [200, 200, 403] },
  { name: 'g-list', req: 'Require cognito-group nobody staff', exp: [200, 200, 403] },
  { name: 'c-plan', req: 'Require cognito-claim custom:plan pro', exp: [200, 403, 403] },
  { name: 'c-plan-list', req: 'Require cognito-claim custom:plan gold basic', exp: [403, 200, 403] },
  { name: 'c-array', req: 'Require cognito-claim regions us', exp: [200, 403, 403] },
  { name: 'c-number', req: 'Require cognito-claim score 42', exp: [200, 403, 403] },
  { name: 'c-boolean', req: 'Require cognito-claim beta true', exp: [200, 403, 403] },
  { name: 't-acme', req: 'Require cognito-tenant acme', exp: [200, 403, 200] },
  { name: 's-read', req: 'Require cognito-scope orders/read', exp: [200, 200, 200] },
  { name: 's-write', req: 'Require cognito-scope orders/write', exp: [403, 403, 403] },
  { name: 'all', req: '<RequireAll>\n Require cognito-group staff\n Require cognito-tenant acme\n</RequireAll>', exp: [200, 403, 403] },
  { name: 'any', req: '<RequireAny>\n Require cognito-group admin\n Require cognito-claim custom:plan basic\n</RequireAny>', exp: [200, 200, 403] },
  { name: 'not', req: '<RequireAll>\n Require cognito-group staff\n Require not cognito-group admin\n</RequireAll>', exp: [403, 200, 403] },
  {
    name: 'nested',
    req: '<RequireAny>\n <RequireAll>\n  Require cognito-tenant acme\n  Require cognito-scope orders/read\n </RequireAll>\n Require cognito-group admin\n</RequireAny>',
    exp: [200, 403, 200],
  },
  { name: 't-env', req: 'Require cognito-tenant %{env:TENANT}', exp: null }, // depends on Host (below)
];
const TENANT = { alice: 'acme', bob: 'globex', carol: 'acme' };

function locations(prefix) {
  return RULES.map((r) => `<Location ${prefix}/${r.name}/>\n${r.req}\n</Location>`).join('\n');
}

const body = (idp) => `
${cognitoServer(idp, { scope: SCOPE })}
# the tenant is the first label of the host name: acme.example.test → TENANT=acme
SetEnvIf Host "^([^.]+)\\." TENANT=$1
ScriptAliasMatch "^/m/[a-z-]+/env$" "@DIR@/cgi-bin/env.cgi"
ScriptAliasMatch "^/api/m/[a-z-]+/env$" "@DIR@/cgi-bin/env.cgi"
<Location /m/>
    AuthType Cognito
    AuthName "app"
    AuthzSendForbiddenOnFailure On
    Require valid-user
</Location>
${locations('/m')}
<Location /api/>
    AuthType Cognito
    AuthName "api"
    CognitoBearer only
    AuthzSendForbiddenOnFailure On
    Require valid-user
</Location>
${locations('/api/m')}
`;

const R = resources();
let idp;
let h;
const sessions = {};
const logs = () => [...R.sources(), idp && idpEvents(idp)];

before(withLogs(logs, async () => {
  idp = R.add(await startIdp());
  h = R.add(await startHttpd({ body: body(idp) }));
  for (const user of USERS) {
    const agent = new Agent();
    const r = await login(agent, h, idp, '/m/valid-user/env', { username: user });
    sessions[user] = r.sessionCookie;
  }
}));
after(() => R.stopAll());

const hostFor = (label) => (label ? `${label}.example.test:${h.port}` : `127.0.0.1:${h.port}`);

function get(path, { cookie, headers = {}, host } = {}) {
  const hdrs = { ...headers, Host: hostFor(host) };
  if (cookie) hdrs.Cookie = cookie;
  return send(h.url + path, { headers: hdrs });
}

/** Runs the cells concurrently and reports every wrong one at once. */
async function checkCells(cells) {
  const results = await pool(cells.length, 6, async (i) => {
    const c = cells[i];
    const res = await c.run();
    return { c, res };
  });
  const wrong = [];
  for (const { c, res } of results) {
    if (res.status !== c.want) {
      wrong.push(`${c.label}: expected ${c.want}, got ${res.status}${res.headers.location ? ` → ${res.headers.location.slice(0, 80)}` : ''}`);
    } else if (c.want === 200 && c.user) {
      if (!res.json || res.json.REMOTE_USER !== c.user) wrong.push(`${c.label}: 200 but REMOTE_USER=${res.json?.REMOTE_USER}`);
    }
  }
  assert.deepEqual(wrong, [], `wrong cells:\n${wrong.join('\n')}`);
}

describe('browser sessions: users × Require lines', () => {
  it('every cell is 200 or 403 as expected', withLogs(logs, async () => {
    const cells = [];
    for (const rule of RULES.filter((r) => r.exp)) {
      USERS.forEach((user, i) => cells.push({
        label: `${user} ${rule.name}`, user, want: rule.exp[i],
        run: () => get(`/m/${rule.name}/env`, { cookie: `cognito_session=${sessions[user]}`, headers: NAV_HEADERS }),
      }));
    }
    await checkCells(cells);
  }));

  it('cognito-tenant %{env:TENANT} follows the Host header (SetEnvIf Host)', withLogs(logs, async () => {
    const cells = [];
    for (const user of USERS) {
      for (const host of ['acme', 'globex', null]) {
        cells.push({
          label: `${user} Host ${hostFor(host)}`, user,
          want: host && TENANT[user] === host ? 200 : 403,
          run: () => get('/m/t-env/env', { cookie: `cognito_session=${sessions[user]}`, headers: NAV_HEADERS, host }),
        });
      }
    }
    await checkCells(cells);
  }));

  it('a refused user is answered 403 whether the request is a navigation or XHR', withLogs(logs, async () => {
    for (const headers of [NAV_HEADERS, XHR_HEADERS]) {
      const res = await get('/m/g-admin/env', { cookie: `cognito_session=${sessions.bob}`, headers });
      assert.equal(res.status, 403, res.text.slice(0, 200));
      assert.equal(res.headers.location, undefined);
    }
  }));

  it('without a session: navigations get 302 to login, XHR gets 401 — on every location', withLogs(logs, async () => {
    const cells = [];
    for (const rule of RULES) {
      for (const host of [null, 'acme']) {
        cells.push({ label: `nav ${rule.name} ${host || ''}`, want: 302, run: () => get(`/m/${rule.name}/env`, { headers: NAV_HEADERS, host }) });
        cells.push({ label: `xhr ${rule.name} ${host || ''}`, want: 401, run: () => get(`/m/${rule.name}/env`, { headers: XHR_HEADERS, host }) });
      }
    }
    await checkCells(cells);
    for (const rule of RULES) {
      const res = await get(`/m/${rule.name}/env`, { headers: NAV_HEADERS });
      assert.ok(isLoginRedirect(res, idp), `${rule.name}: Location ${res.headers.location}`);
    }
  }));

  it('a garbage session cookie counts as no session (302 / 401, never 403 or 200)', withLogs(logs, async () => {
    const cookie = 'cognito_session=' + 'A'.repeat(43);
    for (const rule of RULES) {
      const nav = await get(`/m/${rule.name}/env`, { cookie, headers: NAV_HEADERS });
      assert.ok(isLoginRedirect(nav, idp), `${rule.name}: ${nav.status} ${nav.headers.location || ''}`);
      const xhr = await get(`/m/${rule.name}/env`, { cookie, headers: XHR_HEADERS });
      assert.equal(xhr.status, 401, rule.name);
    }
  }));
});

describe('Bearer access tokens (CognitoBearer only): users × Require lines', () => {
  // Access tokens carry cognito:groups and scope but no custom:* attributes: the tenant/plan/extra
  // claims are added with the mint override, as a V2 pre-token-generation trigger would.
  const tokens = {};
  before(async () => {
    for (const user of USERS) {
      tokens[user] = (await idp.mint({ username: user, scope: 'openid email orders/read', claims: ID_ONLY_CLAIMS[user] })).token;
    }
  });

  it('every cell is 200 or 403 as expected', withLogs(logs, async () => {
    const cells = [];
    for (const rule of RULES.filter((r) => r.exp)) {
      USERS.forEach((user, i) => cells.push({
        label: `${user} ${rule.name}`, user, want: rule.exp[i],
        run: () => get(`/api/m/${rule.name}/env`, { headers: { Authorization: `Bearer ${tokens[user]}`, Accept: 'application/json' } }),
      }));
    }
    await checkCells(cells);
  }));

  it('cognito-tenant %{env:TENANT} follows the Host header', withLogs(logs, async () => {
    const cells = [];
    for (const user of USERS) {
      for (const host of ['acme', 'globex', null]) {
        cells.push({
          label: `${user} Host ${hostFor(host)}`, user,
          want: host && TENANT[user] === host ? 200 : 403,
          run: () => get('/api/m/t-env/env', { headers: { Authorization: `Bearer ${tokens[user]}` }, host }),
        });
      }
    }
    await checkCells(cells);
  }));

  it('a plain access token (no pre-token claims): groups and scope match, custom:* rules refuse', withLogs(logs, async () => {
    const { token, payload } = await idp.mint({ username: 'alice', scope: 'openid email orders/read' });
    assert.equal(payload['custom:tenant_id'], undefined);
    const want = {
      'valid-user': 200, 'g-admin': 200, 'g-staff': 200, 's-read': 200, 's-write': 403,
      't-acme': 403, 'c-plan': 403, 'c-number': 403, 'all': 403, 'any': 200, 'not': 403,
    };
    const cells = Object.entries(want).map(([name, w]) => ({
      label: `alice(plain) ${name}`, user: 'alice', want: w,
      run: () => get(`/api/m/${name}/env`, { headers: { Authorization: `Bearer ${token}` } }),
    }));
    cells.push({ label: 'alice(plain) t-env acme', user: 'alice', want: 403, run: () => get('/api/m/t-env/env', { headers: { Authorization: `Bearer ${token}` }, host: 'acme' }) });
    await checkCells(cells);
  }));

  it('cognito-scope uses the token scope: without orders/read → 403', withLogs(logs, async () => {
    const { token } = await idp.mint({ username: 'alice', scope: 'openid email', claims: ID_ONLY_CLAIMS.alice });
    const cells = [
      { label: 's-read', want: 403, run: () => get('/api/m/s-read/env', { headers: { Authorization: `Bearer ${token}` } }) },
      { label: 'nested (admin still grants)', user: 'alice', want: 200, run: () => get('/api/m/nested/env', { headers: { Authorization: `Bearer ${token}` } }) },
      { label: 'g-admin', user: 'alice', want: 200, run: () => get('/api/m/g-admin/env', { headers: { Authorization: `Bearer ${token}` } }) },
    ];
    await checkCells(cells);
    const w = await idp.mint({ username: 'bob', scope: 'openid orders/write', claims: ID_ONLY_CLAIMS.bob });
    await checkCells([{ label: 'bob s-write', user: 'bob', want: 200, run: () => get('/api/m/s-write/env', { headers: { Authorization: `Bearer ${w.token}` } }) }]);
  }));

  it('the 200 answers carry the token identity', withLogs(logs, async () => {
    const res = await get('/api/m/g-staff/env', { headers: { Authorization: `Bearer ${tokens.bob}` } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.REMOTE_USER, 'bob');
    assert.equal(res.json.COGNITO_SUB, SUBS.bob);
    assert.equal(res.json.COGNITO_TOKEN_USE, 'access');
    assert.equal(res.json.COGNITO_GROUPS, 'staff');
  }));

  it('without a token: 401 with a Bearer challenge on every location, navigation or not, never a redirect', withLogs(logs, async () => {
    const cells = [];
    for (const rule of RULES) {
      for (const headers of [NAV_HEADERS, XHR_HEADERS]) {
        cells.push({ label: `${rule.name} ${headers === NAV_HEADERS ? 'nav' : 'xhr'}`, want: 401, run: () => get(`/api/m/${rule.name}/env`, { headers }) });
      }
    }
    await checkCells(cells);
    const res = await get('/api/m/g-admin/env', { headers: NAV_HEADERS });
    assert.match(String(res.headers['www-authenticate'] || ''), /^Bearer/);
  }));

  it('a session cookie does not open a CognitoBearer only location', withLogs(logs, async () => {
    const res = await get('/api/m/g-admin/env', { cookie: `cognito_session=${sessions.alice}`, headers: NAV_HEADERS });
    assert.equal(res.status, 401, res.text.slice(0, 200));
  }));
});
