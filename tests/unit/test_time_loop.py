"""The time loop's solver events: an interrupted run stops cleanly with its rows kept."""

from __future__ import annotations

from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.meshing.builtin_meshes import slab_mesh
from dendrisim.solver.simulation import Simulation
from dendrisim.solver.sinks import Sink


class _CtrlCAfter(Sink):
    """Raises KeyboardInterrupt at the n-th row (a user pressing Ctrl-C)."""

    def __init__(self, n):
        self.n, self.closed = n, False

    def row(self, values):
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt

    def close(self):
        self.closed = True


def test_interrupted_run_stops_with_its_rows():
    case = load_case("fig5-routine").with_overrides(
        {"time.end_s": 1.0, "interface.moving": False, "output.fields": []}
    )
    sink = _CtrlCAfter(3)
    sim = Simulation(
        case, slab_mesh(parallel.self_comm(), 6, length_m=1e-6), quiet=True, sinks=[sink]
    )
    summary = sim.run()
    assert summary.stop_reason == "interrupted" and not summary.valid
    assert sink.closed and summary.steps == 3 and len(sim.history) == 4
    assert "interrupted" in sim.events.definitions()
