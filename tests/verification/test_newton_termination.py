"""Newton stops on the predicted error of the iterate: fewer iterations, the same answer.

On the fixed-geometry Fig. 5 setup at a fixed step (dt 0.1 s, as benchmarks/bench_reference.py)
PETSc's default test needs a third, confirming iteration per step (the residual is at
round-off after the second).  The predicted-error test (``PredictedErrorTest``) ends after
the second: at most 2.1 iterations per step on average, and the consumed Li and the
interface temperature equal to 1e-10 (relative) to the default test's.
"""

import pytest

from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.meshing.load import load_case_mesh
from dendrisim.solver.newton import NewtonSolver
from dendrisim.solver.simulation import Simulation

STEPS, DT_S = 10, 0.1


def _run(case, bundle, predicted: bool):
    sim = Simulation(case, bundle, quiet=True)
    s = case.solver
    sim.newton.destroy()
    sim.newton = NewtonSolver(
        sim.model,
        sim.bcs,
        rtol=s.newton_rtol,
        atol=s.newton_atol,
        stol=s.newton_stol,
        max_it=s.newton_max_it,
        linear=s.linear,
        predicted=predicted,
    )
    return sim.run()


@pytest.mark.mpi
def test_predicted_error_stops_one_iteration_earlier_with_the_same_answer():
    case = load_case(
        "fig5-routine",
        {
            "interface.moving": False,
            "thermal.li_melting": False,
            "time.end_s": STEPS * DT_S,
            "time.dt_initial_s": DT_S,
            "time.dt_max_s": DT_S,
            "time.max_dT_per_step_K": 1e3,
            "time.scheme": "backward_euler",  # the fixed-dt setup of the script comparison
            "output.fields": [],
        },
    )
    bundle = load_case_mesh(case, parallel.world())
    new, old = _run(case, bundle, True), _run(case, bundle, False)
    assert new.steps == old.steps == STEPS
    assert new.newton_iterations / new.steps <= 2.1
    assert new.newton_iterations < old.newton_iterations
    for key in ("li_consumed_mol", "T_interface_mean_K", "T_interface_max_K"):
        assert new.last[key] == pytest.approx(old.last[key], rel=1e-10, abs=0), key
