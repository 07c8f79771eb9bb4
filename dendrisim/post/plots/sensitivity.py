"""Figures of a sensitivity study (docs/sensitivity.md) from its ``analysis.json`` files.

``morris.png``: μ* (bars, 95 % CI) and σ (dots) per parameter and output. ``sobol.png``:
first-order S1 and total ST with 95 % CIs per output. ``claim.png``: every sample's
routine − stable differences of retention and ΔT, the quadrant where the paper's claim
holds shaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def _short(output: str, routine: str, stable: str) -> str:
    kind, _, case = output.partition(":")
    what = "retention [%]" if kind == "retention" else "ΔT [K]"
    if case == "routine-stable":
        return f"{what}: routine − stable"
    return f"{what}: {case.removeprefix('fig5-')}"


def _grid(n: int, title: str) -> tuple[Figure, list[Any]]:
    cols = 4 if n > 4 else n
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(3.3 * cols, 0.35 * 10 * rows + 0.6))
    fig.suptitle(title)
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n)]
    return fig, axes


def plot_morris(a: dict[str, Any], path: Path) -> Path:
    """μ* with its CI and σ, one panel per output."""
    names = [p["name"] for p in a["parameters"]]
    idx = a["morris"]["indices"]
    outs = [o for o in a["outputs"] if o in idx]
    used = a["morris"]["trajectories_used"]
    fig, axes = _grid(len(outs), f"Morris screening ({used} trajectories)")
    y = np.arange(len(names))
    for ax, out in zip(axes, outs, strict=True):
        r = idx[out]
        ax.barh(y, r["mu_star"], xerr=r["mu_star_conf"], color="#1f5fa8", alpha=0.8, label="μ*")
        ax.plot(r["sigma"], y, "o", color="#c0392b", ms=4, label="σ")
        ax.set_yticks(y, names if ax is axes[0] or ax is axes[min(4, len(axes) - 1)] else [])
        ax.invert_yaxis()
        ax.set_title(_short(out, a["routine"], a["stable"]), fontsize=9)
        ax.set_xlim(left=0)
    axes[0].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def plot_sobol(a: dict[str, Any], path: Path) -> Path:
    """S1 and ST with their CIs, one panel per output (outputs without variance left out)."""
    names = [p["name"] for p in a["parameters"]]
    idx = {k: v for k, v in a["sobol"]["indices"].items() if v}
    outs = [o for o in a["outputs"] if o in idx]
    n_used = a["sobol"]["base_samples_used"]
    fig, axes = _grid(len(outs), f"Sobol indices (N = {n_used}, 95 % CI)")
    y = np.arange(len(names))
    h = 0.38
    for i, (ax, out) in enumerate(zip(axes, outs, strict=True)):
        r = idx[out]
        ax.barh(y - h / 2, r["S1"], h, xerr=r["S1_conf"], color="#1f5fa8", label="S1")
        ax.barh(y + h / 2, r["ST"], h, xerr=r["ST_conf"], color="#e69f00", label="ST")
        ax.set_yticks(y, names if i % 4 == 0 else [])
        ax.invert_yaxis()
        ax.set_xlim(-0.1, 1.1)
        ax.axvline(0, color="0.6", lw=0.6)
        ax.set_title(_short(out, a["routine"], a["stable"]), fontsize=9)
    axes[0].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def plot_claim(analyses: dict[str, dict[str, Any]], path: Path) -> Path:
    """Routine − stable retention vs ΔT of every sample; the claim's quadrant shaded."""
    fig = Figure(figsize=(5.2, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    marks = {"morris": ("s", "#7f3c8d"), "sobol": ("o", "#0072b2")}
    for phase, a in analyses.items():
        dr = np.array(a["values"]["retention:routine-stable"], dtype=float)
        dt = np.array(a["values"]["dT:routine-stable"], dtype=float)
        c = a["claim"]
        m, col = marks.get(phase, ("o", "0.3"))
        label = f"{phase}: claim in {c['fraction']:.2f} [{c['low']:.2f}, {c['high']:.2f}]"
        ax.plot(dr, dt, m, ms=3, color=col, alpha=0.6, mfc="none", label=label)
    ax.axhline(0, color="0.4", lw=0.8)
    ax.axvline(0, color="0.4", lw=0.8)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    ax.fill_between([min(x0, 0), 0], 0, max(y1, 0), color="#2e8b57", alpha=0.12, lw=0)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    a = next(iter(analyses.values()))
    ax.set_xlabel(f"retention {a['routine']} − {a['stable']} [% points]")
    ax.set_ylabel("ΔT routine − stable [K]")
    ax.set_title("the paper's claim holds in the shaded quadrant; ties (x = 0) do not", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return _save(fig, path)


def plot_study(analyses: dict[str, dict[str, Any]], out: str | Path) -> list[Path]:
    """The study's figures from its phases' analyses (``{"morris": ..., "sobol": ...}``)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    if analyses.get("morris", {}).get("morris", {}).get("indices"):
        paths.append(plot_morris(analyses["morris"], out / "sensitivity_morris.png"))
    if analyses.get("sobol", {}).get("sobol", {}).get("indices"):
        paths.append(plot_sobol(analyses["sobol"], out / "sensitivity_sobol.png"))
    if analyses:
        paths.append(plot_claim(analyses, out / "sensitivity_claim.png"))
    return paths
