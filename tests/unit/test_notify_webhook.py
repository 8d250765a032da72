"""The webhook channel against real HTTP servers on 127.0.0.1 that record what they receive: the JSON
payload, its signature, once per problem, and endpoints that fail, stall or redirect, never stopping the
other channels. The URL's token and the secret header never appear in output, logs or the history."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sopansible import cli
from sopansible.notify import NotifyError, notify_run, parse_config
from tests.unit.test_notify import (  # noqa: F401
    DOWN,
    PASSWORD,
    T0,
    TOKEN,
    config,
    make_run,
    record,
    secrets,
    smtp,
    smtp_tls,
    store,
)

URL_TOKEN = "wa-gw-Token-7f3c9e2b41"
AUTH = "Bearer gateway-Secret-91ab77"
HMAC_KEY = "hmac-Key-0123456789abcdef"


class Hook(ThreadingHTTPServer):
    """Records every request; answers each path as ``answers`` says: a list of statuses taken in turn
    (the last one repeats), "stall" (no answer until the test ends) or "drip" (an answer one byte at a
    time, each well within a read timeout, never ending)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HookHandler)
        self.requests: list[dict] = []
        self.answers: dict[str, list] = {}
        self.release = threading.Event()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _HookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "raw": raw})
        plan = self.server.answers.get(self.path.rsplit("/", 1)[0], [200])
        answer = plan.pop(0) if len(plan) > 1 else plan[0]
        if answer == "stall":
            self.server.release.wait()
            return
        if answer == "drip":
            while not self.server.release.wait(0.2):
                self.wfile.write(b"H")
                self.wfile.flush()
            return
        self.send_response(answer)
        if answer in (301, 302, 307):
            self.send_header("Location", "/elsewhere/x")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def hook():
    server = Hook()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def webhook_secrets(monkeypatch, hook):
    monkeypatch.setenv("SOPANSIBLE_WEBHOOK_URL", f"{hook.url}/hook/{URL_TOKEN}")
    monkeypatch.setenv("SOPANSIBLE_WEBHOOK_AUTH", AUTH)
    monkeypatch.setenv("SOPANSIBLE_WEBHOOK_HMAC", HMAC_KEY)


def endpoint(name="wa", **extra) -> dict:
    data = {
        "name": name,
        "url_env": "SOPANSIBLE_WEBHOOK_URL",
        "auth_header": "Authorization",
        "auth_env": "SOPANSIBLE_WEBHOOK_AUTH",
        "hmac_env": "SOPANSIBLE_WEBHOOK_HMAC",
        "headers": {"X-Gateway": "sop"},
        "timeout": 5,
    }
    data.update(extra)
    return data


def bodies(hook) -> list[dict]:
    return [json.loads(r["raw"]) for r in hook.requests]


def everything_said(store, *texts) -> str:  # noqa: F811
    rows = json.dumps(store.notification_state())
    return "\n".join((rows, *texts))


def assert_no_secret(text: str) -> None:
    for secret in (URL_TOKEN, AUTH, "gateway-Secret-91ab77", HMAC_KEY, TOKEN, PASSWORD):
        assert secret not in text


