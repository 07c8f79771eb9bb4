"""Case files: validation, resolution, overrides, immutability."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from dendrisim.config import Case, builtin_case_names, load_case
from dendrisim.core.errors import CaseError
from dendrisim.geometry import shapes
from dendrisim.physics import materials


def test_builtin_cases_load_and_fig5_pair_has_equal_volume():
    names = builtin_case_names()
    assert {"fig5-routine", "fig5-stable", "fig5-stable-sei"} <= set(names)
    routine, stable = load_case("fig5-routine"), load_case("fig5-stable")
    v_r = routine.geometry.analytic_volume_um3()
    v_s = stable.geometry.analytic_volume_um3()
    assert v_s == pytest.approx(v_r, rel=1e-8)
    assert routine.geometry.length_um / routine.geometry.diameter_um == pytest.approx(10.0)
    assert stable.geometry.length_um / stable.geometry.diameter_um == pytest.approx(1.0)
    # needle volume pi r^2 L - pi r^3 / 3 by hand
    r = 0.075
    assert v_r == pytest.approx(math.pi * r**2 * 1.5 - math.pi * r**3 / 3, rel=1e-12)


def test_presets_fill_and_overrides_win():
    c = load_case("fig5-routine", ["electrolyte.preset='advanced'"])
    assert (
        c.electrolyte.concentration_mol_m3
        == materials.ELECTROLYTE_PRESETS["advanced"]["concentration_mol_m3"]
    )
    c2 = load_case("fig5-routine", {"electrolyte.concentration_mol_m3": 1234.0})
    assert c2.electrolyte.concentration_mol_m3 == 1234.0
    assert c2.electrolyte.diffusivity_m2_s == 1.2e-9
    s = load_case("fig5-stable-sei")
    assert s.sei.protection_factor == 0.03 and s.sei.breakdown_K == 456.85


def test_default_pre_exponential_reproduces_reference_rate():
    c = load_case("fig5-routine")
    k = c.kinetics
    r = (
        k.pre_exponential
        * math.exp(-k.activation_energy_J_mol / (materials.GAS_CONSTANT_J_MOLK * 439.05))
        * 7000.0
    )
    assert r == pytest.approx(4.1e-5, rel=0.01)  # docs/physics.md#sources
    # Ea = 0 gives a constant rate with the same value at the reference point
    c0 = load_case("fig5-routine", ["kinetics.activation_energy_J_mol=0"])
    assert c0.kinetics.pre_exponential * 7000.0 == pytest.approx(r, rel=1e-12)


def test_aspect_ratio_volume_resolution_all_shapes():
    for shape in ("needle", "cone", "mushroom"):
        c = load_case(
            "fig5-routine",
            {"geometry.shape": shape, "geometry.aspect_ratio": 6.0, "geometry.volume_um3": 0.02},
        )
        g = c.geometry
        assert g.length_um / g.diameter_um == pytest.approx(6.0)
        assert g.analytic_volume_um3() == pytest.approx(0.02, rel=1e-9)


def test_set_length_replaces_aspect_ratio_pair():
    c = load_case("fig5-stable", ["geometry.length_um=0.4", "geometry.diameter_um=0.3"])
    assert c.geometry.aspect_ratio is None and c.geometry.length_um == 0.4


def test_case_is_frozen_and_with_overrides_copies():
    c = load_case("fig5-routine")
    with pytest.raises(ValidationError):
        c.time.end_s = 1.0  # type: ignore[misc]
    c2 = c.with_overrides({"time.end_s": 2.0})
    assert c.time.end_s == 9.0 and c2.time.end_s == 2.0


def test_resolved_toml_round_trips(tmp_path):
    c = load_case("fig5-stable")
    p = tmp_path / "x.toml"
    p.write_text(c.to_toml())
    c2 = load_case(p)
    assert c2.geometry.diameter_um == pytest.approx(c.geometry.diameter_um, rel=1e-12)
    assert c2.kinetics.pre_exponential == c.kinetics.pre_exponential
    assert c2.to_dict() == c.to_dict()


def test_case_name_defaults_to_file_stem(tmp_path):
    p = tmp_path / "my run.toml"
    p.write_text("[time]\nend_s = 1.0\n")
    assert load_case(p).name == "my_run"


def test_shapes_areas_match_simple_limits():
    # cone with tip radius -> tiny is close to a cone + tiny cap; mushroom area is positive
    a = shapes.interface_area_um2("needle", 1.0, 0.2)
    assert a == pytest.approx(2 * math.pi * 0.1 * 0.9 + 2 * math.pi * 0.01)
    assert shapes.volume_um3("sphere", 0.1, 0.2) == pytest.approx(2 / 3 * math.pi * 0.001)
    assert shapes.interface_area_um2("sphere", 0.1, 0.2) == pytest.approx(2 * math.pi * 0.01)


def test_unit_properties_are_si():
    g = load_case("fig5-routine").geometry
    assert g.length_m == pytest.approx(1.5e-6) and g.diameter_m == pytest.approx(0.15e-6)


def test_case_model_defaults_valid():
    assert Case().geometry.shape == "needle"


def test_error_is_case_error_not_pydantic():
    with pytest.raises(CaseError):
        load_case("fig5-routine", {"time.end_s": -1.0})


def test_shape_names_come_from_the_registry():
    class Blob(shapes.Shape):
        name = "blob"
        aliases = ("lump",)

    with pytest.raises(CaseError) as exc:
        load_case("fig5-routine", {"geometry.shape": "blob"})
    assert "geometry.shape = 'blob'" in str(exc.value)
    assert all(repr(n) in str(exc.value) for n in shapes.names())
    shapes.register(Blob)
    try:
        assert shapes.get("lump") is shapes.get("blob")
        with pytest.raises(ValueError, match="taken"):
            shapes.register(Blob)
        assert load_case("fig5-routine", {"geometry.shape": "lump"}).geometry.shape == "lump"
    finally:
        shapes.unregister("lump")
    assert "blob" not in shapes.names() and "lump" not in shapes.names()
    with pytest.raises(ValueError, match="allowed: needle"):
        shapes.get("blob")
