<?php
// Home page of the mod_auth_cognito demo. Apache and the module did the sign-in; PHP only reads what
// the module put into $_SERVER: REMOTE_USER and COGNITO_* (README: "What the application sees").
$h = fn($s) => htmlspecialchars((string) $s, ENT_QUOTES, 'UTF-8');
$user   = $_SERVER['REMOTE_USER'];
$name   = $_SERVER['COGNITO_CLAIM_NAME'] ?? $user;
$groups = array_filter(explode(',', $_SERVER['COGNITO_GROUPS'] ?? ''), 'strlen');
$tenant = $_SERVER['COGNITO_TENANT'] ?? '';
$email  = $_SERVER['COGNITO_EMAIL'] ?? '';

// Call the Bearer-protected API on the user's behalf with their access token (CognitoPassTokens on).
$context = stream_context_create(['http' => [
    'header'        => "Authorization: Bearer {$_SERVER['COGNITO_ACCESS_TOKEN']}\r\nAccept: application/json\r\n",
    'ignore_errors' => true,
    'timeout'       => 5,
]]);
$apiBody   = @file_get_contents($_SERVER['DEMO_ORDERS_API'], false, $context);
$apiStatus = $http_response_header[0] ?? 'no answer';
$apiOk     = $apiBody !== false && str_contains($apiStatus, ' 200');

// Every variable the module exported (the raw tokens shortened).
$vars = array_filter($_SERVER, fn($k) => $k === 'REMOTE_USER' || $k === 'AUTH_TYPE' || str_starts_with($k, 'COGNITO_'), ARRAY_FILTER_USE_KEY);
ksort($vars);
?>
<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Home — mod_auth_cognito demo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/demo.css">
<header>
  <h1>mod_auth_cognito demo</h1>
  <nav><a href="/">Home</a><a href="/admin/">Admin page</a><a href="/aws.php">AWS credentials</a><a href="/oauth2/me">/oauth2/me</a><a id="signout" href="/logout">Sign out</a></nav>
</header>

<p id="hello">Signed in as <strong id="name"><?= $h($name) ?></strong> (user <code id="user"><?= $h($user) ?></code>)</p>
<table>
  <tr><th>Groups</th><td id="groups"><?php foreach ($groups as $g) echo '<span class="badge">', $h($g), '</span>'; ?><?= $groups ? '' : 'no groups' ?></td></tr>
  <tr><th>Tenant</th><td id="tenant"><?= $h($tenant) ?></td></tr>
  <tr><th>Email</th><td id="email"><?= $h($email) ?></td></tr>
</table>
<p><a href="/admin/">The admin page</a> needs the <strong>admin</strong> group (<code>Require cognito-group admin</code>).</p>

<h2>The orders API, called with your access token</h2>
<p>This page called <code><?= $h($_SERVER['DEMO_ORDERS_API']) ?></code> with
<code>Authorization: Bearer &lt;your access token&gt;</code>. That location has <code>CognitoBearer only</code> and
<code>Require cognito-scope orders/read</code>. Answer: <strong id="api-status" class="<?= $apiOk ? 'ok' : 'err' ?>"><?= $h($apiStatus) ?></strong></p>
<pre id="api-result"><?= $h($apiBody === false ? 'no answer' : $apiBody) ?></pre>

<h2>What the application sees</h2>
<table id="vars">
<?php foreach ($vars as $k => $v): ?>
  <tr><th><?= $h($k) ?></th><td><?= $h(str_ends_with($k, '_TOKEN') ? substr($v, 0, 24) . '… (' . strlen($v) . ' characters)' : $v) ?></td></tr>
<?php endforeach; ?>
</table>
</html>
