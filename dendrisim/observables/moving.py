"""Observables of a moving Li surface: what the moving mesh exchanges, and cell quality.

Staggered ALE: the mesh velocity of a move enters the next step's transport terms.  The
amounts exchanged by the moving mesh (the ALE advection of the step plus the change of the
integrals when the nodes move: electrolyte and heat that fill the volume the Li left) are
accumulated so that the species and energy balances stay exact.
"""

from __future__ import annotations

import math

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402

from dendrisim.observables.base import Context, Observable, StepState, integral  # noqa: E402


class AleExchange(Observable):
    """Species [mol] and energy [J] exchanged by the moving mesh since t = 0 (0 if fixed)."""

    columns = ("species_ale_exchange_mol", "energy_ale_exchange_J")
    units = ("mol", "J")
    state_attrs = ("acc", "adv")

    def __init__(self, model, moving: bool):
        self.comm = model.comm
        self.acc = {"species": 0.0, "energy": 0.0}
        self.adv = {"species": 0.0, "energy": 0.0}  # this step's ALE advection [mol, J]
        self.forms = None
        if moving:
            m, w = model, model.weight
            adv_e = sum(m.ale_heat_advection(n) * w * m.dx(rid) for n, rid in m.region_ids.items())
            self.forms = {
                "species": fem.form(
                    ufl.inner(m.velocity, ufl.grad(m.concentration()))
                    * w
                    * m.region_dx("electrolyte")
                ),
                "energy": fem.form(adv_e),
            }

    @classmethod
    def build(cls, ctx: Context) -> AleExchange:
        """For any model."""
        return cls(ctx.model, ctx.moving)

    def compute(self, state: StepState) -> dict[str, float]:
        """The totals so far (updated after the move)."""
        return {
            "species_ale_exchange_mol": self.acc["species"],
            "energy_ale_exchange_J": self.acc["energy"],
        }

    def before_move(self, state: StepState) -> None:
        """ALE advection of the step (mesh velocity of the previous move)."""
        for key, form in (self.forms or {}).items():
            self.adv[key] = state.dt_s * integral(form, self.comm)

    def after_move(self, state: StepState) -> None:
        """Add the advection and the change of the held amounts when the nodes moved."""
        v, b = state.values, state.before
        for key, col in (("species", "species_mol"), ("energy", "energy_stored_J")):
            self.acc[key] += self.adv[key] + v[col] - b[col]
        v.update(self.compute(state))

    def adopt(self, old: Observable) -> None:
        """Keep the totals and the pending advection (a remesh during a move)."""
        self.acc, self.adv = dict(old.acc), dict(old.adv)


class WorstCellQuality(Observable):
    """Worst cell quality (1 = equilateral) after the mesh moved; NaN on a fixed mesh."""

    columns, units = ("mesh_quality_min",), ("1",)

    def compute(self, state: StepState) -> dict[str, float]:
        """NaN until the mesh moves."""
        return {self.columns[0]: math.nan}

    def after_move(self, state: StepState) -> None:
        """The quality the motion reported."""
        state.values[self.columns[0]] = state.mesh_quality
