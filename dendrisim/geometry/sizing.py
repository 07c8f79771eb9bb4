"""Mesh size fields: fine at the interface, graded to coarse in the bulk, tip boxes."""

from __future__ import annotations

import math

import gmsh

from dendrisim import shapes
from dendrisim.geometry.spec import ELEMENTS_PER_SEI, ELEMENTS_PER_SEI_3D, Layout

GRADING_2D = 0.2  # size growth per unit distance (dimensionless slope) in 2D
GRADING_3D = 0.3  # and in 3D


def _tip_box(lay: Layout) -> list[int]:
    """Box fields of half the interface size around each dendrite's tip."""
    fld = gmsh.model.mesh.field
    h, out = lay.h_interface_um, []
    for d in lay.dendrites:
        r = d.tip_r_um if d.shape == "cone" else d.outer_radius_um
        if shapes._canon(d.shape) == "mushroom":
            r = 0.5 * d.head_d_um
        r += lay.sei_thickness_um
        top = d.length_um + lay.sei_thickness_um
        b = fld.add("Box")
        fld.setNumber(b, "VIn", 0.5 * h)
        fld.setNumber(b, "VOut", lay.h_bulk_um)
        fld.setNumber(b, "XMin", d.x_um - 1.5 * r)
        fld.setNumber(b, "XMax", d.x_um + 1.5 * r)
        fld.setNumber(b, "YMin", top - 2.0 * r if lay.dim == 2 else d.y_um - 1.5 * r)
        fld.setNumber(b, "YMax", top + 0.5 * r if lay.dim == 2 else d.y_um + 1.5 * r)
        fld.setNumber(b, "ZMin", -1.0 if lay.dim == 2 else top - 2.0 * r)
        fld.setNumber(b, "ZMax", 1.0 if lay.dim == 2 else top + 0.5 * r)
        fld.setNumber(b, "Thickness", 4.0 * r)
        out.append(b)
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


def _graded(lay: Layout, dist: int, grade: float) -> int:
    """Size h0 + grade * distance, capped at h_bulk.

    h0 = h_interface, or for cones the local radius over the elements-per-radius count
    (tapering from the tip).
    """
    fld = gmsh.model.mesh.field
    h_i, h_b = lay.h_interface_um, lay.h_bulk_um
    cones = [d for d in lay.dendrites if d.shape == "cone"]
    if not cones:
        thr = fld.add("Threshold")
        fld.setNumber(thr, "InField", dist)
        fld.setNumber(thr, "SizeMin", h_i)
        fld.setNumber(thr, "SizeMax", h_b)
        fld.setNumber(thr, "DistMin", 0.5 * h_i)
        fld.setNumber(thr, "DistMax", 0.5 * h_i + (h_b - h_i) / grade)
        return thr
    # cones of a forest share one taper (the finest), which is conservative
    d = min(cones, key=lambda c: c.tip_r_um)
    z = "z" if lay.dim == 3 else "y"
    r_t, r_0, top = d.tip_r_um, d.radius_um, d.length_um - d.tip_r_um
    per_r = r_t / h_i  # elements per radius at the tip
    local_r = f"({r_0} - ({r_0} - {r_t}) * Min(Max({z} / {top}, 0), 1))"
    h0 = f"Max({h_i}, {local_r} / {per_r})"
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
    else:
        const = fld.add("MathEval")
        fld.setString(const, "F", repr(h_b))
        fields.append(const)
    if lay.tip_refinement:
        fields += _tip_box(lay)
    mn = fld.add("Min")
    fld.setNumbers(mn, "FieldsList", fields)
    fld.setAsBackgroundMesh(mn)
    opt = gmsh.option.setNumber
    opt("Mesh.MeshSizeExtendFromBoundary", 0)
    opt("Mesh.MeshSizeFromPoints", 0)
    opt("Mesh.MeshSizeFromCurvature", 0)
    opt("Mesh.MeshSizeMax", h_b)
    # 2D: Frontal-Delaunay; 3D surfaces: MeshAdapt, which copes with the sphere poles
    opt("Mesh.Algorithm", 1 if lay.dim == 3 else 6)
    opt("Mesh.Algorithm3D", 1)  # Delaunay
    opt("Mesh.Optimize", 1)
    opt("Mesh.OptimizeNetgen", 1 if lay.dim == 3 else 0)
    opt("Mesh.ElementOrder", 1)
    opt("Mesh.SaveAll", 0)
