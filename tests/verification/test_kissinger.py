"""Kissinger helper: simulated DSC scans at several heating rates recover the E put in.

Fixed geometry, T on the programme (tiny enthalpy): the solvent is consumed at
``r = A exp(-E/(R T)) c`` in a closed electrolyte where diffusion is fast, so the
electrolyte's species follows first-order kinetics, for which Kissinger's relation holds
at the peak of the heat flow.  The fit of ln(β/T_p²) against 1/T_p must give E within 2 %.
"""

import math

import numpy as np
import pytest

from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.io.result import dsc_peak, located_peak
from dendrisim.meshing.builtin_meshes import slab_mesh
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK
from dendrisim.post.kissinger import kissinger_fit

EA, NU = 135e3, 0.5  # J/mol, mol species per mol Li
L, W = 1e-6, 0.5e-6  # slab: Li for x < L/2, electrolyte beyond
AREA_PER_VOLUME = 1.0 / (0.5 * L)  # interface area / electrolyte volume [1/m]
T_PEAK_10 = 450.0  # K: the peak at 10 K/min, k(T_p) = E β / (R T_p²) (Kissinger)
K_PEAK = EA * (10.0 / 60.0) / (GAS_CONSTANT_J_MOLK * T_PEAK_10**2)
A_PRE = K_PEAK / (NU * AREA_PER_VOLUME * math.exp(-EA / (GAS_CONSTANT_J_MOLK * T_PEAK_10)))
T0, T_END = 380.0, 520.0  # K


def _scan(rate_K_min: float) -> float:
    from dendrisim.solver.simulation import Simulation

    end_s = (T_END - T0) / rate_K_min * 60.0
    case = load_case("fig5-routine").with_overrides(
        {
            "kinetics.pre_exponential": A_PRE,
            "kinetics.activation_energy_J_mol": EA,
            "kinetics.enthalpy_J_mol_Li": -1.0,
            "electrolyte.stoichiometry": NU,
            "sei.preset": "none",
            "interface.moving": False,
            "thermal.program": "ramp",
            "thermal.initial_K": T0,
            "thermal.ramp_K_min": rate_K_min,
            "time.end_s": end_s,
            "time.dt_initial_s": 0.01 * end_s / 840,
            "time.dt_max_s": end_s / 100,
            "output.fields": [],
            "output.fields_every_s": end_s,
        }
    )
    bundle = slab_mesh(parallel.world(), 8, length_m=L, width_m=W, ny=2)
    sim = Simulation(case, bundle, quiet=True)
    assert sim.run().stop_reason == "end_time"
    ts = {k: np.array([r[k] for r in sim.history]) for k in sim.history[0]}
    return dsc_peak(ts)["dsc_peak_K"]


def test_located_peak_of_a_parabola_is_exact():
    t = np.array([0.0, 1.0, 2.5, 3.0, 4.5])
    y = -((t - 2.2) ** 2) + 7.0
    tp, yp = located_peak(t, y)
    assert tp == pytest.approx(2.2, rel=1e-12) and yp == pytest.approx(7.0, rel=1e-12)


def test_kissinger_fit_of_exact_points_recovers_e():
    rates = [2.0, 5.0, 10.0, 20.0]
    # exact first-order peaks: solve E β/(R T²) = A exp(-E/(R T)) by bisection
    A = 1e12
    peaks = []
    for b in rates:
        lo, hi = 300.0, 700.0
        for _ in range(200):
            T = 0.5 * (lo + hi)
            g = A * math.exp(-EA / (GAS_CONSTANT_J_MOLK * T)) - EA * b / 60 / (
                GAS_CONSTANT_J_MOLK * T**2
            )
            lo, hi = (lo, T) if g > 0 else (T, hi)
        peaks.append(T)
    fit = kissinger_fit(rates, peaks)
    assert fit.activation_energy_J_mol == pytest.approx(EA, rel=1e-9)
    assert fit.pre_exponential_per_s == pytest.approx(A, rel=1e-6)
    with pytest.raises(ValueError, match="at least two"):
        kissinger_fit([10.0], [450.0])


def test_simulated_dsc_scans_recover_activation_energy():
    rates = [2.0, 5.0, 10.0, 20.0]
    peaks = [_scan(b) for b in rates]
    assert peaks[2] == pytest.approx(T_PEAK_10, abs=1.0)  # the Kissinger design point
    assert np.all(np.diff(peaks) > 0)
    fit = kissinger_fit(rates, peaks)
    print(f"peaks {np.round(peaks, 3)} K, E = {fit.activation_energy_J_mol:.1f} J/mol")
    assert fit.activation_energy_J_mol == pytest.approx(EA, rel=0.02)
    assert fit.r2 > 0.999


def test_api_refuses_a_case_without_a_ramp():
    from dendrisim import api
    from dendrisim.core.errors import CaseError

    with pytest.raises(CaseError, match='thermal.program = "none"; it needs "ramp"'):
        api.kissinger("fig5-routine", [5.0, 10.0])
