"""The [cell] section (docs/cell.md): derived numbers against a hand calculation, and the
unit cell's heat capacity on a mesh (it holds its share of the cell's heat capacity)."""

import math

import pytest

from dendrisim.config import load_case
from dendrisim.config.cell import numbers_of
from dendrisim.core.errors import CaseError


def test_derived_numbers_by_hand():
    case = load_case("fig5-routine").with_overrides({"cell.enabled": True})
    n = numbers_of(case)
    # by hand: 1.0 Ah / 4.0 mAh/cm2; 50 um of Li (0.534 g/cm3) on it; 39 % of it dendritic
    area_cm2 = 1000.0 / 4.0
    li_g = 250.0 * 50e-4 * 0.534
    dend_g = 0.39 * li_g
    react_m2 = dend_g * 49.5
    heat = 13.0 * 1.04
    # the fig5 needle: a cylinder of D = 0.15 um with a hemispherical tip, L = 1.5 um
    r, L = 0.075, 1.5
    v_um3 = math.pi * r**2 * (L - r) + 2.0 / 3.0 * math.pi * r**3
    a_um2 = 2 * math.pi * r * (L - r) + 2 * math.pi * r**2
    per_cm2 = dend_g / 0.534 * 1e12 / v_um3 / area_cm2
    assert n.electrode_area_cm2 == pytest.approx(250.0)
    assert n.li_mass_g == pytest.approx(li_g) and li_g == pytest.approx(0.6675)
    assert n.dendritic_li_mass_g == pytest.approx(dend_g)
    assert n.electrolyte_mass_g == pytest.approx(3.0)
    assert n.reacting_area_m2 == pytest.approx(react_m2) and react_m2 == pytest.approx(12.886, 1e-4)
    assert n.heat_capacity_J_K == pytest.approx(13.52)
    assert n.heat_capacity_J_m2K == pytest.approx(heat / react_m2)
    assert n.dendrites_per_cm2 == pytest.approx(per_cm2, rel=1e-9)
    assert n.footprint_um2 == pytest.approx(1e8 / per_cm2, rel=1e-9)
    assert n.unit_heat_capacity_J_K == pytest.approx(heat / (per_cm2 * area_cm2), rel=1e-9)
    # the unit cell's share of the heat capacity is its dendrite's area x the per-area value
    assert n.unit_heat_capacity_J_K == pytest.approx(
        n.heat_capacity_J_m2K * a_um2 * 1e-12 / n.shape_area_ratio, rel=1e-9
    )
    assert n.shape_area_ratio == pytest.approx(a_um2 / v_um3 / (49.5 * 0.534e-12 * 1e12), 1e-9)


def test_cell_off_by_default_and_bad_input():
    assert numbers_of(load_case("fig5-routine")) is None
    with pytest.raises(CaseError, match="dendritic_li_fraction"):
        load_case("fig5-routine").with_overrides({"cell.dendritic_li_fraction": 1.5})


def test_unit_cell_holds_its_share_of_the_cell():
    """With [cell] (and phi) the run's heat capacity is phi x c_Γ x A_Γ (physics/lumped.py)."""
    from dendrisim.core import parallel
    from dendrisim.meshing.builtin_meshes import slab_mesh
    from dendrisim.solver.simulation import Simulation

    over = {
        "cell.enabled": True,
        "interface.moving": False,
        "thermal.program": "heat_wait_seek",
        "thermal.initial_K": 330.0,
        "thermal.arc_phi": 1.2,
        "output.fields": [],
    }
    case = load_case("fig5-routine").with_overrides(over)
    bundle = slab_mesh(parallel.world(), 4, length_m=1e-6, width_m=0.5e-6, ny=2)
    sim = Simulation(case, bundle, quiet=True)
    c_area = numbers_of(case).heat_capacity_J_m2K
    # planar: per metre of depth, the reacting area is the slab's width
    expected = 1.2 * c_area * 0.5e-6
    assert sim.observables.inventory.heat_capacity_J_K == pytest.approx(expected, rel=1e-9)
    assert sim.params.heat_capacity_factor < 1.0  # the slab holds more than its share


def test_builtin_arc_cases():
    for name in ("arc-routine", "arc-stable"):
        case = load_case(name)
        assert case.thermal.program == "heat_wait_seek"
        assert numbers_of(case) is not None and not case.interface.moving
    # the stable SEI's protection as calibrated on the DSC (dsc-stable, docs/calibration.md)
    stable, dsc = load_case("arc-stable").sei, load_case("dsc-stable").sei
    assert (stable.protection_factor, stable.breakdown_K) == (
        dsc.protection_factor,
        dsc.breakdown_K,
    )
