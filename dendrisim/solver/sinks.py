"""Where a run's output goes: sinks injected by the caller, and the output times.

The time loop does not write files itself: it calls the sinks it was given
(:func:`dendrisim.api.run_case.simulation` composes the time-series CSV and the field
writer of :mod:`dendrisim.io`).  A sink implements any of the hooks of :class:`Sink`.
"""

from __future__ import annotations

import math


class Sink:
    """Receives a run's output; every hook is optional (no-op here), all are collective."""

    def start(self, model, columns: list[str], values: dict[str, float]) -> None:
        """The run starts: the column names and the initial row (t = 0)."""

    def row(self, values: dict[str, float]) -> None:
        """An accepted step's row of observables."""

    def output(self, model, time_s: float) -> None:
        """An output time ``time_s`` [s] is reached (write fields)."""

    def remeshed(self, model, count: int) -> None:
        """The run moved to a new mesh (the ``count``-th remesh) and model."""

    def resumed(self, model, columns: list[str], rows: int) -> None:
        """The run continues from a checkpoint that had written ``rows`` rows (t = 0 first)."""

    def close(self) -> None:
        """The run ended (also on errors)."""


class HistorySink(Sink):
    """Every row in memory (``rows``: list of dicts), as ``Simulation.history``."""

    def __init__(self):
        self.rows: list[dict[str, float]] = []

    def start(self, model, columns, values) -> None:
        """Keep the initial row."""
        self.rows.append(dict(values))

    def row(self, values) -> None:
        """Keep a row."""
        self.rows.append(dict(values))


class OutputTimes:
    """Field output times every ``every_s`` up to ``end_s`` (the last one at ``end_s``)."""

    def __init__(self, every_s: float, end_s: float):
        n = int(math.ceil(end_s / every_s))
        self.times = [min(k * every_s, end_s) for k in range(1, n + 1)]
        self.next = 0

    def due(self, t: float) -> bool:
        """True (once) when ``t`` [s] reached the next output time."""
        if self.next < len(self.times) and t >= self.times[self.next] * (1 - 1e-12):
            self.next += 1
            return True
        return False
