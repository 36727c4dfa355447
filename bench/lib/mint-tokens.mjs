#!/usr/bin/env node
// bench/lib/mint-tokens.mjs — N distinct, validly signed Cognito access tokens, one per line.
//
//   node mint-tokens.mjs --idp URL --count N --out FILE [--workers W] [--lifetime SECONDS]
//
// Minting through the emulator's /_test/mint costs a round trip per token, so this asks the emulator
// for ONE token (the exact Cognito access-token shape for alice / testclient1) and for its access
// signing key (GET /_test/keys), then signs N copies itself with fresh jti / origin_jti / event_id and
// iat = now, keeping the header and the claim order byte for byte. RSA-2048 signing costs ~1 ms, so it
// runs on W worker threads (default: all CPUs). Prints {"count","seconds","bytesPerToken"}.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const b64u = (buf) => Buffer.from(buf).toString('base64url');

function signRange({ header, payload, pem, from, to, now, lifetime }) {
  const key = crypto.createPrivateKey(pem);
  const h = b64u(JSON.stringify(header));
  const lines = [];
  for (let i = from; i < to; i++) {
    const p = { ...payload }; // same key order as the template
    if ('origin_jti' in p) p.origin_jti = crypto.randomUUID();
    if ('event_id' in p) p.event_id = crypto.randomUUID();
    p.auth_time = now;
    p.iat = now;
    p.exp = now + lifetime;
    p.jti = crypto.randomUUID();
    const input = `${h}.${b64u(JSON.stringify(p))}`;
    const sig = crypto.sign('RSA-SHA256', Buffer.from(input), key);
    lines.push(`${input}.${b64u(sig)}`);
  }
  return lines.join('\n') + '\n';
}

if (!isMainThread) {
  parentPort.postMessage(signRange(workerData));
} else {
  const o = { workers: os.availableParallelism ? os.availableParallelism() : os.cpus().length, lifetime: 7200 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];
  const count = Number(o.count);
  if (!o.idp || !o.out || !(count > 0)) {
    process.stderr.write('usage: mint-tokens.mjs --idp URL --count N --out FILE [--workers W] [--lifetime S]\n');
    process.exit(2);
  }
  const t0 = Date.now();
  const mint = await (await fetch(`${o.idp}/_test/mint`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ tokenUse: 'access', username: 'alice', clientId: 'testclient1', scope: 'openid email orders/read' }),
  })).json();
  const keys = await (await fetch(`${o.idp}/_test/keys`)).json();
  if (!mint.header || mint.header.kid !== keys.access.kid) throw new Error('the minted token is not signed with the access key');
  const now = Math.floor(Date.now() / 1000);
  const W = Math.max(1, Math.min(Number(o.workers), count));
  const per = Math.ceil(count / W);
  const parts = await Promise.all(Array.from({ length: W }, (_, w) => new Promise((resolve, reject) => {
    const from = w * per;
    const to = Math.min(count, from + per);
    const wk = new Worker(new URL(import.meta.url), {
      workerData: { header: mint.header, payload: mint.payload, pem: keys.access.privateKeyPem, from, to, now, lifetime: Number(o.lifetime) },
    });
    wk.once('message', resolve);
    wk.once('error', reject);
  })));
  const text = parts.join('');
  fs.writeFileSync(o.out, text);
  // Self-check: the first token verifies with the public key and has the template's shape.
  const first = text.slice(0, text.indexOf('\n'));
  const [h, p, s] = first.split('.');
  const okSig = crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), crypto.createPublicKey(keys.access.publicKeyPem), Buffer.from(s, 'base64url'));
  const shape = Object.keys(JSON.parse(Buffer.from(p, 'base64url'))).join(',') === Object.keys(mint.payload).join(',');
  if (!okSig || !shape) throw new Error('self-check of the signed tokens failed');
  process.stdout.write(`${JSON.stringify({ count, seconds: (Date.now() - t0) / 1000, bytesPerToken: Math.round(text.length / count) - 1 })}\n`);
}
