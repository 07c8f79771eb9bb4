"""A finished (or partial) results folder as a small object (docs/architecture.md#results-layout).

``Result.load(folder)`` gives the case, the manifest and the time series as numpy arrays
(one array per ``timeseries.csv`` column), usable from a notebook without dolfinx;
``Result.fields()`` reads the fields files (numpy arrays, see :class:`Fields`) and
``Result.summary()`` the key numbers (retention and interface temperature at the end, peak
temperature, onset and runaway times): :func:`summarize`, the one summary of a run (also
used by the sweep table and the Fig. 5 table), with the events of
:mod:`dendrisim.solver.events`.

Reading the files themselves: :mod:`dendrisim.io.timeseries`, :mod:`dendrisim.io.field_reader`.
"""

from __future__ import annotations

import math
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dendrisim.config import Case, load_case
from dendrisim.config.case import validate_case
from dendrisim.core.errors import (
    CaseError,
    DendrisimError,
    DendrisimWarning,
    MissingDependencyError,
)
from dendrisim.io.calorimetry import ARC_COLUMNS, ARC_DEFINITIONS, arc_summary, located_peak
from dendrisim.io.criticality import (
    CRITICALITY_COLUMNS,
    CRITICALITY_DEFINITIONS,
    criticality_summary,
)
from dendrisim.io.field_reader import Fields
from dendrisim.io.run_folder import FINISHED, folder_status, read_manifest, status_line
from dendrisim.io.segments import read_segments
from dendrisim.io.timeseries import read_timeseries
from dendrisim.solver.events import (
    DEFAULT_ONSET_K_PER_MIN,
    Occurrence,
    build_events,
    heating_rates_K_min,
    scan,
)

if TYPE_CHECKING:
    import pandas as pd

# Keys of summarize() / Result.summary() and columns of the summary tables, in order (units
# in the names).  Definitions: SUMMARY_DEFINITIONS.
SUMMARY_COLUMNS = (
    "case",
    "status",
    "stop_reason",
    "t_end_s",
    "steps",
    "li_retention_end_pct",
    "li_retention_from_moles_end_pct",
    "li_consumed_end_mol",
    "T_interface_start_K",
    "T_interface_end_K",
    "T_interface_peak_K",
    "dT_interface_peak_K",
    "dT_adiabatic_bound_end_K",
    "heating_rate_peak_K_min",
    "onset_time_s",
    "onset_T_K",
    "onset_from_start",
    "runaway_time_s",
    "runaway_T_K",
    "heat_released_end_J",
    "reaction_rate_peak_mol_s",
    "newton_iterations_total",
    "dsc_peak_s",
    "dsc_peak_K",
    "dsc_peak_W_g",
    *ARC_COLUMNS,
    *CRITICALITY_COLUMNS,
)

_RATE = "backward-Euler heating rate of the interface-mean temperature (rate at step ends)"
SUMMARY_DEFINITIONS: dict[str, str] = {
    "case": "case name",
    "status": "finished, failed or running (manifest)",
    "stop_reason": "the event that ended the run (solver.events; manifest)",
    "t_end_s": "time of the last row",
    "steps": "accepted steps (rows - 1)",
    "li_retention_end_pct": "li_retention at the last row (Li volume on a moving surface)",
    "li_retention_from_moles_end_pct": "1 - consumed/initial dendrite Li moles, last row",
    "li_consumed_end_mol": "Li consumed at the last row",
    "T_interface_start_K": "interface-mean temperature at t = 0",
    "T_interface_end_K": "interface-mean temperature at the last row",
    "T_interface_peak_K": "largest nodal interface temperature over the run",
    "dT_interface_peak_K": "T_interface_peak_K - T_interface_start_K",
    "dT_adiabatic_bound_end_K": "heat released / heat capacity at the last row",
    "heating_rate_peak_K_min": f"largest {_RATE}",
    "onset_time_s": "",  # filled from the events below
    "onset_T_K": "interface-mean temperature at onset_time_s",
    "onset_from_start": "True when the first step's heating rate is already above the onset "
    "rate (stop.onset_K_per_min): there is no onset in the run, onset_time_s and onset_T_K "
    "are NaN ('above threshold from the start')",
    "runaway_time_s": "",
    "runaway_T_K": "interface-mean temperature at runaway_time_s",
    "heat_released_end_J": "reaction heat released up to the last row",
    "reaction_rate_peak_mol_s": "largest interface reaction rate",
    "newton_iterations_total": "Newton iterations of the accepted steps",
    "dsc_peak_s": "time of the largest heat_flow_W_g (temperature programme only): the vertex "
    "of the parabola through the largest row and its neighbours, not snapped to a step",
    "dsc_peak_K": "interface-mean temperature at dsc_peak_s (the programme temperature)",
    "dsc_peak_W_g": "heat_flow_W_g at dsc_peak_s (the parabola's vertex)",
}
SUMMARY_DEFINITIONS.update(ARC_DEFINITIONS)
SUMMARY_DEFINITIONS.update(CRITICALITY_DEFINITIONS)
_EVENTS = build_events()
SUMMARY_DEFINITIONS["onset_time_s"] = _EVENTS.get("onset").definition
SUMMARY_DEFINITIONS["runaway_time_s"] = _EVENTS.get("runaway").definition + (
    " (the time the solver located, from the manifest; else interpolated between rows; "
    "the last row when the run stopped on runaway without a recorded time)"
)


