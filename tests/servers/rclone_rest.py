"""rclone's restic REST server (`rclone serve restic`), started by tests on loopback.

The same server the backup role runs on a backup host: `--append-only` for the courts' credentials,
`--private-repos` so that each user reaches only `/{user}/`, basic authentication from an htpasswd
file, TLS with the test's certificate. The port is chosen by the kernel and read from rclone's own
start-up line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading

_LISTENING = re.compile(r"Serving restic REST API on (https?)://([0-9.]+):(\d+)/")


def htpasswd_line(user: str, password: str) -> str:
    """`user:$apr1$...` made by openssl (the password goes through stdin, never argv)."""
    digest = subprocess.run(
        ["openssl", "passwd", "-apr1", "-stdin"], input=password, capture_output=True, text=True, check=True
    ).stdout.strip()
    return f"{user}:{digest}"


class RcloneResticServer:
    """``with RcloneResticServer(root, users={"pn-tais": "pw"}, append_only=True) as server: server.url``"""

    def __init__(
        self,
        root: str,
        users: dict,
        append_only: bool = True,
        private_repos: bool = True,
        certfile: str | None = None,
        keyfile: str | None = None,
        host: str = "127.0.0.1",
    ):
        if not host.startswith("127."):
            raise ValueError(f"the test REST server listens on loopback only, not {host!r}")
        if shutil.which("rclone") is None:
            raise RuntimeError("rclone is not installed: run `make system-deps`")
        self.root = os.path.abspath(root)
        self.users = dict(users)
        self.append_only = append_only
        self.private_repos = private_repos
        self.certfile, self.keyfile = certfile, keyfile
        self.host = host
        self.port = None
        self.scheme = "https" if certfile else "http"
        self.process = None
        self.output: list = []
        self._workdir = tempfile.mkdtemp(prefix="rclone-rest-")
        self._reader = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def command(self) -> list:
        htpasswd = os.path.join(self._workdir, "htpasswd")
        with open(htpasswd, "w") as handle:
            for user, password in self.users.items():
                handle.write(htpasswd_line(user, password) + "\n")
        os.makedirs(self.root, exist_ok=True)
        command = ["rclone", "serve", "restic", "--config", os.devnull, "--addr", f"{self.host}:0"]
        command += ["--htpasswd", htpasswd, "--cache-objects=false"]
        if self.append_only:
            command.append("--append-only")
        if self.private_repos:
            command.append("--private-repos")
        if self.certfile:
            command += ["--cert", self.certfile, "--key", self.keyfile]
        return command + [self.root]

    def start(self) -> RcloneResticServer:
        env = dict(os.environ, HOME=self._workdir, RCLONE_CONFIG=os.devnull)
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        # rclone names the port it listens on, then keeps logging; a thread drains its output
        for line in self.process.stderr:
            self.output.append(line)
            match = _LISTENING.search(line)
            if match:
                self.port = int(match.group(3))
                break
        if self.port is None:
            self.process.wait()
            raise RuntimeError("rclone serve restic did not start: " + "".join(self.output[-5:]))
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        return self

    def _drain(self) -> None:
        for line in self.process.stderr:
            if len(self.output) < 10000:
                self.output.append(line)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._reader:
            self._reader.join()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> RcloneResticServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
