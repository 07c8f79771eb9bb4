"""The lumped model (:mod:`dendrisim.physics.lumped_model`) of a case's own unit cell.

The lumped sweep runner (``dendrisim.api.lumped_run:run``, the sensitivity study's) solves
this instead of the FEM: in the Fig. 5 unit cell the temperature is uniform to
micro-kelvins, the electrolyte film is mixed until a runaway, and the needle recedes
uniformly (docs/regime.md), so the run reduces to the lumped balances of the same cell:

- the dendrite: a needle (cylinder with a hemispherical cap, base on the passivated foil;
  the Fig. 5 deposit is the same shape at L/D = 1) receding uniformly
  (:class:`~dendrisim.physics.lumped_model.NeedleRecession`), in a cylinder of radius
  ``geometry.cell_radius_um`` filled with electrolyte up to ``electrolyte_height_um``
  (derived from ``[cell]`` with ``cell.derive_unit_cell``);
- the rate: the case's passivation (SEI), Arrhenius kinetics and product layer;
- the species: the electrolyte's at t = 0, refilled as the FEM's moving mesh does;
- the heat capacity: the FEM's sensible one at t = 0 (the cell's share phi c_Gamma S with
  ``[cell]``, else the unit cell's own integral of rho c_p;
  :func:`dendrisim.physics.lumped.sample_heat_capacity_J_K`), its change as electrolyte
  replaces the Li (the FEM's scaled rho c_p on the moving regions) and the unscaled latent
  heat of the Li in the cell (foil and dendrite);
- the heat loss: ``thermal.outer`` adiabatic (0), robin (h pi R^2, the outer face) or
  dirichlet (a bath at ``ambient_K``); ``thermal.enabled = false``: isothermal.

Not modelled: transport limits (Da >> 1 after a runaway, docs/regime.md), so the
electrolyte's thermal conductivity and diffusivity do not enter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dendrisim.physics.lumped import sample_heat_capacity_J_K
from dendrisim.physics.lumped_model import LumpedModel, NeedleRecession
from dendrisim.physics.materials import LITHIUM
from dendrisim.physics.params import ModelParameters

UM = 1e-6


def _needle(case) -> tuple[NeedleRecession, float, float, float]:
    """The needle, the cell radius, electrolyte height and foil thickness [m]."""
    g = case.geometry
    if g.shape != "needle" or g.sei_thickness_um > 0 or g.substrate_reacts:
        raise ValueError(
            f"the lumped unit cell needs geometry.shape = 'needle' without an SEI shell and "
            f"a passivated foil (got {g.shape!r}, sei_thickness_um = {g.sei_thickness_um}, "
            f"substrate_reacts = {g.substrate_reacts})"
        )
    if g.cell_radius_um is None or g.electrolyte_height_um is None:
        raise ValueError("the lumped unit cell needs the cell radius and electrolyte height")
    a, ell = 0.5 * g.diameter_um * UM, g.length_um * UM
    needle = NeedleRecession(a, ell, LITHIUM.molar_volume_m3_mol)
    return (
        needle,
        g.cell_radius_um * UM,
        g.electrolyte_height_um * UM,
        g.substrate_thickness_um * UM,
    )


def _loss_W_K(case, radius_m: float) -> float:
    th = case.thermal
    if not th.enabled or th.outer == "dirichlet":
        return math.inf
    if th.outer == "robin":
        return th.heat_transfer_W_m2K * math.pi * radius_m**2
    if th.outer == "adiabatic":
        return 0.0
    raise ValueError(f"thermal.outer = {th.outer!r}: the lumped cell has adiabatic|robin|dirichlet")


def lumped_model_of_case(case, refill: bool = True) -> LumpedModel:
    """The lumped model of ``case``'s unit cell (module docstring)."""
    p = ModelParameters.from_case(case)
    needle, radius, height, foil = _needle(case)
    el, th = case.electrolyte, case.thermal
    foil_m3 = math.pi * radius**2 * foil
    ve0 = math.pi * radius**2 * height - needle.volume_m3
    li_rc = LITHIUM.density_kg_m3 * LITHIUM.heat_capacity_J_kgK
    el_rc = el.density_kg_m3 * el.heat_capacity_J_kgK
    own = li_rc * (needle.volume_m3 + foil_m3) + el_rc * ve0
    sensible = p.arc_phi * sample_heat_capacity_J_K(p, own, needle.area(0.0))
    scale = sensible / own  # the FEM scales every region's rho c_p by it
    layer = p.product_layer == "exponential"
    return LumpedModel(
        heat_capacity_J_K=sensible,
        area=needle,
        pre_exponential=p.pre_exponential,
        activation_energy_J_mol=p.activation_energy_J_mol,
        reaction_order=p.reaction_order,
        enthalpy_J_mol_Li=p.enthalpy_J_mol_Li,
        concentration_mol_m3=p.c_bulk_mol_m3,
        electrolyte_m3=ve0,
        stoichiometry=p.stoichiometry,
        loss_W_K=_loss_W_K(case, radius),
        ambient_K=th.ambient_K if th.enabled else th.initial_K,
        li_molar_volume_m3_mol=LITHIUM.molar_volume_m3_mol,
        li_mass_kg=LITHIUM.density_kg_m3 * (foil_m3 + needle.volume_m3),
        li_molar_mass_kg_mol=LITHIUM.molar_mass_kg_mol,
        latent_heat_J_kg=LITHIUM.latent_heat_J_kg if th.li_melting else 0.0,
        melting_K=LITHIUM.melting_K,
        melting_width_K=th.melting_width_K,
        protection=(p.protection_factor, p.breakdown_K, p.breakdown_width_K),
        li_exhausted_retention=case.stop.li_exhausted_retention,
        product_layer_z0_mol_m2=p.product_layer_z0_mol_m2 if layer else math.inf,
        refill=refill,
        swap_J_K_mol=scale * (el_rc - li_rc) * LITHIUM.molar_volume_m3_mol,
    )


