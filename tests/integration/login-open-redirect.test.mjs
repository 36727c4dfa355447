// After login the module sends the browser back to where it was going — but only ever to a same-origin
// path. Hostile request targets are sent as raw request lines (fetch would normalise them).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withLogs } from './lib/httpd.mjs';
import { Agent, isLoginRedirect, rawRequest, signInAtIdp, startLoginRig } from './lib/login.mjs';

let rig;
const sources = () => rig?.sources() ?? [];

before(async () => {
  // Everything is protected, so every odd target triggers a login; encoded slashes reach the module.
  rig = await startLoginRig({ location: '/', directives: 'AllowEncodedSlashes NoDecode' });
});
after(async () => {
  await rig?.stop();
});

const TARGETS = [
  '//evil.example',
  '//evil.example/path?q=1',
  '/\\evil.example',
  '/\\/evil.example',
  'https://evil.example/',
  'http://evil.example//evil.example',
  '/%09/evil.example',
  '/%2F%2Fevil.example',
  '/%2f%2fevil.example',
  '/%5C%5Cevil.example',
  '///evil.example',
  '/.//evil.example',
];

/** The Location must resolve (WHATWG URL, as browsers do) to our own origin. */
function assertSameOrigin(loc, h, target) {
  assert.ok(loc, `no Location after the login for ${JSON.stringify(target)}`);
  const origin = new URL(h.url).origin;
  assert.ok(!/^[\s\x00-\x1f]*[/\\]{2}/.test(loc), `Location starts with // or \\\\: ${JSON.stringify(loc)}`);
  const resolved = new URL(loc, h.url + '/');
  assert.equal(resolved.origin, origin, `Location ${JSON.stringify(loc)} leaves the site (→ ${resolved.href})`);
  assert.ok(loc.startsWith(origin + '/') || (loc.startsWith('/') && !loc.startsWith('//')),
    `Location is not a same-origin URL or path: ${JSON.stringify(loc)}`);
  const stripped = loc.replace(/[\t\n\r]/g, '');
  assert.equal(new URL(stripped, h.url + '/').origin, origin, `Location with tabs/newlines stripped leaves the site: ${JSON.stringify(loc)}`);
  assert.ok(!/evil\.example/.test(new URL(loc, h.url + '/').host), 'evil.example as the host');
}

describe('post-login redirect stays on this site', () => {
  for (const target of TARGETS) {
    it(`GET ${target} → login → back to this origin only`, withLogs(sources, async () => {
      const first = await rawRequest(rig.h.port, `GET ${target} HTTP/1.1`, {
        Accept: 'text/html,application/xhtml+xml', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document',
      });
      assert.ok(isLoginRedirect(first, rig.idp),
        `${JSON.stringify(target)} should trigger a login: ${first.status} ${first.headers.location || ''}\n${first.raw.slice(0, 300)}`);
      const redirectUri = new URL(first.headers.location).searchParams.get('redirect_uri');
      const agent = new Agent();
      agent.jar.absorb(rig.h.url, first.setCookies);
      assert.equal(agent.stateCookies().length, 1);
      if (new URL(redirectUri).origin !== rig.h.url) {
        // An absolute-form target names the host, and httpd builds the callback URL from it (as from a
        // Host header). Cognito only accepts registered callbacks; register it so the flow can finish,
        // and deliver the callback to this server: what matters here is where the module sends us after.
        await rig.idp.call('POST', '/_test/clients', { clientId: 'testclient1', callbackURLs: [redirectUri] });
      }
      let callbackUrl = await signInAtIdp(agent, first.headers.location);
      const cbu = new URL(callbackUrl);
      assert.equal(cbu.pathname, '/protected/callback', callbackUrl);
      callbackUrl = `${rig.h.url}${cbu.pathname}${cbu.search}`;
      const cb = await agent.nav(callbackUrl);
      assert.equal(cb.status, 302, `callback: ${cb.status} ${cb.text.slice(0, 300)}`);
      assertSameOrigin(cb.headers.location, rig.h, target);
    }));
  }

  it('an ordinary path with a query comes back unchanged', withLogs(sources, async () => {
    const first = await rawRequest(rig.h.port, 'GET /cgi-bin/env.cgi?a=1&b=%2F%2Fx HTTP/1.1', { Accept: 'text/html' });
    assert.ok(isLoginRedirect(first, rig.idp));
    const agent = new Agent();
    agent.jar.absorb(rig.h.url, first.setCookies);
    const cb = await agent.nav(await signInAtIdp(agent, first.headers.location));
    assert.equal(cb.status, 302);
    assert.equal(cb.headers.location, `${rig.h.url}/cgi-bin/env.cgi?a=1&b=%2F%2Fx`);
    const page = await agent.nav(cb.headers.location);
    assert.equal(page.status, 200);
    assert.equal(page.json.QUERY_STRING, 'a=1&b=%2F%2Fx');
  }));
});
