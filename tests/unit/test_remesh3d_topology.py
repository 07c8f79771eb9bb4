"""The pure-numpy side of 3D remeshing: discrete entities, volumes, pinches, thickness."""

import numpy as np

from dendrisim.meshing.remesh.regions3d import pinch_vertices
from dendrisim.meshing.remesh.surface3d import (
    Triangles,
    discrete_topology,
    local_thickness,
)


def _quad(p, tag, inner, outer):
    """Two triangles of the quad p0 p1 p2 p3 (counter-clockwise seen from the normal)."""
    return [(*p[0], *p[1], *p[2], tag, inner, outer), (*p[0], *p[2], *p[3], tag, inner, outer)]


def _box(z0, z1, bottom, top, inner, outer_top):
    """Rows of the unit square box between z0 and z1, normals outward (out of ``inner``)."""
    c = [(0, 0), (1, 0), (1, 1), (0, 1)]
    rows = []
    if bottom is not None:
        rows += _quad([(x, y, z0) for x, y in reversed(c)], bottom, inner, -1)
    if top is not None:
        rows += _quad([(x, y, z1) for x, y in c], top, inner, outer_top)
    for k in range(4):
        (xa, ya), (xb, yb) = c[k], c[(k + 1) % 4]
        rows += _quad([(xa, ya, z0), (xb, yb, z0), (xb, yb, z1), (xa, ya, z1)], 16, inner, -1)
    return rows


def _two_boxes() -> Triangles:
    rows = _box(0.0, 0.5, 14, 17, 1, 2) + _box(0.5, 1.0, None, 13, 2, -1)
    return Triangles.from_rows(np.array(rows, dtype=float))


def test_two_stacked_regions_give_five_surfaces_three_closed_curves():
    t = _two_boxes()
    topo = discrete_topology(t)
    assert sorted(topo.surface_key) == [
        (13, 2, -1),
        (14, 1, -1),
        (16, 1, -1),
        (16, 2, -1),
        (17, 1, 2),
    ]
    assert len(topo.curves) == 3
    for chain in topo.curves:
        assert chain[0] == chain[-1] and len(chain) == 5  # a closed square
    middle = [ss for ss in topo.curve_surfaces if len(ss) == 3]
    assert len(middle) == 1  # the foil-top square: both side walls and the foil top
    # region volumes from the closed boundaries (divergence theorem)
    v1 = t.flux_volume(t.inner == 1) - t.flux_volume(t.outer == 1)
    v2 = t.flux_volume(t.inner == 2) - t.flux_volume(t.outer == 2)
    assert np.isclose(v1, 0.5) and np.isclose(v2, 0.5)


def test_same_triangles_in_any_order_and_numbering():
    rows = np.array(_box(0.0, 0.5, 14, 17, 1, 2) + _box(0.5, 1.0, None, 13, 2, -1))
    a = Triangles.from_rows(rows)
    b = Triangles.from_rows(rows[np.random.default_rng(1).permutation(len(rows))])
    np.testing.assert_array_equal(a.tri, b.tri)
    np.testing.assert_array_equal(a.x, b.x)


def _tet(p, tag=11):
    """The 4 outward faces of a tetrahedron of region 1 in electrolyte (2)."""
    p = np.asarray(p, dtype=float)
    rows = []
    for i, j, k, opp in ((0, 1, 2, 3), (0, 1, 3, 2), (0, 2, 3, 1), (1, 2, 3, 0)):
        a, b, c = p[i], p[j], p[k]
        if np.dot(np.cross(b - a, c - a), p[opp] - a) > 0:
            b, c = c, b
        rows.append((*a, *b, *c, tag, 1, 2))
    return rows


def test_two_tets_sharing_an_edge_or_a_vertex_are_pinches():
    edge = _tet([(0, 0, 0), (0, 0, 1), (1, 0, 0), (0, 1, 0)]) + _tet(
        [(0, 0, 0), (0, 0, 1), (-1, 0, 0), (0, -1, 0)]
    )
    pts = pinch_vertices(Triangles.from_rows(np.array(edge)), 1)
    assert sorted(map(tuple, pts)) == [(0, 0, 0), (0, 0, 1)]
    vertex = _tet([(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)]) + _tet(
        [(0, 0, 0), (-1, 0, 0), (0, -1, 0), (0, 0, -1)]
    )
    pts = pinch_vertices(Triangles.from_rows(np.array(vertex)), 1)
    assert sorted(map(tuple, pts)) == [(0, 0, 0)]
    single = Triangles.from_rows(np.array(edge[:4]))
    assert len(pinch_vertices(single, 1)) == 0


