<?php
require __DIR__ . '/inc/db.php';
require __DIR__ . '/inc/layout.php';

page_header('Dokumen');
echo "<h2>Dokumen Publik</h2>\n<table class=\"docs\"><tr><th>Tanggal</th><th>Judul</th></tr>\n";
foreach (db()->query('SELECT title, filename, published_at FROM documents ORDER BY published_at DESC') as $row) {
    echo '<tr><td>' . e(substr($row['published_at'], 0, 10)) . '</td><td><a href="/uploads/dokumen/'
        . rawurlencode($row['filename']) . '">' . e($row['title']) . "</a></td></tr>\n";
}
echo "</table>\n";
page_footer();
