// Shared session stores for the shared-store tests (tests/integration/store-*.test.mjs and others): real
// redis-server and memcached instances on free loopback ports (never the system services), stopped by pid and
// startable again on the same port (outage tests); byte measurements of what the module stores; and a small
// fixture that stops everything a test started — even when it fails — and attaches every log to the failure.
// Builds on the shared rig (httpd.mjs, idp.mjs) and the browser-login helpers (login.mjs); changes none.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, startHttpd, tail } from './httpd.mjs';
import { startIdp } from './idp.mjs';
import { idpLogSource, loginBody, loginFiles, respCommand, sleep } from './login.mjs';

export const REDIS_BIN = '/usr/bin/redis-server';

/**
 * The CognitoSessionSecret every test server with a shared store (memcache:/redis:) sets: the module refuses
 * to start with such a store and no secret, and servers sharing one store must hold the same secret (it
 * derives each record's slot and key). At least 32 characters.
 */
export const SESSION_SECRET = 'test-session-secret-0123456789abcdef-0123';
/** The directive line for a secret (default SESSION_SECRET); pass two words for a rotation ("new old"). */
export const secretLine = (s = SESSION_SECRET) => `CognitoSessionSecret ${s}`;
export const MEMCACHED_BIN = '/usr/bin/memcached';

/** Store processes still alive, killed when the test process exits (a failing test never leaks one). */
const live = new Set();
process.on('exit', () => {
  for (const child of live) { try { child.kill('SIGKILL'); } catch { /* gone */ } }
});

// --------------------------------------------------------------------------------- processes

/**
 * Spawns one store server and waits until `ready(port)` resolves true. → { child, exited (promise) }
 * Throws (after killing it) when it exits or does not become ready within 10 s.
 */
async function spawnServer(bin, args, port, ready, logFile) {
  if (!fs.existsSync(bin)) throw new Error(`${bin} is not installed (apt-get install -y redis-server memcached)`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', out, out], detached: false });
  fs.closeSync(out);
  live.add(child);
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { exitInfo = { code, signal }; live.delete(child); resolve(exitInfo); });
  });
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (exitInfo) break;
    if (await ready(port).catch(() => false)) return { child, exited, get exitInfo() { return exitInfo; } };
    await sleep(30);
  }
  try { child.kill('SIGKILL'); } catch { /* gone */ }
  await exited;
  let log = '';
  try { log = tail(fs.readFileSync(logFile, 'utf8'), 20); } catch { /* none */ }
  throw new Error(`${path.basename(bin)} did not start on 127.0.0.1:${port} (${JSON.stringify(exitInfo)})\n${log}`);
}

/** Stops a spawned server by its pid: SIGTERM, then SIGKILL after 5 s. */
async function stopServer(proc) {
  if (!proc || proc.exitInfo) return;
  try { process.kill(proc.child.pid, 'SIGTERM'); } catch { /* gone */ }
  let timer;
  const done = await Promise.race([proc.exited, new Promise((r) => { timer = setTimeout(r, 5000, null); })]);
  clearTimeout(timer);
  if (!done) {
    try { process.kill(proc.child.pid, 'SIGKILL'); } catch { /* gone */ }
    await proc.exited;
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const t = setTimeout(() => { s.destroy(); resolve(false); }, timeoutMs);
    s.on('connect', () => { clearTimeout(t); s.destroy(); resolve(true); });
    s.on('error', () => { clearTimeout(t); resolve(false); });
  });
}

/**
 * A store handle: { kind, port, pid, spec, running, start(), stop(), logs(), close() }.
 * stop() ends the server (its data is lost: no persistence); start() starts a fresh one on the same port.
 * close() = stop() + remove the temp dir (call once, at the end).
 */
function storeHandle(kind, { bin, args, ready, port, dir }) {
  const logFile = path.join(dir, `${kind}.log`);
  let proc = null;
  const h = {
    kind,
    port,
    dir,
    /** the CognitoSessionCache value */
    spec: `${kind === 'redis' ? 'redis' : 'memcache'}:127.0.0.1:${port}`,
    get pid() { return proc && !proc.exitInfo ? proc.child.pid : null; },
    get running() { return !!(proc && !proc.exitInfo); },
    async start() {
      if (h.running) return h;
      proc = await spawnServer(bin, args(port), port, ready, logFile);
      return h;
    },
    async stop() {
      await stopServer(proc);
      // the port must be closed before an outage check can mean anything
      for (let i = 0; i < 100 && (await portOpen(port, 200)); i++) await sleep(20);
    },
    async close() {
      await h.stop();
      try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* ignore */ }
    },
    logs() {
      let text = '';
      try { text = fs.readFileSync(logFile, 'utf8'); } catch { /* none */ }
      return text.trim() ? `--- ${kind} 127.0.0.1:${port} log ---\n${tail(text, 30)}` : '';
    },
  };
  return h;
}

