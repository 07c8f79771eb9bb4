"""Boundary polylines of a 2D mesh: chains, resampling, loops and crossings (pure numpy).

A *chain* is a run of boundary edges between junctions (where groups or regions meet, or
where the boundary turns by more than :data:`FEATURE_ANGLE_DEG`), with its physical group
and the regions on its left and right.  Lengths in µm.  No dolfinx, no gmsh: the gmsh child
process (:mod:`.gmsh_model`) and the tests load this module alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from dendrisim.meshing.remesh.errors import RebuildError

FEATURE_ANGLE_DEG = 25.0  # a turn sharper than this is a corner, kept exactly
GRADING = 0.2  # size growth per unit distance from the reacting surface (as generated meshes)


@dataclass
class Chain:
    """A run of boundary edges between junctions: vertex ids, coordinates [µm], group, sides."""

    ids: list[int]
    pts: np.ndarray
    tag: int
    left: int
    right: int
    new_pts: np.ndarray | None = None  # resampled points [µm]
    lines: list[int] = field(default_factory=list)  # gmsh line tags (in the gmsh child)
    lc: np.ndarray | None = None  # local size at the resampled points [µm] (gmsh child)


def turn(p_prev: np.ndarray, p: np.ndarray, p_next: np.ndarray) -> float:
    """Turning angle [deg] of a polyline at p."""
    a, b = p - p_prev, p_next - p
    cosang = np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-300)
    return math.degrees(math.acos(max(-1.0, min(1.0, cosang))))


def resample(pts: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Points on the polyline ``pts`` spaced about ``h`` (sizes at its vertices) [µm].

    End points and corners (turn > FEATURE_ANGLE_DEG) are kept; an old vertex is kept
    (a new point snapped onto it) when it lies within a third of the local spacing of a
    new point, so a polyline whose spacing already fits is returned unchanged.
    """
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    corners = (
        [0]
        + [
            i
            for i in range(1, len(pts) - 1)
            if turn(pts[i - 1], pts[i], pts[i + 1]) > FEATURE_ANGLE_DEG
        ]
        + [len(pts) - 1]
    )
    out = [pts[0]]
    for i0, i1 in zip(corners[:-1], corners[1:], strict=True):
        ss, hh = s[i0 : i1 + 1], np.maximum(h[i0 : i1 + 1], 1e-300)
        # phi(s) = integral ds / h: equal steps of phi give the graded spacing
        phi = np.concatenate([[0.0], np.cumsum(np.diff(ss) * 0.5 * (1 / hh[1:] + 1 / hh[:-1]))])
        m = max(1, int(round(phi[-1])))
        pos = np.interp(np.linspace(0.0, phi[-1], m + 1), phi, ss)
        spacing = np.diff(pos)
        for j in range(i0 + 1, i1):  # snap new points onto close old vertices
            k = int(np.argmin(np.abs(pos - s[j])))
            if 0 < k < m:
                local = min(spacing[k - 1], spacing[k])
                if abs(pos[k] - s[j]) < local / 3.0:
                    pos[k] = s[j]
        pos = np.maximum.accumulate(pos)
        pos = pos[np.concatenate([[True], np.diff(pos) > 1e-9 * max(s[-1], 1e-300)])]
        pos[-1] = ss[-1]
        xs = np.interp(pos, s, pts[:, 0])
        ys = np.interp(pos, s, pts[:, 1])
        out.extend(np.column_stack([xs, ys])[1:])
    return np.array(out)


@dataclass
class Sizing:
    """Target sizes [µm]: the original interface size, the bulk size, the thinnest allowed."""

    h_interface: float
    h_bulk: float
    h_min: float


# --- loops ------------------------------------------------------------------------------
def signed_area(p: np.ndarray) -> float:
    """Signed area of a closed polygon (counter-clockwise > 0) [µm²]."""
    return 0.5 * float(np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1]))


