"""Where everything of the synthetic machine lives under its root, and the variables that
point the doctor at it instead of at the real machine."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

# Variables of the caller's shell that would let the real machine leak into the doctor's
# input. The benchmark runs every command with `env -i` and the variables below, so none of
# these reach it; the list documents what the isolation covers.
LEAKING_VARIABLES = (
    "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDA_EXE", "CONDA_ENVS_PATH", "CONDA_ENVS_DIRS",
    "CONDA_ROOT", "CONDA_PYTHON_EXE", "CONDA_SHLVL", "MAMBA_ROOT_PREFIX", "VIRTUAL_ENV",
    "PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYENV_ROOT", "WORKON_HOME",
    "JUPYTER_PREFER_ENV_PATH", "JUPYTER_CONFIG_PATH", "POETRY_VIRTUALENVS_PATH",
)

# The CPython minor version every environment of the machine runs.
PYTHON_MINOR = "3.11"


@dataclass(frozen=True)
class Layout:
    """The paths of one synthetic machine, all below ``root``."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def conda_root(self) -> Path:
        """The conda base environment, which also runs the Jupyter server."""
        return self.root / "miniconda3"

    @property
    def conda_envs_dir(self) -> Path:
        return self.conda_root / "envs"

    @property
    def condarc_envs_dir(self) -> Path:
        """A second envs dir, known to conda only through ``envs_dirs`` in ``~/.condarc``."""
        return self.root / "conda-envs"

    @property
    def virtualenvs_dir(self) -> Path:
        return self.home / ".virtualenvs"

    @property
    def projects_dir(self) -> Path:
        """The Jupyter server's root dir: notebook folders, some with a project ``.venv``."""
        return self.root / "projects"

    @property
    def user_data_dir(self) -> Path:
        return self.home / ".local" / "share" / "jupyter"

    @property
    def user_kernels(self) -> Path:
        return self.user_data_dir / "kernels"

    @property
    def system_data_dir(self) -> Path:
        """Stands in for /usr/local/share/jupyter, which the benchmark must not write to."""
        return self.root / "usr" / "local" / "share" / "jupyter"

    @property
    def config_dir(self) -> Path:
        return self.home / ".jupyter"

    @property
    def cache_home(self) -> Path:
        """XDG_CACHE_HOME: the doctor keeps its probe cache (and scan cache) below it."""
        return self.root / "cache"

    @property
    def bin_dir(self) -> Path:
        """The first PATH entry, with the ``python`` that a bare ``python`` argv finds."""
        return self.root / "bin"

    @property
    def user_site(self) -> Path:
        return self.home / ".local" / "lib" / f"python{PYTHON_MINOR}" / "site-packages"

    @property
    def environments_txt(self) -> Path:
        return self.home / ".conda" / "environments.txt"

    @property
    def env_json(self) -> Path:
        return self.root / "env.json"

    @property
    def env_txt(self) -> Path:
        return self.root / "env.txt"

    @property
    def manifest_json(self) -> Path:
        return self.root / "machine.json"

    @property
    def server_python(self) -> Path:
        return self.conda_root / "bin" / "python"

    def environ(self, jupyter_path: list[Path]) -> dict[str, str]:
        """Return the complete environment (for `env -i`) of a command run on this machine."""
        return {
            "HOME": str(self.home),
            # Only the machine's own dirs, so that no report names a program of the real
            # machine; the doctor runs every interpreter by its absolute path.
            "PATH": f"{self.bin_dir}:{self.conda_root / 'condabin'}",
            "LANG": "C.UTF-8",
            "JUPYTER_PATH": ":".join(str(p) for p in jupyter_path),
            "JUPYTER_DATA_DIR": str(self.user_data_dir),
            "JUPYTER_CONFIG_DIR": str(self.config_dir),
            "JUPYTER_RUNTIME_DIR": str(self.root / "runtime"),
            "XDG_CACHE_HOME": str(self.cache_home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "CONDARC": str(self.home / ".condarc"),
        }


def write_environment_files(layout: Layout, environ: dict[str, str],
                            settings: dict[str, str]) -> None:
    """Write env.json (for the runner) and env.txt (for `env -i $(cat env.txt) ...`).

    NOTE: env.txt is split on whitespace by the shell, so it works only for a root path
    without spaces; env.json has no such limit.
    """
    document = {
        "root": str(layout.root),
        "environ": environ,
        "doctor_settings": settings,
        "config_file": str(layout.config_dir / "jupyter_envdoctor_config.json"),
        "not_inherited": list(LEAKING_VARIABLES),
        # PATH has only the machine's dirs, so the doctor is named by its full path.
        "example": f"env -i $(cat {layout.env_txt}) {Path(sys.executable).parent}/jupyter-envdoctor",
    }
    layout.env_json.write_text(json.dumps(document, indent=2) + "\n")
    layout.env_txt.write_text("".join(f"{key}={value}\n" for key, value in environ.items()))


def load_environment(root: Path) -> dict:
    """Return the env.json document of the machine at ``root``."""
    return json.loads((root / "env.json").read_text())
