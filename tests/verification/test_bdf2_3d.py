"""BDF2's default tolerance on the 3D Fig. 5 cell: ΔT and retention within 0.1 % (issue 18).

fig5-stable in 3D with 1.5 µm of electrolyte on a coarse mesh (8k cells, the cell of
``bench_accuracy --3d-small``), fixed geometry as the benchmark.  The cell heats by 18.9 K
in 9 s, so the interface temperature is an accumulating quantity (an integral of the
reaction heat) and the local errors of the steps add up.  Measured (docs/physics.md#time-stepping):

- the reference, BDF2 at fixed steps 0.04 / 0.02 / 0.01 s, converges with order 1.99 (ΔT
  18.88888 / 18.88739 / 18.88702 K): the 0.04 s run is within 1.1e-4 of the limit;
- with the error per step (``time.error_per = "step"``, the tolerance of SUNDIALS) at
  1e-3 the steps stay at ``time.dt_max_s`` (error norm 0.02-0.13) and ΔT is 0.28 % off
  (45 steps); the default error per unit step at 5e-4 takes 75 steps and is 0.072 % off.
"""

import pytest

from dendrisim.api.run_case import simulation
from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.meshing.load import load_case_mesh

CELL = {  # benchmarks/bench_accuracy.py: CASE_3D on the SMALL_3D mesh, fixed geometry
    "geometry.formulation": "3d",
    "geometry.electrolyte_height_um": 1.5,
    "geometry.mesh_size_interface_um": 0.04,
    "geometry.mesh_size_bulk_um": 0.25,
    "interface.moving": False,
    "thermal.li_melting": False,
    "output.fields": [],
}


def _run(case, bundle) -> tuple[float, float, int]:
    sim = simulation(case, bundle, quiet=True)
    s = sim.run()
    assert s.stop_reason == "end_time"
    dT = s.last["T_interface_mean_K"] - sim.history[0]["T_interface_mean_K"]
    return s.last["li_retention"], dT, s.steps


@pytest.mark.slow
def test_default_tolerance_meets_0p1_percent_in_3d():
    case = load_case("fig5-stable", CELL)
    bundle = load_case_mesh(case, parallel.world())
    ref_over = {"time.dt_initial_s": 0.04, "time.dt_max_s": 0.04, "time.rtol": 0.9}
    ref_over.update({"time.atol": 1e3, "time.max_dT_per_step_K": 1e3})
    ret_ref, dT_ref, _ = _run(case.with_overrides(ref_over), bundle)
    ret, dT, steps = _run(case, bundle)
    err = max(abs(ret / ret_ref - 1), abs(dT / dT_ref - 1))
    print(f"3D BDF2 default: {steps} steps, error {err:.3g} (ΔT {dT:.5f} vs {dT_ref:.5f} K)")
    assert err < 1e-3 - 1.1e-4  # the reference's own error (1.1e-4) left aside
    # the error per step at the old default (1e-3) is 2.8e-3 off: what this test guards
    old = {"time.error_per": "step", "time.rtol": 1e-3, "time.atol": 1e-3}
    ret_o, dT_o, _ = _run(case.with_overrides(old), bundle)
    assert max(abs(ret_o / ret_ref - 1), abs(dT_o / dT_ref - 1)) > 2e-3
