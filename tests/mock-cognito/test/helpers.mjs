// helpers.mjs — shared helpers for the emulator's self-tests: HTTP calls, PKCE, the browser-like login flow,
// JWT decoding and JWKS verification with node:crypto.
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { startMockCognito } from '../index.mjs';

export { startMockCognito };

export const CALLBACK = 'http://127.0.0.1:8080/oauth2/callback';

export function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export function decode(token) {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')) };
}

/** Verify an RS256 JWT against a JWKS object using only node:crypto. Returns the payload or throws. */
export function verifyWithJwks(token, jwks) {
  const [h, p, s] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  assert.equal(header.alg, 'RS256');
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} not in JWKS`);
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'));
  assert.ok(ok, 'signature does not verify');
  return JSON.parse(Buffer.from(p, 'base64url'));
}

export async function getJson(base, path, init = {}) {
  const r = await fetch(base + path, init);
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
}

export async function postJson(base, path, body = {}) {
  const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: r.status, headers: r.headers, body: parsed };
}

/** POST application/x-www-form-urlencoded; returns {status, headers, text, json}. */
export async function postForm(base, path, params, headers = {}) {
  const r = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
    redirect: 'manual',
  });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, headers: r.headers, text, json };
}

export function basic(id, secret) {
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

export async function get(base, path, headers = {}) {
  return fetch(base + path, { headers, redirect: 'manual' });
}

export function authorizeQuery({ clientId = 'testclient1', redirectUri = CALLBACK, scope = 'openid email profile', state = 'st-123', nonce = 'n-456', challenge, extra = {} } = {}) {
  const q = { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope, state, nonce };
  if (challenge) Object.assign(q, { code_challenge: challenge, code_challenge_method: 'S256' });
  for (const [k, v] of Object.entries(extra)) {
    if (v === null) delete q[k];
    else q[k] = v;
  }
  return new URLSearchParams(q).toString();
}

/** Extract the hidden inputs of the login form. */
export function hiddenFields(html) {
  const out = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[m[1]] = m[2].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  return out;
}

/**
 * Browser-like Hosted-UI login: authorize → 302 /login → GET form → POST credentials → 302 callback?code.
 * Returns {code, state, cookie, location, verifier, challenge}.
 */
export async function browserLogin(base, { username = 'alice', password = 'Alice-Passw0rd!', clientId, redirectUri = CALLBACK, scope, state, nonce, extra } = {}) {
  const { verifier, challenge } = pkce();
  const q = authorizeQuery({ clientId, redirectUri, scope, state, nonce, challenge, extra });
  const a = await get(base, `/oauth2/authorize?${q}`);
  assert.equal(a.status, 302);
  const loginLoc = a.headers.get('location');
  assert.match(loginLoc, /^\/login\?/);
  const page = await get(base, loginLoc);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /name="username"/);
  assert.match(html, /name="password"/);
  assert.match(html, /id="signin"/);
  const fields = hiddenFields(html);
  const xsrf = /XSRF-TOKEN=([^;]+)/.exec(page.headers.get('set-cookie') || '')?.[1];
  const action = /action="([^"]+)"/.exec(html)[1].replace(/&amp;/g, '&');
  const r = await postForm(base, action, { ...fields, username, password, signInSubmitButton: 'Sign in' }, xsrf ? { cookie: `XSRF-TOKEN=${xsrf}` } : {});
  assert.equal(r.status, 302, `login POST answered ${r.status}: ${r.text.slice(0, 300)}`);
  const location = r.headers.get('location');
  const u = new URL(location);
  const cookie = /cognito=([^;]+)/.exec(r.headers.get('set-cookie') || '')?.[1];
  return { code: u.searchParams.get('code'), state: u.searchParams.get('state'), cookie, location, verifier, challenge };
}

export async function exchangeCode(base, { code, verifier, clientId = 'testclient1', redirectUri = CALLBACK, secret, useBasic = true }) {
  const params = { grant_type: 'authorization_code', code, redirect_uri: redirectUri };
  if (verifier) params.code_verifier = verifier;
  const headers = {};
  if (secret && useBasic) headers.authorization = basic(clientId, secret);
  else {
    params.client_id = clientId;
    if (secret) params.client_secret = secret;
  }
  return postForm(base, '/oauth2/token', params, headers);
}

/** Login + code exchange; returns the token response JSON. */
export async function loginTokens(base, opts = {}) {
  const l = await browserLogin(base, opts);
  const t = await exchangeCode(base, { code: l.code, verifier: l.verifier, clientId: opts.clientId, redirectUri: opts.redirectUri, secret: opts.secret });
  assert.equal(t.status, 200, t.text);
  return { ...t.json, login: l };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
