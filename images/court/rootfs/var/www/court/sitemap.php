<?php
require __DIR__ . '/inc/db.php';

header('Content-Type: application/xml; charset=utf-8');
$base = base_url();
echo '<?xml version="1.0" encoding="UTF-8"?>' . "\n";
echo "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
$newest = db()->query('SELECT MAX(published_at) FROM news')->fetchColumn();
echo "<url><loc>$base</loc><lastmod>" . date('Y-m-d', strtotime($newest)) . "</lastmod></url>\n";
echo "<url><loc>{$base}dokumen.php</loc></url>\n";
foreach (db()->query('SELECT id, published_at FROM news ORDER BY id') as $row) {
    echo "<url><loc>{$base}berita.php?id=" . (int) $row['id'] . '</loc><lastmod>'
        . date('Y-m-d', strtotime($row['published_at'])) . "</lastmod></url>\n";
}
echo "</urlset>\n";
