// Login against hostile provider answers: oversized or malformed answers from Cognito's endpoints are
// refused within CognitoHTTPTimeout — token endpoint → 502 and no session, JWKS → 503 until it is normal
// again, revoke → the logout still completes — never a crash; answers within the caps still work.
//
// Guards findings (peer advisories): memory exhaustion and crashes on large or deeply nested provider
// responses, unbounded reads of JWKS.
//
// The module caps token responses (256 KB) and JWKS documents (256 KB) and bounds every call in time
// (CognitoHTTPTimeout). The emulator's /_test/fail 'huge' mode answers ≈ 5 MB; shapes the emulator lacks
// (a real token response padded to 300 KB, an endless chunked stream, a lying Content-Length, nesting,
// duplicate names) come from a small proxy in front of the emulator that plays the Cognito domain.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startHttpd, withLogs } from './lib/httpd.mjs';
import { startIdp } from './lib/idp.mjs';
import { apiBody, callApi, withLogSlice } from './lib/cognito.mjs';
import { Agent, assertErrorPage, idpLogSource, logSlice, login, signInAtIdp, startLogin, startLoginRig } from './lib/login.mjs';
import { assertNoCrash, nestedArrays, startTokenProxy } from './lib/hostile.mjs';

const TIMEOUT = 3; // CognitoHTTPTimeout
const ENV = '/protected/cgi-bin/env.cgi';
let idp;
let direct; // CognitoDomain = the emulator
let viaProxy; // CognitoDomain = the rewriting proxy
let proxy;
let mode = null; // what the proxy does to the next token answer
const extra = [];
const sources = () => [direct?.h, viaProxy?.h, idp && idpLogSource(idp), proxy, ...extra].filter(Boolean);

function rewrite(answer, req, res) {
  const m = mode;
  if (!m) return undefined;
  mode = null; // once
  const json = JSON.parse(answer.body.toString('utf8'));
  const send = (text, headers = {}) => {
    res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
    return true;
  };
  switch (m.kind) {
    case 'pad': return send(JSON.stringify({ ...json, padding: 'x'.repeat(m.bytes) }));
    case 'nested': return send(`${JSON.stringify(json).slice(0, -1)},"deep":${nestedArrays(m.depth)}}`);
    case 'unclosed': return send(`${JSON.stringify(json).slice(0, -1)},"deep":${'['.repeat(m.depth)}`);
    case 'duplicate-id-token': return send(`${JSON.stringify(json).slice(0, -1)},"id_token":"${m.other}"}`);
    case 'endless': {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"padding":"');
      const chunk = 'y'.repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        // stop after 64 MB or when the module hangs up
        while (!res.destroyed && sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) { res.once('drain', pump); return; }
        }
        if (!res.destroyed) res.end('"}');
      };
      res.on('close', () => { m.sent = sent; });
      pump();
      return true;
    }
    case 'lying-length': {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(100 * 1024 * 1024) });
      res.write(JSON.stringify(json).slice(0, 20)); // then nothing more: the module must give up
      return true;
    }
    default: throw new Error(`unknown proxy mode ${m.kind}`);
  }
}

before(async () => {
  idp = await startIdp();
  proxy = await startTokenProxy(idp, { onToken: rewrite });
  direct = await startLoginRig({ idp, directives: `CognitoHTTPTimeout ${TIMEOUT}` });
  // the same configuration, but the Cognito domain is the proxy (the issuer / JWKS stay the emulator's)
  viaProxy = await startLoginRig({
    idp: { ...idp, url: proxy.url },
    directives: `CognitoHTTPTimeout ${TIMEOUT}`,
  });
});
after(async () => {
  for (const x of extra.splice(0)) await x.stop?.();
  await viaProxy?.stop();
  await direct?.stop();
  await proxy?.close();
  await idp?.close();
});
beforeEach(async () => {
  mode = null;
  await idp.call('POST', '/_test/fail', { endpoint: 'all', mode: 'off' });
});

/** A login up to the callback (the code is fresh), on `rig` whose Cognito domain is `domainUrl`. */
async function attempt(rig, domain) {
  const agent = new Agent();
  const start = await startLogin(agent, rig.h, domain, `${ENV}?r=1`);
  const callbackUrl = await signInAtIdp(agent, start.authorizeUrl);
  return { agent, callbackUrl };
}

