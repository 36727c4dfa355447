// routes/token.mjs — POST /oauth2/token: authorization_code (with PKCE), refresh_token (optional rotation),
// client_credentials. Cognito's 400 {"error":...} answers throughout.
import crypto from 'node:crypto';
import { readBody, parseForm, isFormContentType, sendJson, sendOAuthError, HttpError } from '../lib/http-util.mjs';
import { authenticateClient } from '../lib/client-auth.mjs';
import { newRefreshTokenString } from '../lib/tokens.mjs';

const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];
const VERIFIER_RE = /^[A-Za-z0-9._~-]{43,128}$/;
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

function ok(res, body) {
  sendJson(res, 200, body, NO_STORE);
}

export async function token(ctx) {
  const { state, req, res } = ctx;
  state.count('token');
  let body;
  try {
    body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
  } catch (e) {
    if ((await state.failures.apply('token', req, res)).handled) return;
    return sendOAuthError(res, e instanceof HttpError ? e.status : 400, 'invalid_request');
  }
  const form = parseForm(body);
  const grant = form.grant_type;
  if (GRANTS.includes(grant)) state.count(`token:${grant}`);
  if ((await state.failures.apply('token', req, res)).handled) {
    state.event({ type: 'token', grant, clientId: form.client_id ?? null, outcome: 'injected_failure' });
    return;
  }
  const fail = (status, error, detail, extra = {}) => {
    state.event({ type: 'token', grant: grant ?? null, clientId: extra.clientId ?? form.client_id ?? null, username: extra.username ?? null, outcome: error, detail });
    return sendOAuthError(res, status, error);
  };
  if (req.method !== 'POST') return fail(405, 'invalid_request', 'method not allowed');
  if (!isFormContentType(req)) return fail(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');

  const auth = authenticateClient(state, req, form);
  if (auth.error) return fail(400, auth.error, auth.detail, { clientId: auth.clientId });
  const client = auth.client;
  const c = { clientId: client.clientId };

  if (!grant) return fail(400, 'invalid_request', 'missing grant_type', c);
  if (!GRANTS.includes(grant)) return fail(400, 'unsupported_grant_type', { grant_type: grant }, c);
  if (!client.allowedGrants.includes(grant)) return fail(400, 'unauthorized_client', 'grant not enabled on client', c);

  if (grant === 'authorization_code') {
    if (!form.code) return fail(400, 'invalid_request', 'missing code', c);
    const rec = state.grants.consumeCode(form.code);
    if (!rec) return fail(400, 'invalid_grant', 'unknown, used or expired code', c);
    const u = { ...c, username: rec.username };
    if (rec.clientId !== client.clientId) return fail(400, 'invalid_grant', 'code issued to another client', u);
    if (form.redirect_uri == null) return fail(400, 'invalid_request', 'missing redirect_uri', u);
    if (form.redirect_uri !== rec.redirectUri) return fail(400, 'invalid_grant', 'redirect_uri differs from authorize', u);
    if (rec.codeChallenge) {
      const v = form.code_verifier;
      if (v == null) return fail(400, 'invalid_grant', 'missing code_verifier', u);
      const hashed = crypto.createHash('sha256').update(v, 'ascii').digest('base64url');
      if (!VERIFIER_RE.test(v) || hashed !== rec.codeChallenge) return fail(400, 'invalid_grant', 'code_verifier does not match', u);
    }
    const user = state.users.get(rec.username);
    if (!user || !user.enabled) return fail(400, 'invalid_grant', 'user missing or disabled', u);
    const originJti = crypto.randomUUID();
    const eventId = crypto.randomUUID();
    const t = state.tokens.issueUserTokens({ user, client, scopes: rec.scopes, authTime: rec.authTime, originJti, eventId, nonce: rec.nonce });
    const refreshToken = newRefreshTokenString();
    const lt = state.tokens.lifetimes(client);
    state.grants.storeRefresh(refreshToken, {
      clientId: client.clientId, username: user.username, scopes: rec.scopes, authTime: rec.authTime, originJti, eventId,
      expiresAt: Date.now() + lt.refresh * 1000,
    });
    const out = {};
    if (t.id_token) out.id_token = t.id_token;
    Object.assign(out, { access_token: t.access_token, refresh_token: refreshToken, expires_in: t.expires_in, token_type: 'Bearer' });
    const tampered = state.tamper.apply(state, grant, out);
    state.event({ type: 'token', grant, clientId: client.clientId, username: user.username, outcome: 'ok', detail: { originJti, scope: rec.scopes.join(' '), auth: auth.method, ...(tampered ? { tampered } : {}) } });
    state.tamper.record({ grant, clientId: client.clientId, username: user.username, originJti, tampered, id_token: out.id_token ?? null, access_token: out.access_token, refresh_token: refreshToken });
    return ok(res, out);
  }

  if (grant === 'refresh_token') {
    if (!form.refresh_token) return fail(400, 'invalid_request', 'missing refresh_token', c);
    const { rec, reason } = state.grants.lookupRefresh(form.refresh_token);
    if (reason) return fail(400, 'invalid_grant', `refresh token ${reason}`, { ...c, username: rec ? rec.username : null });
    const u = { ...c, username: rec.username };
    if (rec.clientId !== client.clientId) return fail(400, 'invalid_grant', 'refresh token issued to another client', u);
    const user = state.users.get(rec.username);
    if (!user || !user.enabled) return fail(400, 'invalid_grant', 'user missing or disabled', u);
    const t = state.tokens.issueUserTokens({ user, client, scopes: rec.scopes, authTime: rec.authTime, originJti: rec.originJti, eventId: rec.eventId, nonce: null });
    const out = {};
    if (t.id_token) out.id_token = t.id_token;
    out.access_token = t.access_token;
    let rotated = false;
    if (client.refreshTokenRotation) {
      const next = newRefreshTokenString();
      const lt = state.tokens.lifetimes(client);
      state.grants.storeRefresh(next, { ...rec, expiresAt: Date.now() + lt.refresh * 1000 });
      state.grants.retireRefresh(rec, client.rotationGracePeriodSeconds);
      out.refresh_token = next;
      rotated = true;
    }
    Object.assign(out, { expires_in: t.expires_in, token_type: 'Bearer' });
    const tampered = state.tamper.apply(state, grant, out);
    state.event({ type: 'token', grant, clientId: client.clientId, username: user.username, outcome: 'ok', detail: { originJti: rec.originJti, rotated, ...(tampered ? { tampered } : {}) } });
    state.tamper.record({ grant, clientId: client.clientId, username: user.username, originJti: rec.originJti, tampered, id_token: out.id_token ?? null, access_token: out.access_token, refresh_token: out.refresh_token ?? form.refresh_token });
    return ok(res, out);
  }

  // client_credentials: confidential clients with custom (resource-server) scopes only
  if (!client.clientSecret) return fail(400, 'unauthorized_client', 'client_credentials needs a client secret', c);
  const custom = client.scopes.filter((s) => s.includes('/'));
  if (!custom.length) return fail(400, 'unauthorized_client', 'client has no custom scopes', c);
  const requested = form.scope ? form.scope.split(' ').filter(Boolean) : custom;
  for (const s of requested) if (!custom.includes(s)) return fail(400, 'invalid_scope', { scope: form.scope }, c);
  const t = state.tokens.issueClientCredentials(client, [...new Set(requested)]);
  state.event({ type: 'token', grant, clientId: client.clientId, outcome: 'ok', detail: { scope: requested.join(' ') } });
  return ok(res, { access_token: t.access_token, expires_in: t.expires_in, token_type: 'Bearer' });
}
