"""A 0-D (lumped) closed adiabatic unit cell with a receding needle: the study's fast model.

In the Fig. 5 unit cell the temperature is uniform to micro-kelvins and the electrolyte
mixed (diffusion time << 1 s, docs/fig5.md), and the needle's surface recedes uniformly
(the rate is the same everywhere). So the FEM run reduces to three ODEs in the recession
depth d [m], the temperature T and (implicitly) the reacting species:

    dd/dt = V_m r,   r = L(z, f(T) A exp(-Ea/RT) c^n),   z = d / V_m   (Li lost per area)
    c = (c0 V_e0 - ν (V_0 - V(d))/V_m) / (V_e0 + V_0 - V(d))     (the electrolyte fills in)
    C(T) dT/dt = -ΔH r A(d)

with the needle (a cylinder of radius R - d with a hemispherical cap, its base on the
passivated foil, tip at L - d): V(d) = π (R-d)² (L-R) + 2/3 π (R-d)³, A(d) = 2π (R-d) L'
with L' = (L-R) + (R-d). C(T) is the run's sensible heat capacity (the cell's share
φ c_Γ A_Γ with [cell], else ∫ρ c_p dV at t = 0; physics/lumped.py) plus the unscaled latent
heat of the Li (foil and dendrite) as the FEM's apparent heat capacity. Used as a sweep
runner (`dendrisim.api.lumped_run:run`); docs/sensitivity.md compares it with the FEM.
Pure numpy/scipy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dendrisim.physics.laws import InterfaceRate
from dendrisim.physics.lumped import sample_heat_capacity_J_K
from dendrisim.physics.materials import LITHIUM
from dendrisim.physics.params import ModelParameters

UM = 1e-6


@dataclass(frozen=True)
class NeedleCell:
    """A needle (radius R, length L incl. cap) in a cylinder (radius, height) on a foil."""

    radius_m: float
    length_m: float
    cell_radius_m: float
    height_m: float  # electrolyte top above the foil
    foil_m: float  # foil thickness (Li, passivated top)

    def volume_m3(self, d: float) -> float:
        """Li volume of the needle receded by ``d``."""
        r = max(self.radius_m - d, 0.0)
        return math.pi * r * r * (self.length_m - self.radius_m) + 2.0 / 3.0 * math.pi * r**3

    def area_m2(self, d: float) -> float:
        """Reacting area (side and cap) of the needle receded by ``d``."""
        r = max(self.radius_m - d, 0.0)
        return 2.0 * math.pi * r * (self.length_m - self.radius_m + r)

    def electrolyte_m3(self) -> float:
        """Electrolyte volume at t = 0."""
        return math.pi * self.cell_radius_m**2 * self.height_m - self.volume_m3(0.0)

    def foil_m3(self) -> float:
        """Li volume of the foil slab under the cell."""
        return math.pi * self.cell_radius_m**2 * self.foil_m


def needle_cell(case) -> NeedleCell:
    """The unit cell of a resolved axisymmetric needle case (shape ``needle``, no SEI shell)."""
    g = case.geometry
    if g.shape != "needle" or g.sei_thickness_um > 0 or g.substrate_reacts:
        raise ValueError(
            f"the lumped unit cell needs geometry.shape = 'needle' without an SEI shell and "
            f"a passivated foil (got {g.shape!r}, sei_thickness_um = {g.sei_thickness_um}, "
            f"substrate_reacts = {g.substrate_reacts})"
        )
    return NeedleCell(
        radius_m=g.diameter_um / 2 * UM,
        length_m=g.length_um * UM,
        cell_radius_m=g.cell_radius_um * UM,
        height_m=g.electrolyte_height_um * UM,
        foil_m=g.substrate_thickness_um * UM,
    )


@dataclass
class LumpedRun:
    """Time series of a lumped run and why it stopped."""

    time_s: np.ndarray
    retention: np.ndarray  # V(d) / V(0)
    T_K: np.ndarray
    rate_mol_m2s: np.ndarray
    li_consumed_mol: np.ndarray
    area_m2: np.ndarray
    stop_reason: str  # end_time | li_exhausted
    heat_capacity_J_K: float  # the sensible part


def sensible_heat_capacity_J_K(case, p: ModelParameters, cell: NeedleCell) -> float:
    """φ C_sample (the cell's share with [cell], else the unit cell's own ∫ρ c_p dV)."""
    el = case.electrolyte
    li_m3 = cell.volume_m3(0.0) + cell.foil_m3()
    own = (
        LITHIUM.density_kg_m3 * LITHIUM.heat_capacity_J_kgK * li_m3
        + el.density_kg_m3 * el.heat_capacity_J_kgK * cell.electrolyte_m3()
    )
    return p.arc_phi * sample_heat_capacity_J_K(p, own, cell.area_m2(0.0))


def _end_depth(cell: NeedleCell, v0: float, floor: float, d_ec: float) -> tuple[float, bool]:
    """The depth where the run must end: the Li floor (True) or the species' exhaustion."""
    from scipy.optimize import brentq

    d_li = brentq(
        lambda d: cell.volume_m3(d) / v0 - floor, 0.0, cell.radius_m, xtol=1e-24, rtol=1e-15
    )
    return (d_li, True) if d_li <= d_ec else (d_ec, False)


