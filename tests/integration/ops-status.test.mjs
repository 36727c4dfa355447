// Operability: the cognito-status handler counts a scripted sequence exactly, in both formats, with the
// sequence spread over both httpd children (keep-alive connections pinned to each child) and the
// status read on each child.
//
//   2 logins (child A, child B) · 1 login that fails at the callback (tampered ID token signature, child A)
//   3 Bearer requests (ok on A, ok on B, expired on A) · 1 logout (child B)
//   1 JWKS failure: an API location whose CognitoIssuer is a second emulator, whose jwks.json answers
//     500 once; exactly one request goes there (child B), so exactly one fetch is made and it fails.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { SESSION_COOKIE, cookiesNamed, idpLogSource, isExpiring, login, loginBody, loginFiles, signInAtIdp, startLogin } from './lib/login.mjs';
import {
  FAMILIES, PinnedAgent, STATUS_LOCATION, assertSameInBothFormats, countsOnly, pinChildren, readStatus,
} from './lib/ops.mjs';

const PAGE = '/protected/page.html';

function body(idp, idp2) {
  return loginBody({
    idp,
    suffix: `
${STATUS_LOCATION}
<Location /api>
    AuthType Cognito
    AuthName "api"
    CognitoBearer only
    Require valid-user
</Location>
ScriptAlias /api/cgi-bin/ "@DIR@/cgi-bin/"
<Location /api2>
    AuthType Cognito
    AuthName "api2"
    CognitoIssuer ${idp2.issuer}
    CognitoBearer only
    Require valid-user
</Location>
ScriptAlias /api2/cgi-bin/ "@DIR@/cgi-bin/"
`,
  });
}

/** A JSON counter object with the documented label values (plus any extra ones shown as 0). */
function labelled(family, expected, actual) {
  const out = {};
  for (const v of FAMILIES[family].values || []) out[v] = 0;
  for (const k of Object.keys(actual || {})) if (!(k in out)) out[k] = 0; // undocumented labels: must stay 0
  return { ...out, ...expected };
}

