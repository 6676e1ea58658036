"""conda-meta records and history, with the fields and layout conda 24 writes.

A record is ``conda-meta/<name>-<version>-<build>.json``, dumped with ``indent=2`` and sorted
keys. Its ``files`` and ``paths_data`` list every file the package put into the prefix, with
the sha256 of the package file and of the file in the prefix.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .interpreter import PackagedFile

CHANNEL = "https://conda.anaconda.org/conda-forge"
CONDA_VERSION = "24.1.2"
# Fixed times keep the generated machine byte-identical between runs with one seed.
BASE_TIMESTAMP = 1_706_000_000


@dataclass(frozen=True)
class CondaPackage:
    """The contents of a conda record: identity, dependencies and the files it installed."""

    name: str
    version: str
    build: str
    subdir: str
    depends: tuple[str, ...]
    files: tuple[PackagedFile, ...]
    noarch: bool = False
    softlinks: tuple[str, ...] = ()
    requested_spec: str = ""
    license: str = "BSD-3-Clause"

    @property
    def dist_name(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"


def record_json(package: CondaPackage, pkgs_dir: Path, sequence: int) -> dict:
    """Return the record conda writes into conda-meta for ``package``."""
    fn = f"{package.dist_name}.conda"
    fingerprint = hashlib.sha256(f"{package.subdir}/{fn}".encode()).hexdigest()
    paths = [_path_entry(f) for f in package.files]
    paths += [{"_path": p, "path_type": "softlink", "sha256": fingerprint, "size_in_bytes": 0}
              for p in package.softlinks]
    paths.sort(key=lambda entry: entry["_path"])
    record = {
        "build": package.build,
        "build_number": build_number(package.build),
        "channel": f"{CHANNEL}/{package.subdir}",
        "constrains": [],
        "depends": list(package.depends),
        "extracted_package_dir": str(pkgs_dir / package.dist_name),
        "features": "",
        "files": sorted([f.path for f in package.files] + list(package.softlinks)),
        "fn": fn,
        "license": package.license,
        "link": {"source": str(pkgs_dir / package.dist_name), "type": 1},
        "md5": fingerprint[:32],
        "name": package.name,
        "package_tarball_full_path": str(pkgs_dir / fn),
        "paths_data": {"paths": paths, "paths_version": 1},
        "requested_spec": package.requested_spec,
        "sha256": fingerprint,
        "size": sum(f.size for f in package.files) // 3 + 1024,
        "subdir": package.subdir,
        "timestamp": (BASE_TIMESTAMP + sequence * 3607) * 1000,
        "track_features": "",
        "url": f"{CHANNEL}/{package.subdir}/{fn}",
        "version": package.version,
    }
    if package.noarch:
        record["noarch"] = "python"
        record["package_type"] = "noarch_python"
    return record


def build_number(build: str) -> int:
    """Return the build number in a build string: "py311h64a7726_0" -> 0, "4_cp311" -> 4."""
    match = re.search(r"_(\d+)(?:_|$)", build) or re.match(r"(\d+)_", build)
    return int(match.group(1)) if match else 0


def _path_entry(file: PackagedFile) -> dict:
    return {"_path": file.path, "path_type": "hardlink", "sha256": file.sha256,
            "sha256_in_prefix": file.sha256, "size_in_bytes": file.size}


def write_record(conda_meta: Path, record: dict) -> Path:
    path = conda_meta / f"{record['name']}-{record['version']}-{record['build']}.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True))
    return path


@dataclass(frozen=True)
class HistoryBlock:
    """One transaction of conda-meta/history: the command, what it linked and unlinked."""

    command: str
    linked: tuple[CondaPackage, ...]
    unlinked: tuple[CondaPackage, ...] = ()
    update_specs: tuple[str, ...] = ()
    remove_specs: tuple[str, ...] = ()


def history_text(blocks: list[HistoryBlock], first_day: int) -> str:
    """Return conda-meta/history for ``blocks``, one transaction per day from ``first_day``."""
    lines = []
    for index, block in enumerate(blocks):
        day = 1 + (first_day + index * 9) % 28
        month = 1 + (first_day // 28 + index) % 12
        lines.append(f"==> 2024-{month:02d}-{day:02d} {9 + index % 9:02d}:{17 + index:02d}:05 <==")
        lines.append(f"# cmd: {block.command}")
        lines.append(f"# conda version: {CONDA_VERSION}")
        lines += sorted(f"-conda-forge/{p.subdir}::{p.dist_name}" for p in block.unlinked)
        lines += sorted(f"+conda-forge/{p.subdir}::{p.dist_name}" for p in block.linked)
        if block.update_specs:
            lines.append(f"# update specs: {list(block.update_specs)!r}")
        if block.remove_specs:
            lines.append(f"# remove specs: {list(block.remove_specs)!r}")
    return "\n".join(lines) + "\n"
