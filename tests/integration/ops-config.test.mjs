// Contract (a): every directive is validated when the configuration is read (apache2 -t).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configtest } from './lib/httpd.mjs';
import { apiBody } from './lib/cognito.mjs';

const ISSUER = 'http://127.0.0.1:9/eu-west-1_TestPool1';

async function expectRejected(body, directive) {
  const r = await configtest({ body });
  assert.notEqual(r.code, 0, `configtest should fail for ${directive}; output:\n${r.output}`);
  assert.match(r.output, new RegExp(directive), `configtest output should name ${directive}:\n${r.output}`);
  assert.doesNotMatch(r.output, /Syntax OK/);
}

describe('configuration validation (apache2 -t)', () => {
  it('a valid configuration passes', async () => {
    const r = await configtest({ body: apiBody({ issuer: ISSUER }) });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Syntax OK/);
  });

  it('a valid configuration with every tuning directive passes', async () => {
    const r = await configtest({
      body: apiBody({
        issuer: ISSUER,
        location: `
    CognitoRemoteUserClaim sub
    CognitoGroupsClaim cognito:groups`,
        server: `
CognitoClockSkew 30
CognitoJWKSCacheTTL 600
CognitoHTTPTimeout 3
CognitoTokenCacheEntries 100
CognitoSessionLocalEntries 0
CognitoSessionRecheck 0`,
      }),
    });
    assert.equal(r.code, 0, r.output);
  });

  it('rejects CognitoUserPool foo', async () => {
    await expectRejected(apiBody({ issuer: ISSUER, pool: 'foo' }), 'CognitoUserPool');
  });

  it('rejects CognitoIssuer with http:// to a non-loopback host', async () => {
    await expectRejected(apiBody({ issuer: 'http://example.com/x' }), 'CognitoIssuer');
  });

  it('rejects AuthType Cognito + Require without any CognitoClientID', async () => {
    await expectRejected(apiBody({ issuer: ISSUER, clientId: null }), 'CognitoClientID');
  });

  it('rejects CognitoClockSkew -5', async () => {
    await expectRejected(apiBody({ issuer: ISSUER, server: 'CognitoClockSkew -5' }), 'CognitoClockSkew');
  });

  for (const [line, directive] of [
    ['CognitoSessionRecheck -1', 'CognitoSessionRecheck'],
    ['CognitoSessionRecheck 5s', 'CognitoSessionRecheck'],
    ['CognitoSessionRecheck 3601', 'CognitoSessionRecheck'],
    ['CognitoSessionLocalEntries lots', 'CognitoSessionLocalEntries'],
    ['CognitoSessionLocalEntries 100001', 'CognitoSessionLocalEntries'],
    ['CognitoTokenCacheEntries -1', 'CognitoTokenCacheEntries'],
  ]) {
    it(`rejects ${line}`, async () => {
      await expectRejected(apiBody({ issuer: ISSUER, server: line }), directive);
    });
  }

  it('rejects the per-process table sizes and CognitoSessionRecheck inside <Location>', async () => {
    for (const line of ['CognitoSessionLocalEntries 10', 'CognitoSessionRecheck 1', 'CognitoTokenCacheEntries 10']) {
      await expectRejected(apiBody({ issuer: ISSUER, location: `    ${line}` }), line.split(' ')[0]);
    }
  });

  it('rejects CognitoBearer maybe', async () => {
    await expectRejected(apiBody({ issuer: ISSUER, location: '    CognitoBearer maybe' }), 'CognitoBearer');
  });
});
