"""`sopansible watch`: W1 every few minutes against real court sites on loopback, with every round in the
history store and the alerts going through the real notification path (a local SMTP server)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from ansible_collections.pn.website.tests.unit.plugins.module_utils.probe_servers import (
    DEFACED_PAGE,
    GAMBLING_PAGE,
    KEYWORD,
    court_page,
)
from sopansible import cli, inventory, notify, watch
from sopansible.store import SCHEMA_VERSION, HistoryStore

# -- local servers -----------------------------------------------------------------------------------------


class CourtSite(ThreadingHTTPServer):
    """One court website on loopback whose behaviour a test switches between rounds."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: str = "127.0.0.1") -> None:
        super().__init__((address, 0), _CourtHandler)
        self.mode = "up"
        self.requests = 0
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _CourtHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.requests += 1
        mode = self.server.mode
        status, headers, body = 200, {"Content-Type": "text/html; charset=utf-8"}, court_page()
        if mode == "down":
            status, body = 503, "<h1>Service Unavailable</h1>"
        elif mode == "defaced":
            body = DEFACED_PAGE
        elif mode == "gambling":
            body = GAMBLING_PAGE
        elif mode == "cloaked" and "google." in (self.headers.get("Referer") or ""):
            # visitors coming from Google search are sent elsewhere; everyone else sees the court
            status, headers, body = 302, {"Location": "/amp/promo/"}, ""
        if self.path == "/amp/promo/":
            status, body = 200, "<html><title>Promo</title><body>Promo hari ini</body></html>"
        elif self.path != "/" and status == 200:
            status, body = 404, "<h1>Not found</h1>"
        data = body.encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class StallingSite:
    """A hostile site: accepts, sends a status line, then one header byte every 0.2 s, forever."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.closed = threading.Event()
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while not self.closed.wait(0.2):
                    conn.sendall(b"a")
            except OSError:
                return

    def stop(self) -> None:
        self.closed.set()
        self.sock.close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"

    def bodies(self) -> list[str]:
        return [m.get_body(("plain",)).get_content() for m in self.messages]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture
def data(tmp_path, monkeypatch, smtp):
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("SOPANSIBLE_DATA", str(folder))
    (folder / "notify.yml").write_text(
        "email:\n  host: 127.0.0.1\n"
        f"  port: {smtp.port}\n  from: sopansible@pt-uji.go.id\n  to: [tim-it@pt-uji.go.id]\n  timeout: 10\n"
    )
    return folder


def write_inventory(tmp_path, courts: dict) -> str:
    """An inventory of the given courts: {host: (port, extra variables)} served on loopback over HTTP."""
    lines = ["all:", "  children:", "    courts:", "      hosts:"]
    for host, (port, extra) in courts.items():
        domain = f"{host}.go.id"
        lines += [
            f"        {host}:",
            f"          court_name: Pengadilan Uji {host}",
            f"          court_keyword: {KEYWORD}",
            f"          court_domain: {domain}",
            f"          court_url: http://{domain}:{port}/",
            f'          court_probe_resolve: ["{domain}:{port}:127.0.0.1"]',
        ]
        lines += [f"          {key}: {json.dumps(value)}" for key, value in extra.items()]
    path = tmp_path / "hosts.yml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def watch_once(inv: str, *extra: str) -> int:
    return cli.main(["watch", "-i", inv, "--rounds", "1", "--timeout", "5", *extra])


def samples(data, court: str) -> list[dict]:
    with HistoryStore(data / "history.sqlite") as history:
        return history.samples([court]).get(court, [])


# -- tests -------------------------------------------------------------------------------------------------
def test_down_is_confirmed_then_resolved_with_the_outage_duration(tmp_path, data, smtp):
    site = CourtSite()
    try:
        inv = write_inventory(tmp_path, {"pn-a": (site.port, {})})
        assert watch_once(inv) == 0  # up: the first round records the court, nothing to announce
        assert smtp.messages == []

        site.mode = "down"
        assert watch_once(inv) == 2  # one failed round: recorded, not announced
        assert smtp.messages == []
        first_failure = samples(data, "pn-a")[-1]
        assert first_failure["reachable"] is False and first_failure["http_status"] == 503
        assert first_failure["outages"][f"http://pn-a.go.id:{site.port}/"]["rounds"] == 1

        assert watch_once(inv) == 2  # the second failed round in a row (a new process resumes): announced
        (body,) = smtp.bodies()
        assert f"[MASALAH] Website tidak dapat diakses (http://pn-a.go.id:{site.port}/)" in body
        assert watch_once(inv) == 2  # still down: once per problem
        assert len(smtp.messages) == 1

        site.mode = "up"
        assert watch_once(inv) == 0
        assert len(smtp.messages) == 2
        resolved = smtp.bodies()[1]
        assert "[SELESAI] Website tidak dapat diakses" in resolved
        history = samples(data, "pn-a")
        assert [s["reachable"] for s in history] == [True, False, False, False, True]
        lasted = dt.datetime.fromisoformat(history[-1]["at"]) - dt.datetime.fromisoformat(history[1]["at"])
        since = history[1]["at"][:19].replace("T", " ")
        from sopansible.catalogue import format_seconds

        assert f"Berlangsung {format_seconds(lasted.total_seconds())} (sejak {since} UTC)." in resolved

        # one lost answer between good rounds pages no one
        site.mode = "down"
        assert watch_once(inv) == 2
        site.mode = "up"
        assert watch_once(inv) == 0
        assert len(smtp.messages) == 2
    finally:
        site.stop()


def test_defacement_and_cloaking_are_announced_on_the_first_round(tmp_path, data, smtp):
    defaced, cloaked = CourtSite(), CourtSite()
    try:
        inv = write_inventory(tmp_path, {"pn-d": (defaced.port, {}), "pn-c": (cloaked.port, {})})
        assert watch_once(inv) == 0
        defaced.mode, cloaked.mode = "defaced", "cloaked"
        assert cli.main(["watch", "-i", inv, "--rounds", "1", "--timeout", "5", "--json"]) == 2
        bodies = smtp.bodies()
        assert len(bodies) == 2
        assert any("[MASALAH] Tanda defacement" in body for body in bodies)
        assert any("[MASALAH] Halaman berbeda untuk mesin pencari (cloaking)" in body for body in bodies)
        assert watch_once(inv) == 2 and len(smtp.messages) == 2  # once per problem

        # the defaced site goes down: its defacement is not "resolved" by a round that could not read it
        defaced.mode = "down"
        watch_once(inv)
        watch_once(inv)
        after = smtp.bodies()[2:]
        assert len(after) == 1 and "[MASALAH] Website tidak dapat diakses" in after[0]
        assert "SELESAI" not in after[0]
    finally:
        defaced.stop()
        cloaked.stop()


def test_a_stalling_site_never_holds_the_round(tmp_path, data, smtp, capsys):
    good, stalling = CourtSite(), StallingSite()
    try:
        inv = write_inventory(tmp_path, {"pn-good": (good.port, {}), "pn-slow": (stalling.port, {})})
        # the site's own time limit stops it: two rounds, the stalling site down (timeout)
        argv = ["watch", "-i", inv, "--rounds", "2", "--interval", "0.1s", "--timeout", "1", "--json"]
        assert cli.main(argv) == 2
        rounds = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [(r["round"], r["up"], r["down"], r["unmeasured"]) for r in rounds] == [
            (1, 1, 1, 0),
            (2, 1, 1, 0),
        ]
        slow = samples(data, "pn-slow")
        assert [(s["reachable"], s["reason"]) for s in slow] == [(False, "timeout"), (False, "timeout")]
        assert "no complete response within 1.0s" in slow[0]["error"]
        assert [s["reachable"] for s in samples(data, "pn-good")] == [True, True]

        # a site time limit longer than the round: the round's deadline stops it; not measured is not down
        argv = ["watch", "-i", inv, "--rounds", "1", "--timeout", "60", "--round-timeout", "1s", "--json"]
        assert cli.main(argv) == 0
        (last,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert (last["up"], last["down"], last["unmeasured"]) == (1, 0, 1)
        assert samples(data, "pn-slow")[-1]["reachable"] is None
        assert samples(data, "pn-slow")[-1]["outages"] == samples(data, "pn-slow")[-2]["outages"]
        assert samples(data, "pn-good")[-1]["reachable"] is True
        # the stalling site was announced once, when its outage was confirmed
        assert sum("pn-slow" in body for body in smtp.bodies()) == 1
    finally:
        good.stop()
        stalling.stop()


def test_per_court_interval_from_the_inventory(tmp_path, data):
    site = CourtSite()
    try:
        inv = write_inventory(
            tmp_path,
            {"pn-often": (site.port, {}), "pn-rare": (site.port, {"court_watch_interval_minutes": 15})},
        )
        courts, problems = watch.courts_of(inventory.load(inv), watch.parse_interval("5m"))
        assert problems == [] and {c.name: c.interval for c in courts} == {"pn-often": 300, "pn-rare": 900}
        now = [1000.0]
        with HistoryStore(data / "history.sqlite") as history:
            watcher = watch.Watch(courts, history, notify=False, clock=lambda: now[0])

            def sleep(seconds):
                now[0] += seconds

            rounds = watch.run(watcher, rounds=6, sleep=sleep)
            assert [r.probed for r in rounds] == [2, 1, 1, 2, 1, 1]  # every 5 and every 15 minutes
            assert now[0] == 1000.0 + 5 * 300
            probed = history.samples()
        assert len(probed["pn-often"]) == 6 and len(probed["pn-rare"]) == 2
    finally:
        site.stop()


def test_bad_court_data_names_the_court_and_the_rest_is_watched(tmp_path, data, capsys):
    site = CourtSite()
    try:
        inv = write_inventory(
            tmp_path,
            {
                "pn-ok": (site.port, {}),
                "pn-zero": (site.port, {"court_watch_interval_minutes": 0}),
                "pn-resolve": (site.port, {"court_probe_resolve": ["nonsense"]}),
            },
        )
        assert cli.main(["--lang", "en", "watch", "-i", inv, "--rounds", "1"]) == 4
        err = capsys.readouterr().err
        assert "pn-zero: court_watch_interval_minutes: must be a positive whole number" in err
        assert "pn-resolve: court_probe_resolve:" in err
        assert len(samples(data, "pn-ok")) == 1
        assert samples(data, "pn-zero") == [] and samples(data, "pn-resolve") == []
        assert cli.main(["watch", "-i", inv, "--interval", "soon"]) == 4
        assert "'soon': bukan selang waktu" in capsys.readouterr().err
        # the inventory contract knows the variable too
        assert cli.main(["--lang", "en", "inventory", "check", "-i", inv]) == 4
        checked = capsys.readouterr()
        assert "court_watch_interval_minutes" in checked.out + checked.err
    finally:
        site.stop()


# -- the pieces ------------------------------------------------------------------------------------------
def test_samples_are_a_migration_and_bounded(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as history:
        assert history.schema_version == SCHEMA_VERSION
        long_error = "x" * 10_000 + " https://admin:hunter2@pn-a.go.id/"
        history.record_samples(
            [
                {"court": "pn-a", "at": "2026-11-01T00:00:00Z", "reachable": True, "response_ms": 12.5},
                {"court": "pn-a", "at": "2026-11-20T00:00:00Z", "reachable": False, "error": long_error},
            ]
        )
        last = history.last_samples()["pn-a"]
        assert last["reachable"] is False and len(last["error"]) <= 300
        assert history.prune_samples("2026-11-10") == 1
        assert [s["at"] for s in history.samples()["pn-a"]] == ["2026-11-20T00:00:00+00:00"]
        with pytest.raises(Exception, match="reachable"):
            history.record_samples([{"court": "pn-a", "at": "2026-11-20T00:00:00Z", "reachable": "yes"}])
        # the probe's depth rides with the rules (no migration); older samples have none
        history.record_samples(
            [
                {
                    "court": "pn-a",
                    "at": "2026-11-21T00:00:00Z",
                    "reachable": True,
                    "rules": ["x"],
                    "depth": "light",
                }
            ]
        )
        assert [(s["rules"], s["depth"]) for s in history.samples()["pn-a"]] == [([], None), (["x"], "light")]
        with pytest.raises(Exception, match="depth"):
            history.record_samples([{"court": "pn-a", "at": "2026-11-22T00:00:00Z", "depth": "deep"}])


def test_a_failed_delivery_is_tried_again_next_round(tmp_path, data, smtp):
    """The mail server is away when the defacement is first seen: the next round sends it, although the
    problem itself did not change."""
    site = CourtSite()
    site.mode = "defaced"
    try:
        inv = write_inventory(tmp_path, {"pn-d": (site.port, {})})
        config = data / "notify.yml"
        working = config.read_text()
        config.write_text(working.replace(f"port: {smtp.port}", f"port: {free_port()}"))  # nobody there
        courts, _problems = watch.courts_of(inventory.load(inv), 300.0)
        now = [0.0]
        with HistoryStore(data / "history.sqlite") as history:
            watcher = watch.Watch(courts, history, notify_config=config, clock=lambda: now[0])
            first = watcher.run_round()
            assert first.notified["errors"] and smtp.messages == []
            config.write_text(working)
            now[0] += 300
            second = watcher.run_round()
        assert second.run_id is not None and second.notified["errors"] == []
        (body,) = smtp.bodies()
        assert "[MASALAH] Tanda defacement" in body
    finally:
        site.stop()


def test_a_restart_resumes_only_recent_outages(tmp_path, history_db):
    site = CourtSite()
    try:
        inv = write_inventory(tmp_path, {"pn-a": (site.port, {}), "pn-b": (site.port, {})})
        courts, _problems = watch.courts_of(inventory.load(inv), 300.0)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        outage = {"https://x/": {"since": "2026-11-01T00:00:00+00:00", "rounds": 4, "reason": "connect"}}
        with HistoryStore(history_db) as history:
            history.record_samples(
                [
                    {
                        "court": "pn-a",
                        "at": now - dt.timedelta(minutes=5),
                        "reachable": False,
                        "outages": outage,
                    },
                    {
                        "court": "pn-b",
                        "at": now - dt.timedelta(hours=2),
                        "reachable": False,
                        "outages": outage,
                    },
                ]
            )
            watcher = watch.Watch(courts, history, notify=False)
        assert watcher.states["pn-a"].outages == outage  # stopped for a moment: the outage goes on
        assert watcher.states["pn-b"].outages == {}  # stopped for two hours: nothing is known between
    finally:
        site.stop()


def test_notifier_rules_for_the_watch():
    base = {"court": "pn-a", "activity": "W1", "status": "critical", "started": "2026-11-23T00:00:00Z"}
    down = {"rule": "unavailable", "severity": "critical", "evidence": {"url": "https://pn-a.go.id/"}}
    unconfirmed = dict(down, evidence=dict(down["evidence"], confirmed=False))
    differs = {
        "rule": "cloaking",
        "severity": "medium",
        "evidence": {"differences": [{"variant": "googlebot"}]},
    }
    redirect = dict(differs, severity="high")

    def keys(*findings):
        return sorted(p.key for p in notify.problems_of({"results": [dict(base, findings=list(findings))]}))

    assert keys(down) == ["pn-a|unavailable|https://pn-a.go.id/"]
    assert keys(unconfirmed) == []
    assert keys(differs) == [] and keys(redirect) == ["pn-a|cloaking|page"]


def test_report_availability_and_incidents_come_from_the_samples(tmp_path, history_db):
    """One daily W1 result saw the site up; the watch saw an outage: the report says what the watch saw."""
    from sopansible.report import render_reports

    now = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    start = now - dt.timedelta(hours=10)
    daily = {
        "run_id": "harian-1",
        "name": "harian",
        "started": start.isoformat(),
        "courts": {"pn-a": {"court_name": "Pengadilan Uji A"}},
        "results": [
            {
                "court": "pn-a",
                "activity": "W1",
                "status": "ok",
                "started": start.isoformat(),
                "outputs": {"reachable": True, "response_ms": 100.0},
            }
        ],
    }
    # every 5 minutes: up, a 3-round outage (connection refused), one lost answer, not measured, up
    states = ["up"] * 10 + ["connect"] * 3 + ["up"] * 5 + ["timeout"] + ["up"] * 3 + [None] + ["up"] * 7
    rows = []
    for index, state in enumerate(states):
        at = (start + dt.timedelta(minutes=5 * index)).isoformat()
        up = state == "up"
        rows.append(
            {
                "court": "pn-a",
                "at": at,
                "reachable": None if state is None else up,
                "response_ms": 100.0 + 10 * index if up else None,
                "reason": None if up or state is None else state,
                "error": None if up or state is None else f"{state} failed",
            }
        )
    with HistoryStore(history_db) as history:
        history.record_run(daily)
        history.record_samples(rows)
        render_reports(history, tmp_path / "out", now=now, days=7)
    report = json.loads((tmp_path / "out" / "pn-a" / "laporan.json").read_text())
    metrics = report["metrics"]
    measured = [r for r in rows if r["reachable"] is not None]
    up = [r for r in measured if r["reachable"]]
    assert metrics["availability_source"] == "watch"
    assert metrics["checks"] == len(measured) == 29
    assert metrics["availability_pct"] == round(100 * len(up) / len(measured), 2)  # not 100% from one sample
    times = sorted(r["response_ms"] for r in up)
    assert metrics["response_ms_p50"] == times[len(times) // 2 - 1 + len(times) % 2]
    assert metrics["response_ms_p95"] == times[-2]
    assert metrics["incidents"] == 1 and metrics["downtime_s"] == 15 * 60
    (incident,) = report["incidents"]
    assert incident["start"] == rows[10]["at"] and incident["end"] == rows[13]["at"]
    assert incident["cause"] == "connect" and incident["duration"] == "15 menit" and incident["rounds"] == 3
    page = (tmp_path / "out" / "pn-a" / "laporan.html").read_text()
    assert "Gangguan akses (pemantauan berkala)" in page and "koneksi gagal: connect failed" in page
    assert report["series"]["availability_daily"][-1][1] == round(metrics["availability_pct"], 1)


def test_sigterm_ends_the_service_cleanly(tmp_path, data):
    """systemd stops the service with SIGTERM: the watch ends with status 0, between rounds or in one."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    site, stalling = CourtSite(), StallingSite()
    try:
        inv = write_inventory(tmp_path, {"pn-a": (site.port, {}), "pn-slow": (stalling.port, {})})
        command = [str(Path(sys.executable).with_name("sopansible")), "watch", "-i", inv, "--json"]
        for extra in (["--interval", "1h", "--timeout", "5"], ["--interval", "1s", "--timeout", "60"]):
            before = stalling.connections
            proc = subprocess.Popen(
                [*command, *extra], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
            )
            try:
                if extra[1] == "1h":
                    first = json.loads(proc.stdout.readline())  # round 1 done; now it sleeps for an hour
                    assert first["round"] == 1
                else:
                    while stalling.connections == before:  # inside round 1, held by the stalling site
                        threading.Event().wait(0.05)
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(timeout=120) == 0
            finally:
                proc.kill()
                proc.wait()
    finally:
        site.stop()
        stalling.stop()


