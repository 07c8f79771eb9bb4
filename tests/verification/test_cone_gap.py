"""The coarse 3D cone's V- vs mole-based retention gap (issue 16: 4.3e-2, "unexplained").

The cone of benchmarks/bench_remesh3d.py (fig5-stable's deposit as a cone, tip radius
0.08 µm, 3.2k cells, isothermal, fast kinetics) lost 3.5e-2 of its Li volume in its first
30 ms while the moles said 1.7e-2: the tangential relaxation of the interface nodes slid
the unstructured initial surface mesh towards its patch means, and neighbours sliding at
once change the volume at second order in the slide (which is a cell size, not a
recession).  The relaxation now moves that volume back along the slid nodes' normals
(solver/motion/kinematics.py, ``_keep_volume``): the gap at 30 ms is 1.7e-4.
"""

import numpy as np

from dendrisim import api
from dendrisim.api.run_case import simulation
from dendrisim.core import parallel
from tests.verification.test_remesh3d import COARSE_3D, WHOLE

CONE = ["geometry.shape=cone", "geometry.tip_radius_um=0.08", "time.end_s=0.03"]


def test_relaxation_keeps_the_cone_volume():
    from dendrisim.meshing.load import load_case_mesh

    case = api.load_case("fig5-stable", COARSE_3D + WHOLE + CONE)
    bundle = load_case_mesh(case, parallel.world())
    sim = simulation(case, bundle, quiet=True)
    s = sim.run()
    assert s.stop_reason == "end_time"
    gap = np.array([r["li_retention"] - r["li_retention_from_moles"] for r in sim.history])
    consumed = 1.0 - sim.history[-1]["li_retention_from_moles"]
    print(f"cone: gap {gap[-1]:.3g} after {consumed:.3g} of the Li consumed, {s.steps} steps")
    assert consumed > 0.01  # the recession is under way
    assert np.max(np.abs(gap)) < 1e-3  # was 3.6e-2 (the relaxation of the initial mesh)
