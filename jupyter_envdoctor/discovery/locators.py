"""Locators for conda, virtual environment managers, pixi projects and referenced prefixes."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from .candidates import (
    Candidate,
    Locator,
    SearchContext,
    _absolute_entries,
    _children_as_candidates,
)
from .condarc import _condarc_envs_dirs, _read_environments_txt
from .prefixes import prefix_of_interpreter
from .prefixreader import CONDA_MARKER, _cannot_read, _has_undecodable_bytes, _printable, _unique

logger = logging.getLogger(__name__)

# Directory names that never hold a project's environment, skipped when walking root_dir.
_SKIPPED_PROJECT_DIRS = frozenset({"node_modules", "__pycache__", "site-packages"})
PROJECT_SEARCH_DEPTH = 2


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
