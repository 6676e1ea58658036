"""Diagnose and repair what Jupyter kernels really run."""

from __future__ import annotations

from typing import Any

from ._version import __version__

__all__ = ["__version__", "load_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Register the `%envdoctor` magic: run `%load_ext jupyter_envdoctor` in IPython."""
    # Imported here so that importing the package does not import IPython.
    from .magic import load_ipython_extension as load

    load(ipython)


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """Name the server extension app, which jupyter_server loads for `jupyter_envdoctor`."""
    # Imported here so that importing the package does not import tornado or jupyter_server.
    from .serverext.app import EnvDoctorExtension

    return [{"module": "jupyter_envdoctor.serverext.app", "app": EnvDoctorExtension}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Name the built JupyterLab extension, for `jupyter labextension develop`."""
    return [{"src": "labextension", "dest": "jupyter-envdoctor"}]
