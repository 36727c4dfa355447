// Real-httpd test rig for mod_auth_cognito.
//
// startHttpd() writes a complete, standalone httpd.conf into a fresh temp dir
// (ServerRoot = that dir), starts Debian's /usr/sbin/apache2 in the foreground
// as a child process in its own process group, waits until it answers HTTP and
// returns a handle. Every instance is killed when the Node process exits, even
// when a test throws, so no httpd is ever leaked.
//
// HTTPS: startHttpd({ tls: true, ... }) also listens on a second free loopback port with mod_ssl, in a
// <VirtualHost 127.0.0.1:TLSPORT> with SSLEngine on and a self-signed certificate (CN 127.0.0.1, SAN
// IP:127.0.0.1 + DNS:localhost) made with the openssl CLI in the instance's temp dir. The test's config
// body stays at server level, so the TLS vhost inherits all of it (server-level directives and <Location>
// blocks apply to every vhost). The handle then has tlsPort, httpsUrl, and tls { certFile, keyFile, ca }
// (ca = the certificate PEM, usable as https.request's `ca`; or use rejectUnauthorized: false).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');
export const APACHE_BIN = process.env.APACHE_BIN || '/usr/sbin/apache2';
export const MODULES_DIR = process.env.APACHE_MODULES_DIR || '/usr/lib/apache2/modules';
export const DEFAULT_MODULE_PATH =
  process.env.COGNITO_MODULE || path.join(repoRoot, 'build', '.libs', 'mod_auth_cognito.so');
export const ENV_CGI_SOURCE = path.join(here, 'env.cgi');

// name -> file; modules compiled into Debian's apache2 (unixd, log_config)
// are skipped automatically when the .so does not exist.
const BASE_MODULES = [
  ['mpm_event_module', 'mod_mpm_event.so'],
  ['authn_core_module', 'mod_authn_core.so'],
  ['authz_core_module', 'mod_authz_core.so'],
  ['authz_user_module', 'mod_authz_user.so'],
  ['authz_host_module', 'mod_authz_host.so'],
  ['unixd_module', 'mod_unixd.so'],
  ['mime_module', 'mod_mime.so'],
  ['alias_module', 'mod_alias.so'],
  ['env_module', 'mod_env.so'],
  ['setenvif_module', 'mod_setenvif.so'],
  ['headers_module', 'mod_headers.so'],
  ['log_config_module', 'mod_log_config.so'],
  ['dir_module', 'mod_dir.so'],
  ['cgid_module', 'mod_cgid.so'],
  // The module's default session cache is shmcb (README "Directives").
  ['socache_shmcb_module', 'mod_socache_shmcb.so'],
];

const SSL_MODULE = ['ssl_module', 'mod_ssl.so'];
const PROBE_AGENT = 'httpd-rig-probe';
const running = new Set();
const tempDirs = new Set();

function killGroup(pid, sig) {
  try { process.kill(-pid, sig); } catch { /* gone */ }
  try { process.kill(pid, sig); } catch { /* gone */ }
}

function cleanupAll() {
  for (const h of running) killGroup(h.pid, 'SIGKILL');
  running.clear();
  if (!process.env.KEEP_HTTPD_DIRS) {
    for (const d of tempDirs) {
      try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ }
    }
  }
}
process.on('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => { cleanupAll(); process.exit(128 + (os.constants.signals[sig] || 0)); });
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function makeTempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-httpd-'));
  fs.chmodSync(dir, 0o755); // children run as www-data
  tempDirs.add(dir);
  return dir;
}

function writeFiles(dir, files) {
  for (const [rel, spec] of Object.entries(files || {})) {
    const { content, mode } =
      typeof spec === 'string' || Buffer.isBuffer(spec) ? { content: spec, mode: undefined } : spec;
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
    // make every intermediate dir traversable by www-data
    for (let d = path.dirname(p); d.startsWith(dir) && d !== dir; d = path.dirname(d)) fs.chmodSync(d, 0o755);
    fs.writeFileSync(p, content);
    fs.chmodSync(p, mode ?? 0o644);
  }
}

