// Thin client for the Cognito emulator (tests/mock-cognito) and its /_test controls.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './httpd.mjs';

export const POOL_ID = 'eu-west-1_TestPool1';
export const CLIENT_ID = 'testclient1';

export async function startIdp(opts = {}) {
  const mod = await import(pathToFileURL(path.join(repoRoot, 'tests', 'mock-cognito', 'index.mjs')).href);
  const idp = await mod.startMockCognito({ port: 0, ...opts });
  return wrap(idp);
}

function wrap(idp) {
  const call = async (method, p, body) => {
    const res = await fetch(idp.url + p, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator ${method} ${p} -> ${res.status}: ${text}`);
    return text ? JSON.parse(text) : {};
  };
  return {
    raw: idp,
    port: idp.port,
    url: idp.url,
    issuer: idp.issuer,
    poolId: idp.poolId || POOL_ID,
    close: () => idp.close(),
    call,
    /** → { token, header, payload } */
    mint: (o = {}) => call('POST', '/_test/mint', {
      tokenUse: 'access', username: 'alice', clientId: CLIENT_ID, scope: 'openid email orders/read', ...o,
    }),
    keys: () => call('GET', '/_test/keys'),
    rotateKeys: (o = { keepOld: false }) => call('POST', '/_test/rotate-keys', o),
    jwksMode: (mode) => call('POST', '/_test/jwks', { mode }),
    fail: (o) => call('POST', '/_test/fail', o),
    counters: () => call('GET', '/_test/counters'),
    resetCounters: () => call('POST', '/_test/counters/reset', {}),
    reset: () => call('POST', '/_test/reset', {}),
    logs: () => '',
  };
}
