"""Find the Python environments on this machine by reading marker files.

Each locator reads one family of sources (conda, virtual environments, pixi, and the
prefixes that the server, the kernels and the configuration name) and yields candidate
prefixes. A candidate is an environment only when it has a marker: ``conda-meta/history``
for conda, ``pyvenv.cfg`` for a venv, or a standard library (``lib/pythonX.Y/os.py``,
Windows ``Lib/os.py``) for a plain installation. Nothing here runs conda, pip, Python or
any other program, and unreadable input becomes a message instead of an exception.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Callable

from ..model import Environment, EnvironmentKind, RegistryEntry, ServerInfo, environment_id

logger = logging.getLogger(__name__)

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
_ENVIRONMENT_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_CONDARC_ENVS_KEY = re.compile(r"(envs_dirs|envs_path)\s*:(.*)")

# conda reads these files outside any home or root prefix (conda/base/constants.py SEARCH_PATH).
SYSTEM_CONDARC_PATHS: tuple[str, ...] = (
    (
        "C:/ProgramData/conda/.condarc",
        "C:/ProgramData/conda/condarc",
        "C:/ProgramData/conda/condarc.d",
    )
    if os.name == "nt"
    else (
        "/etc/conda/.condarc",
        "/etc/conda/condarc",
        "/etc/conda/condarc.d",
        "/var/lib/conda/.condarc",
        "/var/lib/conda/condarc",
        "/var/lib/conda/condarc.d",
    )
)

# Directory names that never hold a project's environment, skipped when walking root_dir.
_SKIPPED_PROJECT_DIRS = frozenset({"node_modules", "__pycache__", "site-packages"})
PROJECT_SEARCH_DEPTH = 2


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


def _is_pixi_location(prefix: str) -> bool:
    envs_dir = os.path.dirname(prefix)
    return (
        os.path.basename(envs_dir) == "envs"
        and os.path.basename(os.path.dirname(envs_dir)) == ".pixi"
    )


def _environment_kind(reader: _PrefixReader) -> EnvironmentKind | None:
    # pixi installs conda packages, so its envs have conda-meta and only the location
    # distinguishes them from conda envs.
    if _is_pixi_location(reader.prefix) and "conda-meta" in reader.listing.names:
        return "pixi"
    if reader.has_conda_marker():
        return "conda"
    if VENV_MARKER in reader.listing:
        return "venv"
    if reader.stdlib_minors(require_os_module=True):
        return "system"
    return None


def _environment_name(prefix: str, kind: EnvironmentKind, is_conda_base: bool) -> str:
    if is_conda_base:
        return "base"
    folder = os.path.basename(prefix)
    # A project venv is nearly always named ".venv", so the project folder names it instead.
    parent = os.path.basename(os.path.dirname(prefix))
    if kind == "venv" and folder.startswith(".") and parent:
        return parent
    return folder


def _home_prefix(home: str) -> str:
    """Return the prefix of a venv's base Python from pyvenv.cfg ``home`` (its bin dir on POSIX)."""
    home = home.rstrip("/\\") or home
    if os.path.basename(home).lower() in ("bin", "scripts"):
        return os.path.dirname(home)
    return home


def _version_at_home(home: str, preferred_minor: str | None) -> str | None:
    """Return the version of the Python installed at a venv's ``home``, or None if gone."""
    if not os.path.isdir(home):
        return None
    prefix = _home_prefix(home)
    try:
        listing = _list_dir(prefix)
    except OSError as error:
        logger.debug("cannot list venv home prefix %s: %s", prefix, error)
        return None
    return _PrefixReader(prefix, listing).installed_python_version(preferred_minor)


