// CognitoSessionSecret: the server secret that derives every record's slot and key (issue 14).
//
// Guards finding (review, issue 14): a store writer could mint sessions — slot and key derived from the
// cookie id alone (SECURITY.md "Store writer minting sessions"; the forgery itself is store-forgery.test.mjs).
// Here: the startup checks, the value forms and the rotation of the secret that closes it.
//
// Threats and expectations:
//   - an operator points several servers at a shared store (redis:/memcache:) and forgets the secret: the
//     records would then be as weak as before (derivable from the cookie id alone) or unreadable across
//     servers → `apache2 -t` fails and names CognitoSessionSecret; a secret shorter than 32 characters, an
//     unreadable file: source, an unset env: variable, a third value or the directive inside <Location>
//     fail -t the same way.
//   - shmcb (per-machine) without a secret starts, with a random secret, and says once in the error_log
//     that sessions will not survive a restart (a line naming CognitoSessionSecret and "restart").
//   - the value forms literal / file:<path> (trailing newline stripped) / env:<VAR> are the same secret:
//     servers sharing a store with the same secret given in different forms share sessions; a server with
//     another secret does not open them.
//   - an operator rotates the secret (an attacker may have learnt the old one): with `CognitoSessionSecret
//     NEW OLD` sessions and logins in progress made under OLD keep working; once OLD is removed they are
//     "no session" (navigation → login, XHR → 401; a callback of a login started under OLD → 400
//     state_unknown); records written while NEW OLD was in effect are sealed with NEW (they do not open
//     with OLD alone). Shown on Redis and memcached, whose data survive a graceful restart (shmcb loses its
//     content on a restart, so it cannot show a rotation).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { configtest } from './lib/httpd.mjs';
import {
  Agent, NAV_HEADERS, SESSION_COOKIE, XHR_HEADERS, assertErrorPage, cookiesNamed, isExpiring, isLoginRedirect, login,
  loginBody, loginFiles, logSlice, send, signInAtIdp, startLogin,
} from './lib/login.mjs';
import { SESSION_SECRET, scaleout, scaleoutHttpdOpts, secretLine, storeModules } from './lib/stores.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
const FAKE_IDP = { issuer: 'http://127.0.0.1:9/eu-west-1_TestPool1', url: 'http://127.0.0.1:9' };
const STORES = { redis: 'redis:127.0.0.1:9', memcached: 'memcache:127.0.0.1:9' };
const X = 'rotation-secret-X-0123456789abcdefghijklmnop';
const Y = 'rotation-secret-Y-qrstuvwxyz9876543210ABCDEF';
const ENV_VAR = 'COGNITO_TEST_SESSION_SECRET';

/** apache2 -t of the login configuration with extra server-level directives (and a store module). */
function check(directives, { kind = null, files, locationExtra = '' } = {}) {
  return configtest({
    body: loginBody({ idp: FAKE_IDP, directives, locationExtra }),
    files: { ...loginFiles(), ...(files || {}) },
    extraModules: kind ? storeModules(kind) : [],
  });
}

function expectOk(r, what) {
  assert.equal(r.code, 0, `${what}: apache2 -t should pass; output:\n${r.output}`);
  assert.match(r.output, /Syntax OK/, `${what}: ${r.output}`);
}

function expectRejected(r, what, re = /CognitoSessionSecret/) {
  assert.notEqual(r.code, 0, `${what}: apache2 -t should fail; output:\n${r.output}`);
  assert.doesNotMatch(r.output, /Syntax OK/, what);
  assert.match(r.output, re, `${what}: the output should name ${re}:\n${r.output}`);
}

