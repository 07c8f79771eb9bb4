"""Semenov / Frank-Kamenetskii criticality of a lumped cell against closed forms."""

import math

import numpy as np
import pytest

from dendrisim.physics import criticality as crit
from dendrisim.physics.criticality import LumpedCell

R = crit.R
E = 135e3  # J/mol, the Fig. 5 activation energy


def _cell(loss_W_K: float) -> LumpedCell:
    # a unit-cell-sized body: 1e-12 m2 reacting, 1e-11 J/K, rate ~ 1e-5 mol/m2/s at 440 K
    return LumpedCell(
        heat_capacity_J_K=1e-11,
        reacting_area_m2=1e-12,
        loss_W_K=loss_W_K,
        pre_exponential=1e7,
        activation_energy_J_mol=E,
        concentration_mol_m3=7000.0,
        enthalpy_J_mol=-240e3,
    )


def _loss_for_critical_ambient(ambient_K: float) -> float:
    """Closed form: the loss coefficient that makes ``ambient_K`` exactly critical."""
    T_c = E / (2 * R) * (1 - math.sqrt(1 - 4 * R * ambient_K / E))
    q = float(_cell(1.0).heat_release_W(T_c))
    return q * E / (R * T_c**2)


def test_critical_ambient_matches_the_closed_form_tangency():
    ambient = 430.0
    cell = _cell(_loss_for_critical_ambient(ambient))
    point = crit.semenov_critical(cell)
    assert point.ambient_K == pytest.approx(ambient, abs=1e-6)
    # the two curves touch: equal values and equal slopes
    T_c = point.cell_K
    q = float(cell.heat_release_W(T_c))
    assert q == pytest.approx(cell.loss_W_K * (T_c - ambient), rel=1e-8)
    assert q * E / (R * T_c**2) == pytest.approx(cell.loss_W_K, rel=1e-8)
    assert point.rise_K == pytest.approx(R * T_c**2 / E, rel=1e-10)


def test_frank_kamenetskii_approximation_within_one_kelvin():
    cell = _cell(_loss_for_critical_ambient(430.0))
    assert crit.critical_ambient_fk_K(cell) == pytest.approx(430.0, abs=1.0)
    assert crit.semenov_number(cell, crit.critical_ambient_fk_K(cell)) == pytest.approx(1 / math.e)


@pytest.mark.parametrize("offset_K, runs_away", [(-2.0, False), (2.0, True)])
def test_histories_two_kelvin_either_side_of_critical(offset_K, runs_away):
    cell = _cell(_loss_for_critical_ambient(430.0))
    ambient = crit.semenov_critical(cell).ambient_K + offset_K
    t_ind = crit.adiabatic_induction_time_s(cell, ambient)
    t, T = crit.lumped_history(cell, ambient, ambient, end_s=200 * t_ind, limit_K=ambient + 100)
    if runs_away:
        assert T[-1] >= ambient + 100 - 1e-6
        assert not crit.steady_states_K(cell, ambient, hi_K=ambient + 60)
    else:
        stable = crit.steady_states_K(cell, ambient)[0]
        assert T[-1] == pytest.approx(stable, abs=1e-3)
        assert T.max() < ambient + R * 432.0**2 / E  # never beyond the critical rise


def test_adiabatic_induction_time_matches_the_integrated_history():
    cell = _cell(0.0)
    T0 = 440.0
    t_ad = crit.adiabatic_induction_time_s(cell, T0)
    t, T = crit.lumped_history(cell, T0, T0, end_s=10 * t_ad, limit_K=1500.0)
    from scipy.integrate import quad

    # the exact time to 1500 K: integral of C / q(T) dT
    exact, _ = quad(lambda T: cell.heat_capacity_J_K / float(cell.heat_release_W(T)), T0, 1500.0)
    assert t[-1] == pytest.approx(exact, rel=1e-6)
    # FK's t_ad is the leading term of the asymptotic series of that integral in
    # eps = R T0/E: exact = t_ad (1 + 2 eps + 6 eps^2 + 24 eps^3 + ...)
    eps = R * T0 / E
    assert exact / t_ad == pytest.approx(1 + 2 * eps + 6 * eps**2 + 24 * eps**3, abs=150 * eps**4)


def test_adiabatic_cell_has_no_critical_ambient_and_bad_input_is_named():
    with pytest.raises(ValueError, match="adiabatic"):
        crit.semenov_critical(_cell(0.0))
    with pytest.raises(ValueError, match="heat_capacity_J_K"):
        LumpedCell(0.0, 1.0, 0.0, 1.0, E, 1.0, -1.0)
    with pytest.raises(ValueError, match="loss_W_K"):
        LumpedCell(1.0, 1.0, np.inf, 1.0, E, 1.0, -1.0)
