"""Boundary repair for remeshing, on small hand-made polylines (no dolfinx, no gmsh).

The repair modules (:mod:`dendrisim.meshing.remesh.repair`, ``.polyline``, ``.spacing``)
work on plain arrays; these tests build boundaries by hand and check that importing the
modules loads no dolfinx, PETSc or MPI.
"""

import subprocess
import sys

import numpy as np
import pytest

from dendrisim.meshing.remesh.errors import RemeshError
from dendrisim.meshing.remesh.polyline import (
    FEATURE_ANGLE_DEG,
    Chain,
    Sizing,
    crossing_segments,
    region_loops,
    resample,
    signed_area,
)
from dendrisim.meshing.remesh.repair import (
    BoundaryEdges,
    build_chains,
    collapse_short_edges,
    fans,
    free_islands,
    pinch_drops,
    pinch_vertices,
    prepare_chains,
    thin_cell_mask,
)
from dendrisim.meshing.remesh.spacing import chain_thickness, sizing_from_lengths

LI, EL, IFACE, FOIL = 1, 2, 11, 17


def test_repair_modules_load_without_dolfinx():
    code = (
        "import sys\n"
        "import dendrisim.meshing.remesh.repair, dendrisim.meshing.remesh.polyline\n"
        "import dendrisim.meshing.remesh.spacing, dendrisim.meshing.remesh.gmsh_model\n"
        "heavy = ('dolfinx', 'petsc4py', 'mpi4py', 'ufl', 'gmsh')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "", f"loaded: {out.stdout.strip()}"


def test_resample_straight_line_exact_and_fitting_polyline_unchanged():
    line = np.column_stack([np.linspace(0.0, 1.0, 5), np.zeros(5)])
    fine = resample(line, np.full(5, 0.05))
    assert len(fine) == 21
    np.testing.assert_allclose(fine[:, 1], 0.0, atol=1e-15)
    np.testing.assert_allclose(np.diff(fine[:, 0]), 0.05, rtol=1e-9)
    # spacing already right: the very same points come back
    same = resample(line, np.full(5, 0.25))
    np.testing.assert_allclose(same, line, atol=1e-15)


def test_resample_keeps_corners_and_arc_to_second_order():
    corner = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    out = resample(corner, np.full(3, 0.3))
    assert np.min(np.linalg.norm(out - [1.0, 0.0], axis=1)) < 1e-14
    assert FEATURE_ANGLE_DEG < 90
    errs = []
    for h in (0.1, 0.05):
        th = np.linspace(0.0, np.pi / 2, 400)  # a quarter circle, fine polyline
        arc = np.column_stack([np.cos(th), np.sin(th)])
        new = resample(arc, np.full(len(arc), h))
        r = np.linalg.norm(new, axis=1)
        np.testing.assert_allclose(r, 1.0, atol=1e-4)  # the points lie on the polyline
        poly = np.vstack([[0.0, 0.0], new])
        area = 0.5 * abs(
            np.sum(poly[:, 0] * np.roll(poly[:, 1], -1) - np.roll(poly[:, 0], -1) * poly[:, 1])
        )
        errs.append(abs(area - np.pi / 4) / (np.pi / 4))
    assert errs[1] < 1e-3
    assert np.log2(errs[0] / errs[1]) > 1.7  # O(h^2)


def _edges(segments, tag=11, left=1, right=2):
    """BoundaryEdges from ((id0, (x0, y0)), (id1, (x1, y1))) pairs."""
    v = np.array([[a[0], b[0]] for a, b in segments])
    x = np.array([[a[1], b[1]] for a, b in segments], dtype=float)
    n = len(segments)
    return BoundaryEdges(
        v=v, x=x, tag=np.full(n, tag), left=np.full(n, left), right=np.full(n, right)
    )


def test_collapse_short_edges_merges_a_cusp():
    pts = [(0, (0.0, 0.0)), (1, (1.0, 0.0)), (2, (1.0 + 1e-7, 1e-7)), (3, (2.0, 0.0))]
    edges = _edges(list(zip(pts[:-1], pts[1:], strict=True)))
    out = collapse_short_edges(edges, 1e-3)
    assert len(out.v) == 2 and out.merged == {1: {1, 2}}
    chains = build_chains(out)
    assert len(chains) == 1 and chains[0].ids == [0, 1, 3]


def test_pinch_vertex_found_where_a_region_touches_itself():
    # two triangles of region 1 touching at vertex 0 (a figure eight): two loops leave 0
    a = [(0, (0.0, 0.0)), (1, (1.0, 0.0)), (2, (1.0, 1.0))]
    b = [(0, (0.0, 0.0)), (3, (-1.0, 0.0)), (4, (-1.0, -1.0))]
    segs = [(a[0], a[1]), (a[1], a[2]), (a[2], a[0]), (b[0], b[1]), (b[1], b[2]), (b[2], b[0])]
    edges = _edges(segs, left=1, right=2)
    assert pinch_vertices(edges, [1]) == [0]
    assert pinch_vertices(_edges(segs[:3]), [1]) == []


def _loop(points, tag=IFACE, left=LI, right=EL, first_id=0):
    """BoundaryEdges of a closed polygon (counter-clockwise: ``left`` inside)."""
    n = len(points)
    ids = [first_id + i for i in range(n)]
    segs = [((ids[i], points[i]), (ids[(i + 1) % n], points[(i + 1) % n])) for i in range(n)]
    return _edges(segs, tag=tag, left=left, right=right)


def _concat(*parts):
    return BoundaryEdges(
        v=np.concatenate([p.v for p in parts]),
        x=np.concatenate([p.x for p in parts]),
        tag=np.concatenate([p.tag for p in parts]),
        left=np.concatenate([p.left for p in parts]),
        right=np.concatenate([p.right for p in parts]),
    )


def _slab(thickness=0.1, length=1.0, n=10):
    """A Li slab [0, length] x [0, thickness] on a foil: interface on top and sides."""
    xs = np.linspace(0.0, length, n + 1)
    bottom = [(i, (x, 0.0)) for i, x in enumerate(xs)]
    top = [(100 + i, (x, thickness)) for i, x in enumerate(xs)][::-1]
    foil = _edges(list(zip(bottom[:-1], bottom[1:], strict=True)), tag=FOIL, left=LI, right=-1)
    wall = [bottom[-1]] + top + [bottom[0]]
    surface = _edges(list(zip(wall[:-1], wall[1:], strict=True)), tag=IFACE, left=LI, right=EL)
    return _concat(foil, surface)


def test_build_chains_split_at_group_changes_and_corners():
    chains = build_chains(_slab())
    # foil, right side, top, left side: the corners (90 degrees) and the group change split
    assert len(chains) == 4
    assert sorted(len(c.ids) for c in chains) == [2, 2, 11, 11]
    for c in chains:  # the sides are those seen along the chain (ids[0] -> ids[1])
        t = c.pts[1] - c.pts[0]
        probe = 0.5 * (c.pts[0] + c.pts[1]) + 0.01 * np.array([-t[1], t[0]]) / np.linalg.norm(t)
        in_li = 0.0 < probe[0] < 1.0 and 0.0 < probe[1] < 0.1
        assert (c.left == LI) == in_li
        assert {c.left, c.right} == ({LI, -1} if c.tag == FOIL else {LI, EL})
    top = next(c for c in chains if c.tag == IFACE and len(c.ids) == 11)
    np.testing.assert_allclose(top.pts[:, 1], 0.1)


def test_build_chains_closed_loop_without_junction():
    th = np.linspace(0.0, 2 * np.pi, 40, endpoint=False)
    edges = _loop([(np.cos(t), np.sin(t)) for t in th])
    chains = build_chains(edges)
    assert len(chains) == 1
    assert chains[0].ids[0] == chains[0].ids[-1] and len(chains[0].ids) == 41


def test_chain_thickness_is_the_distance_across_the_solid():
    chains = build_chains(_slab(thickness=0.1))
    thick = chain_thickness(chains, [IFACE], h_ref=0.1)
    for c, t in zip(chains, thick, strict=True):
        if c.tag == FOIL:
            assert np.all(np.isinf(t))  # not a receding surface
        elif len(c.ids) == 11:  # the top: a ray down meets the foil
            np.testing.assert_allclose(t[1:-1], 0.1, rtol=1e-5)


def test_thin_cell_mask_marks_thin_li_only():
    edges = _slab(thickness=0.1)
    centres = np.array([[0.5, 0.05], [0.2, 0.03], [0.5, 0.5]])
    regions = np.array([LI, LI, EL])
    assert thin_cell_mask(edges, [IFACE], 0.2, centres, regions).tolist() == [True, True, False]
    # thicker than the threshold: nothing goes
    assert not thin_cell_mask(edges, [IFACE], 0.05, centres, regions).any()
    # no receding surface at all: nothing goes
    assert not thin_cell_mask(edges, [99], 0.2, centres, regions).any()


def test_fans_and_pinch_drops_keep_the_largest_fan():
    big = (100, LI, (0, 1, 2), 0.5)
    big2 = (102, LI, (0, 2, 5), 0.4)  # shares the edge 0-2 with ``big``: the same fan
    small = (101, LI, (0, 3, 4), 0.2)
    assert len(fans([big, big2, small])) == 2
    group = {0: {0}}
    assert pinch_drops([big, big2, small], [0], [], group) == {101}
    assert pinch_drops([big, big2], [0], [], group) == set()
    # the electrolyte touches itself at 0: the smallest solid fan goes
    assert pinch_drops([big, big2], [0], [0], group) == {100, 102}
    # a merged vertex counts for its group
    assert pinch_drops([big, small], [7], [], {7: {7, 0}}) == {101}


def test_free_islands_dropped_only_when_tiny_and_free():
    square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
    tiny = [(5.0, 5.0), (5.01, 5.0), (5.0, 5.01)]
    chains = build_chains(_concat(_loop(square), _loop(tiny, first_id=10)))
    for c in chains:
        c.new_pts = c.pts
    drop = free_islands(chains, {LI: "lithium"}, tiny_um2=1e-3)
    # the tiny triangle's three sides (its corners are junctions), not the unit square's
    assert len(drop) == 3
    assert all(np.all(chains[i].pts >= 5.0) for i in drop)
    loops = region_loops(chains, LI)
    assert sorted(round(signed_area(p), 6) for _, p in loops) == [5e-5, 1.0]


def test_crossing_segments_found_and_touching_ends_ignored():
    def chain(pts, ids):
        return Chain(
            ids=ids, pts=np.array(pts), tag=IFACE, left=LI, right=EL, new_pts=np.array(pts)
        )

    cross = [chain([(0.0, 0.0), (1.0, 1.0)], [0, 1]), chain([(0.0, 1.0), (1.0, 0.0)], [2, 3])]
    found = crossing_segments(cross)
    assert len(found) == 1
    np.testing.assert_allclose(found[0][0], [0.5, 0.5])
    touch = [chain([(0.0, 0.0), (1.0, 1.0)], [0, 1]), chain([(1.0, 1.0), (2.0, 0.0)], [1, 2])]
    assert crossing_segments(touch) == []


def test_prepare_chains_resamples_and_keeps_area():
    sizing = sizing_from_lengths(np.array([0.25, 0.25, 0.5]), np.array([True, True, False]))
    assert (sizing.h_interface, sizing.h_bulk) == (0.25, 0.5)
    square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
    chains, sizes, old = prepare_chains(_loop(square), 1e-6, [IFACE], sizing, {LI: "lithium"})
    assert old == {LI: pytest.approx(1.0)}
    assert len(chains) == 4 and len(sizes) == 4
    for c in chains:  # each unit side resampled to the interface size 0.25
        np.testing.assert_allclose(np.linalg.norm(np.diff(c.new_pts, axis=0), axis=1), 0.25)


def test_prepare_chains_refuses_a_folded_boundary():
    # a bow tie: the polygon crosses itself between (1, 0)-(0, 1) and (0, 0)-(1, 1)
    bow = [(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)]
    sizing = Sizing(h_interface=2.0, h_bulk=2.0, h_min=0.1)
    with pytest.raises(RemeshError, match="cross each other"):
        prepare_chains(_loop(bow), 1e-6, [IFACE], sizing, {})
