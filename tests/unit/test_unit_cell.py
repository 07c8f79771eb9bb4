"""The unit cell derived from [cell] (config/unit_cell.py, docs/cell.md): a hand calculation
from the [cell] values, the film rule against the cubic's root, equal Li volume -> equal
electrolyte per dendrite, the resolved-case round trip and the one-line errors."""

import math
import tomllib

import numpy as np
import pytest

from dendrisim.cli.app import main
from dendrisim.config import load_case
from dendrisim.config.case import validate_case
from dendrisim.config.unit_cell import unit_cell_of
from dendrisim.core.errors import CaseError


def _derived(name: str, **over):
    """The case with its own radius and height dropped and the unit cell derived."""
    case = load_case(name)
    raw = case.to_input_dict()
    for key in ("cell_radius_um", "electrolyte_height_um"):
        raw["geometry"].pop(key, None)
    raw.setdefault("cell", {})["derive_unit_cell"] = True
    for key, value in over.items():
        raw["cell"][key] = value
    return validate_case(raw)


def _film_by_hand(r: float, top: float, body: float, electrolyte: float) -> float:
    """δ from the cubic π (r+δ)² (top+δ) = body + electrolyte (numpy's roots)."""
    # (r+δ)²(top+δ) = δ³ + (2r+top) δ² + (r² + 2 r top) δ + r² top
    coeffs = [1.0, 2 * r + top, r * r + 2 * r * top, r * r * top - (body + electrolyte) / math.pi]
    real = [z.real for z in np.roots(coeffs) if abs(z.imag) < 1e-12 and z.real > 0]
    assert len(real) == 1
    return real[0]


def test_unit_cell_by_hand():
    case = _derived("fig5-routine")
    u = unit_cell_of(case)
    # by hand: 39 % of 50 um of Li over 1.0 Ah / 4.0 mAh/cm2 = 250 cm2 is dendritic
    dendritic_um3 = 0.39 * 250.0 * 50e-4 * 1e12  # cm3 -> um3
    r, L = 0.075, 1.5  # the fig5 needle: cylinder with a hemispherical tip
    v_um3 = math.pi * r**2 * (L - r) + 2.0 / 3.0 * math.pi * r**3
    n = dendritic_um3 / v_um3
    v_e_cm3 = 3.0 * 1.0 / 1.25  # 3 g/Ah x 1 Ah / 1250 kg/m3 (the routine preset)
    per_um3 = 0.73 * v_e_cm3 * 1e12 / n
    delta = _film_by_hand(r, L, v_um3, per_um3)
    assert u.dendrites == pytest.approx(n, rel=1e-12)
    assert u.electrolyte_cm3 == pytest.approx(2.4, rel=1e-12)
    assert u.per_dendrite_um3 == pytest.approx(per_um3, rel=1e-12)
    assert per_um3 == pytest.approx(0.093675, rel=1e-5)
    assert u.film_um == pytest.approx(delta, rel=1e-10)
    assert case.geometry.cell_radius_um == pytest.approx(r + delta, rel=1e-12)
    assert case.geometry.electrolyte_height_um == pytest.approx(L + delta, rel=1e-12)
    # the moles: EC 7000 mol/m3 in v_e; Li at 1.30e-5 m3/mol; 0.5 EC per Li
    ec = per_um3 * 1e-18 * 7000.0
    li = v_um3 * 1e-18 / (6.941e-3 / 534.0)
    assert u.species_per_dendrite_mol == pytest.approx(ec, rel=1e-12)
    assert u.li_per_dendrite_mol == pytest.approx(li, rel=1e-12)
    assert u.species_covers_li == pytest.approx(ec / (0.5 * li), rel=1e-12)
    # the unit cell holds exactly its share of electrolyte (the cylinder minus the Li)
    held = math.pi * case.geometry.cell_radius_um**2 * case.geometry.electrolyte_height_um
    assert held - v_um3 == pytest.approx(per_um3, rel=1e-10)


def test_equal_li_volume_equal_electrolyte_per_dendrite():
    needle, deposit = unit_cell_of(_derived("fig5-routine")), unit_cell_of(_derived("fig5-stable"))
    assert deposit.dendrites == pytest.approx(needle.dendrites, rel=1e-8)
    assert deposit.per_dendrite_um3 == pytest.approx(needle.per_dendrite_um3, rel=1e-8)
    assert deposit.film_um > needle.film_um  # less area to wrap: a thicker film
    share = unit_cell_of(_derived("fig5-routine", electrolyte_li_share=0.365))
    assert share.per_dendrite_um3 == pytest.approx(0.5 * needle.per_dendrite_um3, rel=1e-12)


def test_resolved_case_round_trip_and_overrides():
    case = _derived("fig5-routine")
    again = validate_case(tomllib.loads(case.to_toml()))  # lists both: they agree
    assert again.geometry.cell_radius_um == case.geometry.cell_radius_um
    lean = case.with_overrides({"cell.electrolyte_g_per_Ah": 1.5})  # recomputed
    assert unit_cell_of(lean).per_dendrite_um3 == pytest.approx(
        0.5 * unit_cell_of(case).per_dendrite_um3, rel=1e-12
    )
    assert lean.geometry.cell_radius_um < case.geometry.cell_radius_um


def test_one_line_errors():
    with pytest.raises(CaseError, match=r"geometry.cell_radius_um = 0.5 µm is given, but cell"):
        load_case("fig5-routine", {"cell.derive_unit_cell": True})
    case = _derived("fig5-routine")
    with pytest.raises(CaseError, match="geometry.electrolyte_height_um = 3 µm is given"):
        case.with_overrides({"geometry.electrolyte_height_um": 3.0})
    with pytest.raises(CaseError, match='formulation = "planar"'):
        case.with_overrides({"geometry.formulation": "planar"})
    with pytest.raises(CaseError, match="electrolyte_li_share"):
        case.with_overrides({"cell.electrolyte_li_share": 0.0})
    with pytest.raises(CaseError, match="mesh_size_interface_um = 0.05 µm: the electrolyte film"):
        case.with_overrides({"geometry.mesh_size_interface_um": 0.05})
    with pytest.raises(CaseError, match="less than the cylinder tight around"):
        case.with_overrides({"cell.electrolyte_g_per_Ah": 1e-4})


def test_check_prints_the_derivation(capsys, tmp_path):
    path = tmp_path / "derived.toml"
    path.write_text(_derived("fig5-routine").to_toml(), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["check", str(path)])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    rows = [line for line in out.splitlines() if line.startswith("#   geometry.cell_radius_um")]
    assert len(rows) == 1 and rows[0].count(" | ") == 3 and rows[0].endswith("[C]")
    assert "electrolyte per dendrite v_e | s V_e / N | 0.093675 um3 | [C]" in out
