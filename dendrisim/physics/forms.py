"""UFL forms of the coupled species–heat–interface-reaction problem (docs/physics.md#equations).

Unknowns (one blocked P1/P2 space with two components on the whole mesh):

- ``u[0] = c / c_bulk`` — reactive species, meaningful in the electrolyte only.  Its
  equation is integrated over electrolyte cells; dofs that touch no electrolyte cell are
  fixed to 0 by a Dirichlet condition, and a zero-valued ``Constant`` mass term over the
  other cells keeps their diagonal in the sparsity pattern (docs/physics.md#equations note).
- ``u[1] = (T - T0) / T_scale`` — temperature, everywhere.

Residual rows are scaled so that a unit residual means "a change of one scaled unknown
over the whole domain": species rows by ``1/(c_bulk V)``, heat rows by
``1/(rho c_p,e T_scale V)``, both multiplied by Δt (backward Euler).  Newton tolerances
are then meaningful and comparable between fields.

The interface Γ (``interface``, plus ``substrate_top`` when the substrate reacts) is an
interior facet set of the whole-domain mesh: its integrals use ``dS`` with the ``'+'``
restriction of continuous quantities (same value on both sides), and ``ds`` for any part
of it on the mesh boundary (e.g. a mesh of the electrolyte alone).

Geometry-dependent forms are built in :meth:`CoupledModel.build` and can be rebuilt after
the mesh moves; the optional mesh velocity ``w`` (ALE) enters as ``-w·∇c`` and
``-ρc_p w·∇T``.

The model owns the volume terms (storage, diffusion/conduction, ALE advection).  Everything
else is composed from objects in ``self.terms`` (docs/architecture.md#physics-terms): the
interface reaction (:mod:`dendrisim.physics.terms`) with the rate laws the parameters name
(:mod:`dendrisim.physics.laws`), and one boundary condition per site
(:mod:`dendrisim.physics.conditions`), each chosen by its registered name.
"""

from __future__ import annotations

import math

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import dolfinx  # noqa: E402
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402
from petsc4py import PETSc  # noqa: E402

import numpy as np  # noqa: E402

from dendrisim.core import groups, parallel  # noqa: E402
from dendrisim.physics import kinetics  # noqa: E402
from dendrisim.physics.laws import InterfaceRate  # noqa: E402
from dendrisim.physics.params import ModelParameters  # noqa: E402
from dendrisim.physics.programme import programme_K  # noqa: E402
from dendrisim.physics.registry import BOUNDARY_CONDITIONS, BOUNDARY_SITES  # noqa: E402
from dendrisim.physics.surface_state import SurfaceState, surface_terms  # noqa: E402
from dendrisim.physics.terms import (  # noqa: E402
    InterfaceReaction,
    calorimeter_terms,
    extra_heat_capacity,
)

FORMULATIONS = ("axisymmetric", "planar", "3d")
FIELD_COMPONENT = {"species": 0, "heat": 1}  # field name -> component of u


def facet_sides(bundle, ids: list[int]) -> tuple[bool, bool]:
    """Whether the facets tagged ``ids`` include interior / exterior facets (global).

    Uses the mesh's exterior facets (correct on partition boundaries too).
    """
    ft, mesh = bundle.facet_tags, bundle.mesh
    facets = ft.indices[np.isin(ft.values, ids)]
    exterior = np.isin(facets, dolfinx.mesh.exterior_facet_indices(mesh.topology))
    return (
        parallel.global_any(bool(np.any(~exterior)), mesh.comm),
        parallel.global_any(bool(np.any(exterior)), mesh.comm),
    )