# -- the payload -----------------------------------------------------------------------------------------
def test_payload_once_per_problem_changed_and_resolved(store, hook, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    cfg = config(webhooks=[endpoint()], report_url="https://sop.pt-uji.go.id/laporan")
    first = notify_run(store, record(store, make_run(0, w2_status="failed")), cfg)
    assert first["errors"] == []
    assert [e["recipients"] for e in first["sent"]] == [[f"webhook wa ({hook.url[7:]})"]]
    assert len(hook.requests) == 2
    request = hook.requests[0]
    assert request["path"] == f"/hook/{URL_TOKEN}"
    assert request["headers"]["Authorization"] == AUTH and request["headers"]["X-Gateway"] == "sop"
    assert request["headers"]["Content-Type"].startswith("application/json")
    # the signature: HMAC-SHA256 over "<timestamp>.<body>"
    stamp = request["headers"]["X-Sopansible-Timestamp"]
    expected = hmac.new(HMAC_KEY.encode(), stamp.encode() + b"." + request["raw"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Sopansible-Signature"] == f"sha256={expected}"

    events = {b["rule"]: b for b in bodies(hook)}
    down = events["unavailable"]
    assert down["version"] == 1 and down["event"] == "problem"
    assert down["key"] == "pn-uji|unavailable|https://pn-uji.go.id/"
    assert (down["court"], down["activity"], down["severity"]) == ("pn-uji", "W1", "critical")
    assert down["court_name"] == "Pengadilan Negeri Uji <Kelas IB>"
    assert down["message"]["id"].startswith(
        "Website tidak dapat diakses: Website tidak dapat diakses, koneksi"
    )
    assert down["message"]["en"].startswith("Website unavailable: ")
    assert down["title"] == {"id": "Website tidak dapat diakses", "en": "Website unavailable"}
    assert down["first_seen"] == T0.isoformat() and down["run"]["id"] == "run-0"
    assert down["report_url"] == "https://sop.pt-uji.go.id/laporan/pn-uji/laporan.html"
    assert events["backup-failed"]["activity"] == "W2" and events["backup-failed"]["target"] == "backup"

    # the same problems: nothing is posted
    assert notify_run(store, record(store, make_run(1, w2_status="failed")), cfg)["sent"] == []
    assert len(hook.requests) == 2

    # the site is down for another reason (changed, first seen kept), the backup works again (resolved)
    changed = dict(DOWN, evidence=dict(DOWN["evidence"], reason="http", status=503))
    notify_run(store, record(store, make_run(2, w1=(changed,))), cfg)
    later = {b["rule"]: b for b in bodies(hook)[2:]}
    assert later["unavailable"]["event"] == "changed" and later["unavailable"]["first_seen"] == T0.isoformat()
    assert later["unavailable"]["id"] != down["id"]
    resolved = later["backup-failed"]
    assert resolved["event"] == "resolved" and resolved["key"] == "pn-uji|backup-failed|backup"
    assert resolved["severity"] is None and resolved["first_seen"] == T0.isoformat()
    assert_no_secret(everything_said(store, json.dumps(first), caplog.text))


def test_cli_shows_the_endpoint_by_name_only(store, history_db, hook, tmp_path, capsys, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    record(store, make_run(0))
    path = tmp_path / "notify.yml"
    path.write_text(json.dumps({"webhooks": [endpoint(), endpoint("down", url=f"{hook.url}/fail/x")]}))
    hook.answers["/fail"] = [500]
    argv = ["notify", "--notify-config", str(path), "--db", str(history_db)]
    assert cli.main([*argv, "--dry-run"]) == 0
    assert cli.main(argv) == 3  # one endpoint failed
    assert cli.main(["--lang", "en", *argv, "--json"]) == 3
    out = capsys.readouterr()
    assert "webhook down (127.0.0.1" in out.err and "HTTP 500" in out.err
    assert [b["rule"] for b in bodies(hook)] == ["unavailable", "unavailable", "unavailable"]
    assert_no_secret(everything_said(store, out.out, out.err, caplog.text))
    # the HTTP client's own log line, redacted
    assert re.search(r'HTTP Request: POST \S*\*\*\* "HTTP/1.0 200 OK"', caplog.text)


# -- endpoints that fail -----------------------------------------------------------------------------------
def test_failing_and_stalling_endpoints_never_stop_the_others(store, hook, smtp):  # noqa: F811
    hook.answers = {"/fail": [500], "/stall": ["stall"], "/drip": ["drip"]}
    hooks = [
        endpoint("broken", url=f"{hook.url}/fail/x"),
        endpoint("stalled", url=f"{hook.url}/stall/x", timeout=1),
        endpoint("dripping", url=f"{hook.url}/drip/x", timeout=1),
        endpoint("ok", url=f"{hook.url}/ok/x"),
    ]
    cfg = config(smtp, webhooks=hooks)
    run_id = record(store, make_run(0))
    result = notify_run(store, run_id, cfg, lang="en")
    assert sorted(e["route"] for e in result["sent"]) == ["email", "webhook:ok"]
    errors = {e["route"]: e["error"] for e in result["errors"]}
    assert errors["webhook:broken"] == f"webhook broken ({hook.url[7:]}): refused (HTTP 500)"
    assert errors["webhook:stalled"] == f"webhook stalled ({hook.url[7:]}): no answer within 1 s"
    # a byte at a time keeps each read alive but not the whole exchange
    assert errors["webhook:dripping"] == f"webhook dripping ({hook.url[7:]}): no answer within 1 s"
    assert len(smtp.messages) == 1
    assert {r["channel"] for r in store.notification_state()} == {"email", "webhook:ok"}

    # the endpoints work again: only they are told, once
    hook.answers = {}
    again = notify_run(store, run_id, cfg)
    assert sorted(e["route"] for e in again["sent"]) == [
        "webhook:broken",
        "webhook:dripping",
        "webhook:stalled",
    ]
    assert again["errors"] == [] and len(smtp.messages) == 1


def test_an_endpoint_failing_halfway_keeps_what_it_took(store, hook):  # noqa: F811
    hook.answers = {"/hook": [200, 500]}
    cfg = config(webhooks=[endpoint()])
    run_id = record(store, make_run(0, w2_status="failed"))
    result = notify_run(store, run_id, cfg)
    assert "HTTP 500" in result["errors"][0]["error"]
    (taken,) = store.notification_state()
    assert taken["channel"] == "webhook:wa"
    first, refused = (b["key"] for b in bodies(hook))
    assert taken["key"] == first
    # the next try posts only the event the endpoint refused
    hook.answers = {}
    notify_run(store, run_id, cfg)
    assert [b["key"] for b in bodies(hook)[2:]] == [refused]


def test_a_redirect_is_not_followed(store, hook):  # noqa: F811
    hook.answers = {"/hook": [302]}
    result = notify_run(store, record(store, make_run(0)), config(webhooks=[endpoint()]))
    assert "HTTP 302" in result["errors"][0]["error"]
    assert [r["path"] for r in hook.requests] == [f"/hook/{URL_TOKEN}"]


def test_an_unreachable_endpoint_is_a_clear_error(store, hook):  # noqa: F811
    from tests.unit.test_notify import free_port

    dead = endpoint(url=f"http://127.0.0.1:{free_port()}/hook/x")
    result = notify_run(store, record(store, make_run(0)), config(webhooks=[dead]), lang="en")
    assert "sending failed (ConnectError" in result["errors"][0]["error"]
    assert store.notification_state() == []


# -- configuration -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"url": "ftp://127.0.0.1/x", "url_env": None}, "url: harus URL http(s) (ftp://127.0.0.1/x)"),
        ({"url": "file:///etc/passwd", "url_env": None}, "url: harus URL http(s)"),
        (
            {"url": "http://u:p@127.0.0.1/x", "url_env": None},
            "nama pengguna/kata sandi di URL adalah rahasia",
        ),
        ({"url_env": "NO_SUCH_VARIABLE_X"}, "URL tidak ditemukan"),
        ({"url_env": None}, "url: wajib diisi"),
        ({"headers": {"X-Api-Key": "abc"}}, "headers.X-Api-Key: header rahasia tidak ditulis"),
        ({"headers": {"Authorization": "Bearer x"}}, "header rahasia tidak ditulis"),
        ({"auth": "Bearer x"}, "jangan tulis rahasia"),
        ({"auth_env": None, "auth_file": None}, "auth_header diisi: nilainya dari auth_env atau auth_file"),
        ({"hmac": "x" * 20}, "jangan tulis rahasia"),
        ({"hmac_env": "SHORT_HMAC"}, "kunci HMAC tidak ditemukan atau terlalu pendek"),
        ({"timeout": 600}, "timeout: harus angka antara 1 dan 60"),
        ({"name": "WA Gateway!"}, "name: wajib diisi"),
        ({"sms": 1}, "kunci tidak dikenal: sms"),
    ],
)
def test_configuration_errors_name_what_is_wrong(extra, expected, monkeypatch):
    monkeypatch.setenv("SHORT_HMAC", "short")
    data = endpoint(**extra)
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(NotifyError, match=expected.replace("(", r"\(").replace(")", r"\)")) as caught:
        parse_config({"webhooks": [data]})
    assert_no_secret(str(caught.value) + caught.value.message("en"))


def test_a_secret_url_that_is_not_http_is_refused_without_showing_it(monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_WEBHOOK_URL", f"ftp://gw.example/{URL_TOKEN}")
    with pytest.raises(NotifyError) as caught:
        parse_config({"webhooks": [endpoint()]})
    assert "harus URL http(s)" in str(caught.value)
    assert_no_secret(str(caught.value) + caught.value.message("en"))


def test_endpoints_are_named_once_and_may_serve_some_courts(hook):
    with pytest.raises(NotifyError, match="nama endpoint harus unik"):
        parse_config({"webhooks": [endpoint(), endpoint()]})
    cfg = parse_config({"webhooks": [endpoint(courts=["pn-lain"]), endpoint("off", enabled=False)]})
    assert [h.name for h in cfg.webhooks] == ["wa"] and URL_TOKEN not in repr(cfg)


def test_the_documented_receiver_check_accepts_the_signature(store, hook):  # noqa: F811
    """The verification code in docs/notifications.md, run on what the endpoint received."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "notifications.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(import hashlib.*?)```", doc, re.S)
    namespace: dict = {}
    exec(compile(code, "docs/notifications.md", "exec"), namespace)  # noqa: S102 - our own documentation
    notify_run(store, record(store, make_run(0)), config(webhooks=[endpoint()]))
    (request,) = hook.requests
    assert namespace["valid"](HMAC_KEY.encode(), request["headers"], request["raw"])
    assert not namespace["valid"](HMAC_KEY.encode(), request["headers"], request["raw"] + b" ")
    assert not namespace["valid"](b"another-key-0123456789", request["headers"], request["raw"])