def run_lumped_cell(case, rtol: float = 1e-7) -> LumpedRun:
    """Integrate the lumped adiabatic unit cell of ``case`` to ``time.end_s``.

    Adiabatic, the temperature is a function of the depth alone (C dT = -ΔH A dd / V_m)
    and time its quadrature, dt = dd / (V_m r): the ODEs are integrated in d, so a runaway
    that consumes the species in a nanosecond costs nothing. The run ends at ``time.end_s``,
    at the retention ``stop.li_exhausted_retention`` (``li_exhausted``) or, frozen to
    ``end_s``, when the electrolyte's species is used up.
    """
    from scipy.integrate import solve_ivp
    from scipy.optimize import brentq

    p = ModelParameters.from_case(case)
    cell = needle_cell(case)
    law = InterfaceRate(p.with_(product_layer="none"))
    layer = p.product_layer == "exponential"
    vm = 1.0 / p.li_molar_density_mol_m3
    v0, ve0 = cell.volume_m3(0.0), cell.electrolyte_m3()
    species0 = p.c_bulk_mol_m3 * ve0
    c_sens = sensible_heat_capacity_J_K(case, p, cell)
    li = p.regions["lithium"]
    latent = li.latent_heat_J_kg * li.density_kg_m3
    sigma, tm = li.melting_width_K, li.melting_K
    T0, t_end = case.thermal.initial_K, case.time.end_s

    def conc(d: float) -> float:
        lost = v0 - cell.volume_m3(d)
        return max(species0 - p.stoichiometry * lost / vm, 0.0) / (ve0 + lost)

    def rate(d: float, T: float) -> float:
        r = float(law.bare(T, conc(d)))
        return r * math.exp(-d / vm / p.product_layer_z0_mol_m2) if layer else r

    def rhs(d, y):
        T, _ = y
        melt = latent * (cell.foil_m3() + cell.volume_m3(d)) / (sigma * math.sqrt(2 * math.pi))
        cap = c_sens + melt * math.exp(-((T - tm) ** 2) / (2 * sigma**2))
        dT = -p.enthalpy_J_mol_Li * cell.area_m2(d) / (vm * cap) if case.thermal.enabled else 0.0
        return [dT, 1.0 / max(vm * rate(d, T), 1e-300)]

    def timeout(d, y):
        return y[1] - t_end

    timeout.terminal, timeout.direction = True, 1

    ec_floor = 1e-4 * conc(0.0)  # the species counts as used up below this
    full = cell.radius_m * (1 - 1e-12)
    d_ec = (
        brentq(lambda d: conc(d) - ec_floor, 0.0, full, xtol=1e-24, rtol=1e-15)
        if conc(full) < ec_floor
        else full
    )
    d_end, li_out = _end_depth(cell, v0, case.stop.li_exhausted_retention, d_ec)
    sol = solve_ivp(rhs, (0.0, d_end), [T0, 0.0], method="LSODA", rtol=rtol, atol=[1e-9, 1e-12],
                    events=timeout)  # fmt: skip
    if not sol.success:
        raise RuntimeError(f"lumped unit cell: {sol.message}")
    return _series(sol, cell, rate, li_out, t_end, c_sens, 1.0 / vm)


def _series(sol, cell: NeedleCell, rate, li_out: bool, t_end: float, c_sens: float, mol_m3):
    """The integration in depth -> a time series (frozen to the end when used up)."""
    d, (T, t) = sol.t, sol.y
    reached = sol.status == 1
    if reached:  # the end time inside: the event's exact state
        d, T = np.append(d, sol.t_events[0][0]), np.append(T, sol.y_events[0][0][0])
        t = np.append(t, t_end)
    elif t[-1] < t_end and not li_out:  # the species used up before the end: frozen
        d, T, t = np.append(d, d[-1]), np.append(T, T[-1]), np.append(t, t_end)
    v0 = cell.volume_m3(0.0)
    vols = np.array([cell.volume_m3(x) for x in d])
    rates = np.array([rate(x, y) for x, y in zip(d, T, strict=True)])
    return LumpedRun(
        time_s=t,
        retention=vols / v0,
        T_K=T,
        rate_mol_m2s=rates,
        li_consumed_mol=(v0 - vols) * mol_m3,
        area_m2=np.array([cell.area_m2(x) for x in d]),
        stop_reason="li_exhausted" if (li_out and not reached) else "end_time",
        heat_capacity_J_K=c_sens,
    )
