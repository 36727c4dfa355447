// Helpers for the session-store attack tests (store-forgery, store-anonymous-flood, store-secret):
//   - the OLD record derivation (slot and key from the cookie id alone), which is exactly what an
//     attacker who knows a cookie id but not the server secret can compute, and AES-256-GCM sealing in
//     the module's record layout 0x01 | IV(12) | ciphertext | tag(16) with AAD = the 32-byte slot;
//   - raw, binary-safe reads and writes of every value in a real redis-server / memcached (what an
//     attacker with access to the store can do), keeping each item's remaining lifetime;
//   - the socache provider's own status lines (GET <cognito-status location>?store);
//   - a wrk runner with a per-run request quota (wrk has no -n).
// Builds on lib/login.mjs (RESP client) and lib/stores.mjs (store handles); changes neither.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { respCommand, send, sleep } from './login.mjs';

// ------------------------------------------------------------------------------ old derivation

export const OLD_SLOT_LABEL = 'mod_auth_cognito session slot v1';
export const OLD_KEY_LABEL = 'mod_auth_cognito session key v1';

const hmac = (key, msg) => crypto.createHmac('sha256', Buffer.from(key, 'latin1')).update(msg).digest();

/** What anyone who knows the cookie id computes: { slot, key } (32 bytes each). */
export function oldDerivation(cookieId) {
  return { slot: hmac(cookieId, OLD_SLOT_LABEL), key: hmac(cookieId, OLD_KEY_LABEL) };
}

/** AES-256-GCM in the module's layout: 0x01 | IV(12) | ciphertext | tag(16), AAD = aad. */
export function seal(key, aad, plaintext) {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(Buffer.isBuffer(plaintext) ? plaintext : Buffer.from(plaintext, 'utf8')), c.final()]);
  return Buffer.concat([Buffer.from([0x01]), iv, ct, c.getAuthTag()]);
}

/** Opens a sealed record; → Buffer, or null when it does not authenticate. */
export function open(key, aad, sealed) {
  if (sealed.length < 1 + 12 + 16 || sealed[0] !== 0x01) return null;
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([d.update(sealed.subarray(13, sealed.length - 16)), d.final()]);
  } catch {
    return null;
  }
}

/**
 * A session record in the module's JSON format (spec: {"v":1,"created","seen","refreshed","access_exp",
 * "id_token","access_token","refresh_token","scope","claims"}), valid for an hour from now.
 */
export function sessionRecord({ claims, idToken = 'x.y.z', accessToken = 'x.y.z', refreshToken, scope = 'openid email', now = Date.now() / 1000 }) {
  const rec = {
    v: 1, created: now, seen: now, refreshed: now, access_exp: now + 3600,
    id_token: idToken, access_token: accessToken,
  };
  if (refreshToken) rec.refresh_token = refreshToken;
  rec.scope = scope;
  rec.claims = claims;
  return JSON.stringify(rec);
}

// ------------------------------------------------------------------------------ store access

/** The 32-byte slot a socache key names (a prefix plus 64 hex digits); null if the key has none. */
export function slotOfKey(key) {
  const m = /([0-9a-fA-F]{64})$/.exec(key);
  return m ? Buffer.from(m[1], 'hex') : null;
}

/** The key name for another slot, with the prefix (and hex case) of a key the module wrote. */
export function keyForSlot(sampleKey, slot) {
  const m = /([0-9a-fA-F]{64})$/.exec(sampleKey);
  assert.ok(m, `key ${sampleKey} does not end in 64 hex digits`);
  const hex = slot.toString('hex');
  return sampleKey.slice(0, m.index) + (m[1] === m[1].toUpperCase() ? hex.toUpperCase() : hex);
}