def test_a_light_round_makes_one_request_and_leaves_content_problems_open(tmp_path, data, smtp):
    """Gambling spam found by a full round is neither found nor resolved by the light rounds between
    (they do not look), even when a light round records a run for an outage; the next full round
    resolves it."""
    site = CourtSite()
    site.mode = "gambling"
    try:
        inv = write_inventory(tmp_path, {"pn-g": (site.port, {"court_watch_interval_minutes": 1})})
        courts, _problems = watch.courts_of(inventory.load(inv), 300.0)
        now = [1000.0]
        with HistoryStore(data / "history.sqlite") as history:
            watcher = watch.Watch(
                courts, history, options={"total_timeout": 5}, full_every=900, clock=lambda: now[0]
            )

            def round_at(moment: float) -> watch.Round:
                now[0] = moment
                site.requests = 0
                return watcher.run_round()

            first = round_at(1000)
            assert first.full == 1 and site.requests > 1  # homepage, Googlebot, Google visitor, robots.txt
            (spam,) = smtp.bodies()
            assert "[MASALAH] Konten judi online" in spam

            light = round_at(1060)  # still spam: a light round does not look for it
            assert light.full == 0 and site.requests == 1
            sample = history.samples(["pn-g"])["pn-g"][-1]
            assert sample["depth"] == "light" and sample["reachable"] is True
            assert "gambling-spam" not in sample["rules"]
            assert light.run_id is None and len(smtp.messages) == 1  # nothing changed, nothing resolved

            site.mode = "down"
            round_at(1120)
            round_at(1180)  # confirmed: announced
            site.mode = "up"  # back, and the spam cleaned meanwhile
            back = round_at(1240)
            assert back.full == 0 and site.requests == 1
            assert back.run_id is not None  # the outage ended: the result is recorded and notified
            bodies = smtp.bodies()
            assert len(bodies) == 3 and "[MASALAH] Website tidak dapat diakses" in bodies[1]
            assert "[SELESAI] Website tidak dapat diakses" in bodies[2] and "judi" not in bodies[2]

            full = round_at(1900)  # 15 minutes after the first full probe
            assert full.full == 1 and site.requests > 1
            assert "[SELESAI] Konten judi online" in smtp.bodies()[3]
            depths = [s["depth"] for s in history.samples(["pn-g"])["pn-g"]]
        assert depths == ["full", "light", "light", "light", "light", "full"]
    finally:
        site.stop()


