# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardening audit engine: SSH lockout guard, web probes against real loopback servers, PHP, DB, CMS."""

from __future__ import annotations

import datetime
import getpass
import os
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.pn.website.plugins.module_utils.hardening import hardening_audit as ha
from ansible_collections.pn.website.tests.unit.plugins.module_utils.probe_servers import (
    make_ca,
    make_cert,
    write_pem,
)

HARDENED_SSHD = """port 22
permitrootlogin no
pubkeyauthentication yes
passwordauthentication no
kbdinteractiveauthentication no
permitemptypasswords no
ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr
kexalgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256
macs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com
x11forwarding no
maxauthtries 3
loglevel VERBOSE
usepam yes
authorizedkeysfile .ssh/authorized_keys
"""
DEBIAN_SSHD = """port 22
permitrootlogin without-password
pubkeyauthentication yes
passwordauthentication yes
kbdinteractiveauthentication no
permitemptypasswords no
ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes128-cbc
kexalgorithms curve25519-sha256,diffie-hellman-group14-sha1
macs umac-64-etm@openssh.com,hmac-sha2-256,hmac-sha1
x11forwarding yes
maxauthtries 6
loglevel INFO
usepam yes
authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2
"""
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEIQczXkVx9q sopansible@court\n"


class FakeSystem(ha.System):
    """Commands and files from dictionaries; HTTP and the file system are real (loopback, tmp_path)."""

    def __init__(self, commands=None, files=None, container="", present=("sshd",), today=None):
        self.commands = commands or {}
        self.files = files or {}
        self.container = container
        self.present = set(present)
        self.calls = []
        self._today = today or datetime.date(2026, 11, 23)

    def run(self, argv, timeout=30):
        self.calls.append(argv)
        key = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(argv))
        for prefix, answer in self.commands.items():
            if key.startswith(prefix):
                return answer(argv) if callable(answer) else answer
        return 127, "", "%s: not found" % argv[0]

    def which(self, name):
        return "/usr/sbin/" + name if name in self.present else None

    def read(self, path):
        return self.files.get(path)

    def read_tail(self, path, max_bytes=1048576):
        text = self.files.get(path)
        return None if text is None else text[-max_bytes:]

    def in_container(self):
        return self.container

    def today(self):
        return self._today


def by_id(result):
    return {c["id"]: c for c in result["controls"]}


# ------------------------------------------------------------------------------------------------ SSH


def test_parse_sshd_t_joins_repeated_keywords():
    cfg = ha.parse_sshd_t("Port 22\nport 2222\nallowusers a b\n\nloglevel VERBOSE\n")
    assert cfg["port"] == "22 2222"
    assert cfg["allowusers"] == "a b"
    assert cfg["loglevel"] == "VERBOSE"


def test_hardened_sshd_passes_every_config_control():
    controls = ha.ssh_config_controls(ha.parse_sshd_t(HARDENED_SSHD))
    assert {c["id"]: c["status"] for c in controls} == {
        "ssh-root-login": "pass",
        "ssh-password-auth": "pass",
        "ssh-kbd-interactive": "pass",
        "ssh-empty-passwords": "pass",
        "ssh-ciphers": "pass",
        "ssh-kex": "pass",
        "ssh-macs": "pass",
        "ssh-x11-forwarding": "pass",
        "ssh-max-auth-tries": "pass",
        "ssh-log-level": "pass",
    }


def test_debian_default_sshd_fails_with_the_weak_algorithms_named():
    controls = {c["id"]: c for c in ha.ssh_config_controls(ha.parse_sshd_t(DEBIAN_SSHD))}
    assert controls["ssh-root-login"]["status"] == "pass"  # key-only root login is acceptable
    assert controls["ssh-password-auth"]["status"] == "fail"
    assert controls["ssh-password-auth"]["observed"] == "yes"
    assert controls["ssh-ciphers"]["status"] == "fail"
    assert "aes128-cbc" in controls["ssh-ciphers"]["detail"]
    assert "diffie-hellman-group14-sha1" in controls["ssh-kex"]["detail"]
    assert "umac-64-etm@openssh.com" in controls["ssh-macs"]["detail"]
    assert "hmac-sha2-256" not in controls["ssh-macs"]["detail"].replace("hmac-sha2-256-etm", "")
    assert controls["ssh-max-auth-tries"]["status"] == "fail"
    assert controls["ssh-log-level"]["status"] == "fail"


