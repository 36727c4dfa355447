// jwt.mjs — base64url helpers and compact JWS encode/decode/sign/verify (RS256 via node:crypto).
import crypto from 'node:crypto';

export function b64u(buf) {
  return Buffer.from(buf).toString('base64url');
}

export function b64uJson(obj) {
  return b64u(Buffer.from(JSON.stringify(obj), 'utf8'));
}

/** Sign header+payload with RS256 (privateKey: KeyObject). Returns the compact JWS. */
export function signRs256(header, payload, privateKey) {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  const sig = crypto.sign('sha256', Buffer.from(input), privateKey);
  return `${input}.${b64u(sig)}`;
}

/** HS256 with an arbitrary secret (used for the alg-confusion test token). */
export function signHs256(header, payload, secret) {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  const sig = crypto.createHmac('sha256', secret).update(input).digest();
  return `${input}.${b64u(sig)}`;
}

/** Split and parse a compact JWS without verifying it. Returns null when it is not one. */
export function decodeJwt(token) {
  if (typeof token !== 'string' || token.length > 256 * 1024) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  if (!parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p))) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (!header || typeof header !== 'object' || Array.isArray(header)) return null;
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return null;
    return {
      header,
      payload,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return null;
  }
}

/** Verify an RS256 signature of a decoded token with a public KeyObject. */
export function verifyRs256(decoded, publicKey) {
  if (!decoded || decoded.header.alg !== 'RS256') return false;
  try {
    return crypto.verify('sha256', Buffer.from(decoded.signingInput), publicKey, decoded.signature);
  } catch {
    return false;
  }
}

/** OIDC at_hash: base64url of the left half of SHA-256 of the access token's ASCII octets. */
export function atHash(accessToken) {
  const digest = crypto.createHash('sha256').update(accessToken, 'ascii').digest();
  return b64u(digest.subarray(0, digest.length / 2));
}
