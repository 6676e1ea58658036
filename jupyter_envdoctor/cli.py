"""`jupyter envdoctor`: report, `fix` and `undo` subcommands.

Exit codes of the report: 0 no warnings or errors, 1 warnings, 2 errors, 3 the command
itself failed (bad arguments or configuration).
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from typing import Any, Callable, NoReturn

from jupyter_core.application import JupyterApp, base_aliases, base_flags
from traitlets import Bool, TraitError, Unicode
from traitlets import Dict as DictTrait
from traitlets import List as ListTrait

from ._version import __version__
from .checks import KNOWN_CODES
from .config import EnvDoctor
from .fixes import FixError, apply_fixes, list_runs, plan_all, select_fixes, undo_last
from .fixes.journal import UndoConflict
from .kernelself import KERNEL_CODES
from .report import Report, plural, render_text
from .why import (
    KernelNotFoundError,
    WhyError,
    choose_kernel,
    explain,
    explanation_json,
    validate_module_name,
)
from .why import render_text as render_why

USAGE_ERROR = 3
# Codes of the report's checks and of the running-kernel checks of `%envdoctor`.
ALL_CODES = KNOWN_CODES | KERNEL_CODES

_common_aliases = {
    **base_aliases,
    "server-python": "EnvDoctor.server_python",
    "timeout": "EnvDoctor.probe_timeout",
    "ignore": "EnvDoctor.ignore",
    "env-dir": "EnvDoctor.extra_env_dirs",
    "root-dir": "EnvDoctor.root_dir",
}
_common_flags = {
    **base_flags,
    "json": ({"EnvDoctorBase": {"json": True}}, "Print the report as JSON (schema_version 1)."),
    "no-probe": ({"EnvDoctor": {"probe": False}}, "Do not start interpreters; report files only."),
    "no-cache": ({"EnvDoctor": {"use_cache": False}}, "Read every file and probe every interpreter again, without the cache."),
    "deep": ({"EnvDoctor": {"deep": True}}, "Look for every listed file and check each conda file's sha256 (slow)."),
}


class EnvDoctorBase(JupyterApp):
    """Settings and helpers shared by every envdoctor subcommand."""

    version = __version__
    aliases = DictTrait(_common_aliases)
    flags = DictTrait(_common_flags)
    json = Bool(False, config=True, help="Print JSON instead of text.")

    classes = [EnvDoctor]  # noqa: RUF012 - traitlets reads this list from the class

    def _config_file_name_default(self) -> str:
        # Every subcommand reads the same jupyter_envdoctor_config.py, not one named after itself.
        return "jupyter_envdoctor_config"

    def exit(self, exit_status: Any = 0) -> None:
        # traitlets exits with 1 on bad config; 1 means "warnings" here, so use 3.
        super().exit(USAGE_ERROR if exit_status not in (0, None) else 0)

    def parse_command_line(self, argv: Any = None) -> None:
        # argparse exits with 2 on unknown or malformed options; 2 means "errors" here.
        # traitlets only warns about an unknown `--name=value`, so check those first.
        args = list(argv if argv is not None else sys.argv[1:])
        _check_command_first(args, self.subcommands, self.aliases)
        for arg in args:
            name = arg[2:].split("=", 1)[0] if arg.startswith("--") else ""
            known = name in self.aliases or name in self.flags or "." in name
            if name and not known and name not in ("help", "help-all", "version"):
                _usage_error(f"unknown option --{name}; see --help")
            if arg in self.subcommands:
                break
        try:
            super().parse_command_line(argv)
        except SystemExit as e:
            if e.code not in (0, None):
                raise SystemExit(USAGE_ERROR) from e
            raise

    def make_report(self) -> Report:
        progress = _progress_printer()
        doctor = EnvDoctor(parent=self)
        for code in sorted({c.upper() for c in doctor.ignore} - ALL_CODES):
            print(f"jupyter envdoctor: warning: ignoring unknown finding code {code}", file=sys.stderr)
        report = doctor.report(progress=progress)
        if progress is not None:
            sys.stderr.write("\r\x1b[K")
        return report


class FixApp(EnvDoctorBase):
    name = "jupyter-envdoctor-fix"
    description = """Show the planned fixes as diffs, ask, then apply them with a backup.

    Every applied run can be reverted with `jupyter envdoctor undo`."""

    dry_run = Bool(False, config=True, help="Show the plan and change nothing.")
    yes = Bool(False, config=True, help="Apply without asking.")
    commands = Bool(False, config=True,
                    help="Also run the commands of package fixes (pip or conda installs); they cannot be undone.")
    code = ListTrait(Unicode(), config=True, help="Only fix findings with these codes.")
    kernel = ListTrait(Unicode(), config=True, help="Only fix findings about these kernels.")
    fix = ListTrait(Unicode(), config=True, help="Apply exactly these fix ids (from the report).")

    aliases = DictTrait({**_common_aliases, "code": "FixApp.code", "kernel": "FixApp.kernel",
                         "fix": "FixApp.fix"})
    flags = DictTrait({
        **{k: v for k, v in _common_flags.items() if k != "json"},
        "dry-run": ({"FixApp": {"dry_run": True}}, "Show the plan and change nothing."),
        "yes": ({"FixApp": {"yes": True}}, "Apply without asking."),
        "y": ({"FixApp": {"yes": True}}, "Apply without asking."),
        "commands": ({"FixApp": {"commands": True}}, "Also run package install commands."),
    })

    def start(self) -> None:
        report = self.make_report()
        _check_selection(report, self.code, self.kernel, self.fix)
        chosen = select_fixes(report.findings, self.code, self.kernel, self.fix, self.commands)
        file_fixes = [f for f in chosen if f.applicable]
        # Commands (package installs) run only with --commands, even when named by --fix.
        commands = [f for f in chosen if not f.applicable and self.commands]
        if not self.commands:
            _print_command_hint(select_fixes(report.findings, self.code, self.kernel, self.fix, True))
        planned, skipped = plan_all(file_fixes)

        if not planned and not commands:
            print("Nothing to fix." if not skipped else "No fix can be applied:")
            _print_skipped(skipped)
            sys.exit(2 if skipped else 0)
        _print_plan(planned, commands, skipped)
        if self.dry_run:
            print("Dry run: nothing was changed.")
            sys.exit(0)
        if not self.yes and not _confirm("Apply these fixes?"):
            print("Nothing was changed.")
            sys.exit(1)

        failed = False
        if planned:
            try:
                run = apply_fixes(planned)
            except FixError as e:
                print(f"error: {e}", file=sys.stderr)
                sys.exit(2)
            print(f"Applied {plural(len(planned), 'fix')} (run {run.id}); "
                  "revert with `jupyter envdoctor undo`.")
        for fix in commands:
            failed |= not _run_command(fix.command or "")
        sys.exit(2 if failed or skipped else 0)


class UndoApp(EnvDoctorBase):
    name = "jupyter-envdoctor-undo"
    description = """Revert the newest applied fix run, restoring every file byte for byte.

    Run it again to revert earlier runs one by one."""

    yes = Bool(False, config=True, help="Revert without asking.")
    force = Bool(False, config=True, help="Restore even files changed since the fix run.")
    list_runs = Bool(False, config=True, help="List the recorded fix runs and exit.")
    aliases = DictTrait(base_aliases)
    flags = DictTrait({
        **base_flags,
        "yes": ({"UndoApp": {"yes": True}}, "Revert without asking."),
        "y": ({"UndoApp": {"yes": True}}, "Revert without asking."),
        "force": ({"UndoApp": {"force": True}}, "Restore even files changed since the run."),
        "list": ({"UndoApp": {"list_runs": True}}, "List the recorded fix runs."),
    })

    def start(self) -> None:
        runs = list_runs()
        if self.list_runs:
            for run in runs:
                print(f"{run.id}  {run.status:8}  " + "; ".join(f["title"] for f in run.fixes))
            sys.exit(0)
        pending = [r for r in runs if r.status == "applied"]
        if not pending:
            print("Nothing to undo: no applied fix run.", file=sys.stderr)
            sys.exit(1)
        run = pending[0]
        files = {change["path"] for change in run.changes}
        print(f"Run {run.id} changed {plural(len(files), 'file')}:")
        for fix in run.fixes:
            print(f"  - {fix['title']}")
        if not self.yes and not _confirm("Revert it?"):
            print("Nothing was changed.")
            sys.exit(1)
        try:
            undo_last(force=self.force)
        except UndoConflict as e:
            print(f"error: {e} (use --force to restore anyway)", file=sys.stderr)
            sys.exit(2)
        except FixError as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)
        print(f"Reverted run {run.id}.")


class WhyApp(EnvDoctorBase):
    name = "jupyter-envdoctor-why"
    description = """Explain where `import MODULE` comes from in a kernel, and what it shadows.

    Lists every place on the kernel's sys.path that has the module, in search order, which one
    wins, its distribution, version and installer, and the findings about it. Exit codes: 0
    found, 1 found nowhere, 2 the kernel's sys.path is unknown, 3 bad arguments."""
    examples = """
    jupyter envdoctor why numpy                     # in kernel python3, started here
    jupyter envdoctor why numpy --kernel=proj --cwd=~/work
    jupyter envdoctor why email --json
    """
    kernel = Unicode(None, allow_none=True, config=True,
                     help="Kernel to ask (default: python3, or the only Python kernel).")
    cwd = Unicode(None, allow_none=True, config=True,
                  help="Notebook folder the kernel starts in (default: the current dir).")
    aliases = DictTrait({**_common_aliases, "kernel": "WhyApp.kernel", "cwd": "WhyApp.cwd"})

    def start(self) -> None:
        if len(self.extra_args) != 1:
            _usage_error("expected one module name, as in `jupyter envdoctor why numpy`")
        module = self.extra_args[0]
        cwd = os.path.abspath(os.path.expanduser(self.cwd or os.getcwd()))
        try:
            validate_module_name(module)
        except WhyError as e:
            _usage_error(str(e))
        if not os.path.isdir(cwd):
            _usage_error(f"--cwd {cwd} is not a directory")

        report = self.make_report()
        try:
            kernel = choose_kernel(report.snapshot, self.kernel)
            explanation = explain(report.snapshot, kernel, module, cwd, report.findings)
        except KernelNotFoundError as e:
            _usage_error(str(e))
        except WhyError as e:
            print(f"jupyter envdoctor: error: {e}", file=sys.stderr)
            sys.exit(2)
        if self.json:
            print(json.dumps(explanation_json(explanation), indent=2, default=str))
        else:
            print(render_why(explanation), end="")
        sys.exit(0 if explanation.resolution != "not found" else 1)


