<?php
// GET /api/orders — a JSON API. Apache lets a request through only with a valid Cognito access token
// carrying the orders/read scope (CognitoBearer only, Require cognito-scope orders/read).
header('Content-Type: application/json');
$user = $_SERVER['REMOTE_USER'];
echo json_encode([
    'user'   => $user,
    'scope'  => $_SERVER['COGNITO_SCOPE'] ?? '',
    'orders' => [
        ['id' => 'SO-1001', 'customer' => $user, 'item' => 'Blue widget', 'quantity' => 2],
        ['id' => 'SO-1002', 'customer' => $user, 'item' => 'Red gadget', 'quantity' => 1],
    ],
], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
