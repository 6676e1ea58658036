"""A synthetic heavy Jupyter machine for the benchmark: conda envs, venvs, kernel specs."""

from .build import Sizes, build_machine
from .layout import Layout, load_environment

__all__ = ["Layout", "Sizes", "build_machine", "load_environment"]
