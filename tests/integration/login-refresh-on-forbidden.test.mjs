// CognitoRefreshOnForbidden (issue 18, acceptance 4): a group added in Cognito takes effect without signing out.
//
// Behaviour guarded: a signed-in browser user refused by `Require cognito-group …` gets ONE token refresh (with
// the refresh token) and a second decision with the new claims — so after an administrator adds them to a
// group the next request passes, with no new login. Threats guarded at the same time:
//   - refresh amplification: a user (or a script in their browser) hammering a forbidden URL must not make the
//     server call Cognito's token endpoint on every request — at most one such refresh per session per N
//     seconds (counted from the last refresh this feature made; the sign-in does not count);
//   - a refused refresh result still refuses (403), and the refreshed claims replace the old ones;
//   - CognitoRefreshOnForbidden 0 (the default): never a refresh;
//   - Bearer callers are unaffected: 403 insufficient_scope, never a refresh.
// Counted with the emulator's token:refresh_token / token:authorization_code counters and the info log lines
// "CognitoRefreshOnForbidden: tokens refreshed; deciding again with the new claims" / "…: not refreshed again: …".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import { Agent, XHR_HEADERS, logSlice, login, sleep, startLoginRig } from './lib/login.mjs';

const N = 3; // CognitoRefreshOnForbidden at /admin/ and /ops/
const REFRESHED = 'CognitoRefreshOnForbidden: tokens refreshed; deciding again with the new claims';
const NOT_AGAIN = 'CognitoRefreshOnForbidden: not refreshed again';

const area = (prefix, require, extra = '') => `
<Location /${prefix}/>
    AuthType Cognito
    AuthName "app"
    Require cognito-group ${require}
    AuthzSendForbiddenOnFailure On
${extra}
</Location>
ScriptAlias /${prefix}/ "@DIR@/cgi-bin/"`;

let rig;
const sources = () => rig?.sources() ?? [];

before(async () => {
  rig = await startLoginRig({
    suffix: [
      area('admin', 'admin', `    CognitoRefreshOnForbidden ${N}`),
      area('admin60', 'admin', '    CognitoRefreshOnForbidden 60'),
      area('ops60', 'ops', '    CognitoRefreshOnForbidden 60'),
      area('admin0', 'admin'), // the default: 0 = off
    ].join('\n'),
  });
});
after(async () => {
  await rig?.stop();
});

const counters = async () => {
  const c = await rig.idp.call('GET', '/_test/counters');
  return { refresh: c['token:refresh_token'], code: c['token:authorization_code'], authorize: c.authorize };
};
const setGroups = (username, groups) => rig.idp.call('POST', '/_test/users', { username, groups });

/** A request of the signed-in page (fetch with the session cookie). → [res, log slice] */
const get = (agent, p) => logSlice(rig.h, () => agent.xhr(rig.h.url + p));

function assertForbidden(res, what) {
  assert.equal(res.status, 403, `${what}: expected 403, got ${res.status} ${res.headers.location || ''} ${res.text.slice(0, 200)}`);
  assert.equal(res.headers.location, undefined, `${what}: no redirect`);
}

