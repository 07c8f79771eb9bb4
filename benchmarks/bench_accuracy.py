"""Wall time to reach retention and ΔT within 0.1 % of a converged reference (issue 18).

For the Fig. 5 cases on a fixed geometry (``interface.moving = false``, Li melting off:
the problem the hand-written script solves), axisymmetric, or with ``--3d`` the short
deposit in 3D (``CASE_3D``, reference at ``REF_DT_3D_S``; run on a quiet machine:
``mpiexec -n 2 python -m benchmarks.bench_accuracy --3d``; ``--3d-small``: the same
cell on a coarse mesh; in 3D the row also has the BDF2 run with
``solver.reuse_preconditioner = false``, its Krylov iterations, AMG set-ups and wall
time, and how far its answer is from the default run's):

- converged reference: dendrisim's BDF2 at a fixed step ``REF_DT_S`` (the answers move by
  < 1e-5 relative between 0.01 s and 0.005 s);
- dendrisim at its default step control and tolerance, ``time.scheme = "bdf2"``
  (``time.rtol = time.atol = 5e-4`` per unit step, the default caps ``time.dt_max_s`` 0.25 s and
  ``time.max_dT_per_step_K`` 2 K), and backward Euler at its default step control;
- a hand-written backward-Euler dolfinx script (written here, independent of the package's
  forms and solver: same mesh, parameters, scaled residual, SNES + MUMPS) at the fixed steps
  ``SCRIPT_DTS``; the largest step whose retention and ΔT are within 0.1 % is its answer.

Retention = 1 − consumed Li / the dendrite's initial Li (the script integrates the consumed
moles itself; the initial moles, a geometric inventory, come from the case's first row),
ΔT = the interface-mean temperature rise at 9 s.  One JSON line per case (steps and wall
time of each, ``ratio`` = dendrisim BDF2 / script at equal accuracy; target <= 0.5).
"""

from __future__ import annotations

import time

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
from dolfinx import fem  # noqa: E402

from benchmarks import handwritten  # noqa: E402
from benchmarks.harness import record, table  # noqa: E402
from dendrisim.api.run_case import simulation  # noqa: E402
from dendrisim.config import load_case  # noqa: E402
from dendrisim.core import parallel  # noqa: E402
from dendrisim.meshing.load import load_case_mesh  # noqa: E402

MPI_CAPABLE = True
REF_DT_S, SCRIPT_DTS, TOL = 0.005, (0.08, 0.04, 0.02, 0.01, 0.005), 1e-3
FIXED = {"interface.moving": False, "thermal.li_melting": False, "output.fields": []}
# the 3D figure (--3d): the short deposit in 3D with a lower electrolyte (37k cells); its
# reference at 0.02 s (in 2D the answers move by < 1e-6 between 0.02 and 0.01 s)
CASE_3D = ("fig5-stable", {"geometry.formulation": "3d", "geometry.electrolyte_height_um": 1.5})
REF_DT_3D_S = 0.02
# --3d-small: CASE_3D on a coarse mesh, for a loaded machine (the 37k-cell figure needs
# about 10 CPU-minutes).  The cell stays that of CASE_3D: in the smaller cell of the 3D
# solver test (radius 0.4 um, electrolyte 1 um) fig5-stable runs away (T 820 K at 9 s).
SMALL_3D = {
    **CASE_3D[1],
    "geometry.mesh_size_interface_um": 0.04,
    "geometry.mesh_size_bulk_um": 0.25,
}


def script(case, bundle, dt_s: float) -> tuple[float, float, float, int]:
    """Hand-written BE run to ``time.end_s``: (consumed Li [mol], ΔT_Γ [K], wall [s], steps)."""
    h = handwritten.build(case, bundle, dt_s, f"acc{id(bundle)}_{dt_s:g}_")
    comm = bundle.mesh.comm
    steps = round(case.time.end_s / dt_s)
    consumed = 0.0
    parallel.barrier(comm)
    t0 = time.perf_counter()
    for _ in range(steps):
        h.problem.solve()
        assert h.problem.solver.getConvergedReason() > 0
        consumed += dt_s * parallel.global_sum(fem.assemble_scalar(h.rate), comm)
        h.u_n.x.array[:] = h.u.x.array
    wall = parallel.global_max(time.perf_counter() - t0, comm)
    a = parallel.global_sum(fem.assemble_scalar(h.area), comm)
    T_mean = parallel.global_sum(fem.assemble_scalar(h.T_sum), comm) / a
    handwritten.destroy(h.problem)
    return consumed, T_mean - case.thermal.initial_K, wall, steps


