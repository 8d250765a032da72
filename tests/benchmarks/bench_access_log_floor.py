"""Benchmark: how much of `sopansible logs analyze` is detection, on the logs of
bench_access_log.py. Each engine runs three ways, pinned to one core as there, GoAccess in the same
alternating runs:

* ``full``: the engine as shipped (all rules on);
* ``no-classification``: every request target classified as matching no rule (the classification
  of paths is replaced by a constant; user agents are still classified, rows still reach the rule
  code);
* ``no-detection``: targets and user agents classified as matching nothing and the rule code
  replaced by nothing: what is left is reading, parsing and counting, the work GoAccess does too.

The last two give wrong findings on purpose: their figures are floors of the engine's time with
the rule set made free, to tell whether a ratio goal is within reach of faster detection or needs a
faster base. (The stdlib engine still picks out the rows for the rule code in ``no-detection``: its
floor is an upper bound.)

    .venv/bin/python tests/benchmarks/bench_access_log_floor.py [--keep DIR] [--shape S ...] [--runs N]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODES = ("full", "no-classification", "no-detection")


def _free_classification() -> None:
    from ansible_collections.pn.website.plugins.module_utils.logs import polars_reader, rule_set

    rule_set.RuleSet.classify_target = lambda self, target: 0

    def classify(reader, targets, uas):  # as PolarsReader._classify, with every target quiet
        reader._target_flags.update(dict.fromkeys(targets, 0))
        for value in uas:
            if value not in reader._agent_flags:
                reader._agent_flags[value] = reader.analyzer.classify_user_agent(polars_reader._bytes(value))

    polars_reader.PolarsReader._classify = classify


def _free_detection() -> None:
    from ansible_collections.pn.website.plugins.module_utils.logs import analyzer, polars_reader, rule_set

    _free_classification()
    rule_set.RuleSet.classify_user_agent = lambda self, agent: (0, 0)
    analyzer.Analyzer.apply_rules_to = lambda self, *args, **kwargs: None
    polars_reader.PolarsReader._hold = lambda self, hot, ascii_only: None


def child(mode: str, engine: str, log: str) -> int:
    """One run of the CLI in this process, with the ``mode``'s parts made free; output dropped.
    (The benchmark's own module, with the test corpus, is not imported here: not timed.)"""
    sys.path[:0] = [str(ROOT / "collections"), str(ROOT)]
    {"full": lambda: None, "no-classification": _free_classification, "no-detection": _free_detection}[mode]()
    from sopansible import cli

    sys.stdout = io.StringIO()
    return cli.main(["logs", "analyze", log, "--format", "combined", "--engine", engine, "--json"])


def measure(log: Path, work: Path, runs: int, goaccess: str) -> dict:
    """Best CPU seconds of ``runs`` alternating runs of GoAccess (JSON output, as in
    bench_access_log) and of each (engine, mode)."""
    import bench_access_log as bench

    go_cmd = bench.pinned([goaccess, str(log), "--log-format=COMBINED", "-o", str(work / "goaccess.json")])
    best = {}
    for _ in range(runs):
        _wall, cpu, _peak, proc = bench.timed(go_cmd, subprocess.DEVNULL)
        if proc.returncode != 0:
            raise SystemExit(proc.stderr.decode(errors="replace")[-2000:])
        best["goaccess"] = min(cpu, best.get("goaccess", cpu))
        for engine in bench.ENGINES:
            for mode in MODES:
                cmd = bench.pinned([sys.executable, __file__, "--child", mode, engine, str(log)])
                _wall, cpu, _peak, proc = bench.timed(cmd, subprocess.DEVNULL, cwd=ROOT)
                if proc.returncode not in (0, 1, 2):  # 1, 2: warnings, critical findings
                    raise SystemExit(proc.stderr.decode(errors="replace")[-2000:])
                best[engine, mode] = min(cpu, best.get((engine, mode), cpu))
    return best


def main() -> int:
    if sys.argv[1:2] == ["--child"]:  # --child MODE ENGINE LOG: one timed run (see measure)
        return child(*sys.argv[2:5])
    import bench_access_log as bench

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--shape", action="append", choices=bench.SHAPES, help="a shape (default: all)")
    parser.add_argument("--keep", help="keep the generated logs in this directory (and reuse them)")
    parser.add_argument("--runs", type=int, default=3, help="best of N alternating runs")
    args = parser.parse_args()
    goaccess = shutil.which("goaccess")
    if not goaccess:
        print("goaccess not installed: no baseline")
        return 1
    shapes = args.shape or list(bench.SHAPES)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-access-log-floor-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:  # see bench_access_log
            pool.submit(bench.write_shapes, work, args.lines, shapes).result()
        for shape in shapes:
            best = measure(work / f"{shape}.log", work, args.runs, goaccess)
            print(f"\n== {shape}: goaccess CPU {best['goaccess']:.2f} s (best of {args.runs}, one core)")
            for engine in bench.ENGINES:
                goal = bench.GOALS[shape] if engine == "polars" else bench.GOAL_STDLIB
                figures = ", ".join(
                    f"{mode} {best[engine, mode]:.2f} s = {best['goaccess'] / best[engine, mode]:.2f}x"
                    for mode in MODES
                )
                print(f"sopansible --engine {engine} (goal {goal:g}x): {figures}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
