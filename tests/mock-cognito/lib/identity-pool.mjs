// identity-pool.mjs — Amazon Cognito Identity (identity pool) emulation: pool configs, GetId and
// GetCredentialsForIdentity logic (ID-token verification against this user pool, role selection in the
// default / token / rules modes), random temporary credentials and the record of every set issued.
// The wire (X-Amz-Target, AWS JSON error shapes) lives in routes/identity.mjs.
import crypto from 'node:crypto';
import { decodeJwt, verifyRs256 } from './jwt.mjs';
import { ROLE_ARN_RE } from './group-roles.mjs';

export const DEFAULT_IDENTITY_POOL = Object.freeze({
  identityPoolId: 'eu-west-1:11111111-2222-3333-4444-555555555555',
  clientIds: Object.freeze(['testclient1']),
  authenticatedRoleArn: 'arn:aws:iam::123456789012:role/cognito-authenticated',
  roleMapping: 'token',
  ambiguousRoleResolution: 'AuthenticatedRole',
  rules: Object.freeze([]),
});

export const DEFAULT_CREDENTIALS_SECONDS = 3600;
/** How Credentials.Expiration is written: Cognito itself sends Java-style scientific notation (1.712345678E9). */
export const EXPIRATION_FORMATS = ['exponent', 'fraction', 'integer'];
export const ROLE_MAPPINGS = ['default', 'token', 'rules'];
export const AMBIGUOUS = ['AuthenticatedRole', 'Deny'];
export const MATCH_TYPES = ['Equals', 'Contains', 'StartsWith', 'NotEqual'];

const ID_RE = /^[\w-]+:[0-9a-f-]+$/; // IdentityPoolId and IdentityId: REGION:GUID (AWS pattern, 1..55 chars)
const ACCOUNT_RE = /^\d{1,15}$/;
const COGNITO_PROVIDER_RE = /^cognito-idp\.([a-z0-9-]+)\.amazonaws\.com\/(([a-z0-9-]+)_[0-9A-Za-z]+)$/;
const MAX_ISSUED = 1000;
const BAD_TOKEN = 'Invalid login token. Not a valid OpenId Connect identity token.';
const BAD_SIGNATURE = "Invalid login token. Couldn't verify signed token.";
const INVALID_CONFIG = 'Invalid identity pool configuration. Check assigned IAM roles for this pool.';

/** An AWS error answer: `type` is the __type (NotAuthorizedException …); `detail` goes to the event log only. */
export class IdentityError extends Error {
  constructor(type, message, detail = null) {
    super(message);
    this.type = type;
    this.detail = detail;
  }
}

