"""Extraction from a 3D dolfinx mesh: boundary triangles and thin Li cells (collective).

Every facet on the outer boundary or between two regions, with its physical group and its
two regions, is gathered from all ranks into a canonical :class:`~.surface3d.Triangles`
(the same on any number of ranks).  Thin Li (:func:`thin_cells`) is decided by every rank
for its own cells from the same gathered triangles.
"""

from __future__ import annotations

import numpy as np

from dendrisim.core import compat, parallel
from dendrisim.core.groups import CELL_IDS, ELECTROLYTE, LITHIUM
from dendrisim.core.units import M_TO_UM, UM3_TO_M3
from dendrisim.meshing.remesh.surface3d import FLOOR_TOL_UM, Triangles, local_thickness

compat.load_solver_libraries()

import dolfinx  # noqa: E402

LITHIUM_ID, ELECTROLYTE_ID = CELL_IDS[LITHIUM], CELL_IDS[ELECTROLYTE]
FOIL_TOL_UM = FLOOR_TOL_UM  # a Li cell is above the foil (z = 0) when its centre is higher


def _regions(bundle, override: dict[int, int] | None) -> np.ndarray:
    top = bundle.mesh.topology
    n_c = top.index_map(3).size_local + top.index_map(3).num_ghosts
    region = np.full(n_c, -1, dtype=np.int64)
    region[bundle.cell_tags.indices] = bundle.cell_tags.values
    for c, r in (override or {}).items():
        region[c] = r
    return region


def _rows(bundle, region: np.ndarray, interface_tag: int | None) -> np.ndarray:
    """Rows (9 coordinates [µm], tag, inner, outer) of the owned boundary facets."""
    mesh = bundle.mesh
    top = mesh.topology
    for a, b in ((2, 3), (2, 0), (3, 0), (0, 3)):
        top.create_connectivity(a, b)
    f2c, c2v = top.connectivity(2, 3), top.connectivity(3, 0)
    n_f = top.index_map(2).size_local
    ftag = np.zeros(n_f + top.index_map(2).num_ghosts, dtype=np.int64)
    ftag[bundle.facet_tags.indices] = bundle.facet_tags.values
    n_v = top.index_map(0).size_local + top.index_map(0).num_ghosts
    geo = dolfinx.mesh.entities_to_geometry(mesh, 0, np.arange(n_v, dtype=np.int32)).ravel()
    vx = mesh.geometry.x[geo] * M_TO_UM
    fverts = dolfinx.mesh.entities_to_geometry(mesh, 2, np.arange(n_f, dtype=np.int32))
    offs = f2c.offsets
    ncell = np.diff(offs)[:n_f]
    c0 = f2c.array[offs[:n_f]]
    c1 = np.where(ncell > 1, f2c.array[np.minimum(offs[:n_f] + 1, offs[-1] - 1)], -1)
    r0, r1 = region[c0], np.where(c1 >= 0, region[np.maximum(c1, 0)], -1)
    cand = np.flatnonzero((ncell == 1) | (r0 != r1))
    top.create_connectivity(2, 0)
    f2v = top.connectivity(2, 0)
    rows = np.zeros((cand.size, 12))
    for k, f in enumerate(cand):
        ra, rb = int(r0[f]), int(r1[f])
        inner_cell = c0[f] if rb < 0 or ra <= rb else c1[f]
        inner, outer = (ra, rb) if inner_cell == c0[f] else (rb, ra)
        fv = f2v.links(f)
        p = mesh.geometry.x[fverts[f]] * M_TO_UM
        opp = [v for v in c2v.links(inner_cell) if v not in fv][0]
        if np.dot(np.cross(p[1] - p[0], p[2] - p[0]), vx[opp] - p[0]) > 0:
            p = p[[0, 2, 1]]  # normal away from the inner cell
        tag = int(ftag[f])
        if interface_tag is not None and outer >= 0 and tag == 0:
            tag = interface_tag  # a surface made by removing thin Li
        rows[k] = (*p.ravel(), tag, inner, outer)
    return rows


def boundary_triangles(
    bundle, override: dict[int, int] | None = None, interface_tag: int | None = None
) -> Triangles:
    """Collective: the boundary and region-boundary triangles of ``bundle`` on every rank.

    ``override`` (local cell -> region id) re-assigns cells (thin Li removed); a new facet
    between two regions then gets ``interface_tag``.
    """
    rows = _rows(bundle, _regions(bundle, override), interface_tag)
    comm = bundle.mesh.comm
    allrows = np.concatenate(parallel.gather_all(rows, comm)) if comm.size > 1 else rows
    return Triangles.from_rows(allrows)


def thin_cells(
    bundle, tris: Triangles, moving_tags: list[int], eps_um: float, only=None, eps_only_um=0.0
) -> tuple[dict[int, int], float]:
    """Li cells above the foil where the Li is thinner than ``eps_um`` (-> electrolyte).

    A cell is thin when the Li thickness (:func:`~.surface3d.local_thickness`) at the
    reacting-surface vertex nearest to each of its vertices is below ``eps_um``; at the
    vertices in ``only`` (a mask over ``tris.x``), below ``eps_only_um``.  Returns the
    override map (ghosts included) and the removed Li volume [m^3] (global).
    """
    mesh = bundle.mesh
    sel = np.flatnonzero(np.isin(tris.tag, moving_tags) & (tris.inner == LITHIUM_ID))
    override: dict[int, int] = {}
    removed = 0.0
    if sel.size:
        verts, thick = local_thickness(tris, sel, floor_z_um=0.0)
        eps = np.full(len(verts), eps_um)
        if only is not None:
            eps[only[verts]] = eps_only_um
        ct = bundle.cell_tags
        cells = ct.indices[ct.values == LITHIUM_ID]
        x = mesh.geometry.x[mesh.geometry.dofmaps[0][cells]] * M_TO_UM  # (n, 4, 3)
        above = x.mean(axis=1)[:, 2] > FOIL_TOL_UM
        cells, x = cells[above], x[above]
        if cells.size:
            from scipy.spatial import cKDTree

            _, near = cKDTree(tris.x[verts]).query(x.reshape(-1, 3))
            thin = (thick[near] < eps[near]).reshape(-1, 4).all(axis=1)
            n_owned = mesh.topology.index_map(3).size_local
            for c, cx in zip(cells[thin], x[thin], strict=True):
                override[int(c)] = ELECTROLYTE_ID
                if c < n_owned:
                    e = cx[1:] - cx[0]
                    removed += abs(np.linalg.det(e)) / 6.0 * UM3_TO_M3
    return override, parallel.global_sum(removed, mesh.comm)
