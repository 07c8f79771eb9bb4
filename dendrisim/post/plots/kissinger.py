"""Kissinger plot of simulated DSC scans: ln(β/T_p²) against 1000/T_p, with the fit."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dendrisim.post.kissinger import KissingerFit
from dendrisim.post.plots.style import RC, save


def plot_kissinger(
    fit: KissingerFit, stem: str | Path, formats: Iterable[str] = ("png",), title: str = ""
) -> list[Path]:
    """Draw the scans' points and the fitted line; returns the files written."""
    import matplotlib

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(4.6, 3.4))
        ax = fig.add_subplot()
        x, y = fit.points()
        xs = np.linspace(x.min(), x.max(), 50)
        ax.plot(1e3 * x, y, "o", color="#0072b2", label="simulated scans")
        ax.plot(1e3 * xs, fit.intercept + fit.slope_K * xs, "-", color="#d55e00", lw=1.2)
        for xi, yi, b in zip(x, y, fit.rates_K_min, strict=True):
            ax.annotate(f"{b:g} K/min", (1e3 * xi, yi), textcoords="offset points", xytext=(5, 3))
        ax.set_xlabel("1000 / T_p [1/K]")
        ax.set_ylabel("ln(β / T_p²)  [β in K/s, T_p in K]")
        e = fit.activation_energy_J_mol / 1e3
        ax.set_title(title or f"Kissinger: E = {e:.1f} kJ/mol (R² = {fit.r2:.5f})")
        ax.legend(frameon=False)
        return save(fig, Path(stem), formats)
