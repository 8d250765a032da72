<?php
require __DIR__ . '/inc/db.php';
require __DIR__ . '/inc/layout.php';

page_header('Beranda');
echo "<section id=\"berita\"><h2>Berita Terkini</h2>\n<ul class=\"news\">\n";
$rows = db()->query('SELECT id, title, published_at FROM news ORDER BY published_at DESC LIMIT 10');
foreach ($rows as $row) {
    $date = date('Y-m-d', strtotime($row['published_at']));
    echo '<li><time datetime="' . e($date) . '">' . e($date) . '</time> '
        . '<a href="/berita.php?id=' . (int) $row['id'] . '">' . e($row['title']) . "</a></li>\n";
}
echo "</ul></section>\n";
page_footer();
