"""The hand-written dolfinx script of the fixed-geometry Fig. 5 problem (benchmark reference).

Written directly in dolfinx, independent of dendrisim's forms and solver: the coupled
species–heat problem with Arrhenius interface kinetics on a tagged axisymmetric (or 3D)
mesh, the same scaled unknowns and residual rows, backward Euler at a fixed step, SNES +
MUMPS.
Used by ``bench_reference`` (cost per step) and ``bench_accuracy`` (cost at equal accuracy).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import dolfinx.fem.petsc  # noqa: E402
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402
from petsc4py import PETSc  # noqa: E402

import numpy as np  # noqa: E402

from dendrisim.core import parallel  # noqa: E402
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK, LITHIUM  # noqa: E402

SNES_OPTIONS = {
    "snes_type": "newtonls",
    "snes_linesearch_type": "basic",
    "snes_rtol": 1e-9,
    "snes_atol": 1e-10,
    "snes_stol": 1e-10,
    "snes_max_it": 25,
    "ksp_type": "preonly",
    "pc_type": "lu",
    "pc_factor_mat_solver_type": "mumps",
}


def build(case, bundle, dt_s: float, prefix: str, **extra_options) -> SimpleNamespace:
    """The problem of ``case`` on ``bundle`` at the fixed step ``dt_s`` [s].

    Returns ``problem`` (a dolfinx NonlinearProblem), ``u``, ``u_n`` (scaled unknowns
    c/c_bulk and T - T0 [K], initial state set), ``rate`` (the form ∫_Γ r dA [mol/s]) and
    ``T_sum``/``area`` (forms of ∫_Γ T dA and ∫_Γ dA).
    """
    msh, ct, ft = bundle.mesh, bundle.cell_tags, bundle.facet_tags
    e, k = case.electrolyte, case.kinetics
    T0, cb = case.thermal.initial_K, e.concentration_mol_m3
    V = fem.functionspace(msh, ("Lagrange", 1, (2,)))
    u, u_n = fem.Function(V), fem.Function(V)
    vc, vT = ufl.TestFunctions(V)
    # revolved volume in axisymmetric, plain volume in 3D
    w = 2 * math.pi * ufl.SpatialCoordinate(msh)[0]
    if bundle.formulation != "axisymmetric":
        w = fem.Constant(msh, PETSc.ScalarType(1.0))
    md = {"quadrature_degree": 2}
    dx = ufl.Measure("dx", msh, subdomain_data=ct, metadata=md)
    dS = ufl.Measure("dS", msh, subdomain_data=ft, metadata=md)
    li, el, gam = bundle.id("lithium"), bundle.id("electrolyte"), bundle.id("interface")
    dt = fem.Constant(msh, PETSc.ScalarType(dt_s))
    c, T, c_n, T_n = cb * u[0], T0 + u[1], cb * u_n[0], T0 + u_n[1]
    r = k.pre_exponential * ufl.exp(-k.activation_energy_J_mol / (GAS_CONSTANT_J_MOLK * T)) * c
    vol = parallel.global_sum(fem.assemble_scalar(fem.form(w * dx)), msh.comm)
    rc_e = e.density_kg_m3 * e.heat_capacity_J_kgK
    rc_li = LITHIUM.density_kg_m3 * LITHIUM.heat_capacity_J_kgK
    grad = ufl.grad
    F = (1.0 / (cb * vol)) * (
        (c - c_n) * vc * w * dx(el)
        + dt * e.diffusivity_m2_s * ufl.inner(grad(c), grad(vc)) * w * dx(el)
        + dt * (e.stoichiometry * r * vc * w)("+") * dS(gam)
    ) + (1.0 / (rc_e * vol)) * (
        rc_e * (T - T_n) * vT * w * dx(el)
        + rc_li * (T - T_n) * vT * w * dx(li)
        + dt * e.conductivity_W_mK * ufl.inner(grad(T), grad(vT)) * w * dx(el)
        + dt * LITHIUM.conductivity_W_mK * ufl.inner(grad(T), grad(vT)) * w * dx(li)
        + dt * (k.enthalpy_J_mol_Li * r * vT * w)("+") * dS(gam)
    )
    # keeps the Li-only species dofs on the sparsity diagonal
    F += fem.Constant(msh, PETSc.ScalarType(0.0)) * u[0] * vc * w * dx(li)
    # species dofs touching no electrolyte cell: fixed to 0
    probe = fem.assemble_vector(fem.form(ufl.TestFunction(V)[0] * dx(el)))
    probe.scatter_reverse(dolfinx.la.InsertMode.add)
    probe.scatter_forward()
    comp0 = np.arange(0, probe.array.size, 2)
    li_dofs = comp0[probe.array[comp0] == 0.0].astype(np.int32)
    bc = fem.dirichletbc(PETSc.ScalarType(0.0), li_dofs, V.sub(0))
    u.x.array[0::2] = 1.0
    u.x.array[li_dofs] = 0.0
    u_n.x.array[:] = u.x.array
    problem = dolfinx.fem.petsc.NonlinearProblem(
        F, u, bcs=[bc], petsc_options_prefix=prefix, petsc_options=SNES_OPTIONS | extra_options
    )
    return SimpleNamespace(
        problem=problem,
        u=u,
        u_n=u_n,
        rate=fem.form((r * w)("+") * dS(gam)),
        T_sum=fem.form((T * w)("+") * dS(gam)),
        area=fem.form(w("+") * dS(gam)),
    )


def destroy(problem) -> None:
    """Free the PETSc objects of a NonlinearProblem now (not at garbage collection)."""
    for name in ("_snes", "_A", "_b", "_x"):
        obj = getattr(problem, name, None)
        if obj is not None:
            obj.destroy()
            setattr(problem, name, None)
