"""Trend plots of a sweep (matplotlib): key outputs against L/D or another swept input.

``plot_sweep(folder)`` reads ``folder/summary.csv`` (and the varied keys from
``folder/sweep/sweep.json``) and draws, one line per combination of the other swept keys:

- Li retention at the end vs the x input (L/D when it varies);
- peak interface temperature rise vs the x input;
- when the ambient temperature is swept too: the critical ambient temperature (between the
  highest ambient without runaway and the lowest with it) vs L/D, also written as
  ``critical_ambient.csv``.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dendrisim.core.errors import DendrisimError

# varied case keys that are better plotted through their derived summary column
_DERIVED = {
    "geometry.aspect_ratio": "L_over_D",
    "thermal.ambient_K": "ambient_K",
    "thermal.initial_K": "initial_K",
    "sei.preset": "sei_preset",
    "electrolyte.preset": "electrolyte_preset",
}
_LABELS = {
    "L_over_D": "L/D",
    "ambient_K": "ambient temperature [K]",
    "li_retention_end": "Li retention at end [%]",
    "dT_interface_max_K": "peak interface temperature rise [K]",
}


# summary columns shown in another unit: Li retention is a fraction in summary.csv, % in
# every figure (as in Fig. 5d)
_SHOWN_FACTOR = {"li_retention_end": 100.0}


def is_sweep_folder(folder: str | Path) -> bool:
    """True for a folder written by ``dendrisim sweep`` (has summary.csv)."""
    return (Path(folder) / "summary.csv").is_file()


def _read(folder: Path) -> tuple[list[dict[str, Any]], list[str]]:
    from dendrisim.sweep.summary import read_summary

    if not is_sweep_folder(folder):
        raise DendrisimError(
            f"{folder}: not a sweep folder (no summary.csv); run `dendrisim sweep SWEEP.toml` first"
        )
    rows = read_summary(folder / "summary.csv")
    meta = folder / "sweep" / "sweep.json"
    keys = json.loads(meta.read_text("utf-8"))["varied_keys"] if meta.is_file() else []
    cols = []
    for k in keys:
        c = _DERIVED.get(k, k)
        if c not in cols and len({r.get(c) for r in rows}) > 1:
            cols.append(c)
    if "L_over_D" not in cols and len({_round(r.get("L_over_D")) for r in rows}) > 1:
        cols.insert(0, "L_over_D")
    # a column repeating an earlier one (initial_K zipped with ambient_K) adds nothing
    unique = [
        c
        for i, c in enumerate(cols)
        if not any(all(r.get(c) == r.get(p) for r in rows) for p in cols[:i])
    ]
    return rows, unique


def _round(v: Any) -> Any:
    return round(v, 9) if isinstance(v, float) else v


def _numeric(rows: list[dict[str, Any]], col: str) -> bool:
    return all(isinstance(r.get(col), float) for r in rows)


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path


def _label(col: str) -> str:
    return _LABELS.get(col, col)


def critical_ambient(
    rows: list[dict[str, Any]], x: str, group_cols: list[str]
) -> list[dict[str, Any]]:
    """Per (group, x): highest ambient without runaway, lowest with it, and their midpoint [K].

    Only finished cases count; a case ran away when its summary has a runaway time (the
    event happened, whether or not it stopped the run). ``critical_K`` is NaN when no case
    (or every case) ran away.
    """
    cells: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: {"ok": [], "run": []})
    for r in rows:
        if r.get("status") != "finished":
            continue
        key = (tuple(r.get(g) for g in group_cols), _round(r.get(x)))
        ran_away = _is_number(r.get("runaway_time_s")) or r.get("stop_reason") == "runaway"
        cells[key]["run" if ran_away else "ok"].append(r["ambient_K"])
    out = []
    for (group, xv), d in sorted(cells.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        below = max(d["ok"]) if d["ok"] else math.nan
        above = min(d["run"]) if d["run"] else math.nan
        crit = 0.5 * (below + above) if d["ok"] and d["run"] and below < above else math.nan
        out.append(
            {
                **dict(zip(group_cols, group, strict=True)),
                x: xv,
                "no_runaway_max_K": below,
                "runaway_min_K": above,
                "critical_K": crit,
            }
        )
    return out


def _lines(ax, rows, x, y, group_cols) -> None:
    groups: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    factor = _SHOWN_FACTOR.get(y, 1.0)
    for r in rows:
        if r.get("status") == "finished" and isinstance(r.get(y), float):
            groups[tuple(r.get(g) for g in group_cols)].append((r[x], factor * r[y]))
    for g, pts in sorted(groups.items(), key=lambda kv: str(kv[0])):
        pts.sort()
        label = (
            ", ".join(
                f"{c} = {v:g}" if isinstance(v, float) else f"{c} = {v}"
                for c, v in zip(group_cols, g, strict=True)
            )
            or None
        )
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=label)
    if any(g for g in groups):
        ax.legend(fontsize=8)


def _xscale(ax, rows, x) -> None:
    """Log x axis for L/D spanning more than a decade."""
    vals = [r[x] for r in rows if isinstance(r.get(x), float)]
    if x == "L_over_D" and vals and min(vals) > 0 and max(vals) / min(vals) > 10:
        ax.set_xscale("log")


def plot_sweep(folder: str | Path, out: str | Path | None = None) -> list[Path]:
    """Draw the trend plots of a sweep folder into ``out`` (default ``folder/figures``)."""
    folder = Path(folder)
    rows, cols = _read(folder)
    out_dir = Path(out) if out else folder / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    numeric = [c for c in cols if _numeric(rows, c)]
    if not numeric:
        raise DendrisimError(
            f"{folder}: no numeric swept input to plot against "
            f"(swept: {', '.join(cols) or 'nothing'})"
        )
    x = "L_over_D" if "L_over_D" in numeric else numeric[0]
    others = [c for c in cols if c != x]
    failed = sum(1 for r in rows if r.get("status") == "failed")
    note = f" ({failed} failed case{'s' if failed != 1 else ''} left out)" if failed else ""
    paths = []
    for y in ("li_retention_end", "dT_interface_max_K"):
        fig = Figure(figsize=(6, 4))
        ax = fig.add_subplot()
        _lines(ax, rows, x, y, others)
        ax.set_xlabel(_label(x))
        ax.set_ylabel(_label(y))
        _xscale(ax, rows, x)
        ax.set_title(f"{folder.name}: {_label(y)} vs {_label(x)}{note}", fontsize=9)
        ax.grid(alpha=0.3)
        paths.append(_save(fig, out_dir / f"{y}_vs_{x}.png"))
    if "ambient_K" in cols and x != "ambient_K":
        groups = [c for c in others if c != "ambient_K"]
        table = critical_ambient(rows, x, groups)
        with open(out_dir / "critical_ambient.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(table[0]) if table else [x])
            w.writeheader()
            w.writerows(table)
        fig = Figure(figsize=(6, 4))
        ax = fig.add_subplot()
        crit_rows = [{**t, "status": "finished"} for t in table]
        _lines(ax, crit_rows, x, "critical_K", groups)
        ax.set_xlabel(_label(x))
        ax.set_ylabel("critical ambient temperature [K]")
        _xscale(ax, rows, x)
        ax.set_title(f"{folder.name}: thermal runaway threshold", fontsize=9)
        ax.grid(alpha=0.3)
        paths.append(_save(fig, out_dir / f"critical_ambient_vs_{x}.png"))
    return paths


def _is_number(v) -> bool:
    """True for a finite number (a summary cell may be None, "", NaN or text)."""
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False
