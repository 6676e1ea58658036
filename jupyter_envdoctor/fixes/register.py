"""The files of a new kernel spec for an environment, as `ipykernel install` would write them."""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping
from typing import Any

from .plan import FixError, dump_spec

LOGOS = ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg")


def kernel_spec(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return kernel.json for the env's own interpreter, by absolute path.

    The layout follows ipykernel 7's `install`: ``-Xfrozen_modules=off`` so that the
    debugger can step into every module (Python 3.11 and newer freeze some), and metadata that turns
    the debugger on.
    """
    interpreter = params.get("interpreter")
    if not interpreter or not os.path.isabs(interpreter):
        raise FixError(f"cannot register a kernel: the interpreter {interpreter!r} is not an absolute path")
    argv = [interpreter]
    if _at_least(params.get("python_version"), (3, 11)):
        argv.append("-Xfrozen_modules=off")
    argv += ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec: dict[str, Any] = {
        "argv": argv,
        "display_name": params["display_name"],
        "language": "python",
        "metadata": {"debugger": True},
        "kernel_protocol_version": "5.5",
    }
    if params.get("env"):
        spec["env"] = dict(params["env"])
    return spec


def kernel_files(params: Mapping[str, Any]) -> dict[str, bytes]:
    """Return the files of the new kernel dir: kernel.json and the env's ipykernel logos."""
    files = {"kernel.json": dump_spec(kernel_spec(params))}
    resources = _ipykernel_resources(params.get("prefix", ""))
    for logo in LOGOS:
        path = os.path.join(resources, logo) if resources else ""
        if path and os.path.isfile(path):
            with open(path, "rb") as f:
                files[logo] = f.read()
    return files


def _ipykernel_resources(prefix: str) -> str:
    for pattern in ("lib/python*/site-packages/ipykernel/resources", "Lib/site-packages/ipykernel/resources"):
        found = sorted(glob.glob(os.path.join(prefix, pattern)))
        if found:
            return found[-1]
    return ""


def _at_least(version: Any, minimum: tuple[int, ...]) -> bool:
    try:
        parts = tuple(int(p) for p in str(version).split(".")[:2])
    except ValueError:
        return False
    return parts >= minimum
