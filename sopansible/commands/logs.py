"""`sopansible logs`: visitor-log analysis and suspicious-activity detection (SOP W3), with the
same engine the ``pn.website.access_log_audit`` module runs on court servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ansible_collections.pn.website.plugins.module_utils.logs import access_log
from ansible_collections.pn.website.plugins.module_utils.logs.analyzer import correlate_campaigns, sop_status
from ansible_collections.pn.website.plugins.module_utils.logs.log_formats import FORMATS
from sopansible import exitcodes

if TYPE_CHECKING:
    from rich.table import Table as RichTable


# rich is imported when something is printed for people: `--json` output (the batch path) starts
# faster without it.
def _text(*args, **kwargs):
    from rich.text import Text

    return Text(*args, **kwargs)


def _table(*args, **kwargs):
    from rich.table import Table

    return Table(*args, **kwargs)


class _Console:
    """A rich console, made on first use."""

    def __init__(self, stderr: bool = False):
        self._stderr = stderr
        self._console = None

    def print(self, *args, **kwargs) -> None:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        self._console.print(*args, **kwargs)


TEXT = {
    "id": {
        "help": "analisis log akses web / analyse web access logs",
        "title": "Log aktivitas pengunjung",
        "requests": "Permintaan",
        "visitors": "Pengunjung unik",
        "bandwidth": "Data terkirim",
        "lines": "Baris",
        "malformed": "Baris rusak",
        "format": "Format",
        "status": "Status",
        "people": "Manusia (permintaan / pengunjung)",
        "crawlers": "Crawler/bot (permintaan / pengunjung)",
        "top_pages": "Halaman terpopuler",
        "top_documents": "Dokumen terpopuler",
        "top_referrers": "Perujuk teratas",
        "top_not_found": "Alamat tidak ditemukan teratas",
        "findings": "Aktivitas mencurigakan",
        "none": "Tidak ada aktivitas mencurigakan.",
        "rule": "Aturan",
        "severity": "Tingkat",
        "ip": "Alamat IP",
        "count": "Jumlah",
        "when": "Pertama / terakhir",
        "path": "Alamat halaman",
        "host": "Situs",
        "message": "Keterangan",
        "sample": "Contoh baris log",
        "error": "Gagal membaca",
        "campaign_title": "Serangan ke beberapa pengadilan (kampanye)",
        "courts": "Pengadilan",
        "bad_result": "Berkas hasil tidak sah",
    },
    "en": {
        "help": "analyse web access logs",
        "title": "Visitor activity log",
        "requests": "Requests",
        "visitors": "Unique visitors",
        "bandwidth": "Data sent",
        "lines": "Lines",
        "malformed": "Malformed lines",
        "format": "Format",
        "status": "Status",
        "people": "People (requests / visitors)",
        "crawlers": "Crawlers/bots (requests / visitors)",
        "top_pages": "Top pages",
        "top_documents": "Top documents",
        "top_referrers": "Top referrers",
        "top_not_found": "Top not-found paths",
        "findings": "Suspicious activity",
        "none": "No suspicious activity.",
        "rule": "Rule",
        "severity": "Severity",
        "ip": "IP address",
        "count": "Count",
        "when": "First / last seen",
        "path": "Path",
        "host": "Host",
        "message": "Details",
        "sample": "Sample log line",
        "error": "Cannot read",
        "campaign_title": "Attacks on several courts (campaigns)",
        "courts": "Courts",
        "bad_result": "Invalid result file",
    },
}

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def register(subparsers) -> None:
    parser = subparsers.add_parser("logs", help=TEXT["id"]["help"])
    actions = parser.add_subparsers(dest="logs_action", metavar="ACTION", required=True)
    analyze = actions.add_parser(
        "analyze",
        help="ringkasan pengunjung dan deteksi aktivitas mencurigakan / visitor summary and detections",
    )
    analyze.add_argument(
        "files", nargs="+", metavar="FILE", help="log akses (boleh .gz) / access log (.gz allowed)"
    )
    analyze.add_argument(
        "--format",
        dest="log_format",
        choices=("auto", *FORMATS),
        default="auto",
        help="format log (default: auto: dikenali per berkas, baris format lain dibaca satu per satu) / "
        "log format (default: auto: detected per file, lines of other formats read one by one)",
    )
    analyze.add_argument("--json", action="store_true", help="keluaran JSON / JSON output")
    analyze.add_argument("--top", type=int, default=10, help="panjang daftar teratas / length of top lists")
    analyze.add_argument(
        "--dns",
        action="store_true",
        help="verifikasi Googlebot lewat DNS balik/maju / verify Googlebot with reverse/forward DNS",
    )
    analyze.add_argument(
        "--site-host",
        action="append",
        default=[],
        metavar="HOST",
        help="nama host situs sendiri (diabaikan sebagai perujuk) / own host name (not a referrer)",
    )
    analyze.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="ADDR",
        help="alamat/jaringan tepercaya, dihitung tetapi tidak pernah dilaporkan / trusted address or "
        "network: counted, never reported",
    )
    analyze.add_argument(
        "--rules",
        dest="rules_file",
        metavar="FILE",
        help="aturan tambahan (YAML, bidang seperti access_log_rules.yml) / extra rules (YAML, the fields "
        "of access_log_rules.yml)",
    )
    analyze.add_argument(
        "--disable",
        action="append",
        default=[],
        metavar="RULE",
        help="matikan aturan ini / switch this rule off",
    )
    analyze.add_argument(
        "--engine",
        choices=access_log.ENGINES,
        default="auto",
        help="mesin analisis: auto (polars yang cepat bila terpasang dan log cukup besar), python, polars "
        "/ engine: auto (the fast polars when installed and the logs are large enough), python, polars "
        "(default: auto)",
    )
    analyze.set_defaults(handler=run_analyze)
    correlate = actions.add_parser(
        "correlate",
        help="alamat yang menyerang beberapa pengadilan / addresses attacking several courts",
    )
    correlate.add_argument(
        "results",
        nargs="+",
        metavar="[COURT=]RESULT.json",
        help="hasil 'logs analyze --json' per pengadilan / per-court 'logs analyze --json' output",
    )
    correlate.add_argument("--min-courts", type=int, default=2)
    correlate.add_argument("--json", action="store_true", help="keluaran JSON / JSON output")
    correlate.set_defaults(handler=run_correlate)


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(n)


def _top_table(title: str, rows: list, key: str, t: dict) -> RichTable:
    count_label = t["count"]
    table = _table(title=title, title_justify="left")
    table.add_column(t.get(key, key), overflow="fold")
    table.add_column(count_label, justify="right")
    for row in rows:
        table.add_row(_text(str(row[key])), str(row["count"]))
    return table


def _findings_table(findings: list, t: dict, lang: str, title: str) -> RichTable:
    table = _table(title=title, title_justify="left", show_lines=True)
    for column in ("rule", "severity", "ip", "count", "when", "message"):
        table.add_column(t[column], overflow="fold", no_wrap=column in ("rule", "severity", "count"))
    for finding in findings:
        message = finding["message"] if lang == "id" else finding.get("message_en", finding["message"])
        sample = finding["samples"][0] if finding.get("samples") else ""
        detail = _text(message)
        if sample:  # as logged, control characters escaped by the engine; rich markup is not parsed
            detail.append("\n" + sample, style="dim")
        table.add_row(
            _text(finding["rule"]),
            _text(finding["severity"], style=SEVERITY_STYLE.get(finding["severity"], "")),
            _text(finding["ip"] or "-"),
            str(finding["count"]),
            _text(f"{finding['first_seen'] or '-'}\n{finding['last_seen'] or '-'}"),
            detail,
        )
    return table


def run_analyze(args) -> int:
    t = TEXT.get(args.lang, TEXT["id"])
    console = _Console(stderr=args.json)
    missing = [name for name in args.files if not Path(name).is_file()]
    if missing:
        for name in missing:
            console.print(_text(f"{t['error']}: {name}", style="red"))
        return exitcodes.USAGE
    if args.top < 1:
        console.print(_text("--top >= 1", style="red"))
        return exitcodes.USAGE
    try:
        extra_rules = _extra_rules(args.rules_file)
        result, _state = access_log.analyze(
            args.files,
            extra_rules=extra_rules,
            rule_overrides={rule: {"enabled": False} for rule in args.disable},
            fmt=args.log_format,
            engine=args.engine,
            dns=args.dns,
            site_hosts=args.site_host,
            top=args.top,
            trusted=args.trust,
        )
    except access_log.EngineUnavailable as error:
        console.print(_text(f"--engine {args.engine}: {error}", style="red"))
        return exitcodes.USAGE
    except ValueError as error:
        console.print(_text(f"{t['error']}: {error}", style="red"))
        return exitcodes.USAGE
    for error in result.get("errors", []):
        console.print(_text(f"{t['error']}: {error['path']}: {error['error']}", style="red"))
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print_human(console, result, t, args.lang)
    if result.get("errors"):
        return exitcodes.USAGE
    return exitcodes.for_status(sop_status(result["findings"]))


def _extra_rules(path: str | None) -> list:
    """The rules of a court's rule file (a list of rules, or a mapping with ``rules``); ValueError
    when it cannot be read."""
    if not path:
        return []
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ValueError(f"--rules {path}: {error}") from error
    if isinstance(data, dict):
        data = data.get("rules")
    if not isinstance(data, list):
        raise ValueError(f"--rules {path}: expected a list of rules (or a mapping with 'rules')")
    return data


def _print_human(console: _Console, result: dict, t: dict, lang: str) -> None:
    summary = result["summary"]
    overview = _table(title=t["title"], title_justify="left", show_header=False)
    overview.add_column()
    overview.add_column(justify="right")
    overview.add_row(t["lines"], str(result["lines"]))
    overview.add_row(t["malformed"], str(result["malformed"]))
    formats = result.get("formats") or {result["format"]: result["lines"] - result["malformed"]}
    overview.add_row(t["format"], ", ".join(f"{name}: {count}" for name, count in formats.items()))
    overview.add_row(t["requests"], str(summary["requests"]))
    overview.add_row(t["visitors"], str(summary["unique_visitors"]))
    overview.add_row(t["bandwidth"], _size(summary["bandwidth_bytes"]))
    overview.add_row(t["status"], ", ".join(f"{k}: {v}" for k, v in summary["status"].items()))
    overview.add_row(t["people"], f"{summary['people']['requests']} / {summary['people']['visitors']}")
    overview.add_row(t["crawlers"], f"{summary['crawlers']['requests']} / {summary['crawlers']['visitors']}")
    console.print(overview)
    for key, column in (
        ("top_pages", "path"),
        ("top_documents", "path"),
        ("top_referrers", "host"),
        ("top_not_found", "path"),
    ):
        if summary.get(key):
            console.print(_top_table(t[key], summary[key], column, t))
    if result["findings"]:
        console.print(_findings_table(result["findings"], t, lang, t["findings"]))
    else:
        console.print(_text(t["none"], style="green"))


def run_correlate(args) -> int:
    t = TEXT.get(args.lang, TEXT["id"])
    console = _Console(stderr=args.json)
    results = {}
    for item in args.results:
        court, sep, name = item.partition("=")
        if not sep:
            court, name = Path(item).stem, item
        try:
            data = json.loads(Path(name).read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
                raise ValueError("no 'findings' list")
        except (OSError, ValueError) as error:
            console.print(_text(f"{t['bad_result']}: {name}: {error}", style="red"))
            return exitcodes.USAGE
        results[court] = data
    campaigns = correlate_campaigns(results, min_courts=max(args.min_courts, 2))
    if args.json:
        print(json.dumps({"courts": sorted(results), "findings": campaigns}, indent=2, ensure_ascii=False))
    elif campaigns:
        console.print(_findings_table(campaigns, t, args.lang, t["campaign_title"]))
    else:
        console.print(_text(t["none"], style="green"))
    return exitcodes.for_status(sop_status(campaigns))
