// routes/hosted-ui.mjs — browser-facing endpoints: /oauth2/authorize, /login (GET form, POST credentials),
// /logout and /error, with Cognito's validation order and error behaviour.
import crypto from 'node:crypto';
import { isAllowedCallback, isAllowedLogout } from '../lib/clients.mjs';
import { UserStore } from '../lib/users.mjs';
import { loginPage, errorPage, CARRIED_PARAMS } from '../lib/html.mjs';
import { readBody, parseForm, isFormContentType, redirect, sendHtml, appendQuery, HttpError } from '../lib/http-util.mjs';

export const SESSION_COOKIE = 'cognito';
const CSRF_COOKIE = 'XSRF-TOKEN';
const PKCE_CHALLENGE_RE = /^[A-Za-z0-9_-]{43}$/;

const clearSessionCookie = `${SESSION_COOKIE}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax`;

/**
 * Cognito never redirects a bad client_id / redirect_uri back to the caller: it sends the browser to its
 * own /error page (302 /error?error=redirect_mismatch&client_id=...). errorPageMode 'inline' renders the
 * 400 page directly instead.
 */
function hostedError(ctx, error, clientId) {
  if (ctx.state.errorPageMode === 'inline') return sendHtml(ctx.res, 400, errorPage(error));
  const q = new URLSearchParams({ error });
  if (clientId) q.set('client_id', clientId);
  return redirect(ctx.res, `/error?${q}`);
}

function redirectError(ctx, redirectUri, error, state, description) {
  return redirect(ctx.res, appendQuery(redirectUri, { error, error_description: description, state }));
}

/**
 * Validate authorize-style parameters. On failure answers the request (error page or redirect with
 * ?error=) and returns null; on success returns {client, redirectUri, scopes}.
 */
function validateAuthorize(ctx, p, type) {
  const { state } = ctx;
  const fail = (outcome, detail) => state.event({ type, clientId: p.client_id, outcome, detail });
  const client = state.clients.get(p.client_id);
  if (!client) {
    fail('invalid_client', 'unknown client_id');
    hostedError(ctx, 'invalid_request', p.client_id);
    return null;
  }
  if (!isAllowedCallback(client, p.redirect_uri)) {
    fail('redirect_mismatch', { redirect_uri: p.redirect_uri ?? null });
    hostedError(ctx, 'redirect_mismatch', client.clientId);
    return null;
  }
  const r = p.redirect_uri;
  if (!p.response_type) {
    fail('invalid_request', 'missing response_type');
    redirectError(ctx, r, 'invalid_request', p.state);
    return null;
  }
  if (p.response_type !== 'code') {
    const err = p.response_type === 'token' ? 'unauthorized_client' : 'unsupported_response_type';
    fail(err, { response_type: p.response_type });
    redirectError(ctx, r, err, p.state);
    return null;
  }
  const method = p.code_challenge_method;
  const challenge = p.code_challenge;
  if (method != null || challenge != null) {
    if (method !== 'S256' || challenge == null || !PKCE_CHALLENGE_RE.test(challenge)) {
      fail('invalid_request', { code_challenge_method: method ?? null, code_challenge: challenge ?? null });
      redirectError(ctx, r, 'invalid_request', p.state);
      return null;
    }
  }
  const sc = state.clients.resolveScopes(client, p.scope);
  if (sc.error) {
    fail(sc.error, { scope: p.scope });
    redirectError(ctx, r, sc.error, p.state);
    return null;
  }
  return { client, redirectUri: r, scopes: sc.scopes };
}

function issueCodeRedirect(ctx, v, p, user, authTime, extraHeaders = {}) {
  const code = ctx.state.grants.createCode({
    clientId: v.client.clientId,
    redirectUri: v.redirectUri,
    scopes: v.scopes,
    codeChallenge: p.code_challenge ?? null,
    nonce: p.nonce ?? null,
    username: user.username,
    authTime,
  });
  redirect(ctx.res, appendQuery(v.redirectUri, { code, state: p.state }), extraHeaders);
}

function promptList(p) {
  return String(p.prompt || '').split(' ').filter(Boolean);
}

const pickParams = (obj) => Object.fromEntries(CARRIED_PARAMS.filter((k) => obj[k] != null).map((k) => [k, obj[k]]));

export async function authorize(ctx) {
  const { state, req, res, query } = ctx;
  state.count('authorize');
  if ((await state.failures.apply('authorize', req, res)).handled) return;
  if (req.method !== 'GET') return sendHtml(res, 405, errorPage('invalid_request'), { Allow: 'GET' });
  const v = validateAuthorize(ctx, query, 'authorize');
  if (!v) return;
  const prompts = promptList(query);
  const session = state.grants.getSession(ctx.cookies[SESSION_COOKIE]);
  const user = session && state.users.get(session.username);
  const detail = { params: pickParams(query), session: !!(user && user.enabled) };
  if (user && user.enabled && !prompts.includes('login') && !prompts.includes('select_account')) {
    state.event({ type: 'authorize', clientId: v.client.clientId, username: user.username, outcome: 'ok', detail: { ...detail, codeIssued: true } });
    return issueCodeRedirect(ctx, v, query, user, session.authTime);
  }
  if (prompts.includes('none')) {
    state.event({ type: 'authorize', clientId: v.client.clientId, outcome: 'login_required', detail });
    return redirectError(ctx, v.redirectUri, 'login_required', query.state);
  }
  state.event({ type: 'authorize', clientId: v.client.clientId, outcome: 'ok', detail: { ...detail, codeIssued: false } });
  redirect(res, `/login${ctx.url.search}`);
}

