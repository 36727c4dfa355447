// Helpers for the tests that send hostile input — those guarding the findings of advisories published against
// the module's peers (mod_auth_openidc, oauth2-proxy): login-open-redirect, login-endpoints-hostile,
// login-token-response, session-cookie-hostile, authz-handler-gate, bearer-token-claims, export-spoofing and
// store-seal-iv; other files use its crash check and pool. Builds on the shared rig (httpd.mjs, idp.mjs,
// jwt.mjs, login.mjs, apps.mjs) and changes none of it.
//
//   crash checks         each of those files ends by asserting that no httpd child died (error_log)
//   same-origin checks   the post-login Location (open-redirect payloads)
//   payload corpus       fixtures/open-redirect.txt + generated combinations
//   recording handlers   a CGI (fixtures/record.cgi) that appends one line per run to a file (content-handler gate)
//   a fake Cognito domain  a loopback proxy in front of the emulator that rewrites token responses
//                        (padding, nesting, endless streams: shapes the emulator's /_test/fail lacks)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exchange, parseResponse } from './rawhttp.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(here, '..', 'fixtures');
const fixture = (name) => fs.readFileSync(path.join(FIXTURES, name));

// ------------------------------------------------------------------------------------- crashes

/** error_log lines that mean a child died or memory went wrong (never expected). */
export const CRASH_RE = /exit signal|Segmentation fault|AH00052|AddressSanitizer|UndefinedBehaviorSanitizer|double free|stack smashing|child process \d+ still did not exit/i;

export function crashLines(h) {
  return h.errorLog().split('\n').filter((l) => CRASH_RE.test(l));
}

/** Asserts no httpd child crashed during the whole life of instance h. */
export function assertNoCrash(h, where = '') {
  const lines = crashLines(h);
  assert.deepEqual(lines, [], `${where}httpd error_log reports a crash:\n${lines.join('\n')}`);
}

// --------------------------------------------------------------------------- open redirects

/** Removes percent-encoding layer by layer (at most 10), keeping undecodable bytes as they are. */
export function decodeLayers(s) {
  let cur = s;
  for (let i = 0; i < 10 && cur.includes('%'); i++) {
    let next;
    try {
      next = decodeURIComponent(cur);
    } catch {
      next = cur.replace(/%([0-9a-f]{2})/gi, (_, hx) => String.fromCharCode(parseInt(hx, 16)));
    }
    if (next === cur) break;
    cur = next;
  }
  return cur;
}

/**
 * Asserts that a Location sends a browser to `ownUrl`'s origin only: as written, as a browser resolves it
 * (WHATWG URL, which drops tabs and newlines and reads '\' as '/'), and — for the path — after any number of
 * percent-decoding layers (an app or proxy further down must not be able to turn it into "//host").
 */
export function assertSameOriginLocation(loc, ownUrl, label = '') {
  const origin = new URL(ownUrl).origin;
  const at = `${label} Location ${JSON.stringify(loc)}`;
  assert.ok(typeof loc === 'string' && loc.length > 0, `${label}: no Location`);
  assert.doesNotMatch(loc, /[\u0000-\u0020\u007f]/, `${at} carries control characters or spaces`);
  const resolved = new URL(loc, origin + '/');
  assert.equal(resolved.origin, origin, `${at} leaves the site (→ ${resolved.href})`);
  assert.ok(loc === origin || loc.startsWith(origin + '/') || (loc.startsWith('/') && !/^[/\\]{2}/.test(loc)),
    `${at} is not an absolute same-origin URL or a local path`);
  const p = loc.startsWith(origin) ? loc.slice(origin.length) || '/' : loc;
  for (const form of [p, p.replace(/[\t\n\r]/g, ''), decodeLayers(p), decodeLayers(p).replace(/[\t\n\r]/g, '')]) {
    assert.doesNotMatch(form, /^[/\\][/\\]/, `${at}: its path ${JSON.stringify(form)} starts with // or /\\`);
    const again = new URL(form.startsWith('/') ? form : '/' + form, origin + '/');
    assert.equal(again.origin, origin, `${at}: its path ${JSON.stringify(form)} resolves off-site (→ ${again.href})`);
  }
}

/**
 * The open-redirect corpus: fixtures/open-redirect.txt (one payload per line, written as the
 * contents of a JSON string, so \t \r \n \\ \u00XX are escapes; '#' lines are comments) plus slash
 * forms × host forms. @PORT@ stands for the test server's port. Duplicates removed, order kept.
 */
