# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A snapshot is the court server's word: restoring one on a shared disaster-recovery or drill host
must not let it choose where files go, link out of the web root, plant set-user-ID binaries or device
files, or write through links; exported archives are private.

Each snapshot here is made the way a court in an attacker's hands would make it: with restic and the
court's own repository password, from files it crafted. The restore runs through the
pn.website.restic_restore module and the real restic."""

from __future__ import annotations

import json
import os
import shutil
import stat
import struct
import tarfile
from pathlib import Path

import pytest

from ansible_collections.pn.website.plugins.module_utils.backup.manifest import file_manifest
from ansible_collections.pn.website.plugins.module_utils.backup.repository import Repository, ResticError
from ansible_collections.pn.website.plugins.module_utils.backup.site_restore import (
    copy_tree_over,
    export_archive,
    link_stays_inside,
    restore_site,
)
from ansible_collections.pn.website.plugins.modules import restic_restore
from ansible_collections.pn.website.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    patch_exits,
    set_module_args,
)

SECRET = "Repo-Sandi-Uji-3391"
RESTIC = shutil.which("restic")
pytestmark = pytest.mark.skipif(RESTIC is None, reason="restic is not installed")


def run(args: dict):
    with set_module_args(args), patch_exits(), pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc:
        restic_restore.main()
    return exc.value


class Court:
    """A court server's files in tmp_path: web root, backup staging folder, repository, and the
    backup configuration the controller writes from the inventory."""

    def __init__(self, base: Path):
        self.base = base
        self.web = base / "www" / "court"
        self.staging = base / "staging"
        (self.web / "uploads").mkdir(parents=True)
        self.staging.mkdir()
        (self.web / "index.php").write_text("<?php echo 'Pengadilan Negeri Tais';\n")
        (self.web / "uploads" / "putusan.pdf").write_bytes(b"%PDF" + b"x" * 3000)
        self.repo = Repository(str(base / "repo"), password=SECRET, cache_dir=str(base / "cache"))
        self.repo.init()
        self.config = base / "backup.json"
        self.config.write_text(
            json.dumps(
                {
                    "court": "pn-tais",
                    "targets": [{"name": "disk", "type": "local", "repository": str(base / "repo")}],
                    "password": SECRET,
                    "webroot": str(self.web),
                    "staging_dir": str(self.staging),
                    "cache_dir": str(base / "cache"),
                }
            )
        )

    def snapshot(self, *extra: Path, manifest: dict | None = None) -> None:
        """What the court's backup would store, with whatever the attacker put in the files."""
        files = file_manifest(str(self.web))
        content = {"version": 1, "court": "pn-tais", "run_id": "r1", "webroot": str(self.web), "files": files}
        content["database"] = {"name": None, "tables": {}}
        content.update(manifest or {})
        (self.staging / "manifest.json").write_text(json.dumps(content))
        paths = [str(self.staging), str(self.web)] + [str(path) for path in extra]
        self.repo.backup(paths, host="pn-tais", tags=["court:pn-tais", "pn-website"])

    def restore(self, destination: Path, **extra):
        args = {"config": str(self.config), "host": "pn-tais", "work_dir": str(self.base / "work")}
        args["webroot"] = str(destination)
        args.update(extra)
        return run(args)


@pytest.fixture
def court(tmp_path):
    return Court(tmp_path)