def test_permit_root_login_yes_fails():
    cfg = ha.parse_sshd_t(HARDENED_SSHD.replace("permitrootlogin no", "permitrootlogin yes"))
    assert by_id({"controls": ha.ssh_config_controls(cfg)})["ssh-root-login"]["status"] == "fail"


def _root_home():
    import pwd

    return pwd.getpwnam("root").pw_dir


def _login_system(keys=KEY, shadow="root:$y$hash:20000:0:99999:7:::\n"):
    files = {"/etc/shadow": shadow}
    if keys is not None:
        files[os.path.join(_root_home(), ".ssh/authorized_keys")] = keys
    return FakeSystem(files=files)


def test_login_guard_accepts_a_key_login():
    cfg = ha.parse_sshd_t(HARDENED_SSHD.replace("permitrootlogin no", "permitrootlogin prohibit-password"))
    assert ha.ssh_login_problems(_login_system(), cfg, "root", groups=["root"]) == []


def test_login_guard_refuses_allow_users_without_the_operator():
    cfg = ha.parse_sshd_t(HARDENED_SSHD.replace("permitrootlogin no", "permitrootlogin prohibit-password"))
    cfg["allowusers"] = "someoneelse admin@10.0.0.*"
    problems = ha.ssh_login_problems(_login_system(), cfg, "root", groups=["root"])
    assert len(problems) == 1
    assert "AllowUsers (someoneelse admin@10.0.0.*)" in problems[0]
    cfg["allowusers"] = "ro* someoneelse"
    assert ha.ssh_login_problems(_login_system(), cfg, "root", groups=["root"]) == []


def test_login_guard_refuses_allow_groups_and_deny_lists():
    cfg = ha.parse_sshd_t(HARDENED_SSHD.replace("permitrootlogin no", "permitrootlogin prohibit-password"))
    cfg["allowgroups"] = "sshusers"
    problems = ha.ssh_login_problems(_login_system(), cfg, "root", groups=["root", "adm"])
    assert any("AllowGroups (sshusers)" in p for p in problems)
    cfg["allowgroups"] = "adm"
    assert ha.ssh_login_problems(_login_system(), cfg, "root", groups=["root", "adm"]) == []
    cfg["denygroups"] = "adm"
    assert any("DenyGroups" in p for p in ha.ssh_login_problems(_login_system(), cfg, "root", groups=["adm"]))


def test_login_guard_refuses_key_only_without_an_authorized_key():
    cfg = ha.parse_sshd_t(HARDENED_SSHD.replace("permitrootlogin no", "permitrootlogin prohibit-password"))
    problems = ha.ssh_login_problems(_login_system(keys="# no keys here\n"), cfg, "root", groups=["root"])
    assert len(problems) == 1
    assert "has no authorized key" in problems[0] and "password login would be off" in problems[0]


def test_login_guard_refuses_password_only_access():
    cfg = ha.parse_sshd_t(HARDENED_SSHD.replace("permitrootlogin no", "permitrootlogin prohibit-password"))
    cfg["passwordauthentication"] = "yes"
    problems = ha.ssh_login_problems(_login_system(keys=None), cfg, "root", groups=["root"])
    assert len(problems) == 1
    assert "only password login would be left" in problems[0]


def test_login_guard_refuses_root_when_root_login_is_off():
    cfg = ha.parse_sshd_t(HARDENED_SSHD)
    problems = ha.ssh_login_problems(_login_system(), cfg, "root", groups=["root"])
    assert any("PermitRootLogin would be no" in p for p in problems)


def test_login_guard_refuses_an_expired_password_under_pam():
    cfg = ha.parse_sshd_t(HARDENED_SSHD.replace("permitrootlogin no", "permitrootlogin prohibit-password"))
    today = (datetime.date(2026, 11, 23) - datetime.date(1970, 1, 1)).days
    expired = "root:$y$hash:%d:0:90:7:::\n" % (today - 91)
    problems = ha.ssh_login_problems(_login_system(shadow=expired), cfg, "root", groups=["root"])
    assert any("password expired" in p for p in problems)
    forced = "root:$y$hash:0:0:99999:7:::\n"
    assert any(
        "forced" in p for p in ha.ssh_login_problems(_login_system(shadow=forced), cfg, "root", ["root"])
    )
    cfg["usepam"] = "no"
    assert ha.ssh_login_problems(_login_system(shadow=expired), cfg, "root", groups=["root"]) == []


