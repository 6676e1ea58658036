"""Build variants lost: a CUDA build replaced by a CPU one, conda's MKL numpy by an OpenBLAS wheel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..model import CondaRecord, Distribution, Finding, HistoryBlock, Snapshot
from .packageview import (
    PackageView,
    conda_reinstall,
    conda_remove,
    describe_dist,
    describe_record,
    package_finding,
    package_views,
    pip_reinstall,
    pip_uninstall,
)
from .replacements import Replacement, find_replacements, replacement_evidence
from .requirements import marker_environment

# Conda packages that exist only to select or provide a CUDA build.
_CUDA_PACKAGES = ("cuda-version", "cudatoolkit", "pytorch-cuda", "cudnn", "nccl")
_BLAS_PACKAGES = ("libblas", "libcblas", "liblapack", "blas")


def is_cuda_record(record: CondaRecord) -> bool:
    """Tell whether a conda record is a CUDA build or a CUDA runtime package."""
    return ("cuda" in record.build.lower() or record.name in _CUDA_PACKAGES
            or record.name.startswith("cuda-"))


def _is_cpu_dist(dist: Distribution) -> bool:
    # PyPI's CPU wheels of torch carry "+cpu"; torch/version.py has cuda = None in any CPU build.
    return (dist.local_version or "").startswith("cpu") or dist.build_variant.get("cuda") == "none"


def lost_cuda(replacement: Replacement) -> bool:
    return is_cuda_record(replacement.record) and _is_cpu_dist(replacement.dist)


def lost_mkl(view: PackageView, replacement: Replacement) -> bool:
    return replacement.dist.build_variant.get("blas") == "openblas" and bool(_mkl_evidence(view, replacement.record))


def variant_lost(view: PackageView, replacement: Replacement) -> bool:
    """Tell whether a build-variant check (P304, P305) reports this replacement instead of P300."""
    return lost_cuda(replacement) or lost_mkl(view, replacement)


def _mkl_evidence(view: PackageView, record: CondaRecord) -> list[str]:
    """Return the records and depends that show the env's BLAS is MKL."""
    evidence = [describe_record(r) for r in view.packages.conda_records
                if r.name in _BLAS_PACKAGES and r.build.endswith("mkl")]
    if "mkl" in view.records_by_name:
        evidence.append(describe_record(view.records_by_name["mkl"]))
    evidence += [f"{record.name} depends on {spec!r}" for spec in record.depends
                 if "mkl" in spec.split(" ", 1)[-1] or spec.split()[0] == "mkl"]
    return evidence


def check_cuda_replaced_by_pip(snapshot: Snapshot) -> Iterator[Finding]:
    """P304: pip replaced a conda CUDA build (torch) with a CPU wheel."""
    for view in package_views(snapshot):
        for replacement in find_replacements(view):
            if lost_cuda(replacement):
                yield _pip_cuda_finding(view, replacement)


def _pip_cuda_finding(view: PackageView, replacement: Replacement) -> Finding:
    record, dist = replacement.record, replacement.dist
    pulled_in_by = _requested_dependents(view, dist)
    evidence = replacement_evidence(view, replacement)
    evidence.update({
        "installed_local_version": dist.local_version,
        "installed_cuda": dist.build_variant.get("cuda"),
        "still_cuda_records": _other_cuda_records(view, record),
        "pulled_in_by": [describe_dist(d) for d in pulled_in_by],
    })
    commands = [pip_uninstall(view, dist), conda_reinstall(view, record.name, record.version, record.build)]
    commands += [pip_reinstall(view, d.raw_name, d.version, d.installer, no_deps=True) for d in pulled_in_by]
    cause = f", pulled in by {', '.join(describe_dist(d) for d in pulled_in_by)}" if pulled_in_by else ""
    return package_finding(
        view, "P304", "error",
        (f"{view.label}: {replacement.installer} replaced conda's CUDA build {record.name} "
         f"{record.version} ({record.build}) with the CPU build {dist.raw_name} {dist.version}{cause}"),
        evidence,
        f"Put conda's CUDA build of {record.name} back into {view.env.prefix}",
        commands)


def _requested_dependents(view: PackageView, dist: Distribution) -> list[Distribution]:
    """Return the distributions the user asked for (REQUESTED) that require ``dist``."""
    if dist.requested:
        return []
    environment = marker_environment(view.env)
    dependents = []
    for other in view.own:
        if not other.requested or other.conda_record is not None or other is dist:
            continue
        if any(_names(requirement, dist.name, environment) for requirement in other.requires):
            dependents.append(other)
    return dependents