def test_the_destination_comes_from_the_inventory_not_the_snapshot(court, tmp_path):
    """The snapshot's manifest names another folder (root's SSH keys on the drill host) as its web
    root and carries that folder: the restore writes only where the inventory says."""
    keys = tmp_path / "root-ssh"
    keys.mkdir()
    (keys / "authorized_keys").write_text("ssh-ed25519 AAAA-penyerang attacker\n")
    court.snapshot(keys, manifest={"webroot": str(keys)})
    (keys / "authorized_keys").write_text("ssh-ed25519 AAAA-operator operator\n")  # the host's own key

    # no webroot parameter: the destination is the configuration's (written from court_webroot)
    result = run({"config": str(court.config), "host": "pn-tais", "work_dir": str(tmp_path / "work")})

    assert (keys / "authorized_keys").read_text() == "ssh-ed25519 AAAA-operator operator\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("root-ssh")] == ["root-ssh"]
    assert isinstance(result, AnsibleExitJson), result.result
    assert result.result["webroot"]["destination"] == str(court.web)
    assert (court.web / "index.php").read_text() == "<?php echo 'Pengadilan Negeri Tais';\n"
    # the manifest is evidence: its claim is reported and fails the verification
    verification = result.result["verification"]
    assert verification["ok"] is False
    assert verification["manifest"]["mismatch"] == [
        {"item": "webroot", "inventory": str(court.web), "snapshot": str(keys)}
    ]


@pytest.mark.parametrize(
    "name, target",
    [
        ("bocor", "/etc/shadow"),  # absolute, out of the web root
        ("naik", "../../../rahasia.txt"),  # relative, climbing out
        ("lewat", "titik/../rahasia.txt"),  # titik -> . is inside, but '..' after it leaves the web root
        ("absolut-dalam", "{web}/../rahasia.txt"),  # absolute, through the web root, then out
    ],
)
def test_links_out_of_the_web_root_refuse_the_restore(court, tmp_path, name, target):
    os.symlink(target.format(web=court.web), court.web / name)
    if name == "lewat":
        os.symlink(".", court.web / "titik")
    court.snapshot()
    destination = tmp_path / "dr" / "court"
    destination.mkdir(parents=True)
    (destination / "index.php").write_text("situs lama\n")

    result = run({"config": str(court.config), "host": "pn-tais", "webroot": str(destination)})

    assert isinstance(result, AnsibleFailJson), result.result
    assert result.result["kind"] == "unsafe-snapshot" and "points outside" in result.result["msg"]
    assert not os.path.lexists(destination / name)
    assert (destination / "index.php").read_text() == "situs lama\n"  # nothing was put in place
    assert not (tmp_path / "work").exists()


def test_links_inside_the_web_root_are_kept(court, tmp_path):
    os.symlink("uploads/putusan.pdf", court.web / "terbaru.pdf")
    os.symlink(str(court.web / "uploads"), court.web / "unggahan")
    court.snapshot()
    result = court.restore(court.web)
    assert isinstance(result, AnsibleExitJson), result.result
    assert os.readlink(court.web / "terbaru.pdf") == "uploads/putusan.pdf"
    assert result.result["verification"]["ok"] is True


def test_set_user_id_bits_and_file_capabilities_are_removed(court, tmp_path):
    tool = court.web / "uploads" / "alat"
    shutil.copy("/bin/true", tool)
    os.chmod(tool, 0o6755)
    capable = court.web / "uploads" / "kuasa"
    shutil.copy("/bin/true", capable)
    # cap_setuid, effective (version 2 file capabilities): as good as set-user-ID root
    os.setxattr(capable, "security.capability", struct.pack("<IIIII", 0x02000001, 1 << 7, 0, 0, 0))
    court.snapshot()
    destination = tmp_path / "dr" / "court"

    result = court.restore(destination)

    assert isinstance(result, AnsibleExitJson), result.result
    mode = (destination / "uploads" / "alat").stat().st_mode
    assert not mode & (stat.S_ISUID | stat.S_ISGID) and mode & 0o777 == 0o755
    assert "security.capability" not in os.listxattr(destination / "uploads" / "kuasa")
    assert result.result["stripped"] == [str(court.web / "uploads" / n) for n in ("alat", "kuasa")]


