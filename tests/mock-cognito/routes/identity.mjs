// routes/identity.mjs — POST / with X-Amz-Target AWSCognitoIdentityService.{GetId,GetCredentialsForIdentity}:
// the Amazon Cognito Identity wire (awsJson1_1, unsigned public operations). Errors are AWS-shaped:
// 400 (500 for InternalErrorException), x-amzn-ErrorType header, {"__type","message"} body.
import crypto from 'node:crypto';
import { readBody, send, sendJson } from '../lib/http-util.mjs';
import { IdentityError } from '../lib/identity-pool.mjs';

export const AMZ_JSON_CT = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSCognitoIdentityService.';
const OPERATIONS = ['GetId', 'GetCredentialsForIdentity'];
const ERROR_NAMESPACE = 'http://internal.amazon.com/coral/com.amazonaws.cognito.identity.model/';

function reply(res, status, bodyText, headers = {}) {
  send(res, status, { 'Content-Type': AMZ_JSON_CT, 'x-amzn-RequestId': crypto.randomUUID(), ...headers }, bodyText);
}

export function sendAwsError(res, status, type, message) {
  const body = message == null ? { __type: type } : { __type: type, message };
  reply(res, status, JSON.stringify(body), { 'x-amzn-ErrorType': `${type}:${ERROR_NAMESPACE}` });
}

export async function identity(ctx) {
  const { state, req, res } = ctx;
  // GET / and friends: no Cognito Identity here, same 404 as any unknown path.
  if (req.method !== 'POST') return sendJson(res, 404, { message: 'Not Found' });

  const target = String(req.headers['x-amz-target'] || '');
  const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : null;
  const ev = (outcome, detail, extra = {}) => state.event({ type: 'identity', grant: op, clientId: extra.clientId ?? null, username: extra.username ?? null, outcome, detail });

  let buf;
  try {
    buf = await readBody(req);
  } catch {
    buf = null;
  }
  if (!OPERATIONS.includes(op)) {
    ev('UnknownOperationException', { target });
    return sendAwsError(res, 400, 'UnknownOperationException');
  }
  const endpoint = `identity:${op}`;
  state.count(endpoint);
  const injected = await state.failures.apply(endpoint, req, res, { awsError: (status, type, message) => sendAwsError(res, status, type, message) });
  if (injected.handled) return ev('injected_failure', { mode: injected.rule.mode });

  const contentType = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (contentType !== AMZ_JSON_CT) {
    ev('UnknownOperationException', { contentType });
    return sendAwsError(res, 400, 'UnknownOperationException');
  }

  try {
    let body;
    try {
      if (buf === null) throw new Error('unreadable body');
      body = JSON.parse(buf.toString('utf8') || 'null');
    } catch {
      throw new IdentityError('InvalidParameterException', 'Request body is not valid JSON', 'malformed body');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new IdentityError('InvalidParameterException', 'Request body must be a JSON object', 'malformed body');
    }
    if (op === 'GetId') {
      const out = state.identity.getId(body);
      ev('ok', { identityId: out.identityId }, out);
      return reply(res, 200, JSON.stringify({ IdentityId: out.identityId }));
    }
    const { identityId, expirationText, record: r } = state.identity.getCredentials(body);
    ev('ok', { identityId, roleArn: r.roleArn, roleReason: r.roleReason, accessKeyId: r.accessKeyId }, r);
    // Built by hand so Expiration keeps Cognito's number spelling (1.712345678E9); members in Cognito's order.
    const credentials = `{"AccessKeyId":${JSON.stringify(r.accessKeyId)},"Expiration":${expirationText},` +
      `"SecretKey":${JSON.stringify(r.secretKey)},"SessionToken":${JSON.stringify(r.sessionToken)}}`;
    return reply(res, 200, `{"Credentials":${credentials},"IdentityId":${JSON.stringify(identityId)}}`);
  } catch (e) {
    if (!(e instanceof IdentityError)) throw e;
    ev(e.type, e.detail ?? e.message);
    return sendAwsError(res, e.type === 'InternalErrorException' ? 500 : 400, e.type, e.message);
  }
}
