"""Classify a kernel's argv: which interpreter or wrapper starts the kernel, and in which env."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence

from ..model import Launch

# jupyter_client replaces argv[0] by the server's interpreter only for these exact names
# (jupyter_client.manager.KernelManager.format_kernel_cmd).
_BARE_PYTHON = re.compile(r"^python(\d(\.\d+)?)?$")
_PYTHON_FILE = re.compile(r"^(python|pypy)(\d(\.\d+)?)?(\.exe)?$", re.IGNORECASE)
_SHELLS = {"bash", "sh", "zsh", "dash"}
# `source activate ENV`, `conda activate ENV`, `. /p/bin/activate`, `micromamba activate ENV`.
_ACTIVATE = re.compile(r"(?:^|[;&|\s])(?:source|\.|conda|mamba|micromamba)\s+(\S*activate)\s*([^\s;&|]*)")


def classify_argv(argv: Sequence[str]) -> Launch:
    """Return how ``argv`` starts its kernel; argv must be a non-empty list of strings."""
    program = argv[0]
    base = _basename(program)

    if _BARE_PYTHON.match(program):
        launch = _python_launch("bare-python", argv)
        if launch.module == "nb_conda_kernels.runner":
            return _nb_conda_runner(argv, launch)
        return launch
    if _PYTHON_FILE.match(base):
        launch = _python_launch("python", argv)
        if launch.module == "nb_conda_kernels.runner":
            return _nb_conda_runner(argv, launch)
        return launch
    if base in ("conda", "conda.exe", "mamba", "micromamba") and "run" in argv[1:3]:
        return _conda_run(argv)
    if base in ("pixi", "pixi.exe") and len(argv) > 1 and argv[1] == "run":
        return _pixi_run(argv)
    if base in _SHELLS and "-c" in argv[1:]:
        shell_launch = _shell_activate(argv)
        if shell_launch is not None:
            return shell_launch
    return Launch(kind="other", wrapper=program)


def _basename(program: str) -> str:
    # Specs written on Windows keep backslashes, and this may run on another platform.
    return re.split(r"[\\/]", program)[-1]


def substitutes_to_server(program: str, server_version: str) -> bool:
    """Tell whether jupyter_client runs the server's interpreter in place of ``program``."""
    major_minor = ".".join(server_version.split(".")[:2])
    major = major_minor.split(".")[0]
    return program in ("python", f"python{major}", f"python{major_minor}")


def _python_launch(kind: str, argv: Sequence[str]) -> Launch:
    module = _module_of(argv)
    return Launch(kind=kind, interpreter=argv[0], module=module)  # type: ignore[arg-type]


def _module_of(argv: Sequence[str]) -> str | None:
    """Return the module run by ``python [options] -m MODULE``, skipping interpreter options."""
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg == "-m" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("-m") and len(arg) > 2:
            return arg[2:]
        if arg in ("-X", "-W"):
            i += 2
            continue
        if not arg.startswith("-"):
            return None
        i += 1
    return None


def _nb_conda_runner(argv: Sequence[str], launch: Launch) -> Launch:
    # python -m nb_conda_kernels.runner CONDA_ROOT ENV_PREFIX ARGV...
    rest = list(argv[argv.index("nb_conda_kernels.runner") + 1:])
    if len(rest) < 3:
        return Launch(kind="nb-conda-runner", interpreter=launch.interpreter,
                      module=launch.module, wrapper="nb_conda_kernels.runner")
    return Launch(
        kind="nb-conda-runner",
        interpreter=launch.interpreter,
        module=_inner_module(rest[2:]),
        target_prefix=rest[1],
        inner_argv=rest[2:],
        wrapper="nb_conda_kernels.runner",
    )


def _conda_run(argv: Sequence[str]) -> Launch:
    run_at = argv.index("run")
    args = list(argv[run_at + 1:])
    prefix = name = None
    inner: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-p", "--prefix") and i + 1 < len(args):
            prefix = args[i + 1]
            i += 2
        elif arg in ("-n", "--name") and i + 1 < len(args):
            name = args[i + 1]
            i += 2
        elif arg.startswith("--prefix="):
            prefix = arg.split("=", 1)[1]
            i += 1
        elif arg.startswith("--name="):
            name = arg.split("=", 1)[1]
            i += 1
        elif arg.startswith("-"):
            i += 1
        else:
            inner = args[i:]
            break
    return Launch(kind="conda-run", target_prefix=prefix, target_name=name,
                  inner_argv=inner, wrapper=argv[0], module=_inner_module(inner))


def _pixi_run(argv: Sequence[str]) -> Launch:
    args = list(argv[2:])
    manifest = None
    inner: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("--manifest-path", "-m", "--environment", "-e") and i + 1 < len(args):
            if arg in ("--manifest-path", "-m"):
                manifest = args[i + 1]
            i += 2
        elif arg.startswith("-"):
            i += 1
        else:
            inner = args[i:]
            break
    return Launch(kind="pixi-run", target_prefix=manifest, inner_argv=inner,
                  wrapper=argv[0], module=_inner_module(inner))


def _shell_activate(argv: Sequence[str]) -> Launch | None:
    script = argv[argv.index("-c") + 1] if argv.index("-c") + 1 < len(argv) else ""
    match = _ACTIVATE.search(script)
    if not match:
        return None
    activate, target = match.group(1), match.group(2)
    prefix = name = None
    if activate.endswith("/bin/activate") and not target:
        # `. /path/env/bin/activate` activates the env that contains the script (a venv).
        prefix = os.path.dirname(os.path.dirname(activate))
    if target:
        if "/" in target or os.sep in target:
            prefix = target
        else:
            name = target
    inner = _exec_argv(script)
    return Launch(kind="shell-activate", target_prefix=prefix, target_name=name,
                  inner_argv=inner, wrapper=argv[0], module=_inner_module(inner))


def _exec_argv(script: str) -> list[str]:
    """Return the command after the last `exec` (or the last `&&`) of a shell script."""
    for separator in ("exec ", "&& ", "; "):
        if separator in script:
            tail = script.rsplit(separator, 1)[1]
            try:
                return shlex.split(tail)
            except ValueError:
                return tail.split()
    return []


def _inner_module(inner: Sequence[str]) -> str | None:
    if inner and _PYTHON_FILE.match(_basename(inner[0])):
        return _module_of(inner)
    return None