export function openRedirectPayloads(port) {
  const out = [];
  const text = fixture('open-redirect.txt').toString('utf8');
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    out.push(JSON.parse(`"${line.replace(/"/g, '\\"')}"`));
  }
  const slashes = [
    '//', '///', '////', '/\\', '/\\/', '/\\\\', '/%2f', '/%2f%2f', '/%2F/', '/%5c', '/%5C%5C', '/%2f%5c', '/%5c%2f',
    '/%252f%252f', '/%25252f%25252f', '/%09/', '/%0a/', '/%0d%0a/', '/%20/', '/./', '/.//', '/..//', '/%2e%2e//',
    '/%2e/%2f', '/%ef%bc%8f%ef%bc%8f', '/%e2%88%95%e2%88%95', '/%e2%81%84', '/%c0%af%c0%af',
  ];
  const hosts = ['evil.example', 'evil.example/', 'evil.example:443/x?y=1', 'user@evil.example', '127.0.0.1@evil.example',
    'evil.example%2f%2e%2e', 'evil%E3%80%82example'];
  for (const s of slashes) for (const h of hosts) out.push(s + h);
  return [...new Set(out.map((p) => p.replaceAll('@PORT@', String(port))))];
}

// ---------------------------------------------------------------------- recording handlers

/** The recording CGI and the directory it appends to (world-writable: CGIs run as www-data). */
export function recorderFiles() {
  return {
    'cgi-bin/record.cgi': { content: fixture('record.cgi'), mode: 0o755 },
    'admin-cgi/record.cgi': { content: fixture('record.cgi'), mode: 0o755 },
    'hits/.keep': '',
  };
}

/** Config lines that tell record.cgi where to write. */
export const RECORDER_ENV = 'SetEnv HANDLER_HITS_FILE "@DIR@/hits/hits.log"';

/** Makes <dir>/hits writable for the CGI and empties the record. */
export function resetHits(h) {
  const dir = path.join(h.dir, 'hits');
  fs.chmodSync(dir, 0o777);
  fs.writeFileSync(path.join(dir, 'hits.log'), '');
  fs.chmodSync(path.join(dir, 'hits.log'), 0o666);
}

/** Lines the recording CGI wrote: "METHOD SCRIPT_NAME REQUEST_URI REMOTE_USER". */
export function hits(h) {
  try {
    return fs.readFileSync(path.join(h.dir, 'hits', 'hits.log'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

// ------------------------------------------------------------------- a fake Cognito domain

/**
 * Starts a loopback HTTP server that forwards every request to the emulator (the Cognito *domain*:
 * authorize, login, token, revoke, logout) and lets `onToken` rewrite what /oauth2/token answers.
 *   onToken({ status, headers, body (Buffer) }, req, res) → undefined (pass the answer on) or true when it
 *   wrote the answer itself (res).
 * → { url, port, close(), logs() }
 */
export async function startTokenProxy(idp, { onToken } = {}) {
  const sockets = new Set();
  const seen = [];
  const target = new URL(idp.url);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers }; // Host stays the proxy's: the emulator checks Origin against it
      delete headers['content-length'];
      delete headers['transfer-encoding'];
      if (body.length) headers['content-length'] = String(body.length);
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (ur) => {
        const parts = [];
        ur.on('data', (c) => parts.push(c));
        ur.on('end', () => {
          const answer = { status: ur.statusCode, headers: { ...ur.headers }, body: Buffer.concat(parts) };
          const isToken = req.url.split('?')[0] === '/oauth2/token';
          seen.push(`${req.method} ${req.url.split('?')[0]} → ${answer.status}${isToken && onToken ? ' (rewritten)' : ''}`);
          if (isToken && onToken) {
            let handled;
            try {
              handled = onToken(answer, req, res);
            } catch (e) {
              res.writeHead(500);
              res.end(String(e));
              return;
            }
            if (handled === true) return;
          }
          const out = { ...answer.headers };
          delete out['content-length'];
          delete out['transfer-encoding'];
          delete out.connection;
          out['content-length'] = String(answer.body.length);
          res.writeHead(answer.status, out);
          res.end(answer.body);
        });
      });
      up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
      up.end(body);
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    logs: () => `--- token proxy: ${seen.length} requests; last: ${seen.slice(-8).join(' | ')}`,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/** A JSON text of `depth` nested arrays (closed) — for "deeply nested JSON". */
export const nestedArrays = (depth, inner = '0') => '['.repeat(depth) + inner + ']'.repeat(depth);
export const nestedObjects = (depth, inner = '0') => '{"a":'.repeat(depth) + inner + '}'.repeat(depth);

/** Runs async tasks with bounded concurrency, collecting every result (errors included). */
export async function settlePool(items, concurrency, task) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { ok: true, value: await task(items[i], i) };
      } catch (error) {
        results[i] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

// ---------------------------------------------------------------------------- raw exchanges

/**
 * Writes `bytes` (string → latin1, or Buffer) to 127.0.0.1:port exactly as given, reads until the server
 * closes (send "Connection: close") and parses the first response. → { status, headers, head, text }
 */
export async function rawExchange(port, bytes, { timeoutMs = 20000 } = {}) {
  const res = parseResponse(await exchange(port, bytes, { timeoutMs }));
  return { status: res.status, headers: res.headers, head: res.head, text: res.body.toString('utf8') };
}

/** Set-Cookie values of a rawExchange/rawHttp answer as an array. */
export const setCookiesOf = (res) => [res.headers['set-cookie'] || []].flat();
