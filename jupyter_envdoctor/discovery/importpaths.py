"""A kernel's sys.path, classified: notebook folder, PYTHONPATH, .pth-added paths, user site, env.

The probe reports the sys.path of ``python -c``, started with the kernel's environment. A
kernel runs ``python -m ipykernel_launcher`` instead, and the notebook folder (the kernel's
working dir) ends up elsewhere in its sys.path. :func:`classify_import_path` returns the
entries in the order the kernel's own code searches them once the kernel has started.
"""

from __future__ import annotations

import ast
import glob
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..model import Kernel, PathEntry, ProbeResult, ServerInfo

SITE_DIR_NAMES = ("site-packages", "dist-packages")
_PYTHON_DIR = re.compile(r"^python(\d+)\.(\d+)$")

# ipykernel_launcher removes the notebook folder from sys.path while ipykernel imports its own
# modules, but before 6.29.2 it only removed the "" entry, and Python 3.7+ puts the absolute
# folder there for `-m`, so older launchers keep the folder first.
LAUNCHER_REMOVES_ABSOLUTE_CWD = Version("6.29.2")
# IPython inserts "" before the first site dir after the kernel starts. From 9.7 on it skips
# that when sys.flags.safe_path is set.
IPYTHON_RESPECTS_SAFE_PATH = Version("9.7")
IPYKERNEL_MODULES = ("ipykernel_launcher", "ipykernel")


@dataclass(frozen=True)
class PthLine:
    """A line of a .pth file that adds ``path`` to sys.path."""

    file: str
    line_number: int
    text: str
    # True for an `import ...` line that runs code, which may insert the path anywhere.
    is_code: bool


def classify_import_path(kernel: Kernel, server: ServerInfo) -> list[PathEntry]:
    """Return the kernel's sys.path entries with their origin, or none without a probe.

    Entries come in the order the kernel's code searches them after the kernel started, with
    the notebook folder (kind "cwd", path "") placed where ipykernel and IPython put it.
    """
    probe = kernel.probe
    if probe is None or not probe.ok:
        return []
    # Imported here because scan imports this module.
    from .scan import kernel_environ

    flags = interpreter_flags(kernel)
    pythonpath = split_pythonpath(kernel_environ(kernel, server).get("PYTHONPATH", ""))
    entries = _classify_probe_path(probe, pythonpath)
    # The probe runs without the kernel's interpreter options, so drop what they would remove.
    # NOTE: -E also makes the kernel ignore PYTHONNOUSERSITE and PYTHONSAFEPATH, which the
    # probe honoured.
    if flags & {"E", "I"}:
        entries = [e for e in entries if e.kind != "pythonpath"]
    if flags & {"s", "I"}:
        entries = [e for e in entries if e.kind != "user"]
    return _place_notebook_folder(kernel, probe, entries, flags)


def split_pythonpath(value: str) -> list[str]:
    """Return the entries of a PYTHONPATH value. An empty value has none, but an empty entry
    counts."""
    return value.split(os.pathsep) if value else []


def interpreter_flags(kernel: Kernel) -> set[str]:
    """Return the one-letter interpreter options (-s, -E, -I, -P) in the kernel's python argv."""
    launch = kernel.launch
    if launch is None:
        return set()
    argv = kernel.argv if launch.kind in ("python", "bare-python") else launch.inner_argv
    flags: set[str] = set()
    args = iter(argv[1:])
    for arg in args:
        if not arg.startswith("-") or arg.startswith("--") or arg == "-":
            break
        cluster = arg[1:]
        for position, letter in enumerate(cluster):
            if letter in "mc":
                return flags  # -m MODULE and -c CODE end the interpreter options
            if letter in "XW":
                # The rest of the cluster, or the next argument, is the option's value.
                if position == len(cluster) - 1:
                    next(args, None)
                break
            flags.add(letter)
    return flags


def python_version_tuple(probe: ProbeResult) -> tuple[int, int] | None:
    """Return (major, minor) of the probed interpreter, or None when unknown."""
    parts = (probe.version or "").split(".")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    return int(parts[0]), int(parts[1])


def foreign_python(path: str, version: tuple[int, int] | None) -> str | None:
    """Return "X.Y" when ``path`` lies in a lib/pythonX.Y dir of another Python version."""
    for part in path.replace("\\", "/").split("/"):
        match = _PYTHON_DIR.match(part)
        if match and version and (int(match.group(1)), int(match.group(2))) != version:
            return f"{match.group(1)}.{match.group(2)}"
    return None


def is_site_dir(path: str) -> bool:
    return os.path.basename(path.rstrip("/\\")) in SITE_DIR_NAMES


