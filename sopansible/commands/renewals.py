"""`sopansible renewals`: SOP W4 from the controller, without SSH to the courts.

Reads the courts and their variables (group_vars applied) with ``ansible-inventory --list``,
then, for each court, checks the domain registration (RDAP / WHOIS), the TLS certificates of
its host names and the contracts in ``court_services`` with the ``renewals`` engine, the same
code the ``pn.website.renewal_check`` module runs. Thresholds already notified are kept in the
history store (``--db``, ``SOPANSIBLE_DB``, else ``<data dir>/history.sqlite``; ``--state-file`` for a
file instead) so each one is announced once, wherever the next check runs.

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
    "need_inventory": (
        "-i/--inventory wajib untuk memeriksa perpanjangan",
        "-i/--inventory is required to check the renewals",
    ),
    "no_history": (
        "Peringatan: riwayat tidak dapat dibaca ({error}); tanggal berlaku diambil dari inventori saja.",
        "Warning: the history cannot be read ({error}); paid-until dates come from the inventory only.",
    ),
    "no_state": (
        "Peringatan: riwayat tidak dapat dibaca ({error}); ambang yang sudah diberitahukan tidak diketahui"
        " dan tidak disimpan.",
        "Warning: the history cannot be read ({error}); the thresholds already announced are not known"
        " and are not saved.",
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
            "4 opsi salah, inventaris tidak terbaca atau tidak ada pengadilan yang cocok. "
            "Tanggal berlaku yang dicatat dengan 'sopansible renewals record' (tahap renewed) menggantikan "
            "paid_until inventori bila lebih akhir."
        ),
        epilog=(
            "Alur perpanjangan oleh staf / renewal workflow by people: sopansible renewals record COURT ITEM "
            "{invoice,requested,paid,renewed} --by NAMA [--date YYYY-MM-DD] [--amount N] [--document PATH] "
            "[--paid-until YYYY-MM-DD]"
        ),
    )
    parser.add_argument(
        "-i", "--inventory", action="append", metavar="INV", help="inventaris Ansible (wajib)"
    )
    parser.add_argument(
        "--db",
        type=str,
        help="riwayat (berkas SQLite atau URL postgresql://): tahap perpanjangan yang dicatat"
        " (bawaan: SOPANSIBLE_DB, lalu DATA/history.sqlite) / history file or URL",
    )
    parser.add_argument("--json", action="store_true", help="cetak JSON untuk mesin")
    parser.add_argument("-l", "--limit", metavar="PATTERN", help="pola host/grup seperti ansible --limit")
    parser.add_argument(
        "--only",
        action="append",
        choices=renewals.CHECKS,
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
        "--state-file",
        help="berkas status pemberitahuan, bukan riwayat (bawaan: riwayat --db) / notification state file"
        " instead of the history store",
    )
    parser.add_argument("--no-state-update", action="store_true", help="jangan simpan status pemberitahuan")
    parser.add_argument("--vault-password-file", help="diteruskan ke ansible-inventory")
    parser.set_defaults(handler=run)
    actions = parser.add_subparsers(dest="renewals_action", metavar="ACTION")
    _register_record(actions)


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


def check_courts(
    args, hostvars: dict, hosts: list, state: dict, today: datetime.date, workflow: dict | None = None
) -> list:
    cli_rdap = _pairs(args.rdap_base, "--rdap-base", "TLD=URL", args.lang)
    cli_whois = _pairs(args.whois_server, "--whois-server", "TLD=HOST:PORT", args.lang)
    for server in cli_whois.values():
        domain_expiry.split_host_port(server)
    cache = str(paths.data_dir() / "cache" / "rdap-dns.json")
    bootstrap = _Bootstrap(
        domain_expiry, args.bootstrap_url or None, args.bootstrap_file, cache, args.timeout
    )
    only = set(args.only or renewals.CHECKS)

    def one(host):
        court = dict(hostvars.get(host) or {})
        entry = {"host": host, "court_name": court.get("court_name"), "status": "failed", "error": None}
        if not court.get("court_name"):
            entry["error"] = _t("no_court_name", args.lang)
            return entry
        options = renewals.check_options(
            only,
            rdap_overrides=dict(court.get("pn_renewal_rdap_base_urls") or {}, **cli_rdap),
            whois_servers=dict(court.get("pn_renewal_whois_servers") or {}, **cli_whois),
            iana_whois=court.get("pn_renewal_iana_whois", domain_expiry.IANA_WHOIS) or None,
            bootstrap_loader=bootstrap,
            tls_ca_file=args.ca_file or court.get("pn_renewal_tls_ca_file"),
            tls_port=int(court.get("pn_renewal_tls_port") or 443),
            timeout=args.timeout,
            workflow=(workflow or {}).get(host) or {},
        )
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


def _workflow(args, hosts: list, lang: str) -> dict:
    """{court: {item: renewal steps}} recorded in the history (``renewals record``); a history that
    cannot be read leaves the inventory's dates, with a warning."""
    from sopansible.store import HistoryStore, StoreError

    try:
        with HistoryStore(args.db) as store:
            return store.renewal_steps_all(hosts)
    except StoreError as exc:
        print(_t("no_history", lang, error=exc), file=sys.stderr)
        return {}


