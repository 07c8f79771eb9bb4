"""A finished (or partial) results folder as a small object (DESIGN §8).

``Result.load(folder)`` gives the case, the manifest and the time series as numpy arrays
(one array per ``timeseries.csv`` column), usable from a notebook without dolfinx.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dendrisim.config import Case, load_case
from dendrisim.errors import DendrisimError
from dendrisim.output import read_manifest

# Columns every timeseries.csv has (DESIGN §8); a run may add more.
TIMESERIES_COLUMNS = (
    "time_s", "dt_s", "li_retention", "li_retention_from_moles", "li_consumed_mol",
    "T_interface_mean_K", "T_interface_max_K", "reaction_rate_mol_s", "heat_release_W",
    "c_interface_min_mol_m3", "newton_iterations",
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


@dataclass
class Result:
    """A results folder: case, manifest, time series (arrays)."""

    path: Path
    case: Case | None
    manifest: dict[str, Any] = field(default_factory=dict)
    timeseries: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: str | Path) -> Result:
        """Load a results folder written by ``dendrisim run``."""
        folder = Path(folder)
        if not folder.is_dir():
            raise DendrisimError(f"{folder}: no such results folder")
        manifest = read_manifest(folder) or {}
        case_file = folder / "case.toml"
        case = load_case(case_file) if case_file.is_file() else None
        ts_file = folder / "timeseries.csv"
        ts = read_timeseries(ts_file) if ts_file.is_file() else {}
        return cls(path=folder, case=case, manifest=manifest, timeseries=ts)

    @property
    def name(self) -> str:
        """Case name (folder name if the case file is missing)."""
        return self.case.name if self.case else self.path.name

    @property
    def status(self) -> str:
        """'finished', 'running' or 'failed' (from the manifest)."""
        return str(self.manifest.get("status", "unknown"))

    @property
    def stop_reason(self) -> str | None:
        """Why the run stopped (end_time, runaway, li_exhausted, dt_too_small, diverged)."""
        return self.manifest.get("stop_reason")

    def __getitem__(self, column: str) -> np.ndarray:
        return self.timeseries[column]

    def to_dataframe(self):
        """Time series as a pandas DataFrame (pandas is optional)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover
            raise DendrisimError("pandas is needed for to_dataframe(): pip install pandas") from exc
        return pd.DataFrame(self.timeseries)

    def __str__(self) -> str:
        t = self.timeseries.get("time_s")
        tail = f", t_end = {t[-1]:.4g} s" if t is not None and t.size else ""
        return f"{self.path} ({self.status}, stop: {self.stop_reason}{tail})"
