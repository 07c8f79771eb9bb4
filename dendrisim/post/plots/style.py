"""Shared look of dendrisim figures: one colour per case, units, saving in several formats."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from matplotlib.figure import Figure

# Fixed colours for the built-in Figure-5 cases (the same in every figure and in the viewer):
# routine (thin needle) red, stable (thick deposit) blue, stable SEI green.
CASE_COLORS = {"fig5-routine": "#c0392b", "fig5-stable": "#1f5fa8", "fig5-stable-sei": "#2e8b57"}
# the same three under the names that say what differs (docs/fig5.md)
CASE_COLORS.update(
    {
        "fig5-needle-routine-sei": "#c0392b",
        "fig5-deposit-routine-sei": "#1f5fa8",
        "fig5-deposit-stable-sei": "#2e8b57",
    }
)
# Other cases: colour-blind-safe palette (Okabe-Ito, without black and yellow), by name.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7f3c8d", "#8c564b")

RC = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.8,
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}

FORMATS = ("png", "svg", "pdf")


def case_colors(names: Sequence[str]) -> dict[str, str]:
    """A colour per case name: fixed for built-in cases, else stable by name, no repeats."""
    out: dict[str, str] = {}
    used = {CASE_COLORS[n] for n in names if n in CASE_COLORS}
    for name in names:
        if name in out:
            continue
        if name in CASE_COLORS:
            out[name] = CASE_COLORS[name]
            continue
        start = zlib.crc32(name.encode("utf-8")) % len(PALETTE)
        free = [PALETTE[(start + i) % len(PALETTE)] for i in range(len(PALETTE))]
        color = next((c for c in free if c not in used), free[0])
        out[name] = color
        used.add(color)
    return out


def unique_labels(names: Sequence[str]) -> list[str]:
    """Case names as legend labels; repeated names get the folder index appended."""
    seen: dict[str, int] = {}
    labels = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        labels.append(n if names.count(n) == 1 else f"{n} [{seen[n]}]")
    return labels


def check_formats(formats: Iterable[str]) -> list[str]:
    """Normalised figure formats; raise with the allowed list on an unknown one."""
    from dendrisim.core.errors import DendrisimError

    out = []
    for f in formats:
        f = f.strip().lower().lstrip(".")
        if not f:
            continue
        if f not in FORMATS:
            raise DendrisimError(f"figure format {f!r}: allowed {', '.join(FORMATS)}")
        out.append(f)
    return out or ["png"]


def save(fig: Figure, stem: Path, formats: Iterable[str], dpi: int = 200) -> list[Path]:
    """Write ``fig`` as ``stem.<fmt>`` for each format; returns the paths."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if fig.canvas is None or not hasattr(fig.canvas, "print_figure"):
        FigureCanvasAgg(fig)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in check_formats(formats):
        p = stem.with_suffix(f".{fmt}")
        fig.savefig(p, dpi=dpi, bbox_inches="tight", metadata=_metadata(fmt))
        paths.append(p)
    return paths


def _metadata(fmt: str) -> dict[str, str | None]:
    # reproducible files: no creation date in SVG/PDF
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return {}
