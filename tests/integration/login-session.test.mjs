// Browser-login sessions: what a shared cache (real redis-server) holds, idle and absolute lifetimes,
// and a graceful restart with the default shmcb cache.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import {
  ALICE_SUB, Agent, XHR_HEADERS, idpLogSource, isLoginRedirect, login, send, sleep, startLogin, startLoginRig,
  startRedis,
} from './lib/login.mjs';
import { startIdp } from './lib/idp.mjs';
import { secretLine } from './lib/stores.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const REDIS_MODULE = 'LoadModule socache_redis_module /usr/lib/apache2/modules/mod_socache_redis.so';

describe('sessions in a shared redis cache', () => {
  let redis;
  let idp;
  let rigA;
  let rigB;
  const sources = () => [rigA?.h, rigB?.h, idp && idpLogSource(idp), redis].filter(Boolean);

  before(async () => {
    redis = await startRedis();
    idp = await startIdp();
    // CognitoSessionRecheck 0: every request reads the shared record (the logout test below relies on it;
    // the default's bounded delay is covered by session-local.test.mjs)
    const opts = {
      idp, prefix: REDIS_MODULE,
      directives: `CognitoSessionCache redis:127.0.0.1:${redis.port}\n${secretLine()}\nCognitoSessionRecheck 0`,
    };
    rigA = await startLoginRig(opts);
    rigB = await startLoginRig(opts);
  });
  after(async () => {
    await rigA?.stop();
    await rigB?.stop();
    await idp?.close();
    await redis?.stop();
  });

  it('a session made on one httpd works on another that shares the cache', withLogs(sources, async () => {
    const agent = new Agent();
    const l = await login(agent, rigA.h, idp, ENV);
    const a = await agent.nav(rigA.h.url + ENV);
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.REMOTE_USER, 'alice');
    // cookies are per host, not per port: the same browser sends the cookie to the second server
    const b = await agent.xhr(rigB.h.url + ENV);
    assert.equal(b.status, 200, b.text);
    assert.equal(b.json.REMOTE_USER, 'alice');
    assert.ok(l.sessionCookie);
  }));

  it('a dump of every redis key and value shows no token, claim or cookie value', withLogs(sources, async () => {
    const agent = new Agent();
    const l = await login(agent, rigA.h, idp, ENV);
    assert.equal((await agent.nav(rigA.h.url + ENV)).status, 200);
    // a login in progress too (its state record is in the cache)
    const pending = await startLogin(new Agent(), rigA.h, idp, `${ENV}?pending=1`);
    const nonce = pending.params.get('nonce');

    const issued = await idp.call('GET', '/_test/issued');
    assert.ok(issued.length >= 1, 'the emulator recorded the token response');
    const dump = await redis.dump();
    assert.ok(dump.length >= 2, `expected the session and the pending state in redis, found ${dump.length} keys`);
    const sizes = dump.map((d) => d.value.length);
    assert.ok(sizes.some((n) => n > 3000), `a record big enough to hold the tokens is there (sizes ${sizes})`);

    const needles = new Map();
    const add = (label, s) => { if (s && s.length >= 4) needles.set(s, label); };
    for (const t of issued) {
      for (const kind of ['id_token', 'access_token', 'refresh_token']) {
        const tok = t[kind];
        if (!tok) continue;
        add(`${kind} (whole)`, tok);
        tok.split('.').forEach((seg, i) => { if (seg.length >= 16) add(`${kind} segment ${i}`, seg); });
      }
    }
    add('JWT header prefix eyJ', 'eyJ');
    add('username', 'alice');
    add('email', 'alice@example.com');
    add('tenant', 'acme');
    add('sub', ALICE_SUB);
    add('name', 'Alice Example');
    add('session cookie value', l.sessionCookie);
    add('pending state', pending.state);
    add('pending nonce', nonce);
    add('pending state cookie value', pending.res.setCookies[0].split(';')[0].split('=')[1]);

    const problems = [];
    for (const { key, value } of dump) {
      for (const [needle, label] of needles) {
        const n = Buffer.from(needle);
        if (key.includes(n)) problems.push(`key ${key.toString('hex').slice(0, 32)}… contains the ${label}`);
        if (value.includes(n)) problems.push(`value of key ${key.toString('hex').slice(0, 32)}… contains the ${label}`);
        // also as base64 / base64url / hex text of the needle, for the longer secrets
        if (needle.length >= 16) {
          for (const form of [n.toString('base64'), n.toString('base64url'), n.toString('hex')]) {
            if (value.includes(Buffer.from(form.slice(0, 24)))) problems.push(`value contains an encoding of the ${label}`);
          }
        }
      }
    }
    assert.deepEqual(problems, [], `redis holds readable secrets:\n${problems.join('\n')}`);
  }));

  it('logout on one server ends the session on the other', withLogs(sources, async () => {
    const agent = new Agent();
    await login(agent, rigA.h, idp, ENV, { username: 'bob' });
    assert.equal((await agent.xhr(rigB.h.url + ENV)).status, 200);
    const out = await agent.nav(rigA.h.url + '/protected/logout');
    assert.equal(out.status, 302);
    const cookie = agent.jar.header(rigB.h.url + ENV);
    assert.ok(!/cognito_session=/.test(cookie || ''), 'cookie cleared in the browser');
    assert.ok(out.sentCookie.includes('cognito_session='));
    const old = out.sentCookie.match(/cognito_session=([^;]+)/)[1];
    const r = await send(rigB.h.url + ENV, { headers: { ...XHR_HEADERS, Cookie: `cognito_session=${old}` } });
    assert.equal(r.status, 401, 'the old cookie no longer works on the other server');
  }));
});