def _fill_venv_facts(environment: Environment, reader: _PrefixReader) -> None:
    config_path = reader.path(reader.listing.get(VENV_MARKER) or VENV_MARKER)
    try:
        config = _read_pyvenv_cfg(config_path)
    except OSError as error:
        reader.errors.append(_cannot_read(config_path, error))
        config = {}

    # virtualenv writes version_info = 3.11.7.final.0, venv and uv write version = 3.11.7.
    stated = config.get("version") or config.get("version_info")
    version = _normalize_version(stated) if stated else None
    if version is None:
        minors = reader.stdlib_minors(require_os_module=False)
        version = minors[0] if minors else None
    environment.python_version = version

    home = config.get("home")
    if home:
        environment.base_home = home
        environment.base_version = _version_at_home(home, _minor(version))


def _describe(prefix: str, found_by: str) -> tuple[Environment | None, str | None]:
    """Describe the environment at ``prefix`` and return (environment or None, problem or None)."""
    real_prefix = os.path.realpath(prefix)
    try:
        listing = _list_dir(real_prefix)
    except (FileNotFoundError, NotADirectoryError):
        return None, None
    except OSError as error:
        return None, _cannot_read(real_prefix, error)

    reader = _PrefixReader(real_prefix, listing)
    kind = _environment_kind(reader)
    if kind is None:
        return None, None

    is_conda_base = kind == "conda" and reader.is_conda_base()
    environment = Environment(
        id=environment_id(real_prefix),
        prefix=real_prefix,
        kind=kind,
        name=_environment_name(real_prefix, kind, is_conda_base),
        python=reader.python(),
        found_by=[found_by],
        is_conda_base=is_conda_base,
    )

    if kind == "venv":
        _fill_venv_facts(environment, reader)
    else:
        preferred_minor = _minor_of_interpreter(environment.python)
        environment.python_version = reader.installed_python_version(preferred_minor)

    site_dirs = reader.site_dirs(_minor(environment.python_version))
    environment.has_ipykernel = reader.has_ipykernel(site_dirs)
    environment.own_kernel_specs = reader.own_kernel_specs()
    if reader.errors:
        environment.error = "; ".join(reader.errors)
    return environment, None


def describe_prefix(prefix: str, found_by: str) -> Environment | None:
    """Read the static facts of the environment at ``prefix``.

    Return None when the directory is missing, is not a directory, cannot be listed, or
    has no environment marker. ``prefix`` of the result is the real path. Read errors
    inside an environment go to ``Environment.error``.
    """
    environment, problem = _describe(prefix, found_by)
    if problem is not None:
        logger.debug("skipped %s: %s", prefix, problem)
    return environment


# --- interpreters -----------------------------------------------------------------------------


def _layout_prefix(interpreter: str) -> str | None:
    """Return the prefix that the usual layout puts around ``interpreter``, or None."""
    directory, name = os.path.split(interpreter)
    if name.lower().endswith(".exe"):
        # Windows: python.exe sits in the prefix of a base install or conda env, and in
        # Scripts\ of a venv.
        if os.path.basename(directory).lower() == "scripts":
            return os.path.dirname(directory)
        return directory
    if os.path.basename(directory) == "bin":
        return os.path.dirname(directory)
    return None


def _has_stdlib(prefix: str, interpreter_name: str) -> bool:
    if os.path.isfile(os.path.join(prefix, "Lib", "os.py")):
        return True
    match = _VERSIONED_INTERPRETER.fullmatch(interpreter_name)
    if match:
        return os.path.isfile(os.path.join(prefix, "lib", f"python{match.group(1)}", "os.py"))
    lib_dir = os.path.join(prefix, "lib")
    return any(
        _STDLIB_DIR.fullmatch(name) and os.path.isfile(os.path.join(lib_dir, name, "os.py"))
        for name in _list_dir_or_empty(lib_dir).names
    )


def _has_environment_marker(prefix: str, interpreter_name: str) -> bool:
    try:
        return (
            os.path.isfile(os.path.join(prefix, CONDA_MARKER))
            or os.path.isfile(os.path.join(prefix, VENV_MARKER))
            or _has_stdlib(prefix, interpreter_name)
        )
    except OSError as error:
        logger.debug("cannot read %s: %s", prefix, error)
        return False


