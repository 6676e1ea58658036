"""The on-disk package cache: a warm scan equals a fresh one, and every change to an input shows.

Each change test fills the cache, changes one input, then compares a cached scan with a scan
that reads everything again.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conda_envs import CondaEnv, CondaEnvBuilder, Dist, Package, pip_install_like, remove_dist_info
from jupyter_setup import JupyterHome, doctor

from jupyter_envdoctor.discovery import cachedpackages
from jupyter_envdoctor.discovery.package_cache import CACHE_FILE_NAME, SCHEMA, PackageCache
from jupyter_envdoctor.model import Finding, Snapshot, environment_id

LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
CLI = str(Path(sys.executable).with_name("jupyter-envdoctor"))


@pytest.fixture
def conda_env(machine: JupyterHome, tmp_path: Path) -> CondaEnv:
    """Return a conda env with a kernel, where pip replaced one conda package.

    The env has a builder of its own, because rattler hard-links env files to its package
    cache and the tests change files in the env.
    """
    builder = CondaEnvBuilder(tmp_path / "own-builder")
    requests = Package("requests", "2.31.0", "pyhd8ed1ab_0", noarch="python",
                       dists=(Dist("requests", "2.31.0"),))
    env = builder.create(machine.root / "envs" / "data", python="3.11", ipykernel=True,
                         packages=[requests], environments_txt=machine.environments_txt)
    site = site_packages(env)
    remove_dist_info(site, "requests", "2.31.0")
    pip_install_like(site, Dist("requests", "2.32.3"))
    machine.write_kernel(machine.user_kernels, "data", [str(env.python), *LAUNCHER])
    return env


def site_packages(env: CondaEnv) -> Path:
    (site,) = env.prefix.glob("lib/python3.11/site-packages")
    return site


def cached_doctor(machine: JupyterHome, cache_dir: Path) -> tuple[Snapshot, list[Finding]]:
    return doctor(machine, use_cache=True, cache_dir=str(cache_dir))


def package_summary(snapshot: Snapshot) -> dict[str, Any]:
    """Return the package facts of every env, in a form that compares by value."""
    summary: dict[str, Any] = {}
    for env_id, packages in sorted(snapshot.packages.items()):
        summary[env_id] = {
            "site_dirs": [(s.path, s.kind, sorted(s.leftovers), s.pth_entries,
                           sorted((d.name, d.version, d.installer, d.conda_record,
                                   d.editable_source_missing) for d in s.distributions))
                          for s in packages.site_dirs],
            "records": sorted((r.name, r.version, r.build, r.missing_file_count)
                              for r in packages.conda_records),
            "history": [(h.date, h.added, h.removed, h.specs) for h in packages.history],
        }
    return summary


def finding_summary(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return sorted((f.code, ",".join(f.kernels), f.title) for f in findings)


def assert_same_as_fresh(machine: JupyterHome, cache_dir: Path) -> Snapshot:
    cached, cached_findings = cached_doctor(machine, cache_dir)
    fresh, fresh_findings = doctor(machine)
    assert package_summary(cached) == package_summary(fresh)
    assert finding_summary(cached_findings) == finding_summary(fresh_findings)
    return cached


# --- reuse ----------------------------------------------------------------------------------------


def test_warm_scan_equals_fresh(machine: JupyterHome, conda_env: CondaEnv, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    cached_doctor(machine, cache_dir)

    snapshot = assert_same_as_fresh(machine, cache_dir)

    assert (cache_dir / CACHE_FILE_NAME).is_file()
    assert any(d.name == "requests" and d.installer == "pip"
               for p in snapshot.packages.values() for s in p.site_dirs for d in s.distributions)


def test_warm_scan_reads_no_packages(machine: JupyterHome, conda_env: CondaEnv, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "cache"
    cached_doctor(machine, cache_dir)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a warm scan read packages again")

    monkeypatch.setattr(cachedpackages, "read_environment_packages", fail)
    monkeypatch.setattr(cachedpackages, "read_site_dir", fail)
    snapshot, _ = cached_doctor(machine, cache_dir)

    assert environment_id(str(conda_env.prefix)) in snapshot.packages


def test_cache_drops_gone_environments(machine: JupyterHome, conda_env: CondaEnv,
                                       tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    cached_doctor(machine, cache_dir)
    (machine.user_kernels / "data" / "kernel.json").unlink()
    machine.environments_txt.write_text("")
    subprocess.run(["rm", "-rf", str(conda_env.prefix)], check=True)

    cached_doctor(machine, cache_dir)

    with open(cache_dir / CACHE_FILE_NAME, "rb") as file:
        entries = pickle.load(file)["entries"]
    assert [key for key in entries if str(conda_env.prefix) in key] == []


# --- every input change shows ---------------------------------------------------------------------


def pip_install_new(env: CondaEnv) -> None:
    pip_install_like(site_packages(env), Dist("tqdm", "4.66.4"))


def remove_pip_package(env: CondaEnv) -> None:
    remove_dist_info(site_packages(env), "requests", "2.32.3")


def rewrite_installer(env: CondaEnv) -> None:
    # Replaced as uv and pip write metadata files, through a new file and a rename.
    info = site_packages(env) / "requests-2.32.3.dist-info"
    (info / "INSTALLER.tmp").write_text("uv\n")
    os.replace(info / "INSTALLER.tmp", info / "INSTALLER")


def remove_conda_record(env: CondaEnv) -> None:
    (record,) = env.conda_meta.glob("requests-*.json")
    record.unlink()


def append_history(env: CondaEnv) -> None:
    with open(env.conda_meta / "history", "a", encoding="utf-8") as history:
        history.write("==> 2026-12-01 10:00:00 <==\n# cmd: conda install tqdm\n"
                      "+conda-forge/noarch::tqdm-4.66.4-pyhd8ed1ab_0\n# update specs: ['tqdm']\n")


def edit_pth_in_place(env: CondaEnv) -> None:
    pth = site_packages(env) / "extra.pth"
    pth.write_text("/opt/one\n/opt/two\n")


def remove_editable_source(env: CondaEnv) -> None:
    source = env.prefix.parent / "mylib-src"
    subprocess.run(["rm", "-rf", str(source)], check=True)


def add_user_site_package(env: CondaEnv) -> None:
    user_site = Path(os.environ["HOME"]) / ".local" / "lib" / "python3.11" / "site-packages"
    pip_install_like(user_site, Dist("rich", "13.7.1"))


CHANGES: dict[str, Callable[[CondaEnv], None]] = {
    "pip install": pip_install_new,
    "pip uninstall": remove_pip_package,
    "metadata file replaced": rewrite_installer,
    "conda record removed": remove_conda_record,
    "history appended": append_history,
    "pth file edited in place": edit_pth_in_place,
    "editable source removed": remove_editable_source,
    "user site package added": add_user_site_package,
}


def prepare_inputs(env: CondaEnv) -> None:
    """Add the inputs that some changes act on: a .pth file, an editable install, a user site."""
    site = site_packages(env)
    (site / "extra.pth").write_text("/opt/one\n")
    source = env.prefix.parent / "mylib-src"
    source.mkdir()
    info = pip_install_like(site, Dist("mylib", "0.1", modules=()))
    (info / "direct_url.json").write_text(json.dumps(
        {"url": source.as_uri(), "dir_info": {"editable": True}}))
    user_site = Path(os.environ["HOME"]) / ".local" / "lib" / "python3.11" / "site-packages"
    user_site.mkdir(parents=True, exist_ok=True)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_change_is_seen(machine: JupyterHome, conda_env: CondaEnv, tmp_path: Path,
                        change: str) -> None:
    prepare_inputs(conda_env)
    cache_dir = tmp_path / "cache"
    before, _ = cached_doctor(machine, cache_dir)

    CHANGES[change](conda_env)
    after = assert_same_as_fresh(machine, cache_dir)

    assert package_summary(after) != package_summary(before)


def test_new_kernel_is_seen(machine: JupyterHome, conda_env: CondaEnv, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    cached_doctor(machine, cache_dir)
    machine.write_kernel(machine.user_kernels, "data-copy", [str(conda_env.python), *LAUNCHER])

    snapshot = assert_same_as_fresh(machine, cache_dir)

    assert {"data", "data-copy"} <= {k.name for k in snapshot.kernels}


# --- bad cache files ------------------------------------------------------------------------------


def foreign_version() -> bytes:
    return pickle.dumps({"format": 999, "version": "0.0.1", "entries": {}})


def wrong_entries() -> bytes:
    from jupyter_envdoctor import __version__
    from jupyter_envdoctor.discovery.package_cache import CACHE_FORMAT_VERSION

    return pickle.dumps({"format": CACHE_FORMAT_VERSION, "version": __version__,
                         "entries": {"env\0conda\0/x\03.11": "not an entry"}})


BAD_FILES: dict[str, Callable[[], bytes]] = {
    "garbage": lambda: b"\x80\x05not a pickle at all",
    "truncated": lambda: foreign_version()[:10],
    "empty": lambda: b"",
    "foreign version": foreign_version,
    "wrong entries": wrong_entries,
}


@pytest.mark.parametrize("content", sorted(BAD_FILES))
def test_bad_cache_file_is_rebuilt(machine: JupyterHome, conda_env: CondaEnv, tmp_path: Path,
                                   content: str) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / CACHE_FILE_NAME).write_bytes(BAD_FILES[content]())

    assert_same_as_fresh(machine, cache_dir)

    entries = PackageCache(str(cache_dir))._load()
    assert any(str(conda_env.prefix) in key for key in entries)


def drop_a_field(document: dict[str, Any]) -> None:
    # As a cache left by a checkout whose model had one field fewer, under the same version.
    for entry in document["entries"].values():
        if hasattr(entry.value, "pinned"):
            del entry.value.pinned


def stamps_not_a_map(document: dict[str, Any]) -> None:
    for entry in document["entries"].values():
        entry.stamps = "not a map"


def other_schema(document: dict[str, Any]) -> None:
    document["schema"] = "0" * 16


CHANGED_DOCUMENTS: dict[str, Callable[[dict[str, Any]], None]] = {
    "field missing": drop_a_field,
    "stamps not a map": stamps_not_a_map,
    "other schema": other_schema,
}


@pytest.mark.parametrize("change", sorted(CHANGED_DOCUMENTS))
def test_changed_cache_file_is_rebuilt(machine: JupyterHome, conda_env: CondaEnv, tmp_path: Path,
                                       change: str) -> None:
    cache_dir = tmp_path / "cache"
    cached_doctor(machine, cache_dir)
    cache_file = cache_dir / CACHE_FILE_NAME
    with open(cache_file, "rb") as file:
        document = pickle.load(file)
    CHANGED_DOCUMENTS[change](document)
    cache_file.write_bytes(pickle.dumps(document))

    assert_same_as_fresh(machine, cache_dir)

    with open(cache_file, "rb") as file:
        rebuilt = pickle.load(file)
    assert rebuilt["schema"] == SCHEMA
    assert all(isinstance(entry.stamps, dict) for entry in rebuilt["entries"].values())


def cli_environ(machine: JupyterHome, cache_home: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(cache_home)}


def run_cli(machine: JupyterHome, cache_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, "--json", *args], capture_output=True, text=True,
                          env=cli_environ(machine, cache_home), cwd=machine.home,
                          stdin=subprocess.DEVNULL, timeout=300, check=False)


def test_cli_keeps_cache_in_user_cache_dir(machine: JupyterHome, conda_env: CondaEnv,
                                           tmp_path: Path) -> None:
    cache_home = tmp_path / "xdg-cache"

    first = run_cli(machine, cache_home)
    second = run_cli(machine, cache_home)

    assert first.returncode == second.returncode
    assert (cache_home / "jupyter-envdoctor" / CACHE_FILE_NAME).is_file()
    assert json.loads(first.stdout)["findings"] == json.loads(second.stdout)["findings"]


def test_cli_no_cache_leaves_cache_alone(machine: JupyterHome, conda_env: CondaEnv,
                                         tmp_path: Path) -> None:
    cache_home = tmp_path / "xdg-cache"
    cache_file = cache_home / "jupyter-envdoctor" / CACHE_FILE_NAME
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(b"left alone")

    result = run_cli(machine, cache_home, "--no-cache")

    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["kernels"]
    assert cache_file.read_bytes() == b"left alone"


def test_cli_warns_when_cache_unwritable(machine: JupyterHome, conda_env: CondaEnv,
                                         tmp_path: Path) -> None:
    cache_home = tmp_path / "xdg-cache"
    (cache_home / "jupyter-envdoctor" / CACHE_FILE_NAME).mkdir(parents=True)

    result = run_cli(machine, cache_home)

    assert "jupyter envdoctor: warning: cannot write package cache" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["kernels"]
