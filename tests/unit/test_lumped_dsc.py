"""The lumped DSC of the calibration (dendrisim/physics/lumped_dsc.py) against closed forms."""

import math

import numpy as np
import pytest

from dendrisim.config import load_case
from dendrisim.physics.lumped_dsc import LumpedCell, flat_until_K, located_peak, run_lumped
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK
from dendrisim.physics.params import ModelParameters

CELL = LumpedCell(area_m2=1e-12, li_mol=1e-14, electrolyte_m3=1e-19, mass_g=1e-13)


def test_sei_heat_follows_the_first_order_closed_form():
    E, A, n_s, dH = 135e3, 1e15, 4e-4, -18.5e3
    p = ModelParameters(
        pre_exponential=0.0,
        sei_decomposition_amount_mol_m2=n_s,
        sei_decomposition_pre_exponential_s=A,
        sei_decomposition_activation_J_mol=E,
        sei_decomposition_enthalpy_J_mol=dH,
    )
    c = run_lumped(p, CELL, 350.0, 10.0 / 60.0, 900.0)
    t = np.linspace(0.0, 900.0, 400001)
    k = A * np.exp(-E / (GAS_CONSTANT_J_MOLK * (350.0 + t / 6.0)))
    x_end = math.exp(-np.trapezoid(k, t))
    heat = np.trapezoid(c.sei_W_g, c.time_s) * CELL.mass_g
    assert x_end < 0.01
    assert heat == pytest.approx(-dH * n_s * CELL.area_m2 * (1 - x_end), rel=1e-3)
    # Kissinger: at the peak of a first-order scan k = beta E/(R T_p^2) (to < 1 %)
    T_p, _ = located_peak(c.T_K, c.sei_W_g)
    k_p = A * math.exp(-E / (GAS_CONSTANT_J_MOLK * T_p))
    assert k_p == pytest.approx(10.0 / 60.0 * E / (GAS_CONSTANT_J_MOLK * T_p**2), rel=2e-2)


def test_flat_until_interpolates():
    T = np.array([400.0, 410.0, 420.0])
    assert flat_until_K(T, np.array([0.0, 1.0, 3.0]), 2.0) == pytest.approx(415.0)
    assert flat_until_K(T, np.zeros(3), 2.0) == 420.0


def test_calibrated_cases_load():
    routine, stable = load_case("dsc-routine"), load_case("dsc-stable")
    assert routine.kinetics.pre_exponential == stable.kinetics.pre_exponential
    assert routine.sei.decomposition_amount_mol_m2 > 0
    assert stable.sei.decomposition_amount_mol_m2 == 0
