"""Every shape in every formulation: meshed vs analytic volume and area, groups, quality."""

from __future__ import annotations

import math

import pytest

from dendrisim import load_case
from dendrisim.core.errors import CaseError
from dendrisim.geometry import shapes
from dendrisim.geometry.generator import generate
from dendrisim.geometry.spec import layout

SEI_UM = 0.0144  # stable SEI thickness (docs/physics.md#sources)

# shape -> overrides (lengths in µm); sizes chosen so that each mesh is small
SHAPES_2D = {
    "needle": {},
    "cone": {"shape": "cone"},
    "mushroom": {"shape": "mushroom", "diameter_um": 0.1, "length_um": 1.0},
    "bump": {"shape": "sphere", "length_um": 0.1},
    "particle": {"shape": "sphere", "length_um": 1.0, "substrate_thickness_um": 0.0},
    "flat": {"shape": "flat"},
}
COMMON = {"axis", "bulk", "electrolyte", "interface", "lithium", "side", "substrate"}


def _case(formulation, over, sei=0.0, **extra):
    keys = {"formulation": formulation, **over, **extra}
    if sei:
        keys["sei_thickness_um"] = sei
    return load_case("fig5-routine", {f"geometry.{k}": v for k, v in keys.items()})


def _expected_groups(formulation, name, sei):
    g = set(COMMON)
    if formulation != "axisymmetric":
        g.discard("axis")
    if name not in ("particle", "flat"):
        g.add("substrate_top")
    if sei:
        g |= {"sei", "li_sei"}
    return g


@pytest.mark.parametrize("formulation", ["axisymmetric", "planar"])
@pytest.mark.parametrize("name", sorted(SHAPES_2D))
@pytest.mark.parametrize("sei", [0.0, SEI_UM], ids=["bare", "sei"])
def test_2d_shapes_match_analytic(formulation, name, sei):
    if name == "flat" and sei:
        pytest.skip("flat has no dendrite to coat")
    if name == "cone" and sei:
        sei = 0.005  # thinner than the 0.015 µm tip radius
    rep = generate(_case(formulation, SHAPES_2D[name], sei))
    assert rep.li_volume_rel_error < 0.005, rep
    assert rep.interface_area_rel_error < 0.005, rep
    if sei:
        assert rep.sei_volume_um3 == pytest.approx(rep.sei_volume_analytic_um3, rel=5e-3)
    assert set(rep.group_entities) == _expected_groups(formulation, name, sei)
    assert min(rep.group_entities.values()) > 0
    assert rep.quality_gamma_min >= 0.3, rep


# shape -> (overrides, smallest radius [µm]) for the refinement study
CONVERGENCE = {
    "needle": ({}, 0.075),
    "cone": ({"shape": "cone", "length_um": 0.6, "tip_radius_um": 0.04}, 0.04),
    "mushroom": ({"shape": "mushroom", "diameter_um": 0.1, "length_um": 1.0}, 0.05),
    "bump": ({"shape": "sphere", "length_um": 0.1}, 0.075),
}


@pytest.mark.parametrize("formulation", ["axisymmetric", "planar"])
@pytest.mark.parametrize("name", sorted(CONVERGENCE))
def test_2d_shapes_converge_under_refinement(formulation, name):
    over, r_min = CONVERGENCE[name]
    reps = [
        generate(_case(formulation, over, mesh_size_interface_um=r_min / k)) for k in (3, 6, 12)
    ]
    for a, b in zip(reps, reps[1:], strict=False):
        # chords of curved boundaries: error ~ h^2, so halving h divides it by ~4
        assert b.li_volume_rel_error < a.li_volume_rel_error / 3, (a, b)
        assert b.interface_area_rel_error < a.interface_area_rel_error / 3, (a, b)


def test_3d_sphere_converges_under_refinement():
    over = {**SHAPES_2D["bump"], "cell_radius_um": 0.3, "electrolyte_height_um": 0.6}
    a, b = (generate(_case("3d", over, mesh_size_interface_um=h)) for h in (0.02, 0.01))
    assert b.li_volume_rel_error < a.li_volume_rel_error / 2.5
    assert b.interface_area_rel_error < a.interface_area_rel_error / 2.5


def test_tip_refinement_box_halves_the_size_at_the_tip():
    plain = generate(_case("axisymmetric", {}))
    tip = generate(_case("axisymmetric", {}, tip_refinement=True))
    # only the tip is refined: the cap's chord error drops by about 4
    assert tip.cells > plain.cells
    assert tip.li_volume_rel_error < plain.li_volume_rel_error / 2.5
    assert tip.interface_area_rel_error < plain.interface_area_rel_error / 2.5


# 3D: small domains keep the default-resolution meshes at 20-60k cells
DOMAIN_3D = {"cell_radius_um": 0.3, "electrolyte_height_um": 1.0, "substrate_thickness_um": 0.2}
SHAPES_3D = {
    "needle": {"aspect_ratio": 1.0, "volume_um3": 0.0260654015},  # fig5-stable's deposit
    "cone": {"shape": "cone", "length_um": 0.4, "tip_radius_um": 0.03},
    "mushroom": {
        "shape": "mushroom",
        "diameter_um": 0.12,
        "head_diameter_um": 0.3,
        "length_um": 0.5,
    },
    "bump": {"shape": "sphere", "length_um": 0.1},
    "particle": {"shape": "sphere", "length_um": 0.4, "substrate_thickness_um": 0.0},
    "flat": {"shape": "flat"},
}


