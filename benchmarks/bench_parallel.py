"""Parallel: the 3D routine needle on 1 and N MPI ranks, speed-up and efficiency.

The case is fig5-routine in 3D (~129k cells, GMRES + GAMG, moving Li surface), a fixed
number of fixed-size steps after a JIT warm-up step, no output files.  The mesh is made
once with gmsh and the same .msh is loaded on every rank count.  Figures per rank count:
s/step (split as in the other benchmarks), Newton and Krylov iterations, peak memory per
rank (maximum), speed-up T1/TN and parallel efficiency T1/(N TN) (target >= 80 % on 2).

Run on one node (the driver starts ``mpiexec -n N`` itself for each N in ``--ranks``,
``--repeat`` times interleaved, and keeps the fastest run per N: the machine is shared)::

    python -m benchmarks.bench_parallel                  # 1 and 2 ranks
    python -m benchmarks.bench_parallel --ranks 1 2 4 8  # a bigger node

On a cluster, each rank count is its own job; the rows are comparable by ``ranks`` and
``cells``, and the efficiency is computed against the newest 1-rank row of the same case
and cells in ``benchmarks/results/parallel.jsonl``::

    mpiexec -n 1  python -m benchmarks.bench_parallel --worker
    mpiexec -n 16 python -m benchmarks.bench_parallel --worker

(``scripts/bench -n 4`` runs this benchmark's default 1 vs 2 comparison, then the
worker on 4 ranks.)  ``--quick`` skips it (3D meshing alone takes about a minute).

Another case or mesh: ``--case NAME`` and ``--set KEY=VALUE`` (repeatable), e.g. the
102k-cell fig5-stable of issue 16 (its motion used to hang on 2 ranks)::

    python -m benchmarks.bench_parallel --case fig5-stable --set geometry.mesh_size_bulk_um=0.0625
"""

from __future__ import annotations

import argparse
import json
import shutil
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
    JitTimer,
    fixed_steps,
    peak_rss_mb,
    petsc_event_seconds,
    record,
    step_split,
    table,
)
from dendrisim.config import load_case  # noqa: E402
from dendrisim.core import parallel  # noqa: E402
from dendrisim.meshing.load import load_case_mesh  # noqa: E402
from dendrisim.solver.simulation import Simulation  # noqa: E402

MPI_CAPABLE = True
CASE, FORMULATION = "fig5-routine", "3d"
EXTRA: tuple[str, ...] = ()  # --set KEY=VALUE overrides of the case
DT_S, STEPS, REPEAT = 0.1, 6, 2
TARGET_EFFICIENCY = 0.8
COLUMNS = [
    "case",
    "cells",
    "dofs",
    "ranks",
    "steps",
    "newton",
    "krylov",
    "s_per_step",
    "assembly_s_per_step",
    "solve_s_per_step",
    "mesh_motion_s_per_step",
    "observables_s_per_step",
    "peak_rss_MB",
    "speedup",
    "efficiency",
]


def case_overrides(mesh: str | None, steps: int) -> dict:
    """The benchmark case: fixed steps, no outputs, optionally a pre-made mesh file.

    The ``--set`` overrides (:data:`EXTRA`) are applied after these.
    """
    over = fixed_steps(DT_S, steps, FORMULATION)
    if mesh:
        over["geometry.mesh"] = mesh
    return over


def bench_case(mesh: str | None, steps: int):
    """The case of this run: :data:`CASE` with :func:`case_overrides` and :data:`EXTRA`."""
    case = load_case(CASE, case_overrides(mesh, steps))
    return case.with_overrides(list(EXTRA)) if EXTRA else case


def one_rank_time(cells: int) -> float | None:
    """s/step of the newest 1-rank row with these cells in parallel.jsonl, or None."""
    path = RESULTS / "parallel.jsonl"
    if not path.exists():
        return None
    best = None
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        same = row.get("case") == CASE and row.get("overrides", []) == list(EXTRA)
        if same and row.get("cells") == cells and row.get("ranks") == 1:
            best = row["s_per_step"]
    return best


def with_efficiency(row: dict, t1: float | None) -> dict:
    """The row with speed-up T1/TN and efficiency T1/(N TN) against ``t1`` [s/step]."""
    row = dict(row)
    if t1 is not None:
        n = row["ranks"]
        row["speedup"] = t1 / row["s_per_step"]
        row["efficiency"] = row["speedup"] / n
        if n > 1:
            row["target_efficiency"] = TARGET_EFFICIENCY
            row["target_met"] = row["efficiency"] >= TARGET_EFFICIENCY
    return row