def _event_times(
    ts: dict[str, np.ndarray], manifest: dict[str, Any], case: Case | None
) -> dict[str, float]:
    """Onset and runaway times [s] and temperatures [K]: the solver's record, else a scan."""
    t = ts.get("time_s", np.zeros(0))
    T = ts.get("T_interface_mean_K", np.zeros(0))
    found = scan(ts, build_events(case)) if t.size else {}
    recorded = dict(manifest.get("events_s") or {})
    for name, legacy in (("onset", "runaway_onset_s"), ("runaway", "runaway_s")):
        recorded.setdefault(name, manifest.get(legacy))
    out: dict[str, float] = {}
    for name in ("onset", "runaway"):
        tm = recorded.get(name)
        if isinstance(tm, int | float) and t.size:
            occ = Occurrence(float(tm), float(np.interp(tm, t, T)))
        else:
            occ = found.get(name, Occurrence(math.nan))
        out[f"{name}_time_s"], out[f"{name}_T_K"] = occ.time_s, occ.T_K
    if manifest.get("stop_reason") == "runaway" and math.isnan(out["runaway_time_s"]) and t.size:
        out["runaway_time_s"], out["runaway_T_K"] = float(t[-1]), float(T[-1])
    out["onset_from_start"] = _above_from_start(ts, case)
    if out["onset_from_start"]:
        out["onset_time_s"] = out["onset_T_K"] = math.nan
    return out


def _above_from_start(ts: dict[str, np.ndarray], case: Case | None) -> bool:
    """True when the first step's heating rate is at or above the onset rate already."""
    if ts.get("time_s", np.zeros(0)).size < 2:
        return False
    threshold = case.stop.onset_K_per_min if case is not None else DEFAULT_ONSET_K_PER_MIN
    own = ts.get("self_heating_K_min")  # ARC: the heater's rate taken out
    rate = own[1] if own is not None else heating_rates_K_min({k: v[:2] for k, v in ts.items()})[1]
    return bool(rate >= threshold)


def _heat_released_J(ts: dict[str, np.ndarray]) -> float:
    """Released heat at the end: the cumulative column, else the trapezoid of the rate."""
    q, t = ts.get("heat_release_W"), ts.get("time_s", np.zeros(0))
    col = ts.get("heat_released_J")
    if col is not None and col.size:
        return float(col[-1])
    if q is None or t.size < 2:
        return math.nan
    return float(np.sum(0.5 * (q[1:] + q[:-1]) * np.diff(t)))


