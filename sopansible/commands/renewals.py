"""`sopansible renewals`: SOP W4 from the controller, without SSH to the courts.

Reads the courts and their variables (group_vars applied) with ``ansible-inventory --list``,
then, for each court, checks the domain registration (RDAP / WHOIS), the TLS certificates of
its host names and the contracts in ``court_services`` with the ``renewals`` engine, the same
code the ``pn.website.renewal_check`` module runs. Thresholds already notified are kept in
``<data dir>/state/renewals.json`` so each one is announced once.

Exit code (sopansible/exitcodes.py): 0 all courts ok, 1 a warning, 2 a critical item, 3 a court whose
data cannot be checked, 4 bad options, an inventory that cannot be read or no court that matches.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.pn.website.plugins.module_utils.renewals import (
    domain_expiry,
    rdap_bootstrap_dns,
    renewals,
)
from sopansible import exitcodes, inventory, paths

STATUS_STYLE = {
    "ok": "green",
    "warning": "yellow",
    "critical": "bold red",
    "unknown": "magenta",
    "failed": "bold red",
}

_L = {
    "help": (
        "periksa masa berlaku domain, sertifikat TLS, hosting dan koneksi (SOP W4)",
        "check domain, TLS, hosting and connection renewals (SOP W4)",
    ),
    "title": (
        "Perpanjangan layanan koneksi, hosting dan nama domain (SOP W4)",
        "Renewal of connection, hosting and domain-name services (SOP W4)",
    ),
    "col.court": ("Pengadilan", "Court"),
    "col.item": ("Layanan", "Service"),
    "col.date": ("Berlaku s.d.", "Valid until"),
    "col.days": ("Sisa hari", "Days left"),
    "col.status": ("Status", "Status"),
    "col.action": ("Tindakan / kontak", "Action / contact"),
    "kind.domain": ("domain", "domain"),
    "kind.tls": ("TLS", "TLS"),
    "kind.hosting": ("hosting", "hosting"),
    "kind.connection": ("koneksi", "connection"),
    "new": ("BARU", "NEW"),
    "error": ("Kesalahan", "Error"),
    "no_hosts": (
        "Tidak ada pengadilan yang cocok dengan pola '{limit}'.",
        "No court matches the pattern '{limit}'.",
    ),
    "inventory_failed": ("Inventaris tidak dapat dibaca: {error}", "The inventory cannot be read: {error}"),
    "no_court_name": ("variabel court_name tidak ada", "variable court_name is missing"),
    "notified": (
        "{count} pemberitahuan baru; status disimpan di {path}.",
        "{count} new notifications; state kept in {path}.",
    ),
    "not_saved": (
        "{count} pemberitahuan baru; status tidak disimpan (--no-state-update).",
        "{count} new notifications; state not saved (--no-state-update).",
    ),
    "bad_pair": ("{option}: '{value}' harus berbentuk {form}", "{option}: '{value}' must look like {form}"),
    "bad_date": (
        "--today: '{value}' bukan tanggal YYYY-MM-DD",
        "--today: '{value}' is not a date YYYY-MM-DD",
    ),
}


def _t(key: str, lang: str, **values) -> str:
    pair = _L[key]
    return (pair[1] if lang == "en" else pair[0]).format(**values)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "renewals",
        help=_L["help"][0],
        description=(
            "Memeriksa masa berlaku nama domain (RDAP/WHOIS), sertifikat TLS setiap nama host, serta kontrak "
            "hosting dan koneksi di court_services, lalu menyebutkan tindakan dan kontaknya (SOP W4). "
            "Kode keluar: 0 aman, 1 peringatan, 2 kritis, 3 data pengadilan tidak dapat diperiksa, "
            "4 opsi salah, inventaris tidak terbaca atau tidak ada pengadilan yang cocok."
        ),
    )
    parser.add_argument(
        "-i", "--inventory", action="append", required=True, metavar="INV", help="inventaris Ansible"
    )
    parser.add_argument("--json", action="store_true", help="cetak JSON untuk mesin")
    parser.add_argument("-l", "--limit", metavar="PATTERN", help="pola host/grup seperti ansible --limit")
    parser.add_argument(
        "--only",
        action="append",
        choices=("domain", "tls", "contracts"),
        help="jalankan pemeriksaan ini saja",
    )
    parser.add_argument("--rdap-base", action="append", default=[], metavar="TLD=URL", help="RDAP per TLD")
    parser.add_argument(
        "--whois-server",
        action="append",
        default=[],
        metavar="TLD=HOST:PORT",
        help="server WHOIS per TLD ('*' semua)",
    )
    parser.add_argument(
        "--bootstrap-url",
        default=rdap_bootstrap_dns.IANA_DNS_BOOTSTRAP_URL,
        help="berkas bootstrap RDAP IANA",
    )
    parser.add_argument("--bootstrap-file", help="berkas bootstrap RDAP lokal (tanpa unduhan)")
    parser.add_argument("--ca-file", help="bundel CA untuk memeriksa rantai sertifikat")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="batas waktu jaringan per pemeriksaan (detik)"
    )
    parser.add_argument("--today", help="tanggal acuan YYYY-MM-DD (bawaan: hari ini)")
    parser.add_argument(
        "--state-file", help="berkas status pemberitahuan (bawaan: <data>/state/renewals.json)"
    )
    parser.add_argument("--no-state-update", action="store_true", help="jangan simpan status pemberitahuan")
    parser.add_argument("--vault-password-file", help="diteruskan ke ansible-inventory")
    parser.set_defaults(handler=run)


# --------------------------------------------------------------------------- checks


def _pairs(values: list, option: str, form: str, lang: str) -> dict:
    table = {}
    for value in values or []:
        key, sep, target = value.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise ValueError(_t("bad_pair", lang, option=option, value=value, form=form))
        table[key.strip().lower().lstrip(".")] = target.strip()
    return table


class _Bootstrap:
    """Loads the RDAP bootstrap once per run, only if some court needs it."""

    def __init__(self, engine, url, file, cache_file, timeout):
        self.engine, self.url, self.file, self.cache_file, self.timeout = (
            engine,
            url,
            file,
            cache_file,
            timeout,
        )
        self.lock = threading.Lock()
        self.loaded = None

    def __call__(self):
        with self.lock:
            if self.loaded is None:
                self.loaded = self.engine.load_bootstrap(
                    url=self.url, cache_file=self.cache_file, file=self.file, timeout=self.timeout
                )
            return self.loaded["data"]


def check_courts(args, hostvars: dict, hosts: list, state: dict, today: datetime.date) -> list:
    cli_rdap = _pairs(args.rdap_base, "--rdap-base", "TLD=URL", args.lang)
    cli_whois = _pairs(args.whois_server, "--whois-server", "TLD=HOST:PORT", args.lang)
    for server in cli_whois.values():
        domain_expiry.split_host_port(server)
    cache = str(paths.data_dir() / "cache" / "rdap-dns.json")
    bootstrap = _Bootstrap(
        domain_expiry, args.bootstrap_url or None, args.bootstrap_file, cache, args.timeout
    )
    only = set(args.only or ("domain", "tls", "contracts"))

    def one(host):
        court = dict(hostvars.get(host) or {})
        entry = {"host": host, "court_name": court.get("court_name"), "status": "failed", "error": None}
        if not court.get("court_name"):
            entry["error"] = _t("no_court_name", args.lang)
            return entry
        options = {
            "check_domain": "domain" in only,
            "check_tls": "tls" in only,
            "check_contracts": "contracts" in only,
            "rdap_overrides": dict(court.get("pn_renewal_rdap_base_urls") or {}, **cli_rdap),
            "whois_servers": dict(court.get("pn_renewal_whois_servers") or {}, **cli_whois),
            "iana_whois": court.get("pn_renewal_iana_whois", domain_expiry.IANA_WHOIS) or None,
            "bootstrap_loader": bootstrap,
            "tls_ca_file": args.ca_file or court.get("pn_renewal_tls_ca_file"),
            "tls_port": int(court.get("pn_renewal_tls_port") or 443),
            "timeout": args.timeout,
        }
        try:
            result = renewals.check_court(
                court, state, court_id=host, today=today, lang=args.lang, options=options
            )
        except (ValueError, TypeError, OSError) as exc:
            entry["error"] = f"{host}: {exc}"
            return entry
        entry.update(
            {
                "status": result["status"],
                "summary": result["summary"],
                "items": result["items"],
                "findings": result["findings"],
                "notifications": result["notifications"],
                "state": result["state"].get(host, {}),
            }
        )
        return entry

    with ThreadPoolExecutor(max_workers=max(1, min(16, len(hosts)))) as pool:
        return list(pool.map(one, hosts))


# --------------------------------------------------------------------------- output


def _render(results: list, lang: str, footer: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    table = Table(title=_t("title", lang), show_lines=True)
    for key in ("col.court", "col.item", "col.date", "col.days", "col.status", "col.action"):
        table.add_column(_t(key, lang), overflow="fold")
    for entry in results:
        if entry.get("error"):
            table.add_row(escape(entry["host"]), "-", "-", "-", "[bold red]failed[/]", escape(entry["error"]))
            continue
        notified = {f["item"] for f in entry["notifications"]}
        for item in entry["items"]:
            status = item["status"]
            style = STATUS_STYLE.get(status, "")
            label = f"[{style}]{status}[/]" if style else status
            if item["id"] in notified:
                label += " [bold]{}[/]".format(_t("new", lang))
            kind = _t("kind." + item["kind"], lang) if ("kind." + item["kind"]) in _L else item["kind"]
            action = item.get("action") or ""
            table.add_row(
                escape("{}\n{}".format(entry["court_name"], entry["host"])),
                escape("{}: {}".format(kind, item["name"])),
                str(item.get("date") or "-"),
                "-" if item.get("days_left") is None else str(item["days_left"]),
                label,
                escape(action),
            )
    console.print(table)
    for entry in results:
        if not entry.get("error"):
            style = STATUS_STYLE.get(entry["status"], "")
            head = "[{}]{}[/]".format(style, entry["status"].upper()) if style else entry["status"].upper()
            console.print("{} {}: {}".format(head, escape(entry["host"]), escape(entry["summary"])))
            for finding in entry["findings"]:
                if finding["item"].startswith("court_services["):
                    console.print("  - " + escape(finding["message"]))
    console.print(footer)


def run(args: argparse.Namespace) -> int:
    lang = getattr(args, "lang", "id")
    try:
        today = (
            datetime.datetime.strptime(args.today, "%Y-%m-%d").date() if args.today else datetime.date.today()
        )
    except ValueError:
        print(_t("bad_date", lang, value=args.today), file=sys.stderr)
        return exitcodes.USAGE
    try:
        _pairs(args.rdap_base, "--rdap-base", "TLD=URL", lang)
        _pairs(args.whois_server, "--whois-server", "TLD=HOST:PORT", lang)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return exitcodes.USAGE
    try:
        inv = inventory.load(args.inventory, limit=args.limit, vault_password_file=args.vault_password_file)
    except inventory.InventoryError as exc:
        print(_t("inventory_failed", lang, error=exc), file=sys.stderr)
        return exitcodes.USAGE
    hosts = inv.courts
    if not hosts:
        print(_t("no_hosts", lang, limit=args.limit or "all"), file=sys.stderr)
        return exitcodes.USAGE
    state_file = args.state_file or str(paths.data_dir() / "state" / "renewals.json")
    state = renewals.load_state(state_file)
    try:
        results = check_courts(args, inv.hostvars, hosts, state, today)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return exitcodes.USAGE
    notifications = sum(len(r.get("notifications") or []) for r in results)
    if not args.no_state_update:
        for entry in results:
            if not entry.get("error"):
                renewals.save_court_state(state_file, entry["host"], entry.get("state") or {})
    worst = exitcodes.for_statuses(r["status"] for r in results)
    if args.json:
        payload = {
            "activity": "W4",
            "checked_on": today.isoformat(),
            "state_file": None if args.no_state_update else state_file,
            "courts": [{k: v for k, v in r.items() if k != "state"} for r in results],
        }
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    else:
        footer = (
            _t("not_saved", lang, count=notifications)
            if args.no_state_update
            else _t("notified", lang, count=notifications, path=state_file)
        )
        _render(results, lang, footer)
    return worst
