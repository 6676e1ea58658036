"""Conversion of a probe's exit status and output into a ProbeResult."""

from __future__ import annotations

import json
import signal
from collections.abc import Mapping
from typing import Any

from ..model import ProbeResult
from .probe_request import ProbeRequest
from .probe_script import PROBE_MARKER


def _last_line(data: bytes) -> str:
    """Return the most telling line of stderr: CPython's fatal error, else the last line."""
    lines = [line.strip() for line in data.decode("utf-8", "replace").strip().splitlines()]
    # A failed start ends with frame lines such as "<no Python frame>"; the cause comes earlier.
    fatal = [line for line in lines if line.startswith("Fatal Python error")]
    causes = [line for line in lines if line.endswith("Error") or "Error: " in line]
    if fatal:
        return fatal[-1] + (f" ({causes[-1]})" if causes else "")
    return lines[-1] if lines else ""


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def _optional_string(report: Mapping[str, Any], key: str) -> str | None:
    value = report.get(key)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{key} is {type(value).__name__}, expected a string")
    return value


def _string_list(report: Mapping[str, Any], key: str) -> list[str]:
    value = report.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"{key} is not a list of strings")
    return value


def _bool_map(report: Mapping[str, Any], key: str) -> dict[str, bool]:
    value = report.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(name, str) and isinstance(found, bool) for name, found in value.items()
    ):
        raise TypeError(f"{key} is not a map of module names to booleans")
    return value


def _optional_bool(report: Mapping[str, Any], key: str) -> bool | None:
    value = report.get(key)
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{key} is {type(value).__name__}, expected a boolean")
    return value


def _origin_map(report: Mapping[str, Any], key: str) -> dict[str, str | None]:
    value = report.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(name, str) and (origin is None or isinstance(origin, str))
        for name, origin in value.items()
    ):
        raise TypeError(f"{key} is not a map of module names to origins")
    return value


def _result_from_report(executable: str, report: Any) -> ProbeResult:
    """Build a ProbeResult from the probe's JSON; a field of the wrong type raises TypeError."""
    if not isinstance(report, dict):
        raise TypeError(f"the result is {type(report).__name__}, expected an object")
    return ProbeResult(
        executable=executable,
        ok=True,
        sys_executable=_optional_string(report, "executable"),
        prefix=_optional_string(report, "prefix"),
        base_prefix=_optional_string(report, "base_prefix"),
        version=_optional_string(report, "version"),
        path=_string_list(report, "path"),
        user_site=_optional_string(report, "user_site"),
        user_site_enabled=_optional_bool(report, "user_site_enabled"),
        importable=_bool_map(report, "importable"),
        stdlib_module_names=_string_list(report, "stdlib_module_names"),
        builtin_module_names=_string_list(report, "builtin_module_names"),
        startup_modules=_origin_map(report, "startup_modules"),
        extension_suffixes=_string_list(report, "extension_suffixes"),
        no_user_site=_optional_bool(report, "no_user_site"),
        safe_path=_optional_bool(report, "safe_path"),
        cwd=_optional_string(report, "cwd"),
    )


def _parse_output(
    request: ProbeRequest, returncode: int, stdout: bytes, stderr: bytes
) -> ProbeResult:
    def failure(reason: str) -> ProbeResult:
        detail = _last_line(stderr) or "no error output"
        return ProbeResult(request.executable, ok=False, error=f"{reason}: {detail}")

    if returncode != 0:
        return failure(f"interpreter {request.executable} {_describe_exit(returncode)}")

    text = stdout.decode("utf-8", "replace")
    start = text.rfind(PROBE_MARKER)
    if start < 0:
        return failure(f"interpreter {request.executable} printed no probe result (exit code 0)")
    line = text[start + len(PROBE_MARKER) :].split("\n", 1)[0]
    try:
        return _result_from_report(request.executable, json.loads(line))
    except (TypeError, ValueError) as error:
        return ProbeResult(
            request.executable,
            ok=False,
            error=f"interpreter {request.executable} printed an invalid probe result: {error}",
        )
