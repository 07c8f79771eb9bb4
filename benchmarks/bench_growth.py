"""Growth: time per step (and per Newton iteration) vs dofs over mesh refinements.

Each series refines one case by scaling both mesh sizes (``geometry.mesh_size_interface_um``
and ``geometry.mesh_size_bulk_um``, the grading slope fixed) by a factor per level, runs a
fixed number of fixed-size steps (moving Li surface on, no output files) after a one-step
JIT warm-up run on the same mesh (its JIT time is reported as ``jit_s``), and fits
``s/step ~ dofs^p`` by least squares in log-log.

- axisymmetric fig5-routine, direct solver (MUMPS), 5 levels (1.9k .. ~45k cells)
- 3D fig5-stable, iterative solver (GMRES + GAMG), 5 levels (~8k .. ~130k cells); full run
  only (``--quick`` does the axisymmetric series alone)

Targets: exponent <= 1.2 for the iterative 3D solver.  One JSON line per level and one per
fit in ``benchmarks/results/growth.jsonl``.  Run: ``python -m benchmarks.bench_growth
[--quick]``, or ``mpiexec -n N python -m benchmarks.bench_growth`` (rows carry ``ranks``).
"""

from __future__ import annotations

import sys
import time

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
from petsc4py import PETSc  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    JitTimer,
    fit_exponent,
    fixed_steps,
    peak_rss_mb,
    petsc_event_seconds,
    record,
    rss_now_mb,
    step_split,
    table,
)
from dendrisim.config import load_case  # noqa: E402
from dendrisim.core import parallel  # noqa: E402
from dendrisim.geometry.spec import layout  # noqa: E402
from dendrisim.meshing.load import load_case_mesh  # noqa: E402
from dendrisim.solver.simulation import Simulation  # noqa: E402

MPI_CAPABLE = True
DT_S, STEPS = 0.1, 8
SERIES = {  # name: (case, formulation, mesh-size factors, coarse to fine)
    "axisymmetric-direct": ("fig5-routine", "axisymmetric", (2.0, 1.0, 0.5, 0.25, 0.125)),
    "3d-iterative": ("fig5-stable", "3d", (2.5, 1.8, 1.26, 0.9, 0.6)),
}
TARGET_3D = 1.2
COLUMNS = [
    "series",
    "factor",
    "cells",
    "dofs",
    "ranks",
    "steps",
    "newton",
    "krylov",
    "ms_per_step",
    "ms_per_newton",
    "assembly_ms",
    "solve_ms",
    "motion_ms",
    "observables_ms",
    "output_ms",
    "mesh_s",
    "setup_s",
    "jit_s",
    "rss_MB",
    "peak_rss_MB",
]


def level_case(case_name: str, formulation: str, factor: float, steps: int = STEPS):
    """The case at one refinement level: both mesh sizes times ``factor``, fixed steps."""
    base = load_case(case_name, {"geometry.formulation": formulation})
    lay = layout(base.geometry)
    return load_case(
        case_name,
        {
            **fixed_steps(DT_S, steps, formulation),
            "geometry.mesh_size_interface_um": lay.h_interface_um * factor,
            "geometry.mesh_size_bulk_um": lay.h_bulk_um * factor,
        },
    )


def timed_run(case, bundle) -> tuple:
    """Build and run a Simulation; (split, summary, setup_s, run_s, jit, sim), JIT excluded."""
    comm = bundle.mesh.comm
    with JitTimer(comm) as jit_setup:
        t0 = time.perf_counter()
        sim = Simulation(case, bundle, quiet=True)
        setup = parallel.global_max(time.perf_counter() - t0, comm)
    before = petsc_event_seconds()
    with JitTimer(comm) as jit_run:
        parallel.barrier(comm)
        t0 = time.perf_counter()
        summary = sim.run()
        run = parallel.global_max(time.perf_counter() - t0, comm)
    ev = {k: v - before[k] for k, v in petsc_event_seconds().items()}
    run -= jit_run.seconds  # forms made lazily inside the loop (first mesh move)
    split = step_split(summary.timings, ev, run, summary.steps + summary.rejected, jit_run.seconds)
    jit_run.seconds += jit_setup.seconds
    jit_run.compiled += jit_setup.compiled
    return split, summary, setup - jit_setup.seconds, run, jit_run, sim