def test_thickness_of_a_thin_slab_is_its_thickness():
    """A 0.1 thick plate of region 1: the thickness across it is 0.1 at every vertex."""
    n = 6
    rows = []
    for i in range(n):
        for j in range(n):
            x0, x1, y0, y1 = i / n, (i + 1) / n, j / n, (j + 1) / n
            top = [(x0, y0, 0.1), (x1, y0, 0.1), (x1, y1, 0.1), (x0, y1, 0.1)]
            rows += _quad(top, 11, 1, 2)
            rows += _quad([(x, y, 0.0) for x, y, _ in reversed(top)], 11, 1, 2)
    t = Triangles.from_rows(np.array(rows))
    verts, thick = local_thickness(t, np.arange(len(t.tri)))
    assert len(verts) == 2 * (n + 1) ** 2
    np.testing.assert_allclose(thick, 0.1)


def test_a_detached_piece_is_its_own_volume_and_a_hole_in_the_other_region():
    """A small tetrahedron of region 1 floating in region 2 (dead Li in electrolyte)."""
    from dendrisim.meshing.remesh.regions3d import islands, region_volumes

    piece = _tet([(0.5, 0.5, 0.7), (0.6, 0.5, 0.7), (0.5, 0.6, 0.7), (0.5, 0.5, 0.8)])
    rows = _box(0.0, 0.5, 14, 17, 1, 2) + _box(0.5, 1.0, None, 13, 2, -1) + piece
    t = Triangles.from_rows(np.array(rows, dtype=float))
    topo = discrete_topology(t)
    li, el = region_volumes(t, topo, 1), region_volumes(t, topo, 2)
    assert len(li) == 2 and len(el) == 1
    closed = [s for s, k in enumerate(topo.surface_key) if k == (11, 1, 2)]
    assert li[1] == closed and set(closed) <= set(el[0])  # the piece is a hole in region 2
    small = islands(t, topo, 1, max_volume=1e-3)
    assert len(small) == 1 and len(small[0]) == 4
    assert islands(t, topo, 1, max_volume=1e-4) == []  # the piece holds 1.7e-4


def test_li_above_the_foil_is_measured_down_to_the_foil_plane():
    """A low ridge of Li on the foil (z = 0.05 (1 - |x|)): across it, the Li goes on into
    the foil and no opposite surface is found; down to the plane z = 0 it is a wedge whose
    thickness along the inward normal is z / cos(slope) (at the ridge line: its height)."""
    h = 0.05
    xs = np.linspace(-1.5, 1.5, 25)  # nodes at the ridge and at its feet x = +-1

    def z(x):
        return max(0.0, h * (1.0 - abs(x)))

    rows = []
    for x0, x1 in zip(xs[:-1], xs[1:], strict=True):
        rows += _quad([(x0, 0, z(x0)), (x1, 0, z(x1)), (x1, 1, z(x1)), (x0, 1, z(x0))], 11, 1, 2)
    t = Triangles.from_rows(np.array(rows))
    sel = np.arange(len(t.tri))
    verts, across = local_thickness(t, sel)
    assert np.isinf(across).all()
    verts2, thick = local_thickness(t, sel, floor_z_um=0.0)
    np.testing.assert_array_equal(verts2, verts)
    p = t.x[verts]
    on_slope = (p[:, 2] > 1e-9) & (np.abs(p[:, 0]) > 1e-9)
    np.testing.assert_allclose(thick[on_slope], p[on_slope, 2] * np.hypot(1.0, h))
    ridge = np.abs(p[:, 0]) < 1e-9
    np.testing.assert_allclose(thick[ridge], h, rtol=2e-4)  # the normal: an area average
    assert np.isinf(thick[p[:, 2] < 1e-9]).all()  # the foil itself: nothing above it
