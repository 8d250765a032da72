"""Benchmark: one round of `sopansible watch` (W1 every few minutes) vs. one W1 run the daily way.

Starts the court sites of bench_site_probe.py (one TLS site per loopback address 127.77.x.y, a test CA),
writes an inventory of N courts (shared hosting: the controller probes them, no SSH), then measures in
the same run:

* the project: ``sopansible watch -i INV --rounds R --interval 1s`` (the site-probe engine called
  directly, every round recorded in the history store, notifications planned): the duration of each
  round as the watch reports it, and the peak memory of the process;
* the baseline: one W1 the way the daily cycle runs it, ``sopansible run sop_monitor -i INV``
  (ansible-playbook: the preflight role, then the pn.website.monitor role over the courts).

Usage:  .venv/bin/python tests/benchmarks/bench_watch.py [--sites 924] [--rounds 3]

Target: a round over 924 courts well within the 5-minute interval, so that every court really is
probed every 5 minutes; printed with the ratio baseline / watch round. Everything stays on loopback.
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
INTERVAL_S = 300


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
        ]
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=924)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.sites <= 62500:
        parser.error("--sites must be between 1 and 62500")
    workdir = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    server = None
    try:
        ca_file = sites.make_certs(workdir, args.sites)
        port = sites.free_port()
        server = subprocess.Popen(
            [sys.executable, sites.__file__, "--serve", str(workdir), str(port), str(args.sites)],
            stdout=subprocess.PIPE,
            text=True,
        )
        if "READY" not in server.stdout.readline():
            print("the site server did not start", file=sys.stderr)
            return 1
        inventory = workdir / "courts.yml"
        write_inventory(inventory, args.sites, port)
        env = dict(
            os.environ, SOPANSIBLE_DATA=str(workdir / "data"), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")
        )
        print(f"Fleet: {args.sites} court sites on {sites.PREFIX}.x.y:{port} (TLS, one certificate per site)")

        started = time.perf_counter()
        watch = subprocess.run(
            [SOPANSIBLE, "watch", "-i", str(inventory), "--rounds", str(args.rounds), "--interval", "1s",
             "--concurrency", str(args.concurrency), "--ca-file", str(ca_file), "--no-notify", "--json"],
            env=env, capture_output=True, text=True, cwd=ROOT, check=False,
        )  # fmt: skip
        total = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rounds = [json.loads(line) for line in watch.stdout.splitlines() if line.startswith("{")]
        if len(rounds) != args.rounds:
            print("the watch failed:", watch.returncode, watch.stderr[-2000:], file=sys.stderr)
            return 1
        for one in rounds:
            print(
                f"watch round {one['round']}: {one['probed']} courts in {one['duration_s']:.2f} s, "
                f"{one['up']} up, {one['down']} down, {one['unmeasured']} not measured, "
                f"run recorded: {bool(one['run_id'])}"
            )
        steady = min(one["duration_s"] for one in rounds)
        print(
            f"  process: {total:.1f} s for {args.rounds} rounds with the inventory read once; peak memory "
            f"{peak_mib:.0f} MiB"
        )
        print(
            f"  target: a round within the {INTERVAL_S // 60}-minute interval for {args.sites} courts -> "
            f"{'met' if max(one['duration_s'] for one in rounds) < INTERVAL_S else 'NOT met'} "
            f"(slowest round {max(one['duration_s'] for one in rounds):.1f} s)"
        )
        if args.skip_baseline:
            return 0
        started = time.perf_counter()
        daily = subprocess.run(
            [SOPANSIBLE, "run", "sop_monitor", "-i", str(inventory), "--no-report", "--no-notify",
             "-e", f"pn_monitor_ca_file={ca_file}", "-e", "pn_monitor_freshness=false",
             "-e", "pn_monitor_baselines=false"],
            env=env, capture_output=True, text=True, cwd=ROOT, check=False,
        )  # fmt: skip
        baseline = time.perf_counter() - started
        print(
            f"baseline: one W1 the daily way (sopansible run sop_monitor, a playbook per round, the same "
            f"checks): {baseline:.1f} s (exit {daily.returncode})"
        )
        print(f"ratio baseline / watch round: {baseline / steady:.1f}x")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
