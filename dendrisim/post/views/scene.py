"""PyVista meshes of a result's fields: warped section, Li outline, revolved 3D cut-away.

Coordinates are shown in µm. Axisymmetric sections (x = r, y = z) are mirrored about the
axis for the 2D view and revolved about it for the 3D view; planar sections are shown as
they are; 3D results are clipped by the plane y = 0.
"""

from __future__ import annotations

import math

import numpy as np
import pyvista as pv

from dendrisim.core.groups import CELL_IDS as REGION_IDS
from dendrisim.core.units import NM, UM
from dendrisim.io.field_reader import Fields

LITHIUM_COLOR = "#8c8c9e"  # same grey as the mesh preview
OUTLINE_INITIAL = "#000000"
# the t = 0 Li surface: thick black lines, drawn as tubes so they stay visible over the
# grey Li and the dark end of the colour maps
INITIAL_STYLE = {"color": OUTLINE_INITIAL, "line_width": 4.0, "render_lines_as_tubes": True}
_VTK = {
    "triangle": pv.CellType.TRIANGLE,
    "quad": pv.CellType.QUAD,
    "tetra": pv.CellType.TETRA,
    "hexahedron": pv.CellType.HEXAHEDRON,
}


def section_grid(fields: Fields, t: float, warp: bool = True) -> pv.UnstructuredGrid:
    """The mesh at output time ``t`` (current geometry when ``warp``), in µm.

    Point data: ``c`` [mol/m3] (NaN where only Li), ``T`` [K], ``displacement`` [m];
    cell data: ``region`` (1 lithium, 2 electrolyte, 3 sei).
    """
    pts = fields.current_points(t) if warp else fields.points
    n = fields.cells.shape[1]
    cells = np.hstack([np.full((len(fields.cells), 1), n), fields.cells]).ravel()
    types = np.full(len(fields.cells), _VTK[fields.cell_type], dtype=np.uint8)
    grid = pv.UnstructuredGrid(cells, types, pts / UM)
    grid.cell_data["region"] = fields.cell_tags
    for name in fields.names:
        vals = fields.get(name, t, mask_lithium=(name == "c"))
        if np.ndim(vals) == 1:
            grid.point_data[name] = vals
    grid.point_data["displacement_nm"] = fields.displacement(t) / NM
    return grid


def region(grid: pv.UnstructuredGrid, name: str) -> pv.UnstructuredGrid:
    """Cells of one region ("lithium", "electrolyte", "sei")."""
    return grid.extract_cells(np.flatnonzero(grid.cell_data["region"] == REGION_IDS[name]))


def crop_box(grid: pv.UnstructuredGrid, axial: int = 1) -> tuple[float, float]:
    """Axial window [µm] around the dendrite: a little foil below, some electrolyte above."""
    li = grid.points[np.unique(region(grid, "lithium").point_data["vtkOriginalPointIds"])]
    z = grid.points[:, axial]
    zmax_li = float(li[:, axial].max()) if len(li) else float(z.max())
    width = float(np.abs(grid.points[:, 0]).max())
    top = min(float(z.max()), zmax_li + max(0.3 * zmax_li, 0.6 * width))
    bottom = max(float(z.min()), -0.35 * max(top, width))
    return bottom, top


def dendrite_center(grid: pv.UnstructuredGrid) -> np.ndarray:
    """A point on the dendrite's axis of a 3D grid (mean x, y of the Li above z = 0), µm."""
    li = region(grid, "lithium")
    pts = li.points[li.points[:, 2] > 0.0] if li.n_points else grid.points
    if not len(pts):
        pts = grid.points
    c = np.asarray(grid.center, float)
    c[0], c[1] = float(pts[:, 0].mean()), float(pts[:, 1].mean())
    return c


def crop(
    grid: pv.UnstructuredGrid, window: tuple[float, float], axial: int = 1
) -> pv.UnstructuredGrid:
    """The mesh cut to the axial window (straight cuts; cells are split, data interpolated)."""
    normal = [0.0, 0.0, 0.0]
    normal[axial] = 1.0
    lo, hi = list(normal), [-v for v in normal]
    out = grid
    z = grid.points[:, axial]
    if window[1] < z.max():
        out = out.clip(normal=lo, origin=_at(axial, window[1]), invert=True)
    if window[0] > z.min():
        out = out.clip(normal=hi, origin=_at(axial, window[0]), invert=True)
    return out if isinstance(out, pv.UnstructuredGrid) else out.cast_to_unstructured_grid()


