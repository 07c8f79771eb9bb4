"""The regime map's pieces: Da and Bi on a hand case, the lumped model against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dendrisim.physics.lumped_model import (
    ConstantArea,
    LumpedModel,
    NeedleRecession,
    biot,
    damkohler,
    solve_lumped,
    surface_rate_constant_m_s,
)
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK as R

A_PRE, E, C0, S = 1.0e7, 1.0e5, 7000.0, 1.0e-12


def _model(**kw) -> LumpedModel:
    base = dict(
        heat_capacity_J_K=1e-12,
        area=ConstantArea(S, 1e-14),
        pre_exponential=A_PRE,
        activation_energy_J_mol=E,
        reaction_order=1.0,
        enthalpy_J_mol_Li=-2.4e5,
        concentration_mol_m3=C0,
        electrolyte_m3=4e-18,
        stoichiometry=0.5,
    )
    base.update(kw)
    return LumpedModel(**base)


def test_damkohler_and_biot_on_a_hand_case():
    # k_s = A exp(-E/RT) for n = 1: at 450 K, 1e7 exp(-26.73) = 2.47e-5 m/s
    k = surface_rate_constant_m_s(_model(), 450.0)
    assert k == pytest.approx(A_PRE * math.exp(-E / (R * 450.0)), rel=1e-12)
    assert k == pytest.approx(2.467e-5, rel=1e-3)
    # film l_D = V_e / S = 4e-18 / 1e-12 = 4 µm; D = 1e-9: Da = 2.467e-5 * 4e-6 / 1e-9 = 0.0987
    assert damkohler(k, 4e-6, 1e-9) == pytest.approx(0.09868, rel=1e-3)
    # order 2: k_s = A exp(-E/RT) c0 (m/s when A is in m^4/(mol s))
    k2 = surface_rate_constant_m_s(_model(reaction_order=2.0), 450.0)
    assert k2 == pytest.approx(k * C0, rel=1e-12)
    # Bi = h l_T / k_e: 0.004 W/(m2 K) over 5 µm of a 0.2 W/(m K) electrolyte = 1e-7
    assert biot(0.004, 5e-6, 0.2) == pytest.approx(1e-7, rel=1e-12)
    assert biot(math.inf, 5e-6, 0.2) == math.inf


def test_needle_recession_area_is_minus_dV_dd():
    a, ell, vm = 0.075e-6, 1.5e-6, 1.3e-5
    nd = NeedleRecession(a, ell, vm)
    assert nd.volume_m3 == pytest.approx(math.pi * a**2 * ell - math.pi * a**3 / 3, rel=1e-12)
    assert nd.area(0.0) == pytest.approx(2 * math.pi * a * ell, rel=1e-12)
    for d in (0.01e-6, 0.04e-6, 0.07e-6):  # uniform recession by d: radius a-d, length l-d
        vol = math.pi * (a - d) ** 2 * (ell - d) - math.pi * (a - d) ** 3 / 3
        consumed = (nd.volume_m3 - vol) / vm
        assert nd.area(consumed) == pytest.approx(2 * math.pi * (a - d) * (ell - d), rel=1e-5)
    assert nd.area(nd.li_mol) == 0.0


def test_isothermal_lumped_cell_depletes_the_species_as_the_closed_form():
    """Bath (T fixed), constant area, first order: c = c0 exp(-nu S k t / V)."""
    model = _model(loss_W_K=math.inf, ambient_K=450.0, area=ConstantArea(S, 1.0))
    k = A_PRE * math.exp(-E / (R * 450.0))
    rate = 0.5 * S * k / 4e-18  # nu S k / V [1/s]
    t = np.array([0.5, 2.0, 5.0]) / rate
    sol = solve_lumped(model, 999.0, t)  # the bath ignores the initial temperature
    c = C0 * np.exp(-rate * t)
    assert np.allclose(sol.c_mol_m3, c, rtol=1e-6)
    consumed = (C0 - c) * 4e-18 / 0.5
    assert np.allclose(1.0 - sol.retention, consumed / 1.0, rtol=1e-6)
    assert np.all(sol.T_K == 450.0)


def test_adiabatic_lumped_cell_heats_by_the_reaction_enthalpy():
    """No loss, no melting: C (T - T0) = |dH| N at every time (energy balance), and the
    Li-exhausted stop leaves the retention at the threshold."""
    li = 2e-15
    model = _model(area=ConstantArea(S, li), li_exhausted_retention=0.05)
    sol = solve_lumped(model, 450.0, [1e-3, 1e-2, 0.1, 1.0, 5.0])
    dT = sol.T_K - 450.0
    consumed = (1.0 - sol.retention) * li
    assert np.allclose(1e-12 * dT, 2.4e5 * consumed, rtol=1e-6, atol=1e-22)
    assert sol.retention[-1] == pytest.approx(0.05, abs=1e-9)
    assert math.isfinite(sol.half_s) and 0 < sol.half_s < 5.0


def test_robin_lumped_cell_without_reaction_cools_exponentially():
    model = _model(pre_exponential=0.0, loss_W_K=2e-12, ambient_K=400.0)
    t = np.array([0.1, 0.5, 1.0])
    sol = solve_lumped(model, 410.0, t)
    assert np.allclose(sol.T_K, 400.0 + 10.0 * np.exp(-2.0 * t), rtol=1e-7)


def test_adiabatic_lumped_cell_pays_the_latent_heat_of_melting():
    """With Li melting (mass m, constant): C (T - T0) + m H_melt(T0 -> T) = |dH| N."""
    li, m, lat, w, tm = 2e-15, 2e-16, 431.8e3, 1.0, 453.65
    model = _model(area=ConstantArea(S, li), li_mass_kg=m, latent_heat_J_kg=lat, melting_width_K=w)
    sol = solve_lumped(model, 445.0, [0.5, 2.0, 10.0, 40.0])
    assert sol.T_K[-1] > tm + 5 * w  # crossed the melting point
    melt = (
        0.5
        * lat
        * np.array(
            [
                math.erf((t - tm) / (math.sqrt(2) * w))
                - math.erf((445.0 - tm) / (math.sqrt(2) * w))
                for t in sol.T_K
            ]
        )
    )
    consumed = (1.0 - sol.retention) * li
    assert np.allclose(1e-12 * (sol.T_K - 445.0) + m * melt, 2.4e5 * consumed, rtol=1e-5)
