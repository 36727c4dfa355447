// routes/revoke.mjs — POST /oauth2/revoke: revokes a refresh token (and its sign-in's access tokens for userInfo).
import { readBody, parseForm, isFormContentType, send, sendOAuthError, HttpError } from '../lib/http-util.mjs';
import { authenticateClient } from '../lib/client-auth.mjs';

export async function revoke(ctx) {
  const { state, req, res } = ctx;
  state.count('revoke');
  let body;
  try {
    body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
  } catch (e) {
    if ((await state.failures.apply('revoke', req, res)).handled) return;
    return sendOAuthError(res, e instanceof HttpError ? e.status : 400, 'invalid_request');
  }
  const form = parseForm(body);
  if ((await state.failures.apply('revoke', req, res)).handled) {
    state.event({ type: 'revoke', clientId: form.client_id ?? null, outcome: 'injected_failure' });
    return;
  }
  const fail = (status, error, detail, clientId, username = null) => {
    state.event({ type: 'revoke', clientId: clientId ?? form.client_id ?? null, username, outcome: error, detail });
    return sendOAuthError(res, status, error);
  };
  if (req.method !== 'POST') return fail(405, 'invalid_request', 'method not allowed');
  if (!isFormContentType(req)) return fail(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  if (!form.token) return fail(400, 'invalid_request', 'missing token');
  const auth = authenticateClient(state, req, form);
  if (auth.error) return fail(auth.error === 'invalid_request' ? 400 : 401, auth.error, auth.detail, auth.clientId);
  const client = auth.client;
  if (form.token.split('.').length === 3) return fail(400, 'unsupported_token_type', 'only refresh tokens can be revoked', client.clientId);
  const { rec } = state.grants.lookupRefresh(form.token);
  if (!rec) {
    state.event({ type: 'revoke', clientId: client.clientId, outcome: 'unknown_token' });
    return send(res, 200, {}, '');
  }
  if (rec.clientId !== client.clientId) return fail(400, 'unauthorized_client', 'refresh token issued to another client', client.clientId, rec.username);
  const n = state.grants.revokeOrigin(rec.originJti);
  state.event({ type: 'revoke', clientId: client.clientId, username: rec.username, outcome: 'ok', detail: { originJti: rec.originJti, revokedRefreshTokens: n } });
  send(res, 200, {}, '');
}
