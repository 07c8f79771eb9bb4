"""Preview picture of a generated (or user) mesh: regions in colour, off-screen PyVista.

Axisymmetric and planar meshes are drawn with matplotlib
(:mod:`dendrisim.post.plots.mesh_preview_2d`: the whole cell on its side, the dendrite, the
tip with the mesh, axes in µm); 3D meshes with PyVista as a crinkle-clipped half (cells cut
by the plane y = 0) with a µm ruler.
"""

from __future__ import annotations

import os
from pathlib import Path

import meshio
import numpy as np
import pyvista as pv

from dendrisim.core import groups as G
from dendrisim.post.plots.mesh_preview_2d import UM_PER_UNIT, render_2d

REGION_COLOURS = {G.LITHIUM: "#8c8c9e", G.ELECTROLYTE: "#bfe3f5", G.SEI: "#e8902e"}
_VTK_TYPE = {
    "triangle": pv.CellType.TRIANGLE,
    "triangle6": pv.CellType.QUADRATIC_TRIANGLE,
    "tetra": pv.CellType.TETRA,
    "tetra10": pv.CellType.QUADRATIC_TETRA,
}


def _grid(path: str | Path) -> tuple[pv.UnstructuredGrid, dict[int, str], int]:
    """Top-dimension cells of a .msh as a pyvista grid with a ``region`` cell array."""
    m = meshio.read(str(path))
    names = {int(v[0]): k for k, v in m.field_data.items()}
    dims = {int(v[0]): int(v[1]) for v in m.field_data.values()}
    tdim = 3 if any(b.type.startswith("tetra") for b in m.cells) else 2
    cells, types, region = [], [], []
    for block, phys in zip(m.cells, m.cell_data["gmsh:physical"], strict=True):
        if block.type not in _VTK_TYPE or (block.type.startswith("tetra") != (tdim == 3)):
            continue
        n = block.data.shape[1]
        cells.append(np.hstack([np.full((len(block.data), 1), n), block.data]).ravel())
        types.append(np.full(len(block.data), _VTK_TYPE[block.type], dtype=np.uint8))
        region.append(np.asarray(phys))
    grid = pv.UnstructuredGrid(np.concatenate(cells), np.concatenate(types), m.points)
    grid.cell_data["region"] = np.concatenate(region)
    return grid, {k: v for k, v in names.items() if dims.get(k) == tdim}, tdim


def _add_regions(
    p: pv.Plotter,
    grid: pv.UnstructuredGrid,
    names: dict[int, str],
    edges: bool = True,
    only: tuple[str, ...] | None = None,
    opacity: dict[str, float] | None = None,
) -> list[list[str]]:
    legend = []
    for rid, name in sorted(names.items()):
        if only is not None and name not in only:
            continue
        part = grid.extract_cells(np.flatnonzero(grid.cell_data["region"] == rid))
        if part.n_cells == 0:
            continue
        colour = REGION_COLOURS.get(name, "#cccccc")
        p.add_mesh(
            part,
            color=colour,
            show_edges=edges,
            edge_color="#505060",
            line_width=0.4,
            lighting=pv.CellType.TETRA in grid.distinct_cell_types,
            opacity=(opacity or {}).get(name, 1.0),
        )
        legend.append([name, colour])
    return legend


def _legend(p: pv.Plotter, entries: list[list[str]]) -> None:
    """Region legend as black text (coloured legend text is unreadable on white)."""
    names = {c: n for n, c in entries}
    words = {"#8c8c9e": "grey", "#bfe3f5": "light blue", "#e8902e": "orange"}
    text = ",  ".join(f"{n} {words.get(c, c)}" for c, n in names.items())
    p.add_text(text, position="lower_left", font_size=10, color="black")


def _solid_bounds(grid: pv.UnstructuredGrid, names: dict[int, str], tdim: int) -> np.ndarray:
    """Bounds (3, 2) of the Li/SEI cells above the substrate plane (all solid if none)."""
    solid = [k for k, v in names.items() if v in (G.LITHIUM, G.SEI)]
    centres = grid.cell_centers().points
    pick = np.isin(grid.cell_data["region"], solid)
    if (pick & (centres[:, tdim - 1] > 0)).any():
        pick &= centres[:, tdim - 1] > 0
    return np.asarray(grid.extract_cells(np.flatnonzero(pick)).bounds).reshape(3, 2)


def _triangles(grid: pv.UnstructuredGrid) -> np.ndarray:
    """Corner node indices (n, 3) of the (linear or quadratic) triangles, in cell order."""
    offsets, conn = grid.cell_offsets, grid.cell_connectivity
    return np.array([conn[offsets[i] : offsets[i] + 3] for i in range(grid.n_cells)])


