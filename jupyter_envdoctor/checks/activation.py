"""Checks of kernels that start an env's interpreter directly, without activating the env."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from string import Template

from ..discovery.activation import resolve_for_spec
from ..discovery.scan import kernel_environ
from ..model import Environment, Finding, Kernel, Snapshot
from . import remedies

DIRECT_KINDS = ("python", "bare-python")


def activation_env(env: Environment, server_environ: dict[str, str]) -> dict[str, str]:
    """Return the spec env that gives a kernel what activating ``env`` would give it."""
    bin_dir = os.path.join(env.prefix, "Scripts" if os.name == "nt" else "bin")
    values = {"PATH": bin_dir + os.pathsep + "${PATH}" if "PATH" in server_environ else bin_dir}
    if env.kind == "conda":
        values["CONDA_PREFIX"] = env.prefix
        if env.activation is not None:
            values.update(resolve_for_spec(env.activation.variables, server_environ))
    elif env.kind == "venv":
        values["VIRTUAL_ENV"] = env.prefix
    return values


def check_path_bypass(snapshot: Snapshot) -> Iterator[Finding]:
    """K107: PATH in the kernel does not start with the env, so `!pip` acts on another env."""
    for kernel, env in _direct_env_kernels(snapshot):
        if env.kind not in ("conda", "venv", "pixi") or env.is_server:
            # The server's own env: PATH is whatever the server was started with.
            continue
        environ = kernel_environ(kernel, snapshot.server)
        search = environ.get("PATH", os.defpath)
        first = next((entry for entry in search.split(os.pathsep) if entry), "")
        if _inside(os.path.join(first, "python"), env.prefix):
            continue
        pip = shutil.which("pip", path=search)
        python = shutil.which("python", path=search)
        values = activation_env(env, snapshot.server.environ)
        fix = remedies.set_spec_env(
            kernel, {k: v for k, v in values.items() if k in ("PATH", "CONDA_PREFIX", "VIRTUAL_ENV")},
            "Put the env's bin dir first on PATH")
        yield Finding(
            code="K107",
            severity="warning" if env.kind == "conda" else "info",
            title=(f"Kernel {kernel.name!r} imports from {env.prefix}, but PATH starts with "
                   f"{first or 'nothing'}, so `!pip` runs {pip or 'no pip'} and `!python` runs "
                   f"{python or 'no python'}"),
            kernels=[kernel.name],
            environments=[env.prefix],
            evidence={"spec_path": kernel.spec_path, "kernel_path": search,
                      "pip_on_path": pip, "python_on_path": python,
                      "hint": "%pip and %conda in a notebook act on the kernel's own env"},
            fixes=remedies.spec_fixes(kernel, fix),
        )


def check_activation_vars(snapshot: Snapshot) -> Iterator[Finding]:
    """K108: the env sets variables on activation that a directly started kernel never gets."""
    for kernel, env in _direct_env_kernels(snapshot):
        activation = env.activation
        if activation is None or not (activation.variables or activation.scripts):
            continue
        environ = kernel_environ(kernel, snapshot.server)
        wanted = resolve_for_spec(activation.variables, snapshot.server.environ)
        missing = {k: v for k, v in wanted.items() if not _applied(environ.get(k), v, snapshot)}
        if not missing:
            continue
        fixes = remedies.spec_fixes(
            kernel, remedies.set_spec_env(kernel, missing, "Add the env's activation variables")) if missing else []
        yield Finding(
            code="K108",
            severity="warning",
            title=(f"Kernel {kernel.name!r} skips the activation of {env.prefix}: "
                   + (", ".join(sorted(missing)) or "activate.d scripts") + " not set"),
            kernels=[kernel.name],
            environments=[env.prefix],
            evidence={"spec_path": kernel.spec_path, "missing": missing,
                      "activation_scripts": activation.scripts, "activation_files": activation.sources,
                      "not_understood": activation.unparsed},
            fixes=fixes,
        )


def _applied(current: str | None, wanted: str, snapshot: Snapshot) -> bool:
    if current is None:
        return False
    # The kernel's environment has ${NAME} already filled in, so compare the filled-in forms.
    return current == Template(wanted).safe_substitute(snapshot.server.environ)


def _direct_env_kernels(snapshot: Snapshot) -> Iterator[tuple[Kernel, Environment]]:
    """Yield visible kernels that run an env's interpreter without a wrapper that activates it."""
    for kernel in snapshot.visible_kernels():
        if kernel.error is not None or kernel.launch is None or kernel.launch.kind not in DIRECT_KINDS:
            continue
        env = snapshot.environment(kernel.environment_id)
        if env is not None and kernel.interpreter and os.path.exists(kernel.interpreter):
            yield kernel, env


def _inside(path: str | None, prefix: str) -> bool:
    if path is None:
        return False
    # Resolve the folder only: a venv's bin/python is a symlink that leads out of the venv.
    folder = os.path.realpath(os.path.dirname(path))
    return (folder + os.sep).startswith(os.path.realpath(prefix) + os.sep)


CHECKS = [check_path_bypass, check_activation_vars]
