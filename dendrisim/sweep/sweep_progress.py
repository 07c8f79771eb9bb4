"""Progress of a sweep: done / failed / remaining with an ETA (rich bar on a terminal)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from dendrisim.core import logs
from dendrisim.sweep.execute import CaseOutcome


def format_duration(seconds: float) -> str:
    """``1h02m``, ``3m05s`` or ``12s``."""
    if seconds != seconds or seconds == float("inf"):
        return "?"
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


@dataclass
class Counts:
    """Counts of one sweep session (cases skipped as already finished count as done)."""

    total: int
    done: int = 0  # finished (including skipped)
    failed: int = 0
    to_run: int = 0  # cases this session runs
    ran: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def remaining(self) -> int:
        """Cases not ended yet."""
        return self.total - self.done - self.failed

    def eta_s(self, workers: int) -> float:
        """Seconds left at the mean rate of this session (inf before the first case ends)."""
        if self.ran == 0:
            return float("inf")
        rate = self.ran / max(time.monotonic() - self.started, 1e-9)
        return self.remaining / rate if self.remaining else 0.0

    def line(self, workers: int = 1) -> str:
        """``done 5 · failed 1 · remaining 6 · ETA 1m20s``."""
        return (
            f"done {self.done} · failed {self.failed} · remaining {self.remaining} · "
            f"ETA {format_duration(self.eta_s(workers))}"
        )


class SweepProgress:
    """A rich progress bar on a terminal; one line per ended case otherwise (or quiet: none)."""

    def __init__(self, counts: Counts, workers: int, quiet: bool = False, file=None):
        self.counts = counts
        self.workers = workers
        self.quiet = quiet or not logs.progress_enabled()
        self.file = file or sys.stderr
        self._bar = None
        self._task = None

    def __enter__(self) -> SweepProgress:
        if not self.quiet and getattr(self.file, "isatty", lambda: False)():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("sweep"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[line]}"),
                console=Console(file=self.file),
                transient=False,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(
                "sweep",
                total=self.counts.total,
                completed=self.counts.total - self.counts.remaining,
                line=self.counts.line(self.workers),
            )
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def update(self, outcome: CaseOutcome) -> None:
        """Count one ended case and show it."""
        c = self.counts
        c.ran += 1
        if outcome.status == "finished":
            c.done += 1
        else:
            c.failed += 1
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=c.total - c.remaining, line=c.line(self.workers))
            if outcome.status != "finished":
                self._bar.console.print(
                    f"[red]failed[/red] {outcome.name}: "
                    f"{outcome.stop_reason} {
                        outcome.error.splitlines()[0] if outcome.error else ''
                    }"
                )
            return
        what = outcome.status + (f" ({outcome.stop_reason})" if outcome.stop_reason else "")
        print(
            f"[{c.total - c.remaining}/{c.total}] {outcome.name}: {what} in "
            f"{outcome.wall_time_s:.3g} s — {c.line(self.workers)}",
            file=self.file,
            flush=True,
        )
