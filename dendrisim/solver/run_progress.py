"""One live progress line on rank 0 (rich), plain lines when not a terminal, none if quiet.

Always on stderr (results go to stdout); off after ``dendrisim.set_log_level("warning")``.
"""

from __future__ import annotations

import logging
import sys
import time

from dendrisim.core import logs, parallel

log = logging.getLogger("dendrisim")


class RunProgress:
    """Progress of simulated time; a context manager."""

    def __init__(self, end_s: float, quiet: bool = False, comm=None, plain_every_s: float = 10.0):
        self.end_s = end_s
        self.active = parallel.is_root(comm) and not quiet and logs.progress_enabled()
        self.live = self.active and sys.stderr.isatty()
        self.plain_every_s = plain_every_s
        self._last_plain = 0.0
        self._rich = None
        self._task = None

    def __enter__(self) -> RunProgress:
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._rich = Progress(
                TextColumn("[bold]t = {task.fields[t]}"),
                BarColumn(),
                TextColumn("{task.fields[info]}"),
                TimeElapsedColumn(),
                transient=False,
                console=Console(stderr=True),
            )
            self._rich.__enter__()
            self._task = self._rich.add_task("run", total=self.end_s, t="0", info="")
        return self

    def update(self, t: float, dt: float, newton_its: int, T_interface_K: float) -> None:
        """Report an accepted step."""
        if not self.active:
            return
        info = (
            f"/ {self.end_s:.4g} s  dt {dt:.2e} s  Newton {newton_its}  T_if {T_interface_K:.3f} K"
        )
        if self._rich is not None:
            self._rich.update(self._task, completed=t, t=f"{t:.4g} s", info=info)
            return
        now = time.time()
        if now - self._last_plain >= self.plain_every_s or t >= self.end_s:
            self._last_plain = now
            print(f"t = {t:.4g} s {info}", file=sys.stderr, flush=True)

    def __exit__(self, *exc) -> None:
        if self._rich is not None:
            self._rich.__exit__(*exc)
