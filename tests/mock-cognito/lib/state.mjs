// state.mjs — everything the emulator knows: pool config, keys, users, clients, grants, group roles,
// identity pools, counters, events, faults.
import { KeyStore } from './keys.mjs';
import { UserStore, loadUsersFile, DEFAULT_USERS_FILE } from './users.mjs';
import { ClientStore } from './clients.mjs';
import { GrantStore } from './grants.mjs';
import { TokenService } from './tokens.mjs';
import { FailureInjector } from './failures.mjs';
import { Tamper } from './tamper.mjs';
import { IdentityPoolService } from './identity-pool.mjs';
import { normalizeGroupRoles } from './group-roles.mjs';

export const DEFAULT_LIFETIMES = Object.freeze({
  accessTokenSeconds: 3600,
  idTokenSeconds: 3600,
  refreshTokenSeconds: 30 * 24 * 3600,
});

const COUNTER_NAMES = [
  'jwks', 'openid-configuration', 'authorize', 'login', 'token', 'token:authorization_code', 'token:refresh_token',
  'token:client_credentials', 'revoke', 'userInfo', 'logout', 'error', 'identity:GetId', 'identity:GetCredentialsForIdentity',
];

const MAX_EVENTS = 10000;

export class State {
  constructor({ poolId, usersFile = DEFAULT_USERS_FILE, clients = [], errorPageMode = 'redirect', enforceCsrf = false }) {
    if (!/^[\w-]+_[0-9a-zA-Z]+$/.test(poolId)) throw new Error(`invalid pool id: ${poolId}`);
    this.poolId = poolId;
    this.usersFile = usersFile;
    this.extraClients = clients;
    this.errorPageMode = errorPageMode;
    this.enforceCsrf = enforceCsrf;
    this.url = null; // set once listening
    this.keys = new KeyStore();
    this.grants = new GrantStore();
    this.failures = new FailureInjector();
    this.tamper = new Tamper(); // test-only token rewriting + record of issued token responses
    this.tokens = new TokenService(this);
    this.identity = new IdentityPoolService(this); // Cognito Identity: identity pools, identities, credentials
    this.resetData();
  }

  get issuer() {
    return `${this.url}/${this.poolId}`;
  }

  async init() {
    await this.keys.init();
    return this;
  }

  /** Back to the startup state, except the keys (regenerated only when asked). */
  async reset({ keys = false } = {}) {
    this.resetData();
    this.keys.mode = 'normal';
    if (keys) await this.keys.init();
  }

  resetData() {
    this.users = new UserStore(loadUsersFile(this.usersFile));
    this.clients = new ClientStore(this.extraClients);
    this.lifetimes = { ...DEFAULT_LIFETIMES };
    this.groupRoles = {}; // group → {roleArn, precedence}: cognito:roles / cognito:preferred_role in ID tokens
    this.identity.reset();
    this.grants.clear();
    this.failures.clear();
    this.tamper.clear();
    this.resetCounters();
    this.events = [];
  }

  resetCounters() {
    this.counters = Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0]));
  }

  count(name) {
    this.counters[name] = (this.counters[name] || 0) + 1;
  }

  /** Event log entry: {t, type, grant, clientId, username, outcome, detail}. Capped, oldest dropped. */
  event(e) {
    this.events.push({ t: Date.now(), type: e.type, grant: e.grant ?? null, clientId: e.clientId ?? null, username: e.username ?? null, outcome: e.outcome ?? 'ok', detail: e.detail ?? null });
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
  }

  /** Replace the group → IAM role mapping (`{}` clears it). Affects ID tokens issued from now on. */
  setGroupRoles(input) {
    this.groupRoles = normalizeGroupRoles(input);
    return this.groupRoles;
  }

  setLifetimes(input) {
    for (const k of Object.keys(DEFAULT_LIFETIMES)) {
      if (input[k] == null) continue;
      if (!Number.isInteger(input[k])) throw new Error(`${k} must be an integer number of seconds`);
      this.lifetimes[k] = input[k];
    }
    return { ...this.lifetimes };
  }
}