def prefix_of_interpreter(path: str) -> str | None:
    """Return the environment prefix of the interpreter at ``path``, or None.

    The prefix is the dir above ``bin/`` (Windows: the dir of python.exe, or the dir above
    ``Scripts\\``) when it has conda-meta/history, pyvenv.cfg or a standard library. The
    interpreter file itself need not exist, so a kernel naming a deleted python3.9 in a
    live env still maps to that env. When the path as written has no marker (for example
    a symlink in ~/.local/bin), its real path is tried. The result is not resolved.
    """
    if not os.path.isabs(path):
        return None
    for interpreter in _unique([path, os.path.realpath(path)]):
        prefix = _layout_prefix(interpreter)
        if prefix is not None and _has_environment_marker(prefix, os.path.basename(interpreter)):
            return prefix
    return None


# --- locators -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A directory that may be an environment, and the source label that named it."""

    prefix: str
    found_by: str


@dataclass
class SearchContext:
    """Inputs shared by the locators, and the registry entries and problems they report."""

    server: ServerInfo
    environ: Mapping[str, str]
    home: str
    interpreters: Sequence[str] = ()
    extra_dirs: Sequence[str] = ()
    root_dir: str | None = None
    registry: list[RegistryEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _children: dict[str, list[str]] = field(default_factory=dict)
    _projects: list[str] | None = None

    def home_path(self, *parts: str) -> str:
        return os.path.join(self.home, *parts)

    def expand(self, value: str) -> str:
        """Expand ``$VAR``, ``${VAR}`` from this environ and a leading ``~``, as conda does."""

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            return self.environ.get(name, match.group(0))

        expanded = _ENVIRONMENT_VARIABLE.sub(substitute, value)
        if expanded == "~" or expanded.startswith(("~/", "~\\")):
            expanded = self.home + expanded[1:]
        return expanded

    def child_dirs(self, parent: str, configured: bool = True) -> list[str]:
        """Return the subdirectories of ``parent`` (symlinked ones too), listing it once.

        A missing ``parent`` is normal for default locations and is only logged. A broken
        symlink named by the configuration, a file in place of the directory, an
        unreadable directory and broken symlinks inside it go to ``problems``.
        """
        key = os.path.realpath(parent)
        if key not in self._children:
            self._children[key] = self._scan_child_dirs(parent, configured)
        return [os.path.join(parent, os.path.basename(child)) for child in self._children[key]]

    def _scan_child_dirs(self, parent: str, configured: bool) -> list[str]:
        try:
            entries = list(os.scandir(parent))
        except FileNotFoundError:
            if configured and os.path.islink(parent):
                self.problems.append(
                    f"cannot read {_printable(parent)}: broken symbolic link to "
                    f"{_printable(os.readlink(parent))}"
                )
            else:
                logger.debug("no directory %s", parent)
            return []
        except OSError as error:
            self.problems.append(_cannot_read(parent, error))
            return []
        return [
            entry.path
            for entry in sorted(entries, key=lambda e: e.name)
            if self._is_usable_dir(entry)
        ]

    def _is_usable_dir(self, entry: os.DirEntry[str]) -> bool:
        try:
            is_dir = entry.is_dir()
            is_link = entry.is_symlink()
        except OSError as error:
            self.problems.append(_cannot_read(entry.path, error))
            return False
        if is_link and not is_dir and not os.path.exists(entry.path):
            self.problems.append(
                f"cannot read {_printable(entry.path)}: broken symbolic link to "
                f"{_printable(os.readlink(entry.path))}"
            )
            return False
        return is_dir


Locator = Callable[[SearchContext], Iterable[Candidate]]


def _children_as_candidates(
    context: SearchContext, parent: str, found_by: str, configured: bool = True
) -> Iterator[Candidate]:
    for child in context.child_dirs(parent, configured):
        yield Candidate(child, found_by)


def _absolute_entries(value: str, source: str) -> list[str]:
    """Split an os.pathsep list from an environment variable, dropping relative entries."""
    entries = []
    for entry in value.split(os.pathsep):
        if not entry:
            continue
        if not os.path.isabs(entry):
            logger.debug("ignored relative path %r in %s", entry, source)
            continue
        entries.append(entry)
    return entries


# conda locator: environments.txt -----------------------------------------------------------


def _registry_status(value: str, context: SearchContext) -> str:
    if _has_undecodable_bytes(value) or any(ord(char) < 32 for char in value):
        return "invalid"
    if not os.path.isabs(value):
        return "invalid"
    try:
        is_environment = stat.S_ISREG(os.stat(os.path.join(value, CONDA_MARKER)).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        is_environment = False
    except OSError as error:
        # NOTE: an env that exists but cannot be read is reported as not-an-env, with the
        # reason in problems, because RegistryEntry has no status for it.
        context.problems.append(_cannot_read(value, error))
        return "not-an-env"
    if is_environment:
        return "ok"
    # A symlink to a deleted prefix counts as missing.
    return "not-an-env" if os.path.exists(value) else "missing"


def _read_environments_txt(context: SearchContext) -> Iterator[Candidate]:
    path = context.home_path(".conda", "environments.txt")
    try:
        # conda writes UTF-8, but a hand-edited file may contain any bytes. surrogateescape
        # keeps them, so such a line is reported as invalid instead of failing the read.
        with open(path, encoding="utf-8", errors="surrogateescape") as file:
            lines = file.read().split("\n")
    except FileNotFoundError:
        logger.debug("no conda registry at %s", path)
        return
    except OSError as error:
        context.problems.append(_cannot_read(path, error))
        return

    for number, line in enumerate(lines, start=1):
        value = line.strip()
        # conda skips blank lines and lines starting with "#"
        # (conda.gateways.disk.read.yield_lines).
        if not value or value.startswith("#"):
            continue
        status = _registry_status(value, context)
        context.registry.append(RegistryEntry(path, number, _printable(value), status))
        if status == "ok":
            yield Candidate(value, "environments.txt")


# conda locator: .condarc envs_dirs ---------------------------------------------------------


def _strip_yaml_comment(text: str) -> str:
    """Cut a ``#`` comment that starts the text or follows whitespace, outside quotes."""
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1].isspace()):
            return text[:index]
    return text


