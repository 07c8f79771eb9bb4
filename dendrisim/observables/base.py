"""Building blocks of observables: the step state, the base class, reusable reductions.

An observable owns one or more time-series columns (``columns``, units in the names) and
has hooks, all collective (the same value on every rank):

- ``compute(state) -> dict``: its values after a (trial) step, from ``state.model`` and the
  values computed before it (``state.values``); must not change the observable's state
  (trial solves of event location call it too);
- ``commit(values)``: the step was accepted with these values (cumulative totals move on);
- ``before_move(state)`` / ``after_move(state)``: around a mesh move (moving Li surface);
  ``after_move`` updates its own columns in ``state.values`` (``state.before`` holds the
  values before the move);
- ``adopt(old)``: carry running totals over from the same observable on the mesh before a
  remesh.

``build(ctx)`` (a classmethod) makes the observable for a model, or returns None when it
does not apply (e.g. a Robin heat loss without a Robin boundary).  Registration:
:data:`dendrisim.observables.catalog.CATALOG`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
from dolfinx import fem  # noqa: E402

import numpy as np  # noqa: E402

from dendrisim.core import parallel  # noqa: E402


@dataclass
class StepState:
    """What an observable may read: the model, the step and the values computed so far."""

    model: Any
    time_s: float
    dt_s: float
    newton_iterations: int
    values: dict[str, float] = field(default_factory=dict)
    first: bool = False
    before: dict[str, float] = field(default_factory=dict)  # after_move: values before
    mesh_quality: float | None = None  # after_move: worst cell quality after the move

    def increment(self, previous: float, rate: float) -> float:
        """The step's increment of a running total of ``rate``, in the scheme's quadrature.

        γ rate + β × (the previous step's increment) with the model's step weights (γ, β)
        (``CoupledModel.set_step``): Δt rate for backward Euler; for BDF2 the totals then
        balance the discrete storage (H − H_n) − β (H_n − H_{n−1}) exactly.
        """
        gamma, beta = getattr(self.model, "step_weights", (self.dt_s, 0.0))
        return beta * previous + gamma * rate


@dataclass
class Inventory:
    """Initial amounts of a run, kept over remeshes [SI units].

    ``li_volume_m3``: dendrite Li volume (above the substrate plane unless the substrate
    reacts); ``li_slab_m3``: the passive Li slab below it; ``li_moles0``: dendrite Li moles;
    ``heat_capacity_J_K``: of the whole domain; ``area_m2``: initial interface area;
    ``initial``: every value at t = 0; ``mass_kg``: of the whole domain.
    """

    li_volume_m3: float
    li_slab_m3: float
    li_moles0: float
    heat_capacity_J_K: float
    area_m2: float
    initial: dict[str, float] = field(default_factory=dict)
    mass_kg: float = 0.0  # ∫ ρ dV of every region at t = 0 (the DSC sample mass)


@dataclass
class Context:
    """What ``build`` gets: the model, the run's inventory and whether the mesh moves."""

    model: Any
    inventory: Inventory
    moving: bool = False


class Observable:
    """Base class: one or more columns with compute/commit/move hooks (see module doc)."""

    columns: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    state_attrs: tuple[str, ...] = ()  # running totals: what state()/restore() carry

    def state(self) -> dict[str, Any]:
        """Its running totals as plain data (a checkpoint; JSON-able floats and dicts)."""
        return {k: copy.deepcopy(getattr(self, k)) for k in self.state_attrs}

    def restore(self, state: dict[str, Any]) -> None:
        """Take back the running totals of :meth:`state` (a resumed run)."""
        for k in self.state_attrs:
            setattr(self, k, copy.deepcopy(state[k]))

    @classmethod
    def build(cls, ctx: Context) -> Observable | None:
        """The observable for ``ctx.model`` (None when it does not apply)."""
        return cls()

    def compute(self, state: StepState) -> dict[str, float]:
        """Values of its columns after a (trial) step (no state change)."""
        raise NotImplementedError

    def commit(self, values: dict[str, float]) -> None:
        """The step was accepted with ``values``."""

    def before_move(self, state: StepState) -> None:
        """Called before the mesh moves (on the mesh the step was solved on)."""

    def after_move(self, state: StepState) -> None:
        """Update its columns in ``state.values`` after the mesh moved."""

    def adopt(self, old: Observable) -> None:
        """Carry state over from ``old`` (same class, mesh before a remesh)."""

    def remeshed(self, report) -> None:
        """The remesh that made this mesh (its ``RemeshReport``), after :meth:`adopt`."""


def integral(form, comm) -> float:
    """Global value of a compiled scalar form."""
    return parallel.global_sum(float(np.real(fem.assemble_scalar(form))), comm)


class Cumulative(Observable):
    """Running sum of ``factor * rate`` of an earlier column (the scheme's quadrature).

    Subclasses set ``columns = (name,)``, ``rate`` (the column integrated) and ``factor``.
    """

    rate = ""
    factor = 1.0
    state_attrs = ("total", "last")

    def __init__(self):
        self.total = 0.0
        self.last = 0.0  # the last accepted step's increment

    def compute(self, state: StepState) -> dict[str, float]:
        """Committed total plus this step's increment."""
        if state.first:
            return {self.columns[0]: self.total}
        inc = state.increment(self.last, self.factor * state.values[self.rate])
        return {self.columns[0]: self.total + inc}

    def commit(self, values: dict[str, float]) -> None:
        """Move the total on."""
        self.last = values[self.columns[0]] - self.total
        self.total = values[self.columns[0]]

    def adopt(self, old: Observable) -> None:
        """Keep the total."""
        self.total, self.last = old.total, old.last


def extreme_at_dofs(model, dofs: np.ndarray, op: str, comp: int) -> float:
    """Global min or max of a field's physical value at dofs (empty sets are safe).

    ``comp`` 0: concentration [mol/m3], 1: temperature [K].
    """
    scale, offset = (model.c_scale, 0.0) if comp == 0 else (model.T_scale, model.T0)
    vals = offset + scale * model.u.x.array[dofs]
    fn = parallel.global_max if op == "max" else parallel.global_min
    return fn(vals, model.comm)


def interface_dofs(model, comp: int) -> np.ndarray:
    """Unrolled dofs of one component on the reacting facets (local incl. ghosts)."""
    ft = model.bundle.facet_tags
    facets = ft.indices[np.isin(ft.values, model.reacting_ids)]
    return fem.locate_dofs_topological(model.V.sub(comp), model.tdim - 1, facets)
