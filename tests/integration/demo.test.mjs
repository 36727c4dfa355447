// Contract (g): the one-command demo (conf/demo/run) works and cleans up after Ctrl-C.
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

let demo;
let seen = [];
after(() => {
  // never leak: whatever is left of the demo's tree
  if (demo && demo.exitCode === null) try { process.kill(demo.pid, 'SIGKILL'); } catch { /* gone */ }
  for (const p of seen) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
});

it('conf/demo/run --no-install: the printed curl line works; Ctrl-C stops everything', async () => {
  const [port, idpPort] = [await freePort(), await freePort()];
  let out = '';
  let err = '';
  demo = spawn('bash', [path.join(repoRoot, 'conf/demo/run'), '--no-install'], {
    cwd: '/',
    env: {
      ...process.env,
      DEMO_PORT: String(port),
      DEMO_IDP_PORT: String(idpPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stdout.on('data', (d) => { out += d; });
  demo.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => demo.on('exit', (code, signal) => resolve({ code, signal })));
  const show = () => `--- demo stdout ---\n${out}\n--- demo stderr ---\n${tail(err, 80)}`;

  try {
    // wait for the curl line (the build may run first)
    let line;
    const deadline = Date.now() + 300000;
    while (Date.now() < deadline && demo.exitCode === null) {
      line = out.split('\n').find((l) => l.startsWith("curl -H 'Authorization: Bearer "));
      if (line) break;
      await sleep(100);
    }
    assert.ok(line, `the demo printed no curl line\n${show()}`);
    assert.ok(line.endsWith(`http://127.0.0.1:${port}/api/whoami`), line);
    seen = descendants(demo.pid);
    assert.ok(seen.some((p) => /apache2/.test(cmdline(p))), `no apache2 under the demo\n${show()}`);
    assert.ok(seen.some((p) => /server\.mjs/.test(cmdline(p))), `no emulator under the demo\n${show()}`);

    // run that exact line
    const r = spawnSync('bash', ['-c', `${line} -sS -w '\\n%{http_code}'`], { encoding: 'utf8', timeout: 30000 });
    const lines = r.stdout.trimEnd().split('\n');
    const status = lines.pop();
    assert.equal(status, '200', `curl: ${r.stdout}${r.stderr}\n${show()}`);
    const who = JSON.parse(lines.join('\n'));
    assert.equal(who.remote_user, 'alice', JSON.stringify(who));

    // without the token: 401 Bearer challenge
    const res = await fetch(`http://127.0.0.1:${port}/api/whoami`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') || '', /^Bearer/);
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
});
