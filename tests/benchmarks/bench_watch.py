"""Benchmark: light and full rounds of `sopansible watch` vs. one W1 run the daily way.

Starts the court sites of bench_site_probe.py (one TLS site per loopback address 127.77.x.y, a test CA),
writes an inventory of N courts (shared hosting: the controller probes them, no SSH), then measures in
the same run, for each shape of the fleet (``--shapes``: ``healthy``, every site answers; ``mixed``, a
quarter of them down, slow, stalling, with a 3 MiB page or with hidden gambling links and cloaking):

* the project: the watch (``sopansible.watch.Watch``, the code of ``sopansible watch``, every round
  recorded in the history store) in a process of its own, over a simulated half hour of a 1-minute watch
  with ``--full-every 15m``: the first round (full, records every court), light rounds, a full round 15
  minutes later, and a light one after it. Per round: wall time, CPU seconds of the process (and of any
  child), peak memory (RSS) of the process so far;
* the cadence the issue sets: a light round every minute and a full round every 15 minutes uses
  (14 x light CPU + full CPU) / 900 s of one core (light: the costliest steady light round; full: the
  full round 15 minutes in), and the process's peak memory; targets <= 15% of one core and <= 300 MB;
* the baseline (shape healthy): one W1 the way the daily cycle runs it, ``sopansible run sop_monitor -i
  INV`` (ansible-playbook: the preflight role, then the pn.website.monitor role over the courts), wall
  time and CPU seconds of it and its children.

Usage:  .venv/bin/python tests/benchmarks/bench_watch.py [--sites 1000] [--shapes healthy,mixed]
        [--skip-baseline] [--profile FILE]   (cProfile of a steady light round, healthy shape)

Everything stays on loopback. The machine is usually shared: CPU seconds are steadier than wall time,
and the load average is printed with the results.
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_site_probe as sites  # noqa: E402

SOPANSIBLE = str(Path(sys.executable).with_name("sopansible"))
#: The simulated half hour of a 1-minute watch with a full round every 15 minutes: (seconds, label).
ROUNDS = ((0, "first"), (60, "light"), (120, "light"), (180, "light"), (900, "full"), (960, "light"))
CADENCE_S = 900  # 14 light rounds and one full round
INTERVAL_S = 60
ROUND_TIMEOUT_S = 600.0
TARGET_SHARE = 0.15
TARGET_MB = 300


def write_inventory(path: Path, count: int, port: int) -> None:
    lines = [
        "all:",
        "  children:",
        "    courts:",
        "      children:",
        "        shared_hosting:",
        "          hosts:",
    ]
    for i in range(count):
        host = sites.site_name(i)
        lines += [
            f"            court{i:04d}:",
            f"              court_name: {sites.court_name(i)}",
            "              court_type: PN",
            f"              court_domain: {host}",
            f"              court_url: https://{host}:{port}/",
            f'              court_probe_resolve: ["{host}:{port}:{sites.site_addr(i)}"]',
            "              court_watch_interval_minutes: 1",
        ]
    path.write_text("\n".join(lines) + "\n")


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(inventory_path: str, ca_file: str, concurrency: int, timeout: float, profile: str | None) -> dict:
    """In the watch's own process: the rounds of ROUNDS on a simulated clock."""
    from sopansible import inventory, store, watch

    now = [0.0]
    rounds = []
    inv = inventory.load(inventory_path)
    courts, problems = watch.courts_of(inv, 60.0)
    with store.HistoryStore() as history:
        watcher = watch.Watch(
            courts,
            history,
            options={"ca_file": ca_file, "concurrency": concurrency, "total_timeout": timeout},
            notify=False,
            full_every=CADENCE_S,
            # every site measured, however loaded the machine: a round's cost is what is measured here
            # (the wall time says whether it fits the 1-minute interval)
            round_timeout=ROUND_TIMEOUT_S,
            clock=lambda: now[0],
        )
        for at, label in ROUNDS:
            now[0] = float(at)
            profiler = None
            if profile and label == "light" and at == 120:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            cpu0, wall0 = _cpu(), time.perf_counter()
            one = watcher.run_round()
            wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile)
            rounds.append(
                {
                    "at": at,
                    "label": label,
                    "full": one.full,
                    "probed": one.probed,
                    "up": one.up,
                    "down": one.down,
                    "unmeasured": one.unmeasured,
                    "recorded": bool(one.run_id),
                    "wall_s": wall,
                    "cpu_s": cpu,
                    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                }
            )
    return {"courts": len(courts), "problems": len(problems), "rounds": rounds}


