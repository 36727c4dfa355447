// users.mjs — the user directory: fixture loading, case-insensitive (NFC) username lookup, validation.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const DEFAULT_USERS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'users.json');

/** Cognito pools created today have case-insensitive usernames; compare in NFC so "zoë" matches either form. */
export function normalizeUsername(name) {
  return String(name).normalize('NFC').toLowerCase();
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Validate and normalise one user record (throws on nonsense). */
export function normalizeUser(input) {
  if (!isPlainObject(input)) throw new Error('user must be an object');
  if (typeof input.username !== 'string' || !input.username) throw new Error('user.username must be a non-empty string');
  const attributes = {};
  for (const [k, v] of Object.entries(input.attributes || {})) {
    if (v === null || v === undefined) continue;
    // custom:* attributes always come out as strings in Cognito tokens, whatever their declared type.
    if (k.startsWith('custom:')) attributes[k] = String(v);
    else if (k === 'email_verified' || k === 'phone_number_verified') attributes[k] = v === true || v === 'true';
    else attributes[k] = v;
  }
  const groups = Array.isArray(input.groups) ? input.groups.map(String) : [];
  return {
    username: input.username.normalize('NFC'),
    password: input.password == null ? null : String(input.password),
    sub: typeof input.sub === 'string' && input.sub ? input.sub : crypto.randomUUID(),
    enabled: input.enabled !== false,
    groups,
    attributes,
    extraIdClaims: isPlainObject(input.extraIdClaims) ? input.extraIdClaims : {},
    extraAccessClaims: isPlainObject(input.extraAccessClaims) ? input.extraAccessClaims : {},
  };
}

export function loadUsersFile(file = DEFAULT_USERS_FILE) {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  const list = Array.isArray(raw) ? raw : raw.users;
  if (!Array.isArray(list)) throw new Error(`${file}: expected an array of users or {"users":[...]}`);
  return list.map(normalizeUser);
}

export class UserStore {
  constructor(users = []) {
    this.map = new Map();
    for (const u of users) this.map.set(normalizeUsername(u.username), u);
  }

  get(username) {
    if (username == null) return null;
    return this.map.get(normalizeUsername(username)) || null;
  }

  all() {
    return [...this.map.values()];
  }

  /** Create or update (shallow-merged) a user; returns the stored record. */
  upsert(input) {
    const existing = this.get(input && input.username);
    const merged = existing
      ? normalizeUser({ ...existing, ...input, attributes: { ...existing.attributes, ...(input.attributes || {}) } })
      : normalizeUser(input);
    this.map.set(normalizeUsername(merged.username), merged);
    return merged;
  }

  delete(username) {
    return this.map.delete(normalizeUsername(username));
  }

  static publicView(u) {
    const { password, ...rest } = u;
    return rest;
  }

  /** Check a password in constant time. */
  static checkPassword(user, password) {
    if (!user || user.password == null || typeof password !== 'string') return false;
    const a = crypto.createHash('sha256').update(user.password, 'utf8').digest();
    const b = crypto.createHash('sha256').update(password, 'utf8').digest();
    return crypto.timingSafeEqual(a, b);
  }
}
