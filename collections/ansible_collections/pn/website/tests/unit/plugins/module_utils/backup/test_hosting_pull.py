# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared-hosting pull against real servers on loopback: pyftpdlib with TLS (FTPS) and an asyncssh
SFTP server, each either honest or hostile (names with '../', a symbolic link, an oversized file)."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from ansible_collections.pn.website.plugins.module_utils.backup import hosting_dump, hosting_pull
from ansible_collections.pn.website.tests.unit.plugins.module_utils import certs

pyftpdlib = pytest.importorskip("pyftpdlib")
asyncssh = pytest.importorskip("asyncssh")
pytest.importorskip("OpenSSL")

from pyftpdlib.authorizers import DummyAuthorizer  # noqa: E402
from pyftpdlib.filesystems import AbstractedFS  # noqa: E402
from pyftpdlib.handlers import TLS_FTPHandler  # noqa: E402
from pyftpdlib.servers import ThreadedFTPServer  # noqa: E402

PASSWORD = "rahasia-hosting-1"


def make_site(root):
    """A small web root: an index, a nested upload and a binary file."""
    os.makedirs(os.path.join(root, "public_html", "wp-content", "uploads"))
    with open(os.path.join(root, "public_html", "index.php"), "w") as handle:
        handle.write("<?php echo 'Pengadilan Negeri Manna';\n")
    with open(os.path.join(root, "public_html", "wp-content", "uploads", "putusan.pdf"), "wb") as handle:
        handle.write(os.urandom(70000))
    os.makedirs(os.path.join(root, "logs"))
    with open(os.path.join(root, "logs", "access.log"), "w") as handle:
        handle.write('203.0.113.9 - - [02/Dec/2026:10:00:00 +0700] "GET / HTTP/1.1" 200 512 "-" "curl"\n')


def tree(folder):
    found = {}
    for base, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(base, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, folder)] = handle.read()
    return found


def outside_untouched(tmp_path, staging):
    """Every file below tmp_path that is not below the staging folder or the served folder."""
    extra = []
    for base, _dirs, files in os.walk(tmp_path):
        for name in files:
            path = os.path.join(base, name)
            if not path.startswith(str(staging) + os.sep) and not path.startswith(str(tmp_path / "served")):
                extra.append(path)
    return [p for p in extra if not p.endswith((".pem", ".crt", ".key"))]


# -- FTPS -----------------------------------------------------------------------------------------


class HostileFS(AbstractedFS):
    """Lists a name that climbs out of the folder next to the real entries."""

    hostile_name = "../escape.php"

    def format_mlsx(self, basedir, listing, perms, facts, ignore_err=True):
        yield ("type=file;size=5; %s\r\n" % self.hostile_name).encode()
        yield from super().format_mlsx(basedir, listing, perms, facts, ignore_err)

    def open(self, filename, mode):
        if os.path.basename(filename) == "escape.php":
            return super().open(os.path.join(self.root, "public_html", "index.php"), mode)
        return super().open(filename, mode)


class LinkListingFS(AbstractedFS):
    """Lists symbolic links as ProFTPD and Pure-FTPd do (type=OS.unix=slink:TARGET), where pyftpdlib itself
    would list the file they point to."""

    def format_mlsx(self, basedir, listing, perms, facts, ignore_err=True):
        plain = []
        for name in listing:
            path = os.path.join(basedir, name)
            if os.path.islink(path):
                yield ("type=OS.unix=slink:%s;size=0; %s\r\n" % (os.readlink(path), name)).encode()
            else:
                plain.append(name)
        yield from super().format_mlsx(basedir, plain, perms, facts, ignore_err)


@pytest.fixture
def ftps(tmp_path):
    """Start a real FTPS server on 127.0.0.1 serving tmp_path/served; yields (options, served, set_fs)."""
    served = tmp_path / "served"
    make_site(str(served))
    ca = certs.make_ca()
    key, cert = certs.make_cert(ca, ["localhost"], ips=["127.0.0.1"])
    (tmp_path / "server.pem").write_bytes(certs.cert_pem(cert) + certs.key_pem(key))
    (tmp_path / "ca.pem").write_bytes(certs.cert_pem(ca[1]))

    authorizer = DummyAuthorizer()
    authorizer.add_user("pnmanna", PASSWORD, str(served), perm="elr")

    class Handler(TLS_FTPHandler):
        pass

    Handler.authorizer = authorizer
    Handler.certfile = str(tmp_path / "server.pem")
    Handler.tls_control_required = True
    Handler.tls_data_required = True
    Handler.abstracted_fs = AbstractedFS
    server = ThreadedFTPServer(("127.0.0.1", 0), Handler)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.2}, daemon=True)
    thread.start()
    options = {
        "transfer": "ftps",
        "host": "127.0.0.1",
        "port": port,
        "user": "pnmanna",
        "password": PASSWORD,
        "cacert": str(tmp_path / "ca.pem"),
        "webroot": "/public_html",
        "log_paths": ["/logs/access.log"],
        "staging": str(tmp_path / "staging"),
        "timeout": 20,
    }

    def use_fs(fs):
        Handler.abstracted_fs = fs

    use_fs.authorizer = authorizer  # a test may change the account's permissions
    yield options, served, use_fs
    server.close_all()
    thread.join()


