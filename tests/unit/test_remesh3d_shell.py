"""A resolved SEI shell in a 3D remesh (pure numpy): its thickness, sizes and refusals."""

import numpy as np
import pytest

from dendrisim.meshing.remesh.errors import RemeshError
from dendrisim.meshing.remesh.polyline import Sizing
from dendrisim.meshing.remesh.shell3d import (
    SEI_CELLS_ACROSS,
    refuse_removal,
    shell_sizes,
    shell_thickness,
)
from dendrisim.meshing.remesh.surface3d import Triangles


def _sphere_rows(radius: float, n: int, tag: int, inner: int, outer: int, outward: bool):
    """Triangles of a sphere (convex hull of Fibonacci points), normals out or in."""
    from scipy.spatial import ConvexHull

    k = np.arange(n) + 0.5
    phi, z = np.pi * (1 + 5**0.5) * k, 1 - 2 * k / n
    p = radius * np.column_stack(
        [np.sqrt(1 - z**2) * np.cos(phi), np.sqrt(1 - z**2) * np.sin(phi), z]
    )
    rows = []
    for s in ConvexHull(p).simplices:
        a, b, c = p[s]
        if (np.dot(np.cross(b - a, c - a), a) > 0) != outward:
            b, c = c, b
        rows.append((*a, *b, *c, tag, inner, outer))
    return rows


def _shelled_ball(r_li: float = 1.0, t_sei: float = 0.1) -> Triangles:
    """A Li ball (region 1) in an SEI shell (3) in electrolyte (2), as extract3d orders
    the sides: the normal leaves the region of lower id (Li, then electrolyte)."""
    li_sei = _sphere_rows(r_li, 600, 12, 1, 3, outward=True)
    outer = _sphere_rows(r_li + t_sei, 700, 11, 2, 3, outward=False)
    return Triangles.from_rows(np.array(li_sei + outer, dtype=float))


def test_shell_thickness_of_a_shelled_ball():
    t = _shelled_ball()
    verts, thick = shell_thickness(t)
    assert len(verts) == len(t.x) == 1300
    # along the normals between two spheres 0.1 apart (chords cut the curved surfaces by
    # up to h^2/(8R), h ~ 0.15)
    assert np.all(np.abs(thick - 0.1) < 6e-3), (thick.min(), thick.max())
    h = Sizing(h_interface=0.2, h_bulk=1.0, h_min=0.01)
    _, size = shell_sizes(t, h)
    assert size == pytest.approx(np.clip(thick / SEI_CELLS_ACROSS, 0.01, 0.2))


def test_no_shell_no_thickness():
    t = Triangles.from_rows(np.array(_sphere_rows(1.0, 100, 11, 1, 2, outward=True), dtype=float))
    verts, thick = shell_thickness(t)
    assert verts.size == 0 and thick.size == 0


def test_removal_under_a_shell_is_refused_with_one_line():
    refuse_removal(0.01, False, False)  # nothing to remove: no error
    with pytest.raises(RemeshError, match="thinner than 0.01 um.*not built"):
        refuse_removal(0.01, True, False)
    with pytest.raises(RemeshError, match="touches itself.*not built"):
        refuse_removal(0.01, False, True)


def _folded_sheet(inner: int, outer: int) -> Triangles:
    """A flat 3 x 3 sheet at z = 0 and a 3 x 3 wall standing on its edge x = 1."""
    rows = []
    g = np.linspace(0.0, 1.0, 4)
    for i in range(3):
        for j in range(3):
            flat = [
                (g[i], g[j], 0),
                (g[i + 1], g[j], 0),
                (g[i + 1], g[j + 1], 0),
                (g[i], g[j + 1], 0),
            ]
            wall = [
                (1, g[i], g[j]),
                (1, g[i + 1], g[j]),
                (1, g[i + 1], g[j + 1]),
                (1, g[i], g[j + 1]),
            ]
            for q in (flat, wall):
                rows += [
                    (*q[0], *q[1], *q[2], 12, inner, outer),
                    (*q[0], *q[2], *q[3], 12, inner, outer),
                ]
    return Triangles.from_rows(np.array(rows, dtype=float))


def test_li_sei_surface_is_split_at_its_crease():
    """Where a shelled dendrite stands on the foil the Li/SEI surface turns by 90 degrees:
    two surfaces and a curve (gmsh keeps the edge); other surfaces are not split."""
    from dendrisim.meshing.remesh.surface3d import discrete_topology

    topo = discrete_topology(_folded_sheet(1, 3))
    assert [len(s) for s in topo.surfaces] == [18, 18]
    crease = [c for c, ss in zip(topo.curves, topo.curve_surfaces, strict=True) if len(ss) == 2]
    assert len(crease) == 1 and len(crease[0]) == 4  # the edge x = 1, z = 0: 3 segments
    assert len(discrete_topology(_folded_sheet(1, 2)).surfaces) == 1
