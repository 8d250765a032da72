# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Append-only backups proven against the real server: `rclone serve restic --append-only
--private-repos` over TLS on loopback, as the backup role runs it on a backup host, and the real restic
client. The court backs up with its own credential; with that credential it can neither forget, prune
nor delete a snapshot, nor reach another court's repository. The administrator prunes and checks on the
backup host's file system (as the role's maintenance does), and the court keeps backing up afterwards.

Deletions refused by the server are retried by restic for about a minute before it gives up: those
tests take that long."""

from __future__ import annotations

import base64
import json
import os
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest

from ansible_collections.pn.website.plugins.module_utils.backup.backup_run import run_backup
from ansible_collections.pn.website.plugins.module_utils.backup.repository import Repository, ResticError
from ansible_collections.pn.website.plugins.modules import restic_maintain
from ansible_collections.pn.website.tests.unit.plugins.module_utils.certs import make_ca, make_cert, write_pem
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)
from tests.servers.rclone_rest import RcloneResticServer

pytestmark = pytest.mark.skipif(shutil.which("restic") is None, reason="restic is not installed")

COURT, OTHER = "pn-tais", "pn-bangil"
COURT_SECRET, OTHER_SECRET = "Rclone-Pengadilan-Rahasia-61", "Rclone-Bangil-Rahasia-47"
REPO_PASSWORD = "Repo-Rclone-Rahasia-35"
SECRETS = (COURT_SECRET, OTHER_SECRET, REPO_PASSWORD)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("rclone")
    ca = make_ca()
    ca_path, _unused = write_pem(str(base), "ca", None, ca[1])
    key, cert = make_cert(ca, ["localhost"], ips=["127.0.0.1"])
    cert_path, key_path = write_pem(str(base), "server", key, cert)
    web = base / "web"
    (web / "uploads").mkdir(parents=True)
    (web / "index.php").write_text("<?php echo 'Pengadilan Negeri Tais';\n")
    (web / "uploads" / "putusan.pdf").write_bytes(os.urandom(300000))
    (base / "backup.pass").write_text(REPO_PASSWORD + "\n")
    rclone = RcloneResticServer(
        str(base / "srv"),
        users={COURT: COURT_SECRET, OTHER: OTHER_SECRET},
        append_only=True,
        private_repos=True,
        certfile=cert_path,
        keyfile=key_path,
    )
    with rclone:
        yield {"rclone": rclone, "base": base, "ca": ca_path, "web": web, "srv": base / "srv"}


def target(server, user=COURT, secret=COURT_SECRET, repo=COURT, **extra) -> dict:
    entry = {
        "name": "server-rest",
        "type": "rest",
        "repository": "rest:%s/%s/" % (server["rclone"].url, repo),
        "username": user,
        "password": secret,
        "cacert": server["ca"],
        "append_only": True,
    }
    entry.update(extra)
    return entry


def config(server, **extra) -> dict:
    base = server["base"]
    data = {
        "court": COURT,
        "targets": [target(server)],
        "password_file": str(base / "backup.pass"),
        "webroot": str(server["web"]),
        "paths": [],
        "database": None,
        "staging_dir": str(base / "staging"),
        "status_file": str(base / "status.json"),
        "cache_dir": str(base / "cache"),
        "package_list": False,
    }
    data.update(extra)
    return data


def court_repository(server, **extra) -> Repository:
    # append_only=False: the engine's own guard stays out of the way, the server alone must refuse
    return Repository.from_target(
        target(server, append_only=False, **extra),
        password=REPO_PASSWORD,
        cache_dir=str(server["base"] / "cache"),
    )


def admin_repository(server) -> Repository:
    """The administrator's access: the repository's folder on the backup host itself."""
    return Repository(
        str(server["srv"] / COURT),
        password=REPO_PASSWORD,
        name="server-rest-admin",
        cache_dir=str(server["base"] / "cache-admin"),
    )


def files(server, kind: str) -> set:
    folder = server["srv"] / COURT / kind
    return {path.name for path in folder.rglob("*") if path.is_file()}


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.fixture(scope="module")
def backed_up(server):
    first = run_backup(config(server), run_id="run-1")
    (server["web"] / "berita.html").write_text("<p>Berita baru</p>\n")
    second = run_backup(config(server), run_id="run-2")
    return first, second


def test_the_court_backs_up_into_the_append_only_rclone_server(server, backed_up):
    first, second = backed_up
    assert first["status"] == "ok" and first["targets"][0]["initialised"] is True, first
    assert second["status"] == "ok" and "initialised" not in second["targets"][0], second
    assert (server["srv"] / COURT / "config").is_file()
    assert len(files(server, "snapshots")) == 2
    assert_no_secret(json.dumps([first, second]) + (server["base"] / "status.json").read_text())


def test_the_court_credential_cannot_forget_and_prune(server, backed_up):
    repository = court_repository(server)
    before = files(server, "snapshots"), files(server, "data")
    with pytest.raises(ResticError) as error:
        repository.forget({"keep_last": 1}, host=COURT, prune=True)
    assert error.value.kind == "append-only", error.value.detail
    assert "administrator" in str(error.value)
    assert_no_secret(str(error.value) + error.value.detail)
    # nothing was deleted: every snapshot and pack file is still on the server
    assert (files(server, "snapshots"), files(server, "data")) == before
    assert len(repository.snapshots(host=COURT)) == 2


def test_the_court_credential_cannot_delete_a_snapshot_or_prune_garbage(server, backed_up):
    repository = court_repository(server)
    oldest = repository.snapshots(host=COURT)[0]["id"]
    env = repository.env()
    # `restic forget ID` as an intruder on the court server would type it
    forget = subprocess.run(
        ["restic", "--cacert", server["ca"], "forget", oldest],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert forget.returncode != 0, forget.stdout
    assert oldest in files(server, "snapshots")
    # unreferenced data (the administrator forgot a snapshot without pruning): the court cannot prune it
    admin = admin_repository(server)
    removed = admin.forget({"keep_last": 1}, host=COURT)
    assert removed["removed"] == 1
    packs = files(server, "data")
    with pytest.raises(ResticError) as error:
        repository.prune()
    assert error.value.kind == "append-only", error.value.detail
    assert packs <= files(server, "data")  # prune may have written repacked data, deleted nothing
    # a plain HTTP DELETE of a snapshot file is refused too
    auth = base64.b64encode(("%s:%s" % (COURT, COURT_SECRET)).encode()).decode()
    (name,) = files(server, "snapshots")
    request = urllib.request.Request(
        "%s/%s/snapshots/%s" % (server["rclone"].url, COURT, name),
        method="DELETE",
        headers={"Authorization": "Basic " + auth},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, context=ssl.create_default_context(cafile=server["ca"]))  # noqa: S310
    assert refused.value.code == 403
    assert name in files(server, "snapshots")


def test_a_court_reaches_only_its_own_repository(server, backed_up):
    # pn-bangil's credential against pn-tais' repository, and pn-tais' against pn-bangil's path
    for user, secret, repo in ((OTHER, OTHER_SECRET, COURT), (COURT, COURT_SECRET, OTHER)):
        foreign = court_repository(server, user=user, secret=secret, repo=repo)
        with pytest.raises(ResticError) as error:
            foreign.snapshots()
        assert error.value.kind in ("access-denied", "no-repository"), error.value.detail
        with pytest.raises(ResticError):
            foreign.init()
    assert not (server["srv"] / OTHER).exists()


def run_module(module, args):
    with set_module_args(args), patch_exits(), pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc:
        module.main()
    return exc.value


def test_the_administrator_prunes_and_checks_then_the_court_backs_up_again(server, backed_up):
    result = run_module(
        restic_maintain,
        {
            "repository": str(server["srv"] / COURT),
            "password": REPO_PASSWORD,
            "actions": ["unlock", "forget", "prune", "check"],
            "host": COURT,
            "keep_last": 1,
            "check_subset_groups": 1,
        },
    )
    assert isinstance(result, AnsibleExitJson), result.result
    assert result.result["pruned"] is True and result.result["check"]["ok"] is True
    assert result.result["check"]["read_data_subset"] == "1/1"
    assert_no_secret(json.dumps(result.result))
    assert len(files(server, "snapshots")) == 1
    # the server lists what is on disk now (no stale object cache): the court's next backup works
    third = run_backup(config(server), run_id="run-3")
    assert third["status"] == "ok", third
    assert len(files(server, "snapshots")) == 2
