"""The observables of a run as one ordered set (:class:`Observables`).

Each observable is a small object owning its columns (:mod:`dendrisim.observables.base`);
the registered kinds and their order are :data:`dendrisim.observables.catalog.CATALOG`.
Values are computed in two phases so that trial solves (event location) never count
twice: :meth:`Observables.compute` (pure) then :meth:`Observables.commit` (the step was
accepted).  A moving mesh adds :meth:`Observables.before_move` / :meth:`after_move`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from dendrisim.observables import catalog
from dendrisim.observables.base import Context, Inventory, Observable, StepState
from dendrisim.observables.species import dendrite_li_volume_m3

__all__ = ["Inventory", "Observables", "StepState", "inventory_of"]


def inventory_of(model) -> Inventory:
    """Initial amounts of ``model`` (dendrite Li volume and moles, heat capacity, area)."""
    p, w = model.params, model.weight
    li_volume, slab = dendrite_li_volume_m3(model)
    heat_cap = sum(
        model.integrate(
            p.regions[n].density_kg_m3 * p.regions[n].heat_capacity_J_kgK * w * model.region_dx(n)
        )
        for n in model.region_ids
    )
    if p.needs_lumped:  # the sensible heat capacity factor (physics/lumped.py)
        heat_cap *= 1.0 + float(model.lumped.value)
    mass = sum(
        model.integrate(p.regions[n].density_kg_m3 * w * model.region_dx(n))
        for n in model.region_ids
    )
    return Inventory(
        li_volume_m3=li_volume,
        li_slab_m3=slab,
        li_moles0=li_volume * p.li_molar_density_mol_m3,
        heat_capacity_J_K=heat_cap,
        area_m2=model.integrate(model.interface_integral(1.0)),
        mass_kg=mass,
    )


class Observables:
    """The ordered observables of one model, plus the run's initial inventory.

    Args:
        model: the CoupledModel (its ``motion`` attribute tells whether the mesh moves).
        inventory: the run's initial amounts (None: computed from ``model``; a remeshed
            run passes the old one).
        kinds: observable classes in evaluation order (default: ``catalog.CATALOG``).
    """

    def __init__(
        self, model, inventory: Inventory | None = None, kinds: Sequence[type] | None = None
    ):
        self.model = model
        self.inventory = inventory or inventory_of(model)
        ctx = Context(model, self.inventory, getattr(model, "motion", None) is not None)
        built = (k.build(ctx) for k in (catalog.CATALOG if kinds is None else kinds))
        self.items: list[Observable] = [ob for ob in built if ob is not None]

    @property
    def columns(self) -> list[str]:
        """Every column, in evaluation order (after ``time_s`` and ``dt_s``)."""
        return ["time_s", "dt_s"] + [c for ob in self.items for c in ob.columns]

    def compute(
        self, time_s: float, dt_s: float, newton_iterations: int, first: bool = False
    ) -> dict[str, float]:
        """All values after a (trial) step (``first``: the initial state at t = 0)."""
        state = StepState(self.model, time_s, dt_s, newton_iterations, first=first)
        state.values["time_s"] = time_s
        state.values["dt_s"] = dt_s
        for ob in self.items:
            state.values.update(ob.compute(state))
        return state.values

    def commit(self, values: dict[str, float], first: bool = False) -> None:
        """The step was accepted with ``values`` (running totals move on)."""
        if first:
            self.inventory.initial = dict(values)
        for ob in self.items:
            ob.commit(values)

    def before_move(self, values: dict[str, float]) -> None:
        """Hook before the mesh moves (on the mesh the step was solved on)."""
        state = StepState(self.model, values["time_s"], values["dt_s"], 0, values=values)
        for ob in self.items:
            ob.before_move(state)

    def after_move(self, values: dict[str, float], before: dict, quality: float) -> None:
        """Update ``values`` in place after the mesh moved (``before``: values before)."""
        state = StepState(self.model, values["time_s"], values["dt_s"], 0, values=values)
        state.before, state.mesh_quality = before, quality
        for ob in self.items:
            ob.after_move(state)

    def state(self) -> dict:
        """The running totals of every observable (by class name) and the inventory."""
        items = {type(ob).__name__: ob.state() for ob in self.items if ob.state_attrs}
        return {"items": items, "inventory": dataclasses.asdict(self.inventory)}

    def restore(self, state: dict) -> None:
        """Take back :meth:`state` (the inventory in place: the observables share it)."""
        for key, value in state["inventory"].items():
            setattr(self.inventory, key, value)
        for ob in self.items:
            if ob.state_attrs:
                ob.restore(state["items"][type(ob).__name__])

    def adopt(self, other: Observables, report=None) -> None:
        """Carry the running totals over from ``other`` (the run before a remesh).

        ``report``: that remesh's RemeshReport (what it removed), passed on to each one.
        """
        old = {type(ob): ob for ob in other.items}
        for ob in self.items:
            if type(ob) in old:
                ob.adopt(old[type(ob)])
            if report is not None:
                ob.remeshed(report)
