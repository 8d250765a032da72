"""SOP W5: the court's report reaches the people its inventory names (a real SMTP server on loopback),
once per period; W5's status in the report comes from that delivery. And the report's "Jadwal
Pemeliharaan": the schedules installed, read back, and the IT SOP's activities only people do."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.pn.website.plugins.module_utils.inventory import court_contract
from sopansible import cli, delivery
from sopansible import schedule as sched
from sopansible.catalogue import manual_activities
from sopansible.report import render_reports, slug
from sopansible.store import HistoryStore
from tests.unit.test_notify import TOKEN, config, secrets, smtp, smtp_tls  # noqa: F401

NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
SEKRETARIS = {"name": "Dra. Siti Aminah", "role": "sekretaris", "email": "sekretaris@pn-uji.go.id"}
KASUBBAG = {"name": "Budi", "role": "kasubbag", "email": "kasubbag@pn-uji.go.id"}


def court(name: str, recipients=None, **extra) -> dict:
    data = {"court_name": f"Pengadilan Negeri {name}", "court_domain": f"{name}.go.id", "court_type": "PN"}
    if recipients is not None:
        data["court_report_recipients"] = recipients
    return dict(data, **extra)


@pytest.fixture
def store(history_db):
    """The history, once in an SQLite file and once on the test PostgreSQL server."""
    with HistoryStore(history_db) as history:
        history.location = history_db  # to open it again, as another process would
        yield history


def record(store, courts: dict, when: dt.datetime = NOW) -> None:
    started = (when - dt.timedelta(minutes=30)).isoformat()
    store.record_run(
        {
            "run_id": f"run-{when:%Y%m%d%H%M}",
            "name": "harian",
            "started": started,
            "finished": started,
            "status": "ok",
            "courts": courts,
            "results": [
                {"court": c, "activity": "W1", "status": "ok", "started": started, "summary": "ok"}
                for c in courts
            ],
        }
    )


def w5(out, name: str) -> dict:
    report = json.loads((out / slug(name) / "laporan.json").read_text())
    return next(a for a in report["activities"] if a["id"] == "W5")


def test_the_report_reaches_the_named_recipients_once_per_period(store, smtp, tmp_path):  # noqa: F811
    courts = {
        "pn-uji": court("uji", [SEKRETARIS, KASUBBAG]),
        # a recipient address that would add another recipient to the envelope: nothing is sent
        "pn-sisip": court("sisip", [{"name": "X", "email": "sek@pn-sisip.go.id,mata@penyerang.example"}]),
        # a recipient the server refuses: recorded as failed, the other courts still get theirs
        "pn-tolak": court("tolak", [{"name": "Y", "role": "sekretaris", "email": "refuse@pn-tolak.go.id"}]),
        "pn-diam": court("diam"),  # no recipients named: nothing to send
    }
    record(store, courts)
    out = tmp_path / "reports"
    render_reports(store, out, now=NOW, schedules=[])
    cfg = config(smtp)

    result = delivery.deliver(store, cfg, out, now=NOW)

    sent = {(m[1]["Subject"].split(": ", 1)[0], tuple(m[0])) for m in smtp.messages}
    assert {rcpt for _, rcpt in sent} == {("sekretaris@pn-uji.go.id",), ("kasubbag@pn-uji.go.id",)}
    assert len(smtp.messages) == 4  # the situation report and November's recap, to each of the two
    for rcpt, message in smtp.messages:
        assert message["To"] == rcpt[0]  # each sees only their own address
    situasi = [m for _, m in smtp.messages if "2026-12-02" in m["Subject"]]
    rekap = [m for _, m in smtp.messages if "2026-11" in m["Subject"]]
    assert len(situasi) == 2 and len(rekap) == 2
    (page,) = [p for p in situasi[0].iter_attachments()]
    assert page.get_filename() == "laporan-pn-uji-2026-12-02.html"
    assert page.get_content().encode() == (out / "pn-uji" / "laporan.html").read_bytes()
    (pdf,) = [p for p in rekap[0].iter_attachments()]
    assert pdf.get_filename() == "rekap-pn-uji-2026-11.pdf" and pdf.get_content().startswith(b"%PDF-")

    assert {(e["court"]) for e in result["errors"]} == {"pn-sisip"}
    assert "court_report_recipients[0].email" in result["errors"][0]["error"]
    assert {(f["court"], f["recipient"]) for f in result["failed"]} == {("pn-tolak", "refuse@pn-tolak.go.id")}
    history = store.deliveries_all()
    assert "pn-sisip" not in history and "pn-diam" not in history
    assert {(d["report"], d["recipient"], d["status"]) for d in history["pn-uji"]} == {
        (report, address, "sent")
        for report in ("situasi", "rekap")
        for address in ("sekretaris@pn-uji.go.id", "kasubbag@pn-uji.go.id")
    }

    # a rerun the same day sends nothing again (and retries only what failed)
    again = delivery.deliver(store, cfg, out, now=NOW + dt.timedelta(hours=2))
    assert len(smtp.messages) == 4 and again["sent"] == [] and again["unchanged"] == 4
    assert [f["court"] for f in again["failed"]] == ["pn-tolak", "pn-tolak"]

    # the next day: the daily situation report again, not the recap
    delivery.deliver(store, cfg, out, now=NOW + dt.timedelta(days=1))
    assert len(smtp.messages) == 6 and all("2026-12-03" in m["Subject"] for _, m in smtp.messages[4:])


def test_w5_status_comes_from_the_delivery_not_from_the_file(store, smtp, tmp_path):  # noqa: F811
    courts = {
        "pn-uji": court("uji", [SEKRETARIS], court_report_delivery="weekly"),
        "pn-tolak": court("tolak", [{"name": "Y", "email": "refuse@pn-tolak.go.id"}]),
        "pn-diam": court("diam"),
    }
    record(store, courts)
    out = tmp_path / "reports"
    render_reports(store, out, now=NOW, schedules=[])
    # the report exists, but nobody received it
    before = w5(out, "pn-uji")
    assert before["status"] == "warning" and "2026-W49" in " ".join(before["problems"])
    assert w5(out, "pn-diam")["status"] == "warning"
    assert "court_report_recipients" in " ".join(w5(out, "pn-diam")["problems"])

    delivery.deliver(store, config(smtp), out, now=NOW)
    render_reports(store, out, now=NOW + dt.timedelta(minutes=5), schedules=[])
    after = w5(out, "pn-uji")
    assert after["status"] == "ok" and after["problems"] == []
    assert "Dra. Siti Aminah (sekretaris)" in [e["value"] for e in after["evidence"]]
    refused = w5(out, "pn-tolak")
    assert refused["status"] == "critical" and "refuse@pn-tolak.go.id" in " ".join(refused["problems"])
    html = (out / "pn-uji" / "laporan.html").read_text()
    assert "Dra. Siti Aminah (sekretaris)" in html

    # the week after: last week's delivery still counts until this week's is due and not sent
    render_reports(store, out, now=NOW + dt.timedelta(days=7), schedules=[])
    assert w5(out, "pn-uji")["status"] == "ok"
    render_reports(store, out, now=NOW + dt.timedelta(days=14), schedules=[])
    assert w5(out, "pn-uji")["status"] == "warning"

    # W5's actual time (Waktu aktual): from the report's writing to its delivery, not the run's length
    (row,) = [d for d in store.deliveries_all()["pn-uji"] if d["report"] == "situasi"]
    delay = delivery.delivery_delay_s([row])
    assert delay is not None and delay >= 0 and row["generated"] == NOW.isoformat()
    assert before["timing"]["actual_s"] is None and before["timing"]["reason"]
    timing = after["timing"]
    assert timing["actual_s"] == delay and timing["within"] is (delay <= timing["standard_s"])
    assert w5(out, "pn-diam")["timing"]["actual_s"] is None


def test_two_runs_at_once_send_each_report_once(store, smtp, tmp_path):  # noqa: F811
    """cron and an AWX job (or a cycle and a manual run) delivering at the same moment."""
    record(store, {"pn-uji": court("uji", [SEKRETARIS, KASUBBAG])})
    out = tmp_path / "reports"
    render_reports(store, out, now=NOW, schedules=[])
    cfg = config(smtp)
    start = threading.Barrier(2)
    answers = []

    def run() -> None:
        with HistoryStore(store.location) as own:
            start.wait()
            answers.append(delivery.deliver(own, cfg, out, now=NOW))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 2
    assert sorted((m["Subject"].rsplit(" ", 1)[1], tuple(r)) for r, m in smtp.messages) == sorted(
        (period, (address,))
        for period in ("2026-12-02", "2026-11")
        for address in ("sekretaris@pn-uji.go.id", "kasubbag@pn-uji.go.id")
    )
    assert sum(len(a["sent"]) for a in answers) == 4 and sum(a["unchanged"] for a in answers) == 4


def test_report_deliver_command_is_idempotent(store, smtp, tmp_path):  # noqa: F811
    record(store, {"pn-uji": court("uji", [SEKRETARIS])}, when=dt.datetime.now(dt.UTC))
    notify_yml = tmp_path / "notify.yml"
    cfg = {
        "email": {
            "host": "127.0.0.1",
            "port": smtp.port,
            "from": "sopansible@pn-uji.go.id",
            "to": ["tim-it@pn-uji.go.id"],
            "username": "sop",
            "cafile": smtp.ca_path,
        }
    }
    notify_yml.write_text(json.dumps(cfg))
    args = ["report", "--db", str(store.location), "--out", str(tmp_path / "r"), "--deliver"]
    args += ["--notify-config", str(notify_yml)]
    assert cli.main(args) == 0
    first = len(smtp.messages)
    assert first == 2 and {tuple(r) for r, _ in smtp.messages} == {("sekretaris@pn-uji.go.id",)}
    assert cli.main(args) == 0
    assert len(smtp.messages) == first


def test_recipients_are_checked_like_other_inventory_values():
    bad = {
        "court_report_recipients": [
            {"name": "A", "email": "a@pn.go.id\nBcc: b@x.example"},
            {"name": "B"},
            {"name": "C", "telegram": "123; rm"},
            {"name": "D", "role": "tamu", "email": "d@pn.go.id"},
        ],
        "court_report_delivery": "hourly",
    }
    problems = {p.variable for p in court_contract.report_delivery_problems("pn-uji", bad)}
    assert {
        "court_report_recipients[0].email",
        "court_report_recipients[1]",
        "court_report_recipients[2].telegram",
        "court_report_recipients[3].role",
        "court_report_delivery",
    } <= problems
    good = {"court_report_recipients": [SEKRETARIS, {"name": "Grup TI", "telegram": -1001234}]}
    assert court_contract.report_delivery_problems("pn-uji", good) == []
    full = dict(court("uji"), **good)
    assert court_contract.validate_court("pn-uji", dict(full, court_webserver="nginx")) == []


def test_the_report_shows_the_installed_schedules_and_the_manual_checklist(store, tmp_path):
    record(store, {"pn-uji": court("uji")})
    inventory = tmp_path / "inv.yml"
    inventory.write_text("all: {}\n")
    job = sched.Job(inventory, tmp_path / "data", ["/usr/bin/sopansible"], tmp_path, flock="/usr/bin/flock")
    cron = sched.CronTarget(tmp_path / "cron.d-sopansible")
    sched.install_cron(sched.plan_entries(["harian"], ["harian=01:15"]), job, cron, user="sop")
    units = tmp_path / "units"
    sched.install_systemd(sched.plan_entries(["bulanan"], monthday=5), job, units)

    schedules = sched.installed(cron, units, lang="id")
    assert [(s["cycle"], s["when"]) for s in schedules] == [
        ("harian", "setiap hari pukul 01:15"),
        ("bulanan", "setiap tanggal 5 pukul 04:30"),
    ]
    out = tmp_path / "reports"
    render_reports(store, out, now=NOW, schedules=schedules)
    html = (out / "pn-uji" / "laporan.html").read_text()
    section = html[html.index('id="maintenance"') : html.index('id="acknowledgement"')]
    assert "Jadwal Pemeliharaan" in section
    assert "setiap hari pukul 01:15" in section and "setiap tanggal 5 pukul 04:30" in section
    assert str(cron.path) in section and "sopansible-bulanan.timer" in section
    manual = manual_activities("id")
    assert len(manual) >= 5
    for activity in manual:
        assert f'id="manual-{activity["id"]}"' in section and activity["activity"] in section
    assert section.count('type="checkbox"') == len(manual)

    # nothing installed: the section says so instead of guessing
    render_reports(store, out, now=NOW, schedules=sched.installed(sched.CronTarget(tmp_path / "x"), tmp_path))
    empty = (out / "pn-uji" / "laporan.html").read_text()
    assert "Tidak ada jadwal sopansible yang terpasang" in empty


class DocumentBot(ThreadingHTTPServer):
    """A stand-in for the Telegram Bot API's sendDocument (multipart): keeps (chat, file name, content,
    caption); chat "-404" does not exist."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _DocumentHandler)
        self.documents: list[tuple[str, str, bytes, str]] = []


