// Login endpoints under hostile requests: the callback and the logout path answer odd methods, bodies and
// parameters with 405 (with a correct Allow) or 4xx — never a session, a logout by a method other than
// GET/POST, a crash, or markup reflected into an error page.
//
// Guards findings (peer advisories): mod_auth_openidc crashed on POST bodies without Content-Type, accepted
// duplicated parameters, let a HEAD/OPTIONS pre-flight change state, and reflected error/error_description
// as HTML (unescaped error pages). Guards finding (this suite's, fixed): 405 answers carried `Allow: TRACE`
// (SECURITY.md "Open findings" 2) — "the 405 answers name the allowed methods …".
//
// Already covered elsewhere (not repeated here): POST/HEAD/OPTIONS on the callback with a live state and
// duplicate state/code (login-callback.test.mjs "malformed callbacks"). Added here: every other method,
// bodies without Content-Type (Content-Length and chunked, up to 1 MB), duplicates in every shape (different
// values, empty copies, encoded names, error twice), malformed escapes and NULs, very many parameters — on
// the callback; and the same on the logout path, where anything but GET/POST must neither log out nor crash.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import {
  Agent, SESSION_COOKIE, logSlice, login, signInAtIdp, startLogin, startLoginRig,
} from './lib/login.mjs';
import { assertNoCrash, rawExchange, setCookiesOf } from './lib/hostile.mjs';

const ENV = '/protected/cgi-bin/env.cgi';
let rig;
const sources = () => rig?.sources() ?? [];

before(async () => {
  rig = await startLoginRig({});
});
after(async () => {
  await rig?.stop();
});

/** A login up to the callback: → { agent, callbackUrl, url, stateCookie: "name=value" } */
async function attempt(q = 'x=1') {
  const agent = new Agent();
  const start = await startLogin(agent, rig.h, rig.idp, `${ENV}?${q}`);
  const callbackUrl = await signInAtIdp(agent, start.authorizeUrl);
  const sc = agent.stateCookies()[0];
  return { agent, callbackUrl, url: new URL(callbackUrl), stateCookie: `${sc.name}=${sc.value}` };
}