/** The standard files every instance gets: an env-dumping CGI and a static page. */
function standardFiles() {
  return {
    'cgi-bin/env.cgi': { content: fs.readFileSync(ENV_CGI_SOURCE), mode: 0o755 },
    'htdocs/index.html': '<!doctype html><title>ok</title><p>ok</p>\n',
  };
}

/**
 * tls: null, or { port, certFile, keyFile } — adds mod_ssl, `Listen 127.0.0.1:<port> https` and, after the
 * body, a <VirtualHost 127.0.0.1:<port>> with SSLEngine on (it inherits everything the body sets at server
 * level). @TLSPORT@ in the body is replaced by that port.
 */
export function buildConfig({ dir, port, body = '', modulePath, loadModule = true, extraModules = [], tls = null }) {
  const lines = [];
  lines.push(`# generated by tests/integration/lib/httpd.mjs`);
  lines.push(`ServerRoot "${dir}"`);
  lines.push(`ServerName 127.0.0.1:${port}`);
  lines.push(`Listen 127.0.0.1:${port}`);
  if (tls) lines.push(`Listen 127.0.0.1:${tls.port} https`);
  const modules = [...BASE_MODULES, ...extraModules];
  if (tls && !modules.some(([name]) => name === 'ssl_module')) modules.push(SSL_MODULE);
  for (const [name, file] of modules) {
    const p = path.isAbsolute(file) ? file : path.join(MODULES_DIR, file);
    if (fs.existsSync(p)) lines.push(`LoadModule ${name} ${p}`);
    else if (name === 'ssl_module' && tls) throw new Error(`tls: ${p} not found (Debian: part of apache2-bin)`);
  }
  if (loadModule) lines.push(`LoadModule auth_cognito_module ${modulePath}`);
  lines.push(`
User www-data
Group www-data
PidFile "${dir}/httpd.pid"
DefaultRuntimeDir "${dir}/run"
Mutex file:${dir}/run default
ScriptSock "${dir}/run/cgid.sock"

StartServers 2
ServerLimit 2
ThreadsPerChild 25
MaxRequestWorkers 50
MinSpareThreads 25
MaxSpareThreads 75
MaxConnectionsPerChild 0
Timeout 30
KeepAlive On

ErrorLog "${dir}/logs/error_log"
LogLevel info
LogFormat "%h %l %u %t \\"%r\\" %>s %b pid=%P" rig
# the rig's own readiness probes stay out of the access log (servingPids() counts real requests only)
SetEnvIf User-Agent "^${PROBE_AGENT}$" rig_probe
CustomLog "${dir}/logs/access_log" rig env=!rig_probe

TypesConfig /etc/mime.types
DocumentRoot "${dir}/htdocs"
DirectoryIndex index.html
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "${dir}/htdocs">
    Require all granted
</Directory>
<Directory "${dir}/cgi-bin">
    Options +ExecCGI
    Require all granted
</Directory>
ScriptAlias /cgi-bin/ "${dir}/cgi-bin/"
`);
  let text = body.replaceAll('@DIR@', dir).replaceAll('@PORT@', String(port));
  if (tls) text = text.replaceAll('@TLSPORT@', String(tls.port));
  lines.push(text);
  if (tls) {
    lines.push(`
# HTTPS listener of the rig (startHttpd({ tls: true })): everything above at server level applies here too
SSLSessionCache "shmcb:${dir}/run/ssl_scache(512000)"
<VirtualHost 127.0.0.1:${tls.port}>
    ServerName 127.0.0.1:${tls.port}
    SSLEngine on
    SSLCertificateFile "${tls.certFile}"
    SSLCertificateKeyFile "${tls.keyFile}"
</VirtualHost>`);
  }
  return lines.join('\n') + '\n';
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost in <dir>/tls (openssl CLI, EC P-256, 2 days).
 * → { certFile, keyFile, ca (PEM text of the certificate) }
 */
export function makeSelfSignedCert(dir) {
  const tlsDir = path.join(dir, 'tls');
  fs.mkdirSync(tlsDir, { recursive: true, mode: 0o755 });
  const keyFile = path.join(tlsDir, 'key.pem');
  const certFile = path.join(tlsDir, 'cert.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-addext', 'basicConstraints=critical,CA:TRUE',
  ], { encoding: 'utf8', timeout: 30000 });
  if (r.error || r.status !== 0) {
    throw new Error(`openssl req failed (is the openssl CLI installed? tests/integration/packages.txt): ${r.error?.message || ''}${r.stderr || ''}`);
  }
  fs.chmodSync(keyFile, 0o600); // read by the httpd parent (root) before it drops privileges
  fs.chmodSync(certFile, 0o644);
  return { certFile, keyFile, ca: fs.readFileSync(certFile, 'utf8') };
}

