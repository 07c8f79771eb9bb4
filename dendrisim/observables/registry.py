"""Quantities computed after every accepted step, each with one MPI-safe reduction.

Each observable is a small object with ``name``, ``unit`` and ``compute(state) -> float``
(the same value on every rank).  :class:`Observables` evaluates them in order (later
ones may read earlier values from ``state.values``) and keeps the cumulative integrals
(Li consumed, heat released, heat out) with the backward-Euler rule used by the solver,
so that the discrete species and energy balances close to round-off.  In axisymmetric
runs the integrals are over the full revolved body (weight 2πr).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import ufl  # noqa: E402
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


class FormObservable:
    """∫ of a UFL expression (compiled once), optionally divided by another integral."""

    def __init__(self, name: str, unit: str, form, denominator: float | Any = 1.0, comm=None):
        self.name, self.unit = name, unit
        self.form = fem.form(form)
        # a number, or a UFL form re-integrated each time (moving mesh: current area)
        self.denominator = (
            denominator if isinstance(denominator, int | float) else fem.form(denominator)
        )
        self.comm = comm

    def compute(self, state: StepState) -> float:
        """Integral value (global)."""
        local = float(np.real(fem.assemble_scalar(self.form)))
        den = self.denominator
        if not isinstance(den, int | float):
            den = parallel.global_sum(float(np.real(fem.assemble_scalar(den))), self.comm)
        return parallel.global_sum(local, self.comm) / den


class DofObservable:
    """min/max of one component over a set of dofs (global; empty sets are safe)."""

    def __init__(
        self,
        name: str,
        unit: str,
        dofs: np.ndarray,
        comp: int,
        op: str,
        scale: float,
        offset: float,
        comm=None,
    ):
        self.name, self.unit = name, unit
        self.dofs, self.comp, self.op = dofs, comp, op
        self.scale, self.offset, self.comm = scale, offset, comm

    def compute(self, state: StepState) -> float:
        """Global min or max of the physical value at the dofs."""
        vals = self.offset + self.scale * state.model.u.x.array[self.dofs]
        fn = parallel.global_max if self.op == "max" else parallel.global_min
        return fn(vals, self.comm)


class Cumulative:
    """Running sum of ``dt * rate`` of an earlier value (backward Euler: end-of-step rate)."""

    def __init__(self, name: str, unit: str, rate_name: str, factor: float = 1.0):
        self.name, self.unit, self.rate_name, self.factor = name, unit, rate_name, factor
        self.total = 0.0

    def compute(self, state: StepState) -> float:
        """Updated cumulative value."""
        if not state.first:
            self.total += self.factor * state.dt_s * state.values[self.rate_name]
        return self.total


class Derived:
    """A value computed from earlier values by a plain function."""

    def __init__(self, name: str, unit: str, fn):
        self.name, self.unit, self.fn = name, unit, fn

    def compute(self, state: StepState) -> float:
        """fn(values, state)."""
        return float(self.fn(state.values, state))


def _interface_dofs(model, comp: int) -> np.ndarray:
    """Unrolled dofs of one component on the reacting facets (local incl. ghosts)."""
    from dolfinx import fem as _fem

    ft = model.bundle.facet_tags
    facets = ft.indices[np.isin(ft.values, model._reacting)]
    return _fem.locate_dofs_topological(model.V.sub(comp), model.tdim - 1, facets)


class Observables:
    """The ordered list of observables of a run, plus the initial inventories."""

    def __init__(self, model, dirichlet_flux=None):
        m, p = model, model.params
        comm = m.comm
        self.model = m
        c, T, w = m.concentration(), m.temperature(), m.weight
        area = m.integrate(m.interface_integral(1.0))
        self.area_m2 = area
        dxe = m.region_dx("electrolyte")
        li_dx = m.region_dx("lithium")
        # dendrite Li: above the substrate plane (z > 0) unless the substrate reacts
        zc = m.x[m.mesh.geometry.dim - 1] if m.tdim > 1 else m.x[0]
        above = (
            1.0
            if (p.substrate_reacts or not m.bundle.has("substrate"))
            else ufl.conditional(ufl.gt(zc, 0.0), 1.0, 0.0)
        )
        self.li_volume_m3 = m.integrate(above * w * li_dx) if li_dx is not None else 0.0
        self.li_moles0 = self.li_volume_m3 * p.li_molar_density_mol_m3
        # on a moving mesh the dendrite volume is the whole Li minus the passive slab below
        # the plane (constant: its top only slides), not an integral over z > 0 (nodes
        # inside the Li move across the plane)
        self.li_volume_form = fem.form(w * li_dx) if li_dx is not None else None
        self.li_slab_m3 = (m.integrate(w * li_dx) - self.li_volume_m3) if li_dx is not None else 0.0
        heat_cap = sum(
            m.integrate(
                p.regions[n].density_kg_m3 * p.regions[n].heat_capacity_J_kgK * w * m.region_dx(n)
            )
            for n in m._region_ids
        )
        self.heat_capacity_J_K = heat_cap
        q = -p.enthalpy_J_mol_Li
        tdofs = _interface_dofs(m, 1)
        cdofs = _interface_dofs(m, 0)
        tip = self._tip_dof(tdofs)
        stored = sum(m.enthalpy_density(n) * w * m.dx(rid) for n, rid in m._region_ids.items())
        robin = (
            p.heat_transfer_W_m2K * (T - p.ambient_K) * w * m.ds(m.bundle.id("bulk"))
            if p.thermal_outer == "robin" and m.bundle.has("bulk")
            else None
        )
        self.dirichlet_flux = dirichlet_flux  # callable -> (species mol/s in, heat W out)
        obs: list = [
            FormObservable(
                "T_interface_mean_K",
                "K",
                m.interface_integral(T),
                m.interface_integral(1.0) if getattr(m, "motion", None) is not None else area,
                comm,
            ),
            DofObservable("T_interface_max_K", "K", tdofs, 1, "max", m.T_scale, m.T0, comm),
            DofObservable("T_tip_K", "K", tip, 1, "max", m.T_scale, m.T0, comm),
            FormObservable(
                "reaction_rate_mol_s", "mol/s", m.interface_integral(m.rate()), 1.0, comm
            ),
            Derived("heat_release_W", "W", lambda v, s: q * v["reaction_rate_mol_s"]),
            Cumulative("li_consumed_mol", "mol", "reaction_rate_mol_s"),
            Derived(
                "li_retention_from_moles",
                "1",
                lambda v, s: (
                    1.0 - v["li_consumed_mol"] / self.li_moles0 if self.li_moles0 > 0 else 1.0
                ),
            ),
            # fixed geometry: from moles; moving Li surface: replaced by V_Li(t)/V_Li(0) once
            # the mesh has moved (Simulation._move_mesh: li_volume_form - li_slab_m3)
            Derived("li_retention", "1", lambda v, s: v["li_retention_from_moles"]),
            DofObservable(
                "c_interface_min_mol_m3", "mol/m3", cdofs, 0, "min", m.c_scale, 0.0, comm
            ),
            Derived("newton_iterations", "1", lambda v, s: s.newton_iterations),
            FormObservable("species_mol", "mol", c * w * dxe, 1.0, comm),
            FormObservable("energy_stored_J", "J", stored, 1.0, comm),
            Cumulative("heat_released_J", "J", "heat_release_W"),
        ]
        if robin is not None:
            obs.append(FormObservable("robin_out_W", "W", robin, 1.0, comm))
            obs.append(Cumulative("heat_out_robin_J", "J", "robin_out_W"))
        obs += [
            Derived("dirichlet_species_in_mol_s", "mol/s", lambda v, s: self._dflux(s)[0]),
            Cumulative("species_in_mol", "mol", "dirichlet_species_in_mol_s"),
            Derived("dirichlet_heat_out_W", "W", lambda v, s: self._dflux(s)[1]),
            Cumulative("heat_out_dirichlet_J", "J", "dirichlet_heat_out_W"),
            # moving mesh: electrolyte (and its heat) exchanged where the Li surface receded,
            # filled in by the simulation after the mesh moved (0 on a fixed mesh)
            Derived("species_ale_exchange_mol", "mol", lambda v, s: 0.0),
            # V-based minus mole-based retention (the conservation check; 0 on a fixed mesh)
            Derived(
                "li_retention_gap",
                "1",
                lambda v, s: v["li_retention"] - v["li_retention_from_moles"],
            ),
            # worst cell quality (1 = equilateral) after the mesh moved; nan on a fixed mesh
            Derived("mesh_quality_min", "1", lambda v, s: float("nan")),
            Derived("energy_ale_exchange_J", "J", lambda v, s: 0.0),
            Derived("species_balance_rel", "1", self._species_balance),
            Derived("energy_balance_rel", "1", self._energy_balance),
            Derived(
                "dT_adiabatic_bound_K",
                "K",
                lambda v, s: (
                    q * v["li_consumed_mol"] / self.heat_capacity_J_K
                    if self.heat_capacity_J_K > 0
                    else 0.0
                ),
            ),
        ]
        self.items = obs
        self.initial: dict[str, float] = {}
        self._flux_cache: tuple[float, float] | None = None

    def _tip_dof(self, tdofs: np.ndarray) -> np.ndarray:
        """The interface dof farthest along the dendrite axis (on one rank only)."""
        m = self.model
        coords = m.V.tabulate_dof_coordinates()
        axis = m.mesh.geometry.dim - 1 if m.tdim > 1 else 0
        nodes = tdofs // 2
        z = coords[nodes, axis] if nodes.size else np.zeros(0)
        zmax = parallel.global_max(z, m.comm)
        owned = nodes < m.V.dofmap.index_map.size_local
        cand = tdofs[(z >= zmax - 1e-12 * max(abs(zmax), 1e-30)) & owned]
        return cand[:1]

    def _dflux(self, state: StepState) -> tuple[float, float]:
        if state.first or self.dirichlet_flux is None:
            return (0.0, 0.0)
        if self._flux_cache is None:
            self._flux_cache = self.dirichlet_flux(state.dt_s)
        return self._flux_cache

    def _species_balance(self, v: dict, state: StepState) -> float:
        if state.first:
            return 0.0
        p = self.model.params
        n0 = self.initial["species_mol"]
        lost = n0 - v["species_mol"]
        consumed = p.stoichiometry * v["li_consumed_mol"]
        expected = consumed - v["species_in_mol"] - v.get("species_ale_exchange_mol", 0.0)
        gross = abs(consumed) + abs(v["species_in_mol"])  # relative to the throughput
        return (lost - expected) / max(gross, abs(lost), 1e-300)

    def _energy_balance(self, v: dict, state: StepState) -> float:
        if state.first:
            return 0.0
        stored = v["energy_stored_J"] - self.initial["energy_stored_J"]
        out = v.get("heat_out_robin_J", 0.0) + v["heat_out_dirichlet_J"]
        gen = v["heat_released_J"] + v.get("energy_ale_exchange_J", 0.0)
        if not self.model.params.thermal_enabled:
            return 0.0
        return (stored + out - gen) / max(abs(gen) + abs(out), abs(stored), 1e-300)

    def adopt(self, other: Observables) -> None:
        """Carry a run over from ``other`` (the same run on its mesh before a remesh).

        Initial inventories (Li volume and moles, heat capacity, initial values) and the
        running totals of the cumulative observables.
        """
        self.initial = dict(other.initial)
        self.li_volume_m3 = other.li_volume_m3
        self.li_slab_m3 = other.li_slab_m3
        self.li_moles0 = other.li_moles0
        self.heat_capacity_J_K = other.heat_capacity_J_K
        totals = {ob.name: ob.total for ob in other.items if isinstance(ob, Cumulative)}
        for ob in self.items:
            if isinstance(ob, Cumulative) and ob.name in totals:
                ob.total = totals[ob.name]

    def compute(
        self, time_s: float, dt_s: float, newton_iterations: int, first: bool = False
    ) -> dict[str, float]:
        """All values after an accepted step (``first``: the initial state at t = 0)."""
        self._flux_cache = None
        state = StepState(self.model, time_s, dt_s, newton_iterations, first=first)
        state.values["time_s"] = time_s
        state.values["dt_s"] = dt_s
        for ob in self.items:
            state.values[ob.name] = ob.compute(state)
        if first:
            self.initial = dict(state.values)
        return state.values
