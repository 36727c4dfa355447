<?php
// The user's own AWS credentials (CognitoIdentityPool + CognitoPassAWSCredentials env): what an AWS SDK in
// this application would read from its environment. The secret key and session token are never shown.
$h = fn($s) => htmlspecialchars((string) $s, ENT_QUOTES, 'UTF-8');
$available = ($_SERVER['COGNITO_AWS_CREDENTIALS'] ?? '') === 'available';
$mask = fn($s) => $s === null || $s === '' ? '(not set)' : substr($s, 0, 4) . str_repeat('•', 8) . ' (' . strlen($s) . ' characters)';
$rows = [
    'COGNITO_AWS_CREDENTIALS'   => $_SERVER['COGNITO_AWS_CREDENTIALS'] ?? '(not set)',
    'COGNITO_IDENTITY_ID'       => $_SERVER['COGNITO_IDENTITY_ID'] ?? '(not set)',
    'COGNITO_ROLE_ARN'          => $_SERVER['COGNITO_ROLE_ARN'] ?? '(the identity pool\'s default authenticated role)',
    'AWS_REGION'                => $_SERVER['AWS_REGION'] ?? '(not set)',
    'AWS_CREDENTIAL_EXPIRATION' => $_SERVER['AWS_CREDENTIAL_EXPIRATION'] ?? '(not set)',
    'AWS_ACCESS_KEY_ID'         => $_SERVER['AWS_ACCESS_KEY_ID'] ?? '(not set)',
    'AWS_SECRET_ACCESS_KEY'     => $mask($_SERVER['AWS_SECRET_ACCESS_KEY'] ?? null),
    'AWS_SESSION_TOKEN'         => $mask($_SERVER['AWS_SESSION_TOKEN'] ?? null),
];
?>
<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>AWS credentials — mod_auth_cognito demo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/demo.css">
<header>
  <h1>mod_auth_cognito demo</h1>
  <nav><a href="/">Home</a><a href="/admin/">Admin page</a><a href="/aws.php">AWS credentials</a><a href="/oauth2/me">/oauth2/me</a><a id="signout" href="/logout">Sign out</a></nav>
</header>
<h2>Your own temporary AWS credentials</h2>
<p>The module exchanged your ID token at the identity pool (GetId, GetCredentialsForIdentity) and put the result
into this page's environment. An AWS SDK here (<code>new Aws\S3\S3Client([...])</code>) would use them as
<strong id="aws-user"><?= $h($_SERVER['REMOTE_USER']) ?></strong>, with the IAM role of your group.
Status: <strong id="aws-status" class="<?= $available ? 'ok' : 'err' ?>"><?= $available ? 'available' : 'unavailable' ?></strong></p>
<table id="aws-vars">
<?php foreach ($rows as $k => $v): ?>
  <tr><th><code><?= $h($k) ?></code></th><td id="<?= $h(strtolower($k)) ?>"><?= $h($v) ?></td></tr>
<?php endforeach; ?>
</table>
<p>No S3-compatible server is started by the demo; with one, <code>aws s3 ls</code> run by this PHP process
would list what the role allows.</p>
