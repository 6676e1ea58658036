"""Candidate prefixes, the search context that the locators share, and child dir listing."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Callable

from ..model import RegistryEntry, ServerInfo
from .prefixreader import _cannot_read, _printable

logger = logging.getLogger(__name__)

_ENVIRONMENT_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


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
