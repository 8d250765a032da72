# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restic engine: command building, secrets, version gating, and real runs of restic on local
repositories (backup, manifest, locks, retention, check, restore, archive export)."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import signal
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.backup.backup_run import main, run_backup
from ansible_collections.pn.website.plugins.module_utils.backup.manifest import (
    compare_files,
    file_manifest,
    verify_restore,
)
from ansible_collections.pn.website.plugins.module_utils.backup.repository import (
    Repository,
    ResticError,
    classify,
    features,
    is_mount_point,
    parse_backup_output,
    parse_version,
    redact_location,
    repository_location,
    rotating_subset,
    unmounted_disk,
)
from ansible_collections.pn.website.plugins.module_utils.backup.site_restore import (
    copy_tree_over,
    export_archive,
    restore_site,
)
from ansible_collections.pn.website.plugins.module_utils.backup.snapshots import (
    parse_time,
    snapshot_age_hours,
    snapshot_known_good,
)

SECRET = "Rahasia-Repo-7f3a"
RESTIC = shutil.which("restic")
needs_restic = pytest.mark.skipif(RESTIC is None, reason="restic is not installed")


# -- pure functions --------------------------------------------------------------------------------
def test_version_parsing_and_feature_gates():
    assert parse_version("restic 0.14.0 compiled with go1.19.8 on linux/amd64") == (0, 14, 0)
    assert parse_version("restic 0.18.1 (v0.18.1-0) compiled with go1.24") == (0, 18, 1)
    assert parse_version("garbage") == (0, 0, 0)
    old, debian12, new = (features(v) for v in [(0, 11, 0), (0, 14, 0), (0, 16, 4)])
    assert not old["compression"] and debian12["compression"] and new["compression"]
    assert not debian12["retry_lock"] and new["retry_lock"]
    assert not debian12["rest_credentials_env"] and new["rest_credentials_env"]


def test_compression_flag_is_gated_on_the_version(monkeypatch):
    repo = Repository("/srv/x", password=SECRET)
    calls = []

    def fake_run(args, **kwargs):
        calls.append(args)
        raise ResticError("stop", "failed")

    monkeypatch.setattr(repo, "run", fake_run)
    for version, expected in (((0, 11, 0), False), ((0, 14, 0), True)):
        repo._version = version
        with pytest.raises(ResticError):
            repo.backup(["/var/www"], host="pn-tais", tags=["court:pn-tais"], compression="auto")
        assert ("--compression" in calls[-1]) is expected


def test_locations_are_shown_without_credentials():
    assert redact_location("rest:https://pn-tais:s3cr3t@backup.example:8000/pn-tais/") == (
        "rest:https://backup.example:8000/pn-tais/"
    )
    assert redact_location("sftp:pn-backup@10.0.0.5:/srv/x") == "sftp:pn-backup@10.0.0.5:/srv/x"
    # passwords holding '/', '@', ':' or escapes are hidden whole
    for password in ("pa/ss", "p@ss/w:rd", "a%2Fb/c"):
        shown = redact_location(f"rest:https://pn-tais:{password}@backup.example:8000/pn-tais/")
        assert shown == "rest:https://backup.example:8000/pn-tais/"
    assert repository_location({"type": "sftp", "location": "u@h:/p"}) == "sftp:u@h:/p"
    assert repository_location({"type": "s3", "location": "s3:http://h/b"}) == "s3:http://h/b"
    with pytest.raises(ResticError, match="absolute path"):
        repository_location({"type": "local", "location": "relative/dir"})


@pytest.mark.parametrize(
    "stderr, kind",
    [
        ("Fatal: wrong password or no key found\n", "wrong-password"),
        ("Fatal: unable to create lock in backend: repository is already locked by PID 1", "locked"),
        ("Fatal: unable to save snapshot: write /m/data/ab: no space left on device", "no-space"),
        (
            "Fatal: unable to open config file: stat /x/config: no such file or directory\n"
            "Is there a repository at the following location?",
            "no-repository",
        ),
        (
            "ssh: connect to host 10.0.0.5 port 22: Connection refused\nFatal: ssh command exited",
            "unreachable",
        ),
        ("something odd", "failed"),
    ],
)
def test_error_classification(stderr, kind):
    assert classify(stderr) == kind


