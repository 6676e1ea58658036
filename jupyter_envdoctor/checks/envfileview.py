"""The packages an environment really has, indexed for comparing it with an environment file.

A conda record whose Python distribution pip or uv replaced does not count as installed by
conda: the distribution that replaced it counts, as a pip package.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..envfile.condaspec import InvalidSpecError, parse_conda_spec
from ..model import CondaRecord, Distribution, HistoryBlock
from .packageview import PackageView
from .replacements import Replacement, find_replacements


@dataclass
class InstalledPackages:
    """The conda records and distributions of one environment, in the terms of an environment file."""

    view: PackageView
    # Conda package name -> its record, for records that no other installer replaced.
    records: dict[str, CondaRecord] = field(default_factory=dict)
    # Conda package name -> how pip or uv replaced its distribution.
    replaced: dict[str, Replacement] = field(default_factory=dict)
    # Canonical project name -> the distribution that is installed (one per project).
    dists: dict[str, Distribution] = field(default_factory=dict)
    # Metadata paths of distributions that a record owns and no other installer replaced.
    conda_owned: set[str] = field(default_factory=set)
    # Conda package name -> the spec the user asked for, from conda-meta/history.
    requested: dict[str, str] = field(default_factory=dict)
    # Canonical names that an installed distribution or conda record depends on.
    required: set[str] = field(default_factory=set)
    # Canonical names of the copies of pip and setuptools that `python -m venv` installed.
    seed: set[str] = field(default_factory=set)

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

    for project, chosen in view.installed_by_project().items():
        installed.dists[project] = chosen
        if chosen.conda_record is not None and chosen.conda_record not in replaced_paths \
                and chosen.installer in ("conda", None):
            installed.conda_owned.add(chosen.metadata_path)

    installed.requested = requested_conda_specs(view.packages.history)
    installed.required = _required_names(view, installed)
    installed.seed = _seed_names(view, installed)
    return installed


# Python 3.12 stopped installing setuptools into new venvs (ensurepip bundles pip only).
_LAST_PYTHON_WITH_SEED_SETUPTOOLS = (3, 11)


def _seed_names(view: PackageView, installed: InstalledPackages) -> set[str]:
    """Return the names of the seed packages that `python -m venv` (ensurepip) installed.

    pip counts as seed whenever pip installed it. setuptools counts when pip installed it,
    nothing installed requires it, and its version is the one the base Python bundles for
    ensurepip. When no bundled wheel is found (some Linux distributions move them), a
    setuptools in a venv of Python 3.11 or older counts. ensurepip writes REQUESTED too, so
    REQUESTED cannot tell a seed copy from one the user asked for.
    """
    if view.is_conda:
        return set()
    seed = set()
    pip = installed.dists.get("pip")
    if pip is not None and pip.installer == "pip":
        seed.add("pip")
    setuptools = installed.dists.get("setuptools")
    if setuptools is None or setuptools.installer != "pip" or "setuptools" in installed.required:
        return seed
    bundled = _bundled_setuptools_versions(view.env.base_home, view.env.python_version)
    if bundled:
        if setuptools.version in bundled:
            seed.add("setuptools")
    else:
        python = _python_tuple(view.env.python_version)
        if python and python <= _LAST_PYTHON_WITH_SEED_SETUPTOOLS:
            seed.add("setuptools")
    return seed


def _bundled_setuptools_versions(base_home: str | None, python_version: str | None) -> set[str]:
    """Return the versions of the setuptools wheels that ensurepip of the base Python installs."""
    folders = ["/usr/share/python-wheels"]
    major_minor = ".".join((python_version or "").split(".")[:2])
    if base_home and major_minor:
        # pyvenv.cfg's home is the base Python's bin dir.
        folders.insert(0, os.path.join(os.path.dirname(base_home), "lib",
                                       f"python{major_minor}", "ensurepip", "_bundled"))
    versions = set()
    for folder in folders:
        for wheel in glob.glob(os.path.join(glob.escape(folder), "setuptools-*.whl")):
            versions.add(os.path.basename(wheel).split("-")[1])
    return versions


def _python_tuple(version: str | None) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in (version or "").split(".")[:2])
    except ValueError:
        return ()


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
