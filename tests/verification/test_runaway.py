"""Semenov-type thermal runaway of a Li sphere with an Arrhenius surface source.

The sphere (radius a) sits in an electrolyte ball (radius b) held at T_amb on its outer
surface, so the heat loss is G (T_s - T_amb) with G = 4 pi k / (1/a - 1/b).  With the
generation Q(T) = -dH A exp(-Ea/RT) 4 pi a^2, a steady state exists only below the
critical ambient temperature where Q = G (T - T_amb) and Q' = G touch:
T_s - T_amb = R T_s^2 / Ea.  The solver must run away 2 K above it and settle 2 K below.
"""

import math

import pytest

from dendrisim.config import load_case
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK as R
from dendrisim.physics.params import ModelParameters
from dendrisim.solver.simulation import Simulation
from tests.verification.test_closed_forms import A, B, sphere_bundle  # noqa: F401

EA, DH, K_E = 135e3, -240e3, 0.2
G = 4 * math.pi * K_E / (1 / A - 1 / B)
T_S_CRIT = 450.0  # chosen touching point
A_PRE = G * (R * T_S_CRIT**2 / EA) / (-DH * 4 * math.pi * A**2) * math.exp(EA / (R * T_S_CRIT))


def critical_ambient_K() -> float:
    """T_amb at which the steady state disappears (tangency), solved by bisection on T_s."""

    def q(t):
        return -DH * A_PRE * math.exp(-EA / (R * t)) * 4 * math.pi * A**2

    lo, hi = 400.0, 500.0  # solve q(T) Ea/(R T^2) = G for the touching T_s
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if q(mid) * EA / (R * mid**2) < G:
            lo = mid
        else:
            hi = mid
    ts = 0.5 * (lo + hi)
    return ts - q(ts) / G


@pytest.mark.parametrize("offset_K, expect", [(-2.0, "end_time"), (2.0, "runaway")])
def test_semenov_critical_ambient(sphere_bundle, offset_K, expect):  # noqa: F811
    t_crit = critical_ambient_K()
    assert t_crit == pytest.approx(T_S_CRIT - R * T_S_CRIT**2 / EA, abs=1e-6)
    t_amb = t_crit + offset_K
    case = load_case("fig5-routine").with_overrides(
        {
            "interface.moving": False,
            "stop.runaway_stops": True,
            "kinetics.activation_energy_J_mol": EA,
            "kinetics.pre_exponential": A_PRE,
            "kinetics.reaction_order": 0,
            "kinetics.enthalpy_J_mol_Li": DH,
            "electrolyte.conductivity_W_mK": K_E,
            "thermal.outer": "dirichlet",
            "thermal.initial_K": t_amb,
            "thermal.ambient_K": t_amb,
            "thermal.li_melting": False,
            "species.outer": "dirichlet",
            "time.end_s": 0.1,
            "time.dt_initial_s": 1e-6,
            "time.dt_min_s": 1e-10,
            "output.fields": [],
        }
    )
    params = ModelParameters.from_case(case).with_(li_molar_density_mol_m3=1e15)
    summary = Simulation(case, sphere_bundle, quiet=True, params=params).run()
    assert summary.stop_reason == expect
    if expect == "end_time":
        # settled on the lower steady branch: below the touching temperature
        assert summary.last["T_interface_mean_K"] < T_S_CRIT
        assert summary.last["T_interface_mean_K"] > t_amb + 1.0
