"""The test fleet takes a loopback range no other court answers on (a fleet of another podman storage
would otherwise win the port forwards, and tests would probe its sites)."""

from __future__ import annotations

import socket

from tests import fleet


def test_a_range_in_use_is_skipped():
    name = "addr-test"
    own = fleet.fleet_octet(name)
    assert fleet.free_octet(name, 2) == own
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((f"127.77.{own}.11", fleet.SSH_PORT))  # the fleet's second court
    listener.listen()
    try:
        other = fleet.free_octet(name, 2)
        assert other != own and 2 <= other <= 251
        assert fleet.free_octet(name, 1) == own  # a one-court fleet does not use .11
    finally:
        listener.close()
    assert fleet.free_octet(name, 2) == own
