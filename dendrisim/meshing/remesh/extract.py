"""Extraction from dolfinx: the boundaries and cells a remesh needs, gathered over ranks.

Every facet between two regions or on the outer boundary, with its physical group and the
regions on its left and right, is gathered from all ranks (global vertex numbers join the
pieces of different ranks) into a :class:`~.repair.BoundaryEdges` in a canonical order;
the cell-level repairs (thin Li, pinches) are decided by :mod:`.repair` from gathered data,
so every rank takes the same decision.  All functions here are collective.
"""

from __future__ import annotations

import numpy as np

from dendrisim.core import compat, parallel
from dendrisim.core.groups import CELL_IDS, ELECTROLYTE, LITHIUM, SEI
from dendrisim.core.units import M_TO_UM, UM, UM2_TO_M2
from dendrisim.meshing.remesh.errors import RemeshError
from dendrisim.meshing.remesh.repair import (
    BoundaryEdges,
    pinch_drops,
    thin_cell_mask,
)
from dendrisim.meshing.remesh.spacing import LI_SEI_ID

compat.load_solver_libraries()

import dolfinx  # noqa: E402

LITHIUM_ID, ELECTROLYTE_ID, SEI_ID = (CELL_IDS[n] for n in (LITHIUM, ELECTROLYTE, SEI))
KEY_DECIMALS = 9  # coordinates [µm] rounded to this for the canonical edge order
# [I] the boundary handed to gmsh is snapped to a grid of 1e-7 µm (0.1 pm, ~3e-6 of the
# finest interface cell): the moved node positions of two partitions differ in the last
# digits (measured up to 1e-12 µm), and gmsh's Delaunay flips near-cocircular triangles on
# such differences (measured: another triangulation of the electrolyte on 1 and 2 ranks,
# 3.4e-7 in the Li retention at the remesh, 9e-6 after it); snapped, both give one mesh
SNAP_DECIMALS = 7


def _regions(bundle, override: dict[int, int] | None) -> np.ndarray:
    """Region id of every local cell (ghosts included), with ``override`` applied."""
    top = bundle.mesh.topology
    n_c = top.index_map(2).size_local + top.index_map(2).num_ghosts
    region = np.full(n_c, -1, dtype=np.int64)
    region[bundle.cell_tags.indices] = bundle.cell_tags.values
    for c, r in (override or {}).items():
        region[c] = r
    return region