def test_environment_carries_secrets_and_argv_does_not(monkeypatch):
    monkeypatch.setenv("RESTIC_PASSWORD", "from-the-outer-environment")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "outer")
    repo = Repository(
        "s3:http://127.0.0.1:9000/bucket/pn-tais",
        type="s3",
        password=SECRET,
        access_key_id="AKIAPN",
        secret_access_key="s3-secret",
        region="us-east-1",
    )
    repo._version = (0, 14, 0)
    env = repo.env()
    assert env["RESTIC_PASSWORD"] == SECRET
    assert env["AWS_SECRET_ACCESS_KEY"] == "s3-secret" and env["AWS_ACCESS_KEY_ID"] == "AKIAPN"
    argv = " ".join(repo.global_args())
    assert SECRET not in argv and "s3-secret" not in argv
    with_file = Repository("/srv/x", password_file="/etc/pn-website/backup.pass")
    env = with_file.env()
    assert env["RESTIC_PASSWORD_FILE"] == "/etc/pn-website/backup.pass" and "RESTIC_PASSWORD" not in env
    with pytest.raises(ResticError, match="password"):
        Repository("/srv/x")


def test_rest_credentials_go_in_the_url_before_0_16_and_the_env_after():
    repo = Repository(
        "rest:https://backup.example:8000/pn-tais/",
        type="rest",
        password=SECRET,
        username="pn-tais",
        rest_password="p@ss/word",
    )
    repo._version = (0, 14, 0)
    assert (
        repo.env()["RESTIC_REPOSITORY"] == "rest:https://pn-tais:p%40ss%2Fword@backup.example:8000/pn-tais/"
    )
    assert repo.display == "rest:https://backup.example:8000/pn-tais/"
    scrubbed = repo.scrub(
        "Fatal: unable to open rest:https://pn-tais:p%40ss%2Fword@backup.example:8000/pn-tais/"
    )
    assert "p%40ss" not in scrubbed and "backup.example" in scrubbed
    repo._version = (0, 16, 0)
    env = repo.env()
    assert env["RESTIC_REPOSITORY"] == "rest:https://backup.example:8000/pn-tais/"
    assert env["RESTIC_REST_USERNAME"] == "pn-tais" and env["RESTIC_REST_PASSWORD"] == "p@ss/word"


def test_sftp_command_uses_strict_host_keys_and_the_backup_key():
    repo = Repository(
        "sftp:pn-backup@10.88.0.5:/srv/pn-backup/pn-tais",
        type="sftp",
        password=SECRET,
        port=2222,
        identity_file="/root/.ssh/pn-website-backup",
        known_hosts_file="/etc/pn-website/known_hosts",
    )
    command = repo.sftp_command()
    assert command.startswith("ssh -o BatchMode=yes")
    for part in (
        "-p 2222",
        "-i /root/.ssh/pn-website-backup",
        "StrictHostKeyChecking=yes",
        "UserKnownHostsFile=/etc/pn-website/known_hosts",
        "-l pn-backup",
        "10.88.0.5 -s sftp",
    ):
        assert part in command
    assert repo.global_args()[:2] == ["-o", "sftp.command=" + command]
    with pytest.raises(ResticError, match="sftp location"):
        Repository("sftp:nohostpath", type="sftp", password=SECRET).sftp_command()


def test_rotating_subset_covers_every_group():
    start = datetime.date(2026, 11, 23)
    daily = [rotating_subset(7, start + datetime.timedelta(days=d), period_days=1) for d in range(7)]
    assert set(daily) == {"%d/7" % n for n in range(1, 8)}
    assert rotating_subset(0, start) == "1/1"


