"""Boundary repair before a remesh: pure numpy on the gathered boundary edges.

The boundary of a receded mesh is repaired before gmsh sees it:

- edges shorter than a tolerance are collapsed (cusps, slivers): :func:`collapse_short_edges`;
- edges are joined into chains between junctions: :func:`build_chains`;
- Li thinner than a threshold goes (with the SEI on it): :func:`thin_cell_mask` decides
  which cells become electrolyte;
- where a region touches itself at a vertex (a pinch), all but the largest solid fan of
  cells around it go: :func:`pinch_vertices`, :func:`pinch_drops`;
- islands smaller than a cell are dropped and the chains resampled: :func:`prepare_chains`.

Everything here works on plain arrays (the dolfinx side, :mod:`.extract`, gathers them from
the mesh), so it is importable and testable without dolfinx.  Lengths in µm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dendrisim.core.groups import CELL_IDS, LITHIUM, SEI
from dendrisim.meshing.remesh.errors import RemeshError
from dendrisim.meshing.remesh.polyline import (
    FEATURE_ANGLE_DEG,
    Chain,
    Sizing,
    crossing_segments,
    original_loops,
    region_loops,
    resample,
    signed_area,
    turn,
)
from dendrisim.meshing.remesh.spacing import (
    LI_SEI_ID,
    chain_sizes,
    chain_thickness,
    nearest_segment,
    sizing_from_lengths,
)

LITHIUM_ID, SEI_ID = CELL_IDS[LITHIUM], CELL_IDS[SEI]
ISLAND_AREA = 0.25  # free loops below this times h_min^2 are dropped (gmsh cannot mesh them)


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


def sizing_from_edges(edges: BoundaryEdges, moving_tags: list[int]) -> Sizing:
    """Sizes of the mesh as generated (reacting-surface median, largest boundary edge)."""
    return sizing_from_lengths(edges.lengths(), np.isin(edges.tag, moving_tags))


# --- collapse and chains ----------------------------------------------------------------
def collapse_short_edges(edges: BoundaryEdges, tol_um: float) -> BoundaryEdges:
    """Merge the end points of boundary edges shorter than ``tol_um`` [µm].

    Cusps and slivers left by a receding surface; the edges that vanish are dropped.  The
    merged vertex ids are in ``edges.merged`` (representative -> group); the representative
    (whose position is kept) is the lowest by position (x, then y), not by vertex number,
    so the result does not depend on the partition.
    """
    parent: dict[int, int] = {}

    def find(v: int) -> int:
        while parent.get(v, v) != v:
            v = parent[v]
        return v

    pos = {int(v): edges.x[e, k] for e in range(len(edges.v)) for k, v in enumerate(edges.v[e])}

    def key(v: int) -> tuple:  # by position: the same choice on any number of ranks
        return (*np.round(pos[v], 9), v)

    lengths = edges.lengths()
    for e in np.argsort(lengths, kind="stable"):
        if lengths[e] >= tol_um:
            break
        a, b = find(int(edges.v[e, 0])), find(int(edges.v[e, 1]))
        if a != b:
            lo, hi = sorted((a, b), key=key)
            parent[hi] = lo
    if not parent:
        return edges
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


class _Walker:
    """Edge incidence of a boundary and the junctions where chains start and end."""

    def __init__(self, edges: BoundaryEdges):
        self.edges = edges
        self.key = [
            (int(t), frozenset((int(a), int(b))))
            for t, a, b in zip(edges.tag, edges.left, edges.right, strict=True)
        ]
        self.coords: dict[int, np.ndarray] = {}
        self.inc: dict[int, list[int]] = {}
        for e, (v0, v1) in enumerate(edges.v):
            self.coords[int(v0)], self.coords[int(v1)] = edges.x[e, 0], edges.x[e, 1]
            self.inc.setdefault(int(v0), []).append(e)
            self.inc.setdefault(int(v1), []).append(e)
        self.is_j = {v: self._junction(v) for v in self.inc}
        self.used = np.zeros(len(edges.v), dtype=bool)

    def other(self, e: int, v: int) -> int:
        a, b = int(self.edges.v[e, 0]), int(self.edges.v[e, 1])
        return b if a == v else a

    def _junction(self, v: int) -> bool:
        es, c = self.inc[v], self.coords
        if len(es) != 2 or self.key[es[0]] != self.key[es[1]]:
            return True
        return turn(c[self.other(es[0], v)], c[v], c[self.other(es[1], v)]) > FEATURE_ANGLE_DEG

    def walk(self, start: int, e0: int) -> Chain:
        """The chain from vertex ``start`` along edge ``e0`` to the next junction."""
        ids, e, v = [start], e0, start
        while True:
            self.used[e] = True
            v = self.other(e, v)
            ids.append(v)
            if self.is_j[v] or v == start:
                break
            nxt = [f for f in self.inc[v] if not self.used[f]]
            if not nxt:
                break
            e = nxt[0]
        # sides relative to the chain direction ids[0] -> ids[1]
        edges = self.edges
        left, right = int(edges.left[e0]), int(edges.right[e0])
        if int(edges.v[e0, 0]) != start:
            left, right = right, left
        pts = np.array([self.coords[i] for i in ids])
        return Chain(ids=ids, pts=pts, tag=int(edges.tag[e0]), left=left, right=right)


def build_chains(edges: BoundaryEdges) -> list[Chain]:
    """Join edges into chains that end where the group, the regions or the direction change."""
    w = _Walker(edges)
    chains: list[Chain] = []
    for v in w.inc:
        if w.is_j[v]:
            for e in w.inc[v]:
                if not w.used[e]:
                    chains.append(w.walk(v, e))
    for e in range(len(edges.v)):  # closed loops without a junction
        if not w.used[e]:
            chains.append(w.walk(int(edges.v[e, 0]), e))
    return chains


# --- thin Li and pinches ----------------------------------------------------------------
def thin_cell_mask(
    edges: BoundaryEdges,
    moving_tags: list[int],
    eps_um: float,
    centres_um: np.ndarray,
    regions: np.ndarray,
) -> np.ndarray:
    """Which Li/SEI cells lie where the Li is thinner than ``eps_um`` [µm] (-> electrolyte).

    A Li cell is thin when the receding-surface point nearest its centre has a thickness
    below ``eps_um``; an SEI cell when the nearest point of the Li/SEI surface does (the
    shell goes with the Li under it).

    Args:
        edges: the gathered boundary (the same on every rank, so the ranks agree).
        moving_tags: facet ids of the receding surfaces.
        eps_um: thickness threshold [µm].
        centres_um: (N, 2) cell centres [µm].
        regions: (N,) cell region ids.

    Returns:
        (N,) bool, True for the cells to turn into electrolyte.
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
    thin = np.zeros(len(regions), dtype=bool)
    if not a:
        return thin
    a, b, t, tag = (np.concatenate(v) for v in (a, b, t, tag))
    for region, mask_seg in ((LITHIUM_ID, np.ones(len(a), dtype=bool)), (SEI_ID, tag == LI_SEI_ID)):
        sel = regions == region
        if not sel.any() or not mask_seg.any():
            continue
        nearest, dist = nearest_segment(centres_um[sel], a[mask_seg], b[mask_seg])
        # in a part thinner than eps every cell centre is within eps of its surface
        thin[sel] = (t[mask_seg][nearest] < eps_um) & (dist < eps_um)
    return thin