class EnvDoctorApp(EnvDoctorBase):
    name = "jupyter-envdoctor"
    description = """Report which environment each Jupyter kernel runs and what is wrong.

    Exit codes: 0 no warnings or errors, 1 warnings, 2 errors, 3 bad arguments."""
    examples = """
    jupyter envdoctor                 # the report
    jupyter envdoctor --json          # the report as JSON
    jupyter envdoctor fix --dry-run   # what `fix` would change
    jupyter envdoctor undo            # revert the last fix run
    """
    verbose = Bool(False, config=True, help="Show empty evidence and every environment.")
    flags = DictTrait({
        **_common_flags,
        "verbose": ({"EnvDoctorApp": {"verbose": True}}, "Show everything found."),
    })
    subcommands = DictTrait({
        "fix": (FixApp, FixApp.description.splitlines()[0]),
        "undo": (UndoApp, UndoApp.description.splitlines()[0]),
        "why": (WhyApp, WhyApp.description.splitlines()[0]),
        # By import path, because envfilecli imports this module.
        "export": ("jupyter_envdoctor.envfilecli.ExportApp",
                   "Write an environment.yml for an environment, pip packages included."),
        "check": ("jupyter_envdoctor.envfilecli.CheckApp",
                  "Compare an environment.yml with the environment it describes."),
    })

    def start(self) -> None:
        if self.subapp is not None:
            self.subapp.start()
            return
        if self.extra_args:
            _usage_error(f"unknown command {self.extra_args[0]!r}; the commands are: "
                         + ", ".join(sorted(self.subcommands)))
        report = self.make_report()
        if self.json:
            print(json.dumps(report.to_json(), indent=2, default=str))
        else:
            print(render_text(report, self.verbose), end="")
        sys.exit(report.exit_code)


