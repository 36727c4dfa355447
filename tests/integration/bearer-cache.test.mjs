// The per-process table of verified Bearer tokens (bearer.c, tokencache.c): a token is kept from its
// second sighting on (one-shot tokens never take a slot), is then answered without verifying again, with
// the same identity; a token verified for one location's claim settings is not reused for another's; and
// an expired entry is never served.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { apiBody } from './lib/cognito.mjs';
import { CLIENT_ID, POOL_ID } from './lib/idp.mjs';
import { pinChildren } from './lib/ops.mjs';
import { sleep } from './lib/login.mjs';

const SCOPE = 'openid email orders/read';

let idp;
let h;
let conn;
const logs = () => [h, idp];

before(async () => {
  idp = await startIdp();
  h = await startHttpd({
    body: apiBody({ issuer: idp.issuer, server: 'LogLevel info auth_cognito:debug' }) + `
<Location /api2>
    AuthType Cognito
    AuthName "api2"
    CognitoUserPool ${POOL_ID}
    CognitoIssuer ${idp.issuer}
    CognitoClientID ${CLIENT_ID}
    CognitoBearer only
    CognitoRemoteUserClaim sub
    Require valid-user
</Location>
ScriptAlias /api2/cgi-bin/ "@DIR@/cgi-bin/"
`,
  });
  [conn] = await pinChildren(h, { children: 1 });
});

after(async () => {
  conn?.close();
  await h?.stop();
  await idp?.close();
});

const call = (token, p = '/api/cgi-bin/env.cgi') => conn.request(h.url + p, { headers: { Authorization: `Bearer ${token}` } });

/** The module's debug lines about accepted tokens written while fn ran. */
async function acceptedLines(fn) {
  const before = h.errorLog().length;
  await fn();
  await sleep(200);
  return h.errorLog().slice(before).split('\n').filter((l) => /bearer token accepted/.test(l) && l.includes(`pid ${conn.pid}:`));
}

describe('verified-token table', () => {
  it('kept from the second sighting: verified twice, then answered from the table with the same identity', withLogs(logs, async () => {
    const { token } = await idp.mint({ username: 'bob', scope: SCOPE });
    const bodies = [];
    const lines = await acceptedLines(async () => {
      for (let i = 0; i < 5; i++) {
        const r = await call(token);
        assert.equal(r.status, 200, r.text);
        bodies.push(r.json);
      }
    });
    assert.deepEqual(lines.map((l) => /\((verified before|verified)\)/.exec(l)?.[1]),
      ['verified', 'verified', 'verified before', 'verified before', 'verified before'], lines.join('\n'));
    for (const b of bodies.slice(1)) {
      for (const k of Object.keys(bodies[0]).filter((n) => n.startsWith('COGNITO_') || n === 'REMOTE_USER')) {
        assert.equal(b[k], bodies[0][k], `${k} is the same from the table`);
      }
    }
    assert.equal(bodies[4].REMOTE_USER, 'bob');
  }));

  it('another location with other claim settings verifies again and exports its own user', withLogs(logs, async () => {
    const { token, payload } = await idp.mint({ username: 'carol', scope: SCOPE });
    for (let i = 0; i < 3; i++) assert.equal((await call(token)).json.REMOTE_USER, 'carol');
    const lines = await acceptedLines(async () => {
      const r = await call(token, '/api2/cgi-bin/env.cgi');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.REMOTE_USER, payload.sub, 'CognitoRemoteUserClaim sub applies');
    });
    assert.match(lines.join('\n'), /\(verified\)/, 'verified for /api2, not taken from /api\'s entry');
  }));

  it('an entry is never served after the token expired', withLogs(logs, async () => {
    const { token } = await idp.mint({ username: 'bob', scope: SCOPE, expiresIn: 2 });
    for (let i = 0; i < 3; i++) assert.equal((await call(token)).status, 200);
    // CognitoClockSkew 60 would still accept it at verification: the table keeps it only until exp itself
    await sleep(2500);
    const lines = await acceptedLines(async () => {
      const r = await call(token);
      assert.equal(r.status, 200, 'within the clock skew, a fresh verification accepts it');
    });
    assert.match(lines.join('\n'), /\(verified\)/, 'verified again after exp, not served from the table');
  }));
});
