// keys.mjs — the pool's RSA signing keys (ID key, access key, a 1024-bit "weak" key), kids and JWKS rendering.
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPair = promisify(crypto.generateKeyPair);

/** Cognito kids are standard-base64 strings (44 chars, with + / =). Make sure ours contain all three. */
function newKid() {
  for (;;) {
    const kid = crypto.randomBytes(32).toString('base64');
    if (kid.includes('+') && kid.includes('/')) return kid;
  }
}

export async function generateRsaKey(bits = 2048) {
  const { privateKey, publicKey } = await generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  const kid = newKid();
  const { n, e } = publicKey.export({ format: 'jwk' });
  return {
    kid,
    bits,
    privateKey,
    publicKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
    // Same member order as Cognito's jwks.json
    jwk: { alg: 'RS256', e, kid, kty: 'RSA', n, use: 'sig' },
  };
}

export const JWKS_MODES = ['normal', 'weak-only', 'with-weak', 'empty'];

export class KeyStore {
  constructor() {
    this.access = null;
    this.id = null;
    this.weak = null;
    this.retired = []; // old keys still published after rotate-keys {keepOld:true}
    this.mode = 'normal';
  }

  async init() {
    const [access, id, weak] = await Promise.all([generateRsaKey(2048), generateRsaKey(2048), generateRsaKey(1024)]);
    access.purpose = 'access';
    id.purpose = 'id';
    weak.purpose = 'weak';
    this.access = access;
    this.id = id;
    this.weak = weak;
    this.retired = [];
    return this;
  }

  async rotate({ keepOld = false } = {}) {
    const [access, id] = await Promise.all([generateRsaKey(2048), generateRsaKey(2048)]);
    access.purpose = 'access';
    id.purpose = 'id';
    this.retired = keepOld ? [this.id, this.access, ...this.retired] : [];
    this.access = access;
    this.id = id;
    return { access: access.kid, id: id.kid };
  }

  /** The key set as served at /.well-known/jwks.json for the current mode. */
  jwks() {
    switch (this.mode) {
      case 'empty':
        return { keys: [] };
      case 'weak-only':
        return { keys: [this.weak.jwk] };
      case 'with-weak':
        return { keys: [this.id.jwk, this.access.jwk, ...this.retired.map((k) => k.jwk), this.weak.jwk] };
      default:
        return { keys: [this.id.jwk, this.access.jwk, ...this.retired.map((k) => k.jwk)] };
    }
  }

  /** Keys Cognito itself would accept for an access token (userInfo): current + retired-but-published. */
  accessVerificationKey(kid) {
    if (this.mode === 'empty') return null;
    if (this.access.kid === kid) return this.access;
    return this.retired.find((k) => k.kid === kid) || null;
  }

  /**
   * Keys the identity pool (AWS side) accepts for an ID token: the current ID key and ID keys kept after
   * rotation. Not affected by the JWKS mode (that knob only changes what the module is served).
   */
  idVerificationKey(kid) {
    if (this.id.kid === kid) return this.id;
    return this.retired.find((k) => k.purpose === 'id' && k.kid === kid) || null;
  }

  byName(name) {
    return { access: this.access, id: this.id, weak: this.weak }[name] || null;
  }

  describe() {
    const d = (k) => ({ kid: k.kid, bits: k.bits, privateKeyPem: k.privateKeyPem, publicKeyPem: k.publicKeyPem, jwk: k.jwk });
    return { access: d(this.access), id: d(this.id), weak: d(this.weak), retired: this.retired.map(d), jwksMode: this.mode };
  }
}
