"""The lumped (0-D) model of a run's unit cell, and its Damköhler and Biot numbers.

The field solution resolves the concentration c(x, t) of the reactive species, the
temperature T(x, t) and the moving Li surface.  The lumped model of the *same cell* keeps
the kinetics, the reacting area (and how it shrinks), the heat capacity, the species
inventory and the heat loss, and drops the fields: c and T are uniform.  With N the Li
consumed [mol]:

    dN/dt = S(N) f(T) k(T) c^n exp(-z(N)/z0),   k(T) = A exp(-E/(R T))
    V_e(N) dc/dt = -nu dN/dt,                    V_e(N) = V_e0 + V_m N
    C_app(T, N) dT/dt = |dH| dN/dt - L (T - T_a)

- ``S(N)``: the reacting area after N mol of Li left it.  A needle (cylinder with a
  hemispherical cap, base on the foil) that recedes uniformly by ``d`` keeps radius
  ``a - d`` and length ``l - d``: V(d) = pi (a-d)^2 (l-d) - pi (a-d)^3/3 and
  S(d) = 2 pi (a-d)(l-d) (:class:`NeedleRecession`: the Fig. 5 needle, L/D = 10, and the
  Fig. 5 deposit, the same shape at L/D = 1); :class:`ConstantArea` (flat, tests).
- ``z(N)``: the Li consumed per area (d / V_m for the uniform recession); the product
  layer's factor exp(-z/z0) (``z0 = inf``: no layer, as ``kinetics.product_layer = none``).
- ``V_e``: the electrolyte volume.  **Refill** (``refill = True``, as the FEM): the receding
  Li leaves room that electrolyte at the current concentration fills (the field's ALE
  exchange), so only the reaction changes c; then c(N) = c0 - (nu/V_m) ln(V_e(N)/V_e0).
  ``refill = False`` (no refill): no species enters with the room, the species' moles
  change by the reaction alone and are diluted over V_e(N), c = (c0 V_e0 - nu N)/V_e(N).
- ``C_app = C + s N + m_Li(N) lambda g_w(T - T_m)``: the sensible heat capacity C as the run
  uses it at t = 0, ``s`` [J/(K mol)] its change as electrolyte replaces Li (the FEM
  integrates the scaled rho c_p over the moving regions), plus the Li's latent heat of
  melting spread as in the field (:func:`dendrisim.physics.kinetics.apparent_heat_capacity`,
  not scaled), m_Li the Li in the cell (foil and dendrite).
- ``L`` [W/K]: 0 adiabatic, h x outer area (Robin), ``math.inf``: the bath, T = T_a.

:func:`solve_lumped` integrates in time to chosen times (the regime map); the model of a
case's own unit cell and its history integrated in the Li consumed (the lumped runner):
:mod:`dendrisim.physics.lumped_cell`.

Dimensionless numbers (docs/regime.md#definitions):

- Damköhler ``Da = k_s l_D / D`` with the surface rate constant k_s = f k c^(n-1) [m/s] and
  the transport length ``l_D = V_e / S``, the electrolyte volume per reacting area (the
  thickness of the film the species diffuses through when spread over the surface).  It is
  the ratio of the diffusion time l_D^2/D to the depletion time l_D/k_s of the film: for
  Da << 1 diffusion evens c out faster than the surface consumes it, and the lumped c holds.
- Biot ``Bi = h l_T / k_e`` with the conduction length l_T the electrolyte height (from the
  foil to the cooled outer boundary) and k_e the electrolyte conductivity: 0 adiabatic,
  ``inf`` for the bath.  For Bi << 1 the cell's T is uniform and the lumped T holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dendrisim.physics.kinetics import apparent_heat_capacity, arrhenius_rate, passivation

_TABLE_POINTS = 4001


@dataclass(frozen=True)
class ConstantArea:
    """A reacting area that does not change while Li lasts (closed-form tests)."""

    area_m2: float
    li_mol: float

    def area(self, consumed_mol: float) -> float:
        """Reacting area after ``consumed_mol`` [m^2] (0 once the Li is gone)."""
        return self.area_m2 if consumed_mol < self.li_mol else 0.0

    def per_area_mol_m2(self, consumed_mol: float) -> float:
        """Li consumed per area z [mol/m^2]."""
        return consumed_mol / self.area_m2


class NeedleRecession:
    """Uniform recession of a needle (radius ``a``, length ``l`` incl. cap, base on a foil).

    ``molar_volume_m3_mol`` turns consumed Li into volume; ``area_scale`` multiplies the
    analytic area (the meshed area / the analytic one at the start).
    """

    def __init__(
        self, radius_m: float, length_m: float, molar_volume_m3_mol: float, area_scale=1.0
    ):
        if not (0 < radius_m <= length_m):
            raise ValueError(
                f"needle radius {radius_m!r} m, length {length_m!r} m: need 0 < a <= l"
            )
        d = np.linspace(0.0, radius_m, _TABLE_POINTS)
        a, ell = radius_m - d, length_m - d
        vol = math.pi * a**2 * ell - math.pi * a**3 / 3.0
        self.volume_m3 = float(vol[0])
        self.li_mol = self.volume_m3 / molar_volume_m3_mol
        self._consumed = (self.volume_m3 - vol) / molar_volume_m3_mol  # ascending in d
        self._area = area_scale * 2.0 * math.pi * a * ell
        self._z = d / molar_volume_m3_mol  # Li lost per area: the depth over V_m
        self.radius_m, self.length_m = radius_m, length_m

    def per_area_mol_m2(self, consumed_mol: float) -> float:
        """Li consumed per area z = d / V_m [mol/m^2] (uniform recession by d)."""
        return float(np.interp(consumed_mol, self._consumed, self._z))

    def area(self, consumed_mol: float) -> float:
        """Reacting area after ``consumed_mol`` [m^2] (0 once the Li is gone)."""
        if consumed_mol >= self.li_mol:
            return 0.0
        return float(np.interp(consumed_mol, self._consumed, self._area))


@dataclass(frozen=True)
class LumpedModel:
    """The 0-D cell (SI). ``loss_W_K = math.inf``: a bath holding T at ``ambient_K``."""

    heat_capacity_J_K: float  # sensible, as the run uses it
    area: ConstantArea | NeedleRecession
    pre_exponential: float
    activation_energy_J_mol: float
    reaction_order: float
    enthalpy_J_mol_Li: float
    concentration_mol_m3: float  # initial, uniform
    electrolyte_m3: float  # initial electrolyte volume
    stoichiometry: float  # mol species per mol Li
    loss_W_K: float = 0.0
    ambient_K: float = 0.0
    li_molar_volume_m3_mol: float = 0.0  # 0: the electrolyte volume stays V_e0
    li_mass_kg: float = 0.0  # Li in the cell at the start (dendrite + foil), for melting
    li_molar_mass_kg_mol: float = 0.0
    latent_heat_J_kg: float = 0.0
    melting_K: float = 453.65
    melting_width_K: float = 1.0
    protection: tuple[float, float, float] = (1.0, 0.0, 1.0)  # SEI f_low, T_b, width
    li_exhausted_retention: float = 0.0  # the reaction stops at this retention (stop rule)
    product_layer_z0_mol_m2: float = math.inf  # exp(-z/z0); inf: no product layer
    refill: bool = True  # the Li's room fills with electrolyte at c (the FEM); False: none
    swap_J_K_mol: float = 0.0  # d(sensible C)/dN as electrolyte replaces the Li

    @property
    def bath(self) -> bool:
        """True when T is held at the ambient (infinite heat loss)."""
        return math.isinf(self.loss_W_K)

    def consumption_rate_mol_s(self, T: float, consumed_mol: float, c: float) -> float:
        """dN/dt [mol/s] at temperature T, Li consumed N and concentration c."""
        area = self.area.area(consumed_mol)
        if area <= 0.0:
            return 0.0
        f = passivation(T, *self.protection)
        k = arrhenius_rate(
            T, max(c, 0.0), self.pre_exponential, self.activation_energy_J_mol, self.reaction_order
        )
        if math.isfinite(self.product_layer_z0_mol_m2):
            f *= math.exp(-self.area.per_area_mol_m2(consumed_mol) / self.product_layer_z0_mol_m2)
        return float(area * f * k)

    def concentration_at(self, consumed_mol: float) -> float:
        """The concentration [mol/m^3] after ``consumed_mol`` (closed form of its balance)."""
        vm, ve0, nu = self.li_molar_volume_m3_mol, self.electrolyte_m3, self.stoichiometry
        c0 = self.concentration_mol_m3
        if vm == 0.0:
            return c0 - nu * consumed_mol / ve0
        if self.refill:
            return c0 - nu / vm * math.log1p(vm * consumed_mol / ve0)
        return (c0 * ve0 - nu * consumed_mol) / (ve0 + vm * consumed_mol)

    def consumed_at_mol(self, c_mol_m3: float) -> float:
        """The Li consumed when the species is down to ``c_mol_m3`` (inverse of the above)."""
        vm, ve0, nu = self.li_molar_volume_m3_mol, self.electrolyte_m3, self.stoichiometry
        dc = self.concentration_mol_m3 - c_mol_m3
        if vm == 0.0:
            return dc * ve0 / nu
        if self.refill:
            return ve0 / vm * math.expm1(vm * dc / nu)
        return (self.concentration_mol_m3 * ve0 - c_mol_m3 * ve0) / (nu + c_mol_m3 * vm)

    def heat_capacity_at(self, T: float, consumed_mol: float) -> float:
        """C_app [J/K]: sensible + the latent-heat peak of the Li still in the cell."""
        m_li = max(self.li_mass_kg - self.li_molar_mass_kg_mol * consumed_mol, 0.0)
        latent = m_li * (
            apparent_heat_capacity(
                T, 0.0, self.latent_heat_J_kg, self.melting_K, self.melting_width_K
            )
        )
        return self.heat_capacity_J_K + self.swap_J_K_mol * consumed_mol + float(latent)

    def rhs(
        self, T: float, consumed_mol: float, c: float, reacting: bool = True
    ) -> tuple[float, float, float]:
        """(dT/dt, dN/dt, dc/dt) of the lumped balances (``reacting = False``: Li gone)."""
        rate = self.consumption_rate_mol_s(T, consumed_mol, c) if reacting else 0.0
        vm = self.li_molar_volume_m3_mol
        vol = self.electrolyte_m3 + vm * consumed_mol
        dc = -(self.stoichiometry + (0.0 if self.refill else c * vm)) * rate / vol
        if self.bath:
            return 0.0, rate, dc
        heat = abs(self.enthalpy_J_mol_Li) * rate - self.loss_W_K * (T - self.ambient_K)
        return heat / self.heat_capacity_at(T, consumed_mol), rate, dc


@dataclass(frozen=True)
class LumpedState:
    """The lumped model at the requested times: T [K], retention [1], c [mol/m^3].

    ``half_s``: when half of the Li was consumed (NaN: not within the times).
    """

    t_s: np.ndarray
    T_K: np.ndarray
    retention: np.ndarray
    c_mol_m3: np.ndarray
    half_s: float = math.nan


def _scaled(model: LumpedModel, T0: float):
    """The right-hand side in the scaled unknowns (T - T0 [K], N / N_Li, c / c0)."""
    n_li, c0 = model.area.li_mol, model.concentration_mol_m3

    def rhs(_t, y, reacting):
        dT, dN, dc = model.rhs(T0 + y[0], y[1] * n_li, y[2] * c0, reacting)
        return [dT, dN / n_li, dc / c0]

    return rhs


def _phase(model, T0, t0, t1, y0, reacting, events, rtol, dense):
    from scipy.integrate import solve_ivp

    sol = solve_ivp(
        _scaled(model, T0),
        (t0, max(t1, t0)),
        y0,
        method="Radau",
        rtol=rtol,
        atol=[rtol, 1e-3 * rtol, 1e-3 * rtol],
        events=events,
        dense_output=dense,
        args=(reacting,),
    )
    if sol.status < 0:
        raise RuntimeError(f"lumped model: {sol.message}")
    return sol


def _events(model: LumpedModel):
    spent = 1.0 - model.li_exhausted_retention

    def half(_t, y, _reacting):
        return y[1] - 0.5

    def exhausted(_t, y, _reacting):
        return y[1] - spent

    exhausted.terminal = True
    return [half, exhausted], spent


def solve_lumped(model: LumpedModel, initial_K: float, times_s) -> LumpedState:
    """Integrate ``model`` from T0 = ``initial_K`` (bath: the ambient) to ``times_s``.

    Scaled unknowns (T - T0 [K], N / N_Li, c / c0), Radau with rtol 1e-9.  The reaction
    stops where the retention reaches ``li_exhausted_retention`` (located; after it only the
    heat loss acts), as the run's stop rule ends a field run.
    """
    times = np.atleast_1d(np.asarray(times_s, dtype=float))
    T0 = model.ambient_K if model.bath else initial_K
    events, spent = _events(model)
    out = np.zeros((3, times.size))
    y0, t0, t_half = [0.0, 0.0, 1.0], 0.0, math.nan
    for phase in range(2):
        later = times >= t0
        sol = _phase(
            model, T0, t0, float(times.max()), y0, phase == 0, events if phase == 0 else None,
            1e-9, True,
        )  # fmt: skip
        out[:, later] = sol.sol(times[later]) if later.any() else out[:, later]
        if phase == 0 and sol.t_events[0].size:
            t_half = float(sol.t_events[0][0])
        if sol.status != 1:
            break
        t0 = float(sol.t_events[1][0])
        y0 = [float(sol.y_events[1][0][0]), spent, float(sol.y_events[1][0][2])]
    c0 = model.concentration_mol_m3
    return LumpedState(times, T0 + out[0], 1.0 - out[1], c0 * out[2], t_half)


def surface_rate_constant_m_s(model: LumpedModel, T_K: float) -> float:
    """k_s = f(T) A exp(-E/RT) c0^(n-1) [m/s] at the initial concentration."""
    c0 = model.concentration_mol_m3
    rate = arrhenius_rate(
        T_K, c0, model.pre_exponential, model.activation_energy_J_mol, model.reaction_order
    )
    return float(passivation(T_K, *model.protection) * rate / c0)


def damkohler(
    rate_constant_m_s: float, transport_length_m: float, diffusivity_m2_s: float
) -> float:
    """Da = k_s l_D / D (module docstring)."""
    return rate_constant_m_s * transport_length_m / diffusivity_m2_s


def biot(heat_transfer_W_m2K: float, conduction_length_m: float, conductivity_W_mK: float) -> float:
    """Bi = h l_T / k_e (module docstring); ``math.inf`` passes through for a bath."""
    return heat_transfer_W_m2K * conduction_length_m / conductivity_W_mK
