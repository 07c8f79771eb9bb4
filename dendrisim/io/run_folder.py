"""Results folder: layout, manifest, protection of finished results.

The layout is a contract: docs/architecture.md#results-layout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dendrisim.config import Case
from dendrisim.core import parallel
from dendrisim.core.compat import versions
from dendrisim.core.errors import ResultsExistError

FINISHED = "finished"  # a run that reached a valid stop (end time, runaway, Li exhausted)
RUNNING = "running"
FAILED = "failed"


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
        return json.loads(p.read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


@dataclass
class ResultsDir:
    """A results folder being written by one run (all writes on rank 0)."""

    path: Path
    case: Case
    comm: Any = None
    started: float = field(default_factory=time.time)
    manifest: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def prepare(
        cls, case: Case, out: str | Path | None = None, force: bool = False, comm=None
    ) -> ResultsDir:
        """Create the folder; refuse to replace a finished (or running) result unless forced."""
        path = Path(out) if out else default_results_dir(case)

        def _prepare() -> None:
            old = read_manifest(path)
            if old is not None and not force:
                status = old.get("status", "?")
                if status in (FINISHED, RUNNING):
                    raise ResultsExistError(
                        f"{path} already holds a {status} result of case "
                        f"{old.get('case', '?')!r}; use --force to replace it or --out DIR "
                        "to write elsewhere"
                    )
            if path.exists() and force:
                shutil.rmtree(path)
            path.mkdir(parents=True, exist_ok=True)
            if case.output.figures:
                (path / "figures").mkdir(exist_ok=True)
            (path / "case.toml").write_text(
                f"# resolved case written by dendrisim; units in key names (SI otherwise)\n"
                f"{case.to_toml()}",
                encoding="utf-8",
            )

        parallel.on_root(_prepare, comm)
        rd = cls(path=path, case=case, comm=comm)
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
        rd.write_manifest()
        return rd

    def write_manifest(self, **updates: Any) -> None:
        """Update and rewrite manifest.json atomically (rank 0)."""
        self.manifest.update(updates)
        self.manifest["wall_time_s"] = round(time.time() - self.started, 3)

        def _write() -> None:
            tmp = self.path / "manifest.json.tmp"
            tmp.write_text(json.dumps(self.manifest, indent=2, default=str), encoding="utf-8")
            tmp.replace(self.path / "manifest.json")

        parallel.on_root(_write, self.comm)

    def finish(self, status: str, stop_reason: str, **extra: Any) -> None:
        """Record the final status and stop reason."""
        self.write_manifest(
            status=status,
            stop_reason=stop_reason,
            finished_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **extra,
        )
