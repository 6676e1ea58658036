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
from collections.abc import Mapping, Sequence

from ..model import Environment, RegistryEntry, ServerInfo
from .candidates import Candidate, Locator, SearchContext
from .condarc import SYSTEM_CONDARC_PATHS, parse_condarc_envs_dirs
from .locators import (
    LOCATORS,
    PROJECT_SEARCH_DEPTH,
    locate_conda_environments,
    locate_pixi_environments,
    locate_referenced_environments,
    locate_virtual_environments,
)
from .prefixes import _describe, describe_prefix, prefix_of_interpreter
from .prefixreader import (
    CONDA_MARKER,
    EMPTY_LISTING,
    VENV_MARKER,
    _has_undecodable_bytes,
    _printable,
    _unique,
)

# Public names of prefixreader, prefixes, candidates, condarc and locators, re-exported here.
# NOTE: condarc reads SYSTEM_CONDARC_PATHS from its own namespace, so a test that replaces it
# must patch jupyter_envdoctor.discovery.condarc.
__all__ = [
    "CONDA_MARKER",
    "EMPTY_LISTING",
    "LOCATORS",
    "PROJECT_SEARCH_DEPTH",
    "SYSTEM_CONDARC_PATHS",
    "VENV_MARKER",
    "Candidate",
    "Locator",
    "SearchContext",
    "describe_prefix",
    "find_environments",
    "locate_conda_environments",
    "locate_pixi_environments",
    "locate_referenced_environments",
    "locate_virtual_environments",
    "parse_condarc_envs_dirs",
    "prefix_of_interpreter",
]

logger = logging.getLogger(__name__)


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
