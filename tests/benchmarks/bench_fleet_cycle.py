"""Benchmark: the daily SOP cycle over a fleet of court containers, with the project's ansible.cfg
vs. Ansible's stock settings, in the same run on the same courts.

    CONTAINERS_CONF=containers/containers.conf .venv/bin/python tests/benchmarks/bench_fleet_cycle.py
    ... bench_fleet_cycle.py --courts 24 --cycle harian        # the full daily cycle (default)
    ... bench_fleet_cycle.py --cycle read                       # W1 + W3 only (no backup)
    ... bench_fleet_cycle.py --rtt-ms 0,40,80                   # courts 0, 40 and 80 ms away

Settings compared:

- project: the repository's ansible.cfg (forks 50, pipelining, ControlPersist 120s, gathering
  explicit, fact cache);
- stock: an empty ansible.cfg, i.e. Ansible's defaults (forks 5, no pipelining, gathering implicit,
  ssh_args "-C -o ControlMaster=auto -o ControlPersist=60s");
- stock-nomux (with --nomux): stock without SSH multiplexing (ssh_args empty).

Both get only the collection path (to find pn.website) and the fleet's SSH host keys. A first run
with the project's settings warms the courts up (restic repositories created and backed up, logs
read once) and is not counted; then stock and project runs alternate (--rounds).

The courts are containers on loopback: an SSH round trip costs nothing but CPU, and the controller
and all courts share this machine's cores. Real courts are reached over the WAN. With --rtt-ms,
every SSH connection (ssh and sftp) also goes through tests/benchmarks/wan_relay.py, which delivers
each chunk RTT/2 later in each direction; each value is measured in turn (default: 0 = loopback,
and 40 ms, an assumed round trip from a central controller to a court server in another region).

Printed per round-trip time: wall time per run, cost per court (wall time / courts), the ratio
stock / project, the remote module runs per court (SSH round trips: one per module with pipelining,
about four without), and the extrapolation of each setting's per-court cost to 924 courts (the
cost per court measured here, on this machine).
Target: the project's settings at least 3x faster than stock.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests import fleet as fleet_lib  # noqa: E402

FLEET_SIZE_924 = 924
CYCLES = {
    "harian": ["playbooks/harian.yml"],
    # read-mostly subset: website monitoring (controller side) and visitor logs (over SSH, sudo)
    "read": ["playbooks/sop_monitor.yml", "playbooks/sop_logs.yml"],
}
# Task actions that never reach a court (controller-only or bookkeeping).
LOCAL_ACTIONS = {
    "ansible.builtin.set_fact",
    "set_fact",
    "ansible.builtin.include_tasks",
    "ansible.builtin.import_tasks",
    "ansible.builtin.include_role",
    "ansible.builtin.debug",
    "ansible.builtin.assert",
    "ansible.builtin.fail",
    "ansible.builtin.meta",
    "pn.website.court_contract",
    "ansible.builtin.validate_argument_spec",
    "validate_argument_spec",
}


RELAY = Path(__file__).with_name("wan_relay.py")


def settings(kind: str, workdir: Path, rtt_ms: float = 0) -> dict:
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("ANSIBLE_"):
            del env[key]
    env.update(
        ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_HOST_KEY_CHECKING="True"
    )
    env["SOPANSIBLE_DATA"] = str(workdir / "data")
    if rtt_ms:
        proxy = f"-o 'ProxyCommand={sys.executable} {RELAY} %h %p {rtt_ms:g}'"
        for tool in ("SSH", "SFTP", "SCP"):
            env[f"ANSIBLE_{tool}_EXTRA_ARGS"] = proxy
    if kind == "project":
        env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
        env["ANSIBLE_CACHE_PLUGIN_CONNECTION"] = str(workdir / "facts")
        return env
    empty = workdir / "stock.cfg"
    empty.write_text("# Ansible's defaults\n")
    env["ANSIBLE_CONFIG"] = str(empty)
    env["ANSIBLE_COLLECTIONS_PATH"] = str(ROOT / "collections")
    env["ANSIBLE_COLLECTIONS_SCAN_SYS_PATH"] = "True"
    if kind == "stock-nomux":
        env["ANSIBLE_SSH_ARGS"] = ""
    return env


def run_cycle(
    kind: str, playbooks: list[str], inventory: Path, workdir: Path, rtt_ms: float = 0
) -> tuple[float, dict]:
    env = settings(kind, workdir, rtt_ms)
    # Fresh SSH master connections for every run, as for a daily run: none reused from an earlier
    # run (which may have had other settings or another round-trip time).
    env["ANSIBLE_SSH_CONTROL_PATH_DIR"] = tempfile.mkdtemp(prefix="cp-", dir=workdir)
    started = time.monotonic()
    runs = []
    for playbook in playbooks:
        proc = subprocess.run(
            [
                str(Path(sys.executable).with_name("ansible-playbook")),
                "-i",
                str(inventory),
                str(ROOT / playbook),
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
        try:
            runs.append(json.loads(proc.stdout))
        except json.JSONDecodeError:
            sys.exit(f"{kind}: {playbook} did not run (rc {proc.returncode}):\n{proc.stderr[-3000:]}")
    elapsed = time.monotonic() - started
    return elapsed, summarise(runs)


def summarise(runs: list[dict]) -> dict:
    """Per court: remote module runs, failures; per task name: remote module runs (all courts)."""
    remote = collections.Counter()
    failed = collections.Counter()
    by_task = collections.Counter()
    for run in runs:
        for play in run.get("plays", []):
            for task in play.get("tasks", []):
                for host, result in (task.get("hosts") or {}).items():
                    action = result.get("action") or ""
                    name = task.get("task", {}).get("name") or action
                    if result.get("skipped"):
                        continue
                    if result.get("failed") or result.get("unreachable"):
                        failed[host] += 1
                    delegated = result.get("_ansible_delegated_vars", {}).get("ansible_host") in (
                        "localhost",
                        "127.0.0.1",
                    )
                    if action in LOCAL_ACTIONS or delegated:
                        continue
                    runs_of_task = len(result.get("results") or [None])  # a loop runs once per item
                    remote[host] += runs_of_task
                    by_task[name] += runs_of_task
        for host, stats in (run.get("stats") or {}).items():
            if stats.get("unreachable") or stats.get("failures"):
                failed[host] += 1
    return {"remote": remote, "failed": failed, "by_task": by_task}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courts", type=int, default=20)
    parser.add_argument("--cycle", choices=sorted(CYCLES), default="harian")
    parser.add_argument("--rounds", type=int, default=1, help="measured runs per setting (alternating)")
    parser.add_argument(
        "--nomux", action="store_true", help="also measure stock settings without multiplexing"
    )
    parser.add_argument(
        "--rtt-ms",
        default="0,40",
        help="comma-separated SSH round-trip times to emulate, each measured in turn (0 = loopback)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the fleet running afterwards")
    args = parser.parse_args()
    try:
        rtts = [float(value) for value in args.rtt_ms.split(",")]
    except ValueError:
        parser.error(f"--rtt-ms: comma-separated numbers of milliseconds expected, not {args.rtt_ms!r}")
    name = f"bench{os.getpid()}"
    print(f"starting {args.courts} court containers (fleet '{name}') ...", flush=True)
    started = time.monotonic()
    try:
        fleet = fleet_lib.start(name, count=args.courts, timeout=300 + 30 * args.courts)
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        print(f"fleet did not start: {error}", file=sys.stderr)
        return 1
    print(f"fleet ready in {time.monotonic() - started:.0f} s", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    kinds = ["stock", "project"] + (["stock-nomux"] if args.nomux else [])
    playbooks = CYCLES[args.cycle]
    try:
        print(f"cycle: {args.cycle} ({', '.join(playbooks)})", flush=True)
        warm, _ = run_cycle("project", playbooks, fleet.inventory, workdir)
        print(f"warm-up run (project settings, not counted): {warm:.1f} s", flush=True)
        times: dict[float, dict[str, list[float]]] = {}
        summaries: dict[float, dict[str, dict]] = {}
        for rtt in rtts:
            print(f"SSH round trip: {rtt:g} ms" + (" (loopback)" if not rtt else " (emulated)"), flush=True)
            times[rtt], summaries[rtt] = {kind: [] for kind in kinds}, {}
            for round_no in range(args.rounds):
                for kind in kinds if round_no % 2 == 0 else list(reversed(kinds)):
                    elapsed, summary = run_cycle(kind, playbooks, fleet.inventory, workdir, rtt)
                    times[rtt][kind].append(elapsed)
                    summaries[rtt][kind] = summary
                    bad = sorted(summary["failed"])
                    print(
                        f"  {kind:12} {elapsed:8.1f} s"
                        + (f"  (failed/unreachable: {', '.join(bad)})" if bad else ""),
                        flush=True,
                    )
    finally:
        if not args.keep:
            fleet_lib.remove(name)
            shutil.rmtree(fleet.directory, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)

    courts = len(fleet.courts)
    for rtt in rtts:
        best = {kind: min(values) for kind, values in times[rtt].items()}
        print()
        print(
            f"daily cycle '{args.cycle}' over {courts} courts, SSH round trip {rtt:g} ms, "
            f"best of {args.rounds} run(s) per setting"
        )
        print(f"{'setting':12} {'total s':>9} {'s/court':>9} {'924 courts':>12} {'modules/court':>14}")
        for kind in kinds:
            per_court = best[kind] / courts
            remote = summaries[rtt][kind]["remote"]
            modules = sum(remote.values()) / max(1, len(remote))
            hours = per_court * FLEET_SIZE_924 / 3600
            print(f"{kind:12} {best[kind]:9.1f} {per_court:9.2f} {hours:10.2f} h {modules:14.1f}")
        print(f"ratio stock / project at {rtt:g} ms: {best['stock'] / best['project']:.2f}x (target >= 3x)")
        if args.nomux:
            print(f"ratio stock-nomux / project at {rtt:g} ms: {best['stock-nomux'] / best['project']:.2f}x")
    print()
    print("SSH round trips per module: 1 with pipelining (project), about 4 without (stock: temp dir,")
    print("upload, run, clean-up); remote module runs per court by task (project settings):")
    for task, count in summaries[rtts[-1]]["project"]["by_task"].most_common(12):
        print(f"  {count / courts:5.1f}  {task}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
