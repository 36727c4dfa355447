// router.mjs — maps request paths to handlers and wraps each one so bad input never crashes the emulator.
import { parseCookies, searchToObject, sendJson, send } from './http-util.mjs';
import { jwks, openidConfiguration } from '../routes/well-known.mjs';
import { authorize, login, logout, errorRoute } from '../routes/hosted-ui.mjs';
import { token } from '../routes/token.mjs';
import { revoke } from '../routes/revoke.mjs';
import { userInfo } from '../routes/userinfo.mjs';
import { control } from '../routes/control.mjs';
import { identity } from '../routes/identity.mjs';

export function createHandler(state) {
  const exact = new Map([
    [`/${state.poolId}/.well-known/jwks.json`, jwks],
    [`/${state.poolId}/.well-known/openid-configuration`, openidConfiguration],
    ['/oauth2/authorize', authorize],
    ['/login', login],
    ['/logout', logout],
    ['/error', errorRoute],
    ['/oauth2/token', token],
    ['/oauth2/revoke', revoke],
    ['/oauth2/userInfo', userInfo],
    ['/oauth2/userinfo', userInfo],
    ['/', identity], // Amazon Cognito Identity (identity pool): POST with X-Amz-Target
  ]);

  return async function handle(req, res) {
    // Aborted/broken connections must never surface as unhandled 'error' events.
    req.on('error', () => {});
    res.on('error', () => {});
    let url;
    try {
      url = new URL(req.url, 'http://localhost');
    } catch {
      return send(res, 400, { 'Content-Type': 'text/plain' }, 'Bad Request');
    }
    const ctx = { state, req, res, url, query: searchToObject(url.searchParams), cookies: parseCookies(req.headers.cookie) };
    try {
      const h = exact.get(url.pathname);
      if (h) return await h(ctx);
      if (url.pathname.startsWith('/_test/')) return await control(ctx);
      if (/^\/[^/]+\/\.well-known\/(jwks\.json|openid-configuration)$/.test(url.pathname)) {
        const pool = url.pathname.split('/')[1];
        return sendJson(res, 404, { message: `User pool ${pool} does not exist.` });
      }
      sendJson(res, 404, { message: 'Not Found' });
    } catch (e) {
      state.lastError = e;
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: 'server_error' });
    }
  };
}
