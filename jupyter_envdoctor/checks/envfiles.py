"""Checks of environment files (environment.yml) against the environments they describe.

Which files: those that `c.EnvDoctor.environment_files` names for a kernel or environment, and
an environment.yml in a notebook folder, for the kernels its notebooks name (see
discovery/envfiles.py). `jupyter envdoctor check --spec FILE` runs the same comparison.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Callable, TypeVar

from ..envfile.condaspec import CondaSpec, InvalidSpecError, parse_conda_spec
from ..envfile.pipspec import PipSpec, parse_pip_entry
from ..model import EnvironmentFileEntry, EnvironmentFileUse, Finding, Severity, Snapshot
from .envfilecontext import FileContext, entry_evidence, export_fix
from .envfiledrift import (
    conda_entry_findings,
    listed_names,
    pip_entry_findings,
    unlisted_conda_findings,
    unlisted_pip_findings,
)
from .envfileview import installed_packages
from .packageview import PackageView

Spec = TypeVar("Spec", CondaSpec, PipSpec)

# Problems of the reader, by kind, and the code that reports them.
_PROBLEM_CODES = {"unknown-key": "S601", "invalid-value": "S601", "invalid-entry": "S602",
                  "requirements-file": "S602"}


def environment_file_findings(snapshot: Snapshot) -> list[Finding]:
    """Return the S600-S608 findings of every environment file in the snapshot.

    The nine checks below share one comparison per snapshot, kept in its memo.
    """
    cached: list[Finding] | None = snapshot.memo.get("environment_file_findings")
    if cached is not None:
        return cached
    findings: list[Finding] = []
    for use in snapshot.environment_files:
        env = snapshot.environment(use.environment_id)
        packages = snapshot.packages.get(use.environment_id)
        if env is not None and packages is not None:
            findings.extend(compare_file(use, PackageView(env, packages)))
    snapshot.memo["environment_file_findings"] = findings
    return findings


def compare_file(use: EnvironmentFileUse, view: PackageView) -> list[Finding]:
    """Compare one environment file with the environment of ``view``."""
    env_file = use.file
    context = FileContext(use, view)
    if env_file.error is not None:
        return [context.finding("S600", "error",
                                f"Environment file {env_file.path} cannot be used: {env_file.error}",
                                {"error": env_file.error})]

    findings = [context.finding(_PROBLEM_CODES[p.kind], _problem_severity(p.kind),
                                f"{_where(p.source, p.line)}: {p.message}",
                                {"file": p.source, "line": p.line, "problem": p.kind})
                for p in env_file.problems]
    conda_specs = _parsed(context, env_file.conda, lambda e: parse_conda_spec(e.text), findings)
    pip_specs = _parsed(context, env_file.pip, parse_pip_entry, findings)
    context.pins_builds = any(spec.match_spec.build for _, spec in conda_specs)

    installed = installed_packages(view)
    for entry, conda_spec in conda_specs:
        findings.extend(conda_entry_findings(context, installed, entry, conda_spec))
    for entry, pip_spec in pip_specs:
        findings.extend(pip_entry_findings(context, installed, entry, pip_spec))
    listed = listed_names([s for _, s in conda_specs], [s for _, s in pip_specs], installed)
    findings.extend(unlisted_conda_findings(context, installed, listed))
    findings.extend(unlisted_pip_findings(context, installed, listed))
    findings.extend(_pip_not_listed(context, [s for _, s in conda_specs]))
    return findings


def _parsed(context: FileContext, entries: list[EnvironmentFileEntry],
            parse: Callable[[EnvironmentFileEntry], Spec],
            findings: list[Finding]) -> list[tuple[EnvironmentFileEntry, Spec]]:
    """Parse each entry; an entry that does not parse becomes an S602 finding."""
    parsed = []
    for entry in entries:
        try:
            parsed.append((entry, parse(entry)))
        except InvalidSpecError as error:
            findings.append(context.finding(
                "S602", "error", f"{_where(entry.source, entry.line)}: {error}",
                {**entry_evidence(entry), "problem": "invalid-entry"}))
    return parsed


def _pip_not_listed(context: FileContext, conda_specs: list[CondaSpec]) -> Iterator[Finding]:
    env_file = context.use.file
    if not env_file.has_pip_section or any(spec.name == "pip" for spec in conda_specs):
        return
    yield context.finding(
        "S608", "warning",
        f"{env_file.path} has a pip section but does not list pip among its conda dependencies, "
        "so conda may run another pip, or none, for that section",
        {"pip_requirements": [entry.text for entry in env_file.pip]},
        [export_fix(context)])


def _problem_severity(kind: str) -> Severity:
    return "warning" if _PROBLEM_CODES[kind] == "S601" else "error"


def _where(source: str, line: int | None) -> str:
    return f"{source}, line {line}" if line is not None else source


# One function per code, so each code is in KNOWN_CODES and can be ignored on its own.


def check_unusable_file(snapshot: Snapshot) -> Iterator[Finding]:
    """S600: an environment file cannot be read, is not valid YAML, or is not a mapping."""
    yield from _with_code(snapshot, "S600")


def check_ignored_keys(snapshot: Snapshot) -> Iterator[Finding]:
    """S601: an environment file has an unknown key or a value of the wrong type."""
    yield from _with_code(snapshot, "S601")


def check_invalid_dependencies(snapshot: Snapshot) -> Iterator[Finding]:
    """S602: a dependency cannot be parsed, or a pip `-r` file is missing."""
    yield from _with_code(snapshot, "S602")


def check_conda_unsatisfied(snapshot: Snapshot) -> Iterator[Finding]:
    """S603: a conda dependency is not installed, or has another version, build or channel."""
    yield from _with_code(snapshot, "S603")


def check_pip_unsatisfied(snapshot: Snapshot) -> Iterator[Finding]:
    """S604: a pip requirement is not installed, or has another version or source."""
    yield from _with_code(snapshot, "S604")


def check_wrong_section(snapshot: Snapshot) -> Iterator[Finding]:
    """S605: a conda dependency is installed by pip, or a pip requirement by conda."""
    yield from _with_code(snapshot, "S605")


def check_conda_unlisted(snapshot: Snapshot) -> Iterator[Finding]:
    """S606: a conda package the user asked for is not in the environment file."""
    yield from _with_code(snapshot, "S606")


def check_pip_unlisted(snapshot: Snapshot) -> Iterator[Finding]:
    """S607: a package that pip or uv installed is not in the environment file."""
    yield from _with_code(snapshot, "S607")


def check_pip_missing(snapshot: Snapshot) -> Iterator[Finding]:
    """S608: the file has a pip section but does not list pip itself."""
    yield from _with_code(snapshot, "S608")


def _with_code(snapshot: Snapshot, code: str) -> Iterator[Finding]:
    yield from (f for f in environment_file_findings(snapshot) if f.code == code)


CHECKS = [
    check_unusable_file,
    check_ignored_keys,
    check_invalid_dependencies,
    check_conda_unsatisfied,
    check_pip_unsatisfied,
    check_wrong_section,
    check_conda_unlisted,
    check_pip_unlisted,
    check_pip_missing,
]
