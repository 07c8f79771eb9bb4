"""Boundary triangulations of a 3D mesh as discrete gmsh entities (pure numpy, no gmsh).

A 3D remesh (:mod:`.remesher3d`) starts from every boundary triangle of the moved mesh
(outer walls and facets between regions), each with its physical group and the regions on
its two sides.  This module turns them into the topology gmsh's discrete entities need:

- :class:`Triangles`: the triangles, in a canonical order (by position, not by rank or
  vertex numbering), vertices numbered 1.. by position;
- :func:`discrete_topology`: surfaces (triangles of one group between the same two
  regions, split into connected pieces, a Li/SEI surface also at its creases), curves
  (chains of edges shared by the same set of surfaces), points (curve ends, one on every
  closed curve);
- :func:`local_thickness`: the Li thickness at the reacting-surface vertices (across the
  Li, along the inward normal, and down to the foil plane) that sets the remeshed sizes
  and the thin-Li removal.

Pinches, islands and region volumes of a topology: :mod:`.regions3d`.

Lengths in µm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dendrisim.core.groups import CELL_IDS, LITHIUM, SEI

# the gmsh input is snapped to this grid [µm] (1e-11 m): the moved coordinates differ
# between partitions by rounding (measured <= 2e-17 m), and gmsh must see the same input
# on 1 and N ranks to build the same mesh; a node moves by at most 5e-12 m (the motion
# keeps wall nodes within 1.1e-10 m of the cylinder)
SNAP_UM = 1e-5


def snap_keys(x_um: np.ndarray) -> np.ndarray:
    """Integer grid keys of positions [µm] (the same position to within the noise)."""
    return np.round(np.asarray(x_um) / SNAP_UM).astype(np.int64)


THICKNESS_CONE_COS = 0.866  # opposite side: within 30 degrees of the inward normal
FLOOR_CONE_COS = 0.5  # the foil plane: an inward normal within 60 degrees of straight down
FLOOR_TOL_UM = 1e-6  # a vertex higher than this above the foil plane is above the foil
TALL = 4.0  # a surface between regions higher than this many radii is cut (_patches)
# a surface between these regions (Li/SEI: the flank of a shelled dendrite and the foil
# under the shell's foot) is split where it turns by more than 60 degrees, so that the
# crease is a curve gmsh keeps (reparametrised as one surface it was rounded off)
CREASED_REGIONS = {CELL_IDS[LITHIUM], CELL_IDS[SEI]}
CREASE_COS = 0.5
MIN_CREASE_TRIANGLES = 8


@dataclass
class Triangles:
    """Boundary triangles of a 3D mesh (µm).

    Vertex ids ``tri`` (n, 3) into ``x`` (m, 3), and per triangle the facet group ``tag``,
    the region ``inner`` its normal points away from and the region ``outer`` on the
    other side (-1: outside the mesh).
    """

    x: np.ndarray
    tri: np.ndarray
    tag: np.ndarray
    inner: np.ndarray
    outer: np.ndarray

    @classmethod
    def from_rows(cls, rows: np.ndarray) -> Triangles:
        """From rows (x0, y0, z0, x1, ..., z2, tag, inner, outer) in any order.

        Vertices are snapped to the grid :data:`SNAP_UM` and numbered by position; the
        triangles are sorted by their vertex numbers: the same boundary gives the same
        triangles on any number of ranks.
        """
        key = snap_keys(rows[:, :9].reshape(-1, 3))
        uniq, inv = np.unique(key, axis=0, return_inverse=True)
        x = uniq * SNAP_UM
        tri = inv.reshape(-1, 3)
        order = np.lexsort(np.sort(tri, axis=1).T[::-1])
        return cls(
            x=x,
            tri=tri[order],
            tag=rows[order, 9].astype(np.int64),
            inner=rows[order, 10].astype(np.int64),
            outer=rows[order, 11].astype(np.int64),
        )

    def normals(self) -> np.ndarray:
        """Area vectors (n, 3) [µm²] (normal times area, away from ``inner``)."""
        p = self.x[self.tri]
        return 0.5 * np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])

    def flux_volume(self, sel: np.ndarray) -> float:
        """(1/3) sum c . A over the triangles ``sel`` [µm³] (the volume they enclose)."""
        c = self.x[self.tri[sel]].mean(axis=1)
        return float(np.einsum("ij,ij->", c, self.normals()[sel]) / 3.0)


@dataclass
class Topology:
    """Discrete entities of a boundary triangulation.

    ``surfaces`` (triangle indices) with ``surface_key`` (tag, inner, outer), ``curves``
    (ordered vertex chains, closed when first == last) with ``curve_surfaces`` (the
    surfaces sharing each), ``surface_curves`` (curve ids bounding each surface),
    ``points`` (vertex ids of the curve ends).
    """

    surfaces: list[np.ndarray] = field(default_factory=list)
    surface_key: list[tuple[int, int, int]] = field(default_factory=list)
    curves: list[list[int]] = field(default_factory=list)
    curve_surfaces: list[tuple[int, ...]] = field(default_factory=list)
    surface_curves: list[list[int]] = field(default_factory=list)
    points: list[int] = field(default_factory=list)


def _components(tri: np.ndarray, cut: set[tuple[int, int]] | None = None) -> list[np.ndarray]:
    """Edge-connected components of the triangles ``tri`` (indices), not across ``cut``."""
    cut = cut or set()
    parent = np.arange(len(tri))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[int, int], int] = {}
    for i, t in enumerate(tri):
        for a, b in ((t[0], t[1]), (t[1], t[2]), (t[2], t[0])):
            e = (min(a, b), max(a, b))
            if e in cut:
                continue
            j = first.setdefault(e, i)
            if j != i:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    roots = np.array([find(i) for i in range(len(tri))])
    return [np.flatnonzero(roots == r) for r in np.unique(roots)]


def _open(tri: np.ndarray) -> bool:
    """True when the triangles ``tri`` have a boundary (an edge used once)."""
    edges = np.sort(np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]]), axis=1)
    return bool((np.unique(edges, axis=0, return_counts=True)[1] == 1).any())


def _patches(t: Triangles, idx: np.ndarray) -> list[np.ndarray]:
    """A tall open surface (a thinned dendrite) cut in two halves gmsh can parametrise.

    gmsh reparametrises a discrete surface with one map onto a disc whose boundary is the
    surface's boundary; for a tube much taller than wide (height > :data:`TALL` times its
    radius) with its boundary only at the foot, that map squeezes the top so much that the
    remeshed surface lost it (a wire of radius 0.02 µm and height 0.59 µm came back
    0.23 µm high, issue #16).  Cut by the vertical plane x = its centre (by triangle
    centre), each half has boundary along its whole height and maps well (that wire: worst
    cell 0.24, volume kept to 7e-7; cutting it also into bands 2 radii high left slivers,
    0.005, at the cuts).  Each connected piece is a surface; closed surfaces (a detached
    piece, kept as it is) and the others are returned whole.
    """
    verts = t.x[np.unique(t.tri[idx])]
    centre = verts[:, :2].mean(axis=0)
    radius = float(np.linalg.norm(verts[:, :2] - centre, axis=1).max())
    if float(np.ptp(verts[:, 2])) <= TALL * radius or not _open(t.tri[idx]):
        return [idx]
    east = t.x[t.tri[idx]].mean(axis=1)[:, 0] >= centre[0]
    out = []
    for half in (idx[~east], idx[east]):
        out += [half[comp] for comp in _components(t.tri[half])]
    return out


def _edge_surfaces(t: Triangles, surf_of: np.ndarray) -> dict[tuple[int, int], set[int]]:
    out: dict[tuple[int, int], set[int]] = {}
    for i, tr in enumerate(t.tri):
        for a, b in ((tr[0], tr[1]), (tr[1], tr[2]), (tr[2], tr[0])):
            out.setdefault((min(a, b), max(a, b)), set()).add(int(surf_of[i]))
    return out


def _chains(edges: list[tuple[int, int]], stops: set[int]) -> list[list[int]]:
    """Split edges into chains between ``stops`` (and vertices of degree != 2)."""
    adj: dict[int, list[int]] = {}
    for a, b in edges:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    ends = {v for v, n in adj.items() if len(n) != 2} | (stops & set(adj))
    used: set[tuple[int, int]] = set()
    chains = []

    def walk(start: int, nxt: int) -> list[int]:
        chain = [start]
        prev, cur = start, nxt
        used.add((min(prev, cur), max(prev, cur)))
        while True:
            chain.append(cur)
            if cur in ends or cur == start:
                return chain
            cand = [w for w in sorted(adj[cur]) if (min(cur, w), max(cur, w)) not in used]
            if not cand:
                return chain
            prev, cur = cur, cand[0]
            used.add((min(prev, cur), max(prev, cur)))

    for v in sorted(ends):
        for w in sorted(adj[v]):
            if (min(v, w), max(v, w)) not in used:
                chains.append(walk(v, w))
    for v in sorted(adj):  # closed loops without an end: start at their smallest vertex
        for w in sorted(adj[v]):
            if (min(v, w), max(v, w)) not in used:
                chains.append(walk(v, w))
    return chains


def crease_edges(t: Triangles, sel: np.ndarray) -> dict[tuple[int, int], tuple[int, int]]:
    """Edges where two triangles of ``sel`` turn by > 60 degrees: their triangles (in sel)."""
    n = t.normals()[sel]
    n /= np.maximum(np.linalg.norm(n, axis=1), 1e-300)[:, None]
    tri = t.tri[sel]
    e = np.sort(np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]]), axis=1)
    owner = np.tile(np.arange(len(tri)), 3)
    order = np.lexsort(e.T[::-1])
    e, owner = e[order], owner[order]
    pair = np.flatnonzero((e[1:] == e[:-1]).all(axis=1))
    pair = pair[(n[owner[pair]] * n[owner[pair + 1]]).sum(axis=1) < CREASE_COS]
    return {(int(e[k, 0]), int(e[k, 1])): (int(owner[k]), int(owner[k + 1])) for k in pair}


def _pieces(t: Triangles, sel: np.ndarray, key: np.ndarray) -> list[np.ndarray]:
    """Connected pieces of the triangles ``sel`` (one group between two regions).

    A Li/SEI surface is also split at its creases between pieces of MIN_CREASE_TRIANGLES
    or more (a sharp edge of a few triangles on a thin, moved surface is no crease).
    """
    if set(int(k) for k in key[1:]) != CREASED_REGIONS:
        return _components(t.tri[sel])
    cut = crease_edges(t, sel)
    size = np.zeros(len(sel), dtype=np.int64)
    for comp in _components(t.tri[sel], set(cut)):
        size[comp] = len(comp)
    keep = {e for e, (i, j) in cut.items() if min(size[i], size[j]) >= MIN_CREASE_TRIANGLES}
    return _components(t.tri[sel], keep)


def discrete_topology(t: Triangles) -> Topology:
    """Surfaces, curves and points of the boundary triangulation ``t`` (see module doc)."""
    topo = Topology()
    keys = np.column_stack([t.tag, t.inner, t.outer])
    surf_of = np.zeros(len(t.tri), dtype=np.int64)
    for key in np.unique(keys, axis=0):
        sel = np.flatnonzero((keys == key).all(axis=1))
        for comp in _pieces(t, sel, key):
            for part in _patches(t, sel[comp]) if key[2] >= 0 else [sel[comp]]:
                surf_of[part] = len(topo.surfaces)
                topo.surfaces.append(part)
                topo.surface_key.append(tuple(int(k) for k in key))
    by_set: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    for e, ss in _edge_surfaces(t, surf_of).items():
        if len(ss) > 1:
            by_set.setdefault(tuple(sorted(ss)), []).append(e)
    vert_sets: dict[int, set[tuple[int, ...]]] = {}
    for ss, edges in by_set.items():
        for e in edges:
            for v in e:
                vert_sets.setdefault(v, set()).add(ss)
    stops = {v for v, s in vert_sets.items() if len(s) > 1}
    topo.surface_curves = [[] for _ in topo.surfaces]
    points: dict[int, int] = {}
    for ss in sorted(by_set):
        for chain in _chains(sorted(by_set[ss]), stops):
            for v in (chain[0], chain[-1]):
                points.setdefault(v, len(points))
            topo.curves.append(chain)
            topo.curve_surfaces.append(ss)
            for s in ss:
                topo.surface_curves[s].append(len(topo.curves) - 1)
    topo.points = sorted(points, key=points.get)
    return topo


def vertex_normals(t: Triangles, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of the triangles ``sel`` and their unit area-weighted normals there."""
    verts = np.unique(t.tri[sel])
    n = np.zeros_like(t.x)
    a = t.normals()[sel]
    for k in range(3):
        np.add.at(n, t.tri[sel, k], a)
    n = n[verts]
    return verts, n / np.maximum(np.linalg.norm(n, axis=1), 1e-300)[:, None]


