// html.mjs — the Hosted-UI pages: sign-in form and the generic error page.
import { htmlEscape as e } from './http-util.mjs';

// Authorize parameters carried through the sign-in form (hidden fields and the form action's query).
export const CARRIED_PARAMS = [
  'client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method',
  'identity_provider', 'idp_identifier', 'lang', 'login_hint', 'prompt', 'resource',
];

const STYLE = `body{font-family:sans-serif;background:#f4f4f4}.modal-content{background:#fff;max-width:340px;margin:60px auto;padding:24px;border-radius:4px}
label{display:block;margin-top:12px}input[type=text],input[type=password]{width:100%;padding:6px}.errorMessage{color:#c00}
button{margin-top:16px;width:100%;padding:8px;background:#2b7bb9;color:#fff;border:0}`;

export function loginPage({ params, query, csrf, error, username }) {
  const hidden = CARRIED_PARAMS.filter((k) => params[k] != null)
    .map((k) => `    <input type="hidden" name="${e(k)}" value="${e(params[k])}">`)
    .join('\n');
  const lang = params.lang && /^[A-Za-z-]{1,16}$/.test(params.lang) ? params.lang : 'en';
  return `<!DOCTYPE html>
<html lang="${e(lang)}">
<head><meta charset="utf-8"><title>Signin</title><style>${STYLE}</style></head>
<body>
<div class="modal-content background-customizable">
  <h1>Sign in with your username and password</h1>
  ${error ? `<p id="loginErrorMessage" class="errorMessage-customizable errorMessage">${e(error)}</p>` : ''}
  <form name="cognitoSignInForm" method="post" action="/login${query ? `?${e(query)}` : ''}">
    <input type="hidden" name="_csrf" value="${e(csrf)}">
${hidden}
    <label for="signInFormUsername">Username</label>
    <input id="signInFormUsername" name="username" type="text" autocapitalize="none" autocomplete="username" required value="${e(username || '')}">
    <label for="signInFormPassword">Password</label>
    <input id="signInFormPassword" name="password" type="password" autocomplete="current-password" required>
    <button id="signin" name="signInSubmitButton" type="submit" class="btn btn-primary submitButton-customizable">Sign in</button>
  </form>
</div>
</body>
</html>
`;
}

export function errorPage(error) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Error</title><style>${STYLE}</style></head>
<body>
<div class="modal-content background-customizable">
  <h1 id="errorTitle">An error was encountered with the requested page.</h1>
  <p id="errorCode" class="errorMessage">${e(error || 'invalid_request')}</p>
</div>
</body>
</html>
`;
}
