"""Conda records whose Python distribution another installer (pip, uv) replaced."""

from __future__ import annotations

import os
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from ..model import CondaRecord, Distribution
from .packageview import PackageView, describe_record, version_key


@dataclass(frozen=True)
class Replacement:
    """A conda record's distribution, replaced by one the record does not describe."""

    record: CondaRecord
    metadata_dir: str  # prefix-relative, as the record lists it
    project: str  # canonical name of the distribution
    # "removed": the record's metadata dir is gone, and another one of the project is there.
    # "reinstalled": the dir is there, but its RECORD or INSTALLER is not the package's.
    # "overwritten": both are there, and only the other one's hashes match the files.
    how: str
    dist: Distribution  # what is installed now

    @property
    def installer(self) -> str:
        return self.dist.installer or "an installer other than conda"


def find_replacements(view: PackageView) -> list[Replacement]:
    """Return every conda record whose distribution was replaced, once per metadata dir."""
    found: list[Replacement] | None = view.memo.get("replacements")
    if found is None:
        found = []
        for record in view.packages.conda_records:
            for metadata_dir in record.metadata_dirs:
                replacement = _replacement(view, record, metadata_dir)
                if replacement is not None:
                    found.append(replacement)
        view.memo["replacements"] = found
    return list(found)


def replaced_records(replacements: list[Replacement]) -> set[str]:
    return {r.record.path for r in replacements}


def _replacement(view: PackageView, record: CondaRecord, metadata_dir: str) -> Replacement | None:
    project = canonicalize_name(os.path.basename(metadata_dir).split("-", 1)[0])
    owned = view.dist_by_path.get(view.absolute(metadata_dir))
    others = [d for d in view.own_named(project) if d.conda_record is None]

    if metadata_dir in record.missing_metadata_dirs:
        if not others:
            return None  # Removed without a replacement: the record's files are missing.
        newest = max(others, key=lambda d: version_key(d.version))
        return Replacement(record, metadata_dir, project, "removed", newest)

    if owned is None:
        return None
    if metadata_dir in record.changed_metadata_dirs and owned.installer != "conda":
        return Replacement(record, metadata_dir, project, "reinstalled", owned)
    if owned.hash_mismatches:
        live = [d for d in others if d.hashes_checked and not d.hash_mismatches]
        if len(live) == 1:
            return Replacement(record, metadata_dir, project, "overwritten", live[0])
    return None


def replacement_evidence(view: PackageView, replacement: Replacement) -> dict[str, object]:
    """Evidence shared by the findings about a replaced conda package."""
    record, dist = replacement.record, replacement.dist
    evidence: dict[str, object] = {
        "prefix": view.env.prefix,
        "conda_record": record.path,
        "conda_package": describe_record(record),
        "conda_version": record.version,
        "conda_build": record.build,
        "conda_channel": record.channel,
        "record_metadata_dir": view.absolute(replacement.metadata_dir),
        "how": replacement.how,
        "installed_metadata": dist.metadata_path,
        "installed_version": dist.version,
        "installer": dist.installer,
        "requested": dist.requested,
        # conda deletes a record whose metadata dir is gone the next time it reads the env
        # (`conda list`, `conda install`), so this record is evidence worth reading first.
        "conda_list_deletes_record": replacement.how == "removed",
    }
    pinned = [spec for spec in view.packages.pinned if spec.split()[0] == record.name]
    if pinned:
        evidence["pinned"] = pinned
    history_entry = conda_history_entry(view, record)
    if history_entry:
        evidence["conda_history"] = history_entry
    return evidence


def conda_history_entry(view: PackageView, record: CondaRecord) -> str | None:
    """Return "date: command" of the history block that added this exact record."""
    wanted = f"::{record.name}-{record.version}-{record.build}"
    for block in reversed(view.packages.history):
        if any(line.endswith(wanted) for line in block.added):
            return f"{block.date}: {block.command}" if block.command else block.date
    return None
