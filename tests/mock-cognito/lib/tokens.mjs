// tokens.mjs — builds and signs Cognito-shaped access and ID tokens, opaque refresh tokens, and test mints.
import crypto from 'node:crypto';
import { b64u, b64uJson, signRs256, signHs256, atHash } from './jwt.mjs';
import { groupRoleClaims } from './group-roles.mjs';

// Claims a pre-token-generation trigger cannot change (Cognito docs); extra*Claims never override them.
const PROTECTED = new Set([
  'acr', 'amr', 'aud', 'at_hash', 'auth_time', 'azp', 'cognito:username', 'exp', 'iat', 'identities', 'iss', 'jti',
  'nbf', 'nonce', 'origin_jti', 'sub', 'token_use', 'client_id', 'username', 'scope', 'version', 'event_id',
]);

const nowSec = () => Math.floor(Date.now() / 1000);

/** Refresh tokens are opaque JWE-shaped strings (5 base64url parts), like Cognito's encrypted ones. */
export function newRefreshTokenString() {
  const header = b64uJson({ cty: 'JWT', enc: 'A256GCM', alg: 'RSA-OAEP' });
  return [header, b64u(crypto.randomBytes(256)), b64u(crypto.randomBytes(12)), b64u(crypto.randomBytes(1200)), b64u(crypto.randomBytes(16))].join('.');
}

function addExtras(claims, extras) {
  for (const [k, v] of Object.entries(extras || {})) if (!PROTECTED.has(k)) claims[k] = v;
  return claims;
}

export class TokenService {
  constructor(state) {
    this.state = state;
  }

  /** Effective lifetimes (seconds) for a client: per-client override, else the pool setting. */
  lifetimes(client) {
    const p = this.state.lifetimes;
    const pick = (k) => (client && client[k] != null ? client[k] : p[k]);
    return { access: pick('accessTokenSeconds'), id: pick('idTokenSeconds'), refresh: pick('refreshTokenSeconds') };
  }

  accessClaims({ user, clientId, scopes, authTime, originJti, eventId, iat, exp, jti }) {
    const c = { sub: user.sub };
    if (user.groups.length) c['cognito:groups'] = [...user.groups];
    Object.assign(c, {
      iss: this.state.issuer,
      version: 2,
      client_id: clientId,
      origin_jti: originJti,
      event_id: eventId,
      token_use: 'access',
      scope: scopes.join(' '),
      auth_time: authTime,
      exp,
      iat,
      jti,
      username: user.username,
    });
    return addExtras(c, user.extraAccessClaims);
  }

  idClaims({ user, clientId, authTime, originJti, eventId, nonce, accessToken, iat, exp, jti }) {
    const c = {};
    if (accessToken) c.at_hash = atHash(accessToken);
    c.sub = user.sub;
    if (user.groups.length) c['cognito:groups'] = [...user.groups];
    const a = user.attributes;
    if ('email_verified' in a) c.email_verified = a.email_verified;
    // Groups with IAM roles (state.groupRoles): placed where Cognito's documented example ID token has them.
    // A user's extraIdClaims may still override them, as a V2 trigger's groupOverrideDetails can.
    const roles = groupRoleClaims(user.groups, this.state.groupRoles);
    if (roles.preferred) c['cognito:preferred_role'] = roles.preferred;
    Object.assign(c, {
      iss: this.state.issuer,
      'cognito:username': user.username,
      origin_jti: originJti,
    });
    if (roles.roles) c['cognito:roles'] = roles.roles;
    Object.assign(c, {
      aud: clientId,
      event_id: eventId,
      token_use: 'id',
      auth_time: authTime,
    });
    for (const [k, v] of Object.entries(a)) {
      if (k === 'email' || k === 'email_verified' || k.startsWith('custom:') || k === 'sub') continue;
      c[k] = v;
    }
    if (nonce != null) c.nonce = nonce;
    Object.assign(c, { exp, iat, jti });
    if ('email' in a) c.email = a.email;
    for (const [k, v] of Object.entries(a)) if (k.startsWith('custom:')) c[k] = v;
    return addExtras(c, user.extraIdClaims);
  }

  signWith(keyName, payload, headerOverrides) {
    const key = this.state.keys.byName(keyName);
    const header = { kid: key.kid, alg: 'RS256', ...(headerOverrides || {}) };
    return signRs256(header, payload, key.privateKey);
  }

