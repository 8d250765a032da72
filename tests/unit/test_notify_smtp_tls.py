"""SMTP credentials never travel in clear: a wiretap on loopback between sopansible and a real SMTP
server (aiosmtpd) records every byte the client sends."""

from __future__ import annotations

import base64
import contextlib
import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from sopansible.notify import NotifyError, notify_run, parse_config
from sopansible.store import HistoryStore
from tests.unit.test_notify import PASSWORD, Mailbox, free_port, make_run, smtp_tls  # noqa: F401

SECRET_FORMS = (
    PASSWORD.encode(),
    base64.b64encode(PASSWORD.encode()),  # AUTH LOGIN
    base64.b64encode(b"\0sop\0" + PASSWORD.encode()),  # AUTH PLAIN
)


class Wiretap:
    """A loopback TCP relay to ``port`` that keeps what the client sent."""

    def __init__(self, port: int) -> None:
        self.upstream = port
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.sent = bytearray()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _addr = self.sock.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, record: bool) -> None:
        try:
            while data := source.recv(65536):
                if record:
                    self.sent += data
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_SMTP_PASSWORD", PASSWORD)


def start(box: Mailbox, **options) -> Controller:
    controller = Controller(
        box, hostname="127.0.0.1", port=free_port(), authenticator=box.authenticate, **options
    )
    controller.start()
    return controller


def email(port: int, **extra) -> dict:
    return {
        "email": {
            "host": "127.0.0.1",
            "port": port,
            "from": "sopansible@pn-uji.go.id",
            "to": ["tim-it@pn-uji.go.id"],
            "username": "sop",
            "timeout": 10,
            **extra,
        }
    }


def test_no_login_in_clear_when_the_server_offers_no_tls(tmp_path):
    """A server that accepts AUTH without TLS (as many relays do) gets no credentials: the old
    default (neither ssl nor starttls) logged in over plain text."""
    box = Mailbox()
    controller = start(box, auth_require_tls=False)
    tap = Wiretap(controller.port)
    try:
        with HistoryStore(tmp_path / "h.sqlite") as store:
            run = make_run(0)
            store.record_run(run)
            result = notify_run(store, run["run_id"], parse_config(email(tap.port)))
    finally:
        tap.close()
        controller.stop()
    for secret in SECRET_FORMS:
        assert secret not in tap.sent, "the password went over the wire in clear"
    assert b"AUTH" not in bytes(tap.sent).upper()
    assert result["sent"] == [] and "STARTTLS" in result["errors"][0]["error"]
    assert box.logins == [] and box.messages == []


def test_starttls_carries_the_login_encrypted(tmp_path, smtp_tls):  # noqa: F811
    context, ca_path = smtp_tls
    box = Mailbox()
    controller = start(box, tls_context=context, require_starttls=True)
    tap = Wiretap(controller.port)
    try:
        with HistoryStore(tmp_path / "h.sqlite") as store:
            run = make_run(0)
            store.record_run(run)
            config = parse_config(email(tap.port, cafile=ca_path))  # STARTTLS by default
            result = notify_run(store, run["run_id"], config)
    finally:
        tap.close()
        controller.stop()
    assert result["errors"] == [] and box.logins == [("sop", "ok")] and len(box.messages) == 1
    assert b"STARTTLS" in tap.sent
    for secret in SECRET_FORMS:
        assert secret not in tap.sent


def test_turning_tls_off_with_a_password_is_refused():
    with pytest.raises(NotifyError, match="starttls") as caught:
        parse_config(email(25, starttls=False))
    assert "never sent unencrypted" in caught.value.message("en")
    assert parse_config(email(465, ssl=True)).email.starttls is False
    assert parse_config({"email": {**email(25)["email"], "username": None}}).email.starttls is False
