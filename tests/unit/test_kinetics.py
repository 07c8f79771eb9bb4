"""Kinetics laws: numbers against hand values, UFL and numpy give the same law."""

import math

import numpy as np

from dendrisim.physics import kinetics, materials
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK as R


def test_arrhenius_values_and_constant_rate():
    T, c, A, Ea = 439.05, 7000.0, 2.0e7, 135e3
    assert math.isclose(
        kinetics.arrhenius_rate(T, c, A, Ea, 1), A * math.exp(-Ea / (R * T)) * c, rel_tol=1e-14
    )
    # Ea = 0: constant rate A c^n at every temperature
    r = kinetics.arrhenius_rate(np.array([300.0, 500.0]), c, A, 0.0, 2)
    assert np.allclose(r, A * c**2, rtol=1e-14)
    # order 0: independent of c
    assert kinetics.arrhenius_rate(T, 1.0, A, Ea, 0) == kinetics.arrhenius_rate(T, 5.0, A, Ea, 0)


def test_default_pre_exponential_reproduces_kissinger_rate():
    a = materials.default_pre_exponential(135e3, 1.0)
    r = kinetics.arrhenius_rate(materials.KISSINGER_PEAK_K, 7000.0, a, 135e3, 1)
    assert math.isclose(r, 4.1e-5, rel_tol=0.02)  # docs/physics.md#sources: 4.1e-5 mol m-2 s-1


def test_passivation_limits():
    T = np.array([300.0, 456.85, 700.0])
    f = kinetics.passivation(T, 0.03, 456.85, 5.0)
    assert math.isclose(f[0], 0.03, rel_tol=1e-6)
    assert math.isclose(f[1], 0.515, rel_tol=1e-12)
    assert math.isclose(f[2], 1.0, rel_tol=1e-12)
    assert kinetics.passivation(T, 1.0, 456.85, 5.0) == 1.0


def test_enthalpy_is_integral_of_apparent_heat_capacity():
    cp, L, Tm, w = 3570.0, 431.8e3, 453.65, 1.0
    T = np.linspace(430.0, 480.0, 2001)
    h = kinetics.specific_enthalpy(T, cp, 430.0, L, Tm, w)
    capp = kinetics.apparent_heat_capacity(T, cp, L, Tm, w)
    trap = np.concatenate([[0.0], np.cumsum(0.5 * (capp[1:] + capp[:-1]) * np.diff(T))])
    assert np.allclose(h, trap, rtol=1e-4, atol=1.0)
    # the full latent heat is released across the peak
    assert math.isclose(h[-1] - cp * 50.0, L, rel_tol=1e-9)


def test_diffusivity_arrhenius():
    assert kinetics.diffusivity(300.0, 1e-9, 438.0, 0.0) == 1e-9
    d = kinetics.diffusivity(298.0, 1.2e-9, 438.0, 1.03e4)
    assert math.isclose(d, 3.2e-10, rel_tol=0.05)  # Valøen-Reimers points (materials.py)


def test_same_law_in_ufl():
    from dendrisim.core.compat import import_dolfinx

    import_dolfinx()
    import ufl
    from ufl.algorithms import expand_derivatives  # noqa: F401

    T = ufl.as_ufl(450.0)
    expr = kinetics.reaction_rate(T, ufl.as_ufl(7000.0), 2e7, 135e3, 1.0, 0.03, 456.85, 5.0)
    from ufl.algorithms.apply_algebra_lowering import apply_algebra_lowering

    val = float(apply_algebra_lowering(expr)(()))  # constant expression: evaluate
    ref = kinetics.reaction_rate(450.0, 7000.0, 2e7, 135e3, 1.0, 0.03, 456.85, 5.0)
    assert math.isclose(val, float(ref), rel_tol=1e-12)
