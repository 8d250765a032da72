<?php
// pn.website: a one-shot database dump of a court on shared hosting without remote MySQL (SOP W2).
//
// The controller uploads a copy of this file into the web root under a random name for ONE backup run,
// calls it once over HTTPS with the run's token in the X-PN-Dump-Token header, and removes it again.
// The copy holds only the SHA-256 of that token, an expiry time, a run nonce and the court's database
// account (court_db in the inventory), written in by the controller. It refuses a wrong token, deletes
// itself when called after its expiry, and deletes itself before it sends the first byte of a dump, so
// it answers once. The dump is framed: a header line with the run nonce and a trailer line with the
// byte count and SHA-256 of what lies between; the controller refuses a dump without them.
// PHP mysqli only: no shell, no other file is read or written. This template itself never answers.

$PN = json_decode(base64_decode('@@PN_CONFIG@@'), true);

function pn_refuse($code, $message)
{
    http_response_code($code);
    header('Content-Type: text/plain; charset=utf-8');
    header('Cache-Control: no-store');
    echo $message, "\n";
    exit;
}

function pn_remove_self()
{
    if (function_exists('opcache_invalidate')) {
        @opcache_invalidate(__FILE__, true);
    }
    return @unlink(__FILE__) || !file_exists(__FILE__);
}

if (!is_array($PN) || !isset($PN['token_sha256'], $PN['expires'], $PN['nonce'], $PN['db'])) {
    pn_refuse(404, 'not found');
}
if (time() > (int) $PN['expires']) {
    pn_remove_self();
    pn_refuse(410, 'expired');
}
if (($_SERVER['REQUEST_METHOD'] ?? '') !== 'POST') {
    pn_refuse(405, 'POST only');
}
$given = isset($_SERVER['HTTP_X_PN_DUMP_TOKEN']) ? (string) $_SERVER['HTTP_X_PN_DUMP_TOKEN'] : '';
if (!hash_equals((string) $PN['token_sha256'], hash('sha256', $given))) {
    pn_refuse(403, 'forbidden');
}
// one answer only: gone before the first byte of the dump
if (!pn_remove_self()) {
    pn_refuse(500, 'the dump script cannot remove itself; no dump');
}

$db = $PN['db'];
unset($PN['db']);
mysqli_report(MYSQLI_REPORT_OFF);
$link = @new mysqli((string) $db['host'], (string) $db['user'], (string) $db['password'], (string) $db['name'], (int) $db['port']);
if ($link->connect_errno) {
    pn_refuse(502, 'database connection failed (' . (int) $link->connect_errno . ')');
}
$link->set_charset('utf8mb4');
$link->query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
$link->query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
@set_time_limit(0);
while (ob_get_level() > 0) {
    ob_end_clean();
}
header('Content-Type: application/sql');
header('Cache-Control: no-store');
header('X-Accel-Buffering: no');
header('X-Content-Type-Options: nosniff');

$hash = hash_init('sha256');
$bytes = 0;
function pn_out($text)
{
    global $hash, $bytes;
    hash_update($hash, $text);
    $bytes += strlen($text);
    echo $text;
    if (strlen($text) > 0) {
        flush();
    }
}
function pn_ident($name)
{
    return '`' . str_replace('`', '``', $name) . '`';
}
function pn_fail($message)
{
    // no trailer: the controller refuses what came so far
    echo "\n-- pn-hosting-dump error ", preg_replace('/[^A-Za-z0-9 .,:()_-]/', ' ', $message), "\n";
    exit;
}

$name = (string) $db['name'];
echo '-- pn-hosting-dump 1 nonce=', $PN['nonce'], "\n";
pn_out("-- MariaDB dump of " . pn_ident($name) . " by pn-hosting-dump (PHP mysqli)\n");
pn_out("/*!40101 SET NAMES utf8mb4 */;\n");
pn_out("/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n");
pn_out("/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n\n");
pn_out("CREATE DATABASE /*!32312 IF NOT EXISTS*/ " . pn_ident($name) . " /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\n\n");
pn_out("USE " . pn_ident($name) . ";\n");

$tables = array();
$result = $link->query('SHOW FULL TABLES');
if (!$result) {
    pn_fail('cannot list the tables');
}
while ($row = $result->fetch_row()) {
    if ($row[1] === 'BASE TABLE') {
        $tables[] = $row[0];
    }
}
$result->free();

$numeric = array(
    MYSQLI_TYPE_TINY, MYSQLI_TYPE_SHORT, MYSQLI_TYPE_LONG, MYSQLI_TYPE_LONGLONG, MYSQLI_TYPE_INT24,
    MYSQLI_TYPE_FLOAT, MYSQLI_TYPE_DOUBLE, MYSQLI_TYPE_DECIMAL, MYSQLI_TYPE_NEWDECIMAL, MYSQLI_TYPE_YEAR,
);
$rows = 0;
foreach ($tables as $table) {
    $create = $link->query('SHOW CREATE TABLE ' . pn_ident($table));
    if (!$create) {
        pn_fail('cannot read the definition of a table');
    }
    $definition = $create->fetch_row();
    $create->free();
    pn_out("\n--\n-- Table structure for table " . pn_ident($table) . "\n--\n\n");
    pn_out('DROP TABLE IF EXISTS ' . pn_ident($table) . ";\n" . $definition[1] . ";\n\n");
    $data = $link->query('SELECT * FROM ' . pn_ident($table), MYSQLI_USE_RESULT);
    if (!$data) {
        pn_fail('cannot read the rows of a table');
    }
    $kinds = array();
    foreach ($data->fetch_fields() as $field) {
        if (in_array($field->type, $numeric, true)) {
            $kinds[] = 'number';
        } elseif ($field->charsetnr === 63) {
            $kinds[] = 'binary';
        } else {
            $kinds[] = 'text';
        }
    }
    $statement = '';
    while ($row = $data->fetch_row()) {
        $values = array();
        foreach ($row as $i => $value) {
            if ($value === null) {
                $values[] = 'NULL';
            } elseif ($kinds[$i] === 'number' && preg_match('/^-?[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?$/i', $value)) {
                $values[] = $value;
            } elseif ($kinds[$i] === 'binary' || $kinds[$i] === 'number') {
                $values[] = $value === '' ? "''" : '0x' . bin2hex($value);
            } else {
                $values[] = "'" . $link->real_escape_string($value) . "'";
            }
        }
        $tuple = '(' . implode(',', $values) . ')';
        if ($statement === '') {
            $statement = 'INSERT INTO ' . pn_ident($table) . ' VALUES ' . $tuple;
        } else {
            $statement .= ',' . $tuple;
        }
        $rows++;
        if (strlen($statement) > 65536) {
            pn_out($statement . ";\n");
            $statement = '';
        }
    }
    if ($link->errno) {
        pn_fail('reading the rows of a table stopped');
    }
    $data->free();
    if ($statement !== '') {
        pn_out($statement . ";\n");
    }
}
$link->query('COMMIT');
$link->close();
pn_out("\n/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n");
pn_out("/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;\n\n");
pn_out('-- Dump completed on ' . gmdate('Y-m-d H:i:s') . "\n");
echo '-- pn-hosting-dump end nonce=', $PN['nonce'], ' bytes=', $bytes, ' sha256=', hash_final($hash),
    ' tables=', count($tables), ' rows=', $rows, "\n";
