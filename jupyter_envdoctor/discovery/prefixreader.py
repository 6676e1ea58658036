"""Static reading of one prefix: directory listings, Python versions, interpreters and site dirs."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence

CONDA_MARKER = os.path.join("conda-meta", "history")
VENV_MARKER = "pyvenv.cfg"

# A conda python record is named python-<version>-<build>.json. The version must start with
# a digit so that records such as python-dateutil-2.9.0-pyhd8ed1ab_0.json do not match.
_CONDA_PYTHON_RECORD = re.compile(r"python-(\d[^-]*)-[^-]*\.json")
# lib/python3.13t contains the standard library of a free-threaded build.
_STDLIB_DIR = re.compile(r"python(\d+\.\d+)t?")
_VERSIONED_INTERPRETER = re.compile(r"python(\d+\.\d+)t?(?:\.exe)?", re.IGNORECASE)
# Windows installations and conda envs ship python311.dll beside python.exe.
_WINDOWS_DLL = re.compile(r"python(\d)(\d+)\.dll", re.IGNORECASE)
_PATCHLEVEL = re.compile(r'#define\s+PY_VERSION\s+"([^"]+)"')
_NUMERIC_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


# --- shared helpers -------------------------------------------------------------------------


def _printable(path: str) -> str:
    """Return ``path`` with undecodable bytes shown as U+FFFD, safe to print and serialize."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _has_undecodable_bytes(text: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in text)


def _cannot_read(path: str, error: OSError) -> str:
    return f"cannot read {_printable(path)}: {error.strerror or error}"


def _normalize_version(text: str) -> str | None:
    """Return "X.Y.Z" or "X.Y" from the start of a version string ("3.13.0rc1" -> "3.13.0")."""
    match = _NUMERIC_VERSION.match(text.strip())
    if match is None:
        return None
    return ".".join(part for part in match.groups() if part is not None)


def _version_key(minor: str) -> tuple[int, ...]:
    return tuple(int(part) for part in minor.split("."))


def _minor(version: str | None) -> str | None:
    return ".".join(version.split(".")[:2]) if version else None


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


