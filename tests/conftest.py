"""Shared fixtures: the court container fleet for integration tests, a PostgreSQL server for the history."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest

from tests import fleet as fleet_lib
from tests import pgserver


@pytest.fixture(scope="session", autouse=True)
def _run_data_outside_the_checkout(tmp_path_factory):
    """Runs that tests start (ansible-playbook records through the history callback, sopansible without
    --data) keep their history and run folders in a session folder, not in the checkout's var/."""
    if os.environ.get("SOPANSIBLE_DATA"):
        yield
        return
    os.environ["SOPANSIBLE_DATA"] = str(tmp_path_factory.mktemp("sopansible-data"))
    yield
    os.environ.pop("SOPANSIBLE_DATA", None)


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


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL server (Debian's postgresql) on a loopback port, for the whole session.
    Missing server programs fail the tests that need it: CI must not pass them by skipping."""
    try:
        server = pgserver.start()
    except pgserver.ServerError as error:
        pytest.fail(f"PostgreSQL for the history tests: {error}")
    yield server
    pgserver.stop(server)


@pytest.fixture
def pg_url(pg_server):
    """A URL of an empty schema of the test server (its own history for each test)."""
    return pgserver.create_schema(pg_server, f"t_{uuid.uuid4().hex[:16]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def history_db(request, tmp_path):
    """Where a test's history lives, once in an SQLite file and once on the PostgreSQL server."""
    if request.param == "sqlite":
        return tmp_path / "history.sqlite"
    return request.getfixturevalue("pg_url")
