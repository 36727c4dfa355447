// AWS credentials when the identity pool fails: every failure class of Amazon Cognito Identity (throttled,
// not authorized, pool not found, pool misconfigured, an unusable answer, the service down: HTTP 500, a
// dropped connection and a hanging one, cut by CognitoHTTPTimeout 2) × CognitoIdentityRequired on/off.
//
// Guards: a signed-in user let through to an application that requires credentials it does not get (on →
// 503 for navigations and XHR, the reason code in the page and the log); an application seeing stale, partial
// or forged AWS_* values when there are none (off → 200, COGNITO_AWS_CREDENTIALS=unavailable, no AWS_* at
// all); a failing identity pool hammered by every request (the failure is remembered in the session and
// retried only after 30 s); a session stuck without credentials once the service is back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { identityFail, identityIssued } from './lib/identity.mjs';
import { Agent, NAV_HEADERS, XHR_HEADERS, idpLogSource, login, logSlice, sleep, startLoginRig } from './lib/login.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const STRICT = '/protected/strict/cgi-bin/env.cgi'; // CognitoIdentityRequired on
const RETRY_SECONDS = 30;

const CLASSES = [
  { mode: 'throttle', tag: 'COGNITO0502', name: 'identity_throttled' },
  { mode: 'not-authorized', tag: 'COGNITO0503', name: 'identity_not_authorized' },
  { mode: 'resource-not-found', tag: 'COGNITO0504', name: 'identity_pool_not_found' },
  { mode: 'invalid-config', tag: 'COGNITO0505', name: 'identity_pool_misconfigured' },
  { mode: 'garbage', tag: 'COGNITO0506', name: 'identity_response_invalid' },
  { mode: 'internal', tag: 'COGNITO0501', name: 'identity_unavailable' },
  // libcurl sends a request again, once, when a reused keep-alive connection closes without an answer: one
  // attempt of the module may reach the emulator twice
  { mode: 'drop', tag: 'COGNITO0501', name: 'identity_unavailable', transportRetry: true },
  { mode: 'hang', tag: 'COGNITO0501', name: 'identity_unavailable' },
];

async function identityCalls(idp) {
  const c = await idp.counters();
  return (c['identity:GetId'] || 0) + (c['identity:GetCredentialsForIdentity'] || 0);
}

