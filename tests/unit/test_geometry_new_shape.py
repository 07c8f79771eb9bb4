"""A new shape is one class and one registration: a toy ellipsoid, meshed and measured.

This file is the whole example (docs/architecture.md, "add a new shape"): nothing else in
the package changes for the shape to be validated, laid out, built, meshed and measured.
"""

from __future__ import annotations

import math

import pytest

from dendrisim import load_case
from dendrisim.geometry import shapes
from dendrisim.geometry.generator import generate


class Ellipsoid(shapes.Shape):
    """Half a prolate spheroid standing on the foil: semi-axes D/2 across and L up."""

    name = "ellipsoid"

    def volume_um3(self, d, isolated=False):
        return 2.0 / 3.0 * math.pi * d.radius_um**2 * d.length_um

    def interface_area_um2(self, d, isolated=False):
        a, c = d.radius_um, d.length_um
        e = math.sqrt(1.0 - (a / c) ** 2)  # eccentricity of the meridian
        return math.pi * a**2 * (1.0 + c / (a * e) * math.asin(e))

    def min_radius_um(self, d):
        return d.radius_um**2 / d.length_um  # radius of curvature at the tip

    def check(self, d, on_substrate):
        if d.length_um <= d.radius_um:
            return f"geometry.length_um = {d.length_um:g} µm: a prolate ellipsoid needs L > D/2"
        return None

    def body_2d(self, d):  # a disk stretched along y (the height in 2D)
        import gmsh

        tag = gmsh.model.occ.addDisk(d.x_um, 0, 0, d.radius_um, d.radius_um)
        gmsh.model.occ.dilate([(2, tag)], d.x_um, 0, 0, 1, d.length_um / d.radius_um, 1)
        return [tag]

    def body_3d(self, d):  # a sphere stretched along z; the foil below z = 0 is clipped
        import gmsh

        tag = gmsh.model.occ.addSphere(d.x_um, d.y_um, 0, d.radius_um)
        gmsh.model.occ.dilate([(3, tag)], d.x_um, d.y_um, 0, 1, 1, d.length_um / d.radius_um)
        return [tag]


@pytest.fixture
def ellipsoid():
    shapes.register(Ellipsoid)
    yield
    shapes.unregister("ellipsoid")


def test_registered_shape_is_meshed_and_matches_its_analytic_values(ellipsoid):
    over = {"geometry.shape": "ellipsoid", "geometry.length_um": 0.6, "geometry.diameter_um": 0.3}
    rep = generate(load_case("fig5-routine", over))
    assert rep.shape == "ellipsoid" and rep.formulation == "axisymmetric"
    assert rep.li_volume_analytic_um3 == pytest.approx(2 / 3 * math.pi * 0.15**2 * 0.6)
    assert rep.li_volume_rel_error < 0.005, rep
    assert rep.interface_area_rel_error < 0.005, rep
    assert rep.quality_gamma_min >= 0.3, rep
