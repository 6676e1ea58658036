"""The JupyterLab extension as installed by pip: one version everywhere, enabled in JupyterLab."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from jupyter_envdoctor import __version__

LABEXTENSION = Path(__file__).parent.parent / "labextension"


def test_package_json_version_matches() -> None:
    package = json.loads((LABEXTENSION / "package.json").read_text())

    assert package["version"] == __version__


def test_panel_version_matches() -> None:
    # The panel compares this constant with the report's tool.version.
    source = (LABEXTENSION / "src" / "version.ts").read_text()

    assert f"export const PANEL_VERSION = '{__version__}';" in source


def test_labextension_installed_in_prefix() -> None:
    installed = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyter-envdoctor"
    package = json.loads((installed / "package.json").read_text())

    assert package["name"] == "jupyter-envdoctor"
    assert package["version"] == __version__
    assert (installed / "install.json").is_file()
    assert list((installed / "static").glob("remoteEntry.*.js"))
    assert (installed / "schemas" / "jupyter-envdoctor" / "plugin.json").is_file()


def test_labextension_list_shows_enabled(tmp_path: Path) -> None:
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    # A fresh HOME, so no user config of the machine can disable the extension.
    environ = {**os.environ, "HOME": str(tmp_path), "NO_COLOR": "1"}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_PATH"):
        environ.pop(name, None)
    result = subprocess.run([jupyter, "labextension", "list"], capture_output=True, text=True,
                            timeout=120, check=False, env=environ)
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)

    assert result.returncode == 0, output
    assert f"jupyter-envdoctor v{__version__} enabled OK" in output
