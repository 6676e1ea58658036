"""The files around the environments: conda's registry and .condarc, the doctor's config,
the server's root dir with its notebook folders, and the PATH dir."""

from __future__ import annotations

import json
from pathlib import Path

from .environment import BuiltEnvironment
from .faults import Fault
from .files import TreeWriter
from .layout import Layout


def write_conda_files(layout: Layout, conda_envs: list[BuiltEnvironment]) -> list[Fault]:
    """Write environments.txt (with two stale lines), ~/.condarc and conda's launchers."""
    deleted = layout.conda_envs_dir / "old-project"
    not_env = layout.root / "downloads"
    not_env.mkdir(exist_ok=True)
    lines = [str(env.prefix) for env in conda_envs] + [str(deleted), str(not_env)]
    layout.environments_txt.parent.mkdir(parents=True, exist_ok=True)
    layout.environments_txt.write_text("\n".join(lines) + "\n")

    condarc = (f"channels:\n  - conda-forge\nenvs_dirs:\n  - {layout.condarc_envs_dir}\n"
               f"  - {layout.conda_envs_dir}\nauto_activate_base: false\n")
    (layout.home / ".condarc").write_text(condarc)

    launcher = "#!/bin/sh\necho 'conda is a stub on this benchmark machine' >&2\nexit 1\n"
    for folder in ("bin", "condabin"):
        path = layout.conda_root / folder / "conda"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(launcher)
        path.chmod(0o755)
    return [Fault("environments.txt lists a deleted env and a dir that is no env",
                  str(layout.environments_txt), ("E202",))]


def write_doctor_config(layout: Layout) -> dict[str, str]:
    """Point the doctor at the machine's server and root dir; return the settings."""
    settings = {"server_python": str(layout.server_python), "root_dir": str(layout.projects_dir)}
    layout.config_dir.mkdir(parents=True, exist_ok=True)
    path = layout.config_dir / "jupyter_envdoctor_config.json"
    path.write_text(json.dumps({"EnvDoctor": settings}, indent=2) + "\n")
    return settings


def write_projects(writer: TreeWriter, layout: Layout) -> list[Fault]:
    """Write notebook folders below the server's root dir, two with a shadowing module."""
    notebook = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
    for project in ("survey", "webscrape", "forecast", "reports/2024", "reports/2025"):
        writer.write(layout.projects_dir / project / "analysis.ipynb", notebook)
    writer.write(layout.projects_dir / "survey" / "random.py", b"SEED = 4\n")
    writer.write(layout.projects_dir / "webscrape" / "requests.py", b"def get(url):\n    pass\n")
    return [Fault("notebook folder has random.py, named like a standard library module",
                  str(layout.projects_dir / "survey"), ("I405",)),
            Fault("notebook folder has requests.py, named like an installed module",
                  str(layout.projects_dir / "webscrape"), ("I406",))]


def write_pythonpath_package(writer: TreeWriter, layout: Layout) -> None:
    """Write the package dir that one kernel's PYTHONPATH names by mistake."""
    folder = layout.root / "shared" / "mytools"
    writer.write(folder / "__init__.py", b"")
    writer.write(folder / "calendar.py", b"WORKDAYS = 5\n")
    writer.write(folder / "io_helpers.py", b"def load(path):\n    return open(path).read()\n")


def link_path_python(layout: Layout, target: Path) -> None:
    """Put ``python`` on the machine's PATH, as an activated env would."""
    layout.bin_dir.mkdir(parents=True, exist_ok=True)
    (layout.bin_dir / "python").symlink_to(target)
