"""Run interpreters with a kernel's environment and collect what they report about themselves.

A probe starts ``executable -c PROBE_SCRIPT MODULE...`` without ``-I`` or ``-s``, so the
interpreter sets up sys.path, the user site and .pth files exactly as a kernel started with
the same environment would. The script finds modules without importing them, except that finding a
dotted name imports its parent packages. Probes run concurrently in threads, each with a
timeout, and their results can be cached on disk.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import platformdirs

from ..model import ProbeResult

logger = logging.getLogger(__name__)

# Printed before the JSON result, so that output of sitecustomize or .pth files that runs
# before the probe (even without a trailing newline) cannot be mistaken for the result.
PROBE_MARKER = "@@jupyter-envdoctor-probe-1@@"

# Runs under the probed interpreter, which may be Python 2.7 or any Python 3 from 3.6 on.
# The modules to look for arrive as sys.argv[1:].
PROBE_SCRIPT = r"""
import sys

# Taken before this script imports anything: the modules that interpreter startup (site,
# .pth files, sitecustomize) imported, which later sys.path entries can no longer replace.
STARTUP_MODULES = [(name, module) for name, module in list(sys.modules.items())
                   if "." not in name and module is not None]

import os
import site

PY2 = sys.version_info[0] == 2

# A PYTHONPATH dir or .pth entry may shadow the stdlib modules this script needs (a json
# package, say), so they are imported with sys.path cut down to the stdlib dirs. site and os
# were imported while Python started, so they are the real ones.
STDLIB_DIR = os.path.dirname(os.__file__)
SEARCH_PATH = sys.path
sys.path = [STDLIB_DIR, os.path.join(STDLIB_DIR, "lib-dynload")]
try:
    import json
    if PY2:
        import imp
    else:
        import importlib.machinery
        import importlib.util
finally:
    sys.path = SEARCH_PATH


def text(value):
    if PY2 and isinstance(value, str):
        return value.decode(sys.getfilesystemencoding() or "utf-8", "replace")
    return value


def find_py3(name):
    parts = name.split(".")
    for end in range(1, len(parts) + 1):
        if importlib.util.find_spec(".".join(parts[:end])) is None:
            return False
    return True


def find_py2(name):
    parent_name, _, child = name.rpartition(".")
    search_path = None
    if parent_name:
        # Like find_spec on Python 3: import the parent, then look inside its __path__.
        __import__(parent_name)
        if name in sys.modules:
            return True
        search_path = getattr(sys.modules[parent_name], "__path__", None)
        if search_path is None:
            return False
    handle, _, _ = imp.find_module(child, search_path)
    if handle is not None:
        handle.close()
    return True


def can_find(name):
    try:
        return find_py2(name) if PY2 else find_py3(name)
    except (Exception, SystemExit):
        return False


def user_site():
    try:
        return text(site.getusersitepackages())
    except AttributeError:
        return None


def module_origin(name, module):
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) or getattr(module, "__file__", None)
    if origin is None and name in sys.builtin_module_names:
        origin = "built-in"
    return text(origin) if isinstance(origin, str) else None


def is_identifier(name):
    # Without the re module, which a shadowing re.py on sys.path could replace.
    return bool(name) and not name[0].isdigit() and all(c.isalnum() or c == "_" for c in name)


def names_in(folder):
    try:
        items = os.listdir(folder)
    except OSError:
        return []
    names = []
    for item in items:
        if os.path.isdir(os.path.join(folder, item)):
            name = item
        elif item.endswith((".py", ".pyc", ".so", ".pyd")):
            name = item.split(".")[0]
        else:
            continue
        if is_identifier(name) and name not in ("site-packages", "dist-packages"):
            names.append(name)
    return names


def stdlib_module_names():
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return sorted(names)
    # Before Python 3.10: the built-in modules plus what the stdlib dirs contain. Python 2's
    # plat-*, lib-tk and lib-old dirs are sys.path entries inside the stdlib dir.
    folders = [STDLIB_DIR, os.path.join(STDLIB_DIR, "lib-dynload")]
    folders += [entry for entry in sys.path if entry.startswith(STDLIB_DIR + os.sep)
                and not entry.endswith(("site-packages", "dist-packages"))]
    found = set(sys.builtin_module_names)
    for folder in folders:
        found.update(names_in(folder))
    # sys.stdlib_module_names leaves out the regression tests, and so does this list.
    found.discard("test")
    return sorted(found)


