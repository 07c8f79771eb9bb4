"""Remeshing a 2D mesh from its current (moved) boundaries with gmsh.

When the receding Li surface has distorted the mesh (quality below
``interface.remesh_quality``), the run goes on on a new mesh of the same regions:

1. **extract** (collective): every facet between two regions or on the outer boundary,
   with its physical group and the regions on its left and right, is gathered from all
   ranks (global vertex numbers join the pieces of different ranks);
2. **rebuild** (rank 0, gmsh ``geo`` kernel): the facets are joined into chains between
   junctions (where groups or regions meet, or where the boundary turns by more than
   :data:`FEATURE_ANGLE_DEG`).  Each chain is resampled with points *on* the current
   polyline: corners are kept, and old vertices are kept wherever the new spacing is
   close to theirs, so straight parts are reproduced exactly and curved parts lose only
   O(kappa h^2).  The spacing on the reacting surfaces is the original interface size, or a
   third of the local solid thickness (ray cast into the solid) where the dendrite has
   thinned below it; elsewhere it grows with the distance to the reacting surface as in the
   original grading.  Regions are rebuilt from their boundary loops (holes included) and
   meshed with the same physical-group names and ids;
3. **load**: rank 0 checks the new model and dolfinx distributes it like a generated mesh
   (:func:`dendrisim.meshing.load.load_gmsh_model`); fields are transferred by the caller
   (:func:`transfer`).

Only 2D meshes (axisymmetric, planar) are remeshed; a 3D run stops with ``mesh_quality``.
Lengths: the mesh is in metres; gmsh works in micrometres (its tolerances are absolute).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dendrisim.core import compat, parallel
from dendrisim.core.errors import MeshError
from dendrisim.core.groups import CELL_IDS, ELECTROLYTE, FACET_IDS, LI_SEI, LITHIUM, SEI
from dendrisim.core.units import M_TO_UM, UM, UM2_TO_M2
from dendrisim.meshing.rebuild import (  # noqa: F401 - re-exported for callers and tests
    FEATURE_ANGLE_DEG,
    GRADING,
    Chain,
    Sizing,
    _signed_area,
    _turn,
    crossing_segments,
    region_loops,
    resample,
)

compat.load_solver_libraries()

import dolfinx  # noqa: E402
from dolfinx import fem  # noqa: E402

log = logging.getLogger("dendrisim")

CELLS_ACROSS = 3.0  # elements across the local solid thickness on the reacting surface
# Li (and the SEI on it) thinner than this fraction of the original interface cell size is
# removed at a remesh: a thread about to vanish (a consumed tip, a neck that pinches off)
THIN_FRACTION = 0.25
LITHIUM_ID, ELECTROLYTE_ID, SEI_ID = (CELL_IDS[n] for n in (LITHIUM, ELECTROLYTE, SEI))
LI_SEI_ID = FACET_IDS[LI_SEI]


class RemeshError(MeshError):
    """The current boundaries cannot be rebuilt into a mesh (self-touching region, gmsh)."""


@dataclass
class BoundaryEdges:
    """Region-boundary facets of a 2D mesh, gathered on every rank (coordinates in µm).

    ``v`` (E, 2) global vertex ids, ``x`` (E, 2, 2) their coordinates, ``tag`` (E,) the
    facet's physical group id (0: none), ``left``/``right`` (E,) the region id on each side
    of the directed edge v0 -> v1 (-1: outside the mesh).
    """

    v: np.ndarray
    x: np.ndarray
    tag: np.ndarray
    left: np.ndarray
    right: np.ndarray
    merged: dict[int, set[int]] = field(default_factory=dict)

    def lengths(self) -> np.ndarray:
        """Edge lengths [µm]."""
        return np.linalg.norm(self.x[:, 1] - self.x[:, 0], axis=1)


def boundary_edges(
    bundle, region_override: dict[int, int] | None = None, interface_tag: int | None = None
) -> BoundaryEdges:
    """Collective: the region-boundary and outer facets of ``bundle`` on every rank.

    ``region_override`` (local cell -> region id) re-assigns cells (thin Li removed); a new
    facet between electrolyte (``electrolyte_id`` = 2) and a solid region then gets
    ``interface_tag``.
    """
    mesh = bundle.mesh
    top = mesh.topology
    if top.dim != 2:
        raise RemeshError(f"remeshing is built for 2D meshes only (this mesh is {top.dim}D)")
    for a, b in ((1, 2), (1, 0), (2, 0), (0, 2)):
        top.create_connectivity(a, b)
    f2c, f2v, c2v = top.connectivity(1, 2), top.connectivity(1, 0), top.connectivity(2, 0)
    n_f = top.index_map(1).size_local
    n_c = top.index_map(2).size_local + top.index_map(2).num_ghosts
    region = np.full(n_c, -1, dtype=np.int64)
    region[bundle.cell_tags.indices] = bundle.cell_tags.values
    for c, r in (region_override or {}).items():
        region[c] = r
    n_f_all = n_f + top.index_map(1).num_ghosts
    ftag = np.zeros(n_f_all, dtype=np.int64)
    ftag[bundle.facet_tags.indices] = bundle.facet_tags.values
    offs = f2c.offsets
    ncell = np.diff(offs)[:n_f]
    first = f2c.array[offs[:n_f]]
    second = np.where(ncell > 1, f2c.array[np.minimum(offs[:n_f] + 1, offs[-1] - 1)], -1)
    reg_a = region[first]
    reg_b = np.where(second >= 0, region[np.maximum(second, 0)], -1)
    cand = np.flatnonzero((ncell == 1) | (reg_a != reg_b))
    n_v = top.index_map(0).size_local + top.index_map(0).num_ghosts
    vx = np.zeros((n_v, 2))
    verts_all = np.arange(n_v, dtype=np.int32)
    geo_nodes = dolfinx.mesh.entities_to_geometry(mesh, 0, verts_all).ravel()
    vx[:] = mesh.geometry.x[geo_nodes, :2] * M_TO_UM
    gids = top.index_map(0).local_to_global(verts_all)
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
    allrows = np.concatenate(parallel.gather_all(rows, mesh.comm)) if mesh.comm.size > 1 else rows
    # a canonical order (by position, not by rank or vertex numbering): the same boundary
    # gives the same gmsh input, hence the same new mesh, on any number of ranks
    lo = np.minimum(allrows[:, 2:4], allrows[:, 4:6])
    hi = np.maximum(allrows[:, 2:4], allrows[:, 4:6])
    keys = np.round(np.column_stack([lo, hi]), 9)
    allrows = allrows[np.lexsort(keys.T[::-1])]
    return BoundaryEdges(
        v=allrows[:, :2].astype(np.int64),
        x=allrows[:, 2:6].reshape(-1, 2, 2),
        tag=allrows[:, 6].astype(np.int64),
        left=allrows[:, 7].astype(np.int64),
        right=allrows[:, 8].astype(np.int64),
    )


# --- chains -----------------------------------------------------------------------------
def collapse_short_edges(edges: BoundaryEdges, tol_um: float) -> BoundaryEdges:
    """Merge the end points of boundary edges shorter than ``tol_um`` [µm].

    Cusps and slivers left by a receding surface; the edges that vanish are dropped.  The
    merged vertex ids are in ``edges.merged`` (representative -> group).
    """
    parent: dict[int, int] = {}

    def find(v: int) -> int:
        while parent.get(v, v) != v:
            v = parent[v]
        return v

    order = np.argsort(edges.lengths())
    for e in order:
        if edges.lengths()[e] >= tol_um:
            break
        a, b = find(int(edges.v[e, 0])), find(int(edges.v[e, 1]))
        if a != b:
            parent[max(a, b)] = min(a, b)
    if not parent:
        return edges
    pos = {int(v): edges.x[e, k] for e in range(len(edges.v)) for k, v in enumerate(edges.v[e])}
    v = np.vectorize(find)(edges.v)
    x = np.stack(
        [np.array([pos[int(a)] for a in v[:, 0]]), np.array([pos[int(b)] for b in v[:, 1]])], axis=1
    )
    keep = v[:, 0] != v[:, 1]
    out = BoundaryEdges(
        v=v[keep], x=x[keep], tag=edges.tag[keep], left=edges.left[keep], right=edges.right[keep]
    )
    for w in list(parent):
        out.merged.setdefault(find(w), {find(w)}).add(w)
    return out


def build_chains(edges: BoundaryEdges) -> list[Chain]:
    """Join edges into chains that end where the group, the regions or the direction change."""
    key = [
        (int(t), frozenset((int(a), int(b))))
        for t, a, b in zip(edges.tag, edges.left, edges.right, strict=True)
    ]
    coords: dict[int, np.ndarray] = {}
    inc: dict[int, list[int]] = {}
    for e, (v0, v1) in enumerate(edges.v):
        coords[int(v0)], coords[int(v1)] = edges.x[e, 0], edges.x[e, 1]
        inc.setdefault(int(v0), []).append(e)
        inc.setdefault(int(v1), []).append(e)

    def other(e: int, v: int) -> int:
        a, b = int(edges.v[e, 0]), int(edges.v[e, 1])
        return b if a == v else a

    def junction(v: int) -> bool:
        es = inc[v]
        if len(es) != 2 or key[es[0]] != key[es[1]]:
            return True
        return (
            _turn(coords[other(es[0], v)], coords[v], coords[other(es[1], v)]) > FEATURE_ANGLE_DEG
        )

    is_j = {v: junction(v) for v in inc}
    used = np.zeros(len(edges.v), dtype=bool)
    chains: list[Chain] = []

    def walk(start: int, e0: int) -> None:
        ids, e, v = [start], e0, start
        while True:
            used[e] = True
            v = other(e, v)
            ids.append(v)
            if is_j[v] or v == start:
                break
            nxt = [f for f in inc[v] if not used[f]]
            if not nxt:
                break
            e = nxt[0]
        # sides relative to the chain direction ids[0] -> ids[1]
        forward = int(edges.v[e0, 0]) == start
        left, right = int(edges.left[e0]), int(edges.right[e0])
        if not forward:
            left, right = right, left
        chains.append(
            Chain(
                ids=ids,
                pts=np.array([coords[i] for i in ids]),
                tag=int(edges.tag[e0]),
                left=left,
                right=right,
            )
        )

    for v in inc:
        if is_j[v]:
            for e in inc[v]:
                if not used[e]:
                    walk(v, e)
    for e in range(len(edges.v)):  # closed loops without a junction
        if not used[e]:
            walk(int(edges.v[e, 0]), e)
    return chains


# --- sizes and resampling ---------------------------------------------------------------
def _ray_thickness(p: np.ndarray, n: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance along rays p + s n (s > 0) to the first segment a-b hit: (N,) (inf: none)."""
    out = np.full(len(p), np.inf)
    d = b - a
    for i in range(0, len(p), 512):
        q, m = p[i : i + 512, None, :], n[i : i + 512, None, :]
        den = m[..., 0] * d[:, 1] - m[..., 1] * d[:, 0]
        w = a - q
        with np.errstate(divide="ignore", invalid="ignore"):
            s = (w[..., 0] * d[:, 1] - w[..., 1] * d[:, 0]) / den
            u = (w[..., 0] * m[..., 1] - w[..., 1] * m[..., 0]) / den
        ok = (np.abs(den) > 1e-14) & (u >= -1e-9) & (u <= 1 + 1e-9) & (s > 1e-9)
        s = np.where(ok, s, np.inf)
        out[i : i + 512] = s.min(axis=1)
    return out