def local_thickness(
    t: Triangles, sel: np.ndarray, li_inner: bool = True, floor_z_um: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Li thickness [µm] at every vertex of the triangles ``sel`` (np.inf: none found).

    From each vertex, the nearest other vertex of ``sel`` within 30 degrees of the
    inward normal (into the Li, the ``inner`` side when ``li_inner``): the distance
    across the Li (a thread of radius r: 1.7 r to 2 r).  With ``floor_z_um`` (the foil
    top) the Li above the foil is measured down to that plane as well: at a vertex above
    it whose inward normal points within 60 degrees of straight down, the distance along
    the normal to the plane (a wedge of Li left between a receded dendrite and the foil
    plane, which the distance across the Li into the foil does not see as thin).
    Returns (vertices, thickness).
    """
    verts, n = vertex_normals(t, sel)
    inward = -n if li_inner else n
    p = t.x[verts]
    thick = np.full(len(verts), np.inf)
    for lo in range(0, len(verts), 512):
        d = p[None, :, :] - p[lo : lo + 512, None, :]  # (chunk, all, 3)
        dist = np.linalg.norm(d, axis=2)
        along = np.einsum("cak,ck->ca", d, inward[lo : lo + 512])
        ok = (along > THICKNESS_CONE_COS * dist) & (dist > 0)
        thick[lo : lo + 512] = np.where(ok, dist, np.inf).min(axis=1)
    if floor_z_um is not None:
        height = p[:, 2] - floor_z_um
        down = -inward[:, 2]
        wedge = (height > FLOOR_TOL_UM) & (down >= FLOOR_CONE_COS)
        thick[wedge] = np.minimum(thick[wedge], height[wedge] / down[wedge])
    return verts, thick


def pieces_near(
    t: Triangles, sel: np.ndarray, points_um: np.ndarray, within_um: float
) -> np.ndarray:
    """Vertices (a mask over ``t.x``) of the pieces of ``sel`` nearest to ``points_um``.

    Pieces of the triangles ``sel`` above the foil plane (z = 0); a point further than
    ``within_um`` from every piece picks none.  A piece is an edge-connected part of the
    surface above the foil: one dendrite's surface, when the foil top is not itself moving
    (or has receded below the plane).
    """
    mask = np.zeros(len(t.x), dtype=bool)
    above = sel[t.x[t.tri[sel]].mean(axis=1)[:, 2] > FLOOR_TOL_UM]
    points = np.asarray(points_um, dtype=float).reshape(-1, 3)
    if not above.size or not len(points):
        return mask
    from scipy.spatial import cKDTree

    pieces = _components(t.tri[above])
    piece_of = np.empty(len(above), dtype=np.int64)
    for k, members in enumerate(pieces):
        piece_of[members] = k
    dist, near = cKDTree(t.x[t.tri[above]].mean(axis=1)).query(points)
    for k in np.unique(piece_of[near[dist <= within_um]]):
        mask[t.tri[above[pieces[k]]].ravel()] = True
    return mask