/** A raw HTTP/1.1 request with an exact head and body. */
function raw(method, target, { headers = [], body, chunked = false } = {}) {
  let head = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${rig.h.port}\r\nAccept: text/html\r\n`;
  for (const [k, v] of headers) head += `${k}: ${v}\r\n`;
  let payload = Buffer.alloc(0);
  if (body != null) {
    const b = Buffer.from(body);
    if (chunked) {
      head += 'Transfer-Encoding: chunked\r\n';
      payload = Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n0\r\n\r\n')]);
    } else {
      head += `Content-Length: ${b.length}\r\n`;
      payload = b;
    }
  }
  head += 'Connection: close\r\n\r\n';
  return rawExchange(rig.h.port, Buffer.concat([Buffer.from(head, 'latin1'), payload]));
}

const sessionSet = (res) => setCookiesOf(res).some((c) => c.startsWith(`${SESSION_COOKIE}=`) && !/^[^=]+=;/.test(c) && !/Max-Age=0/i.test(c));
const FORM = (u) => u.search.slice(1);

describe('callback: methods other than GET and bodies without Content-Type', () => {
  const cases = [
    ['POST, form body without Content-Type', 'POST', (u) => ({ body: FORM(u) })],
    ['POST, chunked form body without Content-Type', 'POST', (u) => ({ body: FORM(u), chunked: true })],
    ['POST, 1 MB body without Content-Type', 'POST', () => ({ body: 'a'.repeat(1024 * 1024) })],
    ['POST, form body as form_post (response_mode=form_post)', 'POST', (u) => ({ body: FORM(u), headers: [['Content-Type', 'application/x-www-form-urlencoded']] })],
    ['POST, JSON body', 'POST', (u) => ({ body: JSON.stringify(Object.fromEntries(u.searchParams)), headers: [['Content-Type', 'application/json']] })],
    ['PUT with a body', 'PUT', (u) => ({ body: FORM(u) })],
    ['DELETE', 'DELETE', () => ({})],
    ['PATCH, body without Content-Type', 'PATCH', (u) => ({ body: FORM(u) })],
    ['OPTIONS with a body', 'OPTIONS', (u) => ({ body: FORM(u) })],
    ['PROPFIND', 'PROPFIND', () => ({ body: '<?xml version="1.0"?><propfind xmlns="DAV:"><allprop/></propfind>' })],
    ['an unknown method', 'FROB', () => ({})],
    ['HEAD with a body', 'HEAD', (u) => ({ body: FORM(u) })],
  ];
  for (const [label, method, opts] of cases) {
    it(`${label} → 405 callback_method, no session`, withLogs(sources, async () => {
      const a = await attempt();
      const o = opts(a.url);
      const [res, slice] = await logSlice(rig.h, () => raw(method, `${a.url.pathname}${a.url.search}`, { ...o, headers: [...(o.headers || []), ['Cookie', a.stateCookie]] }));
      assert.equal(res.status, 405, `${res.status}: ${res.text.slice(0, 200)}`);
      assert.ok(slice.includes('callback_method'), `log:\n${slice}`);
      assert.ok(!sessionSet(res), `a session cookie was set: ${setCookiesOf(res)}`);
      assert.equal(res.headers.location, undefined);
    }));
  }

  it('GET with a body and no Content-Type is an ordinary callback (the body is ignored)', withLogs(sources, async () => {
    const a = await attempt();
    const res = await raw('GET', `${a.url.pathname}${a.url.search}`, { body: 'state=forged&code=forged', headers: [['Cookie', a.stateCookie]] });
    assert.equal(res.status, 302, `${res.status}: ${res.text.slice(0, 300)}`);
    assert.ok(sessionSet(res), 'the login completed');
  }));

  it('GET with a chunked body and no Content-Type is an ordinary callback', withLogs(sources, async () => {
    const a = await attempt();
    const res = await raw('GET', `${a.url.pathname}${a.url.search}`, { body: 'x'.repeat(70000), chunked: true, headers: [['Cookie', a.stateCookie]] });
    assert.equal(res.status, 302, `${res.status}: ${res.text.slice(0, 300)}`);
  }));
});

describe('callback: duplicated and malformed parameters', () => {
  const enc = encodeURIComponent;
  const variants = (code, state) => [
    ['state twice, different values', `code=${enc(code)}&state=${enc(state)}&state=${enc(state)}x`],
    ['state twice, the second empty', `code=${enc(code)}&state=${enc(state)}&state=`],
    ['state twice, the first empty', `code=${enc(code)}&state=&state=${enc(state)}`],
    ['state twice, once with an encoded name (st%61te)', `code=${enc(code)}&state=${enc(state)}&st%61te=${enc(state)}`],
    ['code twice, different values', `code=${enc(code)}&code=other&state=${enc(state)}`],
    ['code twice, once encoded name (c%6fde)', `c%6fde=other&code=${enc(code)}&state=${enc(state)}`],
    ['code three times', `code=${enc(code)}&code=${enc(code)}&code=${enc(code)}&state=${enc(state)}`],
    ['error twice', `error=access_denied&error=server_error&state=${enc(state)}`],
    ['error_description twice', `error=access_denied&error_description=a&error_description=b&state=${enc(state)}`],
    ['bad percent escape in state', `code=${enc(code)}&state=${enc(state)}%zz`],
    ['truncated escape in code', `code=${enc(code)}%4&state=${enc(state)}`],
    ['NUL in state', `code=${enc(code)}&state=${enc(state)}%00`],
    ['NUL in the parameter name', `code=${enc(code)}&state%00=${enc(state)}`],
  ];

  it('every duplicate → 400 callback_bad_request; every malformed one → 4xx; never a session, never 5xx', withLogs(sources, async () => {
    const a = await attempt();
    const code = a.url.searchParams.get('code');
    const state = a.url.searchParams.get('state');
    const problems = [];
    for (const [label, q] of variants(code, state)) {
      const [res, slice] = await logSlice(rig.h, () => a.agent.nav(`${a.url.origin}${a.url.pathname}?${q}`));
      if (sessionSet(res)) problems.push(`${label}: a session cookie was set`);
      if (res.status >= 500 || res.status < 400) problems.push(`${label}: ${res.status}`);
      if (/twice|three/.test(label) && !(res.status === 400 && slice.includes('callback_bad_request'))) {
        problems.push(`${label}: expected 400 callback_bad_request, got ${res.status}; log: ${slice.trim().split('\n').pop()}`);
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  }));

  it('5,000 parameters, 100 copies of state, a 7 KB state: 4xx, no session, no crash', withLogs(sources, async () => {
    const a = await attempt();
    const code = encodeURIComponent(a.url.searchParams.get('code'));
    const state = encodeURIComponent(a.url.searchParams.get('state'));
    const queries = {
      '5,000 parameters': `code=${code}&state=${state}&${Array.from({ length: 5000 }, (_, i) => `p${i}=`).join('&')}`.slice(0, 8000),
      '100 copies of state': `code=${code}&${Array.from({ length: 100 }, () => `state=${state}`).join('&')}`,
      'a 7 KB state': `code=${code}&state=${'A'.repeat(7000)}`,
      '1,000 & and =': `code=${code}&state=${state}${'&='.repeat(1000)}`,
    };
    const problems = [];
    for (const [label, q] of Object.entries(queries)) {
      const res = await a.agent.nav(`${a.url.origin}${a.url.pathname}?${q}`);
      if (sessionSet(res) || res.status < 400 || res.status >= 500) problems.push(`${label}: ${res.status} ${res.text.slice(0, 120)}`);
    }
    // too long for the request line altogether: httpd answers 414 itself
    const longOne = await a.agent.nav(`${a.url.origin}${a.url.pathname}?code=${code}&state=${'A'.repeat(20000)}`);
    if (longOne.status !== 414) problems.push(`20 KB query: ${longOne.status}`);
    assert.deepEqual(problems, [], problems.join('\n'));
    assertNoCrash(rig.h);
  }));
});

describe('error pages never reflect markup (peer advisory class: unescaped error pages)', () => {
  const MARKUP = ['<script>alert(1)</script>', '"><svg/onload=alert(1)>', "'><img src=x onerror=alert(1)>", '</title><script>x</script>',
    'javascript:alert(1)//<a href=x>', '<!--', '\u2028<iframe src=//evil.example>'];
  // a raw tag is what would run; the same text escaped (&lt;svg onload=…&gt;) is harmless
  const RAW = /<\s*\/?\s*(script|svg|img|iframe|a[\s>/]|title)/i;
  const own = (text) => text.replace(/<\/?title>/g, '');

  it('error, error_description, state and the path, with markup: every page escapes it (or leaves it out)', withLogs(sources, async () => {
    const problems = [];
    const enc = encodeURIComponent;
    for (const m of MARKUP) {
      const a = await attempt();
      const state = enc(a.url.searchParams.get('state'));
      const targets = [
        `${a.url.pathname}?error=${enc(m)}&error_description=${enc(m)}&state=${state}`,
        `${a.url.pathname}?error=access_denied&error_description=${enc(m)}`,
        `${a.url.pathname}?code=x&state=${enc(m)}`,
        `${a.url.pathname}?code=${enc(m)}&state=${enc(m)}&state=${enc(m)}`,
        `${a.url.pathname}?code=x&state=${state}&${enc(m)}=1`,
      ];
      for (const t of targets) {
        const res = await a.agent.nav(`${a.url.origin}${t}`);
        if (res.status >= 500) problems.push(`${t}: ${res.status}`);
        if (RAW.test(own(res.text))) problems.push(`${t}: markup reflected: ${res.text.slice(0, 300)}`);
        if (res.status >= 400 && !/text\/html/.test(String(res.headers['content-type']))) problems.push(`${t}: Content-Type ${res.headers['content-type']}`);
      }
      // 401 pages of protected paths naming the markup (XHR → 401, never a redirect)
      const xhr = await rawExchange(rig.h.port, `GET /protected/${enc(m)}?q=${enc(m)} HTTP/1.1\r\nHost: 127.0.0.1:${rig.h.port}\r\nX-Requested-With: XMLHttpRequest\r\nAccept: application/json\r\nConnection: close\r\n\r\n`);
      if (RAW.test(own(xhr.text))) problems.push(`401 page for ${m}: markup reflected`);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  }));
});

describe('logout: GET and POST only; other methods neither log out nor crash', () => {
  const LOGOUT = '/protected/logout';

  async function session() {
    const agent = new Agent();
    const l = await login(agent, rig.h, rig.idp, ENV);
    return `${SESSION_COOKIE}=${l.sessionCookie}`;
  }
  const alive = async (cookie) => (await rawExchange(rig.h.port,
    `GET ${ENV} HTTP/1.1\r\nHost: 127.0.0.1:${rig.h.port}\r\nCookie: ${cookie}\r\nX-Requested-With: XMLHttpRequest\r\nAccept: application/json\r\nConnection: close\r\n\r\n`)).status === 200;

  it('HEAD, OPTIONS, PUT, DELETE, PATCH, PROPFIND, unknown — with and without bodies → 405 logout_method; the session survives', withLogs(sources, async () => {
    const cookie = await session();
    const problems = [];
    for (const [method, o] of [['HEAD', {}], ['OPTIONS', {}], ['OPTIONS', { body: 'x=1' }], ['PUT', { body: 'logout=1' }], ['PUT', { body: 'logout=1', chunked: true }],
      ['DELETE', {}], ['PATCH', { body: 'a' }], ['PROPFIND', { body: '<propfind/>' }], ['FROB', {}], ['HEAD', { body: 'x' }]]) {
      const [res, slice] = await logSlice(rig.h, () => raw(method, LOGOUT, { ...o, headers: [['Cookie', cookie]] }));
      const label = `${method}${o.body ? ` with a ${o.chunked ? 'chunked ' : ''}body` : ''}`;
      if (res.status !== 405) problems.push(`${label}: ${res.status}`);
      if (!slice.includes('logout_method')) problems.push(`${label}: no logout_method in the log`);
      if (setCookiesOf(res).some((c) => c.startsWith(`${SESSION_COOKIE}=`))) problems.push(`${label}: touched the session cookie`);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
    assert.ok(await alive(cookie), 'the session must survive refused logout methods');
  }));

  for (const [label, o] of [
    ['POST, body without Content-Type', { body: 'logout=1' }],
    ['POST, chunked body without Content-Type', { body: 'logout=1', chunked: true }],
    ['POST, 1 MB body without Content-Type', { body: 'z'.repeat(1024 * 1024) }],
    ['POST, no body at all', {}],
    ['GET with a body and no Content-Type', { body: 'x=1', method: 'GET' }],
  ]) {
    it(`${label} → an ordinary logout (302 to Cognito, cookie cleared, session gone)`, withLogs(sources, async () => {
      const cookie = await session();
      const res = await raw(o.method || 'POST', LOGOUT, { ...o, headers: [['Cookie', cookie]] });
      assert.equal(res.status, 302, `${res.status}: ${res.text.slice(0, 200)}`);
      assert.ok(String(res.headers.location).startsWith(`${rig.idp.url}/logout?`), res.headers.location);
      const cleared = setCookiesOf(res).filter((c) => c.startsWith(`${SESSION_COOKIE}=`));
      assert.equal(cleared.length, 1, `cookie cleared: ${setCookiesOf(res)}`);
      assert.match(cleared[0], /Max-Age=0/);
      assert.ok(!(await alive(cookie)), 'the session ended');
    }));
  }

  it('the 405 answers name the allowed methods: Allow lists GET (callback) and GET, POST (logout) — RFC 9110 §15.5.6', withLogs(sources, async () => {
    const problems = [];
    for (const [target, want] of [['/protected/callback?code=a&state=b', ['GET']], [LOGOUT, ['GET', 'POST']]]) {
      for (const method of ['POST', 'PUT', 'OPTIONS', 'DELETE']) {
        if (target === LOGOUT && method === 'POST') continue;
        const res = await raw(method, target, { body: '' });
        const allow = String(res.headers.allow || '').split(/\s*,\s*/);
        if (res.status !== 405 || !want.every((m) => allow.includes(m))) problems.push(`${method} ${target.split('?')[0]}: ${res.status}, Allow: ${res.headers.allow}`);
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  }));

  it('no httpd child crashed; the module logged no internal error', () => {
    assertNoCrash(rig.h);
    assert.doesNotMatch(rig.h.errorLog(), /COGNITO0901/);
  });
});
