"""Kissinger analysis of simulated DSC scans (docs/physics.md#temperature-programmes).

For a reaction of first order in what it consumes, the peak temperature T_p of a DSC scan
at heating rate β satisfies ``ln(β/T_p²) = ln(A R/E) - E/(R T_p)`` (Kissinger, Anal.
Chem. 29 (1957) 1702): a straight line in 1/T_p whose slope is -E/R.  Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dendrisim.core.units import K_per_min_to_K_per_s
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK


@dataclass(frozen=True)
class KissingerFit:
    """The fitted line ``y = intercept + slope x`` with x = 1/T_p [1/K], y = ln(β/T_p²)."""

    rates_K_min: tuple[float, ...]
    peaks_K: tuple[float, ...]
    slope_K: float  # -E/R
    intercept: float  # ln(A R / E), β in K/s
    r2: float

    @property
    def activation_energy_J_mol(self) -> float:
        """E = -R × slope."""
        return -GAS_CONSTANT_J_MOLK * self.slope_K

    @property
    def pre_exponential_per_s(self) -> float:
        """A [1/s] of the first-order law k = A exp(-E/(R T))."""
        return float(np.exp(self.intercept)) * self.activation_energy_J_mol / GAS_CONSTANT_J_MOLK

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """(1/T_p [1/K], ln(β/T_p²) with β in K/s) of the scans."""
        Tp = np.asarray(self.peaks_K, dtype=float)
        beta = K_per_min_to_K_per_s(np.asarray(self.rates_K_min, dtype=float))
        return 1.0 / Tp, np.log(beta / Tp**2)


def kissinger_fit(rates_K_min, peaks_K) -> KissingerFit:
    """Least-squares Kissinger line through (1/T_p, ln(β/T_p²)) of two or more scans."""
    rates, peaks = tuple(float(r) for r in rates_K_min), tuple(float(p) for p in peaks_K)
    if len(rates) != len(peaks) or len(rates) < 2:
        raise ValueError("Kissinger: give one peak temperature per heating rate, at least two")
    if len(set(rates)) < 2:
        raise ValueError("Kissinger: the heating rates must differ")
    tmp = KissingerFit(rates, peaks, 0.0, 0.0, 0.0)
    x, y = tmp.points()
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (intercept + slope * x)
    ss = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss if ss > 0 else 1.0
    return KissingerFit(rates, peaks, float(slope), float(intercept), r2)