def summarize(
    ts: dict[str, np.ndarray],
    manifest: dict[str, Any] | None = None,
    case: Case | None = None,
    name: str = "",
) -> dict[str, Any]:
    """The key numbers of a run (:data:`SUMMARY_COLUMNS`; NaN where unknown); pure.

    From the time series (``ts``, one array per column), the manifest (status, stop reason,
    the event times the solver located) and the case (event thresholds, see
    :func:`dendrisim.solver.events.build_events`).  Definitions: :data:`SUMMARY_DEFINITIONS`.
    Used by :meth:`Result.summary`, the sweep table and the Fig. 5 table.
    """
    manifest = manifest or {}
    t = ts.get("time_s", np.zeros(0))
    nan = math.nan

    def last(col: str, scale: float = 1.0) -> float:
        a = ts.get(col)
        return float(a[-1]) * scale if a is not None and a.size else nan

    def peak(col: str) -> float:
        a = ts.get(col)
        return float(np.nanmax(a)) if a is not None and a.size else nan

    T_mean = ts.get("T_interface_mean_K", np.zeros(0))
    T_peak = peak("T_interface_max_K") if "T_interface_max_K" in ts else peak("T_interface_mean_K")
    rates = heating_rates_K_min(ts) if t.size > 1 else np.zeros(0)
    newton = ts.get("newton_iterations")
    out: dict[str, Any] = {
        "case": name or (case.name if case else ""),
        "status": str(manifest.get("status", "unknown")),
        "stop_reason": manifest.get("stop_reason") or "",
        "t_end_s": last("time_s"),
        "steps": max(int(t.size) - 1, 0),
        "li_retention_end_pct": last("li_retention", 100.0),
        "li_retention_from_moles_end_pct": last("li_retention_from_moles", 100.0),
        "li_consumed_end_mol": last("li_consumed_mol"),
        "T_interface_start_K": float(T_mean[0]) if T_mean.size else nan,
        "T_interface_end_K": last("T_interface_mean_K"),
        "T_interface_peak_K": T_peak,
        "dT_interface_peak_K": T_peak - float(T_mean[0]) if T_mean.size else nan,
        "dT_adiabatic_bound_end_K": last("dT_adiabatic_bound_K"),
        "heating_rate_peak_K_min": float(np.nanmax(rates)) if np.any(np.isfinite(rates)) else nan,
        "heat_released_end_J": _heat_released_J(ts),
        "reaction_rate_peak_mol_s": peak("reaction_rate_mol_s"),
        "newton_iterations_total": (
            int(np.nansum(newton)) if newton is not None and newton.size else nan
        ),
    }
    out.update(_event_times(ts, manifest, case))
    out.update(dsc_peak(ts))
    out.update(arc_summary(ts, manifest, case, out["runaway_time_s"]))
    out.update(criticality_summary(ts, manifest, case))
    return {k: out.get(k, nan) for k in SUMMARY_COLUMNS}


def dsc_peak(ts: dict[str, np.ndarray]) -> dict[str, float]:
    """``dsc_peak_s``, ``dsc_peak_K``, ``dsc_peak_W_g`` of a run with ``heat_flow_W_g``."""
    q, t = ts.get("heat_flow_W_g"), ts.get("time_s")
    if q is None or t is None or q.size < 3 or not np.any(np.isfinite(q)):
        return {}
    tp, qp = located_peak(t, q)
    Tp = float(np.interp(tp, t, ts["T_interface_mean_K"]))
    return {"dsc_peak_s": tp, "dsc_peak_K": Tp, "dsc_peak_W_g": qp}


def _load_resolved_case(path: Path) -> Case | None:
    """The run's resolved case, or None when the file no longer validates.

    Resolved files that list both size pairs (length/diameter and aspect ratio/volume) are
    read through the input pair; without a case the time series stay readable.
    """
    try:
        return load_case(path)
    except CaseError:
        pass
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
        g = raw.get("geometry", {})
        if g.get("aspect_ratio") is not None:
            g.pop("length_um", None)
            g.pop("diameter_um", None)
        return validate_case(raw, source=str(path), source_dir=str(path.parent))
    except (CaseError, tomllib.TOMLDecodeError, OSError):
        return None


