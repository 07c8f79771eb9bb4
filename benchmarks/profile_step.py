"""Text profile of the time loop (cProfile on rank 0): where a step's time goes.

    python -m benchmarks.profile_step                         # 3D fig5-stable, 8 steps
    python -m benchmarks.profile_step --case fig5-routine --formulation axisymmetric
    python -m benchmarks.profile_step --case fig5-stable --formulation axisymmetric \
        --steps 40 --outputs default                          # with the default outputs
    mpiexec -n 2 python -m benchmarks.profile_step            # rank 0's profile

After a one-step JIT warm-up on the same mesh, profiles ``Simulation.run`` of a fixed number
of fixed-size steps (moving Li surface on; no outputs, or with ``--outputs default`` the
time series and default fields written to a temporary folder) and writes the top functions by own
time and by cumulative time, with the per-step split, to
``benchmarks/results/profile_<case>-<formulation>-<ranks>[-outputs].txt``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import tempfile
from pathlib import Path

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
from petsc4py import PETSc  # noqa: E402

from benchmarks.bench_growth import level_case, timed_run  # noqa: E402
from benchmarks.harness import RESULTS, machine  # noqa: E402
from dendrisim.api.run_case import simulation  # noqa: E402
from dendrisim.config import load_case  # noqa: E402
from dendrisim.core import parallel  # noqa: E402
from dendrisim.meshing.load import load_case_mesh  # noqa: E402

TOP = 25


def main() -> None:
    """Command line entry."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", default="fig5-stable")
    ap.add_argument("--formulation", default="3d")
    ap.add_argument("--factor", type=float, default=1.0, help="mesh-size factor")
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--outputs", choices=["off", "default"], default="off")
    a = ap.parse_args()
    PETSc.Log.begin()
    comm = parallel.world()
    case = level_case(a.case, a.formulation, a.factor, steps=a.steps)
    bundle = load_case_mesh(case, comm)
    split, summary, *_ = timed_run(level_case(a.case, a.formulation, a.factor, 1), bundle)
    folder = None
    if a.outputs == "default":  # the case's default output fields and times
        case = load_case(case, {"output.fields": ["c", "T", "displacement"]})
        folder = Path(parallel.on_root(lambda: tempfile.mkdtemp(prefix="dendrisim-prof-"), comm))
    sim = simulation(case, bundle, folder=folder, quiet=True)
    prof = cProfile.Profile()
    prof.enable()
    summary = sim.run()
    prof.disable()
    if folder is not None:
        parallel.on_root(lambda: shutil.rmtree(folder, ignore_errors=True), comm)
    out = io.StringIO()
    m = machine()
    out.write(
        f"profile of Simulation.run: {a.case} {a.formulation} x{a.factor:g}, outputs "
        f"{a.outputs}, {sim.cells} "
        f"cells, {sim.dofs} dofs, {parallel.size(comm)} rank(s) (rank 0 shown), "
        f"{summary.steps} steps, {summary.newton_iterations} Newton, "
        f"{summary.krylov_iterations} Krylov iterations\n"
        f"machine: {m['host']} {m['cpu']} {m['cores']} cores, commit {m['git_commit']}, "
        f"{m['date_utc']}\nloop timings [s]: "
        + ", ".join(f"{k} {v:.3f}" for k, v in summary.timings.items())
        + "\n\n"
    )
    for key in ("tottime", "cumulative"):
        out.write(f"--- top {TOP} by {key} ---\n")
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats(key).print_stats(TOP)
    text = out.getvalue()
    name = f"profile_{a.case}-{a.formulation}-{parallel.size(comm)}"
    name += "-outputs.txt" if a.outputs == "default" else ".txt"

    def _write() -> None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / name).write_text(text, encoding="utf-8")

    parallel.on_root(_write, comm)
    parallel.root_print(text[:4000])
    parallel.root_print(f"written: {RESULTS / name}")


if __name__ == "__main__":
    main()