def dendrisim_run(case, bundle) -> dict:
    """(retention, ΔT [K], wall [s], steps, Newton its, li moles0) of a dendrisim run."""
    sim = simulation(case, bundle, quiet=True)
    parallel.barrier(bundle.mesh.comm)
    t0 = time.perf_counter()
    s = sim.run()
    wall = parallel.global_max(time.perf_counter() - t0, bundle.mesh.comm)
    first, last = sim.history[0], s.last
    return {
        "retention": last["li_retention"],
        "dT": last["T_interface_mean_K"] - first["T_interface_mean_K"],
        "wall": wall,
        "steps": s.steps,
        "newton": s.newton_iterations,
        "li0": sim.observables.inventory.li_moles0,
        "consumed": last["li_consumed_mol"],
        "krylov": s.krylov_iterations,
        "pc_builds": sim.newton.pc_reuse.builds,  # AMG set-ups of c-T (0: direct)
    }


def _err(ret: float, dT: float, ref: dict) -> float:
    return max(abs(ret - ref["retention"]) / ref["retention"], abs(dT - ref["dT"]) / ref["dT"])


def one_case(name: str, ref_dt: float, over: dict | None = None) -> dict:
    """The comparison for one Fig. 5 case (``over``: more case keys, e.g. 3D)."""
    base = {**FIXED, **(over or {})}
    fixed_ref = {"time.scheme": "bdf2", "time.rtol": 0.9, "time.atol": 1e3}
    fixed_ref.update({"time.dt_initial_s": ref_dt, "time.dt_max_s": ref_dt})
    ref_case = load_case(name, {**base, **fixed_ref, "time.max_dT_per_step_K": 1e3})
    bundle = load_case_mesh(ref_case, parallel.world())
    ref = dendrisim_run(ref_case, bundle)
    bdf2 = dendrisim_run(load_case(name, {**base, "time.scheme": "bdf2"}), bundle)
    be = dendrisim_run(load_case(name, {**base, "time.scheme": "backward_euler"}), bundle)
    form = ref_case.geometry.formulation
    if form == "3d":  # what keeping the AMG preconditioner saves (solver.reuse_preconditioner)
        off = {**base, "time.scheme": "bdf2", "solver.reuse_preconditioner": False}
        bdf2_off = dendrisim_run(load_case(name, off), bundle)
    row = {"case": name, "formulation": form, "ranks": parallel.size(), "ref_dt_s": ref_dt}
    row["cells"] = bundle.mesh.topology.index_map(bundle.mesh.topology.dim).size_global
    for key, res in (("bdf2", bdf2), ("be", be)):
        row[f"{key}_steps"], row[f"{key}_newton"] = res["steps"], res["newton"]
        row[f"{key}_wall_s"], row[f"{key}_err"] = (
            res["wall"],
            _err(res["retention"], res["dT"], ref),
        )
    if form == "3d":
        row.update(bdf2_krylov=bdf2["krylov"], bdf2_pc_builds=bdf2["pc_builds"])
        row.update(noreuse_krylov=bdf2_off["krylov"], noreuse_pc_builds=bdf2_off["pc_builds"])
        row.update(noreuse_wall_s=bdf2_off["wall"], noreuse_newton=bdf2_off["newton"])
        row["noreuse_answer_diff"] = _err(bdf2_off["retention"], bdf2_off["dT"], bdf2)
    script(ref_case, bundle, SCRIPT_DTS[0])  # JIT warm-up
    for dt in SCRIPT_DTS:
        consumed, dT, wall, steps = script(ref_case, bundle, dt)
        err = _err(1 - consumed / ref["li0"], dT, ref)
        row.update(script_dt_s=dt, script_steps=steps, script_wall_s=wall, script_err=err)
        if err <= TOL:
            break
    row["ratio"] = row["bdf2_wall_s"] / row["script_wall_s"]
    row["target_met"] = row["bdf2_err"] <= TOL and row["script_err"] <= TOL and row["ratio"] <= 0.5
    return row


def main(quick: bool = False, three_d: bool = False, small: bool = False) -> list[dict]:
    """Both Fig. 5 cases (quick: fig5-stable with a 0.02 s reference; three_d: CASE_3D,
    ``small``: on the coarse SMALL_3D cell)."""
    names = ["fig5-stable"] if quick else ["fig5-routine", "fig5-stable"]
    runs = [(name, 0.02 if quick else REF_DT_S, None) for name in names]
    if three_d:
        runs = [(CASE_3D[0], REF_DT_3D_S, SMALL_3D if small else CASE_3D[1])]
    rows = []
    for name, ref_dt, over in runs:
        row = one_case(name, ref_dt, over)
        rows.append(row)
        record("accuracy", row)
    cols = ["case", "formulation", "cells", "bdf2_steps", "bdf2_wall_s", "bdf2_err"]
    cols += ["be_steps", "be_err"]
    cols += ["script_dt_s", "script_steps", "script_wall_s", "script_err", "ratio"]
    parallel.root_print(table(rows, cols))
    return rows


if __name__ == "__main__":
    import sys

    small = "--3d-small" in sys.argv[1:]
    main(quick="--quick" in sys.argv[1:], three_d=small or "--3d" in sys.argv[1:], small=small)