@pytest.mark.parametrize(
    "first_run",
    [
        datetime.date(2026, 11, 29),  # the weekly cycle's Sunday
        datetime.date(2026, 12, 20),  # across the end of 2026, an ISO year of 53 weeks
        datetime.date(2027, 3, 3),  # a Wednesday
    ],
)
@pytest.mark.parametrize("groups", [7, 5, 12])
def test_weekly_checks_read_every_subset_over_a_cycle(first_run, groups):
    """The maintenance runs once a week: `groups` consecutive weekly runs read `groups` different
    subsets, that is the whole repository, and the next run starts the cycle again."""
    runs = [first_run + datetime.timedelta(weeks=week) for week in range(groups + 1)]
    subsets = [rotating_subset(groups, day) for day in runs]
    assert sorted(subsets[:groups]) == sorted("%d/%d" % (n, groups) for n in range(1, groups + 1))
    assert subsets[groups] == subsets[0]
    # a run that slips by a day within its week reads the subset of that week
    assert rotating_subset(groups, runs[1] + datetime.timedelta(days=1)) in (subsets[1], subsets[2])


def test_mount_points_come_from_the_kernel():
    assert is_mount_point("/proc")
    assert not is_mount_point("/proc/self")
    assert unmounted_disk("/proc/pn-tais", "/proc") is None
    assert "not on the disk" in unmounted_disk("/var/backups/pn-tais", "/proc")
    assert "no disk is mounted under /media" in unmounted_disk("/media/backup-uji-pn/pn-tais")
    assert unmounted_disk("/var/backups/pn-website/pn-tais") is None  # not removable media


@needs_restic
@pytest.mark.parametrize("mount_point", [True, False])
def test_an_unmounted_external_disk_fails_and_no_repository_is_created(tmp_path, mount_point):
    """The disk's mount folder exists but nothing is mounted on it: the run fails with the reason and
    writes nothing there (restic would otherwise init a fresh repository on the root disk)."""
    make_site(tmp_path)
    disk = tmp_path / "media" / "backup-pengadilan"
    disk.mkdir(parents=True)
    entry = {"name": "hdd-eksternal", "type": "local", "location": str(disk / "pn-tais")}
    if mount_point:
        entry["mount_point"] = str(disk)
    else:  # the same folder under /media, where the role's default rule applies
        entry["location"] = "/media/pn-uji-%d/pn-tais" % os.getpid()
    status = run_backup(config_for(tmp_path, targets=[entry]), run_id="tanpa-disk")
    assert status["status"] == "failed" and status["exit_code"] == 1
    (target,) = status["targets"]
    assert target["status"] == "failed" and target["error"]["kind"] == "not-mounted", target
    assert "not mounted" in target["error"]["message"]
    assert "initialised" not in target and not target.get("snapshot_id")
    assert list(disk.iterdir()) == []
    assert not os.path.exists("/media/pn-uji-%d" % os.getpid())
    # the maintenance refuses the same way (no init, no check on the empty folder)
    repository = Repository.from_target(entry, password=SECRET)
    for action in (repository.init, repository.check):
        with pytest.raises(ResticError) as error:
            action()
        assert error.value.kind == "not-mounted"
    assert list(disk.iterdir()) == []


def test_backup_output_parsing_keeps_errors():
    text = "\n".join(
        [
            json.dumps({"message_type": "status", "percent_done": 0.5}),
            json.dumps(
                {
                    "message_type": "error",
                    "error": {"message": "permission denied"},
                    "during": "archival",
                    "item": "/var/www/court/secret",
                }
            ),
            json.dumps({"message_type": "summary", "snapshot_id": "abcd1234", "data_added": 10}),
            "not json",
        ]
    )
    summary, errors = parse_backup_output(text)
    assert summary["snapshot_id"] == "abcd1234"
    assert errors == ["/var/www/court/secret: permission denied"]