def inside(q: np.ndarray, poly: np.ndarray) -> bool:
    """Point-in-polygon (even-odd rule)."""
    x, y = poly[:, 0], poly[:, 1]
    x2, y2 = np.roll(x, -1), np.roll(y, -1)
    cross = (y > q[1]) != (y2 > q[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = x + (q[1] - y) * (x2 - x) / (y2 - y)
    return bool(np.sum(cross & (q[0] < xi)) % 2)


def region_loops(chains: list[Chain], region: int) -> list[tuple[list[int], np.ndarray]]:
    """Closed loops (signed chain indices, 1-based; polygon) with ``region`` on their left."""
    pieces = []  # (chain index signed, start id, end id)
    for i, c in enumerate(chains):
        if c.left == region:
            pieces.append((i + 1, c.ids[0], c.ids[-1]))
        elif c.right == region:
            pieces.append((-(i + 1), c.ids[-1], c.ids[0]))
    starts: dict[int, list[int]] = {}
    for k, (_, a, _) in enumerate(pieces):
        starts.setdefault(a, []).append(k)
    if any(len(v) > 1 for v in starts.values()):
        raise RebuildError(
            f"region {region} touches itself at a vertex (pinched off): its "
            "boundary is not a set of simple loops"
        )
    used = [False] * len(pieces)
    loops = []
    for k0 in range(len(pieces)):
        if used[k0]:
            continue
        seq, k = [], k0
        while not used[k]:
            used[k] = True
            seq.append(pieces[k][0])
            nxt = starts.get(pieces[k][2])
            if not nxt:
                raise RebuildError(f"the boundary of region {region} is not closed")
            k = nxt[0]
        pts = []
        for s in seq:
            p = chains[abs(s) - 1].new_pts
            pts.append((p if s > 0 else p[::-1])[:-1])
        loops.append((seq, np.concatenate(pts)))
    return loops


def crossing_segments(chains: list[Chain]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs of resampled boundary segments that cross (not just touch at an end point).

    A receding surface can fold over itself between remeshes; gmsh may then never
    finish, so the crossing is reported instead.  Returns up to 5 pairs of segment
    mid-points [µm].
    """
    a = np.concatenate([c.new_pts[:-1] for c in chains])
    b = np.concatenate([c.new_pts[1:] for c in chains])
    d = b - a
    out: list[tuple[np.ndarray, np.ndarray]] = []
    scale = max(float(np.ptp(np.concatenate([a, b]), axis=0).max()), 1e-300)
    tol = 1e-9 * scale
    for i in range(0, len(a), 256):
        ai, di = a[i : i + 256, None, :], d[i : i + 256, None, :]
        den = di[..., 0] * d[:, 1] - di[..., 1] * d[:, 0]
        w = a - ai
        with np.errstate(divide="ignore", invalid="ignore"):
            s = (w[..., 0] * d[:, 1] - w[..., 1] * d[:, 0]) / den
            u = (w[..., 0] * di[..., 1] - w[..., 1] * di[..., 0]) / den
        inner = 1e-9
        hit = (
            (np.abs(den) > tol * tol)
            & (s > inner)
            & (s < 1 - inner)
            & (u > inner)
            & (u < 1 - inner)
        )
        for k, j in zip(*np.nonzero(hit), strict=True):
            if i + k < j:
                out.append((0.5 * (a[i + k] + b[i + k]), 0.5 * (a[j] + b[j])))
                if len(out) >= 5:
                    return out
    return out


def original_loops(chains: list[Chain], region: int) -> list[tuple[list[int], np.ndarray]]:
    """Loops of ``region`` through the chains' points before resampling (``pts``)."""
    saved = [c.new_pts for c in chains]
    for c in chains:
        c.new_pts = c.pts
    try:
        return region_loops(chains, region)
    finally:
        for c, s in zip(chains, saved, strict=True):
            c.new_pts = s
