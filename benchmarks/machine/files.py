"""Writing many small files quickly: each parent dir is made once per writer."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .interpreter import PackagedFile


class TreeWriter:
    """Write files below any root, remembering which dirs exist already."""

    def __init__(self) -> None:
        self._made: set[str] = set()

    def write(self, path: Path | str, data: bytes, mode: int | None = None) -> None:
        path = str(path)
        parent = os.path.dirname(path)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        with open(path, "wb") as stream:
            stream.write(data)
        if mode is not None:
            os.chmod(path, mode)

    def write_all(self, root: Path, files: dict[str, bytes], prefix_path: str = "") -> list[PackagedFile]:
        """Write ``files`` (relative paths) below ``root``; return them as a conda record lists them.

        ``prefix_path`` is the path of ``root`` relative to the environment's prefix.
        """
        written = []
        for relative, data in files.items():
            mode = 0o755 if relative.startswith("bin/") else None
            self.write(root / relative, data, mode)
            recorded = f"{prefix_path}/{relative}" if prefix_path else relative
            written.append(PackagedFile(recorded, hashlib.sha256(data).hexdigest(), len(data)))
        return written