describe('session lifetimes', { concurrency: true }, () => {
  let idle;
  let maxAge;
  const sources = () => [idle, maxAge].filter(Boolean).flatMap((r) => r.sources());
  before(async () => {
    [idle, maxAge] = await Promise.all([
      startLoginRig({ directives: 'CognitoSessionIdleTimeout 3' }),
      startLoginRig({ directives: 'CognitoSessionMaxAge 5' }),
    ]);
  });
  after(async () => {
    await idle?.stop();
    await maxAge?.stop();
  });

  it('CognitoSessionIdleTimeout 3: after 5 s without a request → login again', withLogs(sources, async () => {
    const agent = new Agent();
    await login(agent, idle.h, idle.idp, ENV);
    assert.equal((await agent.nav(idle.h.url + ENV)).status, 200);
    await sleep(5000);
    const nav = await agent.nav(idle.h.url + ENV);
    assert.ok(isLoginRedirect(nav, idle.idp), `navigation after idling: ${nav.status} ${nav.headers.location || ''}`);
    const xhr = await agent.xhr(idle.h.url + ENV);
    assert.equal(xhr.status, 401);
  }));

  it('CognitoSessionMaxAge 5 with a request every second: after 6 s → login again', withLogs(sources, async () => {
    const agent = new Agent();
    const t0 = Date.now();
    await login(agent, maxAge.h, maxAge.idp, ENV);
    const statuses = [];
    for (let i = 1; i <= 4; i++) {
      await sleep(t0 + i * 1000 - Date.now());
      const r = await agent.xhr(maxAge.h.url + ENV);
      statuses.push(r.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200], 'the session works while active and younger than 5 s');
    await sleep(t0 + 6000 - Date.now());
    const nav = await agent.nav(maxAge.h.url + ENV);
    assert.ok(isLoginRedirect(nav, maxAge.idp), `navigation at 6 s: ${nav.status} ${nav.headers.location || ''}`);
    assert.equal((await agent.xhr(maxAge.h.url + ENV)).status, 401);
  }));
});

describe('graceful restart with the shmcb cache', () => {
  let rig;
  const sources = () => rig?.sources() ?? [];
  before(async () => { rig = await startLoginRig({}); });
  after(async () => { await rig?.stop(); });

  it('after a graceful restart: navigation → clean 302 to login (never 500), XHR → 401; login works again', withLogs(sources, async () => {
    const agent = new Agent();
    await login(agent, rig.h, rig.idp, ENV);
    assert.equal((await agent.nav(rig.h.url + ENV)).status, 200);
    await rig.h.graceful();
    const nav = await agent.nav(rig.h.url + ENV);
    assert.notEqual(nav.status, 500, nav.text);
    assert.ok(isLoginRedirect(nav, rig.idp), `navigation after graceful: ${nav.status} ${nav.headers.location || ''}`);
    const xhr = await agent.xhr(rig.h.url + ENV);
    assert.equal(xhr.status, 401, xhr.text);
    const again = new Agent();
    const l = await login(again, rig.h, rig.idp, ENV);
    const page = await again.nav(l.location);
    assert.equal(page.status, 200);
    assert.doesNotMatch(rig.h.errorLog(), /COGNITO\d+: (internal_error|session_store_unavailable)/);
  }));
});
