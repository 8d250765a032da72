"""Benchmark: `sopansible logs analyze --json` (all rules on) against GoAccess on the same
1,000,000-line combined log (realistic court traffic with attacks mixed in), every tool pinned to
one CPU core with taskset (and polars to one thread with POLARS_MAX_THREADS=1).

    .venv/bin/python tests/benchmarks/bench_access_log.py [--lines N] [--keep DIR] [--runs N]

Measures both engines of `sopansible logs analyze`: ``--engine polars`` (what the default
``auto`` uses for large logs when polars is installed, as it is with sopansible) and ``--engine
python`` (the stdlib engine the court servers run), checks that they print the same JSON, and prints
lines/second for each and the ratios to GoAccess. The goal set for the default engine is 10x
GoAccess's throughput.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.pn.website.tests.unit.plugins.module_utils.logs import (  # noqa: E402
    test_access_log_corpus as corpus,
)


def generate(path: Path, lines: int) -> int:
    benign = corpus.benign_lines(lines - 2000, seed=11)
    attacks = []
    for rule in corpus.ATTACKERS:
        attacks.extend(corpus.attack_lines(rule))
    mixed = corpus.merged(benign, attacks)
    # Pad to exactly the requested size with more normal traffic.
    mixed.extend(corpus.benign_lines(lines - len(mixed), seed=12, start=corpus.START + 8 * 86400))
    corpus.write_log(path, mixed[:lines])
    return min(lines, len(mixed))


def pinned(cmd: list) -> list:
    os.environ["POLARS_MAX_THREADS"] = "1"  # read by polars at import, in the child processes
    if shutil.which("taskset"):
        return ["taskset", "-c", "0", *cmd]
    return cmd


def timed(cmd: list, stdout, cwd=None) -> tuple:
    """(wall seconds, CPU seconds of the child) for one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", help="keep the generated log and outputs in this directory")
    parser.add_argument("--runs", type=int, default=5, help="best of N alternating runs of each tool")
    args = parser.parse_args()
    goaccess = shutil.which("goaccess")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-access-log-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "access.log"
    try:
        t0 = time.perf_counter()
        n = generate(log, args.lines)
        print(f"generated {n} lines ({log.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")

        def ours_cmd(engine_name):
            return pinned(
                [
                    sys.executable,
                    "-m",
                    "sopansible.cli",
                    "logs",
                    "analyze",
                    str(log),
                    "--format",
                    "combined",
                    "--engine",
                    engine_name,
                    "--json",
                ]
            )

        # The project's bytecode, as an installed package has it: Python would otherwise compile
        # these modules at every start where PYTHONDONTWRITEBYTECODE is set.
        for package in ("sopansible", "collections/ansible_collections/pn/website/plugins/module_utils"):
            compileall.compile_dir(str(ROOT / package), quiet=1)
        env_note = "taskset -c 0" if shutil.which("taskset") else "NOT pinned (no taskset)"
        if not goaccess:
            print("goaccess not installed: no baseline")
        go_cmd = pinned(
            [goaccess or "goaccess", str(log), "--log-format=COMBINED", "-o", str(work / "goaccess.json")]
        )
        engines = ("polars", "python")
        runs = {name: [] for name in (*engines, "goaccess")}
        load_before = load_average()
        for _ in range(args.runs):  # alternate the tools so all see the same machine load
            for name in engines:
                with open(work / f"sopansible-{name}.json", "wb") as out:
                    wall, cpu, proc = timed(ours_cmd(name), out, cwd=ROOT)
                if proc.returncode not in (0, 1, 2):  # ok, warnings, critical findings (the attacks)
                    print(proc.stderr.decode(errors="replace"), file=sys.stderr)
                    return 2
                runs[name].append((wall, cpu))
            if goaccess:
                wall, cpu, proc = timed(go_cmd, subprocess.DEVNULL)
                if proc.returncode != 0:
                    print(proc.stderr.decode(errors="replace")[-2000:], file=sys.stderr)
                    return 2
                runs["goaccess"].append((wall, cpu))
        outputs = {name: (work / f"sopansible-{name}.json").read_text() for name in engines}
        identical = outputs["polars"] == outputs["python"]
        result = json.loads(outputs["polars"])
        rules = sorted({f["rule"] for f in result["findings"]})
        best = {name: (min(r[0] for r in rs), min(r[1] for r in rs)) for name, rs in runs.items() if rs}
        for name in engines:
            wall, cpu = best[name]
            print(
                f"sopansible --engine {name}: wall {wall:.2f} s = {n / wall:,.0f} lines/s; "
                f"CPU {cpu:.2f} s = {n / cpu:,.0f} lines/s ({env_note}, best of {args.runs})"
            )
        print(f"  {result['lines']} lines, {result['malformed']} malformed; findings: {', '.join(rules)}")
        print(f"  JSON output of both engines identical: {identical}")
        if "goaccess" not in best:
            return 1
        go_wall, go_cpu = best["goaccess"]
        print(
            f"goaccess: wall {go_wall:.2f} s = {n / go_wall:,.0f} lines/s; "
            f"CPU {go_cpu:.2f} s = {n / go_cpu:,.0f} lines/s ({env_note}, JSON output, best of {args.runs})"
        )
        for name in engines:
            wall, cpu = best[name]
            print(
                f"ratio sopansible ({name}) / goaccess: {go_wall / wall:.2f}x wall, {go_cpu / cpu:.2f}x CPU"
                + (" (goal for the default engine: 10x)" if name == "polars" else "")
            )
        print(
            f"load average (1 min) before the timed runs: {load_before:.1f}, after: {load_average():.1f}, "
            f"on {os.cpu_count()} CPUs (other work on the machine slows every tool; the ratios come "
            "from the same alternating runs)"
        )
        return 0 if identical else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
