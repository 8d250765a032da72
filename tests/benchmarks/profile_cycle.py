"""Where the controller's CPU goes in one ansible-playbook run: per task, and per part of the controller.

    .venv/bin/python tests/benchmarks/profile_cycle.py -i INVENTORY playbooks/harian.yml
    ... profile_cycle.py -i INVENTORY --limit pn-tais,pn-bangil playbooks/harian.yml
    ... profile_cycle.py --pstats DIR -i INVENTORY playbooks/harian.yml   # cProfile of every process too

Runs ansible-playbook in a child process with the repository's ansible.cfg (or ANSIBLE_CONFIG) and
measures, for each task:

- main: CPU of the ansible-playbook process (all its threads) from the task's start to the next task's
  start: choosing the task, the variables of each host, forking the workers, handling their results,
  the callbacks, includes and meta tasks (which start no worker);
- worker: CPU of the worker processes of the task (one per host, skipped ones too) until each puts its
  result on the queue: templating, conditionals, the action plugin, the module's payload;
- ssh: CPU of the ssh clients the workers started (one per remote module run with pipelining).

Printed: the run's total (this process is the subreaper of the SSH master connections, which it ends
and counts as "ssh masters"), its parts, the callbacks' own CPU per plugin, and the tasks by cost with
their results and cost per court. The fork of a worker is charged to the main process; a worker's exit
(after its result is sent) is in "workers, unattributed".

With --pstats DIR, every process writes a cProfile file there (main.pstats, worker-PID.pstats and
worker-PID.json naming its task): read them with pstats, e.g. the workers of one task. cProfile slows
the run down; the CPU figures of such a run are not comparable with one without it.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

CHILD_FLAG = "--profile-child"


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


# -- inside ansible-playbook ---------------------------------------------------------------------------
def _install_hooks(out: Path, pstats_dir: Path | None) -> None:  # noqa: C901 - hooks, one place
    """Patch ansible-playbook (this process) to write one JSON line per event into OUT."""
    import cProfile

    from ansible.executor import task_queue_manager
    from ansible.executor.process import worker

    sink = out.open("a", buffering=1)

    def emit(**record):
        sink.write(json.dumps(record) + "\n")

    original_run = worker.WorkerProcess._run

    def profiled_run(self):
        profiler = cProfile.Profile() if pstats_dir else None
        if profiler:
            profiler.enable()
        try:
            return original_run(self)
        finally:
            if profiler:
                profiler.disable()
                profiler.dump_stats(str(pstats_dir / f"worker-{os.getpid()}.pstats"))
                (pstats_dir / f"worker-{os.getpid()}.json").write_text(
                    json.dumps({"task": self._task.get_name(), "host": self._host.get_name()})
                )
            # a forked worker's resource usage starts at zero
            with out.open("a") as lines:
                lines.write(
                    json.dumps(
                        {
                            "kind": "worker",
                            "task": self._task._uuid,
                            "name": self._task.get_name(),
                            "action": self._task.action,
                            "host": self._host.get_name(),
                            "cpu": _cpu(resource.RUSAGE_SELF),
                            "ssh": _cpu(resource.RUSAGE_CHILDREN),
                        }
                    )
                    + "\n"
                )

    worker.WorkerProcess._run = profiled_run

    callback_cpu = collections.Counter()

    def timed(name, method):
        def call(*args, **kwargs):
            started = time.thread_time()
            try:
                return method(*args, **kwargs)
            finally:
                callback_cpu[name] += time.thread_time() - started

        return call

    original_load = task_queue_manager.TaskQueueManager.load_callbacks

    def load_callbacks(self):
        original_load(self)
        for plugin in self._callback_plugins:
            name = getattr(plugin, "CALLBACK_NAME", type(plugin).__name__)
            for method in plugin._implemented_callback_methods:
                setattr(plugin, method, timed(name, getattr(plugin, method)))

    task_queue_manager.TaskQueueManager.load_callbacks = load_callbacks

    original_send = task_queue_manager.TaskQueueManager.send_callback

    def send_callback(self, method_name, *args, **kwargs):
        if method_name in ("v2_playbook_on_task_start", "v2_playbook_on_stats"):
            task = args[0] if method_name == "v2_playbook_on_task_start" else None
            emit(
                kind="main",
                cpu=_cpu(resource.RUSAGE_SELF),
                task=task._uuid if task else None,
                name=task.get_name() if task else "(end of playbook: stats, callbacks)",
                action=task.action if task else "",
            )
        return original_send(self, method_name, *args, **kwargs)

    task_queue_manager.TaskQueueManager.send_callback = send_callback

    import atexit

    def at_exit():
        emit(kind="exit", cpu=_cpu(resource.RUSAGE_SELF), children=_cpu(resource.RUSAGE_CHILDREN))
        emit(kind="callbacks", cpu=dict(callback_cpu))
        sink.close()

    atexit.register(at_exit)
    if pstats_dir:
        profiler = cProfile.Profile()
        profiler.enable()
        atexit.register(lambda: (profiler.disable(), profiler.dump_stats(str(pstats_dir / "main.pstats"))))


def _child(argv: list[str]) -> int:
    out = Path(os.environ["PN_PROFILE_OUT"])
    pstats = os.environ.get("PN_PROFILE_PSTATS")
    out.open("a").write(json.dumps({"kind": "start", "cpu": _cpu(resource.RUSAGE_SELF)}) + "\n")
    from ansible.cli.playbook import PlaybookCLI

    # imports above are the CLI's start-up cost too: measured from the process's start
    _install_hooks(out, Path(pstats) if pstats else None)
    sys.argv = ["ansible-playbook", *argv]
    try:
        PlaybookCLI.cli_executor(sys.argv)
    except SystemExit as done:
        return int(done.code or 0)
    return 0


# -- the report ----------------------------------------------------------------------------------------
def _task_entry(line: dict) -> dict:
    """A task's CPU totals, empty, named after its first JSON line."""
    totals = {"main": 0.0, "worker": 0.0, "ssh": 0.0, "results": 0}
    return dict(totals, name=line["name"], action=line["action"])