def _unquote_yaml_scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


def _split_flow_items(text: str) -> list[str]:
    """Split the inside of a YAML flow list on commas outside quotes."""
    items, current, quote = [], "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ",":
            items.append(current)
            current = ""
            continue
        current += char
    items.append(current)
    return [_unquote_yaml_scalar(item) for item in items if item.strip()]


def _read_block_items(lines: Sequence[str], start: int) -> tuple[list[str], int]:
    """Read ``- item`` lines from ``start`` and return the items and the index after the list."""
    items = []
    index = start
    while index < len(lines):
        text = _strip_yaml_comment(lines[index]).rstrip()
        stripped = text.strip()
        if not stripped:
            index += 1
            continue
        if not (stripped == "-" or stripped.startswith("- ")):
            break
        item = _unquote_yaml_scalar(stripped[1:])
        if item:
            items.append(item)
        index += 1
    return items, index


def parse_condarc_envs_dirs(text: str) -> list[str]:
    """Return the entries of the top-level ``envs_dirs`` key (alias ``envs_path``) of a .condarc.

    NOTE: this is not a YAML parser. It reads a block list of ``- item`` lines, a flow
    list ``[a, b]`` (which may span lines), or a plain scalar that conda splits on
    os.pathsep. Items may be single- or double-quoted, but escapes other than ``\\\\`` and
    ``\\"``, anchors, tags and multi-line scalars are not understood.
    """
    lines = text.splitlines()
    entries: list[str] = []
    index = 0
    while index < len(lines):
        match = _CONDARC_ENVS_KEY.fullmatch(lines[index].rstrip())
        index += 1
        if match is None:
            continue
        rest = _strip_yaml_comment(match.group(2)).strip()

        if rest.startswith("["):
            # A flow list may continue on the following lines until its closing bracket.
            while "]" not in rest and index < len(lines):
                rest += " " + _strip_yaml_comment(lines[index]).strip()
                index += 1
            entries.extend(_split_flow_items(rest[1:].split("]", 1)[0]))
        elif rest:
            entries.extend(item for item in _unquote_yaml_scalar(rest).split(os.pathsep) if item)
        else:
            items, index = _read_block_items(lines, index)
            entries.extend(items)
    return entries


