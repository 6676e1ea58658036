"""`jupyter envdoctor export` and `jupyter envdoctor check --spec`: environment.yml files.

Both read the environment from its files (conda-meta, dist-info dirs) and start no
interpreter, conda or pip.
"""

from __future__ import annotations

import json
import os
import sys

from traitlets import Bool, Unicode
from traitlets import Dict as DictTrait

from .checks import exit_code
from .checks.envfiles import compare_file
from .checks.packageview import PackageView
from .cli import ALL_CODES, EnvDoctorBase, _common_aliases, _common_flags, _usage_error
from .config import EnvDoctor
from .discovery.envfiles import environments_named
from .discovery.packages import read_environment_packages
from .discovery.scan import scan
from .envfile.export import ExportedEnvironment, export_environment
from .envfile.reader import read_environment_file
from .envfile.writer import render, render_update, write_atomically
from .model import SEVERITY_ORDER, Environment, EnvironmentFileUse, Finding, Snapshot
from .report import SCHEMA_VERSION, environment_json, finding_json, findings_text, plural

# export and check never start an interpreter, so --no-probe changes nothing there, and
# --no-cache makes them read every dist-info and conda record again.
_file_flags = dict(_common_flags)


class EnvironmentFileApp(EnvDoctorBase):
    """Scanning and choosing an environment, shared by `export` and `check`."""

    def scan_files(self, key: str) -> Snapshot:
        """Scan kernels and environments without starting any interpreter. When ``key`` is
        a folder, it is searched too, so an environment that no registry lists is found."""
        doctor = EnvDoctor(parent=self)
        options = doctor.scan_options()
        options.probe = False
        folder = os.path.expanduser(key)
        if os.path.isdir(folder):
            options.extra_env_dirs = [*options.extra_env_dirs, os.path.abspath(folder)]
        return scan(options)

    def warn_unknown_codes(self) -> set[str]:
        """Return the codes of --ignore in upper case, warning about unknown ones as the
        report does."""
        ignored = {code.upper() for code in EnvDoctor(parent=self).ignore}
        for code in sorted(ignored - ALL_CODES):
            print(f"jupyter envdoctor: warning: ignoring unknown finding code {code}",
                  file=sys.stderr)
        return ignored

    def package_view(self, snapshot: Snapshot, env: Environment) -> PackageView:
        packages = snapshot.packages.get(env.id)
        if packages is None:
            packages = read_environment_packages(env, [], deep=False)
        return PackageView(env, packages)


def find_environment(snapshot: Snapshot, key: str, hint: str = "") -> Environment:
    """Return the environment that ``key`` names: a prefix, an environment name or a kernel
    name. Exit with a usage error when it names none or several; ``hint`` ends the message
    about a folder that is not an environment."""
    kernels = [k for k in snapshot.visible_kernels() if k.name == key and k.environment_id]
    found = environments_named(snapshot, key) or [
        env for k in kernels if (env := snapshot.environment(k.environment_id)) is not None]
    if len(found) == 1:
        return found[0]
    if found:
        _usage_error(f"{key!r} names several environments: "
                     + ", ".join(e.prefix for e in found) + "; give the prefix")
    folder = os.path.expanduser(key)
    if os.path.isdir(folder):
        _usage_error(f"{os.path.abspath(folder)} is a folder but not a Python environment: it "
                     f"has no conda-meta/history, no pyvenv.cfg and no lib/pythonX.Y/os.py{hint}")
    names = sorted({e.name for e in snapshot.environments if e.kind != "system"})
    _usage_error(f"no environment or kernel named {key!r}; give a prefix, or one of: "
                 + (", ".join(names) or "(no environments found)"))


