"""OpenCASCADE bodies of the shapes (dendrisim.geometry.shapes definitions), 2D sections and 3D.

2D bodies are full planar sections in the (x, z) plane (coordinates x, y = z); the
axisymmetric half-section is made by clipping them to x >= 0.  Lengths in µm.
"""

from __future__ import annotations

import gmsh

from dendrisim.geometry import shapes
from dendrisim.geometry.spec import Dendrite

DimTags = list[tuple[int, int]]


def _fuse(dim: int, tags: list[int]) -> DimTags:
    occ = gmsh.model.occ
    if len(tags) == 1:
        return [(dim, tags[0])]
    out, _ = occ.fuse([(dim, tags[0])], [(dim, t) for t in tags[1:]])
    return out


def _trapezoid(x: float, r0: float, r1: float, h: float) -> int:
    occ = gmsh.model.occ
    pts = [
        occ.addPoint(x - r0, 0, 0),
        occ.addPoint(x + r0, 0, 0),
        occ.addPoint(x + r1, h, 0),
        occ.addPoint(x - r1, h, 0),
    ]
    lines = [occ.addLine(pts[i], pts[(i + 1) % 4]) for i in range(4)]
    return occ.addPlaneSurface([occ.addCurveLoop(lines)])


def body_2d(d: Dendrite) -> DimTags:
    """Full planar section of one dendrite as OCC surfaces (fused)."""
    occ = gmsh.model.occ
    x, L, R = d.x_um, d.length_um, d.radius_um
    shape = shapes._canon(d.shape)
    if shape == "needle":
        tags = [occ.addRectangle(x - R, 0, 0, 2 * R, L - R), occ.addDisk(x, L - R, 0, R, R)]
    elif shape == "cone":
        rt = d.tip_r_um
        tags = [_trapezoid(x, R, rt, L - rt), occ.addDisk(x, L - rt, 0, rt, rt)]
    elif shape == "mushroom":
        rh = 0.5 * d.head_d_um
        tags = [occ.addRectangle(x - R, 0, 0, 2 * R, L - rh), occ.addDisk(x, L - rh, 0, rh, rh)]
    else:  # sphere
        tags = [occ.addDisk(x, L - R, 0, R, R)]
    return _fuse(2, tags)


def body_3d(d: Dendrite) -> DimTags:
    """One dendrite as OCC volumes (fused), standing on z = 0 at (x, y)."""
    occ = gmsh.model.occ
    x, y, L, R = d.x_um, d.y_um, d.length_um, d.radius_um
    shape = shapes._canon(d.shape)
    if shape == "needle":
        tags = [occ.addCylinder(x, y, 0, 0, 0, L - R, R), occ.addSphere(x, y, L - R, R)]
    elif shape == "cone":
        rt = d.tip_r_um
        tags = [occ.addCone(x, y, 0, 0, 0, L - rt, R, rt), occ.addSphere(x, y, L - rt, rt)]
    elif shape == "mushroom":
        rh = 0.5 * d.head_d_um
        tags = [occ.addCylinder(x, y, 0, 0, 0, L - rh, R), occ.addSphere(x, y, L - rh, rh)]
    else:  # sphere
        tags = [occ.addSphere(x, y, L - R, R)]
    return _fuse(3, tags)


def body(d: Dendrite, dim: int) -> DimTags:
    """The dendrite body in 2D (section) or 3D."""
    return body_3d(d) if dim == 3 else body_2d(d)
