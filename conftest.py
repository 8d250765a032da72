"""Make the pn.website collection importable as ``ansible_collections.pn.website`` in every test."""

import sys
from pathlib import Path

COLLECTIONS = str(Path(__file__).resolve().parent / "collections")
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
