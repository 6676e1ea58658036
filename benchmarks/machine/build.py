"""Build the whole synthetic machine: environments, faults, kernel specs and env.json."""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import faults, homefiles
from .catalog import Project, build_catalog, choose_projects
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
from .plan import ENV_FOR, Plan, check_sizes, plan_faults
from .venvs import build_orphaned_venv, build_venv

_TOPICS = ("analysis", "ml", "torch", "blas", "scratch", "geo", "etl", "legacy", "tools", "nlp",
           "viz", "web", "stats", "finance", "bio", "cv", "timeseries", "sim", "docs", "audio")


@dataclass(frozen=True)
class Sizes:
    """The sizes of the machine. The defaults make the benchmark's heavy machine."""

    envs: int = 40
    dists: int = 300
    venvs: int = 10
    venv_dists: int = 60
    kernels: int = 60
    seed: int = 6

    def check(self) -> None:
        """Raise ValueError naming every size below its minimum (see plan.MINIMUM)."""
        problems = check_sizes(self)
        if problems:
            raise ValueError("; ".join(problems))


def build_machine(root: Path, sizes: Sizes, log=print) -> dict:
    """Generate the machine under ``root`` (which must be empty or missing); return its manifest.

    Raises ValueError when a size is below its minimum. Faults that do not fit the sizes
    are left out and listed under ``skipped_faults`` in the manifest.
    """
    plan = plan_faults(sizes)
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
    conda_envs = _build_conda_envs(writer, layout, sizes, plan, catalog, base, python_files, rng)
    log(f"{len(conda_envs)} conda envs after {time.monotonic() - started:.1f} s")
    venvs = _build_venvs(writer, layout, sizes, catalog, base, rng)
    planted = _plant_faults(writer, layout, plan, conda_envs, venvs)

    specs = _kernel_specs(layout, sizes, plan, conda_envs, venvs)
    write_specs(specs)
    path_env = conda_envs[ENV_FOR["python3"]] if len(conda_envs) > ENV_FOR["python3"] else conda_envs[0]
    homefiles.link_path_python(layout, path_env.python)
    homefiles.write_pythonpath_package(writer, layout)
    planted += homefiles.write_conda_files(layout, conda_envs)
    # The notebook folders are written on every machine; their faults count only when a
    # kernel can find them.
    notebook_faults = homefiles.write_projects(writer, layout)
    planted += [fault for name, fault in zip(("notebook_stdlib_name", "notebook_installed_name"),
                                             notebook_faults) if name in plan.planted]
    settings = homefiles.write_doctor_config(layout)
    jupyter_path = [layout.system_data_dir] + [conda_envs[i].prefix / "share" / "jupyter"
                                               for i in plan.jupyter_path_envs]
    write_environment_files(layout, layout.environ(jupyter_path), settings)
    (layout.cache_home).mkdir(exist_ok=True)

    manifest = _manifest(layout, sizes, base.executable, conda_envs, venvs, specs, planted)
    manifest["skipped_faults"] = plan.skipped
    manifest["generate_seconds"] = round(time.monotonic() - started, 1)
    layout.manifest_json.write_text(json.dumps(manifest, indent=2) + "\n")
    if plan.skipped:
        log(f"{len(plan.skipped)} faults do not fit these sizes and were skipped; "
            f"machine.json lists them under skipped_faults")
    log(f"machine written to {layout.root} in {manifest['generate_seconds']} s")
    return manifest


def _env_names(count: int) -> list[str]:
    return [f"{_TOPICS[i % len(_TOPICS)]}-{i:02d}" for i in range(1, count)]


