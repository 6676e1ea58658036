"""On-disk cache of successful probe results, with the checks that expire stale entries."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass
from typing import Any

from ..atomicfile import write_atomic
from ..model import ProbeResult
from .package_cache import default_cache_dir
from .probe_request import ProbeRequest, _resolve_executable, probe_key
from .probe_result import _result_from_report

logger = logging.getLogger(__name__)

CACHE_FORMAT_VERSION = 2
CACHE_FILE_NAME = "probes.json"


# --- cache --------------------------------------------------------------------------------------


def _file_signature(path: str) -> list[int] | None:
    """Return [mtime_ns, size] of the file that ``path`` resolves to, or None when unreadable."""
    try:
        status = os.stat(os.path.realpath(path))
    except OSError:
        return None
    return [status.st_mtime_ns, status.st_size]


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _watched_paths(result: ProbeResult) -> list[str]:
    """Return the paths whose change may change the result.

    Besides the sys.path entries, the user site counts even when it is missing, because
    the site module adds it to sys.path only once it exists. Relative entries (the "" that
    stands for the working dir) depend on where a kernel starts and are left out.
    """
    paths = list(result.path)
    if result.user_site:
        paths.append(result.user_site)
    return [path for path in dict.fromkeys(paths) if os.path.isabs(path)]


def _result_to_json(result: ProbeResult) -> dict[str, Any]:
    return dataclasses.asdict(result)


def _result_from_json(data: Any) -> ProbeResult:
    if not isinstance(data, dict) or not isinstance(data.get("executable"), str):
        raise TypeError("the stored result has no executable")
    report = dict(data, executable=data.get("sys_executable"))
    result = _result_from_report(data["executable"], report)
    if data.get("ok") is not True:
        raise ValueError("the stored result is not a successful probe")
    return result


@dataclass
class _CacheEntry:
    executable: str
    executable_signature: list[int] | None
    path_environ: dict[str, str]
    path_mtimes: dict[str, int | None]
    result: ProbeResult

    def to_json(self) -> dict[str, Any]:
        return {
            "executable": self.executable,
            "executable_signature": self.executable_signature,
            "path_environ": self.path_environ,
            "path_mtimes": self.path_mtimes,
            "result": _result_to_json(self.result),
        }

    @classmethod
    def from_json(cls, data: Any) -> _CacheEntry:
        """Rebuild an entry; raise ValueError, KeyError or TypeError when it is malformed."""
        signature = data["executable_signature"]
        if signature is not None and not (
            isinstance(signature, list) and all(isinstance(number, int) for number in signature)
        ):
            raise ValueError("executable_signature is not a list of integers")
        mtimes = data["path_mtimes"]
        if not isinstance(mtimes, dict) or not all(
            isinstance(mtime, int) or mtime is None for mtime in mtimes.values()
        ):
            raise ValueError("path_mtimes is not a map of paths to integers")
        environ = data["path_environ"]
        if not isinstance(environ, dict) or not all(isinstance(v, str) for v in environ.values()):
            raise ValueError("path_environ is not a map of strings")
        return cls(
            executable=str(data["executable"]),
            executable_signature=signature,
            path_environ=environ,
            path_mtimes=mtimes,
            result=_result_from_json(data["result"]),
        )


def _stale_reason(entry: _CacheEntry, request: ProbeRequest, executable: str) -> str | None:
    """Return why ``entry`` no longer holds for ``request``, or None when it still does."""
    if entry.path_environ != request.path_environ():
        return "environment variables changed"
    if entry.executable != executable:
        return f"the executable now resolves to {executable}"
    signature = _file_signature(executable)
    if signature is None or signature != entry.executable_signature:
        return "the executable changed"
    for path, mtime in entry.path_mtimes.items():
        if _mtime(path) != mtime:
            return f"{path} changed"
    return None


class ProbeCache:
    """Successful probe results stored as JSON in ``<directory>/probes.json``.

    An entry stays valid while the executable's real file keeps its mtime and size, every
    sys.path entry and the user site keep their mtime (or stay missing), and the request's
    PATH_VARIABLES keep their values. A missing, corrupt, unreadable or other-version file
    counts as empty and is replaced on the next save. Call save() to write changes.
    """

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory or default_cache_dir()
        self.path = os.path.join(self.directory, CACHE_FILE_NAME)
        self._entries: dict[str, _CacheEntry] | None = None
        self._changed = False

    def get(self, request: ProbeRequest) -> ProbeResult | None:
        """Return the stored result for ``request`` while it still holds, else None.

        A hit returns the same ProbeResult object each time, so callers must not change it.
        """
        entries = self._load()
        key = probe_key(request)
        entry = entries.get(key)
        if entry is None:
            return None

        executable, error = _resolve_executable(request)
        reason = error if executable is None else _stale_reason(entry, request, executable)
        if reason is not None:
            logger.debug("probe cache entry for %s is stale: %s", request.executable, reason)
            del entries[key]
            self._changed = True
            return None
        return entry.result

    def put(self, request: ProbeRequest, result: ProbeResult) -> None:
        """Store a successful ``result``, recording the state of the files it depends on now."""
        if not result.ok:
            return
        executable, _ = _resolve_executable(request)
        if executable is None:
            return
        self._load()[probe_key(request)] = _CacheEntry(
            executable=executable,
            executable_signature=_file_signature(executable),
            path_environ=request.path_environ(),
            path_mtimes={path: _mtime(path) for path in _watched_paths(result)},
            result=result,
        )
        self._changed = True

    def save(self) -> None:
        """Write the entries atomically; a failure is logged and leaves the old file in place."""
        if not self._changed or self._entries is None:
            return
        document = {
            "version": CACHE_FORMAT_VERSION,
            "entries": {key: entry.to_json() for key, entry in self._entries.items()},
        }
        try:
            # Mode 0600, as the file had when it was written through mkstemp alone.
            write_atomic(self.path, json.dumps(document, indent=1, sort_keys=True).encode("utf-8"),
                         0o600)
        except OSError as error:
            logger.warning("cannot write probe cache %s: %s", self.path, error)
            return
        self._changed = False

    def _load(self) -> dict[str, _CacheEntry]:
        if self._entries is None:
            self._entries = self._read_entries()
        return self._entries

    def _read_entries(self) -> dict[str, _CacheEntry]:
        try:
            with open(self.path, encoding="utf-8") as file:
                document = json.load(file)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            logger.info("ignored probe cache %s, which will be rebuilt: %s", self.path, error)
            return {}

        version = document.get("version") if isinstance(document, dict) else None
        raw_entries = document.get("entries") if isinstance(document, dict) else None
        if version != CACHE_FORMAT_VERSION or not isinstance(raw_entries, dict):
            logger.info(
                "ignored probe cache %s with format version %r, expected %d",
                self.path,
                version,
                CACHE_FORMAT_VERSION,
            )
            return {}

        entries = {}
        for key, raw_entry in raw_entries.items():
            try:
                entry = _CacheEntry.from_json(raw_entry)
            except (KeyError, TypeError, ValueError) as error:
                logger.debug("dropped malformed probe cache entry %s: %s", key, error)
                self._changed = True
                continue
            # A lookup would reject an entry whose interpreter was deleted, so it goes now.
            if not os.path.lexists(entry.executable):
                logger.debug("dropped probe cache entry of deleted %s", entry.executable)
                self._changed = True
                continue
            entries[key] = entry
        return entries
