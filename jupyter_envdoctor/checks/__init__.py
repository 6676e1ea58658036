"""Checks: pure functions from a Snapshot to Findings, one module per family."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Callable

from ..model import SEVERITY_ORDER, Finding, Snapshot
from . import activation, envfiles, environments, imports, kernels, overlap, packages

Check = Callable[[Snapshot], Iterator[Finding]]

CHECKS: list[Check] = [
    *kernels.CHECKS,
    *overlap.CHECKS,
    *activation.CHECKS,
    *environments.CHECKS,
    *packages.CHECKS,
    *imports.CHECKS,
    *envfiles.CHECKS,
]


def check_code(check: Check) -> str:
    """Return the finding code of a check: its docstring starts with "CODE: ..."."""
    return (check.__doc__ or "").split(":", 1)[0].strip()


KNOWN_CODES = frozenset(check_code(check) for check in CHECKS)


def run_checks(snapshot: Snapshot, ignore: Iterable[str] = ()) -> list[Finding]:
    """Run every check; return findings sorted by severity, code and title."""
    ignored = {code.upper() for code in ignore}
    findings = [f for check in CHECKS for f in check(snapshot) if f.code not in ignored]
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.title))
    return findings


def exit_code(findings: Iterable[Finding]) -> int:
    """Return 2 when any finding is an error, 1 when any is a warning, else 0."""
    severities = {f.severity for f in findings}
    if "error" in severities:
        return 2
    if "warning" in severities:
        return 1
    return 0