def series(name: str) -> list[dict]:
    """All levels of one series (a one-step JIT warm-up run on each mesh first)."""
    case_name, formulation, factors = SERIES[name]
    comm = parallel.world()
    rows = []
    for f in factors:
        case = level_case(case_name, formulation, f)
        t0 = time.perf_counter()
        bundle = load_case_mesh(case, comm)
        mesh_s = parallel.global_max(time.perf_counter() - t0, comm)
        *_, jit, _ = timed_run(level_case(case_name, formulation, f, steps=1), bundle)
        split, summary, setup, _run, jit_left, sim = timed_run(case, bundle)
        steps = summary.steps + summary.rejected
        its = max(summary.newton_iterations, 1)
        row = {
            "series": name,
            "case": case_name,
            "formulation": formulation,
            "linear": sim.newton.options["ksp_type"] + "+" + sim.newton.options["pc_type"],
            "factor": f,
            "cells": sim.cells,
            "dofs": sim.dofs,
            "ranks": parallel.size(comm),
            "steps": summary.steps,
            "rejected_steps": summary.rejected,
            "stop_reason": summary.stop_reason,
            "newton": summary.newton_iterations,
            "krylov": summary.krylov_iterations,
            **split,
            "s_per_newton_it": split["s_per_step"] * steps / its,
            "mesh_s": mesh_s,
            "setup_s": setup,
            "jit_s": jit.seconds,
            "jit_compiled": jit.compiled,
            "jit_after_warmup_s": jit_left.seconds,
            "rss_after_run_MB": rss_now_mb(),
            "peak_rss_MB": peak_rss_mb(),
        }
        rows.append(row)
        record("growth", row)
        parallel.root_print(
            f"  {name} x{f:g}: {row['cells']} cells, {row['dofs']} dofs, "
            f"{1e3 * row['s_per_step']:.1f} ms/step",
            flush=True,
        )
    return rows


def fit_row(name: str, rows: list[dict]) -> dict:
    """Exponents of s/step and s/Newton-iteration vs dofs (and of the Newton part alone)."""
    dofs = [r["dofs"] for r in rows]
    p_step, _ = fit_exponent(dofs, [r["s_per_step"] for r in rows])
    p_it, _ = fit_exponent(dofs, [r["s_per_newton_it"] for r in rows])
    p_newton, _ = fit_exponent(
        dofs, [r["assembly_s_per_step"] + r["solve_s_per_step"] for r in rows]
    )
    p_motion, _ = fit_exponent(dofs, [max(r["mesh_motion_s_per_step"], 1e-9) for r in rows])
    out = {
        "series": name,
        "fit": "s_per_step ~ dofs^p",
        "levels": len(rows),
        "dofs_min": min(dofs),
        "dofs_max": max(dofs),
        "ranks": rows[0]["ranks"],
        "exponent_step": p_step,
        "exponent_newton_it": p_it,
        "exponent_newton_only": p_newton,
        "exponent_mesh_motion": p_motion,
    }
    if name.startswith("3d"):
        out["target"] = TARGET_3D
        out["target_met"] = p_step <= TARGET_3D
    return out


def main(quick: bool = False) -> list[dict]:
    """Both series (quick: the axisymmetric one)."""
    PETSc.Log.begin()
    names = ["axisymmetric-direct"] if quick else list(SERIES)
    rows, fits = [], []
    for name in names:
        lv = series(name)
        rows += lv
        fits.append(fit_row(name, lv))
        record("growth", fits[-1])
    shown = [
        {
            **r,
            "ms_per_step": 1e3 * r["s_per_step"],
            "ms_per_newton": 1e3 * r["s_per_newton_it"],
            "assembly_ms": 1e3 * r["assembly_s_per_step"],
            "solve_ms": 1e3 * r["solve_s_per_step"],
            "motion_ms": 1e3 * r["mesh_motion_s_per_step"],
            "observables_ms": 1e3 * r["observables_s_per_step"],
            "output_ms": 1e3 * r["output_s_per_step"],
            "rss_MB": r["rss_after_run_MB"],
        }
        for r in rows
    ]
    parallel.root_print(table(shown, COLUMNS))
    parallel.root_print(
        table(
            fits,
            [
                "series",
                "levels",
                "dofs_min",
                "dofs_max",
                "ranks",
                "exponent_step",
                "exponent_newton_it",
                "exponent_newton_only",
                "exponent_mesh_motion",
            ],
        )
    )
    return rows + fits


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
