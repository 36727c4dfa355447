// tamper.mjs — test-only rewriting of the tokens in the next token responses (POST /_test/tamper), and the
// record of issued token responses (GET /_test/issued). Never part of real Cognito: it lets a relying party's
// tests get an ID/access token with a wrong nonce, aud or iss, or a bad signature, from the real code flow.
import crypto from 'node:crypto';
import { b64u, b64uJson, decodeJwt, signRs256 } from './jwt.mjs';

export const TAMPER_GRANTS = ['authorization_code', 'refresh_token', 'any'];
export const TAMPER_SIGNS = ['id', 'access', 'weak', 'garbage-signature', 'none'];
const MAX_ISSUED = 1000;

function checkSpec(name, spec) {
  if (spec == null) return null;
  if (typeof spec !== 'object' || Array.isArray(spec)) throw new Error(`${name} must be an object`);
  for (const k of Object.keys(spec)) {
    if (!['claims', 'header', 'sign'].includes(k)) throw new Error(`${name}.${k} is not one of claims, header, sign`);
  }
  for (const k of ['claims', 'header']) {
    if (spec[k] != null && (typeof spec[k] !== 'object' || Array.isArray(spec[k]))) throw new Error(`${name}.${k} must be an object`);
  }
  if (spec.sign != null && !TAMPER_SIGNS.includes(spec.sign)) throw new Error(`${name}.sign must be one of ${TAMPER_SIGNS.join(', ')}`);
  return { claims: spec.claims || {}, header: spec.header || {}, sign: spec.sign ?? null };
}

const overlay = (obj, changes) => {
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete obj[k];
    else obj[k] = v;
  }
  return obj;
};

export class Tamper {
  constructor() {
    this.clear();
  }

  clear() {
    this.rules = [];
    this.issued = [];
  }

  /** body: {idToken?, accessToken?, grant?: 'authorization_code'|'refresh_token'|'any', times?: N} or {mode: 'off'}. */
  set(b) {
    if (b.mode === 'off') {
      this.rules = [];
      return this.list();
    }
    const idToken = checkSpec('idToken', b.idToken);
    const accessToken = checkSpec('accessToken', b.accessToken);
    if (!idToken && !accessToken) throw new Error('give idToken and/or accessToken ({claims, header, sign}), or mode: off');
    const grant = b.grant ?? 'any';
    if (!TAMPER_GRANTS.includes(grant)) throw new Error(`grant must be one of ${TAMPER_GRANTS.join(', ')}`);
    const times = b.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error('times must be a positive integer');
    this.rules.push({ idToken, accessToken, grant, remaining: times });
    return this.list();
  }

  list() {
    return this.rules.map((r) => ({ idToken: r.idToken, accessToken: r.accessToken, grant: r.grant, remaining: r.remaining }));
  }

  /** The first rule for this grant, counted down. */
  take(grant) {
    const i = this.rules.findIndex((r) => r.grant === 'any' || r.grant === grant);
    if (i < 0) return null;
    const r = this.rules[i];
    if (--r.remaining <= 0) this.rules.splice(i, 1);
    return r;
  }

  /** Rewrites out.id_token / out.access_token in place per the rule for `grant`. Returns true when it did. */
  apply(state, grant, out) {
    const rule = this.take(grant);
    if (!rule) return false;
    if (rule.idToken && out.id_token) out.id_token = rewrite(state, out.id_token, rule.idToken, 'id');
    if (rule.accessToken && out.access_token) out.access_token = rewrite(state, out.access_token, rule.accessToken, 'access');
    return true;
  }

  record(entry) {
    this.issued.push({ t: Date.now(), ...entry });
    if (this.issued.length > MAX_ISSUED) this.issued.splice(0, this.issued.length - MAX_ISSUED);
  }
}

function rewrite(state, token, spec, defaultKey) {
  const d = decodeJwt(token);
  const payload = overlay({ ...d.payload }, spec.claims);
  const sign = spec.sign || defaultKey;
  const keys = state.keys;
  switch (sign) {
    case 'id':
    case 'access':
    case 'weak': {
      const key = keys.byName(sign);
      const header = overlay({ kid: key.kid, alg: 'RS256' }, spec.header);
      return signRs256(header, payload, key.privateKey);
    }
    case 'none': {
      const header = overlay({ ...d.header, alg: 'none' }, spec.header);
      return `${b64uJson(header)}.${b64uJson(payload)}.`;
    }
    case 'garbage-signature':
    default: {
      const header = overlay({ ...d.header }, spec.header);
      return `${b64uJson(header)}.${b64uJson(payload)}.${b64u(crypto.randomBytes(256))}`;
    }
  }
}
