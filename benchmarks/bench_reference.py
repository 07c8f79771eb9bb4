"""dendrisim vs a minimal hand-written dolfinx script of the same coupled problem.

The reference below writes the fixed-geometry reaction–diffusion–heat problem directly
in dolfinx (same mesh, same scaled unknowns and residual, same SNES/MUMPS options, fixed
time step, no outputs).  dendrisim runs the same case with the same fixed step twice:
``outputs = "off"`` (no folder: observables computed, nothing written) and
``outputs = "default"`` (a results folder: ``timeseries.csv`` every step and the default
fields c, T, displacement to ``fields.vtkhdf`` every ``output.fields_every_s``).  The three runs are
interleaved ``REPEATS`` times and the fastest of each kept (the machine is shared).
Printed and recorded, one row per case and outputs setting: seconds per step of both and
``ratio_vs_reference`` (targets: <= 1.1 outputs off, <= 1.3 default outputs).
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from pathlib import Path

from dendrisim.core.compat import import_dolfinx

import_dolfinx()

from benchmarks import handwritten  # noqa: E402
from benchmarks.harness import record, table  # noqa: E402
from dendrisim.api.run_case import simulation  # noqa: E402
from dendrisim.config import load_case  # noqa: E402
from dendrisim.core import parallel  # noqa: E402
from dendrisim.meshing.load import load_case_mesh  # noqa: E402

MPI_CAPABLE = True
DT_S, STEPS, REPEATS = 0.1, 40, 3
TARGETS = {"off": 1.1, "default": 1.3}


def reference(case, bundle) -> tuple[float, int]:
    """Hand-written solve of the case on ``bundle``; returns (seconds per step, Newton its)."""
    h = handwritten.build(case, bundle, DT_S, "ref_", snes_force_iteration=True)
    comm = bundle.mesh.comm
    its = 0
    parallel.barrier(comm)
    t0 = time.perf_counter()
    for _ in range(STEPS):
        h.problem.solve()
        its += h.problem.solver.getIterationNumber()
        h.u_n.x.array[:] = h.u.x.array
    elapsed = parallel.global_max(time.perf_counter() - t0, comm)
    handwritten.destroy(h.problem)
    return elapsed / STEPS, its


def dendrisim_step(case, bundle, folder: Path | None = None) -> tuple[float, int]:
    """Same problem through dendrisim's Simulation; (seconds per step, Newton its).

    With ``folder``, the run writes its default outputs there (time series and fields).
    """
    sim = simulation(case, bundle, folder=folder, quiet=True)
    parallel.barrier(bundle.mesh.comm)
    t0 = time.perf_counter()
    summary = sim.run()
    elapsed = parallel.global_max(time.perf_counter() - t0, bundle.mesh.comm)
    return elapsed / max(summary.steps, 1), summary.newton_iterations


def main(quick: bool = False) -> list[dict]:
    """Both Fig. 5 meshes (quick: the routine one), outputs off and default."""
    rows = []
    names = ["fig5-routine"] if quick else ["fig5-routine", "fig5-stable"]
    comm = parallel.world()
    folder = Path(parallel.on_root(lambda: tempfile.mkdtemp(prefix="dendrisim-ref-"), comm))
    try:
        for name in names:
            over = {
                "interface.moving": False,
                "thermal.li_melting": False,
                "time.end_s": DT_S * STEPS,
                "time.dt_initial_s": DT_S,
                "time.dt_max_s": DT_S,
                "time.max_dT_per_step_K": 1e3,
                "time.scheme": "backward_euler",  # the script's scheme
            }
            case_off = load_case(name, {**over, "output.fields": []})
            case_def = load_case(name, over)  # default fields and fields_every_s
            bundle = load_case_mesh(case_off, parallel.world())
            dendrisim_step(case_def, bundle, folder)  # JIT warm-up of both codes' forms
            reference(case_off, bundle)
            best = {"ref": (math.inf, 0), "off": (math.inf, 0), "default": (math.inf, 0)}
            for _ in range(REPEATS):
                best["ref"] = min(best["ref"], reference(case_off, bundle))
                best["off"] = min(best["off"], dendrisim_step(case_off, bundle))
                best["default"] = min(best["default"], dendrisim_step(case_def, bundle, folder))
            s_ref, its_ref = best["ref"]
            for outputs in ("off", "default"):
                s_ds, its_ds = best[outputs]
                row = {
                    "case": name,
                    "outputs": outputs,
                    "ranks": parallel.size(),
                    "cells": bundle.mesh.topology.index_map(bundle.mesh.topology.dim).size_global,
                    "steps": STEPS,
                    "fields_every_s": case_def.output.fields_every_s
                    if outputs == "default"
                    else None,
                    "ref_ms_per_step": 1e3 * s_ref,
                    "dendrisim_ms_per_step": 1e3 * s_ds,
                    "ref_newton": its_ref,
                    "dendrisim_newton": its_ds,
                    "ratio_vs_reference": s_ds / s_ref,
                    "target": TARGETS[outputs],
                    "target_met": s_ds / s_ref <= TARGETS[outputs],
                }
                rows.append(row)
                record("reference", row)
    finally:
        parallel.on_root(lambda: shutil.rmtree(folder, ignore_errors=True), comm)
    parallel.root_print(
        table(
            rows,
            [
                "case",
                "outputs",
                "ranks",
                "cells",
                "steps",
                "ref_ms_per_step",
                "dendrisim_ms_per_step",
                "ref_newton",
                "dendrisim_newton",
                "ratio_vs_reference",
                "target",
            ],
        )
    )
    return rows


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv[1:])