/** Redis: `redis-server --port P --bind 127.0.0.1 --save '' --appendonly no` (+ a private dir and log file). */
export async function startRedis({ port } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-redis-'));
  const h = storeHandle('redis', {
    bin: REDIS_BIN,
    port: port || (await freePort()),
    dir,
    args: (p) => ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--daemonize', 'no', '--dir', dir, '--logfile', path.join(dir, 'redis.log')],
    ready: async (p) => (await respCommand(p, ['PING'], { timeoutMs: 500 })) === 'PONG',
  });
  Object.assign(h, redisTools(h)); // redis-server writes its own log (--logfile) into <dir>/redis.log = h.logs()
  try {
    return await h.start();
  } catch (e) {
    await h.close();
    throw e;
  }
}

/** memcached: `memcached -l 127.0.0.1 -p P -U 0 -u nobody`. */
export async function startMemcached({ port } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-memcached-'));
  const h = storeHandle('memcached', {
    bin: MEMCACHED_BIN,
    port: port || (await freePort()),
    dir,
    args: (p) => ['-l', '127.0.0.1', '-p', String(p), '-U', '0', '-u', 'nobody'],
    ready: async (p) => /^VERSION /.test(await memcachedCommand(p, 'version', { timeoutMs: 500 })),
  });
  Object.assign(h, memcachedTools(h));
  try {
    return await h.start();
  } catch (e) {
    await h.close();
    throw e;
  }
}

export async function startStore(kind, opts) {
  if (kind === 'redis') return startRedis(opts);
  if (kind === 'memcached') return startMemcached(opts);
  throw new Error(`unknown store ${kind}`);
}

/** The socache provider module a store needs (startHttpd's extraModules). */
export function storeModules(kind) {
  if (kind === 'redis') return [['socache_redis_module', 'mod_socache_redis.so']];
  if (kind === 'memcached') return [['socache_memcache_module', 'mod_socache_memcache.so']];
  return []; // shmcb is in the rig's base modules
}

// ----------------------------------------------------------------------------- measurements

function redisTools(h) {
  const cmd = (args) => respCommand(h.port, args);
  return {
    command: cmd,
    /** every key (SCAN), as latin1 strings (socache_redis keys are "<namespace>:<hex>") */
    async keys() {
      const keys = [];
      let cursor = '0';
      do {
        const [next, batch] = await cmd(['SCAN', cursor, 'COUNT', '1000']);
        cursor = next.toString();
        keys.push(...batch.map((k) => k.toString('latin1')));
      } while (cursor !== '0');
      return keys.sort();
    },
    /** → { key, bytes (STRLEN), memory (MEMORY USAGE, incl. Redis' own overhead), ttl } */
    async describe(key) {
      const k = Buffer.from(key, 'latin1');
      return {
        key,
        bytes: await cmd(['STRLEN', k]),
        memory: await cmd(['MEMORY', 'USAGE', k]),
        ttl: await cmd(['TTL', k]),
      };
    },
  };
}