def test_restic_times_parse_with_nanoseconds():
    parsed = parse_time("2026-11-23T09:19:56.781485725Z")
    assert parsed == datetime.datetime(2026, 11, 23, 9, 19, 56, 781485, tzinfo=datetime.timezone.utc)
    now = datetime.datetime(2026, 11, 23, 12, 19, 56, 781485, tzinfo=datetime.timezone.utc)
    assert snapshot_age_hours({"time": "2026-11-23T16:19:56.781485725+07:00"}, now) == 3.0


def test_known_good_snapshot_is_the_newest_inside_a_window_never_the_latest_or_a_safety_snapshot():
    snaps = [
        {"id": "a" * 64, "time": "2026-11-20T02:00:00.1+07:00", "tags": ["court:pn-tais"]},
        {"id": "b" * 64, "time": "2026-11-21T02:00:00.5+07:00", "tags": ["court:pn-tais"]},
        # The nightly backup of the defaced site, and the safety snapshot a restore took of it.
        {"id": "c" * 64, "time": "2026-11-22T02:00:00+07:00", "tags": ["court:pn-tais"]},
        {"id": "d" * 64, "time": "2026-11-21T03:00:00Z", "tags": ["pre-restore"]},
        {"id": "e" * 64, "time": "not a time", "tags": []},
    ]
    # Seen whole by the check of 21 Nov 06:00 WIB, defaced at the check of 22 Nov 06:00 WIB.
    window = {"after": None, "before": "2026-11-20T23:00:00Z"}
    assert snapshot_known_good(snaps, [window])["id"] == "b" * 64
    # A later window that holds only the safety snapshot counts for nothing.
    later = {"after": "2026-11-21T02:30:00+00:00", "before": "2026-11-21T04:00:00+00:00"}
    assert snapshot_known_good(snaps, [later, window])["id"] == "b" * 64
    # Bounds are exclusive and the zone is taken into account (02:00 WIB is 19:00 UTC the day before).
    assert snapshot_known_good(snaps, [{"before": "2026-11-20T19:00:00.6Z"}])["id"] == "b" * 64
    assert snapshot_known_good(snaps, [{"before": "2026-11-20T19:00:00.5Z"}])["id"] == "a" * 64
    assert snapshot_known_good(snaps, [{"before": "2026-11-19T19:00:00.1Z"}]) is None
    assert (
        snapshot_known_good(snaps, [{"after": "2026-11-20T19:00:01Z", "before": "2026-11-21T00:00Z"}]) is None
    )
    assert snapshot_known_good(snaps, []) is None
    for bad in (
        {"before": "2026-11-21T00:00:00"},
        {"before": "yesterday"},
        {"after": "2026-11-21T00:00Z"},
        "x",
    ):
        with pytest.raises(ResticError, match="ISO 8601|needs 'before'") as error:
            snapshot_known_good(snaps, [bad])
        assert error.value.kind == "bad-input"


def test_manifest_cache_skips_unchanged_files(tmp_path):
    root = tmp_path / "web"
    (root / "uploads").mkdir(parents=True)
    (root / "index.php").write_text("<?php echo 'Pengadilan';")
    (root / "uploads" / "a.pdf").write_bytes(b"%PDF-1.4 a")
    cache = {}
    first = file_manifest(str(root), cache)
    assert sorted(first) == ["index.php", "uploads/a.pdf"]
    # a cached digest is used as long as size, mtime and inode are unchanged
    cache[str(root / "index.php")][3] = "cached"
    assert file_manifest(str(root), cache)["index.php"]["sha256"] == "cached"
    (root / "index.php").write_text("<?php echo 'Diubah';")
    os.utime(root / "index.php", ns=(1, 1))
    assert file_manifest(str(root), cache)["index.php"]["sha256"] != "cached"
    (root / "uploads" / "a.pdf").unlink()
    file_manifest(str(root), cache)
    assert str(root / "uploads" / "a.pdf") not in cache
    comparison = compare_files(first, file_manifest(str(root)))
    assert not comparison["ok"] and comparison["missing"] == ["uploads/a.pdf"]
    assert comparison["changed"] == ["index.php"]


