// Byte-exact HTTP/1.1 exchanges over node:net, for requests node:http would refuse or normalise
// (repeated or odd header names, raw request targets, bodies without Content-Type …). One reader and one
// response parser for apps.mjs (rawHttp), hostile.mjs (rawExchange), login.mjs (rawRequest) and the
// store-* tests that need requests to arrive together (simultaneous).
import net from 'node:net';

/**
 * Writes `bytes` (string → latin1, or Buffer) to 127.0.0.1:port and collects everything until the server
 * closes the connection (the request should say "Connection: close"). When the server closes while a
 * large body is still being written, what it answered is kept. → Buffer
 */
export function exchange(port, bytes, { timeoutMs = 20000, what = 'raw exchange' } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    let done = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err && !chunks.length) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(() => { sock.destroy(); done = true; reject(new Error(`${what} timed out`)); }, timeoutMs);
    sock.on('connect', () => sock.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1')));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (e) => finish(e));
    sock.on('close', () => finish());
  });
}

/** The body of a chunked response (trailers ignored). */
export function dechunk(buf) {
  const out = [];
  let off = 0;
  while (off < buf.length) {
    const nl = buf.indexOf('\r\n', off);
    if (nl < 0) break;
    const n = parseInt(buf.subarray(off, nl).toString('latin1'), 16);
    if (!n) break;
    out.push(buf.subarray(nl + 2, nl + 2 + n));
    off = nl + 2 + n + 2;
  }
  return Buffer.concat(out);
}

/**
 * Parses the first response in buf. → { status, headers (lower-case names; repeated → array), head (the
 * raw head, latin1), body (Buffer, de-chunked) }
 */
export function parseResponse(buf) {
  const sep = buf.indexOf('\r\n\r\n');
  const head = buf.subarray(0, sep < 0 ? buf.length : sep).toString('latin1');
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] || '');
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i < 0) continue;
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : [headers[k]].flat().concat(v);
  }
  let body = sep < 0 ? Buffer.alloc(0) : buf.subarray(sep + 4);
  if (/chunked/i.test(String(headers['transfer-encoding'] || ''))) body = dechunk(body);
  return { status: m ? Number(m[1]) : 0, headers, head, body };
}

/**
 * Sends several GET requests so that they reach the servers as nearly at once as possible: every
 * connection is opened first, then all requests are written in the same tick (HTTP/1.0, so the body is
 * not chunked). jobs: [{ h (an httpd handle), headers }] → [{ status, headers, text, json, ms }]
 * (a repeated response header keeps its last value; ms counts from the writes).
 */
export async function simultaneous(jobs, path, timeoutMs = 20000) {
  const socks = await Promise.all(jobs.map(({ h }) => new Promise((resolve, reject) => {
    const sock = net.connect(h.port, '127.0.0.1', () => resolve(sock));
    sock.on('error', reject);
  })));
  const t0 = Date.now();
  const answers = socks.map((sock, i) => new Promise((resolve, reject) => {
    const chunks = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`request to ${jobs[i].h.url} timed out`)); }, timeoutMs);
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('close', () => {
      clearTimeout(timer);
      const res = parseResponse(Buffer.concat(chunks));
      const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, [v].flat().at(-1)]));
      const text = res.body.toString('utf8');
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      resolve({ status: res.status, headers, text, json, ms: Date.now() - t0 });
    });
  }));
  jobs.forEach(({ h, headers }, i) => {
    let req = `GET ${path} HTTP/1.0\r\nHost: 127.0.0.1:${h.port}\r\n`;
    for (const [k, v] of Object.entries(headers)) req += `${k}: ${v}\r\n`;
    socks[i].write(`${req}\r\n`);
  });
  return Promise.all(answers);
}