class _DocumentHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        form = email.message_from_bytes(head + body, policy=email.policy.default)
        fields = {p.get_param("name", header="content-disposition"): p for p in form.iter_parts()}
        chat = fields["chat_id"].get_content().strip()
        if not self.path.endswith(f"/bot{TOKEN}/sendDocument") or chat == "-404":
            self._answer(400, {"ok": False, "description": "Bad Request: chat not found"})
            return
        document = fields["document"]
        content = document.get_payload(decode=True)
        self.server.documents.append(
            (chat, document.get_filename(), content, fields["caption"].get_content())
        )
        self._answer(200, {"ok": True, "result": {"message_id": len(self.server.documents)}})

    def _answer(self, code: int, data: dict) -> None:
        raw = json.dumps(data).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args) -> None:
        pass


def test_telegram_recipients_get_the_report_as_a_document(store, tmp_path):
    server = DocumentBot()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        courts = {
            "pn-uji": court("uji", [{"name": "Grup TI", "role": "operator", "telegram": -1001}]),
            "pn-hilang": court("hilang", [{"name": "Z", "telegram": "-404"}]),
        }
        record(store, courts)
        out = tmp_path / "reports"
        render_reports(store, out, now=NOW, schedules=[])
        api = f"http://127.0.0.1:{server.server_address[1]}"
        cfg = config(telegram={"api_base": api, "chat_ids": ["-1"], "timeout": 10})
        result = delivery.deliver(store, cfg, out, now=NOW)
    finally:
        server.shutdown()
        server.server_close()
    names = sorted((chat, name) for chat, name, _, _ in server.documents)
    assert names == [("-1001", "laporan-pn-uji-2026-12-02.html"), ("-1001", "rekap-pn-uji-2026-11.pdf")]
    page = next(c for _, n, c, _ in server.documents if n.endswith(".html"))
    assert page == (out / "pn-uji" / "laporan.html").read_bytes()
    assert all("Pengadilan Negeri uji" in caption for *_, caption in server.documents)
    assert {f["court"] for f in result["failed"]} == {"pn-hilang"}
    assert all(TOKEN not in f["error"] for f in result["failed"])
