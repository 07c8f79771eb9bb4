"""Regions of a 3D boundary triangulation (pure numpy, no gmsh): pinches, pieces, volumes.

- :func:`pinch_vertices`: where a region touches itself along an edge or at a vertex (a
  neck about to pinch off: the remesher removes the Li around it);
- :func:`islands`: closed pieces of a region smaller than a volume (dropped at a remesh);
- :func:`shells`, :func:`region_volumes`: the closed shells of a region's surfaces and
  the volume each encloses (the volumes the child keeps when it offsets a surface).

Works on :class:`~.surface3d.Triangles` and :class:`~.surface3d.Topology`; lengths in µm.
"""

from __future__ import annotations

import numpy as np

from dendrisim.meshing.remesh.surface3d import Topology, Triangles


def pinch_vertices(t: Triangles, region: int) -> np.ndarray:
    """Positions [µm] of the vertices of edges where ``region`` touches itself (non-manifold)."""
    sel = (t.inner == region) | (t.outer == region)
    tri = t.tri[sel]
    edges = np.sort(np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]]), axis=1)
    uniq, count = np.unique(edges, axis=0, return_counts=True)
    bad = np.unique(uniq[count > 2])
    # a vertex pinch: the triangles around a vertex form more than one fan
    flat = tri.ravel()
    order = np.argsort(flat, kind="stable")
    starts = np.searchsorted(flat[order], np.arange(len(t.x) + 1))
    fans = [
        v
        for v in np.unique(flat)
        if not _one_fan(tri[order[starts[v] : starts[v + 1]] // 3], int(v))
    ]
    return t.x[np.union1d(bad, np.array(fans, dtype=np.int64))]


def _one_fan(around: np.ndarray, v: int) -> bool:
    """True when the triangles ``around`` vertex ``v`` are edge-connected through ``v``."""
    if len(around) <= 2:
        return True
    others = [{int(w) for w in r if w != v} for r in around]
    seen, stack = {0}, [0]
    while stack:
        i = stack.pop()
        for j, o in enumerate(others):
            if j not in seen and o & others[i]:
                seen.add(j)
                stack.append(j)
    return len(seen) == len(others)


def islands(t: Triangles, topo: Topology, region: int, max_volume: float) -> list[np.ndarray]:
    """Vertex positions [µm] of closed surfaces around small pieces of ``region``.

    Pieces smaller than ``max_volume`` [µm³]: detached Li smaller than a cell, dropped as
    in 2D.
    """
    out = []
    for s, sel in enumerate(topo.surfaces):
        if topo.surface_curves[s] or topo.surface_key[s][1] != region:
            continue
        if abs(t.flux_volume(sel)) < max_volume:
            out.append(t.x[np.unique(t.tri[sel])])
    return out


def shells(topo: Topology, region: int) -> list[list[int]]:
    """The surfaces bounding ``region``, grouped into connected shells (by shared curves)."""
    mine = [s for s, k in enumerate(topo.surface_key) if region in (k[1], k[2])]
    parent = {s: s for s in mine}

    def find(s: int) -> int:
        while parent[s] != s:
            s = parent[s]
        return s

    for ss in topo.curve_surfaces:
        ours = [s for s in ss if s in parent]
        for a in ours[1:]:
            ra, rb = find(ours[0]), find(a)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for s in mine:
        groups.setdefault(find(s), []).append(s)
    return [groups[k] for k in sorted(groups)]


def region_volumes(t: Triangles, topo: Topology, region: int) -> list[list[int]]:
    """Surfaces of each volume entity of ``region``.

    One entity per shell that encloses the region, with the shells that are holes in it
    (the holes go to the largest enclosing shell).
    """

    def signed(shell: list[int]) -> float:
        v = 0.0
        for s in shell:
            sel = topo.surfaces[s]
            v += t.flux_volume(sel) * (1.0 if topo.surface_key[s][1] == region else -1.0)
        return v

    parts = [(signed(sh), sh) for sh in shells(topo, region)]
    outer = sorted([p for p in parts if p[0] > 0], key=lambda p: -p[0])
    if not outer:
        return [sorted(s for _, sh in parts for s in sh)]
    vols = [list(sh) for _, sh in outer]
    for v, sh in parts:
        if v <= 0:
            vols[0] += sh
    return [sorted(v) for v in vols]