class ExportApp(EnvironmentFileApp):
    name = "jupyter-envdoctor-export"
    description = """Write an environment.yml for an environment: its conda packages, pip itself,
    and every package that pip or uv installed under `pip:`.

    ENV is an environment prefix, an environment name or the name of a kernel that runs it.
    Conda packages are pinned to version and build, or with --from-history written as the
    specs you asked for (conda-meta/history). Without -o, or with -o -, the file goes to stdout. An existing
    file is only rewritten with --force, and then keeps its comments, its other keys and the
    place of each package it already listed."""
    # traitlets indents every line of the examples by the same amount.
    examples = """jupyter envdoctor export myenv -o environment.yml
jupyter envdoctor export python3 --from-history
jupyter envdoctor export ~/miniconda3/envs/myenv -o environment.yml --force
"""
    output = Unicode("", config=True, help="File to write; '-' or no value writes to stdout.")
    from_history = Bool(False, config=True,
                        help="Write the conda specs you asked for instead of pinned builds.")
    force = Bool(False, config=True,
                 help="Rewrite an existing output file, keeping its comments.")
    aliases = DictTrait({**_common_aliases, "o": "ExportApp.output", "output": "ExportApp.output"})
    flags = DictTrait({
        **{k: v for k, v in _file_flags.items() if k != "json"},
        "from-history": ({"ExportApp": {"from_history": True}},
                         "Write the conda specs from conda-meta/history, not pinned builds."),
        "force": ({"ExportApp": {"force": True}}, "Rewrite an existing file, keeping its comments."),
    })

    def start(self) -> None:
        if len(self.extra_args) != 1:
            _usage_error("expected one environment, as in `jupyter envdoctor export myenv`")
        # `-o -` writes to stdout, as with most command-line tools.
        to_file = self.output not in ("", "-")
        output = os.path.abspath(os.path.expanduser(self.output)) if to_file else None
        if output is not None and os.path.isdir(output):
            _usage_error(f"{output} is a directory; give the file to write with -o, "
                         f"such as {os.path.join(output, 'environment.yml')}")
        if output is not None and os.path.exists(output) and not self.force:
            _usage_error(f"{output} exists; pass --force to rewrite it (its comments are kept)")
        if output is not None and not os.path.isdir(os.path.dirname(output)):
            _usage_error(f"the folder of {output} does not exist")

        snapshot = self.scan_files(self.extra_args[0])
        env = find_environment(snapshot, self.extra_args[0])
        self.warn_unknown_codes()
        view = self.package_view(snapshot, env)
        # Without -o the output may go anywhere, so local paths are written absolute.
        exported = export_environment(view, from_history=self.from_history,
                                      file_dir=os.path.dirname(output) if output else None)
        if not _findable_by_name(snapshot, env):
            # `check --spec` and the report find the environment again by this prefix.
            exported.prefix = env.prefix
        if self.from_history and view.is_conda and not exported.conda:
            print(f"jupyter envdoctor: warning: {env.prefix}/conda-meta/history names no specs "
                  "of installed packages", file=sys.stderr)

        if output is None:
            sys.stdout.write(render(exported))
            return
        text = render(exported)
        if os.path.exists(output):
            notes: list[str] = []
            text = self._updated_text(output, exported, notes)
            for note in notes:
                print(f"jupyter envdoctor: note: {note}", file=sys.stderr)
        write_atomically(output, text)
        print(f"Wrote {output}: {plural(len(exported.conda), 'conda spec')} and "
              f"{plural(len(exported.pip), 'pip requirement')}.", file=sys.stderr)

    def _updated_text(self, output: str, exported: ExportedEnvironment, notes: list[str]) -> str:
        try:
            with open(output, encoding="utf-8") as stream:
                existing = stream.read()
        except (OSError, UnicodeDecodeError) as error:
            _usage_error(f"cannot read {output} to keep its comments: {error}")
        try:
            return render_update(existing, exported, notes, output)
        except ValueError as error:
            _usage_error(f"{output} cannot be updated, because {error}; "
                         "delete it or choose another file with -o")