def _names(requirement: str, project: str, environment: dict[str, str]) -> bool:
    try:
        parsed = Requirement(requirement)
    except InvalidRequirement:
        return False
    if canonicalize_name(parsed.name) != project:
        return False
    return parsed.marker is None or parsed.marker.evaluate(environment)


def _other_cuda_records(view: PackageView, replaced: CondaRecord) -> list[str]:
    return [describe_record(r) for r in view.packages.conda_records
            if r is not replaced and not r.error and is_cuda_record(r)]


def check_cuda_swapped_by_conda(snapshot: Snapshot) -> Iterator[Finding]:
    """P304: a conda transaction swapped a CUDA build for a CPU build (cpuonly, for example)."""
    for view in package_views(snapshot):
        removed = _removed_cuda_names(view.packages.history)
        for record in view.packages.conda_records:
            if record.error or not record.metadata_dirs or is_cuda_record(record):
                continue
            if record.name not in removed:
                continue
            swap = _history_swap(view.packages.history, record)
            if swap is not None:
                yield _conda_cuda_finding(view, record, *swap)


def _removed_cuda_names(history: list[HistoryBlock]) -> set[str]:
    """Return the names of packages whose CUDA build some transaction removed."""
    names = set()
    for block in history:
        for line in block.removed:
            name_version_build = line.rpartition("::")[2]
            if "cuda" in name_version_build.lower():
                names.add(name_version_build.rsplit("-", 2)[0])
    return names


def _history_swap(history: list[HistoryBlock], record: CondaRecord) -> tuple[HistoryBlock, str] | None:
    """Return the newest block that removed a CUDA build of ``record.name`` and added this one."""
    added = f"::{record.name}-{record.version}-{record.build}"
    for block in reversed(history):
        if not any(line.endswith(added) for line in block.added):
            continue
        for line in block.removed:
            name_version_build = line.rpartition("::")[2]
            if name_version_build.startswith(f"{record.name}-") and "cuda" in name_version_build.lower():
                return block, name_version_build
        return None
    return None


def _conda_cuda_finding(view: PackageView, record: CondaRecord, block: HistoryBlock,
                        removed: str) -> Finding:
    old_version, old_build = removed[len(record.name) + 1:].rsplit("-", 1)
    cpu_selectors = [describe_record(r) for r in view.packages.conda_records
                     if r.name == "cpuonly" or (r.name == "pytorch-mutex" and "cpu" in r.build)]
    evidence: dict[str, Any] = {
        "prefix": view.env.prefix,
        "conda_record": record.path,
        "conda_package": describe_record(record),
        "removed_cuda_build": removed,
        "history_date": block.date,
        "history_command": block.command,
        "history_removed": block.removed,
        "history_added": block.added,
        "cpu_selectors": cpu_selectors,
        "still_cuda_records": _other_cuda_records(view, record),
    }
    commands = [conda_remove(view, "cpuonly")] if "cpuonly" in view.records_by_name else []
    commands.append(conda_reinstall(view, record.name, old_version, old_build, force=False))
    return package_finding(
        view, "P304", "error",
        (f"{view.label}: conda replaced the CUDA build {record.name} {old_version} ({old_build}) "
         f"with the CPU build {record.version} ({record.build})"),
        evidence,
        f"Install the CUDA build of {record.name} into {view.env.prefix} again",
        commands)


def check_mkl_replaced_by_openblas(snapshot: Snapshot) -> Iterator[Finding]:
    """P305: pip replaced a conda package built on MKL with a wheel that bundles OpenBLAS."""
    for view in package_views(snapshot):
        for replacement in find_replacements(view):
            if lost_cuda(replacement) or not lost_mkl(view, replacement):
                continue
            record, dist = replacement.record, replacement.dist
            evidence = replacement_evidence(view, replacement)
            evidence["mkl_evidence"] = _mkl_evidence(view, record)
            evidence["bundled_blas_library"] = dist.build_variant.get("blas_library")
            commands = [pip_uninstall(view, dist), conda_reinstall(view, record.name, record.version, record.build)]
            yield package_finding(
                view, "P305", "warning",
                (f"{view.label}: {replacement.installer} replaced conda's MKL build {record.name} "
                 f"{record.version} with the OpenBLAS wheel {dist.raw_name} {dist.version}"),
                evidence,
                f"Put conda's MKL build of {record.name} {record.version} back into {view.env.prefix}",
                commands)


CHECKS = [check_cuda_replaced_by_pip, check_cuda_swapped_by_conda, check_mkl_replaced_by_openblas]
