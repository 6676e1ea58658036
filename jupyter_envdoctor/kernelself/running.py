"""The running kernel's facts about its own process, and the project envs around its working dir."""

from __future__ import annotations

import importlib.machinery
import json
import os
import platform
import re
import site
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Project environments looked for in the notebook folder and the folders above it.
PROJECT_ENV_DIRS = (".venv", "venv", os.path.join(".pixi", "envs", "default"))
# Files and folders that mark a project's root, where the search for its environment stops.
PROJECT_ROOT_MARKERS = (".git", ".hg", "pyproject.toml", "setup.py", "setup.cfg", "pixi.toml",
                        "environment.yml", "requirements.txt")

_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)?)?t?(\.exe)?$", re.IGNORECASE)
_CONNECTION_FILE_OPTIONS = ("-f", "--f")


# --- the live process --------------------------------------------------------------------------


@dataclass
class RunningKernel:
    """Facts the kernel process reads about itself."""

    executable: str  # sys.executable
    prefix: str  # sys.prefix
    base_prefix: str
    version: str
    path: list[str]  # sys.path as it is now, after ipykernel and IPython changed it
    cwd: str  # the working dir, which is the notebook's folder under Jupyter servers
    argv: list[str]  # the process command line: interpreter, options, module and arguments
    connection_file: str | None
    # The kernel spec name and session name that jupyter_client wrote into the connection
    # file (jupyter_client 8.10 writes both); None when the file has none.
    kernel_name: str | None
    session_name: str | None  # the notebook path: JPY_SESSION_NAME, set by jupyter_server
    parent_pid: int | None  # JPY_PARENT_PID: the process of the server or client that started it
    # The Python interpreter of that process, read from /proc (Linux only); None when unknown.
    parent_interpreter: str | None
    user_site: str | None
    user_site_enabled: bool
    pythonpath: str | None
    stdlib_module_names: list[str] = field(default_factory=list)
    builtin_module_names: list[str] = field(default_factory=list)
    extension_suffixes: list[str] = field(default_factory=list)
    no_user_site: bool = False
    safe_path: bool = False
    # The process environment; left out of the JSON output because it may hold secrets.
    environ: dict[str, str] = field(default_factory=dict, repr=False)


def read_running_kernel(environ: Mapping[str, str] | None = None) -> RunningKernel:
    """Read the facts of this process; ``environ`` replaces os.environ (for tests)."""
    env = dict(os.environ if environ is None else environ)
    argv = process_argv()
    connection_file = connection_file_from_argv(argv)
    info = read_connection_names(connection_file) if connection_file else {}
    parent_pid = _parse_pid(env.get("JPY_PARENT_PID"))
    return RunningKernel(
        executable=sys.executable,
        prefix=sys.prefix,
        base_prefix=sys.base_prefix,
        version=platform.python_version(),
        path=list(sys.path),
        cwd=os.getcwd(),
        argv=argv,
        connection_file=connection_file,
        kernel_name=info.get("kernel_name"),
        session_name=env.get("JPY_SESSION_NAME") or info.get("jupyter_session"),
        parent_pid=parent_pid,
        parent_interpreter=parent_interpreter(parent_pid),
        user_site=site.getusersitepackages() if site.ENABLE_USER_SITE is not None else None,
        user_site_enabled=site.ENABLE_USER_SITE is True,
        pythonpath=env.get("PYTHONPATH"),
        stdlib_module_names=sorted(getattr(sys, "stdlib_module_names", ())),
        builtin_module_names=sorted(sys.builtin_module_names),
        extension_suffixes=list(importlib.machinery.EXTENSION_SUFFIXES),
        no_user_site=bool(sys.flags.no_user_site),
        safe_path=bool(getattr(sys.flags, "safe_path", False)),
        environ=env,
    )


def process_argv() -> list[str]:
    """Return this process's command line as it was started, interpreter first."""
    original = getattr(sys, "orig_argv", None)  # Python 3.10+
    if original:
        return list(original)
    try:
        with open("/proc/self/cmdline", "rb") as file:
            raw = file.read()
    except OSError:
        return [sys.executable, *sys.argv]
    return [os.fsdecode(part) for part in raw.split(b"\0") if part]


def connection_file_from_argv(argv: Sequence[str]) -> str | None:
    """Return the connection file given with ``-f FILE`` (or ``--f=FILE``), as ipykernel reads it."""
    for index, arg in enumerate(argv):
        if arg in _CONNECTION_FILE_OPTIONS and index + 1 < len(argv):
            return argv[index + 1]
        for option in _CONNECTION_FILE_OPTIONS:
            if arg.startswith(option + "="):
                return arg[len(option) + 1:]
    return None


def read_connection_names(path: str) -> dict[str, str]:
    """Return the non-empty ``kernel_name`` and ``jupyter_session`` of a connection file.

    The file also contains the kernel's signing key, which is never copied into the result.
    """
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: data[key] for key in ("kernel_name", "jupyter_session")
            if isinstance(data.get(key), str) and data[key]}


def parent_interpreter(pid: int | None) -> str | None:
    """Return the Python interpreter that process ``pid`` runs, from its command line.

    A script with a ``#!`` line starts with the interpreter of that line as argv[0], so a
    `jupyter lab` script names the environment it belongs to. Returns None when the process
    cannot be read (not Linux, or gone) or its argv[0] is not an absolute path to a Python.
    """
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            program = os.fsdecode(file.read().split(b"\0")[0])
    except OSError:
        return None
    if not os.path.isabs(program) or not _PYTHON_NAME.match(os.path.basename(program)):
        return None
    return program if os.access(program, os.X_OK) else None


def _parse_pid(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def project_environments(cwd: str) -> list[str]:
    """Return the project environments (.venv, venv, .pixi) of the notebook folder, nearest first.

    The search goes up from ``cwd`` to the project root: the first folder with a project
    marker (.git, pyproject.toml, ...), else the home dir or the file system root. So a
    notebook in ``project/notebooks`` finds ``project/.venv``, but not an env in a folder
    above the project.
    """
    found = []
    home = os.path.realpath(os.path.expanduser("~"))
    folder = os.path.realpath(cwd)
    while True:
        found += [prefix for prefix in (os.path.join(folder, name) for name in PROJECT_ENV_DIRS)
                  if _is_environment(prefix)]
        parent = os.path.dirname(folder)
        if folder == home or parent == folder or _is_project_root(folder):
            return found
        folder = parent


def _is_environment(prefix: str) -> bool:
    return os.path.isfile(os.path.join(prefix, "pyvenv.cfg")) or os.path.isdir(
        os.path.join(prefix, "conda-meta"))


def _is_project_root(folder: str) -> bool:
    return any(os.path.exists(os.path.join(folder, marker)) for marker in PROJECT_ROOT_MARKERS)
