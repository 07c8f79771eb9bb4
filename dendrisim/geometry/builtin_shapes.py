"""The built-in dendrite shapes: needle, cone, mushroom (alias mossy), sphere, flat.

Each class owns its analytic measures, gmsh (OpenCASCADE) body, sizing particulars and
consistency checks (see :class:`dendrisim.geometry.shapes.Shape`); ``@register`` makes
it known by name.  Lengths in µm; z = 0 is the foil top, the dendrite grows along +z.
Loaded by :mod:`dendrisim.geometry.shapes` the first time the registry is read.

needle   cylinder of radius R = D/2 from z = 0 to L - R, hemispherical cap to z = L.
cone     frustum from radius R at z = 0 to the tip radius r_t at z = L - r_t, then a
         hemispherical cap of radius r_t (tip at z = L).
mushroom stalk cylinder of radius R up to a spherical head of diameter D_h whose top is
         at z = L (the union of both; the stalk's side ends at z_entry where it meets
         the head).  ``mossy`` is an alias.
sphere   sphere of diameter D with its top at z = L: L = D/2 is a hemispherical bump,
         L < D a spherical segment on the substrate (sunk into the foil: the
         geometry needs L <= 0.9 D for a meshable contact neck); without a substrate the whole
         sphere is an isolated particle (L is then only its position).
flat     no dendrite (a planar Li reference): volume and area 0.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import override

from dendrisim.geometry.shapes import Dendrite, Shape, register


def gmsh_occ():
    """The gmsh OpenCASCADE kernel (gmsh imported on first use)."""
    import gmsh

    return gmsh.model.occ


def trapezoid(x: float, r0: float, r1: float, h: float) -> int:
    """A planar trapezoid: half-width r0 at y = 0, r1 at y = h, centred on x (a tag)."""
    occ = gmsh_occ()
    pts = [
        occ.addPoint(x - r0, 0, 0),
        occ.addPoint(x + r0, 0, 0),
        occ.addPoint(x + r1, h, 0),
        occ.addPoint(x - r1, h, 0),
    ]
    lines = [occ.addLine(pts[i], pts[(i + 1) % 4]) for i in range(4)]
    return occ.addPlaneSurface([occ.addCurveLoop(lines)])


@register
class Needle(Shape):
    """Cylinder of radius D/2 with a hemispherical cap, tip at z = L."""

    name = "needle"

    @override
    def volume_um3(self, d, isolated=False):
        L, R = d.length_um, d.radius_um
        return math.pi * R**2 * (L - R) + 2.0 / 3.0 * math.pi * R**3

    @override
    def interface_area_um2(self, d, isolated=False):
        L, R = d.length_um, d.radius_um
        return 2.0 * math.pi * R * (L - R) + 2.0 * math.pi * R**2

    @override
    def section_area_um2(self, d, isolated=False):
        L, R = d.length_um, d.radius_um
        return 2.0 * R * (L - R) + 0.5 * math.pi * R**2

    @override
    def section_perimeter_um(self, d, isolated=False):
        L, R = d.length_um, d.radius_um
        return 2.0 * (L - R) + math.pi * R

    @override
    def check(self, d, on_substrate):
        L, D = d.length_um, d.diameter_um
        if L < D:
            return (
                f"geometry.length_um = {L:g} µm is shorter than geometry.diameter_um = {D:g} µm:"
                ' a needle needs L >= D (L/D >= 1); use shape = "sphere" for a bump'
            )
        return None

    @override
    def body_2d(self, d):
        occ, x, L, R = gmsh_occ(), d.x_um, d.length_um, d.radius_um
        return [occ.addRectangle(x - R, 0, 0, 2 * R, L - R), occ.addDisk(x, L - R, 0, R, R)]

    @override
    def body_3d(self, d):
        occ, x, y, L, R = gmsh_occ(), d.x_um, d.y_um, d.length_um, d.radius_um
        return [occ.addCylinder(x, y, 0, 0, 0, L - R, R), occ.addSphere(x, y, L - R, R)]


@register
class Cone(Shape):
    """Frustum from radius D/2 to the tip radius, hemispherical tip cap at z = L."""

    name = "cone"

    @override
    def tip_radius_um(self, d):
        """Tip radius: ``tip_radius_um``, default a tenth of the base diameter [µm]."""
        return d.tip_radius_um if d.tip_radius_um is not None else 0.1 * d.diameter_um

    min_radius_um = tip_radius_um

    @override
    def volume_um3(self, d, isolated=False):
        R, rt = d.radius_um, self.tip_radius_um(d)
        h = d.length_um - rt
        return math.pi * h / 3.0 * (R**2 + R * rt + rt**2) + 2.0 / 3.0 * math.pi * rt**3

    @override
    def interface_area_um2(self, d, isolated=False):
        R, rt = d.radius_um, self.tip_radius_um(d)
        h = d.length_um - rt
        return math.pi * (R + rt) * math.hypot(R - rt, h) + 2.0 * math.pi * rt**2

    @override
    def section_area_um2(self, d, isolated=False):
        R, rt = d.radius_um, self.tip_radius_um(d)
        return (R + rt) * (d.length_um - rt) + 0.5 * math.pi * rt**2

    @override
    def section_perimeter_um(self, d, isolated=False):
        R, rt = d.radius_um, self.tip_radius_um(d)
        return 2.0 * math.hypot(R - rt, d.length_um - rt) + math.pi * rt

    @override
    def grown(self, d, t_um):
        """Offset surface; along the flank the normal thickness is t·cos(half-angle)."""
        return replace(super().grown(d, t_um), tip_radius_um=self.tip_radius_um(d) + t_um)

    @override
    def check(self, d, on_substrate):
        L, R, rt = d.length_um, d.radius_um, self.tip_radius_um(d)
        if rt >= R:
            return (
                f"geometry.tip_radius_um = {rt:g} µm must be smaller than the base radius "
                f"diameter_um/2 = {R:g} µm"
            )
        if L <= rt:
            return f"geometry.length_um = {L:g} µm must exceed the cone tip radius {rt:g} µm"
        return None

    @override
    def body_2d(self, d):
        x, L, R, rt = d.x_um, d.length_um, d.radius_um, self.tip_radius_um(d)
        return [trapezoid(x, R, rt, L - rt), gmsh_occ().addDisk(x, L - rt, 0, rt, rt)]

    @override
    def body_3d(self, d):
        occ, x, y, L, R = gmsh_occ(), d.x_um, d.y_um, d.length_um, d.radius_um
        rt = self.tip_radius_um(d)
        return [occ.addCone(x, y, 0, 0, 0, L - rt, R, rt), occ.addSphere(x, y, L - rt, rt)]

    @override
    def interface_size_expr(self, d, vertical, h_interface_um):
        """The local radius over the elements-per-radius count at the tip (a taper)."""
        r_t, r_0 = self.tip_radius_um(d), d.radius_um
        top = d.length_um - r_t
        per_r = r_t / h_interface_um  # elements per radius at the tip
        local_r = f"({r_0} - ({r_0} - {r_t}) * Min(Max({vertical} / {top}, 0), 1))"
        return f"Max({h_interface_um}, {local_r} / {per_r})"


@register
class Mushroom(Shape):
    """Stalk of diameter D under a spherical head of diameter D_h, top at z = L."""

    name = "mushroom"
    aliases = ("mossy",)

    def head_diameter_um(self, d: Dendrite) -> float:
        """Head diameter: ``head_diameter_um``, default twice the stalk diameter [µm]."""
        return d.head_diameter_um if d.head_diameter_um is not None else 2.0 * d.diameter_um

    def head_radius_um(self, d: Dendrite) -> float:
        """Head radius [µm]."""
        return 0.5 * self.head_diameter_um(d)

    outer_radius_um = head_radius_um

    def _entry(self, d: Dendrite) -> tuple[float, float, float]:
        """Head radius, sqrt(rh^2 - R^2) and z_entry (where the stalk meets the head)."""
        rh, R = self.head_radius_um(d), d.radius_um
        root = math.sqrt(rh**2 - R**2)
        return rh, root, (d.length_um - rh) - root

    @override
    def volume_um3(self, d, isolated=False):
        (rh, root, z_entry), R = self._entry(d), d.radius_um
        cap = rh - root  # the head's cap below z_entry lies inside the stalk: count it once
        return (
            math.pi * R**2 * z_entry
            + 4.0 / 3.0 * math.pi * rh**3
            - (math.pi * cap**2 * (3.0 * rh - cap) / 3.0)
        )

    @override
    def interface_area_um2(self, d, isolated=False):
        (rh, root, z_entry), R = self._entry(d), d.radius_um
        cap_inside_stalk = 2.0 * math.pi * rh * (rh - root)
        return 2.0 * math.pi * R * z_entry + 4.0 * math.pi * rh**2 - cap_inside_stalk

    @override
    def section_area_um2(self, d, isolated=False):
        (rh, root, z_entry), R = self._entry(d), d.radius_um
        segment = rh**2 * math.acos(root / rh) - root * R  # head below z_entry, in the stalk
        return 2.0 * R * z_entry + math.pi * rh**2 - segment

    @override
    def section_perimeter_um(self, d, isolated=False):
        (rh, _, z_entry), R = self._entry(d), d.radius_um
        return 2.0 * z_entry + rh * (2.0 * math.pi - 2.0 * math.asin(R / rh))

    @override
    def grown(self, d, t_um):
        """Exact offset of stalk and head."""
        head = self.head_diameter_um(d) + 2 * t_um
        return replace(super().grown(d, t_um), head_diameter_um=head)

    @override
    def check(self, d, on_substrate):
        L, D, dh = d.length_um, d.diameter_um, self.head_diameter_um(d)
        if dh <= D:
            return (
                f"geometry.head_diameter_um = {dh:g} µm must be larger than the stalk "
                f"diameter_um = {D:g} µm"
            )
        if L <= dh:
            return (
                f"geometry.length_um = {L:g} µm must exceed the head diameter {dh:g} µm "
                "(the stalk needs a length)"
            )
        return None

    @override
    def body_2d(self, d):
        occ, x, L, R, rh = gmsh_occ(), d.x_um, d.length_um, d.radius_um, self.head_radius_um(d)
        return [occ.addRectangle(x - R, 0, 0, 2 * R, L - rh), occ.addDisk(x, L - rh, 0, rh, rh)]

    @override
    def body_3d(self, d):
        occ, x, y, L, R = gmsh_occ(), d.x_um, d.y_um, d.length_um, d.radius_um
        rh = self.head_radius_um(d)
        return [occ.addCylinder(x, y, 0, 0, 0, L - rh, R), occ.addSphere(x, y, L - rh, rh)]


@register
class Sphere(Shape):
    """Sphere of diameter D, top at z = L: a bump or segment in the foil, or a particle."""

    name = "sphere"
    floats_without_substrate = True

    def _whole(self, d: Dendrite, isolated: bool) -> bool:
        return isolated or d.length_um >= 2 * d.radius_um

    @override
    def volume_um3(self, d, isolated=False):
        L, R = d.length_um, d.radius_um
        if self._whole(d, isolated):
            return 4.0 / 3.0 * math.pi * R**3
        return math.pi * L**2 * (3 * R - L) / 3.0

    @override
    def interface_area_um2(self, d, isolated=False):
        L, R = d.length_um, d.radius_um
        return 4.0 * math.pi * R**2 if self._whole(d, isolated) else 2.0 * math.pi * R * L

    @override
    def section_area_um2(self, d, isolated=False):
        L, R = d.length_um, d.radius_um
        if self._whole(d, isolated):
            return math.pi * R**2
        return R**2 * math.acos((R - L) / R) - (R - L) * math.sqrt(2 * R * L - L**2)

    @override
    def section_perimeter_um(self, d, isolated=False):
        L, R = d.length_um, d.radius_um
        return 2.0 * math.pi * R if self._whole(d, isolated) else 2.0 * R * math.acos((R - L) / R)

    @override
    def default_length_um(self, diameter_um, on_substrate):
        """A hemispherical bump on a substrate, else a particle floating one D above."""
        return (0.5 if on_substrate else 2.0) * diameter_um

    @override
    def check(self, d, on_substrate):
        L, D = d.length_um, d.diameter_um
        if on_substrate and L > 0.9 * D:
            return (
                f"geometry.length_um = {L:g} µm is more than 0.9 x the sphere diameter {D:g} µm:"
                " a sphere on a substrate sits in the foil with a contact neck (L <= 0.9 D; "
                "L = D would touch at a single point); set substrate_thickness_um = 0 for an "
                "isolated particle"
            )
        if not on_substrate and L <= D:
            return (
                f"geometry.length_um = {L:g} µm: an isolated sphere (substrate_thickness_um = 0)"
                f" has its top at z = L and must float above z = 0, so L > diameter_um = {D:g}"
                " µm"
            )
        return None

    @override
    def body_2d(self, d):
        L, R = d.length_um, d.radius_um
        return [gmsh_occ().addDisk(d.x_um, L - R, 0, R, R)]

    @override
    def body_3d(self, d):
        return [gmsh_occ().addSphere(d.x_um, d.y_um, d.length_um - d.radius_um, d.radius_um)]


@register
class Flat(Shape):
    """No dendrite: the foil's top is the interface (a planar Li reference)."""

    name = "flat"
    has_body = False

    @override
    def volume_um3(self, d, isolated=False):
        return 0.0

    interface_area_um2 = section_area_um2 = section_perimeter_um = volume_um3

    @override
    def check(self, d, on_substrate):
        if not on_substrate:
            return (
                'geometry.substrate_thickness_um = 0 with shape = "flat": a flat '
                "(substrate-only) geometry needs a substrate thickness > 0"
            )
        return None
