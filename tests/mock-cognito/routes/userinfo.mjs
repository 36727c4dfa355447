// routes/userinfo.mjs — GET/POST /oauth2/userInfo: checks the access token the way Cognito does
// (signature, expiry, revocation, global sign-out) and returns attributes with string booleans.
import { decodeJwt, verifyRs256 } from '../lib/jwt.mjs';
import { sendJson } from '../lib/http-util.mjs';

export const INVALID_TOKEN_DESCRIPTION = 'Access token is expired, disabled, or deleted, or the user has globally signed out.';

export async function userInfo(ctx) {
  const { state, req, res } = ctx;
  state.count('userInfo');
  if ((await state.failures.apply('userInfo', req, res)).handled) return;
  if (req.method !== 'GET' && req.method !== 'POST') return sendJson(res, 405, { error: 'invalid_request' }, { Allow: 'GET, POST' });

  const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization || ''));
  if (!m) {
    state.event({ type: 'userInfo', outcome: 'invalid_request', detail: 'missing bearer token' });
    return sendJson(res, 401, { error: 'invalid_request', error_description: 'Access token is missing' }, {
      'WWW-Authenticate': 'Bearer error="invalid_request", error_description="Access token is missing"',
    });
  }
  const reject = (detail, payload) => {
    state.event({ type: 'userInfo', clientId: payload?.client_id ?? null, username: payload?.username ?? null, outcome: 'invalid_token', detail });
    return sendJson(res, 401, { error: 'invalid_token', error_description: INVALID_TOKEN_DESCRIPTION }, {
      'WWW-Authenticate': `Bearer error="invalid_token", error_description="${INVALID_TOKEN_DESCRIPTION}"`,
    });
  };
  const d = decodeJwt(m[1]);
  if (!d) return reject('not a JWT');
  const p = d.payload;
  const key = typeof d.header.kid === 'string' ? state.keys.accessVerificationKey(d.header.kid) : null;
  if (!key || !verifyRs256(d, key.publicKey)) return reject('bad signature or unknown kid', p);
  if (p.token_use !== 'access') return reject('not an access token', p);
  if (p.iss !== state.issuer) return reject('wrong issuer', p);
  if (typeof p.exp !== 'number' || p.exp * 1000 <= Date.now()) return reject('expired', p);
  if (typeof p.username !== 'string') return reject('no user (client_credentials token)', p);
  if (state.grants.isAccessRevoked(p)) return reject('revoked or globally signed out', p);
  const user = state.users.get(p.username);
  if (!user || !user.enabled || user.sub !== p.sub) return reject('user missing or disabled', p);
  const scopes = String(p.scope || '').split(' ');
  if (!scopes.includes('openid')) return reject('token lacks the openid scope', p);

  const out = { sub: user.sub };
  for (const [k, v] of Object.entries(user.attributes)) {
    // Cognito quirk: the *_verified booleans come back as the strings "true"/"false".
    out[k] = typeof v === 'boolean' ? String(v) : v;
  }
  out.username = user.username;
  state.event({ type: 'userInfo', clientId: p.client_id ?? null, username: user.username, outcome: 'ok' });
  sendJson(res, 200, out);
}