# -- real restic runs ------------------------------------------------------------------------------
def make_site(base: Path) -> Path:
    root = base / "web"
    (root / "uploads" / "dokumen").mkdir(parents=True)
    (root / "index.php").write_text("<?php echo 'Pengadilan Negeri Tais';\n")
    (root / "config.php").write_text("<?php define('DB_PASSWORD', 'x');\n")
    (root / "uploads" / "dokumen" / "putusan.pdf").write_bytes(os.urandom(20000))
    return root


def config_for(base: Path, **extra) -> dict:
    config = {
        "court": "pn-tais",
        "targets": [{"name": "disk", "type": "local", "location": str(base / "repo")}],
        "password": SECRET,
        "webroot": str(base / "web"),
        "paths": [],
        "staging_dir": str(base / "staging"),
        "status_file": str(base / "status.json"),
        "cache_dir": str(base / "cache"),
    }
    config.update(extra)
    return config


def argv_logging_restic(base: Path) -> Path:
    """A restic wrapper recording its argv and whether the password came by environment."""
    wrapper = base / "restic-wrapper"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {base}/argv.log\n'
        f'[ -n "$RESTIC_PASSWORD$RESTIC_PASSWORD_FILE" ] && echo env-password >> {base}/argv.log\n'
        f'exec {RESTIC} "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


@needs_restic
def test_backup_run_makes_a_tagged_snapshot_with_manifest(tmp_path):
    make_site(tmp_path)
    config = config_for(tmp_path, binary=str(argv_logging_restic(tmp_path)))
    status = run_backup(config, run_id="run-1")
    assert status["status"] == "ok" and status["exit_code"] == 0, status
    target = status["targets"][0]
    assert target["initialised"] is True and target["snapshot_id"]
    assert target["repository"] == str(tmp_path / "repo")
    assert status["files"] == 3
    written = json.loads((tmp_path / "status.json").read_text())
    assert written["targets"][0]["snapshot_id"] == target["snapshot_id"]
    log = (tmp_path / "argv.log").read_text()
    assert SECRET not in log and "env-password" in log

    repo = Repository(str(tmp_path / "repo"), password=SECRET)
    snaps = repo.snapshots(host="pn-tais")
    assert len(snaps) == 1
    assert {"court:pn-tais", "run:run-1", "pn-website"} <= set(snaps[0]["tags"])
    manifest = subprocess.run(
        [RESTIC, "-r", str(tmp_path / "repo"), "dump", "latest", str(tmp_path / "staging" / "manifest.json")],
        env=dict(os.environ, RESTIC_PASSWORD=SECRET),
        capture_output=True,
        check=True,
    ).stdout
    files = json.loads(manifest)["files"]
    assert set(files) == {"index.php", "config.php", "uploads/dokumen/putusan.pdf"}

    # unchanged second run: a new snapshot, (almost) nothing added
    second = run_backup(config, run_id="run-2")
    assert second["status"] == "ok"
    assert second["targets"][0]["data_added"] < 20000
    assert second["targets"][0]["snapshot_id"] != target["snapshot_id"]


@needs_restic
def test_failures_give_a_failed_status_without_secrets(tmp_path):
    make_site(tmp_path)
    assert run_backup(config_for(tmp_path))["status"] == "ok"
    status = run_backup(config_for(tmp_path, password="not-the-password"))
    assert status["status"] == "failed" and status["exit_code"] == 1
    assert status["targets"][0]["error"]["kind"] == "wrong-password"
    unreachable = run_backup(
        config_for(
            tmp_path,
            targets=[
                {"name": "server", "type": "sftp", "location": "sftp:pn-backup@127.0.0.1:/srv/x", "port": 1}
            ],
        )
    )
    assert unreachable["status"] == "failed"
    assert unreachable["targets"][0]["error"]["kind"] == "unreachable"
    text = (tmp_path / "status.json").read_text()
    assert SECRET not in text and "not-the-password" not in text


