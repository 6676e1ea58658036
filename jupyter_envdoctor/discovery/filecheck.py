"""The check for files that a RECORD or a conda record lists but that are gone from disk."""

from __future__ import annotations

import os
from collections.abc import Iterable


def missing_files(base: str, paths: Iterable[str], exhaustive: bool) -> list[str]:
    """Return the listed ``paths`` (relative to ``base``, "/"-separated) that do not exist.

    Byte code is skipped, because it is compiled on install and deleting it is harmless.
    Unless ``exhaustive``, one file per directory is looked at first, and every file only
    when one of those is missing. Installers remove a package's files together, so this
    spot check finds an uninstalled or half-removed package at a fraction of the cost.
    NOTE: a single file deleted by hand beside others that remain is found only by an
    exhaustive check (``--deep``).
    """
    listed = [path for path in paths if not path.endswith((".pyc", ".pyo"))]
    if not exhaustive:
        # The first listed file of each directory stands for the directory.
        one_per_directory = {path.rpartition("/")[0]: path for path in reversed(listed)}
        if all(os.path.lexists(os.path.join(base, path)) for path in one_per_directory.values()):
            return []
    return [path for path in listed if not os.path.lexists(os.path.join(base, path))]
