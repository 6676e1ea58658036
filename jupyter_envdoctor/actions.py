"""Actions on a report, shared by every front end: preview and apply fixes, register, undo.

Each action takes fix ids or environment ids from a report, never paths or commands, so a
front end can only ask for changes the doctor itself planned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .checks import remedies
from .checks.activation import activation_env
from .fixes import FixError, PlannedFix, Run, apply_fixes, plan_all, undo_last
from .model import Fix
from .report import Report

_KERNEL_NAME = re.compile(r"^[a-z0-9._-]+$", re.IGNORECASE)


class UnknownIdError(LookupError):
    """A fix id or environment id that the report does not contain."""


@dataclass
class Outcome:
    """Result of an applied action: the run to undo, and the fixes skipped with their reasons."""

    run: Run | None
    applied: list[PlannedFix] = field(default_factory=list)
    skipped: list[tuple[Fix, str]] = field(default_factory=list)


def find_fixes(report: Report, fix_ids: list[str]) -> list[Fix]:
    """Return the report's fixes with these ids, in the given order."""
    by_id = {fix.id: fix for finding in report.findings for fix in finding.fixes}
    missing = [fix_id for fix_id in fix_ids if fix_id not in by_id]
    if missing:
        raise UnknownIdError(f"no fix with id {', '.join(missing)} in the current report")
    return [by_id[fix_id] for fix_id in fix_ids]


def preview(fixes: list[Fix]) -> tuple[list[PlannedFix], list[tuple[Fix, str]]]:
    """Plan the fixes without changing anything; each plan has a diff()."""
    return plan_all([fix for fix in fixes if fix.applicable])


def apply(fixes: list[Fix]) -> Outcome:
    """Apply the kernel spec fixes among ``fixes`` as one run that `undo` reverts."""
    commands = [fix for fix in fixes if not fix.applicable]
    if commands:
        raise FixError(f"fix {commands[0].id} is a command for the user to run: {commands[0].command}")
    planned, skipped = preview(fixes)
    if not planned:
        return Outcome(run=None, skipped=skipped)
    return Outcome(run=apply_fixes(planned), applied=planned, skipped=skipped)


def registration(report: Report, environment_id: str, name: str | None = None,
                 display_name: str | None = None) -> Fix:
    """Return the fix that registers a kernel for one of the report's environments."""
    env = report.snapshot.environment(environment_id)
    if env is None:
        raise UnknownIdError(f"no environment with id {environment_id!r} in the current report")
    if not env.python:
        raise FixError(f"environment {env.prefix} has no Python interpreter")
    if name is not None and not _KERNEL_NAME.match(name):
        raise FixError(f"invalid kernel name {name!r}: use ASCII letters, digits, '-', '.' and '_'")
    taken = {k.name for k in report.snapshot.kernels}
    name = name.lower() if name else remedies.free_kernel_name(remedies.portable_kernel_name(env.name), taken)
    env_vars = activation_env(env, report.snapshot.server.environ)
    return remedies.register_kernel(env, name, display_name or None, env_vars=env_vars)


def undo() -> Run:
    """Revert the newest applied fix run; raise FixError when there is none or files changed."""
    return undo_last()
