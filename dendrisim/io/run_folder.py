"""Results folder: layout, manifest, protection of finished results.

The layout is a contract: docs/architecture.md#results-layout.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dendrisim.config import Case
from dendrisim.core import parallel
from dendrisim.core.compat import versions
from dendrisim.core.errors import OutputError, ResultsExistError
from dendrisim.io.folder_lock import LOCK_NAME, FolderLock, is_locked

FINISHED = "finished"  # a run that reached a valid stop (end time, runaway, Li exhausted)
RUNNING = "running"
FAILED = "failed"
INTERRUPTED = "interrupted"  # stopped by a signal, or killed (manifest `running`, lock free)

# what a run writes before its first manifest: a folder holding only these is a run's
PRE_MANIFEST = {LOCK_NAME, "case.toml", "figures", "manifest.json.tmp"}


def default_results_dir(case: Case, root: str | Path = "results") -> Path:
    """``results/<case name>``."""
    return Path(root) / case.name


def git_commit() -> str:
    """Commit of the dendrisim source tree, or '' outside a git checkout."""
    src = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", str(src), "status", "--porcelain", "--", "dendrisim"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    commit = out.stdout.strip() if out.returncode == 0 else ""
    if commit and dirty.stdout.strip():
        commit += "+dirty"
    return commit


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The manifest of a results folder, or None."""
    p = Path(folder) / "manifest.json"
    if not p.is_file():
        return None
    try:
        m = json.loads(p.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return m if isinstance(m, dict) else None


def is_results_folder(path: str | Path) -> bool:
    """True if ``path`` is a dendrisim results folder (a manifest, or a run's first files)."""
    path = Path(path)
    m = read_manifest(path)
    if m is not None and "case" in m and "status" in m:
        return True
    return {p.name for p in path.iterdir()} <= PRE_MANIFEST


def last_time_s(folder: str | Path) -> float | None:
    """Time of the last whole row of ``timeseries.csv`` [s], or None."""
    from dendrisim.io.timeseries import read_timeseries

    try:
        t = read_timeseries(Path(folder) / "timeseries.csv").get("time_s")
    except Exception:  # noqa: BLE001 - any unreadable file (NUL bytes, cut, missing): no time
        return None
    return float(t[-1]) if t is not None and len(t) else None


def folder_status(folder: str | Path, manifest: dict[str, Any] | None = None) -> str:
    """The manifest's status, but ``interrupted`` for a `running` one whose lock is free."""
    manifest = read_manifest(folder) if manifest is None else manifest
    status = str((manifest or {}).get("status", "unknown"))
    if status == RUNNING and not is_locked(folder):
        return INTERRUPTED
    return status


def status_line(folder: str | Path, manifest: dict[str, Any] | None = None) -> str:
    """'finished', 'running', 'interrupted (last row at t = 1.2 s)', ... for messages."""
    status = folder_status(folder, manifest)
    if status in (FINISHED, FAILED):
        return status
    t = last_time_s(folder)
    return f"{status} (last row at t = {t:.6g} s)" if t is not None else f"{status} (no rows)"


def _check_replaceable(path: Path, force: bool) -> None:
    """Refuse a folder that is not dendrisim's, before anything is written (rank 0)."""
    if path.exists() and not path.is_dir():
        raise ResultsExistError(f"{path} exists and is not a folder; choose another --out DIR")
    if not path.is_dir() or not any(path.iterdir()):
        return
    if not is_results_folder(path):
        raise ResultsExistError(
            f"{path} is not empty and holds no dendrisim result (no manifest.json)"
            + ("; --force replaces only a dendrisim results folder" if force else "")
            + "; nothing was changed: choose a new or empty folder with --out DIR"
        )


def _clear(path: Path) -> None:
    """Remove everything in a results folder except its lock (held by this run)."""
    for p in path.iterdir():
        if p.name == LOCK_NAME:
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


def _os_error(path: Path, exc: OSError) -> OutputError:
    why = os.strerror(exc.errno) if exc.errno else str(exc)
    return OutputError(f"{path}: cannot write the results folder ({why})")


@dataclass
class ResultsDir:
    """A results folder being written by one run (all writes on rank 0, which holds the lock)."""

    path: Path
    case: Case
    comm: Any = None
    started: float = field(default_factory=time.time)
    manifest: dict[str, Any] = field(default_factory=dict)
    lock: FolderLock | None = None
    replaced: str = ""  # what was in the folder before (for the log)

    @classmethod
    def prepare(
        cls, case: Case, out: str | Path | None = None, force: bool = False, comm=None
    ) -> ResultsDir:
        """Lock the folder; refuse a finished result unless forced, and foreign folders always."""
        path = Path(out) if out else default_results_dir(case)
        rd = cls(path=path, case=case, comm=comm)
        rd.replaced = parallel.on_root(lambda: rd._take(force), comm) or ""
        rd.manifest = {
            "case": case.name,
            "status": RUNNING,
            "stop_reason": None,
            "ranks": parallel.size(comm),
            "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(rd.started)),
            "wall_time_s": 0.0,
            "git_commit": parallel.on_root(git_commit, comm),
            "versions": parallel.on_root(versions, comm),
        }
        return rd._first_manifest()

    @classmethod
    def reopen(cls, case: Case, path: str | Path, comm=None) -> ResultsDir:
        """Lock the results folder of an unfinished run to continue it (nothing cleared)."""
        rd = cls(path=Path(path), case=case, comm=comm)

        def take() -> dict[str, Any]:
            rd.lock = FolderLock(rd.path).acquire()
            return read_manifest(rd.path) or {}

        old = parallel.on_root(take, comm)
        rd.manifest = dict(
            old,
            status=RUNNING,
            stop_reason=None,
            ranks=parallel.size(comm),
            resumes=int(old.get("resumes", 0)) + 1,
            resumed_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(rd.started)),
        )
        return rd._first_manifest()

    def _first_manifest(self) -> ResultsDir:
        """Write the manifest a run starts with; release the lock if that fails."""
        try:
            self.write_manifest()
        except BaseException:
            self.release()
            raise
        return self

    def _take(self, force: bool) -> str:
        """Rank 0: check, lock, clear and start the folder; returns what it replaced."""
        path = self.path
        _check_replaceable(path, force)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _os_error(path, exc) from None
        self.lock = FolderLock(path).acquire()
        try:
            return self._start_folder(force)
        except BaseException:
            self.release()
            raise

    def _start_folder(self, force: bool) -> str:
        path = self.path
        old = read_manifest(path)
        before = ""
        if old is not None:
            held = {"status": INTERRUPTED} if old.get("status") == RUNNING else old  # we lock it
            before = f"{status_line(path, held)} result of case {old.get('case', '?')!r}"
            if old.get("status") == FINISHED and not force:
                raise ResultsExistError(
                    f"{path} already holds a {before}; use --force to replace it or "
                    "--out DIR to write elsewhere"
                )
        try:
            _clear(path)
            if self.case.output.figures:
                (path / "figures").mkdir(exist_ok=True)
            _atomic_write(
                path / "case.toml",
                "# resolved case written by dendrisim; units in key names (SI otherwise)\n"
                f"{self.case.to_toml()}",
            )
        except OSError as exc:
            raise _os_error(path, exc) from None
        return before

    def write_manifest(self, **updates: Any) -> None:
        """Update and rewrite manifest.json atomically (rank 0; temp file + rename)."""
        self.manifest.update(updates)
        self.manifest["wall_time_s"] = round(time.time() - self.started, 3)
        text = json.dumps(self.manifest, indent=2, default=str)

        def _write() -> None:
            try:
                _atomic_write(self.path / "manifest.json", text)
            except OSError as exc:
                raise _os_error(self.path, exc) from None

        parallel.on_root(_write, self.comm)

    def finish(self, status: str, stop_reason: str, **extra: Any) -> None:
        """Record the final status and stop reason; the folder's lock is released."""
        try:
            self.write_manifest(
                status=status,
                stop_reason=stop_reason,
                finished_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                **extra,
            )
        finally:
            self.release()

    def release(self) -> None:
        """Free the folder's lock (idempotent; rank 0 holds it, others do nothing)."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def _atomic_write(path: Path, text: str) -> None:
    """Write ``path`` through ``path.tmp`` + rename: a reader sees the old or the new file.

    On any error (a full disk) the temp file is removed, and the old file is left as it was.
    """
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