/** 200 for alice with no credentials: COGNITO_AWS_CREDENTIALS=unavailable, no AWS_* and no identity variables. */
function assertUnavailable(res, what) {
  assert.equal(res.status, 200, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  const env = res.json;
  assert.equal(env?.REMOTE_USER, 'alice', `${what}: signed in`);
  assert.equal(env.COGNITO_AWS_CREDENTIALS, 'unavailable', `${what}: COGNITO_AWS_CREDENTIALS`);
  const aws = Object.keys(env).filter((k) => /^AWS_/.test(k));
  assert.deepEqual(aws, [], `${what}: no AWS_* variable`);
  for (const k of ['COGNITO_IDENTITY_ID', 'COGNITO_ROLE_ARN']) assert.ok(!(k in env), `${what}: no ${k}`);
}

/** The 503 page of CognitoIdentityRequired on. */
function assert503(res, tag, what) {
  assert.equal(res.status, 503, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  assert.match(String(res.headers['content-type'] || ''), /text\/html/, `${what}: HTML page`);
  assert.ok(res.text.includes(tag), `${what}: the page names ${tag}: ${res.text.slice(0, 400)}`);
  assert.match(String(res.headers['cache-control'] || ''), /no-store/, `${what}: no-store`);
  assert.doesNotMatch(res.text, /AWS_ACCESS_KEY_ID|REMOTE_USER/, `${what}: the application did not run`);
}

/** Credentials present and matching an issued set. */
function assertAvailable(res, issued, what) {
  assert.equal(res.status, 200, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  const env = res.json;
  assert.equal(env?.COGNITO_AWS_CREDENTIALS, 'available', `${what}: COGNITO_AWS_CREDENTIALS`);
  const rec = issued.find((r) => r.accessKeyId === env.AWS_ACCESS_KEY_ID);
  assert.ok(rec, `${what}: AWS_ACCESS_KEY_ID ${env.AWS_ACCESS_KEY_ID} was issued`);
  assert.equal(env.AWS_SECRET_ACCESS_KEY, rec.secretKey, `${what}: secret`);
  assert.equal(env.AWS_SESSION_TOKEN, rec.sessionToken, `${what}: session token`);
  assert.equal(env.COGNITO_IDENTITY_ID, rec.identityId, `${what}: identity id`);
  return rec;
}

describe('identity pool failures × CognitoIdentityRequired', () => {
  let idp;
  let rig;
  const sessions = []; // { cls, strict, agent, loggedInAt }
  const sources = () => [rig?.h, idp && idpLogSource(idp)].filter(Boolean);

  before(async () => {
    idp = await startIdp();
    rig = await startLoginRig({
      idp,
      directives: `
CognitoIdentityPool ${idp.raw.identityPoolId}
CognitoIdentityEndpoint ${idp.raw.identityEndpoint}
CognitoPassAWSCredentials env
CognitoHTTPTimeout 2`,
      suffix: `
<Location /protected/strict>
    CognitoIdentityRequired on
</Location>
ScriptAlias /protected/strict/cgi-bin/ "@DIR@/cgi-bin/"
`,
    });
  });
  after(async () => {
    await rig?.stop();
    await idp?.close();
  });

  for (const cls of CLASSES) {
    it(`${cls.mode} → ${cls.tag} ${cls.name}: on → 503 (navigation and XHR), off → 200 without credentials; no retry per request`, withLogs(sources, async () => {
      await identityFail(idp, { mode: cls.mode });
      try {
        const calls0 = await identityCalls(idp);
        // one session per setting, each logging in through its own location
        const off = { cls, strict: false, agent: new Agent() };
        const on = { cls, strict: true, agent: new Agent() };
        const t0 = Date.now();
        const [, offSlice] = await logSlice(rig.h, () => login(off.agent, rig.h, idp, ENV, { username: 'alice' }));
        off.loggedInAt = Date.now();
        // a hanging identity service holds the login for CognitoHTTPTimeout (2 s), not for longer
        assert.ok(off.loggedInAt - t0 < 2000 + 4000, `the login took ${off.loggedInAt - t0} ms`);
        const [, onSlice] = await logSlice(rig.h, () => login(on.agent, rig.h, idp, STRICT, { username: 'alice' }));
        on.loggedInAt = Date.now();
        sessions.push(off, on);
        const logged = `${cls.tag}: ${cls.name}: AWS credentials from the identity pool`;
        assert.ok(offSlice.includes(logged), `the login logs "${logged}":\n${offSlice}`);
        assert.ok(onSlice.includes(logged), `the login logs "${logged}":\n${onSlice}`);
        const calls1 = await identityCalls(idp);
        if (cls.transportRetry) assert.ok(calls1 - calls0 >= 2 && calls1 - calls0 <= 4, `one identity attempt per login: ${calls1 - calls0} calls`);
        else assert.equal(calls1 - calls0, 2, 'one identity call per login');

        for (let i = 0; i < 4; i++) {
          const how = i % 2 ? 'xhr' : 'nav';
          const res = await off.agent[how](rig.h.url + ENV);
          assertUnavailable(res, `off, ${how} #${i + 1}`);
        }
        for (let i = 0; i < 4; i++) {
          const how = i % 2 ? 'xhr' : 'nav';
          const [res, slice] = await logSlice(rig.h, () => on.agent[how](rig.h.url + STRICT));
          assert503(res, cls.tag, `on, ${how} #${i + 1}`);
          assert.match(slice, new RegExp(`${cls.tag}: ${cls.name}: AWS credentials`), `on, ${how}: the 503 is logged with its reason:\n${slice}`);
        }
        assert.equal(await identityCalls(idp), calls1, 'the remembered failure is not retried on each request');
      } finally {
        await identityFail(idp, { mode: 'off' });
      }
    }));
  }

  it(`after the failure ends: no retry before ${RETRY_SECONDS} s, then one retry per session brings credentials`, withLogs(sources, async () => {
    assert.equal(sessions.length, CLASSES.length * 2, 'every failure class left two sessions');
    const issuedMark = (await identityIssued(idp)).length;
    const calls0 = await identityCalls(idp);

    // still inside the retry window: the remembered failure holds, the identity pool is not asked
    const young = sessions.filter((s) => Date.now() - s.loggedInAt < (RETRY_SECONDS - 5) * 1000);
    assert.ok(young.length >= 2, 'some sessions are still inside their retry window');
    for (const s of young) {
      const res = await s.agent.nav(rig.h.url + (s.strict ? STRICT : ENV));
      if (s.strict) assert503(res, s.cls.tag, `${s.cls.mode} on, inside the retry window`);
      else assertUnavailable(res, `${s.cls.mode} off, inside the retry window`);
    }
    assert.equal(await identityCalls(idp), calls0, 'no identity call inside the retry window');

    const last = Math.max(...sessions.map((s) => s.loggedInAt));
    await sleep(Math.max(0, last + (RETRY_SECONDS + 1) * 1000 - Date.now()));

    const counts0 = await idp.counters();
    const issuedKeys = new Map();
    for (const s of sessions) {
      const before = new Set((await identityIssued(idp)).map((r) => r.accessKeyId));
      for (let i = 0; i < 3; i++) {
        const how = i % 2 ? 'xhr' : 'nav';
        const res = await s.agent[how](rig.h.url + (s.strict ? STRICT : ENV));
        const issued = (await identityIssued(idp)).slice(issuedMark);
        const rec = assertAvailable(res, issued, `${s.cls.mode} ${s.strict ? 'on' : 'off'}, after the retry window, ${how} #${i + 1}`);
        if (i === 0) {
          assert.ok(!before.has(rec.accessKeyId), 'freshly issued on this request');
          issuedKeys.set(s, rec.accessKeyId);
        } else {
          assert.equal(rec.accessKeyId, issuedKeys.get(s), 'the retried credentials are kept in the session');
        }
      }
    }
    const counts1 = await idp.counters();
    const delta = (k) => (counts1[k] || 0) - (counts0[k] || 0);
    // every login failed at GetId, so each session's one retry is GetId + GetCredentialsForIdentity
    assert.equal(delta('identity:GetId'), sessions.length, 'one GetId per session');
    assert.equal(delta('identity:GetCredentialsForIdentity'), sessions.length, 'one GetCredentialsForIdentity per session');
    assert.equal(new Set(issuedKeys.values()).size, sessions.length, 'each session got its own credentials');
  }));
});
