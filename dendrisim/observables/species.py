"""Observables of the reaction and the species: rate, Li consumed, retention, inventories.

In axisymmetric runs the integrals are over the full revolved body (weight 2πr).
"""

from __future__ import annotations

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402

from dendrisim.observables.base import (  # noqa: E402
    Context,
    Cumulative,
    Observable,
    StepState,
    extreme_at_dofs,
    integral,
    interface_dofs,
)


class ReactionRate(Observable):
    """Interface reaction rate [mol/s] and the heat it releases [W]."""

    columns = ("reaction_rate_mol_s", "heat_release_W")
    units = ("mol/s", "W")

    def __init__(self, model):
        self.form = fem.form(model.interface_integral(model.rate()))
        self.q = -model.params.enthalpy_J_mol_Li
        self.comm = model.comm

    @classmethod
    def build(cls, ctx: Context) -> ReactionRate:
        """For any model."""
        return cls(ctx.model)

    def compute(self, state: StepState) -> dict[str, float]:
        """∫_Γ r dA and -ΔH times it (plus the SEI decomposition's heat, if any)."""
        rate = integral(self.form, self.comm) / 1.0
        sei = state.values.get("sei_heat_release_W", 0.0)
        return {"reaction_rate_mol_s": rate, "heat_release_W": self.q * rate + sei}


class SeiHeat(Observable):
    """Heat released by the metastable SEI's decomposition [W] (docs/physics.md#sei-decomposition).

    Only when the SEI decomposes; ``heat_release_W`` includes it.
    """

    columns, units = ("sei_heat_release_W",), ("W",)

    def __init__(self, model):
        self.form = fem.form(model.interface_integral(model.surface.sei_heat(model)))
        self.comm = model.comm

    @classmethod
    def build(cls, ctx: Context) -> SeiHeat | None:
        """Only with sei.decomposition_amount_mol_m2 > 0."""
        surface = ctx.model.surface
        return cls(ctx.model) if surface is not None and surface.decomposes else None

    def compute(self, state: StepState) -> dict[str, float]:
        """∫_Γ q_sei r_sei dA."""
        return {self.columns[0]: integral(self.form, self.comm)}


class LiConsumed(Cumulative):
    """Li consumed since t = 0 [mol] (backward Euler: the end-of-step rate)."""

    columns, units, rate = ("li_consumed_mol",), ("mol",), "reaction_rate_mol_s"


class LiRetention(Observable):
    """Dendrite Li retention [1]: from moles, and the reported one (volume on a moving mesh).

    ``li_retention`` is 1 - consumed/initial moles on a fixed mesh; on a moving Li surface
    it is V_Li(t)/V_Li(0) once the mesh has moved (whole Li volume minus the passive slab
    below the substrate plane: its top only slides), set by this observable's
    ``after_move``.  ``li_retention_gap`` = V-based minus mole-based (the conservation check;
    0 on a fixed mesh).
    """

    columns = ("li_retention_from_moles", "li_retention", "li_retention_gap")
    units = ("1", "1", "1")

    def __init__(self, model, inventory):
        self.inv = inventory
        li_dx = model.region_dx("lithium")
        self.volume_form = fem.form(model.weight * li_dx) if li_dx is not None else None
        self.comm = model.comm

    @classmethod
    def build(cls, ctx: Context) -> LiRetention:
        """For any model."""
        return cls(ctx.model, ctx.inventory)

    def compute(self, state: StepState) -> dict[str, float]:
        """Mole-based retention (also the reported one until the mesh moves)."""
        n0 = self.inv.li_moles0
        r = 1.0 - state.values["li_consumed_mol"] / n0 if n0 > 0 else 1.0
        return {"li_retention_from_moles": r, "li_retention": r, "li_retention_gap": r - r}

    def after_move(self, state: StepState) -> None:
        """Volume-based retention on the moved mesh."""
        v, inv = state.values, self.inv
        if self.volume_form is not None and inv.li_volume_m3 > 0:
            vol = integral(self.volume_form, self.comm)
            v["li_retention"] = (vol - inv.li_slab_m3) / inv.li_volume_m3
        v["li_retention_gap"] = v["li_retention"] - v["li_retention_from_moles"]


