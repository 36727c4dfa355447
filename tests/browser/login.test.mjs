// Real Chromium against a real httpd + mod_auth_cognito + the Cognito emulator: the browser login as a
// person does it (form, button), back to the page they asked for, then logout.
//   node --test tests/browser/           screenshot: artifacts/browser/login.png
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withLogs } from '../integration/lib/httpd.mjs';
import { startLoginRig } from '../integration/lib/login.mjs';
import { artifactPath, chromiumMissing, launchChromium } from '../integration/lib/browser.mjs';

const missing = chromiumMissing();
let rig;
let browser;
const sources = () => rig?.sources() ?? [];

before(async () => {
  if (missing) return;
  rig = await startLoginRig({ suffix: 'Alias /bye "@DIR@/htdocs/bye.html"' });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await rig?.stop();
});

/** On failure: a screenshot of whatever the browser shows, next to the logs. */
function withScreenshot(name, fn) {
  return withLogs(sources, async () => {
    try {
      return await fn();
    } catch (e) {
      try {
        const p = artifactPath(`${name}-failure.png`);
        await browser.page.screenshot({ path: p, fullPage: true });
        console.log(`failure screenshot: ${p} (page ${browser.page.url()})`);
      } catch { /* no page */ }
      throw e;
    }
  });
}

describe('browser login with real Chromium', { skip: missing || false }, () => {
  it('protected page → Cognito sign-in form → back on the page, signed in as alice', withScreenshot('login', async () => {
    const { page, context } = browser;
    const target = `${rig.h.url}/protected/cgi-bin/whoami.cgi?from=browser`;
    await page.goto(target, { waitUntil: 'load' });
    // the module sent us to the managed login page of the emulator
    assert.ok(page.url().startsWith(`${rig.idp.url}/login?`), `expected the sign-in page, at ${page.url()}`);
    const stateCookies = (await context.cookies(rig.h.url)).filter((c) => c.name.startsWith('cognito_session_state_'));
    assert.equal(stateCookies.length, 1, 'one state cookie while signing in');
    assert.equal(stateCookies[0].httpOnly, true);

    await page.fill('input[name="username"]', 'alice');
    await page.fill('input[name="password"]', 'Alice-Passw0rd!');
    await Promise.all([
      page.waitForURL(target, { timeout: 30000 }),
      page.click('#signin'),
    ]);
    assert.equal(page.url(), target, 'back on the page first asked for');
    assert.equal((await page.textContent('#user')).trim(), 'alice');
    assert.match(await page.textContent('#hello'), /Alice Example/);
    assert.equal((await page.textContent('#email')).trim(), 'alice@example.com');

    const shot = artifactPath('login.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);

    const cookies = await context.cookies(rig.h.url);
    const session = cookies.find((c) => c.name === 'cognito_session');
    assert.ok(session, 'session cookie set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.match(session.value, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(cookies.filter((c) => c.name.startsWith('cognito_session_state_')).length, 0, 'state cookie spent');
    // HttpOnly: the page's script cannot read it
    assert.ok(!(await page.evaluate(() => document.cookie)).includes('cognito_session'));

    // the page's own fetch() rides the session (and would get 401, never a redirect, without it)
    const api = await page.evaluate(async () => {
      const r = await fetch('/protected/cgi-bin/env.cgi', { headers: { Accept: 'application/json' } });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(api.status, 200);
    assert.equal(api.body.REMOTE_USER, 'alice');
  }));

  it('logout → Cognito → the post-logout page; the protected page asks for a sign-in again', withScreenshot('logout', async () => {
    const { page, context } = browser;
    await page.goto(`${rig.h.url}/protected/logout`, { waitUntil: 'load' });
    assert.equal(page.url(), `${rig.h.url}/bye`, 'landed on CognitoPostLogoutURI');
    assert.match(await page.textContent('body'), /signed out/);
    assert.equal((await context.cookies(rig.h.url)).filter((c) => c.name === 'cognito_session').length, 0);
    const revokes = await rig.idp.call('GET', '/_test/events?type=revoke');
    assert.equal(revokes.at(-1)?.outcome, 'ok', 'the refresh token was revoked');

    const api = await page.evaluate(async () => {
      const r = await fetch('/protected/cgi-bin/env.cgi', { headers: { Accept: 'application/json' }, redirect: 'manual' });
      return { status: r.status, type: r.type };
    });
    assert.equal(api.status, 401, `fetch() without a session: ${JSON.stringify(api)}`);

    await page.goto(`${rig.h.url}/protected/cgi-bin/whoami.cgi?again=1`, { waitUntil: 'load' });
    assert.ok(page.url().startsWith(`${rig.idp.url}/login?`), `expected the sign-in form again, at ${page.url()}`);
    assert.ok(await page.isVisible('#signin'));
  }));
});