def sizing_from_edges(edges: BoundaryEdges, moving_tags: list[int]) -> Sizing:
    """Sizes of the mesh as generated (reacting-surface median, largest boundary edge)."""
    lengths = edges.lengths()
    mov = np.isin(edges.tag, moving_tags)
    h_i = float(np.median(lengths[mov])) if mov.any() else float(np.median(lengths))
    h_b = max(float(lengths.max()), h_i)
    return Sizing(h_interface=h_i, h_bulk=h_b, h_min=THIN_FRACTION * h_i / CELLS_ACROSS)


def _normals_into(ch: Chain, side: int) -> np.ndarray:
    """Unit normals at a chain's vertices pointing into region ``side`` (left or right)."""
    t = np.gradient(ch.pts, axis=0)
    t /= np.maximum(np.linalg.norm(t, axis=1)[:, None], 1e-300)
    left_normal = np.column_stack([-t[:, 1], t[:, 0]])
    return left_normal if ch.left == side else -left_normal


def chain_thickness(chains: list[Chain], moving_tags: list[int], h_ref: float) -> list[np.ndarray]:
    """Local solid thickness [µm] at the vertices of the receding chains (inf elsewhere).

    A ray goes from each vertex into the solid behind it (into the Li on ``li_sei``, into
    the non-electrolyte side on ``interface``) to the first boundary it meets: across a
    thin dendrite, the axis or the opposite surface; on a shell's outer surface, the Li.
    """
    all_a = np.concatenate([c.pts[:-1] for c in chains])
    all_b = np.concatenate([c.pts[1:] for c in chains])
    out = []
    for c in chains:
        if c.tag not in moving_tags:
            out.append(np.full(len(c.pts), np.inf))
            continue
        if LITHIUM_ID in (c.left, c.right) and c.tag == LI_SEI_ID:
            side = LITHIUM_ID
        else:
            side = c.right if c.left == ELECTROLYTE_ID else c.left
        n = _normals_into(c, side)
        out.append(_ray_thickness(c.pts + 1e-6 * h_ref * n, n, all_a, all_b))
    return out


