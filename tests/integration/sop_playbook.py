"""Run a project playbook with ansible-playbook and collect every court's SOP result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_sop_playbook(name: str, work: Path, *args: str) -> tuple[int, str, dict]:
    """Run playbooks/NAME with ARGS (inventories, limits, extra variables); returns (exit code,
    output, {host: its last SOP result}), the results the sopansible history records from the run
    (written by the test callback callback_plugins/sop_results_dir.py, beside the project's own)."""
    results = work / f"results-{Path(name).stem}-{time.monotonic_ns()}"
    results.mkdir()
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_CALLBACK_PLUGINS=str(Path(__file__).parent / "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="pn.website.sop_history,sop_results_dir",
        PN_TEST_RESULTS_DIR=str(results),
    )
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), *args, str(ROOT / "playbooks" / name)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    found = {p.stem: json.loads(p.read_text()) for p in results.glob("*.json")}
    return proc.returncode, proc.stdout + proc.stderr, found
