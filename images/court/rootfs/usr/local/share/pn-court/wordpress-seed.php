<?php
/*
 * Installs and fills a court's WordPress site through WordPress's own functions: the court's name,
 * the Twenty Twenty-One theme, pretty permalinks, news posts (the newest two days old), pages and a
 * PDF in the media library. Run once by pn-court-init, as root, after config-<domain>.php exists:
 *
 *   php wordpress-seed.php DOMAIN COURT_NAME ADMIN_PASSWORD PDF_FILE
 */
if (PHP_SAPI !== 'cli' || $argc !== 5) {
    fwrite(STDERR, "usage: php wordpress-seed.php DOMAIN COURT_NAME ADMIN_PASSWORD PDF_FILE\n");
    exit(2);
}
[, $domain, $court_name, $admin_password, $document] = $argv;
// Debian's wp-config.php picks /etc/wordpress/config-<host>.php from the request's host.
$_SERVER['HTTP_HOST'] = $domain;
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['HTTPS'] = 'on';
// Media URLs come from WP_CONTENT_URL, which WordPress would derive from a site URL not saved yet.
define('WP_CONTENT_URL', 'https://' . $domain . '/wp-content');
define('WP_INSTALLING', true);
require '/usr/share/wordpress/wp-load.php';

function pn_fail($what, $error)
{
    fwrite(STDERR, $what . ': ' . (is_wp_error($error) ? $error->get_error_message() : 'failed') . "\n");
    exit(1);
}

// No mail server on a test court: the "new site" mail is not sent.
function wp_new_blog_notification($blog_title, $blog_url, $user_id, $password)
{
}
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/image.php';

$url = 'https://' . $domain;
if (!is_blog_installed()) {
    wp_install($court_name, 'admin', 'admin@' . $domain, true, '', wp_slash($admin_password));
}
update_option('siteurl', $url);
update_option('home', $url);
update_option('blogdescription', 'Website resmi ' . $court_name);
update_option('timezone_string', 'Asia/Jakarta');
update_option('permalink_structure', '/%year%/%monthnum%/%postname%/');
update_option('show_on_front', 'posts');
switch_theme('twentytwentyone');

// The sample post, page and comment of a fresh installation give way to the court's own content.
foreach (get_posts(['post_type' => ['post', 'page'], 'post_status' => 'any', 'numberposts' => -1]) as $old) {
    wp_delete_post($old->ID, true);
}
$author = get_user_by('login', 'admin')->ID;

$media = wp_upload_bits(basename($document), null, file_get_contents($document));
if (!empty($media['error'])) {
    pn_fail('media', new WP_Error('upload', $media['error']));
}
$attachment = wp_insert_attachment(
    [
        'post_title' => 'Laporan Tahunan ' . $court_name,
        'post_mime_type' => 'application/pdf',
        'post_status' => 'inherit',
        'post_author' => $author,
        'guid' => $media['url'],
    ],
    $media['file'],
    0,
    true
);
if (is_wp_error($attachment)) {
    pn_fail('media', $attachment);
}
wp_update_attachment_metadata($attachment, wp_generate_attachment_metadata($attachment, $media['file']));

$posts = [
    ['Sidang Keliling di Kecamatan Terpencil', 20,
     'Pengadilan menggelar sidang keliling untuk perkara isbat nikah dan permohonan akta kelahiran.'],
    ['Penandatanganan Pakta Integritas Zona Integritas', 9,
     'Seluruh aparatur pengadilan menandatangani pakta integritas menuju Wilayah Bebas dari Korupsi.'],
    ['Laporan Tahunan Telah Terbit', 2,
     'Laporan tahunan pengadilan dapat diunduh di <a href="' . esc_url($media['url']) . '">sini</a>.'],
];
foreach ($posts as [$title, $days_ago, $content]) {
    $id = wp_insert_post(
        [
            'post_title' => $title,
            'post_content' => '<!-- wp:paragraph --><p>' . $content . '</p><!-- /wp:paragraph -->',
            'post_status' => 'publish',
            'post_author' => $author,
            'post_date_gmt' => gmdate('Y-m-d H:i:s', time() - $days_ago * 86400),
        ],
        true
    );
    if (is_wp_error($id)) {
        pn_fail('post ' . $title, $id);
    }
}
$pages = [
    ['Profil Pengadilan', $court_name . ' melayani pencari keadilan di wilayah hukumnya.'],
    ['Layanan PTSP', 'Pelayanan Terpadu Satu Pintu buka Senin sampai Jumat, pukul 08.00 sampai 16.00.'],
    ['Kontak', 'Hubungi kami melalui meja informasi atau surel resmi pengadilan.'],
];
foreach ($pages as [$title, $content]) {
    $id = wp_insert_post(
        [
            'post_title' => $title,
            'post_content' => '<!-- wp:paragraph --><p>' . $content . '</p><!-- /wp:paragraph -->',
            'post_status' => 'publish',
            'post_type' => 'page',
            'post_author' => $author,
        ],
        true
    );
    if (is_wp_error($id)) {
        pn_fail('page ' . $title, $id);
    }
}
// The web server configuration carries the rewrite; WordPress's own rules are stored, no .htaccess.
flush_rewrite_rules(false);
