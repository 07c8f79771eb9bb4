"""ARC heat-wait-seek resumes when an exotherm dies out (docs/physics.md#arc-heat-wait-seek).

The lumped body of tests/verification/test_arc_programme.py (fixed geometry, species in
large excess) gets a second, self-limiting exotherm: the SEI decomposition
dx/dt = -A_s exp(-E_s/(R T)) x, heat -ΔH_s n_s W (-dx/dt) per metre of depth, sized to a
5 K adiabatic rise and detected at the first plateau (370 K).  It dies out at ~375 K, far
below the Li reaction's onset (~395 K): an ARC whose heater stayed off after the first
detection would sit there; one that resumes heat-wait-seek when the self-heating rate falls
back below the threshold (checked at every step while tracking) goes on in 5 K steps to the
Li reaction, detects it and runs away.  The exact solution (scipy, rtol 1e-10) of the ODEs

    phi C dT/dt = q W A exp(-Ea/RT) c + (-ΔH_s) n_s W A_s exp(-E_s/RT) x + phi C β_h(t)

with the same rule gives the resume time (the run resumes at the end of the step where
the rate crossed, the rates there within 1 % of the exact ones: 60 s steps), and, from
the run's resume time, the plateau and time of the second detection (exact), its rate
(0.5 %) and the trigger (1 K).
"""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from dendrisim.core import parallel
from dendrisim.meshing.builtin_meshes import slab_mesh
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK
from tests.verification.test_arc_programme import (
    A_PRE,
    C_BULK,
    C_TOT,
    EA,
    HEAT_K_S,
    SEEK_S,
    STEP_K,
    THRESHOLD_K_MIN,
    TRIGGER_K_MIN,
    WAIT_S,
    L,
    Q,
    W,
    _case,
)

H_S, E_S = 18.5e3, 1.3508e5  # -ΔH_s [J/mol], E_s [J/mol] (the defaults)
DT_AD_SEI = 5.0  # chosen adiabatic rise of the SEI exotherm [K]
N_S = DT_AD_SEI * C_TOT / (H_S * W)  # SEI amount per area [mol/m2]
K_S_370 = 1.67e-4  # chosen: 0.05 K/min at 370 K with x = 1 [1/s]
A_S = K_S_370 * math.exp(E_S / (GAS_CONSTANT_J_MOLK * 370.0))
TOL = {"rtol": 1e-10, "atol": 1e-13, "method": "LSODA"}


def rhs(T: float, x: float, heater: float = 0.0) -> list[float]:
    """[dT/dt, dx/dt] of the lumped body [K/s, 1/s]."""
    k_li = A_PRE * math.exp(-EA / (GAS_CONSTANT_J_MOLK * T))
    k_s = A_S * math.exp(-E_S / (GAS_CONSTANT_J_MOLK * T))
    dT = (Q * W * k_li * C_BULK + H_S * N_S * W * k_s * x) / C_TOT + heater
    return [dT, -k_s * x]


def rate_K_min(y) -> float:
    return rhs(y[0], y[1])[0] * 60.0


def advance(y, t0: float, t1: float, heater: float = 0.0):
    sol = solve_ivp(lambda t, u: rhs(u[0], u[1], heater), (t0, t1), list(y), **TOL)
    return sol.y[:, -1]


def track(y, t0: float, level: float, falling: bool):
    """Adiabatic from t0 until the self-heating rate crosses ``level`` [K/min]: (t, y)."""

    def ev(t, u):
        return rate_K_min(u) - level

    ev.terminal, ev.direction = True, (-1 if falling else 1)
    sol = solve_ivp(lambda t, u: rhs(u[0], u[1]), (t0, t0 + 1e6), list(y), events=ev, **TOL)
    return sol.t_events[0][0], sol.y_events[0][0]


def hws_from(y, t0: float):
    """Heat-wait-seek from (t0, y) until a seek end's rate exceeds the threshold."""
    t, k = t0, 0
    while True:
        y = advance(y, t, t + STEP_K / HEAT_K_S, HEAT_K_S)
        t += STEP_K / HEAT_K_S
        y = advance(y, t, t + WAIT_S + SEEK_S)
        t += WAIT_S + SEEK_S
        if rate_K_min(y) > THRESHOLD_K_MIN:
            return k, t, y
        k += 1


