"""Files that the RECORDs of several distributions in one site dir both list.

Two metadata dirs that list the same file mean one installer wrote over the other's files
(a stale dist-info left beside a newer one, or two projects shipping one module). Comparing
the RECORD hashes with the file on disk shows which metadata describes what is installed.
"""

from __future__ import annotations

import base64
import itertools
import os
from collections import Counter
from collections.abc import Sequence
from operator import itemgetter

from ..model import Distribution
from .condameta import file_digest
from .distributions import RecordEntry, is_module_file

# Hashing every shared file of a large project (torch has thousands) would read gigabytes.
# A sample of this many files separates a stale RECORD from a live one, because a version
# change rewrites most modules. NOTE: a sample can miss a difference confined to other files.
MAX_HASHED_FILES = 50

# Files above this size are left out of the sample, to keep the scan fast.
MAX_HASHED_FILE_BYTES = 8 * 1024 * 1024

# pkgutil- and pkg_resources-style namespace packages ship the same __init__.py in every
# project of the namespace on purpose.
_NAMESPACE_MARKERS = (b"extend_path", b"declare_namespace")
MAX_INIT_BYTES = 64 * 1024


def link_shared_files(site_dir: str, entries: Sequence[tuple[Distribution, list[RecordEntry]]]) -> None:
    """Fill ``shared_files``, ``hashes_checked`` and ``hash_mismatches`` of each distribution."""
    shared = _shared_paths(site_dir, entries)
    if not shared:
        return

    disk_hashes: dict[str, str | None] = {}
    for index, paths in shared.items():
        dist, records = entries[index]
        _compare_hashes(dist, [r for r in records if r.path in paths], disk_hashes)


def _shared_paths(site_dir: str,
                  entries: Sequence[tuple[Distribution, list[RecordEntry]]]) -> dict[int, set[str]]:
    """Return, for each distribution index, the module files another RECORD also lists."""
    # Counting in C first keeps the Python loop below to the few paths listed twice.
    counts = Counter(map(itemgetter(0), itertools.chain.from_iterable(r for _, r in entries)))
    owners: dict[str, dict[int, str | None]] = {}
    for index, (_, records) in enumerate(entries):
        for record in records:
            if counts[record.path] > 1:
                owners.setdefault(record.path, {})[index] = record.sha256

    shared: dict[int, set[str]] = {}
    namespace_inits: dict[str, bool] = {}
    for path, hashes in owners.items():
        # Most paths have one owner, so the cheaper test goes first.
        if len(hashes) < 2 or not is_module_file(path):
            continue
        for first, second in itertools.combinations(sorted(hashes), 2):
            one, other = entries[first][0], entries[second][0]
            if one.name != other.name and _harmless_overlap(site_dir, path, hashes[first],
                                                            hashes[second], namespace_inits):
                continue
            one.shared_files[other.metadata_path] = one.shared_files.get(other.metadata_path, 0) + 1
            other.shared_files[one.metadata_path] = other.shared_files.get(one.metadata_path, 0) + 1
            shared.setdefault(first, set()).add(path)
            shared.setdefault(second, set()).add(path)
    return shared


def _harmless_overlap(site_dir: str, path: str, one_hash: str | None, other_hash: str | None,
                      namespace_inits: dict[str, bool]) -> bool:
    # Two projects that ship the same bytes (the empty nvidia/__init__.py of every
    # nvidia-*-cu12 wheel) overwrite nothing that matters.
    if one_hash is not None and one_hash == other_hash:
        return True
    return _is_namespace_init(site_dir, path, namespace_inits)


def _is_namespace_init(site_dir: str, path: str, cache: dict[str, bool]) -> bool:
    if not path.endswith("/__init__.py"):
        return False
    if path not in cache:
        cache[path] = _has_namespace_marker(os.path.join(site_dir, path))
    return cache[path]


def _has_namespace_marker(path: str) -> bool:
    try:
        with open(path, "rb") as stream:
            head = stream.read(MAX_INIT_BYTES)
    except (OSError, ValueError):
        return False
    return any(marker in head for marker in _NAMESPACE_MARKERS)


def _compare_hashes(dist: Distribution, records: list[RecordEntry],
                    disk_hashes: dict[str, str | None]) -> None:
    sample = [r for r in sorted(records, key=lambda r: r.path)
              if r.sha256 is not None and (r.size is None or r.size <= MAX_HASHED_FILE_BYTES)]
    for record in sample[:MAX_HASHED_FILES]:
        if record.path not in disk_hashes:
            disk_hashes[record.path] = _file_sha256(os.path.join(dist.site_dir, record.path))
        dist.hashes_checked += 1
        if disk_hashes[record.path] != record.sha256:
            dist.hash_mismatches.append(record.path)


def _file_sha256(path: str) -> str | None:
    """Return the sha256 of a file in RECORD's form (urlsafe base64, no padding); None if unreadable."""
    digest = file_digest(path)
    if digest is None:
        return None
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