def is_package_dir(path: str) -> bool:
    """Tell whether ``path`` is itself a regular package (has an __init__ module)."""
    names = glob.glob(os.path.join(glob.escape(path), "__init__.*"))
    return any(name.endswith((".py", ".pyc", ".so", ".pyd")) for name in names)


def working_dir_relative(path: str) -> bool:
    """Tell whether a sys.path entry depends on the kernel's working dir ("" or relative)."""
    return not os.path.isabs(path)


# --- the probe's sys.path, entry by entry -----------------------------------------------------


def _classify_probe_path(probe: ProbeResult, pythonpath: Sequence[str]) -> list[PathEntry]:
    version = python_version_tuple(probe)
    prefixes = _prefixes(probe)
    pth_lines = _pth_lines(probe, pythonpath)
    pending = list(pythonpath)
    entries: list[PathEntry] = []
    seen: set[str] = set()
    for index, raw in enumerate(probe.path):
        if index == 0 and raw == "":
            continue  # the `python -c` working dir: placed later, where the kernel has it
        matched = _match_pythonpath(raw, pending, probe.cwd)
        if matched is not None:
            entry = _pythonpath_entry(matched, version)
        else:
            entry = _site_or_stdlib_entry(raw, probe, prefixes, pth_lines, version)
        key = _normalize(raw)
        if key in seen:
            entry.note = _join_notes(entry.note, "duplicate of an earlier entry")
        seen.add(key)
        entries.append(entry)
    _mark_front_entries(entries)
    return entries


def _match_pythonpath(raw: str, pending: list[str], probe_cwd: str | None) -> str | None:
    """Pop and return the PYTHONPATH entry that became ``raw``, or None.

    Python makes each entry absolute against its working dir and drops repeats, so entries
    are matched in order and the ones skipped over were repeats.
    """
    base = probe_cwd or os.getcwd()
    for position, candidate in enumerate(pending):
        if _normalize(os.path.join(base, candidate)) == _normalize(raw):
            del pending[: position + 1]
            return candidate
    return None


def _pythonpath_entry(value: str, version: tuple[int, int] | None) -> PathEntry:
    if value == "":
        return PathEntry("", "pythonpath", exists=False, added_by="PYTHONPATH",
                         note="empty entry: the kernel's working dir (the notebook folder)")
    if working_dir_relative(value):
        return PathEntry(value, "pythonpath", exists=False, added_by="PYTHONPATH",
                         note="relative to the kernel's working dir")
    notes = []
    if is_package_dir(value):
        notes.append("a package dir (has __init__): its subpackages become top-level modules")
    other = foreign_python(value, version)
    if other:
        notes.append(f"{_dir_kind(value)} of Python {other}")
    return PathEntry(value, "pythonpath", exists=os.path.exists(value), added_by="PYTHONPATH",
                     note="; ".join(notes) or None)


def _site_or_stdlib_entry(raw: str, probe: ProbeResult, prefixes: _Prefixes,
                          pth_lines: dict[str, PthLine], version: tuple[int, int] | None) -> PathEntry:
    exists = os.path.exists(raw)
    key = _normalize(raw)
    if probe.user_site and key == _normalize(probe.user_site):
        return PathEntry(raw, "user", exists=exists)
    if key in pth_lines:
        line = pth_lines[key]
        note = f"line {line.line_number}" + (", an import line" if line.is_code else "")
        other = foreign_python(raw, version)
        if other:
            note += f"; {_dir_kind(raw)} of Python {other}"
        return PathEntry(raw, "pth", exists=exists, added_by=line.file, note=note)
    if is_site_dir(raw) and _inside(key, prefixes.own):
        return PathEntry(raw, "env", exists=exists)
    if is_site_dir(raw) and _inside(key, prefixes.base):
        return PathEntry(raw, "other", exists=exists, note="site dir of the base Python")
    if _inside(key, prefixes.own + prefixes.base):
        return PathEntry(raw, "stdlib", exists=exists)
    other = foreign_python(raw, version)
    return PathEntry(raw, "other", exists=exists,
                     note=f"{_dir_kind(raw)} of Python {other}" if other else None)


def _mark_front_entries(entries: list[PathEntry]) -> None:
    """Note entries that .pth code or sitecustomize put ahead of the standard library."""
    first_stdlib = next((i for i, e in enumerate(entries) if e.kind == "stdlib"), len(entries))
    for entry in entries[:first_stdlib]:
        if entry.kind == "pth":
            entry.note = _join_notes(entry.note, "ahead of the standard library")
        elif entry.kind == "other":
            entry.note = _join_notes(
                entry.note, "ahead of the standard library: added by sitecustomize, "
                "usercustomize or .pth code that this tool cannot attribute")


def _dir_kind(path: str) -> str:
    return "site-packages" if is_site_dir(path) else "a dir"