describe('apache2 -t: CognitoSessionSecret', () => {
  after(() => { delete process.env[ENV_VAR]; });

  for (const kind of ['redis', 'memcached']) {
    it(`a shared store (${kind}) without CognitoSessionSecret fails, naming the directive`, async () => {
      expectRejected(await check(`CognitoSessionCache ${STORES[kind]}`, { kind }), `${kind} without a secret`);
    });

    it(`a shared store (${kind}) with a secret passes`, async () => {
      expectOk(await check(`CognitoSessionCache ${STORES[kind]}\n${secretLine()}`, { kind }), `${kind} + secret`);
    });
  }

  it('the secret in a <VirtualHost> next to its shared store passes; a vhost store without any secret fails', async () => {
    const vhost = (secret) => `
<VirtualHost 127.0.0.1:@PORT@>
    ServerName other.example
    CognitoSessionCache ${STORES.redis}
    ${secret}
</VirtualHost>`;
    expectOk(await check(vhost(secretLine()), { kind: 'redis' }), 'vhost store + vhost secret');
    expectRejected(await check(vhost(''), { kind: 'redis' }), 'vhost store without a secret anywhere');
  });

  it('shmcb (the default) without a secret passes -t', async () => {
    expectOk(await check(''), 'shmcb without a secret');
  });

  it('a secret of 31 characters fails, naming the directive; 32 characters pass', async () => {
    const s31 = 'a'.repeat(10) + 'B'.repeat(10) + '0123456789-';
    assert.equal(s31.length, 31);
    expectRejected(await check(`CognitoSessionCache ${STORES.redis}\n${secretLine(s31)}`, { kind: 'redis' }), '31-char secret');
    expectRejected(await check(secretLine(s31)), '31-char secret with shmcb');
    expectRejected(await check(`CognitoSessionCache ${STORES.redis}\n${secretLine(`${SESSION_SECRET} ${s31}`)}`, { kind: 'redis' }),
      '31-char older secret');
    expectOk(await check(`CognitoSessionCache ${STORES.redis}\n${secretLine(`${s31}x`)}`, { kind: 'redis' }), '32-char secret');
  });

  it('two values (rotation) pass; three fail', async () => {
    expectOk(await check(`CognitoSessionCache ${STORES.redis}\n${secretLine(`${Y} ${X}`)}`, { kind: 'redis' }), 'two values');
    expectRejected(await check(`CognitoSessionCache ${STORES.redis}\n${secretLine(`${Y} ${X} ${SESSION_SECRET}`)}`, { kind: 'redis' }), 'three values');
  });

  it('CognitoSessionSecret inside <Location> fails, naming the directive', async () => {
    expectRejected(await check(`CognitoSessionCache ${STORES.redis}\n${secretLine()}`, { kind: 'redis', locationExtra: `    ${secretLine()}` }),
      'secret in <Location>');
  });

  it('file:<path> and env:<VAR> pass; a missing file, an unset variable and a file with a short secret fail', async () => {
    const files = { 'secret.txt': `${SESSION_SECRET}\n`, 'short.txt': 'short-secret\n' };
    expectOk(await check(`CognitoSessionCache ${STORES.redis}\nCognitoSessionSecret file:@DIR@/secret.txt`, { kind: 'redis', files }), 'file:');
    process.env[ENV_VAR] = SESSION_SECRET;
    expectOk(await check(`CognitoSessionCache ${STORES.redis}\nCognitoSessionSecret env:${ENV_VAR}`, { kind: 'redis' }), 'env:');
    const missing = await check(`CognitoSessionCache ${STORES.redis}\nCognitoSessionSecret file:@DIR@/no-such-secret.txt`, { kind: 'redis', files });
    expectRejected(missing, 'missing file');
    delete process.env[`${ENV_VAR}_UNSET`];
    expectRejected(await check(`CognitoSessionCache ${STORES.redis}\nCognitoSessionSecret env:${ENV_VAR}_UNSET`, { kind: 'redis' }), 'env: of an unset variable');
    expectRejected(await check(`CognitoSessionCache ${STORES.redis}\nCognitoSessionSecret file:@DIR@/short.txt`, { kind: 'redis', files }),
      'file with a 12-character secret');
  });
});

describe('shmcb without a secret', () => {
  it('starts, logs that sessions will not survive a restart, and serves logins', scaleout(async (ctx) => {
    const idp = await ctx.idp();
    const h = await ctx.httpd(scaleoutHttpdOpts({ idp }));
    const lines = h.errorLog().split('\n').filter((l) => l.includes('CognitoSessionSecret') && /restart/i.test(l));
    assert.equal(lines.length, 1, `the error_log should say once (naming CognitoSessionSecret) that sessions end at a restart:\n${h.errorLog()}`);
    const { sessionCookie } = await login(new Agent(), h, idp, ENV, { username: 'alice' });
    const res = await send(h.url + ENV, { headers: { ...XHR_HEADERS, Cookie: `${SESSION_COOKIE}=${sessionCookie}` } });
    assert.equal(res.status, 200, `a session works: ${res.status}`);
    assert.equal(res.json?.REMOTE_USER, 'alice');

    // with a secret there is nothing to warn about
    const withSecret = await ctx.httpd(scaleoutHttpdOpts({ idp, directives: secretLine() }));
    const warn = withSecret.errorLog().split('\n').filter((l) => l.includes('CognitoSessionSecret') && /restart/i.test(l));
    assert.deepEqual(warn, [], 'no restart warning when a secret is configured');
  }));
});

const withCookie = (h, cookie, headers) => send(h.url + ENV, { headers: { ...headers, Cookie: `${SESSION_COOKIE}=${cookie}` } });

async function expectUser(h, cookie, user, what) {
  for (const headers of [XHR_HEADERS, NAV_HEADERS]) {
    const res = await withCookie(h, cookie, headers);
    assert.equal(res.status, 200, `${what}: ${res.status}: ${res.text.slice(0, 200)}`);
    assert.equal(res.json?.REMOTE_USER, user, `${what}: REMOTE_USER`);
  }
}

async function expectNoSession(h, idp, cookie, what) {
  const x = await withCookie(h, cookie, XHR_HEADERS);
  assert.equal(x.status, 401, `${what}: XHR should be 401, got ${x.status}`);
  const nav = await withCookie(h, cookie, NAV_HEADERS);
  assert.ok(isLoginRedirect(nav, idp), `${what}: navigation should go to login, got ${nav.status}`);
}