def _state(args, hosts: list, lang: str):
    """``(state, where, save)``: the announced thresholds of HOSTS, where they are kept, and how to keep
    the new ones (None with --no-state-update, or when the history cannot be read: it is then left as
    it is, with a warning). The history store keeps them (so that a job elsewhere announces each
    threshold once); ``--state-file`` names a file instead. An earlier version's
    ``<data>/state/renewals.json`` is taken over once per court."""
    from sopansible import state as controller_state
    from sopansible.store import HistoryStore, StoreError

    if args.state_file:
        state = renewals.load_state(args.state_file)

        def save_file(values):
            for host, court_state in values.items():
                renewals.save_court_state(args.state_file, host, court_state)

        return state, args.state_file, None if args.no_state_update else save_file
    legacy_file = paths.data_dir() / "state" / "renewals.json"
    legacy = None
    if legacy_file.is_file():
        whole = controller_state.read_json_file(legacy_file)
        legacy = (whole if isinstance(whole, dict) else {}).get
    try:
        history = HistoryStore(args.db)
    except StoreError as exc:
        print(_t("no_state", lang, error=exc), file=sys.stderr)
        found = {host: legacy(host) for host in hosts} if legacy else {}
        return {host: value for host, value in found.items() if isinstance(value, dict)}, None, None
    with history:
        state, _problem = controller_state.load("renewals", hosts, legacy, history=history)
        where = history.where

    def save_store(values):
        with HistoryStore(args.db) as own:
            for problem in controller_state.save("renewals", values, history=own):
                print(problem, file=sys.stderr)

    return state, where, None if args.no_state_update else save_store


def run(args: argparse.Namespace) -> int:
    lang = getattr(args, "lang", "id")
    if not args.inventory:
        print(_t("need_inventory", lang), file=sys.stderr)
        return exitcodes.USAGE
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
    state, kept_in, save = _state(args, hosts, lang)
    try:
        results = check_courts(args, inv.hostvars, hosts, state, today, _workflow(args, hosts, lang))
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return exitcodes.USAGE
    notifications = sum(len(r.get("notifications") or []) for r in results)
    if save is not None:
        save({entry["host"]: entry.get("state") or {} for entry in results if not entry.get("error")})
    else:
        kept_in = None
    worst = exitcodes.for_statuses(r["status"] for r in results)
    if args.json:
        payload = {
            "activity": "W4",
            "checked_on": today.isoformat(),
            "state_file": kept_in if args.state_file else None,
            "state": kept_in,
            "courts": [{k: v for k, v in r.items() if k != "state"} for r in results],
        }
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    else:
        footer = (
            _t("not_saved", lang, count=notifications)
            if kept_in is None
            else _t("notified", lang, count=notifications, path=kept_in)
        )
        _render(results, lang, footer)
    return worst


# --------------------------------------------------------------------------- the W4 workflow by people

_R = {
    "record": (
        "catat satu tahap perpanjangan: invoice, requested, paid, renewed",
        "record one renewal step: invoice, requested, paid, renewed",
    ),
    "court": ("nama host pengadilan", "the court's host name"),
    "item": (
        "id layanan seperti di laporan W4 (jenis:penyedia:layanan, mis. hosting:pt-awan:vps)",
        "the service id as in the W4 report (kind:provider:service, e.g. hosting:pt-awan:vps)",
    ),
    "stage": (
        "invoice (tagihan diterima), requested (diajukan ke keuangan/Sekretaris), paid (dibayar), "
        "renewed (diperpanjang)",
        "invoice (received), requested (from finance/the Secretary), paid, renewed",
    ),
    "date": (
        "tanggal tahap ini, YYYY-MM-DD (bawaan: hari ini)",
        "date of this step, YYYY-MM-DD (default: today)",
    ),
    "by": ("siapa yang bertindak", "who acted"),
    "amount": ("jumlah (rupiah), mis. 1500000", "amount (rupiah), e.g. 1500000"),
    "document": (
        "path dokumen (tagihan, bukti bayar, kontrak: .pdf/.jpg/.png), disimpan sebagai path",
        "path of the document (invoice, receipt, contract: .pdf/.jpg/.png), kept as a path",
    ),
    "paid_until": (
        "tanggal berlaku baru, YYYY-MM-DD (wajib untuk renewed)",
        "new paid-until date, YYYY-MM-DD (required for renewed)",
    ),
    "note": ("catatan", "note"),
    "inv": (
        "inventaris untuk mengenali pengadilan dan layanannya (bawaan: data pengadilan di riwayat)",
        "inventory to know the court and its services (default: the court's data in the history)",
    ),
    "recorded": (
        "Dicatat: {court} {item}: {stage} pada {date}.",
        "Recorded: {court} {item}: {stage} on {date}.",
    ),
    "next": ("Tahap berikutnya: {next}.", "Next step: {next}."),
    "valid": ("Berlaku sampai {date}.", "Valid until {date}."),
}