def chain_sizes(
    chains: list[Chain], moving_tags: list[int], sizing: Sizing, thickness: list[np.ndarray]
) -> list[np.ndarray]:
    """Target size [µm] at every vertex of every chain."""
    moving = [c for c in chains if c.tag in moving_tags]
    mov_a = np.concatenate([c.pts[:-1] for c in moving]) if moving else np.zeros((0, 2))
    mov_b = np.concatenate([c.pts[1:] for c in moving]) if moving else np.zeros((0, 2))
    out = []
    for c, thick in zip(chains, thickness, strict=True):
        if c.tag in moving_tags:
            h = np.clip(thick / CELLS_ACROSS, sizing.h_min, sizing.h_interface)
        else:
            d = (
                _nearest_segment(c.pts, mov_a, mov_b)[1]
                if len(mov_a)
                else np.full(len(c.pts), np.inf)
            )
            h = np.minimum(sizing.h_bulk, sizing.h_interface + GRADING * d)
        out.append(h)
    return out


def thin_cells(
    bundle, edges: BoundaryEdges, moving_tags: list[int], eps_um: float
) -> tuple[dict[int, int], float]:
    """Local Li/SEI cells lying where the Li is thinner than ``eps_um`` (-> electrolyte).

    A Li cell is thin when the receding-surface point nearest its centre has a thickness
    below ``eps_um``; an SEI cell when the nearest point of the Li/SEI surface does (the
    shell goes with the Li under it).  Every rank decides for its own cells (ghosts
    included) from the same gathered boundary, so the ranks agree.  Returns the override
    map and the removed Li volume [m^3] (global; revolved when axisymmetric).
    """
    chains = build_chains(edges)
    thick = chain_thickness(chains, moving_tags, eps_um)
    a, b, t, tag = [], [], [], []
    for c, th in zip(chains, thick, strict=True):
        if c.tag in moving_tags:
            a.append(c.pts[:-1])
            b.append(c.pts[1:])
            t.append(np.minimum(th[:-1], th[1:]))
            tag.append(np.full(len(c.pts) - 1, c.tag))
    mesh = bundle.mesh
    comm = mesh.comm
    if not a:
        return {}, 0.0
    a, b, t, tag = (np.concatenate(v) for v in (a, b, t, tag))
    ct = bundle.cell_tags
    cells = ct.indices[np.isin(ct.values, [LITHIUM_ID, SEI_ID])]
    vals = ct.values[np.isin(ct.values, [LITHIUM_ID, SEI_ID])]
    x = mesh.geometry.x[mesh.geometry.dofmaps[0][cells]][:, :, :2] * M_TO_UM
    centre = x.mean(axis=1)
    override: dict[int, int] = {}
    removed = 0.0
    n_owned = mesh.topology.index_map(2).size_local
    for region, mask_seg in ((LITHIUM_ID, np.ones(len(a), dtype=bool)), (SEI_ID, tag == LI_SEI_ID)):
        sel = vals == region
        if not sel.any() or not mask_seg.any():
            continue
        nearest, dist = _nearest_segment(centre[sel], a[mask_seg], b[mask_seg])
        # in a part thinner than eps every cell centre is within eps of its surface
        thin = (t[mask_seg][nearest] < eps_um) & (dist < eps_um)
        for c, cx in zip(cells[sel][thin], x[sel][thin], strict=True):
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
    return override, parallel.global_sum(removed, comm)