def worker(mesh: str | None, steps: int, keep: bool = True) -> dict:
    """Run the case on the current communicator; the row (all ranks), recorded if ``keep``.

    The efficiency is against the newest 1-rank row of the same case and cells.
    """
    comm = parallel.world()
    PETSc.Log.begin()
    t0 = time.perf_counter()
    bundle = load_case_mesh(bench_case(mesh, 1), comm)
    mesh_s = parallel.global_max(time.perf_counter() - t0, comm)
    Simulation(bench_case(mesh, 1), bundle, quiet=True).run()  # JIT
    case = bench_case(mesh, steps)
    with JitTimer(comm) as jit:
        t0 = time.perf_counter()
        sim = Simulation(case, bundle, quiet=True)
        setup = parallel.global_max(time.perf_counter() - t0, comm)
    before = petsc_event_seconds()
    parallel.barrier(comm)
    t0 = time.perf_counter()
    summary = sim.run()
    run = parallel.global_max(time.perf_counter() - t0, comm)
    ev = {k: v - before[k] for k, v in petsc_event_seconds().items()}
    split = step_split(summary.timings, ev, run, summary.steps + summary.rejected)
    n = parallel.size(comm)
    row = {
        "case": CASE,
        "overrides": list(EXTRA),
        "formulation": FORMULATION,
        "cells": sim.cells,
        "dofs": sim.dofs,
        "ranks": n,
        "steps": summary.steps,
        "rejected_steps": summary.rejected,
        "stop_reason": summary.stop_reason,
        "newton": summary.newton_iterations,
        "krylov": summary.krylov_iterations,
        **split,
        "mesh_s": mesh_s,
        "setup_s": setup,
        "jit_s": jit.seconds,
        "peak_rss_MB": peak_rss_mb(),
    }
    t1 = row["s_per_step"] if n == 1 else parallel.on_root(lambda: one_rank_time(sim.cells), comm)
    row = with_efficiency(row, t1)
    if keep:
        record("parallel", row)
    parallel.root_print("ROW " + json.dumps(row), flush=True)
    return row


def _spawn(n: int, mesh: str, steps: int) -> dict:
    """Run the worker on ``n`` ranks in a subprocess (not recorded); its row."""
    cmd = [
        "mpiexec",
        "-n",
        str(n),
        sys.executable,
        "-m",
        "benchmarks.bench_parallel",
        "--worker",
        "--no-record",
        "--mesh",
        mesh,
        "--steps",
        str(steps),
        "--case",
        CASE,
    ]
    for kv in EXTRA:
        cmd += ["--set", kv]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parent.parent
    )
    rows = [ln[4:] for ln in proc.stdout.splitlines() if ln.startswith("ROW ")]
    if proc.returncode != 0 or not rows:
        raise RuntimeError(f"{n}-rank run failed:\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}")
    return json.loads(rows[-1])


def main(
    quick: bool = False, ranks: tuple[int, ...] = (1, 2), steps: int = STEPS, repeat: int = REPEAT
) -> list:
    """1 vs N ranks (driver, on one rank); under mpiexec: the worker on that many ranks."""
    if quick:
        parallel.root_print("parallel: skipped with --quick (3D meshing takes ~1 min)")
        return []
    if parallel.size() > 1:  # scripts/bench -n N: one more row, against the 1-rank row
        return [worker(None, steps)]
    from dendrisim.geometry.generator import generate

    folder = Path(tempfile.mkdtemp(prefix="dendrisim-par-"))
    try:
        msh = folder / "needle3d.msh"
        t0 = time.perf_counter()
        rep = generate(bench_case(None, 1), msh)
        print(f"  mesh: {rep.cells} cells in {time.perf_counter() - t0:.1f} s", flush=True)
        best: dict[int, dict] = {}
        for k in range(repeat):
            for n in ranks:
                row = _spawn(n, str(msh), steps)
                print(f"  {n} rank(s), run {k + 1}: {row['s_per_step']:.3f} s/step", flush=True)
                if n not in best or row["s_per_step"] < best[n]["s_per_step"]:
                    best[n] = row
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    t1 = best[1]["s_per_step"] if 1 in best else None
    rows = [with_efficiency({**best[n], "repeats": repeat}, t1) for n in ranks]
    for row in rows:
        record("parallel", row)
    print(table(rows, COLUMNS))
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", action="store_true", help="run on this communicator only")
    ap.add_argument("--mesh", default=None, help="a .msh of the case (default: generate)")
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--no-record", action="store_true", help="worker: do not write the row")
    ap.add_argument("--repeat", type=int, default=REPEAT, help="runs per rank count")
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--case", default=CASE, help=f"case name or file (default {CASE})")
    ap.add_argument("--set", action="append", default=[], help="KEY=VALUE case override")
    a = ap.parse_args()
    CASE, EXTRA = a.case, tuple(a.set)
    if a.worker:
        worker(a.mesh, a.steps, keep=not a.no_record)
    else:
        main(quick=a.quick, ranks=tuple(a.ranks), steps=a.steps, repeat=a.repeat)
