"""One table for a sweep: inputs and key outputs of every case (``summary.csv``, Parquet).

The table is deterministic (no wall times, hosts or dates), so two back ends running the same
sweep produce identical files. It is rewritten atomically after each case.
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from dendrisim.core.errors import DendrisimError
from dendrisim.io.result import Result, summarize
from dendrisim.sweep.expand import SweepCase

# columns after the varied inputs: derived inputs, then outputs (units in the names)
INPUT_COLUMNS = (
    "L_over_D",
    "length_um",
    "diameter_um",
    "li_volume_um3",
    "sei_preset",
    "electrolyte_preset",
    "initial_K",
    "ambient_K",
)
OUTPUT_COLUMNS = (
    "t_end_s",
    "steps",
    "li_retention_end",
    "li_consumed_mol_end",
    "T_interface_max_K",
    "dT_interface_max_K",
    "T_interface_mean_end_K",
    "heat_released_J",
    "reaction_rate_max_mol_s",
    "newton_iterations_total",
    "runaway_time_s",
    "li_retention_moles_end",
)
STATE_COLUMNS = ("case", "status", "stop_reason")


def input_values(sc: SweepCase) -> dict[str, Any]:
    """Derived inputs of a case, for trend plots (µm where named, SI otherwise)."""
    g = sc.case.geometry
    return {
        "L_over_D": g.length_um / g.diameter_um,
        "length_um": g.length_um,
        "diameter_um": g.diameter_um,
        "li_volume_um3": g.analytic_volume_um3(),
        "sei_preset": sc.case.sei.preset,
        "electrolyte_preset": sc.case.electrolyte.preset,
        "initial_K": sc.case.thermal.initial_K,
        "ambient_K": sc.case.thermal.ambient_K,
    }


# sweep column -> key of the run summary (dendrisim.io.result.summarize); values are the
# same numbers as Result.summary() and the Fig. 5 table (retention as a fraction here)
SUMMARY_KEYS = {
    "t_end_s": "t_end_s",
    "steps": "steps",
    "li_consumed_mol_end": "li_consumed_end_mol",
    "T_interface_max_K": "T_interface_peak_K",
    "dT_interface_max_K": "dT_interface_peak_K",
    "T_interface_mean_end_K": "T_interface_end_K",
    "heat_released_J": "heat_released_end_J",
    "reaction_rate_max_mol_s": "reaction_rate_peak_mol_s",
    "newton_iterations_total": "newton_iterations_total",
    "runaway_time_s": "runaway_time_s",
}


def output_values(folder: Path, stop_reason: str | None) -> dict[str, Any]:
    """Key outputs of a case's folder from the run summary (NaN where unknown).

    ``stop_reason``: the sweep's record (wins over the folder's manifest).
    """
    ts_file = folder / "timeseries.csv"
    if not ts_file.is_file():
        return {}
    try:
        res = Result.load(folder, warn=False)
    except DendrisimError:
        return {}
    manifest = dict(res.manifest, stop_reason=stop_reason or res.manifest.get("stop_reason"))
    s = summarize(res.timeseries, manifest, res.case, res.name)
    out = {col: s[key] for col, key in SUMMARY_KEYS.items()}
    out["li_retention_end"] = _last(res.timeseries, "li_retention")
    # by moles (the consumed Li): the moved mesh's volume lags it in a fast burn
    out["li_retention_moles_end"] = _last(res.timeseries, "li_retention_from_moles")
    return {col: out[col] for col in OUTPUT_COLUMNS}


def _last(ts: dict[str, np.ndarray], col: str) -> float:
    a = ts.get(col)
    return float(a[-1]) if a is not None and a.size else math.nan


class SummaryTable:
    """Rows of a sweep's summary, one per case in sweep order; cached between rewrites."""

    def __init__(self, cases: list[SweepCase], varied_keys: list[str], out: Path):
        self.cases = cases
        self.varied_keys = varied_keys
        self.out = out
        self.rows: dict[str, dict[str, Any]] = {}

    @property
    def columns(self) -> list[str]:
        """Column order: case, status, stop reason, varied keys, derived inputs, outputs, error."""
        return [*STATE_COLUMNS, *self.varied_keys, *INPUT_COLUMNS, *OUTPUT_COLUMNS, "error"]

    def update(self, sc: SweepCase, status: str, stop_reason: str | None, error: str = "") -> None:
        """(Re)compute the row of one case from its folder."""
        row: dict[str, Any] = {"case": sc.name, "status": status, "stop_reason": stop_reason}
        row.update({k: sc.varied.get(k, _lookup(sc.case.to_dict(), k)) for k in self.varied_keys})
        row.update(input_values(sc))
        if status in ("finished", "failed"):
            row.update(output_values(self.out / sc.name, stop_reason))
        row["error"] = error.strip().splitlines()[0][:300] if error.strip() else ""
        self.rows[sc.name] = row

    def text(self) -> str:
        """The table as CSV text."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(self.columns)
        for sc in self.cases:
            row = self.rows.get(sc.name, {"case": sc.name, "status": "pending"})
            w.writerow([_cell(row.get(c)) for c in self.columns])
        return buf.getvalue()

    def write(self) -> Path:
        """Rewrite ``summary.csv`` atomically (and ``summary.parquet`` if pandas+pyarrow)."""
        path = self.out / "summary.csv"
        atomic_write(path, self.text())
        _write_parquet(path)
        return path


def _lookup(d: dict[str, Any], key: str) -> Any:
    node: Any = d
    for part in key.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _write_parquet(csv_path: Path) -> None:
    try:
        import pandas as pd
        import pyarrow  # noqa: F401
    except ImportError:
        return
    df = pd.read_csv(csv_path)
    tmp = csv_path.with_name(".summary.parquet.tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, csv_path.with_suffix(".parquet"))


def read_summary(path: str | Path) -> list[dict[str, Any]]:
    """``summary.csv`` -> list of rows; numeric cells as float, empty cells as None."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        conv: dict[str, Any] = {}
        for k, v in r.items():
            if v == "":
                conv[k] = None
                continue
            try:
                conv[k] = float(v) if k not in ("case", "status", "stop_reason", "error") else v
            except ValueError:
                conv[k] = v
        out.append(conv)
    return out
