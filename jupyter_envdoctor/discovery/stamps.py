"""Stamps of files and folders, compared to tell whether a cached result still holds."""

from __future__ import annotations

import os
from typing import Optional

# (st_mtime_ns, st_size, st_ino), or None for a missing path.
Stamp = Optional[tuple[int, int, int]]


def stamp(path: str) -> Stamp:
    # stat follows symlinks, so an interpreter link whose target is replaced counts as changed.
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)
