"""A real CPython for every environment of the machine, and the file list of its package.

Each conda environment gets a copy of an installed CPython binary and symlinks to that
installation's standard library. CPython sets ``sys.prefix`` to the dir above ``bin/``
when it finds ``lib/pythonX.Y/os.py`` there, so ``PREFIX/bin/python`` runs with
``sys.prefix == PREFIX``. The copied binary finds libpython through its absolute RUNPATH.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .layout import PYTHON_MINOR

_PROBE = ("import json, sys; print(json.dumps({'version': '%d.%d.%d' % sys.version_info[:3], "
          "'base_prefix': sys.base_prefix}))")


@dataclass(frozen=True)
class BaseInterpreter:
    """An installed CPython: its binary, standard library and headers."""

    executable: Path
    version: str
    prefix: Path

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])

    @property
    def stdlib(self) -> Path:
        return self.prefix / "lib" / f"python{self.minor}"

    @property
    def include(self) -> Path:
        return self.prefix / "include" / f"python{self.minor}"


@dataclass(frozen=True)
class PackagedFile:
    """One file of a conda package: path relative to the prefix, sha256 (hex) and size."""

    path: str
    sha256: str
    size: int


def find_base_interpreter(minor: str = PYTHON_MINOR) -> BaseInterpreter:
    """Find an installed CPython ``minor`` through pyenv, then through PATH.

    Raises LookupError when none is installed.
    """
    # NOTE: only 3.11 works: the records, extension suffixes and site dirs the generator
    # writes name 3.11 (layout.PYTHON_MINOR), so another minor version would not match them.
    executable = _pyenv_executable(minor) or shutil.which(f"python{minor}")
    if executable is None:
        raise LookupError(f"no CPython {minor} found through pyenv or PATH; install one, "
                          f"for example with `pyenv install {minor}`")
    found = _describe(Path(executable))
    if found.minor != minor:
        raise LookupError(f"{executable} runs Python {found.version}, expected {minor}")
    return found


def _pyenv_executable(minor: str) -> str | None:
    roots = [os.environ.get("PYENV_ROOT"), os.path.expanduser("~/.pyenv")]
    pattern = re.compile(re.escape(minor) + r"\.(\d+)")
    for root in filter(None, roots):
        versions = Path(root) / "versions"
        if not versions.is_dir():
            continue
        found = []
        for install in versions.iterdir():
            match = pattern.fullmatch(install.name)
            binary = install / "bin" / f"python{minor}"
            if match and binary.is_file():
                found.append((int(match.group(1)), binary))
        if found:
            return str(max(found)[1])
    return None


def _describe(executable: Path) -> BaseInterpreter:
    # A pyenv shim or a venv's python is not the binary to copy, so ask the interpreter.
    output = subprocess.run([str(executable), "-c", _PROBE], check=True, capture_output=True,
                            text=True, timeout=60).stdout
    facts = json.loads(output)
    prefix = Path(facts["base_prefix"])
    minor = ".".join(facts["version"].split(".")[:2])
    binary = prefix / "bin" / f"python{minor}"
    return BaseInterpreter(binary if binary.is_file() else executable.resolve(),
                           facts["version"], prefix)


def python_package_files(base: BaseInterpreter) -> list[PackagedFile]:
    """Return every file of the environment's python package, as its conda record lists it.

    That is the binary, the standard library (with its byte code, as conda's python package
    ships it) and the headers: several thousand paths, hashed once per generator run.
    """
    minor = base.minor
    files = [_packaged(base.executable, f"bin/python{minor}")]
    for source_root, prefix_path in ((base.stdlib, f"lib/python{minor}"),
                                     (base.include, f"include/python{minor}")):
        for folder, dirs, names in os.walk(source_root):
            if folder == str(base.stdlib):
                dirs[:] = [d for d in dirs if d != "site-packages"]
            dirs.sort()
            for name in sorted(names):
                full = Path(folder) / name
                relative = full.relative_to(source_root).as_posix()
                files.append(_packaged(full, f"{prefix_path}/{relative}"))
    return files


def _packaged(path: Path, prefix_path: str) -> PackagedFile:
    data = path.read_bytes()
    return PackagedFile(prefix_path, hashlib.sha256(data).hexdigest(), len(data))


def install_python(prefix: Path, base: BaseInterpreter) -> Path:
    """Put a runnable CPython into ``prefix``; return ``prefix/bin/python``."""
    minor = base.minor
    bin_dir = prefix / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(base.executable, bin_dir / f"python{minor}")
    (bin_dir / f"python{minor.split('.')[0]}").symlink_to(f"python{minor}")
    (bin_dir / "python").symlink_to(f"python{minor}")

    lib = prefix / "lib" / f"python{minor}"
    (lib / "site-packages").mkdir(parents=True, exist_ok=True)
    for entry in sorted(base.stdlib.iterdir()):
        if entry.name != "site-packages":
            (lib / entry.name).symlink_to(entry)
    include = prefix / "include"
    include.mkdir(exist_ok=True)
    (include / f"python{minor}").symlink_to(base.include)
    return bin_dir / "python"
