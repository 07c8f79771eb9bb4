"""The validation table: the paper's DSC and ARC numbers beside the simulated ones.

Pure (numpy only): rows from the results of ``dendrisim validate``
(:mod:`dendrisim.api.validate`) and the markdown page ``docs/validation.md``.  The
measured values are the seed paper's (Cheng et al., Adv. Mater. 2023); the simulated
ones are the run summaries (``Result.summary()``: ``dsc_peak_K``, ``dsc_peak_W_g``,
``arc_onset_K``, ``arc_trigger_K``, ``arc_max_K``) and the stable DSC's flat-until
temperature (:func:`dendrisim.physics.lumped_dsc.flat_until_K`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

C_TO_K = 273.15
FLAT_FRACTION = 0.01  # [I] "flat": below 1 % of the routine DSC maximum (docs/calibration.md)
# [F] seed paper: DSC of cycled Li with electrolyte at 10 K/min; ARC of the 1.0 Ah pouch cells
MEASURED = {
    ("dsc-routine", "DSC peak T"): 165.9 + C_TO_K,
    ("dsc-routine", "DSC peak heat flow"): 32.73,
    ("dsc-stable", "DSC flat until"): 183.7 + C_TO_K,
    ("arc-routine", "ARC onset (> 0.02 K/min)"): 70.8 + C_TO_K,
    ("arc-routine", "ARC trigger (> 60 K/min)"): 117.4 + C_TO_K,
    ("arc-routine", "ARC maximum"): 1092.2 + C_TO_K,
    ("arc-stable", "ARC onset (> 0.02 K/min)"): 100.6 + C_TO_K,
    ("arc-stable", "ARC trigger (> 60 K/min)"): 153.1 + C_TO_K,
    ("arc-stable", "ARC maximum"): 394.8 + C_TO_K,
}
SUMMARY_KEY = {
    "DSC peak T": "dsc_peak_K",
    "DSC peak heat flow": "dsc_peak_W_g",
    "ARC onset (> 0.02 K/min)": "arc_onset_K",
    "ARC trigger (> 60 K/min)": "arc_trigger_K",
    "ARC maximum": "arc_max_K",
}
CALIBRATED = {"DSC peak T", "DSC peak heat flow", "DSC flat until"}  # fitted (calibration.md)


@dataclass(frozen=True)
class Row:
    """One line of the table: measured and simulated values (K, or W/g for a heat flow)."""

    case: str
    quantity: str
    measured: float
    simulated: float
    stop: str = ""  # the run's stop reason

    @property
    def unit(self) -> str:
        """'W/g' for heat flows, else '°C' (temperatures are shown in °C)."""
        return "W/g" if "heat flow" in self.quantity else "°C"

    @property
    def difference(self) -> float:
        """Simulated minus measured (K, or W/g)."""
        return self.simulated - self.measured


def flat_until_K(T: np.ndarray, flow: np.ndarray, threshold_W_g: float) -> float:
    """First temperature where ``flow`` exceeds ``threshold_W_g`` (linear between rows)."""
    from dendrisim.physics.lumped_dsc import flat_until_K as flat

    return flat(np.asarray(T), np.asarray(flow), threshold_W_g)


def rows_from(results: dict) -> list[Row]:
    """The table's rows from ``{case name: Result}`` (missing cases give NaN)."""
    out = []
    threshold = FLAT_FRACTION * MEASURED[("dsc-routine", "DSC peak heat flow")]
    for (case, quantity), measured in MEASURED.items():
        res = results.get(case)
        value, stop = math.nan, ""
        if res is not None and quantity == "DSC flat until":
            ts = res.timeseries
            value = flat_until_K(ts["T_interface_mean_K"], ts["heat_flow_W_g"], threshold)
        elif res is not None:
            summary = res.summary()
            stop = str(summary.get("stop_reason") or "")
            value = float(summary.get(SUMMARY_KEY[quantity], math.nan))
            if "onset" in quantity and not math.isfinite(value):
                # no seek end saw the exotherm (it ran away within a phase): the located
                # first crossing of 0.02 K/min (the onset event)
                value = float(summary.get("onset_T_K", math.nan))
        out.append(Row(case, quantity, measured, value, stop))
    return out


def _fmt(row: Row, value: float) -> str:
    if not math.isfinite(value):
        return "—"
    return f"{value:.2f}" if row.unit == "W/g" else f"{value - C_TO_K:.1f}"


def table_markdown(rows: list[Row]) -> str:
    """The markdown table: sample, quantity, measured, simulated, difference, how it is used."""
    lines = [
        "| sample | quantity | measured | simulated | difference | role |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        diff = r.difference
        d = "—" if not math.isfinite(diff) else f"{diff:+.2f} {r.unit if r.unit == 'W/g' else 'K'}"
        role = "calibrated" if r.quantity in CALIBRATED else "predicted"
        if r.quantity == "ARC maximum" and r.stop == "li_exhausted":
            role = "the model's maximum (its Li burnt); lacks the cathode/O₂ heat"
        elif r.quantity == "ARC maximum":
            role = "not modelled: the run ends at the trigger (or the end time)"
        lines.append(
            f"| {r.case} | {r.quantity} [{r.unit}] | {_fmt(r, r.measured)} | "
            f"{_fmt(r, r.simulated)} | {d} | {role} |"
        )
    return "\n".join(lines)