describe('CognitoRefreshOnForbidden', () => {
  let carol; // { agent, at }

  before(async () => {
    await setGroups('carol', []);
  });

  it('carol (no groups) is refused by Require cognito-group admin; added to admin, the next request to the admin page (CognitoRefreshOnForbidden 60) is 200 without a new login', withLogs(sources, async () => {
    const agent = new Agent();
    await login(agent, rig.h, rig.idp, '/protected/cgi-bin/env.cgi', { username: 'carol' });
    carol = { agent };
    const c0 = await counters();
    // refused where the feature is off: the user is refused, nothing is refreshed
    const [refused, slice0] = await get(agent, '/admin0/env.cgi');
    assertForbidden(refused, 'carol at /admin0/');
    assert.ok(!slice0.includes('CognitoRefreshOnForbidden'), slice0);
    await setGroups('carol', ['admin']);
    const [res, slice] = await get(agent, '/admin60/env.cgi');
    assert.equal(res.status, 200, `carol at /admin60/ after being added to admin: ${res.status} ${res.text.slice(0, 200)}\n${slice}`);
    assert.equal(res.json?.REMOTE_USER, 'carol');
    assert.equal(res.json?.COGNITO_GROUPS, 'admin', 'the refreshed claims are the ones published');
    assert.ok(slice.includes(REFRESHED), `expected "${REFRESHED}"; new log lines:\n${slice}`);
    const c1 = await counters();
    assert.equal(c1.refresh, c0.refresh + 1, 'exactly one refresh_token grant');
    assert.equal(c1.code, c0.code, 'no new authorization_code grant (no new login)');
    assert.equal(c1.authorize, c0.authorize, 'no visit to /oauth2/authorize');
    // the session now holds the new claims everywhere, without another refresh
    const [again] = await get(agent, '/protected/cgi-bin/env.cgi');
    assert.equal(again.json?.COGNITO_GROUPS, 'admin');
    assert.equal((await get(agent, '/admin0/env.cgi'))[0].status, 200);
    assert.deepEqual(await counters(), c1, 'no further refresh');
  }));

  it('a second refusal within 60 s (removed from admin; /ops60/ and /admin60/) does not refresh again: 403, counter unchanged', withLogs(sources, async () => {
    assert.ok(carol, 'needs the previous test');
    await setGroups('carol', []);
    const c0 = await counters();
    const [res, slice] = await get(carol.agent, '/ops60/env.cgi');
    assertForbidden(res, 'carol at /ops60/');
    assert.match(slice, /CognitoRefreshOnForbidden: not refreshed again: .*at most one per 60 s/, slice);
    for (let i = 0; i < 5; i++) assertForbidden((await get(carol.agent, '/ops60/env.cgi'))[0], `carol at /ops60/ #${i}`);
    // her tokens still say admin (no refresh happened), so /admin60/ still passes — the claims are not re-read
    assert.equal((await get(carol.agent, '/admin60/env.cgi'))[0].status, 200);
    assert.deepEqual(await counters(), c0, 'no refresh within the interval');
  }));

  it(`CognitoRefreshOnForbidden ${N}: hammering a forbidden page refreshes once per ${N} s; the refreshed claims (no admin) still refuse`, withLogs(sources, async () => {
    const agent = new Agent();
    await setGroups('bob', ['staff']);
    await login(agent, rig.h, rig.idp, '/protected/cgi-bin/env.cgi', { username: 'bob' });
    const c0 = await counters();
    const [first, slice] = await get(agent, '/admin/env.cgi');
    assertForbidden(first, 'bob at /admin/');
    assert.ok(slice.includes(REFRESHED), `the first refusal refreshes; new log lines:\n${slice}`);
    const at = Date.now();
    for (let i = 0; i < 8; i++) assertForbidden((await get(agent, '/admin/env.cgi'))[0], `bob at /admin/ #${i}`);
    assert.ok(Date.now() - at < N * 1000, 'still within the interval (test timing)');
    assert.equal((await counters()).refresh, c0.refresh + 1, 'one refresh for nine refusals');
    await sleep(at + N * 1000 + 300 - Date.now());
    const [later, slice2] = await get(agent, '/admin/env.cgi');
    assertForbidden(later, 'bob at /admin/ after the interval');
    assert.ok(slice2.includes(REFRESHED), slice2);
    assert.equal((await counters()).refresh, c0.refresh + 2, 'one more refresh after the interval');
    // added to admin now: within the interval no refresh, so still refused; after it, 200
    await setGroups('bob', ['staff', 'admin']);
    assertForbidden((await get(agent, '/admin/env.cgi'))[0], 'bob at /admin/ within the interval');
    await sleep(N * 1000 + 300);
    const [ok] = await get(agent, '/admin/env.cgi');
    assert.equal(ok.status, 200, 'bob at /admin/ after the interval, now in admin');
    assert.equal((await counters()).refresh, c0.refresh + 3);
  }));

  it('CognitoRefreshOnForbidden 0 (default): a user added to admin stays refused (403), never a refresh', withLogs(sources, async () => {
    const agent = new Agent();
    await setGroups('zoë', ['staff']);
    await login(agent, rig.h, rig.idp, '/protected/cgi-bin/env.cgi', { username: 'zoë' });
    await setGroups('zoë', ['staff', 'admin']);
    const c0 = await counters();
    const [res, slice] = await get(agent, '/admin0/env.cgi');
    assertForbidden(res, 'zoë at /admin0/');
    for (let i = 0; i < 3; i++) assertForbidden((await get(agent, '/admin0/env.cgi'))[0], `zoë at /admin0/ #${i}`);
    assert.ok(!slice.includes('CognitoRefreshOnForbidden'), `no CognitoRefreshOnForbidden line:\n${slice}`);
    assert.deepEqual(await counters(), c0, 'no call to the token endpoint');
    // control: the same session where the feature is on is refreshed and passes
    const [ok, slice2] = await get(agent, '/admin60/env.cgi');
    assert.equal(ok.status, 200, `zoë at /admin60/: ${ok.status}\n${slice2}`);
    assert.equal((await counters()).refresh, c0.refresh + 1);
    assert.equal((await get(agent, '/admin0/env.cgi'))[0].status, 200, 'the session holds the refreshed claims');
  }));

  it('a Bearer caller refused by the same Require: 403 insufficient_scope, no refresh', withLogs(sources, async () => {
    const { token } = await rig.idp.mint({ username: 'mallory' }); // mallory: no groups
    const c0 = await counters();
    const [res, slice] = await logSlice(rig.h, () => new Agent().request(`${rig.h.url}/admin/env.cgi`, {
      headers: { ...XHR_HEADERS, Authorization: `Bearer ${token}` },
    }));
    assert.equal(res.status, 403, `Bearer at /admin/: ${res.status} ${res.text.slice(0, 200)}`);
    const wa = String(res.headers['www-authenticate'] || '');
    assert.match(wa, /^Bearer /, wa);
    assert.match(wa, /error="insufficient_scope"/, wa);
    assert.ok(!slice.includes('CognitoRefreshOnForbidden'), `no CognitoRefreshOnForbidden line:\n${slice}`);
    assert.deepEqual(await counters(), c0, 'no call to the token endpoint');
    // a Bearer token of a user who is in admin passes (the Require itself is right)
    const alice = await rig.idp.mint({ username: 'alice' });
    const okRes = await new Agent().request(`${rig.h.url}/admin/env.cgi`, { headers: { ...XHR_HEADERS, Authorization: `Bearer ${alice.token}` } });
    assert.equal(okRes.status, 200, `alice's Bearer token at /admin/: ${okRes.status}`);
  }));
});
