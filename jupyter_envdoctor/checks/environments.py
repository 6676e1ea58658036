"""Checks of environments: unused ones, stale registry lines, venvs that lost their base Python."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from typing import Any

from ..model import Environment, Finding, Snapshot
from . import remedies
from .activation import activation_env

USABLE_KINDS = ("conda", "venv", "pixi")


def check_env_without_kernel(snapshot: Snapshot) -> Iterator[Finding]:
    """E200: an env has ipykernel, but no kernel the server shows runs it."""
    taken = {k.name for k in snapshot.kernels}
    for env in _unused_envs(snapshot):
        if not env.has_ipykernel:
            continue
        name = remedies.free_kernel_name(remedies.portable_kernel_name(env.name), taken)
        taken.add(name)
        env_vars = activation_env(env, snapshot.server.environ)
        evidence: dict[str, Any] = {"prefix": env.prefix, "python": env.python, "python_version": env.python_version}
        if env.own_kernel_specs:
            # Specs inside another env's share/jupyter are only seen by a server running there.
            evidence["specs_inside_env_not_searched"] = env.own_kernel_specs
        yield Finding(
            code="E200",
            severity="info",
            title=f"Environment {env.name!r} ({env.prefix}) has ipykernel but no kernel",
            environments=[env.prefix],
            evidence=evidence,
            fixes=[remedies.register_kernel(env, name, env_vars=env_vars)],
        )


def check_env_needs_ipykernel(snapshot: Snapshot) -> Iterator[Finding]:
    """E201: an env has Python but neither ipykernel nor a kernel."""
    for env in _unused_envs(snapshot):
        if env.has_ipykernel:
            continue
        command = remedies.install_ipykernel_command(env, env.python or "python")
        yield Finding(
            code="E201",
            severity="info",
            title=f"Environment {env.name!r} ({env.prefix}) has no ipykernel, so it cannot back a kernel",
            environments=[env.prefix],
            evidence={"prefix": env.prefix, "python": env.python, "python_version": env.python_version},
            fixes=[remedies.run_command(f"Install ipykernel into {env.prefix}", command)],
        )


def check_stale_registry(snapshot: Snapshot) -> Iterator[Finding]:
    """E202: environments.txt lists prefixes that are gone or are not conda envs."""
    for entry in snapshot.registry:
        if entry.status == "ok":
            continue
        reason = {"missing": "does not exist", "not-an-env": "has no conda-meta/history",
                  "invalid": "is not a valid absolute path"}.get(entry.status, entry.status)
        yield Finding(
            code="E202",
            severity="info",
            title=f"{entry.registry} line {entry.line_number} lists {entry.value}, which {reason}",
            environments=[entry.value],
            evidence={"registry": entry.registry, "line": entry.line_number, "value": entry.value,
                      "status": entry.status},
            fixes=[remedies.run_command(
                f"Delete the line {entry.value} from {entry.registry}",
                _delete_line_command(entry.registry, entry.value))],
        )


def check_venv_base(snapshot: Snapshot) -> Iterator[Finding]:
    """E203: a venv's base interpreter (pyvenv.cfg home) is gone or has another version."""
    for env in snapshot.environments:
        if env.kind != "venv" or not env.base_home:
            continue
        problem = None
        if not os.path.isdir(env.base_home):
            problem = f"its base Python in {env.base_home} is gone"
        elif env.base_version and env.python_version and not _same_minor(env.base_version, env.python_version):
            problem = (f"it was made with Python {env.python_version}, but {env.base_home} "
                       f"now has Python {env.base_version}")
        if problem is None:
            continue
        yield Finding(
            code="E203",
            severity="error" if env.kernels else "warning",
            title=f"Virtual environment {env.prefix} is broken: {problem}",
            kernels=list(env.kernels),
            environments=[env.prefix],
            evidence={"pyvenv_home": env.base_home, "pyvenv_version": env.python_version,
                      "home_version": env.base_version},
            fixes=[remedies.run_command(
                f"Recreate {env.prefix} with a Python {env.python_version or ''} that exists",
                f"python{'.'.join((env.python_version or '3').split('.')[:2])} -m venv --clear "
                f"{shlex.quote(env.prefix)}")],
        )


_DELETE_LINE = ("import sys; path, line = sys.argv[1:]; lines = open(path).readlines(); "
                "open(path, 'w').writelines(x for x in lines if x.strip() != line)")


def _delete_line_command(path: str, line: str) -> str:
    # Matching the line's text, not its number, keeps several such commands order-independent,
    # and rewriting the file in place keeps its mode and any symlink to it.
    return f"python3 -c {shlex.quote(_DELETE_LINE)} {shlex.quote(path)} {shlex.quote(line)}"


def _unused_envs(snapshot: Snapshot) -> Iterator[Environment]:
    # An env behind a hidden spec has a kernel already; K105 offers to make it visible.
    hidden = {k.environment_id for k in snapshot.kernels if not k.visible}
    for env in snapshot.environments:
        if env.id in hidden:
            continue
        unused = env.kind in USABLE_KINDS and not env.kernels and not env.is_server
        if unused and env.error is None and env.python and os.path.exists(env.python):
            yield env


def _same_minor(a: str, b: str) -> bool:
    return a.split(".")[:2] == b.split(".")[:2]


CHECKS = [check_env_without_kernel, check_env_needs_ipykernel, check_stale_registry, check_venv_base]
