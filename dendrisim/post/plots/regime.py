"""The regime-map figure of ``regime.csv`` (docs/regime.md; written by ``dendrisim regime``).

One column per thermal setting (bath, adiabatic, robin), x = L/D (log), y = the ambient =
initial temperature.  Top row: |Li retention field - lumped| at the run's end time; bottom
row: |ΔT field - lumped| [K].  Each cell carries its value; the dashed line is Da_max = 1
(the Damköhler number at the run's peak interface temperature: to its upper side the
species supply limited the field run somewhere in its history), the panel titles give the
Biot number; a cross marks runs that left the induction regime (interface T rose by more
than R T0^2/E: a thermal runaway, io/criticality.py).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from dendrisim.core.errors import DendrisimError

SETTINGS = ("bath", "adiabatic", "robin")
ROWS = (
    ("d_retention", "|Δ retention| field − lumped", 1e-6),
    ("d_dT_K", "|ΔT| field − lumped [K]", 1e-6),
)
TEXT_COLUMNS = ("case", "status", "setting")


def read_regime(path: str | Path) -> list[dict[str, Any]]:
    """``regime.csv`` -> rows (numbers as float, empty as NaN)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        out.append(
            {
                k: (v if k in TEXT_COLUMNS else (float(v) if v != "" else math.nan))
                for k, v in r.items()
            }
        )
    return out


def _edges(values: np.ndarray, log: bool) -> np.ndarray:
    v = np.log(values) if log else values
    if v.size == 1:
        mid = np.array([v[0] - 0.5, v[0] + 0.5])
    else:
        inner = 0.5 * (v[1:] + v[:-1])
        mid = np.concatenate([[2 * v[0] - inner[0]], inner, [2 * v[-1] - inner[-1]]])
    return np.exp(mid) if log else mid


def _grid(rows, col):
    lds = np.array(sorted({r["L_over_D"] for r in rows}))
    ts = np.array(sorted({r["ambient_K"] for r in rows}))
    z = np.full((ts.size, lds.size), np.nan)
    for r in rows:
        z[np.searchsorted(ts, r["ambient_K"]), np.searchsorted(lds, r["L_over_D"])] = r[col]
    return lds, ts, z


def _bi_label(rows) -> str:
    bi = [r["Bi"] for r in rows if not math.isnan(r["Bi"])]
    if not bi:
        return ""
    lo, hi = min(bi), max(bi)
    if math.isinf(lo):
        return "Bi = ∞"
    return f"Bi = {lo:.2g}" if lo == hi else f"Bi = {lo:.2g}–{hi:.2g}"


def _panel(ax, rows, col, floor, norm):
    lds, ts, z = _grid(rows, col)
    mag = np.maximum(np.abs(z), floor)
    mesh = ax.pcolormesh(_edges(lds, True), _edges(ts, False), mag, norm=norm, cmap="viridis")
    for i, t in enumerate(ts):
        for j, ld in enumerate(lds):
            if not math.isnan(z[i, j]):
                bright = norm(mag[i, j]) > 0.6
                ax.text(
                    ld,
                    t,
                    f"{abs(z[i, j]):.1g}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="black" if bright else "white",
                )
    _, _, da = _grid(rows, "Da_max")
    if lds.size > 1 and ts.size > 1 and np.nanmin(da) < 1 < np.nanmax(da):
        ax.contour(lds, ts, np.log10(da), levels=[0.0], colors="white", linestyles="--")
    _, _, ran = _grid(rows, "left_induction")
    hot = [(ld, t) for i, t in enumerate(ts) for j, ld in enumerate(lds) if ran[i, j] == 1.0]
    if hot:
        ax.plot(*zip(*hot, strict=True), "x", color="red", ms=14, mew=0.8, alpha=0.6)
    ax.set_xscale("log")
    return mesh


def plot_regime(folder: str | Path, out: str | Path | None = None) -> list[Path]:
    """Draw ``regime.png`` from ``folder/regime.csv`` into ``out`` (default folder/figures)."""
    folder = Path(folder)
    path = folder / "regime.csv"
    if not path.is_file():
        raise DendrisimError(f"{folder}: no regime.csv (make it with `dendrisim regime`)")
    rows = [r for r in read_regime(path) if r["status"] in ("finished", "failed")]
    if not rows:
        raise DendrisimError(f"{path}: no finished runs to draw")
    settings = [s for s in SETTINGS if any(r["setting"] == s for r in rows)]
    fig = Figure(figsize=(3.6 * len(settings) + 1.2, 6.4), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, len(settings), squeeze=False, sharex=True, sharey=True)
    for k, (col, label, floor) in enumerate(ROWS):
        vals = np.array([abs(r[col]) for r in rows if not math.isnan(r[col])])
        hi = max(float(vals.max()) if vals.size else 1.0, floor * 10)
        norm = LogNorm(
            vmin=max(floor, min(float(vals[vals > 0].min()), hi / 10))
            if (vals > 0).any()
            else floor,
            vmax=hi,
        )
        for j, s in enumerate(settings):
            ax = axes[k, j]
            mesh = _panel(ax, [r for r in rows if r["setting"] == s], col, floor, norm)
            if k == 0:
                ax.set_title(f"{s} ({_bi_label([r for r in rows if r['setting'] == s])})")
            if k == 1:
                ax.set_xlabel("L/D (equal Li volume)")
            if j == 0:
                ax.set_ylabel("ambient = initial T [K]")
        fig.colorbar(mesh, ax=axes[k, :].tolist(), label=label, shrink=0.9)
    fig.suptitle(
        "field vs lumped 0-D model at the end time; dashed: Da_max = 1; x: the field run left "
        "the induction regime (T rose > R T0²/E)",
        fontsize=9,
    )
    out_dir = Path(out) if out else folder / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "regime.png"
    fig.savefig(target, dpi=150)
    return [target]
