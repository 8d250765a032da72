"""Sub-commands of `sopansible`, one module each, discovered by sopansible.cli."""