class _Listing:
    """The entry names of one directory, looked up exactly first, then case-insensitively.

    Windows file systems ignore case, so a prefix copied from Windows may spell ``Lib`` or
    ``Scripts`` in any case.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)
        self._by_lower = {name.lower(): name for name in self.names}

    def get(self, name: str) -> str | None:
        if name in self.names:
            return name
        return self._by_lower.get(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None


EMPTY_LISTING = _Listing(())


def _list_dir(path: str) -> _Listing:
    """List ``path``, raising OSError when it is missing, not a directory or unreadable."""
    return _Listing(os.listdir(path))


def _list_dir_or_empty(path: str) -> _Listing:
    """List ``path``, treating a missing directory or a file in its place as empty."""
    try:
        return _list_dir(path)
    except (FileNotFoundError, NotADirectoryError):
        return EMPTY_LISTING


# --- reading one prefix ---------------------------------------------------------------------


def _read_pyvenv_cfg(path: str) -> dict[str, str]:
    """Parse ``key = value`` lines the way the site module does: keys lower case, no sections."""
    config: dict[str, str] = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as file:
        for line in file:
            key, separator, value = line.partition("=")
            if separator:
                config[key.strip().lower()] = value.strip()
    return config


def _read_patchlevel(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            match = _PATCHLEVEL.search(file.read())
    except OSError:
        return None
    return _normalize_version(match.group(1)) if match else None


def _minor_of_interpreter(python: str | None) -> str | None:
    """Return "X.Y" when the interpreter, after following symlinks, is named pythonX.Y."""
    if python is None:
        return None
    match = _VERSIONED_INTERPRETER.fullmatch(os.path.basename(os.path.realpath(python)))
    return match.group(1) if match else None


class _PrefixReader:
    """Reader of the static facts of one prefix, which lists each directory at most once.

    Read errors inside the prefix are collected in ``errors`` rather than raised, so a
    partly unreadable environment is still reported with what could be read.
    """

    def __init__(self, prefix: str, listing: _Listing) -> None:
        self.prefix = prefix
        self.listing = listing
        self.errors: list[str] = []
        self._lib: _Listing | None = None

    def path(self, *parts: str) -> str:
        return os.path.join(self.prefix, *parts)

    @property
    def windows_layout(self) -> bool:
        # A POSIX prefix has bin/, and a Windows one has python.exe or Scripts\ but no bin\.
        return "bin" not in self.listing.names and (
            "python.exe" in self.listing or "Scripts" in self.listing
        )

    def list_or_record(self, path: str) -> _Listing:
        """List a directory inside the prefix.

        Missing directories count as empty, and unreadable ones are recorded in ``errors``.
        """
        try:
            return _list_dir(path)
        except (FileNotFoundError, NotADirectoryError):
            return EMPTY_LISTING
        except OSError as error:
            self.errors.append(_cannot_read(path, error))
            return EMPTY_LISTING

    def lib(self) -> _Listing:
        if self._lib is None:
            name = self.listing.get("lib") or "lib"
            self._lib = self.list_or_record(self.path(name))
        return self._lib

    def has_conda_marker(self) -> bool:
        return "conda-meta" in self.listing.names and os.path.isfile(self.path(CONDA_MARKER))

    def is_conda_base(self) -> bool:
        if not self.has_conda_marker():
            return False
        has_conda_program = os.path.lexists(self.path("bin", "conda")) or os.path.lexists(
            self.path("Scripts", "conda.exe")
        )
        return os.path.isdir(self.path("envs")) or "condabin" in self.listing or has_conda_program

    def stdlib_minors(self, require_os_module: bool = True) -> list[str]:
        """Return the "X.Y" of each standard library dir, newest first.

        A venv's lib/pythonX.Y holds only site-packages, so venvs pass
        ``require_os_module=False``. A base installation must have os.py there, because an
        uninstalled Python often leaves lib/pythonX.Y/site-packages behind.
        """
        if self.windows_layout:
            return self._windows_minors(require_os_module)
        lib_name = self.listing.get("lib") or "lib"
        minors = []
        for name in self.lib().names:
            match = _STDLIB_DIR.fullmatch(name)
            if match is None:
                continue
            if require_os_module and not os.path.isfile(self.path(lib_name, name, "os.py")):
                continue
            minors.append(match.group(1))
        return sorted(_unique(minors), key=_version_key, reverse=True)

    def _windows_minors(self, require_os_module: bool) -> list[str]:
        if require_os_module and "os.py" not in self.lib():
            return []
        minors = []
        for name in self.listing.names:
            match = _WINDOWS_DLL.fullmatch(name)
            if match:
                minors.append(f"{match.group(1)}.{match.group(2)}")
        return sorted(minors, key=_version_key, reverse=True)

    def conda_python_version(self) -> str | None:
        # The python record lists every file of the package (hundreds of KB), so the version
        # comes from the record's file name and the file is never opened.
        for name in self.list_or_record(self.path("conda-meta")).names:
            match = _CONDA_PYTHON_RECORD.fullmatch(name)
            if match:
                return _normalize_version(match.group(1))
        return None

    def patchlevel_version(self, minor: str) -> str | None:
        if self.windows_layout:
            return _read_patchlevel(self.path("include", "patchlevel.h"))
        # Python 3.7 and older name the dir after the ABI flags (include/python3.6m).
        for suffix in ("", "m", "t", "d", "dm"):
            version = _read_patchlevel(
                self.path("include", f"python{minor}{suffix}", "patchlevel.h")
            )
            if version is not None:
                return version
        return None

    def installed_python_version(self, preferred_minor: str | None = None) -> str | None:
        """Return the version of the Python installed in this prefix, read statically.

        The result is "X.Y.Z" when a conda python record or include/.../patchlevel.h
        states it, else "X.Y" from the standard library dir. With several standard
        libraries, ``preferred_minor`` wins when present, else the newest.
        """
        if "conda-meta" in self.listing.names:
            version = self.conda_python_version()
            if version is not None:
                return version
        minors = self.stdlib_minors(require_os_module=True)
        if not minors:
            return None
        minor = preferred_minor if preferred_minor in minors else minors[0]
        return self.patchlevel_version(minor) or minor

    def python(self) -> str | None:
        """Return the interpreter path inside the prefix; a broken symlink still counts."""
        if self.windows_layout:
            candidates = [self.path("python.exe"), self.path("Scripts", "python.exe")]
        else:
            candidates = [self.path("bin", "python"), self.path("bin", "python3")]
        for candidate in candidates:
            if os.path.lexists(candidate):
                return candidate
        if self.windows_layout:
            return None
        return self._versioned_python()

    def _versioned_python(self) -> str | None:
        minor_by_name = {}
        for name in self.list_or_record(self.path("bin")).names:
            match = _STDLIB_DIR.fullmatch(name)
            if match:
                minor_by_name[name] = match.group(1)
        if not minor_by_name:
            return None
        newest = max(minor_by_name, key=lambda name: _version_key(minor_by_name[name]))
        return self.path("bin", newest)

    def site_dirs(self, minor: str | None) -> list[str]:
        if self.windows_layout:
            return [self.path(self.listing.get("Lib") or "Lib", "site-packages")]
        lib_name = self.listing.get("lib") or "lib"
        minor_by_name = {}
        for name in self.lib().names:
            match = _STDLIB_DIR.fullmatch(name)
            if match:
                minor_by_name[name] = match.group(1)
        # A venv upgraded in place keeps the old lib/pythonX.Y, so prefer the running minor.
        matching = [name for name, found in minor_by_name.items() if found == minor]
        names = sorted(matching or minor_by_name)
        site_dirs = [self.path(lib_name, name, "site-packages") for name in names]
        # Debian's system Python installs into dist-packages, apt's packages into lib/python3.
        site_dirs += [self.path(lib_name, name, "dist-packages") for name in names]
        if names:
            site_dirs.append(self.path(lib_name, "python3", "dist-packages"))
        return site_dirs

    def has_ipykernel(self, site_dirs: Sequence[str]) -> bool:
        for site_dir in site_dirs:
            if os.path.isdir(os.path.join(site_dir, "ipykernel")):
                return True
            for name in self.list_or_record(site_dir).names:
                if name.lower().startswith("ipykernel-") and name.endswith(".dist-info"):
                    return True
        return False

    def own_kernel_specs(self) -> list[str]:
        kernels_dir = self.path("share", "jupyter", "kernels")
        specs = []
        for name in sorted(self.list_or_record(kernels_dir).names):
            if os.path.isfile(os.path.join(kernels_dir, name, "kernel.json")):
                specs.append(os.path.join(kernels_dir, name))
        return specs
