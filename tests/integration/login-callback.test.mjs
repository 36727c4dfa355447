// Browser login, the callback's failure paths: every one gives an HTML error page (no-store), never a
// session cookie, and a log line naming the reason. Real httpd + the Cognito emulator (fault injection and
// the /_test/tamper control for bad ID tokens).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import {
  Agent, SESSION_COOKIE, assertErrorPage, cookiesNamed, logSlice, signInAtIdp, sleep, startLogin, startLoginRig,
} from './lib/login.mjs';

let rig;
const sources = () => rig?.sources() ?? [];

before(async () => {
  rig = await startLoginRig({ directives: 'CognitoStateTimeout 10\nCognitoHTTPTimeout 2' });
});
after(async () => {
  await rig?.stop();
});
beforeEach(async () => {
  await rig.idp.reset();
});

const ENV = '/protected/cgi-bin/env.cgi';

/** A login up to the moment the emulator sends the browser back: → { agent, start, callbackUrl, url (URL) } */
async function attempt(agent = new Agent(), pathAndQuery = `${ENV}?cb=1`) {
  const start = await startLogin(agent, rig.h, rig.idp, pathAndQuery);
  const callbackUrl = await signInAtIdp(agent, start.authorizeUrl);
  return { agent, start, callbackUrl, url: new URL(callbackUrl) };
}

/** callback URL with its query replaced by the given raw query string */
const withQuery = (url, q) => `${url.origin}${url.pathname}?${q}`;
const enc = encodeURIComponent;

async function callback(agent, url, opts) {
  return logSlice(rig.h, () => agent.nav(url, opts));
}

describe('state checks', () => {
  it('no state → 400 state_missing', withLogs(sources, async () => {
    const a = await attempt();
    const [res, slice] = await callback(a.agent, withQuery(a.url, `code=${enc(a.url.searchParams.get('code'))}`));
    assertErrorPage(res, 400, slice, 'state_missing');
  }));

  it('state altered → 400 state_unknown', withLogs(sources, async () => {
    const a = await attempt();
    const s = a.url.searchParams.get('state');
    const altered = s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A');
    const [res, slice] = await callback(a.agent, withQuery(a.url, `code=${enc(a.url.searchParams.get('code'))}&state=${enc(altered)}`));
    assertErrorPage(res, 400, slice, 'state_unknown');
  }));

  it('state never issued (no state cookie of that name) → 400 state_browser_mismatch', withLogs(sources, async () => {
    const a = await attempt();
    const bogus = crypto.randomBytes(32).toString('base64url');
    const [res, slice] = await callback(a.agent, withQuery(a.url, `code=${enc(a.url.searchParams.get('code'))}&state=${bogus}`));
    assertErrorPage(res, 400, slice, 'state_browser_mismatch');
  }));

  it('replayed callback (state already used) → 400 state_replayed / state_browser_mismatch', withLogs(sources, async () => {
    const a = await attempt();
    const ok = await a.agent.nav(a.callbackUrl);
    assert.equal(ok.status, 302, ok.text);
    // replay with the state cookie put back as it was: the consumed marker refuses it
    const stateName = `${SESSION_COOKIE}_state_${a.start.state.slice(0, 16)}`;
    const stateValue = cookiesNamed(a.start.res, stateName)[0].value;
    const [res, slice] = await callback(new Agent(), a.callbackUrl, { headers: { Cookie: `${stateName}=${stateValue}` } });
    assertErrorPage(res, 400, slice, 'state_replayed');
    // the browser itself no longer holds the state cookie (deleted on success)
    const [res2, slice2] = await callback(a.agent, a.callbackUrl);
    assertErrorPage(res2, 400, slice2, 'state_browser_mismatch');
  }));

  it('expired (CognitoStateTimeout 10, callback after 11 s) → 400', withLogs(sources, async () => {
    const a = await attempt();
    const b = await attempt();
    const stateName = `${SESSION_COOKIE}_state_${b.start.state.slice(0, 16)}`;
    const stateValue = cookiesNamed(b.start.res, stateName)[0].value;
    await sleep(11000);
    // a: the browser has dropped the expired state cookie (Max-Age=10)
    const [res, slice] = await callback(a.agent, a.callbackUrl);
    assertErrorPage(res, 400, slice, 'state_browser_mismatch');
    // b: a client that kept the cookie anyway
    const [res2, slice2] = await callback(b.agent, b.callbackUrl, { headers: { Cookie: `${stateName}=${stateValue}` } });
    assertErrorPage(res2, 400, slice2, 'state_unknown');
  }));
});