def _check_command_first(args: list[str], commands: Any, aliases: Any) -> None:
    """Exit with a usage error when a command comes after an option, which traitlets would
    read as an unknown command."""
    for index, arg in enumerate(args[1:], start=1):
        previous = args[index - 1]
        takes_value = previous.startswith("-") and "=" not in previous and previous.lstrip("-") in aliases
        if arg in commands and not takes_value:
            options = " ".join(args[:index])
            _usage_error(f"the command goes first, before its options: "
                         f"jupyter envdoctor {arg} {options} ...")


def _usage_error(message: str) -> NoReturn:
    print(f"jupyter envdoctor: error: {message}", file=sys.stderr)
    sys.exit(USAGE_ERROR)


def _check_selection(report: Report, codes: list[str], kernels: list[str], fix_ids: list[str]) -> None:
    """Exit with a usage error when --code, --kernel or --fix names something unknown."""
    unknown_codes = sorted({c.upper() for c in codes} - ALL_CODES)
    if unknown_codes:
        _usage_error(f"unknown finding code {', '.join(unknown_codes)}; see docs/checks/index.md")
    names = {k.name for k in report.snapshot.kernels}
    unknown_kernels = sorted(set(kernels) - names)
    if unknown_kernels:
        _usage_error(f"no kernel named {', '.join(unknown_kernels)}; the kernels are: "
                     + ", ".join(sorted(names)))
    ids = {fix.id for finding in report.findings for fix in finding.fixes}
    unknown_ids = sorted(set(fix_ids) - ids)
    if unknown_ids:
        _usage_error(f"no fix with id {', '.join(unknown_ids)} in the current report; "
                     "run `jupyter envdoctor` for the ids")


