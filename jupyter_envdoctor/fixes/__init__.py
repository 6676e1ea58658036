"""Fixes: choose them from findings, plan them as file changes, apply with backup, undo."""

from __future__ import annotations

from collections.abc import Collection

from ..model import Finding, Fix
from .journal import Run, apply_fixes, list_runs, undo_last
from .plan import FixError, PlannedFix, plan_all, plan_fix


def select_fixes(
    findings: list[Finding],
    codes: Collection[str] = (),
    kernels: Collection[str] = (),
    fix_ids: Collection[str] = (),
    include_commands: bool = False,
) -> list[Fix]:
    """Pick one fix per finding: the first the tool can apply, unless ``fix_ids`` name others.

    The fixes of one finding are alternatives (remove a spec, or rename it), so only one is
    taken. Commands for the user (package installs) are taken only with ``include_commands``.
    """
    wanted_codes = {c.upper() for c in codes}
    chosen: list[Fix] = []
    seen = set()
    for finding in findings:
        if wanted_codes and finding.code not in wanted_codes:
            continue
        if kernels and not set(finding.kernels) & set(kernels):
            continue
        for fix in _pick(finding, fix_ids, include_commands):
            if fix.id not in seen:
                seen.add(fix.id)
                chosen.append(fix)
    return chosen


def _pick(finding: Finding, fix_ids: Collection[str], include_commands: bool) -> list[Fix]:
    if fix_ids:
        return [f for f in finding.fixes if f.id in fix_ids]
    for fix in finding.fixes:
        if fix.applicable or include_commands:
            return [fix]
    return []


__all__ = ["FixError", "PlannedFix", "Run", "apply_fixes", "list_runs", "plan_all", "plan_fix",
           "select_fixes", "undo_last"]
