"""Break this machine's Jupyter setup on purpose, for the Binder demo of jupyter-envdoctor.

Every fault is made the way people make it. A venv is deleted after its kernel was registered,
a kernel.json is cut short by a hand edit, a spec runs a bare `python`, and a venv has
ipykernel but no kernel. Paths come from HOME, so the script also runs in a
throwaway HOME: `HOME=/tmp/demo python binder/make_demo.py`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]


def write_spec(kernels: Path, name: str, text: str) -> None:
    folder = kernels / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(text)
    print(f"wrote {folder / 'kernel.json'}")


def spec_text(argv: list[str], display_name: str) -> str:
    return json.dumps({"argv": argv, "display_name": display_name, "language": "python"},
                      indent=1) + "\n"


def make_venv(prefix: Path, ipykernel: bool) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(prefix)], check=True)
    python = prefix / "bin" / "python"
    if ipykernel:
        subprocess.run([str(python), "-m", "pip", "install", "--no-cache-dir", "-q", "ipykernel"],
                       check=True)
    print(f"made venv {prefix}")
    return python


def main() -> None:
    home = Path.home()
    kernels = home / ".local" / "share" / "jupyter" / "kernels"
    # ~/.virtualenvs is one of the folders jupyter-envdoctor searches for environments.
    venvs = home / ".virtualenvs"

    # A kernel whose venv was deleted after registering it (K101).
    gone = make_venv(venvs / "oldenv", ipykernel=False)
    write_spec(kernels, "oldenv", spec_text([str(gone), *LAUNCHER], "Python (oldenv)"))
    shutil.rmtree(venvs / "oldenv")
    print(f"deleted venv {venvs / 'oldenv'}")

    # A kernel.json cut short by a hand edit (K100).
    write_spec(kernels, "broken-json", '{"argv": ["python", "-m", "ipykernel_launcher",\n')

    # A spec that runs whatever `python` is first on PATH.
    write_spec(kernels, "bare-python", spec_text(["python", *LAUNCHER], "Bare python"))

    # A venv with ipykernel that no kernel runs: the panel offers "Register kernel".
    make_venv(venvs / "analysis", ipykernel=True)


if __name__ == "__main__":
    main()
