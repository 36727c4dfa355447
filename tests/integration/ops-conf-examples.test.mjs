// Contract: the example virtual hosts in conf/examples/ are valid configurations. Each one is loaded by
// `apache2 -t` exactly as written, wrapped in a minimal httpd.conf that loads the modules its header
// comment names (`a2enmod …`), with its certificate, secret, document-root and cache paths pointed at
// temporary files. They use documented directives only and AuthzSendForbiddenOnFailure On. Where an
// example shows a shared session store (commented, for several servers), it shows CognitoSessionSecret
// beside it, and enabling both lines passes configtest (the store alone does not: the module refuses a
// shared store without a secret).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MODULE_PATH, MODULES_DIR, freePort, repoRoot } from './lib/httpd.mjs';
import { configtestText } from './lib/apps.mjs';

const EXAMPLES_DIR = path.join(repoRoot, 'conf', 'examples');
const REQUIRED = ['php-fpm.conf', 'php-cgi.conf', 'cgi.conf', 'reverse-proxy.conf', 'api-bearer.conf', 'multi-tenant.conf'];

// a2enmod name → [module identifier, file]
const MODS = {
  auth_cognito: ['auth_cognito_module', DEFAULT_MODULE_PATH],
  ssl: ['ssl_module', 'mod_ssl.so'],
  proxy: ['proxy_module', 'mod_proxy.so'],
  proxy_http: ['proxy_http_module', 'mod_proxy_http.so'],
  proxy_fcgi: ['proxy_fcgi_module', 'mod_proxy_fcgi.so'],
  setenvif: ['setenvif_module', 'mod_setenvif.so'],
  headers: ['headers_module', 'mod_headers.so'],
  actions: ['actions_module', 'mod_actions.so'],
  alias: ['alias_module', 'mod_alias.so'],
  cgid: ['cgid_module', 'mod_cgid.so'],
  cgi: ['cgid_module', 'mod_cgid.so'],
  socache_redis: ['socache_redis_module', 'mod_socache_redis.so'],
  socache_memcache: ['socache_memcache_module', 'mod_socache_memcache.so'],
};
// what a2enmod enables along (the Depends: lines of Debian's .load files)
const DEPENDS = { proxy_http: ['proxy'], proxy_fcgi: ['proxy'] };
// what Debian's default apache2.conf / mods-enabled provide (a2enmod auth_cognito adds authn_core, socache_shmcb)
const BASE = [
  ['mpm_event_module', 'mod_mpm_event.so'], ['authn_core_module', 'mod_authn_core.so'],
  ['authz_core_module', 'mod_authz_core.so'], ['authz_user_module', 'mod_authz_user.so'],
  ['authz_host_module', 'mod_authz_host.so'], ['mime_module', 'mod_mime.so'], ['alias_module', 'mod_alias.so'],
  ['env_module', 'mod_env.so'], ['setenvif_module', 'mod_setenvif.so'], ['dir_module', 'mod_dir.so'],
  ['log_config_module', 'mod_log_config.so'], ['socache_shmcb_module', 'mod_socache_shmcb.so'],
  ['unixd_module', 'mod_unixd.so'],
];

let work;
let cert;
before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-examples-'));
  const key = path.join(work, 'test.key');
  const crt = path.join(work, 'test.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt,
    '-days', '2', '-subj', '/CN=app.example.com'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `openssl: ${r.stderr}`);
  cert = { key, crt };
  fs.writeFileSync(path.join(work, 'cognito-secret'), 's3cr3t-for-configtest\n', { mode: 0o600 });
  // what `openssl rand -base64 48` writes: 64 characters and a newline
  fs.writeFileSync(path.join(work, 'cognito-session-secret'), `${crypto.randomBytes(48).toString('base64')}\n`, { mode: 0o600 });
});
after(() => { if (work && !process.env.KEEP_HTTPD_DIRS) fs.rmSync(work, { recursive: true, force: true }); });

