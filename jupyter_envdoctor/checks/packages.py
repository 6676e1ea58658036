"""Checks of installed packages: what pip did to conda, stale and duplicate metadata.

This module contains the checks of single site dirs; conda-versus-pip checks are in
condapip.py, lost build variants in variants.py and requirements in requirements.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Callable

from ..model import Distribution, Finding, SiteDir, Snapshot
from . import condapip, remedies, requirements, variants
from .packageview import (
    PackageView,
    conda_reinstall,
    conda_remove,
    count_files,
    describe_dist,
    join_commands,
    live_distribution,
    package_views,
    pip_reinstall,
    pip_uninstall,
    remove_paths,
)

LISTED_MISMATCHES = 5


def check_duplicate_metadata(snapshot: Snapshot) -> Iterator[Finding]:
    """P302: several metadata dirs for one project in one site dir, none owned by conda."""
    for view in package_views(snapshot):
        for site_dir in view.packages.site_dirs:
            for project, dists in _groups(site_dir).items():
                if len(dists) > 1 and all(d.conda_record is None for d in dists):
                    yield _duplicate_finding(view, site_dir, project, dists)


def _groups(site_dir: SiteDir) -> dict[str, list[Distribution]]:
    groups: dict[str, list[Distribution]] = {}
    for dist in site_dir.distributions:
        if dist.metadata_kind != "egg-link":
            groups.setdefault(dist.name, []).append(dist)
    return groups


def _duplicate_finding(view: PackageView, site_dir: SiteDir, project: str,
                       dists: list[Distribution]) -> Finding:
    live = live_distribution(dists)
    stale = [d for d in dists if d is not live] if live else []
    versions = " and ".join(d.version for d in dists)
    title = f"{view.label}: {len(dists)} metadata dirs for {project} ({versions}) in {site_dir.path}"
    if live is not None:
        title += f"; only {live.version}'s RECORD matches the installed files"
    evidence: dict[str, Any] = {
        "site_dir": site_dir.path,
        "metadata": [_metadata_evidence(d) for d in dists],
        "live_metadata": live.metadata_path if live else None,
        "stale_metadata": [d.metadata_path for d in stale],
    }
    fixes = []
    if live is not None:
        commands = [remove_paths(d.metadata_path for d in stale)]
        if site_dir.kind == "env":
            commands.append(pip_reinstall(view, live.raw_name, live.version, live.installer))
        fixes.append(remedies.run_command(
            f"Delete the stale metadata of {project} and reinstall {project} {live.version}",
            join_commands(commands)))
    return Finding(code="P302", severity="warning", title=title, kernels=view.kernels,
                   environments=[view.env.prefix], evidence=evidence, fixes=fixes)


def _metadata_evidence(dist: Distribution) -> dict[str, Any]:
    return {
        "path": dist.metadata_path,
        "version": dist.version,
        "installer": dist.installer,
        "hashes_checked": dist.hashes_checked,
        "hash_mismatch_count": len(dist.hash_mismatches),
        "hash_mismatches": dist.hash_mismatches[:LISTED_MISMATCHES],
    }


def check_leftovers(snapshot: Snapshot) -> Iterator[Finding]:
    """P303: "~name" entries that an interrupted pip run left in a site dir."""
    for view in package_views(snapshot):
        for site_dir in view.packages.site_dirs:
            if not site_dir.leftovers:
                continue
            paths = [os.path.join(site_dir.path, name) for name in site_dir.leftovers]
            yield Finding(
                code="P303",
                severity="warning",
                title=(f"{view.label}: {len(paths)} leftover{'' if len(paths) == 1 else 's'} of an interrupted pip run in "
                       f"{site_dir.path}: {', '.join(site_dir.leftovers)}"),
                kernels=view.kernels,
                environments=[view.env.prefix],
                evidence={"site_dir": site_dir.path, "leftovers": paths},
                fixes=[remedies.run_command(f"Delete the leftovers in {site_dir.path}", remove_paths(paths))],
            )


def check_shared_modules(snapshot: Snapshot) -> Iterator[Finding]:
    """P306: two projects whose RECORDs list the same module files, so one overwrote the other."""
    for view in package_views(snapshot):
        for site_dir in view.packages.site_dirs:
            by_path = {d.metadata_path: d for d in site_dir.distributions}
            seen: set[tuple[str, str]] = set()
            for dist in site_dir.distributions:
                for other_path, count in sorted(dist.shared_files.items()):
                    other = by_path.get(other_path)
                    pair = (min(dist.metadata_path, other_path), max(dist.metadata_path, other_path))
                    if other is None or other.name == dist.name or pair in seen:
                        continue
                    seen.add(pair)
                    yield _shared_finding(view, site_dir, dist, other, count)


def _shared_finding(view: PackageView, site_dir: SiteDir, one: Distribution, other: Distribution,
                    count: int) -> Finding:
    modules = sorted(set(one.top_level) & set(other.top_level))
    provides = ", ".join(modules) if modules else f"{count} of the same files"
    live = live_distribution([one, other])
    evidence: dict[str, Any] = {
        "site_dir": site_dir.path,
        "modules": modules,
        "shared_files": count,
        "metadata": [_metadata_evidence(one), _metadata_evidence(other)],
        "live_metadata": live.metadata_path if live else None,
    }
    fixes = []
    if live is not None and site_dir.kind == "env":
        overwritten = other if live is one else one
        commands = [_uninstall(view, overwritten), _reinstall(view, live)]
        fixes.append(remedies.run_command(
            f"Uninstall {describe_dist(overwritten)} and reinstall {describe_dist(live)}",
            join_commands(commands)))
    return Finding(
        code="P306",
        severity="warning",
        title=f"{view.label}: {describe_dist(one)} and {describe_dist(other)} both install {provides}",
        kernels=view.kernels,
        environments=[view.env.prefix],
        evidence=evidence,
        fixes=fixes,
    )


def _uninstall(view: PackageView, dist: Distribution) -> str:
    record = view.record_of(dist)
    if record is not None:
        # --force removes only this package: its dependents stay, as with pip.
        return conda_remove(view, record.name, force=True)
    return pip_uninstall(view, dist)


def _reinstall(view: PackageView, dist: Distribution) -> str:
    record = view.record_of(dist)
    if record is not None:
        return conda_reinstall(view, record.name, record.version, record.build)
    return pip_reinstall(view, dist.raw_name, dist.version, dist.installer, no_deps=True)


def check_missing_files(snapshot: Snapshot) -> Iterator[Finding]:
    """P307: files that a distribution's RECORD lists are gone (conda packages are P309)."""
    for view in package_views(snapshot):
        for site_dir in view.packages.site_dirs:
            groups = _groups(site_dir)
            for dist in site_dir.distributions:
                if not _reports_missing_files(dist, groups):
                    continue
                fixes = []
                if site_dir.kind == "env":
                    fixes.append(remedies.run_command(
                        f"Reinstall {describe_dist(dist)} in {view.env.prefix}",
                        pip_reinstall(view, dist.raw_name, dist.version, dist.installer, no_deps=True)))
                yield Finding(
                    code="P307",
                    severity="warning",
                    title=(f"{view.label}: {describe_dist(dist)} ({dist.installer or 'unknown installer'}) "
                           f"is missing {dist.missing_file_count} of its "
                           f"{count_files(dist.record_count or 0)}"),
                    kernels=view.kernels,
                    environments=[view.env.prefix],
                    evidence={"metadata": dist.metadata_path, "installer": dist.installer,
                              "record_count": dist.record_count,
                              "missing_file_count": dist.missing_file_count,
                              "missing_files": dist.missing_files},
                    fixes=fixes,
                )


