"""Drift between an environment file and its environment: S603-S607.

Each dependency of the file is matched against what is really installed; then the packages
the user installed are looked up in the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from packaging.utils import canonicalize_name

from ..envfile.condaspec import CondaSpec, mismatch
from ..envfile.pipspec import (
    PipSpec,
    applies,
    find_installed,
    pip_mismatch,
    unverified_revision,
)
from ..model import CondaRecord, Distribution, EnvironmentFileEntry, Finding, Fix
from . import remedies
from .envfilecontext import FileContext, entry_evidence, entry_fixes, export_fix
from .envfileview import InstalledPackages
from .packageview import (
    conda_install_spec,
    describe_dist,
    describe_record,
    join_commands,
    pip_install,
    pip_uninstall,
)
from .requirements import marker_environment

# Conda names that a venv or system Python provides without conda.
_BUILT_IN = ("python", "pip")


def conda_entry_findings(context: FileContext, installed: InstalledPackages,
                         entry: EnvironmentFileEntry, spec: CondaSpec) -> Iterator[Finding]:
    """S603 or S605 for one conda dependency."""
    view = installed.view
    record = installed.records.get(spec.name)
    if record is None and not view.is_conda and spec.name in _BUILT_IN:
        record = _built_in_record(installed, spec.name)
        if record is None:
            return  # A venv made without pip: conda needs pip only to run the pip section.
    if record is not None:
        reason = mismatch(spec, record)
        if reason is not None:
            yield _unsatisfied_conda(context, entry, spec, reason,
                                     {"installed": describe_record(record)})
        return

    replacement = installed.replaced.get(spec.name)
    dist = installed.dists.get(canonicalize_name(spec.name))
    if replacement is not None:
        dist = replacement.dist
    if dist is None:
        yield _unsatisfied_conda(context, entry, spec, f"{spec.name} is not installed", {})
        return

    reason = mismatch(spec, _pip_record(dist, spec.name))
    installer = dist.installer or "another installer"
    if replacement is not None:
        record = replacement.record
        what = (f"{installer} replaced conda's {record.name} {record.version} {record.build} "
                f"with {describe_dist(dist)}")
        facts = {"conda_record": describe_record(record), "installed": describe_dist(dist),
                 "installer": dist.installer}
    else:
        what = f"{installer} installed {describe_dist(dist)}, not conda"
        facts = {"installed": describe_dist(dist), "installer": dist.installer}
    if reason is not None:
        yield _unsatisfied_conda(context, entry, spec, f"{what}, and {reason}", facts, dist)
    else:
        yield _wrong_section(context, entry, f"{entry.text!r} is a conda dependency in "
                             f"{context.path}, but {what}", facts)


def _built_in_record(installed: InstalledPackages, name: str) -> CondaRecord | None:
    """Return a stand-in record for the Python or pip of a venv or plain Python.

    They have no conda build, so the record's build is the environment kind ("venv").
    """
    env = installed.view.env
    if name == "python" and env.python_version:
        return CondaRecord(path=env.prefix, name="python", version=env.python_version,
                           build=env.kind)
    dist = installed.dists.get(name)
    if dist is None:
        return None
    return CondaRecord(path=dist.metadata_path, name=name, version=dist.version, build=env.kind)


def _pip_record(dist: Distribution, name: str) -> CondaRecord:
    # `conda list` shows a distribution that no record owns with build pypi_0, channel pypi.
    return CondaRecord(path=dist.metadata_path, name=name, version=dist.version, build="pypi_0",
                       channel="pypi")


def _unsatisfied_conda(context: FileContext, entry: EnvironmentFileEntry, spec: CondaSpec,
                       reason: str, facts: dict[str, Any],
                       foreign: Distribution | None = None) -> Finding:
    """Return S603; ``foreign`` is the distribution another installer put in conda's place."""
    view = context.view
    fixes: list[Fix] = []
    if view.is_conda:
        commands = []
        if foreign is not None and foreign.installer in ("pip", "uv"):
            commands.append(pip_uninstall(view, foreign))
        commands.append(conda_install_spec(view, spec.text))
        fixes.append(remedies.run_command(
            f"Install {spec.text!r} into {view.env.prefix} with conda", join_commands(commands)))
    fixes.append(export_fix(context))
    return context.finding(
        "S603", "error",
        f"{context.label} does not satisfy conda dependency {spec.text!r} of {context.path}: "
        f"{reason}",
        {**entry_evidence(entry), "reason": reason, **facts}, fixes)


def _wrong_section(context: FileContext, entry: EnvironmentFileEntry, title: str,
                   facts: dict[str, Any]) -> Finding:
    return context.finding("S605", "warning", f"{context.label}: {title}",
                           {**entry_evidence(entry), **facts}, entry_fixes(context, entry))