def _pinch_vertices(edges: BoundaryEdges, regions: list[int]) -> list[int]:
    """Global ids of vertices where a region touches itself (two boundary pieces leave)."""
    out = set()
    for r in regions:
        starts = np.concatenate([edges.v[edges.left == r, 0], edges.v[edges.right == r, 1]])
        ids, counts = np.unique(starts, return_counts=True)
        out.update(int(v) for v in ids[counts > 1])
    return sorted(out)


def _fans(star: list) -> list[list]:
    """Group the cells around a vertex into fans (cells joined through shared edges)."""
    fans: list[list] = []
    for cell in star:
        joined = [f for f in fans if any(len(set(cell[2]) & set(o[2])) == 2 for o in f)]
        merged = [cell] + [o for f in joined for o in f]
        fans = [f for f in fans if f not in joined] + [merged]
    return fans


def pinch_cells(
    bundle,
    override: dict[int, int],
    pinches: list[int],
    electrolyte_pinches: list[int] = (),
    merged: dict[int, set[int]] | None = None,
) -> dict[int, int]:
    """Cells to turn into electrolyte so that no solid region touches itself at a vertex.

    Around each pinch vertex the solid cells form separate fans (cells joined through
    edges at the vertex); all but the largest fan go (collective: the cells around the
    vertices are gathered from every rank, every rank takes the same decision).
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
    region = np.full(n_all, -1, dtype=np.int64)
    region[bundle.cell_tags.indices] = bundle.cell_tags.values
    for c, r in override.items():
        region[c] = r
    group = {v: merged.get(v, {v}) for v in pinches}
    want = set().union(*group.values()) if group else set()
    rows = []
    for c in range(n_c):
        vs = gv[c2v.links(c)]
        if want.intersection(int(v) for v in vs) and region[c] in (LITHIUM_ID, SEI_ID):
            x = mesh.geometry.x[mesh.geometry.dofmaps[0][c]][:, :2]
            e1, e2 = x[1] - x[0], x[2] - x[0]
            rows.append(
                (
                    int(gc[c]),
                    int(region[c]),
                    tuple(int(v) for v in vs),
                    0.5 * abs(e1[0] * e2[1] - e1[1] * e2[0]),
                )
            )
    allrows = [r for part in parallel.gather_all(rows, mesh.comm) for r in part]
    drop: set[int] = set()
    for v in pinches:
        solid_fans = []
        for reg in (LITHIUM_ID, SEI_ID):
            fans = _fans([r for r in allrows if group[v] & set(r[2]) and r[1] == reg])
            fans.sort(key=lambda f: -sum(o[3] for o in f))
            if len(fans) > 1:  # the solid touches itself: keep its largest fan
                drop.update(o[0] for f in fans[1:] for o in f)
            solid_fans += fans[:1]
        if v in electrolyte_pinches and solid_fans:
            # the electrolyte touches itself: a solid corner meets the axis or another
            # solid at one vertex; the smallest solid fan there goes
            smallest = min(solid_fans, key=lambda f: sum(o[3] for o in f))
            drop.update(o[0] for o in smallest)
    local = {int(g): i for i, g in enumerate(gc)}
    return {local[g]: ELECTROLYTE_ID for g in drop if g in local}


def _nearest_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the segment a-b nearest to each point p, and the distance: (N,), (N,)."""
    out = np.zeros(len(p), dtype=np.int64)
    dist = np.zeros(len(p))
    ab = b - a
    l2 = np.maximum((ab**2).sum(1), 1e-300)
    for i in range(0, len(p), 256):
        q = p[i : i + 256, None, :]
        s = np.clip(((q - a) * ab).sum(-1) / l2, 0.0, 1.0)
        d = np.linalg.norm(q - (a + s[..., None] * ab), axis=-1)
        out[i : i + 256] = d.argmin(axis=1)
        dist[i : i + 256] = d.min(axis=1)
    return out, dist