def test_reference_has_two_exotherms_apart():
    y = advance([370.0, 1.0], 0.0, WAIT_S + SEEK_S)
    assert rate_K_min(y) > 1.3 * THRESHOLD_K_MIN  # the SEI: detected at plateau 0
    t_r, y_r = track(y, WAIT_S + SEEK_S, THRESHOLD_K_MIN, falling=True)
    assert y_r[0] < 377.0 and y_r[1] < 0.3  # it died out, well below the Li onset
    k, _, y2 = hws_from(y_r, t_r)
    assert k >= 2 and y2[0] > 390.0  # the Li reaction: several steps later


@pytest.mark.mpi
def test_heat_wait_seek_resumes_after_a_self_limiting_exotherm():
    from dendrisim.io.result import summarize
    from dendrisim.solver.simulation import Simulation

    case = _case().with_overrides(
        {
            "sei.decomposition_amount_mol_m2": N_S,
            "sei.decomposition_pre_exponential_s": A_S,
            "sei.decomposition_activation_J_mol": E_S,
            "sei.decomposition_enthalpy_J_mol": -H_S,
            # backward Euler's O(dt) error of the tracked SEI exotherm (the consumed-Li
            # error control does not see the SEI heat): 3 % in the rate with 300 s steps,
            # 0.6 % with 60 s
            "time.dt_max_s": 60.0,
        }
    )
    sim = Simulation(case, slab_mesh(parallel.world(), 8, length_m=L, width_m=W, ny=2), quiet=True)
    summary = sim.run()
    assert summary.stop_reason == "runaway"
    h = sim.history
    t1 = WAIT_S + SEEK_S
    assert summary.events["arc_onset"] == pytest.approx(t1, rel=1e-9)  # the FIRST exotherm
    assert len(sim.exotherms_s) == 2 and len(sim.resumes_s) == 1
    # resumed at the end of the step in which the exact rate fell below the threshold
    t_cross, _ = track(advance([370.0, 1.0], 0.0, t1), t1, THRESHOLD_K_MIN, falling=True)
    t_r = sim.resumes_s[0]
    i = next(n for n, r in enumerate(h) if r["time_s"] == t_r)
    assert h[i - 1]["self_heating_K_min"] >= THRESHOLD_K_MIN > h[i]["self_heating_K_min"]
    y0 = advance([370.0, 1.0], 0.0, t1)
    for r in (h[i - 1], h[i]):  # the rule saw the exact rates to backward Euler's O(dt)
        exact = rate_K_min(advance(y0, t1, r["time_s"]))
        assert r["self_heating_K_min"] == pytest.approx(exact, rel=1e-2)
    assert h[i - 2]["time_s"] < t_cross < t_r  # within a step or two of the exact crossing
    # from the run's resume point the exact heat-wait-seek detects the Li reaction ...
    y_r = advance(advance([370.0, 1.0], 0.0, t1), t1, t_r)
    k, t2, y2 = hws_from(y_r, t_r)
    assert sim.exotherms_s[1] == pytest.approx(t2, rel=1e-9), (sim.exotherms_s, t2)
    row = next(r for r in h if abs(r["time_s"] - t2) < 1e-6)
    assert row["self_heating_K_min"] == pytest.approx(rate_K_min(y2), rel=5e-3)
    assert row["T_interface_mean_K"] == pytest.approx(y2[0], abs=0.05)
    # ... and runs away: the trigger at the exact temperature within 1 K
    _, y_trig = track(y2, t2, TRIGGER_K_MIN, falling=False)
    ts = {c: np.array([r[c] for r in h]) for c in h[0]}
    out = summarize(ts, {"events_s": summary.events}, case)
    assert out["arc_onset_s"] == pytest.approx(t1)
    assert abs(out["arc_trigger_K"] - y_trig[0]) < 1.0, (out["arc_trigger_K"], y_trig[0])
    assert max(abs(r["energy_balance_rel"]) for r in h) < 1e-6


def test_resumed_schedule_starts_with_a_heat_step():
    from dendrisim.config import load_case
    from dendrisim.physics.programme import HeatWaitSeek

    case = load_case("fig5-routine").with_overrides({"thermal.program": "heat_wait_seek"})
    hws = HeatWaitSeek.of_thermal(case.thermal).resumed(5000.0, 380.0)
    # 5 K at 2 K/min (150 s), 15 min wait, 10 min seek, from t = 5000 s
    assert hws.boundaries_s(6700.0) == pytest.approx([5150.0, 6050.0, 6650.0])
    assert hws.heater_K_s(4999.0) == 0.0 and hws.heater_K_s(5100.0) > 0.0
    assert hws.seek_end_index(6650.0) == 0 and hws.plateau_K(0) == pytest.approx(385.0)
    assert hws.detects(6650.0 + 1650.0, 0.03) and not hws.detects(1500.0, 1.0)
