"""A resolved SEI shell in a 3D remesh: its thickness, its sizes, what is refused (numpy).

With ``geometry.sei_thickness_um > 0`` the Li is wrapped in an SEI region: the Li/SEI
surface (``li_sei``) and the shell's outer surface (``interface``, SEI/electrolyte) are
both remeshed and both offset to keep the volume they enclose (:mod:`.gmsh_model3d`), so
the Li, the SEI and the electrolyte each keep theirs.  This module gives

- :func:`shell_thickness`: the shell thickness at the vertices of its two surfaces (a
  ray along the normal into the SEI to the other surface);
- :func:`shell_sizes`: the target sizes there, ``ELEMENTS_PER_SEI_3D`` cells across the
  shell as a generated 3D mesh has (``dendrisim/geometry/spec.py``);
- :func:`refuse_removal`: the 2D contract (``remesher.Remesher._thin_li``): Li under a
  shell that is thinner than the removal threshold, Li or SEI touching itself, or a Li
  piece smaller than a cell stops the remeshing with one line (removing Li together with
  its shell is not built).  A shell is thus never left without Li: the core is thinner
  than the threshold before it is gone, and the run goes on without remeshing until a
  cell falls below ``interface.min_quality`` (``mesh_quality``), as in 2D.

Lengths in µm.  No dolfinx, no gmsh.
"""

from __future__ import annotations

import numpy as np

from dendrisim.core.groups import CELL_IDS, ELECTROLYTE, LITHIUM, SEI
from dendrisim.geometry.spec import ELEMENTS_PER_SEI_3D
from dendrisim.meshing.remesh.errors import RemeshError
from dendrisim.meshing.remesh.polyline import Sizing
from dendrisim.meshing.remesh.surface3d import Triangles, vertex_normals

LITHIUM_ID, ELECTROLYTE_ID, SEI_ID = (CELL_IDS[n] for n in (LITHIUM, ELECTROLYTE, SEI))
SEI_CELLS_ACROSS = ELEMENTS_PER_SEI_3D  # as generated: the documented 3D minimum
RAY_MIN_UM = 1e-4  # a hit nearer than this (0.1 nm) along the ray is the ray's own surface
BARY_TOL = 1e-9  # a ray through a shared edge hits one of the two triangles
RAY_CHUNK = 256  # rays per numpy block (x all triangles of the other surface)


def _between(t: Triangles, a: int, b: int) -> np.ndarray:
    """Indices of the triangles between regions ``a`` and ``b``."""
    return np.flatnonzero(((t.inner == a) & (t.outer == b)) | ((t.inner == b) & (t.outer == a)))


def ray_hits(p: np.ndarray, d: np.ndarray, tri: np.ndarray) -> np.ndarray:
    """Distance along rays ``p + s d`` (s > RAY_MIN_UM, unit d) to the first of ``tri`` hit.

    Möller-Trumbore; rays in a triangle's plane do not hit it.  Returns (N,) (inf: none).
    """
    out = np.full(len(p), np.inf)
    e1, e2, a = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0], tri[:, 0]
    scale = np.linalg.norm(e1, axis=1) * np.linalg.norm(e2, axis=1)
    for lo in range(0, len(p), RAY_CHUNK):
        q, m = p[lo : lo + RAY_CHUNK, None, :], d[lo : lo + RAY_CHUNK, None, :]
        h = np.cross(m, e2)
        det = (e1 * h).sum(-1)
        ok = np.abs(det) > 1e-9 * scale
        inv = 1.0 / np.where(ok, det, 1.0)
        w = q - a
        u = (w * h).sum(-1) * inv
        qv = np.cross(w, e1)
        v = (m * qv).sum(-1) * inv
        s = (e2 * qv).sum(-1) * inv
        ok &= (u >= -BARY_TOL) & (v >= -BARY_TOL) & (u + v <= 1 + BARY_TOL) & (s > RAY_MIN_UM)
        out[lo : lo + RAY_CHUNK] = np.where(ok, s, np.inf).min(axis=1)
    return out


def shell_thickness(t: Triangles) -> tuple[np.ndarray, np.ndarray]:
    """The shell thickness [µm] at the vertices of its outer and Li/SEI surfaces.

    From each vertex along its normal into the SEI to the first triangle of the other
    surface (inf where none is hit: the foot of the shell on the foil, along its walls).
    Returns (vertices, thickness); empty when the mesh has no shell.
    """
    outer, inner = _between(t, SEI_ID, ELECTROLYTE_ID), _between(t, LITHIUM_ID, SEI_ID)
    if not (outer.size and inner.size):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    out_v, out_t = [], []
    for sel, other in ((outer, inner), (inner, outer)):
        verts, n = vertex_normals(t, sel)
        into_sei = np.where((t.outer[sel] == SEI_ID).all(), 1.0, -1.0)  # normals leave inner
        out_v.append(verts)
        out_t.append(ray_hits(t.x[verts], into_sei * n, t.x[t.tri[other]]))
    return np.concatenate(out_v), np.concatenate(out_t)


def shell_sizes(t: Triangles, sizing: Sizing) -> tuple[np.ndarray, np.ndarray]:
    """Target sizes [µm] at the shell's vertices: ``SEI_CELLS_ACROSS`` cells across it."""
    verts, thick = shell_thickness(t)
    return verts, np.clip(thick / SEI_CELLS_ACROSS, sizing.h_min, sizing.h_interface)


def refuse_removal(eps_um: float, removed_li: bool, pinched: bool) -> None:
    """The 2D contract with a shell: no thin-Li removal, no pinch repair (raises)."""
    if removed_li:
        raise RemeshError(
            f"the Li under the SEI shell is thinner than {eps_um:.3g} um somewhere: removing "
            "thin Li together with its shell is not built (a run without a resolved "
            "shell, geometry.sei_thickness_um = 0, goes on to li_exhausted)"
        )
    if pinched:
        raise RemeshError(
            "the Li or the SEI shell touches itself (a neck about to pinch off), or a Li "
            "piece is smaller than a cell: removing Li together with its shell is not built"
        )
