"""scripts/calibrate_dsc.py --basis: the mass the paper's mW/mg is per (docs/calibration.md)."""

import importlib.util
import json
import math
from pathlib import Path

import pytest

from dendrisim.config import load_case
from dendrisim.physics.materials import LITHIUM

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "calibrate_dsc.py"


def _script():
    spec = importlib.util.spec_from_file_location("calibrate_dsc", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_li_basis_mass_is_the_li_alone():
    cal = _script()
    case = load_case("dsc-routine")
    sample, li = cal.lumped_cell(case), cal.lumped_cell(case, "li")
    assert li.area_m2 == sample.area_m2 and li.li_mol == sample.li_mol
    li_g = li.li_mol * LITHIUM.molar_volume_m3_mol * LITHIUM.density_kg_m3 * 1e3
    g = case.geometry
    slab_m3 = math.pi * g.cell_radius_um**2 * g.substrate_thickness_um * 1e-18
    assert li.mass_g == pytest.approx(li_g + slab_m3 * LITHIUM.density_kg_m3 * 1e3)
    el_g = case.electrolyte.density_kg_m3 * sample.electrolyte_m3 * 1e3
    assert sample.mass_g == pytest.approx(li.mass_g + el_g)


def test_li_basis_refuses_to_touch_the_cases(tmp_path, capsys):
    cal = _script()
    with pytest.raises(SystemExit):
        cal.main(["--basis", "li", "--write-cases", "--out", str(tmp_path / "c.json")])
    assert "--basis li" in capsys.readouterr().err


def test_recorded_li_basis_fit_is_beside_the_cases_one():
    rec = json.loads((SCRIPT.parents[1] / "dendrisim/data/calibration_dsc.json").read_text())
    li, sample = rec["basis_li"], rec["fitted"]
    assert li["fitted"]["activation_energy_J_mol"] < 0.5 * sample["activation_energy_J_mol"]
    assert abs(li["residuals"]["routine_li_peak_K"]) < 1e-6
    # the cases keep the sample basis (written rounded)
    assert case_E() == pytest.approx(sample["activation_energy_J_mol"], rel=1e-5)


def case_E() -> float:
    return load_case("dsc-routine").kinetics.activation_energy_J_mol