def _reports_missing_files(dist: Distribution, groups: dict[str, list[Distribution]]) -> bool:
    # Conda's packages are checked against their records (P309), editables by P312, and a
    # stale duplicate naturally lists files of another version (P301, P302).
    return (dist.missing_file_count > 0 and dist.conda_record is None and not dist.editable_source
            and len(groups.get(dist.name, [])) < 2)


def check_editable_source_gone(snapshot: Snapshot) -> Iterator[Finding]:
    """P312: an editable install whose source dir is gone, so its import fails."""
    for view in package_views(snapshot):
        for site_dir in view.packages.site_dirs:
            for dist in site_dir.distributions:
                if not dist.editable_source_missing:
                    continue
                yield Finding(
                    code="P312",
                    severity="warning",
                    title=(f"{view.label}: editable install {describe_dist(dist)} points at "
                           f"{dist.editable_source}, which is gone"),
                    kernels=view.kernels,
                    environments=[view.env.prefix],
                    evidence={"metadata": dist.metadata_path, "editable_source": dist.editable_source,
                              "metadata_kind": dist.metadata_kind, "installer": dist.installer},
                    fixes=[remedies.run_command(f"Uninstall the editable {dist.raw_name} from {view.env.prefix}",
                                                pip_uninstall(view, dist))],
                )


def check_unreadable_metadata(snapshot: Snapshot) -> Iterator[Finding]:
    """P313: package metadata or conda records that cannot be read, so other checks skip them."""
    for view in package_views(snapshot):
        for path, error in _read_errors(view):
            yield Finding(
                code="P313",
                severity="warning",
                title=f"{view.label}: cannot read {path}: {error}",
                kernels=view.kernels,
                environments=[view.env.prefix],
                evidence={"path": path, "error": error},
            )


def _read_errors(view: PackageView) -> Iterator[tuple[str, str]]:
    for problem in view.packages.problems:
        yield view.env.prefix, problem
    for record in view.packages.conda_records:
        if record.error:
            yield record.path, record.error
    for site_dir in view.packages.site_dirs:
        if site_dir.error:
            yield site_dir.path, site_dir.error
        for dist in site_dir.distributions:
            if dist.error:
                yield dist.metadata_path, dist.error


CHECKS: list[Callable[[Snapshot], Iterator[Finding]]] = [
    *condapip.CHECKS,
    *variants.CHECKS,
    *requirements.CHECKS,
    check_duplicate_metadata,
    check_leftovers,
    check_shared_modules,
    check_missing_files,
    check_editable_source_gone,
    check_unreadable_metadata,
]