@pytest.mark.parametrize("name", sorted(SHAPES_3D))
def test_3d_shapes_match_analytic(name):
    rep = generate(_case("3d", {**DOMAIN_3D, **SHAPES_3D[name]}))
    assert rep.li_volume_rel_error < 0.005, rep
    assert rep.interface_area_rel_error < 0.005, rep
    assert set(rep.group_entities) == _expected_groups("3d", name, 0)
    assert min(rep.group_entities.values()) > 0
    assert rep.quality_gamma_min >= 0.1, rep


def test_3d_sei_shell_volume():
    over = {**DOMAIN_3D, **SHAPES_3D["needle"], "mesh_size_interface_um": 0.0144}
    rep = generate(_case("3d", over, SEI_UM))
    assert rep.sei_volume_um3 == pytest.approx(rep.sei_volume_analytic_um3, rel=0.01)
    assert {"sei", "li_sei"} <= set(rep.group_entities)
    assert rep.quality_gamma_min >= 0.1


def test_forest_regular_and_random():
    base = {"length_um": 0.4, "electrolyte_height_um": 1.0, "mesh_size_interface_um": 0.015}
    reg = generate(_case("3d", base, **{"forest.count": 4}))
    single = load_case("fig5-routine", {"geometry.length_um": 0.4}).geometry
    assert reg.dendrites == 4
    assert reg.li_volume_analytic_um3 == pytest.approx(4 * single.analytic_volume_um3())
    assert reg.li_volume_rel_error < 0.01 and reg.interface_area_rel_error < 0.01
    assert "axis" not in reg.group_entities and reg.group_entities["side"] > 0
    rnd = {"forest.count": 5, "forest.random": True, "forest.seed": 7, "forest.size_spread": 0.2}
    lay1 = layout(_case("3d", base, **rnd).geometry)
    lay2 = layout(_case("3d", base, **rnd).geometry)
    lay3 = layout(_case("3d", base, **{**rnd, "forest.seed": 8}).geometry)
    assert lay1.dendrites == lay2.dendrites != lay3.dendrites  # reproducible from the seed
    ds = lay1.dendrites
    for i, a in enumerate(ds):
        for b in ds[i + 1 :]:
            gap = math.hypot(a.x_um - b.x_um, a.y_um - b.y_um) - a.radius_um - b.radius_um
            assert gap > 0
        assert abs(a.x_um) + a.radius_um < lay1.half_width_um
        assert abs(a.y_um) + a.radius_um < lay1.half_depth_um
    assert len({d.length_um for d in ds}) == 5  # sizes spread


@pytest.mark.parametrize(
    "over, key",
    [
        ({"forest.count": 4, "forest.spacing_um": 0.1}, "geometry.forest.spacing_um"),
        ({"forest.count": 4, "forest.spacing_um": 0.16}, "geometry.forest.spacing_um"),
        (
            {
                "forest.count": 400,
                "forest.random": True,
                "forest.size_spread": 0.5,
                "forest.spacing_um": 0.2,
            },
            "geometry.forest",
        ),
    ],
)
def test_overlapping_forest_refused(over, key):
    with pytest.raises(CaseError) as exc:
        generate(_case("3d", {"length_um": 0.4}, **over))
    assert key in str(exc.value)


def test_sphere_on_substrate_needs_a_neck():
    with pytest.raises(CaseError, match="0.9"):
        _case("axisymmetric", {"shape": "sphere", "length_um": 0.15})


def _profile_radius(shape, z, L, D, rt=None, dh=None):
    """Radius of the revolved profile at height z (independent of shapes.py)."""
    R = D / 2
    if shape == "needle":
        return R if z <= L - R else math.sqrt(max(R**2 - (z - L + R) ** 2, 0))
    if shape == "cone":
        h = L - rt
        return R - (R - rt) * z / h if z <= h else math.sqrt(max(rt**2 - (z - h) ** 2, 0))
    if shape == "mushroom":
        rh = dh / 2
        head = math.sqrt(max(rh**2 - (z - L + rh) ** 2, 0))
        return max(R if z <= L - rh else 0.0, head)
    raise ValueError(shape)


@pytest.mark.parametrize(
    "shape, L, D, rt, dh",
    [
        ("needle", 1.5, 0.15, None, None),
        ("cone", 1.0, 0.2, 0.02, None),
        ("mushroom", 1.0, 0.1, None, 0.3),
    ],
)
def test_analytic_formulas_by_quadrature(shape, L, D, rt, dh):
    n = 200000
    zs = [(i + 0.5) * L / n for i in range(n)]
    rs = [_profile_radius(shape, z, L, D, rt, dh) for z in zs]
    vol = sum(math.pi * r * r for r in rs) * L / n
    sec = sum(2 * r for r in rs) * L / n
    assert shapes.volume_um3(shape, L, D, rt, dh) == pytest.approx(vol, rel=1e-4)
    assert shapes.section_area_um2(shape, L, D, rt, dh) == pytest.approx(sec, rel=1e-4)


def test_random_forest_draws_pass_the_shape_checks():
    # bumps with L/D 0.67 and a 40 % spread: some draws would sink deeper than 0.9 D
    over = {
        "shape": "sphere",
        "length_um": 0.1,
        "formulation": "3d",
        "mesh_size_interface_um": 0.01,
        "forest.count": 6,
        "forest.random": True,
        "forest.size_spread": 0.4,
        "forest.spacing_um": 0.5,
    }
    ds = layout(_case("3d", over).geometry).dendrites
    assert len(ds) == 6
    assert all(d.kind.check(d, True) is None for d in ds)
    assert max(d.length_um / d.diameter_um for d in ds) <= 0.9