def test_ftps_copies_the_web_root_and_the_logs(ftps):
    options, served = ftps[0], ftps[1]
    result = hosting_pull.pull(options)
    assert tree(result["webroot"]) == tree(str(served / "public_html"))
    assert result["files"] == 3 and result["bytes"] == sum(len(v) for v in tree(str(served)).values())
    assert [os.path.basename(p) for p in result["logs"]] == ["00-access.log"]
    with open(result["logs"][0]) as handle:
        assert "203.0.113.9" in handle.read()


def test_ftps_refuses_a_name_that_climbs_out_of_the_staging_folder(ftps, tmp_path):
    options, use_fs = ftps[0], ftps[2]
    use_fs(HostileFS)
    with pytest.raises(hosting_pull.PullError) as caught:
        hosting_pull.pull(options)
    assert caught.value.kind == "hostile-name" and "../escape.php" in str(caught.value)
    assert not (tmp_path / "staging" / "escape.php").exists()
    assert outside_untouched(tmp_path, tmp_path / "staging") == []


def test_ftps_refuses_a_symbolic_link(ftps, tmp_path):
    options, served, use_fs = ftps
    use_fs(LinkListingFS)
    os.symlink("/etc/passwd", str(served / "public_html" / "passwd.txt"))
    with pytest.raises(hosting_pull.PullError) as caught:
        hosting_pull.pull(options)
    assert caught.value.kind == "symlink" and "passwd.txt" in str(caught.value)
    assert not any("root:" in v.decode("latin-1") for v in tree(str(tmp_path / "staging")).values())


def test_ftps_stops_an_oversized_file_while_it_arrives(ftps, tmp_path):
    options = ftps[0]
    with pytest.raises(hosting_pull.PullError) as caught:
        hosting_pull.pull(dict(options, max_file_bytes=65536))
    assert caught.value.kind == "too-large" and "putusan.pdf" in str(caught.value)
    pdf = tmp_path / "staging" / "webroot" / "wp-content" / "uploads" / "putusan.pdf"
    assert not pdf.exists() or pdf.stat().st_size <= 65536


def test_ftps_refuses_a_certificate_it_cannot_verify(ftps, tmp_path):
    options = ftps[0]
    other = certs.make_ca("another CA")
    (tmp_path / "other.pem").write_bytes(certs.cert_pem(other[1]))
    with pytest.raises(hosting_pull.PullError) as caught:
        hosting_pull.pull(dict(options, cacert=str(tmp_path / "other.pem")))
    assert caught.value.kind == "tls"


# -- SFTP -----------------------------------------------------------------------------------------


