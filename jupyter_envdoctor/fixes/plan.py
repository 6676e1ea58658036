"""Turn a Fix into the exact file changes it makes, read from the current state of the disk."""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import os
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from jupyter_core.paths import jupyter_data_dir

from ..model import Fix

log = logging.getLogger(__name__)

SPEC_FILE = "kernel.json"

# Path -> content that fixes planned earlier in the same run leave there (None: deleted).
Overlay = dict[str, Optional[bytes]]


class FixError(ValueError):
    """A fix cannot be planned or applied (what failed, and why)."""


class Superseded(FixError):
    """An earlier fix of the same run already removes the spec this fix would change."""


@dataclass
class FileChange:
    """One file a fix writes or deletes; ``before``/``after`` None means absent."""

    path: str
    before: bytes | None
    after: bytes | None
    mode: int = 0o644
    # A symlink is backed up and restored as a link to this target, never as a copy.
    link_before: str | None = None


@dataclass
class PlannedFix:
    fix: Fix
    changes: list[FileChange] = field(default_factory=list)
    # Folders the fix creates (removed again by undo) or empties and removes.
    created_dirs: list[str] = field(default_factory=list)
    removed_dirs: list[str] = field(default_factory=list)

    def diff(self) -> str:
        """Return a unified diff of each kernel.json the fix changes; other files by name."""
        parts = []
        for change in self.changes:
            if change.link_before is not None:
                parts.append(f"symlink {change.path} -> {change.link_before} removed\n")
                continue
            before = _text_lines(change.before)
            after = _text_lines(change.after)
            if os.path.basename(change.path) != SPEC_FILE or before is None or after is None:
                # Logos and other resources are named only, because their content does not
                # describe the fix.
                parts.append(f"{change.path} {'removed' if change.after is None else 'written'}\n")
                continue
            old_name = change.path if change.before is not None else "/dev/null"
            new_name = change.path if change.after is not None else "/dev/null"
            parts.append("".join(difflib.unified_diff(before, after, old_name, new_name)))
        return "".join(parts)


def plan_fix(fix: Fix, overlay: Overlay | None = None) -> PlannedFix:
    """Plan ``fix`` against the files as they are now; raise FixError when it cannot apply.

    ``overlay`` maps paths to the content that fixes planned earlier in the same run will
    leave there (None: deleted), so that several fixes of one kernel.json compose.
    """
    planner = _PLANNERS.get(fix.action)
    if planner is None:
        raise FixError(f"fix {fix.id} cannot be applied automatically (action {fix.action}): "
                       f"run it yourself: {fix.command}")
    return planner(fix, overlay if overlay is not None else {})


def plan_all(fixes: list[Fix]) -> tuple[list[PlannedFix], list[tuple[Fix, str]]]:
    """Plan ``fixes`` in order, each on top of the ones before; return plans and skipped fixes."""
    overlay: Overlay = {}
    renamed: dict[str, str] = {}
    planned: list[PlannedFix] = []
    skipped: list[tuple[Fix, str]] = []
    for fix in fixes:
        # A fix of a spec that an earlier fix renamed applies to the spec under its new name.
        old_dir = fix.params.get("resource_dir")
        if old_dir in renamed:
            fix = dataclasses.replace(fix, params={**fix.params, "resource_dir": renamed[old_dir]})
        try:
            plan = plan_fix(fix, overlay)
        except Superseded as e:
            log.debug("dropping fix %s: %s", fix.id, e)
            continue
        except FixError as e:
            skipped.append((fix, str(e)))
            continue
        for change in plan.changes:
            overlay[change.path] = change.after
        if fix.action == "rename-spec":
            renamed[fix.params["resource_dir"]] = plan.created_dirs[0]
        planned.append(plan)
    return planned, skipped


def _plan_remove(fix: Fix, overlay: Overlay) -> PlannedFix:
    resource_dir = _existing_kernel_dir(fix.params["resource_dir"], overlay)
    planned = PlannedFix(fix)
    if os.path.islink(resource_dir):
        # A linked kernel dir: remove the link, never the files of the dir it points to.
        planned.changes.append(FileChange(resource_dir, None, None, link_before=os.readlink(resource_dir)))
        return planned
    for path in _files_below(resource_dir):
        if os.path.islink(path):
            planned.changes.append(FileChange(path, None, None, link_before=os.readlink(path)))
        else:
            planned.changes.append(FileChange(path, _read(path, overlay), None, _mode(path)))
    planned.removed_dirs = _dirs_below(resource_dir) + [resource_dir]
    return planned


def _plan_edit(fix: Fix, overlay: Overlay, edit: Callable[[dict[str, Any]], None]) -> PlannedFix:
    resource_dir = _existing_kernel_dir(fix.params["resource_dir"], overlay)
    path = os.path.join(resource_dir, SPEC_FILE)
    for linked in (resource_dir, path):
        if os.path.islink(linked):
            # Writing through the link would change the spec it points to, often one that a
            # package installed inside an environment.
            raise FixError(f"cannot edit {path}: {linked} is a symlink to {os.readlink(linked)}; "
                           "edit the target, or replace the link with a copy first")
    before = _read(path, overlay)
    spec = _load_spec(path, before)
    edit(spec)
    after = dump_spec(spec)
    return PlannedFix(fix, [FileChange(path, before, after, _mode(path))])


