// AWS credentials from a Cognito identity pool (CognitoIdentityPool, CognitoPassAWSCredentials): what the
// application receives and what must never leak or be forged.
//
// Guards: an application handed credentials for the wrong role (group role precedence ignored, CustomRoleArn
// ignored, a role name claimed when the token has none); credentials that differ from what the identity pool issued;
// GetId called on every request (throttling, cost); AWS secrets written to the error log (even at trace8), to a
// shared session store in clear, or shown by the info endpoint; a client header or a SetEnv posing as the
// module's AWS_* values (also when the module has no credentials to give); Require cognito-role granting the
// wrong user; bad identity directives accepted by configtest; AWS secrets sent as headers to a backend that is
// not a loopback/https reverse proxy, or client copies of those headers reaching the backend.
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { configtest, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { mods, startEchoBackend } from './lib/apps.mjs';
import {
  AUTHENTICATED_ROLE, groupRoles, identityFail, identityIdentities, identityIssued, identityPool,
} from './lib/identity.mjs';
import {
  Agent, NAV_HEADERS, XHR_HEADERS, idpLogSource, login, loginBody, logSlice, redisDump, startLoginRig,
} from './lib/login.mjs';
import { scaleout, scaleoutHttpdOpts, secretLine } from './lib/stores.mjs';

const ACCOUNT = '123456789012';
const ADMINS = `arn:aws:iam::${ACCOUNT}:role/admins`;
const STAFF = `arn:aws:iam::${ACCOUNT}:role/staff`;
const REGION = 'eu-west-1';
const ENV = '/protected/cgi-bin/env.cgi';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Epoch seconds → the module's AWS_CREDENTIAL_EXPIRATION spelling (whole seconds, UTC, Z). */
const iso = (sec) => new Date(Math.floor(sec) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The server-level identity directives for this emulator. */
const identityDirectives = (idp, extra = '') => `
CognitoIdentityPool ${idp.raw.identityPoolId}
CognitoIdentityEndpoint ${idp.raw.identityEndpoint}
CognitoHTTPTimeout 3
${extra}`;

/** Counters of the two identity operations. */
async function identityCounts(idp) {
  const c = await idp.counters();
  return { getId: c['identity:GetId'] || 0, getCreds: c['identity:GetCredentialsForIdentity'] || 0 };
}

/** Issued credential sets after `mark` (an index into the issued list) for a user. */
async function issuedSince(idp, mark, username) {
  return (await identityIssued(idp)).slice(mark).filter((r) => !username || r.username === username);
}

/** Logs in `username` in a fresh agent; → { agent, rec (the one credential set issued at this login), cookie } */
async function loginWithCredentials(rig, username, path = ENV) {
  const mark = (await identityIssued(rig.idp)).length;
  const agent = new Agent();
  const { sessionCookie } = await login(agent, rig.h, rig.idp, path, { username });
  const recs = await issuedSince(rig.idp, mark, username);
  assert.equal(recs.length, 1, `one credential set should be issued at ${username}'s login: ${JSON.stringify(recs)}`);
  return { agent, rec: recs[0], cookie: sessionCookie };
}

async function cgiEnv(agent, url, opts = {}) {
  const res = await agent.request(url, opts);
  assert.equal(res.status, 200, `${url}: ${res.status} ${res.text.slice(0, 300)}`);
  assert.ok(res.json && typeof res.json === 'object', `${url}: JSON env expected: ${res.text.slice(0, 300)}`);
  return res.json;
}

/** The module's exported environment equals the issued set. */
function assertEnvIs(env, rec, { role }) {
  const what = `CGI env vs issued ${rec.accessKeyId}`;
  assert.equal(env.AWS_ACCESS_KEY_ID, rec.accessKeyId, `${what}: AWS_ACCESS_KEY_ID`);
  assert.equal(env.AWS_SECRET_ACCESS_KEY, rec.secretKey, `${what}: AWS_SECRET_ACCESS_KEY`);
  assert.equal(env.AWS_SESSION_TOKEN, rec.sessionToken, `${what}: AWS_SESSION_TOKEN`);
  assert.match(env.AWS_CREDENTIAL_EXPIRATION || '', ISO, `${what}: AWS_CREDENTIAL_EXPIRATION format`);
  assert.equal(env.AWS_CREDENTIAL_EXPIRATION, iso(rec.expiration), `${what}: AWS_CREDENTIAL_EXPIRATION`);
  assert.ok(Date.parse(env.AWS_CREDENTIAL_EXPIRATION) > Date.now(), `${what}: not expired`);
  assert.equal(env.AWS_REGION, REGION, `${what}: AWS_REGION`);
  assert.equal(env.COGNITO_IDENTITY_ID, rec.identityId, `${what}: COGNITO_IDENTITY_ID`);
  assert.equal(env.COGNITO_AWS_CREDENTIALS, 'available', `${what}: COGNITO_AWS_CREDENTIALS`);
  if (role === undefined) assert.ok(!('COGNITO_ROLE_ARN' in env), `${what}: no COGNITO_ROLE_ARN, got ${env.COGNITO_ROLE_ARN}`);
  else assert.equal(env.COGNITO_ROLE_ARN, role, `${what}: COGNITO_ROLE_ARN`);
  assert.ok(!('AWS_SECURITY_TOKEN' in env), `${what}: the legacy AWS_SECURITY_TOKEN is never set: ${env.AWS_SECURITY_TOKEN}`);
}

const logMark = (h) => Buffer.byteLength(h.errorLog());
const logSince = (h, mark) => Buffer.from(h.errorLog()).subarray(mark).toString('utf8');

/** The error log, after `mark`, says the AWS headers were not sent (children write asynchronously). */
async function assertLogsNotSent(h, mark) {
  const line = 'CognitoPassAWSCredentials headers: not sent';
  for (let i = 0; i < 40 && !logSince(h, mark).includes(line); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(logSince(h, mark).includes(line), `the error log should say "${line}"; new lines:\n${logSince(h, mark)}`);
}

/** Every spelling of a secret a log or a dump could carry it in. */
const spellings = (s) => [...new Set([s, s.replaceAll('/', '\\/'), encodeURIComponent(s)])];

/** The shared setup: the emulator's group roles (admin → admins, staff → staff) and identity pool mapping 'token'. */
async function emulator() {
  const idp = await startIdp();
  await groupRoles(idp, { admin: { roleArn: ADMINS, precedence: 1 }, staff: { roleArn: STAFF, precedence: 2 } });
  await identityPool(idp, { roleMapping: 'token' });
  return idp;
}

describe('AWS credentials in the CGI environment, roles, spoofing, headers mode', () => {
  let idp;
  let echo;
  let farEcho; // an echo backend on this machine's non-loopback address (plain http off the host), if it has one
  let rig;
  const sources = () => [rig?.h, idp && idpLogSource(idp), echo, farEcho].filter(Boolean);

  before(async () => {
    idp = await emulator();
    echo = await startEchoBackend();
    const ext = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (ext) farEcho = await startEchoBackend({ host: ext.address });
    const auth = (p, require) => `
<Location ${p}>
    Require cognito-role ${require}
    AuthzSendForbiddenOnFailure On
</Location>`;
    rig = await startLoginRig({
      idp,
      extraModules: mods('proxy', 'proxy_http'),
      directives: identityDirectives(idp, 'CognitoPassAWSCredentials env'),
      locationExtra: `    SetEnv AWS_ACCESS_KEY_ID spoofed
    SetEnv AWS_SESSION_TOKEN spoofed
    SetEnv AWS_SECURITY_TOKEN spoofed`,
      suffix: `
${auth('/protected/role-name', 'admins')}
${auth('/protected/role-arn', ADMINS)}
${auth('/protected/role-staff', 'staff')}
${auth('/protected/role-prefix', 'admin')}
<Location /protected/hdr/>
    CognitoPassAWSCredentials headers
</Location>
ProxyPass /protected/hdr/ ${echo.url}/hdr/
<Location /protected/hdrfar/>
    CognitoPassAWSCredentials headers
</Location>
${farEcho ? `ProxyPass /protected/hdrfar/ ${farEcho.url}/hdrfar/` : ''}
<Location /protected/hdrcgi/>
    CognitoPassAWSCredentials headers
</Location>
ScriptAlias /protected/hdrcgi/ "@DIR@/cgi-bin/"
`,
      files: Object.fromEntries(['role-name', 'role-arn', 'role-staff', 'role-prefix'].map((d) => [
        `htdocs/protected/${d}/page.html`, `<!doctype html><title>${d}</title><p>${d} page</p>\n`])),
    });
  });
  after(async () => {
    await rig?.stop();
    await echo?.close();
    await farEcho?.close();
    await idp?.close();
  });

  it('alice (group admin → admins role, precedence 1): the CGI sees the credentials issued for her identity', withLogs(sources, async () => {
    const { agent, rec } = await loginWithCredentials(rig, 'alice');
    assert.equal(rec.roleArn, ADMINS, `the identity pool should issue the admins role for alice: ${JSON.stringify(rec)}`);
    const env = await cgiEnv(agent, rig.h.url + ENV);
    assertEnvIs(env, rec, { role: ADMINS });
    const ids = (await identityIdentities(idp)).filter((i) => i.identityId === rec.identityId);
    assert.equal(ids.length, 1, `the identity ${rec.identityId} was created by GetId`);
    assert.equal(ids[0].username, 'alice');
    assert.ok(rec.identityId.startsWith(`${REGION}:`), `identity id in the pool's region: ${rec.identityId}`);
  }));

  it('carol (no group): credentials of the default authenticated role; no COGNITO_ROLE_ARN', withLogs(sources, async () => {
    const { agent, rec } = await loginWithCredentials(rig, 'carol');
    assert.equal(rec.roleArn, AUTHENTICATED_ROLE, `carol's issued role: ${JSON.stringify(rec)}`);
    const env = await cgiEnv(agent, rig.h.url + ENV);
    assertEnvIs(env, rec, { role: undefined });
  }));

  it('GetId once per session: further requests call neither GetId nor GetCredentialsForIdentity', withLogs(sources, async () => {
    const before0 = await identityCounts(idp);
    const { agent, rec } = await loginWithCredentials(rig, 'alice');
    const afterLogin = await identityCounts(idp);
    assert.deepEqual({ getId: afterLogin.getId - before0.getId, getCreds: afterLogin.getCreds - before0.getCreds },
      { getId: 1, getCreds: 1 }, 'a login makes one GetId and one GetCredentialsForIdentity');
    for (let i = 0; i < 2; i++) {
      const env = await cgiEnv(agent, rig.h.url + ENV, { headers: i ? XHR_HEADERS : NAV_HEADERS });
      assert.equal(env.AWS_ACCESS_KEY_ID, rec.accessKeyId, `request ${i + 2}: the same credentials`);
    }
    const later = await identityCounts(idp);
    assert.deepEqual(later, afterLogin, 'the second and third request call the identity pool no more');
  }));

  it('client headers and SetEnv cannot pose as the module\'s AWS values (credentials available)', withLogs(sources, async () => {
    const { agent, rec } = await loginWithCredentials(rig, 'alice');
    const env = await cgiEnv(agent, rig.h.url + ENV, {
      headers: {
        'AWS-Access-Key-Id': 'spoofed',
        'X-Amz-Security-Token': 'spoofed',
        'X-Cognito-AWS-Secret-Access-Key': 'spoofed',
        'X-Cognito-AWS-Session-Token': 'spoofed',
        'X_Cognito_AWS_Access_Key_Id': 'spoofed',
      },
    });
    assertEnvIs(env, rec, { role: ADMINS });
    for (const [k, v] of Object.entries(env)) {
      if (/^(AWS_|COGNITO_)/.test(k)) assert.notEqual(v, 'spoofed', `${k} must be the module's value`);
    }
    const cognitoHeaders = Object.keys(env).filter((k) => /^HTTP_X_COGNITO/.test(k));
    assert.deepEqual(cognitoHeaders, [], 'client X-Cognito-AWS-* headers never reach the CGI');
  }));

  it('credentials unavailable (identity pool failing), CognitoIdentityRequired off: no AWS_* at all, even from SetEnv or headers', withLogs(sources, async () => {
    await identityFail(idp, { mode: 'internal' });
    let agent;
    let slice;
    try {
      agent = new Agent();
      [, slice] = await logSlice(rig.h, () => login(agent, rig.h, idp, ENV, { username: 'alice' }));
    } finally {
      await identityFail(idp, { mode: 'off' });
    }
    assert.match(slice, /COGNITO0501: identity_unavailable/, `the login logs the failure:\n${slice}`);
    const env = await cgiEnv(agent, rig.h.url + ENV, {
      headers: { 'AWS-Access-Key-Id': 'spoofed', 'X-Amz-Security-Token': 'spoofed', 'X-Cognito-AWS-Secret-Access-Key': 'spoofed' },
    });
    assert.equal(env.REMOTE_USER, 'alice', 'still signed in');
    assert.equal(env.COGNITO_AWS_CREDENTIALS, 'unavailable');
    const aws = Object.keys(env).filter((k) => /^AWS_/.test(k));
    assert.deepEqual(aws, [], `no AWS_* variable (the SetEnv values removed): ${JSON.stringify(Object.fromEntries(aws.map((k) => [k, env[k]])))}`);
    for (const k of ['COGNITO_IDENTITY_ID', 'COGNITO_ROLE_ARN']) assert.ok(!(k in env), `${k} absent: ${env[k]}`);
    assert.deepEqual(Object.keys(env).filter((k) => /^HTTP_X_COGNITO/.test(k)), []);
  }));

  it('Require cognito-role: by role name and by full ARN; preferred role or any of cognito:roles; no prefix match', withLogs(sources, async () => {
    const alice = (await loginWithCredentials(rig, 'alice')).agent;
    const carol = (await loginWithCredentials(rig, 'carol')).agent;
    const expect = { 'role-name': [200, 403], 'role-arn': [200, 403], 'role-staff': [200, 403], 'role-prefix': [403, 403] };
    for (const [dir, [a, c]] of Object.entries(expect)) {
      const url = `${rig.h.url}/protected/${dir}/page.html`;
      const ra = await alice.nav(url);
      assert.equal(ra.status, a, `alice at ${dir}: ${ra.status} ${ra.text.slice(0, 200)}`);
      if (a === 200) assert.match(ra.text, new RegExp(`${dir} page`));
      const rc = await carol.nav(url);
      assert.equal(rc.status, c, `carol at ${dir}: ${rc.status} ${rc.text.slice(0, 200)}`);
      assert.doesNotMatch(rc.text, new RegExp(`${dir} page`));
    }
  }));

  it('headers mode, reverse proxy to a loopback backend: X-Cognito-AWS-* equal the issued values; client copies never arrive', withLogs(sources, async () => {
    const { agent, rec } = await loginWithCredentials(rig, 'alice');
    const n = echo.requests.length;
    const res = await agent.request(`${rig.h.url}/protected/hdr/x`, {
      headers: {
        'X-Cognito-AWS-Access-Key-Id': 'spoofed',
        'X-Cognito-AWS-Secret-Access-Key': 'spoofed',
        'X-Cognito-AWS-Session-Token': 'spoofed',
        'X-Cognito-Role-Arn': 'spoofed',
        'X-Cognito-Identity-Id': 'spoofed',
        'X_Cognito_AWS_Credentials': 'spoofed',
        'x-cognito-aws-region': 'spoofed',
      },
    });
    assert.equal(res.status, 200, `${res.status} ${res.text.slice(0, 300)}`);
    assert.equal(echo.requests.length, n + 1, 'the backend got the request');
    const got = echo.requests.at(-1);
    const want = {
      'x-cognito-aws-access-key-id': rec.accessKeyId,
      'x-cognito-aws-secret-access-key': rec.secretKey,
      'x-cognito-aws-session-token': rec.sessionToken,
      'x-cognito-aws-credential-expiration': iso(rec.expiration),
      'x-cognito-aws-region': REGION,
      'x-cognito-identity-id': rec.identityId,
      'x-cognito-role-arn': ADMINS,
      'x-cognito-aws-credentials': 'available',
    };
    for (const [name, value] of Object.entries(want)) {
      const lines = got.rawHeaders.filter(([k]) => k.toLowerCase() === name);
      assert.equal(lines.length, 1, `${name}: exactly one line at the backend: ${JSON.stringify(lines)}`);
      assert.equal(lines[0][1], value, `${name}`);
    }
    const spoofed = got.rawHeaders.filter(([, v]) => v === 'spoofed');
    assert.deepEqual(spoofed, [], 'no client-sent copy reaches the backend');
  }));

  it('headers mode, reverse proxy to plain http on a non-loopback address: no AWS header sent; the log says why', withLogs(sources, async (t) => {
    if (!farEcho) return t.skip('no non-loopback IPv4 address on this machine');
    const { agent, rec } = await loginWithCredentials(rig, 'alice');
    const n = farEcho.requests.length;
    const mark = logMark(rig.h);
    const res = await agent.request(`${rig.h.url}/protected/hdrfar/x`, {
      headers: { 'X-Cognito-AWS-Access-Key-Id': 'spoofed', 'X-Cognito-AWS-Credentials': 'spoofed' },
    });
    assert.equal(res.status, 200, `${res.status} ${res.text.slice(0, 300)}`);
    assert.equal(farEcho.requests.length, n + 1, 'the backend got the request');
    const got = farEcho.requests.at(-1);
    const cognito = got.rawHeaders.filter(([k]) => /cognito|^aws|amz/i.test(k));
    assert.deepEqual(cognito, [], `no X-Cognito-* header to ${farEcho.url}`);
    const all = JSON.stringify(got);
    for (const s of [rec.accessKeyId, rec.secretKey, rec.sessionToken]) assert.ok(!all.includes(s), 'no AWS secret reaches the backend');
    await assertLogsNotSent(rig.h, mark);
  }));

  it('headers mode on a CGI (not proxied): no AWS header, no secret in the environment; the log says why', withLogs(sources, async () => {
    const { agent, rec } = await loginWithCredentials(rig, 'alice');
    const mark = logMark(rig.h);
    const env = await cgiEnv(agent, `${rig.h.url}/protected/hdrcgi/env.cgi`, {
      headers: { 'X-Cognito-AWS-Access-Key-Id': 'spoofed', 'X-Cognito-AWS-Session-Token': 'spoofed' },
    });
    assert.equal(env.REMOTE_USER, 'alice');
    assert.deepEqual(Object.keys(env).filter((k) => /^HTTP_X_COGNITO/.test(k)), [], 'no X-Cognito-* header at the CGI');
    for (const [k, v] of Object.entries(env)) {
      for (const s of [rec.accessKeyId, rec.secretKey, rec.sessionToken]) {
        assert.ok(!String(v).includes(s), `${k} carries an AWS secret in a non-proxied headers-mode request`);
      }
    }
    await assertLogsNotSent(rig.h, mark);
  }));
});

describe('CognitoIdentityRole', () => {
  let idp;
  let rig;
  const sources = () => [rig?.h, idp && idpLogSource(idp)].filter(Boolean);
  before(async () => {
    idp = await emulator();
    rig = await startLoginRig({
      idp, directives: identityDirectives(idp, `CognitoPassAWSCredentials env\nCognitoIdentityRole ${STAFF}`),
    });
  });
  after(async () => {
    await rig?.stop();
    await idp?.close();
  });

  it('is sent as CustomRoleArn: alice gets the staff role (not her preferred admins role); COGNITO_ROLE_ARN says so', withLogs(sources, async () => {
    const { agent, rec } = await loginWithCredentials(rig, 'alice');
    assert.equal(rec.roleArn, STAFF, `issued role: ${JSON.stringify(rec)}`);
    const env = await cgiEnv(agent, rig.h.url + ENV);
    assertEnvIs(env, rec, { role: STAFF });
  }));
});

describe('AWS secrets are never written anywhere: error log at trace8, Redis store, info endpoint', () => {
  it('login + requests (env and proxied headers mode): access key id, secret key and session token appear in none of them', scaleout(async (ctx) => {
    const idp = await ctx.idp();
    await groupRoles(idp, { admin: { roleArn: ADMINS, precedence: 1 } });
    const store = await ctx.store('redis');
    const echo = ctx.track(await startEchoBackend());
    const opts = scaleoutHttpdOpts({
      idp, store,
      directives: `${secretLine()}\n${identityDirectives(idp, 'CognitoPassAWSCredentials env\nCognitoInfoPath /protected/me')}\nLogLevel trace8`,
    });
    // and the headers mode: the secrets travel to a proxied backend in request headers
    opts.body += `
<Location /protected/hdr/>
    CognitoPassAWSCredentials headers
</Location>
ProxyPass /protected/hdr/ ${echo.url}/hdr/
`;
    opts.extraModules = [...opts.extraModules, ...mods('proxy', 'proxy_http')];
    const h = await ctx.httpd(opts);
    const mark = (await identityIssued(idp)).length;
    const agent = new Agent();
    await login(agent, h, idp, ENV, { username: 'alice' });
    for (let i = 0; i < 3; i++) {
      const res = await agent.request(h.url + ENV, { headers: i % 2 ? XHR_HEADERS : NAV_HEADERS });
      assert.equal(res.status, 200);
      assert.equal(res.json?.COGNITO_AWS_CREDENTIALS, 'available', 'the session has credentials');
    }
    const proxied = await agent.request(h.url + '/protected/hdr/x');
    assert.equal(proxied.status, 200);
    assert.ok(proxied.json?.headers?.['x-cognito-aws-secret-access-key'], 'the backend got the credentials in headers');
    const me = await agent.xhr(h.url + '/protected/me');
    const recs = await issuedSince(idp, mark);
    assert.equal(recs.length, 1, `one credential set issued: ${JSON.stringify(recs)}`);
    const rec = recs[0];
    const secrets = { accessKeyId: rec.accessKeyId, secretKey: rec.secretKey, sessionToken: rec.sessionToken };

    // info endpoint
    assert.equal(me.status, 200, `info endpoint: ${me.status} ${me.text.slice(0, 300)}`);
    assert.ok(me.json?.aws, `info shows "aws": ${me.text.slice(0, 500)}`);
    assert.equal(me.json.aws.identity_id, rec.identityId);
    assert.equal(me.json.aws.role_arn, ADMINS);
    assert.ok(Math.abs(me.json.aws.expiration - rec.expiration) < 1, `aws.expiration ${me.json.aws.expiration} vs issued ${rec.expiration}`);
    for (const [name, s] of Object.entries(secrets)) {
      for (const sp of spellings(s)) assert.ok(!me.text.includes(sp), `the info endpoint shows the ${name}`);
    }

    // error log (trace8: make sure tracing really was on and the AWS activity was logged)
    await new Promise((r) => setTimeout(r, 200));
    const log = h.errorLog();
    assert.match(log, /:trace[1-8]\]/, 'LogLevel trace8 is in effect');
    assert.ok(log.includes(`AWS credentials obtained for identity ${rec.identityId}`), 'the credentials were logged as obtained');
    for (const [name, s] of Object.entries(secrets)) {
      for (const sp of spellings(s)) {
        const at = log.indexOf(sp);
        assert.equal(at, -1, `the error log contains the ${name}: …${log.slice(Math.max(0, at - 200), at + 60)}…`);
      }
      assert.ok(!h.accessLog().includes(s), `the access log contains the ${name}`);
    }

    // Redis: every key and value
    const dump = await redisDump(store.port);
    assert.ok(dump.length > 0, 'the session is in Redis');
    for (const { key, value } of dump) {
      const text = Buffer.concat([key, value]).toString('latin1');
      for (const [name, s] of Object.entries(secrets)) {
        for (const sp of [...spellings(s), Buffer.from(s).toString('base64')]) {
          assert.ok(!text.includes(sp), `Redis key ${key.toString('latin1')} holds the ${name}`);
        }
      }
    }
  }));
});

describe('configtest: the identity directives', () => {
  const fakeIdp = { issuer: 'http://127.0.0.1:9/eu-west-1_TestPool1', url: 'http://127.0.0.1:9' };
  const run = (directives) => configtest({ body: loginBody({ idp: fakeIdp, directives }) });
  const good = {
    pool: 'CognitoIdentityPool eu-west-1:11111111-2222-3333-4444-555555555555',
    role: `CognitoIdentityRole ${ADMINS}`,
    endpoint: 'CognitoIdentityEndpoint http://127.0.0.1:9/',
    pass: 'CognitoPassAWSCredentials env\nCognitoIdentityRequired on',
  };
  const conf = (over) => Object.values({ ...good, ...over }).join('\n');

  it('valid values pass', async () => {
    const r = await run(conf({}));
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Syntax OK/);
  });

  const bad = [
    ['CognitoIdentityPool', { pool: 'CognitoIdentityPool eu-west-1_TestPool1' }],
    ['CognitoIdentityPool', { pool: 'CognitoIdentityPool eu-west-1:not-a-uuid' }],
    ['CognitoIdentityRole', { role: 'CognitoIdentityRole arn:aws:iam::123:role/admins' }],
    ['CognitoIdentityRole', { role: 'CognitoIdentityRole admins' }],
    ['CognitoIdentityEndpoint', { endpoint: 'CognitoIdentityEndpoint http://example.com' }],
    ['CognitoPassAWSCredentials', { pass: 'CognitoPassAWSCredentials both' }],
  ];
  for (const [directive, over] of bad) {
    const line = Object.values(over)[0];
    it(`"${line}" fails and names ${directive}`, async () => {
      const r = await run(conf(over));
      assert.notEqual(r.code, 0, `configtest should fail; output:\n${r.output}`);
      assert.doesNotMatch(r.output, /Syntax OK/);
      assert.match(r.output, new RegExp(directive), `the message should name ${directive}:\n${r.output}`);
    });
  }
});
