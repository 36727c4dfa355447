// Thin client for the emulator's identity pool (Amazon Cognito Identity at POST /) and its /_test/identity
// controls. `idp` is what startIdp() (lib/idp.mjs) returns; every control helper goes through its `call`.

export const IDENTITY_POOL_ID = 'eu-west-1:11111111-2222-3333-4444-555555555555';
export const AUTHENTICATED_ROLE = 'arn:aws:iam::123456789012:role/cognito-authenticated';

/** cfg given: create/update an identity pool (fields merge; no identityPoolId = the default pool) → the pool.
 *  No cfg: every identity pool → [pool]. */
export const identityPool = (idp, cfg) => (cfg === undefined
  ? idp.call('GET', '/_test/identity/pool')
  : idp.call('POST', '/_test/identity/pool', cfg));

/** Replace the user pool's group → role mapping, e.g. {admin: {roleArn, precedence: 1}}; {} clears it. */
export const groupRoles = (idp, map) => idp.call('POST', '/_test/identity/group-roles', map);

/** Every credential set issued, oldest first: [{identityId, roleArn, accessKeyId, secretKey, sessionToken, expiration, username, …}]. */
export const identityIssued = (idp) => idp.call('GET', '/_test/identity/issued');

/** Identities created by GetId: [{identityId, identityPoolId, providerName, sub, username, createdAt}]. */
export const identityIdentities = (idp) => idp.call('GET', '/_test/identity/identities');

/** {mode: 'throttle'|'not-authorized'|'resource-not-found'|'invalid-config'|'internal'|'garbage'|'hang'|…|'off',
 *  times?, endpoint?: 'identity' (default, both) | 'identity:GetId' | 'identity:GetCredentialsForIdentity'} */
export const identityFail = (idp, o) => idp.call('POST', '/_test/identity/fail', o);

/** Credential lifetime in seconds (number), or {seconds?, expirationFormat?: 'exponent'|'fraction'|'integer'}. */
export const identityLifetime = (idp, s) => idp.call('POST', '/_test/identity/lifetime', typeof s === 'number' ? { seconds: s } : s);

/** The Logins map the module must send for an ID token of this emulator's user pool. */
export function loginsFor(idp, idToken) {
  const region = idp.poolId.split('_')[0];
  return { [`cognito-idp.${region}.amazonaws.com/${idp.poolId}`]: idToken };
}

/** Raw Cognito Identity call, as the module makes it → {status, headers, text, json, errorType}. */
export async function identityCall(idp, operation, body) {
  const res = await fetch(`${idp.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${operation}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  const errorType = (res.headers.get('x-amzn-errortype') || '').split(':')[0] || null;
  return { status: res.status, headers: res.headers, text, json, errorType };
}

/** GetId + GetCredentialsForIdentity for an ID token → {identityId, credentials} (throws on an error answer). */
export async function identityCredentials(idp, idToken, { identityPoolId = IDENTITY_POOL_ID, customRoleArn } = {}) {
  const Logins = loginsFor(idp, idToken);
  const a = await identityCall(idp, 'GetId', { IdentityPoolId: identityPoolId, Logins });
  if (a.status !== 200) throw new Error(`GetId -> ${a.status}: ${a.text}`);
  const b = await identityCall(idp, 'GetCredentialsForIdentity', {
    IdentityId: a.json.IdentityId, Logins, ...(customRoleArn ? { CustomRoleArn: customRoleArn } : {}),
  });
  if (b.status !== 200) throw new Error(`GetCredentialsForIdentity -> ${b.status}: ${b.text}`);
  return { identityId: a.json.IdentityId, credentials: b.json.Credentials };
}
