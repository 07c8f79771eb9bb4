"""3D fig5-stable: volume- vs mole-based Li retention at 9 s under mesh refinement (issue 16).

``li_retention`` (the Li volume on the moved mesh minus the passive slab, over the
dendrite's initial volume) and ``li_retention_from_moles`` (1 - consumed / initial moles)
measure the same thing; their gap is the error of the staggered moving-mesh scheme plus
any volume the mesh motion loses at the walls.  When the cylindrical side wall was held
like planar walls its nodes drifted inward and the slab shrank: 91.57 % (43k cells) /
91.77 % (19k) against 92.27 % from the moles, a gap that grew with refinement.

Runs fig5-stable in 3D to 9 s at the interface mesh sizes ``LEVELS_UM`` (coarse to fine)
and the axisymmetric case once for reference; one JSON line per run (cells, both
retentions, the gap at the end and its largest magnitude, the worst cell): accuracy
figures, no timings.  Quick: a coarse 3D cell for 1 s.

Command (2 ranks): ``mpiexec -n 2 python -m benchmarks.bench_retention3d``.
"""

from __future__ import annotations

from benchmarks.harness import record, table
from dendrisim.api.run_case import simulation
from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.meshing.load import load_case_mesh

MPI_CAPABLE = True
LEVELS_UM = (0.032, 0.0213, 0.016)  # geometry.mesh_size_interface_um; 0.0213 = default R/8
BASE = {"output.fields": [], "geometry.formulation": "3d"}
QUICK = {
    **BASE,
    "time.end_s": 1.0,
    "geometry.cell_radius_um": 0.4,
    "geometry.electrolyte_height_um": 1.0,
    "geometry.substrate_thickness_um": 0.2,
    "geometry.mesh_size_interface_um": 0.04,
    "geometry.mesh_size_bulk_um": 0.2,
}


def run(overrides: dict) -> dict:
    """One fig5-stable run; its retentions, gap and mesh figures."""
    case = load_case("fig5-stable", overrides)
    bundle = load_case_mesh(case, parallel.world())
    comm = bundle.mesh.comm
    cells = parallel.global_sum(
        bundle.mesh.topology.index_map(bundle.mesh.topology.dim).size_local, comm
    )
    sim = simulation(case, bundle, quiet=True)
    s = sim.run()
    last = s.last
    return {
        "case": "fig5-stable",
        "formulation": case.geometry.formulation,
        "mesh_size_interface_um": case.geometry.mesh_size_interface_um,
        "ranks": parallel.size(comm),
        "cells": int(cells),
        "stop_reason": s.stop_reason,
        "time_s": last["time_s"],
        "steps": s.steps,
        "li_retention": last["li_retention"],
        "li_retention_from_moles": last["li_retention_from_moles"],
        "gap": last["li_retention_gap"],
        "max_abs_gap": max(abs(r["li_retention_gap"]) for r in sim.history),
        "mesh_quality_min": last.get("mesh_quality_min"),
    }


def main(quick: bool = False) -> list[dict]:
    """The refinement study (quick: one coarse 1 s run)."""
    if quick:
        runs = [QUICK]
    else:
        runs = [{"geometry.formulation": "axisymmetric", "output.fields": []}]
        runs += [{**BASE, "geometry.mesh_size_interface_um": h} for h in LEVELS_UM]
    rows = []
    for overrides in runs:
        row = run(overrides)
        rows.append(row)
        record("retention3d", row)
        parallel.root_print(table([row], list(row)), flush=True)
    cols = ["formulation", "mesh_size_interface_um", "cells", "li_retention"]
    cols += ["li_retention_from_moles", "gap", "max_abs_gap", "mesh_quality_min"]
    parallel.root_print(table(rows, cols))
    return rows


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv[1:])
