"""3D remeshing: a needle and a cone eaten to ``li_exhausted`` (issue 16).

fig5-stable's deposit in 3D, isothermal, ``kinetics.pre_exponential = 5e9`` (eaten in a
few seconds): every remesh's region volume change, cell counts, worst new cell and wall
time, and the run's stop, remesh count and |V - mole retention|.  One JSON line per run
(``benchmarks/results/remesh3d.jsonl``); times are meaningless on a shared machine.

Full: the needle at the default interface size (R/8) in the default cell, and a cone
(tip radius 0.08 µm); quick: the coarse needle of tests/verification/test_remesh3d.py.

Command: ``python -m benchmarks.bench_remesh3d`` (``mpiexec -n 2`` works too).
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.harness import record, table
from dendrisim.api.run_case import simulation
from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.meshing.load import load_case_mesh

MPI_CAPABLE = True
FAST = {
    "output.fields": [],
    "geometry.formulation": "3d",
    "thermal.enabled": False,
    "kinetics.pre_exponential": 5e9,
}
COARSE = {
    "geometry.cell_radius_um": 0.4,
    "geometry.electrolyte_height_um": 1.0,
    "geometry.substrate_thickness_um": 0.2,
    "geometry.mesh_size_interface_um": 0.04,
    "geometry.mesh_size_bulk_um": 0.2,
}
RUNS = {
    "needle-coarse": {**FAST, **COARSE},
    "needle": FAST,
    "cone": {**FAST, **COARSE, "geometry.shape": "cone", "geometry.tip_radius_um": 0.08},
}


def run(name: str) -> dict:
    """One run to the stop; its remeshes and retention figures."""
    case = load_case("fig5-stable", RUNS[name])
    bundle = load_case_mesh(case, parallel.world())
    t0 = time.perf_counter()
    sim = simulation(case, bundle, quiet=True)
    s = sim.run()
    reps = sim.remesh_reports
    gap = [abs(r["li_retention"] - r["li_retention_from_moles"]) for r in sim.history]
    return {
        "case": name,
        "ranks": parallel.size(bundle.mesh.comm),
        "cells": bundle.mesh.topology.index_map(3).size_global,
        "stop_reason": s.stop_reason,
        "time_s": s.last["time_s"],
        "steps": s.steps,
        "remeshes": len(reps),
        "li_volume_change_max": max((abs(r.area_change["lithium"]) for r in reps), default=0.0),
        "li_volume_change": [r.area_change["lithium"] for r in reps],
        "electrolyte_volume_change": [r.area_change["electrolyte"] for r in reps],
        "cells_after": [r.cells_after for r in reps],
        "quality_new_min": min((r.quality_min for r in reps), default=np.nan),
        "remesh_wall_s": [r.wall_s for r in reps],
        "li_removed_thin_fraction": sim.li_removed_m3
        / max(sim.observables.inventory.li_volume_m3, 1e-300),
        "max_abs_gap": max(gap),
        "wall_s": time.perf_counter() - t0,
    }


def main(quick: bool = False) -> list[dict]:
    """The needle and the cone (quick: the coarse needle)."""
    rows = []
    for name in ["needle-coarse"] if quick else ["needle-coarse", "cone", "needle"]:
        row = run(name)
        rows.append(row)
        record("remesh3d", row)
    cols = ["case", "cells", "stop_reason", "time_s", "remeshes", "li_volume_change_max"]
    cols += ["quality_new_min", "li_removed_thin_fraction", "max_abs_gap", "wall_s"]
    parallel.root_print(table(rows, cols))
    return rows


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv[1:])
