"""REST handlers under ``<base_url>/envdoctor/``: thin adapters over the report and actions.

Authorization uses jupyter_server's ``kernelspecs`` resource: reads are "read" and changes are
"write" on it, because everything here reads or changes kernel specs and the environments
they run. An authorizer written for jupyter_server's own resource names already has a rule
for ``kernelspecs``. So a read-only user can read reports but cannot change specs, with no
new configuration. A new resource name would get whatever such an authorizer does with names
it does not know.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, cast

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from jupyter_server.utils import url_path_join
from tornado import web

from .. import actions
from ..fixes import FixError, PlannedFix, Run
from ..model import Fix
from ..report import Report, fix_json
from ..why import (
    KernelNotFoundError,
    KernelNotProbedError,
    WhyError,
    choose_kernel,
    explain,
    explanation_json,
    validate_module_name,
)
from .scanner import ScanResult

if TYPE_CHECKING:
    from .app import EnvDoctorExtension

AUTH_RESOURCE = "kernelspecs"

REGISTER_FIELDS = ("environment", "name", "display_name")
UNDO_HINT = "POST envdoctor/undo reverts this run (or run `jupyter envdoctor undo`)"


class EnvDoctorHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every envdoctor handler: the shared scan, JSON replies and query flags."""

    auth_resource = AUTH_RESOURCE

    @property
    def doctor_app(self) -> EnvDoctorExtension:
        return cast("EnvDoctorExtension", self.extensionapp)

    async def scan_result(self, refresh: bool = False) -> ScanResult:
        return await self.doctor_app.scanner.result(refresh)

    async def current_report(self) -> Report:
        return (await self.scan_result()).report

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, default=str))

    def flag(self, name: str) -> bool:
        """Return the boolean query argument ``name``: 1/true/yes or 0/false/no, default false."""
        value = self.get_query_argument(name, "0").strip().lower()
        if value in ("1", "true", "yes"):
            return True
        if value in ("0", "false", "no", ""):
            return False
        raise web.HTTPError(400, f"invalid value for {name}: {value!r} (expected 1, true, yes, 0, false or no)")


