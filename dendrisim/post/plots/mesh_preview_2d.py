"""Preview picture of a 2D (axisymmetric or planar) mesh, drawn with matplotlib.

Top row: the whole cell lying on its side (the axis horizontal), mirrored about the axis
when axisymmetric, so a tall, narrow cell fills the width of the picture; bottom row: the
dendrite (regions in colour) and its tip with the mesh. Every panel has axes in µm.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from dendrisim.core import groups as G

REGION_COLOURS = {G.LITHIUM: "#8c8c9e", G.ELECTROLYTE: "#bfe3f5", G.SEI: "#e8902e"}
EDGE_COLOUR = "#505060"
UM_PER_UNIT = {"m": 1e6, "mm": 1e3, "um": 1.0, "nm": 1e-3}  # a mesh file's unit -> µm


def _polys(pts: np.ndarray, tris: np.ndarray, mirror: bool) -> np.ndarray:
    """Triangles as (n, 3, 2) vertex arrays; with their mirror image about x = 0."""
    polys = pts[tris][:, :, :2]
    if mirror:
        other = polys.copy()
        other[:, :, 0] *= -1.0
        polys = np.concatenate([polys, other])
    return polys


def _draw(ax, polys, colours, edges: float, swap: bool = False) -> None:
    """Filled triangles; ``edges``: mesh line width (0: none)."""
    if swap:  # lying on its side: axial coordinate to the right, radius up
        polys = polys[:, :, ::-1]
    ax.add_collection(
        PolyCollection(
            polys,
            facecolors=colours,
            edgecolors=EDGE_COLOUR if edges else colours,
            linewidths=edges or 0.3,
        )
    )
    ax.set_aspect("equal")


def _solid_box(pts, tris, solid: np.ndarray) -> np.ndarray:
    """(lo, hi) of the Li/SEI cells above the foil top (y > 0), or of all solid cells."""
    centres = pts[tris].mean(axis=1)
    pick = solid & (centres[:, 1] > 0)
    pick = pick if pick.any() else solid
    sel = pts[np.unique(tris[pick])][:, :2]
    return np.array([sel.min(axis=0), sel.max(axis=0)])


def render_2d(
    points: np.ndarray,
    tris: np.ndarray,
    region_names: list[str],
    png: Path,
    title: str,
    axisymmetric: bool,
    unit: str = "um",
) -> Path:
    """Write the preview PNG of triangles ``tris`` on ``points`` (in the file's ``unit``)."""
    fig = preview_figure(points, tris, region_names, title, axisymmetric, unit)
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=150)
    return png


def preview_figure(
    points: np.ndarray,
    tris: np.ndarray,
    region_names: list[str],
    title: str,
    axisymmetric: bool,
    unit: str = "um",
) -> Figure:
    """The preview figure: whole cell on its side (top), dendrite and tip (bottom)."""
    pts = np.asarray(points, float)[:, :2] * UM_PER_UNIT[unit]
    colours = np.array([REGION_COLOURS.get(n, "#cccccc") for n in region_names])
    solid = np.isin(region_names, [G.LITHIUM, G.SEI])
    r_lab, z_lab = ("r [µm]", "z [µm]") if axisymmetric else ("x [µm]", "y [µm]")
    with mpl.rc_context({"font.size": 10}):
        fig = Figure(figsize=(11, 8.5), layout="constrained")
        top, bottom = fig.subfigures(2, 1, height_ratios=[1, 2.2])
        ax = top.subplots()
        _draw(ax, _polys(pts, tris, axisymmetric), np.tile(colours, 1 + axisymmetric), 0.12, True)
        ax.autoscale_view()
        ax.set_xlabel(z_lab)
        ax.set_ylabel(r_lab)
        ax.set_title(
            "whole cell, on its side" + (", mirrored about the axis" if axisymmetric else "")
        )
        fig.suptitle(title)
        b, c = bottom.subplots(1, 2)
        box = _solid_box(pts, tris, solid)
        size = float((box[1] - box[0]).max())
        mirrored = np.tile(colours, 1 + axisymmetric)
        _draw(b, _polys(pts, tris, axisymmetric), mirrored, 0)
        half = 0.5 * size + 0.15 * size
        mid_y = 0.5 * (box[0, 1] + box[1, 1])
        b.set_xlim(-half if axisymmetric else box[0, 0] - 0.15 * size, half)
        b.set_ylim(mid_y - half, mid_y + half)
        b.set_title("dendrite")
        width = float(box[1, 0] - (0.0 if axisymmetric else box[0, 0]))
        _draw(c, _polys(pts, tris, False), colours, 0.3)
        x0 = 0.0 if axisymmetric else box[0, 0]
        c.set_xlim(x0 - (0.02 if axisymmetric else 0.3) * width, x0 + 1.3 * width)
        c.set_ylim(box[1, 1] - 1.2 * width, box[1, 1] + 0.4 * width)
        c.set_title("tip, with the mesh")
        for a in (b, c):
            a.set_xlabel(r_lab)
            a.set_ylabel(z_lab)
        names = [n for n in REGION_COLOURS if n in set(region_names)]
        top.legend(
            handles=[
                Patch(facecolor=REGION_COLOURS[n], edgecolor=EDGE_COLOUR, label=n) for n in names
            ],
            loc="outside lower right",
            ncol=len(names),
            frameon=False,
        )
    return fig