def pinch_vertices(edges: BoundaryEdges, regions: list[int]) -> list[int]:
    """Global ids of vertices where a region touches itself (two boundary pieces leave)."""
    out = set()
    for r in regions:
        starts = np.concatenate([edges.v[edges.left == r, 0], edges.v[edges.right == r, 1]])
        ids, counts = np.unique(starts, return_counts=True)
        out.update(int(v) for v in ids[counts > 1])
    return sorted(out)


def fans(star: list) -> list[list]:
    """Group the cells around a vertex into fans (cells joined through shared edges).

    ``star``: rows (cell id, region, vertex ids, area); a fan is a list of such rows.
    """
    out: list[list] = []
    for cell in star:
        joined = [f for f in out if any(len(set(cell[2]) & set(o[2])) == 2 for o in f)]
        merged = [cell] + [o for f in joined for o in f]
        out = [f for f in out if f not in joined] + [merged]
    return out


def pinch_drops(
    rows: list, pinches: list[int], wet: list[int], group: dict[int, set[int]]
) -> set[int]:
    """Global ids of the solid cells to drop so that no region touches itself at a vertex.

    Around each pinch vertex the solid cells of each region form fans; all but the largest
    go.  Where the electrolyte touches itself (``wet``: a solid corner meets the axis or
    another solid at one vertex), the smallest solid fan there goes too.

    Args:
        rows: (global cell id, region, global vertex ids, area) of the solid cells around
            the pinch vertices, gathered from every rank.
        pinches: the pinch vertices (global ids).
        wet: those of them where the electrolyte touches itself.
        group: pinch vertex -> the vertex ids merged into it (itself included).
    """
    drop: set[int] = set()
    for v in pinches:
        solid_fans = []
        for reg in (LITHIUM_ID, SEI_ID):
            fs = fans([r for r in rows if group[v] & set(r[2]) and r[1] == reg])
            fs.sort(key=lambda f: -sum(o[3] for o in f))
            if len(fs) > 1:  # the solid touches itself: keep its largest fan
                drop.update(o[0] for f in fs[1:] for o in f)
            solid_fans += fs[:1]
        if v in wet and solid_fans:
            smallest = min(solid_fans, key=lambda f: sum(o[3] for o in f))
            drop.update(o[0] for o in smallest)
    return drop