def _build_conda_envs(writer: TreeWriter, layout: Layout, sizes: Sizes, plan: Plan,
                      catalog: list[Project], base, python_files,
                      rng: random.Random) -> list[BuiltEnvironment]:
    names = _env_names(sizes.envs)
    # The last eighth of the envs live in a dir that only ~/.condarc names.
    in_condarc_dir = max(1, len(names) // 8)
    prefixes = [layout.conda_root] + [
        (layout.condarc_envs_dir if i >= len(names) - in_condarc_dir else layout.conda_envs_dir) / name
        for i, name in enumerate(names)]
    environments = []
    for index, (name, prefix) in enumerate(zip(["base", *names], prefixes)):
        projects = _projects_for(index, plan, catalog, sizes.dists, rng)
        environments.append(build_conda_environment(writer, name, prefix, projects, base,
                                                    python_files, layout.conda_root, rng))
    return environments


def _projects_for(index: int, plan: Plan, catalog: list[Project], count: int,
                  rng: random.Random) -> list[Project]:
    projects = choose_projects(catalog, count, rng)
    wants_torch = index == ENV_FOR["torch"] and "cuda_torch_replaced" in plan.planted
    if wants_torch and all(p.name != "torch" for p in projects):
        # Swap the last sampled project, which is beyond the foundation, for torch.
        projects[-1] = next(p for p in catalog if p.name == "torch")
    if index == ENV_FOR["no_ipykernel"] and "no_ipykernel_spec" in plan.planted:
        projects = [p for p in projects if p.name != "ipykernel"]
    return projects


def _build_venvs(writer: TreeWriter, layout: Layout, sizes: Sizes, catalog: list[Project],
                 base, rng: random.Random) -> list[BuiltEnvironment]:
    """Build ``sizes.venvs`` venvs: made by `python -m venv`, then one whose base Python is gone."""
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
    if sizes.venvs > 0:
        gone_home = layout.root / "opt" / "python-3.11.2" / "bin"
        venvs.append(build_orphaned_venv(writer, "orphaned-venv", layout.virtualenvs_dir / "old-venv",
                                         choose_projects(catalog, sizes.venv_dists // 2, rng),
                                         gone_home))
    return venvs


def _plant_faults(writer: TreeWriter, layout: Layout, plan: Plan, conda_envs: list[BuiltEnvironment],
                  venvs: list[BuiltEnvironment]) -> list[faults.Fault]:
    """Plant the package and import path faults of ``plan``, in a fixed order."""
    env = {role: conda_envs[index] for role, index in ENV_FOR.items() if index < len(conda_envs)}
    root = layout.conda_root
    steps = (
        ("pip_over_conda", lambda: faults.pip_over_conda(writer, env["pip_over_conda"])),
        ("cuda_torch_replaced", lambda: faults.cuda_torch_replaced(writer, env["torch"], root)),
        ("mkl_numpy_replaced", lambda: faults.mkl_numpy_replaced(writer, env["mkl"], root)),
        ("activation_scripts", lambda: faults.activation_scripts(writer, env["activation"])),
        ("pip_reinstall_in_place",
         lambda: faults.pip_reinstall_in_place(writer, env["reinstalled"])),
        ("truncated_record", lambda: faults.truncated_record(env["broken_record"])),
        ("editable_source_gone",
         lambda: faults.editable_source_gone(writer, env["broken_record"], layout.root)),
        ("pth_to_other_python", lambda: faults.pth_to_other_python(writer, env["pth"], layout.root)),
        ("stale_metadata_and_leftover", lambda: faults.stale_metadata_and_leftover(writer, venvs[0])),
        ("clashing_and_unmet", lambda: faults.clashing_and_unmet(writer, venvs[1])),
        ("pip_in_base", lambda: faults.pip_in_base(writer, conda_envs[0])),
        ("user_site_copy", lambda: faults.user_site_copy(writer, layout.user_site, conda_envs[0])),
    )
    planted = [plant() for name, plant in steps if name in plan.planted]
    if "deleted_package_files" in plan.planted:
        planted += faults.deleted_package_files(env["reinstalled"])
    return planted


def _kernel_specs(layout: Layout, sizes: Sizes, plan: Plan, conda_envs: list[BuiltEnvironment],
                  venvs: list[BuiltEnvironment]) -> list[KernelSpec]:
    def role(name: str) -> BuiltEnvironment | None:
        index = ENV_FOR[name]
        return conda_envs[index] if index < len(conda_envs) else None

    roles = KernelRoles(
        python3=role("python3"), second_kernel=role("second_kernel"),
        no_ipykernel=role("no_ipykernel"), analysis=(role("analysis"), role("analysis_copy")),
        pythonpath=role("pythonpath"), odd_name=role("odd_name"),
        orphaned_venv=venvs[-1] if venvs else None)
    specs = fault_specs(layout, roles, plan.planted)
    # The base env is the server's, so its own python3 spec is in a kernel dir too. Only
    # envs with ipykernel have that spec.
    share_envs = [conda_envs[0], *(conda_envs[i] for i in plan.jupyter_path_envs)]
    specs += env_share_specs([e for e in share_envs if e.has_project("ipykernel")])
    # Envs that a fault spec runs get no ordinary spec, except the second-kernel env,
    # whose fault is a second spec beside its ordinary one.
    with_fault_spec = (("python3_spec", roles.python3), ("no_ipykernel_spec", roles.no_ipykernel),
                       ("same_display_name_specs", roles.analysis[0]),
                       ("same_display_name_specs", roles.analysis[1]),
                       ("odd_name_spec", roles.odd_name), ("orphaned_venv_spec", roles.orphaned_venv))
    taken = {env.prefix for name, env in with_fault_spec if name in plan.planted}
    ordinary = [e for e in conda_envs[1:] + venvs if e.prefix not in taken] or [conda_envs[0]]
    count = sizes.kernels - len(specs)
    if count < len(ordinary):
        # Too few specs for every env: the envs whose planted faults need a kernel go first.
        needed = {_kernel_env(key, conda_envs, venvs).prefix for key in plan.kernel_envs}
        ordinary.sort(key=lambda e: e.prefix not in needed)
    return specs + regular_specs(layout, ordinary, count)


def _kernel_env(key: str, conda_envs: list[BuiltEnvironment],
                venvs: list[BuiltEnvironment]) -> BuiltEnvironment:
    """Return the env that a Plan.kernel_envs entry (a conda role, venv0 or venv1) names."""
    if key.startswith("venv"):
        return venvs[int(key.removeprefix("venv"))]
    return conda_envs[ENV_FOR[key]]


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
