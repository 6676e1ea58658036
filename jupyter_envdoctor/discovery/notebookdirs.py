"""The folders that kernels start in: the server's root dir and the notebook folders below it."""

from __future__ import annotations

import glob
import os

from ..model import Snapshot

# Below the root dir, folders down to this depth are searched for notebooks.
NOTEBOOK_SEARCH_DEPTH = 2
# At most this many folders are checked, so a huge root dir cannot stall the report.
MAX_NOTEBOOK_FOLDERS = 200
_SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "site-packages", "dist-packages"})


def snapshot_notebook_folders(snapshot: Snapshot) -> list[str]:
    """Return the notebook folders of the snapshot's root dir, searched once per snapshot,
    because the environment files and two checks all need them."""
    folders: list[str] | None = snapshot.memo.get("notebook_folders")
    if folders is None:
        folders = notebook_folders(snapshot.root_dir)
        snapshot.memo["notebook_folders"] = folders
    return list(folders)


def notebook_folders(root_dir: str | None) -> list[str]:
    """Return the folders kernels start in: the root dir, and the folders below it, down to
    NOTEBOOK_SEARCH_DEPTH levels, that hold a .ipynb file.

    Hidden dirs, environments (pyvenv.cfg, conda-meta) and dirs such as node_modules are
    skipped, symlinked dirs are not followed, and at most MAX_NOTEBOOK_FOLDERS are returned.
    """
    if not root_dir or not os.path.isdir(root_dir):
        return []
    folders = [os.path.abspath(root_dir)]
    level = list(folders)
    for _ in range(NOTEBOOK_SEARCH_DEPTH):
        level = [child for folder in level for child in _searchable_subdirs(folder)]
        folders += [f for f in level if glob.glob(os.path.join(glob.escape(f), "*.ipynb"))]
    return folders[:MAX_NOTEBOOK_FOLDERS]


def _searchable_subdirs(folder: str) -> list[str]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    subdirs = []
    for entry in entries:
        if entry.name.startswith(".") or entry.name in _SKIPPED_FOLDERS:
            continue
        if not entry.is_dir(follow_symlinks=False) or _is_environment(entry.path):
            continue
        subdirs.append(entry.path)
    return subdirs


def _is_environment(folder: str) -> bool:
    return (os.path.exists(os.path.join(folder, "pyvenv.cfg"))
            or os.path.isdir(os.path.join(folder, "conda-meta")))
