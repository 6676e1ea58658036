"""The kernel specs of the machine: one per environment, plus the usual broken ones.

Specs are spread over the user kernel dir, the system-level dir and the share/jupyter of
the environments on JUPYTER_PATH (whose own ipykernel ``python3`` spec counts too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .environment import BuiltEnvironment
from .layout import Layout

LAUNCH = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]


@dataclass(frozen=True)
class KernelSpec:
    """One kernel dir to write: its kernel.json as data, or as raw text when it is broken."""

    folder: Path
    spec: dict | None = None
    text: str | None = None
    fault: str | None = None
    codes: tuple[str, ...] = ()

    def write(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        text = self.text if self.text is not None else json.dumps(self.spec, indent=1) + "\n"
        (self.folder / "kernel.json").write_text(text)


def _spec(python: Path | str, display_name: str, env: dict[str, str] | None = None) -> dict:
    spec = {"argv": [str(python), *LAUNCH], "display_name": display_name, "language": "python",
            "metadata": {"debugger": True}}
    if env:
        spec["env"] = env
    return spec


@dataclass(frozen=True)
class KernelRoles:
    """The environments that the fault specs run; None where the machine has too few envs."""

    python3: BuiltEnvironment | None
    second_kernel: BuiltEnvironment | None
    no_ipykernel: BuiltEnvironment | None
    analysis: tuple[BuiltEnvironment | None, BuiltEnvironment | None]
    pythonpath: BuiltEnvironment | None
    odd_name: BuiltEnvironment | None
    orphaned_venv: BuiltEnvironment | None


def fault_specs(layout: Layout, roles: KernelRoles, planted: frozenset[str]) -> list[KernelSpec]:
    """Return the specs of the planted kernel faults, all but one in the user kernel dir.

    ``planted`` has the fault names that plan.plan_faults chose; a spec whose name is not
    in it is left out, and so is its environment role, which may then be None.
    """
    user = layout.user_kernels
    builders = (
        ("python3_spec", lambda: [
            KernelSpec(user / "python3", _spec(roles.python3.python, "Python 3 (ipykernel)"),
                       fault="python3 in the user dir and on JUPYTER_PATH: all but one hidden",
                       codes=("K105",))]),
        ("deleted_env_spec", lambda: [
            KernelSpec(user / "old-project",
                       _spec(layout.conda_envs_dir / "old-project" / "bin" / "python",
                             "Python 3 (old-project)"),
                       fault="runs a conda env that was deleted", codes=("K101",))]),
        ("invalid_json_spec", lambda: [
            KernelSpec(user / "broken-json",
                       text='{\n "argv": ["python", "-m", "ipykernel_launcher",],\n "display_name": "Broken"\n}\n',
                       fault="kernel.json is not valid JSON", codes=("K100",))]),
        ("same_display_name_specs", lambda: [
            KernelSpec(user / "analysis", _spec(roles.analysis[0].python, "Python 3 (analysis)"),
                       fault="same display name as analysis-copy, another env"),
            KernelSpec(layout.system_data_dir / "kernels" / "analysis-copy",
                       _spec(roles.analysis[1].python, "Python 3 (analysis)"),
                       fault="same display name as analysis, another env")]),
        ("bare_python_spec", lambda: [
            KernelSpec(user / "bare-python", _spec("python", "Python (PATH)"),
                       fault="argv[0] is a bare python", codes=("K102",))]),
        ("no_ipykernel_spec", lambda: [
            KernelSpec(user / "no-ipykernel", _spec(roles.no_ipykernel.python, "Python 3 (scratch)"),
                       fault="the env has no ipykernel", codes=("K103",))]),
        ("pythonpath_spec", lambda: [
            KernelSpec(user / "pythonpath-leak",
                       _spec(roles.pythonpath.python, "Python 3 (tools)",
                             {"PYTHONPATH": str(layout.root / "shared" / "mytools")}),
                       fault="PYTHONPATH names a package dir", codes=("K110", "I401"))]),
        ("second_kernel_spec", lambda: [
            KernelSpec(user / f"{roles.second_kernel.name}-gpu",
                       _spec(roles.second_kernel.python, f"Python 3 ({roles.second_kernel.name}, GPU)"),
                       fault="a second kernel of one env", codes=("K106",))]),
        ("orphaned_venv_spec", lambda: [
            KernelSpec(user / "orphaned-venv", _spec(roles.orphaned_venv.python, "Python 3 (old venv)"),
                       fault="the venv's base Python was uninstalled", codes=("K101", "E203"))]),
        ("odd_name_spec", lambda: [
            KernelSpec(user / "ML kernel (gpu)", _spec(roles.odd_name.python, "ML kernel (gpu)"),
                       fault="kernel dir name with spaces and brackets", codes=("K112",))]),
        ("conda_run_gone_spec", lambda: [
            KernelSpec(user / "conda-run-gone",
                       {"argv": [str(layout.conda_root / "bin" / "conda"), "run", "-n", "gone-env",
                                 "python", *LAUNCH],
                        "display_name": "Python 3 (gone-env)", "language": "python"},
                       fault="conda run names an env that is gone", codes=("K109",))]),
    )
    return [spec for name, build in builders if name in planted for spec in build()]


def env_share_specs(environments: list[BuiltEnvironment]) -> list[KernelSpec]:
    """Return the python3 specs that ipykernel's package put into each env's share/jupyter."""
    # These files exist already (ipykernel's record lists them); they only need counting.
    return [KernelSpec(env.prefix / "share" / "jupyter" / "kernels" / "python3",
                       fault="ipykernel's own spec in an env dir on JUPYTER_PATH")
            for env in environments]


def regular_specs(layout: Layout, environments: list[BuiltEnvironment], count: int) -> list[KernelSpec]:
    """Return ``count`` ordinary specs, one per env in order, two in the user dir per system one.

    When there are more specs than environments, the first environments get a second spec
    (``NAME-2``), as when a user registers an env again under another name.
    """
    specs = []
    for index in range(count):
        env = environments[index % len(environments)]
        round_number = index // len(environments)
        name = env.name if round_number == 0 else f"{env.name}-{round_number + 1}"
        kernels_dir = layout.system_data_dir / "kernels" if index % 3 == 2 else layout.user_kernels
        specs.append(KernelSpec(kernels_dir / name, _spec(env.python, f"Python 3.11 ({name})")))
    return specs


def write_specs(specs: list[KernelSpec]) -> None:
    for spec in specs:
        if spec.spec is not None or spec.text is not None:
            spec.write()
