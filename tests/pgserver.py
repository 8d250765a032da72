"""A real PostgreSQL server for the tests: Debian's postgresql, in a temporary folder, on a free
loopback port, password authentication over TCP. Started once per test session (tests/conftest.py)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

TOOLS = ("initdb", "pg_ctl")


class ServerError(Exception):
    pass


@dataclass
class Server:
    directory: Path
    port: int
    user: str
    password: str

    def url(self, database: str = "postgres", password: bool = True, **query: str) -> str:
        secret = ":" + urllib.parse.quote(self.password, safe="") if password else ""
        tail = ("?" + urllib.parse.urlencode(query)) if query else ""
        return f"postgresql://{self.user}{secret}@127.0.0.1:{self.port}/{database}{tail}"

    def schema_url(self, schema: str) -> str:
        """A URL whose tables live in ``schema`` (one per test: a clean history without a new database)."""
        return self.url(options=f"-csearch_path={schema}")


def _as_owner(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: as root, the server runs as the postgres user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command: list[str], directory: Path) -> None:
    done = subprocess.run(_as_owner(command), capture_output=True, text=True, timeout=120, cwd=directory)
    if done.returncode != 0:
        log = directory / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise ServerError(f"{' '.join(command[:2])} failed: {done.stderr.strip()[-2000:]} {tail}")


def _tool(name: str) -> str | None:
    """A server program: on PATH, else in Debian's versioned folder (the package does not link them)."""
    found = shutil.which(name)
    if found:
        return found
    found_all = [p for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}") if p.parts[-3].isdigit()]
    versions = sorted(found_all, key=lambda p: int(p.parts[-3]))
    return str(versions[-1]) if versions else None


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if _tool(tool) is None]


def start() -> Server:
    if missing_tools():
        raise ServerError(
            f"PostgreSQL server programs not found ({', '.join(missing_tools())}): "
            "run `make system-deps` (Debian package postgresql)"
        )
    directory = Path(tempfile.mkdtemp(prefix="sopansible-pg-"))
    server = Server(directory, _free_port(), "postgres", secrets.token_urlsafe(18))
    (directory / "sock").mkdir()
    pwfile = directory / "pw"
    pwfile.write_text(server.password + "\n")
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
        shutil.chown(directory / "sock", "postgres")
        shutil.chown(pwfile, "postgres")
    pwfile.chmod(0o600)
    _run(
        [
            _tool("initdb"),
            "-D",
            str(directory / "data"),
            "-U",
            server.user,
            "--pwfile",
            str(pwfile),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
        ],
        directory,
    )
    pwfile.unlink()
    options = f"-p {server.port} -k {directory / 'sock'} -c listen_addresses=127.0.0.1 -c fsync=off"
    _run(
        [
            _tool("pg_ctl"),
            "-D",
            str(directory / "data"),
            "-l",
            str(directory / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        ],
        directory,
    )
    return server


def stop(server: Server) -> None:
    subprocess.run(
        _as_owner([_tool("pg_ctl"), "-D", str(server.directory / "data"), "-m", "fast", "-w", "stop"]),
        capture_output=True,
        timeout=120,
        cwd=server.directory,
    )
    shutil.rmtree(server.directory, ignore_errors=True)


def create_schema(server: Server, name: str) -> str:
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    return server.schema_url(name)
