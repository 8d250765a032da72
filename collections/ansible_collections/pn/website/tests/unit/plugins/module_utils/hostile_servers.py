# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loopback servers that answer like an attacker: raw bytes, floods and slow drips.

Shared by the tests that show a hostile website, RDAP, WHOIS or TLS server gets no further.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time

LOOPBACK = "127.0.0.1"


class RawServer:
    """A loopback TCP server; ``respond(server, conn)`` answers each connection in its own thread.

    With ``tls`` (a server SSLContext) the connection is wrapped first. The request is read up to
    ``until`` (an HTTP head by default; None reads nothing) before answering."""

    def __init__(self, respond, tls=None, until=b"\r\n\r\n"):
        self.respond = respond
        self.tls = tls
        self.until = until
        self.sock = socket.socket()
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.sent = 0  # bytes the answers got out
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            if self.until:
                read_until(conn, self.until)
            self.respond(self, conn)
        except (OSError, ssl.SSLError):
            pass  # the client hung up: what a bounded client does
        finally:
            conn.close()

    def send(self, conn, data):
        conn.sendall(data)
        self.sent += len(data)

    def drip(self, conn, data, interval):
        """Send ``data`` one byte at a time, ``interval`` seconds apart (each read gets a byte in
        time; only a limit on the whole exchange stops it)."""
        for index in range(len(data)):
            self.send(conn, data[index : index + 1])
            time.sleep(interval)

    def stop(self):
        self.sock.close()


def read_until(conn, end):
    data = b""
    while end not in data:
        piece = conn.recv(4096)
        if not piece:
            break
        data += piece
    return data
