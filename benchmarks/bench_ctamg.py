"""Probe of the c–T AMG: Krylov iterations of GMRES + GAMG variants under mesh refinement.

The coupled c–T solve of 3D runs (``iterative_options``: GMRES + smoothed-aggregation
GAMG, Chebyshev/Jacobi smoothing) takes 13.8 Krylov iterations per Newton iteration on
the 0.13M-cell cell and 26.1 on the same mesh split once (docs/scale.md).  This probe
looks for the cause on small meshes of the 3D fig5-stable cell (``scale_mesh.PROBES``):
43k cells, the same with the interface size halved (graded) and the 43k mesh split once.

Two modes, one JSON line per (variant, mesh) in ``benchmarks/results/ctamg.jsonl``:

- ``matrix`` (default, cheap): two 0.1 s steps with the default solver, then the last
  Jacobian of the run is solved (right-hand side A·x for a random x) by every variant
  with a fresh preconditioner: Krylov iterations, AMG levels, set-up and solve seconds;
- ``run``: a few steps of the moving case with the variant's PETSc options
  (``solver.petsc_options``): Krylov per Newton iteration, s/step, AMG levels.

Run (1 rank; the meshes are made once in ``--cache``)::

    python -m benchmarks.bench_ctamg                          # matrix mode, every variant
    python -m benchmarks.bench_ctamg --mode run --variants default fieldsplit --steps 3
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
from petsc4py import PETSc  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.harness import fixed_steps, peak_rss_mb, record, table  # noqa: E402
from benchmarks.scale_mesh import PROBES, make_mesh  # noqa: E402
from dendrisim.config import load_case  # noqa: E402
from dendrisim.core import parallel  # noqa: E402
from dendrisim.meshing.load import load_case_mesh  # noqa: E402
from dendrisim.solver.nearnull import field_near_null_space  # noqa: E402
from dendrisim.solver.newton import iterative_options  # noqa: E402
from dendrisim.solver.simulation import Simulation  # noqa: E402

CASE, DT_S = "fig5-stable", 0.1
MESHES = list(PROBES)
_CHEB = {"mg_levels_ksp_type": "chebyshev", "mg_levels_pc_type": "jacobi"}


def _split(kind: str, sub: dict | None = None) -> dict:
    """PCFIELDSPLIT over (c, T), each block GAMG with Chebyshev/Jacobi.

    The fields are the matrix's block components (block size 2: 0 = c, 1 = T), PCFIELDSPLIT's
    default split without index sets.
    """
    out = {"pc_type": "fieldsplit", "pc_fieldsplit_type": kind}
    for f in ("0", "1"):
        out.update({f"fieldsplit_{f}_ksp_type": "preonly", f"fieldsplit_{f}_pc_type": "gamg"})
        out.update({f"fieldsplit_{f}_{k}": v for k, v in _CHEB.items()})
        out.update({f"fieldsplit_{f}_{k}": v for k, v in (sub or {}).items()})
    return out


# variant -> PETSc options over iterative_options (keys starting with "_" are the probe's:
# "_nns" the fields' near-null space of NewtonSolver, the new default; without it GAMG's
# default, constants on every dof, the old setting)
VARIANTS: dict[str, dict] = {
    "old": {},
    "nns": {"_nns": True},
    "thr0": {"pc_gamg_threshold": 0.0},
    "thr0.01": {"pc_gamg_threshold": 0.01},
    "thr0.05": {"pc_gamg_threshold": 0.05},
    "noaggressive": {"pc_gamg_aggressive_coarsening": 0},
    "cheb3": {"mg_levels_ksp_max_it": 3},
    "sor": {"mg_levels_pc_type": "sor"},
    "nsmooths0": {"pc_gamg_agg_nsmooths": 0},
    "diagscale": {"ksp_diagonal_scale": True, "ksp_diagonal_scale_fix": True},
    "bs1": {"_bs1": True},  # the same matrix without block size: scalar aggregation
    "nns-sor": {"_nns": True, "mg_levels_pc_type": "sor"},
    "nns-thr0.01": {"_nns": True, "pc_gamg_threshold": 0.01},
    "nns-cheb3": {"_nns": True, "mg_levels_ksp_max_it": 3},
    "c-block-nns": {"_field": 0, "_nns": True},
    "c-block": {"_field": 0},  # the c–c block alone (GAMG as default): which field grows
    "T-block": {"_field": 1},
    "fieldsplit-add": _split("additive"),
    "fieldsplit-mult": _split("multiplicative"),
}


def overrides(steps: int, mesh: str, options: dict | None = None) -> dict:
    """Case keys of the probe: 3D, fixed 0.1 s steps, no outputs, the mesh file."""
    over = {**fixed_steps(DT_S, steps, "3d"), "geometry.mesh": mesh}
    if options:
        over["solver.petsc_options"] = options
    return over


def petsc_options(variant: str) -> dict:
    """The variant's PETSc options (its own keys removed)."""
    return {k: v for k, v in VARIANTS[variant].items() if not k.startswith("_")}