class ReportHandler(EnvDoctorHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Send the report JSON (schema_version 1); ``?refresh=1`` scans again first."""
        result = await self.scan_result(refresh=self.flag("refresh"))
        self.set_header("Content-Type", "application/json")
        self.finish(result.report_text)


class KernelHandler(EnvDoctorHandler):
    @web.authenticated
    @authorized
    async def get(self, kernel_name: str) -> None:
        """Send every report entry of one kernel name, visible first, and its findings."""
        # tornado has already decoded the %-escapes of the path argument.
        name = kernel_name.lower()
        data = (await self.scan_result()).report_json
        entries = [k for k in data["kernels"] if k["name"] == name]
        if not entries:
            raise web.HTTPError(404, f"kernel {name!r} is not in the report; "
                                     "GET envdoctor/report lists every kernel")
        entries.sort(key=lambda k: not k["visible"])
        self.write_json({
            "schema_version": data["schema_version"],
            "generated": data["generated"],
            "name": name,
            "kernels": entries,
            "findings": [f for f in data["findings"] if name in f["kernels"]],
        })


class RegisterHandler(EnvDoctorHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Register a kernel for an environment of the report, named by its id."""
        environment, name, display_name = self._register_request()
        report = await self.current_report()
        try:
            fix = actions.registration(report, environment, name, display_name)
        except actions.UnknownIdError as e:
            raise web.HTTPError(404, f"{e}; GET envdoctor/report lists the environments") from e
        except FixError as e:
            raise web.HTTPError(400, str(e)) from e

        outcome = await apply_with_lock(self.doctor_app, fix)
        run, planned = _applied_or_raise(outcome, 400)
        result = registration_json(planned, run)
        self.log.info("registered kernel %s for %s (run %s)", result["name"],
                      fix.params["prefix"], run.id)
        self.set_header("Location", url_path_join(self.base_url, "api/kernelspecs", result["name"]))
        self.write_json(result, status=201)

    def _register_request(self) -> tuple[str, str | None, str | None]:
        """Validate the body: an environment id, and optionally a name and a display name."""
        body = self.get_json_body()
        if not isinstance(body, dict):
            raise web.HTTPError(400, 'expected a JSON object such as {"environment": "<id>"}')
        unknown = sorted(set(body) - set(REGISTER_FIELDS))
        if unknown:
            raise web.HTTPError(400, f"unknown field {', '.join(unknown)}: the body takes only "
                                     f"{', '.join(REGISTER_FIELDS)}")
        environment = body.get("environment")
        if not isinstance(environment, str) or not environment:
            raise web.HTTPError(400, "missing environment: give the id of an environment "
                                     "from GET envdoctor/report")
        for field in ("name", "display_name"):
            if body.get(field) is not None and not isinstance(body[field], str):
                raise web.HTTPError(400, f"invalid {field}: expected a string")
        return environment, body.get("name"), body.get("display_name")


class FixHandler(EnvDoctorHandler):
    @web.authenticated
    @authorized
    async def get(self, fix_id: str) -> None:
        """Send the fix and the diff it would make now, changing nothing."""
        report = await self.current_report()
        fix = find_fix(report, fix_id)
        planned, skipped = await self.doctor_app.run_in_worker(actions.preview, [fix])
        reason = skipped[0][1] if skipped else None
        if not fix.applicable:
            reason = command_message(fix)
        self.write_json({
            "fix": fix_json(fix),
            "findings": [{"code": f.code, "title": f.title} for f in report.findings
                         if fix in f.fixes],
            "diff": "".join(plan.diff() for plan in planned),
            "changes": changes_json(planned),
            "reason": reason,
        })

    @web.authenticated
    @authorized
    async def post(self, fix_id: str) -> None:
        """Apply one kernel spec fix of the report as a fix run that undo reverts."""
        report = await self.current_report()
        fix = find_fix(report, fix_id)
        if not fix.applicable:
            raise web.HTTPError(400, command_message(fix))

        outcome = await apply_with_lock(self.doctor_app, fix)
        run, planned = _applied_or_raise(outcome, 409)
        self.log.info("applied fix %s (run %s)", fix.id, run.id)
        self.write_json({
            "run": run.id,
            "fix": fix_json(fix),
            "diff": "".join(plan.diff() for plan in planned),
            "changes": changes_json(planned),
            "undo": UNDO_HINT,
        })


class UndoHandler(EnvDoctorHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Revert the newest applied fix run, restoring every file it changed."""
        app = self.doctor_app
        async with app.write_lock:
            try:
                run = await app.run_in_worker(actions.undo)
            except FixError as e:
                raise web.HTTPError(409, str(e)) from e
            finally:
                app.scanner.invalidate()
        self.log.info("undid fix run %s", run.id)
        self.write_json({
            "run": run.id,
            "status": run.status,
            "fixes": run.fixes,
            "files": sorted({change["path"] for change in run.changes}),
        })


class WhyHandler(EnvDoctorHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Explain where ``import MODULE`` comes from in a kernel started in a notebook folder."""
        module = self.get_query_argument("module", "")
        try:
            validate_module_name(module)
        except WhyError as e:
            raise web.HTTPError(400, str(e)) from e
        kernel_name = self.get_query_argument("kernel", None)
        cwd = notebook_folder(self.doctor_app.root_dir, self.get_query_argument("path", ""))

        report = await self.current_report()
        try:
            kernel = choose_kernel(report.snapshot, kernel_name.lower() if kernel_name else None)
            explanation = await self.doctor_app.run_in_worker(
                explain, report.snapshot, kernel, module, cwd, report.findings)
        except KernelNotFoundError as e:
            raise web.HTTPError(404, str(e)) from e
        except KernelNotProbedError as e:
            raise web.HTTPError(409, str(e)) from e
        except WhyError as e:
            raise web.HTTPError(400, str(e)) from e
        self.write_json(explanation_json(explanation))


# --- shared steps -----------------------------------------------------------------------------


def find_fix(report: Report, fix_id: str) -> Fix:
    try:
        (fix,) = actions.find_fixes(report, [fix_id])
    except actions.UnknownIdError as e:
        raise web.HTTPError(404, f"{e}; GET envdoctor/report lists the fixes") from e
    return fix


def command_message(fix: Fix) -> str:
    return (f"fix {fix.id} is a command for you to run in a terminal, which the server does "
            f"not run: {fix.command}")


async def apply_with_lock(app: EnvDoctorExtension, fix: Fix) -> actions.Outcome:
    """Apply ``fix`` in a worker thread, one fix run at a time; any change drops the cache."""
    async with app.write_lock:
        try:
            return await app.run_in_worker(actions.apply, [fix])
        except FixError as e:
            # Applying failed and every file was restored. The message names the file and why.
            raise web.HTTPError(500, str(e)) from e
        finally:
            app.scanner.invalidate()


def _applied_or_raise(outcome: actions.Outcome, status: int) -> tuple[Run, list[PlannedFix]]:
    """Return the run and its plans, or raise ``status`` with the reason the fix was skipped."""
    if outcome.run is None:
        reason = outcome.skipped[0][1] if outcome.skipped else "the fix changes nothing"
        raise web.HTTPError(status, reason)
    return outcome.run, outcome.applied


def changes_json(planned: list[PlannedFix]) -> list[dict[str, str]]:
    """Return each file a plan writes or removes, in order."""
    changes = []
    for plan in planned:
        for change in plan.changes:
            kind = "removed" if change.after is None else "written"
            changes.append({"path": change.path, "change": kind})
    return changes


def registration_json(planned: list[PlannedFix], run: Run) -> dict[str, Any]:
    fix = planned[0].fix
    spec_path = next(c.path for c in planned[0].changes if os.path.basename(c.path) == "kernel.json")
    return {
        "name": fix.params["name"],
        "display_name": fix.params["display_name"],
        "environment": fix.params["environment"],
        "spec_path": spec_path,
        "resource_dir": os.path.dirname(spec_path),
        "run": run.id,
        "undo": UNDO_HINT,
    }


def notebook_folder(root_dir: str, path: str) -> str:
    """Return the folder of an API path (relative to the server's root dir) as a real path.

    Raises HTTP 400 for a path outside the root dir and 404 for one that is not a folder.
    """
    root = os.path.realpath(root_dir)
    folder = os.path.realpath(os.path.join(root, path.strip("/")))
    if os.path.commonpath([root, folder]) != root:
        raise web.HTTPError(400, f"invalid path {path!r}: it is outside the server's root dir")
    if not os.path.isdir(folder):
        raise web.HTTPError(404, f"folder not found: {path!r} (give a folder relative to the "
                                 "server's root dir)")
    return folder


_KERNEL_NAME = r"(?P<kernel_name>[\w.%-]+)"
_FIX_ID = r"(?P<fix_id>[\w.-]+)"

default_handlers = [
    (r"/envdoctor/report", ReportHandler),
    (r"/envdoctor/kernels", RegisterHandler),
    (rf"/envdoctor/kernels/{_KERNEL_NAME}", KernelHandler),
    (rf"/envdoctor/fixes/{_FIX_ID}", FixHandler),
    (r"/envdoctor/undo", UndoHandler),
    (r"/envdoctor/why", WhyHandler),
]
