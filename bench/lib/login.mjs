#!/usr/bin/env node
// bench/lib/login.mjs — drives complete browser logins (protected page → Cognito emulator's managed
// login form → callback) against any OIDC relying party on 127.0.0.1: mod_auth_cognito or
// mod_auth_openidc. Node ≥ 20 standard library only. Also a library: `login(opts)` and `Browser` are
// exported (bench/lib/capacity.mjs uses them); the command line below runs only when executed directly.
//
//   node login.mjs one  --url URL --cookie REGEX [--user alice --password P]
//        One login, then follows the final redirect and checks the page answers 200 with the session.
//        Prints {"cookies":{name:value,...},"status":200,"ms":...} (cookies whose names match REGEX).
//   node login.mjs loop --url URL --cookie REGEX --count N [--concurrency 8]
//        N complete logins, each as a new browser (fresh cookie jar, so the emulator shows its sign-in
//        form every time), at most `concurrency` at once. Stops after the callback's redirect that sets
//        the session cookie (the final page load is not part of "a login").
//        Prints {"logins":N,"failures":F,"seconds":S,"loginsPerSecond":R,"firstError":...}
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const NAV = {
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Sec-Fetch-Mode': 'navigate',
  'Sec-Fetch-Dest': 'document',
  'Sec-Fetch-Site': 'none',
  'User-Agent': 'mod_auth_cognito-bench',
};

function parseArgs(argv) {
  const o = { mode: argv[0], user: 'alice', password: 'Alice-Passw0rd!', count: 100, concurrency: 8 };
  for (let i = 1; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    o[k] = argv[i + 1];
  }
  o.count = Number(o.count);
  o.concurrency = Number(o.concurrency);
  if (!o.url || !o.cookie || !['one', 'loop'].includes(o.mode)) {
    process.stderr.write('usage: login.mjs one|loop --url URL --cookie REGEX [--count N --concurrency C]\n');
    process.exit(2);
  }
  o.cookieRe = new RegExp(o.cookie);
  return o;
}

/** A tiny browser: one cookie jar for every host (all on 127.0.0.1; cookies ignore ports, as in browsers). */
export class Browser {
  constructor() {
    this.jar = new Map();
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  }

  absorb(setCookies) {
    for (const raw of setCookies || []) {
      const [pair, ...attrs] = raw.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = attrs.some((a) => {
        const [k, v] = a.split('=').map((s) => s && s.trim().toLowerCase());
        return (k === 'max-age' && Number(v) <= 0) || (k === 'expires' && Date.parse(v) < Date.now());
      });
      if (gone || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  request(url, { method = 'GET', headers = {}, body } = {}) {
    const u = new URL(url);
    const h = { ...NAV, ...headers };
    if (this.jar.size) h.Cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body != null) h['Content-Length'] = Buffer.byteLength(body);
    return new Promise((resolve, reject) => {
      const req = http.request(u, { method, headers: h, agent: this.agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          this.absorb(res.headers['set-cookie']);
          resolve({ status: res.statusCode, location: res.headers.location, text: Buffer.concat(chunks).toString() });
        });
        res.on('error', reject);
      });
      req.setTimeout(30000, () => req.destroy(new Error(`${method} ${url}: timeout`)));
      req.on('error', reject);
      if (body != null) req.write(body);
      req.end();
    });
  }

  close() {
    this.agent.destroy();
  }
}

const unescapeHtml = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function expect(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.location || ''} ${res.text.slice(0, 200)}`);
}

/** One complete login. Returns { browser, finalUrl } after the callback answered with a redirect.
 *  opts: { url, cookieRe, user, password } */
export async function login(opts) {
  const b = new Browser();
  const start = new URL(opts.url);
  // 1. The protected page → 302 to the authorize endpoint (at the emulator).
  let r = await b.request(start.href);
  expect(r, 302, `GET ${start.pathname}`);
  let url = new URL(r.location, start).href;
  // 2. authorize → 302 /login?… (the managed login form)
  r = await b.request(url);
  expect(r, 302, 'GET authorize');
  url = new URL(r.location, url).href;
  // 3. The sign-in form.
  r = await b.request(url);
  expect(r, 200, 'GET /login');
  const fields = {};
  for (const m of r.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = unescapeHtml(m[2]);
  const action = /<form[^>]*action="([^"]+)"/.exec(r.text);
  if (!action) throw new Error('no sign-in form');
  const postUrl = new URL(unescapeHtml(action[1]), url).href;
  // 4. POST the credentials → 302 to the relying party's callback with code + state.
  r = await b.request(postUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: new URL(postUrl).origin },
    body: new URLSearchParams({ ...fields, username: opts.user, password: opts.password, signInSubmitButton: 'Sign in' }).toString(),
  });
  expect(r, 302, 'POST /login');
  const callback = new URL(r.location, postUrl).href;
  if (new URL(callback).origin !== start.origin) throw new Error(`login POST redirected to ${callback}, not to the relying party`);
  // 5. The callback: code exchange, ID token check, session → 302 back to the page.
  r = await b.request(callback);
  expect(r, 302, 'GET callback');
  const got = [...b.jar.keys()].filter((k) => opts.cookieRe.test(k));
  if (!got.length) throw new Error(`callback set no cookie matching ${opts.cookieRe}; jar: ${[...b.jar.keys()].join(',')}`);
  return { browser: b, finalUrl: new URL(r.location, callback).href };
}

async function one(opts) {
  const t0 = Date.now();
  const { browser, finalUrl } = await login(opts);
  // Use only the relying party's session cookies (drop the emulator's and any state cookie).
  const cookies = Object.fromEntries([...browser.jar].filter(([k]) => opts.cookieRe.test(k)));
  const only = new Browser();
  for (const [k, v] of Object.entries(cookies)) only.jar.set(k, v);
  const page = await only.request(finalUrl);
  browser.close();
  only.close();
  if (page.status !== 200) throw new Error(`the page after login answered ${page.status} with the session cookie alone`);
  process.stdout.write(`${JSON.stringify({ cookies, status: page.status, finalUrl, ms: Date.now() - t0 })}\n`);
}

async function loop(opts) {
  let next = 0;
  let ok = 0;
  let failures = 0;
  let firstError = null;
  const t0 = process.hrtime.bigint();
  async function worker() {
    while (next < opts.count) {
      next++;
      try {
        const { browser } = await login(opts);
        browser.close();
        ok++;
      } catch (e) {
        failures++;
        if (!firstError) firstError = e.message;
      }
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(`${JSON.stringify({ logins: ok, failures, seconds, loginsPerSecond: ok / seconds, firstError })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = parseArgs(process.argv.slice(2));
  try {
    await (opts.mode === 'one' ? one(opts) : loop(opts));
  } catch (e) {
    process.stderr.write(`login.mjs: ${e.message}\n`);
    process.exit(1);
  }
}
