"""Validation figures: simulated DSC curves and ARC runs beside the paper's numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dendrisim.post.plots.style import RC, save
from dendrisim.post.validation import C_TO_K, MEASURED

COLORS = {"routine": "#d55e00", "stable": "#0072b2"}


def _kind(name: str) -> str:
    return "stable" if "stable" in name else "routine"


def plot_dsc(results: dict, stem: str | Path) -> list[Path]:
    """Heat flow [W/g] against T [°C] of the DSC results, the measured peak marked."""
    import matplotlib

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(5.2, 3.6))
        ax = fig.add_subplot()
        for name, res in results.items():
            ts = res.timeseries
            T = np.asarray(ts["T_interface_mean_K"]) - C_TO_K
            ax.plot(T, ts["heat_flow_W_g"], color=COLORS[_kind(name)], label=f"{name} (simulated)")
        tp = MEASURED[("dsc-routine", "DSC peak T")] - C_TO_K
        ax.plot(
            [tp],
            [MEASURED[("dsc-routine", "DSC peak heat flow")]],
            "x",
            color="k",
            ms=8,
            label="routine, measured peak",
        )
        ax.axvline(
            MEASURED[("dsc-stable", "DSC flat until")] - C_TO_K,
            color=COLORS["stable"],
            ls=":",
            lw=1,
            label="stable, measured flat until",
        )
        ax.axvline(148.5, color="0.5", ls=":", lw=1, label="routine, measured SEI peak")
        ax.set_xlabel("T [°C]")
        ax.set_ylabel("heat flow [W/g]")
        ax.set_title("DSC at 10 K/min")
        ax.legend(frameon=False, fontsize=7)
        return save(fig, Path(stem), ("png",))


def _arc_rate(ts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.asarray(ts["time_s"]) / 3600.0
    T = np.asarray(ts["T_interface_mean_K"]) - C_TO_K
    rate = np.asarray(ts["self_heating_K_min"])
    return t, T, rate


def plot_arc(results: dict, stem: str | Path) -> list[Path]:
    """ARC: T and self-heating rate against time; rate against T on a log axis."""
    import matplotlib

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(10.5, 3.6))
        ax_t, ax_r, ax_rt = fig.subplots(1, 3)
        for name, res in results.items():
            t, T, rate = _arc_rate(res.timeseries)
            c = COLORS[_kind(name)]
            ax_t.plot(t, T, color=c, label=name)
            ax_r.semilogy(t, np.maximum(rate, 1e-4), color=c, label=name)
            ax_rt.semilogy(T, np.maximum(rate, 1e-4), color=c, label=f"{name} (simulated)")
            for q, marker in (("ARC onset (> 0.02 K/min)", "o"), ("ARC trigger (> 60 K/min)", "s")):
                rate_mark = 0.02 if "onset" in q else 60.0
                ax_rt.plot([MEASURED[(name, q)] - C_TO_K], [rate_mark], marker, color=c, mfc="none")
        for ax in (ax_r, ax_rt):
            ax.axhline(0.02, color="0.6", ls=":", lw=1)
            ax.axhline(60.0, color="0.6", ls=":", lw=1)
        ax_t.set_xlabel("time [h]")
        ax_t.set_ylabel("T [°C]")
        ax_r.set_xlabel("time [h]")
        ax_r.set_ylabel("self-heating rate [K/min]")
        ax_rt.set_xlabel("T [°C]")
        ax_rt.set_ylabel("self-heating rate [K/min]")
        ax_rt.set_title("open marks: measured onset and trigger", fontsize=8)
        ax_t.legend(frameon=False, fontsize=7)
        ax_rt.legend(frameon=False, fontsize=7)
        fig.tight_layout()
        return save(fig, Path(stem), ("png",))
