"""A throwaway Jupyter setup for tests: a fake HOME, kernel dirs, venvs and kernel specs.

Venvs are made with `python -m venv`. uv installs ipykernel into them from a cache shared by
the test session, so it is downloaded once per run. Kernel specs are written by
`python -m ipykernel install`, so every file the doctor reads is what the real tools write.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conda_envs import find_python
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

from jupyter_envdoctor.checks import run_checks
from jupyter_envdoctor.discovery.scan import ScanOptions, scan
from jupyter_envdoctor.model import Finding, Snapshot

# Variables of the developer's or CI's shell that would leak into the doctor's input.
CLEARED_VARIABLES = (
    "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDA_EXE", "CONDA_ENVS_PATH", "CONDA_ROOT", "CONDARC",
    "CONDA_PYTHON_EXE", "CONDA_SHLVL", "MAMBA_ROOT_PREFIX", "VIRTUAL_ENV", "PYTHONPATH",
    "PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "JUPYTER_PATH", "JUPYTER_DATA_DIR",
    "JUPYTER_CONFIG_DIR", "JUPYTER_CONFIG_PATH", "JUPYTER_PREFER_ENV_PATH", "JUPYTER_RUNTIME_DIR",
    "WORKON_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
    "PIXI_PROJECT_ROOT", "PYENV_VERSION",
)


@dataclass
class JupyterHome:
    """Paths of one test's fake machine; os.environ points HOME and Jupyter at them."""

    root: Path
    uv_cache: Path
    home: Path = field(init=False)
    system_dir: Path = field(init=False)
    bin_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.home = self.root / "home"
        self.system_dir = self.root / "system" / "share" / "jupyter"
        self.bin_dir = self.root / "bin"
        for folder in (self.home, self.system_dir / "kernels", self.bin_dir):
            folder.mkdir(parents=True, exist_ok=True)

    @property
    def user_kernels(self) -> Path:
        return self.home / ".local" / "share" / "jupyter" / "kernels"

    @property
    def environments_txt(self) -> Path:
        return self.home / ".conda" / "environments.txt"

    def venv(self, name: str, python: str = "3.11", ipykernel: bool = False,
             location: Path | None = None) -> Path:
        """Make a venv with `python -m venv`; return the venv's bin/python."""
        base = find_python(python).executable
        prefix = location or (self.root / "venvs" / name)
        subprocess.run([str(base), "-m", "venv", "--without-pip", str(prefix)], check=True)
        interpreter = prefix / "bin" / "python"
        if ipykernel:
            self.uv_install(interpreter, "ipykernel")
        return interpreter

    def uv_install(self, interpreter: Path, *requirements: str) -> None:
        uv = shutil.which("uv", path=os.pathsep.join([str(Path(sys.executable).parent), os.defpath]))
        assert uv is not None, "uv is missing: install the test extra (pip install -e '.[test]')"
        env = {**os.environ, "UV_CACHE_DIR": str(self.uv_cache)}
        subprocess.run([uv, "pip", "install", "-q", "--python", str(interpreter), *requirements],
                       check=True, env=env)

    def ipykernel_install(self, interpreter: Path, name: str, *, display_name: str | None = None,
                          prefix: Path | None = None, env: Sequence[tuple[str, str]] = ()) -> Path:
        """Register ``interpreter`` with its own `ipykernel install`; return the kernel dir."""
        command = [str(interpreter), "-m", "ipykernel", "install", "--name", name]
        command += ["--prefix", str(prefix)] if prefix else ["--user"]
        if display_name:
            command += ["--display-name", display_name]
        for key, value in env:
            command += ["--env", key, value]
        subprocess.run(command, check=True, capture_output=True, env=dict(os.environ))
        base = (prefix / "share" / "jupyter" / "kernels") if prefix else self.user_kernels
        return base / name

    def write_kernel(self, kernels_dir: Path, name: str, argv: list[str] | None = None,
                     text: str | None = None, **fields: Any) -> Path:
        """Write a kernel.json by hand, as people do when they copy and edit one."""
        folder = kernels_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        if text is None:
            spec = {"argv": argv, "display_name": fields.pop("display_name", name),
                    "language": "python", **fields}
            text = json.dumps(spec, indent=1) + "\n"
        (folder / "kernel.json").write_text(text)
        return folder

    def link_on_path(self, name: str, target: Path) -> None:
        (self.bin_dir / name).symlink_to(target)


