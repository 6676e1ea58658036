"""A project's files as an installer leaves them in a site dir: modules plus the dist-info.

The dist-info has METADATA, WHEEL, INSTALLER, RECORD (with the sha256 and size of every
file, as pip writes it), REQUESTED for projects the user asked for, and top_level.txt or
entry_points.txt where the project's build would write them.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

from .catalog import Project, hash_text

EXTENSION_SUFFIX = ".cpython-311-x86_64-linux-gnu.so"
_SUBMODULE_WORDS = ("core", "utils", "io", "api", "base", "config", "types", "errors", "compat",
                    "helpers", "plugins", "backends", "models", "tests", "cli", "_version")


@dataclass
class InstalledFiles:
    """The files of one installed project, ready to write.

    ``site`` paths are relative to the site dir and ``data`` paths (console scripts)
    relative to the prefix; RECORD lists the latter as ``../../../bin/NAME``.
    """

    dist_info: str
    site: dict[str, bytes] = field(default_factory=dict)
    data: dict[str, bytes] = field(default_factory=dict)


def dist_info_name(name: str, version: str) -> str:
    """Return the dist-info dir name pip writes (PEP 427 escaping of the name)."""
    return f"{re.sub(r'[-_.]+', '_', name)}-{version}.dist-info"


def record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def module_files(project: Project, version: str | None = None) -> dict[str, bytes]:
    """Return the project's importable files: a package or single module per top-level name."""
    version = version or project.version
    files: dict[str, bytes] = {}
    per_module = max(project.module_files // len(project.modules), 0)
    for module in project.modules:
        header = f'"""{project.name}: {module}."""\n__version__ = "{version}"\n'.encode()
        if per_module == 0 and len(project.modules) == 1:
            files[f"{module}.py"] = header
            continue
        files[f"{module}/__init__.py"] = header
        for index in range(per_module):
            files[f"{module}/{_submodule_path(module, index)}"] = _module_body(module, index)
        if project.native:
            files[f"{module}/_speedups{EXTENSION_SUFFIX}"] = _binary_stub(project.name)
    return files


def _submodule_path(module: str, index: int) -> str:
    word = _SUBMODULE_WORDS[index % len(_SUBMODULE_WORDS)]
    depth = index // len(_SUBMODULE_WORDS)
    if depth == 0:
        return f"{word}.py"
    # Deeper files go into subpackages, as large projects nest them.
    return f"sub{depth % 7}/{word}_{depth}.py"


def _module_body(module: str, index: int) -> bytes:
    lines = [f'"""Part {index} of {module}."""', "", f"def function_{index}(value):",
             f"    return value + {index}", ""]
    return "\n".join(lines).encode()


def _binary_stub(name: str) -> bytes:
    # An ELF header and deterministic filler: nothing loads it, only its size and hash count.
    size = 2048 + hash_text(name) % 6144
    filler = hashlib.sha256(name.encode()).digest() * (size // 32 + 1)
    return b"\x7fELF" + filler[:size]


def render_distribution(project: Project, installer: str, *, requested: bool = True,
                        version: str | None = None, requires: tuple[str, ...] | None = None,
                        direct_url: str | None = None,
                        files: dict[str, bytes] | None = None) -> InstalledFiles:
    """Return every file ``installer`` leaves for ``project`` (``version`` overrides its own)."""
    version = version or project.version
    info = dist_info_name(project.name, version)
    installed = InstalledFiles(info)
    installed.site.update(module_files(project, version) if files is None else files)
    for script in project.scripts:
        installed.data[f"bin/{script}"] = _console_script(project, script)

    metadata = {
        "METADATA": _metadata(project, version, requires),
        "WHEEL": b"Wheel-Version: 1.0\nGenerator: bdist_wheel (0.42.0)\nRoot-Is-Purelib: "
                 + (b"false" if project.native else b"true") + b"\nTag: py3-none-any\n",
        "INSTALLER": f"{installer}\n".encode(),
    }
    if requested:
        metadata["REQUESTED"] = b""
    if project.top_level_txt:
        metadata["top_level.txt"] = "".join(f"{m}\n" for m in project.modules).encode()
    if project.scripts:
        metadata["entry_points.txt"] = "[console_scripts]\n" + "".join(
            f"{s} = {project.modules[0]}.cli:main\n" for s in project.scripts)
        metadata["entry_points.txt"] = metadata["entry_points.txt"].encode()
    if direct_url is not None:
        metadata["direct_url.json"] = direct_url.encode()
    for name, data in metadata.items():
        installed.site[f"{info}/{name}"] = data

    installed.site[f"{info}/RECORD"] = _record(installed)
    return installed


def _metadata(project: Project, version: str, requires: tuple[str, ...] | None) -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {project.name}", f"Version: {version}",
             f"Summary: The {project.name} project.", "Requires-Python: >=3.8",
             "License: BSD-3-Clause"]
    lines += [f"Requires-Dist: {r}" for r in (project.requires if requires is None else requires)]
    lines += ["", f"{project.name} does what its name says.", ""]
    return "\n".join(lines).encode()


def _console_script(project: Project, script: str) -> bytes:
    return (f"#!/usr/bin/env python\nimport sys\nfrom {project.modules[0]}.cli import main\n"
            f"sys.exit(main())\n").encode()


def _record(installed: InstalledFiles) -> bytes:
    rows = [[path, record_hash(data), str(len(data))] for path, data in installed.site.items()]
    rows += [[f"../../../{path}", record_hash(data), str(len(data))]
             for path, data in installed.data.items()]
    rows.append([f"{installed.dist_info}/RECORD", "", ""])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()
