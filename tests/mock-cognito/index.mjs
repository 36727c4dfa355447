// index.mjs — startMockCognito(): a local Amazon Cognito user-pool emulator (Hosted UI, OAuth2 endpoints,
// issuer documents, an identity pool at POST /, test controls) on one loopback HTTP port. Node standard library only.
import http from 'node:http';
import { State } from './lib/state.mjs';
import { createHandler } from './lib/router.mjs';
import { DEFAULT_USERS_FILE } from './lib/users.mjs';
import { DEFAULT_IDENTITY_POOL } from './lib/identity-pool.mjs';

export { DEFAULT_USERS_FILE };

/**
 * @param {object} [opts]
 * @param {number} [opts.port=0]            0 = random free port
 * @param {string} [opts.host='127.0.0.1']
 * @param {string} [opts.poolId='eu-west-1_TestPool1']
 * @param {string} [opts.usersFile]         defaults to fixtures/users.json
 * @param {object[]} [opts.clients=[]]      extra/overriding app clients (same shape as POST /_test/clients)
 * @param {'redirect'|'inline'} [opts.errorPageMode='redirect']  bad client_id/redirect_uri: 302 to /error (Cognito) or a 400 page directly
 * @param {boolean} [opts.enforceCsrf=false] require the _csrf form field to match the XSRF-TOKEN cookie on POST /login
 * @returns {Promise<{port:number,url:string,issuer:string,poolId:string,identityEndpoint:string,identityPoolId:string,close:()=>Promise<void>,state:State}>}
 */
export async function startMockCognito(opts = {}) {
  const {
    port = 0,
    host = '127.0.0.1',
    poolId = 'eu-west-1_TestPool1',
    usersFile = DEFAULT_USERS_FILE,
    clients = [],
    errorPageMode = 'redirect',
    enforceCsrf = false,
  } = opts;
  if (errorPageMode !== 'redirect' && errorPageMode !== 'inline') throw new Error("errorPageMode must be 'redirect' or 'inline'");
  const state = new State({ poolId, usersFile, clients, errorPageMode, enforceCsrf });
  await state.init();

  const server = http.createServer({ maxHeaderSize: 64 * 1024, keepAliveTimeout: 5000 }, createHandler(state));
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  state.url = `http://${hostPart}:${actualPort}`;

  const sweeper = setInterval(() => state.grants.sweep(), 60_000);
  sweeper.unref();

  let closing = null;
  async function close() {
    if (closing) return closing;
    closing = new Promise((resolve) => {
      clearInterval(sweeper);
      server.close(() => resolve());
      state.failures.shutdown();
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
    });
    return closing;
  }

  return {
    port: actualPort, url: state.url, issuer: state.issuer, poolId,
    identityEndpoint: `${state.url}/`, identityPoolId: DEFAULT_IDENTITY_POOL.identityPoolId,
    close, state,
  };
}