def test_full_rounds_every_full_every(tmp_path, data, capsys):
    site = CourtSite()
    try:
        inv = write_inventory(
            tmp_path,
            {
                "pn-minute": (site.port, {"court_watch_interval_minutes": 1}),
                "pn-five": (site.port, {"court_watch_interval_minutes": 5}),
            },
        )
        courts, _problems = watch.courts_of(inventory.load(inv), 300.0)
        now = [0.0]
        with HistoryStore(data / "history.sqlite") as history:
            watcher = watch.Watch(
                courts, history, notify=False, full_every=watch.parse_interval("15m"), clock=lambda: now[0]
            )

            def sleep(seconds):
                now[0] += seconds

            rounds = watch.run(watcher, rounds=31, sleep=sleep)  # 30 minutes of a 1-minute watch
            assert now[0] == 1800
            assert [r.number for r in rounds if r.full] == [1, 16, 31]
            kept = history.samples()
        minute = [s["depth"] for s in kept["pn-minute"]]
        assert len(minute) == 31 and [i for i, d in enumerate(minute) if d == "full"] == [0, 15, 30]
        assert [s["depth"] for s in kept["pn-five"]] == [
            "full",
            "light",
            "light",
            "full",
            "light",
            "light",
            "full",
        ]

        argv = ["watch", "-i", inv, "--rounds", "1", "--full-every", "often"]
        assert cli.main(argv) == 4
        assert "often" in capsys.readouterr().err
    finally:
        site.stop()
