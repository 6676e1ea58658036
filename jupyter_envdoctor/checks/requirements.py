"""Requirements not satisfied: `pip check` semantics, with conda records counted as installed.

Each package is checked by the rules of the tool that installed it: a distribution that no
conda record owns by its Requires-Dist, a conda package by its record's depends.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..model import CondaRecord, Distribution, Environment, Finding, Fix, Snapshot
from . import remedies
from .packageview import (
    PackageView,
    conda_install_spec,
    conda_reinstall,
    describe_dist,
    join_commands,
    package_views,
    pip_install,
    pip_uninstall,
)
from .replacements import Replacement, find_replacements

_OPERATORS = (">=", "<=", "==", "!=", "~=", ">", "<")
_CONDA_NAME = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.+-]*)\s*(.*)$")


@dataclass(frozen=True)
class CondaDependency:
    """A conda match spec "name [version [build]]" in PEP 440 terms."""

    name: str
    # The version must match one of these; empty means any version.
    alternatives: tuple[SpecifierSet, ...]
    build: str | None  # a glob over the build string


# The same few hundred specs ("python >=3.9", "numpy >=1.23,<3") recur in every env's records.
@functools.lru_cache(maxsize=65536)
def parse_conda_spec(spec: str) -> CondaDependency | None:
    """Translate the simple forms of a conda match spec; None for the forms it cannot.

    Handled: ``name``, ``name >=a,<b``, ``name a.b.*``, ``name =a.b``, ``name a.b.c``
    (exact), ``name a|b`` and a third build glob. NOTE: bracketed keys (``name[version=...]``),
    parentheses and conda's own ordering of letters ("1.1.1w") are skipped, not checked.
    """
    text = spec.strip().rpartition("::")[2]
    if any(char in text for char in "[]()"):
        return None
    match = _CONDA_NAME.match(text)
    if match is None:
        return None
    name, rest = match.group(1), match.group(2).split()
    if len(rest) > 2:
        return None
    version = rest[0] if rest else "*"
    build = rest[1] if len(rest) == 2 else None

    alternatives = []
    if version != "*":
        for alternative in version.split("|"):
            specifiers = _pep440_specifiers(alternative)
            if specifiers is None:
                return None
            alternatives.append(specifiers)
    return CondaDependency(name, tuple(alternatives), build)


def _pep440_specifiers(version: str) -> SpecifierSet | None:
    terms = []
    for term in version.split(","):
        translated = _pep440_term(term.strip())
        if translated is None:
            return None
        terms.append(translated)
    try:
        return SpecifierSet(",".join(terms))
    except InvalidSpecifier:
        return None


def _pep440_term(term: str) -> str | None:
    if not term:
        return None
    for operator in _OPERATORS:
        if term.startswith(operator):
            return term
    if term.startswith("="):
        # conda's "=1.2" is a prefix match, "1.2.*" in PEP 440.
        value = term[1:]
        return f"=={value}" if value.endswith(".*") else f"=={value.rstrip('*').rstrip('.')}.*"
    if term.endswith(".*"):
        return f"=={term}"
    if "*" in term:
        return None  # "1.2*" also matches 1.20 in conda; PEP 440 has no such prefix.
    return f"=={term}"


def marker_environment(env: Environment) -> dict[str, str]:
    """Return marker values for the env's Python; the rest default to this machine's."""
    values = {"extra": ""}
    if env.python_version:
        parts = env.python_version.split(".")
        values["python_version"] = ".".join(parts[:2])
        if len(parts) >= 3:
            values["python_full_version"] = env.python_version
            values["implementation_version"] = env.python_version
    return values


@functools.lru_cache(maxsize=65536)
def satisfies(version: str, specifiers: SpecifierSet) -> bool | None:
    """Tell whether ``version`` satisfies ``specifiers``; None when it is not PEP 440."""
    try:
        parsed = Version(version)
    except InvalidVersion:
        return None
    # pip check accepts pre-releases that are installed.
    return specifiers.contains(parsed, prereleases=True)


@dataclass
class _Installed:
    """The installed packages of one env, by Python project and by conda package name."""

    python: dict[str, Distribution | CondaRecord]
    conda: dict[str, tuple[str, str | None]]  # conda name -> (version, build or None)
    replaced_by_project: dict[str, Replacement]
    replaced_by_name: dict[str, Replacement]


def _installed(view: PackageView, replacements: list[Replacement]) -> _Installed:
    replaced_paths = {r.record.path for r in replacements}
    python: dict[str, Distribution | CondaRecord] = dict(view.installed_by_project())

    conda: dict[str, tuple[str, str | None]] = {}
    for record in view.packages.conda_records:
        if record.error:
            continue
        if record.path in replaced_paths:
            continue
        conda[record.name] = (record.version, record.build)
        python.setdefault(canonicalize_name(record.name), record)
    # A replaced record counts with the version that replaced it, and no known build.
    for replacement in replacements:
        conda[replacement.record.name] = (replacement.dist.version, None)
    return _Installed(
        python=python,
        conda=conda,
        replaced_by_project={r.project: r for r in replacements},
        replaced_by_name={r.record.name: r for r in replacements},
    )


def check_requirements(snapshot: Snapshot) -> Iterator[Finding]:
    """P308: a requirement of an installed package is missing or has a version it excludes."""
    for view in package_views(snapshot):
        replacements = find_replacements(view)
        installed = _installed(view, replacements)
        environment = marker_environment(view.env)
        for requirer in installed.python.values():
            if isinstance(requirer, Distribution) and _checked_by_requires_dist(view, requirer):
                yield from _python_requirements(view, requirer, installed, environment)
        if view.is_conda:
            replaced = {r.record.path for r in replacements}
            for record in view.packages.conda_records:
                if not record.error and record.path not in replaced:
                    yield from _conda_requirements(view, record, installed)


def _checked_by_requires_dist(view: PackageView, dist: Distribution) -> bool:
    if dist.error:
        return False
    record = view.record_of(dist)
    # A dist-info that pip rewrote in place is pip's, even though a record lists its path.
    return record is None or view.relative(dist.metadata_path) in record.changed_metadata_dirs


def _python_requirements(view: PackageView, requirer: Distribution, installed: _Installed,
                         environment: dict[str, str]) -> Iterator[Finding]:
    for line in requirer.requires:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue  # pip check skips these as well.
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        project = canonicalize_name(requirement.name)
        found = installed.python.get(project)
        version = found.version if found is not None else None
        if version is not None and satisfies(version, requirement.specifier) is not False:
            continue
        yield _finding(view, requirer_name=describe_dist(requirer), requirement=str(requirement),
                       required=project, version=version, replaced=installed.replaced_by_project.get(project),
                       evidence={"requirer_metadata": requirer.metadata_path,
                                 "requirer_installer": requirer.installer, "source": "Requires-Dist"},
                       fallback=pip_install(view, str(requirement), requirer.installer))


def _conda_requirements(view: PackageView, record: CondaRecord, installed: _Installed) -> Iterator[Finding]:
    for spec in record.depends:
        dependency = parse_conda_spec(spec)
        # Virtual packages (__glibc, __cuda) describe the machine, not the env.
        if dependency is None or dependency.name.startswith("__"):
            continue
        found = installed.conda.get(dependency.name) or _pip_installed(installed, dependency.name)
        if found is not None and _conda_satisfied(found, dependency) is not False:
            continue
        yield _finding(view, requirer_name=f"{record.name} {record.version}", requirement=spec,
                       required=dependency.name, version=found[0] if found else None,
                       replaced=installed.replaced_by_name.get(dependency.name),
                       evidence={"requirer_record": record.path, "source": "conda depends"},
                       fallback=conda_install_spec(view, spec))


def _pip_installed(installed: _Installed, name: str) -> tuple[str, str | None] | None:
    # conda's solver does not see a package that only pip installed, but the import works,
    # so a conda dependency that pip provides counts, with no build to compare.
    found = installed.python.get(canonicalize_name(name))
    return (found.version, None) if isinstance(found, Distribution) else None


def _conda_satisfied(found: tuple[str, str | None], dependency: CondaDependency) -> bool | None:
    version, build = found
    if dependency.build is not None and build is not None and not fnmatch.fnmatchcase(build, dependency.build):
        return False
    if not dependency.alternatives:
        return True
    results = [satisfies(version, alternative) for alternative in dependency.alternatives]
    if any(results):
        return True
    return None if None in results else False


def _finding(view: PackageView, *, requirer_name: str, requirement: str, required: str,
             version: str | None, replaced: Replacement | None, evidence: dict[str, Any],
             fallback: str) -> Finding:
    state = f"{required} {version} is installed" if version is not None else f"{required} is not installed"
    full_evidence: dict[str, Any] = {
        "prefix": view.env.prefix,
        "requirer": requirer_name,
        "requirement": requirement,
        "required": required,
        "installed_version": version,
        **evidence,
    }
    fix: Fix
    if replaced is not None:
        # The requirement broke because pip replaced conda's package: restore that package.
        full_evidence["replaced_conda_record"] = replaced.record.path
        record = replaced.record
        fix = remedies.run_command(
            f"Put conda's {record.name} {record.version} back into {view.env.prefix}",
            join_commands([pip_uninstall(view, replaced.dist),
                           conda_reinstall(view, record.name, record.version, record.build)]))
    else:
        fix = remedies.run_command(f"Install {requirement!r} into {view.env.prefix}", fallback)
    return Finding(
        code="P308",
        severity="warning",
        title=f"{view.label}: {requirer_name} requires {requirement}, but {state}",
        kernels=view.kernels,
        environments=[view.env.prefix],
        evidence=full_evidence,
        fixes=[fix],
    )


CHECKS = [check_requirements]
