"""The change between "warm" and "one env changed": conda installs or removes one package.

Each call flips one conda environment between having the package ``bench-toggle`` and not
having it. Installing writes its module, its dist-info and its conda-meta record;
removing deletes them. Both append a transaction to conda-meta/history, as conda does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from machine.catalog import Project
from machine.condarecords import CondaPackage, HistoryBlock, history_text, record_json, write_record
from machine.distinfo import render_distribution
from machine.files import TreeWriter

TOGGLE = Project("bench-toggle", "bench-toggle", "1.0.0", ("bench_toggle",), 3, (), False, (), True)


def choose_environment(manifest: dict) -> Path:
    """Return a conda env in the middle of the list, which a kernel runs and no fault touches."""
    conda = [env for env in manifest["environments"] if env["kind"] == "conda"]
    return Path(conda[len(conda) // 2]["prefix"])


def toggle_package(prefix: Path) -> str:
    """Install the toggle package into ``prefix``, or remove it; return "installed" or "removed"."""
    site = prefix / "lib" / "python3.11" / "site-packages"
    installed = render_distribution(TOGGLE, "conda", requested=True)
    package = CondaPackage(TOGGLE.conda_name, TOGGLE.version, TOGGLE.conda_build, "noarch",
                           ("python >=3.8",), (), noarch=True)
    record = prefix / "conda-meta" / f"{package.dist_name}.json"
    if record.exists():
        record.unlink()
        shutil.rmtree(site / installed.dist_info)
        shutil.rmtree(site / "bench_toggle")
        _append_history(prefix, HistoryBlock(f"conda remove -p {prefix} bench-toggle", (),
                                             (package,), remove_specs=("bench-toggle",)))
        return "removed"

    files = TreeWriter().write_all(site, installed.site, "lib/python3.11/site-packages")
    package = CondaPackage(package.name, package.version, package.build, package.subdir,
                           package.depends, tuple(files), noarch=True, requested_spec="bench-toggle")
    write_record(prefix / "conda-meta", record_json(package, prefix.parent / "pkgs", 0))
    _append_history(prefix, HistoryBlock(f"conda install -p {prefix} bench-toggle", (package,),
                                         update_specs=("bench-toggle",)))
    return "installed"


def restore(prefix: Path) -> None:
    """Remove whatever a toggle left installed, also after an interrupted one."""
    site = prefix / "lib" / "python3.11" / "site-packages"
    record = prefix / "conda-meta" / f"{TOGGLE.conda_name}-{TOGGLE.version}-{TOGGLE.conda_build}.json"
    if record.exists():
        toggle_package(prefix)
    shutil.rmtree(site / render_distribution(TOGGLE, "conda").dist_info, ignore_errors=True)
    shutil.rmtree(site / "bench_toggle", ignore_errors=True)


def _append_history(prefix: Path, block: HistoryBlock) -> None:
    with open(prefix / "conda-meta" / "history", "a", encoding="utf-8") as stream:
        stream.write(history_text([block], 0))
