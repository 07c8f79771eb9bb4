"""Scale: the 3D fig5-stable cell at 0.1M, 0.3M and 1M cells on 1 and 2 ranks (issue 16).

Each mesh is the 3D fig5-stable unit cell with ``geometry.mesh_size_bulk_um`` chosen for
the cell count, the 1M one a 0.13M gmsh mesh split uniformly once
(:mod:`benchmarks.scale_mesh` says why and what it costs); the run is a few fixed 0.1 s
steps of the moving-mesh problem with the default 3D solvers (GMRES + GAMG for c–T with
the preconditioner kept across Newton iterations and steps, CG + GAMG for the mesh
extension), outputs off, after a JIT warm-up on a coarse mesh of the same case (the
compiled forms do not depend on the mesh).  One JSON line per (mesh, ranks) in
``benchmarks/results/scale.jsonl``:

- s/step and its split: assembly (PETSc SNES function/Jacobian events), solve (the rest of
  Newton: Krylov, AMG set-ups), mesh motion (extension solve and geometry update),
  remesh (when a run remeshes), observables, other;
- Newton and Krylov iterations, AMG set-ups (``pc_setups``, PETSc ``PCSetUp`` events with
  a new operator: c–T and extension) and their time, AMG levels;
- peak memory per rank (``ru_maxrss``, maximum over ranks), the load average, and the
  CPU seconds per step of the busiest rank (``cpu_s_per_step``: on a loaded machine a
  better estimate of the quiet s/step than the wall time, which counts waiting);
- communication per step for the projection (:mod:`benchmarks.scale_projection`): PETSc
  reductions (VecMDot + VecNorm + VecDot + VecTDot events), halo exchanges (VecScatterBegin
  events) and the ghost dofs per rank.

Run (the driver makes the meshes once in ``--cache``, then starts ``mpiexec -n N`` per
rank count; the machine must be quiet for the timings, memory and iterations are valid
under load)::

    python -m benchmarks.bench_scale                          # 0.1M 0.3M 1M on 1 and 2 ranks
    scripts/bench scale                                       # 0.1M only
    python -m benchmarks.bench_scale --sizes 0.1M --ranks 2   # the 102k case of issue 16
    python -m benchmarks.bench_scale --sizes 0.1M --ranks 1 --no-pc-reuse  # what reuse saves
    python -m benchmarks.scale_projection                     # the 8-256 rank table

On a cluster: ``srun -n 64 python -m benchmarks.bench_scale --worker --mesh M.msh``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
from petsc4py import PETSc  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    RESULTS,
    fixed_steps,
    peak_rss_mb,
    record,
    step_split,
    table,
)
from benchmarks.scale_mesh import SIZES, make_mesh  # noqa: E402
from dendrisim.config import load_case  # noqa: E402
from dendrisim.core import parallel  # noqa: E402
from dendrisim.meshing.load import load_case_mesh  # noqa: E402
from dendrisim.solver.simulation import Simulation  # noqa: E402

MPI_CAPABLE = False  # the driver starts its own mpiexec
CASE, DT_S, STEPS = "fig5-stable", 0.1, 3
DEFAULT_SIZES = ["0.1M", "0.3M", "1M"]  # (0.13M on request: the 1M mesh before its split)
EXTRA: dict = {}  # more case keys (--no-pc-reuse: solver.reuse_preconditioner = false)
MEMORY_LIMIT_MB = 24 * 1024  # this machine's RAM (issue 16: a 1M-cell step within it)
TARGET_102K_S = 2.0  # issue 16: the 102k-cell case under 2 s per step on 2 ranks
REDUCTIONS = ("VecMDot", "VecNorm", "VecDot", "VecTDot")
COLUMNS = ["size", "cells", "ranks", "steps", "newton", "krylov", "pc_setups", "amg_levels"]
COLUMNS += ["s_per_step", "assembly_s_per_step", "solve_s_per_step", "mesh_motion_s_per_step"]
COLUMNS += ["peak_rss_MB", "load_1min"]


def overrides(bulk_um: float | None, steps: int, mesh: str | None = None) -> dict:
    """Case keys of the benchmark: 3D, fixed steps, no outputs, optionally a mesh file."""
    over = fixed_steps(DT_S, steps, "3d")
    if bulk_um is not None:
        over["geometry.mesh_size_bulk_um"] = bulk_um
    if mesh:
        over["geometry.mesh"] = mesh
    return over


def events(names) -> dict[str, tuple[int, float]]:
    """{event: (count, seconds)} of PETSc log events, maxima over ranks."""
    out = {}
    for n in names:
        info = PETSc.Log.Event(n).getPerfInfo()
        out[n] = (
            int(parallel.global_max(float(info["count"]))),
            parallel.global_max(float(info["time"])),
        )
    return out


EVENTS = ("SNESFunctionEval", "SNESJacobianEval", "PCSetUp", "KSPSolve", "VecScatterBegin")


def warm_up(comm) -> None:
    """JIT of every form on a coarse mesh of the same case (one step)."""
    case = load_case(CASE, {**overrides(0.25, 1), "geometry.mesh_size_interface_um": 0.08})
    Simulation(case, load_case_mesh(case, comm), quiet=True).run()


def comm_figures(sim, ev: dict, steps: int) -> dict:
    """Reductions and halo exchanges per step, ghost dofs per rank (for the projection)."""
    imap = sim.model.V.dofmap.index_map
    bs = sim.model.V.dofmap.index_map_bs
    return {
        "reductions_per_step": sum(ev[n][0] for n in REDUCTIONS) / steps,
        "halo_exchanges_per_step": ev["VecScatterBegin"][0] / steps,
        "owned_dofs_max": int(parallel.global_max(float(imap.size_local * bs))),
        "ghost_dofs_max": int(parallel.global_max(float(imap.num_ghosts * bs))),
    }


def worker(mesh: str, size: str, steps: int, keep: bool = True) -> dict:
    """Run the case on this communicator; the row (all ranks), recorded if ``keep``."""
    comm = parallel.world()
    PETSc.Log.begin()
    warm_up(comm)
    bulk_um = SIZES[size][0] if size in SIZES else None
    case = load_case(CASE, {**overrides(bulk_um, steps, mesh), **EXTRA})
    t0 = time.perf_counter()
    bundle = load_case_mesh(case, comm)
    sim = Simulation(case, bundle, quiet=True)
    setup_s = parallel.global_max(time.perf_counter() - t0, comm)
    names = EVENTS + REDUCTIONS
    before = events(names)
    parallel.barrier(comm)
    t0, cpu0 = time.perf_counter(), time.process_time()
    summary = sim.run()
    run_s = parallel.global_max(time.perf_counter() - t0, comm)
    cpu_s = parallel.global_max(time.process_time() - cpu0, comm)
    ev = {k: (v[0] - before[k][0], v[1] - before[k][1]) for k, v in events(names).items()}
    n_steps = summary.steps + summary.rejected
    asm = {"residual": ev["SNESFunctionEval"][1], "jacobian": ev["SNESJacobianEval"][1]}
    timings = dict(summary.timings)
    remesh_s = sum(getattr(r, "wall_s", 0.0) or 0.0 for r in sim.remesh_reports)
    split = step_split(timings, asm, run_s, n_steps)
    row = {"case": CASE, "size": size, "formulation": "3d", "cells": sim.cells, "dofs": sim.dofs}
    row.update(reuse_preconditioner=case.solver.reuse_preconditioner)
    if size in SIZES:  # the mesh: bulk size and uniform gmsh splits (scale_mesh.py)
        row.update(bulk_um=SIZES[size][0], refinements=SIZES[size][1])
    row.update(ranks=parallel.size(comm), steps=summary.steps, stop_reason=summary.stop_reason)
    row.update(newton=summary.newton_iterations, krylov=summary.krylov_iterations, **split)
    row.update(remesh_s_per_step=parallel.global_max(remesh_s, comm) / max(n_steps, 1))
    row.update(pc_setups=ev["PCSetUp"][0], pc_setup_s_per_step=ev["PCSetUp"][1] / n_steps)
    row.update(ksp_solve_s_per_step=ev["KSPSolve"][1] / n_steps)
    row.update(pc_builds=sim.newton.pc_reuse.builds, pc_reuses=sim.newton.pc_reuse.reuses)
    row.update(amg_levels=sim.newton.pc_reuse.levels)  # (the solver is destroyed by now)
    row.update(comm_figures(sim, ev, max(n_steps, 1)))
    # CPU seconds of the busiest rank per step: close to the quiet machine's s/step when
    # the load average is above the core count (the wall time then counts waiting)
    row.update(cpu_s_per_step=cpu_s / max(n_steps, 1))
    row.update(setup_s=setup_s, peak_rss_MB=peak_rss_mb(), load_1min=_load())
    row.update(within_memory=row["peak_rss_MB"] * row["ranks"] < MEMORY_LIMIT_MB)
    # a shared machine: wall times count waiting for the cores (cpu_s_per_step does not)
    row.update(under_load=row["load_1min"] > (os.cpu_count() or 1))
    if size == "0.1M" and row["ranks"] == 2:
        row.update(target_s_per_step=TARGET_102K_S, target_met=row["s_per_step"] < TARGET_102K_S)
    if keep:
        record("scale", row)
    parallel.root_print("ROW " + json.dumps(row, default=float), flush=True)
    return row


def _load() -> float:
    return os.getloadavg()[0]


def spawn(n: int, msh: Path, size: str, steps: int) -> dict:
    """The worker on ``n`` ranks (it records its row); the row."""
    cmd = ["mpiexec", "-n", str(n), sys.executable, "-m", "benchmarks.bench_scale", "--worker"]
    cmd += ["--mesh", str(msh), "--size", size, "--steps", str(steps)]
    cmd += [] if EXTRA.get("solver.reuse_preconditioner", True) else ["--no-pc-reuse"]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=root)
    rows = [ln[4:] for ln in proc.stdout.splitlines() if ln.startswith("ROW ")]
    if proc.returncode != 0 or not rows:
        tail = proc.stdout[-1500:] + proc.stderr[-1500:]
        raise RuntimeError(f"{size} on {n} ranks failed:\n{tail}")
    return json.loads(rows[-1])


def main(quick=False, sizes=("0.1M",), ranks=(1, 2), steps=STEPS, cache=None) -> list[dict]:
    """Every size on every rank count (driver, one process); ``scripts/bench``: 0.1M only."""
    if quick:
        print("scale: skipped with --quick (3D meshes of 0.1M-1M cells)")
        return []
    cache = Path(cache or tempfile.gettempdir())
    rows = []
    for size in sizes:
        msh = make_mesh(size, cache)
        for n in ranks:
            row = spawn(n, msh, size, steps)
            print(f"  {size} on {n}: {row['s_per_step']:.3g} s/step", flush=True)
            rows.append(row)
    print(table(rows, COLUMNS))
    print(f"(rows appended to {RESULTS / 'scale.jsonl'})")
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", action="store_true", help="run on this communicator only")
    ap.add_argument("--mesh", help="worker: the .msh")
    ap.add_argument("--size", default="", help="worker: the size label of the row")
    ap.add_argument("--sizes", nargs="+", default=DEFAULT_SIZES, choices=list(SIZES))
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--cache", default=None, help="folder of the generated meshes (default tmp)")
    ap.add_argument("--no-record", action="store_true")
    ap.add_argument("--no-pc-reuse", action="store_true", help="rebuild AMG every solve")
    a = ap.parse_args()
    if a.no_pc_reuse:
        EXTRA["solver.reuse_preconditioner"] = False
    if a.worker:
        worker(a.mesh, a.size, a.steps, keep=not a.no_record)
    else:
        main(False, tuple(a.sizes), tuple(a.ranks), a.steps, a.cache)
