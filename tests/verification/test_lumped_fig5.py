"""The lumped unit cell (physics/lumped_fig5.py) against the FEM and its own balances.

FEM values: `dendrisim run CASE --set output.fields=[]` on main (BDF2 at the default
tolerance, moving surface, 2026-11-30): retention [%] and ΔT [K] at 9 s. The lumped model
has no mesh and no time error; its difference is the FEM's discretisation and the small
non-uniformity of the FEM's fields.
"""

from __future__ import annotations

import pytest

from dendrisim.config import load_case
from dendrisim.io.result import Result
from dendrisim.physics.lumped_fig5 import needle_cell, run_lumped_cell

# The hand-picked unit cell (the old names keep it; docs/fig5.md#the-earlier-hand-picked-cell):
# its EC never runs short. On the derived cell the FEM ends EC-limited at 28.7 % (needle)
# where this model gives 34.6 %: the FEM's moving mesh refills the Li's room with
# electrolyte (+9 % EC, docs/fig5.md), which the lumped cell leaves out.
FEM = {
    "fig5-routine": (82.54933, 8.77357),
    "fig5-stable": (92.32608, 3.85062),
    "fig5-stable-sei": (99.60978, 0.19477),
}


@pytest.mark.parametrize("name", sorted(FEM))
def test_lumped_matches_the_fem_fig5_cases(name):
    r = run_lumped_cell(load_case(name))
    ret, dT = FEM[name]
    assert r.stop_reason == "end_time" and r.time_s[-1] == 9.0
    assert 100 * r.retention[-1] == pytest.approx(ret, abs=0.02)
    assert r.T_K[-1] - r.T_K[0] == pytest.approx(dT, rel=2e-3, abs=1e-3)


def test_needle_measures_and_energy_balance():
    case = load_case("fig5-needle-routine-sei", {"thermal.li_melting": False})
    cell = needle_cell(case)
    assert cell.volume_m3(0.0) == pytest.approx(0.0260654e-18, rel=1e-5)
    assert cell.area_m2(0.0) == pytest.approx(0.70686e-12, rel=1e-4)
    r = run_lumped_cell(case)
    released = -case.kinetics.enthalpy_J_mol_Li * r.li_consumed_mol[-1]
    assert r.heat_capacity_J_K * (r.T_K[-1] - r.T_K[0]) == pytest.approx(released, rel=1e-6)


def test_species_exhaustion_freezes_and_li_floor_stops():
    derived = {
        "cell.derive_unit_cell": True,
        "cell.enabled": True,
        "geometry.cell_radius_um": None,
        "geometry.electrolyte_height_um": None,
    }
    r = run_lumped_cell(load_case("fig5-needle-routine-sei", derived))
    # 2 Li per EC: the derived cell's EC consumes 65.4 % of the Li (docs/cell.md)
    assert r.stop_reason == "end_time" and 100 * r.retention[-1] == pytest.approx(34.6, abs=0.05)
    fast = {"kinetics.pre_exponential": 1e10, "stop.li_exhausted_retention": 0.5}
    r = run_lumped_cell(load_case("fig5-needle-routine-sei", fast))
    assert r.stop_reason == "li_exhausted" and r.retention[-1] == pytest.approx(0.5, rel=1e-9)
    assert r.time_s[-1] < 9.0


def test_runner_writes_a_results_folder(tmp_path):
    from dendrisim.api.lumped_run import run

    run(load_case("fig5-stable-sei"), out=tmp_path / "r")
    s = Result.load(tmp_path / "r").summary()
    assert s["status"] == "finished" and s["stop_reason"] == "end_time"
    assert s["li_retention_end_pct"] == pytest.approx(99.61213, abs=1e-4)