def test_login_guard_refuses_authentication_methods_without_publickey():
    cfg = ha.parse_sshd_t(HARDENED_SSHD.replace("permitrootlogin no", "permitrootlogin prohibit-password"))
    cfg["authenticationmethods"] = "password"
    problems = ha.ssh_login_problems(_login_system(), cfg, "root", groups=["root"])
    assert any("AuthenticationMethods password" in p for p in problems)


OTHER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbEuSxHc0ieRiV3WgUBFPnfsKXSnEc9qhvxOh3J4vYN operator-laptop\n"


def _fp(line):
    from ansible_collections.pn.website.plugins.module_utils.hardening import ssh_keys

    return ssh_keys.parse_key(line)["fingerprint"]


def _key_cfg(**changes):
    cfg = ha.parse_sshd_t(HARDENED_SSHD.replace("permitrootlogin no", "permitrootlogin prohibit-password"))
    cfg.update(changes)
    return cfg


def test_login_guard_checks_the_key_ansible_uses_not_any_key():
    """Another key is authorized but not the one Ansible connects with: counting keys says fine, the
    guard with Ansible's key says locked out."""
    ansible_key = [{"fingerprint": _fp(KEY), "source": "controller"}]
    system = _login_system(keys=OTHER)
    assert ha.ssh_login_problems(system, _key_cfg(), "root", groups=["root"]) == []  # any key counts
    problems = ha.ssh_login_problems(system, _key_cfg(), "root", groups=["root"], keys=ansible_key)
    assert len(problems) == 1
    assert _fp(KEY) in problems[0] and "is not in the authorized keys of root" in problems[0]
    assert "1 other key(s) there" in problems[0]
    # With user certificates (TrustedUserCAKeys) a key outside authorized_keys may still log in.
    cfg = _key_cfg(trustedusercakeys="/etc/ssh/user_ca.pub")
    assert ha.ssh_login_problems(system, cfg, "root", groups=["root"], keys=ansible_key) == []
    both = _login_system(keys=OTHER + KEY)
    assert ha.ssh_login_problems(both, _key_cfg(), "root", groups=["root"], keys=ansible_key) == []
    # Only the files the configuration reads count: the key in authorized_keys2 is no longer read.
    home = _root_home()
    split = FakeSystem(
        files={
            os.path.join(home, ".ssh/authorized_keys"): OTHER,
            os.path.join(home, ".ssh/authorized_keys2"): KEY,
            "/etc/shadow": "",
        }
    )
    cfg = _key_cfg(authorizedkeysfile=".ssh/authorized_keys .ssh/authorized_keys2")
    assert ha.ssh_login_problems(split, cfg, "root", groups=["root"], keys=ansible_key) == []
    cfg = _key_cfg(authorizedkeysfile=".ssh/authorized_keys")
    assert ha.ssh_login_problems(split, cfg, "root", groups=["root"], keys=ansible_key)


def test_login_guard_checks_options_algorithms_and_strict_modes_of_that_key():
    ansible_key = [{"fingerprint": _fp(KEY), "source": "controller"}]
    limited = _login_system(keys='from="192.0.2.0/24" ' + KEY + OTHER)
    problems = ha.ssh_login_problems(
        limited, _key_cfg(), "root", ["root"], keys=ansible_key, addr="10.88.0.1"
    )
    assert len(problems) == 1 and 'from="192.0.2.0/24"' in problems[0] and "10.88.0.1" in problems[0]
    assert (
        ha.ssh_login_problems(limited, _key_cfg(), "root", ["root"], keys=ansible_key, addr="192.0.2.9") == []
    )
    cfg = _key_cfg(pubkeyacceptedalgorithms="rsa-sha2-512,rsa-sha2-256")
    problems = ha.ssh_login_problems(_login_system(), cfg, "root", ["root"], keys=ansible_key)
    assert "PubkeyAcceptedAlgorithms" in problems[0]

    class LooseModes(FakeSystem):
        def stat(self, path):
            mode = 0o100664 if path.endswith("authorized_keys") else 0o40755
            return os.stat_result((mode, 0, 0, 1, 0, 0, 0, 0, 0, 0))

    loose = LooseModes(files={os.path.join(_root_home(), ".ssh/authorized_keys"): KEY, "/etc/shadow": ""})
    problems = ha.ssh_login_problems(loose, _key_cfg(), "root", ["root"], keys=ansible_key)
    assert "StrictModes" in problems[0]
    assert ha.ssh_login_problems(loose, _key_cfg(strictmodes="no"), "root", ["root"], keys=ansible_key) == []


