"""3D forest geometry: seeded random L/D and D, spacing, clear errors, the built-in case."""

from __future__ import annotations

import math

import pytest

from dendrisim import api
from dendrisim.config.case import CaseError
from dendrisim.core.errors import GeometryError
from dendrisim.geometry import spec

RANDOM = {
    "geometry.formulation": "3d",
    "geometry.forest.count": 9,
    "geometry.forest.random": True,
    "geometry.forest.seed": 5,
    "geometry.forest.spacing_um": 1.0,
    "geometry.forest.aspect_ratio_min": 1.5,
    "geometry.forest.aspect_ratio_max": 5.0,
    "geometry.forest.diameter_min_um": 0.2,
    "geometry.forest.diameter_max_um": 0.32,
    "geometry.forest.min_gap_um": 0.06,
    "geometry.mesh_size_interface_um": 0.05,
}


def _layout(over):
    return spec.layout(api.load_case("fig5-stable", over).geometry)


def test_random_forest_is_seeded_within_ranges_and_apart():
    lay = _layout(RANDOM)
    assert len(lay.dendrites) == 9 and not lay.cylinder
    assert lay.half_width_um == lay.half_depth_um == 1.5  # 3 x 3 pitches of 1 µm
    for d in lay.dendrites:
        assert 0.2 <= d.diameter_um <= 0.32
        assert 1.5 <= d.length_um / d.diameter_um <= 5.0 + 1e-12
        assert d.length_um < api.load_case("fig5-stable", RANDOM).geometry.electrolyte_height_um
        # the mirror walls: at least the gap from each wall
        r = d.outer_radius_um
        assert abs(d.x_um) + r + 0.06 <= 1.5 + 1e-12 and abs(d.y_um) + r + 0.06 <= 1.5 + 1e-12
    for i, a in enumerate(lay.dendrites):
        for b in lay.dendrites[:i]:
            gap = math.hypot(a.x_um - b.x_um, a.y_um - b.y_um) - a.radius_um - b.radius_um
            assert gap > 0.06
    assert lay == _layout(RANDOM)  # the same seed gives the same forest
    other = _layout({**RANDOM, "geometry.forest.seed": 6})
    assert other.dendrites != lay.dendrites
    sizes = {round(d.diameter_um, 6) for d in lay.dendrites}
    assert len(sizes) == 9  # really random


def test_forest_axes_for_the_observables():
    case = api.load_case("fig5-stable", RANDOM)
    axes = spec.forest_axes_m(case.geometry)
    lay = spec.layout(case.geometry)
    assert len(axes) == 9
    assert axes[0] == pytest.approx(
        (
            lay.dendrites[0].x_um * 1e-6,
            lay.dendrites[0].y_um * 1e-6,
            lay.dendrites[0].outer_radius_um * 1e-6,
        )
    )
    assert spec.forest_axes_m(api.load_case("fig5-stable").geometry) == ()


@pytest.mark.parametrize(
    ("over", "match"),
    [
        ({"geometry.forest.aspect_ratio_max": None}, "aspect_ratio_max is missing"),
        ({"geometry.forest.diameter_min_um": 0.4}, "diameter_min_um = 0.4 is larger than"),
        ({"geometry.forest.random": False}, "need geometry.forest.random = true"),
        ({"geometry.forest.min_gap_um": -0.1}, "min_gap_um"),
        ({"geometry.forest.diameter_max_um": float("nan")}, "diameter_max_um"),
        ({"geometry.forest.aspect_ratio_min": float("inf")}, "aspect_ratio_min"),
    ],
)
def test_bad_forest_keys_are_refused_in_one_line(over, match):
    over = {k: v for k, v in {**RANDOM, **over}.items() if v is not None}
    with pytest.raises(CaseError, match=match):
        api.load_case("fig5-stable", over)


def test_overlapping_or_too_dense_forests_are_refused():
    with pytest.raises((CaseError, GeometryError), match="spacing_um = 0.3 µm: neighbouring"):
        _layout({**RANDOM, "geometry.forest.spacing_um": 0.3})
    with pytest.raises(GeometryError, match="too dense for random placement"):
        _layout({**RANDOM, "geometry.forest.spacing_um": 0.45})


def test_builtin_forest_case():
    case = api.load_case("forest-3d")
    lay = spec.layout(case.geometry)
    assert len(lay.dendrites) == 9 and case.geometry.formulation == "3d"
    ars = [d.length_um / d.diameter_um for d in lay.dendrites]
    assert min(ars) < 2.5 and max(ars) > 4.0  # thin and thick, short and tall
