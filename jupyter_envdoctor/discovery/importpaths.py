"""A kernel's sys.path, classified: notebook folder, PYTHONPATH, .pth-added paths, user site, env."""

from __future__ import annotations

from ..model import Kernel, PathEntry, ServerInfo


def classify_import_path(kernel: Kernel, server: ServerInfo) -> list[PathEntry]:
    """Return the kernel's sys.path entries with their origin; empty without a probe."""
    # TODO: sys.path entries are not classified yet.
    return []
