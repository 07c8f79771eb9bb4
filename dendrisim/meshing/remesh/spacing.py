"""Target spacing of the rebuilt boundaries: local solid thickness and graded sizes (numpy).

The spacing on the reacting surfaces is the original interface size, or a third of the
local solid thickness (a ray cast into the solid) where the dendrite has thinned below it;
elsewhere it grows with the distance to the reacting surface as in the original grading.
Lengths in µm.  No dolfinx, no gmsh.
"""

from __future__ import annotations

import numpy as np

from dendrisim.core.groups import CELL_IDS, ELECTROLYTE, FACET_IDS, LI_SEI, LITHIUM
from dendrisim.meshing.remesh.polyline import GRADING, Chain, Sizing

CELLS_ACROSS = 3.0  # elements across the local solid thickness on the reacting surface
# Li (and the SEI on it) thinner than this fraction of the original interface cell size is
# removed at a remesh: a thread about to vanish (a consumed tip, a neck that pinches off)
THIN_FRACTION = 0.25
RAY_OFFSET = 1e-6  # rays start this fraction of the reference size inside the solid
LITHIUM_ID, ELECTROLYTE_ID = CELL_IDS[LITHIUM], CELL_IDS[ELECTROLYTE]
LI_SEI_ID = FACET_IDS[LI_SEI]


def nearest_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def ray_thickness(p: np.ndarray, n: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
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


def sizing_from_lengths(lengths: np.ndarray, moving: np.ndarray) -> Sizing:
    """Sizes of the mesh as generated from its boundary edge lengths [µm].

    Args:
        lengths: (E,) boundary edge lengths.
        moving: (E,) True on the edges of the reacting surfaces.

    Returns:
        The reacting-surface median, the largest boundary edge and the thinnest size.
    """
    h_i = float(np.median(lengths[moving])) if moving.any() else float(np.median(lengths))
    h_b = max(float(lengths.max()), h_i)
    return Sizing(h_interface=h_i, h_bulk=h_b, h_min=THIN_FRACTION * h_i / CELLS_ACROSS)


def normals_into(ch: Chain, side: int) -> np.ndarray:
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
        n = normals_into(c, side)
        out.append(ray_thickness(c.pts + RAY_OFFSET * h_ref * n, n, all_a, all_b))
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
                nearest_segment(c.pts, mov_a, mov_b)[1]
                if len(mov_a)
                else np.full(len(c.pts), np.inf)
            )
            h = np.minimum(sizing.h_bulk, sizing.h_interface + GRADING * d)
        out.append(h)
    return out