function renderLogin(ctx, params, { error, username, status = 200 } = {}) {
  const csrf = crypto.randomBytes(24).toString('base64url');
  const query = new URLSearchParams(pickParams(params)).toString();
  sendHtml(ctx.res, status, loginPage({ params, query, csrf, error, username: username ?? params.login_hint }), {
    'Set-Cookie': `${CSRF_COOKIE}=${csrf}; Path=/; HttpOnly; SameSite=Lax`,
  });
}

export async function login(ctx) {
  const { state, req, res } = ctx;
  state.count('login');
  let body = null;
  if (req.method === 'POST') {
    try {
      body = await readBody(req);
    } catch (e) {
      if ((await state.failures.apply('login', req, res)).handled) return;
      return sendHtml(res, e instanceof HttpError ? e.status : 400, errorPage('invalid_request'));
    }
  }
  if ((await state.failures.apply('login', req, res)).handled) return;
  if (req.method === 'GET') {
    const v = validateAuthorize(ctx, ctx.query, 'login');
    if (!v) return;
    return renderLogin(ctx, ctx.query);
  }
  if (req.method !== 'POST') return sendHtml(res, 405, errorPage('invalid_request'), { Allow: 'GET, POST' });
  if (!isFormContentType(req)) return sendHtml(res, 400, errorPage('invalid_request'));
  const form = parseForm(body);
  const params = { ...ctx.query, ...pickParams(form) };
  const v = validateAuthorize(ctx, params, 'login');
  if (!v) return;
  if (state.enforceCsrf && (!form._csrf || form._csrf !== ctx.cookies[CSRF_COOKIE])) {
    state.event({ type: 'login', clientId: v.client.clientId, outcome: 'csrf', detail: 'missing or mismatched _csrf' });
    return sendHtml(res, 403, errorPage('invalid_request'));
  }
  const user = state.users.get(form.username);
  if (!user || !UserStore.checkPassword(user, form.password)) {
    state.event({ type: 'login', clientId: v.client.clientId, username: form.username ?? null, outcome: 'bad_credentials' });
    return renderLogin(ctx, params, { error: 'Incorrect username or password.', username: form.username });
  }
  if (!user.enabled) {
    state.event({ type: 'login', clientId: v.client.clientId, username: user.username, outcome: 'user_disabled' });
    return renderLogin(ctx, params, { error: 'User is disabled.', username: form.username });
  }
  const authTime = Math.floor(Date.now() / 1000);
  const sid = state.grants.createSession(user.username, authTime);
  state.event({ type: 'login', clientId: v.client.clientId, username: user.username, outcome: 'ok' });
  issueCodeRedirect(ctx, v, params, user, authTime, {
    'Set-Cookie': `${SESSION_COOKIE}=${sid}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax`,
  });
}

export async function logout(ctx) {
  const { state, req, res, query } = ctx;
  state.count('logout');
  if ((await state.failures.apply('logout', req, res)).handled) return;
  if (req.method !== 'GET') return sendHtml(res, 405, errorPage('invalid_request'), { Allow: 'GET' });
  const sid = ctx.cookies[SESSION_COOKIE];
  const session = state.grants.getSession(sid);
  const ev = (outcome, detail) =>
    state.event({ type: 'logout', clientId: query.client_id ?? null, username: session ? session.username : null, outcome, detail });
  const client = state.clients.get(query.client_id);
  if (!client) {
    ev('invalid_client', { logout_uri: query.logout_uri ?? null });
    return hostedError(ctx, 'invalid_request', query.client_id);
  }
  if (query.logout_uri != null) {
    if (!isAllowedLogout(client, query.logout_uri)) {
      ev('redirect_mismatch', { logout_uri: query.logout_uri });
      return hostedError(ctx, 'redirect_mismatch', client.clientId);
    }
    state.grants.deleteSession(sid);
    ev('ok', { logout_uri: query.logout_uri, hadSession: !!session });
    return redirect(res, query.logout_uri, { 'Set-Cookie': clearSessionCookie });
  }
  if (query.redirect_uri != null) {
    if (!isAllowedCallback(client, query.redirect_uri)) {
      ev('redirect_mismatch', { redirect_uri: query.redirect_uri });
      return hostedError(ctx, 'redirect_mismatch', client.clientId);
    }
    if (!query.response_type) {
      ev('invalid_request', 'missing response_type');
      return hostedError(ctx, 'invalid_request', client.clientId);
    }
    state.grants.deleteSession(sid);
    ev('ok', { redirect_uri: query.redirect_uri, relogin: true, hadSession: !!session });
    return redirect(res, `/login?${new URLSearchParams(pickParams(query))}`, { 'Set-Cookie': clearSessionCookie });
  }
  ev('invalid_request', 'missing logout_uri or redirect_uri');
  return hostedError(ctx, 'invalid_request', client.clientId);
}

export async function errorRoute(ctx) {
  ctx.state.count('error');
  sendHtml(ctx.res, 400, errorPage(ctx.query.error));
}