def dirichlet_rows(A) -> np.ndarray:
    """Local rows of ``A`` without a nonzero off-diagonal entry (Dirichlet rows)."""
    lo, _ = A.getOwnershipRange()
    ip, cols, vals = A.getValuesCSR()
    rows = np.repeat(np.arange(len(ip) - 1), np.diff(ip))
    off = (cols != rows + lo) & (vals != 0)
    return np.bincount(rows[off], minlength=len(ip) - 1) == 0


def near_null_space(A):
    """The constant, zero on the Dirichlet rows (one field's block: rows found in A)."""
    v = A.createVecRight()
    v.array[:] = np.where(dirichlet_rows(A), 0.0, 1.0)
    v.normalize()
    return PETSc.NullSpace().create(vectors=[v], comm=A.getComm())


def scalar_copy(A):
    """A copy of ``A`` with block size 1 (GAMG then aggregates the c and T dofs apart)."""
    indptr, cols, vals = A.getValuesCSR()
    B = PETSc.Mat().createAIJ(A.getSizes(), bsize=1, csr=(indptr, cols, vals), comm=A.getComm())
    B.assemble()
    return B


def solve_variant(A, b, variant: str, bcs=()) -> dict:
    """One solve of A x = b with the variant and a fresh preconditioner."""
    spec = VARIANTS[variant]
    opts = {**iterative_options(3), **petsc_options(variant)}
    prefix = "ctamg_" + "".join(ch if ch.isalnum() else "_" for ch in variant) + "_"
    db = PETSc.Options()
    for k, v in opts.items():
        db[prefix + k] = v
    M = scalar_copy(A) if spec.get("_bs1") else A
    if "_field" in spec:  # one field's block and right-hand side
        lo, hi = A.getOwnershipRange()
        rows = np.arange(lo + spec["_field"], hi, 2, dtype=PETSc.IntType)
        iset = PETSc.IS().createGeneral(rows, comm=A.getComm())
        sub = b.getSubVector(iset)
        M, rhs = A.createSubMatrix(iset, iset), sub.copy()
        b.restoreSubVector(iset, sub)
        b = rhs
    M = M.duplicate(copy=True)
    if spec.get("_nns") and "_field" in spec:  # one field: its Dirichlet rows from the matrix
        M.setNearNullSpace(near_null_space(M))
    elif spec.get("_nns"):
        M.setNearNullSpace(field_near_null_space(M, bcs))
    ksp = PETSc.KSP().create(A.getComm())
    ksp.setOptionsPrefix(prefix)
    ksp.setOperators(M)
    ksp.setFromOptions()
    x = b.duplicate()
    t0 = time.perf_counter()
    ksp.setUp()
    setup_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ksp.solve(b, x)
    solve_s = time.perf_counter() - t0
    pc = ksp.getPC()
    levels = pc.getMGLevels() if pc.getType() == "gamg" else _split_levels(pc)
    out = {"krylov": ksp.getIterationNumber(), "reason": int(ksp.getConvergedReason())}
    out.update(amg_levels=levels, setup_s=setup_s, solve_s=solve_s)
    ksp.destroy()
    for k in opts:
        db.delValue(prefix + k)
    return out


def _split_levels(pc) -> str:
    if pc.getType() != "fieldsplit":
        return "-"
    subs = pc.getFieldSplitSubKSP()
    return "/".join(str(s.getPC().getMGLevels()) for s in subs)


