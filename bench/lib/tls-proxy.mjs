#!/usr/bin/env node
// bench/lib/tls-proxy.mjs — an HTTPS front for the (plain-HTTP) Cognito emulator, for
// mod_auth_openidc 2.4.12, which accepts only https:// for OIDCOAuthVerifyJwksUri.
//   node tls-proxy.mjs --target http://127.0.0.1:PORT --key KEY.pem --cert CERT.pem
// Listens on a free 127.0.0.1 port and prints {"event":"listening","port":N}.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const a = process.argv.slice(2);
const o = {};
for (let i = 0; i < a.length; i += 2) o[a[i].replace(/^--/, '')] = a[i + 1];
const target = new URL(o.target);

const server = https.createServer({ key: fs.readFileSync(o.key), cert: fs.readFileSync(o.cert) }, (req, res) => {
  const up = http.request({
    host: target.hostname, port: target.port, method: req.method, path: req.url,
    headers: { ...req.headers, host: target.host },
  }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', (e) => {
    res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end(`proxy: ${e.message}\n`);
  });
  req.pipe(up);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: server.address().port })}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
