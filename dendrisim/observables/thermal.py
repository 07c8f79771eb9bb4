"""Observables of heat: interface temperatures, energy held, heat released and lost, balance.

In axisymmetric runs the integrals are over the full revolved body (weight 2πr).
"""

from __future__ import annotations

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import dolfinx  # noqa: E402
from dolfinx import fem  # noqa: E402

import numpy as np  # noqa: E402

from dendrisim.core import parallel  # noqa: E402
from dendrisim.core.units import G_TO_KG  # noqa: E402
from dendrisim.observables.base import (  # noqa: E402
    Context,
    Cumulative,
    Observable,
    StepState,
    extreme_at_dofs,
    integral,
    interface_dofs,
)


def _tip_dof(model, tdofs: np.ndarray) -> np.ndarray:
    """The interface dof farthest along the dendrite axis (on one rank only)."""
    coords = model.V.tabulate_dof_coordinates()
    axis = model.mesh.geometry.dim - 1 if model.tdim > 1 else 0
    nodes = tdofs // 2
    z = coords[nodes, axis] if nodes.size else np.zeros(0)
    zmax = parallel.global_max(z, model.comm)
    owned = nodes < model.V.dofmap.index_map.size_local
    cand = tdofs[(z >= zmax - 1e-12 * max(abs(zmax), 1e-30)) & owned]
    return cand[:1]


class InterfaceTemperature(Observable):
    """Interface temperature [K]: area mean, nodal maximum, at the dendrite tip."""

    columns = ("T_interface_mean_K", "T_interface_max_K", "T_tip_K")
    units = ("K", "K", "K")

    def __init__(self, model, moving: bool):
        self.model, self.comm = model, model.comm
        self.form = fem.form(model.interface_integral(model.temperature()))
        # moving mesh: the current area, re-integrated; fixed: a number
        self.area = (
            fem.form(model.interface_integral(1.0))
            if moving
            else model.integrate(model.interface_integral(1.0))
        )
        self.dofs = interface_dofs(model, 1)
        self.tip = _tip_dof(model, self.dofs)

    @classmethod
    def build(cls, ctx: Context) -> InterfaceTemperature:
        """For any model."""
        return cls(ctx.model, ctx.moving)

    def compute(self, state: StepState) -> dict[str, float]:
        """Mean, max and tip values (global)."""
        area = self.area if isinstance(self.area, float) else integral(self.area, self.comm)
        return {
            "T_interface_mean_K": integral(self.form, self.comm) / area,
            "T_interface_max_K": extreme_at_dofs(self.model, self.dofs, "max", 1),
            "T_tip_K": extreme_at_dofs(self.model, self.tip, "max", 1),
        }


class EnergyHeld(Observable):
    """Enthalpy held in the domain relative to T0 [J] (re-integrated after a mesh move)."""

    columns, units = ("energy_stored_J",), ("J",)

    def __init__(self, model):
        w = model.weight
        stored = sum(
            model.enthalpy_density(n) * w * model.dx(rid) for n, rid in model.region_ids.items()
        )
        self.form = fem.form(stored)
        self.comm = model.comm

    @classmethod
    def build(cls, ctx: Context) -> EnergyHeld:
        """For any model."""
        return cls(ctx.model)

    def compute(self, state: StepState) -> dict[str, float]:
        """∫ ρ h(T) dV."""
        return {self.columns[0]: integral(self.form, self.comm) / 1.0}

    def after_move(self, state: StepState) -> None:
        """Held on the moved mesh."""
        state.values[self.columns[0]] = integral(self.form, self.comm)


class HeatReleased(Cumulative):
    """Reaction heat released since t = 0 [J]."""

    columns, units, rate = ("heat_released_J",), ("J",), "heat_release_W"


class RobinHeat(Observable):
    """Heat lost through natural (flux) boundary conditions [W], and its running total [J].

    The forms are the conditions' own ``outflow`` (``CoupledModel.boundary_outflows``) of
    every heat site, so a new flux condition is counted in the energy balance without a
    change here.  The column names keep the Robin condition's name (the results contract).
    """

    columns, units = ("robin_out_W", "heat_out_robin_J"), ("W", "J")
    state_attrs = ("total", "last")

    def __init__(self, model, forms):
        self.form = fem.form(sum(forms[1:], forms[0]))
        self.comm = model.comm
        self.total = self.last = 0.0

    @classmethod
    def build(cls, ctx: Context) -> RobinHeat | None:
        """Only when a heat boundary condition lets heat out through its flux."""
        model = ctx.model
        heat_sites = {c.site.key for c in model.conditions if c.site.field == "heat"}
        forms = [f for key, f in model.boundary_outflows().items() if key in heat_sites]
        return cls(model, forms) if forms else None

    def compute(self, state: StepState) -> dict[str, float]:
        """Heat leaving through the flux conditions [W], and its total [J]."""
        q = integral(self.form, self.comm) / 1.0
        total = self.total if state.first else self.total + state.increment(self.last, q)
        return {"robin_out_W": q, "heat_out_robin_J": total}

    def commit(self, values: dict[str, float]) -> None:
        """Move the total on."""
        self.last = values["heat_out_robin_J"] - self.total
        self.total = values["heat_out_robin_J"]

    def adopt(self, old: Observable) -> None:
        """Keep the total."""
        self.total, self.last = old.total, old.last