class InterfaceConcentration(Observable):
    """Lowest electrolyte concentration on the interface [mol/m3]."""

    columns, units = ("c_interface_min_mol_m3",), ("mol/m3",)

    def __init__(self, model):
        self.model = model
        self.dofs = interface_dofs(model, 0)

    @classmethod
    def build(cls, ctx: Context) -> InterfaceConcentration:
        """For any model."""
        return cls(ctx.model)

    def compute(self, state: StepState) -> dict[str, float]:
        """Global minimum at the interface dofs."""
        return {self.columns[0]: extreme_at_dofs(self.model, self.dofs, "min", 0)}


class NewtonIterations(Observable):
    """Newton iterations of the accepted step."""

    columns, units = ("newton_iterations",), ("1",)

    def compute(self, state: StepState) -> dict[str, float]:
        """From the step state."""
        return {self.columns[0]: float(state.newton_iterations)}


class SpeciesHeld(Observable):
    """Electrolyte species held in the domain [mol] (re-integrated after a mesh move)."""

    columns, units = ("species_mol",), ("mol",)

    def __init__(self, model):
        c, w = model.concentration(), model.weight
        self.form = fem.form(c * w * model.region_dx("electrolyte"))
        self.comm = model.comm

    @classmethod
    def build(cls, ctx: Context) -> SpeciesHeld:
        """For any model."""
        return cls(ctx.model)

    def compute(self, state: StepState) -> dict[str, float]:
        """∫ c dV over the electrolyte."""
        return {self.columns[0]: integral(self.form, self.comm) / 1.0}

    def after_move(self, state: StepState) -> None:
        """Held on the moved mesh."""
        state.values[self.columns[0]] = integral(self.form, self.comm)


class SpeciesBalance(Observable):
    """Discrete species balance, relative to the throughput (0 to round-off)."""

    columns, units = ("species_balance_rel",), ("1",)

    def __init__(self, model, inventory):
        self.nu = model.params.stoichiometry
        self.inv = inventory

    @classmethod
    def build(cls, ctx: Context) -> SpeciesBalance:
        """For any model."""
        return cls(ctx.model, ctx.inventory)

    def value(self, v: dict[str, float], first: bool) -> float:
        """(lost - expected) / throughput from the columns of one row."""
        if first:
            return 0.0
        lost = self.inv.initial["species_mol"] - v["species_mol"]
        consumed = self.nu * v["li_consumed_mol"]
        expected = consumed - v["species_in_mol"] - v.get("species_ale_exchange_mol", 0.0)
        gross = abs(consumed) + abs(v["species_in_mol"])
        return (lost - expected) / max(gross, abs(lost), 1e-300)

    def compute(self, state: StepState) -> dict[str, float]:
        """After the step."""
        return {self.columns[0]: self.value(state.values, state.first)}

    def after_move(self, state: StepState) -> None:
        """With the amounts held and exchanged after the move."""
        state.values[self.columns[0]] = self.value(state.values, False)


def dendrite_li_volume_m3(model) -> tuple[float, float]:
    """(dendrite Li volume, passive slab below the substrate plane) [m^3].

    The dendrite is the Li above z = 0 unless the substrate reacts (then all Li).
    """
    p, w = model.params, model.weight
    li_dx = model.region_dx("lithium")
    if li_dx is None:
        return 0.0, 0.0
    zc = model.x[model.mesh.geometry.dim - 1] if model.tdim > 1 else model.x[0]
    above = (
        1.0
        if (p.substrate_reacts or not model.bundle.has("substrate"))
        else ufl.conditional(ufl.gt(zc, 0.0), 1.0, 0.0)
    )
    dendrite = model.integrate(above * w * li_dx)
    return dendrite, model.integrate(w * li_dx) - dendrite
