<?php
require __DIR__ . '/../inc/db.php';
require __DIR__ . '/../inc/layout.php';

session_start();
$error = '';
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $stmt = db()->prepare('SELECT id, password_hash FROM users WHERE username = ?');
    $stmt->execute([(string) ($_POST['username'] ?? '')]);
    $user = $stmt->fetch(PDO::FETCH_ASSOC);
    if ($user && password_verify((string) ($_POST['password'] ?? ''), $user['password_hash'])) {
        session_regenerate_id(true);
        $_SESSION['user_id'] = (int) $user['id'];
        header('Location: /admin/index.php');
        exit;
    }
    http_response_code(401);
    $error = 'Nama pengguna atau kata sandi salah.';
}
page_header('Masuk Admin');
echo "<h2>Masuk Admin</h2>\n";
if ($error !== '') {
    echo '<p class="error">' . e($error) . "</p>\n";
}
echo '<form method="post" action="/admin/login.php">'
    . '<label>Nama pengguna <input name="username" autocomplete="username"></label> '
    . '<label>Kata sandi <input type="password" name="password" autocomplete="current-password"></label> '
    . "<button type=\"submit\">Masuk</button></form>\n";
page_footer();