# --- chains ready for gmsh --------------------------------------------------------------
def free_islands(chains: list[Chain], regions: dict[int, str], tiny_um2: float) -> set[int]:
    """Indices of the chains of loops smaller than ``tiny_um2`` that touch no other chain.

    Slivers left where thin Li was cut: gmsh cannot mesh a loop of (nearly) zero area.
    """
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
            if abs(signed_area(poly)) < tiny_um2 and not touching:  # a free island
                drop |= mine
    return drop


def prepare_chains(
    edges: BoundaryEdges,
    tol_um: float,
    moving_tags: list[int],
    sizing: Sizing,
    regions: dict[int, str],
) -> tuple[list[Chain], list[np.ndarray], dict[int, float]]:
    """Chains resampled for gmsh, their sizes [µm] and each region's area before [µm²].

    Short edges collapsed, chains built and resampled, free islands dropped; raises
    :class:`RemeshError` where the resampled boundaries cross (a folded surface).
    """
    chains = build_chains(collapse_short_edges(edges, tol_um))
    thick = chain_thickness(chains, moving_tags, sizing.h_interface)
    sizes = chain_sizes(chains, moving_tags, sizing, thick)
    old = {rid: sum(signed_area(p) for _, p in original_loops(chains, rid)) for rid in regions}
    for c, h in zip(chains, sizes, strict=True):
        c.new_pts = resample(c.pts, h)
    drop = free_islands(chains, regions, ISLAND_AREA * sizing.h_min**2)
    sizes = [h for i, h in enumerate(sizes) if i not in drop]
    chains = [c for i, c in enumerate(chains) if i not in drop]
    crossing = crossing_segments(chains)
    if crossing:
        where = ", ".join(f"({p[0]:.4g}, {p[1]:.4g})" for p, _ in crossing[:3])
        raise RemeshError(
            f"the boundaries cross each other near {where} um (the "
            "receding surface folded over itself): cannot remesh"
        )
    return chains, sizes, old
