"""Benchmark: SOP reports for a large fleet.

1,000 courts with 30 days of history (one daily run, W1-W4 results per court) are stored in the
history store, then rendered into one report per court plus the fleet dashboard. The baseline is the
time to write the same per-court data as plain JSON files (no queries, no templates, no charts).

    .venv/bin/python tests/benchmarks/bench_reports.py [--courts 1000] [--days 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sopansible.report import render_reports  # noqa: E402
from sopansible.store import HistoryStore  # noqa: E402

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
REGIONS = ["PT Surabaya", "PT Bandung", "PT Medan", "PT Makassar", "PT Jayapura", "PT Bengkulu"]


def court_vars(i: int) -> dict:
    return {
        "court_name": f"Pengadilan Negeri Contoh {i}",
        "court_type": "PN",
        "court_region": REGIONS[i % len(REGIONS)],
        "court_domain": f"pn-contoh{i}.go.id",
        "court_sop_times": {"W1": "4 jam"} if i % 3 == 0 else {},
        "court_contacts": {
            "sekretaris": {"name": f"Sekretaris {i}"},
            "it_staff": [{"name": f"Operator {i}"}],
        },
    }


def make_run(day: int, courts: int, rng: random.Random) -> dict:
    started = (NOW - dt.timedelta(days=day)).isoformat()
    results = []
    for i in range(courts):
        court = f"pn-contoh-{i}"
        up = rng.random() > 0.02
        results.append(
            {
                "court": court,
                "activity": "W1",
                "status": "ok" if up else "critical",
                "summary": "Website dapat diakses" if up else "Website tidak dapat diakses",
                "started": started,
                "duration_s": round(rng.uniform(0.2, 3.0), 2),
                "outputs": {
                    "http_status": 200 if up else 503,
                    "response_ms": rng.randint(80, 900),
                    "available": up,
                    "newest_content": "2026-11-20",
                    "tls_days_left": 60 + i % 30,
                },
                "findings": []
                if up
                else [{"rule": "site-down", "severity": "critical", "message": "HTTP 503", "evidence": {}}],
            }
        )
        results.append(
            {
                "court": court,
                "activity": "W2",
                "status": "ok",
                "started": started,
                "duration_s": rng.uniform(30, 600),
                "outputs": {
                    "snapshot_id": f"{rng.getrandbits(32):08x}",
                    "size_bytes": 500_000_000 + day * 1_000_000 + i,
                    "files": 20_000 + i,
                    "repository": f"sftp:backup@nas.example:/restic/{court}",
                },
            }
        )
        findings = []
        if rng.random() < 0.15:
            findings.append(
                {
                    "rule": rng.choice(
                        ["gambling-spam", "sqli-probe", "webshell-access", "brute-force-login"]
                    ),
                    "severity": rng.choice(["medium", "high", "critical"]),
                    "message": "Akses mencurigakan",
                    "evidence": {
                        "ip": f"203.0.113.{rng.randint(1, 254)}",
                        "samples": [
                            f'203.0.113.9 - - "GET /wp-login.php?x={n} HTTP/1.1" 200' for n in range(3)
                        ],
                    },
                }
            )
        results.append(
            {
                "court": court,
                "activity": "W3",
                "status": "warning" if findings else "ok",
                "started": started,
                "duration_s": rng.uniform(2, 40),
                "outputs": {
                    "summary": {
                        "requests": rng.randint(1_000, 200_000),
                        "unique_visitors": rng.randint(50, 5_000),
                        "not_found": rng.randint(0, 500),
                        "top_pages": [{"name": "/", "count": 900}, {"name": "/berita", "count": 300}],
                    }
                },
                "findings": findings,
            }
        )
        results.append(
            {
                "court": court,
                "activity": "W4",
                "status": "ok",
                "started": started,
                "duration_s": 1.2,
                "outputs": {
                    "items": [
                        {
                            "kind": "domain",
                            "name": f"pn-contoh{i}.go.id",
                            "expires": (NOW.date() + dt.timedelta(days=20 + i % 300)).isoformat(),
                            "days_left": 20 + i % 300,
                            "action": "Ajukan perpanjangan",
                            "contact": {"name": "PANDI"},
                        }
                    ]
                },
            }
        )
    return {
        "run_id": f"bench-{day}",
        "name": "harian",
        "inventory": "/srv/inventory",
        "started": started,
        "finished": started,
        "status": "critical",
        "courts": {f"pn-contoh-{i}": court_vars(i) for i in range(courts)},
        "results": results,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courts", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    rng = random.Random(7)

    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        tmp_path = Path(tmp)
        runs = [make_run(day, args.courts, rng) for day in range(args.days)]
        n_results = sum(len(r["results"]) for r in runs)

        store = HistoryStore(tmp_path / "history.sqlite")
        t0, c0 = time.perf_counter(), time.process_time()
        for run in runs:
            store.record_run(run)
        fill, fill_cpu = time.perf_counter() - t0, time.process_time() - c0

        t0, c0 = time.perf_counter(), time.process_time()
        render_reports(store, tmp_path / "reports", now=NOW, days=args.days)
        render, render_cpu = time.perf_counter() - t0, time.process_time() - c0

        workers = max(os.cpu_count() or 1, 2)
        t0 = time.perf_counter()
        render_reports(store, tmp_path / "reports-parallel", now=NOW, days=args.days, workers=workers)
        parallel = time.perf_counter() - t0
        store.close()

        # Baseline: the same per-court data written as plain JSON (already in memory, no queries).
        t0, c0 = time.perf_counter(), time.process_time()
        per_court: dict[str, list] = {}
        for run in runs:
            for result in run["results"]:
                per_court.setdefault(result["court"], []).append(result)
        base_dir = tmp_path / "plain"
        base_dir.mkdir()
        index = []
        for court, results in per_court.items():
            (base_dir / court).mkdir()
            data = {"court": court, "inventory": runs[0]["courts"][court], "results": results}
            (base_dir / court / "data.json").write_text(
                json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            )
            index.append({"court": court, "results": len(results)})
        (base_dir / "index.json").write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")))
        baseline, baseline_cpu = time.perf_counter() - t0, time.process_time() - c0

        html_bytes = sum(p.stat().st_size for p in (tmp_path / "reports").rglob("*.html"))

    print(f"courts: {args.courts}, days: {args.days}, results stored: {n_results:,}")
    print("(wall = elapsed time; cpu = this process only, steadier on a shared machine)")
    print(
        f"store fill (record_run x {args.days}): wall {fill:.2f} s, cpu {fill_cpu:.2f} s "
        f"({n_results / fill:,.0f} results/s)"
    )
    print(
        f"render reports + dashboard: wall {render:.2f} s, cpu {render_cpu:.2f} s; "
        f"per court {1000 * render / args.courts:.2f} ms wall, {1000 * render_cpu / args.courts:.2f} ms cpu"
    )
    print(f"render with {workers} worker processes: wall {parallel:.2f} s")
    print(f"HTML written: {html_bytes / 1e6:.1f} MB")
    print(f"baseline, plain JSON of the same data: wall {baseline:.2f} s, cpu {baseline_cpu:.2f} s")
    print(f"ratio render / baseline: wall {render / baseline:.2f}x, cpu {render_cpu / baseline_cpu:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