def extension_suffixes():
    if PY2:
        return [suffix for suffix, _, kind in imp.get_suffixes() if kind == imp.C_EXTENSION]
    return list(importlib.machinery.EXTENSION_SUFFIXES)


def flag(name):
    value = getattr(sys.flags, name, None)
    return None if value is None else bool(value)


base_prefix = getattr(sys, "real_prefix", None) or getattr(sys, "base_prefix", sys.prefix)
importable = {}
for module in sys.argv[1:]:
    importable[module] = can_find(module)
report = {
    "executable": text(sys.executable),
    "prefix": text(sys.prefix),
    "base_prefix": text(base_prefix),
    "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
    "path": [text(entry) for entry in sys.path],
    "user_site": user_site(),
    "user_site_enabled": getattr(site, "ENABLE_USER_SITE", None),
    "importable": importable,
    "stdlib_module_names": [text(name) for name in stdlib_module_names()],
    "builtin_module_names": sorted(text(name) for name in sys.builtin_module_names),
    "startup_modules": dict((text(name), module_origin(name, module))
                            for name, module in STARTUP_MODULES),
    "extension_suffixes": extension_suffixes(),
    "no_user_site": flag("no_user_site"),
    "safe_path": flag("safe_path"),
    "cwd": text(os.getcwd()),
}
sys.stdout.write("\n" + MARKER + json.dumps(report) + "\n")
sys.stdout.flush()
""".replace("MARKER", repr(PROBE_MARKER))

# Variables that change sys.path, sys.prefix, sys.executable or the user site of a probed
# interpreter. Only these take part in the cache key, so kernels whose environments differ
# in other variables share one probe.
PATH_VARIABLES = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONNOUSERSITE",
    "PYTHONUSERBASE",
    "PYTHONSAFEPATH",
    "PYTHONPLATLIBDIR",
    "PYTHONEXECUTABLE",
    "__PYVENV_LAUNCHER__",
    "HOME",
    "APPDATA",
)

CACHE_FORMAT_VERSION = 2
CACHE_FILE_NAME = "probes.json"

# After a timed-out probe's process group is killed, wait this long for its pipes to close.
_REAP_TIMEOUT = 5.0


@dataclass(frozen=True)
class ProbeRequest:
    """An interpreter to probe, the environment to start it with, and modules to look for."""

    executable: str
    environ: tuple[tuple[str, str], ...]
    modules: tuple[str, ...]

    @classmethod
    def from_environ(
        cls, executable: str, environ: Mapping[str, str], modules: Iterable[str] = ("ipykernel",)
    ) -> ProbeRequest:
        """Build a request with sorted environ items, so equal environments give equal requests."""
        return cls(executable, tuple(sorted(environ.items())), tuple(dict.fromkeys(modules)))

    def path_environ(self) -> dict[str, str]:
        """Return the variables of ``environ`` that the probe result depends on.

        PATH counts too when ``executable`` is a bare name, because PATH picks the program.
        """
        names = set(PATH_VARIABLES)
        if not os.path.isabs(self.executable):
            names.add("PATH")
        return {name: value for name, value in self.environ if name in names}


def probe_key(request: ProbeRequest) -> str:
    """Return the cache key of ``request``, a SHA-256 of its executable, modules and PATH_VARIABLES.

    Requests with the same key get the same result, so they are probed once.
    """
    payload = json.dumps(
        [request.executable, sorted(set(request.modules)), sorted(request.path_environ().items())]
    )
    return hashlib.sha256(payload.encode("utf-8", "surrogateescape")).hexdigest()


# --- checks before spawning -------------------------------------------------------------------


def _resolve_executable(request: ProbeRequest) -> tuple[str | None, str | None]:
    """Return (path to run, None), or (None, the reason it cannot run) without spawning it."""
    executable = request.executable
    if not os.path.isabs(executable):
        search_path = dict(request.environ).get("PATH", os.defpath)
        found = shutil.which(executable, path=search_path)
        if found is None:
            return None, f"interpreter not found on PATH: {executable}"
        executable = found

    if not os.path.lexists(executable):
        return None, f"interpreter not found: {executable}"
    if not os.path.exists(executable):
        return (
            None,
            f"interpreter is a broken symbolic link: {executable} -> {os.readlink(executable)}",
        )
    if os.path.isdir(executable):
        return None, f"interpreter is a directory: {executable}"
    if not os.access(executable, os.X_OK):
        return None, f"interpreter is not executable: {executable}"
    return executable, None


# --- running one probe ------------------------------------------------------------------------


def _last_line(data: bytes) -> str:
    """Return the most telling line of stderr: CPython's fatal error, else the last line."""
    lines = [line.strip() for line in data.decode("utf-8", "replace").strip().splitlines()]
    # A failed start ends with frame lines such as "<no Python frame>"; the cause comes earlier.
    fatal = [line for line in lines if line.startswith("Fatal Python error")]
    causes = [line for line in lines if line.endswith("Error") or "Error: " in line]
    if fatal:
        return fatal[-1] + (f" ({causes[-1]})" if causes else "")
    return lines[-1] if lines else ""


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def _optional_string(report: Mapping[str, Any], key: str) -> str | None:
    value = report.get(key)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{key} is {type(value).__name__}, expected a string")
    return value


