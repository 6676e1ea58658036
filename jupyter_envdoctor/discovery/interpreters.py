"""Run interpreters with a kernel's environment and collect what they report about themselves.

A probe starts ``executable -c PROBE_SCRIPT MODULE...`` without ``-I`` or ``-s``, so the
interpreter sets up sys.path, the user site and .pth files exactly as a kernel started with
the same environment would. The script finds modules without importing them, except that finding a
dotted name imports its parent packages. Probes run concurrently in threads, each with a
timeout, and their results can be cached on disk.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

from ..model import ProbeResult
from .probe_cache import CACHE_FILE_NAME, CACHE_FORMAT_VERSION, ProbeCache
from .probe_request import PATH_VARIABLES, ProbeRequest, _resolve_executable, probe_key
from .probe_result import _parse_output
from .probe_script import PROBE_MARKER, PROBE_SCRIPT

# Public names of probe_script, probe_request and probe_cache, re-exported here.
__all__ = [
    "CACHE_FILE_NAME",
    "CACHE_FORMAT_VERSION",
    "PATH_VARIABLES",
    "PROBE_MARKER",
    "PROBE_SCRIPT",
    "ProbeCache",
    "ProbeRequest",
    "probe_interpreters",
    "probe_key",
]

logger = logging.getLogger(__name__)

# After a timed-out probe's process group is killed, wait this long for its pipes to close.
_REAP_TIMEOUT = 5.0


# --- running one probe ------------------------------------------------------------------------


def _process_group_options() -> dict[str, Any]:
    # A new process group (session on POSIX) lets a timeout kill whatever the interpreter
    # started, such as a wrapper script's child.
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _kill_process_group(process: subprocess.Popen[bytes]) -> None:
    if sys.platform == "win32":
        # NOTE: on Windows only the interpreter process is killed, not its children.
        process.kill()
    else:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    try:
        process.communicate(timeout=_REAP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # A grandchild that left the process group keeps the pipes open.
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
        process.wait()


def _run_probe(request: ProbeRequest, executable: str, timeout: float, cwd: str) -> ProbeResult:
    command = [executable, "-c", PROBE_SCRIPT, *request.modules]
    logger.debug("probing %s", executable)
    try:
        process = subprocess.Popen(
            command,
            env=dict(request.environ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            **_process_group_options(),
        )
    except OSError as error:
        return ProbeResult(
            request.executable,
            ok=False,
            error=f"cannot run interpreter {executable}: {error.strerror or error}",
        )

    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_process_group(process)
        logger.debug("probe of %s timed out after %s s", executable, timeout)
        return ProbeResult(
            request.executable, ok=False, timed_out=True, error=f"timed out after {timeout:g} s"
        )
    return _parse_output(request, process.returncode, stdout, stderr)


# --- public entry point -----------------------------------------------------------------------


def probe_interpreters(
    requests: Iterable[ProbeRequest],
    timeout: float = 10.0,
    cache: ProbeCache | None = None,
    max_workers: int = 8,
) -> dict[ProbeRequest, ProbeResult]:
    """Probe each distinct interpreter request and return a result for every request.

    Requests with the same probe_key run once and share one result object. Cached results
    that still hold are returned without spawning. A missing or non-executable
    interpreter fails without spawning. A probe that runs longer than ``timeout`` seconds
    is killed with its process group and reported with ``timed_out=True``. Successful
    results are stored in ``cache``, which is saved before returning.
    """
    if max_workers < 1:
        raise ValueError(f"invalid max_workers {max_workers}: expected at least 1")

    groups: dict[str, list[ProbeRequest]] = {}
    for request in dict.fromkeys(requests):
        groups.setdefault(probe_key(request), []).append(request)

    results: dict[str, ProbeResult] = {}
    to_run: dict[str, tuple[ProbeRequest, str]] = {}
    for key, group in groups.items():
        request = group[0]
        cached = cache.get(request) if cache is not None else None
        if cached is not None:
            results[key] = cached
            continue
        executable, error = _resolve_executable(request)
        if executable is None:
            results[key] = ProbeResult(request.executable, ok=False, error=error)
        else:
            to_run[key] = (request, executable)

    if to_run:
        results.update(_run_probes(to_run, timeout, max_workers))

    if cache is not None:
        for key in to_run:
            cache.put(groups[key][0], results[key])
        cache.save()
    return {request: results[key] for key, group in groups.items() for request in group}


def _run_probes(
    to_run: Mapping[str, tuple[ProbeRequest, str]], timeout: float, max_workers: int
) -> dict[str, ProbeResult]:
    # Each probe runs in an empty temporary dir, so the "" entry of sys.path (the working
    # dir) cannot pick up modules from wherever this process was started.
    with tempfile.TemporaryDirectory(prefix="envdoctor-probe-") as cwd:
        workers = min(max_workers, len(to_run))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {
                key: pool.submit(_run_probe, request, executable, timeout, cwd)
                for key, (request, executable) in to_run.items()
            }
            return {key: future.result() for key, future in futures.items()}