describe('token endpoint answers of several megabytes', () => {
  it('≈ 5 MB JSON (emulator /_test/fail huge) → 502 http_too_large, within CognitoHTTPTimeout, no session', withLogs(sources, async () => {
    const a = await attempt(direct, idp);
    await idp.fail({ endpoint: 'token', mode: 'huge', times: 1 });
    const started = Date.now();
    const [res, slice] = await logSlice(direct.h, () => a.agent.nav(a.callbackUrl));
    const ms = Date.now() - started;
    assertErrorPage(res, 502, slice, 'http_too_large');
    assert.ok(ms < TIMEOUT * 1000, `answered after ${ms} ms`);
  }));

  it('a real token response padded to 300 KB (valid JSON) → 502 http_too_large', withLogs(sources, async () => {
    const a = await attempt(viaProxy, { url: proxy.url });
    mode = { kind: 'pad', bytes: 300 * 1024 };
    const [res, slice] = await logSlice(viaProxy.h, () => a.agent.nav(a.callbackUrl));
    assertErrorPage(res, 502, slice, 'http_too_large');
  }));

  it('the same response padded to 100 KB (under the 256 KB cap) still logs in: the cap is about size only', withLogs(sources, async () => {
    const a = await attempt(viaProxy, { url: proxy.url });
    mode = { kind: 'pad', bytes: 100 * 1024 };
    const res = await a.agent.nav(a.callbackUrl);
    assert.equal(res.status, 302, `${res.status}: ${res.text.slice(0, 300)}`);
    const page = await a.agent.xhr(viaProxy.h.url + ENV);
    assert.equal(page.status, 200);
    assert.equal(page.json.REMOTE_USER, 'alice');
  }));

  it('an endless chunked stream → 502 http_too_large within CognitoHTTPTimeout; the module hangs up early', withLogs(sources, async () => {
    const a = await attempt(viaProxy, { url: proxy.url });
    const m = { kind: 'endless' };
    mode = m;
    const started = Date.now();
    const [res, slice] = await logSlice(viaProxy.h, () => a.agent.nav(a.callbackUrl));
    const ms = Date.now() - started;
    assertErrorPage(res, 502, slice, 'http_too_large');
    assert.ok(ms < TIMEOUT * 1000, `answered after ${ms} ms`);
    for (let i = 0; i < 50 && m.sent === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(m.sent !== undefined && m.sent < 16 * 1024 * 1024, `the proxy wrote ${m.sent} bytes before the module hung up`);
  }));

  it('Content-Length of 100 MB, then silence → 502/504 within CognitoHTTPTimeout + 1 s, no session', withLogs(sources, async () => {
    const a = await attempt(viaProxy, { url: proxy.url });
    mode = { kind: 'lying-length' };
    const started = Date.now();
    const [res, slice] = await logSlice(viaProxy.h, () => a.agent.nav(a.callbackUrl, { timeoutMs: 15000 }));
    const ms = Date.now() - started;
    assert.ok([502, 504].includes(res.status), `${res.status}: ${res.text.slice(0, 200)}`);
    assertErrorPage(res, res.status, slice, null);
    assert.match(slice, /http_too_large|http_timeout|http_failed/);
    assert.ok(ms < (TIMEOUT + 1) * 1000, `answered after ${ms} ms`);
  }));
});

describe('token endpoint answers that are small but hostile', () => {
  for (const [label, m] of [
    ['10,000 nested arrays beside the tokens', { kind: 'nested', depth: 10000 }],
    ['100,000 unclosed [ beside the tokens', { kind: 'unclosed', depth: 100000 }],
  ]) {
    it(`${label} → 502 token_response_invalid, no session, no crash`, withLogs(sources, async () => {
      const a = await attempt(viaProxy, { url: proxy.url });
      mode = m;
      const [res, slice] = await logSlice(viaProxy.h, () => a.agent.nav(a.callbackUrl));
      assertErrorPage(res, 502, slice, 'token_response_invalid');
    }));
  }

  it('a second "id_token" member (another user\'s valid ID token) → refused, never logged in as either', withLogs(sources, async () => {
    const other = (await idp.mint({ tokenUse: 'id', username: 'bob', nonce: 'x' })).token;
    const a = await attempt(viaProxy, { url: proxy.url });
    mode = { kind: 'duplicate-id-token', other };
    const [res, slice] = await logSlice(viaProxy.h, () => a.agent.nav(a.callbackUrl));
    assertErrorPage(res, 502, slice, 'token_response_invalid');
  }));
});

describe('other endpoints: JWKS and revoke of several megabytes', () => {
  it('JWKS of ≈ 5 MB on a fresh server → 503 jwks_unavailable within CognitoHTTPTimeout; valid tokens work once it is normal again', withLogs(sources, async () => {
    const h = await startHttpd({ body: apiBody({ issuer: idp.issuer, server: `CognitoHTTPTimeout ${TIMEOUT}` }) });
    extra.push(h);
    const { token } = await idp.mint();
    await idp.fail({ endpoint: 'jwks', mode: 'huge' });
    const started = Date.now();
    const [res, slice] = await withLogSlice(h, () => callApi(h, token));
    assert.equal(res.status, 503, `${res.status}: ${res.text.slice(0, 200)}`);
    assert.ok(Date.now() - started < TIMEOUT * 1000, 'bounded');
    assert.match(slice, /jwks_unavailable/);
    assert.match(slice, /http_too_large|too (large|much)/i, `the log says why:\n${slice}`);
    await idp.fail({ endpoint: 'jwks', mode: 'off' });
    let ok = false;
    for (let i = 0; i < 30 && !ok; i++) { // the refetch penalty window is ≤ 10 s per child
      ok = (await callApi(h, (await idp.mint()).token)).status === 200;
      if (!ok) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(ok, 'valid tokens are accepted again once the JWKS is normal');
    assertNoCrash(h);
  }));

  it('revoke answering ≈ 5 MB at logout: the logout still completes (302, cookie cleared)', withLogs(sources, async () => {
    const agent = new Agent();
    await login(agent, direct.h, idp, ENV);
    await idp.fail({ endpoint: 'revoke', mode: 'huge', times: 1 });
    const [res, slice] = await logSlice(direct.h, () => agent.nav(`${direct.h.url}/protected/logout`));
    assert.equal(res.status, 302, `${res.status}: ${res.text.slice(0, 200)}`);
    assert.ok(res.headers.location.startsWith(`${idp.url}/logout?`));
    assert.match(slice, /revok/i, `the failed revocation is logged:\n${slice}`);
    assert.equal((await agent.xhr(direct.h.url + ENV)).status, 401, 'the session ended anyway');
  }));

  it('no httpd child crashed', () => {
    assertNoCrash(direct.h);
    assertNoCrash(viaProxy.h);
  });
});
