"""The jupyter_server extension app: reads ``c.EnvDoctor.*`` and owns the shared scan."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

from jupyter_server.extension.application import ExtensionApp

from .._version import __version__
from ..checks import KNOWN_CODES
from ..config import EnvDoctor
from ..kernelself.findings import KERNEL_CODES
from ..report import Report
from .handlers import default_handlers
from .scanner import SharedScan, WatchList

T = TypeVar("T")

# Scans and actions start interpreters and wait for them. Two workers let an action run
# while a scan does, because the ipykernel check of a registration can take up to 30 s.
WORKER_THREADS = 2


class EnvDoctorExtension(ExtensionApp):
    """Serve the doctor's report and actions under ``<base_url>/envdoctor/``."""

    name = "jupyter_envdoctor"
    version = __version__
    description = "Report which environment each kernel runs, and apply safe fixes."
    classes = [*ExtensionApp.classes, EnvDoctor]  # noqa: RUF012 - traitlets reads the class list

    def _config_file_name_default(self) -> str:
        # The same file as `jupyter envdoctor`, not ExtensionApp's jupyter_jupyter_envdoctor_config.
        return "jupyter_envdoctor_config"

    def initialize_settings(self) -> None:
        self.doctor = self._make_doctor()
        self.executor = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="envdoctor")
        self.scanner = SharedScan(self._make_report, self._fixed_watch, self.executor, self.log)
        self._write_lock: asyncio.Lock | None = None
        self.log.info("serving the report at %senvdoctor/report",
                      self.serverapp.base_url if self.serverapp else "/")

    def initialize_handlers(self) -> None:
        self.handlers.extend(default_handlers)

    async def stop_extension(self) -> None:
        # A running scan ends by itself within the probe timeout; do not wait for it here.
        self.executor.shutdown(wait=False)

    @property
    def write_lock(self) -> asyncio.Lock:
        """Lock held while an action changes files, so two fix runs never interleave."""
        # Made on first use, inside the server's running event loop (Python 3.9 binds a
        # Lock to the loop current at creation).
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        return self._write_lock

    async def run_in_worker(self, function: Callable[..., T], *args: Any) -> T:
        """Run blocking engine code in the extension's threads, never on the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, function, *args)

    @property
    def root_dir(self) -> str:
        """The server's root dir: the folder that notebook paths of the API are relative to."""
        assert self.serverapp is not None
        return os.path.abspath(os.path.expanduser(self.serverapp.root_dir))

    def _make_doctor(self) -> EnvDoctor:
        doctor = EnvDoctor(parent=self)
        if doctor.root_dir is None and self.serverapp is not None:
            # The server's root dir is where its users keep projects with a .venv.
            doctor.root_dir = self.root_dir
        for code in sorted({c.upper() for c in doctor.ignore} - KNOWN_CODES - KERNEL_CODES):
            self.log.warning("ignoring unknown finding code %s in EnvDoctor.ignore", code)
        return doctor

    def _make_report(self) -> Report:
        return self.doctor.report()

    def _fixed_watch(self) -> WatchList:
        kernel_dirs = list(self._server_kernel_dirs())
        registry = os.path.join(os.path.expanduser("~"), ".conda", "environments.txt")
        return WatchList(tuple(kernel_dirs), (registry, *self.doctor.extra_env_dirs))

    def _server_kernel_dirs(self) -> list[str]:
        # A gateway's kernel spec manager has no local kernel dirs.
        manager = self.serverapp.kernel_spec_manager if self.serverapp is not None else None
        return list(getattr(manager, "kernel_dirs", []))
