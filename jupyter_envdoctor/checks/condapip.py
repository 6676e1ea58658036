"""Checks of conda envs that pip or uv changed: replaced packages, stale metadata, damaged records,
and the base env."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from packaging.utils import canonicalize_name

from ..model import CondaRecord, Distribution, Finding, Severity, Snapshot
from . import remedies
from .packageview import (
    PackageView,
    conda_reinstall,
    count_files,
    describe_record,
    join_commands,
    package_finding,
    package_views,
    pip_uninstall,
    remove_paths,
)
from .replacements import find_replacements, replaced_records, replacement_evidence
from .variants import variant_lost

# Hash mismatches listed in evidence; the finding gives the count too.
LISTED_MISMATCHES = 5


def check_pip_replaced_conda(snapshot: Snapshot) -> Iterator[Finding]:
    """P300: pip or uv replaced the distribution of a conda package; the record is orphaned."""
    for view in package_views(snapshot):
        for replacement in find_replacements(view):
            if variant_lost(view, replacement):
                continue  # P304 or P305 report it with the variant that was lost.
            record, dist = replacement.record, replacement.dist
            commands = [pip_uninstall(view, dist), conda_reinstall(view, record.name, record.version, record.build)]
            yield package_finding(
                view, "P300", "warning",
                (f"{view.label}: {replacement.installer} replaced conda's {record.name} "
                 f"{record.version} with {dist.raw_name} {dist.version}"),
                replacement_evidence(view, replacement),
                f"Put conda's {record.name} {record.version} back into {view.env.prefix}",
                commands)


def check_stale_metadata_beside_conda(snapshot: Snapshot) -> Iterator[Finding]:
    """P301: metadata no record owns, beside a conda package's own metadata of the same project."""
    for view in package_views(snapshot):
        if not view.is_conda:
            continue
        taken = {r.dist.metadata_path for r in find_replacements(view)}
        for owned in view.own:
            record = view.record_of(owned)
            if record is None or view.relative(owned.metadata_path) in record.changed_metadata_dirs:
                continue
            for stale in view.own_named(owned.name):
                if stale.conda_record is None and stale.metadata_path not in taken:
                    yield _stale_finding(view, record, owned, stale)


def _stale_finding(view: PackageView, record: CondaRecord, owned: Distribution,
                   stale: Distribution) -> Finding:
    evidence: dict[str, Any] = {
        "prefix": view.env.prefix,
        "stale_metadata": stale.metadata_path,
        "stale_version": stale.version,
        "stale_installer": stale.installer,
        "conda_metadata": owned.metadata_path,
        "conda_version": owned.version,
        "conda_record": record.path,
        "conda_package": describe_record(record),
        "shared_files": stale.shared_files.get(owned.metadata_path, 0),
        **_hash_evidence("stale", stale),
        **_hash_evidence("conda", owned),
    }
    commands = [remove_paths([stale.metadata_path]),
                conda_reinstall(view, record.name, record.version, record.build)]
    return package_finding(
        view, "P301", "warning",
        (f"{view.label}: stale {stale.installer or 'unowned'} metadata {stale.raw_name} "
         f"{stale.version} beside conda's {owned.raw_name} {owned.version}"),
        evidence,
        f"Delete {stale.metadata_path} and reinstall conda's {record.name} {record.version}",
        commands)


def _hash_evidence(role: str, dist: Distribution) -> dict[str, Any]:
    return {
        f"{role}_hashes_checked": dist.hashes_checked,
        f"{role}_hash_mismatch_count": len(dist.hash_mismatches),
        f"{role}_hash_mismatches": dist.hash_mismatches[:LISTED_MISMATCHES],
    }


def check_conda_files_missing(snapshot: Snapshot) -> Iterator[Finding]:
    """P309: files a conda record lists are gone (and pip did not replace the package)."""
    for view in package_views(snapshot):
        replaced = replaced_records(find_replacements(view))
        for record in view.packages.conda_records:
            if record.error or record.path in replaced or not record.missing_file_count:
                continue
            if record.missing_metadata_dirs:
                what = f"its Python metadata ({count_files(record.missing_file_count)} in all)"
            else:
                what = f"{record.missing_file_count} of its {count_files(record.file_count)}"
            yield Finding(
                code="P309",
                severity="warning",
                title=f"{view.label}: conda package {record.name} {record.version} is missing {what}",
                kernels=view.kernels,
                environments=[view.env.prefix],
                evidence={
                    "prefix": view.env.prefix,
                    "conda_record": record.path,
                    "conda_package": describe_record(record),
                    "file_count": record.file_count,
                    "missing_file_count": record.missing_file_count,
                    "missing_files": record.missing_files,
                    "missing_metadata_dirs": record.missing_metadata_dirs,
                    "conda_list_deletes_record": bool(record.missing_metadata_dirs),
                },
                fixes=[_reinstall_fix(view, record)],
            )