def last_system(msh: Path, steps: int = 2, rhs: str = "newton"):
    """The last Jacobian of ``steps`` default steps on the mesh, a right-hand side, cells.

    ``rhs``: ``newton`` the last Newton iteration's, ``random`` A·x for a random x.
    """
    case = load_case(CASE, overrides(steps, str(msh)))
    sim = Simulation(case, load_case_mesh(case, parallel.world()), quiet=True)
    ksp, pcr = sim.newton.snes.getKSP(), sim.newton.pc_reuse
    kept = {}

    def post(k, b, x):
        pcr._post(k, b, x)
        kept["A"], kept["b"] = k.getOperators()[0].copy(), b.copy()

    ksp.setPostSolve(post)
    sim.run()
    A = kept["A"]
    A.setNearNullSpace(PETSc.NullSpace())  # none (a NULL handle): each variant sets its own
    if rhs == "newton":  # the last Newton correction's right-hand side
        return A, kept["b"], sim
    rng = np.random.default_rng(1)
    xs = A.createVecRight()
    xs.array[:] = rng.standard_normal(xs.getLocalSize())
    b = A.createVecLeft()
    A.mult(xs, b)
    return A, b, sim


def matrix_mode(sizes, variants, cache: Path, keep: bool, rhs: str) -> list[dict]:
    """Every variant on the last Jacobian of every mesh."""
    rows = []
    for size in sizes:
        msh = make_mesh(size, cache)
        A, b, sim = last_system(msh, rhs=rhs)
        cells = sim.cells
        parallel.root_print(f"{size}: {cells} cells, block size {A.getBlockSize()}", flush=True)
        for v in variants:
            row = {"mode": "matrix", "rhs": rhs, "variant": v, "size": size, "cells": cells}
            row.update(ranks=parallel.size(parallel.world()), **solve_variant(A, b, v, sim.bcs))
            rows.append(_out(row, keep))
    return rows


def run_mode(sizes, variants, cache: Path, steps: int, keep: bool) -> list[dict]:
    """A few steps of the moving case per (variant, mesh)."""
    rows = []
    for size in sizes:
        msh = make_mesh(size, cache)
        for v in variants:
            case = load_case(CASE, overrides(steps, str(msh), petsc_options(v)))
            sim = Simulation(case, load_case_mesh(case, parallel.world()), quiet=True)
            if not VARIANTS[v].get("_nns"):  # GAMG's default near-null space (the old one)
                sim.newton.set_near_null_space(None)
            t0 = time.perf_counter()
            s = sim.run()
            run_s = parallel.global_max(time.perf_counter() - t0)
            n = max(s.steps + s.rejected, 1)
            row = {"mode": "run", "variant": v, "size": size, "cells": sim.cells}
            row.update(ranks=parallel.size(parallel.world()), steps=s.steps)
            row.update(newton=s.newton_iterations, krylov=s.krylov_iterations)
            row.update(krylov_per_newton=s.krylov_iterations / max(s.newton_iterations, 1))
            row.update(amg_levels=sim.newton.pc_reuse.levels, builds=sim.newton.pc_reuse.builds)
            row.update(s_per_step=run_s / n, peak_rss_MB=peak_rss_mb(), stop=s.stop_reason)
            row.update(load_1min=os.getloadavg()[0])
            rows.append(_out(row, keep))
    return rows


def _out(row: dict, keep: bool) -> dict:
    if keep:
        record("ctamg", row)
    parallel.root_print("ROW " + json.dumps(row, default=float), flush=True)
    return row


COLUMNS = {
    "matrix": ["variant", "size", "cells", "krylov", "amg_levels", "setup_s", "solve_s"],
    "run": ["variant", "size", "cells", "steps", "krylov_per_newton", "amg_levels", "s_per_step"],
}


def main(quick=False, mode="matrix", sizes=MESHES, variants=tuple(VARIANTS), **kw) -> list:
    """The probe (``scripts/bench``: matrix mode on the three meshes; skipped with quick)."""
    if quick:
        print("ctamg: skipped with --quick (3D meshes of 43k-344k cells)")
        return []
    cache = Path(kw.get("cache") or tempfile.gettempdir())
    keep = not kw.get("no_record", False)
    if mode == "matrix":
        out = matrix_mode(sizes, variants, cache, keep, kw.get("rhs", "newton"))
    else:
        out = run_mode(sizes, variants, cache, kw.get("steps", 3), keep)
    parallel.root_print(table(out, COLUMNS[mode]))
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=["matrix", "run"], default="matrix")
    ap.add_argument("--sizes", nargs="+", default=MESHES, choices=list(PROBES))
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--rhs", choices=["newton", "random"], default="newton")
    ap.add_argument("--cache", default=None, help="folder of the meshes (default tmp)")
    ap.add_argument("--no-record", action="store_true")
    a = ap.parse_args()
    kw = {k: getattr(a, k) for k in ("steps", "rhs", "cache", "no_record")}
    main(False, a.mode, a.sizes, a.variants, **kw)
