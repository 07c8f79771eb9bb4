"""A run's criticality beside its history (io/criticality.py, docs/physics.md#criticality).

A lumped-like FEM run: a 1 µm planar slab (Biot h L/k ~ 0.05) with Newton cooling on its
outer boundary, zero-order kinetics (no depletion, as Semenov's theory assumes) and a
pre-exponential chosen so that the closed-form Semenov critical ambient is 440 K.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.io.result import summarize
from dendrisim.meshing.builtin_meshes import slab_mesh
from dendrisim.physics.criticality import R
from dendrisim.solver.simulation import Simulation
from dendrisim.solver.thermal_cell import thermal_cell

E_J_MOL, H_J_MOL, WIDTH_M, CRITICAL_K, H_W_M2K = 135e3, 240e3, 0.5e-6, 440.0, 1e4


def _pre_exponential() -> float:
    """A with q(T_c) = L (T_c - T_a,c) at the closed-form tangency T_c of T_a,c = 440 K."""
    T_c = E_J_MOL / (2 * R) * (1 - math.sqrt(1 - 4 * R * CRITICAL_K / E_J_MOL))
    loss_W_K = H_W_M2K * WIDTH_M  # planar, per metre of depth: the outer area is the width
    return loss_W_K * (T_c - CRITICAL_K) / (WIDTH_M * H_J_MOL * math.exp(-E_J_MOL / (R * T_c)))


def _run(ambient_K: float):
    over = {
        "interface.moving": False,
        "output.fields": [],
        "kinetics.activation_energy_J_mol": E_J_MOL,
        "kinetics.enthalpy_J_mol_Li": -H_J_MOL,
        "kinetics.reaction_order": 0.0,
        "kinetics.pre_exponential": _pre_exponential(),
        "thermal.outer": "robin",
        "thermal.heat_transfer_W_m2K": H_W_M2K,
        "thermal.li_melting": False,
        "thermal.ambient_K": ambient_K,
        "thermal.initial_K": ambient_K,
        "time.end_s": 0.05,  # ~100 adiabatic induction times (5e-4 s)
        "time.dt_initial_s": 1e-5,
        "time.dt_max_s": 1e-3,
        "stop.runaway_stops": False,
    }
    case = load_case("fig5-routine").with_overrides(over)
    mesh = slab_mesh(parallel.self_comm(), 4, length_m=1e-6, width_m=WIDTH_M, ny=2)
    sim = Simulation(case, mesh, quiet=True)
    sim.run()
    ts = {k: np.array([r[k] for r in sim.history]) for k in sim.history[0]}
    return ts, summarize(ts, {"thermal_cell": thermal_cell(sim)}, case)


@pytest.mark.parametrize("offset_K", [-2.0, 2.0])
def test_run_two_kelvin_either_side_of_the_semenov_critical_ambient(offset_K):
    ts, s = _run(CRITICAL_K + offset_K)
    assert s["critical_ambient_K"] == pytest.approx(CRITICAL_K, abs=1.0)
    assert s["induction_time_s"] < 1e-3 and s["onset_from_start"] is True
    assert math.isnan(s["onset_time_s"])  # no onset at the first step
    rise_K = ts["T_interface_mean_K"] - (CRITICAL_K + offset_K)
    if offset_K < 0:  # settles at the stable steady state, below R T_c^2/E
        assert s["semenov_number"] < 1 / math.e and not s["left_induction"]
        assert rise_K.max() < s["fk_rise_K"]
        rate_K_s = np.diff(rise_K[-3:]) / np.diff(ts["time_s"][-3:])
        assert np.all(np.abs(rate_K_s) < 1e-3 * s["fk_rise_K"] / s["induction_time_s"])
    else:  # no steady state: runs away
        assert s["semenov_number"] > 1 / math.e and s["left_induction"]
        assert rise_K.max() > 5 * s["fk_rise_K"]


def test_adiabatic_cell_has_no_critical_ambient():
    from dendrisim.io.criticality import criticality_summary

    case = load_case("fig5-routine")
    ts = {"T_interface_mean_K": np.array([439.05, 439.5]), "heat_release_W": np.array([1e-9, 2e-9])}
    manifest = {
        "thermal_cell": {"heat_capacity_J_K": 1e-9, "reacting_area_m2": 1e-12, "heat_loss_W_K": 0.0}
    }
    s = criticality_summary(ts, manifest, case)
    assert math.isnan(s.get("critical_ambient_K", math.nan)) and s["semenov_number"] == math.inf
    T0, E = 439.05, case.kinetics.activation_energy_J_mol
    assert s["induction_time_s"] == pytest.approx(1e-9 * R * T0**2 / (E * 1e-9), rel=1e-12)
    assert s["fk_rise_K"] == pytest.approx(R * T0**2 / E) and not s["left_induction"]
    assert criticality_summary(ts, {}, case) == {
        "fk_rise_K": s["fk_rise_K"],
        "left_induction": False,
    }


def test_departure_and_explosion_times_of_a_history():
    """left_induction_s: the rise R T0²/E crossed (linear between rows); explosion_s: the
    midpoint of the step with the largest heating rate; both absent in the induction regime."""
    from dendrisim.io.criticality import criticality_summary

    case = load_case("fig5-routine")
    T0, E = 439.05, case.kinetics.activation_energy_J_mol
    rise = R * T0**2 / E
    t = np.array([0.0, 1.0, 2.0, 2.5, 2.6, 4.0])
    T = T0 + np.array([0.0, 0.5 * rise, 1.5 * rise, 5 * rise, 30 * rise, 31 * rise])
    ts = {"time_s": t, "T_interface_mean_K": T, "heat_release_W": np.ones(6)}
    s = criticality_summary(ts, {}, case)
    assert s["left_induction"] and s["left_induction_s"] == pytest.approx(1.5, rel=1e-12)
    assert s["explosion_s"] == pytest.approx(2.55, rel=1e-12)  # 25 rise in 0.1 s
    ts["T_interface_mean_K"] = T0 + np.minimum(T - T0, 0.9 * rise)
    assert "left_induction_s" not in criticality_summary(ts, {}, case)
