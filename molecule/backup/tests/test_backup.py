"""Verify pn.website.backup on the court container: files, timer, and a backup by the timer's job."""

import json

PASSWORD = "molecule-repo-password"


def test_configuration_is_private_and_has_no_password(host):
    for path in ("/etc/pn-website/backup.json", "/etc/pn-website/backup.pass"):
        assert host.file(path).mode == 0o600 and host.file(path).user == "root"
    config = json.loads(host.file("/etc/pn-website/backup.json").content_string)
    assert PASSWORD not in json.dumps(config)
    assert config["targets"] == [
        {
            "name": "disk-lokal",
            "type": "local",
            "repository": "/var/backups/pn-website/pn-molecule-backup",
            "append_only": False,
        }
    ]
    assert config["database"] == {"name": "court"}


def test_timer_is_enabled_with_a_random_delay(host):
    assert host.service("pn-website-backup.timer").is_enabled
    timer = host.file("/etc/systemd/system/pn-website-backup.timer").content_string
    assert "RandomizedDelaySec=10800" in timer


def test_the_timer_job_backs_up_and_writes_its_status(host):
    host.run_test("systemctl start pn-website-backup.service")
    status = json.loads(host.file("/var/lib/pn-website/backup-status.json").content_string)
    assert status["status"] == "ok" and status["exit_code"] == 0
    assert status["dump"]["verified"] is True
    snapshots = host.check_output(
        "RESTIC_PASSWORD_FILE=/etc/pn-website/backup.pass restic -r "
        "/var/backups/pn-website/pn-molecule-backup snapshots --json"
    )
    assert len(json.loads(snapshots)) == 1
