"""Diagnose and repair what Jupyter kernels really run."""

from ._version import __version__

__all__ = ["__version__"]