def test_login_guard_refuses_when_it_cannot_tell_the_key_and_keeps_password_logins():
    problems = ha.ssh_login_problems(_login_system(), _key_cfg(), "root", ["root"], keys=[])
    assert problems and "the key Ansible logs in with is unknown" in problems[0]
    problems = ha.ssh_login_problems(
        _login_system(keys=None), _key_cfg(), "root", ["root"], method="password"
    )
    assert problems and "Ansible logs in with password, which would be turned off" in problems[0]
    cfg = _key_cfg(passwordauthentication="yes")
    assert ha.ssh_login_problems(_login_system(keys=None), cfg, "root", ["root"], method="password") == []


def test_ssh_area_checks_the_key_this_session_logged_in_with():
    """No key from the controller: the key comes from sshd's log line of Ansible's own session."""

    def sshd(argv):
        return 0, HARDENED_SSHD.replace("permitrootlogin no", "permitrootlogin prohibit-password"), ""

    log = (
        "Accepted publickey for root from 192.0.2.7 port 50000 ssh2: ED25519 %s\n"
        "Accepted publickey for root from 192.0.2.7 port 50002 ssh2: ED25519 %s\n" % (_fp(OTHER), _fp(KEY))
    )
    options = {"areas": ["ssh"], "ssh_login_user": "root", "ssh_client_addr": "192.0.2.7"}
    for port, status in ((50002, "pass"), (50000, "fail")):
        system = _login_system()  # KEY is authorized, OTHER is not
        system.commands = {"sshd -T": sshd, "journalctl": (0, log, "")}
        controls = by_id(ha.audit(dict(options, ssh_client_port=port), system))
        assert controls["ssh-login-access"]["status"] == status, controls["ssh-login-access"]
    assert _fp(OTHER) in controls["ssh-login-access"]["observed"]
    assert "this SSH session" in controls["ssh-login-access"]["observed"]
    # The same from the syslog file when there is no journal.
    system = _login_system()
    system.files["/var/log/auth.log"] = log
    system.commands = {"sshd -T": sshd}
    controls = by_id(ha.audit(dict(options, ssh_client_port=50000), system))
    assert controls["ssh-login-access"]["status"] == "fail"
    # Nothing in the log and no key given: refused rather than guessed.
    system = _login_system()
    system.commands = {"sshd -T": sshd, "journalctl": (0, "", "")}
    controls = by_id(ha.audit(dict(options, ssh_client_port=50004), system))
    assert "is unknown" in controls["ssh-login-access"]["observed"]
    bad = ha.audit(dict(options, ssh_login_keys=["not a key"]), system)
    assert "ssh_login_keys: not a public key" in by_id(bad)["ssh-login-access"]["observed"]


def test_unknown_account_is_a_problem_not_a_crash():
    problems = ha.ssh_login_problems(_login_system(), ha.parse_sshd_t(HARDENED_SSHD), "no-such-user-pn")
    assert problems == ["akun no-such-user-pn tidak ada / account no-such-user-pn does not exist"]


def test_directive_sources_follow_includes_in_order_and_ignore_match_blocks(tmp_path):
    dropins = tmp_path / "sshd_config.d"
    dropins.mkdir()
    (dropins / "00-aaa.conf").write_text("PasswordAuthentication yes\n")
    (dropins / "00-pn-website-hardening.conf").write_text("PasswordAuthentication no\nX11Forwarding no\n")
    main = tmp_path / "sshd_config"
    main.write_text(
        "Include %s/*.conf\nPasswordAuthentication yes\nMatch User backup\n    X11Forwarding yes\n" % dropins
    )
    system = ha.System()
    assert ha.directive_sources(system, str(main), "PasswordAuthentication") == [
        str(dropins / "00-aaa.conf"),
        str(dropins / "00-pn-website-hardening.conf"),
        str(main),
    ]
    assert ha.directive_sources(system, str(main), "X11Forwarding") == [
        str(dropins / "00-pn-website-hardening.conf")
    ]


