"""No step is ever shorter than time.dt_min_s: a rule that collapses Δt stops the run.

Before the bound, a Δt cut after an accepted step (the consumed-Li error control, the motion
limit, Newton iterations) was never compared with dt_min, so a run could go on with steps
of 1e-30 s (arc-stable with stop.runaway_stops = false) instead of stopping.
"""

import pytest

from dendrisim import api
from dendrisim.core.errors import SimulationError
from dendrisim.solver import stepsize


def test_collapsing_error_control_stops_with_dt_too_small(tmp_path, monkeypatch):
    taken = []
    next_dt = stepsize.StepController.next_dt

    def record(self, t):
        dt = next_dt(self, t)
        taken.append((dt, self.dt_min))
        if dt < self.dt_min:
            raise AssertionError(f"a step of {dt:.3g} s below dt_min = {self.dt_min:g} s")
        return dt

    def collapse(self, dt_used, rate_jump, allowed_jump):  # an error control gone wild
        self.set_dt(dt_used * 1e-3, "the consumed-Li error (time.consumed_error_tol)")

    monkeypatch.setattr(stepsize.StepController, "next_dt", record)
    monkeypatch.setattr(stepsize.StepController, "limit_error", collapse)
    case = api.load_case(
        "fig5-stable",
        [
            "time.end_s=0.1",
            "time.dt_min_s=1e-6",
            "time.dt_initial_s=1e-3",
            "time.consumed_error_tol=1e-3",
            "output.fields=[]",
        ],
    )
    with pytest.raises(SimulationError, match="dt_too_small"):
        api.run(case, out=tmp_path / "collapse", quiet=True)
    assert taken and all(dt >= dt_min for dt, dt_min in taken)