class DirichletFluxes(Observable):
    """Species inflow [mol/s] and heat outflow [W] through Dirichlet boundaries, and totals.

    The unconstrained residual summed over the Dirichlet rows of a field is the discrete
    boundary flux (the other rows vanish at convergence).
    """

    columns = (
        "dirichlet_species_in_mol_s",
        "species_in_mol",
        "dirichlet_heat_out_W",
        "heat_out_dirichlet_J",
    )
    units = ("mol/s", "mol", "W", "J")
    state_attrs = ("totals", "last")

    def __init__(self, model):
        self.model = model
        n = float(sum(d.size for d in model.flux_dofs.values()))
        self.active = parallel.global_sum(n, model.comm) > 0
        self.form = fem.form(model.F) if self.active else None
        self.totals = {"species_in_mol": 0.0, "heat_out_dirichlet_J": 0.0}
        self.last = dict(self.totals)  # the last accepted step's increments

    @classmethod
    def build(cls, ctx: Context) -> DirichletFluxes:
        """For any model (zeros without Dirichlet boundaries)."""
        return cls(ctx.model)

    def fluxes(self, dt: float) -> tuple[float, float]:
        """(species inflow [mol/s], heat outflow [W]) of the current solution."""
        if not self.active:
            return (0.0, 0.0)
        m = self.model
        vec = fem.assemble_vector(self.form)
        vec.scatter_reverse(dolfinx.la.InsertMode.add)
        n_owned = m.V.dofmap.index_map.size_local * 2
        out = []
        for comp, dofs in ((0, m.flux_dofs["species"]), (1, m.flux_dofs["heat"])):
            owned = dofs[dofs < n_owned]
            total = parallel.global_sum(vec.array[owned], m.comm)
            out.append(total / (m.scales["species" if comp == 0 else "heat"] * dt))
        return (out[0], -out[1])

    def compute(self, state: StepState) -> dict[str, float]:
        """Fluxes and running totals."""
        gamma = getattr(state.model, "step_weights", (state.dt_s, 0.0))[0]
        s_in, h_out = (0.0, 0.0) if state.first else self.fluxes(gamma)
        tot = self.totals
        if not state.first:
            inc = state.increment
            tot = {
                "species_in_mol": tot["species_in_mol"] + inc(self.last["species_in_mol"], s_in),
                "heat_out_dirichlet_J": tot["heat_out_dirichlet_J"]
                + inc(self.last["heat_out_dirichlet_J"], h_out),
            }
        return {"dirichlet_species_in_mol_s": s_in, "dirichlet_heat_out_W": h_out, **tot}

    def commit(self, values: dict[str, float]) -> None:
        """Move the totals on."""
        self.last = {k: values[k] - self.totals[k] for k in self.totals}
        self.totals = {k: values[k] for k in self.totals}

    def adopt(self, old: Observable) -> None:
        """Keep the totals."""
        self.totals, self.last = dict(old.totals), dict(old.last)


class EnergyBalance(Observable):
    """Discrete energy balance, relative to the heat throughput (0 to round-off)."""

    columns, units = ("energy_balance_rel",), ("1",)

    def __init__(self, model, inventory):
        self.thermal = model.params.thermal_enabled
        self.inv = inventory

    @classmethod
    def build(cls, ctx: Context) -> EnergyBalance:
        """For any model."""
        return cls(ctx.model, ctx.inventory)

    def value(self, v: dict[str, float], first: bool) -> float:
        """(stored + out - generated) / throughput from the columns of one row."""
        if first or not self.thermal:
            return 0.0
        stored = v["energy_stored_J"] - self.inv.initial["energy_stored_J"]
        out = v.get("heat_out_robin_J", 0.0) + v["heat_out_dirichlet_J"]
        gen = v["heat_released_J"] + v.get("energy_ale_exchange_J", 0.0)
        gen += v.get("heater_heat_J", 0.0)  # the ARC heater (observables/calorimetry.py)
        return (stored + out - gen) / max(abs(gen) + abs(out), abs(stored), 1e-300)

    def compute(self, state: StepState) -> dict[str, float]:
        """After the step."""
        return {self.columns[0]: self.value(state.values, state.first)}

    def after_move(self, state: StepState) -> None:
        """With the energy held and exchanged after the move."""
        state.values[self.columns[0]] = self.value(state.values, False)


class AdiabaticBound(Observable):
    """Temperature rise if all heat released so far stayed in the domain [K]."""

    columns, units = ("dT_adiabatic_bound_K",), ("K",)

    def __init__(self, model, inventory):
        self.q = -model.params.enthalpy_J_mol_Li
        self.inv = inventory

    @classmethod
    def build(cls, ctx: Context) -> AdiabaticBound:
        """For any model."""
        return cls(ctx.model, ctx.inventory)

    def compute(self, state: StepState) -> dict[str, float]:
        """-ΔH n_consumed / C."""
        cap = self.inv.heat_capacity_J_K
        bound = self.q * state.values["li_consumed_mol"] / cap if cap > 0 else 0.0
        return {self.columns[0]: bound}


class HeatFlow(Observable):
    """DSC signal: reaction heat flow per sample mass [W/g] (= mW/mg), with a programme.

    The sample is everything in the domain (Li, electrolyte, SEI): its mass at t = 0
    (docs/physics.md#temperature-programmes).
    """

    columns, units = ("heat_flow_W_g",), ("W/g",)

    def __init__(self, inventory):
        self.mass_g = inventory.mass_kg / G_TO_KG

    @classmethod
    def build(cls, ctx: Context) -> HeatFlow | None:
        """Only with a temperature programme (thermal.program)."""
        return cls(ctx.inventory) if ctx.model.params.program != "none" else None

    def compute(self, state: StepState) -> dict[str, float]:
        """``heat_release_W`` / initial sample mass."""
        return {self.columns[0]: state.values["heat_release_W"] / self.mass_g}
