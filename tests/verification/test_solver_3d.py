"""The 3D solvers (issue 16/18): GMRES + GAMG with the AMG preconditioner kept across Newton
iterations and steps (``solver.reuse_preconditioner``, :mod:`dendrisim.solver.pcreuse`)
gives the answers of the direct MUMPS solve to the Newton tolerance, with fewer AMG
set-ups than linear solves; the mesh extension (CG + GAMG, warm start) keeps its operator.
"""

import pytest

from dendrisim import api
from dendrisim.core import parallel
from dendrisim.meshing.load import load_case_mesh
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
