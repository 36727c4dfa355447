// A PHP page that records every request it receives, for the form-post tests (CognitoPreservePost:
// tests/integration/login-preserve-post.test.mjs, tests/browser/preserve-post.test.mjs).
// Served by php-cgi through its #! line under a ScriptAlias; each request appends one JSON line
// {method, uri, user, contentType, post} to <ServerRoot>/records/requests.jsonl and is printed back as HTML
// (#method, #record). Builds on the shared rig; changes nothing of it.
import fs from 'node:fs';
import path from 'node:path';

export const RECORD_PHP = `#!/usr/bin/php-cgi -dcgi.force_redirect=0
<?php
// Records each request (method, URI, user, decoded POST fields) as one JSON line, and prints it.
$rec = [
  'method' => $_SERVER['REQUEST_METHOD'],
  'uri' => $_SERVER['REQUEST_URI'],
  'user' => $_SERVER['REMOTE_USER'] ?? null,
  'contentType' => $_SERVER['CONTENT_TYPE'] ?? null,
  'post' => (object)$_POST,
];
$line = json_encode($rec, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
file_put_contents(dirname(__DIR__) . '/records/requests.jsonl', $line . "\\n", FILE_APPEND | LOCK_EX);
header('Content-Type: text/html; charset=utf-8');
header('Cache-Control: no-store');
echo '<!DOCTYPE html><html><head><meta charset="utf-8"><title>recorded</title></head><body>';
echo '<h1 id="method">' . htmlspecialchars($rec['method']) . '</h1>';
echo '<pre id="record">' . htmlspecialchars($line) . '</pre></body></html>';
`;

const RECORDS = 'records/requests.jsonl';

/** startHttpd files: the recorder as cgi-bin/<name> and its (www-data writable) record file. */
export function recordFiles(name = 'record.cgi') {
  if (!fs.existsSync('/usr/bin/php-cgi')) throw new Error('php-cgi is not installed (apt-get install -y php-cgi)');
  return {
    [`cgi-bin/${name}`]: { content: RECORD_PHP, mode: 0o755 },
    [RECORDS]: { content: '', mode: 0o666 },
  };
}

/** What the recorder received so far: [{ method, uri, user, contentType, post }]. */
export function records(h) {
  return fs.readFileSync(path.join(h.dir, RECORDS), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** Empties the record file. */
export function clearRecords(h) {
  fs.writeFileSync(path.join(h.dir, RECORDS), '');
}