describe('the login must finish in the browser that started it', () => {
  it('callback without the state cookie → 400 state_browser_mismatch', withLogs(sources, async () => {
    const a = await attempt();
    const [res, slice] = await callback(new Agent(), a.callbackUrl);
    assertErrorPage(res, 400, slice, 'state_browser_mismatch');
  }));

  it("callback in a browser that holds another attempt's state cookie → 400 state_browser_mismatch", withLogs(sources, async () => {
    const a = await attempt();
    const other = new Agent();
    await startLogin(other, rig.h, rig.idp, `${ENV}?other=1`);
    assert.equal(other.stateCookies().length, 1);
    const [res, slice] = await callback(other, a.callbackUrl);
    assertErrorPage(res, 400, slice, 'state_browser_mismatch');
  }));

  it("the right cookie name with another attempt's value → 400 state_unknown", withLogs(sources, async () => {
    const a = await attempt();
    const other = new Agent();
    const o = await startLogin(other, rig.h, rig.idp, `${ENV}?other=2`);
    const otherValue = other.stateCookies()[0].value;
    assert.ok(o.state && otherValue);
    const stateName = `${SESSION_COOKIE}_state_${a.start.state.slice(0, 16)}`;
    // the value is sealed for the other attempt's state: it does not open with this one
    const [res, slice] = await callback(new Agent(), a.callbackUrl, { headers: { Cookie: `${stateName}=${otherValue}` } });
    assertErrorPage(res, 400, slice, 'state_unknown');
  }));
});

describe('malformed callbacks', () => {
  it('duplicate state → 400 callback_bad_request', withLogs(sources, async () => {
    const a = await attempt();
    const s = a.url.searchParams.get('state');
    const [res, slice] = await callback(a.agent, withQuery(a.url, `code=${enc(a.url.searchParams.get('code'))}&state=${enc(s)}&state=${enc(s)}`));
    assertErrorPage(res, 400, slice, 'callback_bad_request');
  }));

  it('duplicate code → 400 callback_bad_request', withLogs(sources, async () => {
    const a = await attempt();
    const c = enc(a.url.searchParams.get('code'));
    const [res, slice] = await callback(a.agent, withQuery(a.url, `code=${c}&state=${enc(a.url.searchParams.get('state'))}&code=${c}`));
    assertErrorPage(res, 400, slice, 'callback_bad_request');
  }));

  for (const method of ['POST', 'HEAD', 'OPTIONS']) {
    it(`${method} on the callback → 405 callback_method`, withLogs(sources, async () => {
      const a = await attempt();
      const [res, slice] = await logSlice(rig.h, () => a.agent.request(a.callbackUrl, {
        method, headers: method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' } : { Accept: 'text/html' },
        body: method === 'POST' ? a.url.search.slice(1) : undefined,
      }));
      assertErrorPage(res, 405, slice, 'callback_method', { method });
    }));
  }
});

