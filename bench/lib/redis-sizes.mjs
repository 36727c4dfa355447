#!/usr/bin/env node
// bench/lib/redis-sizes.mjs — sizes of every key in a Redis instance (binary-safe: keys written by
// mod_socache_redis are raw bytes). Prints one JSON line:
//   {"label","keys":[{"key","keyBytes","valueBytes" (STRLEN),"memoryUsage" (MEMORY USAGE),"ttl"}], "largest": {...}}
//   (key: the key's bytes as latin1 — a prefix and hex digits for mod_socache_redis)
//   node redis-sizes.mjs --port P [--label TEXT]
import net from 'node:net';

const args = process.argv.slice(2);
const opt = {};
for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1];

function encode(parts) {
  const bufs = [Buffer.from(`*${parts.length}\r\n`)];
  for (const p of parts) {
    const b = Buffer.isBuffer(p) ? p : Buffer.from(String(p));
    bufs.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(bufs);
}

/** Minimal RESP reader over one connection; one command at a time. */
class Redis {
  constructor(port) {
    this.sock = net.connect(port, '127.0.0.1');
    this.buf = Buffer.alloc(0);
    this.waiting = null;
    this.sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.pump();
    });
  }

  parse(off) {
    const nl = this.buf.indexOf('\r\n', off);
    if (nl < 0) return null;
    const type = String.fromCharCode(this.buf[off]);
    const line = this.buf.subarray(off + 1, nl).toString();
    const next = nl + 2;
    if (type === '+' || type === '-') return { value: type === '-' ? new Error(line) : line, end: next };
    if (type === ':') return { value: Number(line), end: next };
    if (type === '$') {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      if (this.buf.length < next + n + 2) return null;
      return { value: this.buf.subarray(next, next + n), end: next + n + 2 };
    }
    if (type === '*') {
      const n = Number(line);
      const out = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const r = this.parse(pos);
        if (!r) return null;
        out.push(r.value);
        pos = r.end;
      }
      return { value: out, end: pos };
    }
    throw new Error(`unexpected RESP type ${type}`);
  }

  pump() {
    if (!this.waiting) return;
    const r = this.parse(0);
    if (!r) return;
    this.buf = this.buf.subarray(r.end);
    const w = this.waiting;
    this.waiting = null;
    if (r.value instanceof Error) w.reject(r.value);
    else w.resolve(r.value);
  }

  cmd(...parts) {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.sock.write(encode(parts));
    });
  }

  close() {
    this.sock.end();
  }
}

const r = new Redis(Number(opt.port));
const keys = [];
let cursor = '0';
do {
  const [c, batch] = await r.cmd('SCAN', cursor, 'COUNT', 1000);
  cursor = c.toString();
  keys.push(...batch);
} while (cursor !== '0');
const out = [];
for (const k of keys) {
  const type = await r.cmd('TYPE', k);
  if (type !== 'string') continue;
  out.push({
    key: k.toString('latin1'),
    keyBytes: k.length,
    valueBytes: await r.cmd('STRLEN', k),
    memoryUsage: await r.cmd('MEMORY', 'USAGE', k),
    ttl: await r.cmd('TTL', k),
  });
}
r.close();
out.sort((a, b) => b.valueBytes - a.valueBytes);
process.stdout.write(`${JSON.stringify({ label: opt.label || '', keys: out, largest: out[0] || null })}\n`);
