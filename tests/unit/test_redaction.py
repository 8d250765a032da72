"""Credentials in URLs never reach a report, a notification, the public court data or a log line,
whatever form the URL takes (one rule: the ``redact`` engine)."""

from __future__ import annotations

import json
import logging
import threading

import pytest

from sopansible import inventory, report
from sopansible.notify import notify_run, parse_config
from sopansible.store import HistoryStore
from tests.unit.test_notify import TOKEN, BotAPI
from tests.unit.test_report import NOW, make_run

SLASH = "pa/ss@w0rd:x"  # a password with "/", "@" and ":"
ENCODED = "p%40ss%2Fw%3Ard"  # the same characters percent-encoded


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            f"rest:https://pn-tais:{SLASH}@backup.example:8000/pn-tais/",
            "rest:https://pn-tais:***@backup.example:8000/pn-tais/",
        ),
        (f"rest:https://pn-tais:{ENCODED}@backup.example/", "rest:https://pn-tais:***@backup.example/"),
        (f"s3:https://AKIA:{SLASH}@s3.example/bucket", "s3:https://AKIA:***@s3.example/bucket"),
        (f'1.2.3.4 "GET http://a:{SLASH}@x/y" 200', '1.2.3.4 "GET http://a:***@x/y" 200'),
        (
            "https://pn-uji.go.id/feed?page=2&token=T0KEN-SECRET#top",
            "https://pn-uji.go.id/feed?page=2&token=***#top",
        ),
        (
            "https://s3/b/k?X-Amz-Credential=AKIA/x&X-Amz-Signature=SIGSECRET",
            "https://s3/b/k?X-Amz-Credential=***&X-Amz-Signature=***",
        ),
        (
            f"POST https://api.telegram.org/bot{TOKEN}/sendMessage",
            "POST https://api.telegram.org/bot***/sendMessage",
        ),
        # no password in these forms: left as they are
        ("sftp:pn-backup@10.0.0.5:/srv/restic", "sftp:pn-backup@10.0.0.5:/srv/restic"),
        ("mailto:ops@pn.go.id", "mailto:ops@pn.go.id"),
        ("https://pn-uji.go.id/?author=1&email=a@b.id", "https://pn-uji.go.id/?author=1&email=a@b.id"),
    ],
)
def test_every_url_form(text, shown):
    assert report.redact_url(text) == shown


SECRETS = (SLASH, ENCODED, "T0KEN-SECRET", TOKEN)


def hostile_run() -> dict:
    run = make_run(0, [0])
    for result in run["results"]:
        if result["activity"] == "W2":
            result["outputs"]["repository"] = f"rest:https://backup:{SLASH}@backup.example/pn"
            result["status"] = "failed"
            result["summary"] = f"restic: Fatal: rest:https://backup:{ENCODED}@backup.example/pn: 401"
        if result["activity"] == "W1":
            result["status"] = "critical"
            result["findings"] = [
                {
                    "rule": "unavailable",
                    "severity": "critical",
                    "message": "Website tidak dapat diakses: https://pn-uji0.go.id/?token=T0KEN-SECRET",
                    "evidence": {"url": f"https://u:{SLASH}@pn-uji0.go.id/", "reason": "http"},
                }
            ]
        if result["activity"] == "W3":
            result["findings"][0]["evidence"]["samples"] = [
                '1.2.3.4 "GET /x?access_token=T0KEN-SECRET" 200',
                f"notify via https://api.telegram.org/bot{TOKEN}/sendMessage",
            ]
    return run


def test_reports_never_show_a_password(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(hostile_run())
        report.render_reports(store, tmp_path / "out", now=NOW)
        report.render_reports(store, tmp_path / "out-en", lang="en", now=NOW)
    written = [p for p in tmp_path.glob("out*/**/*") if p.is_file()]
    assert len(written) >= 6
    for path in written:
        text = path.read_text()
        for secret in SECRETS:
            assert secret not in text, f"{secret} in {path}"
    assert "rest:https://backup:***@backup.example/pn" in (tmp_path / "out/pn-uji-0/laporan.html").read_text()


def test_notifications_never_carry_a_password(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPANSIBLE_TELEGRAM_TOKEN", TOKEN)
    bot = BotAPI()
    thread = threading.Thread(target=bot.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        api = f"http://127.0.0.1:{bot.server_address[1]}"
        config = parse_config({"telegram": {"api_base": api, "chat_ids": ["-1001"]}})
        with HistoryStore(tmp_path / "h.sqlite") as store:
            run = hostile_run()
            store.record_run(run)
            result = notify_run(store, run["run_id"], config)
    finally:
        bot.shutdown()
        bot.server_close()
    assert result["errors"] == [] and len(bot.calls) == 1
    sent = json.dumps([body for _path, body in bot.calls]) + json.dumps(result)
    assert "backup:***@backup.example" in sent
    for secret in SECRETS:
        assert secret not in sent


def test_public_court_data_and_log_lines_lose_passwords(caplog):
    court = {
        "court_backup_repositories": [{"location": f"rest:https://pn:{SLASH}@backup/pn", "password": "x"}],
        "court_url": "https://pn-uji.go.id/?token=T0KEN-SECRET",
    }
    assert SLASH not in json.dumps(inventory.redact(court))
    assert "T0KEN-SECRET" not in json.dumps(inventory.redact(court))
    # an HTTP client's own log line with a bot token that was never registered as a secret
    caplog.set_level(logging.INFO)
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/getMe", TOKEN)
    assert TOKEN not in caplog.text and "/bot***/getMe" in caplog.text
