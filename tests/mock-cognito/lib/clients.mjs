// clients.mjs — app clients: defaults, validation, redirect/sign-out URL matching, scope resolution.

export const RESERVED_SCOPES = ['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin'];

const ALL_SCOPES = ['openid', 'email', 'profile', 'phone', 'aws.cognito.signin.user.admin', 'orders/read', 'orders/write'];

export const DEFAULT_CLIENTS = [
  {
    clientId: 'testclient1',
    clientSecret: null,
    callbackURLs: [],
    logoutURLs: [],
    allowAnyLoopbackCallback: true,
    scopes: ALL_SCOPES,
    refreshTokenRotation: false,
    rotationGracePeriodSeconds: 0,
  },
  {
    clientId: 'otherclient',
    clientSecret: null,
    callbackURLs: [],
    logoutURLs: [],
    allowAnyLoopbackCallback: true,
    scopes: ALL_SCOPES,
    refreshTokenRotation: false,
    rotationGracePeriodSeconds: 0,
  },
  {
    clientId: 'secretclient',
    clientSecret: 's3cr3t-value-for-tests',
    callbackURLs: [],
    logoutURLs: [],
    allowAnyLoopbackCallback: true,
    scopes: ALL_SCOPES,
    refreshTokenRotation: false,
    rotationGracePeriodSeconds: 0,
  },
];

const FIELD_DEFAULTS = {
  clientSecret: null,
  callbackURLs: [],
  logoutURLs: [],
  allowAnyLoopbackCallback: true,
  scopes: ALL_SCOPES,
  refreshTokenRotation: false,
  rotationGracePeriodSeconds: 0,
  // null = use the pool-wide lifetime (see /_test/lifetimes)
  accessTokenSeconds: null,
  idTokenSeconds: null,
  refreshTokenSeconds: null,
  // Grants this client may use at /oauth2/token. client_credentials needs a secret and custom scopes too.
  allowedGrants: ['authorization_code', 'refresh_token', 'client_credentials'],
};

function strList(v, name) {
  if (v == null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${name} must be an array of strings`);
  return [...v];
}

function optSeconds(v, name) {
  if (v == null) return null;
  if (!Number.isInteger(v)) throw new Error(`${name} must be an integer number of seconds`);
  return v;
}

/** Merge `input` over `existing` (or the defaults) and validate. Throws Error with a readable message. */
export function normalizeClient(input, existing = null) {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new Error('client must be a JSON object');
  if (typeof input.clientId !== 'string' || !/^[\w+]{1,128}$/.test(input.clientId)) {
    throw new Error('clientId must match [\\w+]{1,128}');
  }
  const base = existing || { clientId: input.clientId, ...FIELD_DEFAULTS };
  const c = { ...base };
  for (const key of Object.keys(FIELD_DEFAULTS)) if (key in input) c[key] = input[key];
  if (c.clientSecret !== null && (typeof c.clientSecret !== 'string' || c.clientSecret === '')) {
    throw new Error('clientSecret must be a non-empty string or null');
  }
  c.callbackURLs = strList(c.callbackURLs, 'callbackURLs');
  c.logoutURLs = strList(c.logoutURLs, 'logoutURLs');
  c.scopes = strList(c.scopes, 'scopes');
  c.allowedGrants = strList(c.allowedGrants, 'allowedGrants');
  c.allowAnyLoopbackCallback = !!c.allowAnyLoopbackCallback;
  c.refreshTokenRotation = !!c.refreshTokenRotation;
  const g = c.rotationGracePeriodSeconds;
  if (!Number.isInteger(g) || g < 0 || g > 60) throw new Error('rotationGracePeriodSeconds must be an integer 0..60');
  c.accessTokenSeconds = optSeconds(c.accessTokenSeconds, 'accessTokenSeconds');
  c.idTokenSeconds = optSeconds(c.idTokenSeconds, 'idTokenSeconds');
  c.refreshTokenSeconds = optSeconds(c.refreshTokenSeconds, 'refreshTokenSeconds');
  return c;
}

/** http://127.0.0.1:<any port>/..., http://localhost:<any port>/..., http://[::1]:<port>/... */
export function isLoopbackUri(uri) {
  let u;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  if (u.username || u.password || u.hash) return false;
  return u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
}

/** Redirect URIs are compared exactly (Cognito does no normalisation); fragments are never allowed. */
function allowed(client, uri, list) {
  if (typeof uri !== 'string' || !uri || uri.includes('#')) return false;
  if (client[list].includes(uri)) return true;
  return client.allowAnyLoopbackCallback && isLoopbackUri(uri);
}

export const isAllowedCallback = (client, uri) => allowed(client, uri, 'callbackURLs');
export const isAllowedLogout = (client, uri) => allowed(client, uri, 'logoutURLs');

const SCOPE_RE = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 scope-token

export class ClientStore {
  constructor(extra = []) {
    this.map = new Map();
    for (const c of DEFAULT_CLIENTS) this.upsert(c);
    for (const c of extra) this.upsert(c);
  }

  get(id) {
    return (typeof id === 'string' && this.map.get(id)) || null;
  }

  all() {
    return [...this.map.values()];
  }

  upsert(input) {
    const existing = input && typeof input.clientId === 'string' ? this.map.get(input.clientId) : null;
    const c = normalizeClient(input, existing);
    this.map.set(c.clientId, c);
    return c;
  }

  delete(id) {
    return this.map.delete(id);
  }

  /** Scopes the pool knows: the reserved ones plus every resource-server scope some client uses. */
  isKnownScope(s) {
    if (RESERVED_SCOPES.includes(s)) return true;
    if (!/^[^/\s]+\/[^/\s]+$/.test(s)) return false;
    for (const c of this.map.values()) if (c.scopes.includes(s)) return true;
    return false;
  }

  /**
   * Resolve a requested scope string for an authorize request the way Cognito does:
   * unknown/malformed → invalid_scope; known but not enabled on the client → silently dropped;
   * nothing requested → everything the client has. Returns { scopes } or { error }.
   */
  resolveScopes(client, scopeParam) {
    if (scopeParam == null || scopeParam === '') return { scopes: [...client.scopes] };
    const requested = scopeParam.split(' ').filter(Boolean);
    const out = [];
    for (const s of requested) {
      if (!SCOPE_RE.test(s) || !this.isKnownScope(s)) return { error: 'invalid_scope' };
      if (client.scopes.includes(s) && !out.includes(s)) out.push(s);
    }
    if (!out.length) return { error: 'invalid_scope' };
    return { scopes: out };
  }
}
