"""A 0-D (lumped) DSC of the unit cell: the calibration's fast model (docs/calibration.md).

The unit cell of a DSC case on a fixed geometry (``interface.moving = false``) with a
uniform concentration and the temperature of the programme, T = T0 + β t: the ODEs of
the interface laws of :mod:`dendrisim.physics.laws` and
:mod:`dendrisim.physics.surface_state` on the area A_Γ,

    dN/dt = A_Γ r,   r = L(f(T) A exp(-Ea/RT) c^n)       (Li consumed, product layer z = N/A_Γ)
    c = (N_s0 - ν N)/V_e                                    (the electrolyte's reactive species)
    dx/dt = -A_s exp(-E_s/RT) x                             (metastable SEI)
    heat flow = (-ΔH A_Γ r - ΔH_s n_s A_Γ dx/dt)/m         [W/g]

integrated with scipy (Radau, rtol 1e-9).  The FEM run of the same case reproduces it
when the concentration is uniform (diffusion time of the cell << the peak's width):
docs/calibration.md reports the difference.  Pure numpy/scipy: no dolfinx.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dendrisim.physics.laws import InterfaceRate
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK
from dendrisim.physics.params import ModelParameters


@dataclass(frozen=True)
class LumpedCell:
    """The unit cell as numbers (SI): reacting area, Li, electrolyte, mass."""

    area_m2: float  # A_Γ
    li_mol: float  # dendrite Li [mol] (the reaction stops when it is consumed)
    electrolyte_m3: float  # V_e
    mass_g: float  # the sample mass of heat_flow_W_g (every region at t = 0)


@dataclass
class LumpedDsc:
    """A lumped DSC curve: time [s], T [K], heat flow [W/g] (total and the SEI's)."""

    time_s: np.ndarray
    T_K: np.ndarray
    heat_flow_W_g: np.ndarray
    sei_W_g: np.ndarray
    li_consumed_mol: np.ndarray


def run_lumped(
    p: ModelParameters, cell: LumpedCell, T0: float, beta_K_s: float, t_end_s: float
) -> LumpedDsc:
    """Integrate the lumped DSC from ``T0`` at ``beta_K_s`` [K/s] to ``t_end_s``."""
    from scipy.integrate import solve_ivp

    law = InterfaceRate(p.with_(product_layer="none"))
    z0 = p.product_layer_z0_mol_m2
    layer = p.product_layer == "exponential"
    R = GAS_CONSTANT_J_MOLK
    species0 = p.c_bulk_mol_m3 * cell.electrolyte_m3

    def rates(t, y):
        N, x = y
        T = T0 + beta_K_s * t
        c = max(species0 - p.stoichiometry * N, 0.0) / cell.electrolyte_m3
        r = float(law.bare(T, c))
        if layer:
            r *= np.exp(-N / cell.area_m2 / z0)
        if N >= cell.li_mol:
            r = 0.0
        ks = p.sei_decomposition_pre_exponential_s * np.exp(
            -p.sei_decomposition_activation_J_mol / (R * T)
        )
        return r * cell.area_m2, ks * x

    def rhs(t, y):
        dN, dx = rates(t, y)
        return [dN, -dx]

    t_eval = np.linspace(0.0, t_end_s, int(t_end_s * 4) + 1)
    atol = [1e-9 * cell.li_mol, 1e-12]
    sol = solve_ivp(
        rhs, (0.0, t_end_s), [0.0, 1.0], "Radau", t_eval, rtol=1e-9, atol=atol, max_step=2.0
    )
    q, qs = -p.enthalpy_J_mol_Li, -p.sei_decomposition_enthalpy_J_mol
    n_s = p.sei_decomposition_amount_mol_m2
    li = np.empty(sol.t.size)
    sei = np.empty(sol.t.size)
    for i, (t, y) in enumerate(zip(sol.t, sol.y.T, strict=True)):
        dN, dx = rates(t, y)
        li[i], sei[i] = q * dN, qs * n_s * cell.area_m2 * dx
    return LumpedDsc(
        sol.t, T0 + beta_K_s * sol.t, (li + sei) / cell.mass_g, sei / cell.mass_g, sol.y[0]
    )


def located_peak(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(x, y) of the maximum of ``y``: the vertex of the parabola through it and its neighbours."""
    i = int(np.argmax(y))
    if i == 0 or i == y.size - 1:
        return float(x[i]), float(y[i])
    x0, x1, x2 = x[i - 1 : i + 2]
    y0, y1, y2 = y[i - 1 : i + 2]
    den = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / den
    b = (x2**2 * (y0 - y1) + x1**2 * (y2 - y0) + x0**2 * (y1 - y2)) / den
    if a >= 0:
        return float(x[i]), float(y[i])
    xv = -b / (2 * a)
    c = y1 - a * x1**2 - b * x1
    return float(xv), float(a * xv**2 + b * xv + c)


def flat_until_K(T: np.ndarray, flow: np.ndarray, threshold_W_g: float) -> float:
    """First temperature where ``flow`` exceeds ``threshold_W_g`` (linear between rows)."""
    above = np.nonzero(flow > threshold_W_g)[0]
    if above.size == 0:
        return float(T[-1])
    i = int(above[0])
    if i == 0:
        return float(T[0])
    f0, f1 = flow[i - 1], flow[i]
    return float(T[i - 1] + (threshold_W_g - f0) / (f1 - f0) * (T[i] - T[i - 1]))
