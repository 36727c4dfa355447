// cli.test.mjs — server.mjs prints one "listening" JSON line, serves, and exits 0 on SIGTERM/SIGINT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { once } from 'node:events';

const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'server.mjs');

function startCli(args) {
  const child = spawn(process.execPath, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { child, ready, output: () => out, errors: () => err };
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`CLI: listening line, custom pool and client, clean exit on ${signal}`, async () => {
    const client = JSON.stringify({ clientId: 'cliclient', clientSecret: 'cli-secret', callbackURLs: ['https://x.example/cb'] });
    const c = startCli(['--port', '0', '--host', '127.0.0.1', '--pool', 'eu-central-1_CliPool', '--client', client]);
    const line = await c.ready;
    assert.deepEqual(Object.keys(line), ['event', 'port', 'url', 'issuer']);
    assert.equal(line.event, 'listening');
    assert.equal(line.url, `http://127.0.0.1:${line.port}`);
    assert.equal(line.issuer, `${line.url}/eu-central-1_CliPool`);
    const r = await fetch(`${line.issuer}/.well-known/openid-configuration`);
    assert.equal((await r.json()).issuer, line.issuer);
    const clients = await (await fetch(`${line.url}/_test/clients`)).json();
    assert.ok(clients.some((x) => x.clientId === 'cliclient'));
    c.child.kill(signal);
    const [code] = await once(c.child, 'exit');
    assert.equal(code, 0);
    assert.equal(c.output().trim().split('\n').length, 1, 'exactly one line on stdout');
  });
}

test('CLI: bad arguments exit 2 with usage', async () => {
  const child = spawn(process.execPath, [SERVER, '--bogus'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(err, /usage/);
});