def _condarc_paths(context: SearchContext, roots: Sequence[str]) -> list[str]:
    """Return the .condarc files and condarc.d dirs that conda reads, in conda's order."""
    environ = context.environ
    paths: list[str] = list(SYSTEM_CONDARC_PATHS)
    for root in roots:
        paths += [
            os.path.join(root, ".condarc"),
            os.path.join(root, "condarc"),
            os.path.join(root, "condarc.d"),
        ]
    config_homes = [context.home_path(".config")]
    if environ.get("XDG_CONFIG_HOME"):
        config_homes.insert(0, environ["XDG_CONFIG_HOME"])
    for config_home in config_homes:
        paths += [
            os.path.join(config_home, "conda", name)
            for name in (".condarc", "condarc", "condarc.d")
        ]
    paths += [context.home_path(".conda", name) for name in (".condarc", "condarc", "condarc.d")]
    paths.append(context.home_path(".condarc"))
    if environ.get("CONDA_PREFIX"):
        paths += [
            os.path.join(environ["CONDA_PREFIX"], name)
            for name in (".condarc", "condarc", "condarc.d")
        ]
    if environ.get("CONDARC"):
        paths.append(context.expand(environ["CONDARC"]))
    return _unique(paths)


def _read_condarc_file(context: SearchContext, path: str) -> list[str]:
    # Like conda, any search path entry that is a dir is read as a condarc.d dir.
    if os.path.isdir(path):
        return _read_condarc_dir(context, path)
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            text = file.read()
    except FileNotFoundError:
        return []
    except OSError as error:
        context.problems.append(_cannot_read(path, error))
        return []
    logger.debug("read conda configuration %s", path)
    return parse_condarc_envs_dirs(text)


def _read_condarc_dir(context: SearchContext, path: str) -> list[str]:
    # conda reads the .yml and .yaml files of a condarc.d dir in name order
    # (conda.common.configuration.load_file_configs).
    entries = []
    for name in sorted(_list_dir_or_empty(path).names):
        if name.endswith((".yml", ".yaml")):
            entries += _read_condarc_file(context, os.path.join(path, name))
    return entries


def _condarc_envs_dirs(context: SearchContext, roots: Sequence[str]) -> list[str]:
    envs_dirs = []
    for condarc in _condarc_paths(context, roots):
        for entry in _read_condarc_file(context, condarc):
            expanded = context.expand(entry)
            if os.path.isabs(expanded):
                envs_dirs.append(expanded)
            else:
                logger.debug("ignored relative envs_dirs entry %r in %s", entry, condarc)
    return _unique(envs_dirs)


# conda locator: roots and envs dirs ---------------------------------------------------------


def _conda_root_of_env(prefix: str) -> str | None:
    """Return the conda root above ``<root>/envs/<name>``, or ``prefix`` when it is a root."""
    if os.path.isdir(os.path.join(prefix, "envs")) or os.path.isdir(
        os.path.join(prefix, "condabin")
    ):
        return prefix
    envs_dir = os.path.dirname(prefix)
    if os.path.basename(envs_dir) == "envs":
        root = os.path.dirname(envs_dir)
        if os.path.isfile(os.path.join(root, CONDA_MARKER)):
            return root
    return None


