// CognitoPreservePost in real Chromium (issue 18, acceptance 1 and 3): a form post that meets an expired session
// survives the login — and only a post from this site does.
//
// Behaviour and threats guarded:
//   (a) lost work / double submission: alice's session expires (CognitoSessionIdleTimeout 3), she submits a form of
//       this site (UTF-8 and &=%+ in the values) to a protected PHP page; she signs in again at the Hosted UI and the
//       PHP page receives exactly those fields, by POST, once. Going back and visiting the callback URL again posts
//       nothing more. The two pages in between carry Cache-Control no-store and a CSP default-src 'none' with a
//       sha256 script-src (no 'unsafe-inline'), and the fields leave sessionStorage once used.
//   (b) cross-site request forgery riding the victim's sign-in: a page of ANOTHER site (http://localhost:<port>,
//       while this site is http://127.0.0.1:<port>) auto-submits a form POST to the protected PHP page while the
//       victim's session has expired; after the victim signs in, the PHP page has received NO post — the login
//       ends on a GET of that page.
//   (c) stale fields: a kept post abandoned at the sign-in (the user goes to another protected page instead) is
//       never sent by the later, ordinary login — only a login whose sealed state says a post waits re-posts.
//   node --test tests/browser/preserve-post.test.mjs     failure screenshots: artifacts/browser/preserve-post-*.png
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { withLogs } from '../integration/lib/httpd.mjs';
import { USERS, sleep, startLoginRig } from '../integration/lib/login.mjs';
import { clearRecords, recordFiles, records } from '../integration/lib/record-app.mjs';
import { artifactPath, chromiumMissing, launchChromium } from '../integration/lib/browser.mjs';

const missing = chromiumMissing();
const IDLE = 3; // CognitoSessionIdleTimeout
const STORAGE_KEY = 'mod_auth_cognito.post';
const FIELDS = { who: 'Jürgen Ünïcødé ✓', expr: 'a&b=c%d+e', note: 'line 1\nline 2' };
// what the PHP page must receive: a textarea's line breaks are sent as CRLF
const RECEIVED = { who: FIELDS.who, expr: FIELDS.expr, note: 'line 1\r\nline 2' };
const TARGET = '/protected/cgi-bin/record.cgi?from=form&q=%C3%BC';
const EVIL_TARGET = '/protected/cgi-bin/record.cgi?from=evil';
const CSP_RE = /^default-src 'none'; script-src 'sha256-([A-Za-z0-9+/]{43}=)'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'$/;

const FORM_HTML = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>order</title></head><body>
<form id="order" method="post" action="${TARGET}">
<input name="who" id="who"> <input name="expr" id="expr"> <textarea name="note" id="note"></textarea>
<button id="send" type="submit">Send</button>
</form></body></html>
`;

let rig;
let browser;
let evil; // { server, url }
let lastSessionUse = 0; // when alice's session was last used (the idle timeout counts from there)
const sources = () => rig?.sources() ?? [];

before(async () => {
  if (missing) return;
  rig = await startLoginRig({
    directives: `CognitoSessionIdleTimeout ${IDLE}`,
    files: { ...recordFiles(), 'htdocs/form.html': FORM_HTML },
  });
  // the other site: a page that auto-submits a form to the protected PHP page
  const evilHtml = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>win a prize</title></head><body>
<form id="f" method="post" action="${rig.h.url}${EVIL_TARGET}">
<input type="hidden" name="to" value="mallory"><input type="hidden" name="amount" value="1000000">
</form><script>document.getElementById('f').submit();</script></body></html>`;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(evilHtml);
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  evil = { server, url: `http://localhost:${server.address().port}` };
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  if (evil) await new Promise((r) => { evil.server.closeAllConnections?.(); evil.server.close(r); });
  await rig?.stop();
});

/** On failure: a screenshot of whatever the browser shows, next to the logs. */
function withScreenshot(name, fn) {
  return withLogs(sources, async () => {
    try {
      return await fn();
    } catch (e) {
      try {
        const p = artifactPath(`preserve-post-${name}-failure.png`);
        await browser.page.screenshot({ path: p, fullPage: true });
        console.log(`failure screenshot: ${p} (page ${browser.page.url()})`);
      } catch { /* no page */ }
      throw e;
    }
  });
}

