"""ARC heat-wait-seek (docs/physics.md#temperature-programmes) against the lumped ODE.

Fixed geometry, the species in large excess (uniform concentration), no Li melting: the
unit cell is a lumped body whose temperature obeys

    phi C dT/dt = q A_Γ A exp(-Ea/(R T)) c + phi C β_h(t)

with β_h the heater rate in heat phases (0 in wait, seek and after the exotherm starts),
C the unit cell's heat capacity and phi = thermal.arc_phi.  The exact solution (scipy,
rtol 1e-10) gives the self-heating rate at each seek end: the simulated run must detect
the exotherm at the first plateau where it exceeds 0.02 K/min, and its trigger (60 K/min)
must be at the exact temperature within 1 K.
"""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.meshing.builtin_meshes import slab_mesh
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK, LITHIUM

T_INITIAL, STEP_K, WAIT_S, SEEK_S, HEAT_K_S = 370.0, 5.0, 900.0, 600.0, 2.0 / 60.0
PHI, EA, C_BULK, Q = 2.0, 135e3, 7000.0, 240e3
L, W = 1e-6, 0.5e-6  # slab [m], planar (per metre of depth): Li x < L/2, electrolyte beyond
EL_RHO_CP = 1250.0 * 1800.0  # routine electrolyte preset [J/(m3 K)]
C_OWN = 0.5 * L * W * (LITHIUM.density_kg_m3 * LITHIUM.heat_capacity_J_kgK + EL_RHO_CP)
C_TOT = PHI * C_OWN
S_400 = 0.04 / 60.0  # chosen: self-heating 0.04 K/min at 400 K [K/s]
K_400 = S_400 * C_TOT / (Q * W * C_BULK)  # rate constant at 400 K [m/s]
A_PRE = K_400 * math.exp(EA / (GAS_CONSTANT_J_MOLK * 400.0))
THRESHOLD_K_MIN, TRIGGER_K_MIN = 0.02, 60.0


def self_heating_K_s(T: float) -> float:
    """The exact lumped self-heating rate [K/s]."""
    return Q * W * A_PRE * math.exp(-EA / (GAS_CONSTANT_J_MOLK * T)) * C_BULK / C_TOT


def seek_end_s(k: int) -> float:
    """End of plateau k's seek (plateau 0 at T_INITIAL: no heat phase)."""
    return WAIT_S + SEEK_S + k * (STEP_K / HEAT_K_S + WAIT_S + SEEK_S)


def exact_arc() -> tuple[int, list[float], float]:
    """(onset plateau, self-heating at each seek end [K/min], trigger temperature [K])."""
    T, rates, k = T_INITIAL, [], 0
    while True:
        t0 = seek_end_s(k) - WAIT_S - SEEK_S
        if k > 0:  # heat phase: heater rate on top of the self-heating
            t_heat = STEP_K / HEAT_K_S
            sol = solve_ivp(
                lambda t, y: [self_heating_K_s(y[0]) + HEAT_K_S],
                (t0 - t_heat, t0),
                [T],
                rtol=1e-10,
                atol=1e-12,
                method="LSODA",
            )
            T = sol.y[0, -1]
        sol = solve_ivp(
            lambda t, y: [self_heating_K_s(y[0])],
            (t0, seek_end_s(k)),
            [T],
            rtol=1e-10,
            atol=1e-12,
            method="LSODA",
        )
        T = sol.y[0, -1]
        rates.append(self_heating_K_s(T) * 60.0)
        if rates[-1] > THRESHOLD_K_MIN:
            break
        k += 1
    # adiabatic from here: the trigger is where the rate reaches 60 K/min (rate of T only)
    T_trigger = 1.0 / (
        1.0 / 400.0 - GAS_CONSTANT_J_MOLK / EA * math.log(TRIGGER_K_MIN / 60.0 / S_400)
    )
    return k, rates, T_trigger


def _case():
    over = {
        "kinetics.pre_exponential": A_PRE,
        "kinetics.activation_energy_J_mol": EA,
        "kinetics.enthalpy_J_mol_Li": -Q,
        "electrolyte.stoichiometry": 1e-9,  # species in large excess
        "sei.preset": "none",
        "interface.moving": False,
        "thermal.li_melting": False,
        "thermal.program": "heat_wait_seek",
        "thermal.initial_K": T_INITIAL,
        "thermal.hws_step_K": STEP_K,
        "thermal.hws_wait_min": WAIT_S / 60.0,
        "thermal.hws_seek_min": SEEK_S / 60.0,
        "thermal.hws_heat_K_min": HEAT_K_S * 60.0,
        "thermal.arc_phi": PHI,
        "time.end_s": 60000.0,
        "time.dt_initial_s": 1.0,
        "time.dt_max_s": 300.0,
        "stop.runaway_stops": True,  # the trigger ends the run
        # the consumed-Li error control sets the steps of the exotherm: 1e-2 (316 steps,
        # 5 s) instead of the programme default 1e-3 (1949 steps, 25 s); the trigger
        # temperature is the same to 3e-5 K (the rate is a function of T alone)
        "time.consumed_error_tol": 1e-2,
        # the self-heating column is the step's difference quotient: the model's own rate
        # for backward Euler, an O(dt) approximation under BDF2
        "time.scheme": "backward_euler",
        "output.fields": [],
        "output.fields_every_s": 60000.0,
    }
    return load_case("fig5-routine").with_overrides(over)


