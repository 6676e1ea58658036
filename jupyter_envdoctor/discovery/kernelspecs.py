"""Every kernel.json the server can see, in its search order, hidden and broken ones too."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from jupyter_core import paths as jpaths

from ..model import Kernel, ServerInfo
from .launchers import classify_argv

log = logging.getLogger(__name__)

BUILTIN_NAME = "python3"


def find_kernels(server: ServerInfo) -> tuple[list[Kernel], list[str]]:
    """Load every kernel spec in ``server.kernel_dirs``; return the kernels and read problems.

    A name found in an earlier dir hides the same name in later dirs, as in
    jupyter_client's KernelSpecManager.find_kernel_specs. Hidden specs are kept, with
    ``hidden_by`` naming the spec that wins.
    """
    kernels: list[Kernel] = []
    problems: list[str] = []
    winners: dict[str, Kernel] = {}

    for rank, kernel_dir in enumerate(server.kernel_dirs):
        source = _source_of(kernel_dir, server)
        for name, resource_dir in _kernel_dirs_in(kernel_dir, problems):
            kernel = load_kernel(name, resource_dir, source, rank)
            winner = winners.get(name)
            if winner is None:
                winners[name] = kernel
            else:
                kernel.hidden_by = winner.spec_path
            kernels.append(kernel)

    if BUILTIN_NAME not in winners:
        builtin = _builtin_kernel(server, len(server.kernel_dirs))
        if builtin is not None:
            kernels.append(builtin)
    return kernels, problems


def load_kernel(name: str, resource_dir: str, source: str, rank: int) -> Kernel:
    """Read one kernel.json into a Kernel; a broken spec becomes a Kernel with ``error`` set."""
    spec_path = os.path.join(resource_dir, "kernel.json")
    kernel = Kernel(name=name, resource_dir=resource_dir, spec_path=spec_path,
                    source=source, search_rank=rank)
    spec, error = _read_spec(spec_path)
    if error is not None:
        kernel.error = error
        return kernel
    assert spec is not None
    kernel.error = _fill_from_spec(kernel, spec)
    return kernel


def _kernel_dirs_in(kernel_dir: str, problems: list[str]) -> list[tuple[str, str]]:
    """List (name, resource dir) pairs the way jupyter_client does: names are lower case."""
    try:
        entries = sorted(os.listdir(kernel_dir))
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        problems.append(f"kernel dir {kernel_dir} is a file, not a directory")
        return []
    except OSError as e:
        problems.append(f"cannot read kernel dir {kernel_dir}: {e.strerror}")
        return []
    found = []
    for entry in entries:
        resource_dir = os.path.join(kernel_dir, entry)
        if os.path.isdir(resource_dir) and os.path.lexists(os.path.join(resource_dir, "kernel.json")):
            found.append((entry.lower(), resource_dir))
    return found


def _read_spec(spec_path: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        with open(spec_path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return None, "kernel.json is a broken symlink" if os.path.islink(spec_path) else "kernel.json not found"
    except OSError as e:
        return None, f"cannot read kernel.json: {e.strerror}"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, f"kernel.json is not valid UTF-8 (byte {e.start})"
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as e:
        return None, f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}"
    if not isinstance(spec, dict):
        return None, f"kernel.json must hold a JSON object, not {type(spec).__name__}"
    return spec, None


def _fill_from_spec(kernel: Kernel, spec: dict[str, Any]) -> str | None:
    """Copy the fields jupyter_client uses; return an error for the ones it would reject."""
    argv = spec.get("argv")
    if argv is None:
        return "missing required field argv"
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        return "argv must be a non-empty list of strings"
    kernel.argv = list(argv)
    kernel.launch = classify_argv(kernel.argv)

    display_name = spec.get("display_name", "")
    kernel.display_name = display_name if isinstance(display_name, str) else str(display_name)
    language = spec.get("language", "")
    kernel.language = language if isinstance(language, str) else ""
    metadata = spec.get("metadata", {})
    kernel.metadata = metadata if isinstance(metadata, dict) else {}
    if kernel.launch.kind == "other" and kernel.language.lower() == "python":
        # A Python kernel started through a launcher this tool does not parse.
        log.debug("kernel %s: unrecognized launcher %s", kernel.name, kernel.argv[0])

    env = spec.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        return "env must be an object whose values are strings"
    kernel.env = {str(k): v for k, v in env.items()}
    return None


def _source_of(kernel_dir: str, server: ServerInfo) -> str:
    data_dir = os.path.dirname(os.path.normpath(kernel_dir))
    if os.path.normpath(data_dir) == os.path.normpath(jpaths.jupyter_data_dir()):
        return "user"
    if os.path.normpath(data_dir) == os.path.normpath(os.path.join(server.prefix, "share", "jupyter")):
        return "env"
    explicit = server.environ.get("JUPYTER_PATH", "")
    if data_dir in [p.rstrip(os.sep) for p in explicit.split(os.pathsep) if p]:
        return "jupyter_path"
    if data_dir in jpaths.SYSTEM_JUPYTER_PATH:
        return "system"
    return "user" if data_dir.startswith(os.path.expanduser("~")) else "system"


def _builtin_kernel(server: ServerInfo, rank: int) -> Kernel | None:
    """Return the python3 spec jupyter_client adds from ipykernel when none is on disk."""
    resources = _ipykernel_resources(server.prefix)
    if resources is None:
        return None
    kernel = Kernel(name=BUILTIN_NAME, resource_dir=resources, spec_path="",
                    source="builtin", search_rank=rank)
    kernel.argv = [server.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel.launch = classify_argv(kernel.argv)
    kernel.display_name = "Python 3 (ipykernel)"
    kernel.language = "python"
    return kernel


def _ipykernel_resources(prefix: str) -> str | None:
    lib = os.path.join(prefix, "lib")
    try:
        versions = [d for d in os.listdir(lib) if d.startswith("python")]
    except OSError:
        versions = []
    candidates = [os.path.join(lib, v, "site-packages", "ipykernel", "resources") for v in versions]
    candidates.append(os.path.join(prefix, "Lib", "site-packages", "ipykernel", "resources"))
    for path in candidates:
        if os.path.isdir(path):
            return path
    return None
