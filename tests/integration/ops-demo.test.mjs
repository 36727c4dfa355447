// Contract (g): the one-command demo (conf/demo/run) comes up, prints what the README promises (URL, demo
// users, a curl line for the Bearer API that works), protects the PHP application, and cleans up after Ctrl-C.
// The browser side of the demo is tests/browser/demo.test.mjs.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, it } from 'node:test';
import { freePort, repoRoot, tail } from './lib/httpd.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function descendants(root) {
  const kids = new Map();
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] === 'Z') continue;
      const ppid = Number(f[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(ent));
    } catch { /* raced */ }
  }
  const out = [];
  const walk = (p) => { for (const c of kids.get(p) || []) { out.push(c); walk(c); } };
  walk(root);
  return out;
}
const alive = (pid) => {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return st.slice(st.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch { return false; }
};
const cmdline = (pid) => { try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '); } catch { return ''; } };

/** curl (a plain HTTP client, as a person's terminal): → { status, headers (lower-case names), body } */
function curl(args) {
  const r = spawnSync('curl', ['-sS', '-D', '-', '--max-time', '20', ...args], { encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, `curl ${args.join(' ')}: ${r.stderr}`);
  const [head, ...rest] = r.stdout.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

let demo;
let seen = [];
after(async () => {
  // never leak: a demo still running (a failed test) gets SIGTERM and time to clean up, then SIGKILL
  if (demo && demo.exitCode === null) {
    demo.kill('SIGTERM');
    for (let i = 0; i < 200 && demo.exitCode === null && demo.signalCode === null; i++) await sleep(100);
    try { process.kill(demo.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const p of seen) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
});

it('conf/demo/run --no-install: URL, users and a working curl line; the app is protected; Ctrl-C stops everything', async () => {
  const [port, idpPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  let out = '';
  let err = '';
  const started = Date.now();
  demo = spawn('bash', [path.join(repoRoot, 'conf/demo/run'), '--no-install'], {
    cwd: '/',
    env: { ...process.env, DEMO_PORT: String(port), DEMO_IDP_PORT: String(idpPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stdout.on('data', (d) => { out += d; });
  demo.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => demo.on('exit', (code, signal) => resolve({ code, signal })));
  const show = () => `--- demo stdout ---\n${out}\n--- demo stderr ---\n${tail(err, 80)}`;
  let tmpDir;

  try {
    // wait for "Press Ctrl-C to stop." (the build may run first)
    const deadline = Date.now() + 300000;
    while (Date.now() < deadline && demo.exitCode === null && !out.includes('Press Ctrl-C to stop.')) await sleep(100);
    assert.ok(out.includes('Press Ctrl-C to stop.'), `the demo did not come up\n${show()}`);
    console.log(`demo up after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // what it printed: the URL, the users with passwords and groups, the curl line, its temp dir
    assert.match(out, new RegExp(`^\\s+${base}/$`, 'm'), 'the URL to open');
    for (const [user, pass, groups, tenant] of [['alice', 'Alice-Passw0rd!', 'admin,staff', 'acme'],
      ['bob', 'Bob-Passw0rd!', 'staff', 'globex'], ['carol', 'Carol-Passw0rd!', '-', 'acme']]) {
      assert.match(out, new RegExp(`^\\s+${user}\\s+${pass.replace(/[!]/g, '\\$&')}\\s+${groups}\\s+${tenant}$`, 'm'), `user ${user}`);
    }
    const line = out.split('\n').find((l) => l.startsWith("curl -H 'Authorization: Bearer "));
    assert.ok(line, 'the curl line');
    assert.ok(line.endsWith(`${base}/api/orders`), line);
    tmpDir = /config (\S+)\/httpd\.conf/.exec(out)?.[1];
    assert.ok(tmpDir && fs.existsSync(tmpDir), `temp dir ${tmpDir}`);
    seen = descendants(demo.pid);
    for (const [what, re] of [['apache2', /apache2/], ['emulator', /server\.mjs/], ['php-fpm', /php-fpm/]]) {
      assert.ok(seen.some((p) => re.test(cmdline(p))), `no ${what} under the demo\n${show()}`);
    }

    // run that exact line: alice's orders from the PHP API
    const r = spawnSync('bash', ['-c', `${line} -sS -w '\\n%{http_code}'`], { encoding: 'utf8', timeout: 30000 });
    const lines = r.stdout.trimEnd().split('\n');
    const status = lines.pop();
    assert.equal(status, '200', `curl: ${r.stdout}${r.stderr}`);
    const orders = JSON.parse(lines.join('\n'));
    assert.equal(orders.user, 'alice', JSON.stringify(orders));
    assert.match(orders.scope, /(^| )orders\/read( |$)/);
    assert.ok(Array.isArray(orders.orders) && orders.orders.length > 0, JSON.stringify(orders));

    // the API: no token → 401 Bearer challenge; a token without orders/read → 403
    const none = curl([`${base}/api/orders`]);
    assert.equal(none.status, 401);
    assert.match(none.headers['www-authenticate'] || '', /^Bearer/);
    const mint = await (await fetch(`http://127.0.0.1:${idpPort}/_test/mint`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ tokenUse: 'access', username: 'bob', clientId: 'testclient1', scope: 'openid email' }),
    })).json();
    assert.equal(curl(['-H', `Authorization: Bearer ${mint.token}`, `${base}/api/orders`]).status, 403, 'no orders/read scope');

    // the application: a browser without a session is sent to the Hosted UI; public pages are public
    for (const p of ['/', '/admin/']) {
      const res = curl(['-H', 'Accept: text/html', `${base}${p}`]);
      assert.equal(res.status, 302, `${p}: ${res.status}`);
      assert.ok(res.headers.location?.startsWith(`http://127.0.0.1:${idpPort}/oauth2/authorize?`), `${p} → ${res.headers.location}`);
      assert.match(res.headers.location, /[?&]scope=openid(\+|%20)email(\+|%20)profile(\+|%20)orders%2Fread(&|$)/);
    }
    assert.equal(curl(['-H', 'Accept: application/json', `${base}/`]).status, 401, 'fetch/XHR without a session');
    const me = curl(['-H', 'Accept: text/html', `${base}/oauth2/me`]);
    assert.equal(me.status, 401, 'the info endpoint never redirects');
    assert.equal(JSON.parse(me.body).authenticated, false);
    const bye = curl([`${base}/logged-out.html`]);
    assert.equal(bye.status, 200);
    assert.match(bye.body, /signed out/i);
    assert.equal(curl([`${base}/admin-only.html`]).status, 200);
  } catch (e) {
    e.message += `\n${show()}`;
    throw e;
  } finally {
    if (demo.exitCode === null) demo.kill('SIGINT');
  }

  let timer;
  const result = await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 20000, null); })]);
  clearTimeout(timer);
  assert.ok(result, `the demo did not exit within 20 s of SIGINT\n${show()}`);
  for (let i = 0; i < 50 && seen.some(alive); i++) await sleep(100);
  const left = seen.filter(alive).map((p) => `${p}: ${cmdline(p)}`);
  assert.deepEqual(left, [], `processes left behind by the demo\n${show()}`);
  for (const p of [port, idpPort]) {
    await assert.rejects(fetch(`http://127.0.0.1:${p}/`), `port ${p} still answers after the demo stopped`);
  }
  assert.equal(fs.existsSync(tmpDir), false, `${tmpDir} left behind`);
});
