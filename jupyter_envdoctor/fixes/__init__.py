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
    """Pick the fixes to apply for each finding, unless ``fix_ids`` name them exactly.

    Fixes of one finding with different actions are alternatives (remove a spec, or rename
    it), so only the first is taken. Fixes that all share one action are parts of one remedy
    (remove each redundant spec), so all are taken. Commands for the user (package installs)
    are taken only with ``include_commands``.
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
    usable = [f for f in finding.fixes if f.applicable or include_commands]
    if len({f.action for f in usable}) == 1:
        return usable
    return usable[:1]


__all__ = ["FixError", "PlannedFix", "Run", "apply_fixes", "list_runs", "plan_all", "plan_fix",
           "select_fixes", "undo_last"]