/** One text-protocol exchange with memcached; resolves with the reply once it ends with one of `ends`. */
export function memcachedCommand(port, line, { timeoutMs = 5000, ends = /(^|\r?\n)(END|BUSY[^\r\n]*|VERSION [^\r\n]*|OK|ERROR[^\r\n]*|CLIENT_ERROR[^\r\n]*|SERVER_ERROR[^\r\n]*|DELETED|NOT_FOUND|STORED)\r\n$/ } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`memcached "${line}" timed out`)); }, timeoutMs);
    sock.on('connect', () => sock.write(`${line}\r\n`));
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      const text = buf.toString('latin1');
      if (ends.test(text)) {
        clearTimeout(timer);
        sock.end();
        resolve(text);
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

function memcachedTools(h) {
  /** lru_crawler metadump, retried while the crawler is busy (it also runs on its own) */
  const metadump = async () => {
    for (let i = 0; ; i++) {
      const text = await memcachedCommand(h.port, 'lru_crawler metadump all', { timeoutMs: 10000 });
      if (!/^BUSY/m.test(text) || i >= 100) return text;
      await sleep(50);
    }
  };
  return {
    /** `stats` as { name: number|string } */
    async stats() {
      const text = await memcachedCommand(h.port, 'stats');
      const out = {};
      for (const m of text.matchAll(/^STAT (\S+) (\S+)\r$/gm)) out[m[1]] = /^\d+$/.test(m[2]) ? Number(m[2]) : m[2];
      return out;
    },
    /** live keys (lru_crawler metadump), decoded, with the item size memcached reports */
    async keys() {
      const text = await metadump();
      if (!/(^|\n)END\r\n$/.test(text)) throw new Error(`memcached metadump failed: ${text.slice(0, 200)}`);
      const out = [];
      for (const m of text.matchAll(/^key=(\S+) .*?size=(\d+)/gm)) out.push(decodeURIComponent(m[1]));
      return out.sort();
    },
    /** → { key, bytes (value length, from `get`), itemSize (memcached's metadump size: value + key + header) } */
    async describe(key) {
      const meta = await metadump();
      const line = meta.split(/\r?\n/).find((l) => l.startsWith(`key=${encodeURIComponent(key)} `));
      const size = line ? Number(/size=(\d+)/.exec(line)?.[1]) : undefined;
      const got = await memcachedCommand(h.port, `get ${key}`);
      const m = /^VALUE \S+ \d+ (\d+)\r\n/.exec(got);
      return { key, bytes: m ? Number(m[1]) : undefined, itemSize: size };
    },
  };
}

// ------------------------------------------------------------------------------ httpd config

/**
 * Options for startHttpd(): the browser-login configuration of login.mjs plus a shared session store.
 *   store      a handle of startRedis/startMemcached, or null for the default shmcb
 *   directives extra server-level directives
 *   locationExtra  extra lines in <Location /protected>
 */
export function scaleoutHttpdOpts({ idp, store = null, directives = '', locationExtra = '', port } = {}) {
  return {
    body: loginBody({
      idp,
      directives: `${store ? `CognitoSessionCache ${store.spec}` : ''}\n${directives}`,
      locationExtra,
    }),
    files: loginFiles(),
    extraModules: storeModules(store?.kind),
    port,
  };
}

// ------------------------------------------------------------------------------ test fixture

/**
 * Wraps a test body: fn(ctx) gets
 *   ctx.idp()                 starts the emulator (once) and returns it
 *   ctx.store(kind, opts)     starts redis/memcached
 *   ctx.httpd(opts)           startHttpd(opts), tracked
 *   ctx.restartHttpd(h, opts) stops h and starts a new one (tracked) with the same opts (+ port)
 *   ctx.track(handle)         anything with stop()/close() and logs()
 *   ctx.log(...)              console.log with a prefix
 * On failure every tracked handle's log (httpd error_log, emulator events, store logs) is attached to the
 * error; in all cases everything is stopped (httpd first, then stores, then the emulator).
 */
export function scaleout(fn) {
  return async (t) => {
    const handles = [];
    let idp = null;
    const ctx = {
      track(hd) { handles.push(hd); return hd; },
      async idp(opts) {
        if (!idp) {
          idp = await startIdp(opts || {});
          handles.push({ kind: 'idp', stop: () => idp.close(), ...idpLogSource(idp) });
        }
        return idp;
      },
      async store(kind, opts) {
        return ctx.track(await startStore(kind, opts));
      },
      async httpd(opts) {
        const h = await startHttpd(opts);
        h.startOpts = opts;
        return ctx.track(h);
      },
      async restartHttpd(h, opts = {}) {
        await h.stop();
        return ctx.httpd({ ...h.startOpts, port: h.port, ...opts });
      },
      log(...args) { console.log(`[${t.name}]`, ...args); },
    };
    let failure = null;
    try {
      return await fn(ctx, t);
    } catch (e) {
      failure = e;
      let text = '';
      for (const hd of handles) {
        try {
          const l = typeof hd.logs === 'function' ? hd.logs() : '';
          if (l) text += `\n${l}`;
        } catch (e2) { text += `\n(could not collect logs: ${e2.message})`; }
      }
      if (text) {
        try { e.stack = `${e.stack || e.message}\n${text}`; } catch { process.stderr.write(`${text}\n`); }
      }
      throw e;
    } finally {
      const order = (hd) => (hd.kind === 'idp' ? 2 : hd.kind === 'redis' || hd.kind === 'memcached' ? 1 : 0);
      for (const hd of [...handles].sort((a, b) => order(a) - order(b))) {
        try {
          if (typeof hd.close === 'function' && hd.kind !== 'idp') await hd.close();
          else await hd.stop();
        } catch (e) {
          if (!failure) process.stderr.write(`cleanup: ${e.message}\n`);
        }
      }
    }
  };
}
