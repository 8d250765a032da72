<?php
function page_header(string $title): void
{
    $court = e(setting('court_name'));
    echo "<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n";
    echo '<title>' . e($title) . " - $court</title>\n";
    echo "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Berita\" href=\"/rss.xml\">\n";
    echo "<link rel=\"stylesheet\" href=\"/assets/site.css\">\n</head>\n<body>\n";
    echo "<header><h1>$court</h1><nav><a href=\"/\">Beranda</a> | <a href=\"/dokumen.php\">Dokumen</a>"
        . " | <a href=\"/rss.xml\">RSS</a> | <a href=\"/admin/login.php\">Admin</a></nav></header>\n<main>\n";
}

function page_footer(): void
{
    echo "</main>\n<footer><p>&copy; " . date('Y') . ' ' . e(setting('court_name'))
        . ". Mahkamah Agung Republik Indonesia.</p></footer>\n</body>\n</html>\n";
}