def _rh(key: str) -> str:
    return "{} / {}".format(*_R[key])


def _register_record(actions) -> None:
    from ansible_collections.pn.website.plugins.module_utils.renewals import renewal_workflow
    from sopansible.commands import _records

    parser = actions.add_parser("record", help=_rh("record"), description=_rh("record"))
    parser.add_argument("court", metavar="COURT", help=_rh("court"))
    parser.add_argument("item", metavar="ITEM", help=_rh("item"))
    parser.add_argument("stage", metavar="STAGE", choices=renewal_workflow.STAGES, help=_rh("stage"))
    parser.add_argument("--date", metavar="YYYY-MM-DD", help=_rh("date"))
    parser.add_argument("--by", required=True, metavar="NAME", help=_rh("by"))
    parser.add_argument("--amount", metavar="N", help=_rh("amount"))
    parser.add_argument("--document", metavar="PATH", help=_rh("document"))
    parser.add_argument("--paid-until", metavar="YYYY-MM-DD", help=_rh("paid_until"))
    parser.add_argument("--note", metavar="TEXT", help=_rh("note"))
    parser.add_argument("-i", "--inventory", action="append", metavar="INV", help=_rh("inv"))
    _records.add_db(parser)
    parser.set_defaults(handler=_records.guarded(record))


def _known_items(store, court: str, court_vars: dict | None) -> list:
    """The item ids of a court: its contracts (court_services) and the items of its newest W4 result."""
    data = court_vars if court_vars is not None else store.courts().get(court, {})
    items = [renewals.contract_item_id(s) for s in (data.get("court_services") or []) if isinstance(s, dict)]
    w4 = store.latest(court).get("W4") or {}
    outputs = w4.get("outputs") if isinstance(w4.get("outputs"), dict) else {}
    for item in outputs.get("items") or []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            items.append(item["id"])
    return list(dict.fromkeys(items))


def record(args: argparse.Namespace) -> int:
    from ansible_collections.pn.website.plugins.module_utils.renewals import renewal_workflow
    from sopansible import records
    from sopansible.commands import _records

    lang = _records.lang_of(args)
    document = records.document(args.document, "--document")
    court_vars = None
    if args.inventory:
        try:
            inv = inventory.load(args.inventory, limit=args.court)
        except inventory.InventoryError as exc:
            raise _records.Refused(
                _t("inventory_failed", "id", error=exc), _t("inventory_failed", "en", error=exc)
            ) from None
        if args.court not in inv.courts:
            raise _records.unknown_court(args.court)
        court_vars = inv.court_vars(args.court)
    with _records.history(args) as store:
        if court_vars is None and not store.known_court(args.court):
            raise _records.unknown_court(args.court)
        known = _known_items(store, args.court, court_vars)
        if args.item not in known:
            listed = ", ".join(known) or "-"
            raise _records.Refused(
                f"layanan '{args.item}' tidak dikenal untuk {args.court}; layanan: {listed}",
                f"unknown service '{args.item}' for {args.court}; services: {listed}",
            )
        step = store.add_renewal_step(
            args.court,
            args.item,
            {
                "stage": args.stage,
                "date": args.date or datetime.date.today().isoformat(),
                "who": args.by,
                "amount": args.amount,
                "document": document,
                "paid_until": args.paid_until,
                "note": args.note,
            },
        )
        steps = store.renewal_steps_all([args.court]).get(args.court, {}).get(args.item, [])
    current = renewal_workflow.state(steps)
    if args.json:
        _records.emit_json({"court": args.court, "item": args.item, "step": step, "workflow": current})
        return exitcodes.OK
    stage = renewal_workflow.stage_label(step["stage"], lang)
    print(_rt("recorded", lang, court=args.court, item=args.item, stage=stage, date=step["date"]))
    if current["paid_until"]:
        print(_rt("valid", lang, date=current["paid_until"]))
    print(_rt("next", lang, next=renewal_workflow.stage_label(current["next"], lang)))
    return exitcodes.OK


def _rt(key: str, lang: str, **values) -> str:
    return _R[key][1 if lang == "en" else 0].format(**values)