describe('the value forms are one secret', () => {
  after(() => { delete process.env[ENV_VAR]; });

  it('literal, file: (with a trailing newline) and env: servers share sessions over Redis; another secret does not', scaleout(async (ctx) => {
    const idp = await ctx.idp();
    const store = await ctx.store('redis');
    const opts = (directive, files) => {
      const o = scaleoutHttpdOpts({ idp, store, directives: `${directive}\nCognitoSessionRecheck 0` });
      return { ...o, files: { ...o.files, ...(files || {}) } };
    };
    process.env[ENV_VAR] = SESSION_SECRET;
    const literal = await ctx.httpd(opts(secretLine()));
    const fromFile = await ctx.httpd(opts('CognitoSessionSecret file:@DIR@/secret.txt', { 'secret.txt': `${SESSION_SECRET}\n` }));
    const fromEnv = await ctx.httpd(opts(`CognitoSessionSecret env:${ENV_VAR}`));
    const other = await ctx.httpd(opts(secretLine(`${SESSION_SECRET}-other`)));

    const a = await login(new Agent(), literal, idp, ENV, { username: 'alice' });
    await expectUser(fromFile, a.sessionCookie, 'alice', 'a session from the literal-secret server on the file: server');
    await expectUser(fromEnv, a.sessionCookie, 'alice', 'a session from the literal-secret server on the env: server');
    const b = await login(new Agent(), fromFile, idp, ENV, { username: 'bob' });
    await expectUser(literal, b.sessionCookie, 'bob', 'a session from the file: server on the literal-secret server');
    await expectUser(fromEnv, b.sessionCookie, 'bob', 'a session from the file: server on the env: server');
    await expectNoSession(other, idp, a.sessionCookie, 'alice\'s session on a server with another secret');
    await expectNoSession(other, idp, b.sessionCookie, 'bob\'s session on a server with another secret');
  }));
});

for (const kind of ['redis', 'memcached']) {
  describe(`secret rotation on ${kind}`, () => {
    it(`sessions and logins under X survive "CognitoSessionSecret Y X" and end with "CognitoSessionSecret Y" (${kind})`, scaleout(async (ctx) => {
      const idp = await ctx.idp();
      const store = await ctx.store(kind);
      const body = (secrets) => scaleoutHttpdOpts({ idp, store, directives: `${secretLine(secrets)}\nCognitoSessionRecheck 0` }).body;
      const h = await ctx.httpd(scaleoutHttpdOpts({ idp, store, directives: `${secretLine(X)}\nCognitoSessionRecheck 0` }));

      // under X: a session, and two logins in progress (state cookies sealed with X)
      const underX = await login(new Agent(), h, idp, ENV, { username: 'alice' });
      await expectUser(h, underX.sessionCookie, 'alice', 'the session under X');
      const pending1 = new Agent();
      const p1 = await startLogin(pending1, h, idp, ENV);
      const cb1 = await signInAtIdp(pending1, p1.authorizeUrl, { username: 'bob' });
      const pending2 = new Agent();
      const p2 = await startLogin(pending2, h, idp, ENV);
      const cb2 = await signInAtIdp(pending2, p2.authorizeUrl, { username: 'carol' });

      // rotation step 1: Y first, X still accepted for reading
      await h.graceful(body(`${Y} ${X}`));
      await expectUser(h, underX.sessionCookie, 'alice', 'the X session under "Y X"');
      const done1 = await pending1.nav(cb1);
      assert.equal(done1.status, 302, `a login started under X completes under "Y X": ${done1.status} ${done1.text.slice(0, 200)}`);
      const s1 = cookiesNamed(done1, SESSION_COOKIE).filter((c) => !isExpiring(c));
      assert.equal(s1.length, 1, `that callback sets a session cookie: ${JSON.stringify(done1.setCookies)}`);
      await expectUser(h, s1[0].value, 'bob', 'the session of the login that straddled the rotation');
      const underYX = await login(new Agent(), h, idp, ENV, { username: 'dave' });
      await expectUser(h, underYX.sessionCookie, 'dave', 'a session made under "Y X"');

      // rotation step 2: X removed
      await h.graceful(body(Y));
      await expectNoSession(h, idp, underX.sessionCookie, 'the X session under "Y" alone');
      await expectUser(h, underYX.sessionCookie, 'dave', 'the session made under "Y X", under "Y"');
      await expectUser(h, s1[0].value, 'bob', 'the session created under "Y X" from an X login, under "Y"');
      const [late, slice] = await logSlice(h, () => pending2.nav(cb2));
      assertErrorPage(late, 400, slice, 'state_unknown');

      // what "Y X" wrote was sealed with Y: X alone does not open it
      await h.graceful(body(X));
      await expectNoSession(h, idp, underYX.sessionCookie, 'a session written under "Y X", read with X alone');
      await expectUser(h, underX.sessionCookie, 'alice', 'the X session, back under X');
    }));
  });
}
