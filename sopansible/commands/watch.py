"""`sopansible watch -i INV`: SOP W1 every few minutes, alerts at once (see sopansible/watch.py).

Runs until stopped (SIGTERM ends it cleanly: the systemd service of `sopansible schedule install
--systemd --watch`), or for ``--rounds N`` rounds. Exit code (sopansible/exitcodes.py), after
``--rounds``: the worst W1 status of the last measured round of every court (0, 1, 2), 3 when a
notification could not be delivered, 4 for bad options, an unreadable inventory or a court whose data
cannot be probed (named on stderr; the other courts are watched all the same); 0 when stopped by
SIGTERM, 130 on Ctrl-C.

``--metrics 127.0.0.1:9464`` serves the Prometheus metrics of the watched courts (sopansible/metrics.py),
updated after every round; only a loopback address is accepted.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from sopansible import exitcodes

TEXT = {
    "id": {
        "help": "pantau website setiap beberapa menit (W1) dan kirim peringatan segera",
        "inventory": "inventori Ansible",
        "limit": "pola host/grup seperti ansible --limit",
        "interval": "selang antar-putaran: 5m, 30s, 1h (angka saja = menit) [5m]; "
        "court_watch_interval_minutes per pengadilan menimpanya",
        "full_every": "selang pemeriksaan lengkap per pengadilan (semua pemeriksaan konten) [15m]; "
        "di antaranya pemeriksaan ringan: ketersediaan, status HTTP, waktu respons, kata kunci",
        "rounds": "berhenti setelah N putaran (default: terus berjalan)",
        "round_timeout": "batas waktu satu putaran (default: selangnya, minimal batas waktu per website); "
        "website yang belum selesai dicatat 'tidak terukur'",
        "timeout": "batas waktu per website (detik) [30]",
        "connect_timeout": "batas waktu koneksi (detik) [5]",
        "concurrency": "jumlah website sekaligus [100]",
        "ca_file": "CA tepercaya (PEM)",
        "no_cloaking": "tanpa pemeriksaan cloaking",
        "notify_config": "konfigurasi notifikasi (default: DATA/notify.yml)",
        "no_notify": "jangan kirim notifikasi",
        "keep_days": "simpan sampel selama N hari [35]",
        "json": "satu baris JSON per putaran",
        "metrics": "layani metrik Prometheus di HOST:PORT loopback (mis. 127.0.0.1:9464), diperbarui "
        "setiap putaran",
        "error": "Kesalahan",
        "skipped": "Tidak dipantau",
        "no_courts": "Tidak ada pengadilan yang dapat dipantau (grup courts).",
        "round": "{at} putaran {n}: {probed} website, {up} dapat diakses, {down} tidak, {unmeasured} tidak "
        "terukur{run}{sent}",
        "run": "; hasil dicatat di {run_id}",
        "sent": "; {n} pesan terkirim",
        "notify_error": "notifikasi gagal: {error}",
    },
    "en": {
        "help": "watch the websites every few minutes (W1) and alert at once",
        "inventory": "Ansible inventory",
        "limit": "host/group pattern as ansible --limit",
        "interval": "time between rounds: 5m, 30s, 1h (a bare number is minutes) [5m]; "
        "court_watch_interval_minutes overrides it per court",
        "full_every": "time between two full probes of a court (every content check) [15m]; light probes in "
        "between: availability, HTTP status, response time, keyword",
        "rounds": "stop after N rounds (default: run until stopped)",
        "round_timeout": "deadline of one round (default: its interval, at least the time limit per "
        "website); a site not finished by then is recorded as not measured",
        "timeout": "time limit per website (seconds) [30]",
        "connect_timeout": "connect time limit (seconds) [5]",
        "concurrency": "websites probed at the same time [100]",
        "ca_file": "trusted CA certificates (PEM)",
        "no_cloaking": "skip the cloaking check",
        "notify_config": "notification configuration (default: DATA/notify.yml)",
        "no_notify": "send no notifications",
        "keep_days": "keep samples for N days [35]",
        "json": "one JSON line per round",
        "metrics": "serve Prometheus metrics on a loopback HOST:PORT (e.g. 127.0.0.1:9464), updated "
        "after every round",
        "error": "Error",
        "skipped": "Not watched",
        "no_courts": "No court can be watched (group courts).",
        "round": "{at} round {n}: {probed} websites, {up} up, {down} down, {unmeasured} not measured"
        "{run}{sent}",
        "run": "; results recorded in {run_id}",
        "sent": "; {n} message(s) sent",
        "notify_error": "notification failed: {error}",
    },
}


def register(subparsers) -> None:
    text = TEXT["id"]
    parser = subparsers.add_parser("watch", help=text["help"], description=text["help"])
    parser.add_argument("-i", "--inventory", required=True, metavar="INV", help=text["inventory"])
    parser.add_argument("-l", "--limit", metavar="PATTERN", help=text["limit"])
    parser.add_argument("--interval", default="5m", metavar="DURATION", help=text["interval"])
    parser.add_argument("--full-every", default="15m", metavar="DURATION", help=text["full_every"])
    parser.add_argument("--rounds", type=int, metavar="N", help=text["rounds"])
    parser.add_argument("--round-timeout", metavar="DURATION", help=text["round_timeout"])
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help=text["timeout"])
    parser.add_argument(
        "--connect-timeout", type=float, default=5.0, metavar="SECONDS", help=text["connect_timeout"]
    )
    parser.add_argument("--concurrency", type=int, default=100, metavar="N", help=text["concurrency"])
    parser.add_argument("--ca-file", metavar="FILE", help=text["ca_file"])
    parser.add_argument("--no-cloaking", action="store_true", help=text["no_cloaking"])
    parser.add_argument("--notify-config", type=Path, metavar="PATH", help=text["notify_config"])
    parser.add_argument("--no-notify", action="store_true", help=text["no_notify"])
    parser.add_argument("--keep-days", type=int, default=35, metavar="DAYS", help=text["keep_days"])
    parser.add_argument("--json", action="store_true", help=text["json"])
    parser.add_argument("--metrics", metavar="HOST:PORT", help=text["metrics"])
    parser.set_defaults(handler=run)


def _error(text: dict, message: str) -> int:
    print(f"{text['error']}: {message}", file=sys.stderr)
    return exitcodes.USAGE


def run(args: argparse.Namespace) -> int:
    from sopansible import inventory, metrics, store
    from sopansible import watch as watching

    lang = getattr(args, "lang", "id") or "id"
    text = TEXT[lang]
    try:
        interval = watching.parse_interval(args.interval)
        full_every = watching.parse_interval(args.full_every)
        round_timeout = watching.parse_interval(args.round_timeout) if args.round_timeout else None
        listen = metrics.parse_listen(args.metrics) if args.metrics else None
    except (watching.WatchError, metrics.MetricsError) as exc:
        return _error(text, exc.message(lang))
    if args.rounds is not None and args.rounds < 1:
        return _error(text, "--rounds >= 1")
    if not 1 <= args.keep_days <= 3660:
        return _error(text, "--keep-days 1-3660")
    options = {
        "total_timeout": args.timeout,
        "connect_timeout": args.connect_timeout,
        "concurrency": args.concurrency,
        "ca_file": args.ca_file,
        "cloaking": not args.no_cloaking,
    }
    try:
        from ansible_collections.pn.website.plugins.module_utils.monitoring import site_probe

        site_probe.normalize_options(options)
    except ValueError as exc:
        return _error(text, str(exc))
    try:
        inv = inventory.load(args.inventory, limit=args.limit)
    except inventory.InventoryError as exc:
        return _error(text, str(exc))
    courts, problems = watching.courts_of(inv, interval)
    for problem in problems:
        print(f"{text['skipped']}: {problem.message(lang)}", file=sys.stderr)
    if not courts:
        return _error(text, text["no_courts"])
    try:
        history = store.HistoryStore()
    except store.StoreError as exc:
        return _error(text, str(exc))
    stop = threading.Event()
    with history:
        watch = watching.Watch(
            courts,
            history,
            options=options,
            round_timeout=round_timeout,
            inventory=",".join(str(Path(s).resolve()) for s in inv.sources),
            lang=lang,
            notify=not args.no_notify,
            notify_config=args.notify_config,
            keep_days=args.keep_days,
            full_every=full_every,
        )
        failed = []
        exporter = server = None
        if listen is not None:
            exporter = metrics.Exporter(list(watch.courts))
            exporter.update(history)  # what the history already says, before the first round
            try:
                server = metrics.serve(*listen, exporter)
            except metrics.MetricsError as exc:
                return _error(text, exc.message(lang))

        def show(one) -> None:
            if exporter is not None:  # before the round is shown: a scrape after it sees the round
                exporter.update(history)
            summary = one.summary()
            failed.extend(summary["errors"])
            if args.json:
                print(json.dumps(summary, ensure_ascii=False), flush=True)
                return
            sent = len(summary["sent"])
            print(
                text["round"].format(
                    at=one.at,
                    n=one.number,
                    probed=one.probed,
                    up=one.up,
                    down=one.down,
                    unmeasured=one.unmeasured,
                    run=text["run"].format(run_id=one.run_id) if one.run_id else "",
                    sent=text["sent"].format(n=sent) if sent else "",
                ),
                flush=True,
            )
            for error in summary["errors"]:
                print(text["notify_error"].format(error=error.get("error")), file=sys.stderr, flush=True)

        def terminate(signum, frame) -> None:
            stop.set()
            if watch.busy:  # stop the round now (it is not recorded), not at its deadline
                raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, terminate)
        try:
            watching.run(watch, args.rounds, on_round=show, sleep=stop.wait, stopped=stop.is_set)
        except KeyboardInterrupt:
            if not stop.is_set():
                raise
        finally:
            signal.signal(signal.SIGTERM, previous)
            if server is not None:
                server.shutdown()
                server.server_close()
    if stop.is_set():
        return exitcodes.OK
    return exitcodes.worst(
        [exitcodes.for_statuses(watch.statuses().values())]
        + ([exitcodes.FAILED] if failed else [])
        + ([exitcodes.USAGE] if problems else [])
    )