function prepare(opts) {
  const modulePath = opts.modulePath || DEFAULT_MODULE_PATH;
  const loadModule = opts.loadModule ?? true;
  if (loadModule && !fs.existsSync(modulePath)) {
    throw new Error(
      `mod_auth_cognito not found at ${modulePath}: build it first (build/.libs) or set COGNITO_MODULE`);
  }
  const dir = makeTempDir();
  for (const sub of ['logs', 'run', 'htdocs', 'cgi-bin']) fs.mkdirSync(path.join(dir, sub), { mode: 0o755 });
  // cgid creates its socket as root then chowns; mutexes/shm live in run/
  writeFiles(dir, { ...standardFiles(), ...(opts.files || {}) });
  const configPath = path.join(dir, 'httpd.conf');
  const cert = opts.tls ? makeSelfSignedCert(dir) : null;
  return { dir, modulePath, loadModule, configPath, cert };
}

/** The tls argument of buildConfig for an instance: null without opts.tls. */
async function tlsFor(opts, cert, port) {
  if (!cert) return null;
  let tlsPort = opts.tlsPort;
  while (!tlsPort || tlsPort === port) tlsPort = await freePort();
  return { port: tlsPort, certFile: cert.certFile, keyFile: cert.keyFile, ca: cert.ca };
}

/** Runs `apache2 -t -f conf`. → { code, output, configPath, dir } */
export async function configtest(opts = {}) {
  const { dir, modulePath, loadModule, configPath, cert } = prepare(opts);
  const port = opts.port || (await freePort());
  const tls = await tlsFor(opts, cert, port);
  fs.writeFileSync(configPath, buildConfig({ ...opts, dir, port, modulePath, loadModule, tls }));
  const r = spawnSync(APACHE_BIN, ['-t', '-f', configPath], { encoding: 'utf8', timeout: 30000 });
  return { code: r.status ?? -1, output: `${r.stdout || ''}${r.stderr || ''}`, configPath, dir };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function answers(url) {
  try {
    const ac = new AbortController();
    const t = setTimeout(() => ac.abort(), 2000);
    const res = await fetch(url, { signal: ac.signal, redirect: 'manual', headers: { 'user-agent': PROBE_AGENT } });
    clearTimeout(t);
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

function childPids(ppid) {
  const out = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) out.push(Number(ent));
    } catch { /* raced */ }
  }
  return out;
}

/** Every live process of a process group (httpd parent, children, cgid, CGIs). */
export function groupPids(pgid) {
  const out = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) out.push(Number(ent));
    } catch { /* raced */ }
  }
  return out;
}