def check_conda_files_altered(snapshot: Snapshot) -> Iterator[Finding]:
    """P310: with a deep scan, files whose sha256 differs from the one the record lists."""
    for view in package_views(snapshot):
        if not view.packages.deep:
            continue
        replaced = replaced_records(find_replacements(view))
        for record in view.packages.conda_records:
            if record.error or record.path in replaced or not record.altered_file_count:
                continue
            yield Finding(
                code="P310",
                severity="warning",
                title=(f"{view.label}: conda package {record.name} {record.version} has "
                       f"{count_files(record.altered_file_count)} changed since it was installed"),
                kernels=view.kernels,
                environments=[view.env.prefix],
                evidence={
                    "prefix": view.env.prefix,
                    "conda_record": record.path,
                    "conda_package": describe_record(record),
                    "altered_file_count": record.altered_file_count,
                    "altered_files": record.altered_files,
                },
                fixes=[_reinstall_fix(view, record)],
            )


def _reinstall_fix(view: PackageView, record: CondaRecord) -> Any:
    return remedies.run_command(
        f"Reinstall conda's {record.name} {record.version} in {view.env.prefix}",
        conda_reinstall(view, record.name, record.version, record.build))


def check_pip_in_conda_base(snapshot: Snapshot) -> Iterator[Finding]:
    """P311: packages installed by pip or uv into the conda base env, which runs conda itself."""
    for view in package_views(snapshot):
        if not view.env.is_conda_base:
            continue
        foreign = [d for d in view.own if d.conda_record is None and d.installer != "conda"]
        if not foreign:
            continue
        runtime = _conda_runtime_projects(view)
        touching_conda = [d for d in foreign if d.name in runtime]
        others = [d for d in foreign if d.name not in runtime]
        yield _base_finding(view, foreign, touching_conda, others)


def _base_finding(view: PackageView, foreign: list[Distribution], touching_conda: list[Distribution],
                  others: list[Distribution]) -> Finding:
    severity: Severity = "warning" if touching_conda else "info"
    if touching_conda:
        reason = "conda itself imports some of them, so a change by pip can break conda"
    else:
        reason = "conda's solver does not see them, and work packages belong in their own env"
    names = ", ".join(f"{d.raw_name} {d.version}" for d in foreign)
    fixes = []
    if others:
        fixes.append(remedies.run_command(
            f"Uninstall the pip packages that conda does not need from {view.env.prefix}",
            join_commands(pip_uninstall(view, d) for d in others)))
    return Finding(
        code="P311",
        severity=severity,
        title=f"{view.label} (the conda base env) has packages from pip or uv: {names}",
        kernels=view.kernels,
        environments=[view.env.prefix],
        evidence={
            "prefix": view.env.prefix,
            "packages": [{"name": d.raw_name, "version": d.version, "installer": d.installer,
                          "metadata": d.metadata_path} for d in foreign],
            "conda_dependencies": [d.raw_name for d in touching_conda],
            "reason": reason,
        },
        fixes=fixes,
    )


def _conda_runtime_projects(view: PackageView) -> set[str]:
    """Return the Python projects of the conda package and everything it depends on."""
    names: set[str] = set()
    pending = ["conda"]
    while pending:
        name = pending.pop()
        if name in names:
            continue
        names.add(name)
        record = view.records_by_name.get(name)
        if record is not None:
            pending.extend(spec.split()[0] for spec in record.depends if spec.strip())
    projects: set[str] = {canonicalize_name(name) for name in names}
    for name in names:
        record = view.records_by_name.get(name)
        if record is not None:
            projects.update(canonicalize_name(d.rsplit("/", 1)[-1].split("-", 1)[0]) for d in record.metadata_dirs)
    return projects


CHECKS = [
    check_pip_replaced_conda,
    check_stale_metadata_beside_conda,
    check_conda_files_missing,
    check_conda_files_altered,
    check_pip_in_conda_base,
]