  /**
   * Access (+ ID when `openid` was granted) tokens for a user session.
   * `nonce` null on refresh (refreshed ID tokens carry no nonce); auth_time/origin_jti/event_id are preserved.
   */
  issueUserTokens({ user, client, scopes, authTime, originJti, eventId, nonce }) {
    const lt = this.lifetimes(client);
    const iat = nowSec();
    const access = this.signWith(
      'access',
      this.accessClaims({ user, clientId: client.clientId, scopes, authTime, originJti, eventId, iat, exp: iat + lt.access, jti: crypto.randomUUID() }),
    );
    const out = { access_token: access, expires_in: lt.access };
    if (scopes.includes('openid')) {
      out.id_token = this.signWith(
        'id',
        this.idClaims({ user, clientId: client.clientId, authTime, originJti, eventId, nonce, accessToken: access, iat, exp: iat + lt.id, jti: crypto.randomUUID() }),
      );
    }
    return out;
  }

  /** client_credentials: access token only, sub = client_id, no username/origin_jti (as Cognito M2M tokens). */
  issueClientCredentials(client, scopes) {
    const lt = this.lifetimes(client);
    const iat = nowSec();
    const payload = {
      sub: client.clientId,
      token_use: 'access',
      scope: scopes.join(' '),
      auth_time: iat,
      iss: this.state.issuer,
      exp: iat + lt.access,
      iat,
      version: 2,
      jti: crypto.randomUUID(),
      client_id: client.clientId,
    };
    return { access_token: this.signWith('access', payload), expires_in: lt.access };
  }

  /**
   * /_test/mint. Overrides are applied before signing; null deletes a claim/header member.
   * Returns {token, header, payload}. Throws Error(message) for unknown users/sign modes.
   */
  mint(opts = {}) {
    const tokenUse = opts.tokenUse || 'access';
    if (tokenUse !== 'access' && tokenUse !== 'id') throw new Error("tokenUse must be 'access' or 'id'");
    const clientId = opts.clientId || 'testclient1';
    const client = this.state.clients.get(clientId);
    const lt = this.lifetimes(client);
    const iat = nowSec();
    const expiresIn = Number.isFinite(opts.expiresIn) ? opts.expiresIn : tokenUse === 'access' ? lt.access : lt.id;
    const originJti = crypto.randomUUID();
    const eventId = crypto.randomUUID();
    let payload;
    if (opts.username === null && tokenUse === 'access') {
      const scopes = String(opts.scope ?? 'orders/read').split(' ').filter(Boolean);
      payload = {
        sub: clientId, token_use: 'access', scope: scopes.join(' '), auth_time: iat, iss: this.state.issuer,
        exp: iat + expiresIn, iat, version: 2, jti: crypto.randomUUID(), client_id: clientId,
      };
    } else {
      const username = opts.username ?? 'alice';
      const user = this.state.users.get(username);
      if (!user) throw new Error(`unknown user: ${username}`);
      this.state.grants.trackOrigin(user.username, originJti);
      const common = { user, clientId, authTime: Number.isFinite(opts.authTime) ? opts.authTime : iat, originJti, eventId, iat, exp: iat + expiresIn, jti: crypto.randomUUID() };
      if (tokenUse === 'access') {
        const scopes = String(opts.scope ?? 'openid email orders/read').split(' ').filter(Boolean);
        payload = this.accessClaims({ ...common, scopes });
      } else {
        payload = this.idClaims({ ...common, nonce: opts.nonce ?? null, accessToken: null });
      }
    }
    for (const [k, v] of Object.entries(opts.claims || {})) {
      if (v === null) delete payload[k];
      else payload[k] = v;
    }

    const sign = opts.sign || tokenUse;
    const keys = this.state.keys;
    let header;
    let token;
    const applyHeader = (h) => {
      for (const [k, v] of Object.entries(opts.header || {})) {
        if (v === null) delete h[k];
        else h[k] = v;
      }
      return h;
    };
    switch (sign) {
      case 'access':
      case 'id':
      case 'weak': {
        const key = keys.byName(sign);
        header = applyHeader({ kid: key.kid, alg: 'RS256' });
        token = signRs256(header, payload, key.privateKey);
        break;
      }
      case 'none':
        header = applyHeader({ kid: keys.access.kid, alg: 'none' });
        token = `${b64uJson(header)}.${b64uJson(payload)}.`;
        break;
      case 'hs256-with-public-key':
        header = applyHeader({ kid: keys.access.kid, alg: 'HS256' });
        token = signHs256(header, payload, keys.access.publicKeyPem);
        break;
      case 'unsigned-garbage':
        header = applyHeader({ kid: tokenUse === 'id' ? keys.id.kid : keys.access.kid, alg: 'RS256' });
        token = `${b64uJson(header)}.${b64uJson(payload)}.${b64u(crypto.randomBytes(256))}`;
        break;
      default:
        throw new Error("sign must be one of access, id, weak, none, hs256-with-public-key, unsigned-garbage");
    }
    return { token, header, payload };
  }
}
