"""Settings of the doctor, ``c.EnvDoctor.*`` in Jupyter config files, and its entry point."""

from __future__ import annotations

import os
from typing import Any

from traitlets import Bool, Dict, Float, List, TraitError, Unicode, validate
from traitlets.config import Configurable

from .checks import run_checks
from .discovery.scan import Progress, ScanOptions, scan
from .report import Report


class EnvDoctor(Configurable):
    """Diagnose what Jupyter kernels really run."""

    ignore = List(Unicode(), default_value=[], config=True,
                  help="Finding codes to leave out of reports, e.g. ['K107', 'E201'].")
    probe = Bool(True, config=True,
                 help="Start each kernel interpreter once to read its sys.path and imports.")
    probe_timeout = Float(10.0, config=True,
                          help="Seconds to wait for one interpreter probe before reporting it as hanging.")
    extra_env_dirs = List(Unicode(), default_value=[], config=True,
                          help="More folders holding environments, searched like conda's envs_dirs.")
    server_python = Unicode(None, allow_none=True, config=True,
                            help="Interpreter of the Jupyter server to report for (default: this Python).")
    root_dir = Unicode(None, allow_none=True, config=True,
                       help="The server's root dir (default: the current dir); .venv and .pixi "
                            "envs and notebook folders up to 2 levels below it are checked.")
    use_cache = Bool(True, config=True, help="Reuse interpreter probes and package reads while their files are unchanged.")
    deep = Bool(False, config=True,
                help="Look for every file that RECORDs and conda records list, and compare every conda "
                     "file with its recorded sha256 (slow).")
    cache_dir = Unicode(None, allow_none=True, config=True,
                        help="Folder for the probe and package caches (default: the platform's user cache dir).")
    environment_files = Dict(
        value_trait=Unicode(), key_trait=Unicode(), default_value={}, config=True,
        help="Kernel name, environment name or environment prefix -> the environment.yml that "
             "describes it, checked in the report (relative paths start at root_dir). An "
             "environment.yml in a notebook folder is checked without this.")

    @validate("probe_timeout")
    def _check_timeout(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if value <= 0:
            raise TraitError(f"the probe timeout must be a positive number of seconds, not {value}")
        return value

    @validate("server_python")
    def _check_server_python(self, proposal: Any) -> str | None:
        path = proposal["value"]
        if path is not None and not os.path.isfile(path):
            raise TraitError(f"the server interpreter {path} does not exist")
        return path  # type: ignore[no-any-return]

    def scan_options(self, progress: Progress | None = None,
                     environ: dict[str, str] | None = None) -> ScanOptions:
        return ScanOptions(
            server_python=self.server_python,
            environ=environ,
            extra_env_dirs=list(self.extra_env_dirs),
            # Without a configured root, the current dir is used as the server's root dir.
            root_dir=self.root_dir or os.getcwd(),
            probe=self.probe,
            probe_timeout=self.probe_timeout,
            use_cache=self.use_cache,
            cache_dir=self.cache_dir,
            deep=self.deep or None,
            environment_files=dict(self.environment_files),
            progress=progress,
        )

    def report(self, progress: Progress | None = None, **kwargs: Any) -> Report:
        """Scan the machine and run every check not in ``ignore``."""
        snapshot = scan(self.scan_options(progress, **kwargs))
        return Report(snapshot, run_checks(snapshot, self.ignore))
