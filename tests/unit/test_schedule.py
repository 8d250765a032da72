"""Schedules: cron blocks and systemd timers for the SOP cycles, written only to temporary paths (never
the machine's crontab or systemd)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sopansible import cli
from sopansible import schedule as sched

OTHER = "# backups of the mail server\n15 1 * * * root /usr/local/bin/backup-mail\n"


@pytest.fixture
def inventory(tmp_path):
    # a path a shell would trip over: spaces, quotes, $, % and a backslash
    folder = tmp_path / "inv dir 'PN' $HOME 100% a\\b"
    folder.mkdir()
    path = folder / "courts.yml"
    path.write_text("all: {}\n")
    return path


@pytest.fixture
def fake_sopansible(tmp_path):
    """An executable standing in for sopansible: appends its arguments and environment to a file."""
    folder = tmp_path / "bin dir"
    folder.mkdir()
    calls = tmp_path / "calls.jsonl"
    script = folder / "sopansible"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"with open({str(calls)!r}, 'a') as f:\n"
        "    f.write(json.dumps({'argv': sys.argv[1:], 'data': os.environ.get('SOPANSIBLE_DATA'),"
        " 'cwd': os.getcwd()}) + '\\n')\n"
        "print('ran', sys.argv[1:])\n"
        "sys.exit(2 if 'run' in sys.argv else 0)\n"
    )
    script.chmod(0o755)
    return script, calls


def job_for(inventory, tmp_path, executable=None, **options):
    data = tmp_path / "data 50%"
    return sched.default_job(inventory, data_dir=data, executable=executable, **options)


def entries_of(lines, with_user=True):
    return [sched.validate_cron_line(line, with_user) for line in lines if line and not line.startswith("#")]


def test_plan_entries_follow_the_catalogue_and_stagger():
    entries = {e.cycle: e for e in sched.plan_entries()}
    assert [(e.frequency, e.cron()) for e in entries.values()] == [
        ("daily", "30 2 * * *"),
        ("weekly", "30 3 * * 0"),
        ("monthly", "30 4 1 * *"),
    ]
    assert entries["mingguan"].on_calendar() == "Sun *-*-* 03:30:00"
    assert entries["bulanan"].on_calendar() == "*-*-01 04:30:00"
    staggered = sched.plan_entries(["harian", "bulanan"], ["23:45"], weekday="jumat", monthday="15")
    assert [(e.cycle, e.time) for e in staggered] == [("harian", "23:45"), ("bulanan", "00:45")]
    assert staggered[1].cron() == "45 0 15 * *"
    exact = sched.plan_entries(None, ["mingguan=5:05"], weekday="Saturday")
    assert [e.cron() for e in exact][1] == "5 5 * * 6"
    assert sched.plan_entries(["mingguan"], weekday="7")[0].weekday == 0


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"cycles": ["tahunan"]}, "siklus 'tahunan' tidak dikenal"),
        ({"at": ["25:00"]}, "'25:00' bukan jam yang sah"),
        ({"at": ["harian=2.61"]}, "bukan jam yang sah"),
        ({"cycles": ["harian"], "at": ["bulanan=01:00"]}, "siklus 'bulanan' tidak dipasang"),
        ({"weekday": "libur"}, "'libur' bukan hari"),
        ({"monthday": "31"}, "harus 1-28"),
    ],
)
def test_bad_options_name_what_is_wrong(kwargs, expected):
    with pytest.raises(sched.ScheduleError, match=expected):
        sched.plan_entries(**kwargs)


def test_cron_install_is_idempotent_and_keeps_other_entries(tmp_path, inventory):
    cron = tmp_path / "cron.d" / "sopansible"
    cron.parent.mkdir()
    cron.write_text(OTHER)
    target = sched.CronTarget(cron)
    job = job_for(inventory, tmp_path)
    first = sched.install_cron(sched.plan_entries(), job, target, user="sopadmin")
    assert first["changed"] is True
    text = cron.read_text()
    assert text.startswith(OTHER) and text.count(sched.BEGIN) == 1 and text.endswith(sched.END + "\n")
    assert oct(cron.stat().st_mode & 0o777) == "0o644"
    parsed = entries_of(text.splitlines()[2:])
    assert [p["fields"] for p in parsed] == [
        ["30", "2", "*", "*", "*"],
        ["30", "3", "*", "*", "0"],
        ["30", "4", "1", "*", "*"],
    ]
    assert {p["user"] for p in parsed} == {"sopadmin"}
    # the command holds the lock, the log and the quoted inventory as single words
    words = parsed[0]["words"]
    flock = words.index(job.flock)
    assert words[flock : flock + 4] == [job.flock, "-w", "10800", str(job.lock)]
    assert words[flock + 4 : flock + 6] == ["/bin/sh", "-c"]
    script = words[flock + 6]
    assert f"run harian -i {sched.shlex.quote(str(inventory))} --no-report" in script
    assert words[-3:] == [">>", str(job.log("harian")), "2>&1"]

    assert sched.install_cron(sched.plan_entries(), job, target, user="sopadmin")["changed"] is False
    assert cron.read_text() == text
    # a new time replaces the block, it does not add a second one
    sched.install_cron(sched.plan_entries(["harian"], ["06:00"]), job, target, user="sopadmin")
    changed = cron.read_text()
    assert changed.count(sched.BEGIN) == 1 and "0 6 * * * sopadmin" in changed and "mingguan" not in changed
    assert sched.show_cron(target)["entries"][0].startswith("0 6 * * * sopadmin ")

    assert sched.remove_cron(target)["changed"] is True
    assert cron.read_text() == OTHER
    assert sched.remove_cron(target)["changed"] is False
    # a file holding only our block goes away entirely
    only = sched.CronTarget(tmp_path / "only")
    sched.install_cron(sched.plan_entries(), job, only, user="root")
    sched.remove_cron(only)
    assert not (tmp_path / "only").exists()


def test_the_cron_command_really_runs_under_the_lock(tmp_path, inventory, fake_sopansible):
    script, calls = fake_sopansible
    job = job_for(inventory, tmp_path, executable=[str(script)], pdf=True, lock_wait=5)
    lines = sched.cron_block(sched.plan_entries(["harian"]), job, user=None)
    (entry,) = entries_of(lines, with_user=False)
    assert "\\%" in entry["command"]  # cron would otherwise cut the line at the '%'
    command = entry["command"].replace("\\%", "%")  # what cron hands to /bin/sh
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    runs = [json.loads(line) for line in calls.read_text().splitlines()]
    assert [r["argv"] for r in runs] == [
        ["--lang", "id", "run", "harian", "-i", str(inventory), "--no-report"],
        ["--lang", "id", "report", "--pdf", "--deliver"],  # also after a run that exited 2
    ]
    assert {r["data"] for r in runs} == {str(job.data_dir)}
    log = job.log("harian").read_text()
    assert "sopansible harian" in log and "ran ['--lang', 'id', 'report', '--pdf', '--deliver']" in log

    # while another process holds the lock, the job waits (here: gives up after lock_wait=0)
    busy = sched.Job(**{**job.__dict__, "lock_wait": 0})
    (entry,) = entries_of(sched.cron_block(sched.plan_entries(["harian"]), busy, None), with_user=False)
    holder = subprocess.Popen([job.flock, str(job.lock), "sleep", "30"])
    try:
        for _ in range(100):
            if subprocess.run([job.flock, "-n", str(job.lock), "true"]).returncode != 0:
                break
            subprocess.run(["sleep", "0.05"])
        blocked = subprocess.run(
            ["/bin/sh", "-c", entry["command"].replace("\\%", "%")], env=env, capture_output=True, timeout=60
        )
    finally:
        holder.kill()
        holder.wait()
    assert blocked.returncode != 0
    assert len(calls.read_text().splitlines()) == 2


def test_validate_cron_line_rejects_bad_lines():
    assert sched.validate_cron_line("*/5 1-3 * * 1,3 echo ok", False)["words"] == ["echo", "ok"]
    for line, expected in [
        ("30 2 * * echo", "tidak lengkap"),
        ("61 2 * * * root true", "minute"),
        ("0 24 * * * root true", "hour"),
        ("0 0 0 * * root true", "day of month"),
        ("0 0 * 13 * root true", "month"),
        ("0 0 * * 8 root true", "weekday"),
        ("0 0 * * * root date +%F", "'%' tanpa escape"),
        ("0 0 * * * root echo 'unclosed", "tidak dapat dipecah"),
    ]:
        with pytest.raises(sched.ScheduleError, match=expected):
            sched.validate_cron_line(line, True)


def test_user_crontab_through_the_crontab_command(tmp_path, inventory, monkeypatch):
    # a stand-in `crontab` keeping the table in a temporary file
    store = tmp_path / "crontab.txt"
    store.write_text("MAILTO=ops@example.go.id\n0 5 * * * /home/op/bin/other\n")
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    fake = bin_dir / "crontab"
    fake.write_text(
        "#!/bin/sh\n"
        f'T="{store}"\n'
        'case "$1" in\n'
        '  -l) [ -f "$T" ] || { echo "no crontab for $USER" >&2; exit 1; }; cat "$T";;\n'
        '  -) cat > "$T";;\n'
        '  -r) rm -f "$T";;\n'
        "esac\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setattr(sched.os, "geteuid", lambda: 1000)
    target = sched.CronTarget()
    assert target.path is None and target.with_user is False and target.name == "crontab"
    job = job_for(inventory, tmp_path)
    sched.install_cron(sched.plan_entries(["harian"]), job, target)
    text = store.read_text()
    assert text.startswith("MAILTO=ops@example.go.id\n0 5 * * * /home/op/bin/other\n\n" + sched.BEGIN)
    (entry,) = entries_of(text.splitlines()[3:], with_user=False)
    assert entry["fields"] == ["30", "2", "*", "*", "*"] and entry["words"][0] == "mkdir"
    sched.remove_cron(target)
    assert store.read_text() == "MAILTO=ops@example.go.id\n0 5 * * * /home/op/bin/other\n"
    store.unlink()
    assert sched.show_cron(target)["installed"] is False  # "no crontab for ..." is an empty table
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(sched.ScheduleError, match="perintah crontab tidak ada"):
        sched.CronTarget().read()


def test_an_unfinished_block_is_not_guessed_at():
    with pytest.raises(sched.ScheduleError, match="tanpa"):
        sched.replace_block(f"{sched.BEGIN}\n30 2 * * * true\n", [sched.BEGIN, sched.END])


def test_systemd_units_are_valid(tmp_path, inventory):
    units = tmp_path / "units"
    job = job_for(inventory, tmp_path, pdf=True)
    result = sched.install_systemd(sched.plan_entries(at=["harian=01:05"]), job, units)
    assert result["files"] == [
        "sopansible-bulanan.service",
        "sopansible-bulanan.timer",
        "sopansible-harian.service",
        "sopansible-harian.timer",
        "sopansible-mingguan.service",
        "sopansible-mingguan.timer",
    ]
    service = (units / "sopansible-harian.service").read_text()
    assert 'Environment="SOPANSIBLE_DATA=' + str(job.data_dir).replace("%", "%%") + '"' in service
    assert "$$(date" in service and "100%% a" in service
    assert "StandardOutput=append:" + str(job.log("harian")).replace("%", "%%") in service
    shown = sched.show_systemd(units)
    assert shown["timers"] == {
        "bulanan": "*-*-01 04:30:00",
        "harian": "*-*-* 01:05:00",
        "mingguan": "Sun *-*-* 03:30:00",
    }
    assert sched.install_systemd(sched.plan_entries(at=["harian=01:05"]), job, units)["changed"] is False
    analyze = shutil.which("systemd-analyze")
    if analyze:
        for when in shown["timers"].values():
            done = subprocess.run([analyze, "calendar", when], capture_output=True, text=True, timeout=30)
            assert done.returncode == 0 and f"Normalized form: {when}" in done.stdout
        done = subprocess.run(
            [analyze, "verify", "--man=no", *(str(p) for p in sorted(units.iterdir()))],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=units,
        )
        assert done.returncode == 0, done.stderr
        assert "quoting" not in done.stderr.lower()

    # a unit of the same name written by someone else is neither overwritten nor removed
    (units / "sopansible-harian.timer").write_text("[Timer]\nOnCalendar=hourly\n")
    with pytest.raises(sched.ScheduleError, match="bukan buatan sopansible"):
        sched.install_systemd(sched.plan_entries(["harian"]), job, units)
    removed = sched.remove_systemd(units)
    assert "sopansible-harian.timer" not in removed["removed"] and len(removed["removed"]) == 5
    assert sorted(p.name for p in units.iterdir()) == ["sopansible-harian.timer"]
    assert sched.remove_systemd(units)["changed"] is False


def test_systemd_quoting_round_trips():
    for word in ["plain/path", "with space", 'a "quote"', "it's", "100% $HOME \\n"]:
        quoted = sched.systemd_quote(word)
        assert quoted.count('"') - quoted.count('\\"') in (0, 2)
        unquoted = quoted[1:-1] if quoted.startswith('"') else quoted
        back = unquoted.replace('\\"', '"').replace("\\\\", "\\").replace("%%", "%").replace("$$", "$")
        assert back == word


def test_next_runs():
    now = dt.datetime(2026, 11, 23, 12, 0)  # a Monday
    nxt = sched.next_runs(sched.plan_entries(weekday="rabu", monthday="23"), now)
    assert nxt == {
        "harian": "2026-11-24T02:30",
        "mingguan": "2026-11-25T03:30",
        "bulanan": "2026-12-23T04:30",
    }


def test_cli_install_show_remove(tmp_path, inventory, capsys):
    cron = tmp_path / "sopansible.cron"
    cron.write_text(OTHER)
    base = ["schedule"]
    assert cli.main([*base, "install", "-i", str(inventory), "--cron-file", str(cron), "--at", "01:00"]) == 0
    out = capsys.readouterr().out
    assert f"Jadwal dipasang di {cron}" in out and "harian: setiap hari pukul 01:00" in out
    assert "mingguan: setiap hari Minggu pukul 02:00" in out
    assert cli.main([*base, "install", "-i", str(inventory), "--cron-file", str(cron), "--at", "01:00"]) == 0
    assert "sudah sama" in capsys.readouterr().out
    assert cli.main(["--lang", "en", *base, "show", "--cron-file", str(cron), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["installed"] and len(shown["entries"]) == 3
    assert cli.main([*base, "remove", "--cron-file", str(cron)]) == 0
    assert "dihapus" in capsys.readouterr().out and cron.read_text() == OTHER
    assert cli.main([*base, "show", "--cron-file", str(cron)]) == 0
    assert "Belum ada jadwal" in capsys.readouterr().out

    units = tmp_path / "units"
    argv = [*base, "install", "-i", str(inventory), "--unit-dir", str(units), "--cycle", "harian", "--json"]
    assert cli.main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["files"] == ["sopansible-harian.service", "sopansible-harian.timer"]
    assert data["entries"][0]["on_calendar"] == "*-*-* 02:30:00"
    assert cli.main([*base, "show", "--unit-dir", str(units)]) == 0
    assert "OnCalendar=*-*-* 02:30:00" in capsys.readouterr().out
    assert cli.main([*base, "remove", "--unit-dir", str(units)]) == 0
    assert list(units.iterdir()) == []

    dry = [*base, "install", "-i", str(inventory), "--cron-file", str(cron), "--dry-run", "--pdf"]
    assert cli.main(dry) == 0
    assert "report --pdf" in capsys.readouterr().out and cron.read_text() == OTHER

    assert cli.main([*base, "install", "-i", str(tmp_path / "nope.yml"), "--cron-file", str(cron)]) == 4
    assert "inventori tidak ada" in capsys.readouterr().err
    assert cli.main([*base, "install", "-i", str(inventory), "--cron-file", str(cron), "--at", "7pm"]) == 4
    assert "'7pm' bukan jam" in capsys.readouterr().err
    bad_wait = [*base, "install", "-i", str(inventory), "--cron-file", str(cron), "--lock-wait", "-1"]
    assert cli.main(bad_wait) == 4
    assert cron.read_text() == OTHER
    assert Path(cron).exists()


@pytest.mark.parametrize(
    "user",
    [
        "sopadmin\n* * * * * root touch /tmp/pn-website-pwned",  # a cron line of its own
        "root touch /tmp/pn-website-pwned #",  # the command moves into the user field
        "-root",
    ],
)
def test_a_user_cannot_add_cron_lines(tmp_path, inventory, capsys, user):
    cron = tmp_path / "sopansible.cron"
    cron.write_text(OTHER)
    argv = ["schedule", "install", "-i", str(inventory), "--cron-file", str(cron), f"--user={user}"]
    assert cli.main(["--lang", "en", *argv]) == 4
    error = " ".join(capsys.readouterr().err.split())
    assert "--user:" in error and "is not a valid user name" in error
    assert cron.read_text() == OTHER
    assert cli.main(["--lang", "en", *argv, "--dry-run"]) == 4
    assert "pwned" not in capsys.readouterr().out


def test_a_newline_in_a_path_adds_no_cron_line_or_unit_directive(tmp_path, capsys):
    folder = tmp_path / "inv\n* * * * * root touch pn-website-pwned #"
    folder.mkdir()
    (folder / "hosts.yml").write_text("all: {}\n")
    cron = tmp_path / "sopansible.cron"
    cron.write_text(OTHER)
    argv = [
        "schedule",
        "install",
        "-i",
        str(folder / "hosts.yml"),
        "--cron-file",
        str(cron),
        "--user",
        "root",
    ]
    assert cli.main(["--lang", "en", *argv]) == 4
    error = capsys.readouterr().err.replace("\n", "")  # the console wraps long lines
    assert "--inventory:" in error and "holds a newline or control character" in error
    assert "\\x0a" in error and cron.read_text() == OTHER
    units = tmp_path / "units"
    assert cli.main(["schedule", "install", "-i", str(folder / "hosts.yml"), "--unit-dir", str(units)]) == 4
    assert "baris baru" in capsys.readouterr().err and not units.exists()

    # the data folder (SOPANSIBLE_DATA) and the command's words go into the lines as well
    good = tmp_path / "hosts.yml"
    good.write_text("all: {}\n")
    data = tmp_path / "data\nExecStartPre=touch pn-website-pwned"
    job = sched.default_job(good, data_dir=data)
    with pytest.raises(sched.ScheduleError, match="SOPANSIBLE_DATA"):
        sched.unit_files(sched.plan_entries(["harian"]), job)
    job = sched.default_job(good, data_dir=tmp_path / "data", executable=["/usr/bin/sopansible\nX=1"])
    with pytest.raises(sched.ScheduleError, match="sopansible: "):
        sched.cron_block(sched.plan_entries(["harian"]), job, "root")
    entry = sched.Entry("harian\n* * * * * root id", "daily", 2, 30)
    with pytest.raises(sched.ScheduleError, match="nama tidak sah"):
        sched.cron_block([entry], sched.default_job(good, data_dir=tmp_path / "data"), "root")


def test_the_watch_service(tmp_path, inventory, fake_sopansible, capsys):
    """`schedule install --systemd --watch`: a long-running service for `sopansible watch`, beside the
    cycle timers, kept running by systemd, removed with the rest."""
    script, calls = fake_sopansible
    units = tmp_path / "units"
    job = job_for(inventory, tmp_path, executable=[str(script)])
    result = sched.install_systemd(sched.plan_entries(["harian"]), job, units, watch="2m")
    assert result["files"] == [
        "sopansible-harian.service",
        "sopansible-harian.timer",
        "sopansible-watch.service",
    ]
    service = (units / "sopansible-watch.service").read_text()
    assert service.startswith(sched.MARKER + "\n")
    for line in ("Type=simple", "Restart=always", "WantedBy=multi-user.target"):
        assert line in service.splitlines()
    argv = job.watch_argv("2m")
    assert argv[1:] == ["--lang", "id", "watch", "-i", str(inventory), "--interval", "2m"]
    assert f"ExecStart={' '.join(sched.systemd_quote(w) for w in argv)}" in service.splitlines()
    assert "flock" not in service  # the watch runs beside the cycles, not under their lock
    # the command the unit starts really is the watch, with the job's data folder
    done = subprocess.run(argv, env={**os.environ, **job.environment()}, capture_output=True, timeout=60)
    assert done.returncode == 0
    (call,) = [json.loads(line) for line in calls.read_text().splitlines()]
    assert call["argv"] == argv[1:] and call["data"] == str(job.data_dir)
    analyze = shutil.which("systemd-analyze")
    if analyze:
        verified = subprocess.run(
            [analyze, "verify", "--man=no", *(str(p) for p in sorted(units.iterdir()))],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=units,
        )
        assert verified.returncode == 0, verified.stderr
    assert sched.show_systemd(units)["watch"] is True
    assert sched.install_systemd(sched.plan_entries(["harian"]), job, units, watch="2m")["changed"] is False
    # an interval cannot smuggle a directive into the unit
    with pytest.raises(sched.ScheduleError, match="--watch-interval"):
        sched.unit_files([], job, watch="5m\nExecStartPre=/bin/touch /tmp/pn-website-pwned")
    with pytest.raises(sched.ScheduleError, match="--watch-interval"):
        sched.unit_files([], job, watch="0")  # a service that would fail and restart every 30 s
    assert sorted(sched.remove_systemd(units)["removed"]) == result["files"]
    assert list(units.iterdir()) == []

    # the command line: systemd only (a service that keeps running has no cron form)
    argv = ["schedule", "install", "-i", str(inventory), "--unit-dir", str(units), "--cycle", "harian"]
    assert cli.main([*argv, "--watch", "--watch-interval", "1m", "--json"]) == 0
    assert "sopansible-watch.service" in json.loads(capsys.readouterr().out)["files"]
    assert cli.main(["schedule", "show", "--unit-dir", str(units)]) == 0
    assert "sopansible-watch.service" in capsys.readouterr().out
    cron = tmp_path / "sopansible.cron"
    assert cli.main(["schedule", "install", "-i", str(inventory), "--cron-file", str(cron), "--watch"]) == 4
    assert "--watch memerlukan --systemd" in capsys.readouterr().err and not cron.exists()


def test_the_watch_service_serves_metrics_on_loopback_only(tmp_path, inventory, capsys):
    """`--watch-metrics` passes a loopback listener to the watch service; any other address, or the
    option without --watch, is refused at install time (not by a service restarting every 30 s)."""
    units = tmp_path / "units"
    argv = ["schedule", "install", "-i", str(inventory), "--unit-dir", str(units), "--cycle", "harian"]
    assert cli.main([*argv, "--watch", "--watch-metrics", "localhost:9464", "--json"]) == 0
    capsys.readouterr()
    service = (units / "sopansible-watch.service").read_text()
    (start,) = [line for line in service.splitlines() if line.startswith("ExecStart=")]
    assert start.endswith(" --interval 5m --metrics 127.0.0.1:9464")
    job = sched.default_job(inventory, data_dir=tmp_path / "data", watch_metrics="[::1]:9100")
    assert job.watch_argv("5m")[-2:] == ["--metrics", "[::1]:9100"]
    for bad in ("0.0.0.0:9464", "10.0.0.5:9464", "127.0.0.1:0", "127.0.0.1:9464\nExecStartPre=/bin/id"):
        assert cli.main([*argv, "--watch", "--watch-metrics", bad]) == 4
        assert "--metrics" in capsys.readouterr().err
    assert cli.main([*argv, "--watch-metrics", "127.0.0.1:9464"]) == 4
    assert "--watch-metrics hanya berlaku bersama --watch" in capsys.readouterr().err
    assert "--metrics" in (units / "sopansible-watch.service").read_text()  # left as it was