/** One memcached text-protocol exchange, binary safe; resolves when `done(buf)` says the reply is complete. */
function memcachedRaw(port, payload, done, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('memcached exchange timed out')); }, timeoutMs);
    sock.on('connect', () => sock.write(payload));
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      if (done(buf)) { clearTimeout(timer); sock.end(); resolve(buf); }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** memcached `get`: → { value: Buffer, flags } or null. */
async function memcachedGet(port, key) {
  const parse = (buf) => {
    const nl = buf.indexOf('\r\n');
    if (nl < 0) return undefined;
    const head = buf.subarray(0, nl).toString('latin1');
    if (head === 'END') return null;
    const m = /^VALUE \S+ (\d+) (\d+)/.exec(head);
    if (!m) throw new Error(`memcached get ${key}: ${head}`);
    const n = Number(m[2]);
    if (buf.length < nl + 2 + n + 2 + 5) return undefined;
    return { flags: Number(m[1]), value: Buffer.from(buf.subarray(nl + 2, nl + 2 + n)) };
  };
  const buf = await memcachedRaw(port, `get ${key}\r\n`, (b) => { try { return parse(b) !== undefined; } catch { return true; } });
  return parse(buf);
}

async function memcachedSet(port, key, value, { flags = 0, exptime = 0 } = {}) {
  const payload = Buffer.concat([Buffer.from(`set ${key} ${flags} ${exptime} ${value.length}\r\n`, 'latin1'), value, Buffer.from('\r\n')]);
  const buf = await memcachedRaw(port, payload, (b) => b.includes('\r\n'));
  const line = buf.toString('latin1').trim();
  assert.equal(line, 'STORED', `memcached set ${key}: ${line}`);
}

/** memcached `stats` curr_items. */
async function memcachedItemCount(port) {
  const buf = await memcachedRaw(port, 'stats\r\n', (b) => /(^|\n)END\r\n$/.test(b.toString('latin1')));
  const m = /^STAT curr_items (\d+)\r$/m.exec(buf.toString('latin1'));
  assert.ok(m, 'memcached stats without curr_items');
  return Number(m[1]);
}

/**
 * memcached: every live key → absolute expiry (unix seconds, -1 = none), from lru_crawler metadump.
 * One metadump can silently skip the slab classes memcached's own background crawler is walking at that
 * moment (a partial list, no error), so dumps are merged until they account for `curr_items` keys.
 */
async function memcachedExpiries(port) {
  const out = new Map();
  for (let i = 0; i < 200; i++) {
    const buf = await memcachedRaw(port, 'lru_crawler metadump all\r\n', (b) => /(^|\n)(END|BUSY[^\r\n]*|ERROR[^\r\n]*)\r\n$/.test(b.toString('latin1')), 10000);
    const text = buf.toString('latin1');
    if (!/^BUSY/m.test(text)) {
      for (const m of text.matchAll(/^key=(\S+) exp=(-?\d+)/gm)) out.set(decodeURIComponent(m[1]), Number(m[2]));
      const want = await memcachedItemCount(port);
      if (out.size >= want) {
        // keys listed but gone since (expired or deleted) are dropped by a get in the callers
        return out;
      }
    }
    await sleep(50);
  }
  throw new Error(`memcached metadump never listed every item (${out.size} keys seen)`);
}

/**
 * Raw store access for a handle of lib/stores.mjs startRedis/startMemcached:
 *   keys()            every key (latin1 strings); for memcached merged over metadumps until complete
 *   get(key)          → Buffer | null
 *   put(key, Buffer)  overwrite/create, keeping an existing item's remaining lifetime (else 1 hour)
 *   dump()            → [{ key, value: Buffer }]
 */