def _print_command_hint(candidates: list[Any]) -> None:
    commands = [f for f in candidates if not f.applicable]
    if not commands:
        return
    print(f"{plural(len(commands), 'fix')} can only be done by running a command; run "
          f"{'it' if len(commands) == 1 else 'them'} yourself, or again with --commands:")
    for fix in commands:
        print(f"    $ {fix.command}")
    print()


def _print_plan(planned: list[Any], commands: list[Any], skipped: list[Any]) -> None:
    for plan in planned:
        print(f"* {plan.fix.title}  [{plan.fix.id}]")
        print(_indent(plan.diff()))
    for fix in commands:
        print(f"* {fix.title}  [{fix.id}] (runs a command; cannot be undone)")
        print(f"    $ {fix.command}")
    _print_skipped(skipped)


def _print_skipped(skipped: list[Any]) -> None:
    for fix, reason in skipped:
        print(f"- skipped {fix.title}: {reason}")


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.rstrip("\n").splitlines())


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        print(f"{question} No terminal to ask on: run again with --yes to confirm.", file=sys.stderr)
        return False
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def _run_command(command: str) -> bool:
    print(f"$ {command}")
    try:
        # The tool builds these commands itself, quoting every path with shlex.quote.
        result = subprocess.run(command, shell=True, check=False)
    except OSError as e:
        print(f"error: cannot run {command}: {e.strerror}", file=sys.stderr)
        return False
    if result.returncode != 0:
        print(f"error: {command} failed with exit code {result.returncode}", file=sys.stderr)
    return result.returncode == 0


def _progress_printer() -> Callable[[str], None] | None:
    """Return a progress callback that writes to a terminal's stderr, or None elsewhere."""
    if not sys.stderr.isatty():
        return None

    def show(step: str) -> None:
        sys.stderr.write(f"\r\x1b[Kjupyter envdoctor: {step}...")
        sys.stderr.flush()

    return show


def _option_message(message: str) -> str:
    """Name the command-line option in a traitlets validation message, where there is one."""
    match = re.match(r"The '(\w+)' trait of an? \w+ instance (.*)", message)
    if match is None:
        return f"invalid setting: {message}"
    aliases = {trait.split(".")[-1]: option for option, trait in _common_aliases.items()
               if isinstance(trait, str)}
    option = aliases.get(match.group(1))
    name = f"--{option}" if option else f"setting {match.group(1)}"
    return f"invalid value for {name}: {match.group(2)}"


def _log_warnings_to_stderr() -> None:
    """Print the package's logged warnings (a cache that cannot be written, say) in the
    form of the command's other messages."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("jupyter envdoctor: warning: %(message)s"))
    handler.setLevel(logging.WARNING)
    package_logger = logging.getLogger("jupyter_envdoctor")
    package_logger.addHandler(handler)
    package_logger.propagate = False


def main(argv: list[str] | None = None) -> None:
    """Run `jupyter envdoctor`; errors end with a one-line message, not a traceback."""
    args = sys.argv[1:] if argv is None else argv
    _log_warnings_to_stderr()
    try:
        EnvDoctorApp.launch_instance(args)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: exit as a process killed by SIGPIPE would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    except TraitError as e:
        print(f"jupyter envdoctor: {_option_message(str(e))}", file=sys.stderr)
        sys.exit(USAGE_ERROR)
    except Exception as e:
        if "--debug" in args:
            raise
        print(f"jupyter envdoctor: error: {type(e).__name__}: {e} "
              "(run again with --debug for the traceback)", file=sys.stderr)
        sys.exit(USAGE_ERROR)


