"""The environments the generator built, as the faults, kernels and manifest see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .catalog import Project
from .condarecords import CondaPackage


@dataclass
class BuiltEnvironment:
    """A built environment (conda or venv) and what the faults and kernels need to know."""

    name: str
    prefix: Path
    projects: list[Project]
    packages: dict[str, CondaPackage] = field(default_factory=dict)
    kind: str = "conda"

    @property
    def python(self) -> Path:
        return self.prefix / "bin" / "python"

    @property
    def site_packages(self) -> Path:
        return self.prefix / "lib" / "python3.11" / "site-packages"

    @property
    def conda_meta(self) -> Path:
        return self.prefix / "conda-meta"

    def record_path(self, conda_name: str) -> Path:
        package = self.packages[conda_name]
        return self.conda_meta / f"{package.dist_name}.json"

    def has_project(self, name: str) -> bool:
        return any(project.name == name for project in self.projects)

    def project(self, name: str) -> Project:
        """Return the installed project called ``name``; raise KeyError when it is not there."""
        for project in self.projects:
            if project.name == name:
                return project
        raise KeyError(f"{name} is not installed in {self.prefix}")