const invalidParameter = (m, d) => new IdentityError('InvalidParameterException', m, d);
const notAuthorized = (m, d) => new IdentityError('NotAuthorizedException', m, d);
const notFound = (m, d) => new IdentityError('ResourceNotFoundException', m, d);
const invalidConfig = (d, m = INVALID_CONFIG) => new IdentityError('InvalidIdentityPoolConfigurationException', m, d);

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkId(value, name) {
  if (value == null) throw invalidParameter(`1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
  if (typeof value !== 'string' || value.length < 1 || value.length > 55 || !ID_RE.test(value)) {
    throw invalidParameter(`1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+`);
  }
  return value;
}

/** Logins map: absent → {}; otherwise ≤ 10 string entries; a cognito-idp key must be well formed. */
function checkLogins(logins) {
  if (logins == null) return {};
  if (!isPlainObject(logins)) throw invalidParameter('Logins must be a map of provider names to tokens');
  const entries = Object.entries(logins);
  if (entries.length > 10) throw invalidParameter('Logins may hold at most 10 entries');
  for (const [k, v] of entries) {
    if (!k || k.length > 128) throw invalidParameter('Logins keys must be 1 to 128 characters long');
    if (typeof v !== 'string' || !v || v.length > 50000) throw invalidParameter(`Logins value for ${k} must be a token of 1 to 50000 characters`);
    if (k.startsWith('cognito-idp')) {
      const m = COGNITO_PROVIDER_RE.exec(k);
      if (!m || m[1] !== m[3]) throw invalidParameter(`Invalid login provider name: ${k} (expected cognito-idp.<region>.amazonaws.com/<region>_<id>)`, 'Logins key wrong shape');
    }
  }
  return logins;
}

/** UUID-shaped, deterministic: the same user of the same user pool always gets the same identity. */
function derivedGuid(...parts) {
  const h = crypto.createHash('sha256').update(parts.join('\n')).digest();
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const UPPER_B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function randomFrom(alphabet, n) {
  const bytes = crypto.randomBytes(n);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

/** STS-shaped temporary credentials: ASIA… key id (20), 40-char secret, ~800-char base64 session token. */
export function newCredentials() {
  return {
    accessKeyId: `ASIA${randomFrom(UPPER_B32, 16)}`,
    secretKey: crypto.randomBytes(30).toString('base64'), // 40 chars of [A-Za-z0-9+/]
    // Real session tokens start with this prefix and contain + / and = padding.
    sessionToken: `IQoJb3JpZ2luX2Vj${crypto.randomBytes(592).toString('base64')}`,
  };
}

/** Credentials.Expiration as JSON number text. `ms` is the exact expiry in epoch milliseconds. */
export function expirationText(ms, format) {
  const sec = Math.floor(ms / 1000);
  if (format === 'integer') return String(sec);
  if (format === 'fraction') return `${sec}.${String(ms % 1000).padStart(3, '0')}`;
  // Java Double.toString of whole seconds: d.ddddE9 with trailing zeros trimmed (at least one digit).
  const digits = String(sec);
  const frac = digits.slice(1).replace(/0+$/, '') || '0';
  return `${digits[0]}.${frac}E${digits.length - 1}`;
}

/** Does a token claim (string, number, boolean or array of them) satisfy a rule? Missing claim: never. */
function ruleMatches(claimValue, matchType, value) {
  if (claimValue === undefined || claimValue === null) return false;
  const values = (Array.isArray(claimValue) ? claimValue : [claimValue]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  switch (matchType) {
    case 'Equals': return values.includes(value);
    case 'NotEqual': return !values.includes(value);
    case 'Contains': return values.some((v) => v.includes(value));
    case 'StartsWith': return values.some((v) => v.startsWith(value));
    default: return false;
  }
}

/** Validate an identity pool config (merged over `base`); throws Error with a readable message. */
export function normalizeIdentityPool(input, base = DEFAULT_IDENTITY_POOL) {
  if (!isPlainObject(input)) throw new Error('identity pool config must be an object');
  const p = { ...base, ...input };
  if (typeof p.identityPoolId !== 'string' || !ID_RE.test(p.identityPoolId) || p.identityPoolId.length > 55) {
    throw new Error('identityPoolId must look like eu-west-1:11111111-2222-3333-4444-555555555555');
  }
  if (!Array.isArray(p.clientIds) || !p.clientIds.every((c) => typeof c === 'string' && c)) throw new Error('clientIds must be an array of app client ids');
  if (p.authenticatedRoleArn !== null && (typeof p.authenticatedRoleArn !== 'string' || !ROLE_ARN_RE.test(p.authenticatedRoleArn))) {
    throw new Error('authenticatedRoleArn must be a role ARN (arn:aws:iam::123456789012:role/name) or null');
  }
  if (!ROLE_MAPPINGS.includes(p.roleMapping)) throw new Error(`roleMapping must be one of ${ROLE_MAPPINGS.join(', ')}`);
  if (!AMBIGUOUS.includes(p.ambiguousRoleResolution)) throw new Error(`ambiguousRoleResolution must be one of ${AMBIGUOUS.join(', ')}`);
  if (!Array.isArray(p.rules) || p.rules.length > 25) throw new Error('rules must be an array of at most 25 rules');
  const rules = p.rules.map((r, i) => {
    if (!isPlainObject(r)) throw new Error(`rules[${i}] must be {claim, matchType, value, roleArn}`);
    if (typeof r.claim !== 'string' || !r.claim) throw new Error(`rules[${i}].claim must be a claim name`);
    if (!MATCH_TYPES.includes(r.matchType)) throw new Error(`rules[${i}].matchType must be one of ${MATCH_TYPES.join(', ')}`);
    if (typeof r.value !== 'string') throw new Error(`rules[${i}].value must be a string`);
    if (typeof r.roleArn !== 'string' || !ROLE_ARN_RE.test(r.roleArn)) throw new Error(`rules[${i}].roleArn must be a role ARN`);
    return { claim: r.claim, matchType: r.matchType, value: r.value, roleArn: r.roleArn };
  });
  return {
    identityPoolId: p.identityPoolId,
    clientIds: [...p.clientIds],
    authenticatedRoleArn: p.authenticatedRoleArn,
    roleMapping: p.roleMapping,
    ambiguousRoleResolution: p.ambiguousRoleResolution,
    rules,
  };
}

export class IdentityPoolService {
  constructor(state) {
    this.state = state;
    this.reset();
  }

  /** Back to startup: the default identity pool only, no identities, nothing issued, 3600 s, 'exponent'. */
  reset() {
    this.pools = new Map([[DEFAULT_IDENTITY_POOL.identityPoolId, normalizeIdentityPool({})]]);
    this.identities = new Map(); // identityId → {identityId, identityPoolId, providerName, sub, username, createdAt}
    this.issued = [];
    this.credentialsSeconds = DEFAULT_CREDENTIALS_SECONDS;
    this.expirationFormat = 'exponent';
  }

  /** This user pool's provider name, the only Logins key the identity pools accept. */
  get providerName() {
    const region = this.state.poolId.split('_')[0];
    return `cognito-idp.${region}.amazonaws.com/${this.state.poolId}`;
  }

  // ---- configuration (test controls)

  allPools() {
    return [...this.pools.values()];
  }

  /** Create or update (fields merge over the existing pool; a new id starts from the defaults). */
  upsertPool(input = {}) {
    const id = input.identityPoolId ?? DEFAULT_IDENTITY_POOL.identityPoolId;
    if (input.delete === true) {
      if (!this.pools.delete(id)) throw new Error(`unknown identity pool: ${id}`);
      return { identityPoolId: id, deleted: true };
    }
    const { delete: _ignored, ...rest } = input;
    const pool = normalizeIdentityPool({ ...rest, identityPoolId: id }, this.pools.get(id) || DEFAULT_IDENTITY_POOL);
    this.pools.set(id, pool);
    return pool;
  }

  setLifetime({ seconds, expirationFormat } = {}) {
    if (seconds != null) {
      if (!Number.isInteger(seconds) || seconds < -86400 || seconds > 12 * 3600) throw new Error('seconds must be an integer from -86400 to 43200');
      this.credentialsSeconds = seconds;
    }
    if (expirationFormat != null) {
      if (!EXPIRATION_FORMATS.includes(expirationFormat)) throw new Error(`expirationFormat must be one of ${EXPIRATION_FORMATS.join(', ')}`);
      this.expirationFormat = expirationFormat;
    }
    return this.lifetime();
  }

  lifetime() {
    return { seconds: this.credentialsSeconds, expirationFormat: this.expirationFormat };
  }

  /** The issued credential set whose AccessKeyId this is (for fake AWS services in tests), or null. */
  credentialsByAccessKeyId(accessKeyId) {
    return this.issued.find((c) => c.accessKeyId === accessKeyId) || null;
  }

  // ---- the operations. `body` is the parsed JSON request; throws IdentityError.

  /** GetId → {identityId, username, clientId}. */
  getId(body) {
    const identityPoolId = checkId(body.IdentityPoolId, 'identityPoolId');
    if (body.AccountId != null && (typeof body.AccountId !== 'string' || !ACCOUNT_RE.test(body.AccountId))) {
      throw invalidParameter("1 validation error detected: Value at 'accountId' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d+");
    }
    const logins = checkLogins(body.Logins);
    const pool = this.pools.get(identityPoolId);
    if (!pool) throw notFound(`IdentityPool '${identityPoolId}' not found.`, { identityPoolId });
    const claims = this.verifyLogins(pool, logins);
    const region = identityPoolId.split(':')[0];
    const identityId = `${region}:${derivedGuid(identityPoolId, this.providerName, claims.sub)}`;
    if (!this.identities.has(identityId)) {
      this.identities.set(identityId, {
        identityId, identityPoolId, providerName: this.providerName, sub: claims.sub,
        username: claims['cognito:username'] ?? null, createdAt: Date.now(),
      });
    }
    return { identityId, username: claims['cognito:username'] ?? null, clientId: claims.aud };
  }

  /** GetCredentialsForIdentity → {identityId, expirationText, record}. */
  getCredentials(body) {
    const identityId = checkId(body.IdentityId, 'identityId');
    const custom = body.CustomRoleArn ?? null;
    if (custom !== null && (typeof custom !== 'string' || custom.length < 20 || custom.length > 2048)) {
      throw invalidParameter("1 validation error detected: Value at 'customRoleArn' failed to satisfy constraint: Member must have length between 20 and 2048");
    }
    const logins = checkLogins(body.Logins);
    const identity = this.identities.get(identityId);
    if (!identity) throw notFound(`Identity '${identityId}' not found.`, { identityId });
    const pool = this.pools.get(identity.identityPoolId);
    if (!pool) throw notFound(`IdentityPool '${identity.identityPoolId}' not found.`, { identityPoolId: identity.identityPoolId });
    const claims = this.verifyLogins(pool, logins);
    if (claims.sub !== identity.sub) {
      throw notAuthorized("Logins don't match. Please include at least one valid login for this identity or identity pool.", 'token belongs to another identity');
    }
    const { roleArn, reason } = this.chooseRole(pool, claims, custom);
    const now = Date.now();
    const expMs = now + this.credentialsSeconds * 1000;
    const text = expirationText(expMs, this.expirationFormat);
    const record = {
      t: now,
      identityPoolId: pool.identityPoolId,
      identityId,
      roleArn,
      roleReason: reason,
      ...newCredentials(),
      expiration: Number(text),
      username: claims['cognito:username'] ?? null,
      sub: claims.sub,
      clientId: claims.aud,
    };
    this.issued.push(record);
    if (this.issued.length > MAX_ISSUED) this.issued.splice(0, this.issued.length - MAX_ISSUED);
    return { identityId, expirationText: text, record };
  }

  // ---- the checks

  /** The pool accepts exactly one provider: this user pool. Returns the verified ID-token claims. */
  verifyLogins(pool, logins) {
    const keys = Object.keys(logins);
    if (!keys.length) throw notAuthorized('Unauthenticated access is not supported for this identity pool.', 'no Logins');
    for (const k of keys) {
      if (k !== this.providerName) throw notAuthorized('Token is not from a supported provider of this identity pool.', { provider: k });
    }
    return this.verifyIdToken(pool, logins[this.providerName]);
  }

  /** RS256 with this pool's ID key (or a kept old one), iss, token_use id, aud among the pool's clients, exp. */
  verifyIdToken(pool, token) {
    const d = decodeJwt(token);
    if (!d) throw notAuthorized(BAD_TOKEN, 'not a JWT');
    if (d.header.alg !== 'RS256') throw notAuthorized(BAD_SIGNATURE, `alg ${d.header.alg}`);
    const key = this.state.keys.idVerificationKey(d.header.kid);
    if (!key) throw notAuthorized(BAD_SIGNATURE, 'kid is not an ID-token key of the user pool');
    if (!verifyRs256(d, key.publicKey)) throw notAuthorized(BAD_SIGNATURE, 'bad signature');
    const p = d.payload;
    if (p.iss !== this.state.issuer) throw notAuthorized("Invalid login token. Issuer doesn't match providerName", { iss: p.iss });
    if (p.token_use !== 'id') throw notAuthorized(BAD_TOKEN, `token_use ${p.token_use}`);
    if (typeof p.sub !== 'string' || !p.sub) throw notAuthorized(BAD_TOKEN, 'no sub');
    const auds = Array.isArray(p.aud) ? p.aud : [p.aud];
    if (!auds.some((a) => typeof a === 'string' && pool.clientIds.includes(a))) {
      throw notAuthorized('Invalid login token. Incorrect token audience.', { aud: p.aud });
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof p.exp !== 'number') throw notAuthorized(BAD_TOKEN, 'no exp');
    if (p.exp <= now) throw notAuthorized(`Invalid login token. Token expired: ${now} >= ${p.exp}`, 'expired');
    return p;
  }

  /** → {roleArn, reason}; InvalidIdentityPoolConfigurationException when no role can be chosen. */
  chooseRole(pool, claims, customRoleArn) {
    const authenticated = (reason) => {
      if (!pool.authenticatedRoleArn) throw invalidConfig(`${reason}; the pool has no authenticated role`);
      return { roleArn: pool.authenticatedRoleArn, reason };
    };
    const ambiguous = (why) => {
      if (pool.ambiguousRoleResolution === 'Deny') throw invalidConfig(`${why}; AmbiguousRoleResolution is Deny`);
      return authenticated(`${why}: authenticated role`);
    };
    if (pool.roleMapping === 'default') return authenticated('default');
    if (pool.roleMapping === 'token') {
      const raw = claims['cognito:roles'];
      const roles = (Array.isArray(raw) ? raw : raw == null ? [] : [raw]).filter((r) => typeof r === 'string');
      if (customRoleArn !== null) {
        if (roles.includes(customRoleArn)) return { roleArn: customRoleArn, reason: 'CustomRoleArn' };
        throw invalidConfig('CustomRoleArn not in cognito:roles', 'Invalid identity pool configuration. The CustomRoleArn is not one of the roles in the token (cognito:roles).');
      }
      const preferred = claims['cognito:preferred_role'];
      if (typeof preferred === 'string' && preferred) return { roleArn: preferred, reason: 'cognito:preferred_role' };
      return ambiguous(roles.length ? 'no cognito:preferred_role' : 'no role claims in the token');
    }
    for (const [i, r] of pool.rules.entries()) {
      if (ruleMatches(claims[r.claim], r.matchType, r.value)) return { roleArn: r.roleArn, reason: `rule ${i}` };
    }
    return ambiguous('no rule matched');
  }
}
