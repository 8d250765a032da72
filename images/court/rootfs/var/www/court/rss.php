<?php
require __DIR__ . '/inc/db.php';

header('Content-Type: application/rss+xml; charset=utf-8');
$base = base_url();
echo '<?xml version="1.0" encoding="UTF-8"?>' . "\n";
echo "<rss version=\"2.0\"><channel>\n";
echo '<title>' . e(setting('court_name')) . "</title>\n<link>$base</link>\n";
echo "<description>Berita dan pengumuman</description>\n<language>id</language>\n";
foreach (db()->query('SELECT id, title, published_at FROM news ORDER BY published_at DESC LIMIT 20') as $row) {
    echo '<item><title>' . e($row['title']) . '</title>'
        . '<link>' . $base . 'berita.php?id=' . (int) $row['id'] . '</link>'
        . '<guid>' . $base . 'berita.php?id=' . (int) $row['id'] . '</guid>'
        . '<pubDate>' . date(DATE_RSS, strtotime($row['published_at'])) . "</pubDate></item>\n";
}
echo "</channel></rss>\n";
