"""What an environment really has, indexed for comparing it with an environment file.

A conda record whose Python distribution pip or uv replaced does not count as installed by
conda: the distribution that replaced it counts, as a pip package.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..envfile.condaspec import InvalidSpecError, parse_conda_spec
from ..model import CondaRecord, Distribution, HistoryBlock
from .packageview import PackageView, live_distribution, version_key
from .replacements import Replacement, find_replacements


@dataclass
class InstalledPackages:
    """The conda records and distributions of one environment, as an environment file sees them."""

    view: PackageView
    # Conda package name -> its record, for records that no other installer replaced.
    records: dict[str, CondaRecord] = field(default_factory=dict)
    # Conda package name -> how pip or uv replaced its distribution.
    replaced: dict[str, Replacement] = field(default_factory=dict)
    # Canonical project name -> the distribution that is installed (one per project).
    dists: dict[str, Distribution] = field(default_factory=dict)
    # Metadata paths of distributions that a record owns and nobody replaced.
    conda_owned: set[str] = field(default_factory=set)
    # Conda package name -> the spec the user asked for, from conda-meta/history.
    requested: dict[str, str] = field(default_factory=dict)
    # Canonical names that an installed distribution or conda record depends on.
    required: set[str] = field(default_factory=set)

    def is_conda_owned(self, dist: Distribution) -> bool:
        return dist.metadata_path in self.conda_owned

    def projects_of(self, record: CondaRecord) -> set[str]:
        """Return the canonical names of the Python distributions a record owns."""
        return {canonicalize_name(d.rsplit("/", 1)[-1].split("-", 1)[0])
                for d in record.metadata_dirs}


def installed_packages(view: PackageView) -> InstalledPackages:
    """Index the packages of ``view``'s environment."""
    installed = InstalledPackages(view)
    replacements = find_replacements(view)
    replaced_paths = {r.record.path for r in replacements}
    installed.replaced = {r.record.name: r for r in replacements}
    for record in view.packages.conda_records:
        if not record.error and record.path not in replaced_paths:
            installed.records[record.name] = record

    groups: dict[str, list[Distribution]] = {}
    for dist in view.own:
        groups.setdefault(dist.name, []).append(dist)
    for project, dists in groups.items():
        chosen = live_distribution(dists) or max(dists, key=lambda d: version_key(d.version))
        installed.dists[project] = chosen
        if chosen.conda_record is not None and chosen.conda_record not in replaced_paths \
                and chosen.installer in ("conda", None):
            installed.conda_owned.add(chosen.metadata_path)

    installed.requested = requested_conda_specs(view.packages.history)
    installed.required = _required_names(view, installed)
    return installed


def requested_conda_specs(history: list[HistoryBlock]) -> dict[str, str]:
    """Return conda package name -> the last spec the user asked for that is not removed yet."""
    requested: dict[str, str] = {}
    for block in history:
        for spec in block.specs:
            name = _spec_name(spec)
            if name is None:
                continue
            if block.specs_action == "remove":
                requested.pop(name, None)
            else:
                requested[name] = spec
    return requested


def _spec_name(spec: str) -> str | None:
    try:
        return parse_conda_spec(spec).name
    except InvalidSpecError:
        return None


def _required_names(view: PackageView, installed: InstalledPackages) -> set[str]:
    required: set[str] = set()
    for dist in installed.dists.values():
        for line in dist.requires:
            try:
                required.add(canonicalize_name(Requirement(line).name))
            except InvalidRequirement:
                continue
    for record in installed.records.values():
        for depend in record.depends:
            if depend.strip():
                required.add(canonicalize_name(depend.split()[0]))
    return required
