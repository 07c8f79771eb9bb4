"""Manufactured solutions for the coupled model on a two-region slab (Li | electrolyte).

The exact fields are written once as functions of UFL coordinates and time (so the same
expressions give the sources and the errors).  The interface at x = x_i (Li for x < x_i)
carries the reaction; the manufactured interface sources cancel the conductivity jump and
the reaction of the exact fields, so the exact solution satisfies the discrete problem up
to discretisation error.
"""

from __future__ import annotations

import math

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402

import numpy as np  # noqa: E402

from dendrisim.core import parallel  # noqa: E402
from dendrisim.meshing.builtin_meshes import slab_mesh  # noqa: E402
from dendrisim.physics import kinetics  # noqa: E402
from dendrisim.physics.forms import CoupledModel  # noqa: E402
from dendrisim.physics.laws import InterfaceRate  # noqa: E402
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK as R  # noqa: E402
from dendrisim.physics.params import ModelParameters, Region  # noqa: E402
from dendrisim.solver.newton import NewtonSolver  # noqa: E402

# O(1) parameters with real nonlinearity: Arrhenius exp(-2/T), D(T), order 2, unequal k
PARAMS = ModelParameters(
    c_bulk_mol_m3=1.0,
    diffusivity_m2_s=1.0,
    diffusivity_reference_K=1.0,
    diffusivity_activation_J_mol=0.5 * R,
    stoichiometry=0.5,
    pre_exponential=2.0,
    activation_energy_J_mol=2.0 * R,
    reaction_order=2.0,
    enthalpy_J_mol_Li=-1.0,
    regions={"lithium": Region(1.0, 2.0, 3.0), "electrolyte": Region(1.0, 1.0, 1.0)},
    initial_K=1.0,
    temperature_scale_K=1.0,
    species_outer="zero_flux",
)


def exact_steady(x, t):
    """Smooth fields with zero r-derivative at x = 0 (valid on the axis too)."""
    c = 1.0 + 0.3 * ufl.cos(math.pi * x[0]) * ufl.sin(math.pi * x[1] + 0.3)
    T = 1.2 + 0.2 * ufl.cos(math.pi * x[0]) * ufl.cos(0.5 * math.pi * x[1])
    return c, T


def exact_linear_in_space(x, t):
    """Fields linear in space (P1-exact), nonlinear in time: the error is temporal only."""
    c = 1.0 + 0.2 * (x[0] + 0.5 * x[1]) * ufl.exp(-t)
    T = 1.0 + 0.3 * (1.0 + x[0] + x[1]) * ufl.sin(t)
    return c, T


def _div(flux, x, axisym):
    """div of a vector field in Cartesian or (r, z) axisymmetric coordinates."""
    if axisym:
        return (ufl.Dx(x[0] * flux[0], 0)) / x[0] + ufl.Dx(flux[1], 1)
    return ufl.div(flux)


