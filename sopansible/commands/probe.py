"""`sopansible probe URL...`: probe websites now (availability, TLS, freshness, gambling spam,
defacement, cloaking) with the same engine as the pn.website.site_probe module."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ansible_collections.pn.website.plugins.module_utils.monitoring import site_probe
from sopansible import exitcodes

TEXT = {
    "id": {
        "help": "periksa website sekarang (ketersediaan, TLS, kebaruan konten, judi online, defacement)",
        "site": "Website",
        "status": "Status",
        "http": "HTTP",
        "time": "Waktu",
        "tls": "TLS",
        "fresh": "Konten terbaru",
        "findings": "Temuan",
        "days": "hari",
        "invalid": "tidak valid",
        "none": "tidak ada",
        "title": "Hasil pemeriksaan website",
        "evidence": "bukti",
        "state_error": "Berkas state {path} tidak dapat dibaca: {error}",
        "error": "Kesalahan",
    },
    "en": {
        "help": "probe websites now (availability, TLS, content freshness, gambling spam, defacement)",
        "site": "Website",
        "status": "Status",
        "http": "HTTP",
        "time": "Time",
        "tls": "TLS",
        "fresh": "Newest content",
        "findings": "Findings",
        "days": "days",
        "invalid": "invalid",
        "none": "none",
        "title": "Website probe results",
        "evidence": "evidence",
        "state_error": "Cannot read state file {path}: {error}",
        "error": "Error",
    },
}
STATUS_STYLE = {"ok": "green", "warning": "yellow", "critical": "bold red", "failed": "red"}
SEVERITY_STYLE = {"info": "dim", "low": "cyan", "medium": "yellow", "high": "red", "critical": "bold red"}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "probe",
        help=TEXT["id"]["help"],
        description="Periksa website pengadilan dari komputer ini / probe court websites from this machine.",
    )
    parser.add_argument("urls", nargs="+", metavar="URL", help="alamat website / website URL (http or https)")
    parser.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="HOST:PORT:ADDR",
        help="sambung ke ADDR untuk HOST:PORT (SNI dan Host tetap HOST), seperti curl --resolve",
    )
    parser.add_argument(
        "--ca-file", metavar="FILE", help="CA tepercaya (PEM) / trusted CA certificates (PEM)"
    )
    parser.add_argument(
        "--keyword", default="", help="teks yang wajib ada di halaman / text expected on the page"
    )
    parser.add_argument("--max-age-days", type=int, default=14, help="batas umur konten terbaru (hari) [14]")
    parser.add_argument("--timeout", type=float, default=30.0, help="batas waktu per website (detik) [30]")
    parser.add_argument("--connect-timeout", type=float, default=5.0, help="batas waktu koneksi (detik) [5]")
    parser.add_argument("--concurrency", type=int, default=100, help="jumlah website sekaligus [100]")
    parser.add_argument(
        "--no-cloaking", action="store_true", help="tanpa pemeriksaan cloaking / skip cloaking"
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="berkas JSON baseline dan riwayat antar-pemeriksaan / JSON file keeping baselines between runs",
    )
    parser.add_argument("--json", action="store_true", help="keluaran JSON / machine-readable JSON output")
    parser.set_defaults(handler=run)


def _error(message: str) -> int:
    print(message, file=sys.stderr)
    return exitcodes.USAGE


def run(args) -> int:
    lang = getattr(args, "lang", "id") or "id"
    text = TEXT[lang]
    probe = site_probe
    try:
        probe.parse_resolve(args.resolve)
        options = probe.normalize_options(
            {
                "ca_file": args.ca_file,
                "total_timeout": args.timeout,
                "connect_timeout": args.connect_timeout,
                "concurrency": args.concurrency,
                "cloaking": not args.no_cloaking,
                "max_age_days": args.max_age_days,
            }
        )
    except ValueError as exc:
        return _error("{}: {}".format(text["error"], exc))
    states = {}
    state_path = Path(args.state) if args.state else None
    if state_path is not None and state_path.exists():
        try:
            states = json.loads(state_path.read_text(encoding="utf-8"))
            if not isinstance(states, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            return _error(text["state_error"].format(path=state_path, error=exc))
    sites = []
    for url in args.urls:
        site = {
            "name": url,
            "url": url,
            "keyword": args.keyword,
            "max_age_days": args.max_age_days,
            "resolve": list(args.resolve),
            "state": states.get(url) or {},
        }
        problem = probe.validate_site(site)
        if problem:
            return _error("{}: {}".format(text["error"], problem))
        sites.append(site)

    results = probe.probe(sites, options)

    if state_path is not None:
        for result in results:
            states[result["name"]] = result["state"]
        state_path.parent.mkdir(parents=True, exist_ok=True)
        state_path.write_text(json.dumps(states, indent=1, sort_keys=True), encoding="utf-8")
    sops = [probe.sop_result(r, lang) for r in results]
    if args.json:
        out = []
        for result, sop in zip(results, sops, strict=True):
            item = {k: v for k, v in result.items() if k != "state"}
            item["sop_result"] = sop
            out.append(item)
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _render(results, sops, text)
    return exitcodes.for_statuses(s["status"] for s in sops)


def _render(results, sops, text) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    table = Table(title=text["title"])
    for column in ("site", "status", "http", "time", "tls", "fresh", "findings"):
        table.add_column(text[column], overflow="fold")
    for result, sop in zip(results, sops, strict=True):
        tls = result.get("tls")
        if tls is None:
            tls_cell = Text("-")
        elif not tls.get("verified"):
            tls_cell = Text("{} ({})".format(text["invalid"], tls.get("reason")), style="red")
        else:
            tls_cell = Text(
                "{}, {} {}".format(tls.get("protocol"), int(tls.get("days_left") or 0), text["days"])
            )
        fresh = result.get("freshness") or {}
        fresh_cell = (
            Text("{} {} ({})".format(int(fresh["age_days"]), text["days"], fresh.get("source")))
            if fresh.get("age_days") is not None
            else Text("-")
        )
        rules = sorted({f["rule"] for f in result["findings"]})
        table.add_row(
            Text(result["url"]),
            Text(sop["status"], style=STATUS_STYLE.get(sop["status"], "")),
            Text(str(result["status"] or result["reason"] or "-")),
            Text(f"{result['response_ms']:.0f} ms" if result.get("response_ms") is not None else "-"),
            tls_cell,
            fresh_cell,
            Text(", ".join(rules) or text["none"]),
        )
    console.print(table)
    for result, sop in zip(results, sops, strict=True):
        if not sop["findings"]:
            continue
        console.print(Text(result["url"], style="bold"))
        for item in sop["findings"]:
            line = Text(f"  [{item['severity']}] ", style=SEVERITY_STYLE.get(item["severity"], ""))
            line.append(f"{item['rule']}: {item['message']}")
            console.print(line)
            snippet = (item.get("evidence") or {}).get("excerpt")
            if snippet:
                console.print(Text("      {}: {}".format(text["evidence"], snippet[:200]), style="dim"))