def test_ssh_area_reports_login_access_for_the_operator():
    def sshd(argv):
        return 0, HARDENED_SSHD.replace("permitrootlogin no", "permitrootlogin prohibit-password"), ""

    system = _login_system()
    system.commands = {"sshd -T": sshd}
    result = ha.audit({"areas": ["ssh"], "ssh_login_user": "root", "ssh_client_addr": "192.0.2.7"}, system)
    controls = by_id(result)
    assert controls["ssh-login-access"]["status"] == "pass"
    assert result["counts"] == {"pass": 11, "fail": 0, "skip": 0}
    with_user = [c for c in system.calls if "-C" in c]
    assert with_user and with_user[0][-1] == "user=root,host=192.0.2.7,addr=192.0.2.7"
    assert result["sshd"]["passwordauthentication"] == "no"


def test_ssh_area_without_sshd_is_skipped():
    result = ha.audit({"areas": ["ssh"]}, FakeSystem(present=()))
    assert {c["status"] for c in result["controls"]} == {"skip"}
    assert result["score"] == 100.0


# ------------------------------------------------------------------------------------------------ web


class _Site(BaseHTTPRequestHandler):
    hardened = True

    def log_message(self, *args):
        pass

    def version_string(self):
        return "nginx" if self.hardened else "nginx/1.22.1"

    def do_GET(self):  # noqa: N802 - http.server API
        path = self.path
        headers = {"Content-Type": "text/html"}
        if self.hardened:
            headers.update(
                {
                    "X-Content-Type-Options": "nosniff",
                    "X-Frame-Options": "SAMEORIGIN",
                    "Referrer-Policy": "strict-origin-when-cross-origin",
                }
            )
            if isinstance(self.connection, ssl.SSLSocket):
                headers["Strict-Transport-Security"] = "max-age=31536000"
        else:
            headers.update({"X-Powered-By": "PHP/8.2.7"})
        if self.headers.get("Host") != "pn-tais.go.id":
            status, body = 421, b"wrong host"
        elif path == "/":
            status, body = 200, b"<h1>Pengadilan Negeri Tais</h1>"
        elif path == "/uploads/":
            status, body = (
                (403, b"Forbidden") if self.hardened else (200, b"<title>Index of /uploads/</title>")
            )
        elif self.hardened and (
            path.startswith("/.") or path.endswith((".sql", ".bak")) or "/uploads/" in path
        ):
            status, body = 403, b"Forbidden"
        else:
            status, body = 404, b"File not found."
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """A hardened and an unhardened site over HTTP and HTTPS (TLS 1.2+ only) on 127.0.0.1."""
    directory = str(tmp_path_factory.mktemp("tls"))
    ca = make_ca()
    key, cert = make_cert(ca, ["pn-tais.go.id"])
    cert_path, key_path = write_pem(directory, "site", key, cert)
    started = {}
    for hardened in (True, False):
        handler = type("Site%s" % hardened, (_Site,), {"hardened": hardened})
        plain = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        secure = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert_path, key_path)
        secure.socket = context.wrap_socket(secure.socket, server_side=True)
        for server in (plain, secure):
            threading.Thread(target=server.serve_forever, daemon=True).start()
        started[hardened] = (plain, secure)
    yield {h: (p.server_address[1], s.server_address[1]) for h, (p, s) in started.items()}
    for plain, secure in started.values():
        for server in (plain, secure):
            server.shutdown()
            server.server_close()


def _web_system(nginx_dump=""):
    return FakeSystem(commands={"nginx -T": (0, nginx_dump, "")}, present=("sshd", "nginx"))


def _web_options(tmp_path, ports):
    (tmp_path / "uploads").mkdir(exist_ok=True)
    return {
        "areas": ["web"],
        "webserver": "nginx",
        "domain": "pn-tais.go.id",
        "webroot": str(tmp_path),
        "http_port": ports[0],
        "https_port": ports[1],
    }


def test_hardened_site_passes_every_web_control(tmp_path, servers):
    dump = (
        "http {\n    limit_req_zone $k zone=pn_web_login:10m rate=30r/m;\n"
        "    limit_req zone=pn_web_login burst=10;\n}"
    )
    result = ha.audit(_web_options(tmp_path, servers[True]), _web_system(dump))
    controls = by_id(result)
    assert {cid: c["status"] for cid, c in controls.items()} == dict.fromkeys(ha._area_ids("web"), "pass")
    assert controls["web-server-tokens"]["observed"] == "nginx"
    assert controls["web-header-hsts"]["observed"] == "max-age=31536000"
    assert controls["web-php-in-uploads"]["observed"] == "/uploads/pn-audit-probe.php: 403"
    assert result["score"] == 100.0


