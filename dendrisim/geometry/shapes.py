"""Analytic dendrite shapes: volume and interface area (pure Python, no gmsh).

All lengths in micrometres (the case-file unit for geometry); z = 0 is the substrate
top plane, the dendrite grows along +z.  The Li body of a shape is the part above
z = 0; its interface area excludes the footprint on the substrate.

Shape definitions (axisymmetric profiles, revolved about the z axis):

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

SHAPES = ("needle", "cone", "mushroom", "mossy", "sphere", "flat")


def default_tip_radius_um(diameter_um: float) -> float:
    """Cone tip radius when not given: a tenth of the base diameter [µm]."""
    return 0.1 * diameter_um


def default_head_diameter_um(diameter_um: float) -> float:
    """Mushroom head diameter when not given: twice the stalk diameter [µm]."""
    return 2.0 * diameter_um


def _canon(shape: str) -> str:
    return "mushroom" if shape == "mossy" else shape


def volume_um3(
    shape: str,
    length_um: float,
    diameter_um: float,
    tip_radius_um: float | None = None,
    head_diameter_um: float | None = None,
    isolated: bool = False,
) -> float:
    """Li volume above the substrate plane [µm^3] (whole body if ``isolated``)."""
    shape, L, R = _canon(shape), length_um, 0.5 * diameter_um
    if shape == "flat":
        return 0.0
    if shape == "needle":
        return math.pi * R**2 * (L - R) + 2.0 / 3.0 * math.pi * R**3
    if shape == "cone":
        rt = tip_radius_um if tip_radius_um is not None else default_tip_radius_um(diameter_um)
        h = L - rt
        return math.pi * h / 3.0 * (R**2 + R * rt + rt**2) + 2.0 / 3.0 * math.pi * rt**3
    if shape == "mushroom":
        dh = (
            head_diameter_um
            if head_diameter_um is not None
            else default_head_diameter_um(diameter_um)
        )
        rh = 0.5 * dh
        root = math.sqrt(rh**2 - R**2)
        z_entry = (L - rh) - root
        cap = rh - root  # the head's cap below z_entry lies inside the stalk: count it once
        return (
            math.pi * R**2 * z_entry
            + 4.0 / 3.0 * math.pi * rh**3
            - (math.pi * cap**2 * (3.0 * rh - cap) / 3.0)
        )
    if shape == "sphere":
        if isolated or L >= 2 * R:
            return 4.0 / 3.0 * math.pi * R**3
        return math.pi * L**2 * (3 * R - L) / 3.0
    raise ValueError(f"unknown shape {shape!r}; allowed: {', '.join(SHAPES)}")


def interface_area_um2(
    shape: str,
    length_um: float,
    diameter_um: float,
    tip_radius_um: float | None = None,
    head_diameter_um: float | None = None,
    isolated: bool = False,
) -> float:
    """Li/electrolyte area of the dendrite above the substrate plane [µm^2].

    The footprint on the substrate is excluded; the substrate top itself is not part
    of this number.
    """
    shape, L, R = _canon(shape), length_um, 0.5 * diameter_um
    if shape == "flat":
        return 0.0
    if shape == "needle":
        return 2.0 * math.pi * R * (L - R) + 2.0 * math.pi * R**2
    if shape == "cone":
        rt = tip_radius_um if tip_radius_um is not None else default_tip_radius_um(diameter_um)
        h = L - rt
        return math.pi * (R + rt) * math.hypot(R - rt, h) + 2.0 * math.pi * rt**2
    if shape == "mushroom":
        dh = (
            head_diameter_um
            if head_diameter_um is not None
            else default_head_diameter_um(diameter_um)
        )
        rh = 0.5 * dh
        root = math.sqrt(rh**2 - R**2)
        z_entry = (L - rh) - root
        cap_inside_stalk = 2.0 * math.pi * rh * (rh - root)
        return 2.0 * math.pi * R * z_entry + 4.0 * math.pi * rh**2 - cap_inside_stalk
    if shape == "sphere":
        if isolated or L >= 2 * R:
            return 4.0 * math.pi * R**2
        return 2.0 * math.pi * R * L
    raise ValueError(f"unknown shape {shape!r}; allowed: {', '.join(SHAPES)}")


def _head_um(diameter_um: float, head_diameter_um: float | None) -> float:
    return 0.5 * (
        head_diameter_um if head_diameter_um is not None else default_head_diameter_um(diameter_um)
    )


def section_area_um2(
    shape: str,
    length_um: float,
    diameter_um: float,
    tip_radius_um: float | None = None,
    head_diameter_um: float | None = None,
    isolated: bool = False,
) -> float:
    """Area of the full planar section (the 2D profile, both halves) above z = 0 [µm^2].

    This is the Li "volume" per unit depth of the ``planar`` formulation: the same
    profiles as above, not revolved (needle: rectangle + half disk, cone: trapezoid +
    half disk, mushroom: stalk rectangle + disk, sphere: disk or circular segment).
    """
    shape, L, R = _canon(shape), length_um, 0.5 * diameter_um
    if shape == "flat":
        return 0.0
    if shape == "needle":
        return 2.0 * R * (L - R) + 0.5 * math.pi * R**2
    if shape == "cone":
        rt = tip_radius_um if tip_radius_um is not None else default_tip_radius_um(diameter_um)
        return (R + rt) * (L - rt) + 0.5 * math.pi * rt**2
    if shape == "mushroom":
        rh = _head_um(diameter_um, head_diameter_um)
        root = math.sqrt(rh**2 - R**2)
        z_entry = (L - rh) - root
        segment = rh**2 * math.acos(root / rh) - root * R  # head below z_entry, in the stalk
        return 2.0 * R * z_entry + math.pi * rh**2 - segment
    if shape == "sphere":
        if isolated or L >= 2 * R:
            return math.pi * R**2
        return R**2 * math.acos((R - L) / R) - (R - L) * math.sqrt(2 * R * L - L**2)
    raise ValueError(f"unknown shape {shape!r}; allowed: {', '.join(SHAPES)}")


def section_perimeter_um(
    shape: str,
    length_um: float,
    diameter_um: float,
    tip_radius_um: float | None = None,
    head_diameter_um: float | None = None,
    isolated: bool = False,
) -> float:
    """Boundary length of the full planar section above z = 0, footprint excluded [µm].

    The interface "area" per unit depth of the ``planar`` formulation.
    """
    shape, L, R = _canon(shape), length_um, 0.5 * diameter_um
    if shape == "flat":
        return 0.0
    if shape == "needle":
        return 2.0 * (L - R) + math.pi * R
    if shape == "cone":
        rt = tip_radius_um if tip_radius_um is not None else default_tip_radius_um(diameter_um)
        return 2.0 * math.hypot(R - rt, L - rt) + math.pi * rt
    if shape == "mushroom":
        rh = _head_um(diameter_um, head_diameter_um)
        z_entry = (L - rh) - math.sqrt(rh**2 - R**2)
        return 2.0 * z_entry + rh * (2.0 * math.pi - 2.0 * math.asin(R / rh))
    if shape == "sphere":
        if isolated or L >= 2 * R:
            return 2.0 * math.pi * R
        return 2.0 * R * math.acos((R - L) / R)
    raise ValueError(f"unknown shape {shape!r}; allowed: {', '.join(SHAPES)}")


def diameter_for_volume_um(
    shape: str,
    aspect_ratio: float,
    volume: float,
    tip_radius_um: float | None = None,
    head_diameter_um: float | None = None,
    isolated: bool = False,
) -> float:
    """Diameter D [µm] such that the shape with L = aspect_ratio * D has ``volume`` [µm^3].

    The volume grows monotonically with D at fixed L/D, so bisection is robust.  A given
    tip radius or head diameter is held fixed; their defaults scale with D.
    """

    def f(d: float) -> float:
        return (
            volume_um3(shape, aspect_ratio * d, d, tip_radius_um, head_diameter_um, isolated)
            - volume
        )

    lo, hi = 1e-12, 1.0
    while f(hi) < 0:
        hi *= 2.0
        if hi > 1e12:
            raise ValueError("no diameter gives this volume")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15 * hi:
            break
    return 0.5 * (lo + hi)
