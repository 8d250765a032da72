"""Benchmark: controller CPU per court of the daily SOP cycle over a fleet of court containers, with
the project's ansible.cfg vs. Ansible's stock settings, in the same run on the same courts.

    CONTAINERS_CONF=containers/containers.conf .venv/bin/python tests/benchmarks/bench_fleet_cycle.py
    ... bench_fleet_cycle.py --courts 5,10 --rounds 2     # two fleet sizes (default), two runs each
    ... bench_fleet_cycle.py --cycle read                 # W1 + W3 only (no backup)
    ... bench_fleet_cycle.py --rtt-ms 40                  # courts 40 ms away (wall time; see below)
    ... bench_fleet_cycle.py --split-cores                # the controller on the first core, the
                                                          # court containers on the others

What is measured: the CPU seconds (user + system) of the controller's process tree for each run of the
cycle: ansible-playbook, its workers, the ssh clients, and the SSH master connections they leave behind
(this process is their subreaper, ends them after the run and adds their CPU). That is the cost of a
court on the controller, and it is steadier than wall time on a machine whose cores are shared (here:
two cores, also running the court containers). Wall time is printed too, for reference only.

Settings compared:

- project: the repository's ansible.cfg (forks 50, pipelining, ControlPersist 120s, gathering
  explicit, fact cache, the sop_history callback recording every run);
- stock: an empty ansible.cfg, i.e. Ansible's defaults (forks 5, no pipelining, gathering implicit,
  ssh_args "-C -o ControlMaster=auto -o ControlPersist=60s");
- stock-nomux (with --nomux): stock without SSH multiplexing (ssh_args empty).

Both get only the collection path (to find pn.website) and the fleet's SSH host keys. A first run
with the project's settings over every court warms the courts up (restic repositories created and
backed up, logs read once, the backup setup installed) and is not counted; then, for each fleet size
(--courts, the first N courts of the fleet via --limit), stock and project runs alternate (--rounds),
and the cheapest run of each setting counts.

Printed per fleet size and setting: CPU seconds of the run and per court, wall time, task results per
court (each is one worker process on the controller, skipped ones too) and remote module runs per
court (SSH round trips: one per module with pipelining, about four without); the ratio project /
stock (per fleet size, and at 924 courts); from two fleet sizes, the fixed cost of a run (start-up,
inventory, run_once tasks) and the marginal cost of one more court, and with them the extrapolation to
924 courts on one controller and spread over N AWX execution nodes (each runs 924 / N courts and
pays the fixed cost once).

Targets (issue 22): at most 0.5 controller CPU seconds per court for the daily cycle (924 courts in
under 8 CPU minutes), and at most half of what stock settings spend per court.

With --rtt-ms, every SSH connection goes through tests/benchmarks/wan_relay.py, which delivers each
chunk RTT/2 later in each direction. The relay is a process of the SSH connection, so its CPU is in
the measured tree: with a round trip other than 0, read the wall times, not the CPU figures.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import ctypes
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests import fleet as fleet_lib  # noqa: E402

FLEET_SIZE_924 = 924
NODES = (1, 2, 4)
TARGET_CPU_PER_COURT = 0.5  # CPU seconds per court for the daily cycle
TARGET_RATIO = 0.5  # project / stock, CPU per court
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
    "pn.website.sop_result",
    "ansible.builtin.validate_argument_spec",
    "validate_argument_spec",
}
RELAY = Path(__file__).with_name("wan_relay.py")
PR_SET_CHILD_SUBREAPER = 36


@dataclass
class Run:
    cpu: float  # CPU seconds (user + system) of the run's process tree
    wall: float
    summary: dict = field(default_factory=dict)


def become_subreaper(on: bool) -> None:
    """Orphaned descendants (the SSH master connections ssh daemonizes) become our children, so that
    their CPU is counted when we reap them. Off again before podman runs (its conmon daemonizes too)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _children() -> list[int]:
    pids = []
    for task in Path("/proc/self/task").iterdir():
        try:
            pids += [int(pid) for pid in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def reap_run_leftovers(control_dir: str) -> None:
    """End and reap what a run left behind: its SSH masters (and their relay proxies)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = [pid for pid in _children() if control_dir in _cmdline(pid) or str(RELAY) in _cmdline(pid)]
        if not left:
            break
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in left:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    # zombies whose command line is already gone
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
    kind: str,
    playbooks: list[str],
    inventory: Path,
    workdir: Path,
    limit: list[str] | None = None,
    rtt_ms: float = 0,
    controller_core: str | None = None,
) -> Run:
    env = settings(kind, workdir, rtt_ms)
    # Fresh SSH master connections for every run, as for a daily run: none reused from an earlier
    # run (which may have had other settings or another round-trip time).
    control_dir = tempfile.mkdtemp(prefix="cp-", dir=workdir)
    env["ANSIBLE_SSH_CONTROL_PATH_DIR"] = control_dir
    command = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inventory)]
    if controller_core is not None:
        command = ["taskset", "-c", controller_core, *command]
    if limit:
        command += ["--limit", ",".join(limit)]
    runs = []
    cpu_before, started = _children_cpu(), time.monotonic()
    for playbook in playbooks:
        proc = subprocess.run(
            [*command, str(ROOT / playbook)], capture_output=True, text=True, env=env, cwd=ROOT, check=False
        )
        try:
            # the JSON document, then the lines the sop_history callback prints after the play
            runs.append(json.JSONDecoder().raw_decode(proc.stdout[proc.stdout.index("{") :])[0])
        except (ValueError, json.JSONDecodeError):
            reap_run_leftovers(control_dir)
            sys.exit(f"{kind}: {playbook} did not run (rc {proc.returncode}):\n{proc.stderr[-3000:]}")
    wall = time.monotonic() - started
    reap_run_leftovers(control_dir)
    return Run(cpu=_children_cpu() - cpu_before, wall=wall, summary=summarise(runs))


def summarise(runs: list[dict]) -> dict:
    """Per court: task results (one worker each), remote module runs, failures; the same per task name."""
    remote = collections.Counter()
    results = collections.Counter()
    failed = collections.Counter()
    by_task = collections.defaultdict(collections.Counter)
    for run in runs:
        for play in run.get("plays", []):
            for task in play.get("tasks", []):
                for host, result in (task.get("hosts") or {}).items():
                    action = result.get("action") or ""
                    name = task.get("task", {}).get("name") or action
                    results[host] += 1
                    by_task[name]["results"] += 1
                    if result.get("skipped"):
                        by_task[name]["skipped"] += 1
                        continue
                    if result.get("failed") or result.get("unreachable"):
                        failed[host] += 1
                    delegated = result.get("_ansible_delegated_vars", {}).get("ansible_host") in (
                        "localhost",
                        "127.0.0.1",
                    )
                    if action in LOCAL_ACTIONS or delegated:
                        continue
                    items = result.get("results")
                    # a loop runs the module once per item (items skipped by `when` do not run)
                    runs_of_task = len([i for i in items if not i.get("skipped")]) if items else 1
                    remote[host] += runs_of_task
                    by_task[name]["remote"] += runs_of_task
        for host, stats in (run.get("stats") or {}).items():
            if stats.get("unreachable") or stats.get("failures"):
                failed[host] += 1
    return {"remote": remote, "results": results, "failed": failed, "by_task": by_task}


def fixed_and_marginal(cpu_by_size: dict[int, float]) -> tuple[float, float] | None:
    """Least-squares line CPU = fixed + marginal x courts through the sizes measured (two or more)."""
    sizes = sorted(cpu_by_size)
    if len(sizes) < 2:
        return None
    mean_x = sum(sizes) / len(sizes)
    mean_y = sum(cpu_by_size[n] for n in sizes) / len(sizes)
    marginal = sum((n - mean_x) * (cpu_by_size[n] - mean_y) for n in sizes) / sum(
        (n - mean_x) ** 2 for n in sizes
    )
    return mean_y - marginal * mean_x, marginal


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> int:  # noqa: C901, PLR0912, PLR0915 - one report, printed in order
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--courts", default="5,10", help="comma-separated fleet sizes (the first N courts of one fleet)"
    )
    parser.add_argument("--cycle", choices=sorted(CYCLES), default="harian")
    parser.add_argument(
        "--rounds", type=int, default=2, help="measured runs per setting and size (alternating)"
    )
    parser.add_argument(
        "--nomux", action="store_true", help="also measure stock settings without multiplexing"
    )
    parser.add_argument("--rtt-ms", type=float, default=0, help="emulated SSH round trip (0 = loopback)")
    parser.add_argument("--project-only", action="store_true", help="measure the project's settings only")
    parser.add_argument("--keep", action="store_true", help="keep the fleet running afterwards")
    parser.add_argument(
        "--split-cores",
        action="store_true",
        help="the controller on the first core, the court containers on the others (steadier CPU figures)",
    )
    args = parser.parse_args()
    controller_core, podman_args = None, []
    if args.split_cores:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2 or not shutil.which("taskset"):
            parser.error("--split-cores: needs two cores and taskset")
        controller_core = str(cores[0])
        podman_args = ["--cpuset-cpus=" + ",".join(str(core) for core in cores[1:])]
    # `kill PID` (a benchmark started in the background ignores Ctrl-C): remove the fleet all the same
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    try:
        sizes = sorted({int(value) for value in args.courts.split(",")})
    except ValueError:
        parser.error(f"--courts: comma-separated numbers of courts expected, not {args.courts!r}")
    if sizes[0] < 1 or sizes[-1] > len(fleet_lib.COURTS):
        parser.error(f"--courts: between 1 and {len(fleet_lib.COURTS)} courts")
    name = f"bench{os.getpid()}"
    print(f"starting {sizes[-1]} court containers (fleet '{name}') ...", flush=True)
    started = time.monotonic()
    try:
        fleet = fleet_lib.start(name, count=sizes[-1], timeout=300 + 30 * sizes[-1], podman_args=podman_args)
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        print(f"fleet did not start: {error}", file=sys.stderr)
        return 1
    print(f"fleet ready in {time.monotonic() - started:.0f} s", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    kinds = (["project"] if args.project_only else ["stock", "project"]) + (
        ["stock-nomux"] if args.nomux else []
    )
    playbooks = CYCLES[args.cycle]
    best: dict[int, dict[str, Run]] = {}
    try:
        become_subreaper(True)
        print(f"cycle: {args.cycle} ({', '.join(playbooks)})", flush=True)
        warm = run_cycle("project", playbooks, fleet.inventory, workdir, rtt_ms=args.rtt_ms)
        print(
            f"warm-up run over {sizes[-1]} courts (project settings, not counted): {warm.wall:.1f} s",
            flush=True,
        )
        for size in sizes:
            limit = [court.name for court in fleet.courts[:size]]
            best[size] = {}
            print(f"{size} courts:", flush=True)
            for round_no in range(args.rounds):
                for kind in kinds if round_no % 2 == 0 else list(reversed(kinds)):
                    run = run_cycle(
                        kind, playbooks, fleet.inventory, workdir, limit, args.rtt_ms, controller_core
                    )
                    if kind not in best[size] or run.cpu < best[size][kind].cpu:
                        best[size][kind] = run
                    bad = sorted(run.summary["failed"])
                    print(
                        f"  {kind:12} {run.cpu:7.1f} CPU-s {run.wall:7.1f} s wall"
                        + (f"  (failed/unreachable: {', '.join(bad)})" if bad else ""),
                        flush=True,
                    )
    finally:
        become_subreaper(False)
        if not args.keep:
            fleet_lib.remove(name)
            shutil.rmtree(fleet.directory, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)

    load = os.getloadavg()
    print()
    print(
        f"daily cycle '{args.cycle}', SSH round trip {args.rtt_ms:g} ms, cheapest of {args.rounds} run(s) "
        f"per setting; controller CPU = ansible-playbook + workers + ssh (user + system); load average "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"{'courts':>6} {'setting':12} {'CPU-s':>7} {'CPU-s/court':>12} {'wall s':>7} "
        f"{'tasks/court':>12} {'modules/court':>14}"
    )
    for size in sizes:
        for kind in kinds:
            run = best[size][kind]
            tasks = sum(run.summary["results"].values()) / size
            modules = sum(run.summary["remote"].values()) / size
            print(
                f"{size:6} {kind:12} {run.cpu:7.1f} {run.cpu / size:12.2f} {run.wall:7.1f} "
                f"{tasks:12.1f} {modules:14.1f}"
            )
        if "stock" in best[size]:
            ratio = best[size]["project"].cpu / best[size]["stock"].cpu
            print(
                f"{size:6} project / stock CPU per court: {ratio:.2f} "
                f"(target <= {TARGET_RATIO:g}: {_verdict(ratio <= TARGET_RATIO)})"
            )
    print()
    for kind in kinds:
        line = fixed_and_marginal({size: best[size][kind].cpu for size in sizes})
        if line is None:
            per_court = best[sizes[-1]][kind].cpu / sizes[-1]
            print(f"{kind}: one fleet size only, {per_court:.2f} CPU-s per court (fixed cost not separated)")
            total = per_court * FLEET_SIZE_924
            print(f"  924 courts on one controller: {total / 60:.1f} CPU-min")
            continue
        fixed, marginal = line
        total = fixed + marginal * FLEET_SIZE_924
        print(
            f"{kind}: fixed {fixed:.1f} CPU-s per run, marginal {marginal:.2f} CPU-s per court "
            f"(from {', '.join(str(s) for s in sizes)} courts)"
        )
        print(
            f"  924 courts on one controller: {total / 60:.1f} CPU-min, "
            f"{total / FLEET_SIZE_924:.2f} CPU-s per court"
        )
        for nodes in NODES[1:]:
            per_node = fixed + marginal * FLEET_SIZE_924 / nodes
            print(
                f"  924 courts on {nodes} AWX execution nodes: {per_node / 60:.1f} CPU-min per node "
                f"({nodes * per_node / 60:.1f} CPU-min in all)"
            )
        if kind == "project":
            print(
                f"  target <= {TARGET_CPU_PER_COURT:g} CPU-s per court (924 courts in "
                f"{TARGET_CPU_PER_COURT * FLEET_SIZE_924 / 60:.1f} CPU-min): "
                f"{_verdict(total / FLEET_SIZE_924 <= TARGET_CPU_PER_COURT)}"
            )
    lines = {kind: fixed_and_marginal({size: best[size][kind].cpu for size in sizes}) for kind in kinds}
    if lines.get("stock") and lines.get("project"):
        # the ratio that matters for a fleet: at 924 courts the fixed cost of a run hardly counts
        at_924 = {kind: line[0] + line[1] * FLEET_SIZE_924 for kind, line in lines.items()}
        ratio = at_924["project"] / at_924["stock"]
        print(
            f"project / stock CPU per court at 924 courts: {ratio:.2f} "
            f"(target <= {TARGET_RATIO:g}: {_verdict(ratio <= TARGET_RATIO)})"
        )
    print()
    print("task results and remote module runs per court, by task (project settings, largest fleet):")
    largest = best[sizes[-1]]["project"].summary["by_task"]
    for task, counts in sorted(largest.items(), key=lambda item: -item[1]["results"]):
        skipped = f" ({counts['skipped'] / sizes[-1]:.1f} skipped)" if counts["skipped"] else ""
        print(f"  {counts['results'] / sizes[-1]:5.1f} {counts['remote'] / sizes[-1]:5.1f}  {task}{skipped}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