def _string_list(report: Mapping[str, Any], key: str) -> list[str]:
    value = report.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"{key} is not a list of strings")
    return value


def _bool_map(report: Mapping[str, Any], key: str) -> dict[str, bool]:
    value = report.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(name, str) and isinstance(found, bool) for name, found in value.items()
    ):
        raise TypeError(f"{key} is not a map of module names to booleans")
    return value


def _optional_bool(report: Mapping[str, Any], key: str) -> bool | None:
    value = report.get(key)
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{key} is {type(value).__name__}, expected a boolean")
    return value


def _origin_map(report: Mapping[str, Any], key: str) -> dict[str, str | None]:
    value = report.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(name, str) and (origin is None or isinstance(origin, str))
        for name, origin in value.items()
    ):
        raise TypeError(f"{key} is not a map of module names to origins")
    return value


def _result_from_report(executable: str, report: Any) -> ProbeResult:
    """Build a ProbeResult from the probe's JSON; a field of the wrong type raises TypeError."""
    if not isinstance(report, dict):
        raise TypeError(f"the result is {type(report).__name__}, expected an object")
    return ProbeResult(
        executable=executable,
        ok=True,
        sys_executable=_optional_string(report, "executable"),
        prefix=_optional_string(report, "prefix"),
        base_prefix=_optional_string(report, "base_prefix"),
        version=_optional_string(report, "version"),
        path=_string_list(report, "path"),
        user_site=_optional_string(report, "user_site"),
        user_site_enabled=_optional_bool(report, "user_site_enabled"),
        importable=_bool_map(report, "importable"),
        stdlib_module_names=_string_list(report, "stdlib_module_names"),
        builtin_module_names=_string_list(report, "builtin_module_names"),
        startup_modules=_origin_map(report, "startup_modules"),
        extension_suffixes=_string_list(report, "extension_suffixes"),
        no_user_site=_optional_bool(report, "no_user_site"),
        safe_path=_optional_bool(report, "safe_path"),
        cwd=_optional_string(report, "cwd"),
    )


def _parse_output(
    request: ProbeRequest, returncode: int, stdout: bytes, stderr: bytes
) -> ProbeResult:
    def failure(reason: str) -> ProbeResult:
        detail = _last_line(stderr) or "no error output"
        return ProbeResult(request.executable, ok=False, error=f"{reason}: {detail}")

    if returncode != 0:
        return failure(f"interpreter {request.executable} {_describe_exit(returncode)}")

    text = stdout.decode("utf-8", "replace")
    start = text.rfind(PROBE_MARKER)
    if start < 0:
        return failure(f"interpreter {request.executable} printed no probe result (exit code 0)")
    line = text[start + len(PROBE_MARKER) :].split("\n", 1)[0]
    try:
        return _result_from_report(request.executable, json.loads(line))
    except (TypeError, ValueError) as error:
        return ProbeResult(
            request.executable,
            ok=False,
            error=f"interpreter {request.executable} printed an invalid probe result: {error}",
        )


