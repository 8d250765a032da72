"""SSH ProxyCommand that makes a court on loopback look like a court across the WAN.

    ssh -o ProxyCommand="python3 tests/benchmarks/wan_relay.py %h %p 60" ...

Connects to HOST:PORT and relays ssh's stdin/stdout to it, delivering every chunk, in each
direction, RTT/2 milliseconds after it was read: each SSH round trip then costs at least RTT, as
between a central controller and a court server on the other side of the archipelago. Bandwidth is
not limited and the order of bytes is kept.
"""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import sys
import threading
import time

CHUNK = 65536


def relay(read, write, delay: float, done: threading.Event) -> None:
    """Read chunks with ``read`` and hand each to ``write`` ``delay`` seconds later."""
    pending: queue.Queue = queue.Queue()

    def deliver() -> None:
        while True:
            due, data = pending.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not data:
                break
            write(data)
        done.set()

    threading.Thread(target=deliver, daemon=True).start()
    while True:
        try:
            data = read()
        except OSError:
            data = b""
        pending.put((time.monotonic() + delay, data))
        if not data:
            return


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: wan_relay.py HOST PORT RTT_MS", file=sys.stderr)
        return 2
    host, port, rtt_ms = argv[0], int(argv[1]), float(argv[2])
    delay = rtt_ms / 2000.0
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()

    def to_stdout(data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(stdout, view) :]

    def close_write() -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)

    up_done, down_done = threading.Event(), threading.Event()
    upstream = threading.Thread(
        target=relay, args=(lambda: os.read(stdin, CHUNK), sock.sendall, delay, up_done), daemon=True
    )
    upstream.start()
    threading.Thread(target=lambda: (up_done.wait(), close_write()), daemon=True).start()
    relay(lambda: sock.recv(CHUNK), to_stdout, delay, down_done)
    down_done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