# --- the remesher -----------------------------------------------------------------------
@dataclass
class RemeshReport:
    """What one remesh did: cell counts and the change of each region's area [rel.]."""

    cells_before: int
    cells_after: int
    area_change: dict[str, float]
    msh: str | None = None
    li_removed_m3: float = 0.0  # Li thinner than THIN_FRACTION h removed [m^3]
    time_s: float = 0.0  # simulated time of the remesh [s]
    wall_s: float = 0.0  # wall time it took [s]


class Remesher:
    """Rebuilds meshes of one run (create on the initial mesh: it records its sizes)."""

    def __init__(self, bundle, moving_names: list[str]):
        self.formulation = bundle.formulation
        self.groups = dict(bundle.groups)
        self.moving_tags = [bundle.id(n) for n in moving_names if bundle.has(n)]
        edges = boundary_edges(bundle)
        self.sizing = sizing_from_edges(edges, self.moving_tags)
        self.count = 0

    def _names(self, dim: int) -> dict[int, str]:
        return {gid: name for name, (d, gid) in self.groups.items() if d == dim}

    def remesh(self, bundle, msh_path: str | Path | None = None):
        """A new MeshBundle from the current boundaries of ``bundle`` (collective)."""
        from dendrisim.meshing.load import _root_session, load_gmsh_model

        comm = bundle.mesh.comm
        edges = boundary_edges(bundle)
        eps = THIN_FRACTION * self.sizing.h_interface
        override, li_removed = thin_cells(bundle, edges, self.moving_tags, eps)
        if "sei" in self.groups and parallel.global_any(bool(override), comm):
            raise RemeshError(
                f"the Li under the SEI shell is thinner than {eps:.3g} um somewhere: removing "
                "thin Li together with its shell is not built (a run without a resolved "
                "shell, geometry.sei_thickness_um = 0, goes on to li_exhausted)"
            )
        solid = [self.groups[n][1] for n in ("lithium", "sei") if n in self.groups]
        tol = 0.2 * self.sizing.h_min  # shorter boundary edges are collapsed
        for _ in range(3):  # thin parts removed, then any vertex pinch that is left
            if not parallel.global_any(bool(override), comm) and not _pinch_vertices(
                collapse_short_edges(edges, tol), solid + [ELECTROLYTE_ID]
            ):
                break
            edges = boundary_edges(bundle, override, self.groups["interface"][1])
            merged = collapse_short_edges(edges, tol)
            pinches = _pinch_vertices(merged, solid)
            wet = _pinch_vertices(merged, [ELECTROLYTE_ID])
            if not pinches and not wet:
                break
            override.update(
                pinch_cells(bundle, override, sorted(set(pinches) | set(wet)), wet, merged.merged)
            )
        regions = self._names(2)
        facet_names = self._names(1)
        cells_before = bundle.mesh.topology.index_map(2).size_global
        result: dict = {}

        def build() -> dict:
            import shutil
            import tempfile

            import gmsh

            from dendrisim.meshing.load import check_model

            chains = build_chains(collapse_short_edges(edges, tol))
            thick = chain_thickness(chains, self.moving_tags, self.sizing.h_interface)
            sizes = chain_sizes(chains, self.moving_tags, self.sizing, thick)
            old = {rid: sum(_signed_area(p) for _, p in _old_loops(chains, rid)) for rid in regions}
            for c, h in zip(chains, sizes, strict=True):
                c.new_pts = resample(c.pts, h)
            # islands smaller than a cell (slivers left where thin Li was cut) are dropped:
            # gmsh cannot mesh a loop of (nearly) zero area
            tiny = 0.25 * self.sizing.h_min**2
            drop: set[int] = set()
            for rid in regions:
                for seq, poly in region_loops(chains, rid):
                    mine = {abs(k) - 1 for k in seq}
                    ends = {v for i in mine for v in (chains[i].ids[0], chains[i].ids[-1])}
                    touching = any(
                        not ends.isdisjoint((c.ids[0], c.ids[-1]))
                        for i, c in enumerate(chains)
                        if i not in mine
                    )
                    if abs(_signed_area(poly)) < tiny and not touching:  # a free island
                        drop |= mine
            sizes = [h for i, h in enumerate(sizes) if i not in drop]
            chains = [c for i, c in enumerate(chains) if i not in drop]
            crossing = crossing_segments(chains)
            if crossing:
                where = ", ".join(f"({p[0]:.4g}, {p[1]:.4g})" for p, _ in crossing[:3])
                raise RemeshError(
                    f"the boundaries cross each other near {where} um (the "
                    "receding surface folded over itself): cannot remesh"
                )
            job = {
                "chains": chains,
                "sizes": sizes,
                "regions": regions,
                "facet_names": facet_names,
                "moving_tags": self.moving_tags,
                "sizing": self.sizing,
            }
            tmp = Path(tempfile.mkdtemp(prefix="dendrisim-remesh-"))
            try:
                out, new = _mesh_in_child(job, msh_path, tmp)
                gmsh.open(str(out))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            result["area_change"] = {
                regions[r]: (new[r] - old[r]) / old[r] if old[r] else 0.0 for r in regions
            }
            return check_model(self.formulation)

        try:
            with _root_session(comm):
                new_bundle = load_gmsh_model(
                    comm, unit="um", formulation=self.formulation, check=build
                )
        except RemeshError:
            raise
        except Exception as exc:  # gmsh or the model check: say what failed
            raise RemeshError(f"remeshing failed: {exc}") from exc
        result = parallel.broadcast(result, comm)
        self.count += 1
        report = RemeshReport(
            cells_before,
            new_bundle.mesh.topology.index_map(2).size_global,
            result.get("area_change", {}),
            str(msh_path) if msh_path is not None else None,
            li_removed_m3=li_removed,
        )
        return new_bundle, report


