"""dendrisim vs a minimal hand-written dolfinx script of the same coupled problem.

The reference below writes the fixed-geometry reaction–diffusion–heat problem directly
in dolfinx (same mesh, same scaled unknowns and residual, same SNES/MUMPS options, fixed
time step, no outputs).  dendrisim runs the same case with the same fixed step and its
observables/time series on, fields off.  Printed and recorded: seconds per step of both
and ``ratio_vs_reference`` (target <= 1.1 outputs off, <= 1.3 with default outputs).
"""

from __future__ import annotations

import math
import time

from dendrisim.compat import import_dolfinx

import_dolfinx()
import dolfinx.fem.petsc  # noqa: E402
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402
from petsc4py import PETSc  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.harness import record, table  # noqa: E402
from dendrisim import parallel  # noqa: E402
from dendrisim.config import load_case  # noqa: E402
from dendrisim.materials import GAS_CONSTANT_J_MOLK, LITHIUM  # noqa: E402
from dendrisim.mesh import load_case_mesh  # noqa: E402
from dendrisim.simulation import Simulation  # noqa: E402

DT_S, STEPS = 0.1, 40


def reference(case, bundle) -> tuple[float, int]:
    """Hand-written solve of the case on ``bundle``; returns (seconds per step, Newton its)."""
    msh, ct, ft = bundle.mesh, bundle.cell_tags, bundle.facet_tags
    e, k = case.electrolyte, case.kinetics
    T0, cb = case.thermal.initial_K, e.concentration_mol_m3
    V = fem.functionspace(msh, ("Lagrange", 1, (2,)))
    u, u_n = fem.Function(V), fem.Function(V)
    vc, vT = ufl.TestFunctions(V)
    x = ufl.SpatialCoordinate(msh)
    w = 2 * math.pi * x[0]
    dx = ufl.Measure("dx", msh, subdomain_data=ct, metadata={"quadrature_degree": 2})
    dS = ufl.Measure("dS", msh, subdomain_data=ft, metadata={"quadrature_degree": 2})
    li, el, gamma = bundle.id("lithium"), bundle.id("electrolyte"), bundle.id("interface")
    dt = fem.Constant(msh, PETSc.ScalarType(DT_S))
    c, T = cb * u[0], T0 + u[1]
    c_n, T_n = cb * u_n[0], T0 + u_n[1]
    r = k.pre_exponential * ufl.exp(-k.activation_energy_J_mol / (GAS_CONSTANT_J_MOLK * T)) * c
    vol = fem.assemble_scalar(fem.form(w * dx))
    vol = parallel.global_sum(vol, msh.comm)
    rc_e = e.density_kg_m3 * e.heat_capacity_J_kgK
    Fc = (1.0 / (cb * vol)) * ((c - c_n) * vc * w * dx(el) + dt * e.diffusivity_m2_s * ufl.inner(
        ufl.grad(c), ufl.grad(vc)) * w * dx(el) + dt * (e.stoichiometry * r * vc * w)("+")
        * dS(gamma))
    FT = (1.0 / (rc_e * vol)) * (rc_e * (T - T_n) * vT * w * dx(el)
          + LITHIUM.density_kg_m3 * LITHIUM.heat_capacity_J_kgK * (T - T_n) * vT * w * dx(li)
          + dt * e.conductivity_W_mK * ufl.inner(ufl.grad(T), ufl.grad(vT)) * w * dx(el)
          + dt * LITHIUM.conductivity_W_mK * ufl.inner(ufl.grad(T), ufl.grad(vT)) * w * dx(li)
          - dt * (-k.enthalpy_J_mol_Li * r * vT * w)("+") * dS(gamma))
    zero = fem.Constant(msh, PETSc.ScalarType(0.0))
    F = Fc + FT + zero * u[0] * vc * w * dx(li)
    # species dofs touching no electrolyte cell: fixed to 0
    probe = fem.assemble_vector(fem.form(ufl.TestFunction(V)[0] * dx(el)))
    probe.scatter_reverse(dolfinx.la.InsertMode.add)
    probe.scatter_forward()
    comp0 = np.arange(0, probe.array.size, 2)
    li_dofs = comp0[probe.array[comp0] == 0.0].astype(np.int32)
    bc = fem.dirichletbc(PETSc.ScalarType(0.0), li_dofs, V.sub(0))
    u.x.array[0::2] = 1.0
    u_n.x.array[:] = u.x.array
    opts = {"snes_type": "newtonls", "snes_linesearch_type": "basic", "snes_rtol": 1e-9,
            "snes_atol": 1e-10, "snes_stol": 1e-10, "snes_max_it": 25,
            "snes_force_iteration": True, "ksp_type": "preonly", "pc_type": "lu",
            "pc_factor_mat_solver_type": "mumps"}
    problem = dolfinx.fem.petsc.NonlinearProblem(F, u, bcs=[bc], petsc_options_prefix="ref_",
                                                 petsc_options=opts)
    its = 0
    parallel.barrier(msh.comm)
    t0 = time.perf_counter()
    for _ in range(STEPS):
        problem.solve()
        its += problem.solver.getIterationNumber()
        u_n.x.array[:] = u.x.array
    elapsed = parallel.global_max(time.perf_counter() - t0, msh.comm)
    for name in ("_snes", "_A", "_b", "_x"):
        obj = getattr(problem, name, None)
        if obj is not None:
            obj.destroy()
            setattr(problem, name, None)
    return elapsed / STEPS, its


def dendrisim_step(case, bundle) -> tuple[float, int]:
    """Same problem through dendrisim's Simulation; (seconds per step, Newton its)."""
    sim = Simulation(case, bundle, quiet=True)
    parallel.barrier(bundle.mesh.comm)
    t0 = time.perf_counter()
    summary = sim.run()
    elapsed = parallel.global_max(time.perf_counter() - t0, bundle.mesh.comm)
    return elapsed / max(summary.steps, 1), summary.newton_iterations


def main(quick: bool = False) -> list[dict]:
    """Both Fig. 5 meshes (quick: the routine one)."""
    rows = []
    names = ["fig5-routine"] if quick else ["fig5-routine", "fig5-stable"]
    for name in names:
        case = load_case(name, {
            "interface.moving": False, "thermal.li_melting": False, "time.end_s": DT_S * STEPS,
            "time.dt_initial_s": DT_S, "time.dt_max_s": DT_S, "time.max_dT_per_step_K": 1e3,
            "output.fields": []})
        bundle = load_case_mesh(case, parallel.world())
        dendrisim_step(case, bundle)  # JIT warm-up of both codes' forms
        reference(case, bundle)
        s_ref, its_ref = reference(case, bundle)
        s_ds, its_ds = dendrisim_step(case, bundle)
        row = {"case": name, "ranks": parallel.size(), "steps": STEPS,
               "ref_ms_per_step": 1e3 * s_ref, "dendrisim_ms_per_step": 1e3 * s_ds,
               "ref_newton": its_ref, "dendrisim_newton": its_ds,
               "ratio_vs_reference": s_ds / s_ref}
        rows.append(row)
        record("reference", row)
    parallel.root_print(table(rows, list(rows[0])))
    return rows


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv[1:])
