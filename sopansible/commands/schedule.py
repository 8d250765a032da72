"""`sopansible schedule install|show|remove`: cron entries or systemd timers for the SOP cycles."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TEXT = {
    "id": {
        "help": "jadwalkan siklus SOP (cron atau timer systemd)",
        "install": "pasang (atau perbarui) jadwal siklus",
        "show": "tampilkan jadwal yang terpasang",
        "remove": "hapus jadwal sopansible (entri lain tidak disentuh)",
        "inventory": "path inventori yang dijalankan",
        "cycle": "siklus yang dijadwalkan (boleh diulang; default: semua siklus katalog SOP)",
        "at": "jam mulai: HH:MM (siklus pertama, lainnya menyusul selang 1 jam) atau SIKLUS=HH:MM",
        "weekday": "hari siklus mingguan: 0-6 (0 = Minggu) atau nama hari (default: minggu)",
        "monthday": "tanggal siklus bulanan: 1-28 (default: 1)",
        "pdf": "cetak juga laporan PDF setelah setiap run",
        "lock_wait": "berapa detik menunggu run sebelumnya selesai (default: 10800)",
        "metrics_textfile": "setiap run menulis metrik Prometheus ke berkas .prom ini untuk node_exporter "
        "(SOPANSIBLE_METRICS_TEXTFILE; docs/metrics.md)",
        "systemd": "pakai timer systemd, bukan cron",
        "cron_file": "berkas cron.d (default: /etc/cron.d/sopansible sebagai root, selain itu crontab "
        "pengguna)",
        "unit_dir": "direktori unit systemd (default: /etc/systemd/system sebagai root, selain itu "
        "~/.config/systemd/user); dengan direktori lain systemctl tidak dijalankan",
        "user": "pengguna yang menjalankan job di berkas cron.d (default: pengguna saat ini)",
        "watch": "pasang juga layanan systemd `sopansible watch` (W1 setiap beberapa menit; hanya --systemd)",
        "watch_interval": "selang layanan watch: 5m, 30s, 1h (default: 5m)",
        "watch_cron": "--watch memerlukan --systemd (layanan yang terus berjalan)",
        "watch_metrics": "layanan watch juga melayani metrik Prometheus di HOST:PORT loopback "
        "(mis. 127.0.0.1:9464; docs/metrics.md)",
        "watch_metrics_alone": "--watch-metrics hanya berlaku bersama --watch",
        "dry": "tampilkan saja apa yang akan dipasang",
        "json": "cetak hasil sebagai JSON",
        "error": "Kesalahan",
        "installed": "Jadwal dipasang di {target}",
        "unchanged": "Jadwal di {target} sudah sama; tidak ada perubahan",
        "none": "Belum ada jadwal sopansible di {target}",
        "removed": "Jadwal sopansible dihapus dari {target}",
        "nothing_removed": "Tidak ada jadwal sopansible di {target}",
        "would": "Akan dipasang di {target}:",
        "cycle_col": "Siklus",
        "when": "Waktu",
        "next": "Berikutnya",
    },
    "en": {
        "help": "schedule the SOP cycles (cron or systemd timers)",
        "install": "install (or update) the cycle schedules",
        "show": "show the installed schedules",
        "remove": "remove the sopansible schedules (other entries are left alone)",
        "inventory": "inventory path to run",
        "cycle": "cycle to schedule (repeatable; default: every cycle of the SOP catalogue)",
        "at": "start time: HH:MM (first cycle, the others follow one hour apart) or CYCLE=HH:MM",
        "weekday": "day of the weekly cycle: 0-6 (0 = Sunday) or a day name (default: sunday)",
        "monthday": "day of the monthly cycle: 1-28 (default: 1)",
        "pdf": "also print the PDF reports after each run",
        "lock_wait": "seconds to wait for the previous run to finish (default: 10800)",
        "metrics_textfile": "every run writes the Prometheus metrics to this .prom file for node_exporter "
        "(SOPANSIBLE_METRICS_TEXTFILE; docs/metrics.md)",
        "systemd": "use systemd timers instead of cron",
        "cron_file": "cron.d file (default: /etc/cron.d/sopansible as root, else the user's crontab)",
        "unit_dir": "systemd unit directory (default: /etc/systemd/system as root, else "
        "~/.config/systemd/user); systemctl is not run for another directory",
        "user": "user running the jobs in a cron.d file (default: the current user)",
        "watch": "also install the `sopansible watch` systemd service (W1 every few minutes; --systemd only)",
        "watch_interval": "interval of the watch service: 5m, 30s, 1h (default: 5m)",
        "watch_cron": "--watch needs --systemd (a service that keeps running)",
        "watch_metrics": "the watch service also serves Prometheus metrics on a loopback HOST:PORT "
        "(e.g. 127.0.0.1:9464; docs/metrics.md)",
        "watch_metrics_alone": "--watch-metrics applies only with --watch",
        "dry": "only show what would be installed",
        "json": "print the result as JSON",
        "error": "Error",
        "installed": "Schedules installed in {target}",
        "unchanged": "The schedules in {target} are already the same; nothing changed",
        "none": "No sopansible schedules in {target} yet",
        "removed": "sopansible schedules removed from {target}",
        "nothing_removed": "No sopansible schedules in {target}",
        "would": "Would install in {target}:",
        "cycle_col": "Cycle",
        "when": "When",
        "next": "Next",
    },
}


def register(subparsers: argparse._SubParsersAction) -> None:
    text = TEXT["id"]
    parser = subparsers.add_parser("schedule", help=text["help"], description=text["help"])
    actions = parser.add_subparsers(dest="action", metavar="install|show|remove", required=True)
    install = actions.add_parser("install", help=text["install"], description=text["install"])
    install.add_argument("-i", "--inventory", required=True, help=text["inventory"])
    install.add_argument("--cycle", action="append", metavar="CYCLE", help=text["cycle"])
    install.add_argument("--at", action="append", metavar="HH:MM|CYCLE=HH:MM", help=text["at"])
    install.add_argument("--weekday", default="0", help=text["weekday"])
    install.add_argument("--monthday", default="1", help=text["monthday"])
    install.add_argument("--pdf", action="store_true", help=text["pdf"])
    install.add_argument("--lock-wait", type=int, default=3 * 3600, metavar="SECONDS", help=text["lock_wait"])
    install.add_argument("--user", help=text["user"])
    install.add_argument("--metrics-textfile", type=Path, metavar="PATH", help=text["metrics_textfile"])
    install.add_argument("--watch", action="store_true", help=text["watch"])
    install.add_argument("--watch-interval", default="5m", metavar="DURATION", help=text["watch_interval"])
    install.add_argument("--watch-metrics", metavar="HOST:PORT", help=text["watch_metrics"])
    install.add_argument("--dry-run", action="store_true", help=text["dry"])
    show = actions.add_parser("show", help=text["show"], description=text["show"])
    remove = actions.add_parser("remove", help=text["remove"], description=text["remove"])
    for sub in (install, show, remove):
        sub.add_argument("--systemd", action="store_true", help=text["systemd"])
        target = sub.add_mutually_exclusive_group()
        target.add_argument("--cron-file", type=Path, metavar="PATH", help=text["cron_file"])
        target.add_argument("--unit-dir", type=Path, metavar="PATH", help=text["unit_dir"])
        sub.add_argument("--json", action="store_true", help=text["json"])
        sub.add_argument("--lang", choices=("id", "en"), default=argparse.SUPPRESS, help="id | en")
        sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from sopansible import exitcodes
    from sopansible import schedule as sched

    lang = getattr(args, "lang", "id") or "id"
    text = TEXT[lang]
    err = Console(stderr=True, highlight=False)
    try:
        result = _carry_out(args, sched, lang)
    except sched.ScheduleError as exc:
        err.print(f"[red]{text['error']}:[/] {escape(exc.message(lang))}")
        return exitcodes.FAILED if isinstance(exc, sched.ScheduleFailed) else exitcodes.USAGE
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print(Console(highlight=False), args, result, text)
    return exitcodes.OK


def _carry_out(args: argparse.Namespace, sched, lang: str) -> dict:
    """Install, show or remove the schedules (or only plan them with --dry-run); raises ScheduleError."""
    use_systemd = args.systemd or args.unit_dir is not None
    if use_systemd:
        unit_dir = args.unit_dir or sched.default_unit_dir()
        activate = args.unit_dir is None
    else:
        cron = sched.CronTarget(args.cron_file)
    if args.action == "show":
        return sched.show_systemd(unit_dir) if use_systemd else sched.show_cron(cron)
    if args.action == "remove":
        return sched.remove_systemd(unit_dir, activate=activate) if use_systemd else sched.remove_cron(cron)
    watch = args.watch_interval if args.watch else None
    if watch is not None and not use_systemd:
        raise sched.ScheduleError(TEXT["id"]["watch_cron"], TEXT["en"]["watch_cron"])
    if args.watch_metrics and watch is None:
        raise sched.ScheduleError(TEXT["id"]["watch_metrics_alone"], TEXT["en"]["watch_metrics_alone"])
    entries = sched.plan_entries(args.cycle, args.at, args.weekday, args.monthday)
    job = sched.default_job(
        args.inventory,
        pdf=args.pdf,
        lock_wait=args.lock_wait,
        lang=lang,
        metrics_textfile=args.metrics_textfile,
        watch_metrics=args.watch_metrics,
    )
    if args.dry_run:
        if use_systemd:
            result = {"target": str(unit_dir), "files": sched.unit_files(entries, job, watch)}
        else:
            user = (args.user or sched.getpass.getuser()) if cron.with_user else None
            result = {"target": cron.name, "lines": sched.cron_block(entries, job, user)}
    elif use_systemd:
        result = sched.install_systemd(entries, job, unit_dir, activate=activate, watch=watch)
    else:
        result = sched.install_cron(entries, job, cron, args.user)
    result["entries"] = [
        {"cycle": e.cycle, "frequency": e.frequency, "time": e.time, "when": e.describe(lang),
         "cron": e.cron(), "on_calendar": e.on_calendar()}
        for e in entries
    ]  # fmt: skip
    result["next"] = sched.next_runs(entries)
    return result


def _print(out, args: argparse.Namespace, result: dict, text: dict) -> None:
    """What was installed, is installed or was removed, for people."""
    target = result["target"]
    if args.action == "install":
        if args.dry_run:
            out.print(text["would"].format(target=target), markup=False, soft_wrap=True)
            if "lines" in result:
                out.print("\n".join(result["lines"]), markup=False, soft_wrap=True)
            else:
                for name, content in result["files"].items():
                    out.print(f"--- {name}\n{content}", markup=False, soft_wrap=True)
        else:
            key = "installed" if result["changed"] else "unchanged"
            out.print(text[key].format(target=target), markup=False, soft_wrap=True)
        for entry in result["entries"]:
            out.print(
                f"  {entry['cycle']}: {entry['when']} ({text['next']}: {result['next'][entry['cycle']]})",
                markup=False,
                soft_wrap=True,
            )
    elif args.action == "show":
        if not result["installed"]:
            out.print(text["none"].format(target=target), markup=False, soft_wrap=True)
        elif "lines" in result:
            out.print(f"{target}:", markup=False, soft_wrap=True)
            out.print("\n".join(result["lines"]), markup=False, soft_wrap=True)
        else:
            out.print(f"{target}:", markup=False, soft_wrap=True)
            for cycle, when in result["timers"].items():
                out.print(f"  sopansible-{cycle}.timer: OnCalendar={when}", markup=False, soft_wrap=True)
            if result.get("watch"):
                out.print("  sopansible-watch.service", markup=False, soft_wrap=True)
    else:
        key = "removed" if result["changed"] else "nothing_removed"
        out.print(text[key].format(target=target), markup=False, soft_wrap=True)
