"""Run a project playbook with ansible-playbook and collect every court's pn_sop_result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def run_sop_playbook(name: str, work: Path, *args: str) -> tuple[int, str, dict]:
    """Run playbooks/NAME with ARGS (inventories, limits, extra variables); returns (exit code,
    output, {host: pn_sop_result}). The results are written by a play appended to the playbook."""
    results = work / f"results-{Path(name).stem}-{time.monotonic_ns()}"
    results.mkdir()
    wrapper = work / f"run-{name}"
    wrapper.write_text(
        yaml.safe_dump(
            [
                {"ansible.builtin.import_playbook": str(ROOT / "playbooks" / name)},
                {
                    "name": "Collect the SOP results",
                    "hosts": "all",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "Write the result",
                            "delegate_to": "localhost",
                            "when": "pn_sop_result is defined",
                            "ansible.builtin.copy": {
                                "content": "{{ pn_sop_result | to_json }}",
                                "dest": f"{results}/{{{{ inventory_hostname }}}}.json",
                                "mode": "0600",
                            },
                        }
                    ],
                },
            ]
        )
    )
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), *args, str(wrapper)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    found = {p.stem: json.loads(p.read_text()) for p in results.glob("*.json")}
    return proc.returncode, proc.stdout + proc.stderr, found