export function rawStore(store) {
  if (store.kind === 'redis') {
    return {
      keys: () => store.keys(),
      async get(key) {
        const v = await respCommand(store.port, ['GET', Buffer.from(key, 'latin1')]);
        return v == null ? null : v;
      },
      async put(key, value) {
        const k = Buffer.from(key, 'latin1');
        const exists = await respCommand(store.port, ['EXISTS', k]);
        const r = exists
          ? await respCommand(store.port, ['SET', k, value, 'KEEPTTL'])
          : await respCommand(store.port, ['SET', k, value, 'EX', '3600']);
        assert.equal(r, 'OK', `redis SET ${key}`);
      },
      async dump() {
        const out = [];
        for (const key of await store.keys()) {
          const type = await respCommand(store.port, ['TYPE', Buffer.from(key, 'latin1')]);
          const cmd = type === 'string' ? 'GET' : 'DUMP';
          out.push({ key, value: (await respCommand(store.port, [cmd, Buffer.from(key, 'latin1')])) || Buffer.alloc(0) });
        }
        return out;
      },
    };
  }
  if (store.kind === 'memcached') {
    const keys = async () => {
      const out = [];
      for (const key of (await memcachedExpiries(store.port)).keys()) if (await memcachedGet(store.port, key)) out.push(key);
      return out.sort();
    };
    return {
      keys,
      async get(key) {
        const r = await memcachedGet(store.port, key);
        return r ? r.value : null;
      },
      async put(key, value) {
        const old = await memcachedGet(store.port, key);
        const exp = (await memcachedExpiries(store.port)).get(key);
        const exptime = exp !== undefined && exp > 0 ? exp : old ? 0 : Math.floor(Date.now() / 1000) + 3600;
        await memcachedSet(store.port, key, value, { flags: old ? old.flags : 0, exptime });
      },
      async dump() {
        const out = [];
        for (const key of await keys()) {
          const r = await memcachedGet(store.port, key);
          if (r) out.push({ key, value: r.value });
        }
        return out;
      },
    };
  }
  throw new Error(`no raw access for store ${store.kind}`);
}

// ---------------------------------------------------------------------------- socache status

/**
 * GET <url><location>?store: the socache provider's own status lines, as { text, fields: {name: value} }
 * (shmcb prints "CacheCurrentEntries: N", "CacheStoreCount: N", …).
 */
export async function storeStatus(url, location = '/cognito-status') {
  const res = await send(`${url}${location}?store`, { headers: { Connection: 'close' } });
  assert.equal(res.status, 200, `${location}?store answered ${res.status}: ${res.text.slice(0, 300)}`);
  assert.match(String(res.headers['content-type'] || ''), /^text\/plain/, `${location}?store Content-Type`);
  const fields = {};
  for (const m of res.text.matchAll(/^([A-Za-z][A-Za-z0-9 _-]*):\s*(.*)$/gm)) fields[m[1].trim()] = m[2].trim();
  return { text: res.text, fields };
}

/** The shmcb entry count from a storeStatus() result (the first field named like "…CurrentEntries"). */
export function shmcbEntries(status) {
  const name = Object.keys(status.fields).find((k) => /current\s*entries/i.test(k));
  assert.ok(name, `no current-entries line in the store status:\n${status.text}`);
  const n = Number(status.fields[name]);
  assert.ok(Number.isInteger(n), `${name}: ${status.fields[name]}`);
  return n;
}

/** shmcb's store counter ("CacheStoreCount"), or undefined when the provider prints none. */
export function shmcbStores(status) {
  const name = Object.keys(status.fields).find((k) => /store\s*count/i.test(k));
  return name === undefined ? undefined : Number(status.fields[name]);
}

// ------------------------------------------------------------------------------------- wrk

export const WRK_BIN = '/usr/bin/wrk';

/**
 * Runs wrk with a Lua script (text) until `requests` answers have been read (each thread stops itself at
 * its share and drops a file; then the runner interrupts wrk with SIGINT, on which wrk prints its summary)
 * or `maxSeconds` pass. The script must define `request()`; this wrapper adds the status
 * counting, the quota and a machine-readable summary. env: extra environment for the script (os.getenv).
 * → { requests, statuses: {2xx,3xx,4xx,5xx,other}, errors: {connect,read,write,status,timeout}, output, code }
 */
