// client-auth.mjs — app-client authentication at /oauth2/token and /oauth2/revoke
// (client_secret_basic with RFC 6749 §2.3.1 decoding, client_secret_post, or public client_id).
import crypto from 'node:crypto';
import { parseBasicAuth } from './http-util.mjs';

function secretsEqual(a, b) {
  const x = crypto.createHash('sha256').update(String(a)).digest();
  const y = crypto.createHash('sha256').update(String(b)).digest();
  return crypto.timingSafeEqual(x, y);
}

/** Returns {client, method} or {error: 'invalid_request'|'invalid_client', detail}. */
export function authenticateClient(state, req, form) {
  const basic = parseBasicAuth(req.headers.authorization);
  if (basic && basic.malformed) return { error: 'invalid_client', detail: 'malformed Basic authorization' };
  let clientId;
  let secret;
  let method;
  if (basic) {
    if (form.client_id != null && form.client_id !== basic.clientId) return { error: 'invalid_client', detail: 'client_id differs from Basic user' };
    if (form.client_secret != null && form.client_secret !== basic.clientSecret) return { error: 'invalid_client', detail: 'two different secrets' };
    clientId = basic.clientId;
    secret = basic.clientSecret === '' ? null : basic.clientSecret;
    method = 'client_secret_basic';
  } else {
    clientId = form.client_id;
    secret = form.client_secret ?? null;
    method = secret != null ? 'client_secret_post' : 'none';
  }
  if (!clientId) return { error: 'invalid_request', detail: 'missing client_id' };
  const client = state.clients.get(clientId);
  if (!client) return { error: 'invalid_client', detail: 'unknown client_id' };
  if (client.clientSecret) {
    if (secret == null) return { error: 'invalid_client', detail: 'client secret required', clientId };
    if (!secretsEqual(secret, client.clientSecret)) return { error: 'invalid_client', detail: 'wrong client secret', clientId };
  } else if (secret != null) {
    return { error: 'invalid_client', detail: 'client has no secret', clientId };
  }
  return { client, method };
}