def step_weights(dt_s: float, dt_prev_s: float | None) -> tuple[float, float]:
    """(γ [s], β) of a step: backward Euler (Δt, 0) without ``dt_prev_s``, else BDF2.

    Variable-step BDF2 with ω = Δt/Δt_prev, a0 = (1+2ω)/(1+ω), a2 = ω²/(1+ω), divided
    by a0: γ = Δt/a0, β = a2/a0 (docs/physics.md#time-discretisation).
    """
    if not dt_prev_s:
        return dt_s, 0.0
    w = dt_s / dt_prev_s
    return dt_s * (1 + w) / (1 + 2 * w), w * w / (1 + 2 * w)


class CoupledModel:
    """Forms, unknowns and boundary conditions of one tagged mesh (MeshBundle-like)."""

    def __init__(
        self,
        bundle,
        params: ModelParameters,
        degree: int = 1,
        ale: bool = False,
        scheme: str = "backward_euler",
    ):
        if bundle.formulation not in FORMULATIONS:
            from dendrisim.core.errors import CaseError

            raise CaseError(
                f"geometry.formulation = {bundle.formulation!r}; allowed: {', '.join(FORMULATIONS)}"
            )
        self.bundle = bundle
        self.mesh = bundle.mesh
        self.params = params
        self.degree = degree
        self.comm = self.mesh.comm
        mesh = self.mesh
        self.tdim = mesh.topology.dim
        mesh.topology.create_connectivity(self.tdim - 1, self.tdim)
        self.V = fem.functionspace(mesh, ("Lagrange", degree, (2,)))
        self.u = fem.Function(self.V, name="u")
        self.u_n = fem.Function(self.V, name="u_n")
        self.dt = fem.Constant(mesh, PETSc.ScalarType(1e-3))  # step weight γ (set_step)
        self.u_nm1 = fem.Function(self.V, name="u_nm1") if scheme == "bdf2" else None
        self.beta = fem.Constant(mesh, PETSc.ScalarType(0.0))
        self.step_weights = (1e-3, 0.0)  # (γ [s], β) of the last set_step
        self.t = fem.Constant(mesh, PETSc.ScalarType(0.0))
        self.zero = fem.Constant(mesh, PETSc.ScalarType(0.0))
        self.programme = fem.Constant(mesh, PETSc.ScalarType(0.0))  # (T_prog - T0)/T_scale
        self.velocity = (
            fem.Function(
                fem.functionspace(mesh, ("Lagrange", 1, (mesh.geometry.dim,))), name="mesh_velocity"
            )
            if ale
            else None
        )
        self.c_scale = params.c_bulk_mol_m3
        self.T0 = params.initial_K
        self.T_scale = params.temperature_scale_K
        self.extra_species: list = []  # UFL terms added to the (physical) species residual
        self.extra_heat: list = []  # UFL terms added to the (physical) heat residual
        self.extra_bcs: list = []
        # cell ids of the regions present {name: id}
        self.region_ids = {
            name: bundle.id(name)
            for name in (groups.LITHIUM, groups.ELECTROLYTE, groups.SEI)
            if bundle.has(name)
        }
        self.interface_rate = InterfaceRate(params)  # r = f(T) k(T, c) of the named laws
        self.surface = SurfaceState(self) if params.has_surface_state else None  # z, x_sei
        self.conditions = self.make_conditions()
        # residual terms besides the volume terms; append more before build_residual()
        # + the SEI decomposition; the ARC heater (sets ``heater``, ``lumped``: physics/terms.py)
        self.terms: list = [InterfaceReaction(), *surface_terms(self), *self.conditions]
        self.terms += calorimeter_terms(self)
        self.build()

    def make_conditions(self) -> list:
        """One boundary condition per site whose group is in the mesh and field is solved.

        The class is the one registered under the name the parameters give for the site.
        """
        solved = {"species": True, "heat": self.params.thermal_enabled}
        return [
            BOUNDARY_CONDITIONS[site.key].create(getattr(self.params, site.param), site)
            for site in BOUNDARY_SITES
            if solved[site.field] and self.bundle.has(site.group)
        ]

    def set_step(self, dt_s: float, dt_prev_s: float | None) -> None:
        """Weights (:func:`step_weights`) of the step [t, t + dt_s] after one of ``dt_prev_s``."""
        gamma, beta = step_weights(dt_s, dt_prev_s if self.u_nm1 is not None else None)
        self.dt.value, self.beta.value = gamma, beta
        self.step_weights = (gamma, beta)

    def set_time(self, t: float) -> None:
        """Set the step's end time [s] and its programme temperature (``programme``)."""
        self.t.value = t
        self.programme.value = (programme_K(self.params, t) - self.T0) / self.T_scale

    # --- geometry-dependent pieces ------------------------------------------------------
    def build(self) -> None:
        """(Re)build measures, scales and the residual (call again after the mesh moves)."""
        mesh, b = self.mesh, self.bundle
        q = 2 * self.degree  # exact for the P-degree mass matrix; O(h^{p+1}) overall
        md = {"quadrature_degree": q}
        self.dx = ufl.Measure("dx", domain=mesh, subdomain_data=b.cell_tags, metadata=md)
        self.ds = ufl.Measure("ds", domain=mesh, subdomain_data=b.facet_tags, metadata=md)
        self.dS = ufl.Measure("dS", domain=mesh, subdomain_data=b.facet_tags, metadata=md)
        self.x = ufl.SpatialCoordinate(mesh)
        v = ufl.TestFunction(self.V)
        self.v_c, self.v_T = v[0], v[1]  # test functions of the two fields
        self.weight = 2.0 * math.pi * self.x[0] if b.formulation == "axisymmetric" else 1.0
        # facet ids of the reacting surface Γ
        self.reacting_ids = [b.id(groups.INTERFACE)]
        if self.params.substrate_reacts and b.has(groups.SUBSTRATE_TOP):
            self.reacting_ids.append(b.id(groups.SUBSTRATE_TOP))
        self._interior, self._exterior = facet_sides(self.bundle, self.reacting_ids)
        self.volume_m3 = self.integrate(self.weight * self.dx)
        self.build_residual()

    def interface_integral(self, expr, ids: list[int] | None = None):
        """UFL form ``∫_Γ expr dA`` (weighted) over the reacting facets (or ``ids``)."""
        ids = self.reacting_ids if ids is None else ids
        interior, exterior = (
            (self._interior, self._exterior)
            if ids is self.reacting_ids
            else facet_sides(self.bundle, ids)
        )
        form = 0
        w = self.weight
        expr = ufl.as_ufl(expr)
        if interior:
            form += (expr * w)("+") * self.dS(tuple(ids))
        if exterior:
            form += expr * w * self.ds(tuple(ids))
        return form

    def region_dx(self, *names: str):
        """Measure over the cells of the named regions present in the mesh."""
        ids = tuple(self.region_ids[n] for n in names if n in self.region_ids)
        return self.dx(ids) if ids else None

    # --- physical fields ----------------------------------------------------------------
    def concentration(self, u=None):
        """C [mol/m3] as UFL."""
        return self.c_scale * (u if u is not None else self.u)[0]

    def temperature(self, u=None):
        """T [K] as UFL."""
        return self.T0 + self.T_scale * (u if u is not None else self.u)[1]

    def rate(self, u=None):
        """Interface reaction rate r [mol Li m^-2 s^-1] as UFL (the laws the case names)."""
        T, c = self.temperature(u), self.concentration(u)
        return self.interface_rate(T, c) if self.surface is None else self.surface.rate(self, T, c)

    def enthalpy_density(self, region: str, u=None):
        """Volumetric enthalpy ρ h(T) relative to T0 [J/m3] of one region, as UFL."""
        r = self.params.regions[region]
        return r.density_kg_m3 * kinetics.specific_enthalpy(
            self.temperature(u),
            r.heat_capacity_J_kgK,
            self.T0,
            r.latent_heat_J_kg,
            r.melting_K,
            r.melting_width_K,
        ) + extra_heat_capacity(self, region) * (self.temperature(u) - self.T0)

    def diffusivity(self, u=None):
        """D(T) [m2/s] as UFL."""
        p = self.params
        return kinetics.diffusivity(
            self.temperature(u),
            p.diffusivity_m2_s,
            p.diffusivity_reference_K,
            p.diffusivity_activation_J_mol,
        )

    # --- residual -------------------------------------------------------------------------
    def species_residual(self, vc):
        """Physical species residual times Δt [mol] tested with ``vc`` (no scaling)."""
        w, dt = self.weight, self.dt
        c, c_n = self.concentration(), self.concentration(self.u_n)
        dxe = self.region_dx("electrolyte")
        F = (c - c_n) * vc * w * dxe + dt * self.diffusivity() * ufl.inner(
            ufl.grad(c), ufl.grad(vc)
        ) * w * dxe
        if self.u_nm1 is not None:
            F -= self.beta * (c_n - self.concentration(self.u_nm1)) * vc * w * dxe
        if self.velocity is not None:
            F -= dt * ufl.inner(self.velocity, ufl.grad(c)) * vc * w * dxe
        for term in self.terms:
            contribution = term.species(self, vc)
            if contribution is not None:
                F += contribution
        for term in self.extra_species:
            F += dt * term
        return F

    def ale_heat_advection(self, region: str):
        """ρ c_p,app(T) w·∇T [W/m3] of one region (the ALE term of the heat equation)."""
        reg = self.params.regions[region]
        T = self.temperature()
        cap = reg.density_kg_m3 * kinetics.apparent_heat_capacity(
            T, reg.heat_capacity_J_kgK, reg.latent_heat_J_kg, reg.melting_K, reg.melting_width_K
        )
        cap = cap + extra_heat_capacity(self, region)  # physics/lumped.py
        return cap * ufl.inner(self.velocity, ufl.grad(T))

    def heat_residual(self, vT):
        """Physical heat residual times Δt [J] tested with ``vT`` (no scaling)."""
        p, w, dt = self.params, self.weight, self.dt
        T = self.temperature()
        F = 0
        for name, rid in self.region_ids.items():
            reg = p.regions[name]
            dxr = self.dx(rid)
            dh = self.enthalpy_density(name) - self.enthalpy_density(name, self.u_n)
            F += dh * vT * w * dxr
            if self.u_nm1 is not None:
                h_n = self.enthalpy_density(name, self.u_n)
                F -= self.beta * (h_n - self.enthalpy_density(name, self.u_nm1)) * vT * w * dxr
            F += dt * reg.conductivity_W_mK * ufl.inner(ufl.grad(T), ufl.grad(vT)) * w * dxr
            if self.velocity is not None:
                F -= dt * self.ale_heat_advection(name) * vT * w * dxr
        for term in self.terms:
            contribution = term.heat(self, vT)
            if contribution is not None:
                F += contribution
        for term in self.extra_heat:
            F += dt * term
        return F

    def heat_scale(self) -> float:
        """Reference volumetric heat capacity ρc_p [J/(m3 K)] used to scale heat rows."""
        reg = self.params.regions.get("electrolyte") or next(iter(self.params.regions.values()))
        return reg.density_kg_m3 * reg.heat_capacity_J_kgK

    def build_residual(self) -> None:
        """Assemble the scaled UFL residual ``self.F`` and Jacobian ``self.J``."""
        vc, vT = self.v_c, self.v_T
        s_c = 1.0 / (self.c_scale * self.volume_m3)
        s_T = 1.0 / (self.heat_scale() * self.T_scale * self.volume_m3)
        F = s_c * self.species_residual(vc)
        # zero-valued term over the other cells: keeps Li-only dofs on the sparsity diagonal
        others = self.region_dx("lithium", "sei")
        if others is not None:
            F += self.zero * self.u[0] * vc * self.weight * others
        if self.params.thermal_enabled:
            F += s_T * self.heat_residual(vT)
        else:
            F += self.u[1] * vT * self.weight / self.volume_m3 * self.dx
        self.F = F
        self.J = ufl.derivative(F, self.u, ufl.TrialFunction(self.V))
        self.scales = {"species": s_c, "heat": s_T}

    # --- boundary conditions and initial state ------------------------------------------
    def _facet_dofs(self, comp: int, name: str) -> np.ndarray:
        facets = self.bundle.facet_tags.find(self.bundle.id(name))
        return fem.locate_dofs_topological(self.V.sub(comp), self.tdim - 1, facets)

    def boundary_conditions(self) -> list:
        """Dirichlet conditions: Li-only species dofs, fixed-value conditions, extra_bcs.

        Li-only species dofs are fixed to 0; then come the fixed values of
        ``self.conditions`` and ``extra_bcs`` (docs/physics.md#equations).

        Also sets ``flux_dofs`` (the Dirichlet dofs of each field, for boundary fluxes).
        """
        self.li_species_dofs = species_only_dofs(self)
        bcs = [fem.dirichletbc(PETSc.ScalarType(0.0), self.li_species_dofs, self.V.sub(0))]
        fixed = {field: [np.zeros(0, dtype=np.int32)] for field in FIELD_COMPONENT}
        for cond in self.conditions:
            value = cond.fixed_value(self)
            if value is None:
                continue
            comp = FIELD_COMPONENT[cond.site.field]
            # Li-only species dofs stay at 0 (a no-op for the heat component's dofs)
            dofs = np.setdiff1d(self._facet_dofs(comp, cond.site.group), self.li_species_dofs)
            fixed[cond.site.field].append(dofs)
            value = value if isinstance(value, fem.Constant) else PETSc.ScalarType(value)
            bcs.append(fem.dirichletbc(value, dofs, self.V.sub(comp)))
        self.flux_dofs = {
            field: np.unique(np.concatenate(parts)).astype(np.int32)
            for field, parts in fixed.items()
        }
        return bcs + list(self.extra_bcs)

    def boundary_outflows(self) -> dict:
        """UFL forms of what leaves through natural conditions, by site key.

        E.g. the heat [W] of a Robin condition under ``"thermal.outer"``.  Dirichlet
        fluxes come from the residual at ``flux_dofs`` instead.
        """
        forms = {cond.site.key: cond.outflow(self) for cond in self.conditions}
        return {key: form for key, form in forms.items() if form is not None}

    def set_initial(self) -> None:
        """Uniform c_bulk in the electrolyte, 0 in Li; T = T0 everywhere."""
        self.u.x.array[0::2] = 1.0
        self.u.x.array[1::2] = 0.0
        self.u.x.array[self.li_species_dofs] = 0.0
        self.u.x.scatter_forward()
        self.u_n.x.array[:] = self.u.x.array
        if self.u_nm1 is not None:
            self.u_nm1.x.array[:] = self.u.x.array

    # --- helpers ------------------------------------------------------------------------
    def integrate(self, form) -> float:
        """Global value of a scalar UFL form."""
        local = fem.assemble_scalar(fem.form(form))
        return parallel.global_sum(float(np.real(local)), self.comm)


def species_only_dofs(model) -> np.ndarray:
    """Dofs of ``u[0]`` touching no electrolyte cell (fixed to 0) [unrolled indices]."""
    v = ufl.TestFunction(model.V)
    form = fem.form(v[0] * model.region_dx("electrolyte"))
    vec = fem.assemble_vector(form)
    vec.scatter_reverse(dolfinx.la.InsertMode.add)
    vec.scatter_forward()
    arr = vec.array
    comp0 = np.arange(0, arr.size, 2)
    return comp0[np.abs(arr[comp0]) == 0.0].astype(np.int32)