def build(
    n: int,
    formulation: str,
    exact,
    params: ModelParameters = PARAMS,
    dim: int = 2,
    transient: bool = False,
    comm=None,
    nz: int | None = None,
):
    """Model with manufactured sources and exact Dirichlet data on the outer boundary."""
    comm = comm or parallel.world()
    bundle = slab_mesh(comm, n, formulation=formulation, length_m=1.0, dim=dim, nz=nz)
    m = CoupledModel(bundle, params)
    x, t, w = m.x, m.t, m.weight
    axisym = formulation == "axisymmetric"
    c_ex, T_ex = exact(x, t)
    p = params
    D = kinetics.diffusivity(
        T_ex, p.diffusivity_m2_s, p.diffusivity_reference_K, p.diffusivity_activation_J_mol
    )
    r_ex = InterfaceRate(p)(T_ex, c_ex)  # the laws the parameters name (Arrhenius here)
    f_c = -_div(D * ufl.grad(c_ex), x, axisym)
    if transient:
        f_c += _dt(exact, x, t)[0]
    dxe, dxl = m.region_dx("electrolyte"), m.region_dx("lithium")
    ex = ufl.as_vector([1.0] + [0.0] * (dim - 1))  # normal of Li pointing into electrolyte
    m.extra_species.append(-f_c * m.v_c * w * dxe)
    m.extra_species.append(
        -m.interface_integral((D * ufl.dot(ufl.grad(c_ex), -ex) + p.stoichiometry * r_ex) * m.v_c)
    )
    k_l = p.regions["lithium"].conductivity_W_mK
    k_e = p.regions["electrolyte"].conductivity_W_mK
    for name, dxr in (("lithium", dxl), ("electrolyte", dxe)):
        reg = p.regions[name]
        f_T = -_div(reg.conductivity_W_mK * ufl.grad(T_ex), x, axisym)
        if transient:
            f_T += reg.density_kg_m3 * reg.heat_capacity_J_kgK * _dt(exact, x, t)[1]
        m.extra_heat.append(-f_T * m.v_T * w * dxr)
    jump = (k_l - k_e) * ufl.dot(ufl.grad(T_ex), ex)
    m.extra_heat.append(-m.interface_integral((jump + p.enthalpy_J_mol_Li * r_ex) * m.v_T))
    # exact Dirichlet data on the outer boundary (not on the axis in axisymmetric runs)
    import dolfinx

    tdim = m.tdim
    on_axis = (lambda xx: np.isclose(xx[0], 0.0)) if axisym else (lambda xx: xx[0] < -1)
    bfacets = dolfinx.mesh.locate_entities_boundary(bundle.mesh, tdim - 1, lambda xx: ~on_axis(xx))
    m.build_residual()
    bcs = m.boundary_conditions()
    gs, exprs = [], []
    for comp, val in ((0, c_ex / m.c_scale), (1, (T_ex - m.T0) / m.T_scale)):
        Vi, _ = m.V.sub(comp).collapse()
        gi = fem.Function(Vi)
        exprs.append(fem.Expression(val, Vi.element.interpolation_points))
        dofs = fem.locate_dofs_topological((m.V.sub(comp), Vi), tdim - 1, bfacets)
        if comp == 0:  # not on Li-only dofs (already fixed to 0)
            keep = ~np.isin(dofs[0], m.li_species_dofs)
            dofs = [dofs[0][keep], dofs[1][keep]]
        bcs.append(fem.dirichletbc(gi, dofs, m.V.sub(comp)))
        gs.append(gi)
    m.set_initial()

    def update_bc():
        for gi, e in zip(gs, exprs, strict=True):
            gi.interpolate(e)

    m.exact_expr = ufl.as_vector([c_ex / m.c_scale, (T_ex - m.T0) / m.T_scale])
    return m, bcs, update_bc, (c_ex, T_ex)


def _dt(exact, x, t):
    """Time derivatives of the exact fields (UFL, by differentiation w.r.t. the Constant)."""
    tv = ufl.variable(t)
    c, T = exact(x, tv)
    return ufl.diff(c, tv), ufl.diff(T, tv)


def errors(m, exact_fields) -> tuple[float, float]:
    """L2 errors of c (electrolyte) and T (everywhere), weighted as the formulation."""
    c_ex, T_ex = exact_fields
    dx = ufl.Measure(
        "dx", domain=m.mesh, subdomain_data=m.bundle.cell_tags, metadata={"quadrature_degree": 6}
    )  # accurate error integrals
    ec = m.integrate((m.concentration() - c_ex) ** 2 * m.weight * dx(m.bundle.id("electrolyte")))
    eT = m.integrate((m.temperature() - T_ex) ** 2 * m.weight * dx)
    return math.sqrt(ec), math.sqrt(eT)


def solve_steady(
    n: int, formulation: str, dim: int = 2, linear: str = "direct"
) -> tuple[float, float, int]:
    """Steady MMS (one backward-Euler step with a huge Δt); returns errors and Newton its."""
    # the exact fields do not depend on z: two cell layers across z suffice in 3D
    m, bcs, update_bc, ex = build(n, formulation, exact_steady, dim=dim, nz=2 if dim == 3 else None)
    m.dt.value = 1e12
    m.t.value = 0.0
    update_bc()
    solver = NewtonSolver(m, bcs, rtol=1e-12, atol=1e-13, stol=1e-13, linear=linear)
    res = solver.solve()
    assert res.converged, res
    return (*errors(m, ex), res.iterations)


def solve_transient(n: int, dt: float, t_end: float) -> tuple[float, float]:
    """Backward Euler to ``t_end`` on spatially linear exact fields; errors at t_end."""
    m, bcs, update_bc, ex = build(
        n,
        "planar",
        exact_linear_in_space,
        transient=True,
        params=PARAMS.with_(diffusivity_activation_J_mol=0.0),
    )
    # initial state = exact at t = 0
    m.t.value = 0.0
    update_bc()
    m.u.interpolate(fem.Expression(m.exact_expr, m.V.element.interpolation_points))
    m.u.x.array[m.li_species_dofs] = 0.0
    m.u_n.x.array[:] = m.u.x.array
    solver = NewtonSolver(m, bcs, rtol=1e-12, atol=1e-14, stol=1e-14)
    steps = int(round(t_end / dt))
    for k in range(1, steps + 1):
        m.dt.value = dt
        m.t.value = k * dt
        update_bc()
        res = solver.solve()
        assert res.converged, res
        m.u_n.x.array[:] = m.u.x.array
    return errors(m, ex)