def test_a_fifo_refuses_the_restore(court, tmp_path):
    os.mkfifo(court.web / "uploads" / "pipa")
    court.snapshot()
    destination = tmp_path / "dr" / "court"
    result = court.restore(destination)
    assert isinstance(result, AnsibleFailJson), result.result
    assert result.result["kind"] == "unsafe-snapshot" and "device, FIFO or socket" in result.result["msg"]
    assert not destination.exists()


def test_only_the_expected_paths_are_restored(court, tmp_path):
    """Whatever else the snapshot carries (here a large file) is never restored, not even into the
    staging folder."""
    extra = tmp_path / "lain"
    extra.mkdir()
    (extra / "besar.bin").write_bytes(os.urandom(200000))
    court.snapshot(extra)
    wrapper = tmp_path / "restic-wrapper"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = restore ]; then echo "$*" >> {tmp_path}/restore.log; fi\n'
        f'exec {RESTIC} "$@"\n'
        f'echo "$*" >> {tmp_path}/argv.log\n'
    )
    wrapper.chmod(0o755)
    config = json.loads(court.config.read_text())
    config["binary"] = str(wrapper)
    court.config.write_text(json.dumps(config))

    result = court.restore(tmp_path / "dr" / "court")

    assert isinstance(result, AnsibleExitJson), result.result
    argv = (tmp_path / "restore.log").read_text().split()
    includes = sorted(argv[i + 1] for i, arg in enumerate(argv) if arg == "--include")
    assert includes == sorted([str(court.staging), str(court.web)])


def test_the_configuration_is_never_written_through_a_link(tmp_path):
    """An earlier restore left a link in /etc/nginx pointing elsewhere (e.g. root's SSH folder); a
    later snapshot with a real folder there writes into /etc/nginx, not through the link."""
    outside = tmp_path / "root-ssh"
    outside.mkdir()
    destination = tmp_path / "etc-nginx"
    destination.mkdir()
    (destination / "conf.d").symlink_to(outside)
    restored = tmp_path / "restored"
    (restored / "conf.d").mkdir(parents=True)
    (restored / "conf.d" / "authorized_keys").write_text("ssh-ed25519 AAAA-penyerang\n")

    copy_tree_over(str(restored), str(destination))

    assert list(outside.iterdir()) == []
    assert (destination / "conf.d").is_dir() and not (destination / "conf.d").is_symlink()
    assert (destination / "conf.d" / "authorized_keys").exists()


def test_an_exported_archive_is_private(court, tmp_path):
    court.snapshot()
    latest = court.repo.resolve("latest", host="pn-tais")
    archive = tmp_path / "media" / "ekspor" / "pn-tais.tar"
    old_umask = os.umask(0o022)
    try:
        exported = export_archive(court.repo, latest["id"], str(archive))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(archive.parent.stat().st_mode) == 0o700
    assert exported["bytes"] == archive.stat().st_size
    with tarfile.open(archive) as tar:
        assert any(name.endswith("staging/manifest.json") for name in tar.getnames())


@pytest.mark.parametrize("manifest", ['["not", "a", "manifest"]', '{"files": {"a": 1}}', "{" * 100])
def test_a_malformed_manifest_is_a_clear_error(court, tmp_path, manifest):
    court.snapshot()
    (court.staging / "manifest.json").write_text(manifest)
    court.repo.backup([str(court.staging), str(court.web)], host="pn-tais", tags=["pn-website"])
    result = court.restore(tmp_path / "dr" / "court")
    assert isinstance(result, AnsibleFailJson)
    assert result.result["kind"] == "no-manifest" and "malformed" in result.result["msg"]


