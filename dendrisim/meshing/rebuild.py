"""Rebuild a 2D gmsh model from boundary polylines (the gmsh side of remeshing).

Pure numpy and gmsh, no dolfinx: :mod:`dendrisim.meshing.remesh` prepares the chains (polylines
between junctions, with their physical group and the regions on each side) and target
sizes, and runs :func:`main` in a child process (``python -m
dendrisim.meshing.rebuild IN OUT``) with a time limit, because gmsh can loop forever on
a degenerate boundary.  Lengths in µm.
"""

from __future__ import annotations

import math
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FEATURE_ANGLE_DEG = 25.0  # a turn sharper than this is a corner, kept exactly
GRADING = 0.2  # size growth per unit distance from the reacting surface (as generated meshes)


class RebuildError(Exception):
    """The boundaries do not form a valid planar model."""


@dataclass
class Chain:
    """A run of boundary edges between junctions: vertex ids, coordinates [µm], group, sides."""

    ids: list[int]
    pts: np.ndarray
    tag: int
    left: int
    right: int
    new_pts: np.ndarray | None = None
    lines: list[int] = field(default_factory=list)


def _turn(p_prev: np.ndarray, p: np.ndarray, p_next: np.ndarray) -> float:
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
            if _turn(pts[i - 1], pts[i], pts[i + 1]) > FEATURE_ANGLE_DEG
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


# --- loops and the gmsh model -----------------------------------------------------------
def _signed_area(p: np.ndarray) -> float:
    return 0.5 * float(np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1]))


def _inside(q: np.ndarray, poly: np.ndarray) -> bool:
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


def build_gmsh_model(
    chains: list[Chain],
    sizes: list[np.ndarray],
    regions: dict[int, str],
    facet_names: dict[int, str],
    moving_tags: list[int],
    sizing: Sizing,
    algorithm: int = 6,
) -> dict[int, float]:
    """Create and mesh the gmsh model (rank 0, inside a gmsh session); region areas [µm²]."""
    import gmsh

    geo = gmsh.model.geo
    point_of: dict[int, int] = {}
    for c, h in zip(chains, sizes, strict=True):
        if c.new_pts is None:
            c.new_pts = resample(c.pts, h)
    lc_at = {}  # local size at every new point: the spacing around it
    for c in chains:
        seg = np.linalg.norm(np.diff(c.new_pts, axis=0), axis=1)
        lc = np.minimum(np.concatenate([seg, seg[-1:]]), np.concatenate([seg[:1], seg]))
        c._lc = lc  # type: ignore[attr-defined]
        for end, val in ((c.ids[0], lc[0]), (c.ids[-1], lc[-1])):
            lc_at[end] = min(lc_at.get(end, np.inf), val)
    for c in chains:
        tags = []
        for j, p in enumerate(c.new_pts):
            if j == 0 or j == len(c.new_pts) - 1:
                vid = c.ids[0] if j == 0 else c.ids[-1]
                if vid not in point_of:
                    point_of[vid] = geo.addPoint(p[0], p[1], 0.0, lc_at[vid])
                tags.append(point_of[vid])
            else:
                tags.append(geo.addPoint(p[0], p[1], 0.0, c._lc[j]))  # type: ignore[attr-defined]
        c.lines = [geo.addLine(a, b) for a, b in zip(tags[:-1], tags[1:], strict=True)]
    areas: dict[int, float] = {}
    surfaces: dict[int, list[int]] = {}
    for rid in regions:
        loops = region_loops(chains, rid)
        outer = [lp for lp in loops if _signed_area(lp[1]) > 0]
        holes = [lp for lp in loops if _signed_area(lp[1]) <= 0]
        areas[rid] = sum(_signed_area(lp[1]) for lp in loops)
        for seq, poly in outer:
            inner = [h for h in holes if _inside(h[1][0], poly)]
            loop_tags = []
            for s_seq, _ in [(seq, poly)] + inner:
                lines = []
                for s in s_seq:
                    ls = chains[abs(s) - 1].lines
                    lines += ls if s > 0 else [-t for t in reversed(ls)]
                loop_tags.append(geo.addCurveLoop(lines))
            surfaces.setdefault(rid, []).append(geo.addPlaneSurface(loop_tags))
    geo.synchronize()
    for rid, name in regions.items():
        if surfaces.get(rid):
            gmsh.model.addPhysicalGroup(2, surfaces[rid], tag=rid, name=name)
    for tag, name in facet_names.items():
        lines = [t for c in chains if c.tag == tag for t in c.lines]
        if lines:
            gmsh.model.addPhysicalGroup(1, lines, tag=tag, name=name)
    _size_field(
        [
            (t, ln)
            for c in chains
            if c.tag in moving_tags
            for t, ln in zip(c.lines, np.diff(c.new_pts, axis=0), strict=True)
        ],
        sizing,
    )
    opt = gmsh.option.setNumber
    opt("Mesh.MeshSizeExtendFromBoundary", 0)
    opt("Mesh.MeshSizeFromPoints", 0)
    opt("Mesh.MeshSizeFromCurvature", 0)
    opt("Mesh.MeshSizeMax", sizing.h_bulk)
    opt("Mesh.Algorithm", algorithm)
    opt("Mesh.Optimize", 1)
    opt("Mesh.ElementOrder", 1)
    opt("Mesh.SaveAll", 0)
    gmsh.model.mesh.generate(2)
    return areas


def _size_field(moving: list[tuple[int, np.ndarray]], sizing: Sizing) -> None:
    """Background size field: h_interface at the reacting lines, growing by GRADING.

    Finer where the resampled reacting lines are finer (thin parts of the dendrite): one
    distance field per factor-2 size class, each graded the same way up to h_bulk.
    """
    import gmsh

    from dendrisim.geometry.sizing import graded_threshold, set_background_min

    fld = gmsh.model.mesh.field
    h_i, h_b = sizing.h_interface, sizing.h_bulk
    classes: dict[int, list[int]] = {}
    for tag, vec in moving:
        length = float(np.linalg.norm(vec))
        # class of the line's spacing (snapping may shorten a line to 2/3 of its target)
        k = max(0, int(math.floor(math.log2(h_i / max(length, 1e-300)) + 0.25)))
        classes.setdefault(k, []).append(tag)
    fields = []
    for k, lines in sorted(classes.items()):
        h0 = h_i / 2**k
        dist = fld.add("Distance")
        fld.setNumbers(dist, "CurvesList", lines)
        fields.append(graded_threshold(dist, h0, h_b, GRADING))
    set_background_min(fields, h_b)


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


def main(argv: list[str] | None = None) -> int:
    """Child process: read the pickled job, build and mesh, write the .msh and areas."""
    import gmsh

    src, out = (argv or sys.argv[1:])[:2]
    job = pickle.loads(Path(src).read_bytes())
    gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add("remesh")
    try:
        gmsh.option.setNumber("Mesh.Algorithm", job.get("algorithm", 6))
        areas = build_gmsh_model(
            job["chains"],
            job["sizes"],
            job["regions"],
            job["facet_names"],
            job["moving_tags"],
            job["sizing"],
            algorithm=job.get("algorithm", 6),
        )
        gmsh.write(out)
        Path(out + ".areas").write_bytes(pickle.dumps(areas))
    except RebuildError as exc:
        Path(out + ".error").write_text(str(exc), encoding="utf-8")
        return 3
    finally:
        gmsh.finalize()
    return 0


if __name__ == "__main__":
    sys.exit(main())
