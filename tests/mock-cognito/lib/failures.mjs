// failures.mjs — fault injection per endpoint: status | hang | garbage | slow | huge | drop, optionally N times;
// identity-pool operations also take AWS error modes (throttle | not-authorized | … | internal).
import { send, JSON_CT } from './http-util.mjs';

export const IDENTITY_FAIL_ENDPOINTS = ['identity:GetId', 'identity:GetCredentialsForIdentity'];
export const FAIL_ENDPOINTS = ['jwks', 'openid-configuration', 'token', 'revoke', 'userInfo', 'authorize', 'login', 'logout', ...IDENTITY_FAIL_ENDPOINTS];
/** Modes that answer with an AWS JSON error (only for identity operations): mode → [status, __type, message]. */
export const AWS_ERROR_MODES = {
  throttle: [400, 'TooManyRequestsException', 'Rate exceeded'],
  'not-authorized': [400, 'NotAuthorizedException', 'Invalid login token. (injected failure)'],
  'resource-not-found': [400, 'ResourceNotFoundException', 'Resource not found. (injected failure)'],
  'invalid-config': [400, 'InvalidIdentityPoolConfigurationException', 'Invalid identity pool configuration. Check assigned IAM roles for this pool. (injected failure)'],
  internal: [500, 'InternalErrorException', 'An internal error occurred. (injected failure)'],
};
export const FAIL_MODES = ['status', 'hang', 'garbage', 'slow', 'huge', 'drop', 'off', ...Object.keys(AWS_ERROR_MODES)];

const HUGE_BYTES = 5 * 1024 * 1024;

export class FailureInjector {
  constructor() {
    this.rules = new Map();
    this.hanging = new Set(); // responses we deliberately never answer
    this.timers = new Set();
  }

  /** cfg: {endpoint, mode, status?, delayMs?, times?}. Throws on bad input. */
  set(cfg) {
    if (!cfg || !FAIL_ENDPOINTS.includes(cfg.endpoint)) throw new Error(`endpoint must be one of ${FAIL_ENDPOINTS.join(', ')}`);
    if (!FAIL_MODES.includes(cfg.mode)) throw new Error(`mode must be one of ${FAIL_MODES.join(', ')}`);
    if (Object.hasOwn(AWS_ERROR_MODES, cfg.mode) && !IDENTITY_FAIL_ENDPOINTS.includes(cfg.endpoint)) {
      throw new Error(`mode ${cfg.mode} is only for ${IDENTITY_FAIL_ENDPOINTS.join(', ')}`);
    }
    if (cfg.mode === 'off') {
      this.rules.delete(cfg.endpoint);
      return null;
    }
    const status = cfg.status ?? 500;
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error('status must be an HTTP status code');
    const delayMs = cfg.delayMs ?? 3000;
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new Error('delayMs must be a non-negative number');
    const times = cfg.times ?? null;
    if (times !== null && (!Number.isInteger(times) || times < 1)) throw new Error('times must be a positive integer');
    const rule = { endpoint: cfg.endpoint, mode: cfg.mode, status, delayMs, remaining: times };
    this.rules.set(cfg.endpoint, rule);
    return rule;
  }

  clear() {
    this.rules.clear();
  }

  list() {
    return Object.fromEntries([...this.rules].map(([k, r]) => [k, { mode: r.mode, status: r.status, delayMs: r.delayMs, remaining: r.remaining }]));
  }

  /** Take the rule for this request, if any (counting down `times`). */
  take(endpoint) {
    const r = this.rules.get(endpoint);
    if (!r) return null;
    if (r.remaining !== null && --r.remaining <= 0) this.rules.delete(endpoint);
    return r;
  }

  delay(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  /**
   * Apply an injected failure. Resolves true when the request has been dealt with (answered, dropped or
   * left hanging) and false when normal handling should continue (no rule, or 'slow' after its delay).
   * `hugeBody` lets the endpoint shape the 5 MB answer (e.g. JWKS keeps its keys); `awsError(status, type,
   * message)` sends the AWS-shaped error for the AWS error modes and for `status` (identity operations).
   */
  async apply(endpoint, req, res, { hugeBody, awsError } = {}) {
    const r = this.take(endpoint);
    if (!r) return { handled: false };
    if (awsError && Object.hasOwn(AWS_ERROR_MODES, r.mode)) {
      awsError(...AWS_ERROR_MODES[r.mode]);
      return { handled: true, rule: r };
    }
    switch (r.mode) {
      case 'status':
        if (awsError) awsError(r.status, 'InternalErrorException', 'injected failure');
        else send(res, r.status, { 'Content-Type': JSON_CT }, JSON.stringify({ error: 'server_error', error_description: 'injected failure' }));
        return { handled: true, rule: r };
      case 'garbage':
        send(res, 200, { 'Content-Type': JSON_CT }, '<html><body>This is not JSON {{{ \u0000\u00ff</body></html>');
        return { handled: true, rule: r };
      case 'huge': {
        const base = hugeBody ? hugeBody() : {};
        const pad = Math.max(0, HUGE_BYTES - JSON.stringify(base).length - 16);
        send(res, 200, { 'Content-Type': JSON_CT }, JSON.stringify({ ...base, padding: 'x'.repeat(pad) }));
        return { handled: true, rule: r };
      }
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return { handled: true, rule: r };
      case 'drop':
        req.socket.destroy();
        return { handled: true, rule: r };
      case 'slow':
        await this.delay(r.delayMs);
        return { handled: false, rule: r };
      default:
        return { handled: false };
    }
  }

  /** On shutdown: cancel pending delays and kill hanging responses. */
  shutdown() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }
}
