"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from conda_envs import CondaEnvBuilder
from jupyter_setup import JupyterHome, install_fake_home


@pytest.fixture(scope="session")
def conda_builder(tmp_path_factory: pytest.TempPathFactory) -> CondaEnvBuilder:
    """Return one builder per test session, so each package archive is built once."""
    workdir: Path = tmp_path_factory.mktemp("conda-builder")
    return CondaEnvBuilder(workdir)


@pytest.fixture(scope="session")
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a uv cache shared by the session, so ipykernel is downloaded once per run."""
    return tmp_path_factory.mktemp("uv-cache")


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, uv_cache: Path) -> JupyterHome:
    """Return a fake machine: HOME, kernel dirs and PATH under tmp_path."""
    return install_fake_home(monkeypatch, tmp_path, uv_cache)
