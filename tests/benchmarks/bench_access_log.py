"""Benchmark: `sopansible logs analyze --json` (all rules on) against GoAccess on the same
1,000,000-line combined logs (court traffic with attacks mixed in), every tool pinned to one CPU
core with taskset (and polars to one thread with POLARS_MAX_THREADS=1).

    .venv/bin/python tests/benchmarks/bench_access_log.py [--lines N] [--shape S ...] [--keep DIR] [--runs N]

Three shapes of log, each measured on its own (``--shape`` picks some):

* ``few-pages``: a court's week with the pages, documents and assets of a small site (a few
  thousand distinct request lines), every attack family of the rule file and its benign twin;
* ``many-pages``: the same traffic where half the requests of people name a page few others ask
  for (tracking parameters from social media, search words, twelve years of news pages and
  verdicts): hundreds of thousands of distinct request lines, tens of thousands of pages;
* ``flood``: the first shape with a quarter of its lines replaced by a distributed scan (thousands
  of addresses probing for files, admin panels and exploits, answered 404).

Measures both engines of `sopansible logs analyze`: ``--engine polars`` (what the default ``auto``
uses for large logs when polars is installed, as it is with sopansible) and ``--engine python``
(the stdlib engine the court servers run), checks that they print the same JSON, and prints
lines/second and peak memory for each and the ratios to GoAccess, wall and CPU (CPU seconds are
steadier on a shared machine). Goals: the default engine 10x GoAccess on court traffic (``few-pages``,
``many-pages``) and 5x on ``flood``; the stdlib engine 4x.
"""

from __future__ import annotations

import argparse
import compileall
import concurrent.futures
import json
import os
import random
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


def court_week(lines: int, shape: str) -> list:
    """A week of court traffic in the given shape, with every attack family and its benign twin
    (the shapes change the normal traffic only: the attacks and twins stay as they are)."""
    reshape = {"many-pages": many_pages, "flood": flood}.get(shape, list)
    benign = reshape(corpus.benign_lines(lines - 2000, seed=11))
    attacks = []
    for rule in corpus.ATTACKERS:
        attacks.extend(corpus.attack_lines(rule))
    for rule in corpus.FAMILY_ATTACKERS:  # every family of the rule file, and its look-alikes
        attacks.extend(corpus.family_attack(rule) + corpus.family_twin(rule))
    mixed = corpus.merged(benign, attacks)
    # Pad to exactly the requested size with more normal traffic.
    mixed.extend(reshape(corpus.benign_lines(lines - len(mixed), seed=12, start=corpus.START + 8 * 86400)))
    return mixed[:lines]


_WORDS = (
    "putusan",
    "jadwal",
    "sidang",
    "perdata",
    "pidana",
    "gugatan",
    "cerai",
    "waris",
    "eksekusi",
    "tilang",
)


def _own_page(rng: random.Random) -> str:
    """A request target few other visitors ask for: a tracking token or search words on a page,
    or one of the site's thousands of archived news pages and verdicts."""
    roll = rng.random()
    if roll < 0.35:  # social media adds a tracking token to every shared link
        return f"/berita/2026/11/kegiatan-{rng.randrange(60)}?fbclid=IwAR{rng.getrandbits(64):016x}"
    if roll < 0.55:
        return f"/?s={rng.choice(_WORDS)}+{rng.choice(_WORDS)}+{rng.randrange(1, 2027)}"
    year = rng.randrange(2015, 2027)
    if roll < 0.75:  # 40 news pages a month for 12 years
        return f"/berita/{year}/{rng.randrange(1, 13):02d}/kegiatan-{rng.randrange(40)}"
    number = rng.randrange(3000)  # 3,000 civil verdicts a year
    return f"/wp-content/uploads/{year}/{number % 12 + 1:02d}/putusan-{number}-pdt.g-{year}-pn.pdf"


def many_pages(lines: list) -> list:
    """The ``many-pages`` shape: half the GET requests of people name a page of their own."""
    rng = random.Random(21)
    out = []
    for text in lines:
        if ' "GET /' in text and "Googlebot" not in text and rng.random() < 0.5:
            head, rest = text.split(' "GET ', 1)
            text = f'{head} "GET {_own_page(rng)}{rest[rest.index(" HTTP/") :]}'
        out.append(text)
    return out