@dataclass
class Result:
    """A results folder: case, manifest, time series (arrays)."""

    path: Path
    case: Case | None
    manifest: dict[str, Any] = field(default_factory=dict)
    timeseries: dict[str, np.ndarray] = field(default_factory=dict)
    _fields: list[Fields] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(cls, folder: str | Path, warn: bool = True) -> Result:
        """Load a results folder written by ``dendrisim run``.

        ``warn``: a :class:`DendrisimWarning` when the run is not ``finished`` (failed,
        interrupted, or still running: its results are partial or still growing).
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise DendrisimError(f"{folder}: no such results folder")
        manifest = read_manifest(folder) or {}
        case_file = folder / "case.toml"
        case = _load_resolved_case(case_file) if case_file.is_file() else None
        ts_file = folder / "timeseries.csv"
        ts = read_timeseries(ts_file) if ts_file.is_file() else {}
        res = cls(path=folder, case=case, manifest=manifest, timeseries=ts)
        if warn and res.status != FINISHED:
            warnings.warn(
                f"{folder}: the run is not finished: {status_line(folder, manifest)}, stop "
                f"{res.stop_reason}; its results are partial",
                DendrisimWarning,
                stacklevel=2,
            )
        return res

    @property
    def name(self) -> str:
        """Case name (folder name if the case file is missing)."""
        return self.case.name if self.case else self.path.name

    @property
    def status(self) -> str:
        """'finished', 'failed', 'interrupted' or 'running' (a free lock: 'interrupted')."""
        return folder_status(self.path, self.manifest) if self.manifest else "unknown"

    @property
    def stop_reason(self) -> str | None:
        """Why the run stopped (end_time, runaway, li_exhausted, dt_too_small, diverged)."""
        return self.manifest.get("stop_reason")

    @property
    def formulation(self) -> str:
        """Formulation: axisymmetric, planar or 3d (from the case; axisymmetric if unknown)."""
        return self.case.geometry.formulation if self.case else "axisymmetric"

    def field_segments(self) -> list[Fields]:
        """Fields of each mesh the run used, in time order (read once, kept).

        ``fields.vtkhdf`` (or ``fields.xdmf`` of older runs and ``output.format = "xdmf"``),
        then one ``fields_remesh<k>.<ext>`` per remesh of a moving Li surface.
        """
        if self._fields is None:
            self._fields = read_segments(self.path, self.formulation)
        return self._fields

    def field_times(self) -> np.ndarray:
        """All stored output times [s] over every mesh segment."""
        return np.concatenate([f.times for f in self.field_segments()])

    def nearest_field_time(self, t: float) -> float:
        """The stored output time nearest ``t`` [s] (negative: counted from the end)."""
        times = self.field_times()
        if not times.size:
            raise DendrisimError(f"{self.path}: no field output times stored")
        if t < 0:
            return float(times[max(times.size + int(t), 0)])
        return float(times[int(np.argmin(np.abs(times - t)))])

    def fields(self, t: float | None = None) -> Fields:
        """The fields on the mesh in use at output time ``t`` [s] (default: the first mesh).

        Runs that remeshed have one :class:`Fields` per mesh (:meth:`field_segments`); each
        holds its own points, cells and output times.
        """
        segs = self.field_segments()
        if t is None:
            return segs[0]
        near = self.nearest_field_time(t)
        for f in segs:
            if np.any(np.isclose(f.times, near, rtol=0, atol=1e-12 * max(1.0, abs(near)))):
                return f
        return segs[-1]

    def summary(self) -> dict[str, Any]:
        """Key numbers of the run: :func:`summarize` of this folder (see SUMMARY_COLUMNS)."""
        return summarize(self.timeseries, self.manifest, self.case, self.name)

    def __getitem__(self, column: str) -> np.ndarray:
        return self.timeseries[column]

    def to_dataframe(self) -> pd.DataFrame:
        """The time series as a pandas DataFrame indexed by ``time_s`` (one row per step).

        ``df.loc[4.5:, "li_retention"]``, ``df["T_interface_K"].plot()``; the other columns
        as in ``timeseries.csv``.  pandas is the ``post`` extra: ``pip install -e ".[post]"``.
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise MissingDependencyError(
                'pandas is needed for to_dataframe(): pip install -e ".[post]" (or pandas)'
            ) from exc
        df = pd.DataFrame(self.timeseries)
        return df.set_index("time_s") if "time_s" in df.columns else df

    def __str__(self) -> str:
        t = self.timeseries.get("time_s")
        tail = f", t_end = {t[-1]:.4g} s" if t is not None and t.size else ""
        return f"{self.path} ({self.status}, stop: {self.stop_reason}{tail})"
