"""A finished (or partial) results folder as a small object (docs/architecture.md#results-layout).

``Result.load(folder)`` gives the case, the manifest and the time series as numpy arrays
(one array per ``timeseries.csv`` column), usable from a notebook without dolfinx;
``Result.fields()`` reads ``fields.xdmf`` (numpy arrays, see :class:`Fields`) and
``Result.summary()`` the key numbers (retention and interface temperature at the end, peak
temperature, onset and runaway times).

Reading the files themselves: :mod:`dendrisim.io.timeseries`, :mod:`dendrisim.io.field_reader`.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dendrisim.config import Case, load_case
from dendrisim.config.case import validate_case
from dendrisim.core.errors import CaseError, DendrisimError
from dendrisim.core.units import K_per_s_to_K_per_min
from dendrisim.io.field_reader import Fields, read_fields
from dendrisim.io.results_dir import read_manifest
from dendrisim.io.timeseries import read_timeseries

# Keys of Result.summary() and columns of the summary tables, in order (units in the names).
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
    "runaway_time_s",
    "runaway_T_K",
)

# ARC practice (docs/physics.md#equations): self-heating onset and runaway rates [K/min]
# when no case is known.
DEFAULT_ONSET_K_PER_MIN = 0.02
DEFAULT_RUNAWAY_K_PER_MIN = 60.0


def self_heating_events(
    time_s: np.ndarray, T_K: np.ndarray, onset_K_per_min: float, runaway_K_per_min: float
) -> dict[str, float]:
    """ARC-style events of a temperature history, with the solver's rule.

    Definitions: docs/physics.md#equations.

    The self-heating rate of accepted step i is (T_i - T_{i-1})/(t_i - t_{i-1}). Onset: the
    end t_i of the first step whose rate exceeds ``onset_K_per_min``; runaway: the end of
    the first step whose rate exceeds that of the step before, which itself exceeded
    ``runaway_K_per_min`` (above the ARC rate on two steps and accelerating). NaN: never.
    Returns onset/runaway times [s] and temperatures [K] and the peak rate [K/min].
    """
    out = {
        "onset_time_s": math.nan,
        "onset_T_K": math.nan,
        "runaway_time_s": math.nan,
        "runaway_T_K": math.nan,
        "heating_rate_peak_K_min": math.nan,
    }
    t, T = np.asarray(time_s, float), np.asarray(T_K, float)
    ok = np.isfinite(t) & np.isfinite(T)
    t, T = t[ok], T[ok]
    if t.size < 2:
        return out
    dt = np.diff(t)
    rate = np.where(
        dt > 0, K_per_s_to_K_per_min(np.diff(T) / np.where(dt > 0, dt, 1.0)), -np.inf
    )  # K/min
    if np.any(dt > 0):
        out["heating_rate_peak_K_min"] = float(rate[dt > 0].max())
    prev = np.concatenate([[0.0], rate[:-1]])
    hits = {
        "onset": np.flatnonzero(rate > onset_K_per_min),
        "runaway": np.flatnonzero((rate > prev) & (prev > runaway_K_per_min)),
    }
    for key, hit in hits.items():
        if hit.size:
            out[f"{key}_time_s"] = float(t[hit[0] + 1])
            out[f"{key}_T_K"] = float(T[hit[0] + 1])
    return out


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
    def load(cls, folder: str | Path) -> Result:
        """Load a results folder written by ``dendrisim run``."""
        folder = Path(folder)
        if not folder.is_dir():
            raise DendrisimError(f"{folder}: no such results folder")
        manifest = read_manifest(folder) or {}
        case_file = folder / "case.toml"
        case = _load_resolved_case(case_file) if case_file.is_file() else None
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

    @property
    def formulation(self) -> str:
        """Formulation: axisymmetric, planar or 3d (from the case; axisymmetric if unknown)."""
        return self.case.geometry.formulation if self.case else "axisymmetric"

    def field_segments(self) -> list[Fields]:
        """Fields of each mesh the run used, in time order (read once, kept).

        ``fields.xdmf``, then one ``fields_remesh<k>.xdmf`` per remesh of a moving Li
        surface.
        """
        if self._fields is None:
            files = [self.path / "fields.xdmf"] + sorted(
                self.path.glob("fields_remesh*.xdmf"),
                key=lambda p: int(p.stem.removeprefix("fields_remesh") or 0),
            )
            segs = [read_fields(f, self.formulation) for f in files if f.is_file()]
            if not segs:  # the usual "missing file" message
                segs = [read_fields(files[0], self.formulation)]
            self._fields = [f for f in segs if f.times.size] or segs[:1]
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
        """Key numbers of the run (see :data:`SUMMARY_COLUMNS`; NaN where unknown).

        Retention in percent at the last row; interface temperature = the mean over the
        interface (``T_interface_mean_K``) at the end, its peak the largest
        ``T_interface_max_K``; onset and runaway from the self-heating rate of the mean
        interface temperature against ``[stop]`` thresholds
        (ARC practice, docs/physics.md#equations), or
        as the solver recorded them (manifest ``runaway_onset_s``, ``runaway_s``).
        """
        ts = self.timeseries
        t = ts.get("time_s", np.zeros(0))
        nan = math.nan

        def last(col: str, scale: float = 1.0) -> float:
            a = ts.get(col)
            return float(a[-1]) * scale if a is not None and a.size else nan

        T_mean = ts.get("T_interface_mean_K", np.zeros(0))
        T_max = ts.get("T_interface_max_K", T_mean)
        peak = float(np.nanmax(T_max)) if T_max.size else nan
        stop = self.case.stop if self.case else None
        ev = self_heating_events(
            t,
            T_mean,
            stop.onset_K_per_min if stop else DEFAULT_ONSET_K_PER_MIN,
            stop.runaway_K_per_min if stop else DEFAULT_RUNAWAY_K_PER_MIN,
        )
        # the solver's own record (manifest) wins over the time-series estimate
        for key, mkey in (("onset", "runaway_onset_s"), ("runaway", "runaway_s")):
            tm = self.manifest.get(mkey)
            if isinstance(tm, int | float) and t.size:
                ev[f"{key}_time_s"] = float(tm)
                ev[f"{key}_T_K"] = float(np.interp(tm, t, T_mean))
        if self.stop_reason == "runaway" and math.isnan(ev["runaway_time_s"]) and t.size:
            ev["runaway_time_s"], ev["runaway_T_K"] = float(t[-1]), last("T_interface_mean_K")
        out: dict[str, Any] = {
            "case": self.name,
            "status": self.status,
            "stop_reason": self.stop_reason or "",
            "t_end_s": last("time_s"),
            "steps": max(int(t.size) - 1, 0),
            "li_retention_end_pct": last("li_retention", 100.0),
            "li_retention_from_moles_end_pct": last("li_retention_from_moles", 100.0),
            "li_consumed_end_mol": last("li_consumed_mol"),
            "T_interface_start_K": float(T_mean[0]) if T_mean.size else nan,
            "T_interface_end_K": last("T_interface_mean_K"),
            "T_interface_peak_K": peak,
            "dT_interface_peak_K": peak - float(T_mean[0]) if T_mean.size else nan,
            "dT_adiabatic_bound_end_K": last("dT_adiabatic_bound_K"),
        }
        out.update(ev)
        return {k: out.get(k, nan) for k in SUMMARY_COLUMNS}

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