def _join_notes(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def _normalize(path: str) -> str:
    return os.path.normcase(os.path.abspath(path)) if path else ""


def _inside(path: str, prefixes: Iterable[str]) -> bool:
    return any(path == p or path.startswith(p.rstrip(os.sep) + os.sep) for p in prefixes)


@dataclass(frozen=True)
class _Prefixes:
    own: list[str]  # sys.prefix, as reported and resolved
    base: list[str]  # sys.base_prefix of a venv, when it differs


def _prefixes(probe: ProbeResult) -> _Prefixes:
    own = _both_forms(probe.prefix)
    base = [p for p in _both_forms(probe.base_prefix) if p not in own]
    return _Prefixes(own, base)


def _both_forms(path: str | None) -> list[str]:
    if not path:
        return []
    return list(dict.fromkeys([_normalize(path), os.path.normcase(os.path.realpath(path))]))


# --- .pth files -------------------------------------------------------------------------------


def _pth_lines(probe: ProbeResult, pythonpath: Sequence[str]) -> dict[str, PthLine]:
    """Map each path that a .pth file adds to the line that adds it.

    The site module reads .pth files only in the user site and the site-packages of the
    prefixes, never in PYTHONPATH dirs, and in file name order, so the first line to add a
    path wins.
    """
    prefixes = _prefixes(probe)
    site_dirs = [probe.user_site] if probe.user_site and probe.user_site_enabled else []
    site_dirs += [p for p in probe.path if p and is_site_dir(p)
                  and _inside(_normalize(p), prefixes.own + prefixes.base)]
    python_path_keys = {_normalize(p) for p in pythonpath if os.path.isabs(p)}
    found: dict[str, PthLine] = {}
    for entry in site_dirs:
        if _normalize(entry) in python_path_keys:
            continue
        for pth_file in sorted(glob.glob(os.path.join(glob.escape(entry), "*.pth"))):
            for path, line in read_pth_file(pth_file):
                found.setdefault(_normalize(path), line)
    return found


def read_pth_file(pth_file: str) -> list[tuple[str, PthLine]]:
    """Return (absolute path, line) for each path a .pth file adds, as site.addpackage reads it.

    A path line is joined to the file's dir. For an import line, which runs code, every string
    literal that names an existing absolute dir counts, since the code cannot be evaluated here.
    """
    try:
        with open(pth_file, encoding="utf-8", errors="replace") as file:
            lines = file.read().splitlines()
    except OSError:
        return []
    site_dir = os.path.dirname(pth_file)
    added: list[tuple[str, PthLine]] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip() or text.startswith("#"):
            continue
        if text.startswith(("import ", "import\t")):
            line = PthLine(pth_file, number, text, is_code=True)
            added += [(path, line) for path in _literal_dirs(text)]
        else:
            path = os.path.join(site_dir, text.rstrip())
            added.append((os.path.abspath(path), PthLine(pth_file, number, text, is_code=False)))
    return added


def _literal_dirs(code: str) -> list[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        # Python 2 code, for example: fall back to quoted strings.
        literals = re.findall(r"""['"]([^'"]+)['"]""", code)
    else:
        literals = [node.value for node in ast.walk(tree)
                    if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    return [value for value in literals if os.path.isabs(value) and os.path.isdir(value)]


# --- where the notebook folder goes -----------------------------------------------------------


def _place_notebook_folder(kernel: Kernel, probe: ProbeResult, entries: list[PathEntry],
                           flags: set[str]) -> list[PathEntry]:
    """Insert the "cwd" entry where the kernel has the notebook folder after it started."""
    version = python_version_tuple(probe) or (3, 0)
    safe_path = bool(probe.safe_path) or "P" in flags or ("I" in flags and version >= (3, 4))
    module = kernel.launch.module if kernel.launch else None
    python_adds_cwd = module is not None and not safe_path

    if module not in IPYKERNEL_MODULES:
        if not python_adds_cwd:
            return entries
        note = "first: Python puts the working dir first for `-m`"
        return [PathEntry("", "cwd", note=note), *entries]

    ipykernel = installed_version(entries, "ipykernel")
    launcher_keeps_it = python_adds_cwd and (
        module == "ipykernel"
        or (version >= (3, 7) and ipykernel is not None and ipykernel < LAUNCHER_REMOVES_ABSOLUTE_CWD))
    if launcher_keeps_it:
        if module == "ipykernel":
            note = "first: `python -m ipykernel` leaves the working dir that Python puts first"
        else:
            note = (f"first, also while the kernel starts: ipykernel {ipykernel} leaves the "
                    "absolute working dir that Python 3.7+ puts first for `-m` "
                    f"(ipykernel removes it from {LAUNCHER_REMOVES_ABSOLUTE_CWD} on)")
        return [PathEntry("", "cwd", note=note), *entries]

    ipython = installed_version(entries, "ipython")
    if safe_path and (ipython is None or ipython >= IPYTHON_RESPECTS_SAFE_PATH):
        return entries
    position = next((i for i, e in enumerate(entries) if is_site_dir(e.path)), 0)
    note = "added by IPython after the kernel started, before the first site dir"
    return [*entries[:position], PathEntry("", "cwd", note=note), *entries[position:]]


def installed_version(entries: Sequence[PathEntry], name: str) -> Version | None:
    """Return the version of the first distribution ``name`` found on the entries, read from
    the name of its .dist-info or .egg-info dir, or None when it is absent or unparsable."""
    canonical = canonicalize_name(name)
    for entry in entries:
        if not entry.path:
            continue
        try:
            # A plain listing: glob's pattern matching costs more than this whole loop.
            names = os.listdir(entry.path)
        except OSError:
            continue
        for metadata in sorted(n for n in names if n.endswith((".dist-info", ".egg-info")) and "-" in n):
            stem = metadata.rsplit(".", 1)[0]
            dist_name, _, version = stem.partition("-")
            if canonicalize_name(dist_name) != canonical:
                continue
            try:
                return Version(version.split("-")[0])
            except InvalidVersion:
                return None
    return None


# --- finding modules in a sys.path entry ------------------------------------------------------


@dataclass(frozen=True)
class ModuleFile:
    """The place of a top-level module in one sys.path entry."""

    path: str  # the package dir or the module file
    # "package" (dir with __init__), "module" (.py), "extension" (.so, .pyd), "bytecode"
    # (a .pyc without source), "namespace" (dir without __init__, Python 3 only) or "zip"
    # (inside a zip file on sys.path).
    form: str


def entry_folder(entry: PathEntry, cwd: str) -> str:
    """Return the dir an entry stands for when the kernel's working dir is ``cwd``."""
    if entry.path == "":
        return cwd
    return os.path.join(cwd, entry.path) if working_dir_relative(entry.path) else entry.path


Listings = dict[str, set[str]]


def find_module_in(folder: str, name: str, extension_suffixes: Sequence[str],
                   namespaces: bool = True, listings: Listings | None = None) -> ModuleFile | None:
    """Return where the path finder would find top-level ``name`` in ``folder``, or None.

    Like importlib's FileFinder: a package dir with an ``__init__`` wins over a module file of
    the same name, a module file over a dir without ``__init__``, and extension modules come
    before source and bytecode. Names are compared case-sensitively, as the import system does
    even on case-insensitive file systems. ``listings`` caches dir listings across calls; pass
    the same dict only while the dirs cannot change.
    """
    if os.path.isfile(folder):
        return _find_in_zip(folder, name)
    names = _listing(folder, listings)
    if not names:
        return None
    suffixes = [*extension_suffixes, ".py", ".pyc"]
    package = os.path.join(folder, name)
    is_dir = name in names and os.path.isdir(package)
    if is_dir and _listing(package, listings) & {f"__init__{suffix}" for suffix in suffixes}:
        return ModuleFile(package, "package")
    for suffix in suffixes:
        if name + suffix in names:
            return ModuleFile(os.path.join(folder, name + suffix), _file_form(suffix))
    if is_dir and namespaces:
        return ModuleFile(package, "namespace")
    return None


def _file_form(suffix: str) -> str:
    if suffix == ".py":
        return "module"
    if suffix == ".pyc":
        return "bytecode"
    return "extension"


def modules_in(folder: str, extension_suffixes: Sequence[str], namespaces: bool = False,
               listings: Listings | None = None) -> dict[str, ModuleFile]:
    """Return every top-level module importable from ``folder``, by name."""
    found: dict[str, ModuleFile] = {}
    for item in sorted(_listing(folder, listings)):
        name = item.split(".", 1)[0]
        if name.isidentifier() and name not in found:
            module = find_module_in(folder, name, extension_suffixes, namespaces, listings)
            if module is not None:
                found[name] = module
    return found


def _listing(folder: str, listings: Listings | None) -> set[str]:
    if listings is not None and folder in listings:
        return listings[folder]
    try:
        names = set(os.listdir(folder))
    except OSError:
        names = set()
    if listings is not None:
        listings[folder] = names
    return names


def _find_in_zip(archive: str, name: str) -> ModuleFile | None:
    try:
        with zipfile.ZipFile(archive) as opened:
            members = set(opened.namelist())
    except (OSError, zipfile.BadZipFile):
        return None
    for member in (f"{name}/__init__.py", f"{name}/__init__.pyc", f"{name}.py", f"{name}.pyc"):
        if member in members:
            return ModuleFile(os.path.join(archive, member.split("/")[0]), "zip")
    return None
