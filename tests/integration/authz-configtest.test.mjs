// Contract: Require cognito-* lines are checked when the configuration is read (apache2 -t): a missing
// argument or an unparsable ap_expr fails configtest with a message naming the provider / the expression.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configtest } from './lib/httpd.mjs';
import { CLIENT_ID, POOL_ID } from './lib/idp.mjs';

const ISSUER = 'http://127.0.0.1:9/eu-west-1_TestPool1';

const body = (require) => `
CognitoUserPool ${POOL_ID}
CognitoIssuer ${ISSUER}
CognitoClientID ${CLIENT_ID}
CognitoDomain http://127.0.0.1:9
SetEnvIf Host "^([^.]+)\\." TENANT=$1
<Location /app/>
    AuthType Cognito
    AuthName "app"
    AuthzSendForbiddenOnFailure On
${require}
</Location>
`;

async function expectRejected(require, mustMention) {
  const r = await configtest({ body: body(require) });
  assert.notEqual(r.code, 0, `configtest should fail for ${JSON.stringify(require)}; output:\n${r.output}`);
  assert.doesNotMatch(r.output, /Syntax OK/);
  for (const re of [mustMention].flat()) assert.match(r.output, re, `configtest output should mention ${re}:\n${r.output}`);
  return r;
}

describe('Require cognito-* lines at configtest', () => {
  it('valid lines of every provider, with expressions and in RequireAll/RequireAny, pass', async () => {
    const r = await configtest({
      body: body(`
    <RequireAll>
        Require cognito-group admin staff
        Require cognito-claim custom:plan pro gold
        Require cognito-tenant %{env:TENANT} acme
        Require not cognito-claim custom:banned true
        <RequireAny>
            Require cognito-scope orders/read
            Require cognito-group "%{HTTP_HOST}"
        </RequireAny>
    </RequireAll>`),
    });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Syntax OK/);
  });

  it('Require cognito-group without a group fails and names cognito-group', async () => {
    await expectRejected('    Require cognito-group', /cognito-group/);
  });

  it('Require cognito-claim custom:plan (no value) fails and names cognito-claim', async () => {
    await expectRejected('    Require cognito-claim custom:plan', /cognito-claim/);
  });

  it('Require cognito-claim without anything fails and names cognito-claim', async () => {
    await expectRejected('    Require cognito-claim', /cognito-claim/);
  });

  it('Require cognito-tenant and cognito-scope without a value fail and name the provider', async () => {
    await expectRejected('    Require cognito-tenant', /cognito-tenant/);
    await expectRejected('    Require cognito-scope', /cognito-scope/);
  });

  it('an unparsable expression (Require cognito-group %{) fails, naming cognito-group and the expression', async () => {
    const r = await expectRejected('    Require cognito-group %{', /cognito-group/);
    assert.match(r.output, /%\{|expression|expr/i, `the message should point at the expression:\n${r.output}`);
  });

  it('an unparsable expression in cognito-tenant inside <RequireAny> fails too', async () => {
    await expectRejected('    <RequireAny>\n        Require valid-user\n        Require cognito-tenant %{env:TENANT\n    </RequireAny>', /cognito-tenant/);
  });
});