describe('code exchange failures', () => {
  it('code refused by Cognito (invalid_grant) → 400 grant_refused', withLogs(sources, async () => {
    const a = await attempt();
    const [res, slice] = await callback(a.agent, withQuery(a.url, `code=${crypto.randomUUID()}&state=${enc(a.url.searchParams.get('state'))}`));
    assertErrorPage(res, 400, slice, 'grant_refused');
    const ev = await rig.idp.call('GET', '/_test/events?type=token');
    assert.equal(ev.at(-1).outcome, 'invalid_grant');
  }));

  it('token endpoint answers 500 → 502 http_status', withLogs(sources, async () => {
    const a = await attempt();
    await rig.idp.fail({ endpoint: 'token', mode: 'status', status: 500, times: 1 });
    const [res, slice] = await callback(a.agent, a.callbackUrl);
    assertErrorPage(res, 502, slice, 'http_status');
  }));

  it('token endpoint answers garbage → 502 token_response_invalid', withLogs(sources, async () => {
    const a = await attempt();
    await rig.idp.fail({ endpoint: 'token', mode: 'garbage', times: 1 });
    const [res, slice] = await callback(a.agent, a.callbackUrl);
    assertErrorPage(res, 502, slice, 'token_response_invalid');
  }));

  it('token endpoint never answers (CognitoHTTPTimeout 2) → 504 http_timeout within 3 s', withLogs(sources, async () => {
    const a = await attempt();
    await rig.idp.fail({ endpoint: 'token', mode: 'hang', times: 1 });
    const [res, slice] = await callback(a.agent, a.callbackUrl);
    assertErrorPage(res, 504, slice, 'http_timeout');
    assert.ok(res.ms <= 3000, `answered after ${res.ms} ms`);
  }));
});

describe('ID token checks on the callback', () => {
  for (const [label, tamper, reason] of [
    ['wrong nonce', { claims: { nonce: 'not-the-nonce-we-sent' } }, 'token_nonce_mismatch'],
    ['wrong aud', { claims: { aud: 'otherclient' } }, 'token_audience_mismatch'],
    ['wrong iss', { claims: { iss: 'http://127.0.0.1:1/eu-west-1_OtherPool' } }, 'token_issuer_mismatch'],
    ['bad signature', { sign: 'garbage-signature' }, 'token_signature_invalid'],
  ]) {
    it(`ID token with ${label} → 401 ${reason}`, withLogs(sources, async () => {
      const a = await attempt();
      await rig.idp.call('POST', '/_test/tamper', { idToken: tamper, grant: 'authorization_code', times: 1 });
      const [res, slice] = await callback(a.agent, a.callbackUrl);
      assertErrorPage(res, 401, slice, reason);
      const issued = await rig.idp.call('GET', '/_test/issued');
      assert.equal(issued.at(-1).tampered, true, 'the emulator applied the tampering');
      const log = rig.h.errorLog();
      for (const t of [issued.at(-1).id_token, issued.at(-1).access_token, issued.at(-1).refresh_token]) {
        assert.ok(!log.includes(t.split('.')[1]), 'a token reached the error log');
      }
    }));
  }
});

describe("Cognito's error= on the callback", () => {
  it('error=access_denied with a script in error_description → 403, text escaped', withLogs(sources, async () => {
    const a = await attempt();
    const q = `error=access_denied&error_description=${enc('<script>alert(1)</script>')}&state=${enc(a.url.searchParams.get('state'))}`;
    const [res, slice] = await callback(a.agent, withQuery(a.url, q));
    assertErrorPage(res, 403, slice, null);
    assert.ok(res.text.includes('&lt;script&gt;'), `the description is shown escaped: ${res.text}`);
    assert.ok(!res.text.includes('<script>'), `raw <script> in the page: ${res.text}`);
    assert.ok(!res.text.toLowerCase().includes('<script'), 'no script element at all');
    assert.ok(slice.includes('access_denied'), `the log names the error: ${slice}`);
    // the state was spent and no session exists: the page asks for a login again
    const again = await a.agent.nav(rig.h.url + ENV);
    assert.equal(again.status, 302);
    assert.ok(again.headers.location.startsWith(`${rig.idp.url}/oauth2/authorize?`));
  }));
});
