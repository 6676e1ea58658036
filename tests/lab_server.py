"""`jupyter lab` on 127.0.0.1 for the browser tests, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's hosts, which
# a closed network refuses. --no-sandbox is needed because the tests may run as root.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STARTUP_TIMEOUT = 90.0


@dataclass
class LabServer:
    """A running `jupyter lab` process with its token and log file."""

    process: subprocess.Popen[bytes]
    port: int
    token: str
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def lab_url(self) -> str:
        return f"{self.base_url}/lab?token={self.token}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_lab_settings(settings_dir: Path) -> None:
    """Turn off the news and update checks, whose pop-up would cover the panel."""
    folder = settings_dir / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    settings = {"fetchNews": "false", "checkForUpdates": False}
    (folder / "notification.jupyterlab-settings").write_text(json.dumps(settings))


def wait_until_ready(server: LabServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    url = f"{server.base_url}/api/status?token={server.token}"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"jupyter lab exited with {server.process.returncode}:\n{server.log()}")
        with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError), \
                urllib.request.urlopen(url, timeout=5) as reply:
            if reply.status == 200:
                return
        time.sleep(0.5)
    raise AssertionError(f"jupyter lab did not respond within {STARTUP_TIMEOUT} s:\n{server.log()}")


@contextlib.contextmanager
def running_lab(root: Path, environ: dict[str, str]) -> Iterator[LabServer]:
    """Start `jupyter lab` with its settings, workspaces and notebooks under ``root``; stop it on exit.

    ``environ`` sets HOME and the Jupyter dirs, so the server reads only the test's machine.
    """
    notebooks = root / "notebooks"
    settings_dir = root / "lab-settings"
    workspaces = root / "lab-workspaces"
    for folder in (notebooks, workspaces):
        folder.mkdir(parents=True, exist_ok=True)
    write_lab_settings(settings_dir)

    port = free_port()
    token = secrets.token_hex(16)
    log_path = root / "jupyter-lab.log"
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={notebooks}",
        f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={workspaces}",
        # window.jupyterapp, so the tests can wait for the app to finish restoring its layout.
        "--LabApp.expose_app_in_browser=True",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=environ, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=notebooks)
    server = LabServer(process, port, token, log_path)
    try:
        wait_until_ready(server)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server with SIGTERM, which shuts its kernels down; kill it after 20 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=20)
