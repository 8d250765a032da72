"""Where the project's playbooks, collection and run data live."""

from __future__ import annotations

import os
from pathlib import Path

#: The project directory (holds ansible.cfg, playbooks/, collections/). Override with SOPANSIBLE_HOME.
PROJECT_ROOT = Path(os.environ.get("SOPANSIBLE_HOME") or Path(__file__).resolve().parents[1])
COLLECTIONS_DIR = PROJECT_ROOT / "collections"
COLLECTION_DIR = COLLECTIONS_DIR / "ansible_collections" / "pn" / "website"
PLAYBOOKS_DIR = PROJECT_ROOT / "playbooks"


def data_dir() -> Path:
    """Run data, history and reports: SOPANSIBLE_DATA or ./var under the project."""
    return Path(os.environ.get("SOPANSIBLE_DATA") or PROJECT_ROOT / "var")