/**
 * Starts a real httpd. Options:
 *   body        config text appended after the base config (@DIR@ and @PORT@ are substituted)
 *   modulePath  defaults to $COGNITO_MODULE or <repo>/build/.libs/mod_auth_cognito.so
 *   loadModule  false = don't load mod_auth_cognito
 *   files       { 'relative/path': content | { content, mode } } written into the ServerRoot
 *   extraModules [[name, file], ...]
 *   tls         true = also serve HTTPS on a second loopback port (mod_ssl, self-signed certificate):
 *               the handle gets tlsPort, httpsUrl and tls { certFile, keyFile, ca }; @TLSPORT@ in the body
 *   tlsPort     a fixed port for that listener (default: a free one)
 */
export async function startHttpd(opts = {}) {
  const { dir, modulePath, loadModule, configPath, cert } = prepare(opts);
  let lastErr;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = opts.port || (await freePort());
    const tls = await tlsFor(opts, cert, port);
    fs.writeFileSync(configPath, buildConfig({ ...opts, dir, port, modulePath, loadModule, tls }));
    try {
      return await launch({ dir, port, configPath, opts, modulePath, loadModule, tls });
    } catch (e) {
      lastErr = e;
      if (!/Address already in use|could not bind/i.test(e.message) || (opts.port && (!tls || opts.tlsPort))) throw e;
    }
  }
  throw lastErr;
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function tcpOpen(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const t = setTimeout(() => { s.destroy(); resolve(false); }, timeoutMs);
    s.on('connect', () => { clearTimeout(t); s.destroy(); resolve(true); });
    s.on('error', () => { clearTimeout(t); resolve(false); });
  });
}

async function launch({ dir, port, configPath, opts, modulePath, loadModule, tls = null }) {
  const url = `http://127.0.0.1:${port}`;
  const errorLogPath = path.join(dir, 'logs', 'error_log');
  const accessLogPath = path.join(dir, 'logs', 'access_log');
  const stdio = fs.openSync(path.join(dir, 'logs', 'stdio.log'), 'a');
  const child = spawn(APACHE_BIN, ['-f', configPath, '-DFOREGROUND'], {
    detached: true, // own process group: stop() can take down cgid and CGIs too
    stdio: ['ignore', stdio, stdio],
    env: { ...process.env, LANG: 'C' },
  });
  fs.closeSync(stdio);
  child.unref(); // a forgotten instance must not keep the test process alive (the exit hook kills it)
  const pid = child.pid;
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => { exited = { code, signal }; running.delete(handle); resolve(exited); });
  });
  const read = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch { return ''; } };
  const errorLog = () => read(errorLogPath);
  const accessLog = () => read(accessLogPath);
  const stdioLog = () => read(path.join(dir, 'logs', 'stdio.log'));

  const handle = {
    pid, port, url, dir, configPath, modulePath,
    ...(tls ? {
      tlsPort: tls.port, httpsUrl: `https://127.0.0.1:${tls.port}`,
      tls: { certFile: tls.certFile, keyFile: tls.keyFile, ca: tls.ca },
    } : {}),
    errorLog, accessLog, stdioLog,
    logs() {
      return `--- httpd ${url} error_log (${errorLogPath}) ---\n${tail(errorLog(), 300)}` +
        (stdioLog().trim() ? `\n--- httpd stdout/stderr ---\n${tail(stdioLog(), 50)}` : '');
    },
    get exited() { return exited; },
    /** [parent, ...direct children] (worker children and the cgid daemon) */
    pids() { return exited ? [] : [pid, ...childPids(pid)]; },
    /** All processes of the instance's process group. */
    groupPids() { return groupPids(pid); },
    /** pids seen serving requests (from the access log's pid=%P) */
    servingPids() {
      return [...new Set([...accessLog().matchAll(/ pid=(\d+)$/gm)].map((m) => Number(m[1])))];
    },
    async stop() {
      if (!exited) {
        child.ref();
        try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
        let timer;
        const t = await Promise.race([exitPromise, new Promise((r) => { timer = setTimeout(r, 15000, null); })]);
        clearTimeout(timer);
        if (!t) killGroup(pid, 'SIGKILL');
        await exitPromise;
        child.unref();
      }
      // leftovers of the group (CGIs, cgid) if any
      for (let i = 0; i < 50 && groupPids(pid).length; i++) {
        killGroup(pid, 'SIGKILL');
        await sleep(50);
      }
      running.delete(handle);
    },
    /** Graceful restart (SIGUSR1); optionally with a new config body first. */
    async graceful(newBody) {
      if (newBody !== undefined) {
        fs.writeFileSync(configPath, buildConfig({ ...opts, body: newBody, dir, port, modulePath, loadModule, tls }));
      }
      const before = (errorLog().match(/resuming normal operations/g) || []).length;
      process.kill(pid, 'SIGUSR1');
      const deadline = Date.now() + 15000;
      while (Date.now() < deadline) {
        if (exited) throw new Error(`httpd exited during graceful restart\n${handle.logs()}`);
        const n = (errorLog().match(/resuming normal operations/g) || []).length;
        if (n > before && (await answers(url + '/'))) return;
        await sleep(50);
      }
      throw new Error(`httpd did not come back after graceful restart\n${handle.logs()}`);
    },
  };
  running.add(handle);

  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    if (exited) {
      await handle.stop();
      throw new Error(`httpd exited at startup (${JSON.stringify(exited)})\n${handle.logs()}`);
    }
    // both listeners are bound before the children start: the HTTPS port is open once HTTP answers
    if ((await answers(url + '/')) && (!tls || (await tcpOpen(tls.port)))) return handle;
    await sleep(50);
  }
  const logs = handle.logs();
  await handle.stop();
  throw new Error(`httpd did not answer on ${url} within 20 s\n${logs}`);
}