/** Signs in at the emulator's Hosted UI form (the page must show it). */
async function signInAtHostedUi(page, until) {
  assert.ok(page.url().startsWith(`${rig.idp.url}/login?`), `expected the Hosted UI sign-in form, at ${page.url()}`);
  await page.fill('input[name="username"]', 'alice');
  await page.fill('input[name="password"]', USERS.alice);
  await Promise.all([page.waitForURL(until, { timeout: 30000 }), page.click('#signin')]);
}

/** Forgets the Hosted UI session (cookie "cognito" of the emulator), so the next sign-in shows the form. */
const forgetHostedUiSession = (context) => context.clearCookies({ name: 'cognito' });

/** Waits until alice's session is past CognitoSessionIdleTimeout, and checks that it is. */
async function waitForExpiry(page) {
  const wait = lastSessionUse + IDLE * 1000 + 1500 - Date.now();
  if (wait > 0) await sleep(wait);
  const api = await page.evaluate(async () => {
    const r = await fetch('/protected/cgi-bin/env.cgi', { headers: { Accept: 'application/json' }, redirect: 'manual' });
    return r.status;
  });
  assert.equal(api, 401, 'the session has expired (a fetch() of the protected area is refused)');
}

/** Records every response of the page (with all its headers) until stop() is called. */
function captureResponses(page) {
  const list = [];
  const on = (r) => list.push((async () => ({
    url: r.url(), status: r.status(), method: r.request().method(), headers: await r.allHeaders().catch(() => ({})),
    requestHeaders: await r.request().allHeaders().catch(() => ({})),
  }))());
  page.on('response', on);
  return { stop: async () => { page.off('response', on); return Promise.all(list); } };
}

