"""Environments for the environment.yml tests: a rattler-built conda env with numpy, a CPU
build of pytorch, the real pip, and wheels that pip installs from a local folder.

Each test gets its own builder, because pip changes files inside the env and rattler
hard-links env files to its package cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conda_envs import CondaEnv, CondaEnvBuilder, Dist, Package
from conda_pip import build_wheel, pip_package, run_pip

from jupyter_envdoctor.checks.envfiles import compare_file
from jupyter_envdoctor.checks.packageview import PackageView
from jupyter_envdoctor.discovery.environments import find_environments
from jupyter_envdoctor.discovery.packages import read_environment_packages
from jupyter_envdoctor.discovery.server import server_info
from jupyter_envdoctor.envfile.reader import read_environment_file
from jupyter_envdoctor.model import Environment, EnvironmentFileUse, Finding

NUMPY = Package("numpy", "1.26.4", "py311_mkl_0", depends=("python",),
                dists=(Dist("numpy", "1.26.4"),))
PYTORCH_CPU = Package("pytorch", "2.1.0", "py3.11_cpu_0", depends=("python",),
                      dists=(Dist("torch", "2.1.0"),))


@dataclass
class SciEnv:
    """A conda env and the folder of wheels that pip installs into it."""

    env: CondaEnv
    wheels: Path
    channel_url: str

    def add_wheel(self, name: str, version: str, requires: tuple[str, ...] = ()) -> None:
        """Build a wheel into the folder that pip installs from."""
        build_wheel(self.wheels, name, version, {f"{name}/__init__.py": ""}, requires)

    def pip_install(self, name: str, version: str, requires: tuple[str, ...] = ()) -> None:
        """Build a wheel and let the env's pip install it, with its requirements, by name."""
        self.add_wheel(name, version, requires)
        run_pip(self.env.python, "install", "--no-index", "--find-links", str(self.wheels),
                f"{name}=={version}")


def sci_env(builder: CondaEnvBuilder, prefix: Path) -> SciEnv:
    """Create the conda env "sci": python 3.11, numpy, pytorch (CPU build) and pip."""
    env = builder.create(prefix, "3.11", [NUMPY, PYTORCH_CPU, pip_package()])
    return SciEnv(env, prefix.parent / "wheels", builder.channel_url)


def environment_at(prefix: Path) -> Environment:
    """Return the Environment that discovery finds at ``prefix``."""
    server = server_info(None, {})
    environments, _, _ = find_environments(server, [], [str(prefix)], None, {})
    (env,) = [e for e in environments if e.prefix == str(prefix)]
    return env


def compare(path: Path, prefix: Path) -> list[Finding]:
    """Check the environment file at ``path`` against the environment at ``prefix``."""
    env = environment_at(prefix)
    view = PackageView(env, read_environment_packages(env, [], deep=False))
    use = EnvironmentFileUse(read_environment_file(str(path)), env.id, [], "command line")
    return compare_file(use, view)


def finding_codes(findings: list[Finding]) -> list[str]:
    return sorted(f.code for f in findings)
