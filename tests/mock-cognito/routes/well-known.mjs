// routes/well-known.mjs — issuer-path documents: /{poolId}/.well-known/jwks.json and openid-configuration.
import { sendJson } from '../lib/http-util.mjs';

export async function jwks(ctx) {
  const { state, req, res } = ctx;
  state.count('jwks');
  if ((await state.failures.apply('jwks', req, res, { hugeBody: () => state.keys.jwks() })).handled) return;
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { message: 'Method Not Allowed' }, { Allow: 'GET' });
  sendJson(res, 200, state.keys.jwks());
}

/** Cognito's discovery document (field set as captured from a real pool in 2025; see facts A7). */
export function discoveryDocument(state) {
  const d = state.url;
  return {
    authorization_endpoint: `${d}/oauth2/authorize`,
    end_session_endpoint: `${d}/logout`,
    id_token_signing_alg_values_supported: ['RS256'],
    issuer: state.issuer,
    jwks_uri: `${state.issuer}/.well-known/jwks.json`,
    response_types_supported: ['code', 'token'],
    revocation_endpoint: `${d}/oauth2/revoke`,
    scopes_supported: ['openid', 'email', 'phone', 'profile'],
    subject_types_supported: ['public'],
    token_endpoint: `${d}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    userinfo_endpoint: `${d}/oauth2/userInfo`,
  };
}

export async function openidConfiguration(ctx) {
  const { state, req, res } = ctx;
  state.count('openid-configuration');
  if ((await state.failures.apply('openid-configuration', req, res, { hugeBody: () => discoveryDocument(state) })).handled) return;
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { message: 'Method Not Allowed' }, { Allow: 'GET' });
  sendJson(res, 200, discoveryDocument(state));
}