class SFTPSite:
    """An asyncssh SFTP server on 127.0.0.1 in its own thread, serving a folder; `hostile` adds a
    listed name with '../' in every folder."""

    def __init__(self, root):
        self.root = root
        self.hostile = False
        self.passwords = []
        self.key = asyncssh.generate_private_key("ssh-ed25519")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result()
        self.port = self.server.sockets[0].getsockname()[1]

    async def _start(self):
        site = self

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username):
                return True

            def password_auth_supported(self):
                return True

            def validate_password(self, username, password):
                site.passwords.append(password)
                return username == "pnmanna" and password == PASSWORD

        class Files(asyncssh.SFTPServer):
            def __init__(self, chan):
                super().__init__(chan, chroot=site.root.encode())

            async def scandir(self, path):
                if site.hostile:
                    yield asyncssh.SFTPName(
                        b"../../escape.php", attrs=asyncssh.SFTPAttrs(permissions=0o100644)
                    )
                async for entry in super().scandir(path):
                    yield entry

        return await asyncssh.listen(
            "127.0.0.1", 0, server_host_keys=[self.key], server_factory=Server, sftp_factory=Files
        )

    def close(self):
        async def shut():  # in the server's own loop: asyncio's server is not thread-safe
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(shut(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


@pytest.fixture
def sftp(tmp_path):
    served = tmp_path / "served"
    make_site(str(served))
    site = SFTPSite(str(served))
    options = {
        "transfer": "sftp",
        "host": "127.0.0.1",
        "port": site.port,
        "user": "pnmanna",
        "password": PASSWORD,
        "host_key": site.key.export_public_key().decode().strip(),
        "webroot": "/public_html",
        "log_paths": ["/logs/access.log"],
        "staging": str(tmp_path / "staging"),
        "timeout": 20,
    }
    yield options, served, site
    site.close()


def test_sftp_copies_the_web_root_and_the_logs(sftp):
    options, served = sftp[0], sftp[1]
    result = hosting_pull.pull(options)
    assert tree(result["webroot"]) == tree(str(served / "public_html"))
    with open(result["logs"][0]) as handle:
        assert "203.0.113.9" in handle.read()


def test_sftp_refuses_a_name_that_climbs_out_of_the_staging_folder(sftp, tmp_path):
    options, site = sftp[0], sftp[2]
    site.hostile = True
    with pytest.raises(hosting_pull.PullError) as caught:
        hosting_pull.pull(options)
    assert caught.value.kind == "hostile-name" and "../../escape.php" in str(caught.value)
    assert outside_untouched(tmp_path, tmp_path / "staging") == []
    assert not (tmp_path / "escape.php").exists()


def test_sftp_refuses_a_symbolic_link_and_does_not_follow_it(sftp, tmp_path):
    options, served = sftp[0], sftp[1]
    os.symlink("../logs", str(served / "public_html" / "logs"))
    with pytest.raises(hosting_pull.PullError) as caught:
        hosting_pull.pull(options)
    assert caught.value.kind == "symlink" and "public_html/logs" in str(caught.value)


def test_sftp_stops_when_the_pull_exceeds_its_total_cap(sftp):
    options = sftp[0]
    with pytest.raises(hosting_pull.PullError) as caught:
        hosting_pull.pull(dict(options, max_bytes=50000))
    assert caught.value.kind == "too-large"


def test_sftp_sends_no_password_to_a_server_with_another_host_key(sftp):
    options, site = sftp[0], sftp[2]
    impostor = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    with pytest.raises(hosting_pull.PullError) as caught:
        hosting_pull.pull(dict(options, host_key=impostor))
    assert caught.value.kind == "host-key"
    assert site.passwords == []


def test_a_remote_path_with_dot_dot_from_the_inventory_is_refused(tmp_path):
    with pytest.raises(hosting_pull.PullError) as caught:
        hosting_pull.pull(
            {
                "transfer": "ftps",
                "host": "127.0.0.1",
                "port": 1,
                "user": "u",
                "password": "p",
                "webroot": "/public_html/../..",
                "staging": str(tmp_path / "s"),
            }
        )
    assert caught.value.kind == "bad-input"


SCRIPT = os.path.join(
    os.path.dirname(__file__), *[os.pardir] * 5, "roles", "backup", "files", "pn-hosting-dump.php"
)


@pytest.mark.parametrize("perm, removed", [("elrwd", True), ("elrw", False)])
def test_the_dump_script_is_removed_after_a_failed_dump_or_said_to_be_left(ftps, perm, removed):
    options, served, use_fs = ftps
    use_fs.authorizer.user_table["pnmanna"]["perm"] = perm  # elrw: may upload, may not delete
    dump = {
        "url": "http://127.0.0.1:9/",  # nothing answers: the dump fails
        "allow_http": True,
        "script": SCRIPT,
        "timeout": 5,
        "database": {"host": "localhost", "port": 3306, "user": "u", "password": "p", "name": "court"},
    }
    result = hosting_pull.pull(dict(options, dump=dump))
    assert result["dump"]["status"] == "failed" and result["dump"]["error"]["kind"] == "unreachable"
    assert result["script_removed"] is removed and result["files"] == 3  # the web root copied anyway
    left = [n for n in os.listdir(served / "public_html") if hosting_dump.SCRIPT_NAME.fullmatch(n)]
    assert len(left) == (0 if removed else 1)
    assert ("remove_error" in result["dump"]) is not removed
    if left:
        assert "p" in (served / "public_html" / left[0]).read_text()  # the account, until someone removes it
