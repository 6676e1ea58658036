"""Build the whole synthetic machine: environments, faults, kernel specs and env.json."""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import faults, homefiles
from .catalog import FOUNDATION_SIZE, Project, build_catalog, choose_projects
from .condaenv import build_conda_environment
from .environment import BuiltEnvironment
from .files import TreeWriter
from .interpreter import find_base_interpreter, python_package_files
from .kernels import (
    KernelRoles,
    KernelSpec,
    env_share_specs,
    fault_specs,
    regular_specs,
    write_specs,
)
from .layout import Layout, write_environment_files
from .venvs import build_orphaned_venv, build_venv

_TOPICS = ("analysis", "ml", "torch", "blas", "scratch", "geo", "etl", "legacy", "tools", "nlp",
           "viz", "web", "stats", "finance", "bio", "cv", "timeseries", "sim", "docs", "audio")
# Conda envs that faults or fault specs use, by index; index 0 is the base env.
ENV_FOR = {"python3": 1, "second_kernel": 2, "pip_over_conda": 3, "torch": 4, "mkl": 5,
           "no_ipykernel": 6, "activation": 7, "reinstalled": 8, "broken_record": 9, "pth": 10,
           "analysis": 11, "analysis_copy": 12, "pythonpath": 13, "odd_name": 14}
# Envs whose share/jupyter is on JUPYTER_PATH, counted from the end of the conda envs.
JUPYTER_PATH_ENVS = 3
MINIMUM = {"envs": max(ENV_FOR.values()) + 1 + JUPYTER_PATH_ENVS, "venvs": 3,
           "dists": FOUNDATION_SIZE + 10}


@dataclass(frozen=True)
class Sizes:
    """How big the machine is; the defaults are the benchmark's heavy machine."""

    envs: int = 40
    dists: int = 300
    venvs: int = 10
    venv_dists: int = 60
    kernels: int = 60
    seed: int = 6

    def check(self) -> None:
        """Raise ValueError naming the first size below what the planted faults need."""
        for name, minimum in MINIMUM.items():
            if getattr(self, name) < minimum:
                raise ValueError(f"--{name} must be at least {minimum}, not {getattr(self, name)}")
        fixed = 12 + 1 + JUPYTER_PATH_ENVS
        if self.kernels < fixed:
            raise ValueError(f"--kernels must be at least {fixed} (the fault specs), not {self.kernels}")