def _root_of_program(path: str) -> str:
    """Return the root prefix of <root>/bin/conda, <root>/condabin/conda, <root>\\Scripts\\conda.exe
    or <root>\\python.exe."""
    directory = os.path.dirname(path)
    if os.path.basename(directory).lower() in ("bin", "condabin", "scripts"):
        return os.path.dirname(directory)
    return directory


def _conda_roots(context: SearchContext) -> list[tuple[str, str]]:
    """Return (root prefix, source label) pairs named by the environment and the server."""
    environ = context.environ
    roots: list[tuple[str, str]] = []
    for variable in ("CONDA_EXE", "CONDA_PYTHON_EXE"):
        value = environ.get(variable)
        if value and os.path.isabs(value):
            roots.append((_root_of_program(value), variable))
    for variable in ("CONDA_ROOT", "MAMBA_ROOT_PREFIX"):
        value = environ.get(variable)
        if value and os.path.isabs(value):
            roots.append((value, variable))
    for prefix in (environ.get("CONDA_PREFIX"), context.server.prefix):
        if prefix and os.path.isabs(prefix) and os.path.isfile(os.path.join(prefix, CONDA_MARKER)):
            root = _conda_root_of_env(prefix)
            if root is not None:
                roots.append((root, "conda-root"))
    return roots


def locate_conda_environments(context: SearchContext) -> Iterator[Candidate]:
    """Yield conda prefixes from environments.txt, roots, envs dirs and CONDA_PREFIX."""
    yield from _read_environments_txt(context)

    roots = _conda_roots(context)
    for root, label in roots:
        yield Candidate(root, label)
    root_prefixes = _unique(root for root, _ in roots)

    for envs_dir in _condarc_envs_dirs(context, root_prefixes):
        yield from _children_as_candidates(context, envs_dir, "condarc")
    for variable in ("CONDA_ENVS_PATH", "CONDA_ENVS_DIRS"):
        for envs_dir in _absolute_entries(context.environ.get(variable, ""), variable):
            yield from _children_as_candidates(context, envs_dir, variable)

    # conda's default envs_dirs: <root>/envs for each root, then ~/.conda/envs.
    default_envs_dirs = [os.path.join(root, "envs") for root in root_prefixes]
    default_envs_dirs.append(context.home_path(".conda", "envs"))
    for envs_dir in _unique(default_envs_dirs):
        yield from _children_as_candidates(context, envs_dir, "envs_dirs", configured=False)

    active = context.environ.get("CONDA_PREFIX")
    if active and os.path.isabs(active):
        yield Candidate(active, "CONDA_PREFIX")


# venv locator --------------------------------------------------------------------------------


def _pyenv_candidates(context: SearchContext) -> Iterator[Candidate]:
    pyenv_root = context.environ.get("PYENV_ROOT") or context.home_path(".pyenv")
    versions_dir = os.path.join(pyenv_root, "versions")
    configured = "PYENV_ROOT" in context.environ
    for version_dir in context.child_dirs(versions_dir, configured):
        yield Candidate(version_dir, "pyenv")
        # pyenv-virtualenv keeps envs in versions/<version>/envs/<name> and a symlink
        # versions/<name> to each. Both paths have one real path, so the env is listed once.
        yield from _children_as_candidates(
            context, os.path.join(version_dir, "envs"), "pyenv", configured=False
        )


def _poetry_dirs(context: SearchContext) -> list[str]:
    environ = context.environ
    dirs = []
    if environ.get("POETRY_VIRTUALENVS_PATH"):
        dirs.append(context.expand(environ["POETRY_VIRTUALENVS_PATH"]))
    if environ.get("POETRY_CACHE_DIR"):
        dirs.append(os.path.join(context.expand(environ["POETRY_CACHE_DIR"]), "virtualenvs"))
    cache_home = environ.get("XDG_CACHE_HOME") or context.home_path(".cache")
    dirs.append(os.path.join(cache_home, "pypoetry", "virtualenvs"))
    dirs.append(context.home_path("Library", "Caches", "pypoetry", "virtualenvs"))
    if environ.get("LOCALAPPDATA"):
        dirs.append(os.path.join(environ["LOCALAPPDATA"], "pypoetry", "Cache", "virtualenvs"))
    return _unique(dirs)


