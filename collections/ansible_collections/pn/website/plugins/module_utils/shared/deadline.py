# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A time limit for a whole exchange over blocking sockets (RDAP, WHOIS, TLS checks).

A socket timeout bounds each read only: a server that sends one byte every few seconds keeps a
blocking client reading for as long as it likes. :class:`Deadline` shuts the exchange's sockets
down when its time is up, which ends any read or handshake in progress; the caller then sees a
connection error and asks ``deadline.expired`` whether that was the reason.

Standard library only, Python 3.8+.
"""

from __future__ import annotations

import socket
import threading
import time


class Deadline:
    """``with Deadline(seconds) as deadline: sock = deadline.watch(socket.create_connection(...))``"""

    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        self.expires = time.monotonic() + self.seconds
        self.expired = False
        self._sockets = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(self.seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        return False

    def remaining(self) -> float:
        """Seconds left (never negative); a good per-call socket timeout."""
        return max(0.0, self.expires - time.monotonic())

    def watch(self, sock):
        """Shut ``sock`` down when the time is up (at once if it already is); returns ``sock``."""
        with self._lock:
            if self.expired:
                _shutdown(sock)
            else:
                self._sockets.append(sock)
        return sock

    def _expire(self):
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock):
    # The plain socket's shutdown, also for an SSLSocket: it wakes a read blocked in another thread
    # without touching the TLS object that read is using.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass
