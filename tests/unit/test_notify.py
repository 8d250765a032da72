"""Notifications: critical problems of a run, sent once per problem by e-mail (a real SMTP server on
loopback) and Telegram (a local HTTP server speaking the Bot API), with the state in the history store."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import logging
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from ansible_collections.pn.website.tests.unit.plugins.module_utils import certs
from sopansible import cli
from sopansible.notify import (
    NotifyError,
    load_config,
    notify_after_run,
    notify_run,
    parse_config,
    problems_of,
)
from sopansible.store import HistoryStore

TOKEN = "123456:AAFakeTokenForTestsOnly_x-y"
PASSWORD = "smtp-Secret-Pw-42"
T0 = dt.datetime(2026, 11, 23, 2, 30, tzinfo=dt.UTC)


# -- local servers ---------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd handler: keeps the messages; refuses recipients whose address starts with "refuse"."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"sop" and auth_data.password == PASSWORD.encode()
        self.logins.append((auth_data.login.decode(), "ok" if ok else "refused"))
        return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def smtp_tls(tmp_path_factory):
    """A private CA and a certificate for 127.0.0.1: (server context, CA file)."""
    directory = tmp_path_factory.mktemp("smtp-ca")
    ca = certs.make_ca("SMTP uji CA")
    cert_path, key_path = certs.write_pem(
        directory, "smtp", *certs.make_cert(ca, ["smtp.uji"], ips=["127.0.0.1"])
    )
    ca_path, _key = certs.write_pem(directory, "ca", None, ca[1])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, ca_path


@pytest.fixture
def smtp(smtp_tls):
    """A real SMTP server that logs in only over STARTTLS (credentials never go in clear)."""
    box = Mailbox()
    context, box.ca_path = smtp_tls
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=box.authenticate,
        tls_context=context,
        require_starttls=True,
    )
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


class BotAPI(ThreadingHTTPServer):
    """A stand-in for the Telegram Bot API: records sendMessage calls; chat "-404" does not exist."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _BotHandler)
        self.calls: list[tuple[str, dict]] = []
        self.next_id = 100


class _BotHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.calls.append((self.path, body))
        if not self.path.endswith(f"/bot{TOKEN}/sendMessage"):
            self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        elif body.get("chat_id") == "-404":
            self._answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
        else:
            self.server.next_id += 1
            result = {"message_id": self.server.next_id, "chat": {"id": body["chat_id"]}, "text": "..."}
            self._answer(200, {"ok": True, "result": result})

    def _answer(self, code: int, data: dict) -> None:
        raw = json.dumps(data).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def bot():
    server = BotAPI()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def secrets(monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("SOPANSIBLE_SMTP_PASSWORD", PASSWORD)


def config(smtp=None, bot=None, **extra):
    data: dict = {}
    if smtp is not None:
        data["email"] = {
            "host": "127.0.0.1",
            "port": smtp.port,
            "from": "sopansible@pn-uji.go.id",
            "to": ["tim-it@pn-uji.go.id"],
            "username": "sop",
            "timeout": 10,
        }
        if getattr(smtp, "ca_path", None):
            data["email"]["cafile"] = smtp.ca_path
    if bot is not None:
        data["telegram"] = {"api_base": bot.url, "chat_ids": ["-1001"], "timeout": 10}
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return parse_config(data)


# -- runs ------------------------------------------------------------------------------------------------
DOWN = {
    "rule": "unavailable",
    "severity": "critical",
    "message": "Website tidak dapat diakses, koneksi ditolak: connection refused.",
    "evidence": {"reason": "connect", "status": None, "url": "https://pn-uji.go.id/"},
}
GAMBLING = {
    "rule": "gambling-spam",
    "severity": "critical",
    "message": "Konten judi online ditemukan di halaman: slot gacor.",
    "evidence": {"variant": "browser", "terms": ["slot gacor", "maxwin"]},
}
TLS_SOON = {
    "rule": "tls-expiring",
    "severity": "critical",
    "message": "Sertifikat TLS pn-uji.go.id berakhir 2026-11-28 (5 hari lagi).",
    "evidence": {"item": "tls:pn-uji.go.id", "days_left": 5, "not_after": "2026-11-28T00:00:00+00:00"},
}
HOSTING_LATER = {
    "rule": "hosting-expiring",
    "severity": "medium",
    "message": "Hosting berakhir dalam 25 hari.",
    "evidence": {"item": "hosting:0", "days_left": 25, "paid_until": "2026-12-18"},
}
STALE = {"rule": "content-stale", "severity": "medium", "message": "Tidak ada konten baru", "evidence": {}}


def make_run(
    n: int, w1=(DOWN,), w1_status="critical", w2_status="ok", w4=None, court="pn-uji", name="harian"
):
    started = (T0 + dt.timedelta(days=n)).isoformat()
    results = [
        {"court": court, "activity": "W1", "status": w1_status, "started": started, "findings": list(w1)},
        {
            "court": court,
            "activity": "W2",
            "status": w2_status,
            "summary": "restic backup gagal: repository locked" if w2_status != "ok" else "Backup selesai",
            "started": started,
        },
    ]
    if w4 is not None:
        results.append(
            {"court": court, "activity": "W4", "status": "critical", "started": started, "findings": w4}
        )
    return {
        "run_id": f"run-{n}",
        "name": name,
        "started": started,
        "courts": {
            court: {
                "court_name": "Pengadilan Negeri Uji <Kelas IB>",
                "court_contacts": {
                    "sekretaris": {"name": "Sekretaris", "email": "sekretaris@pn-uji.go.id"},
                    "it_staff": [
                        {"name": "Operator", "email": "operator@pn-uji.go.id"},
                        {"name": "Tanpa email"},
                    ],
                },
            }
        },
        "results": results,
    }


@pytest.fixture
def store(history_db):
    """The notification state on an SQLite file and on a real PostgreSQL server."""
    with HistoryStore(history_db) as history:
        yield history


def record(store, run):
    store.record_run(run)
    return run["run_id"]


# -- tests -----------------------------------------------------------------------------------------------
def test_problems_of_a_run():
    run = make_run(0, w1=(DOWN, GAMBLING, STALE), w2_status="failed", w4=[TLS_SOON, HOSTING_LATER])
    problems = {p.key: p for p in problems_of(run)}
    assert sorted(problems) == [
        "pn-uji|backup-failed|backup",
        "pn-uji|gambling-spam|browser",
        "pn-uji|tls-renewal|tls:pn-uji.go.id",
        "pn-uji|unavailable|https://pn-uji.go.id/",
    ]
    assert problems["pn-uji|tls-renewal|tls:pn-uji.go.id"].days == 5
    # a 30-day horizon takes the hosting contract too; a "critical" W2 is a failed backup as well
    wider = {
        p.key
        for p in problems_of(make_run(0, w1=(), w1_status="ok", w2_status="critical", w4=[HOSTING_LATER]), 30)
    }
    assert wider == {"pn-uji|hosting-renewal|hosting:0", "pn-uji|backup-failed|backup"}


def test_once_per_problem_until_it_changes_clears_and_comes_back(store, smtp, bot):
    cfg = config(smtp, bot)
    first = notify_run(store, record(store, make_run(0, w2_status="failed")), cfg)
    assert first["errors"] == []
    assert sorted((e["channel"], len(e["items"])) for e in first["sent"]) == [("email", 2), ("telegram", 2)]
    assert len(smtp.messages) == 1 and len(bot.calls) == 1
    rcpt, message = smtp.messages[0]
    assert rcpt == ["tim-it@pn-uji.go.id"]
    assert message["Subject"] == "[SOP Website] Pengadilan Negeri Uji <Kelas IB>: 2 masalah kritis"
    body = message.get_body(("plain",)).get_content()
    assert "[MASALAH] Website tidak dapat diakses (https://pn-uji.go.id/)" in body
    assert "[MASALAH] Backup (W2) gagal (backup): restic backup gagal: repository locked" in body
    assert smtp.logins == [("sop", "ok")]
    path, sent = bot.calls[0]
    assert sent["chat_id"] == "-1001" and sent["parse_mode"] == "HTML"
    assert "Pengadilan Negeri Uji &lt;Kelas IB&gt;" in sent["text"] and "<Kelas" not in sent["text"]

    # the same problems again: nothing is sent
    again = notify_run(store, record(store, make_run(1, w2_status="failed")), cfg)
    assert again["sent"] == [] and again["unchanged"] == 4
    assert len(smtp.messages) == 1 and len(bot.calls) == 1

    # the site is down for another reason, the backup works again
    changed = dict(DOWN, evidence=dict(DOWN["evidence"], reason="http", status=503))
    third = notify_run(store, record(store, make_run(2, w1=(changed,))), cfg)
    statuses = sorted(
        (i["status"], i["rule"]) for e in third["sent"] if e["channel"] == "email" for i in e["items"]
    )
    assert statuses == [("changed", "unavailable"), ("resolved", "backup-failed")]
    body = smtp.messages[-1][1].get_body(("plain",)).get_content()
    assert "[BERUBAH] Website tidak dapat diakses" in body and "[SELESAI] Backup (W2) gagal" in body

    # the site is back: resolved; then down again: announced again
    fourth = notify_run(store, record(store, make_run(3, w1=(), w1_status="ok")), cfg)
    assert [i["status"] for e in fourth["sent"] for i in e["items"]] == ["resolved", "resolved"]
    fifth = notify_run(store, record(store, make_run(4)), cfg)
    assert [i["status"] for e in fifth["sent"] for i in e["items"]] == ["new", "new"]
    assert len(smtp.messages) == 4 and len(bot.calls) == 4
    state = {(r["key"], r["channel"]): r["state"] for r in store.notification_state()}
    assert state[("pn-uji|unavailable|https://pn-uji.go.id/", "telegram:-1001")] == "open"
    assert state[("pn-uji|backup-failed|backup", "email")] == "resolved"


def test_a_run_that_did_not_check_does_not_resolve(store, smtp):
    cfg = config(smtp)
    notify_run(store, record(store, make_run(0, w2_status="failed")), cfg)
    # W1 failed to run and W2 could not reach the court: nothing is known, nothing is resolved
    blind = make_run(1, w1=(), w1_status="failed", w2_status="unreachable")
    result = notify_run(store, record(store, blind), cfg)
    assert result["sent"] == [] and len(smtp.messages) == 1
    # a weekly run without W1/W2 does not resolve them either
    weekly = {"run_id": "weekly", "name": "mingguan", "started": T0.isoformat(), "results": []}
    weekly["results"] = [
        {"court": "pn-uji", "activity": "IT-AUDIT", "status": "ok", "started": T0.isoformat()}
    ]
    assert notify_run(store, record(store, weekly), cfg)["sent"] == []


def test_resolved_notes_can_be_turned_off(store, smtp):
    cfg = config(smtp, resolved=False)
    notify_run(store, record(store, make_run(0)), cfg)
    quiet = notify_run(store, record(store, make_run(1, w1=(), w1_status="ok")), cfg)
    assert quiet["sent"] == [] and len(smtp.messages) == 1
    assert [r["state"] for r in store.notification_state()] == ["resolved"]
    back = notify_run(store, record(store, make_run(2)), cfg)
    assert [i["status"] for e in back["sent"] for i in e["items"]] == ["new"]


def test_failed_channel_is_retried_and_the_other_still_goes_out(store, smtp, bot):
    broken = config(smtp, bot, telegram={"chat_ids": ["-404"]}, email={"to": ["refuse@pn-uji.go.id"]})
    run_id = record(store, make_run(0))
    result = notify_run(store, run_id, broken)
    assert result["sent"] == []
    errors = {e["channel"]: e["error"] for e in result["errors"]}
    assert "Bad Request: chat not found" in errors["telegram"] and "ditolak" in errors["telegram"]
    assert "550" in errors["email"] and "refuse@pn-uji.go.id" in errors["email"]
    assert store.notification_state() == []

    # e-mail works now, Telegram still fails: only e-mail is recorded as sent
    half = config(smtp, bot, telegram={"chat_ids": ["-404"]})
    result = notify_run(store, run_id, half, lang="en")
    assert [e["channel"] for e in result["sent"]] == ["email"]
    assert result["errors"][0]["error"].startswith("Telegram 127.0.0.1: chat -404 refused (HTTP 400")
    assert {r["channel"] for r in store.notification_state()} == {"email"}

    # both work: only Telegram still had to be told
    result = notify_run(store, run_id, config(smtp, bot))
    assert [e["channel"] for e in result["sent"]] == ["telegram"] and result["unchanged"] == 1
    assert len(smtp.messages) == 1


def test_unreachable_smtp_and_wrong_password_are_clear_errors(store, bot, smtp, monkeypatch):
    run_id = record(store, make_run(0))
    dead = config(smtp, bot, email={"port": free_port()})
    result = notify_run(store, run_id, dead)
    assert [e["channel"] for e in result["sent"]] == ["telegram"]
    assert result["errors"][0]["error"].startswith(f"SMTP 127.0.0.1:{dead.email.port}: gagal mengirim")
    monkeypatch.setenv("SOPANSIBLE_SMTP_PASSWORD", "wrong-password")
    result = notify_run(store, run_id, config(smtp))
    assert "login ditolak" in result["errors"][0]["error"] and "wrong-password" not in json.dumps(result)


def test_starttls_with_a_private_ca(store, tmp_path):
    ca = certs.make_ca("SMTP uji CA")
    cert_path, key_path = certs.write_pem(
        tmp_path, "smtp", *certs.make_cert(ca, ["smtp.uji"], ips=["127.0.0.1"])
    )
    ca_path, _key = certs.write_pem(tmp_path, "ca", None, ca[1])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    box = Mailbox()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=box.authenticate,
    )
    controller.start()
    box.port = controller.port
    try:
        run_id = record(store, make_run(0))
        plain = notify_run(store, run_id, config(box))  # the server insists on STARTTLS
        assert plain["sent"] == [] and plain["errors"]
        tls = config(box, email={"starttls": True, "cafile": ca_path})
        assert tls.email.port == box.port
        result = notify_run(store, run_id, tls)
        assert result["errors"] == [] and len(box.messages) == 1 and box.logins == [("sop", "ok")]
    finally:
        controller.stop()


def test_court_contacts_and_per_court_chats(store, smtp, bot):
    cfg = config(
        smtp, bot, email={"court_contacts": True}, telegram={"court_chat_ids": {"pn-uji": ["-2002"]}}
    )
    notify_run(store, record(store, make_run(0)), cfg)
    rcpt, message = smtp.messages[0]
    assert rcpt == ["tim-it@pn-uji.go.id", "sekretaris@pn-uji.go.id", "operator@pn-uji.go.id"]
    assert message["To"] == ", ".join(rcpt)
    assert [body["chat_id"] for _, body in bot.calls] == ["-1001", "-2002"]


def test_hostile_text_is_escaped_and_english(store, smtp, bot):
    hostile = dict(DOWN, message='<script>alert(1)</script><img src=x onerror="alert(2)">')
    run = make_run(0, w1=(hostile,))
    run["courts"]["pn-uji"]["court_name"] = "PN <b>Uji</b>"
    result = notify_run(
        store, record(store, run), config(smtp, bot, report_url="https://sop.example/r/"), lang="en"
    )
    assert result["errors"] == []
    text = bot.calls[0][1]["text"]
    assert "<script>" not in text and "<img" not in text and "&lt;script&gt;" in text
    assert "[PROBLEM]</b> Website unavailable" in text
    assert '<a href="https://sop.example/r/pn-uji/laporan.html">' in text
    html_part = smtp.messages[0][1].get_body(("html",)).get_content()
    assert "<script>" not in html_part and "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html_part
    assert smtp.messages[0][1]["Subject"] == "[SOP Website] PN <b>Uji</b>: 1 critical problem(s)"


