"""ansible-playbook as the project runs it, for tests that run a real playbook on the controller."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_playbook(
    tmp_path: Path, inventory: Path, playbook: Path, *extra: str, **env: str
) -> subprocess.CompletedProcess:
    """ansible-playbook on PLAYBOOK over INVENTORY with the project's ansible.cfg, a fact cache (kept
    between runs in TMP_PATH) and a data folder of TMP_PATH's own (the history callback records the
    run there), the preflight's messages in English; ENV adds to the environment."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", **env)
    env["ANSIBLE_CACHE_PLUGIN_CONNECTION"] = str(tmp_path / "facts")
    env["SOPANSIBLE_DATA"] = str(tmp_path / "data")
    command = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inventory), str(playbook)]
    command += ["-e", "pn_preflight_lang=en", *extra]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
