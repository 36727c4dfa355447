// The demo as a person uses it: real Chromium against `conf/demo/run --no-install` (Apache + the module +
// the Cognito emulator's Hosted UI + the PHP application), signing in as the users the demo prints.
//   node --test tests/browser/demo.test.mjs
// Screenshots: artifacts/browser/demo-home.png, demo-admin-refused.png, demo-logged-out.png, demo-admin-alice.png,
// demo-aws-alice.png
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, repoRoot, tail } from '../integration/lib/httpd.mjs';
import { artifactPath, chromiumMissing, launchChromium } from '../integration/lib/browser.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const missing = chromiumMissing();

let demo; // { child, out, err, url, idpUrl, users, show() }
let browser;

/** Starts conf/demo/run and parses what it prints: the URL and the demo users. */
async function startDemo() {
  const [port, idpPort] = [await freePort(), await freePort()];
  const child = spawn('bash', [path.join(repoRoot, 'conf/demo/run'), '--no-install'], {
    cwd: '/',
    env: { ...process.env, DEMO_PORT: String(port), DEMO_IDP_PORT: String(idpPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so that after() can end every process of it
  });
  const d = { child, out: '', err: '' };
  d.show = () => `--- demo stdout ---\n${d.out}\n--- demo stderr ---\n${tail(d.err, 60)}`;
  child.stdout.on('data', (b) => { d.out += b; });
  child.stderr.on('data', (b) => { d.err += b; });
  d.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 300000;
  while (Date.now() < deadline && child.exitCode === null && !d.out.includes('Press Ctrl-C to stop.')) await sleep(100);
  assert.ok(d.out.includes('Press Ctrl-C to stop.'), `the demo did not come up\n${d.show()}`);

  d.url = /^\s+(http:\/\/127\.0\.0\.1:\d+)\/$/m.exec(d.out)?.[1];
  assert.equal(d.url, `http://127.0.0.1:${port}`, `the printed URL\n${d.show()}`);
  d.idpUrl = `http://127.0.0.1:${idpPort}`;
  // "    user    password          groups        tenant" and one line per user below it
  const table = d.out.split('\n\n').find((block) => /^\s+user\s+password\s+groups\s+tenant$/m.test(block));
  assert.ok(table, `no user table\n${d.show()}`);
  d.users = Object.fromEntries(table.split('\n').slice(table.split('\n').findIndex((l) => /^\s+user\s+password/.test(l)) + 1)
    .map((l) => l.trim().split(/\s+/))
    .map(([user, password, groups, tenant]) => [user, { password, groups: groups === '-' ? [] : groups.split(','), tenant }]));
  return d;
}

async function stopDemo(d) {
  if (!d) return;
  if (d.child.exitCode === null) {
    d.child.kill('SIGINT');
    let t;
    const done = await Promise.race([d.exited, new Promise((r) => { t = setTimeout(r, 20000, null); })]);
    clearTimeout(t);
    if (!done) console.log(`the demo did not stop within 20 s of SIGINT\n${d.show()}`);
  }
  try { process.kill(-d.child.pid, 'SIGKILL'); } catch { /* the group is gone */ }
}

before(async () => {
  if (missing) return;
  demo = await startDemo();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await stopDemo(demo);
});

/** On failure: a screenshot of what the browser shows, and the demo's output. */
function step(name, fn) {
  return async () => {
    try {
      await fn();
    } catch (e) {
      try {
        const p = artifactPath(`demo-${name}-failure.png`);
        await browser.page.screenshot({ path: p, fullPage: true });
        console.log(`failure screenshot: ${p} (page ${browser.page.url()})`);
      } catch { /* no page */ }
      e.message += `\n${demo?.show() ?? ''}`;
      throw e;
    }
  };
}

async function shot(name) {
  const p = artifactPath(name);
  await browser.page.screenshot({ path: p, fullPage: true });
  console.log(`screenshot: ${path.relative(repoRoot, p)}`);
}

/** On the emulator's Hosted UI sign-in form: sign in and wait until back on `landing`. */
async function signIn(user, landing) {
  const { page } = browser;
  assert.ok(page.url().startsWith(`${demo.idpUrl}/login?`), `expected the Hosted UI sign-in form, at ${page.url()}`);
  await page.fill('input[name="username"]', user);
  await page.fill('input[name="password"]', demo.users[user].password);
  await Promise.all([page.waitForURL(landing, { timeout: 30000 }), page.click('#signin')]);
}

describe('the demo in real Chromium', { skip: missing || false }, () => {
  it('prints demo users: alice (admin), bob (not admin)', () => {
    assert.deepEqual(demo.users.alice?.groups, ['admin', 'staff'], JSON.stringify(demo.users));
    assert.ok(demo.users.bob && !demo.users.bob.groups.includes('admin'), JSON.stringify(demo.users));
  });

  it('bob signs in: the home page shows him, his groups and tenant, and the orders API answer', step('home', async () => {
    const { page } = browser;
    await page.goto(`${demo.url}/`, { waitUntil: 'load' });
    await signIn('bob', `${demo.url}/`);
    assert.match(await page.textContent('#hello'), /Signed in as/);
    assert.equal((await page.textContent('#user')).trim(), 'bob');
    assert.match(await page.textContent('#name'), /Bob/);
    const groups = (await page.locator('#groups .badge').allTextContents()).map((g) => g.trim());
    assert.deepEqual(groups, demo.users.bob.groups);
    assert.ok(groups.includes('staff'));
    assert.equal((await page.textContent('#tenant')).trim(), demo.users.bob.tenant);
    assert.equal((await page.textContent('#email')).trim(), 'bob@example.com');
    // the page called the Bearer-protected API with bob's access token
    assert.match(await page.textContent('#api-status'), / 200 /);
    const orders = JSON.parse(await page.textContent('#api-result'));
    assert.equal(orders.user, 'bob');
    assert.match(orders.scope, /(^| )orders\/read( |$)/);
    assert.ok(orders.orders.length > 0);
    // the COGNITO_* table, tokens shortened
    const vars = await page.textContent('#vars');
    assert.match(vars, /COGNITO_GROUPS\s*staff/);
    assert.match(vars, /COGNITO_ACCESS_TOKEN\s*eyJ[^\s]*… \(\d+ characters\)/);
    await shot('demo-home.png');
  }));

  it('bob is refused the admin page with the friendly 403 page', step('admin-refused', async () => {
    const { page } = browser;
    const [res] = await Promise.all([page.waitForResponse(`${demo.url}/admin/`), page.click('nav a[href="/admin/"]')]);
    await page.waitForLoadState('load');
    assert.equal(res.status(), 403);
    assert.equal(page.url(), `${demo.url}/admin/`);
    assert.match(await page.textContent('#title'), /you need the admin group/);
    await shot('demo-admin-refused.png');
  }));

  it('bob signs out: the logged-out page; the session cookie is gone', step('logged-out', async () => {
    const { page, context } = browser;
    await page.goto(`${demo.url}/`, { waitUntil: 'load' });
    await Promise.all([page.waitForURL(`${demo.url}/logged-out.html`, { timeout: 30000 }), page.click('#signout')]);
    assert.match(await page.textContent('#title'), /signed out/);
    assert.equal((await context.cookies(demo.url)).filter((c) => c.name === 'cognito_session').length, 0);
    await shot('demo-logged-out.png');
  }));

  it('"Sign in again" as alice: the admin page lets her in', step('admin-alice', async () => {
    const { page } = browser;
    await Promise.all([page.waitForURL(`${demo.idpUrl}/login?**`), page.click('#signin-again')]);
    await signIn('alice', `${demo.url}/`);
    assert.equal((await page.textContent('#user')).trim(), 'alice');
    const res = await page.goto(`${demo.url}/admin/`, { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    assert.match(await page.textContent('#title'), /Admin area/);
    assert.equal((await page.textContent('#user')).trim(), 'alice');
    assert.match(await page.textContent('#groups'), /\badmin\b/);
    await shot('demo-admin-alice.png');
  }));

  it('alice\'s own AWS credentials page: identity, the admin group\'s role, expiry; the secret never shown', step('aws-alice', async () => {
    const { page } = browser;
    const res = await page.goto(`${demo.url}/aws.php`, { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    assert.equal((await page.textContent('#aws-status')).trim(), 'available');
    assert.match(await page.textContent('#cognito_identity_id'), /^eu-west-1:[0-9a-f-]{36}$/);
    assert.equal((await page.textContent('#cognito_role_arn')).trim(), 'arn:aws:iam::123456789012:role/demo-admins');
    assert.match(await page.textContent('#aws_credential_expiration'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(await page.textContent('#aws_secret_access_key'), /^.{4}•{8} \(\d+ characters\)$/);
    const issued = await (await fetch(`${demo.idpUrl}/_test/identity/issued`)).json();
    const mine = issued.filter((c) => c.username === 'alice').at(-1);
    assert.ok(mine, 'the emulator issued alice credentials');
    assert.equal((await page.textContent('#aws_access_key_id')).trim(), mine.accessKeyId);
    assert.ok(!(await page.content()).includes(mine.secretKey), 'the secret key is on the page');
    await shot('demo-aws-alice.png');
  }));
});
