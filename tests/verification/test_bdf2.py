"""Variable-step BDF2 (``time.scheme = "bdf2"``) with its local error control.

The lumped adiabatic Arrhenius heating of a small sphere (coupled, nonlinear: the rate
depends on T through exp(−Ea/RT)) has the closed form dT/dt = F0 exp(−Ea/R (1/T − 1/T0)):

- at fixed steps h, h/2, h/4 the temperature at 6 s converges with observed order ≈ 2
  (self-convergence, which removes the small spatial/lumping error of the mesh);
- at ``time.rtol = time.atol = 1e-4`` the adaptive run's temperature rise is within 0.1 %
  of the closed form (integrated by RK4 to round-off), with fewer steps than backward
  Euler needs at a fixed step for the same accuracy;
- the located 60 K/min crossing with BDF2 is on time (0.2 %; the heating rate is the
  derivative of the quadratic through the last three rows, BDF2's own);
- the species and energy balances stay exact with the scheme's own quadrature;
- on a moving interface: tests/verification/test_bdf2_moving.py.
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
from dendrisim.solver.timeerror import bdf2_error_constant
from tests.verification.test_closed_forms import sphere_bundle  # noqa: F401
from tests.verification.test_located_events import (
    A_PRE,
    DH,
    EA,
    _adiabatic_case,
    _exact_crossing_s,
)

END_S = 6.0


def _run(bundle, **over):
    case = _adiabatic_case(0.25).with_overrides(
        {
            "stop.runaway_stops": False,
            "time.end_s": END_S,
            "output.fields_every_s": END_S,
            "time.max_dT_per_step_K": 1e3,
            "time.scheme": "bdf2",
            **over,
        }
    )
    params = ModelParameters.from_case(case).with_(li_molar_density_mol_m3=1e15)
    sim = Simulation(case, bundle, quiet=True, params=params)
    summary = sim.run()
    assert summary.stop_reason == "end_time"
    return summary, sim.history, sim.observables.inventory.heat_capacity_J_K


def _closed_form_T(T0, F0, t, n=20000):
    """T(t) of dT/dt = F0 exp(−Ea/R (1/T − 1/T0)) by classical RK4 (error ~ 1e-12 K)."""

    def f(T):
        return F0 * math.exp(-EA / R * (1 / T - 1 / T0))

    T, h = T0, t / n
    for _ in range(n):
        k1 = f(T)
        k2 = f(T + h / 2 * k1)
        k3 = f(T + h / 2 * k2)
        k4 = f(T + h * k3)
        T += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return T


def test_error_constant_is_the_classical_one_at_a_constant_step():
    assert bdf2_error_constant(0.1, 0.1) == pytest.approx(2 / 9 * 0.1**3, rel=1e-12)


def test_bdf2_is_second_order_on_adiabatic_arrhenius_heating(sphere_bundle):  # noqa: F811
    T_end = []
    for h in (0.4, 0.2, 0.1):
        # loose tolerances: the steps are the fixed h (no error rejection)
        over = {"time.dt_initial_s": h, "time.dt_max_s": h, "time.rtol": 0.9, "time.atol": 1e3}
        summary, rows, _ = _run(sphere_bundle, **over)
        assert summary.rejected == 0 and summary.steps == round(END_S / h)
        T_end.append(rows[-1]["T_interface_mean_K"])
    d = np.diff(T_end)
    order = math.log2(abs(d[0] / d[1]))
    print("BDF2 observed order", order, T_end)
    assert order >= 1.8


def test_rtol_met_on_the_closed_form(sphere_bundle):  # noqa: F811
    over = {"time.rtol": 1e-4, "time.atol": 1e-4, "time.dt_max_s": END_S}
    summary, rows, cap = _run(sphere_bundle, **over)
    T0 = rows[0]["T_interface_mean_K"]
    F0 = -DH * rows[0]["reaction_rate_mol_s"] / cap
    dT_exact = _closed_form_T(T0, F0, END_S) - T0
    err = abs(rows[-1]["T_interface_mean_K"] - T0 - dT_exact) / dT_exact
    print("BDF2 rtol 1e-4:", summary.steps, "steps, dT error", err)
    assert err < 1e-3
    # backward Euler needs 120 steps (fixed 0.05 s) for 0.09 % here
    assert summary.steps < 30
    ts = {k: np.array([r[k] for r in rows]) for k in ("energy_balance_rel", "species_balance_rel")}
    assert np.max(np.abs(ts["energy_balance_rel"])) < 1e-6  # Newton-tolerance exact
    assert np.max(np.abs(ts["species_balance_rel"])) < 1e-6


def test_bdf2_locates_the_runaway_on_time(sphere_bundle):  # noqa: F811
    case = _adiabatic_case(0.4).with_overrides({"time.scheme": "bdf2"})
    params = ModelParameters.from_case(case).with_(li_molar_density_mol_m3=1e15)
    sim = Simulation(case, sphere_bundle, quiet=True, params=params)
    summary = sim.run()
    first = sim.history[0]
    F0 = -DH * first["reaction_rate_mol_s"] / sim.observables.inventory.heat_capacity_J_K
    t_star = _exact_crossing_s(first["T_interface_mean_K"], F0, 1.0)
    print("BDF2 runaway", summary.runaway_s, "exact", t_star, summary.event_solves)
    assert summary.stop_reason == "runaway" and summary.event_solves > 0
    # the rate of the quadratic through the last rows (BDF2's derivative): 0.03 % here,
    # where the last step's difference quotient lags (0.24 %)
    assert summary.runaway_s == pytest.approx(t_star, rel=2e-3)
    assert A_PRE > 0


@pytest.mark.parametrize("outer", ["robin", "dirichlet"])
def test_bdf2_balances_exact(outer):
    over = {
        "time.end_s": 1.0,
        "time.dt_initial_s": 1e-3,
        "output.fields_every_s": 1.0,
        "output.fields": [],
        "stop.runaway_K_per_min": 1e9,
        "interface.moving": False,
        "time.scheme": "bdf2",
        "kinetics.pre_exponential": 1e9,
        "thermal.outer": outer,
        "thermal.heat_transfer_W_m2K": 2e4,
    }
    if outer == "dirichlet":
        over.update({"species.outer": "dirichlet", "thermal.substrate_bottom": "isothermal"})
    case = load_case("fig5-routine").with_overrides(over)
    sim = Simulation(case, slab_mesh(parallel.world(), 12, length_m=1e-6), quiet=True)
    summary = sim.run()
    assert summary.valid, summary.stop_reason
    rows = sim.history
    assert len(rows) > 5 and rows[-1]["li_consumed_mol"] > 0
    for col in ("species_balance_rel", "energy_balance_rel"):
        assert max(abs(r[col]) for r in rows) < 1e-6, col