class CheckApp(EnvironmentFileApp):
    name = "jupyter-envdoctor-check"
    description = """Compare an environment.yml with the environment it describes.

    Reports dependencies that are not installed or have another version, build or channel;
    packages you installed that the file does not list (conda and pip separately); packages
    listed in the wrong section; and a pip section without pip. Exit codes: 0 the file matches
    (or only info), 1 warnings, 2 errors, 3 bad arguments or a missing file."""
    examples = """jupyter envdoctor check --spec environment.yml  # the env the file names
jupyter envdoctor check --spec environment.yml --env python3
jupyter envdoctor check --spec environment.yml --json
"""
    spec = Unicode("", config=True, help="The environment.yml to check.")
    env = Unicode("", config=True,
                  help="Environment prefix, environment name or kernel name (default: the "
                       "file's prefix or name).")
    aliases = DictTrait({**_common_aliases, "spec": "CheckApp.spec", "env": "CheckApp.env"})
    flags = DictTrait(_file_flags)

    def start(self) -> None:
        if self.extra_args:
            _usage_error(f"unexpected argument {self.extra_args[0]!r}; name the file with --spec")
        if not self.spec:
            _usage_error("name the environment file with --spec, as in "
                         "`jupyter envdoctor check --spec environment.yml`")
        path = os.path.abspath(os.path.expanduser(self.spec))
        if os.path.isdir(path):
            _usage_error(f"{path} is a directory; give the environment file itself with --spec, "
                         f"such as {os.path.join(path, 'environment.yml')}")
        if not os.path.isfile(path):
            _usage_error(f"environment file {path} not found")

        env_file = read_environment_file(path)
        key = self.env or env_file.prefix or env_file.name
        if not key and env_file.error is not None:
            # The S600 message; without an environment there is nothing else to report.
            _usage_error(f"environment file {path} cannot be used: {env_file.error}")
        if not key:
            _usage_error(f"{path} has no name or prefix; name the environment with --env")
        hint = ""
        if not self.env and env_file.prefix and key == env_file.prefix:
            _check_file_prefix(path, env_file.prefix)
            hint = f"; {path} names this prefix, so name the environment with --env"
        snapshot = self.scan_files(key)
        env = find_environment(snapshot, key, hint)
        view = self.package_view(snapshot, env)

        use = EnvironmentFileUse(env_file, env.id, list(env.kernels), "command line")
        ignored = self.warn_unknown_codes()
        findings = [f for f in compare_file(use, view) if f.code not in ignored]
        findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.title))
        if self.json:
            print(json.dumps(check_json(path, env, findings), indent=2, default=str))
        else:
            print(f"Environment file: {path}\nEnvironment: {env.prefix} ({env.kind})\n")
            print("\n".join(findings_text(findings, False)))
        sys.exit(exit_code(findings))


def _check_file_prefix(path: str, prefix: str) -> None:
    """Exit with a usage error when the `prefix:` of the file at ``path`` does not exist."""
    folder = os.path.expanduser(prefix)
    if os.path.isdir(folder):
        return
    problem = "is not a folder" if os.path.exists(folder) else "does not exist"
    _usage_error(f"the prefix of {path}, {prefix}, {problem}; name the environment to check "
                 "with --env (a prefix, an environment name or a kernel name)")


def _findable_by_name(snapshot: Snapshot, env: Environment) -> bool:
    """Tell whether a scan without the export's folder finds ``env`` by its name alone.

    An environment found only because its prefix was given (``extra_dirs``), or whose name
    several environments share, needs `prefix:` in the file.
    """
    if set(env.found_by) <= {"extra_dirs"}:
        return False
    return [e.prefix for e in snapshot.environments if e.name == env.name] == [env.prefix]


def check_json(path: str, env: Environment, findings: list[Finding]) -> dict[str, object]:
    """Return the result of `check --json`: the file, the environment and the findings."""
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    return {
        "schema_version": SCHEMA_VERSION,
        "environment_file": path,
        "environment": environment_json(env),
        "findings": [finding_json(f) for f in findings],
        "summary": {"errors": counts["error"], "warnings": counts["warning"],
                    "info": counts["info"], "exit_code": exit_code(findings)},
    }