describe('cognito-status counts a scripted sequence across two children', () => {
  let idp, idp2, h, conns = [];
  const sources = () => [h, idp && idpLogSource(idp), idp2 && idpLogSource(idp2)].filter(Boolean);

  before(async () => {
    idp = await startIdp();
    idp2 = await startIdp();
    h = await startHttpd({ body: body(idp, idp2), files: loginFiles() });
  });
  after(async () => {
    for (const c of conns) c.close();
    await h?.stop();
    await idp?.close();
    await idp2?.close();
  });

  it('exact counts in Prometheus and JSON, the same on both children', withLogs(sources, async () => {
    conns = await pinChildren(h, { children: 2 });
    const [A, B] = conns;
    assert.notEqual(A.pid, B.pid);

    // ---- before anything: every family there, all zero, on both children
    for (const c of conns) {
      const s = await readStatus(h.url, { via: c });
      const json = assertSameInBothFormats(s);
      assert.equal(json.cognito_logins_started_total, 0);
      assert.deepEqual(json.cognito_login_failures_total, {});
      assert.deepEqual(json.cognito_bearer_verifications_total, {});
      assert.equal(json.cognito_jwks_fetches_total.ok + json.cognito_jwks_fetches_total.failed, 0);
      assert.deepEqual(json.cognito_jwks_kid_refusals_total, { remembered: 0, throttled: 0 });
    }

    // ---- 2 logins: alice on child A, bob on child B; each lands on the protected page (a session lookup)
    const alice = new PinnedAgent(h, A);
    const la = await login(alice, h, idp, PAGE, { username: 'alice' });
    assert.equal(la.callback.pid, A.pid);
    assert.equal((await alice.nav(new URL(la.location, h.url).href)).status, 200, 'alice reaches the page');
    const bob = new PinnedAgent(h, B);
    const lb = await login(bob, h, idp, PAGE, { username: 'bob' });
    assert.equal(lb.callback.pid, B.pid);
    assert.equal((await bob.nav(new URL(lb.location, h.url).href)).status, 200, 'bob reaches the page');

    // ---- 1 login refused at the callback (child A): the emulator returns an ID token with a bad signature
    const carol = new PinnedAgent(h, A);
    const st = await startLogin(carol, h, idp, PAGE);
    const cbUrl = await signInAtIdp(carol, st.authorizeUrl, { username: 'carol' });
    await idp.call('POST', '/_test/tamper', { idToken: { sign: 'garbage-signature' }, grant: 'authorization_code', times: 1 });
    const cb = await carol.nav(cbUrl);
    assert.equal(cb.status, 401, `tampered ID token at the callback: ${cb.status} ${cb.text.slice(0, 200)}`);
    assert.equal(cb.pid, A.pid);
    assert.equal(cookiesNamed(cb, SESSION_COOKIE).filter((c) => !isExpiring(c)).length, 0, 'no session cookie');
    assert.match(h.errorLog(), /token_signature_invalid/, 'the refusal is logged with its reason');

    // ---- 3 Bearer requests: ok (A), ok (B), expired (A)
    const api = '/api/cgi-bin/env.cgi';
    const ok1 = await A.request(h.url + api, { headers: { Authorization: `Bearer ${(await idp.mint({ username: 'alice' })).token}` } });
    assert.equal(ok1.status, 200, ok1.text.slice(0, 200));
    const ok2 = await B.request(h.url + api, { headers: { Authorization: `Bearer ${(await idp.mint({ username: 'bob' })).token}` } });
    assert.equal(ok2.status, 200, ok2.text.slice(0, 200));
    const old = await A.request(h.url + api, { headers: { Authorization: `Bearer ${(await idp.mint({ expiresIn: -600 })).token}` } });
    assert.equal(old.status, 401, 'expired token');
    assert.match(String(old.headers['www-authenticate']), /error="invalid_token"/);

    // ---- 1 JWKS failure (B): the second issuer's key set answers 500 once
    await idp2.fail({ endpoint: 'jwks', mode: 'status', status: 500, times: 1 });
    const down = await B.request(h.url + '/api2/cgi-bin/env.cgi', { headers: { Authorization: `Bearer ${(await idp2.mint()).token}` } });
    assert.equal(down.status, 503, `JWKS down: ${down.status} ${down.text.slice(0, 200)}`);
    assert.equal((await idp2.counters()).jwks, 1, 'exactly one fetch of the second key set');

    // ---- 1 logout (B)
    const out = await bob.nav(h.url + '/protected/logout');
    assert.equal(out.status, 302);
    assert.equal(out.pid, B.pid);

    // ---- what the emulators saw (the outbound counters must agree with them)
    const c1 = await idp.counters();
    assert.equal(c1['token:authorization_code'], 3, 'three code exchanges (2 logins + the refused one)');
    assert.equal(c1['token:refresh_token'], 0);
    assert.equal(c1.revoke, 1, 'one revocation at logout');
    assert.equal(c1.jwks, 2, 'one key set fetch per child for the first issuer');

    // ---- the status page, read on each child, in both formats
    const reads = [];
    for (const c of conns) reads.push(await readStatus(h.url, { via: c }));
    for (const c of conns) reads.push(await readStatus(h.url, { via: c })); // again: reading changes nothing
    assert.deepEqual([...new Set(reads.flatMap((r) => r.pids))].sort(), [A.pid, B.pid].sort(), 'status read on both children');
    const jsons = reads.map(assertSameInBothFormats);
    for (const j of jsons.slice(1)) assert.deepEqual(countsOnly(j), countsOnly(jsons[0]), 'every child shows the same totals');
    const j = jsons[0];

    assert.equal(j.cognito_logins_started_total, 3, 'logins started');
    assert.equal(j.cognito_logins_completed_total, 2, 'logins completed');
    assert.deepEqual(j.cognito_login_failures_total, { token_signature_invalid: 1 }, 'login failures by reason');
    assert.deepEqual(j.cognito_bearer_verifications_total, { ok: 2, token_expired: 1, jwks_unavailable: 1 },
      'bearer verifications by outcome');
    assert.deepEqual(j.cognito_jwks_fetches_total, { ok: 2, failed: 1 }, 'JWKS fetches');
    assert.deepEqual(j.cognito_jwks_kid_refusals_total, { remembered: 0, throttled: 0 }, 'no unknown kid was refused');
    assert.deepEqual(j.cognito_refreshes_total, { ok: 0, failed: 0, refused: 0 }, 'no refreshes');
    assert.equal(j.cognito_logouts_total, 1, 'logouts');
    const sl = j.cognito_session_lookups_total;
    // a hit for each of the 2 signed-in page views (+ at most the logout's own lookup)
    assert.ok(sl.hit >= 2 && sl.hit <= 3, `session lookups: ${JSON.stringify(sl)}`);
    assert.deepEqual({ miss: sl.miss, error: sl.error }, { miss: 0, error: 0 }, `session lookups: ${JSON.stringify(sl)}`);
    assert.deepEqual(j.cognito_outbound_requests_total,
      labelled('cognito_outbound_requests_total', { token: 3, jwks: 3, revoke: 1 }, j.cognito_outbound_requests_total),
      'outbound requests = 3 code exchanges, 3 key set fetches (2 ok + 1 failed), 1 revocation');
    assert.deepEqual(j.cognito_outbound_failures_total,
      labelled('cognito_outbound_failures_total', {}, j.cognito_outbound_failures_total),
      'no outbound request went without an HTTP answer');
    // CPU the module spent on the 3 login redirects and 3 callbacks (thread CPU time: > 0, far below wall time)
    const cpu = j.cognito_login_cpu_seconds_total;
    assert.ok(cpu.redirect > 0 && cpu.redirect < 1 && cpu.callback > 0 && cpu.callback < 3, `login CPU: ${JSON.stringify(cpu)}`);
    const secs = j.cognito_outbound_seconds_total;
    for (const ep of ['token', 'jwks', 'revoke']) {
      assert.ok(secs[ep] > 0 && secs[ep] < 30, `time spent on ${ep}: ${secs[ep]}`);
    }

    // ---- the handler answers GET only, and counting did not change through the reads
    const post = await A.request(h.url + '/cognito-status', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
    assert.equal(post.status, 405, `POST /cognito-status: ${post.status}`);

    // ---- the counted requests were served by both children (access log pid=%P)
    const servedBy = (re) => [...h.accessLog().matchAll(re)].map((m) => Number(m[1]));
    assert.deepEqual(servedBy(/"GET \/protected\/callback\?\S+ HTTP\/1\.1" 302 .* pid=(\d+)$/gm), [A.pid, B.pid]);
    assert.deepEqual(servedBy(/"GET \/api\/cgi-bin\/env\.cgi HTTP\/1\.1" \d+ .* pid=(\d+)$/gm), [A.pid, B.pid, A.pid]);
  }));

  // README: "they restart at zero when Apache restarts or reloads"
  it('a graceful restart starts the counters at zero again', withLogs(sources, async () => {
    const before = await readStatus(h.url);
    assert.ok(before.json.cognito_logins_started_total > 0, 'something was counted before (previous test)');
    for (const c of conns) c.close();
    // With ServerLimit = StartServers = 2, httpd fills a slot only once its old child has gone; a child
    // still finishing when the restart completes can leave the new generation one child short until
    // httpd's idle maintenance catches up. Another graceful restart (of idle children) settles it.
    for (let attempt = 1; ; attempt++) {
      await h.graceful();
      try {
        conns = await pinChildren(h, { children: 2 });
        break;
      } catch (e) {
        if (attempt === 3) throw e;
      }
    }
    for (const c of conns) {
      const j = assertSameInBothFormats(await readStatus(h.url, { via: c }));
      for (const [name, f] of Object.entries(FAMILIES)) {
        if (f.label === null) assert.equal(j[name], 0, `${name} after the restart`);
        else for (const [k, v] of Object.entries(j[name])) assert.equal(v, 0, `${name}{${k}} after the restart`);
      }
    }
    // and they count again
    const ok = await conns[0].request(h.url + '/api/cgi-bin/env.cgi', { headers: { Authorization: `Bearer ${(await idp.mint()).token}` } });
    assert.equal(ok.status, 200);
    const after1 = await readStatus(h.url, { via: conns[1] });
    assert.deepEqual(after1.json.cognito_bearer_verifications_total, { ok: 1 });
  }));
});