@needs_restic
def test_missing_webroot_and_no_targets_fail(tmp_path):
    status = run_backup(config_for(tmp_path, webroot=str(tmp_path / "nope")))
    assert status["status"] == "failed" and "does not exist" in status["errors"][0]["message"]
    assert run_backup(config_for(tmp_path, targets=[]))["errors"][0]["kind"] == "bad-input"


@needs_restic
def test_a_failed_dump_makes_no_snapshot(tmp_path):
    make_site(tmp_path)
    fake = tmp_path / "mysqldump"
    fake.write_text(
        "#!/bin/sh\necho '-- MariaDB dump'\necho 'CREATE TABLE news (id int);'\n"
        "echo \"mysqldump: Couldn't execute 'SHOW FIELDS FROM broken': View 'court.broken' references "
        'invalid table(s)" >&2\nexit 2\n'
    )
    fake.chmod(0o755)
    config = config_for(tmp_path, database={"name": "court"}, mysqldump=str(fake))
    status = run_backup(config)
    assert status["status"] == "failed" and status["exit_code"] == 1
    assert status["dump"]["verified"] is False and status["dump"]["exit_code"] == 2
    assert status["targets"] == []
    assert not (tmp_path / "repo").exists()  # never even opened
    assert not list((tmp_path / "staging").glob("database.sql*"))


