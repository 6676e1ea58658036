"""Real pip inside test conda envs, and local wheels for it to install.

``pip_package()`` is a conda package whose payload is the pip of the test interpreter, with
INSTALLER conda as conda-forge's pip has, so ``<env>/bin/python -m pip`` is the real pip.
``build_wheel()`` writes a minimal wheel; ``run_pip()`` installs only from local files.
"""

from __future__ import annotations

import base64
import csv
import functools
import hashlib
import importlib.metadata
import io
import os
import subprocess
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Union

from conda_envs import Package

FileContent = Union[str, bytes]


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _record_text(rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


@functools.lru_cache(maxsize=1)
def pip_package() -> Package:
    """Return a noarch conda package of the test interpreter's own pip (INSTALLER conda)."""
    dist = importlib.metadata.distribution("pip")
    source = Path(str(dist.locate_file("pip")))
    version = dist.version
    info_dir = f"pip-{version}.dist-info"

    site_files: dict[str, bytes] = {}
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            site_files[f"pip/{path.relative_to(source).as_posix()}"] = path.read_bytes()
    site_files[f"{info_dir}/METADATA"] = (dist.read_text("METADATA") or "").encode()
    site_files[f"{info_dir}/INSTALLER"] = b"conda\n"
    # conda-build writes a RECORD of the files the package really ships (no bin/pip here).
    rows = [[name, _record_hash(data), str(len(data))] for name, data in site_files.items()]
    rows.append([f"{info_dir}/RECORD", "", ""])
    site_files[f"{info_dir}/RECORD"] = _record_text(rows)

    files: dict[str, FileContent] = {f"site-packages/{name}": data for name, data in site_files.items()}
    return Package("pip", version, "pyh_0", depends=("python",), files=files, noarch="python")


def build_wheel(directory: Path, name: str, version: str, files: Mapping[str, FileContent],
                requires: Sequence[str] = ()) -> Path:
    """Write ``<name>-<version>-py3-none-any.whl`` holding ``files`` and a dist-info; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    info_dir = f"{name}-{version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {requirement}" for requirement in requires]
    contents: dict[str, bytes] = {
        path: content.encode() if isinstance(content, str) else content for path, content in files.items()
    }
    contents[f"{info_dir}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    contents[f"{info_dir}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: jupyter-envdoctor-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    rows = [[path, _record_hash(data), str(len(data))] for path, data in contents.items()]
    rows.append([f"{info_dir}/RECORD", "", ""])
    contents[f"{info_dir}/RECORD"] = _record_text(rows)

    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
    return wheel


def run_pip(python: Path, *args: str) -> str:
    """Run ``python -m pip ARGS`` isolated from the user's pip config and cache; return stdout.

    Pass ``--no-index`` to installs: the tests install local wheels only.
    """
    environ = {key: value for key, value in os.environ.items()
               if key not in ("PYTHONPATH", "PYTHONHOME") and not key.startswith("PIP_")}
    environ.update({"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                    "PIP_NO_CACHE_DIR": "1", "PIP_NO_INPUT": "1", "PYTHONNOUSERSITE": "1"})
    completed = subprocess.run([str(python), "-m", "pip", *args], capture_output=True,
                               text=True, env=environ, timeout=120, check=False)
    assert completed.returncode == 0, f"pip {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout
