"""OpenCASCADE bodies of dendrites: the shape's primitives, fused (2D sections and 3D).

2D bodies are full planar sections in the (x, z) plane (coordinates x, y = z); the
axisymmetric half-section is made by clipping them to x >= 0.  Lengths in µm.  What a
shape's primitives are is the shape's business (:mod:`dendrisim.geometry.shapes`).
"""

from __future__ import annotations

import gmsh

from dendrisim.geometry.shapes import Dendrite

DimTags = list[tuple[int, int]]


def _fuse(dim: int, tags: list[int]) -> DimTags:
    occ = gmsh.model.occ
    if len(tags) == 1:
        return [(dim, tags[0])]
    out, _ = occ.fuse([(dim, tags[0])], [(dim, t) for t in tags[1:]])
    return out


def body_2d(d: Dendrite) -> DimTags:
    """Full planar section of one dendrite as OCC surfaces (fused)."""
    return _fuse(2, d.kind.body_2d(d))


def body_3d(d: Dendrite) -> DimTags:
    """One dendrite as OCC volumes (fused), standing on z = 0 at (x, y)."""
    return _fuse(3, d.kind.body_3d(d))


def body(d: Dendrite, dim: int) -> DimTags:
    """The dendrite body in 2D (section) or 3D."""
    return body_3d(d) if dim == 3 else body_2d(d)