def pip_entry_findings(context: FileContext, installed: InstalledPackages,
                       entry: EnvironmentFileEntry, spec: PipSpec) -> Iterator[Finding]:
    """S604 or S605 for one pip requirement."""
    if not applies(spec, marker_environment(installed.view.env)):
        return
    dist = find_installed(spec, installed.dists)
    if dist is None:
        what = spec.name or spec.target or spec.text
        yield _unsatisfied_pip(context, installed, entry, spec, f"{what} is not installed", {})
        return

    reason = pip_mismatch(spec, dist)
    facts: dict[str, Any] = {"installed": describe_dist(dist), "installer": dist.installer,
                             "metadata": dist.metadata_path}
    if dist.direct_url is not None:
        facts["direct_url"] = dist.direct_url
    if reason is not None:
        yield _unsatisfied_pip(context, installed, entry, spec, reason, facts)
        return
    unverified = unverified_revision(spec, dist)
    if unverified is not None:
        yield context.finding(
            "S604", "info",
            f"{context.label}: cannot verify pip requirement {spec.text!r} of {entry.source}: "
            f"{unverified}",
            {**entry_evidence(entry), "reason": unverified, **facts}, entry_fixes(context, entry))
    if installed.is_conda_owned(dist):
        record = installed.view.record_of(dist)
        owner = describe_record(record) if record else "a conda package"
        facts["conda_record"] = owner
        yield _wrong_section(context, entry, f"{entry.text!r} is a pip requirement in "
                             f"{entry.source}, but conda installed {describe_dist(dist)} "
                             f"({owner})", facts)


def _unsatisfied_pip(context: FileContext, installed: InstalledPackages,
                     entry: EnvironmentFileEntry, spec: PipSpec, reason: str,
                     facts: dict[str, Any]) -> Finding:
    view = context.view
    fixes: list[Fix] = []
    if spec.kind == "requirement" and not spec.is_local:
        fixes.append(remedies.run_command(
            f"Install {spec.text!r} into {view.env.prefix} with pip",
            pip_install(view, spec.text, None)))
    fixes.extend(entry_fixes(context, entry))
    return context.finding(
        "S604", "error",
        f"{context.label} does not satisfy pip requirement {spec.text!r} of {entry.source}: "
        f"{reason}",
        {**entry_evidence(entry), "reason": reason, **facts}, fixes)


# --- installed but not listed ------------------------------------------------------------------


def unlisted_conda_findings(context: FileContext, installed: InstalledPackages,
                            listed: set[str]) -> Iterator[Finding]:
    """S606: conda packages the user asked for (conda-meta/history) that the file omits."""
    for name, requested_spec in sorted(installed.requested.items()):
        record = installed.records.get(name)
        if record is None or canonicalize_name(name) in listed:
            continue
        if installed.projects_of(record) & listed:
            continue  # Listed under pip by its Python name: S605 reports it.
        yield context.finding(
            "S606", "warning",
            f"{context.label}: conda package {record.name} {record.version}, which you asked "
            f"for ({requested_spec!r} in conda-meta/history), is not in {context.path}",
            {"environment_file": context.path, "conda_record": record.path,
             "installed": describe_record(record), "requested_spec": requested_spec},
            [export_fix(context)])


def unlisted_pip_findings(context: FileContext, installed: InstalledPackages,
                          listed: set[str]) -> Iterator[Finding]:
    """S607: distributions that pip or uv installed and the file omits.

    A distribution counts when the user asked for it or nothing installed requires it. The
    others came in as dependencies, so they come back with what needs them.
    """
    for name, dist in sorted(installed.dists.items()):
        if installed.is_conda_owned(dist) or dist.installer == "conda" or name in listed:
            continue
        # pip, and the seed copy of setuptools in a venv, come with the environment itself.
        if name == "pip" or name in installed.seed:
            continue
        if not (_asked_for(dist) or name not in installed.required):
            continue
        source = f" (editable, from {dist.editable_source})" if dist.editable_source else ""
        yield context.finding(
            "S607", "warning",
            f"{context.label}: {dist.installer or 'an installer other than conda'} installed "
            f"{describe_dist(dist)}{source}, which {context.path} does not list",
            {"environment_file": context.path, "installed": describe_dist(dist),
             "installer": dist.installer, "requested": dist.requested,
             "metadata": dist.metadata_path, "editable_source": dist.editable_source},
            [export_fix(context)])


def _asked_for(dist: Distribution) -> bool:
    # pip writes REQUESTED only for the projects named on its command line. uv 0.13 writes it
    # for dependencies too, so there it proves nothing.
    return dist.requested and dist.installer == "pip"


def listed_names(conda_specs: list[CondaSpec], pip_specs: list[PipSpec],
                 installed: InstalledPackages) -> set[str]:
    """Return the canonical names the file lists, in either section.

    A pip line without a name (`-e ./src`) lists the distribution installed from its target.
    """
    names: set[str] = {canonicalize_name(spec.name) for spec in conda_specs}
    for spec in pip_specs:
        if spec.name is not None:
            names.add(spec.name)
            continue
        dist = find_installed(spec, installed.dists)
        if dist is not None:
            names.add(dist.name)
    return names