def test_a_wordpress_web_root_that_is_debians_wp_content_is_probed_under_wp_content(tmp_path, servers):
    """Debian's package serves /var/lib/wordpress/wp-content at /wp-content/: the probes of its upload
    folder go there, not to the site's root."""
    webroot = tmp_path / "wp-content"
    webroot.mkdir()
    options = dict(_web_options(webroot, servers[True]), cms="wordpress")
    controls = by_id(ha.audit(options, _web_system("")))
    assert controls["web-php-in-uploads"]["observed"] == "/wp-content/uploads/pn-audit-probe.php: 403"
    assert controls["web-dir-listing"]["observed"].startswith("/wp-content/uploads/: ")


def test_unhardened_site_fails_with_observed_values(tmp_path, servers):
    (tmp_path / "backup-2025.sql").write_text("-- dump")
    result = ha.audit(_web_options(tmp_path, servers[False]), _web_system("server_tokens on;"))
    controls = by_id(result)
    assert controls["web-server-tokens"]["status"] == "fail"
    assert controls["web-server-tokens"]["observed"] == "nginx/1.22.1"
    for cid in (
        "web-header-nosniff",
        "web-header-frame-options",
        "web-header-referrer-policy",
        "web-header-hsts",
    ):
        assert controls[cid]["status"] == "fail", cid
    assert controls["web-dir-listing"]["status"] == "fail"
    assert "(listing)" in controls["web-dir-listing"]["observed"]
    sensitive = controls["web-sensitive-files"]
    assert sensitive["status"] == "fail"
    assert "/backup-2025.sql: 404" in sensitive["observed"]  # found in the web root, then probed
    assert controls["web-php-in-uploads"]["status"] == "fail"
    assert controls["web-login-rate-limit"]["status"] == "fail"
    # Both test servers refuse TLS 1.0/1.1, whatever the rest of their configuration.
    assert controls["web-tls-protocols"]["status"] == "pass"
    findings = ha.findings(result, "en")
    rules = {f["rule"] for f in findings}
    assert "web-php-in-uploads" in rules and "web-tls-protocols" not in rules
    php = next(f for f in findings if f["rule"] == "web-php-in-uploads")
    assert php["severity"] == "critical"
    assert php["message"].startswith(
        "PHP is not executed in upload folders: observed /uploads/pn-audit-probe.php: 404"
    )


def test_web_server_not_answering_fails_every_web_control(tmp_path):
    with socket_closed_port() as port:
        options = _web_options(tmp_path, (port, port))
        result = ha.audit(options, _web_system())
    assert {c["status"] for c in result["controls"]} == {"fail"}
    assert result["score"] == 0.0


class socket_closed_port:
    def __enter__(self):
        import socket

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        return self.port

    def __exit__(self, *exc):
        return False


# ------------------------------------------------------------------------------------------------ PHP

PHPINFO_DEFAULT = """PHP Version => 8.2.7
Loaded Configuration File => /etc/php/8.2/fpm/php.ini
allow_url_include => Off => Off
disable_functions => no value => no value
display_errors => Off => Off
expose_php => On => On
session.cookie_httponly => no value => no value
session.cookie_samesite => no value => no value
session.cookie_secure => Off => Off
session.use_strict_mode => Off => Off
"""
PHPINFO_HARDENED = """allow_url_include => Off => Off
disable_functions => exec,passthru,shell_exec,system,pcntl_exec,show_source,proc_nice,dl => same
display_errors => Off => Off
expose_php => Off => Off
session.cookie_httponly => On => On
session.cookie_samesite => Lax => Lax
session.cookie_secure => On => On
session.use_strict_mode => On => On
"""


def _php_system(text):
    system = FakeSystem(commands={"php-fpm8.2 -i": (0, text, "")})
    system.glob = lambda pattern: ["/usr/sbin/php-fpm8.2"] if "php-fpm" in pattern else []
    return system


def test_php_defaults_fail_and_the_missing_functions_are_named():
    controls = by_id(ha.audit({"areas": ["php"], "cms": "custom"}, _php_system(PHPINFO_DEFAULT)))
    assert controls["php-expose"]["status"] == "fail"
    assert controls["php-display-errors"]["status"] == "pass"
    assert controls["php-disable-functions"]["status"] == "fail"
    assert controls["php-disable-functions"]["observed"] == "(tidak ada / none)"
    assert "proc_open" in controls["php-disable-functions"]["detail"]
    for cid in (
        "php-session-httponly",
        "php-session-samesite",
        "php-session-strict-mode",
        "php-session-secure",
    ):
        assert controls[cid]["status"] == "fail", cid


