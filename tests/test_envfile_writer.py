"""Writing environment files: new files, updates that keep comments, and atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_envdoctor.envfile.export import ExportedEnvironment, ExportLine
from jupyter_envdoctor.envfile.writer import render, render_update, write_atomically

EXISTING = """\
# Shared by the team
name: old-name
channels:
  - conda-forge  # main channel
dependencies:
  - numpy=1.26  # below 2
  - scipy
  - pip:
      - requests  # http
      - flask
variables:
  MODE: 'fast'
"""


def exported(channels: list[str]) -> ExportedEnvironment:
    return ExportedEnvironment(
        name="sci", channels=channels,
        conda=[ExportLine("numpy=1.26.4=py311_0", "numpy"), ExportLine("pip", "pip")],
        pip=[ExportLine("requests==2.31.0", "requests"),
             ExportLine("-e /src/tool", "tool", "local path: it exists only on this machine")])


def test_render_new_file() -> None:
    text = render(exported(["conda-forge"]))

    assert text == (
        "name: sci\nchannels:\n  - conda-forge\ndependencies:\n  - numpy=1.26.4=py311_0\n"
        "  - pip\n  - pip:\n      - requests==2.31.0\n"
        "      - -e /src/tool  # local path: it exists only on this machine\n")


def test_update_keeps_comments() -> None:
    text = render_update(EXISTING, exported(["conda-forge"]))

    assert text.startswith("# Shared by the team\nname: sci\n")
    assert "  - conda-forge  # main channel\n" in text
    assert "  - numpy=1.26.4=py311_0  # below 2\n" in text
    assert "scipy" not in text
    assert "flask" not in text
    assert "      - requests==2.31.0  # http\n" in text
    assert "      - -e /src/tool  # local path: it exists only on this machine\n" in text
    assert text.index("  - pip\n") < text.index("  - pip:\n")
    assert text.endswith("variables:\n  MODE: 'fast'\n")


def test_update_without_channels_keeps_them() -> None:
    text = render_update(EXISTING, exported([]))

    assert "channels:\n  - conda-forge  # main channel\n" in text


def test_atomic_write_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text("name: old\n")
    path.chmod(0o640)

    write_atomically(str(path), "name: new\n")

    assert path.read_text() == "name: new\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["environment.yml"]
