"""Geometry (gmsh): meshed vs analytic Li volume and interface area, groups, quality."""

from __future__ import annotations

import json
import math

import pytest

from dendrisim import load_case
from dendrisim.core.errors import CaseError
from dendrisim.geometry.generator import generate, report_path

ALL_2D_AXI = {
    "lithium",
    "electrolyte",
    "interface",
    "bulk",
    "substrate",
    "axis",
    "side",
    "substrate_top",
}


def _case(name="fig5-routine", **over):
    return load_case(name, {f"geometry.{k}": v for k, v in over.items()} if over else None)


@pytest.mark.parametrize("name", ["fig5-routine", "fig5-stable"])
def test_fig5_axisymmetric_needle_matches_analytic(name):
    rep = generate(_case(name))
    assert rep.formulation == "axisymmetric"
    assert rep.li_volume_rel_error < 0.005
    assert rep.interface_area_rel_error < 0.005
    # the analytic values are the shapes.py needle: V = pi R^2 (L - R) + 2/3 pi R^3
    assert rep.li_volume_analytic_um3 == pytest.approx(0.0260654015, rel=1e-8)
    assert rep.quality_gamma_min >= 0.3
    assert set(rep.group_entities) == ALL_2D_AXI
    assert all(n > 0 for n in rep.group_entities.values())
    assert 500 < rep.cells < 10000  # "a few thousand cells" for the 9 s solver runs


def test_axisymmetric_needle_converges_under_refinement():
    errs = []
    for h in (0.02, 0.01, 0.005):
        rep = generate(_case(mesh_size_interface_um=h))
        errs.append((rep.li_volume_rel_error, rep.interface_area_rel_error))
    for (v0, a0), (v1, a1) in zip(errs, errs[1:], strict=False):
        # chords on the cap: error ~ h^2, so halving h divides it by ~4
        assert v1 < v0 / 2.5 and a1 < a0 / 2.5, errs


def test_second_order_geometry_is_more_accurate():
    r1 = generate(_case(mesh_size_interface_um=0.02))
    r2 = generate(_case(mesh_size_interface_um=0.02, mesh_order=2))
    assert r2.mesh_order == 2 and r2.nodes > r1.nodes
    assert r2.li_volume_rel_error < r1.li_volume_rel_error / 10
    assert r2.interface_area_rel_error < r1.interface_area_rel_error / 10


def test_generate_writes_msh_and_report(tmp_path):
    out = tmp_path / "m" / "needle.msh"
    rep = generate(_case(), out)
    assert out.is_file() and rep.path == str(out)
    data = json.loads(report_path(out).read_text())
    assert data["cells"] == rep.cells
    assert data["li_volume_rel_error"] == pytest.approx(rep.li_volume_rel_error)
    text = out.read_text()
    for name in ALL_2D_AXI:
        assert f'"{name}"' in text


def test_geometry_sizes_follow_case_keys():
    rep = generate(_case(aspect_ratio=5.0, volume_um3=0.0260654015))
    # needle: V = pi R^2 (L - R) + 2/3 pi R^3 = pi D^3 (L/(4D) - 1/24)
    d = (0.0260654015 / (math.pi * (5 / 4 - 1 / 24))) ** (1 / 3)
    r = 0.5 * d
    assert rep.h_interface_um == pytest.approx(r / 8)
    assert rep.li_volume_um3 == pytest.approx(0.0260654015, rel=5e-3)


@pytest.mark.parametrize(
    "over, key",
    [
        ({"length_um": 0.1, "diameter_um": 0.15}, "geometry.length_um"),
        ({"sei_thickness_um": 0.08}, "geometry.sei_thickness_um"),
        ({"diameter_um": 1.2}, "geometry.cell_radius_um"),
        ({"length_um": -1.0}, "geometry.length_um"),
        ({"diameter_um": 0.0}, "geometry.diameter_um"),
        ({"length_um": 6.0}, "geometry.electrolyte_height_um"),
        ({"mesh_size_interface_um": 0.05}, "geometry.mesh_size_interface_um"),
    ],
)
def test_invalid_geometry_refused_before_gmsh(over, key):
    with pytest.raises(CaseError) as exc:
        generate(_case(**over))
    assert key in str(exc.value)


def test_isolated_sphere_must_float():
    with pytest.raises(CaseError, match="geometry.length_um"):
        generate(_case(shape="sphere", length_um=0.15, substrate_thickness_um=0.0))
