<?php
require __DIR__ . '/inc/db.php';
require __DIR__ . '/inc/layout.php';

$stmt = db()->prepare('SELECT title, body, published_at FROM news WHERE id = ?');
$stmt->execute([(int) ($_GET['id'] ?? 0)]);
$item = $stmt->fetch(PDO::FETCH_ASSOC);
if (!$item) {
    http_response_code(404);
    page_header('Tidak ditemukan');
    echo "<p>Berita tidak ditemukan.</p>\n";
    page_footer();
    exit;
}
page_header($item['title']);
echo '<article><h2>' . e($item['title']) . '</h2><time>' . e($item['published_at']) . '</time>'
    . '<p>' . nl2br(e($item['body'])) . "</p></article>\n";
page_footer();
