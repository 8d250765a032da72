# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""REST targets: the real restic binary against the project's REST protocol stand-in (v2) on loopback
over TLS with a test CA, which logs who made each request (what the tests below check: the engine
refuses forget and prune before anything reaches the server, only the administrator deletes). That
the real server refuses deletion with a court's credential is proven against rclone serve restic
--append-only in test_restic_append_only.py. Two servers share one directory, as deployed: an append-only one
for the courts' credentials and a full one for the administrator. The court backs up (twice), cannot
forget or prune; the administrator applies the retention (`--keep-within` on append-only targets),
prunes and checks. Credentials never reach argv, results, messages or the status file."""

from __future__ import annotations

import base64
import json
import shutil
import urllib.error
import urllib.request

import pytest

from ansible_collections.pn.website.plugins.module_utils.backup.backup_run import run_backup
from ansible_collections.pn.website.plugins.module_utils.backup.repository import (
    Repository,
    ResticError,
    repository_location,
)
from ansible_collections.pn.website.plugins.modules import restic_maintain, restic_snapshots
from ansible_collections.pn.website.tests.unit.plugins.module_utils.probe_servers import (
    make_ca,
    make_cert,
    write_pem,
)
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)
from tests.servers.restic_rest_server import MIME_V2, ResticRestServer

pytestmark = pytest.mark.skipif(shutil.which("restic") is None, reason="restic is not installed")

COURT_USER, COURT_SECRET = "pn-tais", "Rest-Pengadilan-Rahasia-71"
ADMIN_USER, ADMIN_SECRET = "pn-admin", "Rest-Admin-Rahasia-93"
REPO_PASSWORD = "Repo-Rest-Rahasia-28"
SECRETS = (COURT_SECRET, ADMIN_SECRET, REPO_PASSWORD)


@pytest.fixture(scope="module")
def rest(tmp_path_factory):
    base = tmp_path_factory.mktemp("rest")
    ca = make_ca()
    ca_path, _unused = write_pem(str(base), "ca", None, ca[1])
    key, cert = make_cert(ca, ["localhost"], ips=["127.0.0.1"])
    cert_path, key_path = write_pem(str(base), "server", key, cert)
    data = base / "srv"
    court = ResticRestServer(
        str(data),
        users={COURT_USER: COURT_SECRET},
        append_only=True,
        private_repos=True,
        certfile=cert_path,
        keyfile=key_path,
    )
    admin = ResticRestServer(
        str(data), users={ADMIN_USER: ADMIN_SECRET}, certfile=cert_path, keyfile=key_path
    )
    web = base / "web"
    (web / "uploads").mkdir(parents=True)
    (web / "index.php").write_text("<?php echo 'Pengadilan Negeri Tais';\n")
    (web / "uploads" / "putusan.pdf").write_bytes(b"%PDF-1.4\n" + b"p" * 20000)
    (base / "backup.pass").write_text(REPO_PASSWORD + "\n")
    with court, admin:
        yield {"court": court, "admin": admin, "base": base, "ca": ca_path, "web": web}


def court_target(rest, **extra) -> dict:
    target = {
        "name": "server-rest",
        "type": "rest",
        "repository": "rest:%s/%s/" % (rest["court"].url, COURT_USER),
        "username": COURT_USER,
        "password": COURT_SECRET,
        "cacert": rest["ca"],
        "append_only": True,
    }
    target.update(extra)
    return target


def court_config(rest, **extra) -> dict:
    base = rest["base"]
    config = {
        "court": COURT_USER,
        "targets": [court_target(rest)],
        "password_file": str(base / "backup.pass"),
        "webroot": str(rest["web"]),
        "paths": [],
        "database": None,
        "staging_dir": str(base / "staging"),
        "status_file": str(base / "status.json"),
        "cache_dir": str(base / "cache"),
        "package_list": False,
    }
    config.update(extra)
    return config


def admin_repository(rest) -> Repository:
    return Repository.from_target(
        {
            "name": "server-rest-admin",
            "type": "rest",
            "repository": "rest:%s/%s/" % (rest["admin"].url, COURT_USER),
            "username": ADMIN_USER,
            "password": ADMIN_SECRET,
            "cacert": rest["ca"],
        },
        password=REPO_PASSWORD,
        cache_dir=str(rest["base"] / "cache-admin"),
    )


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def run_module(module, args):
    with set_module_args(args), patch_exits(), pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc:
        module.main()
    return exc.value


@pytest.fixture(scope="module")
def backed_up(rest):
    """Two backups of the court into the append-only REST server."""
    first = run_backup(court_config(rest), run_id="run-1")
    (rest["web"] / "berita.html").write_text("<p>Berita baru</p>\n")
    second = run_backup(court_config(rest), run_id="run-2")
    return first, second


def test_court_backs_up_twice_over_tls_into_the_append_only_server(rest, backed_up):
    first, second = backed_up
    assert first["status"] == "ok" and first["exit_code"] == 0, first
    assert first["targets"][0]["initialised"] is True
    assert second["status"] == "ok" and second["exit_code"] == 0, second
    assert "initialised" not in second["targets"][0]
    assert first["targets"][0]["snapshot_id"] != second["targets"][0]["snapshot_id"]
    # the second run only adds what changed
    assert second["targets"][0]["data_added"] < first["targets"][0]["data_added"]
    assert second["targets"][0]["files_new"] >= 1
    # the repository lives where the court's private path says, written by the court's account
    assert (rest["base"] / "srv" / COURT_USER / "config").is_file()
    writers = {
        user for method, _path, status, user in rest["court"].log if method == "POST" and status == 200
    }
    assert writers == {COURT_USER}
    # no credential in the result, the status file or the shown repository
    status_text = (rest["base"] / "status.json").read_text()
    assert json.loads(status_text)["run_id"] == "run-2"
    assert_no_secret(json.dumps(first) + json.dumps(second) + status_text)
    assert second["targets"][0]["repository"] == "rest:%s/%s/" % (rest["court"].url, COURT_USER)


def test_snapshots_are_listed_through_the_v2_protocol(rest, backed_up):
    repository = Repository.from_target(
        court_target(rest), password=REPO_PASSWORD, cache_dir=str(rest["base"] / "cache")
    )
    snaps = repository.snapshots(host=COURT_USER)
    assert [s["short_id"] for s in snaps] == [t["targets"][0]["snapshot_id"][:8] for t in backed_up]
    assert {"run:run-1", "run:run-2"} <= {tag for s in snaps for tag in s["tags"]}
    listings = [e for e in rest["court"].log if e[0] == "GET" and e[1].endswith(("/keys/", "/snapshots/"))]
    assert listings and all(status == 200 for _m, _p, status, _u in listings)
    # the module lists them too, with the credentials as options and none in the result
    result = run_module(
        restic_snapshots,
        {
            "repository": "rest:%s/%s/" % (rest["court"].url, COURT_USER),
            "repository_type": "rest",
            "rest_username": COURT_USER,
            "rest_password": COURT_SECRET,
            "password": REPO_PASSWORD,
            "cacert": rest["ca"],
            "host": COURT_USER,
        },
    )
    assert isinstance(result, AnsibleExitJson), result.result
    assert result.result["count"] == 2 and result.result["stale"] is False
    assert_no_secret(json.dumps(result.result))


def test_the_server_speaks_v2_and_refuses_deletion_when_append_only(rest, backed_up):
    auth = "Basic " + base64.b64encode(("%s:%s" % (COURT_USER, COURT_SECRET)).encode()).decode()
    import ssl

    context = ssl.create_default_context(cafile=rest["ca"])

    def call(method, path, headers=None):
        request = urllib.request.Request(
            rest["court"].url + path, method=method, headers=dict({"Authorization": auth}, **(headers or {}))
        )
        try:
            with urllib.request.urlopen(request, context=context) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    status, headers, body = call("GET", "/%s/snapshots/" % COURT_USER, {"Accept": MIME_V2})
    assert status == 200 and headers["Content-Type"] == MIME_V2
    listing = json.loads(body)
    assert len(listing) == 2 and all(
        set(entry) == {"name", "size"} and entry["size"] > 0 for entry in listing
    )
    name = listing[0]["name"]
    assert call("DELETE", "/%s/snapshots/%s" % (COURT_USER, name))[0] == 403
    assert call("DELETE", "/%s/config" % COURT_USER)[0] == 403
    assert call("HEAD", "/%s/snapshots/%s" % (COURT_USER, name))[0] == 200
    # a court reaches only its own repository, and a wrong password nothing
    assert call("GET", "/pn-bangil/snapshots/")[0] == 401
    bad = "Basic " + base64.b64encode(("%s:salah" % COURT_USER).encode()).decode()
    assert call("GET", "/%s/snapshots/" % COURT_USER, {"Authorization": bad})[0] == 401


def test_court_credential_cannot_forget_or_prune(rest, backed_up):
    repository = Repository.from_target(
        court_target(rest), password=REPO_PASSWORD, cache_dir=str(rest["base"] / "cache")
    )
    before = len(rest["court"].log)
    for action in (lambda: repository.forget({"keep_last": 1}, prune=True), repository.prune):
        with pytest.raises(ResticError) as error:
            action()
        assert error.value.kind == "append-only"
        assert "administrator" in str(error.value) and COURT_SECRET not in str(error.value)
    assert len(rest["court"].log) == before  # refused before anything reached the server
    # the dry run of the policy is harmless and allowed
    assert repository.forget({"keep_last": 1}, dry_run=True)["removed"] == 1
    # the maintenance module with the court's configuration fails the same clear way
    (rest["base"] / "backup.json").write_text(json.dumps(court_config(rest)))
    result = run_module(
        restic_maintain,
        {"config": str(rest["base"] / "backup.json"), "actions": ["forget", "prune"], "keep_daily": 7},
    )
    assert isinstance(result, AnsibleFailJson)
    assert result.result["kind"] == "append-only"
    assert_no_secret(json.dumps(result.result))
    assert len(repository.snapshots()) == 2


def test_administrator_applies_keep_within_then_prunes_and_checks(rest, backed_up):
    admin = admin_repository(rest)
    kept = admin.forget({"keep_within": "30d"}, host=COURT_USER)
    assert kept == {"removed": 0, "kept": 2, "pruned": False}
    # through the module, as the maintain entry point runs it on the controller
    result = run_module(
        restic_maintain,
        {
            "repository": "rest:%s/%s/" % (rest["admin"].url, COURT_USER),
            "repository_type": "rest",
            "rest_username": ADMIN_USER,
            "rest_password": ADMIN_SECRET,
            "password": REPO_PASSWORD,
            "cacert": rest["ca"],
            "actions": ["unlock", "forget", "prune", "check"],
            "host": COURT_USER,
            "keep_last": 1,
            "check_subset": "1/1",
        },
    )
    assert isinstance(result, AnsibleExitJson), result.result
    assert result.result["forget"]["removed"] == 1 and result.result["pruned"] is True
    assert result.result["check"]["ok"] is True
    assert_no_secret(json.dumps(result.result))
    deletions = [e for e in rest["admin"].log if e[0] == "DELETE" and e[2] == 200]
    assert deletions and {e[3] for e in deletions} == {ADMIN_USER}
    assert [s["short_id"] for s in admin.snapshots()] == [backed_up[1]["targets"][0]["snapshot_id"][:8]]
    # and the court keeps backing up into the pruned repository
    third = run_backup(court_config(rest), run_id="run-3")
    assert third["status"] == "ok", third


def test_wrong_credentials_and_a_dead_server_fail_clearly(rest, backed_up, tmp_path):
    wrong_login = run_backup(
        court_config(
            rest, targets=[court_target(rest, password="salah-sandi")], status_file=str(tmp_path / "s1.json")
        ),
        run_id="wrong-login",
    )
    assert wrong_login["status"] == "failed" and wrong_login["exit_code"] == 1
    assert wrong_login["targets"][0]["error"]["kind"] == "access-denied"
    assert "initialised" not in wrong_login["targets"][0]  # a refused login is not a missing repository
    assert "salah-sandi" not in json.dumps(wrong_login)

    (tmp_path / "wrong.pass").write_text("bukan-sandi-repo\n")
    wrong_password = run_backup(
        court_config(rest, password_file=str(tmp_path / "wrong.pass"), status_file=str(tmp_path / "s2.json")),
        run_id="wrong-password",
    )
    assert wrong_password["targets"][0]["error"]["kind"] == "wrong-password"

    dead = run_backup(
        court_config(
            rest,
            targets=[court_target(rest, repository="rest:https://127.0.0.1:9/%s/" % COURT_USER)],
            status_file=str(tmp_path / "s3.json"),
        ),
        run_id="dead",
    )
    assert dead["status"] == "failed"
    assert dead["targets"][0]["error"]["kind"] == "unreachable", dead["targets"][0]["error"]
    assert json.loads((tmp_path / "s3.json").read_text())["status"] == "failed"
    assert_no_secret(json.dumps([wrong_password, dead]))


def test_credentials_reach_restic_only_through_its_environment(rest, monkeypatch):
    embedded = "rest:https://%s:%s@127.0.0.1:8000/%s/" % (COURT_USER, COURT_SECRET, COURT_USER)
    repository = Repository(embedded, type="rest", password=REPO_PASSWORD)
    # credentials written into the URL are taken out of the location kept and shown
    assert repository.location == "rest:https://127.0.0.1:8000/%s/" % COURT_USER
    assert repository.username == COURT_USER and repository.rest_password == COURT_SECRET
    assert_no_secret(repository.display + " ".join(repository.global_args()))
    monkeypatch.setattr(repository, "_version", (0, 14, 0))
    env = repository.env()
    assert COURT_SECRET in env["RESTIC_REPOSITORY"]  # restic 0.14 reads them from the URL only
    assert "RESTIC_REST_PASSWORD" not in env
    assert repository.scrub("Fatal: %s failed" % env["RESTIC_REPOSITORY"]) == (
        "Fatal: %s failed" % repository.display
    )
    monkeypatch.setattr(repository, "_version", (0, 16, 0))
    env = repository.env()
    assert env["RESTIC_REPOSITORY"] == repository.location
    assert (env["RESTIC_REST_USERNAME"], env["RESTIC_REST_PASSWORD"]) == (COURT_USER, COURT_SECRET)


def test_rest_target_of_the_role_configuration():
    """The backup configuration of a rest target in the inventory (as the role renders it)."""
    target = {
        "name": "rest",
        "type": "rest",
        "location": "https://backup.pn.local:8000/",
        "append_only": True,
    }
    assert repository_location(target) == "rest:https://backup.pn.local:8000/"
    repository = Repository.from_target(dict(target, username="u", password="p"), password=REPO_PASSWORD)
    assert repository.append_only is True and repository.type == "rest"
