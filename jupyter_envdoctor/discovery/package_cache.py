"""On-disk cache of the packages read from environments and site dirs.

An entry is reused while every path it watches keeps its stamp (mtime, size and inode, or
"missing"). The watched paths are the ones on which pip, uv, conda or a user's edit leaves a
trace. They are each site dir with each metadata dir, .pth and .egg-link file in it, the
source dir of each editable install, and torch/version.py. They also include the ``lib`` dir,
whose pythonX.Y dirs decide which site dirs count, and ``conda-meta`` with its ``history``
and ``pinned`` files.

NOTE: a file changed in place inside a package dir (a module deleted by hand, say) is not
watched, so RECORD files reported missing come from the scan that filled the entry; ``--no-cache``
reads everything again. Deep scans never use the cache.

The file is a pickle, as parso's cache is, because turning the entries into JSON costs several
times as long (about 9x for writing one site dir of 112 distributions, measured with
dataclasses.asdict and json.dumps against pickle.dumps). It lives in the user's own cache dir
and is written with mode 0600. A file is ignored and replaced when it fails to load, or when
its format, package version or schema differs. The schema is a hash of the fields of the
cached classes, so a checkout whose model changed without a new version still rebuilds it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import pickle
from dataclasses import dataclass
from typing import Union

import platformdirs

from .._version import __version__
from ..atomicfile import write_atomic
from ..model import CondaRecord, Distribution, EnvironmentPackages, HistoryBlock, SiteDir
from .stamps import Stamp, stamp

logger = logging.getLogger(__name__)

# 2: CondaRecord.build_number and HistoryBlock.specs_action, which older entries lack.
CACHE_FORMAT_VERSION = 2
CACHE_FILE_NAME = "packages.pickle"

CachedValue = Union[EnvironmentPackages, SiteDir]
_CACHED_CLASSES = (EnvironmentPackages, SiteDir, Distribution, CondaRecord, HistoryBlock)


def _schema() -> str:
    """Return a hash of the names and types of the cached classes' fields."""
    text = repr([(cls.__name__, [(f.name, str(f.type)) for f in dataclasses.fields(cls)])
                 for cls in _CACHED_CLASSES])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


SCHEMA = _schema()


@dataclass
class _Entry:
    stamps: dict[str, Stamp]
    value: CachedValue


def default_cache_dir() -> str:
    """Return the platform's user cache dir for the doctor (~/.cache/jupyter-envdoctor on Linux)."""
    return platformdirs.user_cache_dir("jupyter-envdoctor", appauthor=False)


class PackageCache:
    """Packages of environments and site dirs, stored in ``<directory>/packages.pickle``.

    get() returns an entry only while its watched paths are unchanged, and put() records their
    stamps. save() writes only the entries this scan used or added, so the entries of
    environments that are gone drop out.
    """

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory or default_cache_dir()
        self.path = os.path.join(self.directory, CACHE_FILE_NAME)
        self._stored: dict[str, _Entry] | None = None
        self._kept: dict[str, _Entry] = {}
        self._changed = False

    def get(self, key: str) -> CachedValue | None:
        """Return the value stored under ``key`` while its watched paths keep their stamps."""
        entry = self._load().get(key)
        if entry is None:
            return None
        for path, old in entry.stamps.items():
            if stamp(path) != old:
                logger.debug("package cache entry %s is stale: %s changed", key, path)
                self._changed = True
                return None
        self._kept[key] = entry
        return entry.value

    def put(self, key: str, value: CachedValue, watched: list[str],
            before: dict[str, Stamp] | None = None) -> None:
        """Store ``value`` with the stamps that ``watched`` paths have now.

        ``before`` has stamps taken before the read. They replace the stamps taken now, so that
        a change made during the read shows as a change at the next scan.
        """
        before = before or {}
        stamps = {path: before[path] if path in before else stamp(path) for path in watched}
        self._kept[key] = _Entry(stamps, value)
        self._changed = True

    def save(self) -> None:
        """Write the kept entries atomically; a failure is logged and leaves the old file."""
        if not self._changed and self._stored is not None and self._kept.keys() == self._stored.keys():
            return
        document = {"format": CACHE_FORMAT_VERSION, "version": __version__, "schema": SCHEMA,
                    "entries": self._kept}
        try:
            # Mode 0600: only the owner may read the file or replace it.
            write_atomic(self.path, pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL), 0o600)
        except OSError as error:
            logger.warning("cannot write package cache %s: %s", self.path, error)
            return
        self._changed = False

    def _load(self) -> dict[str, _Entry]:
        if self._stored is None:
            self._stored = self._read_entries()
        return self._stored

    def _read_entries(self) -> dict[str, _Entry]:
        try:
            with open(self.path, "rb") as file:
                document = pickle.load(file)
        except FileNotFoundError:
            return {}
        except Exception as error:  # noqa: BLE001 - a corrupt pickle can raise almost anything
            logger.info("ignored package cache %s, which will be rebuilt: %s", self.path, error)
            return {}

        if not _is_current(document):
            logger.info("ignored package cache %s from another version, which will be rebuilt",
                        self.path)
            return {}
        entries: dict[str, _Entry] = document["entries"]
        return entries


def _is_current(document: object) -> bool:
    if not isinstance(document, dict):
        return False
    if (document.get("format"), document.get("version"), document.get("schema")) != (
            CACHE_FORMAT_VERSION, __version__, SCHEMA):
        return False
    entries = document.get("entries")
    if not isinstance(entries, dict):
        return False
    return all(_is_valid_entry(entry) for entry in entries.values())


def _is_valid_entry(entry: object) -> bool:
    # Only the outer objects are checked, which is cheap; the schema hash covers the rest.
    if not isinstance(entry, _Entry) or not isinstance(entry.stamps, dict):
        return False
    value = entry.value
    if not isinstance(value, (EnvironmentPackages, SiteDir)):
        return False
    names = {field.name for field in dataclasses.fields(value)}
    return vars(value).keys() == names