def _pipenv_dirs(context: SearchContext) -> list[str]:
    # pipenv puts envs in WORKON_HOME when it is set (located as WORKON_HOME below), else in
    # $XDG_DATA_HOME/virtualenvs or ~/.local/share/virtualenvs.
    data_home = context.environ.get("XDG_DATA_HOME") or context.home_path(".local", "share")
    return _unique(
        [
            os.path.join(data_home, "virtualenvs"),
            context.home_path(".local", "share", "virtualenvs"),
        ]
    )


def locate_virtual_environments(context: SearchContext) -> Iterator[Candidate]:
    """Yield venvs of virtualenvwrapper, pyenv, poetry, pipenv and project ``.venv`` dirs."""
    workon_home = context.environ.get("WORKON_HOME")
    if workon_home:
        yield from _children_as_candidates(context, context.expand(workon_home), "WORKON_HOME")
    yield from _children_as_candidates(
        context, context.home_path(".virtualenvs"), "virtualenvs", configured=False
    )
    for folder in (".venvs", "venvs"):
        yield from _children_as_candidates(
            context, context.home_path(folder), "venvs", configured=False
        )

    yield from _pyenv_candidates(context)
    for poetry_dir in _poetry_dirs(context):
        yield from _children_as_candidates(context, poetry_dir, "poetry", configured=False)
    for pipenv_dir in _pipenv_dirs(context):
        yield from _children_as_candidates(context, pipenv_dir, "pipenv", configured=False)

    for project in _project_dirs(context):
        yield Candidate(os.path.join(project, ".venv"), "root_dir")


# pixi locator and the root_dir walk ----------------------------------------------------------


def _project_subdirs(context: SearchContext, directory: str) -> list[str]:
    """Return the subdirs of ``directory`` that may be projects; symlinks are not followed."""
    try:
        with os.scandir(directory) as entries:
            names = sorted(
                entry.name
                for entry in entries
                if not entry.name.startswith(".")
                and entry.name not in _SKIPPED_PROJECT_DIRS
                and not _has_undecodable_bytes(entry.name)
                and entry.is_dir(follow_symlinks=False)
            )
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as error:
        context.problems.append(_cannot_read(directory, error))
        return []
    return [os.path.join(directory, name) for name in names]


def _project_dirs(context: SearchContext) -> list[str]:
    """Return root_dir and its subdirs down to PROJECT_SEARCH_DEPTH levels below it.

    Hidden dirs are skipped (their own ``.venv`` and ``.pixi`` are looked up by name), and
    symlinked dirs are not followed, so a link loop cannot stall the walk. The walk runs
    once per search.
    """
    if context._projects is None:
        context._projects = _walk_project_dirs(context)
    return context._projects


def _walk_project_dirs(context: SearchContext) -> list[str]:
    if not context.root_dir:
        return []
    if not os.path.isdir(context.root_dir):
        if os.path.lexists(context.root_dir):
            context.problems.append(f"cannot read {_printable(context.root_dir)}: Not a directory")
        return []
    level = [context.root_dir]
    projects = list(level)
    for _ in range(PROJECT_SEARCH_DEPTH):
        level = [child for directory in level for child in _project_subdirs(context, directory)]
        projects += level
    return projects


def locate_pixi_environments(context: SearchContext) -> Iterator[Candidate]:
    """Yield ``.pixi/envs/*`` of the projects under root_dir."""
    for project in _project_dirs(context):
        yield from _children_as_candidates(
            context, os.path.join(project, ".pixi", "envs"), "pixi", configured=False
        )