def install_fake_home(monkeypatch: Any, root: Path, uv_cache: Path) -> JupyterHome:
    for name in CLEARED_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    setup = JupyterHome(root, uv_cache)
    monkeypatch.setenv("HOME", str(setup.home))
    monkeypatch.setenv("JUPYTER_PATH", str(setup.system_dir))
    # Keep the test interpreter's dir reachable (uv, jupyter) after the fake bin dir.
    path = os.pathsep.join([str(setup.bin_dir), str(Path(sys.executable).parent), "/usr/bin", "/bin"])
    monkeypatch.setenv("PATH", path)
    return setup


def doctor(setup: JupyterHome, server_python: Path | None = None,
           environ: dict[str, str] | None = None,
           **options: Any) -> tuple[Snapshot, list[Finding]]:
    """Scan the fake machine and run every check, with no cache unless ``use_cache`` is given."""
    scan_options = ScanOptions(
        server_python=str(server_python) if server_python else None,
        environ=environ if environ is not None else dict(os.environ),
        use_cache=options.pop("use_cache", False),
        probe_timeout=options.pop("probe_timeout", 20.0),
        **options,
    )
    snapshot = scan(scan_options)
    return snapshot, run_checks(snapshot)


def codes(findings: Sequence[Finding]) -> list[str]:
    return sorted(f.code for f in findings)


def only(findings: Sequence[Finding], code: str, kernel: str | None = None) -> Finding:
    """Return the one finding with ``code`` (about ``kernel``); fail when there are more or none."""
    matches = [f for f in findings if f.code == code and (kernel is None or kernel in f.kernels)]
    assert len(matches) == 1, f"expected one {code} for {kernel}, found {[m.title for m in matches]}"
    return matches[0]


@dataclass
class CellOutput:
    """What one executed cell sent: its streams and the data of each display."""

    stdout: str = ""
    stderr: str = ""
    displays: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


class KernelSession:
    """A kernel started with jupyter_client, which runs cells and collects their output."""

    def __init__(self, kernel_name: str, client: BlockingKernelClient) -> None:
        self.kernel_name = kernel_name
        self.client = client

    def run(self, code: str, timeout: float = 60) -> CellOutput:
        """Run ``code``; fail with the traceback when the cell raises."""
        msg_id = self.client.execute(code)
        output = CellOutput()
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"kernel {self.kernel_name} sent nothing for {timeout} s") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            content = msg["content"]
            if msg["msg_type"] == "stream" and content["name"] == "stdout":
                output.stdout += content["text"]
            elif msg["msg_type"] == "stream":
                output.stderr += content["text"]
            elif msg["msg_type"] in ("display_data", "execute_result"):
                output.displays.append(content["data"])
            elif msg["msg_type"] == "error":
                raise AssertionError("\n".join(content["traceback"]))
            elif msg["msg_type"] == "status" and content["execution_state"] == "idle":
                return output


@contextlib.contextmanager
def started_kernel(kernel_name: str, cwd: Path | None = None) -> Iterator[KernelSession]:
    """Start the kernel ``kernel_name`` in ``cwd``; shut it down on exit."""
    manager = KernelManager(kernel_name=kernel_name)
    manager.start_kernel(**({"cwd": str(cwd)} if cwd else {}))
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=60)
        yield KernelSession(kernel_name, client)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run_in_kernel(kernel_name: str, code: str) -> str:
    """Start the kernel with jupyter_client, run ``code`` and return what it printed."""
    with started_kernel(kernel_name) as kernel:
        return kernel.run(code, timeout=30).text
