"""``timeseries.csv``: the columns every run writes, and reading it back into numpy.

One row per accepted step, written as the run goes (first row at t = 0); a run may add
columns after these. Contract: docs/architecture.md#results-layout.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from dendrisim.core.errors import DendrisimError

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