# locator for prefixes named by the server, the kernels and the configuration ----------------


def locate_referenced_environments(context: SearchContext) -> Iterator[Candidate]:
    """Yield the server's prefix, the prefixes of kernel interpreters, and extra_dirs."""
    yield Candidate(context.server.prefix, "server")

    for interpreter in context.interpreters:
        prefix = prefix_of_interpreter(interpreter)
        if prefix is None:
            logger.debug("no environment marker around interpreter %s", interpreter)
            continue
        yield Candidate(prefix, "kernel")

    for extra_dir in context.extra_dirs:
        yield Candidate(extra_dir, "extra_dirs")
        yield from _children_as_candidates(context, extra_dir, "extra_dirs")


# The server's own env comes first so that it leads the list.
LOCATORS: tuple[Locator, ...] = (
    locate_referenced_environments,
    locate_conda_environments,
    locate_virtual_environments,
    locate_pixi_environments,
)


# --- public entry point -----------------------------------------------------------------------


def _add_candidate(
    context: SearchContext, described: dict[str, Environment | None], candidate: Candidate
) -> None:
    if _has_undecodable_bytes(candidate.prefix):
        context.problems.append(
            f"skipped {_printable(candidate.prefix)}: the name is not valid UTF-8"
        )
        return

    real_prefix = os.path.realpath(candidate.prefix)
    if real_prefix in described:
        known = described[real_prefix]
        if known is not None and candidate.found_by not in known.found_by:
            known.found_by.append(candidate.found_by)
        return

    environment, problem = _describe(real_prefix, candidate.found_by)
    described[real_prefix] = environment
    if problem is not None:
        context.problems.append(problem)
    if environment is not None:
        logger.debug(
            "found %s environment %s by %s", environment.kind, real_prefix, candidate.found_by
        )


def find_environments(
    server: ServerInfo,
    interpreters: Sequence[str] = (),
    extra_dirs: Sequence[str] = (),
    root_dir: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[list[Environment], list[RegistryEntry], list[str]]:
    """Find every environment on disk and return (environments, registry entries, problems).

    ``interpreters`` are the absolute interpreter paths that kernels run, ``extra_dirs``
    dirs that hold environments (each child with a marker is one, and the dir itself
    too), and ``root_dir`` the Jupyter server's root, searched for ``.venv`` and
    ``.pixi/envs/*``. ``environ`` (by default the server's, else os.environ) supplies
    CONDA_*, WORKON_HOME, PYENV_ROOT and similar variables. The home dir is always
    ``os.path.expanduser("~")``.

    Environments are unique by the real path of their prefix, in the order found, with the
    server's first. ``found_by`` lists every source label that named one: "server",
    "kernel", "extra_dirs", "environments.txt", "condarc", "CONDA_ENVS_PATH",
    "CONDA_ENVS_DIRS", "envs_dirs", "CONDA_EXE", "CONDA_PYTHON_EXE", "CONDA_ROOT",
    "MAMBA_ROOT_PREFIX", "conda-root", "CONDA_PREFIX", "WORKON_HOME", "virtualenvs",
    "venvs", "pyenv", "poetry", "pipenv", "root_dir" or "pixi". Problems are messages about
    input that could not be read.
    """
    if environ is None:
        environ = server.environ or os.environ
    context = SearchContext(
        server=server,
        environ=environ,
        home=os.path.expanduser("~"),
        interpreters=interpreters,
        extra_dirs=extra_dirs,
        root_dir=root_dir,
    )

    described: dict[str, Environment | None] = {}
    for locator in LOCATORS:
        for candidate in locator(context):
            _add_candidate(context, described, candidate)

    environments = [environment for environment in described.values() if environment is not None]
    server_prefix = os.path.realpath(server.prefix)
    for environment in environments:
        environment.is_server = environment.prefix == server_prefix
    return environments, context.registry, _unique(context.problems)
