"""Choose the faults that fit a machine of the given sizes, before anything is written.

Every fault needs something: a conda env of its own, a venv, a foundation project that a
small --dists leaves out, or kernel specs. The doctor reads the packages of an env only
when a visible kernel runs it, so a package fault also costs one ordinary spec for its env.
Faults are taken in the order of ``_CANDIDATES`` while their needs fit; the rest are listed
as skipped in ROOT/machine.json.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import FOUNDATION_SIZE, foundation_count

# Conda envs that faults or fault specs use, by index; index 0 is the base env.
ENV_FOR = {"python3": 1, "second_kernel": 2, "pip_over_conda": 3, "torch": 4, "mkl": 5,
           "no_ipykernel": 6, "activation": 7, "reinstalled": 8, "broken_record": 9, "pth": 10,
           "analysis": 11, "analysis_copy": 12, "pythonpath": 13, "odd_name": 14}
# The max number of envs whose share/jupyter is on JUPYTER_PATH, counted from the end of the conda envs.
JUPYTER_PATH_ENVS = 3
# The smallest sizes the generator accepts. Faults that need more are skipped, not rejected.
MINIMUM = {"envs": 1, "dists": 1, "venvs": 0, "venv_dists": 0, "kernels": 1}


@dataclass(frozen=True)
class Candidate:
    """One fault, or a group planted together, and what it needs to be planted and found.

    ``specs`` counts the fault's own kernel specs. ``kernel_envs`` names the envs (conda
    roles, or ``venv0`` and ``venv1``) that need an ordinary spec so that the doctor reads
    their packages. ``base_kernel`` faults are found only through a kernel that runs the
    base env, such as ipykernel's own python3 spec or the bare-python spec.
    """

    name: str
    roles: tuple[str, ...] = ()
    venvs: int = 0
    conda_projects: tuple[str, ...] = ()
    venv_projects: tuple[str, ...] = ()
    specs: int = 0
    kernel_envs: tuple[str, ...] = ()
    base_kernel: bool = False
    needs_share_spec: bool = False
    needs_optional_projects: bool = False


# In order of priority: faults that need no spec or no env of their own come first, so a
# small machine keeps as many finding codes as its sizes allow.
_CANDIDATES = (
    Candidate("stale_environments_txt"),
    Candidate("bare_python_spec", specs=1),
    Candidate("notebook_stdlib_name", base_kernel=True),
    Candidate("notebook_installed_name", conda_projects=("requests",), base_kernel=True),
    Candidate("user_site_copy", conda_projects=("requests",), base_kernel=True),
    Candidate("pip_in_base", base_kernel=True),
    Candidate("python3_spec", roles=("python3",), specs=1, needs_share_spec=True),
    Candidate("deleted_env_spec", specs=1),
    Candidate("invalid_json_spec", specs=1),
    Candidate("conda_run_gone_spec", specs=1),
    Candidate("no_ipykernel_spec", roles=("no_ipykernel",), specs=1),
    Candidate("pythonpath_spec", roles=("pythonpath",), specs=1),
    Candidate("odd_name_spec", roles=("odd_name",), specs=1),
    Candidate("orphaned_venv_spec", venvs=1, specs=1),
    Candidate("second_kernel_spec", roles=("second_kernel",), specs=1,
              kernel_envs=("second_kernel",)),
    Candidate("pip_over_conda", roles=("pip_over_conda",), conda_projects=("numpy",),
              kernel_envs=("pip_over_conda",)),
    Candidate("cuda_torch_replaced", roles=("torch",), kernel_envs=("torch",),
              needs_optional_projects=True),
    Candidate("mkl_numpy_replaced", roles=("mkl",), conda_projects=("numpy",),
              kernel_envs=("mkl",)),
    Candidate("activation_scripts", roles=("activation",), kernel_envs=("activation",)),
    Candidate("pip_reinstall_in_place", roles=("reinstalled",), conda_projects=("requests",),
              kernel_envs=("reinstalled",)),
    Candidate("deleted_package_files", roles=("reinstalled",), conda_projects=("tornado",),
              kernel_envs=("reinstalled",)),
    Candidate("truncated_record", roles=("broken_record",), conda_projects=("certifi",),
              kernel_envs=("broken_record",)),
    Candidate("editable_source_gone", roles=("broken_record",), kernel_envs=("broken_record",)),
    Candidate("pth_to_other_python", roles=("pth",), kernel_envs=("pth",)),
    Candidate("stale_metadata_and_leftover", venvs=2, venv_projects=("requests",),
              kernel_envs=("venv0",)),
    Candidate("clashing_and_unmet", venvs=3, venv_projects=("numpy", "six"),
              kernel_envs=("venv1",)),
    Candidate("same_display_name_specs", roles=("analysis", "analysis_copy"), specs=2),
)


@dataclass(frozen=True)
class Plan:
    """The faults the generator plants into a machine of one set of sizes."""

    planted: frozenset[str]
    skipped: dict[str, str]
    jupyter_path_envs: tuple[int, ...]
    share_specs: int
    fault_specs: int
    kernel_envs: tuple[str, ...]


def check_sizes(sizes) -> list[str]:
    """Return one message per size below its minimum; empty when all sizes are valid."""
    return [f"--{name.replace('_', '-')} must be at least {minimum}, not {getattr(sizes, name)}"
            for name, minimum in MINIMUM.items() if getattr(sizes, name) < minimum]


def plan_faults(sizes) -> Plan:
    """Return the faults that fit ``sizes``; raise ValueError when a size is below its minimum."""
    problems = check_sizes(sizes)
    if problems:
        raise ValueError("; ".join(problems))
    # ipykernel's python3 spec comes with every env that has ipykernel, so the base env's
    # spec is always in a kernel dir, and each env on JUPYTER_PATH costs one spec more.
    has_ipykernel = sizes.dists >= foundation_count("ipykernel")
    share_specs = 1 if has_ipykernel else 0
    budget = sizes.kernels - share_specs
    planted: list[str] = []
    skipped: dict[str, str] = {}
    kernel_envs: list[str] = []
    fault_specs = 0
    for candidate in _CANDIDATES:
        reason = _missing_need(candidate, sizes, share_specs, planted)
        new_envs = [e for e in candidate.kernel_envs if e not in kernel_envs]
        cost = candidate.specs + len(new_envs)
        if reason is None and cost > budget:
            reason = (f"needs {cost} kernel specs of its own, {budget} were left of "
                      f"--kernels {sizes.kernels}")
        if reason is not None:
            skipped[candidate.name] = reason
            continue
        planted.append(candidate.name)
        kernel_envs += new_envs
        fault_specs += candidate.specs
        budget -= cost

    # The envs on JUPYTER_PATH get the specs that the faults left. The env without
    # ipykernel is never put there.
    eligible = [i for i in range(sizes.envs - 1, 0, -1) if i != ENV_FOR["no_ipykernel"]]
    count = min(JUPYTER_PATH_ENVS, len(eligible), budget if has_ipykernel else JUPYTER_PATH_ENVS)
    jupyter_path_envs = tuple(sorted(eligible[:count]))
    if has_ipykernel:
        share_specs += count
    return Plan(frozenset(planted), skipped, jupyter_path_envs, share_specs, fault_specs,
                tuple(kernel_envs))


def _missing_need(candidate: Candidate, sizes, share_specs: int, planted: list[str]) -> str | None:
    """Return why ``candidate`` does not fit, or None when it does (kernel specs aside)."""
    for role in candidate.roles:
        if ENV_FOR[role] >= sizes.envs:
            return f"needs --envs {ENV_FOR[role] + 1} or more"
    if sizes.venvs < candidate.venvs:
        return f"needs --venvs {candidate.venvs} or more"
    for project in candidate.conda_projects:
        if sizes.dists < foundation_count(project):
            return f"needs {project} in conda envs: --dists {foundation_count(project)} or more"
    for project in candidate.venv_projects:
        if sizes.venv_dists < foundation_count(project):
            return f"needs {project} in venvs: --venv-dists {foundation_count(project)} or more"
    if candidate.needs_optional_projects and sizes.dists <= FOUNDATION_SIZE:
        # The torch fault swaps torch in for a sampled project beyond the foundation.
        return f"needs --dists {FOUNDATION_SIZE + 1} or more"
    if candidate.needs_share_spec and share_specs == 0:
        return f"needs ipykernel's own python3 spec: --dists {foundation_count('ipykernel')} or more"
    if candidate.base_kernel and share_specs == 0 and "bare_python_spec" not in planted:
        return "needs a kernel that runs the base env"
    return None
