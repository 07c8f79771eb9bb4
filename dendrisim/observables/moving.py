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
        """For any model (BDF2 on a moving mesh: :class:`PredictedAleExchange`)."""
        if ctx.moving and getattr(ctx.model, "u_nm1", None) is not None:
            return PredictedAleExchange(ctx.model)
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


def held_forms(model, u) -> dict:
    """Forms of the species [mol] and enthalpy [J] held, for the field ``u``."""
    w = model.weight
    energy = sum(
        model.enthalpy_density(n, u) * w * model.dx(rid) for n, rid in model.region_ids.items()
    )
    return {
        "species": fem.form(model.concentration(u) * w * model.region_dx("electrolyte")),
        "energy": fem.form(energy),
    }


class PredictedAleExchange(AleExchange):
    """ALE exchange of BDF2 on a moving mesh (the mesh moves before each step is solved).

    Step k is solved on the mesh X^{k+1}, moved from X^k before the solve
    (:mod:`dendrisim.solver.motion.predictor`); tested with 1 its residual reads
    D_k = β P_k + γ (A_k − sinks + sources), with D_k = ∫_{X^{k+1}} (u^{k+1} − u^k) the
    storage increment, P_k = ∫_{X^{k+1}} (u^k − u^{k−1}) the previous one re-integrated on the
    moved mesh and A_k = ∫ w·∇u the ALE advection.  The exchange of the step is the change
    of the held amounts when the nodes moved, M_k, plus a_k = β a_{k−1} + γ A_k +
    β (P_k − D_{k−1}): with the running totals of the sinks and sources in the same quadrature
    (``StepState.increment``) the balance closes by induction (β = 0 at the first step).
    """

    state_attrs = ("acc", "moved", "last", "storage", "before")

    def __init__(self, model):
        super().__init__(model, True)
        self.model = model
        self.held = {lvl: held_forms(model, u) for lvl, u in (("u", model.u), ("n", model.u_n))}
        self.held["nm1"] = held_forms(model, model.u_nm1)
        self.moved = {"species": 0.0, "energy": 0.0}  # M of the pending step
        self.last = {"species": 0.0, "energy": 0.0}  # a_{k-1}
        self.storage = {"species": 0.0, "energy": 0.0}  # D_{k-1}
        self.before: dict[str, float] = {}
        self.trials: dict = {}  # (time_s, dt_s) -> (a_k, D_k) of computed (trial) steps

    def _held(self, level: str) -> dict[str, float]:
        return {key: integral(f, self.comm) for key, f in self.held[level].items()}

    def compute(self, state: StepState) -> dict[str, float]:
        """The committed total plus this step's exchange."""
        if state.first:
            return super().compute(state)
        gamma, beta = self.model.step_weights
        u, n, nm1 = self._held("u"), self._held("n"), self._held("nm1")
        a, d, out = {}, {}, {}
        for key in self.acc:
            adv = gamma * integral(self.forms[key], self.comm)
            prev = n[key] - nm1[key]
            a[key] = beta * self.last[key] + adv + beta * (prev - self.storage[key])
            d[key] = u[key] - n[key]
            out[key] = self.acc[key] + self.moved[key] + a[key]
        self.trials[(state.time_s, state.dt_s)] = (a, d)
        return {
            "species_ale_exchange_mol": out["species"],
            "energy_ale_exchange_J": out["energy"],
        }

    def commit(self, values: dict[str, float]) -> None:
        """Move the totals on (the row's step)."""
        key = (values["time_s"], values["dt_s"])
        if key in self.trials:
            self.last, self.storage = self.trials[key]
            self.acc["species"] = values["species_ale_exchange_mol"]
            self.acc["energy"] = values["energy_ale_exchange_J"]
            self.moved = {"species": 0.0, "energy": 0.0}
        self.trials = {}

    def before_move(self, state: StepState) -> None:
        """Nothing: the row's mesh is the one the step was solved on."""

    def after_move(self, state: StepState) -> None:
        """Nothing (see :meth:`mesh_moving`)."""

    def mesh_moving(self) -> None:
        """The accepted state's amounts before the mesh moves for the next step."""
        self.before = self._held("n")

    def mesh_moved(self) -> None:
        """... and after (on a new mesh after a remesh): the move's exchange M."""
        after = self._held("n")
        for key in self.moved:
            self.moved[key] += after[key] - self.before[key]

    def restart(self) -> None:
        """After a remesh (a backward-Euler step follows: β = 0)."""
        self.last = {"species": 0.0, "energy": 0.0}
        self.storage = {"species": 0.0, "energy": 0.0}

    def adopt(self, old: Observable) -> None:
        """Keep the totals and the pending move (a remesh while moving)."""
        self.acc, self.moved, self.before = dict(old.acc), dict(old.moved), dict(old.before)


class WorstCellQuality(Observable):
    """Worst cell quality (1 = equilateral) after the mesh moved; NaN on a fixed mesh."""

    columns, units = ("mesh_quality_min",), ("1",)

    def compute(self, state: StepState) -> dict[str, float]:
        """NaN until the mesh moves."""
        return {self.columns[0]: math.nan}

    def after_move(self, state: StepState) -> None:
        """The quality the motion reported."""
        state.values[self.columns[0]] = state.mesh_quality