def test_long_messages_fit_in_telegram(store, bot):
    findings = []
    for i in range(60):
        evidence = {"item": f"hosting:{i}", "days_left": 3, "paid_until": "2026-11-26"}
        findings.append(dict(HOSTING_LATER, message="x" * 280, evidence=evidence))
    notify_run(store, record(store, make_run(0, w1=(), w1_status="ok", w4=findings)), config(bot=bot))
    text = bot.calls[0][1]["text"]
    assert len(text) <= 4096 and "… dan " in text


def test_dry_run_sends_and_records_nothing(store, smtp, bot):
    result = notify_run(store, record(store, make_run(0)), config(smtp, bot), dry_run=True)
    assert len(result["sent"]) == 2 and "[MASALAH]" in result["sent"][0]["text"]
    assert smtp.messages == [] and bot.calls == [] and store.notification_state() == []


def test_without_configuration_nothing_happens(store, tmp_path):
    run_id = record(store, make_run(0))
    result = notify_after_run(store, run_id, tmp_path / "missing.yml")
    assert result["configured"] is False and result["sent"] == []
    bad = tmp_path / "bad.yml"
    bad.write_text("email: {host: smtp.example, from: a@b.c, to: [x@y.z], pasword: 1}\n")
    result = notify_after_run(store, run_id, bad)
    assert "pasword" in result["errors"][0]["error"]
    with pytest.raises(NotifyError, match="tidak ada di riwayat"):
        notify_run(
            store, "no-such-run", parse_config({"email": {"host": "h", "from": "a@b.c", "to": "x@y.z"}})
        )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"telegram": {"token": TOKEN, "chat_ids": ["1"]}}, "jangan tulis rahasia"),
        ({"email": {"host": "h", "from": "a@b.c", "to": ["x@y.z"], "password": "p"}}, "jangan tulis rahasia"),
        ({"telegram": {"token_env": "NO_SUCH_VARIABLE_X", "chat_ids": ["1"]}}, "token bot tidak ditemukan"),
        ({"telegram": {"chat_ids": []}}, "tidak ada chat tujuan"),
        ({"email": {"host": "h", "from": "a@b.c"}}, "tidak ada penerima"),
        ({"email": {"host": "h", "from": "a@b.c", "to": ["nobody"]}}, "'nobody' bukan alamat e-mail"),
        (
            {"email": {"host": "h", "from": "a@b.c", "to": ["x@y.z"], "ssl": True, "starttls": True}},
            "salah satu",
        ),
        ({"email": {"host": "h", "from": "a@b.c", "to": ["x@y.z"], "port": 70000}}, "port: harus angka"),
        ({"telegram": {"chat_ids": ["1"], "api_base": "ftp://x"}}, "api_base: harus URL"),
        ({"sms": {}}, "kunci tidak dikenal: sms"),
        (["email"], "harus berupa mapping"),
    ],
)
def test_configuration_errors_name_what_is_wrong(data, expected):
    with pytest.raises(NotifyError, match=expected) as caught:
        parse_config(data)
    assert TOKEN not in str(caught.value) and TOKEN not in caught.value.message("en")


