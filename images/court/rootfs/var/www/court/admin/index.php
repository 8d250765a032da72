<?php
require __DIR__ . '/../inc/db.php';
require __DIR__ . '/../inc/layout.php';

session_start();
if (empty($_SESSION['user_id'])) {
    header('Location: /admin/login.php');
    exit;
}
page_header('Dasbor Admin');
$count = db()->query('SELECT COUNT(*) FROM news')->fetchColumn();
echo '<h2>Dasbor Admin</h2><p>Jumlah berita: ' . (int) $count . "</p>\n";
page_footer();