/** The modules named on the example's `a2enmod` comment lines. */
function a2enmods(text) {
  const names = [];
  for (const m of text.matchAll(/^#.*\ba2enmod\s+([a-z0-9_ ]+)$/gm)) names.push(...m[1].trim().split(/\s+/));
  return names;
}

/** The example with its machine-specific paths pointed at temp files (text otherwise unchanged). */
function localize(text, dir) {
  let t = text;
  t = t.replace(/^(\s*SSLCertificateFile\s+)\S+/gm, `$1${cert.crt}`);
  t = t.replace(/^(\s*SSLCertificateKeyFile\s+)\S+/gm, `$1${cert.key}`);
  t = t.replace(/file:\/etc\/apache2\/cognito-secret/g, `file:${path.join(work, 'cognito-secret')}`);
  t = t.replace(/file:\/etc\/apache2\/cognito-session-secret/g, `file:${path.join(work, 'cognito-session-secret')}`);
  t = t.replace(/\/var\/www\//g, `${dir}/www/`);
  t = t.replace(/\/var\/cache\/apache2\//g, `${dir}/cache/`);
  for (const m of t.matchAll(new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/www/[^\\s"]+`, 'g'))) fs.mkdirSync(m[0], { recursive: true });
  fs.mkdirSync(path.join(dir, 'cache'), { recursive: true });
  return t;
}

function wrap(example, dir, port) {
  const text = fs.readFileSync(path.join(EXAMPLES_DIR, example), 'utf8');
  const mods = new Map(BASE);
  for (const n of a2enmods(text).flatMap((m) => [...(DEPENDS[m] || []), m])) {
    assert.ok(MODS[n], `${example}: unknown module in a2enmod line: ${n}`);
    mods.set(MODS[n][0], MODS[n][1]);
  }
  const load = [...mods].map(([name, file]) => [name, path.isAbsolute(file) ? file : path.join(MODULES_DIR, file)])
    .filter(([, p]) => fs.existsSync(p))
    .map(([name, p]) => `LoadModule ${name} ${p}`);
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'run'), { recursive: true });
  const local = localize(text, dir).replace(/<VirtualHost \*:443>/g, `<VirtualHost *:${port}>`);
  fs.writeFileSync(path.join(dir, example), local);
  return { text, config: `ServerRoot "${dir}"
ServerName localhost
Listen 127.0.0.1:${port}
${load.join('\n')}
Define APACHE_LOG_DIR ${dir}/logs
PidFile ${dir}/run/httpd.pid
DefaultRuntimeDir ${dir}/run
Mutex file:${dir}/run default
ErrorLog ${dir}/logs/error.log
LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined
TypesConfig /etc/mime.types
<Directory />
    AllowOverride None
    Require all denied
</Directory>
Include ${path.join(dir, example)}
` };
}

/** Every Cognito* directive the README documents (its directive table). */
function documentedDirectives() {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  return new Set([...readme.matchAll(/^\|\s*`(Cognito[A-Za-z]+)/gm)].map((m) => m[1]));
}

describe('conf/examples', () => {
  it('has the six example vhosts', () => {
    for (const f of REQUIRED) assert.ok(fs.existsSync(path.join(EXAMPLES_DIR, f)), `conf/examples/${f} missing`);
  });

  const examples = fs.existsSync(EXAMPLES_DIR) ? fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.conf')).sort() : REQUIRED;
  for (const example of examples) {
    it(`${example}: apache2 -t passes`, async () => {
      const dir = fs.mkdtempSync(path.join(work, example.replace(/\W/g, '_') + '-'));
      const { config } = wrap(example, dir, await freePort());
      const r = configtestText(config, { dir });
      assert.equal(r.code, 0, `configtest of ${example} failed:\n${r.output}\n--- wrapped config: ${dir}`);
      assert.match(r.output, /Syntax OK/);
      assert.doesNotMatch(r.output, /AH00112|does not exist|not defined/i, r.output);
    });

    it(`${example}: documented directives only, commented, AuthzSendForbiddenOnFailure On, no LoadModule`, () => {
      const text = fs.readFileSync(path.join(EXAMPLES_DIR, example), 'utf8');
      const documented = documentedDirectives();
      const used = new Set([...text.matchAll(/^\s*(Cognito[A-Za-z]+)\b/gm)].map((m) => m[1]));
      const unknown = [...used].filter((d) => !documented.has(d));
      assert.deepEqual(unknown, [], `${example} uses directives README.md does not document`);
      assert.ok(used.size > 0, 'no Cognito directive at all');
      assert.ok(a2enmods(text).includes('auth_cognito'), 'the header comment should say a2enmod auth_cognito …');
      assert.doesNotMatch(text, /^\s*LoadModule\b/m, 'examples leave LoadModule to a2enmod');
      assert.ok(text.split('\n').filter((l) => /^\s*#/.test(l)).length >= 5, 'examples should be commented');
      // every section that uses AuthType Cognito with a cognito-* rule sets AuthzSendForbiddenOnFailure On
      for (const m of text.matchAll(/<(Location|LocationMatch|Directory)\b[^>]*>([\s\S]*?)<\/\1>/g)) {
        if (/Require\s+(not\s+)?cognito-/.test(m[2])) {
          assert.match(m[2], /AuthzSendForbiddenOnFailure\s+On/, `${example}: section ${m[0].split('\n')[0]} lacks AuthzSendForbiddenOnFailure On`);
        }
      }
    });
  }

  it('each example shows what it is for', () => {
    const read = (f) => fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8');
    assert.match(read('php-fpm.conf'), /SetHandler\s+"proxy:(unix:|fcgi:)/);
    assert.match(read('php-cgi.conf'), /^\s*Action\s+application\/x-httpd-php\s+\S*php/m);
    assert.match(read('cgi.conf'), /^\s*ScriptAlias\s+/m);
    assert.match(read('cgi.conf'), /\+ExecCGI/);
    assert.match(read('reverse-proxy.conf'), /^\s*ProxyPass\s+/m);
    assert.match(read('reverse-proxy.conf'), /^\s*CognitoPassClaimsAs\s+headers/m);
    assert.match(read('api-bearer.conf'), /^\s*CognitoBearer\s+only/m);
    assert.match(read('api-bearer.conf'), /^\s*Require\s+cognito-scope\s+/m);
    assert.match(read('multi-tenant.conf'), /^\s*Require\s+cognito-tenant\s+%\{env:TENANT\}/m);
    assert.match(read('multi-tenant.conf'), /^\s*SetEnvIf(NoCase)?\s+Host\s+.*TENANT=\$1/m);
  });

  // A commented shared store (`#CognitoSessionCache redis:…` / `memcache:…`) is for several servers: the example
  // must show the secret beside it, and enabling both must pass configtest, the store alone must not.
  const SHARED_STORE = /^(\s*)#\s*(CognitoSessionCache\s+(redis|memcache):\S+)\s*$/m;
  const SECRET_LINE = /^(\s*)#\s*(CognitoSessionSecret\s+file:\S+)\s*$/m;
  const withShared = examples.filter((f) => fs.existsSync(path.join(EXAMPLES_DIR, f))
    && SHARED_STORE.test(fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8')));
  it('at least one example shows a shared session store for several servers', () => {
    assert.ok(withShared.length >= 1, 'no example shows a (commented) redis:/memcache: CognitoSessionCache');
  });
  for (const example of withShared) {
    it(`${example}: the shared store is shown with CognitoSessionSecret; enabled, both pass configtest, the store alone fails`, async () => {
      const text = fs.readFileSync(path.join(EXAMPLES_DIR, example), 'utf8');
      assert.match(text, SECRET_LINE, `${example} shows a shared store without a (commented) CognitoSessionSecret file: line`);
      assert.match(text, /openssl rand -base64 48 > \/etc\/apache2\/cognito-session-secret/, `${example}: how to make the secret`);
      assert.ok(documentedDirectives().has('CognitoSessionSecret'), 'README.md documents CognitoSessionSecret');
      const provider = SHARED_STORE.exec(text)[3] === 'redis' ? ['socache_redis_module', 'mod_socache_redis.so'] : ['socache_memcache_module', 'mod_socache_memcache.so'];
      const run = async (label, edit) => {
        const dir = fs.mkdtempSync(path.join(work, `${example.replace(/\W/g, '_')}-${label}-`));
        const { config } = wrap(example, dir, await freePort());
        const file = path.join(dir, example);
        fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
        return configtestText(config.replace(/^Include /m, `LoadModule ${provider[0]} ${path.join(MODULES_DIR, provider[1])}\nInclude `), { dir });
      };
      const uncomment = (re) => (t) => t.replace(re, '$1$2');
      const both = await run('shared', (t) => uncomment(SECRET_LINE)(uncomment(SHARED_STORE)(t)));
      assert.equal(both.code, 0, `${example} with its shared store and secret enabled:\n${both.output}`);
      assert.match(both.output, /Syntax OK/);
      const alone = await run('nosecret', uncomment(SHARED_STORE));
      assert.notEqual(alone.code, 0, `${example}: the shared store without CognitoSessionSecret passed configtest:\n${alone.output}`);
      assert.match(alone.output, /CognitoSessionSecret/, 'the refusal names CognitoSessionSecret');
    });
  }

  it('the harness really checks: a broken example fails configtest', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'broken-'));
    const { config } = wrap('api-bearer.conf', dir, await freePort());
    const file = path.join(dir, 'api-bearer.conf');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('CognitoBearer only', 'CognitoBearer maybe'));
    const r = configtestText(config, { dir });
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /CognitoBearer/);
  });
});
