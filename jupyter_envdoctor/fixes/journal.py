"""Apply planned fixes with a backup of every file first, and undo a whole run later.

Each run is a folder ``<jupyter data dir>/envdoctor/runs/<run id>/`` holding
``manifest.json`` and the original bytes of every file the run changed, so undo restores
them byte for byte. Runs are undone newest first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from jupyter_core.paths import jupyter_data_dir

from ..atomicfile import write_atomic
from .plan import FileChange, FixError, PlannedFix

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


class UndoConflict(FixError):
    """Files changed after the fix run that would be undone."""


@dataclass
class Run:
    """A recorded fix run, as stored in its manifest."""

    id: str
    folder: str
    created: float
    status: str  # "applying", "applied", "undone" or "failed"
    fixes: list[dict[str, str]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)


def runs_dir() -> str:
    return os.path.join(jupyter_data_dir(), "envdoctor", "runs")


def apply_fixes(planned: list[PlannedFix]) -> Run:
    """Back up, then make every change of ``planned``; on failure restore what was changed."""
    run = _new_run(planned)
    records = iter(run.changes)
    done: list[dict[str, Any]] = []
    try:
        for plan in planned:
            for directory in plan.created_dirs:
                os.makedirs(directory, exist_ok=True)
            for change in plan.changes:
                _make_change(change)
                done.append(next(records))
            for directory in plan.removed_dirs:
                _remove_empty_dir(directory)
    except OSError as e:
        log.warning("fix run %s failed, restoring %d files: %s", run.id, len(done), e)
        _restore(run.folder, done)
        _save_status(run, "failed")
        raise FixError(f"applying fixes failed ({e}); every file was restored") from e
    _save_status(run, "applied")
    log.info("fix run %s applied: %d files changed", run.id, len(run.changes))
    return run


def undo_last(force: bool = False) -> Run:
    """Undo the newest applied run; raise FixError when files changed since it was applied."""
    applied = [r for r in list_runs() if r.status == "applied"]
    if not applied:
        raise FixError(f"nothing to undo: no applied fix run in {runs_dir()}")
    run = applied[0]
    conflicts = [] if force else _conflicts(run.changes)
    if conflicts:
        raise UndoConflict("cannot undo run " + run.id + ": changed since it was applied: "
                           + ", ".join(conflicts))
    _restore(run.folder, run.changes)
    _save_status(run, "undone")
    log.info("fix run %s undone", run.id)
    return run


def list_runs() -> list[Run]:
    """Return the recorded runs, newest first; unreadable manifests are skipped with a warning."""
    runs = []
    try:
        names = os.listdir(runs_dir())
    except OSError:
        return []
    for name in names:
        run = _load_run(os.path.join(runs_dir(), name))
        if run is not None:
            runs.append(run)
    runs.sort(key=lambda r: (r.created, r.id), reverse=True)
    return runs


def _new_run(planned: list[PlannedFix]) -> Run:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run_id = f"{stamp}-{uuid.uuid4().hex[:6]}"
    folder = os.path.join(runs_dir(), run_id)
    os.makedirs(os.path.join(folder, "files"), exist_ok=True)
    run = Run(id=run_id, folder=folder, created=time.time(), status="applying",
              fixes=[{"id": p.fix.id, "title": p.fix.title} for p in planned])
    for plan in planned:
        for change in plan.changes:
            run.changes.append(_backup(run, change, plan))
    _save(run)
    return run


def _backup(run: Run, change: FileChange, plan: PlannedFix) -> dict[str, Any]:
    record: dict[str, Any] = {
        "path": change.path,
        "mode": change.mode,
        "backup": None,
        "link": change.link_before,
        "after_sha256": _sha256(change.after),
        "created_dirs": plan.created_dirs,
        "removed_dirs": plan.removed_dirs,
    }
    if change.before is not None:
        backup = os.path.join(run.folder, "files", f"{len(run.changes):04d}")
        write_atomic(backup, change.before, 0o600)
        record["backup"] = os.path.relpath(backup, run.folder)
        record["before_sha256"] = _sha256(change.before)
    return record


def _make_change(change: FileChange) -> None:
    if change.after is None:
        if os.path.lexists(change.path):
            os.unlink(change.path)
        return
    write_atomic(change.path, change.after, change.mode)


def _restore(run_folder: str, records: list[dict[str, Any]]) -> None:
    """Put back the state before the run, newest change first."""
    for record in reversed(records):
        for directory in record["removed_dirs"]:
            os.makedirs(directory, exist_ok=True)
        path = record["path"]
        if os.path.lexists(path) and (record["backup"] is None or record.get("link") is not None):
            os.unlink(path)
        if record.get("link") is not None:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.symlink(record["link"], path)
        elif record["backup"] is not None:
            with open(os.path.join(run_folder, record["backup"]), "rb") as f:
                write_atomic(path, f.read(), record["mode"])
    # Folders the run created go once they are empty again, deepest first.
    created = {d for record in records for d in record["created_dirs"]}
    for directory in sorted(created, key=len, reverse=True):
        _remove_empty_dir(directory)


def _conflicts(records: list[dict[str, Any]]) -> list[str]:
    """Return the files whose content is no longer what the run left there."""
    # Several fixes of one run may change the same file; the last change is what it left.
    final = {record["path"]: record["after_sha256"] for record in records}
    return [path for path, digest in final.items() if _sha256(_read_or_none(path)) != digest]


def _remove_empty_dir(directory: str) -> None:
    try:
        os.rmdir(directory)
    except FileNotFoundError:
        pass
    except OSError as e:
        log.warning("left %s in place: %s", directory, e.strerror)


def _sha256(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _read_or_none(path: str) -> bytes | None:
    if os.path.islink(path):
        return None
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _save(run: Run) -> None:
    manifest = {"version": MANIFEST_VERSION, "id": run.id, "created": run.created,
                "status": run.status, "fixes": run.fixes, "changes": run.changes}
    write_atomic(os.path.join(run.folder, MANIFEST), json.dumps(manifest, indent=1).encode(), 0o600)


def _save_status(run: Run, status: str) -> None:
    run.status = status
    _save(run)


def _load_run(folder: str) -> Run | None:
    path = os.path.join(folder, MANIFEST)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data.get("version") != MANIFEST_VERSION:
            raise ValueError(f"manifest version {data.get('version')!r}")
        return Run(id=data["id"], folder=folder, created=data["created"], status=data["status"],
                   fixes=data["fixes"], changes=data["changes"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("skipping fix run %s: unreadable manifest (%s)", folder, e)
        return None
