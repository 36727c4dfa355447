<?php
// /admin/ — only for the admin group: Apache checked `Require cognito-group admin` before PHP ran.
$h = fn($s) => htmlspecialchars((string) $s, ENT_QUOTES, 'UTF-8');
?>
<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Admin — mod_auth_cognito demo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/demo.css">
<header>
  <h1>mod_auth_cognito demo</h1>
  <nav><a href="/">Home</a><a href="/admin/">Admin page</a><a href="/oauth2/me">/oauth2/me</a><a href="/logout">Sign out</a></nav>
</header>
<h2 id="title">Admin area</h2>
<p>Welcome, <strong id="user"><?= $h($_SERVER['REMOTE_USER']) ?></strong>. You are in the groups
<code id="groups"><?= $h($_SERVER['COGNITO_GROUPS'] ?? '') ?></code>, so <code>Require cognito-group admin</code> let you in.</p>
<p>Users without the admin group get a 403 and <a href="/admin-only.html">this page</a> instead.</p>
</html>