@dataclass(frozen=True)
class LumpedHistory:
    """The lumped model's history at its solver steps, to the end time or the stop.

    ``stop_reason``: ``end_time``, or ``li_exhausted`` when the retention reached
    ``li_exhausted_retention`` (the run ends there, as a field run's stop rule ends it).
    """

    t_s: np.ndarray
    T_K: np.ndarray
    consumed_mol: np.ndarray
    c_mol_m3: np.ndarray
    rate_mol_s: np.ndarray
    area_m2: np.ndarray
    stop_reason: str
    li_mol: float  # the dendrite's Li at the start
    heat_capacity_J_K: float  # the sensible heat capacity at t = 0

    @property
    def retention(self) -> np.ndarray:
        """Li left / Li at the start, per step."""
        return 1.0 - self.consumed_mol / self.li_mol


SPECIES_FLOOR = 1e-4  # c / c0 below which the species counts as used up (frozen after)


def integrate_lumped(
    model: LumpedModel, initial_K: float, end_s: float, rtol: float = 1e-8
) -> LumpedHistory:
    """The history of ``model`` from ``initial_K`` (bath: the ambient) to ``end_s``.

    Integrated in the Li consumed x = N / N_Li, not in time: dt/dx = N_Li / r and
    dT/dx = N_Li (|dH| r - L (T - T_a)) / (C_app r), with c(N) in closed form
    (:meth:`LumpedModel.concentration_at`), so a runaway that consumes the species in a
    microsecond costs nothing.  It ends at ``end_s`` (located), at the retention
    ``li_exhausted_retention`` or, when the species is used up (c < 1e-4 c0) first, it
    cools by its heat loss to ``end_s`` (frozen when adiabatic).
    """
    from scipy.integrate import solve_ivp

    T0 = model.ambient_K if model.bath else initial_K
    n_li = model.area.li_mol
    x_li = 1.0 - model.li_exhausted_retention
    x_ec = model.consumed_at_mol(SPECIES_FLOOR * model.concentration_mol_m3) / n_li
    dH = abs(model.enthalpy_J_mol_Li)

    def rhs(x, y):
        N, T = x * n_li, T0 + y[0]
        r = max(model.consumption_rate_mol_s(T, N, model.concentration_at(N)), 1e-300)
        dT = 0.0
        if not model.bath:
            dT = n_li * (dH - model.loss_W_K * (T - model.ambient_K) / r)
            dT /= model.heat_capacity_at(T, N)
        return [dT, n_li / (r * end_s)]

    def timeout(_x, y):
        return y[1] - 1.0

    timeout.terminal, timeout.direction = True, 1
    x_end = min(x_li, x_ec, 1.0 - 1e-12)
    sol = solve_ivp(rhs, (0.0, x_end), [0.0, 0.0], method="LSODA", rtol=rtol,
                    atol=[1e-9, 1e-12], events=timeout)  # fmt: skip
    if not sol.success:
        raise RuntimeError(f"lumped model: {sol.message}")
    x, T, t = sol.t, T0 + sol.y[0], sol.y[1] * end_s
    if sol.status == 1:  # the end time inside: end exactly there
        x, T = np.append(x[:-1], sol.t_events[0][0]), np.append(T[:-1], T0 + sol.y_events[0][0][0])
        t = np.append(t[:-1], end_s)
    li_out = sol.status != 1 and x_li <= x_ec
    if sol.status != 1 and not li_out:  # the species used up first: cool (or freeze)
        t, T, x = _cool(model, t, T, x, end_s)
    return _history(model, t, T, x * n_li, li_out)


def _cool(model: LumpedModel, t, T, x, end_s: float):
    """After the species is used up: only the heat loss acts until ``end_s``."""
    from scipy.integrate import solve_ivp

    N = float(x[-1]) * model.area.li_mol
    if model.bath or model.loss_W_K == 0.0:
        return np.append(t, end_s), np.append(T, T[-1]), np.append(x, x[-1])

    def rhs(_t, y):
        return [-model.loss_W_K * (y[0] - model.ambient_K) / model.heat_capacity_at(y[0], N)]

    sol = solve_ivp(
        rhs, (float(t[-1]), end_s), [float(T[-1])], method="LSODA", rtol=1e-8, atol=1e-9
    )
    return (
        np.append(t, sol.t[1:]),
        np.append(T, sol.y[0][1:]),
        np.append(x, np.full(sol.t.size - 1, x[-1])),
    )


def _history(model: LumpedModel, t, T, N, li_out: bool) -> LumpedHistory:
    rate = [
        model.consumption_rate_mol_s(a, b, model.concentration_at(b))
        for a, b in zip(T, N, strict=True)
    ]
    return LumpedHistory(
        t_s=np.asarray(t),
        T_K=np.asarray(T),
        consumed_mol=np.asarray(N),
        c_mol_m3=np.array([model.concentration_at(b) for b in N]),
        rate_mol_s=np.array(rate),
        area_m2=np.array([model.area.area(b) for b in N]),
        stop_reason="li_exhausted" if li_out else "end_time",
        li_mol=model.area.li_mol,
        heat_capacity_J_K=model.heat_capacity_J_K,
    )


def run_lumped_case(case, refill: bool = True) -> LumpedHistory:
    """The lumped history of ``case`` from ``thermal.initial_K`` to ``time.end_s``."""
    model = lumped_model_of_case(case, refill)
    return integrate_lumped(model, case.thermal.initial_K, case.time.end_s)
