"""Product layer and SEI decomposition (docs/physics.md#product-layer) against closed forms.

On a fixed slab with the species in large excess (c stays at c_bulk), the interface
laws reduce to ODEs with exact solutions:

- product layer, ``dz/dt = k exp(-z/z0)``: ``z = z0 ln(1 + K/z0)`` with ``K = ∫ k dt``
  (``k t`` isothermal; the integral along T0 + β t under a ramp);
- SEI decomposition, ``dx/dt = -k_s x``: ``x = exp(-∫ k_s dt)``, heat released
  ``-ΔH_s n_s A_Γ (1 - x)``.

``kinetics.product_layer = "none"`` must give today's law exactly (identical numbers).
"""

import math

import numpy as np
import pytest

from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.meshing.builtin_meshes import slab_mesh
from dendrisim.physics import kinetics
from dendrisim.physics.laws import InterfaceRate
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK
from dendrisim.physics.params import ModelParameters

R = GAS_CONSTANT_J_MOLK
EA, C, Z0 = 135e3, 7000.0, 1e-4  # J/mol, mol/m3, mol/m2
L, W = 1e-6, 0.5e-6  # slab length and width [m] (planar: interface W per metre of depth)
T_ISO = 450.0
K_ISO = 2e-5  # mol m^-2 s^-1 bare rate at T_ISO: k t/z0 = 20 at 100 s
A_PRE = K_ISO / (C * math.exp(-EA / (R * T_ISO)))
SEI_E, SEI_N, SEI_DH = 135.08e3, 3e-4, -18.5e3  # J/mol, mol/m2, J/mol
SEI_A = 0.02 / math.exp(-SEI_E / (R * T_ISO))  # k_s(T_ISO) = 0.02 1/s


def _case(**extra):
    over = {
        "kinetics.pre_exponential": A_PRE,
        "kinetics.activation_energy_J_mol": EA,
        "kinetics.enthalpy_J_mol_Li": -1.0,
        "electrolyte.stoichiometry": 1e-9,  # species in large excess
        "sei.preset": "none",
        "interface.moving": False,
        "thermal.enabled": False,
        "thermal.initial_K": T_ISO,
        "time.end_s": 100.0,
        "time.dt_initial_s": 0.05,
        "time.dt_max_s": 5.0,
        "time.scheme": "backward_euler",  # the history terms are built for BE only
        "output.fields": [],
        "output.fields_every_s": 100.0,
    }
    over.update(extra)
    return load_case("fig5-routine").with_overrides(over)


def _run(case):
    from dendrisim.solver.simulation import Simulation

    bundle = slab_mesh(parallel.world(), 8, length_m=L, width_m=W, ny=2)
    sim = Simulation(case, bundle, quiet=True)
    summary = sim.run()
    assert summary.stop_reason == "end_time"
    return sim


def _column(sim, name):
    return np.array([r[name] for r in sim.history])


def test_none_is_the_bare_law_exactly():
    p = ModelParameters(pre_exponential=A_PRE, activation_energy_J_mol=EA)
    T = np.linspace(300.0, 500.0, 7)
    c = np.linspace(0.0, 7000.0, 7)
    bare = kinetics.reaction_rate(T, c, A_PRE, EA, 1.0)
    assert np.array_equal(InterfaceRate(p)(T, c, np.full(7, 5.0), 3.0), bare)
    layer = InterfaceRate(p.with_(product_layer="exponential"))
    assert np.all(layer(T, c, np.zeros(7), 1e-9) == pytest.approx(bare, rel=1e-6))


def test_product_layer_none_run_is_identical_to_default():
    a = _run(_case(**{"time.end_s": 5.0}))
    b = _run(_case(**{"time.end_s": 5.0, "kinetics.product_layer": "none"}))
    assert a.history == b.history


def test_product_layer_isothermal_closed_form():
    sim = _run(_case(**{"kinetics.product_layer": "exponential"}))
    t, z = _column(sim, "time_s"), _column(sim, "li_consumed_mol") / W
    exact = kinetics.product_layer_closed_form(K_ISO, t, Z0)
    assert z[-1] / Z0 > 2.5  # the layer has slowed the rate by > 10x
    assert np.allclose(z[1:], exact[1:], rtol=5e-3)
    # and it is slower than the bare law by the closed form's factor
    assert z[-1] < 0.2 * K_ISO * t[-1]


def test_product_layer_ramp_closed_form():
    t_end, T0, beta = 600.0, 400.0, 10.0 / 60.0
    over = {
        "kinetics.product_layer": "exponential",
        "thermal.enabled": True,
        "thermal.program": "ramp",
        "thermal.initial_K": T0,
        "time.end_s": t_end,
        "time.dt_max_s": 60.0,
        "output.fields_every_s": t_end,
    }
    sim = _run(_case(**over))
    t = np.linspace(0.0, t_end, 200001)
    k = A_PRE * np.exp(-EA / (R * (T0 + beta * t))) * C
    K = np.concatenate([[0.0], np.cumsum(0.5 * (k[1:] + k[:-1]) * np.diff(t))])
    exact = Z0 * np.log1p(K[-1] / Z0)
    z = sim.history[-1]["li_consumed_mol"] / W
    assert z / Z0 > 2.0
    assert z == pytest.approx(exact, rel=5e-3)


def _sei(**extra):
    over = {
        "sei.decomposition_amount_mol_m2": SEI_N,
        "sei.decomposition_pre_exponential_s": SEI_A,
        "sei.decomposition_activation_J_mol": SEI_E,
        "sei.decomposition_enthalpy_J_mol": SEI_DH,
    }
    over.update(extra)
    return over


def test_sei_decomposition_isothermal_closed_form():
    sim = _run(_case(**_sei()))
    t = _column(sim, "time_s")
    sei_heat = np.concatenate(
        [[0.0], np.cumsum(_column(sim, "sei_heat_release_W")[1:] * np.diff(t))]
    )
    exact = -SEI_DH * SEI_N * W * (1.0 - np.exp(-0.02 * t))
    assert exact[-1] > 0.8 * (-SEI_DH * SEI_N * W)  # most of it decomposed
    assert np.allclose(sei_heat[1:], exact[1:], rtol=5e-3)
    # heat_release_W includes it (the Li reaction's heat is -ΔH r with ΔH = -1 J/mol)
    q_li = _column(sim, "reaction_rate_mol_s") * 1.0
    assert np.allclose(_column(sim, "heat_release_W"), q_li + _column(sim, "sei_heat_release_W"))


def test_layer_and_sei_close_the_energy_balance_under_a_ramp():
    over = {
        "kinetics.product_layer": "exponential",
        "kinetics.enthalpy_J_mol_Li": -240e3,
        "thermal.enabled": True,
        "thermal.program": "ramp",
        "thermal.initial_K": 400.0,
        "time.end_s": 400.0,
        "time.dt_max_s": 60.0,
        "output.fields_every_s": 400.0,
    }
    sim = _run(_case(**_sei(**over)))
    assert sim.history[-1]["sei_heat_release_W"] >= 0.0
    worst = max(abs(r["energy_balance_rel"]) for r in sim.history)
    assert worst < 1e-6, worst


def test_history_terms_with_bdf2_are_refused_naming_the_key():
    from dendrisim.core.errors import NotBuiltYetError

    case = _case(**{"time.scheme": "bdf2", "kinetics.product_layer": "exponential"})
    with pytest.raises(NotBuiltYetError, match='time.scheme = "backward_euler"'):
        _run(case)
