"""Reaction kinetics and temperature-dependent material laws as small pure functions.

Every function accepts numbers, numpy arrays or UFL expressions and returns the same
kind, so one definition feeds the finite-element forms (:mod:`dendrisim.physics.laws`) and the
closed-form checks of the tests.  Default values and their sources are in
:mod:`dendrisim.physics.materials` (docs/physics.md#sources).

Laws (docs/physics.md#equations):

- interface rate ``r = f_SEI(T) A exp(-Ea/(R T)) c^n`` [mol Li m^-2 s^-1];
- SEI passivation ``f_SEI(T) = f_low + (1 - f_low) sigmoid((T - T_b)/w)``;
- product layer (Hatchard 2001, Spotnitz 2003): ``dz/dt = k exp(-z/z0)``, ``z`` the Li
  consumed per area, integrated exactly over a step at fixed ``k`` (:func:`product_layer_rate`);
- SEI decomposition, first order in the remaining metastable SEI, ``dx/dt = -k_s x``,
  integrated exactly over a step (:func:`first_order_step_rate`);
- Li melting via an apparent heat capacity: a Gaussian latent-heat peak of width ``w``
  around the melting point, and its exact integral, the specific enthalpy (used in the
  time-discrete energy equation so that latent heat is conserved exactly).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK


def _is_ufl(*values: Any) -> bool:
    """True if any value is a UFL expression (checked by module, no import of ufl needed)."""
    return any(type(v).__module__.startswith("ufl") for v in values)


def math_ops(*values: Any) -> SimpleNamespace:
    """``exp``, ``erf``, ``tanh`` for UFL expressions or for numbers and numpy arrays.

    A law written with these works on both (e.g. ``math_ops(T).exp(-Ea / (R * T))``).
    """
    if _is_ufl(*values):
        import ufl

        return SimpleNamespace(exp=ufl.exp, erf=ufl.erf, tanh=ufl.tanh, ln=ufl.ln)
    return SimpleNamespace(
        exp=np.exp, erf=np.vectorize(math.erf, otypes=[float]), tanh=np.tanh, ln=np.log
    )


_ops = math_ops  # former private name


def arrhenius_rate(T: Any, c: Any, A: Any, Ea: Any, n: float = 1.0) -> Any:
    """Areal reaction rate ``A exp(-Ea/(R T)) c^n`` [mol m^-2 s^-1].

    ``T`` [K], ``c`` [mol m^-3], ``A`` in mol^(1-n) m^(3n-2) s^-1, ``Ea`` [J/mol].
    ``Ea = 0`` gives the constant rate ``A c^n``.  For ``n`` = 1 the concentration enters
    linearly; for other orders ``c`` is clipped at zero (a negative overshoot of the
    discrete concentration would otherwise give a complex power).
    """
    ops = math_ops(T, c, A, Ea)
    if float(n) == 1.0:
        conc = c
    elif float(n) == 0.0:
        conc = 1.0
    elif _is_ufl(c):
        import ufl

        conc = ufl.max_value(c, 0.0) ** n
    else:
        conc = np.maximum(c, 0.0) ** n
    return A * ops.exp(-Ea / (GAS_CONSTANT_J_MOLK * T)) * conc


def passivation(T: Any, f_low: float, T_b: float, width: float) -> Any:
    """SEI protection factor ``f_low + (1 - f_low) sigmoid((T - T_b)/width)`` in (0, 1].

    ``f_low`` = 1 means no protection (the factor is then exactly 1 at every T).
    ``T_b`` [K] is the breakdown temperature, ``width`` [K] the smoothing width.
    """
    if float(f_low) == 1.0:
        return 1.0
    ops = math_ops(T)
    sigmoid = 0.5 * (1.0 + ops.tanh(0.5 * (T - T_b) / width))
    return f_low + (1.0 - f_low) * sigmoid


def reaction_rate(
    T: Any,
    c: Any,
    A: float,
    Ea: float,
    n: float,
    f_low: float = 1.0,
    T_b: float = 0.0,
    width: float = 1.0,
) -> Any:
    """Interface rate with passivation, ``f_SEI(T) A exp(-Ea/RT) c^n`` [mol m^-2 s^-1]."""
    return passivation(T, f_low, T_b, width) * arrhenius_rate(T, c, A, Ea, n)


def product_layer_rate(k: Any, z_n: Any, z0: float, dt: Any, k_n: Any = None) -> Any:
    """Mean rate over a step of ``dz/dt = k(t) exp(-z/z0)`` [mol m^-2 s^-1].

    ``z`` [mol/m2] is the Li consumed per area (the product layer grows with it), ``z_n``
    its value at the step start, ``k`` the bare rate at the step end (``k_n`` at its
    start; None: ``k`` throughout), ``dt`` [s] the step.  Since ``d exp(z/z0)/dt = k/z0``,
    the step adds ``z0 ln(1 + ΔK exp(-z_n/z0)/z0)`` to z exactly, ``ΔK = ∫ k dt`` over the
    step (the trapezoid ``dt (k_n + k)/2``, or ``k dt``); the mean rate is that over
    ``dt``.  From z = 0 at constant k: ``z(t) = z0 ln(1 + k t/z0)`` for any step size.
    """
    ops = math_ops(k, z_n, dt)
    dK = k * dt if k_n is None else 0.5 * (k + k_n) * dt
    x = dK * ops.exp(-z_n / z0) / z0
    if _is_ufl(k, z_n, dt, k_n):
        return z0 / dt * ops.ln(1.0 + x)
    return z0 / dt * np.log1p(x)


def product_layer_closed_form(k: float, t_s: Any, z0: float) -> Any:
    """``z(t) = z0 ln(1 + k t/z0)`` [mol/m2]: product layer at constant ``k`` from z = 0."""
    return z0 * np.log1p(k * np.asarray(t_s) / z0)


def first_order_step_rate(k: Any, x_n: Any, dt: Any, k_n: Any = None) -> Any:
    """Mean rate of ``dx/dt = -k(t) x`` over a step: ``x_n (1 - exp(-ΔK))/dt``.

    ``x`` is the remaining fraction of a reactant (the metastable SEI), ``k`` [1/s] at the
    step end (``k_n`` at its start; None: ``k`` throughout), ``ΔK = ∫ k dt`` by the
    trapezoid; the result [1/s] times the step is what the step consumes.
    """
    ops = math_ops(k, x_n, dt)
    dK = k * dt if k_n is None else 0.5 * (k + k_n) * dt
    return x_n * (1.0 - ops.exp(-dK)) / dt


def diffusivity(T: Any, D_ref: float, T_ref: float, Ea: float = 0.0) -> Any:
    """Species diffusivity ``D_ref exp(-Ea/R (1/T - 1/T_ref))`` [m^2/s]; Ea = 0: constant."""
    if float(Ea) == 0.0:
        return D_ref
    ops = math_ops(T)
    return D_ref * ops.exp(-Ea / GAS_CONSTANT_J_MOLK * (1.0 / T - 1.0 / T_ref))


def apparent_heat_capacity(
    T: Any, cp: float, latent_J_kg: float = 0.0, T_melt: float = 453.65, width: float = 1.0
) -> Any:
    """Specific heat with a Gaussian latent-heat peak [J/(kg K)].

    ``c_app(T) = cp + L/(sqrt(2 pi) w) exp(-(T - T_m)^2/(2 w^2))``; its integral over T is
    exactly ``L``.  ``latent_J_kg = 0`` gives the constant ``cp``.
    """
    if float(latent_J_kg) == 0.0:
        return cp
    ops = math_ops(T)
    peak = latent_J_kg / (math.sqrt(2.0 * math.pi) * width)
    return cp + peak * ops.exp(-((T - T_melt) ** 2) / (2.0 * width**2))


def specific_enthalpy(
    T: Any,
    cp: float,
    T_ref: float,
    latent_J_kg: float = 0.0,
    T_melt: float = 453.65,
    width: float = 1.0,
) -> Any:
    """``h(T) = ∫_{T_ref}^T c_app dT'`` [J/kg] (the integral of :func:`apparent_heat_capacity`).

    The latent part is ``L/2 [erf((T - T_m)/(sqrt 2 w)) - erf((T_ref - T_m)/(sqrt 2 w))]``.
    """
    sensible = cp * (T - T_ref)
    if float(latent_J_kg) == 0.0:
        return sensible
    ops = math_ops(T)
    s = math.sqrt(2.0) * width
    return sensible + 0.5 * latent_J_kg * (
        ops.erf((T - T_melt) / s) - math.erf((T_ref - T_melt) / s)
    )


def semenov_heat_balance(
    T: float,
    T_amb: float,
    h_area_W_K: float,
    area_m2: float,
    c: float,
    A: float,
    Ea: float,
    n: float,
    dH_J_mol: float,
) -> float:
    """Net heating power [W] of a lumped body: generation minus loss (Semenov analysis).

    ``P(T) = -dH area r(T) - h_area (T - T_amb)``; steady states are its roots, and the
    critical ambient temperature is where a root is also a tangency (P = dP/dT = 0).
    """
    gen = -dH_J_mol * area_m2 * arrhenius_rate(T, c, A, Ea, n)
    return float(gen - h_area_W_K * (T - T_amb))
