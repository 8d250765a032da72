"""Shared fixtures: the court container fleet for integration tests."""

from __future__ import annotations

import os
import shutil

import pytest

from tests import fleet as fleet_lib


def _podman_usable() -> bool:
    return shutil.which("podman") is not None and shutil.which("debootstrap") is not None


@pytest.fixture(scope="session")
def fleet():
    """Two court servers (nginx and Apache) over real SSH, torn down after the session."""
    if not _podman_usable():
        pytest.fail("podman and debootstrap are needed for fleet tests: run `make system-deps`")
    name = f"t{os.getpid()}"
    try:
        running = fleet_lib.start(name, count=2, webservers=["nginx", "apache"])
    except fleet_lib.FleetError as error:
        fleet_lib.remove(name)
        pytest.fail(f"the court fleet did not start: {error}")
    yield running
    fleet_lib.remove(name)
    shutil.rmtree(running.directory, ignore_errors=True)
