"""Prometheus metrics: served by the watch on loopback (scraped over HTTP from a real `sopansible watch`
probing real sites on loopback) and written by the recorded cycles as a node_exporter textfile; both
parsed with prometheus_client's own parser."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console

from sopansible import cli, exitcodes, metrics, pipeline
from sopansible.commands import _playbook
from sopansible.store import HistoryStore
from tests.unit.test_watch import CourtSite, free_port, write_inventory

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def parse(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of an exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def exposition(collector) -> str:
    """What a scrape of COLLECTOR reads."""
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return generate_latest(registry).decode()


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get(("sopansible_" + name, tuple(sorted(labels.items()))))


def days_left(days: int) -> float:
    """Days from NOW to the expiry date DAYS after a daily cycle started an hour before NOW: a date means
    its midnight (UTC), so the count falls anywhere between DAYS - 1 and DAYS with the time of day."""
    day = (NOW - dt.timedelta(hours=1) + dt.timedelta(days=days)).date()
    expiry = dt.datetime.combine(day, dt.time(), dt.UTC)
    return (expiry - NOW).total_seconds() / 86400


def near(found_days: float | None, days: int) -> bool:
    """FOUND_DAYS is the expiry DAYS ahead as counted a little after NOW (a scrape takes seconds)."""
    return found_days is not None and days_left(days) - 0.05 <= found_days <= days_left(days) + 0.001


def result(court: str, activity: str, status: str, started: dt.datetime, **outputs) -> dict:
    return {
        "court": court,
        "activity": activity,
        "status": status,
        "summary": f"{activity} {status}",
        "outputs": outputs,
        "findings": [],
        "started": iso(started),
        "finished": iso(started + dt.timedelta(minutes=1)),
    }


def cycle(run_id: str, started: dt.datetime, results: list[dict], name: str = "harian") -> pipeline.Outcome:
    courts = sorted({r["court"] for r in results})
    return pipeline.Outcome(
        run_id=run_id,
        name=name,
        status="ok",
        started=iso(started),
        finished=iso(started + dt.timedelta(minutes=30)),
        results=results,
        courts={court: {"court_name": f"Pengadilan Uji {court}"} for court in courts},
    )


def daily(started: dt.datetime) -> pipeline.Outcome:
    """A daily cycle over pn-a (site up, backup ok, certificate and domain dated) and pn-b (site down)."""
    return cycle(
        "20261123T020000Z-harian-aaaaaa",
        started,
        [
            result("pn-a", "W1", "ok", started, reachable=True, response_ms=120.0, tls_days_left=5.0),
            result("pn-a", "W2", "ok", started - dt.timedelta(hours=2), size_bytes=1000),
            result(
                "pn-a",
                "W4",
                "warning",
                started,
                items=[
                    {"kind": "tls", "date": (started + dt.timedelta(days=40)).date().isoformat()},
                    {"kind": "domain", "date": (started + dt.timedelta(days=200)).date().isoformat()},
                    {"kind": "hosting", "date": (started + dt.timedelta(days=3)).date().isoformat()},
                ],
            ),
            result("pn-b", "W1", "critical", started, reachable=False, response_ms=None),
        ],
    )


@pytest.fixture
def data(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("SOPANSIBLE_DATA", str(folder))
    monkeypatch.delenv(metrics.TEXTFILE_VARIABLE, raising=False)
    return folder


# -- the watch's listener ---------------------------------------------------------------------------------
def scrape(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as answer:
        return parse(answer.read().decode())


def test_the_watch_serves_the_metrics_after_every_round(tmp_path, data):
    pipeline.record(daily(NOW - dt.timedelta(hours=1)))  # what the cycles said before the watch started
    up, down = CourtSite(), CourtSite()
    down.mode = "down"
    port = free_port()
    inv = write_inventory(tmp_path, {"pn-a": (up.port, {}), "pn-b": (down.port, {})})
    command = [str(Path(sys.executable).with_name("sopansible")), "watch", "-i", inv, "--json"]
    command += ["--interval", "1s", "--timeout", "5", "--no-notify", "--metrics", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        first = json.loads(proc.stdout.readline())
        assert (first["round"], first["up"], first["down"]) == (1, 1, 1)
        found = scrape(port)
        assert value(found, "site_up", court="pn-a") == 1
        assert value(found, "site_up", court="pn-b") == 0
        assert value(found, "site_response_seconds", court="pn-a") > 0
        assert value(found, "site_checked_timestamp_seconds", court="pn-a") >= NOW.timestamp()
        # what the history holds comes along: the daily cycle, the backup, the expiries
        assert value(found, "cycle_status", court="pn-a", cycle="harian") == 1  # warning (W4)
        assert value(found, "cycle_status", court="pn-b", cycle="harian") == 2  # critical
        assert near(value(found, "tls_days_left", court="pn-a"), 40)  # W4 is as new as W1: the earlier
        assert near(value(found, "domain_days_left", court="pn-a"), 200)
        assert 3 * 3600 <= value(found, "backup_age_seconds", court="pn-a") <= 4 * 3600
        assert value(found, "backup_age_seconds", court="pn-b") is None  # never backed up: no series
        assert value(found, "cycle_status", court="pn-a", cycle="watch") is None  # the watch is no cycle

        up.mode = "down"  # the next rounds see it: the gauge follows
        while json.loads(proc.stdout.readline())["down"] != 2:
            pass
        found = scrape(port)
        assert value(found, "site_up", court="pn-a") == 0
        assert value(found, "site_up", court="pn-b") == 0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
    finally:
        proc.kill()
        proc.wait()
        up.stop()
        down.stop()
    with pytest.raises(OSError):  # the listener is gone with the watch
        scrape(port)


@pytest.mark.parametrize("listen", ["0.0.0.0:9464", "192.0.2.10:9464", "[::]:9464", "pn-a.go.id:9464"])
def test_the_watch_serves_metrics_on_loopback_only(tmp_path, data, capsys, listen):
    site = CourtSite()
    try:
        inv = write_inventory(tmp_path, {"pn-a": (site.port, {})})
        assert cli.main(["watch", "-i", inv, "--rounds", "1", "--metrics", listen]) == exitcodes.USAGE
        assert f"--metrics {listen!r}: metrik hanya dilayani di alamat loopback" in capsys.readouterr().err
        args = ["--lang", "en", "watch", "-i", inv, "--rounds", "1", "--metrics", listen]
        assert cli.main(args) == exitcodes.USAGE
        assert "metrics are served on a loopback address only" in capsys.readouterr().err
        assert site.requests == 0  # refused before any court was probed
    finally:
        site.stop()


def test_metrics_addresses():
    assert metrics.parse_listen("127.0.0.1:9464") == ("127.0.0.1", 9464)
    assert metrics.parse_listen("[::1]:9464") == ("::1", 9464)
    assert metrics.parse_listen("localhost:9") == ("127.0.0.1", 9)
    assert metrics.parse_listen("127.0.0.2:9464") == ("127.0.0.2", 9464)
    for bad in ("9464", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:x", ":9464"):
        with pytest.raises(metrics.MetricsError):
            metrics.parse_listen(bad)


# -- the cycles' textfile -----------------------------------------------------------------------------------
def test_a_recorded_run_writes_the_textfile_of_every_court(tmp_path, data, monkeypatch):
    folder = tmp_path / "textfile"
    folder.mkdir()
    path = folder / "sopansible.prom"
    monkeypatch.setenv(metrics.TEXTFILE_VARIABLE, str(path))
    first = daily(NOW - dt.timedelta(hours=1))
    pipeline.record(first)
    assert first.metrics_error is None
    before = path.stat().st_ino
    # A retry of the daily cycle reaches only pn-b (a court whose name tries to forge a series); the file
    # still describes pn-a from the history.
    evil = 'pn-x",court="pn-a'
    retry_started = NOW - dt.timedelta(minutes=10)
    retry = cycle(
        "20261123T030000Z-harian-bbbbbb",
        retry_started,
        [
            result("pn-b", "W1", "ok", retry_started, reachable=True, response_ms=80.0),
            result(evil, "W1", "critical", retry_started, reachable=False),
        ],
    )
    pipeline.record(retry)
    assert retry.metrics_error is None
    assert path.stat().st_ino != before  # a new file renamed over the old one, never rewritten in place
    assert sorted(p.name for p in folder.iterdir()) == ["sopansible.prom"]  # no temporary file left
    found = parse(path.read_text())
    assert value(found, "site_up", court="pn-a") == 1
    assert value(found, "site_response_seconds", court="pn-a") == pytest.approx(0.12)
    assert value(found, "site_up", court="pn-b") == 1  # the retry is newer than the daily run
    assert value(found, "site_response_seconds", court="pn-b") == pytest.approx(0.08)
    assert value(found, "site_up", court=evil) == 0
    assert len([key for key in found if key[0] == "sopansible_site_up"]) == 3
    assert value(found, "cycle_status", court="pn-a", cycle="harian") == 1
    assert value(found, "cycle_status", court="pn-b", cycle="harian") == 0  # its newest daily run
    assert (
        value(found, "cycle_finished_timestamp_seconds", court="pn-b", cycle="harian")
        == (retry_started + dt.timedelta(minutes=30)).timestamp()
    )
    assert (
        value(found, "cycle_finished_timestamp_seconds", court="pn-a", cycle="harian")
        == (NOW - dt.timedelta(minutes=30)).timestamp()
    )
    assert near(value(found, "tls_days_left", court="pn-a"), 40)
    assert near(value(found, "domain_days_left", court="pn-a"), 200)
    assert 3 * 3600 <= value(found, "backup_age_seconds", court="pn-a") <= 4 * 3600
    assert (
        value(found, "backup_last_success_timestamp_seconds", court="pn-a")
        == (NOW - dt.timedelta(hours=3)).timestamp()
    )


def test_the_newer_certificate_check_gives_the_days_left(tmp_path, data, monkeypatch):
    """W1 sees a renewed certificate after the W4 check: the newer one counts."""
    path = tmp_path / "sopansible.prom"
    monkeypatch.setenv(metrics.TEXTFILE_VARIABLE, str(path))
    pipeline.record(daily(NOW - dt.timedelta(days=2)))
    later = NOW - dt.timedelta(hours=1)
    pipeline.record(
        cycle(
            "20261125T020000Z-w1-cccccc", later, [result("pn-a", "W1", "ok", later, tls_days_left=89.0)], "W1"
        )
    )
    found = parse(path.read_text())
    assert 88.9 <= value(found, "tls_days_left", court="pn-a") <= 89
    assert value(found, "cycle_status", court="pn-a", cycle="W1") == 0


def test_a_failed_textfile_write_does_not_fail_the_run(tmp_path, data, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the textfile's folder should be\n")
    monkeypatch.setenv(metrics.TEXTFILE_VARIABLE, str(blocker / "sopansible.prom"))
    outcome = daily(NOW - dt.timedelta(hours=1))
    out = io.StringIO()
    done = _playbook.record_notify_report(
        Console(file=out, width=200), "en", outcome, notify=False, report=False
    )
    assert done.problem == exitcodes.OK
    with HistoryStore() as history:
        assert history.run(outcome.run_id)["name"] == "harian"  # recorded all the same
    assert isinstance(outcome.metrics_error, metrics.MetricsError)
    assert f"metrics file {blocker / 'sopansible.prom'}: cannot be written" in " ".join(
        out.getvalue().split()
    )
    assert blocker.read_text().startswith("a file")


def test_a_round_that_could_not_measure_a_site_keeps_its_last_value(tmp_path):
    """A probe stopped by the round's deadline says nothing about the site: the watch keeps serving the last
    measured value rather than dropping the series (an alert waiting `for: 10m` would start again)."""
    with HistoryStore(tmp_path / "history.sqlite") as history:
        exporter = metrics.Exporter(["pn-a"])
        history.record_samples([{"court": "pn-a", "at": iso(NOW), "reachable": False, "response_ms": 30.0}])
        exporter.update(history)
        history.record_samples(
            [
                {
                    "court": "pn-a",
                    "at": iso(NOW + dt.timedelta(minutes=5)),
                    "reachable": None,
                    "reason": "deadline",
                }
            ]
        )
        exporter.update(history)
        found = parse(exposition(exporter))
    assert value(found, "site_up", court="pn-a") == 0
    assert value(found, "site_response_seconds", court="pn-a") == pytest.approx(0.03)
    assert value(found, "site_checked_timestamp_seconds", court="pn-a") == NOW.timestamp()


def test_scheduled_cycles_write_the_textfile(tmp_path):
    """`schedule install --metrics-textfile PATH`: the cron job and the systemd units of the cycles run with
    SOPANSIBLE_METRICS_TEXTFILE; a path that would add a line to them is refused."""
    from sopansible import schedule as sched

    seen = tmp_path / "seen.txt"
    fake = tmp_path / "sopansible"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$SOPANSIBLE_METRICS_TEXTFILE\" >> '{seen}'\n")
    fake.chmod(0o755)
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all: {}\n")
    path = tmp_path / "textfile" / "sopansible.prom"
    job = sched.default_job(
        inventory, data_dir=tmp_path / "data", executable=[str(fake)], metrics_textfile=path
    )
    (line,) = [x for x in sched.cron_block(sched.plan_entries(["harian"]), job, None) if x and x[0] != "#"]
    command = sched.validate_cron_line(line, False)["command"].replace("\\%", "%")
    done = subprocess.run(
        ["/bin/sh", "-c", command], env={"PATH": "/usr/bin:/bin"}, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert seen.read_text().splitlines() == [str(path), str(path)]  # the run and the report after it
    units = sched.unit_files(sched.plan_entries(["harian"]), job)
    assert (
        "Environment=" + sched.systemd_env(f"SOPANSIBLE_METRICS_TEXTFILE={path}")
        in units["sopansible-harian.service"].splitlines()
    )

    bad = sched.default_job(
        inventory, data_dir=tmp_path / "data", metrics_textfile=tmp_path / "x\nExecStartPre=id"
    )
    with pytest.raises(sched.ScheduleError, match="--metrics-textfile"):
        sched.unit_files(sched.plan_entries(["harian"]), bad)
    cron = tmp_path / "sopansible.cron"
    argv = ["schedule", "install", "-i", str(inventory), "--cron-file", str(cron), "--user", "root"]
    assert cli.main([*argv, "--metrics-textfile", "metrics/x.prom", "--dry-run"]) == exitcodes.OK
    assert not cron.exists()


def test_the_watch_sees_a_cycle_recorded_while_it_runs(tmp_path):
    """A daily run recorded beside a running watch shows at the watch's next round, without waiting for the
    hourly re-read; the watch's own recorded W1 results do not make it read the cycles again."""
    ticks = [0.0]
    with HistoryStore(tmp_path / "history.sqlite") as history:
        exporter = metrics.Exporter(["pn-a", "pn-b"], clock=lambda: ticks[0])
        exporter.update(history)
        assert value(parse(exposition(exporter)), "cycle_status", court="pn-a", cycle="harian") is None
        pipeline.record(daily(NOW - dt.timedelta(hours=1)), history=history)
        ticks[0] = 60.0
        exporter.update(history)
        found = parse(exposition(exporter))
        assert value(found, "cycle_status", court="pn-a", cycle="harian") == 1
        assert 3 * 3600 <= value(found, "backup_age_seconds", court="pn-a") <= 4 * 3600
        # a renewed certificate the watch's W1 saw is read at the hourly re-read
        pipeline.record(
            cycle("watch-1", NOW, [result("pn-a", "W1", "ok", NOW, tls_days_left=90.0)], "watch"),
            history=history,
        )
        ticks[0] = 120.0
        exporter.update(history)
        assert near(value(parse(exposition(exporter)), "tls_days_left", court="pn-a"), 40)
        ticks[0] = 3700.0
        exporter.update(history)
        assert 89.9 <= value(parse(exposition(exporter)), "tls_days_left", court="pn-a") <= 90
