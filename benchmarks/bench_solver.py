"""Solver benchmark (docs/architecture.md#performance):
per case cells, dofs, ranks, steps, Newton/Krylov iterations,
seconds per step split into assembly / solve / mesh motion / observables / output / other,
JIT time (separately, not in the per-step figures), peak memory, and the ratio of our time
per Newton iteration to a bare dolfinx assemble + solve of the same Jacobian.

Usage (from the repository root, after scripts/test made .venv):
    python benchmarks/bench_solver.py                       # the Fig. 5 pair, axisymmetric
    python benchmarks/bench_solver.py --case fig5-stable --set geometry.formulation=3d \
        --set time.end_s=0.5
    mpiexec -n 2 python benchmarks/bench_solver.py --case ...
Prints a table and appends one JSON line per case to benchmarks/results/solver.jsonl.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
from dolfinx import fem  # noqa: E402
from dolfinx.fem import petsc as fpetsc  # noqa: E402
from petsc4py import PETSc  # noqa: E402

from benchmarks.harness import JitTimer, step_split  # noqa: E402
from dendrisim.config import load_case  # noqa: E402
from dendrisim.core import parallel  # noqa: E402
from dendrisim.meshing.load import load_case_mesh  # noqa: E402
from dendrisim.solver.simulation import Simulation  # noqa: E402

EVENTS = {
    "residual": "SNESFunctionEval",
    "jacobian": "SNESJacobianEval",
    "solve": "KSPSolve",
    "pcsetup": "PCSetUp",
}


def _event_times() -> dict[str, float]:
    out = {}
    for key, name in EVENTS.items():
        info = PETSc.Log.Event(name).getPerfInfo()
        out[key] = parallel.global_max(float(info["time"]))
    return out


def bare_assemble_solve(sim, repeats: int = 5) -> float:
    """Seconds for one bare assemble(J) + assemble(F) + lifting + KSP solve (same options)."""
    m = sim.model
    J, F = fem.form(m.J), fem.form(m.F)
    A = fpetsc.create_matrix(J)
    b = fpetsc.create_vector(m.V)
    x = b.duplicate()
    ksp = PETSc.KSP().create(m.comm)
    ksp.setOptionsPrefix("bare_")
    opts = PETSc.Options()
    for k, v in sim.newton.options.items():
        if k.startswith(("ksp_", "pc_", "mg_")):
            opts[f"bare_{k}"] = v
    ksp.setFromOptions()
    ksp.setOperators(A)
    best = float("inf")
    for _ in range(repeats):
        parallel.barrier(m.comm)
        t0 = time.perf_counter()
        A.zeroEntries()
        fpetsc.assemble_matrix(A, J, bcs=sim.bcs)
        A.assemble()
        with b.localForm() as loc:
            loc.set(0.0)
        fpetsc.assemble_vector(b, F)
        fpetsc.apply_lifting(b, [J], [sim.bcs])
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fpetsc.set_bc(b, sim.bcs)
        ksp.solve(b, x)
        best = min(best, parallel.global_max(time.perf_counter() - t0, m.comm))
    ksp.destroy()
    A.destroy()
    return best


def bench(case_name: str, overrides: list[str]) -> dict:
    """Run one case (no output files) and collect the figures."""
    case = load_case(case_name, overrides)
    comm = parallel.world()
    t0 = time.perf_counter()
    bundle = load_case_mesh(case, comm)
    t_mesh = time.perf_counter() - t0
    PETSc.Log.begin()
    before = _event_times()
    t1 = time.perf_counter()
    with JitTimer(comm) as jit:
        sim = Simulation(case, bundle, folder=None, quiet=True)
        t_setup = time.perf_counter() - t1
        t2 = time.perf_counter()
        jit_setup = jit.local_seconds
        summary = sim.run()
        t_run = parallel.global_max(time.perf_counter() - t2, comm)
    # forms compiled lazily in the loop (first observables, ALE) are JIT, not step time
    jit_in_run = parallel.global_max(jit.local_seconds - jit_setup, comm)
    t_run -= jit_in_run
    t_setup = parallel.global_max(t_setup - jit_setup, comm)
    ev = {k: v - before[k] for k, v in _event_times().items()}
    split = step_split(
        summary.timings,
        {k: ev[k] for k in ("residual", "jacobian")},
        t_run,
        summary.steps + summary.rejected,
        jit_in_run,
    )
    its = max(summary.newton_iterations, 1)
    steps = max(summary.steps + summary.rejected, 1)
    bare = bare_assemble_solve(sim)
    ev["solve"] = max(ev["solve"], ev["pcsetup"])  # PCSetUp (factorisation) may not nest
    return {
        "case": case.name,
        "formulation": case.geometry.formulation,
        "overrides": overrides,
        "ranks": parallel.size(comm),
        "cells": sim.cells,
        "dofs": sim.dofs,
        "stop_reason": summary.stop_reason,
        "steps": summary.steps,
        "rejected_steps": summary.rejected,
        "newton_iterations": summary.newton_iterations,
        "krylov_iterations": summary.krylov_iterations,
        "mesh_s": round(t_mesh, 3),
        "setup_s": round(t_setup, 3),
        "run_s": round(t_run, 3),
        "jit_s": jit.seconds,
        "jit_calls": jit.calls,
        "jit_compiled": jit.compiled,
        **split,
        "ksp_pc_s_per_step": ev["solve"] / steps,
        "mesh_motion_fraction": split["mesh_motion_s_per_step"] * steps / t_run,
        "s_per_newton_it": t_run / its,
        "bare_assemble_solve_s": bare,
        "overhead_ratio": (t_run / its) / bare,
        "peak_memory_MB": parallel.global_max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, comm
        ),
        "T_interface_final_K": summary.last.get("T_interface_mean_K"),
        "li_retention_final": summary.last.get("li_retention_from_moles"),
    }


def main() -> None:
    """Command line entry."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", action="append", help="case name or file (repeatable)")
    ap.add_argument("--set", action="append", default=[], help="KEY=VALUE override")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "solver.jsonl"))
    args = ap.parse_args()
    cases = args.case or ["fig5-routine", "fig5-stable"]
    overrides = args.set or ["stop.runaway_stops=false"]
    t0 = time.perf_counter()
    rows = [bench(c, overrides) for c in cases]
    total = parallel.global_max(time.perf_counter() - t0)
    for r in rows:
        parallel.root_print(
            f"{r['case']:<14} {r['formulation']:<12} ranks {r['ranks']} cells {r['cells']} "
            f"dofs {r['dofs']} steps {r['steps']} (+{r['rejected_steps']} rejected) Newton "
            f"{r['newton_iterations']} Krylov {r['krylov_iterations']} | run {r['run_s']:.2f} s"
            f" = {1e3 * r['s_per_step']:.1f} ms/step (assembly "
            f"{1e3 * r['assembly_s_per_step']:.1f}, solve {1e3 * r['solve_s_per_step']:.1f}, "
            f"motion {1e3 * r['mesh_motion_s_per_step']:.1f}, observables "
            f"{1e3 * r['observables_s_per_step']:.1f}, output {1e3 * r['output_s_per_step']:.1f}"
            f", other {1e3 * r['other_s_per_step']:.1f}; mesh motion "
            f"{100 * r['mesh_motion_fraction']:.0f} % of run) | JIT {r['jit_s']:.2f} s "
            f"({r['jit_compiled']} compiled) | per Newton it "
            f"{1e3 * r['s_per_newton_it']:.1f} ms vs bare {1e3 * r['bare_assemble_solve_s']:.1f}"
            f" ms: ratio {r['overhead_ratio']:.2f} | peak {r['peak_memory_MB']:.0f} MB | "
            f"T_if {r['T_interface_final_K']:.3f} K, retention {r['li_retention_final']:.4f}"
        )
    parallel.root_print(f"total wall (mesh + setup + run, all cases): {total:.2f} s")

    def _write() -> None:
        with open(args.out, "a", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")

    parallel.on_root(_write)


if __name__ == "__main__":
    main()