def _process_group_options() -> dict[str, Any]:
    # A new process group (session on POSIX) lets a timeout kill whatever the interpreter
    # started, such as a wrapper script's child.
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _kill_process_group(process: subprocess.Popen[bytes]) -> None:
    if sys.platform == "win32":
        # NOTE: on Windows only the interpreter process is killed, not its children.
        process.kill()
    else:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    try:
        process.communicate(timeout=_REAP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # A grandchild that left the process group keeps the pipes open.
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
        process.wait()


def _run_probe(request: ProbeRequest, executable: str, timeout: float, cwd: str) -> ProbeResult:
    command = [executable, "-c", PROBE_SCRIPT, *request.modules]
    logger.debug("probing %s", executable)
    try:
        process = subprocess.Popen(
            command,
            env=dict(request.environ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            **_process_group_options(),
        )
    except OSError as error:
        return ProbeResult(
            request.executable,
            ok=False,
            error=f"cannot run interpreter {executable}: {error.strerror or error}",
        )

    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_process_group(process)
        logger.debug("probe of %s timed out after %s s", executable, timeout)
        return ProbeResult(
            request.executable, ok=False, timed_out=True, error=f"timed out after {timeout:g} s"
        )
    return _parse_output(request, process.returncode, stdout, stderr)


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

    An entry holds while the executable's real file keeps its mtime and size, every
    sys.path entry and the user site keep their mtime (or stay missing), and the request's
    PATH_VARIABLES keep their values. A missing, corrupt, unreadable or other-version file
    counts as empty and is replaced on the next save. Call save() to write changes.
    """

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory or platformdirs.user_cache_dir(
            "jupyter-envdoctor", appauthor=False
        )
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
            self._write_atomically(json.dumps(document, indent=1, sort_keys=True))
        except OSError as error:
            logger.warning("cannot write probe cache %s: %s", self.path, error)
            return
        self._changed = False

    def _write_atomically(self, text: str) -> None:
        os.makedirs(self.directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".probes-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, self.path)
        except BaseException:
            os.unlink(temporary)
            raise

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


# --- public entry point -----------------------------------------------------------------------


def probe_interpreters(
    requests: Iterable[ProbeRequest],
    timeout: float = 10.0,
    cache: ProbeCache | None = None,
    max_workers: int = 8,
) -> dict[ProbeRequest, ProbeResult]:
    """Probe each distinct interpreter request and return a result for every request.

    Requests with the same probe_key run once and share one result object. Cached results
    that still hold are returned without spawning. A missing or non-executable
    interpreter fails without spawning. A probe that runs longer than ``timeout`` seconds
    is killed with its process group and reported with ``timed_out=True``. Successful
    results are stored in ``cache``, which is saved before returning.
    """
    if max_workers < 1:
        raise ValueError(f"invalid max_workers {max_workers}: expected at least 1")

    groups: dict[str, list[ProbeRequest]] = {}
    for request in dict.fromkeys(requests):
        groups.setdefault(probe_key(request), []).append(request)

    results: dict[str, ProbeResult] = {}
    to_run: dict[str, tuple[ProbeRequest, str]] = {}
    for key, group in groups.items():
        request = group[0]
        cached = cache.get(request) if cache is not None else None
        if cached is not None:
            results[key] = cached
            continue
        executable, error = _resolve_executable(request)
        if executable is None:
            results[key] = ProbeResult(request.executable, ok=False, error=error)
        else:
            to_run[key] = (request, executable)

    if to_run:
        results.update(_run_probes(to_run, timeout, max_workers))

    if cache is not None:
        for key in to_run:
            cache.put(groups[key][0], results[key])
        cache.save()
    return {request: results[key] for key, group in groups.items() for request in group}


def _run_probes(
    to_run: Mapping[str, tuple[ProbeRequest, str]], timeout: float, max_workers: int
) -> dict[str, ProbeResult]:
    # Each probe runs in an empty temporary dir, so the "" entry of sys.path (the working
    # dir) cannot pick up modules from wherever this process was started.
    with tempfile.TemporaryDirectory(prefix="envdoctor-probe-") as cwd:
        workers = min(max_workers, len(to_run))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {
                key: pool.submit(_run_probe, request, executable, timeout, cwd)
                for key, (request, executable) in to_run.items()
            }
            return {key: future.result() for key, future in futures.items()}
