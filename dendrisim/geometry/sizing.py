"""Mesh size fields: fine at the interface, graded to coarse in the bulk, tip boxes."""

from __future__ import annotations

import math

import gmsh

from dendrisim.geometry.spec import ELEMENTS_PER_SEI, ELEMENTS_PER_SEI_3D, Layout

GRADING_2D = 0.2  # size growth per unit distance (dimensionless slope) in 2D
GRADING_3D = 0.3  # and in 3D


def _tip_fields(lay: Layout, dist: int, grade: float) -> list[int]:
    """Half the interface size on the interface near each tip (within 1.5 tip radii).

    The size grows with the distance to the interface and with the distance beyond
    that ball, so only a thin band along the tip's surface is refined.
    """
    fld = gmsh.model.mesh.field
    h, t, out = lay.h_interface_um, lay.sei_thickness_um, []
    for d in lay.dendrites:
        r = d.kind.tip_radius_um(d)
        ball = 1.5 * (r + t)
        top = d.length_um + t
        if lay.dim == 3:
            to_tip = f"Sqrt((x - {d.x_um})^2 + (y - {d.y_um})^2 + (z - {top})^2)"
        else:
            to_tip = f"Sqrt((x - {d.x_um})^2 + (y - {top})^2)"
        me = fld.add("MathEval")
        fld.setString(
            me,
            "F",
            f"{0.5 * h} + {grade} * Max(F{dist} - {0.25 * h}, 0) + "
            f"{grade} * Max({to_tip} - {ball}, 0)",
        )
        out.append(me)
    return out


def _sampling(lay: Layout, facets: list[int]) -> int:
    """Distance-field samples per curve (2D) or per surface direction (3D).

    About two per interface element along the largest facet.
    """
    ext = 0.0
    for f in facets:
        b = gmsh.model.getBoundingBox(lay.dim - 1, f)
        ext = max(ext, math.dist(b[:3], b[3:]))
    n = math.ceil(2.0 * ext / lay.h_interface_um)
    return max(20, min(n, 400 if lay.dim == 3 else 20000))


def graded_threshold(dist: int, h0: float, h_max: float, grade: float) -> int:
    """Gmsh Threshold field on the distance field ``dist``; returns the field tag.

    Size h0 within h0/2 of the facets, growing by ``grade`` per unit distance up to
    h_max [µm].
    """
    fld = gmsh.model.mesh.field
    thr = fld.add("Threshold")
    fld.setNumber(thr, "InField", dist)
    fld.setNumber(thr, "SizeMin", h0)
    fld.setNumber(thr, "SizeMax", h_max)
    fld.setNumber(thr, "DistMin", 0.5 * h0)
    fld.setNumber(thr, "DistMax", 0.5 * h0 + (h_max - h0) / grade)
    return thr


def set_background_min(fields: list[int], h_default: float) -> None:
    """Background size = the minimum of ``fields`` (or ``h_default`` [µm] if none)."""
    fld = gmsh.model.mesh.field
    if not fields:
        const = fld.add("MathEval")
        fld.setString(const, "F", repr(h_default))
        fields = [const]
    mn = fld.add("Min")
    fld.setNumbers(mn, "FieldsList", fields)
    fld.setAsBackgroundMesh(mn)


def _graded(lay: Layout, dist: int, grade: float) -> int:
    """Size h0 + grade * distance, capped at h_bulk.

    h0 = h_interface, or the shape's own interface size expression where it has one
    (a cone tapers it with the local radius from the tip).
    """
    fld = gmsh.model.mesh.field
    h_i, h_b = lay.h_interface_um, lay.h_bulk_um
    z = "z" if lay.dim == 3 else "y"
    tapered = [
        (d, h0) for d in lay.dendrites if (h0 := d.kind.interface_size_expr(d, z, h_i)) is not None
    ]
    if not tapered:
        return graded_threshold(dist, h_i, h_b, grade)
    # dendrites of a forest share one taper (the finest), which is conservative
    _, h0 = min(tapered, key=lambda dh: dh[0].min_radius_um)
    if lay.sei:  # keep the SEI shell resolved all along the flank
        per = ELEMENTS_PER_SEI_3D if lay.dim == 3 else ELEMENTS_PER_SEI
        h0 = f"Min({lay.sei_thickness_um / per}, {h0})"
    expr = f"Min({h_b}, {h0} + {grade} * Max(F{dist} - {0.5 * h_i}, 0))"
    me = fld.add("MathEval")
    fld.setString(me, "F", expr)
    return me


def apply_sizing(lay: Layout, refine_facets: list[int]) -> None:
    """Install the background size field and the meshing options on the current model.

    ``refine_facets`` are the facet entities (curves in 2D, surfaces in 3D) next to
    which the size is ``h_interface_um``; it grows linearly with the distance to
    ``h_bulk_um``.
    """
    fld = gmsh.model.mesh.field
    h_b = lay.h_bulk_um
    grade = GRADING_3D if lay.dim == 3 else GRADING_2D
    fields = []
    if refine_facets:
        dist = fld.add("Distance")
        key = "SurfacesList" if lay.dim == 3 else "CurvesList"
        fld.setNumbers(dist, key, refine_facets)
        fld.setNumber(dist, "Sampling", _sampling(lay, refine_facets))
        fields.append(_graded(lay, dist, grade))
        if lay.tip_refinement:
            fields += _tip_fields(lay, dist, grade)
    set_background_min(fields, h_b)
    opt = gmsh.option.setNumber
    opt("Mesh.MeshSizeExtendFromBoundary", 0)
    opt("Mesh.MeshSizeFromPoints", 0)
    opt("Mesh.MeshSizeFromCurvature", 0)
    opt("Mesh.MeshSizeMax", h_b)
    opt("Mesh.Algorithm", 6)  # Frontal-Delaunay for 2D and surfaces
    if lay.dim == 3:  # MeshAdapt copes with the poles of spherical surfaces
        for _, tag in gmsh.model.getEntities(2):
            if gmsh.model.getType(2, tag) == "Sphere":
                gmsh.model.mesh.setAlgorithm(2, tag, 1)
    opt("Mesh.Algorithm3D", 1)  # Delaunay
    opt("Mesh.Optimize", 1)
    opt("Mesh.OptimizeNetgen", 1 if lay.dim == 3 else 0)
    opt("Mesh.ElementOrder", 1)
    opt("Mesh.SaveAll", 0)
