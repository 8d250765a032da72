# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A rogue MySQL server (a shared host's "remote MySQL" in an attacker's hands) asks the controller's
client for a local file (LOAD DATA LOCAL): the real mysql and mysqldump clients never send one, even
when the controller's own option file (~/.my.cnf) turns local-infile on.

The server is a few lines of the MySQL protocol on loopback: a handshake that accepts any login, then
every query answered with a LOCAL INFILE request for a secret file of the test."""

from __future__ import annotations

import shutil
import socket
import struct
import threading

import pytest

from ansible_collections.pn.website.plugins.module_utils.backup import mysql_dump

SECRET = "Rahasia-Controller-4471"
pytestmark = pytest.mark.skipif(not shutil.which("mysql"), reason="needs the mysql client")


def _packet(seq: int, payload: bytes) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload


def _read(conn: socket.socket):
    head = b""
    while len(head) < 4:
        chunk = conn.recv(4 - len(head))
        if not chunk:
            return None, None
        head += chunk
    length, body = int.from_bytes(head[:3], "little"), b""
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            return None, None
        body += chunk
    return head[3], body


class RogueServer:
    """Accepts any login and answers every query with a request for the file WANTED."""

    def __init__(self, wanted: str):
        self.wanted, self.received, self.queries = wanted, b"", []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(20)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn = self.sock.accept()[0]
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            try:
                self._session(conn)
            except OSError:
                pass

    def _session(self, conn: socket.socket) -> None:
        # LONG_PASSWORD, FOUND_ROWS, LONG_FLAG, CONNECT_WITH_DB, LOCAL_FILES, PROTOCOL_41, TRANSACTIONS,
        # SECURE_CONNECTION, MULTI_STATEMENTS, MULTI_RESULTS, PLUGIN_AUTH
        caps = 0x1 | 0x2 | 0x4 | 0x8 | 0x80 | 0x200 | 0x2000 | 0x8000 | 0x10000 | 0x20000 | 0x80000
        salt = b"abcdefghijklmnopqrst"
        conn.sendall(
            _packet(
                0,
                b"\x0a5.7.99-rogue\x00"
                + struct.pack("<I", 7)
                + salt[:8]
                + b"\x00"
                + struct.pack("<H", caps & 0xFFFF)
                + b"\x21"
                + struct.pack("<H", 2)
                + struct.pack("<H", caps >> 16)
                + bytes([21])
                + b"\x00" * 10
                + salt[8:]
                + b"\x00mysql_native_password\x00",
            )
        )
        seq = _read(conn)[0]
        conn.sendall(_packet(seq + 1, b"\x00\x00\x00\x02\x00\x00\x00"))  # OK: any login
        while True:
            seq, body = _read(conn)
            if body is None or body[:1] == b"\x01":  # gone, or COM_QUIT
                return
            self.queries.append(body[1:200])
            conn.sendall(_packet(seq + 1, b"\xfb" + self.wanted.encode()))  # LOCAL INFILE request
            while True:
                seq, data = _read(conn)
                if data is None:
                    return
                if not data:
                    break
                self.received += data
            conn.sendall(_packet(seq + 1, b"\xff" + struct.pack("<H", 1148) + b"#42000refused"))

    def close(self) -> None:
        self.sock.close()
        self.thread.join(10)


@pytest.fixture
def rogue(tmp_path, monkeypatch):
    secret = tmp_path / "controller-secret.txt"
    secret.write_text(SECRET + "\n")
    # the controller's own option file turns local-infile on: the command line must still win
    home = tmp_path / "home"
    home.mkdir()
    (home / ".my.cnf").write_text("[client]\nloose-local-infile=1\n")
    monkeypatch.setenv("HOME", str(home))
    server = RogueServer(str(secret))
    yield server
    server.close()


def _database(server: RogueServer) -> dict:
    return {"name": "court", "user": "pnremote", "password": "x", "host": "127.0.0.1", "port": server.port}


def test_a_rogue_mysql_server_gets_no_controller_file_from_the_mysql_client(rogue):
    with pytest.raises(mysql_dump.DumpError):
        mysql_dump.query(_database(rogue), "SELECT 1", timeout=30)
    rogue.close()
    assert rogue.queries, "the client never reached the rogue server"
    assert SECRET.encode() not in rogue.received and rogue.received == b""


@pytest.mark.skipif(not shutil.which("mysqldump"), reason="needs mysqldump")
def test_a_rogue_mysql_server_gets_no_controller_file_from_mysqldump(rogue, tmp_path):
    with pytest.raises(mysql_dump.DumpError):
        mysql_dump.dump(_database(rogue), str(tmp_path / "staging" / "database.sql"), timeout=30)
    rogue.close()
    assert rogue.queries and rogue.received == b""
    assert not (tmp_path / "staging" / "database.sql").exists()