export function tail(text, n) {
  const lines = text.split('\n');
  return lines.length > n ? `[... ${lines.length - n} lines cut ...]\n` + lines.slice(-n).join('\n') : text;
}

/**
 * Wraps a test body so that a failure carries the logs of the given httpd
 * (or emulator) instances. `sources` is a function returning handles that
 * have a logs() method (evaluated at failure time).
 */
export function withLogs(sources, fn) {
  return async (t) => {
    try {
      return await fn(t);
    } catch (e) {
      let text = '';
      try {
        for (const h of [sources()].flat()) {
          const l = h && typeof h.logs === 'function' ? h.logs() : '';
          if (l) text += '\n' + l;
        }
      } catch (e2) { text += `\n(could not collect logs: ${e2.message})`; }
      if (text) {
        let attached = false;
        if (e && typeof e === 'object') {
          try {
            // reporters print util.inspect(error), i.e. the stack: attach the logs there
            e.stack = `${e.stack || e.message}\n${text}`;
            attached = true;
          } catch { /* read-only */ }
        }
        if (!attached) process.stderr.write(text + '\n');
      }
      throw e;
    }
  };
}

/**
 * Reads a node:http response to the end. → { status, headers, setCookies: string[], text, json, ...extra }
 * (an extra `ms` function is called when the body is complete).
 */
export function readResponse(res, { ms, ...extra } = {}) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      const sc = res.headers['set-cookie'];
      resolve({
        status: res.statusCode, headers: res.headers, setCookies: sc ? [sc].flat() : [], text, json, ...extra,
        ...(ms ? { ms: ms() } : {}),
      });
    });
    res.on('error', reject);
  });
}

/**
 * Sends raw header lists; node's http keeps repeated headers given as arrays. https: URLs (the rig's TLS
 * listener) skip certificate checks unless `ca` is given.
 */
export async function request(url, { method = 'GET', headers = {}, body, timeoutMs = 30000, ca } = {}) {
  const tls = new URL(url).protocol === 'https:';
  const { default: mod } = await import(tls ? 'node:https' : 'node:http');
  const tlsOpts = tls ? (ca ? { ca } : { rejectUnauthorized: false }) : {};
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method, headers, agent: false, ...tlsOpts }, (res) => {
      readResponse(res, { rawHeaders: res.rawHeaders }).then(resolve, reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`request to ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}