REBUILD_TIMEOUT_S = 30.0  # per gmsh attempt (a 2D remesh takes ~0.1-3 s); gmsh can loop forever
ALGORITHMS = (6, 5, 1)  # Frontal-Delaunay, then Delaunay, then MeshAdapt


def _mesh_in_child(
    job: dict, msh_path: str | Path | None, tmp: Path
) -> tuple[Path, dict[int, float]]:
    """Run :mod:`dendrisim.meshing.rebuild` in a child process (rank 0).

    A time limit per attempt, other gmsh algorithms as fallbacks; ``tmp`` is a scratch
    folder.  Returns the .msh path and the region areas [µm²].
    """
    import os
    import pickle
    import subprocess
    import sys

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PMI_", "PMIX_", "OMPI_", "MPICH_", "HYDRA_", "I_MPI_"))
    }
    out = Path(msh_path) if msh_path is not None else tmp / "remesh.msh"
    problems = []
    for algorithm in ALGORITHMS:
        src = tmp / "job.pkl"
        src.write_bytes(pickle.dumps({**job, "algorithm": algorithm}))
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "dendrisim.meshing.rebuild", str(src), str(out)],
                env=env,
                capture_output=True,
                text=True,
                timeout=REBUILD_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            problems.append(f"gmsh algorithm {algorithm}: no mesh within {REBUILD_TIMEOUT_S:g} s")
            continue
        err = Path(str(out) + ".error")
        if err.is_file():
            raise RemeshError(err.read_text(encoding="utf-8"))
        areas = Path(str(out) + ".areas")
        if proc.returncode == 0 and areas.is_file():
            result = pickle.loads(areas.read_bytes())
            areas.unlink()
            return out, result
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no message"]
        problems.append(f"gmsh algorithm {algorithm}: exit {proc.returncode} ({tail[0]})")
    kept = ""
    if msh_path is not None:  # the input that gmsh could not mesh, for a bug report
        import shutil

        keep = Path(msh_path).with_suffix(".failed.pkl")
        shutil.copyfile(tmp / "job.pkl", keep)
        kept = f" (its input is kept in {keep.name})"
    raise RemeshError("remeshing failed: " + "; ".join(problems) + kept)


def _old_loops(chains: list[Chain], rid: int):
    """Loops of the chains before resampling (for the area comparison)."""
    saved = [c.new_pts for c in chains]
    for c in chains:
        c.new_pts = c.pts
    try:
        return region_loops(chains, rid)
    finally:
        for c, s in zip(chains, saved, strict=True):
            c.new_pts = s


# --- field transfer ---------------------------------------------------------------------
def transfer(u_from: fem.Function, u_to: fem.Function, padding: float = 1e-10) -> None:
    """Interpolate ``u_from`` (old mesh) into ``u_to`` (new mesh, same element) (collective)."""
    V = u_to.function_space
    mesh = V.mesh
    tdim = mesh.topology.dim
    n_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    cells = np.arange(n_cells, dtype=np.int32)
    data = fem.create_interpolation_data(V, u_from.function_space, cells, padding=padding)
    u_to.interpolate_nonmatching(u_from, cells, data)
    u_to.x.scatter_forward()