@pytest.mark.parametrize(
    "links, link, inside",
    [
        ({}, "a -> b/c", True),
        ({}, "a -> ../x", False),
        ({}, "d/a -> ../x", True),
        ({}, "a -> /srv/www/x", True),
        ({}, "a -> /srv/www", True),
        ({}, "a -> /srv/wwwx", False),
        ({}, "a -> /srv/www/../www/x", False),  # '..' before the web root is not followed
        ({"t": "."}, "a -> t/..", False),
        ({"t": "d/e"}, "a -> t/../..", True),
        ({"t": "/"}, "a -> t/etc", False),
        ({"t": "u", "u": "t"}, "a -> t/x", False),  # a loop
    ],
)
def test_where_a_link_points_once_in_place(tmp_path, links, link, inside):
    staged = tmp_path / "staged"
    (staged / "d" / "e").mkdir(parents=True)
    for name, target in links.items():
        os.symlink(target, staged / name)
    name, target = link.split(" -> ")
    os.symlink(target, staged / name)
    assert link_stays_inside(str(staged), name, "/srv/www") is inside


@pytest.mark.parametrize("path", ["relative/www", "/", "/var/www/*", "/var/www/../../etc", "/var/[ab]"])
def test_places_from_the_inventory_are_checked(court, path):
    with pytest.raises(ResticError) as error:
        restore_site(court.repo, host="pn-tais", webroot=path)
    assert error.value.kind == "bad-input"
    with pytest.raises(ResticError, match="comes from the inventory"):
        restore_site(court.repo, host="pn-tais")


@pytest.mark.parametrize(
    "links, link, inside",
    [
        ({}, "a -> /usr/share/wordpress/wp-content/plugins/akismet", True),
        ({}, "a -> /usr/share/wordpress", True),
        ({}, "a -> /usr/share/wordpressx/x", False),
        ({}, "a -> /usr/share/wordpress/../../../etc/shadow", False),
        ({"t": "/usr/share/wordpress"}, "a -> t/../../etc", False),  # '..' after leaving for the package
        ({"t": "/usr/share/wordpress/wp-includes"}, "a -> t/version.php", True),
        ({}, "a -> /etc/shadow", False),
    ],
)
def test_links_into_an_allowed_folder_of_the_server(tmp_path, links, link, inside):
    staged = tmp_path / "staged"
    staged.mkdir()
    for name, target in links.items():
        os.symlink(target, staged / name)
    name, target = link.split(" -> ")
    os.symlink(target, staged / name)
    assert link_stays_inside(str(staged), name, "/srv/www", allowed=("/usr/share/wordpress",)) is inside


def test_a_wordpress_web_root_linking_into_the_package_is_restored_only_when_allowed(court, tmp_path):
    """Debian's WordPress: wp-content's themes and plugins are links into /usr/share/wordpress."""
    os.symlink("/usr/share/wordpress/wp-content/plugins/akismet", court.web / "akismet")
    court.snapshot()
    destination = tmp_path / "dr" / "court"
    refused = court.restore(destination)
    assert isinstance(refused, AnsibleFailJson) and refused.result["kind"] == "unsafe-snapshot"
    result = court.restore(destination, link_targets=["/usr/share/wordpress"])
    assert isinstance(result, AnsibleExitJson), result.result
    assert os.readlink(destination / "akismet") == "/usr/share/wordpress/wp-content/plugins/akismet"
    for bad in ("/", "usr/share", "/usr/share/../etc", "/usr/*"):
        result = court.restore(destination, link_targets=[bad])
        assert isinstance(result, AnsibleFailJson) and result.result["kind"] == "bad-input", bad


def test_restored_configuration_keeps_its_owner_group_and_mode(tmp_path):
    """A court's WordPress configuration is root:www-data 0640: a copy owned by root alone would keep
    the web server from reading it."""
    group = os.getgid() if os.geteuid() != 0 else 33
    restored = tmp_path / "restored"
    restored.mkdir()
    config = restored / "config-pn-tais.go.id.php"
    config.write_text("<?php define('DB_NAME', 'wordpress');\n")
    os.chown(config, os.geteuid(), group)
    os.chmod(config, 0o640)
    destination = tmp_path / "etc-wordpress"
    destination.mkdir()
    copy_tree_over(str(restored), str(destination))
    info = (destination / config.name).stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (os.geteuid(), group, 0o640)