function assertIntermediatePage(r, what) {
  assert.equal(r.status, 200, `${what}: status`);
  assert.match(String(r.headers['cache-control']), /no-store/, `${what}: Cache-Control ${r.headers['cache-control']}`);
  const csp = String(r.headers['content-security-policy'] || '');
  const m = CSP_RE.exec(csp);
  assert.ok(m, `${what}: Content-Security-Policy ${JSON.stringify(csp)}`);
  assert.equal(r.headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
  return m[1];
}

describe('form post across an expired session, real Chromium', { skip: missing || false }, () => {
  it('(a) same-origin form post after the session expired → sign in again → the PHP page gets exactly the fields, by POST, once', withScreenshot('same-origin', async () => {
    const { page, context } = browser;
    // sign in, use the session, let it expire
    await page.goto(`${rig.h.url}/protected/cgi-bin/whoami.cgi`, { waitUntil: 'load' });
    await signInAtHostedUi(page, `${rig.h.url}/protected/cgi-bin/whoami.cgi`);
    assert.equal((await page.textContent('#user')).trim(), 'alice');
    lastSessionUse = Date.now();
    await forgetHostedUiSession(context);
    await page.goto(`${rig.h.url}/form.html`, { waitUntil: 'load' });
    await waitForExpiry(page);

    await page.fill('#who', FIELDS.who);
    await page.fill('#expr', FIELDS.expr);
    await page.fill('#note', FIELDS.note);
    const cap = captureResponses(page);
    await Promise.all([page.waitForURL(`${rig.idp.url}/login?**`, { timeout: 30000 }), page.click('#send')]);
    assert.equal(records(rig.h).length, 0, 'nothing reached the PHP page before the sign-in');
    await signInAtHostedUi(page, `${rig.h.url}${TARGET}`);
    await page.waitForLoadState('load');
    lastSessionUse = Date.now();
    assert.equal((await page.textContent('#method')).trim(), 'POST', 'the page shows the re-sent POST');
    const responses = await cap.stop();

    // the PHP page: exactly one request, a POST with exactly the fields, as alice
    const recs = records(rig.h);
    assert.equal(recs.length, 1, `one request reached the PHP page: ${JSON.stringify(recs)}`);
    assert.equal(recs[0].method, 'POST');
    assert.equal(recs[0].uri, TARGET, 'to the path and query of the form');
    assert.equal(recs[0].user, 'alice');
    assert.match(String(recs[0].contentType), /^application\/x-www-form-urlencoded/);
    assert.deepEqual(recs[0].post, RECEIVED, 'exactly the fields, UTF-8 and &=%+ intact');

    // the two pages in between
    const posts = responses.filter((r) => r.url === `${rig.h.url}${TARGET}` && r.method === 'POST');
    assert.equal(posts.length, 2, `two POSTs to the page (the first answered by the keep page, the re-sent one): ${JSON.stringify(posts.map((r) => r.status))}`);
    assert.equal(posts[0].requestHeaders['sec-fetch-site'], 'same-origin', 'Chromium sent the form as same-origin');
    const keepHash = assertIntermediatePage(posts[0], 'keep page (answer to the first POST)');
    const callbacks = responses.filter((r) => r.url.startsWith(`${rig.h.url}/protected/callback?`));
    assert.equal(callbacks.length, 1, `one callback: ${JSON.stringify(callbacks.map((r) => [r.url, r.status]))}`);
    const resubmitHash = assertIntermediatePage(callbacks[0], 're-submit page (callback)');
    assert.notEqual(keepHash, resubmitHash, 'each page allows only its own script');
    assert.equal(posts[1].status, 200);
    assert.equal(posts[1].requestHeaders['sec-fetch-site'], 'same-origin', 'the re-sent POST comes from this origin');
    assert.equal(await page.evaluate((k) => sessionStorage.getItem(k), STORAGE_KEY), null, 'the fields left sessionStorage');

    // going back, reloading that entry, and visiting the callback URL again post nothing more
    // (Chromium replaces the callback's history entry by the re-sent POST, so "back" is the sign-in form.)
    const callbackUrl = callbacks[0].url;
    const back = await page.goBack({ waitUntil: 'load' }).catch((e) => e);
    const backUrl = page.url();
    if (backUrl.startsWith(`${rig.h.url}/protected/callback?`)) await page.reload({ waitUntil: 'load' });
    if (backUrl.startsWith(`${rig.idp.url}/login?`)) {
      // signing in once more from that page sends the same (spent) state to the callback
      await page.fill('input[name="username"]', 'alice');
      await page.fill('input[name="password"]', USERS.alice);
      const [cb] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(`${rig.h.url}/protected/callback?`), { timeout: 30000 }),
        page.click('#signin'),
      ]);
      await page.waitForLoadState('load');
      assert.equal(cb.status(), 400, `the spent state at the callback: ${cb.status()}`);
      assert.ok(!(await page.content()).includes('cognito-post'), 'no re-submit page for a spent state');
    }
    await sleep(500);
    assert.equal(records(rig.h).length, 1, `going back (to ${backUrl}${back instanceof Error ? `, ${back.message}` : ''}) posted nothing`);
    const again = await page.goto(callbackUrl, { waitUntil: 'load' });
    assert.equal(again.status(), 400, `the callback URL again: ${again.status()}`);
    assert.ok(!(await page.content()).includes('cognito-post'), 'no re-submit page on a second visit');
    const reloaded = await page.reload({ waitUntil: 'load' });
    assert.equal(reloaded.status(), 400, `the callback URL reloaded: ${reloaded.status()}`);
    await sleep(500);
    assert.equal(records(rig.h).length, 1, 'the callback URL again posted nothing');
    assert.match(rig.h.errorLog(), /state_browser_mismatch|state_replayed/);
    assert.equal(await page.evaluate((k) => sessionStorage.getItem(k), STORAGE_KEY), null);
  }));

  it('(b) a page of another site auto-submits a POST while the session has expired → after the sign-in, no POST reached the PHP page; the login ends on a GET', withScreenshot('cross-site', async () => {
    const { page, context } = browser;
    assert.ok(lastSessionUse, 'needs (a)');
    clearRecords(rig.h);
    await forgetHostedUiSession(context);
    await page.goto(`${rig.h.url}/form.html`, { waitUntil: 'load' });
    await waitForExpiry(page);
    const logMark = rig.h.errorLog().length;

    const cap = captureResponses(page);
    await Promise.all([page.waitForURL(`${rig.idp.url}/login?**`, { timeout: 30000 }), page.goto(`${evil.url}/prize.html`)]);
    await signInAtHostedUi(page, `${rig.h.url}${EVIL_TARGET}`);
    await page.waitForLoadState('load');
    lastSessionUse = Date.now();
    const responses = await cap.stop();
    assert.equal((await page.textContent('#method')).trim(), 'GET', 'the page was reached by a GET');

    const recs = records(rig.h);
    assert.deepEqual(recs.filter((r) => r.method === 'POST'), [], 'NO post reached the PHP page');
    assert.equal(recs.length, 1, `one GET: ${JSON.stringify(recs)}`);
    assert.equal(recs[0].method, 'GET');
    assert.equal(recs[0].uri, EVIL_TARGET);
    assert.equal(recs[0].user, 'alice');
    assert.deepEqual(recs[0].post, {});

    const post = responses.find((r) => r.method === 'POST' && r.url === `${rig.h.url}${EVIL_TARGET}`);
    assert.ok(post, 'Chromium sent the other site\'s POST');
    assert.equal(post.requestHeaders['sec-fetch-site'], 'cross-site', 'and it was cross-site');
    assert.equal(post.status, 302, 'answered by the ordinary login redirect, not the keep page');
    assert.ok(!post.headers['content-security-policy'], 'no keep page');
    const callback = responses.find((r) => r.url.startsWith(`${rig.h.url}/protected/callback?`));
    assert.equal(callback?.status, 302, 'the callback redirects (no re-submit page)');
    assert.equal(await page.evaluate((k) => sessionStorage.getItem(k), STORAGE_KEY), null, 'nothing in sessionStorage');
    assert.match(rig.h.errorLog().slice(logMark), /form post not kept across the login: it came from another site/);
  }));

  it('(c) a kept post abandoned for another page: the login for that page (a GET) posts nothing, though the fields are still in sessionStorage', withScreenshot('abandoned', async () => {
    const { page, context } = browser;
    assert.ok(lastSessionUse, 'needs (a)');
    clearRecords(rig.h);
    await context.clearCookies({ name: 'cognito_session' }); // the session is gone (as after a logout elsewhere)
    await page.goto(`${rig.h.url}/form.html`, { waitUntil: 'load' });
    await page.fill('#who', 'abandoned');
    await page.fill('#expr', FIELDS.expr);
    // the keep page sends the tab to the sign-in: the Hosted UI session of (b) answers at once, so stop it there
    await page.route(`${rig.idp.url}/oauth2/authorize**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>held</p>' }));
    await Promise.all([page.waitForURL(`${rig.idp.url}/oauth2/authorize?**`, { timeout: 30000 }), page.click('#send')]);
    await page.unroute(`${rig.idp.url}/oauth2/authorize**`);
    // the user goes elsewhere instead: a protected page, by a GET → login (Hosted UI session) → that page
    const OTHER = '/protected/cgi-bin/record.cgi?from=get';
    await page.goto(`${rig.h.url}${OTHER}`, { waitUntil: 'load' });
    assert.equal(page.url(), `${rig.h.url}${OTHER}`);
    assert.equal((await page.textContent('#method')).trim(), 'GET');
    const stale = await page.evaluate((k) => sessionStorage.getItem(k), STORAGE_KEY);
    assert.ok(stale && JSON.parse(stale).path === TARGET && JSON.parse(stale).fields.some(([k, v]) => k === 'who' && v === 'abandoned'),
      `precondition: the abandoned post was kept and is still in sessionStorage: ${stale}`);
    await sleep(300);
    const recs = records(rig.h);
    assert.deepEqual(recs.map((r) => [r.method, r.uri, r.user]), [['GET', OTHER, 'alice']], 'only the GET reached the PHP page: an ordinary login never posts');
  }));
});