def _at(axial: int, value: float) -> list[float]:
    o = [0.0, 0.0, 0.0]
    o[axial] = value
    return o


def outline(
    grid: pv.UnstructuredGrid, name: str = "lithium", drop_axis: bool = True
) -> pv.PolyData:
    """Boundary edges of a 2D region (the Li surface in the section), axis edges dropped."""
    surf = region(grid, name).extract_surface(algorithm=None)
    edges = surf.extract_feature_edges(
        boundary_edges=True, feature_edges=False, manifold_edges=False, non_manifold_edges=False
    )
    if drop_axis and edges.n_cells:
        pts = edges.points
        lines = edges.lines.reshape(-1, 3)[:, 1:]
        tol = 1e-9 * max(float(np.abs(pts).max()), 1.0)
        keep = ~((np.abs(pts[lines[:, 0], 0]) < tol) & (np.abs(pts[lines[:, 1], 0]) < tol))
        kept = pv.PolyData(pts, lines=np.hstack([np.full((keep.sum(), 1), 2), lines[keep]]).ravel())
        for name in edges.point_data:
            kept.point_data[name] = edges.point_data[name]
        edges = kept
    return edges


def mirror(grid: pv.DataSet) -> pv.DataSet:
    """The section and its mirror image about the axis x = 0 (a full diametral cut)."""
    other = grid.copy()
    other.points[:, 0] *= -1.0
    if "displacement" in other.point_data:
        other.point_data["displacement"][:, 0] *= -1.0
    return grid.merge(other, merge_points=False)


def to_3d(grid: pv.DataSet, angle_deg: float) -> pv.DataSet:
    """A section (x = r, y = z) placed in 3D as the half-plane at azimuth ``angle_deg``."""
    out = grid.copy()
    r, z = grid.points[:, 0].copy(), grid.points[:, 1].copy()
    a = math.radians(angle_deg)
    out.points = np.column_stack([r * math.cos(a), r * math.sin(a), z])
    return out


def revolve(
    edges: pv.PolyData, start_deg: float, sweep_deg: float, resolution: int = 72
) -> pv.PolyData:
    """Surface of revolution of section curves (x = r, y = z) about the z axis."""
    placed = to_3d(edges, start_deg)
    if placed.n_points == 0:
        return pv.PolyData()
    return placed.extrude_rotate(
        resolution=resolution, angle=sweep_deg, rotation_axis=(0, 0, 1), capping=False
    )


def display_scale(values: np.ndarray, symbol: str, unit: str) -> tuple[float, float, str, bool]:
    """How to colour a field whose variation may be tiny next to its level.

    Returns (base, factor, scalar-bar title, uniform): shown = (value - base) * factor.
    A variation below 1e-3 of the level is shown as an offset from a round base in a
    prefixed unit (e.g. "T − 443.7549 K [µK]"); a uniform field is flagged.
    """
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not v.size:
        return 0.0, 1.0, f"{symbol} [{unit}]", True
    lo, hi = float(v.min()), float(v.max())
    level = max(abs(lo), abs(hi))
    span = hi - lo
    if span <= 1e-12 * max(level, 1e-300):
        return 0.0, 1.0, f"{symbol} [{unit}]", True
    if level == 0 or span >= 1e-3 * level:
        return 0.0, 1.0, f"{symbol} [{unit}]", False
    k = math.floor(math.log10(span))
    base = math.floor(lo / 10.0**k) * 10.0**k
    prefixes = (("", 1.0), ("m", 1e3), ("µ", 1e6), ("n", 1e9), ("p", 1e12))
    prefix, factor = next((pf for pf in prefixes if span * pf[1] >= 1.0), prefixes[-1])
    digits = max(0, -k)
    return base, factor, f"{symbol} − {base:.{digits}f} {unit}\n[{prefix}{unit}]", False


def smart_format(values: np.ndarray) -> str:
    """A printf format that shows the variation of ``values`` with 2-3 significant digits."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not v.size:
        return "%.4g"
    span, mag = float(v.max() - v.min()), float(np.abs(v).max())
    if span <= 0 or mag == 0:
        return "%.4g"
    if mag >= 1e5 or mag < 1e-3:
        return "%.3g"
    digits = max(0, int(math.ceil(-math.log10(span))) + 1)
    return f"%.{min(digits, 6)}f"
