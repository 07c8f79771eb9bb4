"""Preview picture of a generated (or user) mesh: regions in colour, off-screen PyVista.

Axisymmetric and planar meshes are shown as the 2D section (whole cell and a zoom on
the dendrite); 3D meshes as a crinkle-clipped half (cells cut by the plane y = 0).
"""

from __future__ import annotations

import os
from pathlib import Path

import meshio
import numpy as np
import pyvista as pv

REGION_COLOURS = {"lithium": "#8c8c9e", "electrolyte": "#bfe3f5", "sei": "#e8902e"}
_VTK_TYPE = {"triangle": pv.CellType.TRIANGLE, "triangle6": pv.CellType.QUADRATIC_TRIANGLE,
             "tetra": pv.CellType.TETRA, "tetra10": pv.CellType.QUADRATIC_TETRA}


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


def _add_regions(p: pv.Plotter, grid: pv.UnstructuredGrid, names: dict[int, str],
                 edges: bool = True) -> list[list[str]]:
    legend = []
    for rid, name in sorted(names.items()):
        part = grid.extract_cells(np.flatnonzero(grid.cell_data["region"] == rid))
        if part.n_cells == 0:
            continue
        colour = REGION_COLOURS.get(name, "#cccccc")
        p.add_mesh(part, color=colour, show_edges=edges, edge_color="#505060",
                   line_width=0.4, lighting=False)
        legend.append([name, colour])
    return legend


def _zoom_bounds(grid: pv.UnstructuredGrid, names: dict[int, str], tdim: int):
    """Bounds of the solid cells above the substrate plane, padded."""
    solid = [k for k, v in names.items() if v in ("lithium", "sei")]
    centres = grid.cell_centers().points
    up = centres[:, tdim - 1] > 0
    pick = np.isin(grid.cell_data["region"], solid) & up
    if not pick.any():
        pick = np.isin(grid.cell_data["region"], solid)
    b = np.asarray(grid.extract_cells(np.flatnonzero(pick)).bounds).reshape(3, 2)
    pad = 0.25 * (b[:, 1] - b[:, 0]).max()
    return b, pad


def render_mesh_preview(msh: str | Path, png: str | Path, formulation: str | None = None,
                        window_size: tuple[int, int] = (1400, 800)) -> Path:
    """Write a PNG picture of ``msh`` with regions coloured and a legend; returns the path."""
    os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
    grid, names, tdim = _grid(msh)
    out = Path(png)
    out.parent.mkdir(parents=True, exist_ok=True)
    title = f"{Path(msh).name}: {formulation or f'{tdim}D'}, {grid.n_cells} cells"
    p = pv.Plotter(off_screen=True, shape=(1, 2), window_size=window_size)
    if tdim == 2:
        for col in (0, 1):
            p.subplot(0, col)
            legend = _add_regions(p, grid, names)
            p.view_xy()
            p.enable_parallel_projection()
            if col == 0:
                p.add_text(title, font_size=9)
                p.add_legend(legend, bcolor="white", face="rectangle", loc="upper right",
                             size=(0.28, 0.05 + 0.04 * len(legend)))
        b, pad = _zoom_bounds(grid, names, tdim)
        p.subplot(0, 1)
        p.add_text("zoom on the dendrite (x = r, y = z)" if formulation == "axisymmetric"
                   else "zoom on the dendrite", font_size=9)
        lo, hi = b[:, 0] - pad, b[:, 1] + pad
        p.camera.focal_point = (0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1]), 0)
        p.camera.position = (0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1]), 10)
        p.camera.parallel_scale = 0.5 * max(hi[1] - lo[1], (hi[0] - lo[0]) * 0.8)
    else:
        clipped = grid.clip(normal=(0, -1, 0), origin=(0, 0, 0), crinkle=True)
        for col in (0, 1):
            p.subplot(0, col)
            legend = _add_regions(p, clipped, names)
            p.view_xz()
            p.camera.elevation = 20
            p.camera.azimuth = -25
            if col == 0:
                p.add_text(title + " (clipped at y = 0)", font_size=9)
                p.add_legend(legend, bcolor="white", face="rectangle", loc="upper right",
                             size=(0.28, 0.05 + 0.04 * len(legend)))
        b, pad = _zoom_bounds(grid, names, tdim)
        p.subplot(0, 1)
        p.add_text("zoom on the dendrites", font_size=9)
        p.reset_camera(bounds=[b[0, 0] - pad, b[0, 1] + pad, b[1, 0] - pad, b[1, 1] + pad,
                               b[2, 0] - pad, b[2, 1] + pad])
    p.screenshot(str(out))
    p.close()
    return out
