// routes/control.mjs — test-control API under /_test (JSON in, JSON out). Never part of real Cognito.
import { readBody, sendJson, HttpError } from '../lib/http-util.mjs';
import { JWKS_MODES } from '../lib/keys.mjs';
import { UserStore } from '../lib/users.mjs';
import { FAIL_ENDPOINTS, IDENTITY_FAIL_ENDPOINTS } from '../lib/failures.mjs';

class BadRequest extends Error {}

async function readJson(req) {
  const buf = await readBody(req);
  if (!buf.length) return {};
  let v;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new BadRequest('request body is not valid JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BadRequest('request body must be a JSON object');
  return v;
}

const routes = {
  'GET /_test/config': ({ state }) => ({
    url: state.url, issuer: state.issuer, poolId: state.poolId, errorPageMode: state.errorPageMode, enforceCsrf: state.enforceCsrf,
    identityEndpoint: `${state.url}/`, identityProviderName: state.identity.providerName,
  }),

  'POST /_test/mint': ({ state }, b) => state.tokens.mint(b),

  'GET /_test/keys': ({ state }) => state.keys.describe(),

  'POST /_test/rotate-keys': async ({ state }, b) => {
    const kids = await state.keys.rotate({ keepOld: !!b.keepOld });
    return { ...kids, jwks: state.keys.jwks().keys.map((k) => k.kid) };
  },

  'GET /_test/jwks': ({ state }) => ({ mode: state.keys.mode }),
  'POST /_test/jwks': ({ state }, b) => {
    if (!JWKS_MODES.includes(b.mode)) throw new BadRequest(`mode must be one of ${JWKS_MODES.join(', ')}`);
    state.keys.mode = b.mode;
    return { mode: b.mode };
  },

  'GET /_test/fail': ({ state }) => state.failures.list(),
  'POST /_test/fail': ({ state }, b) => {
    if (b.endpoint === 'all' && b.mode === 'off') {
      state.failures.clear();
      return {};
    }
    const list = Array.isArray(b.endpoints) ? b.endpoints : [b.endpoint];
    for (const endpoint of list) {
      if (!FAIL_ENDPOINTS.includes(endpoint)) throw new BadRequest(`endpoint must be one of ${FAIL_ENDPOINTS.join(', ')} (or 'all' with mode 'off')`);
    }
    try {
      for (const endpoint of list) state.failures.set({ ...b, endpoint });
    } catch (e) {
      throw new BadRequest(e.message);
    }
    return state.failures.list();
  },

  'GET /_test/counters': ({ state }) => state.counters,
  'POST /_test/counters/reset': ({ state }) => {
    state.resetCounters();
    return state.counters;
  },

  'GET /_test/events': ({ state, query }) => state.events.filter((e) => !query.type || e.type === query.type),
  'POST /_test/events/reset': ({ state }) => {
    state.events = [];
    return {};
  },

  'POST /_test/global-signout': ({ state }, b) => {
    const user = state.users.get(b.username);
    if (!user) throw new BadRequest(`unknown user: ${b.username}`);
    const revokedRefreshTokens = state.grants.globalSignOut(user.username);
    state.event({ type: 'global-signout', username: user.username, outcome: 'ok', detail: { revokedRefreshTokens } });
    return { username: user.username, revokedRefreshTokens };
  },

  // Rewrite the tokens of the next token response(s): {idToken?, accessToken?: {claims, header, sign}, grant?, times?}
  'GET /_test/tamper': ({ state }) => state.tamper.list(),
  'POST /_test/tamper': ({ state }, b) => state.tamper.set(b),
  // Every token response issued (tokens included), oldest first: lets tests look for token text elsewhere.
  'GET /_test/issued': ({ state }) => state.tamper.issued,

  'GET /_test/lifetimes': ({ state }) => state.lifetimes,
  'POST /_test/lifetimes': ({ state }, b) => state.setLifetimes(b),

  'GET /_test/clients': ({ state }) => state.clients.all(),
  'POST /_test/clients': ({ state }, b) => state.clients.upsert(b),

  'GET /_test/users': ({ state }) => state.users.all().map(UserStore.publicView),
  'POST /_test/users': ({ state }, b) => UserStore.publicView(state.users.upsert(b)),

  // ---- identity pool (Amazon Cognito Identity)
  'GET /_test/identity/pool': ({ state }) => state.identity.allPools(),
  'POST /_test/identity/pool': ({ state }, b) => state.identity.upsertPool(b),
  'GET /_test/identity/group-roles': ({ state }) => state.groupRoles,
  'POST /_test/identity/group-roles': ({ state }, b) => state.setGroupRoles(b),
  'GET /_test/identity/lifetime': ({ state }) => state.identity.lifetime(),
  'POST /_test/identity/lifetime': ({ state }, b) => state.identity.setLifetime(b),
  'GET /_test/identity/fail': ({ state }) => identityFailures(state),
  'POST /_test/identity/fail': ({ state }, b) => {
    const endpoint = b.endpoint ?? 'identity';
    const list = endpoint === 'identity' ? IDENTITY_FAIL_ENDPOINTS : [endpoint];
    for (const e of list) if (!IDENTITY_FAIL_ENDPOINTS.includes(e)) throw new BadRequest(`endpoint must be identity, ${IDENTITY_FAIL_ENDPOINTS.join(', ')}`);
    try {
      for (const e of list) state.failures.set({ ...b, endpoint: e });
    } catch (e) {
      throw new BadRequest(e.message);
    }
    return identityFailures(state);
  },
  'GET /_test/identity/issued': ({ state }) => state.identity.issued,
  'GET /_test/identity/identities': ({ state }) => [...state.identity.identities.values()],

  'POST /_test/reset': async ({ state }, b) => {
    await state.reset({ keys: !!b.keys });
    return { keys: { access: state.keys.access.kid, id: state.keys.id.kid } };
  },
};

function identityFailures(state) {
  return Object.fromEntries(Object.entries(state.failures.list()).filter(([k]) => IDENTITY_FAIL_ENDPOINTS.includes(k)));
}

export async function control(ctx) {
  const { req, res, url } = ctx;
  const handler = routes[`${req.method} ${url.pathname}`];
  if (!handler) return sendJson(res, 404, { error: 'not_found', error_description: `no control route ${req.method} ${url.pathname}` });
  try {
    const body = req.method === 'POST' ? await readJson(req) : {};
    const out = await handler(ctx, body);
    sendJson(res, 200, out ?? {});
  } catch (e) {
    if (e instanceof HttpError) return sendJson(res, e.status, { error: e.error, error_description: e.description });
    // Validation errors from stores/token service are plain Errors: report them as 400s.
    sendJson(res, 400, { error: e.message || String(e) });
  }
}
