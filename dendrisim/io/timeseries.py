"""``timeseries.csv``: the columns every run writes, and reading it back into numpy.

One row per accepted step, written as the run goes (first row at t = 0); a run may add
columns after these (the observables own the columns, :mod:`dendrisim.observables`).
Contract: docs/architecture.md#results-layout.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from dendrisim.core import parallel
from dendrisim.core.errors import DendrisimError
from dendrisim.solver.sinks import Sink

# Columns every timeseries.csv has (docs/architecture.md#results-layout); a run may add more.
TIMESERIES_COLUMNS = (
    "time_s",
    "dt_s",
    "li_retention",
    "li_retention_from_moles",
    "li_consumed_mol",
    "T_interface_mean_K",
    "T_interface_max_K",
    "reaction_rate_mol_s",
    "heat_release_W",
    "c_interface_min_mol_m3",
    "newton_iterations",
)


def read_timeseries(path: str | Path) -> dict[str, np.ndarray]:
    """``timeseries.csv`` -> {column: float array}; a truncated last line is ignored."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    if not rows:
        raise DendrisimError(f"{path}: empty time series (no header)")
    header, body = rows[0], rows[1:]
    body = [r for r in body if len(r) == len(header)]
    data: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        col = []
        for r in body:
            try:
                col.append(float(r[j]))
            except ValueError:
                col.append(np.nan)
        data[name] = np.asarray(col, dtype=float)
    return data


def ordered_columns(columns: list[str]) -> list[str]:
    """The contract columns first (:data:`TIMESERIES_COLUMNS`), then the others in order."""
    return list(TIMESERIES_COLUMNS) + [c for c in columns if c not in TIMESERIES_COLUMNS]


class TimeSeriesCsv(Sink):
    """``timeseries.csv`` on rank 0, one flushed row per accepted step (a run's sink)."""

    def __init__(self, path: str | Path, comm=None):
        self.path = Path(path)
        self.comm = comm
        self.columns: list[str] = []
        self.fh = None
        self.writer = None

    def start(self, model, columns: list[str], values: dict[str, float]) -> None:
        """Header and the initial row."""
        self.columns = ordered_columns(columns)
        if parallel.is_root(self.comm):
            self.fh = open(self.path, "w", newline="", encoding="utf-8")
            self.writer = csv.writer(self.fh)
            self.writer.writerow(self.columns)
        self.row(values)

    def row(self, values: dict[str, float]) -> None:
        """Append one row (12 significant digits)."""
        if self.fh is not None:
            self.writer.writerow([f"{values.get(c, math.nan):.12g}" for c in self.columns])
            self.fh.flush()

    def close(self) -> None:
        """Close the file."""
        if self.fh is not None:
            self.fh.close()
            self.fh = None
