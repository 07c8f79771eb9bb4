"""Calorimeter numbers of a run's time series: located peaks and the ARC summary.

Pure numpy (no dolfinx): :func:`dendrisim.io.result.summarize` uses these for
``Result.summary()``, the sweep table and every other table.  Definitions:
docs/physics.md#temperature-programmes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dendrisim.physics.programme import HeatWaitSeek

ARC_COLUMNS = (
    "arc_onset_s",
    "arc_onset_K",
    "arc_trigger_s",
    "arc_trigger_K",
    "arc_max_s",
    "arc_max_K",
)
ARC_DEFINITIONS: dict[str, str] = {
    "arc_onset_s": "heat-wait-seek only: the end of the first seek at which the self-heating "
    "rate (self_heating_K_min) exceeds thermal.hws_threshold_K_min (0.02 K/min), where the "
    "ARC detects the exotherm and starts tracking (a phase end: the step lands on it)",
    "arc_onset_K": "interface-mean temperature at arc_onset_s",
    "arc_trigger_s": "heat-wait-seek only: the located runaway event, the self-heating rate "
    "above stop.runaway_K_per_min (60 K/min) and rising, located to 1e-3 of the step",
    "arc_trigger_K": "interface-mean temperature at arc_trigger_s",
    "arc_max_s": "heat-wait-seek only: time of the largest interface-mean temperature, the "
    "vertex of the parabola through the largest row and its neighbours (the last row, itself "
    "a located stop or the end time, when the temperature still rises there)",
    "arc_max_K": "the largest interface-mean temperature (at arc_max_s)",
}


def located_peak(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(time, value) of the maximum of ``y(t)``, not snapped to a sample.

    The vertex of the parabola through the largest sample and its two neighbours (the
    sample itself at an end of the series, where the three do not bend down, or where
    their times are not distinct).
    """
    i = int(np.nanargmax(y))
    if i == 0 or i == y.size - 1:
        return float(t[i]), float(y[i])
    (t0, t1, t2), (y0, y1, y2) = t[i - 1 : i + 2], y[i - 1 : i + 2]
    if not t0 < t1 < t2:  # rows closer than the file's precision (steps of 1e-8 s)
        return float(t1), float(y1)
    d01, d12 = (y1 - y0) / (t1 - t0), (y2 - y1) / (t2 - t1)
    a = (d12 - d01) / (t2 - t0)  # second divided difference
    if a >= 0:
        return float(t1), float(y1)
    tp = 0.5 * (t0 + t1) - d01 / (2 * a)  # where the parabola's slope vanishes
    return float(tp), float(y0 + d01 * (tp - t0) + a * (tp - t0) * (tp - t1))


def arc_onset_s(ts: dict[str, np.ndarray], hws: HeatWaitSeek) -> float:
    """The ARC's detection offline: the first seek end whose row's rate exceeds the threshold."""
    t, rate = ts.get("time_s"), ts.get("self_heating_K_min")
    if t is None or rate is None:
        return math.nan
    for ti, ri in zip(t, rate, strict=False):
        if hws.detects(float(ti), float(ri)):
            return float(ti)
    return math.nan


def arc_summary(
    ts: dict[str, np.ndarray], manifest: dict[str, Any], case, trigger_s: float
) -> dict[str, float]:
    """``arc_*`` of a heat-wait-seek run (empty for other runs); ``trigger_s``: runaway time."""
    hws = HeatWaitSeek.of_thermal(case.thermal) if case is not None else None
    if hws is None and "self_heating_K_min" not in ts:
        return {}
    t, T = ts.get("time_s", np.zeros(0)), ts.get("T_interface_mean_K", np.zeros(0))
    if t.size == 0:
        return {}
    onset = (manifest.get("events_s") or {}).get("arc_onset")
    if not isinstance(onset, int | float):
        onset = arc_onset_s(ts, hws) if hws is not None else math.nan

    def temp(tm: float) -> float:
        return float(np.interp(tm, t, T)) if math.isfinite(tm) else math.nan

    t_max, T_max = located_peak(t, T)
    return {
        "arc_onset_s": float(onset),
        "arc_onset_K": temp(float(onset)),
        "arc_trigger_s": trigger_s,
        "arc_trigger_K": temp(trigger_s),
        "arc_max_s": t_max,
        "arc_max_K": T_max,
    }
