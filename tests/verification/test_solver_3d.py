"""The 3D solvers (issue 16/18): GMRES + GAMG with the AMG preconditioner kept across Newton
iterations and steps (``solver.reuse_preconditioner``, :mod:`dendrisim.solver.pcreuse`)
gives the answers of the direct MUMPS solve to the Newton tolerance, with fewer AMG
set-ups than linear solves; the mesh extension (CG + GAMG, warm start) keeps its operator.
"""

import pytest

from dendrisim import api
from dendrisim.core import parallel
from dendrisim.meshing.load import load_case_mesh
from dendrisim.solver.nearnull import field_near_null_space
from dendrisim.solver.simulation import Simulation

# fig5-stable's deposit in a small 3D cell (~7k tetrahedra), moving, four 0.1 s steps
SMALL_3D = {
    "geometry.formulation": "3d",
    "geometry.cell_radius_um": 0.4,
    "geometry.electrolyte_height_um": 1.0,
    "geometry.substrate_thickness_um": 0.2,
    "geometry.mesh_size_interface_um": 0.04,
    "geometry.mesh_size_bulk_um": 0.2,
    "time.end_s": 0.4,
    "time.dt_initial_s": 0.1,
    "time.dt_max_s": 0.1,
    "time.max_dT_per_step_K": 1e3,
    "stop.runaway_stops": False,
    "output.fields": [],
}


def _run(bundle, **keys):
    case = api.load_case("fig5-stable", {**SMALL_3D, **keys})
    sim = Simulation(case, bundle, quiet=True)
    summary = sim.run()
    assert summary.valid, summary.stop_reason
    return sim, summary


@pytest.mark.mpi
def test_iterative_3d_with_reused_amg_matches_direct():
    case = api.load_case("fig5-stable", SMALL_3D)
    bundle = load_case_mesh(case, parallel.world())
    direct_sim, direct = _run(bundle, **{"solver.linear": "direct"})
    bundle = load_case_mesh(case, parallel.world())  # the mesh moved: a fresh one
    sim, it = _run(bundle)  # auto: iterative in 3D, preconditioner reuse on by default
    assert sim.newton.options["pc_type"] == "gamg"
    assert not direct_sim.newton.pc_reuse.enabled  # never a stale LU
    pcr = sim.newton.pc_reuse
    assert pcr.reuses > 0 and pcr.builds < it.newton_iterations
    assert pcr.levels >= 2
    assert it.steps == direct.steps and it.newton_iterations == direct.newton_iterations
    for key in ("li_retention", "T_interface_mean_K", "li_consumed_mol"):
        assert it.last[key] == pytest.approx(direct.last[key], rel=1e-8, abs=0), key
    ext = sim.model.motion.extension
    assert ext.solves >= it.steps and ext.iterations > 0


def _energy(A, e) -> float:
    """Rayleigh quotient eᵀAe / eᵀ diag(A) e (0 for a null vector, ~1 for a rough one)."""
    Ae, De = A.createVecLeft(), A.getDiagonal()
    A.mult(e, Ae)
    De.pointwiseMult(De, e)
    return e.dot(Ae) / e.dot(De)


def _keep_jacobian(sim) -> dict:
    """A copy of the Jacobian of the last linear solve of ``sim`` in ["A"] (KSP hook)."""
    ksp, pcr, kept = sim.newton.snes.getKSP(), sim.newton.pc_reuse, {}

    def post(k, b, x):
        pcr._post(k, b, x)
        kept["A"] = k.getOperators()[0].copy()

    ksp.setPostSolve(post)
    return kept


@pytest.mark.mpi
def test_amg_near_null_space_is_each_fields_constant_without_its_dirichlet_dofs():
    """GAMG's coarse spaces come from the near-null space (nearnull.py): PETSc's default,
    the constant c on every node, includes the Li interior's Dirichlet species rows and is
    far from a null vector; the fields' constants without them are near-null, and GMRES
    needs fewer iterations per Newton iteration with them (on the 43k-cell cell and its
    split 9 and 10 instead of 14 and 30: docs/scale.md)."""
    case = api.load_case("fig5-stable", {**SMALL_3D, "time.end_s": 0.2})
    runs = {}
    for name in ("old", "new"):
        sim = Simulation(case, load_case_mesh(case, parallel.world()), quiet=True)
        assert sim.newton.near_null is not None
        if name == "old":
            sim.newton.set_near_null_space(None)  # GAMG's default: constants on every dof
        kept = _keep_jacobian(sim)
        runs[name] = (sim, sim.run(), kept["A"])
    sim, new, A = runs["new"]
    vecs = field_near_null_space(A, sim.bcs).getVecs()
    assert len(vecs) == 2 and max(_energy(A, e) for e in vecs) < 1e-4  # 2.0e-5, 1.4e-9
    ones = A.createVecRight()
    ones.array[0::2] = 1.0  # GAMG's default c vector
    assert _energy(A, ones) > 1e-3  # 8.5e-3: the Dirichlet rows
    old = runs["old"][1]
    assert old.newton_iterations == new.newton_iterations
    assert old.last["li_retention"] == pytest.approx(new.last["li_retention"], rel=1e-8)
    per_newton = new.krylov_iterations / new.newton_iterations  # 36/6 vs 50/6 (2 ranks 35, 47)
    assert per_newton < 0.85 * old.krylov_iterations / old.newton_iterations