def test_secrets_from_files_and_disabled_channels(tmp_path, monkeypatch):
    monkeypatch.delenv("SOPANSIBLE_TELEGRAM_TOKEN")
    (tmp_path / "secrets.yml").write_text(f"token: '{TOKEN}'\npassword: other\n")
    (tmp_path / "token.txt").write_text(TOKEN + "\n")
    path = tmp_path / "notify.yml"
    path.write_text(
        "telegram: {token_file: secrets.yml, chat_ids: [1]}\n"
        "email: {enabled: false, host: h}\nrenewal_days: 14\nresolved: false\n"
    )
    cfg = load_config(path)
    assert cfg.telegram.token == TOKEN and cfg.email is None and cfg.renewal_days == 14 and not cfg.resolved
    assert TOKEN not in repr(cfg)
    path.write_text("telegram: {token_file: token.txt, chat_ids: [1]}\n")
    assert load_config(path).telegram.token == TOKEN
    path.write_text("telegram: {token_file: nothing.txt, chat_ids: [1]}\n")
    with pytest.raises(NotifyError, match="nothing.txt"):
        load_config(path)
    path.write_text("telegram: [unclosed\n")
    with pytest.raises(NotifyError, match="YAML tidak sah"):
        load_config(path)
    assert load_config(tmp_path / "absent.yml") is None


