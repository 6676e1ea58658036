"""Virtual environments made by `python -m venv`, with projects that pip or uv installed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .catalog import Project
from .distinfo import render_distribution
from .environment import BuiltEnvironment
from .files import TreeWriter
from .interpreter import BaseInterpreter


def build_venv(writer: TreeWriter, name: str, prefix: Path, projects: list[Project],
               base: BaseInterpreter, installer: str = "pip") -> BuiltEnvironment:
    """Make a venv of ``base`` at ``prefix`` and install ``projects`` as ``installer`` does."""
    subprocess.run([str(base.executable), "-m", "venv", "--without-pip", str(prefix)],
                   check=True, capture_output=True, timeout=120)
    env = BuiltEnvironment(name, prefix, list(projects), kind="venv")
    for project in projects:
        installed = render_distribution(project, installer)
        writer.write_all(env.site_packages, installed.site)
        writer.write_all(prefix, installed.data)
    return env


def build_orphaned_venv(writer: TreeWriter, name: str, prefix: Path, projects: list[Project],
                        gone_home: Path) -> BuiltEnvironment:
    """Write a venv whose base Python at ``gone_home`` was uninstalled.

    Its bin/python is a dangling symlink and pyvenv.cfg names the missing dir, which is
    what an upgraded Homebrew or pyenv Python leaves behind.
    """
    env = BuiltEnvironment(name, prefix, list(projects), kind="venv")
    cfg = (f"home = {gone_home}\ninclude-system-site-packages = false\nversion = 3.11.2\n"
           f"executable = {gone_home}/python3.11\ncommand = {gone_home}/python3.11 -m venv {prefix}\n")
    writer.write(prefix / "pyvenv.cfg", cfg.encode())
    (prefix / "bin").mkdir(parents=True, exist_ok=True)
    (prefix / "bin" / "python3.11").symlink_to(gone_home / "python3.11")
    (prefix / "bin" / "python3").symlink_to("python3.11")
    (prefix / "bin" / "python").symlink_to("python3.11")
    for project in projects:
        installed = render_distribution(project, "pip")
        writer.write_all(env.site_packages, installed.site)
        writer.write_all(prefix, installed.data)
    return env
