// Hand-made JWTs for the integration tests (node:crypto only).
import crypto from 'node:crypto';

export const b64u = (buf) => Buffer.from(buf).toString('base64url');
export const b64uJson = (v) => b64u(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8'));

/** Signs "<headerSeg>.<payloadSeg>" with RS256; header/payload may be objects or raw strings. */
export function signRs256Raw(headerSeg, payloadSeg, privateKeyPem) {
  const input = `${headerSeg}.${payloadSeg}`;
  const sig = crypto.sign('sha256', Buffer.from(input), privateKeyPem);
  return `${input}.${b64u(sig)}`;
}

export function signRs256(header, payload, privateKeyPem) {
  return signRs256Raw(b64uJson(header), b64uJson(payload), privateKeyPem);
}

export function decode(token) {
  const [h, p, s] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
    segments: [h, p, s],
  };
}

/** Replaces the payload segment, keeping the original header and signature. */
export function alterPayload(token, mutate) {
  const { payload, segments } = decode(token);
  const next = mutate({ ...payload }) ?? payload;
  return `${segments[0]}.${b64uJson(next)}.${segments[2]}`;
}

/** Flips bits in a byte in the middle of the signature (stays canonical base64url). */
export function alterSignature(token) {
  const [h, p, s] = token.split('.');
  const sig = Buffer.from(s, 'base64url');
  sig[Math.floor(sig.length / 2)] ^= 0x5a;
  return `${h}.${p}.${b64u(sig)}`;
}

export const randomKid = () => crypto.randomBytes(24).toString('base64');