def run_shape(shape: str, args, workdir: Path, ca_file: Path) -> tuple[dict, dict | None]:
    """Serve the fleet in SHAPE, measure the watch (and the baseline, for the healthy shape)."""
    port = sites.free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            sites.__file__,
            "--serve",
            str(workdir),
            str(port),
            str(args.sites),
            "--shape",
            shape,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if "READY" not in server.stdout.readline():
            raise RuntimeError("the site server did not start")
        inventory = workdir / f"courts-{shape}.yml"
        write_inventory(inventory, args.sites, port)
        env = dict(
            os.environ,
            SOPANSIBLE_DATA=str(workdir / f"data-{shape}"),
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        )
        load = os.getloadavg()[0]
        command = [sys.executable, __file__, "--measure", str(inventory), str(ca_file),
                   "--concurrency", str(args.concurrency), "--timeout", str(args.timeout)]  # fmt: skip
        if args.profile and shape == "healthy":
            command += ["--profile", args.profile]
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the watch failed ({done.returncode}): {done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["load"] = (load, os.getloadavg()[0])
        baseline = None
        if shape == "healthy" and not args.skip_baseline:
            cpu0, wall0 = _children_cpu(), time.perf_counter()
            daily = subprocess.run(
                [SOPANSIBLE, "run", "sop_monitor", "-i", str(inventory), "--no-report", "--no-notify",
                 "-e", f"pn_monitor_ca_file={ca_file}", "-e", "pn_monitor_freshness=false",
                 "-e", "pn_monitor_baselines=false"],
                env=env, capture_output=True, text=True, cwd=ROOT, check=False,
            )  # fmt: skip
            baseline = {
                "wall_s": time.perf_counter() - wall0,
                "cpu_s": _children_cpu() - cpu0,
                "exit": daily.returncode,
            }
        return result, baseline
    finally:
        server.terminate()
        server.wait(timeout=10)


def _children_cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def report(shape: str, result: dict, baseline: dict | None) -> dict:
    rounds = result["rounds"]
    print(
        f"\nshape {shape}: {result['courts']} courts; load average {result['load'][0]:.2f} -> "
        f"{result['load'][1]:.2f}"
    )
    for one in rounds:
        print(
            f"  {one['at'] // 60:>3} min {one['label']:<5} round: {one['full']} full / "
            f"{one['probed'] - one['full']} light probes, {one['up']} up, {one['down']} down, "
            f"{one['unmeasured']} not measured, run recorded {one['recorded']}: wall {one['wall_s']:.2f} s, "
            f"CPU {one['cpu_s']:.2f} s, peak RSS so far {one['peak_mib']:.0f} MiB"
        )
    light = max(
        (one for one in rounds if one["label"] == "light" and not one["full"]), key=lambda one: one["cpu_s"]
    )
    full = next(one for one in rounds if one["label"] == "full")
    slowest = max(one["wall_s"] for one in rounds)
    print(
        f"  every round within the {INTERVAL_S}-second interval: {'yes' if slowest < INTERVAL_S else 'NO'} "
        f"(slowest {slowest:.1f} s)"
    )
    share = (14 * light["cpu_s"] + full["cpu_s"]) / CADENCE_S
    peak = max(one["peak_mib"] for one in rounds) * 1.048576  # MiB -> MB
    print(
        f"  one light round: wall {light['wall_s']:.2f} s, CPU {light['cpu_s']:.2f} s; one full round: wall "
        f"{full['wall_s']:.2f} s, CPU {full['cpu_s']:.2f} s (ratio full/light CPU "
        f"{full['cpu_s'] / max(light['cpu_s'], 1e-9):.1f}x)"
    )
    print(
        f"  cadence (a light round every minute, a full one every 15): (14 x {light['cpu_s']:.2f} + "
        f"{full['cpu_s']:.2f}) / {CADENCE_S} s = {share:.1%} of one core -> target <= {TARGET_SHARE:.0%} "
        f"{'met' if share <= TARGET_SHARE else 'NOT met'}; peak memory {peak:.0f} MB -> target <= "
        f"{TARGET_MB} MB {'met' if peak <= TARGET_MB else 'NOT met'}"
    )
    if baseline is not None:
        print(
            f"  baseline: one W1 the daily way (sopansible run sop_monitor, a playbook, the same checks as a "
            f"full round): wall {baseline['wall_s']:.1f} s, CPU {baseline['cpu_s']:.1f} s "
            f"(exit {baseline['exit']})"
        )
        print(
            f"  ratio baseline / full round: wall {baseline['wall_s'] / full['wall_s']:.1f}x, CPU "
            f"{baseline['cpu_s'] / full['cpu_s']:.1f}x; baseline / light round: wall "
            f"{baseline['wall_s'] / light['wall_s']:.1f}x, CPU {baseline['cpu_s'] / light['cpu_s']:.1f}x"
        )
    return {"share": share, "peak_mb": peak}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--shapes", default="healthy,mixed")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=30.0, help="time limit per site (--timeout)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--profile", metavar="FILE", help="cProfile stats of a steady light round")
    parser.add_argument("--measure", nargs=2, metavar=("INV", "CA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        found = measure(args.measure[0], args.measure[1], args.concurrency, args.timeout, args.profile)
        print(json.dumps(found))
        return 0
    if not 1 <= args.sites <= 62500:
        parser.error("--sites must be between 1 and 62500")
    shapes = [s for s in args.shapes.split(",") if s]
    if not shapes or any(s not in sites.SHAPES for s in shapes):
        parser.error(f"--shapes: a comma-separated list of {', '.join(sites.SHAPES)}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    try:
        ca_file = sites.make_certs(workdir, args.sites)
        print(
            f"Fleet: {args.sites} court sites on {sites.PREFIX}.x.y (TLS, one certificate per site); "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
        )
        for shape in shapes:
            result, baseline = run_shape(shape, args, workdir, ca_file)
            report(shape, result, baseline)
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
