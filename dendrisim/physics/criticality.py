"""Thermal criticality of a lumped cell: Semenov and Frank-Kamenetskii analysis.

A run's unit cell is, thermally, close to a lumped body (its temperature is uniform to
far below a kelvin, docs/fig5.md).  For such a body with heat capacity ``C`` [J/K], an
exothermic surface reaction on the area ``S`` [m^2] and a heat loss ``L (T - T_a)``
[W] to an ambient at ``T_a`` [K], the energy balance is

    C dT/dt = q(T) - L (T - T_a),    q(T) = S |ΔH| A exp(-E/(R T)) c^n.

Semenov's theory (reactant not depleted) asks whether the heat-release curve ``q`` and
the heat-loss line meet: below the critical ambient temperature there is a stable
steady state (the cell warms by at most ``R T^2/E`` and stays there); above it, the
two curves have no intersection and the temperature runs away.  At the critical point
the two curves touch, which gives two equations

    q(T_c) = L (T_c - T_a,c),    q'(T_c) = q(T_c) E/(R T_c^2) = L,

so that ``T_c - T_a,c = R T_c^2 / E`` and ``T_c = (E/2R)(1 - sqrt(1 - 4 R T_a,c/E))``.
:func:`semenov_critical` solves them without further approximation.  The classic
Frank-Kamenetskii approximation of the same point is the Semenov number
``psi = q(T_a) E / (L R T_a^2) = 1/e`` (:func:`semenov_number`).

Without heat loss, the Frank-Kamenetskii adiabatic induction time (time to runaway of
a zero-order exothermic reaction started at ``T_0``) is ``t_ad = C R T_0^2 / (E q(T_0))``
(:func:`adiabatic_induction_time_s`).

Definitions used in summaries (docs/physics.md#criticality): a run is *supercritical*
when its ambient temperature is above the critical one; the *induction time* is the
adiabatic one above.  These are properties of the cell, not of the history; whether the
history actually ran away is decided by the stop rules (docs/physics.md#stop-rules).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dendrisim.physics.kinetics import arrhenius_rate
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK

R = GAS_CONSTANT_J_MOLK


@dataclass(frozen=True)
class LumpedCell:
    """A thermally lumped cell with one Arrhenius surface reaction (SI units).

    ``pre_exponential`` in mol^(1-n) m^(3n-2) s^-1 as in
    :func:`dendrisim.physics.kinetics.arrhenius_rate`; ``enthalpy_J_mol`` < 0 for an
    exothermic reaction (per mol of the rate's unit); ``loss_W_K`` = 0 for an adiabatic
    cell.
    """

    heat_capacity_J_K: float
    reacting_area_m2: float
    loss_W_K: float
    pre_exponential: float
    activation_energy_J_mol: float
    concentration_mol_m3: float
    enthalpy_J_mol: float
    reaction_order: float = 1.0

    def __post_init__(self) -> None:
        for name in ("heat_capacity_J_K", "reacting_area_m2", "activation_energy_J_mol"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"LumpedCell.{name} = {value!r}: must be finite and > 0")
        if not (math.isfinite(self.loss_W_K) and self.loss_W_K >= 0):
            raise ValueError(f"LumpedCell.loss_W_K = {self.loss_W_K!r}: must be finite and >= 0")

    def heat_release_W(self, T_K):
        """Heat released by the reaction at the temperature ``T_K`` [W]."""
        rate = arrhenius_rate(
            np.asarray(T_K, dtype=float),
            self.concentration_mol_m3,
            self.pre_exponential,
            self.activation_energy_J_mol,
            self.reaction_order,
        )
        return self.reacting_area_m2 * abs(self.enthalpy_J_mol) * rate

    def heat_loss_W(self, T_K, ambient_K: float):
        """Heat lost to the ambient at ``ambient_K`` [W]."""
        return self.loss_W_K * (np.asarray(T_K, dtype=float) - ambient_K)

    def heating_rate_K_s(self, T_K, ambient_K: float):
        """``dT/dt`` of the lumped energy balance [K/s]."""
        net = self.heat_release_W(T_K) - self.heat_loss_W(T_K, ambient_K)
        return net / self.heat_capacity_J_K


@dataclass(frozen=True)
class SemenovPoint:
    """The critical point of a lumped cell: ambient and cell temperature [K]."""

    ambient_K: float
    cell_K: float

    @property
    def rise_K(self) -> float:
        """Steady self-heating at criticality, ``R T_c^2/E`` [K]."""
        return self.cell_K - self.ambient_K


def _tangent_cell_K(ambient_K: float, E: float) -> float:
    """Cell temperature where the loss line from ``ambient_K`` can touch ``q`` [K]."""
    return E / (2 * R) * (1.0 - math.sqrt(1.0 - 4.0 * R * ambient_K / E))


def semenov_critical(cell: LumpedCell, lo_K: float = 200.0, hi_K: float = 2000.0) -> SemenovPoint:
    """The critical ambient temperature of ``cell`` (exact tangency, no approximation).

    Searched between ``lo_K`` and ``hi_K``; raises ``ValueError`` for an adiabatic cell
    (every ambient is supercritical) or when no critical point lies in the range.
    """
    if cell.loss_W_K == 0:
        raise ValueError("an adiabatic cell (loss_W_K = 0) has no critical ambient temperature")
    from scipy.optimize import brentq

    E = cell.activation_energy_J_mol
    hi_K = min(hi_K, 0.999 * E / (4 * R))

    def mismatch(ambient_K: float) -> float:
        T_c = _tangent_cell_K(ambient_K, E)
        release = math.log(float(cell.heat_release_W(T_c)))
        return release - math.log(cell.loss_W_K * (T_c - ambient_K))

    grid = np.linspace(lo_K, hi_K, 400)
    values = [mismatch(t) for t in grid]
    for k in range(len(grid) - 1):
        if values[k] < 0 <= values[k + 1]:
            ambient = brentq(mismatch, grid[k], grid[k + 1], xtol=1e-10, rtol=1e-14)
            return SemenovPoint(ambient, _tangent_cell_K(ambient, E))
    raise ValueError(f"no Semenov critical point between {lo_K} K and {hi_K:.1f} K")


def semenov_number(cell: LumpedCell, ambient_K: float) -> float:
    """``psi = q(T_a) E / (L R T_a^2)``; critical at ``1/e`` (Frank-Kamenetskii approx.)."""
    q = float(cell.heat_release_W(ambient_K))
    if cell.loss_W_K == 0:
        return math.inf
    return q * cell.activation_energy_J_mol / (cell.loss_W_K * R * ambient_K**2)


def critical_ambient_fk_K(cell: LumpedCell, lo_K: float = 200.0, hi_K: float = 2000.0) -> float:
    """The ambient where ``psi = 1/e`` (the Frank-Kamenetskii approximation) [K]."""
    from scipy.optimize import brentq

    return brentq(
        lambda t: math.log(semenov_number(cell, t)) + 1.0, lo_K, hi_K, xtol=1e-10, rtol=1e-14
    )


def adiabatic_induction_time_s(cell: LumpedCell, initial_K: float) -> float:
    """Frank-Kamenetskii adiabatic induction time ``C R T0^2 / (E q(T0))`` [s]."""
    q = float(cell.heat_release_W(initial_K))
    return cell.heat_capacity_J_K * R * initial_K**2 / (cell.activation_energy_J_mol * q)


def steady_states_K(cell: LumpedCell, ambient_K: float, hi_K: float = 2000.0) -> list[float]:
    """Cell temperatures where release equals loss, ascending [K] (empty: none).

    The lowest one below the critical point is the stable steady state; the next one is
    the unstable ignition temperature.
    """
    from scipy.optimize import brentq

    def balance(t: float) -> float:
        return float(cell.heat_release_W(t)) - float(cell.heat_loss_W(t, ambient_K))

    grid = np.linspace(ambient_K, hi_K, 4000)
    values = np.array([balance(t) for t in grid])
    roots = []
    for k in range(len(grid) - 1):
        if values[k] == 0:
            roots.append(float(grid[k]))
        elif values[k] * values[k + 1] < 0:
            roots.append(float(brentq(balance, grid[k], grid[k + 1], xtol=1e-12)))
    return roots


def lumped_history(
    cell: LumpedCell, ambient_K: float, initial_K: float, end_s: float, limit_K: float = 2000.0
):
    """Integrate the lumped energy balance (reactant not depleted) to ``end_s`` [s].

    Stops early when the temperature reaches ``limit_K``.  Returns ``(t_s, T_K)`` arrays
    (Radau, rtol 1e-10).
    """
    from scipy.integrate import solve_ivp

    def rhs(_t, y):
        return [float(cell.heating_rate_K_s(y[0], ambient_K))]

    def hot(_t, y):
        return y[0] - limit_K

    hot.terminal = True
    sol = solve_ivp(
        rhs, (0.0, end_s), [initial_K], method="Radau", rtol=1e-10, atol=1e-9, events=hot
    )
    return sol.t, sol.y[0]