def build_machine(root: Path, sizes: Sizes, log=print) -> dict:
    """Generate the machine under ``root`` (which must be empty or missing); return its manifest."""
    sizes.check()
    started = time.monotonic()
    layout = Layout(root.absolute())
    layout.root.mkdir(parents=True, exist_ok=True)
    writer = TreeWriter()
    rng = random.Random(sizes.seed)
    base = find_base_interpreter()
    python_files = python_package_files(base)
    log(f"base interpreter {base.executable} ({base.version}); python record lists "
        f"{len(python_files)} files")

    catalog = build_catalog(sizes.dists + sizes.dists // 2, sizes.seed)
    conda_envs = _build_conda_envs(writer, layout, sizes, catalog, base, python_files, rng)
    log(f"{len(conda_envs)} conda envs after {time.monotonic() - started:.1f} s")
    venvs = _build_venvs(writer, layout, sizes, catalog, base, rng)
    planted = _plant_faults(writer, layout, conda_envs, venvs)

    specs = _kernel_specs(layout, sizes, conda_envs, venvs)
    write_specs(specs)
    homefiles.link_path_python(layout, conda_envs[ENV_FOR["python3"]].python)
    homefiles.write_pythonpath_package(writer, layout)
    planted += homefiles.write_conda_files(layout, conda_envs)
    planted += homefiles.write_projects(writer, layout)
    settings = homefiles.write_doctor_config(layout)
    jupyter_path = [layout.system_data_dir] + [e.prefix / "share" / "jupyter"
                                               for e in conda_envs[-JUPYTER_PATH_ENVS:]]
    write_environment_files(layout, layout.environ(jupyter_path), settings)
    (layout.cache_home).mkdir(exist_ok=True)

    manifest = _manifest(layout, sizes, base.executable, conda_envs, venvs, specs, planted)
    manifest["generate_seconds"] = round(time.monotonic() - started, 1)
    layout.manifest_json.write_text(json.dumps(manifest, indent=2) + "\n")
    log(f"machine written to {layout.root} in {manifest['generate_seconds']} s")
    return manifest


def _env_names(count: int) -> list[str]:
    return [f"{_TOPICS[i % len(_TOPICS)]}-{i:02d}" for i in range(1, count)]


def _build_conda_envs(writer: TreeWriter, layout: Layout, sizes: Sizes, catalog: list[Project],
                      base, python_files, rng: random.Random) -> list[BuiltEnvironment]:
    names = _env_names(sizes.envs)
    # The last eighth of the envs live in a dir that only ~/.condarc names.
    in_condarc_dir = max(1, len(names) // 8)
    prefixes = [layout.conda_root] + [
        (layout.condarc_envs_dir if i >= len(names) - in_condarc_dir else layout.conda_envs_dir) / name
        for i, name in enumerate(names)]
    environments = []
    for index, (name, prefix) in enumerate(zip(["base", *names], prefixes)):
        projects = _projects_for(index, catalog, sizes.dists, rng)
        environments.append(build_conda_environment(writer, name, prefix, projects, base,
                                                    python_files, layout.conda_root, rng))
    return environments


def _projects_for(index: int, catalog: list[Project], count: int, rng: random.Random) -> list[Project]:
    projects = choose_projects(catalog, count, rng)
    required = {ENV_FOR["torch"]: "torch"}.get(index)
    if required and all(p.name != required for p in projects):
        # Swap the last sampled project for the one the fault needs.
        projects[-1] = next(p for p in catalog if p.name == required)
    if index == ENV_FOR["no_ipykernel"]:
        projects = [p for p in projects if p.name != "ipykernel"]
    return projects


def _build_venvs(writer: TreeWriter, layout: Layout, sizes: Sizes, catalog: list[Project],
                 base, rng: random.Random) -> list[BuiltEnvironment]:
    venvs = []
    for index in range(sizes.venvs - 1):
        name = f"{_TOPICS[-1 - index % len(_TOPICS)]}-venv{index:02d}"
        # Two venvs are project .venv dirs below the server's root dir; the rest are
        # virtualenvwrapper's.
        if index in (1, 2):
            prefix = layout.projects_dir / ("forecast" if index == 1 else "webscrape") / ".venv"
        else:
            prefix = layout.virtualenvs_dir / name
        installer = "uv" if index % 4 == 3 else "pip"
        projects = choose_projects(catalog, sizes.venv_dists, rng)
        venvs.append(build_venv(writer, name, prefix, projects, base, installer))
    gone_home = layout.root / "opt" / "python-3.11.2" / "bin"
    venvs.append(build_orphaned_venv(writer, "orphaned-venv", layout.virtualenvs_dir / "old-venv",
                                     choose_projects(catalog, sizes.venv_dists // 2, rng), gone_home))
    return venvs


def _plant_faults(writer: TreeWriter, layout: Layout, conda_envs: list[BuiltEnvironment],
                  venvs: list[BuiltEnvironment]) -> list[faults.Fault]:
    env = {role: conda_envs[index] for role, index in ENV_FOR.items()}
    root = layout.conda_root
    planted = [
        faults.pip_over_conda(writer, env["pip_over_conda"]),
        faults.cuda_torch_replaced(writer, env["torch"], root),
        faults.mkl_numpy_replaced(writer, env["mkl"], root),
        faults.activation_scripts(writer, env["activation"]),
        faults.pip_reinstall_in_place(writer, env["reinstalled"]),
        faults.truncated_record(env["broken_record"]),
        faults.editable_source_gone(writer, env["broken_record"], layout.root),
        faults.pth_to_other_python(writer, env["pth"], layout.root),
        faults.stale_metadata_and_leftover(writer, venvs[0]),
        faults.clashing_and_unmet(writer, venvs[1]),
        faults.pip_in_base(writer, conda_envs[0]),
        faults.user_site_copy(writer, layout.user_site, conda_envs[0]),
    ]
    return planted + faults.deleted_package_files(env["reinstalled"])


def _kernel_specs(layout: Layout, sizes: Sizes, conda_envs: list[BuiltEnvironment],
                  venvs: list[BuiltEnvironment]) -> list[KernelSpec]:
    roles = KernelRoles(
        python3=conda_envs[ENV_FOR["python3"]], second_kernel=conda_envs[ENV_FOR["second_kernel"]],
        no_ipykernel=conda_envs[ENV_FOR["no_ipykernel"]],
        analysis=(conda_envs[ENV_FOR["analysis"]], conda_envs[ENV_FOR["analysis_copy"]]),
        pythonpath=conda_envs[ENV_FOR["pythonpath"]], odd_name=conda_envs[ENV_FOR["odd_name"]],
        orphaned_venv=venvs[-1])
    specs = fault_specs(layout, roles)
    # The base env is the server's, so its own python3 spec is in a kernel dir too.
    specs += env_share_specs([conda_envs[0], *conda_envs[-JUPYTER_PATH_ENVS:]])
    taken = {roles.python3.prefix, roles.no_ipykernel.prefix, roles.analysis[0].prefix,
             roles.analysis[1].prefix, roles.odd_name.prefix, roles.orphaned_venv.prefix}
    ordinary = [e for e in conda_envs[1:] + venvs if e.prefix not in taken]
    return specs + regular_specs(layout, ordinary, sizes.kernels - len(specs))


def _manifest(layout: Layout, sizes: Sizes, base_python: Path, conda_envs, venvs, specs,
              planted) -> dict:
    def describe(env: BuiltEnvironment) -> dict:
        return {"name": env.name, "kind": env.kind, "prefix": str(env.prefix),
                "projects": len(env.projects)}

    return {
        "root": str(layout.root),
        "sizes": asdict(sizes),
        "base_python": str(base_python),
        "server_python": str(layout.server_python),
        "environments": [describe(e) for e in conda_envs + venvs],
        "kernels": [{"dir": str(s.folder), "fault": s.fault, "codes": list(s.codes)} for s in specs],
        "faults": [asdict(f) for f in planted],
    }
