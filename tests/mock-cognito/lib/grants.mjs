// grants.mjs — server-side records: Hosted-UI sessions, authorization codes, refresh tokens, revocation state.
import crypto from 'node:crypto';
import { normalizeUsername } from './users.mjs';

const CODE_TTL_MS = 5 * 60 * 1000; // Cognito: codes are single-use and live 5 minutes
const SESSION_TTL_MS = 60 * 60 * 1000; // Hosted-UI session cookie: 1 hour

const hash = (s) => crypto.createHash('sha256').update(String(s)).digest('base64url');

export class GrantStore {
  constructor() {
    this.clear();
  }

  clear() {
    this.sessions = new Map(); // cookie value -> {username, authTime, expiresAt}
    this.codes = new Map(); // code -> {...binding, expiresAt}
    this.refresh = new Map(); // sha256(token) -> record
    this.revokedOrigins = new Set(); // origin_jti values whose access tokens userInfo refuses
    this.signedOutAt = new Map(); // normalized username -> ms of last global sign-out
    this.origins = new Map(); // normalized username -> Set(origin_jti)
  }

  // ---- Hosted UI sessions
  createSession(username, authTime) {
    const id = crypto.randomBytes(32).toString('base64url');
    this.sessions.set(id, { username, authTime, expiresAt: Date.now() + SESSION_TTL_MS });
    return id;
  }

  getSession(id) {
    const s = id && this.sessions.get(id);
    if (!s) return null;
    if (s.expiresAt <= Date.now()) {
      this.sessions.delete(id);
      return null;
    }
    return s;
  }

  deleteSession(id) {
    if (id) this.sessions.delete(id);
  }

  // ---- Authorization codes
  createCode(binding) {
    const code = crypto.randomUUID();
    this.codes.set(code, { ...binding, expiresAt: Date.now() + CODE_TTL_MS });
    return code;
  }

  /** Single use: the code is gone after this call whatever the outcome. */
  consumeCode(code) {
    if (typeof code !== 'string') return null;
    const rec = this.codes.get(code);
    if (!rec) return null;
    this.codes.delete(code);
    if (rec.expiresAt <= Date.now()) return null;
    return rec;
  }

  // ---- Refresh tokens
  storeRefresh(token, rec) {
    this.refresh.set(hash(token), { ...rec, createdAt: Date.now(), revoked: false, invalidAfter: null });
    this.trackOrigin(rec.username, rec.originJti);
  }

  /** Returns {rec} or {reason} ('unknown'|'expired'|'revoked'|'rotated'). */
  lookupRefresh(token) {
    if (typeof token !== 'string') return { reason: 'unknown' };
    const rec = this.refresh.get(hash(token));
    if (!rec) return { reason: 'unknown' };
    const now = Date.now();
    if (rec.revoked) return { reason: 'revoked', rec };
    if (rec.expiresAt <= now) return { reason: 'expired', rec };
    if (rec.invalidAfter != null && rec.invalidAfter <= now) return { reason: 'rotated', rec };
    return { rec };
  }

  /** Rotation: the old token keeps working for graceSeconds (0 → immediately invalid). */
  retireRefresh(rec, graceSeconds) {
    if (rec.invalidAfter == null) rec.invalidAfter = Date.now() + graceSeconds * 1000;
  }

  /** Revoke every refresh token of one sign-in (same origin_jti) and the access tokens issued from it. */
  revokeOrigin(originJti) {
    this.revokedOrigins.add(originJti);
    let n = 0;
    for (const rec of this.refresh.values()) {
      if (rec.originJti === originJti && !rec.revoked) {
        rec.revoked = true;
        n++;
      }
    }
    return n;
  }

  trackOrigin(username, originJti) {
    const key = normalizeUsername(username);
    let set = this.origins.get(key);
    if (!set) this.origins.set(key, (set = new Set()));
    set.add(originJti);
  }

  /** AdminUserGlobalSignOut: all refresh tokens dead, access tokens refused by userInfo. Sessions cookies stay. */
  globalSignOut(username) {
    const key = normalizeUsername(username);
    this.signedOutAt.set(key, Date.now());
    let n = 0;
    for (const rec of this.refresh.values()) {
      if (normalizeUsername(rec.username) === key && !rec.revoked) {
        rec.revoked = true;
        n++;
      }
    }
    for (const o of this.origins.get(key) || []) this.revokedOrigins.add(o);
    this.origins.delete(key);
    return n;
  }

  /** For userInfo: is this (signature-checked) access token revoked or from before a global sign-out? */
  isAccessRevoked(payload) {
    if (payload.origin_jti && this.revokedOrigins.has(payload.origin_jti)) return true;
    const key = payload.username != null ? normalizeUsername(payload.username) : null;
    const t = key && this.signedOutAt.get(key);
    if (t && typeof payload.iat === 'number' && payload.iat * 1000 < t - 999) return true;
    return false;
  }

  sweep() {
    const now = Date.now();
    for (const [k, v] of this.codes) if (v.expiresAt <= now) this.codes.delete(k);
    for (const [k, v] of this.sessions) if (v.expiresAt <= now) this.sessions.delete(k);
    for (const [k, v] of this.refresh) {
      if (v.expiresAt <= now || (v.invalidAfter != null && v.invalidAfter + 60000 <= now)) this.refresh.delete(k);
    }
  }
}