def test_cli_never_prints_secrets(store, history_db, smtp, bot, tmp_path, capsys, caplog):
    db = history_db
    record(store, make_run(0))
    cfg = tmp_path / "notify.yml"
    cfg.write_text(
        json.dumps(
            {
                "email": {
                    "host": "127.0.0.1",
                    "port": smtp.port,
                    "from": "sop@pn-uji.go.id",
                    "to": ["a@pn-uji.go.id"],
                    "username": "sop",
                    "cafile": smtp.ca_path,
                },
                "telegram": {"api_base": bot.url, "chat_ids": ["-1001", "-404"]},
            }
        )
    )
    caplog.set_level(logging.DEBUG)
    assert cli.main(["notify", "--notify-config", str(cfg), "--db", str(db), "--dry-run"]) == 0
    dry = capsys.readouterr()
    assert "Akan dikirim" in dry.out and "run-0" in dry.out and bot.calls == []
    assert cli.main(["notify", "--latest", "--notify-config", str(cfg), "--db", str(db)]) == 3
    out = capsys.readouterr()
    assert "Terkirim" in out.out and "chat -404 ditolak" in out.err
    assert len(bot.calls) == 2 and len(smtp.messages) == 1
    assert (
        cli.main(
            [
                "--lang",
                "en",
                "notify",
                "--run",
                "run-0",
                "--notify-config",
                str(cfg),
                "--db",
                str(db),
                "--json",
            ]
        )
        == 3
    )
    data = json.loads(capsys.readouterr().out)
    # only the chat that failed is tried again; e-mail and chat -1001 already have the problem
    assert data["unchanged"] == 2 and data["errors"][0]["route"] == "telegram:-404"
    assert [body["chat_id"] for _, body in bot.calls] == ["-1001", "-404", "-404"]
    everything = dry.out + dry.err + out.out + out.err + json.dumps(data) + caplog.text
    assert TOKEN not in everything and PASSWORD not in everything
    assert "/bot***/sendMessage" in caplog.text  # the HTTP client's own log line, redacted

    assert cli.main(["notify", "--notify-config", str(tmp_path / "none.yml"), "--db", str(db)]) == 4
    assert "Belum ada konfigurasi" in capsys.readouterr().err
    assert cli.main(["notify", "--run", "nope", "--notify-config", str(cfg), "--db", str(db)]) == 4
    assert "tidak ada di riwayat" in capsys.readouterr().err
    empty = tmp_path / "empty.sqlite"
    assert cli.main(["notify", "--notify-config", str(cfg), "--db", str(empty)]) == 4
    assert "Riwayat masih kosong" in capsys.readouterr().err


def test_state_table_is_a_migration(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as history:
        columns = [row[1] for row in history._conn.execute("PRAGMA table_info(notifications)")]
        assert columns[:4] == ["key", "channel", "court", "activity"]
        with pytest.raises(Exception, match="state 'maybe'"):
            history.mark_notified(
                [
                    {
                        "key": "k",
                        "channel": "email",
                        "court": "c",
                        "rule": "r",
                        "fingerprint": "f",
                        "state": "maybe",
                    }
                ]
            )
        assert history.mark_notified([]) == 0


def test_a_partly_refused_mail_counts_as_sent(store, smtp):
    cfg = config(smtp, email={"to": ["tim-it@pn-uji.go.id", "refuse-old@pn-uji.go.id"]})
    result = notify_run(store, record(store, make_run(0)), cfg)
    assert result["errors"] == [] and result["sent"][0]["refused"] == ["refuse-old@pn-uji.go.id"]
    assert smtp.messages[0][0] == ["tim-it@pn-uji.go.id"]
    assert [r["channel"] for r in store.notification_state()] == ["email"]


def test_sopansible_run_sends_a_down_site_once(tmp_path, monkeypatch, bot):
    """`sopansible run` notifies after recording the run: a real W1 run over a court whose site is down."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("SOPANSIBLE_DATA", str(data))
    down = free_port()
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  children:\n    courts:\n      children:\n        shared_hosting:\n          hosts:\n"
        "            pn-uji:\n              court_name: Pengadilan Negeri Uji\n"
        "              court_type: PN\n              court_domain: pn-uji.go.id\n"
        f"              court_url: http://pn-uji.go.id:{down}/\n"
        f'              court_probe_resolve: ["pn-uji.go.id:{down}:127.0.0.1"]\n'
    )
    (data / "notify.yml").write_text(f"telegram:\n  api_base: {bot.url}\n  chat_ids: ['-1001']\n")

    assert cli.main(["run", "sop_monitor", "-i", str(inventory), "--no-report"]) == 2
    (sent,) = [body for path, body in bot.calls if path.endswith("/sendMessage")]
    assert sent["chat_id"] == "-1001" and "Pengadilan Negeri Uji" in sent["text"]
    assert f"pn-uji.go.id:{down} refused" in sent["text"]

    assert cli.main(["run", "sop_monitor", "-i", str(inventory), "--no-report"]) == 2
    assert len(bot.calls) == 1  # the same problem is not announced twice
    assert cli.main(["run", "sop_monitor", "-i", str(inventory), "--no-report", "--no-notify"]) == 2
    assert len(bot.calls) == 1
