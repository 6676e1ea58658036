"""Installed packages of an environment: distributions per site dir, conda-meta records, and
which record owns which distribution.

Everything is read from files; no conda or pip runs, and nothing is written.
"""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Collection

from ..model import Distribution, Environment, EnvironmentPackages, SiteDir
from .condameta import read_conda_meta
from .distributions import RecordEntry, read_distribution, read_egg_link, read_pth_file
from .sharedfiles import link_shared_files

log = logging.getLogger(__name__)

# Set to 1 (or true, yes) to also compare the sha256 of every file a conda record lists.
DEEP_SCAN_VARIABLE = "JUPYTER_ENVDOCTOR_DEEP"


def read_site_dir(path: str, kind: str, deep: bool = False,
                  conda_linked: Collection[str] = ()) -> SiteDir:
    """Read the distributions, leftovers and .pth files of one site dir.

    With ``deep``, every file each RECORD lists is looked for, not only one per directory.
    ``conda_linked`` contains the metadata paths that conda installed and no other installer
    rewrote. Their METADATA is not parsed, because conda's record has what checks use.
    """
    site_dir = SiteDir(path=path, kind=kind)
    try:
        entries = sorted(os.listdir(path))
    except OSError as error:
        site_dir.error = f"cannot list {path}: {error.strerror or error}"
        return site_dir

    with_records: list[tuple[Distribution, list[RecordEntry]]] = []
    for entry in entries:
        if entry.startswith("~"):
            # pip renames what it is removing to "~<name minus first letter>" and deletes it
            # at the end, so these are left only by an interrupted run.
            site_dir.leftovers.append(entry)
        elif entry.endswith((".dist-info", ".egg-info")):
            metadata_path = os.path.join(path, entry)
            dist, records = read_distribution(path, entry, deep, metadata_path in conda_linked)
            site_dir.distributions.append(dist)
            with_records.append((dist, records))
        elif entry.endswith(".egg-link"):
            site_dir.distributions.append(read_egg_link(path, entry))
        elif entry.endswith(".pth"):
            _read_pth(site_dir, entry)

    link_shared_files(path, with_records)
    log.debug("read %d distributions in %s", len(site_dir.distributions), path)
    return site_dir


def _read_pth(site_dir: SiteDir, entry: str) -> None:
    try:
        site_dir.pth_entries[os.path.join(site_dir.path, entry)] = read_pth_file(site_dir.path, entry)
    except OSError as error:
        message = f"cannot read {entry}: {error.strerror or error}"
        site_dir.error = f"{site_dir.error}; {message}" if site_dir.error else message


def read_environment_packages(env: Environment, extra_site_dirs: list[SiteDir], *,
                              deep: bool | None = None) -> EnvironmentPackages:
    """Read an env's own site dirs and conda-meta; ``extra_site_dirs`` come from kernels' sys.path.

    ``deep`` (default: the JUPYTER_ENVDOCTOR_DEEP variable) also hashes every file that a
    conda record lists with a sha256, which reads the whole env.
    """
    deep = resolve_deep(deep)
    is_conda = env.kind in ("conda", "pixi")
    packages = EnvironmentPackages(environment_id=env.id, deep=deep and is_conda)

    if is_conda:
        read_conda_meta(env.prefix, packages, deep)
    conda_linked = _conda_linked_metadata(env.prefix, packages)
    for path in environment_site_dirs(env):
        packages.site_dirs.append(read_site_dir(path, "env", deep, conda_linked))
    add_extra_site_dirs(packages, extra_site_dirs)

    if is_conda:
        _link_owners(env.prefix, packages)
    return packages


def _conda_linked_metadata(prefix: str, packages: EnvironmentPackages) -> set[str]:
    """Return the metadata dirs that a record owns and that no other installer rewrote."""
    linked = set()
    for record in packages.conda_records:
        for metadata_dir in record.metadata_dirs:
            if metadata_dir not in record.changed_metadata_dirs:
                linked.add(os.path.join(prefix, *metadata_dir.split("/")))
    return linked


def resolve_deep(deep: bool | None) -> bool:
    """Return ``deep``, or when it is None whether JUPYTER_ENVDOCTOR_DEEP requests a deep scan."""
    if deep is None:
        return os.environ.get(DEEP_SCAN_VARIABLE, "").strip().lower() in ("1", "true", "yes")
    return deep


def add_extra_site_dirs(packages: EnvironmentPackages, extra_site_dirs: list[SiteDir]) -> None:
    """Append the extra site dirs that are not one of the env's own."""
    seen = {os.path.realpath(s.path) for s in packages.site_dirs if s.kind == "env"}
    packages.site_dirs.extend(s for s in extra_site_dirs if os.path.realpath(s.path) not in seen)


def environment_site_dirs(env: Environment) -> list[str]:
    """Return the existing site dirs of the env's own Python, without duplicates."""
    prefix = env.prefix
    if os.path.isdir(os.path.join(prefix, "Lib", "site-packages")):
        candidates = [os.path.join(prefix, "Lib", "site-packages")]
    else:
        minor = ".".join((env.python_version or "").split(".")[:2])
        # Without a known version every lib/pythonX.Y is read; with one, only its own, because
        # an upgraded env keeps the old version's site-packages.
        pattern = f"python{minor}" if minor else "python3*"
        candidates = sorted(glob.glob(os.path.join(prefix, "lib", pattern, "site-packages")))
        if env.kind == "system":
            # Debian's Python installs into dist-packages, and apt's packages into lib/python3.
            candidates += sorted(glob.glob(os.path.join(prefix, "lib", pattern, "dist-packages")))
            candidates.append(os.path.join(prefix, "lib", "python3", "dist-packages"))

    site_dirs: list[str] = []
    seen: set[str] = set()
    for path in candidates:
        real = os.path.realpath(path)
        if os.path.isdir(path) and real not in seen:
            seen.add(real)
            site_dirs.append(path)
    return site_dirs


def _link_owners(prefix: str, packages: EnvironmentPackages) -> None:
    """Set ``conda_record`` of each distribution whose metadata dir a record lists.

    Ownership goes through the record's files, never through names: the pytorch record
    owns torch's dist-info and py-opencv's owns opencv's.
    """
    owner_by_dir = {}
    for record in packages.conda_records:
        for metadata_dir in record.metadata_dirs:
            owner_by_dir[metadata_dir] = record.path
    if not owner_by_dir:
        return
    for site_dir in packages.site_dirs:
        if site_dir.kind != "env":
            continue
        for dist in site_dir.distributions:
            relative = os.path.relpath(dist.metadata_path, prefix).replace(os.sep, "/")
            dist.conda_record = owner_by_dir.get(relative)
