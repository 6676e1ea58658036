"""Description of the environment at one prefix, and the prefix around an interpreter."""

from __future__ import annotations

import logging
import os

from ..model import Environment, EnvironmentKind, environment_id
from .prefixreader import (
    _STDLIB_DIR,
    _VERSIONED_INTERPRETER,
    CONDA_MARKER,
    VENV_MARKER,
    _cannot_read,
    _list_dir,
    _list_dir_or_empty,
    _minor,
    _minor_of_interpreter,
    _normalize_version,
    _PrefixReader,
    _read_pyvenv_cfg,
    _unique,
)

logger = logging.getLogger(__name__)


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
