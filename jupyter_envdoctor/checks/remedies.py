"""Constructors for the fixes that checks attach to findings."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
from collections.abc import Mapping
from typing import Any

from ..model import Environment, Fix, Kernel

_NAME_CHARS = re.compile(r"[^a-z0-9._-]+")


def fix_id(action: str, params: Mapping[str, Any]) -> str:
    """Return an id that stays the same across reports for the same planned change."""
    digest = hashlib.sha1(json.dumps([action, params], sort_keys=True).encode()).hexdigest()
    return f"{action}-{digest[:10]}"


def make_fix(action: str, title: str, params: dict[str, Any], command: str | None = None) -> Fix:
    return Fix(id=fix_id(action, params), action=action, title=title, params=params, command=command)


# Specs in these places belong to a user or an admin. Specs inside an env's share/jupyter
# belong to the package that installed them (ipykernel), and the rest are generated.
EDITABLE_SOURCES = ("user", "jupyter_path", "system")


# Evidence for a finding whose spec fix is withheld because the spec is not the user's.
NO_SPEC_FIX = ("no spec fix is offered: this spec belongs to the package that installed it "
               "inside an environment (or is generated), so a change there would be overwritten")


def editable(kernel: Kernel) -> bool:
    """Tell whether fixes may change this kernel's spec files."""
    return kernel.source in EDITABLE_SOURCES and bool(kernel.spec_path)


def spec_fixes(kernel: Kernel, *fixes: Fix) -> list[Fix]:
    """Return ``fixes`` when the kernel's spec may be changed, else none."""
    return list(fixes) if editable(kernel) else []


def remove_spec(kernel: Kernel) -> Fix:
    return make_fix(
        "remove-spec",
        f"Remove kernel spec {kernel.name!r} ({kernel.resource_dir})",
        {"resource_dir": kernel.resource_dir, "kernel": kernel.name},
        command=f"jupyter kernelspec remove -y {shlex.quote(kernel.name)}" if kernel.visible else None,
    )


def repoint_spec(kernel: Kernel, interpreter: str) -> Fix:
    return make_fix(
        "repoint-spec",
        f"Point kernel {kernel.name!r} at {interpreter}",
        {"resource_dir": kernel.resource_dir, "kernel": kernel.name, "interpreter": interpreter},
    )


def rename_spec(kernel: Kernel, new_name: str) -> Fix:
    return make_fix(
        "rename-spec",
        f"Rename kernel spec {kernel.name!r} in {os.path.dirname(kernel.resource_dir)} to {new_name!r}",
        {"resource_dir": kernel.resource_dir, "kernel": kernel.name, "new_name": new_name},
    )


def set_spec_env(kernel: Kernel, values: Mapping[str, str | None], why: str) -> Fix:
    """Set (or, for a None value, delete) variables in the spec's ``env``."""
    return make_fix(
        "set-spec-env",
        f"{why} in kernel {kernel.name!r}",
        {"resource_dir": kernel.resource_dir, "kernel": kernel.name, "env": dict(values)},
    )


def register_kernel(env: Environment, name: str | None = None,
                    display_name: str | None = None,
                    env_vars: Mapping[str, str] | None = None) -> Fix:
    name = name or portable_kernel_name(env.name)
    minor = ".".join((env.python_version or "3").split(".")[:2])
    display_name = display_name or f"Python {minor} ({env.name})"
    params: dict[str, Any] = {"environment": env.id, "prefix": env.prefix, "interpreter": env.python,
                              "python_version": env.python_version, "name": name,
                              "display_name": display_name,
                              "install_command": install_ipykernel_command(env, env.python or "python")}
    if env_vars:
        params["env"] = dict(env_vars)
    command = (f"{shlex.quote(env.python or 'python')} -m ipykernel install --user "
               f"--name {shlex.quote(name)} --display-name {shlex.quote(display_name)}")
    return make_fix("register-kernel", f"Register kernel {name!r} for {env.prefix}", params, command)


def run_command(title: str, command: str) -> Fix:
    return make_fix("command", title, {"command": command}, command=command)


def portable_kernel_name(text: str) -> str:
    """Turn an environment name into a valid kernel name (ASCII letters, digits, - . _)."""
    name = _NAME_CHARS.sub("-", text.lower()).strip("-.")
    return name or "python-env"


def free_kernel_name(name: str, taken: set[str]) -> str:
    """Return ``name``, or ``name-2``, ``name-3``... when a kernel already has that name."""
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}-{n}", n + 1
    return candidate


def install_ipykernel_command(env: Environment | None, interpreter: str) -> str:
    """Return the command that installs ipykernel into ``env`` with its own package manager."""
    if env is not None and env.kind == "conda":
        return f"conda install -p {shlex.quote(env.prefix)} ipykernel"
    if env is not None and env.kind == "pixi":
        # <workspace>/.pixi/envs/<name>: pixi adds packages to the workspace's manifest.
        workspace = os.path.dirname(os.path.dirname(os.path.dirname(env.prefix)))
        return f"pixi add --manifest-path {shlex.quote(workspace)} ipykernel"
    python = shlex.quote(interpreter)
    if env is not None and "pip" not in env.distributions:
        # `python -m venv --without-pip` and uv make venvs without pip.
        return f"{python} -m ensurepip && {python} -m pip install ipykernel"
    return f"{python} -m pip install ipykernel"