def report(lines: list[dict], total: float, masters: float, courts: int) -> None:  # noqa: C901, PLR0912
    mains = [line for line in lines if line["kind"] == "main"]
    workers = [line for line in lines if line["kind"] == "worker"]
    exit_line = next(line for line in lines if line["kind"] == "exit")
    callbacks = next((line["cpu"] for line in lines if line["kind"] == "callbacks"), {})
    tasks: dict[str, dict] = {}
    order = []
    # main process CPU from one task start to the next belongs to the first
    startup = mains[0]["cpu"] if mains else exit_line["cpu"]
    bounds = [*mains, {"cpu": exit_line["cpu"]}]
    for line, following in zip(mains, bounds[1:], strict=True):
        key = line["task"] or "end"
        if key not in tasks:
            tasks[key] = _task_entry(line)
            order.append(key)
        tasks[key]["main"] += following["cpu"] - line["cpu"]
    for line in workers:
        task = tasks.setdefault(line["task"], _task_entry(line))
        task["worker"] += line["cpu"]
        task["ssh"] += line["ssh"]
        task["results"] += 1
    worker_cpu = sum(line["cpu"] for line in workers)
    ssh_cpu = sum(line["ssh"] for line in workers)
    main_cpu = exit_line["cpu"]
    print(f"controller CPU of the run: {total:.2f} s ({total / courts:.3f} per court, {courts} courts)")
    print(f"  main process            {main_cpu:7.2f} s   start-up (before the first task) {startup:.2f} s")
    print(
        f"  workers                 {worker_cpu:7.2f} s   ({len(workers)} workers, "
        f"{len(workers) / courts:.1f} per court)"
    )
    print(f"  ssh clients of workers  {ssh_cpu:7.2f} s")
    print(f"  workers, unattributed   {exit_line['children'] - worker_cpu - ssh_cpu:7.2f} s   (their exit)")
    print(f"  ssh masters             {masters:7.2f} s")
    print(f"  other                   {total - main_cpu - exit_line['children'] - masters:7.2f} s")
    print("callbacks (CPU in the main process, included in main):")
    for name, cpu in sorted(callbacks.items(), key=lambda item: -item[1]):
        print(f"  {cpu:7.3f} s  {name}")
    print()
    print(f"{'main':>7} {'worker':>7} {'ssh':>7} {'total':>7} {'/court':>7} {'results':>7}  task (action)")
    ranked = sorted(tasks.values(), key=lambda task: -(task["main"] + task["worker"] + task["ssh"]))
    for task in ranked:
        cost = task["main"] + task["worker"] + task["ssh"]
        print(
            f"{task['main']:7.3f} {task['worker']:7.3f} {task['ssh']:7.3f} {cost:7.3f} {cost / courts:7.3f} "
            f"{task['results']:7}  {task['name'][:70]} ({task['action']})"
        )


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == CHILD_FLAG:
        return _child(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pstats", type=Path, help="write cProfile files of every process here")
    parser.add_argument("--courts", type=int, help="courts in the run (for the per-court figures)")
    parser.add_argument("--keep-output", action="store_true", help="print ansible-playbook's output")
    args, playbook_args = parser.parse_known_args()
    from bench_fleet_cycle import become_subreaper, reap_run_leftovers

    env = dict(os.environ)
    env.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))
    workdir = Path(tempfile.mkdtemp(prefix="profile-cycle-"))
    control_dir = tempfile.mkdtemp(prefix="cp-", dir=workdir)
    env["ANSIBLE_SSH_CONTROL_PATH_DIR"] = control_dir
    env["PN_PROFILE_OUT"] = str(workdir / "profile.jsonl")
    if args.pstats:
        args.pstats.mkdir(parents=True, exist_ok=True)
        env["PN_PROFILE_PSTATS"] = str(args.pstats.resolve())
    become_subreaper(True)
    before = _cpu(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, __file__, CHILD_FLAG, *playbook_args],
        env=env,
        cwd=ROOT,
        capture_output=not args.keep_output,
        text=True,
        check=False,
    )
    after_run = _cpu(resource.RUSAGE_CHILDREN)
    reap_run_leftovers(control_dir)
    become_subreaper(False)
    total = _cpu(resource.RUSAGE_CHILDREN) - before
    masters = total - (after_run - before)
    if proc.returncode not in (0, 2):
        print(f"ansible-playbook exited with {proc.returncode}", file=sys.stderr)
        if proc.stderr:
            print(proc.stderr[-3000:], file=sys.stderr)
    lines = [json.loads(line) for line in (workdir / "profile.jsonl").read_text().splitlines()]
    courts = args.courts or len({line["host"] for line in lines if line["kind"] == "worker"}) or 1
    report(lines, total, masters, courts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