_PROBES = (
    "/.env", "/.git/config", "/wp-login.php", "/xmlrpc.php", "/phpmyadmin/index.php", "/pma/setup.php",
    "/admin/login.php", "/administrator/index.php", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/cgi-bin/luci", "/actuator/env", "/solr/admin/info/system", "/manager/html", "/config.php.bak",
    "/backup.sql", "/wp-config.php.old", "/shell.php", "/boaform/admin/formLogin", "/HNAP1/", "/owa/",
)  # fmt: skip
_SCANNER_AGENTS = (
    "Mozilla/5.0 zgrab/0.x",
    "python-requests/2.31.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0 Safari/537.36",
    "Go-http-client/1.1",
)


def flood(lines: list) -> list:
    """The ``flood`` shape: a quarter of the lines (at their own times) replaced by a distributed
    scan from thousands of addresses."""
    rng = random.Random(31)
    scanners = [f"45.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(6000)]
    out = []
    for text in lines:
        if rng.random() < 0.25:
            when = text[text.index("[") + 1 : text.index("]")]
            probe = rng.choice(_PROBES)
            if rng.random() < 0.3:
                probe = f"/{rng.choice(_WORDS)}{rng.randrange(1000)}.php"
            agent = rng.choice(_SCANNER_AGENTS)
            text = f'{rng.choice(scanners)} - - [{when}] "GET {probe} HTTP/1.1" 404 162 "-" "{agent}"'
        out.append(text)
    return out


SHAPES = ("few-pages", "many-pages", "flood")


def write_shapes(work: Path, lines: int, shapes: list) -> dict:
    """Each shape's log, ``work/<shape>.log`` (kept from an earlier run with --keep): its lines and
    distinct request lines."""
    counts = {}
    for shape in shapes:
        path = work / f"{shape}.log"
        if not path.exists():
            corpus.write_log(path, court_week(lines, shape))
        with open(path, "rb") as handle:
            requests = [text.split(b'"', 2)[1] for text in handle]
        counts[shape] = (len(requests), len(set(requests)))
    return counts


def pinned(cmd: list) -> list:
    os.environ["POLARS_MAX_THREADS"] = "1"  # read by polars at import, in the child processes
    if shutil.which("taskset"):
        return ["taskset", "-c", "0", *cmd]
    return cmd


def timed(cmd: list, stdout, cwd=None) -> tuple:
    """(wall seconds, CPU seconds, peak memory in MiB, the finished process) of one run: the
    child's own resource usage (os.wait4), taskset having become the tool it runs. The peak is at
    least this process's memory when it started the child (see main)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=errors, cwd=cwd)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        proc.stderr = errors.read()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


ENGINES = ("polars", "python")
GOALS = {"few-pages": 10.0, "many-pages": 10.0, "flood": 5.0}  # default engine / GoAccess
GOAL_STDLIB = 4.0


def measure(log: Path, work: Path, runs: int, goaccess: str | None) -> dict | None:
    """Best (wall, CPU) and the largest peak memory of ``runs`` alternating runs per tool, and
    whether the engines agree."""

    def ours_cmd(engine_name):
        command = [
            sys.executable,
            "-m",
            "sopansible.cli",
            "logs",
            "analyze",
            str(log),
            "--format",
            "combined",
        ]
        return pinned([*command, "--engine", engine_name, "--json"])

    go_cmd = pinned(
        [goaccess or "goaccess", str(log), "--log-format=COMBINED", "-o", str(work / "goaccess.json")]
    )
    times = {name: [] for name in (*ENGINES, "goaccess")}
    for _ in range(runs):  # alternate the tools so all see the same machine load
        for name in ENGINES:
            with open(work / f"sopansible-{name}.json", "wb") as out:
                wall, cpu, peak, proc = timed(ours_cmd(name), out, cwd=ROOT)
            if proc.returncode not in (0, 1, 2):  # 1, 2: warnings, critical findings
                print(proc.stderr.decode(errors="replace"), file=sys.stderr)
                return None
            times[name].append((wall, cpu, peak))
        if goaccess:
            wall, cpu, peak, proc = timed(go_cmd, subprocess.DEVNULL)
            if proc.returncode != 0:
                print(proc.stderr.decode(errors="replace")[-2000:], file=sys.stderr)
                return None
            times["goaccess"].append((wall, cpu, peak))
    outputs = {name: (work / f"sopansible-{name}.json").read_text() for name in ENGINES}
    best = {
        name: (min(r[0] for r in rs), min(r[1] for r in rs), max(r[2] for r in rs))
        for name, rs in times.items()
        if rs
    }
    return {
        "best": best,
        "identical": outputs["polars"] == outputs["python"],
        "result": json.loads(outputs["polars"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--shape", action="append", choices=SHAPES, help="a shape of log (default: all)")
    parser.add_argument(
        "--keep", help="keep the generated logs and outputs in this directory (and reuse them)"
    )
    parser.add_argument("--runs", type=int, default=3, help="best of N alternating runs of each tool")
    args = parser.parse_args()
    shapes = args.shape or list(SHAPES)
    goaccess = shutil.which("goaccess")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-access-log-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        # In a child process: a process started later inherits the peak memory of this one (the
        # kernel keeps it across exec), so this one must not hold the logs.
        with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
            counts = pool.submit(write_shapes, work, args.lines, shapes).result()
        ready = ", ".join(f"{shape}: {n} lines, {d} distinct requests" for shape, (n, d) in counts.items())
        print(f"logs ready ({ready}) in {time.perf_counter() - t0:.1f} s")
        # The project's bytecode, as an installed package has it: Python would otherwise compile
        # these modules at every start where PYTHONDONTWRITEBYTECODE is set.
        for package in ("sopansible", "collections/ansible_collections/pn/website/plugins/module_utils"):
            compileall.compile_dir(str(ROOT / package), quiet=1)
        env_note = "taskset -c 0" if shutil.which("taskset") else "NOT pinned (no taskset)"
        if not goaccess:
            print("goaccess not installed: no baseline")
        all_identical = True
        for shape in shapes:
            n, distinct = counts[shape]
            load_before = load_average()
            measured = measure(work / f"{shape}.log", work, args.runs, goaccess)
            if measured is None:
                return 2
            best, result = measured["best"], measured["result"]
            all_identical &= measured["identical"]
            rules = sorted({f["rule"] for f in result["findings"]})
            print(f"\n== {shape}: {n} lines, {distinct} distinct request lines")
            for name in (*ENGINES, "goaccess"):
                if name in best:
                    wall, cpu, peak = best[name]
                    tool = "goaccess (JSON output)" if name == "goaccess" else f"sopansible --engine {name}"
                    print(
                        f"{tool}: wall {wall:.2f} s = {n / wall:,.0f} lines/s; CPU {cpu:.2f} s = "
                        f"{n / cpu:,.0f} lines/s ({env_note}, best of {args.runs}); "
                        f"peak memory {peak:,.0f} MiB"
                    )
            print(f"  {result['lines']} lines, {result['malformed']} malformed; findings: {', '.join(rules)}")
            print(f"  JSON output of both engines identical: {measured['identical']}")
            if "goaccess" in best:
                go_wall, go_cpu, _peak = best["goaccess"]
                for name in ENGINES:
                    wall, cpu, _peak = best[name]
                    goal = GOALS[shape] if name == "polars" else GOAL_STDLIB
                    verdict = "met" if go_cpu / cpu >= goal else "NOT met"
                    print(
                        f"ratio sopansible ({name}) / goaccess: {go_wall / wall:.2f}x wall, "
                        f"{go_cpu / cpu:.2f}x CPU (goal {goal:g}x: {verdict} by CPU)"
                    )
            print(
                f"load average (1 min) before: {load_before:.1f}, after: {load_average():.1f}, on "
                f"{os.cpu_count()} CPUs (other work slows every tool; the ratios come from the same "
                "alternating runs)"
            )
        return 0 if all_identical and goaccess else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