def test_exact_reference_straddles_the_threshold():
    """The chosen numbers put the onset plateau well clear of the threshold."""
    k, rates, T_trigger = exact_arc()
    assert k == 5  # plateau 395 K
    assert rates[-2] < 0.95 * THRESHOLD_K_MIN < THRESHOLD_K_MIN * 1.3 < rates[-1]
    assert 480.0 < T_trigger < 500.0


@pytest.mark.mpi
def test_heat_wait_seek_onset_and_trigger_match_the_lumped_ode():
    from dendrisim.io.result import summarize
    from dendrisim.solver.simulation import Simulation

    k, rates, T_trigger = exact_arc()
    bundle = slab_mesh(parallel.world(), 8, length_m=L, width_m=W, ny=2)
    case = _case()
    sim = Simulation(case, bundle, quiet=True)
    assert sim.observables.inventory.heat_capacity_J_K == pytest.approx(C_TOT, rel=1e-9)
    summary = sim.run()
    assert summary.stop_reason == "runaway"
    h = sim.history
    ts = {c: np.array([r[c] for r in h]) for c in h[0]}
    # the run detects the exotherm at the end of plateau k's seek, as the ARC does
    assert summary.events["arc_onset"] == pytest.approx(seek_end_s(k), rel=1e-9)
    row = next(r for r in h if abs(r["time_s"] - seek_end_s(k)) < 1e-6)
    assert row["self_heating_K_min"] == pytest.approx(rates[-1], rel=2e-3)
    before = next(r for r in h if abs(r["time_s"] - seek_end_s(k - 1)) < 1e-6)
    assert before["self_heating_K_min"] == pytest.approx(rates[-2], rel=2e-3)
    out = summarize(ts, {"events_s": summary.events}, case)
    assert out["arc_onset_s"] == pytest.approx(seek_end_s(k))
    offline = summarize(ts, {}, case)  # an older folder: found again from the seek-end rows
    assert offline["arc_onset_s"] == pytest.approx(seek_end_s(k))
    assert offline["arc_onset_K"] == pytest.approx(row["T_interface_mean_K"])
    assert out["arc_max_K"] == pytest.approx(h[-1]["T_interface_mean_K"])  # still rising
    assert abs(out["arc_trigger_K"] - T_trigger) < 1.0, (out["arc_trigger_K"], T_trigger)
    # energy: stored = reaction heat + heater's heat (adiabatic)
    assert max(abs(r["energy_balance_rel"]) for r in h) < 1e-6
    # the step grew where nothing happens (hours of programme in a few hundred steps)
    assert summary.steps < 500, summary.steps
    assert np.count_nonzero(ts["time_s"] < seek_end_s(k)) < 150  # 9750 s of programme


def test_schedule_phases():
    from dendrisim.physics.programme import HeatWaitSeek

    case = load_case("fig5-routine").with_overrides(
        {
            "thermal.program": "heat_wait_seek",
            "thermal.initial_K": 300.0,
            "thermal.hws_start_K": 310.0,
        }
    )
    hws = HeatWaitSeek.of_thermal(case.thermal)
    # 10 K at 2 K/min, 15 min wait, 10 min seek; then 5 K steps (150 s)
    assert hws.first_heat_s == pytest.approx(300.0)
    assert hws.seek_end_s(0) == pytest.approx(300.0 + 1500.0)
    assert hws.seek_end_s(1) == pytest.approx(1800.0 + 150.0 + 1500.0)
    assert hws.boundaries_s(3500.0) == pytest.approx(
        [300.0, 1200.0, 1800.0, 1950.0, 2850.0, 3450.0]
    )
    assert hws.heater_K_s(100.0) == pytest.approx(2.0 / 60.0)
    assert hws.heater_K_s(1000.0) == 0.0
    assert hws.heater_K_s(1900.0) == pytest.approx(2.0 / 60.0)
    assert hws.heater_K_s(1900.0, exotherm_s=1800.0) == 0.0
    assert hws.seek_end_index(1800.0) == 0 and hws.seek_end_index(1799.0) is None
    assert hws.detects(3450.0, 0.021) and not hws.detects(3450.0, 0.019)
    assert not hws.detects(3400.0, 1.0)
    assert hws.plateau_K(2) == pytest.approx(320.0)


@pytest.mark.parametrize(
    "over, match",
    [
        ({"thermal.outer": "dirichlet"}, "keeps the sample adiabatic"),
        ({"thermal.hws_start_K": 300.0, "thermal.initial_K": 310.0}, "hws_start_K"),
        ({"thermal.enabled": False}, "needs thermal.enabled"),
        ({"thermal.hws_step_K": 0.0}, "hws_step_K"),
        ({"thermal.arc_phi": 0.9}, "arc_phi"),
    ],
)
def test_heat_wait_seek_bad_input_names_the_key(over, match):
    from dendrisim.core.errors import CaseError

    with pytest.raises(CaseError, match=match):
        load_case("fig5-routine").with_overrides({"thermal.program": "heat_wait_seek", **over})


def test_arc_phi_needs_heat_wait_seek():
    from dendrisim.core.errors import CaseError

    with pytest.raises(CaseError, match="arc_phi"):
        load_case("fig5-routine").with_overrides({"thermal.arc_phi": 2.0})