@needs_restic
def test_stale_lock_of_a_dead_process_is_cleared_and_a_live_lock_is_kept(tmp_path):
    make_site(tmp_path)
    assert run_backup(config_for(tmp_path))["status"] == "ok"
    repo = Repository(str(tmp_path / "repo"), password=SECRET, cache_dir=str(tmp_path / "cache"))
    env = repo.env()
    locks = tmp_path / "repo" / "locks"

    def lock_written() -> bool:
        """A lock file restic can read (the holder is killed only once its lock is complete)."""
        for path in locks.iterdir():
            shown = subprocess.run(
                [RESTIC, "cat", "lock", path.name, "--no-lock"], env=env, capture_output=True, check=False
            )
            if shown.returncode == 0:
                return True
        return False

    def holder():
        proc = subprocess.Popen(
            [RESTIC, "backup", "--stdin", "--stdin-filename", "held.txt", "--host", "holder"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _unused in range(200):
            if lock_written():
                return proc
            time.sleep(0.05)
        proc.kill()
        pytest.fail("restic did not take its lock")

    live = holder()
    try:
        with pytest.raises(ResticError) as error:
            repo.check()  # needs an exclusive lock
        assert error.value.kind == "locked"
        assert any(locks.iterdir()), "the live lock was removed"
    finally:
        live.communicate(b"data")
    assert live.returncode == 0
    assert [s["hostname"] for s in repo.snapshots()].count("holder") == 1

    dead = holder()
    os.kill(dead.pid, signal.SIGKILL)
    dead.wait()
    stale = {path.name for path in locks.iterdir()}
    assert stale
    assert repo.check()["ok"] is True  # stale lock cleared by `restic unlock`, then checked
    left = {path.name: path.stat().st_size for path in locks.iterdir()}
    assert not stale & set(left), f"stale lock still there: {left}"


@needs_restic
def test_retention_check_restore_and_archive(tmp_path):
    root = make_site(tmp_path)
    config = config_for(tmp_path)
    for run in range(3):
        (root / "index.php").write_text("<?php echo 'versi %d';\n" % run)
        assert run_backup(config, run_id="r%d" % run)["status"] == "ok"
    repo = Repository(str(tmp_path / "repo"), password=SECRET)
    kept = repo.forget({"keep_last": 2}, host="pn-tais", dry_run=True)
    assert kept == {"removed": 1, "kept": 2, "pruned": False}
    assert len(repo.snapshots()) == 3
    assert repo.forget({"keep_last": 2}, host="pn-tais", prune=True)["removed"] == 1
    assert len(repo.snapshots()) == 2
    with pytest.raises(ResticError, match="nothing would be kept"):
        repo.forget({})
    assert repo.check(read_data_subset=rotating_subset(3))["ok"]

    # restore onto another path (disaster recovery), verified against the manifest
    latest = repo.resolve("latest", host="pn-tais")
    assert "run:r2" in latest["tags"]
    destination = tmp_path / "drill" / "www"
    result = restore_site(
        repo,
        host="pn-tais",
        work_dir=str(tmp_path / "work"),
        webroot=str(destination),
        source_webroot=str(root),
        staging_dir=str(tmp_path / "staging"),
    )
    assert result["verification"]["ok"], result
    assert result["manifest"]["files"] == 3
    assert (destination / "index.php").read_text() == "<?php echo 'versi 2';\n"
    assert not (tmp_path / "work").exists()
    (destination / "uploads" / "dokumen" / "putusan.pdf").write_bytes(b"tampered")
    verdict = verify_restore(
        json.loads((tmp_path / "staging" / "manifest.json").read_text()), str(destination)
    )
    assert not verdict["ok"] and verdict["files"]["changed"] == ["uploads/dokumen/putusan.pdf"]

    archive = tmp_path / "media" / "export.tar"
    archive.parent.mkdir()
    exported = export_archive(repo, latest["id"], str(archive))
    assert exported["bytes"] > 20000
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert any(name.endswith("web/uploads/dokumen/putusan.pdf") for name in names)

    # a safety snapshot is never "latest" for a restore
    assert run_backup(dict(config, tags=["pre-restore"]), run_id="safety")["status"] == "ok"
    assert "run:r2" in repo.resolve("latest", host="pn-tais", exclude_tags=("pre-restore",))["tags"]
    with pytest.raises(ResticError) as missing:
        repo.resolve("deadbeef")
    assert missing.value.kind == "no-snapshot"


@needs_restic
def test_timer_entry_point_exit_codes(tmp_path, capsys):
    assert main(["--config", str(tmp_path / "missing.json")]) == 2
    make_site(tmp_path)
    (tmp_path / "backup.json").write_text(json.dumps(config_for(tmp_path)))
    assert main(["--config", str(tmp_path / "backup.json"), "--run-id", "timer-1"]) == 0
    assert capsys.readouterr().out.startswith("disk ok ")
    bad = config_for(tmp_path, password="salah")
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    assert main(["--config", str(tmp_path / "bad.json")]) == 1
    assert "wrong repository password" in capsys.readouterr().out


def test_restored_configuration_replaces_existing_files_and_links(tmp_path):
    """Restoring /etc/nginx over itself: links that already exist (sites-enabled) do not stop it."""
    source, destination = tmp_path / "restored", tmp_path / "etc-nginx"
    for root in (source, destination):
        (root / "sites-available").mkdir(parents=True)
        (root / "sites-enabled").mkdir()
    (source / "nginx.conf").write_text("good\n")
    (source / "sites-available" / "court").write_text("server { good; }\n")
    (source / "sites-enabled" / "court").symlink_to("../sites-available/court")
    (destination / "nginx.conf").write_text("broken\n")
    (destination / "sites-available" / "court").write_text("server { broken\n")
    (destination / "sites-enabled" / "court").symlink_to("/elsewhere/court")
    (destination / "conf.d").mkdir()
    (destination / "conf.d" / "local.conf").write_text("kept\n")

    copy_tree_over(str(source), str(destination))

    assert (destination / "nginx.conf").read_text() == "good\n"
    assert (destination / "sites-enabled" / "court").is_symlink()
    assert os.readlink(destination / "sites-enabled" / "court") == "../sites-available/court"
    assert (destination / "sites-enabled" / "court").read_text() == "server { good; }\n"
    assert (destination / "conf.d" / "local.conf").read_text() == "kept\n"
