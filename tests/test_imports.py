"""Import paths of real kernels: user site, PYTHONPATH, .pth files and the notebook folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conda_envs import (
    CondaEnvBuilder,
    Dist,
    Package,
    find_python,
    ipykernel_package,
    pip_install_like,
)
from jupyter_setup import JupyterHome, codes, doctor, only

from jupyter_envdoctor.checks.notebookfiles import notebook_folder_findings
from jupyter_envdoctor.discovery.importpaths import find_module_in, interpreter_flags
from jupyter_envdoctor.discovery.interpreters import ProbeRequest, probe_interpreters
from jupyter_envdoctor.discovery.launchers import classify_argv
from jupyter_envdoctor.discovery.notebookdirs import notebook_folders
from jupyter_envdoctor.fixes import apply_fixes, plan_all, select_fixes, undo_last
from jupyter_envdoctor.model import Finding, Kernel
from jupyter_envdoctor.why import explain

LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
CLI = str(Path(sys.executable).with_name("jupyter-envdoctor"))


def import_codes(findings: list[Finding]) -> list[str]:
    return codes([f for f in findings if f.code.startswith("I")])


def apply_spec_fix(finding: Finding) -> None:
    planned, skipped = plan_all(select_fixes([finding]))
    assert skipped == []
    assert [p.fix.action for p in planned] == ["set-spec-env"]
    apply_fixes(planned)


def run_command_fix(finding: Finding) -> None:
    (fix,) = [f for f in finding.fixes if f.action == "command"]
    assert fix.command is not None
    subprocess.run(fix.command, shell=True, check=True)


def kernel_named(snapshot_kernels: list[Kernel], name: str) -> Kernel:
    (kernel,) = [k for k in snapshot_kernels if k.name == name and k.visible]
    return kernel


def numpy_package(version: str, build: str) -> Package:
    return Package("numpy", version, build, dists=(Dist("numpy", version),))


# --- the user site shadows a conda env's package ---------------------------------------------


def test_user_site_numpy_shadows_conda_numpy(machine: JupyterHome,
                                             conda_builder: CondaEnvBuilder) -> None:
    proj = conda_builder.create(machine.root / "envs" / "proj", python="3.8", ipykernel=True,
                                packages=[numpy_package("1.24.4", "py38_0")])
    user_site = machine.home / ".local" / "lib" / "python3.8" / "site-packages"
    pip_install_like(user_site, Dist("numpy", "1.19.5"))
    spec_dir = machine.write_kernel(machine.user_kernels, "proj", [str(proj.python), *LAUNCHER])
    before = spec_dir.joinpath("kernel.json").read_bytes()

    snapshot, findings = doctor(machine)

    kernel = kernel_named(snapshot.kernels, "proj")
    assert [(e.kind, e.path) for e in kernel.import_path if e.kind in ("cwd", "user", "env")] == [
        ("cwd", ""), ("user", str(user_site)), ("env", str(proj.site_packages))]
    finding = only(findings, "I400", "proj")
    assert finding.severity == "warning"
    assert finding.title == (f"In kernel 'proj', numpy resolves to 1.19.5 from {user_site} "
                             f"ahead of the env's 1.24.4 in {proj.site_packages}")
    assert finding.evidence["modules"] == ["numpy"]
    assert finding.evidence["user_distribution"]["version"] == "1.19.5"
    assert finding.evidence["user_distribution"]["installer"] == "pip"
    assert finding.evidence["env_distribution"]["version"] == "1.24.4"
    assert finding.evidence["env_distribution"]["installer"] == "conda"
    assert finding.evidence["env_distribution"]["conda_record"] == str(
        proj.conda_meta / "numpy-1.24.4-py38_0.json")
    assert finding.evidence["user_paths"] == [str(user_site / "numpy")]
    assert finding.evidence["env_paths"] == [str(proj.site_packages / "numpy")]
    assert finding.evidence["PYTHONNOUSERSITE"] is None
    assert [f.action for f in finding.fixes] == ["set-spec-env", "command"]
    assert finding.fixes[0].params["env"] == {"PYTHONNOUSERSITE": "1"}
    # The env has no pip, so the user copy is removed file by file.
    assert finding.fixes[1].command == (
        f"rm -r {user_site / 'numpy-1.19.5.dist-info'} {user_site / 'numpy'}")
    assert codes([f for f in findings if f.severity != "info"]) == ["I400", "K107"]

    apply_spec_fix(finding)
    assert json.loads(spec_dir.joinpath("kernel.json").read_text())["env"] == {
        "PYTHONNOUSERSITE": "1"}
    snapshot, after = doctor(machine)
    assert import_codes(after) == []
    fixed = explain(snapshot, kernel_named(snapshot.kernels, "proj"), "numpy", str(machine.root))
    assert fixed.winner is not None
    assert fixed.winner.path == str(proj.site_packages / "numpy")

    undo_last()
    assert spec_dir.joinpath("kernel.json").read_bytes() == before

    run_command_fix(finding)
    assert sorted(p.name for p in user_site.iterdir()) == []
    _, after_removal = doctor(machine)
    assert import_codes(after_removal) == []


def test_why_cli_explains_user_site_copy(machine: JupyterHome,
                                         conda_builder: CondaEnvBuilder) -> None:
    proj = conda_builder.create(machine.root / "envs" / "proj", python="3.8", ipykernel=True,
                                packages=[numpy_package("1.24.4", "py38_0")])
    user_site = machine.home / ".local" / "lib" / "python3.8" / "site-packages"
    pip_install_like(user_site, Dist("numpy", "1.19.5"))
    machine.write_kernel(machine.user_kernels, "proj", [str(proj.python), *LAUNCHER])
    work = machine.root / "work"
    work.mkdir()
    environ = dict(os.environ)
    version = proj.run_python("import platform; print(platform.python_version())").strip()

    text = subprocess.run([CLI, "why", "numpy", "--kernel=proj", f"--cwd={work}", "--no-cache"],
                          capture_output=True, text=True, env=environ, timeout=120, check=False)
    as_json = subprocess.run(
        [CLI, "why", "numpy", "--kernel=proj", f"--cwd={work}", "--no-cache", "--json"],
        capture_output=True, text=True, env=environ, timeout=120, check=False)

    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == (
        f"`import numpy` in kernel 'proj' ({proj.python}, Python {version}), "
        f"started in {work}: {user_site / 'numpy'} (package, entry 5, user) from numpy 1.19.5 "
        "installed by pip.")
    assert f"  wins     {user_site / 'numpy'} (package, entry 5, user) from numpy 1.19.5 " \
           "installed by pip" in lines
    assert f"  shadowed {proj.site_packages / 'numpy'} (package, entry 6, env) from numpy " \
           "1.24.4 installed by conda" in lines
    assert f"   4 cwd        {work}  (added by IPython after the kernel started, before the " \
           "first site dir)" in lines
    assert any(line.startswith("  WARNING I400 In kernel 'proj', numpy resolves to 1.19.5")
               for line in lines)

    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["resolution"] == "path"
    assert report["winner_index"] == 5
    assert report["shadowed_indexes"] == [6]
    winner, shadowed = report["locations"]
    assert winner["distribution"]["version"] == "1.19.5"
    assert winner["distribution"]["installer"] == "pip"
    assert shadowed["distribution"]["version"] == "1.24.4"
    assert shadowed["distribution"]["installer"] == "conda"
    assert [f["code"] for f in report["findings"]] == ["I400"]


# --- PYTHONPATH entries ----------------------------------------------------------------------


def test_pythonpath_problem_entries(
        machine: JupyterHome, conda_builder: CondaEnvBuilder) -> None:
    env = conda_builder.create(machine.root / "envs" / "py311", python="3.11", ipykernel=True)
    spec_dir = machine.write_kernel(machine.user_kernels, "py311", [str(env.python), *LAUNCHER])
    before = spec_dir.joinpath("kernel.json").read_bytes()
    py27_site = machine.root / "opt" / "local" / "lib" / "python2.7" / "site-packages"
    (py27_site / "six.py").parent.mkdir(parents=True)
    (py27_site / "six.py").write_text("print 'Python 2 only'\n")
    package_dir = machine.root / "home" / "user" / "other" / "numpy"
    for relative in ("__init__.py", "random/__init__.py", "core/multiarray.py"):
        (package_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (package_dir / relative).write_text("")
    pythonpath = f":{py27_site}:{package_dir}"
    environ = {**os.environ, "PYTHONPATH": pythonpath}

    snapshot, findings = doctor(machine, environ=environ)

    kernel = kernel_named(snapshot.kernels, "py311")
    pythonpath_entries = [(e.path, e.note) for e in kernel.import_path if e.kind == "pythonpath"]
    assert pythonpath_entries == [
        ("", "empty entry: the kernel's working dir (the notebook folder)"),
        (str(py27_site), "site-packages of Python 2.7"),
        (str(package_dir),
         "a package dir (has __init__): its subpackages become top-level modules"),
    ]
    package = only(findings, "I401", "py311")
    assert package.title == (
        f"PYTHONPATH entry {package_dir} of kernel 'py311' is a package dir (it has __init__), "
        "so its random shadows the standard library's random")
    assert package.severity == "error"
    assert list(package.evidence["shadowed"]) == ["random"]
    assert package.evidence["shadowed"]["random"].endswith("/lib/python3.11/random.py")
    assert package.evidence["position"] == 3
    assert package.evidence["origin"] == "server environment"
    other = only(findings, "I402", "py311")
    assert other.title == (f"PYTHONPATH entry {py27_site} of kernel 'py311' (Python "
                           f"{kernel.probe.version if kernel.probe else ''}) belongs to "
                           "Python 2.7")
    assert other.evidence["entry_python"] == "2.7"
    empty = only(findings, "I403", "py311")
    assert empty.title == (
        "PYTHONPATH of kernel 'py311' has an empty entry (position 1), which puts the notebook "
        "folder ahead of the standard library, even while the kernel starts")
    for finding in (package, other, empty):
        assert [f.action for f in finding.fixes] == ["set-spec-env"]
        assert finding.fixes[0].params["env"] == {"PYTHONPATH": ""}
        assert finding.evidence["correct_server_environment"].startswith("set PYTHONPATH to ''")
    # The server's own python3 kernel gets the same PYTHONPATH.
    assert import_codes(findings) == ["I401", "I401", "I402", "I402", "I403", "I403"]
    assert import_codes([f for f in findings if "python3" in f.kernels]) == ["I401", "I402", "I403"]
    shadowing = explain(snapshot, kernel, "random", str(machine.root))
    assert shadowing.winner is not None
    assert shadowing.winner.path == str(package_dir / "random")
    assert [loc.kind for loc in shadowing.shadowed] == ["stdlib"]

    apply_spec_fix(package)
    assert json.loads(spec_dir.joinpath("kernel.json").read_text())["env"] == {"PYTHONPATH": ""}
    _, after = doctor(machine, environ=environ)
    assert [f for f in after if f.code.startswith("I") and "py311" in f.kernels] == []
    assert [f for f in after if f.code == "K110" and "py311" in f.kernels] == []

    undo_last()
    assert spec_dir.joinpath("kernel.json").read_bytes() == before


def test_pythonpath_in_spec_is_cleaned(machine: JupyterHome, conda_builder: CondaEnvBuilder,
                                       tmp_path: Path) -> None:
    env = conda_builder.create(machine.root / "envs" / "py311", python="3.11", ipykernel=True)
    library = tmp_path / "library"
    library.mkdir()
    package_dir = tmp_path / "pkg"
    (package_dir / "json").mkdir(parents=True)
    (package_dir / "__init__.py").write_text("")
    (package_dir / "json" / "__init__.py").write_text("")
    machine.write_kernel(machine.user_kernels, "py311", [str(env.python), *LAUNCHER],
                         env={"PYTHONPATH": f"{library}:{package_dir}"})

    _, findings = doctor(machine)

    finding = only(findings, "I401", "py311")
    assert finding.evidence["origin"] == "kernel spec"
    assert "correct_server_environment" not in finding.evidence
    assert list(finding.evidence["shadowed"]) == ["json"]
    assert finding.fixes[0].params["env"] == {"PYTHONPATH": str(library)}


# --- .pth files ------------------------------------------------------------------------------


def test_pth_files_adding_foreign_paths(machine: JupyterHome, tmp_path: Path) -> None:
    py311 = machine.venv("py311", ipykernel=True)
    machine.ipykernel_install(py311, "py311")
    site_packages = py311.parent.parent / "lib" / "python3.11" / "site-packages"
    front = tmp_path / "front"
    (front / "typing_extensions.py").parent.mkdir(parents=True)
    (front / "typing_extensions.py").write_text("")
    old_site = tmp_path / "py36" / "lib" / "python3.6" / "site-packages"
    old_site.mkdir(parents=True)
    insert = site_packages / "zz_front.pth"
    insert.write_text(f"# added by a vendor installer\nimport sys; sys.path.insert(0, {str(front)!r})\n")
    (site_packages / "aa_old.pth").write_text(f"{old_site}\n")
    before = insert.read_bytes()

    snapshot, findings = doctor(machine)

    kernel = kernel_named(snapshot.kernels, "py311")
    pth_entries = [(e.path, e.added_by, e.note) for e in kernel.import_path if e.kind == "pth"]
    # The venv's lib64 link to lib makes the site module read zz_front.pth twice.
    assert pth_entries == [
        (str(front), str(insert), "line 2, an import line; ahead of the standard library"),
        (str(front), str(insert),
         "line 2, an import line; duplicate of an earlier entry; ahead of the standard library"),
        (str(old_site), str(site_packages / "aa_old.pth"), "line 1; site-packages of Python 3.6"),
    ]
    found = sorted((f for f in findings if f.code == "I404"), key=lambda f: f.evidence["entry"])
    assert [f.evidence["entry"] for f in found] == sorted([str(front), str(old_site)])
    by_entry = {f.evidence["entry"]: f for f in found}
    ahead = by_entry[str(front)]
    assert ahead.title == (f"{insert} adds {front} to the sys.path of kernel 'py311' and puts it "
                           "ahead of the standard library")
    assert ahead.evidence["line_number"] == 2
    assert ahead.evidence["shadowed"] == {
        "typing_extensions": str(site_packages / "typing_extensions.py")}
    assert ahead.fixes[0].command == f"sed -i.bak '2d' {insert}"
    old = by_entry[str(old_site)]
    assert old.title == (f"{site_packages / 'aa_old.pth'} adds {old_site} to the sys.path of "
                         "kernel 'py311' and it belongs to Python 3.6")

    run_command_fix(ahead)
    assert insert.read_text() == "# added by a vendor installer\n"
    assert (site_packages / "zz_front.pth.bak").read_bytes() == before
    _, after = doctor(machine)
    assert [f.evidence["entry"] for f in after if f.code == "I404"] == [str(old_site)]


# --- files in the notebook folder ------------------------------------------------------------


def test_email_py_next_to_notebook(machine: JupyterHome) -> None:
    # ipykernel 6.29.0 is the last launcher that keeps Python 3.7+'s absolute working dir
    # first while ipykernel imports its modules. The server's own python3 kernel runs this
    # test's Python, with a newer ipykernel.
    old = machine.venv("old")
    machine.uv_install(old, "ipykernel==6.29.0")
    machine.ipykernel_install(old, "old")
    server_python = Path(sys.executable)
    work = machine.home / "work"
    work.mkdir()
    (work / "analysis.ipynb").write_text(json.dumps({"cells": [], "nbformat": 4,
                                                     "nbformat_minor": 5, "metadata": {}}))
    (work / "email.py").write_text("def send_report(address):\n    pass\n")
    subprocess.run([str(server_python), "-m", "py_compile", "email.py"], cwd=work, check=True)
    cached = work / "__pycache__" / "email.cpython-311.pyc"
    assert cached.is_file()
    assert kernel_fails_to_start(old, work)
    assert not kernel_fails_to_start(server_python, work)

    snapshot, _ = doctor(machine, root_dir=str(work))
    findings = notebook_folder_findings(snapshot, notebook_folders(str(work)))

    assert codes(findings) == ["I405", "I405"]
    crash = only(findings, "I405", "old")
    assert crash.severity == "error"
    assert crash.title == (
        f"email.py in {work} replaces the standard library's email in kernel 'old': the kernel "
        "searches that folder first, even while ipykernel starts, so it can fail to start there")
    assert crash.evidence["folder_ahead_of_stdlib"] is True
    assert crash.evidence["stdlib_file"].endswith("/lib/python3.11/email")
    harmless = only(findings, "I405", "python3")
    assert harmless.severity == "info"
    assert harmless.title == (f"email.py in {work} cannot be imported as email in kernel "
                              "'python3': the standard library's email comes first")
    (fix,) = crash.fixes
    assert fix.command == (f"mv -n {work / 'email.py'} {work / 'email_local.py'} && "
                           f"rm -f {cached}")
    assert fix.title == (f"Rename {work / 'email.py'} to {work / 'email_local.py'}, delete its "
                         "cached bytecode, and import it as email_local")

    run_command_fix(crash)
    assert sorted(p.name for p in work.iterdir()) == ["__pycache__", "analysis.ipynb",
                                                     "email_local.py"]
    assert list((work / "__pycache__").iterdir()) == []
    assert not kernel_fails_to_start(old, work)
    snapshot, _ = doctor(machine, root_dir=str(work))
    assert notebook_folder_findings(snapshot, notebook_folders(str(work))) == []


def kernel_fails_to_start(interpreter: Path, folder: Path) -> bool:
    """Run the kernel's launcher as Jupyter does, in ``folder``, up to its --help output.

    `--help` makes ipykernel import all its modules and print its options without opening
    a connection.
    """
    result = subprocess.run([str(interpreter), "-m", "ipykernel_launcher", "--help"], cwd=folder,
                            capture_output=True, text=True, timeout=120, check=False,
                            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    return result.returncode != 0


def test_module_named_like_installed_package(machine: JupyterHome,
                                              conda_builder: CondaEnvBuilder) -> None:
    requests = Package("requests", "2.31.0", "py311_0", dists=(Dist("requests", "2.31.0"),))
    env = conda_builder.create(machine.root / "envs" / "web", python="3.11", ipykernel=True,
                               packages=[requests])
    machine.write_kernel(machine.user_kernels, "web", [str(env.python), *LAUNCHER])
    work = machine.home / "work"
    (work / "requests").mkdir(parents=True)
    (work / "requests" / "__init__.py").write_text("")
    (work / "notes.ipynb").write_text("{}")

    snapshot, _ = doctor(machine)
    findings = notebook_folder_findings(snapshot, [str(work)])

    finding = only(findings, "I406", "web")
    assert finding.severity == "warning"
    assert finding.title == (f"requests in {work} shadows the installed requests (requests "
                             "2.31.0) for notebooks there in kernel 'web'")
    assert finding.evidence["installed_path"] == str(env.site_packages / "requests")
    assert finding.evidence["installed_distribution"]["installer"] == "conda"
    assert finding.fixes[0].command == f"mv -n {work / 'requests'} {work / 'requests_local'}"
    # Only the kernel 'web' is checked here: the built-in python3 kernel runs the test's own
    # environment, which also has requests when JupyterLab is installed for the browser tests.
    assert codes([f for f in findings if "web" in f.kernels]) == ["I406"]


def test_notebook_folders_below_root(tmp_path: Path) -> None:
    for folder in ("a", "a/b", "a/b/c", ".hidden", "node_modules/x", "venv", "plain"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    for notebook in ("a/n.ipynb", "a/b/n.ipynb", "a/b/c/n.ipynb", ".hidden/n.ipynb",
                     "node_modules/x/n.ipynb", "venv/n.ipynb"):
        (tmp_path / notebook).write_text("{}")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")

    folders = notebook_folders(str(tmp_path))

    assert folders == [str(tmp_path), str(tmp_path / "a"), str(tmp_path / "a" / "b")]


# --- a clean setup ---------------------------------------------------------------------------


def test_clean_venv_has_no_warnings(machine: JupyterHome) -> None:
    clean = machine.venv("clean", ipykernel=True)
    machine.ipykernel_install(clean, "clean")
    work = machine.home / "work"
    work.mkdir()
    (work / "analysis.py").write_text("")
    (work / "analysis.ipynb").write_text("{}")

    snapshot, findings = doctor(machine, root_dir=str(work))

    assert [f.title for f in findings if f.severity != "info"] == []
    kernel = kernel_named(snapshot.kernels, "clean")
    assert [e.kind for e in kernel.import_path] == ["stdlib", "stdlib", "stdlib", "cwd", "env"]
    assert notebook_folder_findings(snapshot, [str(work)]) == []


# --- pieces ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.7", "3.6", "3.8", "3.11"])
def test_probe_reports_import_facts(version: str, tmp_path: Path) -> None:
    interpreter = str(find_python(version).executable)
    request = ProbeRequest.from_environ(interpreter, {"HOME": str(tmp_path), "PYTHONPATH": ":rel"})

    result = probe_interpreters([request])[request]

    assert result.ok, result.error
    assert "email" in result.stdlib_module_names
    assert "test" not in result.stdlib_module_names
    assert "sys" in result.builtin_module_names
    assert result.startup_modules["sys"] == "built-in"
    assert result.startup_modules["os"] is not None
    assert ".so" in result.extension_suffixes
    assert result.no_user_site is False
    assert result.safe_path is (False if version == "3.11" else None)
    assert result.cwd is not None
    assert result.path[1:3] == [result.cwd, os.path.join(result.cwd, "rel")]


def test_interpreter_flags_from_argv() -> None:
    cases = {
        ("/p/bin/python", "-s", "-m", "ipykernel_launcher"): {"s"},
        ("/p/bin/python", "-Xfrozen_modules=off", "-sE", "-m", "ipykernel_launcher"): {"s", "E"},
        ("/p/bin/python", "-X", "frozen_modules=off", "-I", "-m", "ipykernel"): {"I"},
        ("/p/bin/python", "-m", "ipykernel_launcher", "-s"): set(),
        ("/p/bin/python", "-P", "-m", "ipykernel_launcher"): {"P"},
    }
    for argv, expected in cases.items():
        kernel = Kernel("k", "/r", "/r/kernel.json", "user", 0, argv=list(argv),
                        launch=classify_argv(argv))
        assert interpreter_flags(kernel) == expected, argv


def test_find_module_in_follows_import_rules(tmp_path: Path) -> None:
    (tmp_path / "both").mkdir()
    (tmp_path / "both" / "__init__.py").write_text("")
    (tmp_path / "both.py").write_text("")
    (tmp_path / "spaced").mkdir()
    (tmp_path / "spaced.py").write_text("")
    (tmp_path / "portion").mkdir()
    (tmp_path / "fast.cpython-311-x86_64-linux-gnu.so").write_text("")
    (tmp_path / "fast.py").write_text("")
    (tmp_path / "old.pyc").write_bytes(b"")
    (tmp_path / "Upper.py").write_text("")
    suffixes = [".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"]

    def form(name: str) -> str | None:
        found = find_module_in(str(tmp_path), name, suffixes)
        return found.form if found else None

    assert form("both") == "package"
    assert form("spaced") == "module"
    assert form("portion") == "namespace"
    assert form("fast") == "extension"
    assert form("old") == "bytecode"
    assert form("upper") is None
    assert form("missing") is None
    assert find_module_in(str(tmp_path), "portion", suffixes, namespaces=False) is None


def test_old_ipykernel_keeps_notebook_folder_first(machine: JupyterHome,
                                                   conda_builder: CondaEnvBuilder) -> None:
    env = conda_builder.create(machine.root / "envs" / "old", python="3.11",
                               packages=[ipykernel_package("6.29.0")])
    machine.write_kernel(machine.user_kernels, "old", [str(env.python), *LAUNCHER])
    machine.write_kernel(machine.user_kernels, "module", [str(env.python), "-m", "ipykernel",
                                                          "-f", "{connection_file}"])
    machine.write_kernel(machine.user_kernels, "safe", [str(env.python), "-P", *LAUNCHER])

    snapshot, _ = doctor(machine)

    old = kernel_named(snapshot.kernels, "old")
    assert old.import_path[0].kind == "cwd"
    assert old.import_path[0].note == (
        "first, also while the kernel starts: ipykernel 6.29.0 leaves the absolute working dir "
        "that Python 3.7+ puts first for `-m` (ipykernel removes it from 6.29.2 on)")
    module = kernel_named(snapshot.kernels, "module")
    assert module.import_path[0].kind == "cwd"
    safe = kernel_named(snapshot.kernels, "safe")
    # -P keeps Python from adding the folder, and this env has no IPython to add it back.
    assert "cwd" not in [e.kind for e in safe.import_path]