def _vertices_um(mesh) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates [µm] (x, y) and global ids of every local vertex."""
    top = mesh.topology
    n_v = top.index_map(0).size_local + top.index_map(0).num_ghosts
    verts_all = np.arange(n_v, dtype=np.int32)
    geo_nodes = dolfinx.mesh.entities_to_geometry(mesh, 0, verts_all).ravel()
    vx = np.zeros((n_v, 2))
    vx[:] = mesh.geometry.x[geo_nodes, :2] * M_TO_UM
    return vx, top.index_map(0).local_to_global(verts_all)


def _candidate_facets(top, region: np.ndarray) -> np.ndarray:
    """Owned facets on the outer boundary or between two regions."""
    f2c = top.connectivity(1, 2)
    n_f = top.index_map(1).size_local
    offs = f2c.offsets
    ncell = np.diff(offs)[:n_f]
    first = f2c.array[offs[:n_f]]
    second = np.where(ncell > 1, f2c.array[np.minimum(offs[:n_f] + 1, offs[-1] - 1)], -1)
    reg_a = region[first]
    reg_b = np.where(second >= 0, region[np.maximum(second, 0)], -1)
    return np.flatnonzero((ncell == 1) | (reg_a != reg_b))


def _edge_rows(bundle, region, interface_tag: int | None) -> np.ndarray:
    """Rows (gid0, gid1, x0, y0, x1, y1, tag, left, right) of the local boundary facets."""
    top = bundle.mesh.topology
    f2c, f2v, c2v = top.connectivity(1, 2), top.connectivity(1, 0), top.connectivity(2, 0)
    ftag = np.zeros(top.index_map(1).size_local + top.index_map(1).num_ghosts, dtype=np.int64)
    ftag[bundle.facet_tags.indices] = bundle.facet_tags.values
    vx, gids = _vertices_um(bundle.mesh)
    cand = _candidate_facets(top, region)
    rows = np.zeros((cand.size, 9))
    for k, f in enumerate(cand):
        v0, v1 = f2v.links(f)
        left = right = -1
        for c in f2c.links(f):
            opp = [v for v in c2v.links(c) if v != v0 and v != v1][0]
            e, w = vx[v1] - vx[v0], vx[opp] - vx[v0]
            if e[0] * w[1] - e[1] * w[0] > 0:
                left = region[c]
            else:
                right = region[c]
        tag = ftag[f]
        if (
            interface_tag is not None
            and left >= 0
            and right >= 0
            and ELECTROLYTE_ID in (left, right)
            and tag in (0, LI_SEI_ID)
        ):
            tag = interface_tag  # a surface made by removing thin Li (or its shell)
        rows[k] = (gids[v0], gids[v1], *vx[v0], *vx[v1], tag, left, right)
    return rows


def boundary_edges(
    bundle, region_override: dict[int, int] | None = None, interface_tag: int | None = None
) -> BoundaryEdges:
    """Collective: the region-boundary and outer facets of ``bundle`` on every rank.

    ``region_override`` (local cell -> region id) re-assigns cells (thin Li removed); a new
    facet between electrolyte and a solid region then gets ``interface_tag``.
    """
    mesh = bundle.mesh
    top = mesh.topology
    if top.dim != 2:
        raise RemeshError(f"remeshing is built for 2D meshes only (this mesh is {top.dim}D)")
    for a, b in ((1, 2), (1, 0), (2, 0), (0, 2)):
        top.create_connectivity(a, b)
    rows = _edge_rows(bundle, _regions(bundle, region_override), interface_tag)
    allrows = np.concatenate(parallel.gather_all(rows, mesh.comm)) if mesh.comm.size > 1 else rows
    allrows[:, 2:6] = np.round(allrows[:, 2:6], SNAP_DECIMALS)
    # a canonical order and direction (by position, not by rank or vertex numbering): the
    # same boundary gives the same gmsh input, hence the same new mesh, on any number of
    # ranks; an edge runs from its lower to its higher end point (x, then y), so the chains
    # (repair.build_chains) start and run the same way (reversed: left and right swap)
    a = np.round(allrows[:, 2:4], KEY_DECIMALS)
    b = np.round(allrows[:, 4:6], KEY_DECIMALS)
    flip = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    allrows[flip] = allrows[flip][:, [1, 0, 4, 5, 2, 3, 6, 8, 7]]
    lo = np.minimum(allrows[:, 2:4], allrows[:, 4:6])
    hi = np.maximum(allrows[:, 2:4], allrows[:, 4:6])
    keys = np.round(np.column_stack([lo, hi]), KEY_DECIMALS)
    allrows = allrows[np.lexsort(keys.T[::-1])]
    return BoundaryEdges(
        v=allrows[:, :2].astype(np.int64),
        x=allrows[:, 2:6].reshape(-1, 2, 2),
        tag=allrows[:, 6].astype(np.int64),
        left=allrows[:, 7].astype(np.int64),
        right=allrows[:, 8].astype(np.int64),
    )


def thin_cells(
    bundle, edges: BoundaryEdges, moving_tags: list[int], eps_um: float
) -> tuple[dict[int, int], float]:
    """Local Li/SEI cells lying where the Li is thinner than ``eps_um`` (-> electrolyte).

    Every rank decides for its own cells (ghosts included) from the same gathered boundary
    (:func:`~.repair.thin_cell_mask`).  Returns the override map and the removed Li volume
    [m^3] (global; revolved when axisymmetric).
    """
    mesh = bundle.mesh
    ct = bundle.cell_tags
    solid = np.isin(ct.values, [LITHIUM_ID, SEI_ID])
    cells, vals = ct.indices[solid], ct.values[solid]
    x = mesh.geometry.x[mesh.geometry.dofmaps[0][cells]][:, :, :2] * M_TO_UM
    thin = thin_cell_mask(edges, moving_tags, eps_um, x.mean(axis=1), vals)
    override: dict[int, int] = {}
    removed = 0.0
    n_owned = mesh.topology.index_map(2).size_local
    for region in (LITHIUM_ID, SEI_ID):
        sel = (vals == region) & thin
        for c, cx in zip(cells[sel], x[sel], strict=True):
            override[int(c)] = ELECTROLYTE_ID
            if region == LITHIUM_ID and c < n_owned:
                e1, e2 = cx[1] - cx[0], cx[2] - cx[0]
                area = 0.5 * abs(e1[0] * e2[1] - e1[1] * e2[0]) * UM2_TO_M2
                w = (
                    2 * np.pi * cx[:, 0].mean() * UM
                    if bundle.formulation == "axisymmetric"
                    else 1.0
                )
                removed += area * w
    return override, parallel.global_sum(removed, mesh.comm)


def pinch_cells(
    bundle,
    override: dict[int, int],
    pinches: list[int],
    electrolyte_pinches: list[int] = (),
    merged: dict[int, set[int]] | None = None,
) -> dict[int, int]:
    """Cells to turn into electrolyte so that no solid region touches itself at a vertex.

    The solid cells around the pinch vertices are gathered from every rank and
    :func:`~.repair.pinch_drops` decides (the same on every rank).
    """
    merged = merged or {}
    mesh = bundle.mesh
    top = mesh.topology
    top.create_connectivity(2, 0)
    c2v = top.connectivity(2, 0)
    n_c = top.index_map(2).size_local
    n_all = n_c + top.index_map(2).num_ghosts
    gv = top.index_map(0).local_to_global(
        np.arange(top.index_map(0).size_local + top.index_map(0).num_ghosts, dtype=np.int32)
    )
    gc = top.index_map(2).local_to_global(np.arange(n_all, dtype=np.int32))
    region = _regions(bundle, override)
    group = {v: merged.get(v, {v}) for v in pinches}
    want = set().union(*group.values()) if group else set()
    rows = []
    for c in range(n_c):
        vs = gv[c2v.links(c)]
        if want.intersection(int(v) for v in vs) and region[c] in (LITHIUM_ID, SEI_ID):
            x = mesh.geometry.x[mesh.geometry.dofmaps[0][c]][:, :2]
            e1, e2 = x[1] - x[0], x[2] - x[0]
            area = 0.5 * abs(e1[0] * e2[1] - e1[1] * e2[0])
            rows.append((int(gc[c]), int(region[c]), tuple(int(v) for v in vs), area))
    allrows = [r for part in parallel.gather_all(rows, mesh.comm) for r in part]
    drop = pinch_drops(allrows, pinches, list(electrolyte_pinches), group)
    local = {int(g): i for i, g in enumerate(gc)}
    return {local[g]: ELECTROLYTE_ID for g in drop if g in local}
