"""Probe requests, their cache key, and the checks on an interpreter before it is spawned."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Variables that change sys.path, sys.prefix, sys.executable or the user site of a probed
# interpreter. Only these take part in the cache key, so kernels whose environments differ
# in other variables share one probe.
PATH_VARIABLES = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONNOUSERSITE",
    "PYTHONUSERBASE",
    "PYTHONSAFEPATH",
    "PYTHONPLATLIBDIR",
    "PYTHONEXECUTABLE",
    "__PYVENV_LAUNCHER__",
    "HOME",
    "APPDATA",
)


@dataclass(frozen=True)
class ProbeRequest:
    """An interpreter to probe, the environment to start it with, and modules to look for."""

    executable: str
    environ: tuple[tuple[str, str], ...]
    modules: tuple[str, ...]

    @classmethod
    def from_environ(
        cls, executable: str, environ: Mapping[str, str], modules: Iterable[str] = ("ipykernel",)
    ) -> ProbeRequest:
        """Build a request with sorted environ items, so equal environments give equal requests."""
        return cls(executable, tuple(sorted(environ.items())), tuple(dict.fromkeys(modules)))

    def path_environ(self) -> dict[str, str]:
        """Return the variables of ``environ`` that the probe result depends on.

        PATH counts too when ``executable`` is a bare name, because PATH picks the program.
        """
        names = set(PATH_VARIABLES)
        if not os.path.isabs(self.executable):
            names.add("PATH")
        return {name: value for name, value in self.environ if name in names}


def probe_key(request: ProbeRequest) -> str:
    """Return the cache key of ``request``, a SHA-256 of its executable, modules and PATH_VARIABLES.

    Requests with the same key get the same result, so they are probed once.
    """
    payload = json.dumps(
        [request.executable, sorted(set(request.modules)), sorted(request.path_environ().items())]
    )
    return hashlib.sha256(payload.encode("utf-8", "surrogateescape")).hexdigest()


# --- checks before spawning -------------------------------------------------------------------


def _resolve_executable(request: ProbeRequest) -> tuple[str | None, str | None]:
    """Return (path to run, None), or (None, the reason it cannot run) without spawning it."""
    executable = request.executable
    if not os.path.isabs(executable):
        search_path = dict(request.environ).get("PATH", os.defpath)
        found = shutil.which(executable, path=search_path)
        if found is None:
            return None, f"interpreter not found on PATH: {executable}"
        executable = found

    if not os.path.lexists(executable):
        return None, f"interpreter not found: {executable}"
    if not os.path.exists(executable):
        return (
            None,
            f"interpreter is a broken symbolic link: {executable} -> {os.readlink(executable)}",
        )
    if os.path.isdir(executable):
        return None, f"interpreter is a directory: {executable}"
    if not os.access(executable, os.X_OK):
        return None, f"interpreter is not executable: {executable}"
    return executable, None