def _tip_3d(grid, names) -> tuple[np.ndarray, float]:
    """The highest solid point and the solid's width near it (top tenth of its height)."""
    solid = [k for k, v in names.items() if v in (G.LITHIUM, G.SEI)]
    part = grid.extract_cells(np.flatnonzero(np.isin(grid.cell_data["region"], solid)))
    pts = np.asarray(part.points)
    tip = pts[np.argmax(pts[:, 2])]
    if tip[2] <= 0:  # flat: no dendrite, look at the middle of the foil top
        tip = np.array([pts[:, 0].mean(), pts[:, 1].mean(), tip[2]])
        return tip, 0.25 * float(max(np.ptp(pts[:, 0]), np.ptp(pts[:, 1])))
    near = pts[(pts[:, 2] > 0.9 * tip[2]) & (np.hypot(*(pts[:, :2] - tip[:2]).T) < 0.5 * tip[2])]
    w = max(np.ptp(near[:, 0]), np.ptp(near[:, 1]), 1e-3 * tip[2])
    return tip, float(w)


def _preview_3d(p: pv.Plotter, grid, names, title: str, um_per_unit: float = 1.0) -> None:
    b = _solid_bounds(grid, names, 3)
    tip, w = _tip_3d(grid, names)
    clipped = grid.clip(normal=(0, -1, 0), origin=(0, tip[1], 0), crinkle=True)
    tip_box = np.array(
        [[tip[0] - w, tip[0] + w], [tip[1] - w, tip[1] + w], [tip[2] - 2.0 * w, tip[2] + 0.5 * w]]
    )
    views = [
        (title + f" (cells cut at y = {round(tip[1], 6) + 0.0:.3g})", clipped, True, None, None),
        ("Li and SEI (translucent)", grid, False, (G.LITHIUM, G.SEI), b),
        ("highest tip, cut, with mesh", clipped, True, None, tip_box),
    ]
    for k, (text, g, edges, only, bounds) in enumerate(views):
        p.subplot((2, 0, 1)[k])  # shape "1/2": renderers 0, 1 below, 2 across the top
        legend = _add_regions(
            p, g, names, edges=edges, only=only, opacity={G.SEI: 0.35} if k == 1 else None
        )
        p.view_xz()
        if k == 0:  # the tall cell on its side across the top, with a length scale
            p.camera.up = (-1.0, 0.0, 0.0)
            p.enable_parallel_projection()
            _ruler_along_z(p, np.asarray(clipped.bounds).reshape(3, 2), um_per_unit)
            p.reset_camera()
            p.camera.zoom(2.2)
        else:
            p.camera.elevation = 15
            p.camera.azimuth = -20
        if bounds is not None:
            pad = 0.1 * (bounds[:, 1] - bounds[:, 0]).max()
            p.reset_camera(bounds=(bounds + np.array([-pad, pad])).ravel().tolist())
        p.add_text(text, font_size=10, color="black")
        if k == 0:
            _legend(p, legend)


def _ruler_along_z(p: pv.Plotter, box: np.ndarray, um_per_unit: float) -> None:
    """µm ruler under the cell lying on its side (along z, beyond its largest x)."""
    x = box[0, 1] + 0.12 * (box[0, 1] - box[0, 0])
    p.add_ruler(
        (x, box[1, 1], box[2, 0]),
        (x, box[1, 1], box[2, 1]),
        title="length [µm]",
        number_labels=6,
        label_format="%.3g",
        scale=um_per_unit,
        font_size_factor=0.8,
        label_size_factor=0.8,
    )


def render_mesh_preview(
    msh: str | Path,
    png: str | Path,
    formulation: str | None = None,
    window_size: tuple[int, int] = (1600, 1300),
    unit: str = "um",
) -> Path:
    """Write a PNG picture of ``msh`` with regions coloured and a legend; returns the path.

    Three panels: the whole mesh (3D: on its side, across the top, with a µm ruler), the
    dendrite(s) without edges, and the tip with edges.
    ``unit``: the length unit of the file's coordinates ("m", "mm", "um", "nm").
    """
    os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
    grid, names, tdim = _grid(msh)
    out = Path(png)
    out.parent.mkdir(parents=True, exist_ok=True)
    title = f"{Path(msh).name}: {formulation or f'{tdim}D'}, {grid.n_cells} cells"
    if tdim == 2:
        tris = _triangles(grid)
        region = [names.get(int(r), "?") for r in grid.cell_data["region"]]
        axisym = formulation == "axisymmetric"
        return render_2d(grid.points, tris, region, out, title, axisym, unit)
    p = pv.Plotter(
        off_screen=True, shape="1/2", window_size=window_size, border=False, splitting_position=0.6
    )
    p.set_background("white")
    _preview_3d(p, grid, names, title, UM_PER_UNIT[unit])
    p.screenshot(str(out))
    p.close()
    return out
