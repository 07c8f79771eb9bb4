"""Located events: a terminal threshold crossed inside a step ends the run at the crossing.

- a fixed-geometry run that consumes all its Li stops at the retention threshold (never
  below it by more than the location tolerance, never negative), at a time off the step grid;
- the adiabatic Arrhenius closed form (a lumped small body, dT/dt = f(T)) crosses 60 K/min at
  t* = ∫ dT / f(T) within 1 % for two different step caps (the old two-step grid rule was
  one to two steps late: 5 % at the coarse cap).
"""

import math

import numpy as np
import pytest

from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.meshing.builtin_meshes import slab_mesh
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK as R
from dendrisim.physics.params import ModelParameters
from dendrisim.solver.simulation import Simulation
from tests.verification.histories import as_arrays
from tests.verification.test_closed_forms import sphere_bundle  # noqa: F401


def test_li_exhausted_ends_at_the_threshold_never_negative():
    case = load_case("fig5-routine").with_overrides(
        {
            "interface.moving": False,
            "thermal.enabled": False,
            "kinetics.activation_energy_J_mol": 0.0,
            "kinetics.reaction_order": 0,
            "kinetics.pre_exponential": 0.05,  # mol/m2/s: the 0.5 µm Li slab lasts ~0.8 s
            "sei.protection_factor": 1.0,
            "species.outer": "dirichlet",
            "time.end_s": 10.0,
            "time.dt_max_s": 0.3,
            "output.fields": [],
        }
    )
    sim = Simulation(case, slab_mesh(parallel.world(), 12, length_m=1e-6), quiet=True)
    summary = sim.run()
    ts = as_arrays(sim.history)
    thr = case.stop.li_exhausted_retention
    assert summary.stop_reason == "li_exhausted"
    assert np.all(ts["li_retention"] >= 0) and np.all(ts["li_retention_from_moles"] >= 0)
    assert abs(ts["li_retention"][-1] - thr) < 1e-3
    assert ts["li_retention"][-1] <= thr  # the row shows the stop
    # constant rate: retention falls linearly; the crossing time from the first step
    slope = (1 - ts["li_retention"][1]) / ts["time_s"][1]
    t_exact = (1 - thr) / slope
    assert ts["time_s"][-1] == pytest.approx(t_exact, rel=1e-3)
    assert summary.events["li_exhausted"] == ts["time_s"][-1]


EA, DH = 50e3, -240e3
A_PRE = 1.1e3  # mol/m2/s: f(T0) ≈ 48 K/min on the 0.5 µm sphere of test_closed_forms


def _adiabatic_case(dt_max):
    return load_case("fig5-routine").with_overrides(
        {
            "interface.moving": False,
            "stop.runaway_stops": True,
            "kinetics.activation_energy_J_mol": EA,
            "kinetics.pre_exponential": A_PRE,
            "kinetics.reaction_order": 0,
            "kinetics.enthalpy_J_mol_Li": DH,
            "sei.protection_factor": 1.0,
            "thermal.outer": "adiabatic",
            "thermal.li_melting": False,
            "time.end_s": 30.0,
            "time.dt_max_s": dt_max,
            "time.scheme": "backward_euler",  # BDF2's located crossing: test_bdf2.py
            "output.fields": [],
        }
    )


def _exact_crossing_s(T0, F0, rate_K_s):
    """t* with f(T*) = rate for dT/dt = f(T) = F0 exp(-Ea/R (1/T - 1/T0)), T(0) = T0."""
    T_star = 1.0 / (1.0 / T0 - R / EA * math.log(rate_K_s / F0))
    T = np.linspace(T0, T_star, 200001)
    f = F0 * np.exp(-EA / R * (1.0 / T - 1.0 / T0))
    return float(np.trapezoid(1.0 / f, T))


@pytest.mark.parametrize("dt_max", [0.4, 0.1])
def test_adiabatic_arrhenius_crosses_60_K_per_min_on_time(sphere_bundle, dt_max):  # noqa: F811
    case = _adiabatic_case(dt_max)
    params = ModelParameters.from_case(case).with_(li_molar_density_mol_m3=1e15)
    sim = Simulation(case, sphere_bundle, quiet=True, params=params)
    summary = sim.run()
    first = sim.history[0]
    # the lumped closed form with the run's own area (rate at T0) and heat capacity
    F0 = -DH * first["reaction_rate_mol_s"] / sim.observables.inventory.heat_capacity_J_K
    assert 0.6 < F0 < 0.95  # K/s: starts below 60 K/min, so the rate must rise through it
    t_star = _exact_crossing_s(first["T_interface_mean_K"], F0, 1.0)
    print("runaway", dt_max, summary.runaway_s, "exact", t_star, summary.event_solves)
    assert summary.stop_reason == "runaway"
    assert summary.runaway_s == summary.time_s == sim.history[-1]["time_s"]
    assert summary.runaway_s == pytest.approx(t_star, rel=0.01)
    # the last step was cut at the crossing: its rate is 60 K/min (to the location
    # tolerance), where a step grid would end above it
    ts = as_arrays(sim.history)
    rate = 60 * (ts["T_interface_mean_K"][-1] - ts["T_interface_mean_K"][-2]) / ts["dt_s"][-1]
    assert 60.0 < rate < 60.0 * 1.005


def test_non_terminal_location_leaves_the_series_unchanged(sphere_bundle):  # noqa: F811
    # the adiabatic sphere above, run on past its runaway: with the 60 K/min threshold the
    # runaway is located by trial solves (the run goes on); with 1e9 K/min nothing is
    # located.  The rows (incl. the cumulative Li consumed and heat released, which trial
    # solves must not count twice) are identical.
    def history(rate):
        case = _adiabatic_case(0.4).with_overrides(
            {"stop.runaway_stops": False, "stop.runaway_K_per_min": rate, "time.end_s": 9.0}
        )
        params = ModelParameters.from_case(case).with_(li_molar_density_mol_m3=1e15)
        sim = Simulation(case, sphere_bundle, quiet=True, params=params)
        return sim.run(), as_arrays(sim.history)

    located, a = history(60.0)
    plain, b = history(1e9)
    assert located.event_solves > 0 and plain.event_solves == 0
    assert located.runaway_s is not None and plain.runaway_s is None
    assert located.runaway_s not in a["time_s"]  # located between the rows
    assert set(a) == set(b) and a["time_s"].size == b["time_s"].size
    for col in a:
        np.testing.assert_array_equal(a[col], b[col], err_msg=col)