def _plan_repoint(fix: Fix, overlay: Overlay) -> PlannedFix:
    def edit(spec: dict[str, Any]) -> None:
        spec["argv"][0] = fix.params["interpreter"]

    return _plan_edit(fix, overlay, edit)


def _plan_set_env(fix: Fix, overlay: Overlay) -> PlannedFix:
    def edit(spec: dict[str, Any]) -> None:
        env = dict(spec.get("env") or {})
        for key, value in fix.params["env"].items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        if env:
            spec["env"] = env
        else:
            spec.pop("env", None)

    return _plan_edit(fix, overlay, edit)


def _plan_rename(fix: Fix, overlay: Overlay) -> PlannedFix:
    resource_dir = _existing_kernel_dir(fix.params["resource_dir"], overlay)
    if os.path.islink(resource_dir):
        raise FixError(f"cannot rename {resource_dir}: it is a symlink to {os.readlink(resource_dir)}")
    target = os.path.join(os.path.dirname(resource_dir), fix.params["new_name"])
    if os.path.lexists(target):
        raise FixError(f"cannot rename kernel spec to {target}: it exists")
    planned = _plan_remove(fix, overlay)
    for change in list(planned.changes):
        if change.link_before is not None:
            raise FixError(f"cannot rename {resource_dir}: {change.path} is a symlink")
        new_path = os.path.join(target, os.path.relpath(change.path, resource_dir))
        planned.changes.append(FileChange(new_path, None, change.before, change.mode))
    planned.created_dirs = [target] + [os.path.join(target, os.path.relpath(d, resource_dir))
                                       for d in _dirs_below(resource_dir)]
    return planned


def _plan_register(fix: Fix, overlay: Overlay) -> PlannedFix:
    from .register import kernel_files  # register imports this module for dump_spec

    name = fix.params["name"]
    target = os.path.join(jupyter_data_dir(), "kernels", name)
    if os.path.lexists(target):
        raise FixError(f"cannot register kernel {name!r}: {target} exists; choose another name")
    _require_ipykernel(fix.params["interpreter"], fix.params.get("install_command"))
    planned = PlannedFix(fix, created_dirs=[target])
    for relative, content in kernel_files(fix.params).items():
        planned.changes.append(FileChange(os.path.join(target, relative), None, content))
    return planned


def _require_ipykernel(interpreter: str, install_command: str | None) -> None:
    """Raise FixError unless ``interpreter`` runs and finds ipykernel_launcher."""
    from ..discovery.interpreters import ProbeRequest, probe_interpreters

    request = ProbeRequest.from_environ(interpreter, os.environ, ("ipykernel", "ipykernel_launcher"))
    result = probe_interpreters([request], timeout=30.0)[request]
    if not result.ok:
        raise FixError(f"cannot register a kernel for {interpreter}: it does not run ({result.error})")
    if not all(result.importable.values()):
        command = install_command or f"{shlex.quote(interpreter)} -m pip install ipykernel"
        raise FixError(f"cannot register a kernel for {interpreter}: it cannot import ipykernel; "
                       f"install it first: {command}")


_PLANNERS: dict[str, Callable[[Fix, Overlay], PlannedFix]] = {
    "remove-spec": _plan_remove,
    "repoint-spec": _plan_repoint,
    "set-spec-env": _plan_set_env,
    "rename-spec": _plan_rename,
    "register-kernel": _plan_register,
}


def dump_spec(spec: dict[str, Any]) -> bytes:
    """Serialize a kernel spec the way jupyter_client and ipykernel write kernel.json."""
    return (json.dumps(spec, indent=1) + "\n").encode("utf-8")


def _existing_kernel_dir(resource_dir: str, overlay: Overlay) -> str:
    # Fixes only touch kernel dirs: <data dir>/kernels/<name>/ holding a kernel.json.
    if os.path.basename(os.path.dirname(os.path.normpath(resource_dir))) != "kernels":
        raise FixError(f"refusing to change {resource_dir}: it is not inside a kernels dir")
    spec_path = os.path.join(resource_dir, SPEC_FILE)
    if spec_path in overlay and overlay[spec_path] is None:
        raise Superseded(f"an earlier fix removes {resource_dir}")
    if overlay.get(spec_path) is not None:
        return resource_dir  # created by an earlier fix of the same run
    if not os.path.isdir(resource_dir):
        raise FixError(f"kernel spec {resource_dir} no longer exists")
    return resource_dir


def _load_spec(path: str, raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        raise FixError(f"cannot edit {path}: the file does not exist")
    try:
        spec = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FixError(f"cannot edit {path}: it is not valid JSON ({e})") from e
    if not isinstance(spec, dict) or not isinstance(spec.get("argv"), list) or not spec["argv"]:
        raise FixError(f"cannot edit {path}: it has no argv list")
    return spec


def _read(path: str, overlay: Overlay) -> bytes | None:
    if path in overlay:
        return overlay[path]
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise FixError(f"cannot read {path}: {e.strerror}") from e


def _mode(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o644


def _files_below(folder: str) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            found.append(os.path.join(root, name))
    return found


def _dirs_below(folder: str) -> list[str]:
    found: list[str] = []
    for root, dirs, _ in os.walk(folder, topdown=False):
        found.extend(os.path.join(root, d) for d in sorted(dirs))
    return found


def _text_lines(data: bytes | None) -> list[str] | None:
    if data is None:
        return []
    try:
        lines = data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None
    if lines and not lines[-1].endswith("\n"):
        # The marker diff and patch use, so that the last lines do not run together.
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