def test_php_hardened_for_wordpress_keeps_popen_and_passes():
    result = ha.audit({"areas": ["php"], "cms": "wordpress"}, _php_system(PHPINFO_HARDENED))
    assert {c["status"] for c in result["controls"]} == {"pass"}
    # The generic list also wants proc_open and popen disabled: a custom site fails on them.
    custom = by_id(ha.audit({"areas": ["php"], "cms": "custom"}, _php_system(PHPINFO_HARDENED)))
    assert custom["php-disable-functions"]["status"] == "fail"
    assert "popen" in custom["php-disable-functions"]["detail"]


def test_php_session_secure_is_not_applicable_without_https():
    controls = by_id(ha.audit({"areas": ["php"], "https": False}, _php_system(PHPINFO_DEFAULT)))
    assert controls["php-session-secure"]["status"] == "skip"


# ------------------------------------------------------------------------------------------------- DB


def _db_system(bind="127.0.0.1", infile="1", anonymous="", tests="", roots=""):
    def mysql(argv):
        query = argv[-1]
        if "@@bind_address" in query:
            return 0, "%s\t%s\t0\n" % (bind, infile), ""
        if "user = ''" in query:
            return 0, anonymous, ""
        if "SHOW DATABASES" in query:
            return 0, tests, ""
        return 0, roots, ""

    return FakeSystem(commands={"mysql": mysql}, present=("mariadbd",))


def test_db_controls_report_what_is_wrong():
    controls = by_id(
        ha.audit(
            {"areas": ["db"]},
            _db_system(bind="0.0.0.0", anonymous="@localhost\n", tests="test\n", roots="%\n"),
        )
    )
    assert {cid: c["status"] for cid, c in controls.items()} == dict.fromkeys(ha._area_ids("db"), "fail")
    assert controls["db-bind-address"]["observed"] == "0.0.0.0"
    assert controls["db-remote-root"]["observed"] == "%"


def test_db_hardened_passes_and_an_extra_bind_address_can_be_allowed():
    assert {c["status"] for c in ha.audit({"areas": ["db"]}, _db_system(infile="0"))["controls"]} == {"pass"}
    options = {"areas": ["db"], "db_bind_addresses": ["10.0.0.5"]}
    assert (
        by_id(ha.audit(options, _db_system(bind="10.0.0.5", infile="0")))["db-bind-address"]["status"]
        == "pass"
    )


def test_db_unreachable_fails_with_the_reason():
    system = FakeSystem(
        commands={"mysql": (1, "", "ERROR 2002 (HY000): Can't connect")}, present=("mariadbd",)
    )
    controls = ha.audit({"areas": ["db"]}, system)["controls"]
    assert {c["status"] for c in controls} == {"fail"}
    assert "Can't connect" in controls[0]["detail"]


# ------------------------------------------------------------------------------------- OS / firewall


def test_container_skips_sysctl_time_and_unusable_nftables():
    system = FakeSystem(
        commands={
            "nft list ruleset": (1, "", "Operation not permitted (you must be root)"),
            "fail2ban-client status sshd": (0, "Status for the jail: sshd", ""),
            "fail2ban-client status pn-web-login": (
                255,
                "",
                "Failed to access socket path: /var/run/fail2ban",
            ),
            "apt-config": (0, 'APT::Periodic::Unattended-Upgrade "1";\n', ""),
            "systemctl is-active": (3, "inactive\n", ""),
        },
        container="podman",
        present=("nft", "unattended-upgrade"),
    )
    controls = by_id(ha.audit({"areas": ["os", "firewall"]}, system))
    assert controls["os-sysctl-network"]["status"] == "skip"
    assert controls["os-time-sync"]["status"] == "skip"
    assert controls["fw-nftables"]["status"] == "skip"
    assert "CAP_NET_ADMIN" in controls["fw-nftables"]["detail"]
    assert controls["fw-fail2ban-sshd"]["status"] == "pass"
    assert controls["fw-fail2ban-web-login"]["status"] == "fail"
    assert controls["fw-fail2ban-web-login"]["observed"] == "fail2ban tidak berjalan / not running"
    assert controls["os-unattended-upgrades"]["status"] == "pass"