export async function runWrk({ url, script, requests, threads = 2, connections = 32, maxSeconds = 90, env = {} }) {
  assert.ok(fs.existsSync(WRK_BIN), `${WRK_BIN} is not installed (tests/integration/packages.txt lists wrk)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-wrk-'));
  const file = path.join(dir, 'script.lua');
  const quota = Math.ceil(requests / threads);
  fs.writeFileSync(file, `${script}
-- ---- added by lib/store-attack.mjs runWrk: counting, quota, summary
local threads_ = {}
local thread_no_ = 0
function setup(thread)
  thread_no_ = thread_no_ + 1
  thread:set("thread_no", thread_no_)
  table.insert(threads_, thread)
end
quota_ = ${quota}
done_dir_ = "${dir}"
stopped_ = false
answered_ = 0
s2_, s3_, s4_, s5_, so_ = 0, 0, 0, 0, 0
function response(status, headers, body)
  answered_ = answered_ + 1
  if status >= 200 and status <= 299 then s2_ = s2_ + 1
  elseif status >= 300 and status <= 399 then s3_ = s3_ + 1
  elseif status >= 400 and status <= 499 then s4_ = s4_ + 1
  elseif status >= 500 and status <= 599 then s5_ = s5_ + 1
  else so_ = so_ + 1 end
  if answered_ >= quota_ and not stopped_ then
    stopped_ = true
    -- wrk's main thread sleeps for the whole -d duration: tell the runner, which interrupts it (SIGINT)
    local f = io.open(done_dir_ .. "/done." .. tostring(thread_no), "w")
    if f then f:write("done"); f:close() end
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local t = { answered_ = 0, s2_ = 0, s3_ = 0, s4_ = 0, s5_ = 0, so_ = 0 }
  for _, th in ipairs(threads_) do
    for k, _ in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
  end
  local e = summary.errors
  io.write(string.format("WRKSUM answered=%d s2=%d s3=%d s4=%d s5=%d so=%d connect=%d read=%d write=%d status=%d timeout=%d requests=%d\\n",
    t.answered_, t.s2_, t.s3_, t.s4_, t.s5_, t.so_, e.connect, e.read, e.write, e.status, e.timeout, summary.requests))
end
`);
  let out = '';
  const child = spawn(WRK_BIN, ['-t', String(threads), '-c', String(connections), '-d', `${maxSeconds}s`, '--timeout', '10s', '-s', file, url],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const kill = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
  process.once('exit', kill);
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const exited = new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  let code;
  for (;;) {
    const r = await Promise.race([exited.then((c) => ({ c })), sleep(100).then(() => null)]);
    if (r) { code = r.c; break; }
    const done = fs.readdirSync(dir).filter((f) => f.startsWith('done.')).length;
    if (done >= threads) {
      try { child.kill('SIGINT'); } catch { /* gone */ }
      code = await exited;
      break;
    }
  }
  process.removeListener('exit', kill);
  fs.rmSync(dir, { recursive: true, force: true });
  const m = /WRKSUM answered=(\d+) s2=(\d+) s3=(\d+) s4=(\d+) s5=(\d+) so=(\d+) connect=(\d+) read=(\d+) write=(\d+) status=(\d+) timeout=(\d+) requests=(\d+)/.exec(out);
  assert.ok(m, `wrk printed no summary (exit ${code}):\n${out}`);
  const n = m.slice(1).map(Number);
  return {
    code,
    output: out,
    requests: n[0],
    sent: n[11],
    statuses: { '2xx': n[1], '3xx': n[2], '4xx': n[3], '5xx': n[4], other: n[5] },
    errors: { connect: n[6], read: n[7], write: n[8], status: n[9], timeout: n[10] },
  };
}

/** Lua: a random base64url string of n characters (per-thread seeded). */
export const LUA_RANDOM = `
local b64_ = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local seeded_ = false
function rnd_b64(n)
  if not seeded_ then math.randomseed(os.time() * 1000 + (thread_no or 0) * 7919 + math.floor(os.clock() * 1e6)); seeded_ = true end
  local t = {}
  for i = 1, n do local k = math.random(1, 64); t[i] = b64_:sub(k, k) end
  return table.concat(t)
end
`;
