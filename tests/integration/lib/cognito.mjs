// Shared helpers for the mod_auth_cognito integration tests.
import assert from 'node:assert/strict';
import { request } from './httpd.mjs';
import { CLIENT_ID, POOL_ID } from './idp.mjs';

export const ENV_PATH = '/api/cgi-bin/env.cgi';

/** The Bearer-API configuration of the module contract. */
export function apiBody({ issuer, location = '', server = '', clientId = CLIENT_ID, pool = POOL_ID } = {}) {
  return `
${server}
<Location /api>
    AuthType Cognito
    AuthName "api"
    CognitoUserPool ${pool}
    CognitoIssuer ${issuer}
    ${clientId ? `CognitoClientID ${clientId}` : ''}
    CognitoBearer only
    Require valid-user
${location}
</Location>
ScriptAlias /api/cgi-bin/ "@DIR@/cgi-bin/"
`;
}

export function bearer(token) {
  return { Authorization: `Bearer ${token}` };
}

export async function callApi(h, token, { headers = {}, path = ENV_PATH, timeoutMs } = {}) {
  const hdrs = token == null ? { ...headers } : { ...bearer(token), ...headers };
  return request(h.url + path, { headers: hdrs, timeoutMs });
}

/** Runs fn and returns [result, the error_log text written meanwhile]. */
export async function withLogSlice(h, fn) {
  const mark = Buffer.byteLength(h.errorLog());
  const result = await fn();
  // children write the error log synchronously before answering; a short settle is a safety margin
  await new Promise((r) => setTimeout(r, 20));
  return [result, Buffer.from(h.errorLog()).subarray(mark).toString('utf8')];
}

export function wwwAuth(res) {
  const v = res.headers['www-authenticate'];
  return Array.isArray(v) ? v.join(', ') : v || '';
}

/** Asserts no token (nor its signature segment) ever reached the error log. */
export function assertLogHasNoToken(h, token) {
  const log = h.errorLog();
  if (!token) return;
  assert.ok(!log.includes(token), 'error_log contains the token text');
  const segs = String(token).split('.');
  const sig = segs[2];
  if (sig && sig.length >= 16) assert.ok(!log.includes(sig), 'error_log contains the token signature segment');
  if (segs[1] && segs[1].length >= 16) assert.ok(!log.includes(segs[1]), 'error_log contains the token payload segment');
}

/** 401 + Bearer error="invalid_token" + the reason in the log + no token in the log. */
export async function expectInvalidToken(h, token, reason, { headers } = {}) {
  const [res, slice] = await withLogSlice(h, () => callApi(h, token, { headers }));
  assert.equal(res.status, 401, `expected 401 for ${reason}, got ${res.status}: ${res.text.slice(0, 200)}`);
  const wa = wwwAuth(res);
  assert.match(wa, /Bearer/, `WWW-Authenticate should name Bearer: ${wa}`);
  assert.match(wa, /error="invalid_token"/, `WWW-Authenticate should carry error="invalid_token": ${wa}`);
  const reasons = [reason].flat();
  assert.ok(reasons.some((r) => slice.includes(r)),
    `error_log should name ${reasons.join(' or ')}; new log lines were:\n${slice}`);
  assertLogHasNoToken(h, token);
  return { res, slice };
}

/** Runs async tasks with bounded concurrency. */
export async function pool(n, concurrency, task) {
  const results = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return results;
}

/**
 * Sends valid requests until both httpd worker children have served one (so both
 * have fetched the key set). `token` is a token or an async function returning a
 * fresh one (so that no verified-token cache can spare a child the key fetch).
 * Returns the serving pids seen.
 */
export async function warmUpChildren(h, token, { children = 2, maxRounds = 40 } = {}) {
  const next = typeof token === 'function' ? token : async () => token;
  for (let round = 0; round < maxRounds; round++) {
    const results = await pool(12, 12, async () => callApi(h, await next()));
    for (const r of results) assert.equal(r.status, 200, `warm-up request failed: ${r.status} ${r.text.slice(0, 200)}`);
    if (apiPids(h).length >= children) return apiPids(h);
  }
  return apiPids(h);
}

/** pids of the httpd children that answered a request under /api/ with 200 (access log pid=%P). */
export function apiPids(h) {
  const re = /"GET \/api\/\S* HTTP\/1\.[01]" 200 .* pid=(\d+)$/gm;
  return [...new Set([...h.accessLog().matchAll(re)].map((m) => Number(m[1])))];
}