def test_nftables_policy_drop_passes_outside_containers():
    ruleset = (
        "table inet pn_website {\n chain input {\n"
        "  type filter hook input priority filter; policy drop;\n }\n}\n"
    )
    system = FakeSystem(commands={"nft list ruleset": (0, ruleset, "")}, present=("nft",))
    assert by_id(ha.audit({"areas": ["firewall"]}, system))["fw-nftables"]["status"] == "pass"
    system = FakeSystem(commands={"nft list ruleset": (0, "", "")}, present=("nft",))
    assert by_id(ha.audit({"areas": ["firewall"]}, system))["fw-nftables"]["status"] == "fail"


# ------------------------------------------------------------------------------------------------ CMS


def test_cms_config_mode_and_writable_paths(tmp_path):
    me = getpass.getuser()
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "foto.jpg").write_text("x")
    (tmp_path / "index.php").write_text("<?php")
    config = tmp_path / "config.php"
    config.write_text("<?php define('DB_PASSWORD', 'rahasia');")
    os.chmod(config, 0o644)
    os.chmod(tmp_path / "index.php", 0o644)
    os.chmod(tmp_path, 0o755)
    options = {"areas": ["cms"], "webroot": str(tmp_path), "cms": "custom", "web_user": me}
    controls = by_id(ha.audit(options, FakeSystem()))
    assert controls["cms-config-perms"]["status"] == "fail"
    assert controls["cms-config-perms"]["observed"].endswith("config.php 0644")
    # Owned by the web user and writable: everything outside uploads/ counts.
    writable = controls["cms-writable-paths"]
    assert writable["status"] == "fail"
    assert "/index.php" in writable["observed"] and "foto.jpg" not in writable["observed"]
    os.chmod(config, 0o640)
    options["web_user"] = "nobody"
    controls = by_id(ha.audit(options, FakeSystem()))
    assert controls["cms-config-perms"]["status"] == "pass"
    assert controls["cms-writable-paths"]["status"] == "pass"
    os.chmod(tmp_path / "index.php", 0o666)
    controls = by_id(ha.audit(options, FakeSystem()))
    assert controls["cms-writable-paths"]["observed"] == "/index.php"


def test_debians_wordpress_layout_reads_its_config_and_allows_its_wp_content_folders(tmp_path):
    me = getpass.getuser()
    webroot = tmp_path / "wp-content"
    (webroot / "uploads").mkdir(parents=True)
    (webroot / "cache").mkdir()  # WordPress's wp-content/cache, writable by design
    (webroot / "uploads" / "foto.jpg").write_text("x")
    os.chmod(webroot, 0o755)
    options = {
        "areas": ["cms"],
        "webroot": str(webroot),
        "cms": "wordpress",
        "web_user": me,
        "domain": "pn-tais.go.id",
        "upload_dirs": ["uploads"],
    }
    controls = by_id(ha.audit(options, FakeSystem()))
    # the package's configuration file is the one checked (absent here: not applicable, named)
    assert "/etc/wordpress/config-pn-tais.go.id.php" in controls["cms-config-perms"]["detail"] + str(
        controls["cms-config-perms"]["observed"]
    )
    # wp-content's own uploads and cache are allowed; wp-content itself (owned by the web user here) is not
    assert controls["cms-writable-paths"]["observed"] == "/"


# ---------------------------------------------------------------------------------------------- audit


def test_unknown_area_and_control_are_named():
    with pytest.raises(ha.AuditError, match="unknown area.*mail"):
        ha.audit({"areas": ["mail"]}, FakeSystem())
    with pytest.raises(ha.AuditError, match="ssh-telnet"):
        ha.audit({"areas": ["ssh"], "skip_controls": ["ssh-telnet"]}, FakeSystem())
    with pytest.raises(ha.AuditError, match="webserver must be nginx or apache"):
        ha.audit({"areas": ["web"], "webserver": "iis"}, FakeSystem())


def test_skipped_controls_leave_the_score():
    system = _db_system(infile="1")
    assert ha.audit({"areas": ["db"]}, system)["score"] == 80.0
    result = ha.audit({"areas": ["db"], "skip_controls": ["db-local-infile"]}, system)
    assert result["score"] == 100.0
    assert result["counts"] == {"pass": 4, "fail": 0, "skip": 1}


def test_every_control_has_both_languages_and_a_known_area():
    for cid, (area, severity, text_id, text_en) in ha.CONTROLS.items():
        assert area in ha.AREAS, cid
        assert severity in ("info", "low", "medium", "high", "critical"), cid
        assert text_id and text_en and text_id != text_en, cid
