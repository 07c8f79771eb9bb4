"""3D remeshing with a resolved SEI shell: the coarse shelled needle eaten away (issue 16).

fig5-stable's deposit (L = D = 0.341 µm) in the coarse 3D cell of
tests/verification/test_remesh3d.py with a 40 nm SEI shell, isothermal,
``kinetics.pre_exponential = 5e9``: every remesh's volume change per region, the shell
thickness and SEI cell size after it, the worst new cell, the run's stop and its
|V - mole retention|; one JSON line (``benchmarks/results/remesh3d_sei.jsonl``) and a
picture of the meshes as generated and after remeshes (cells cut at y = 0: Li grey, SEI
orange, electrolyte blue), ``docs/img/remesh3d_sei.png``.

Command: ``python -m benchmarks.remesh3d_sei [--picture-only FOLDER]`` (``mpiexec -n 2``
works for the run; the picture is drawn on rank 0).  Times are meaningless on a shared
machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

COARSE_SEI = {
    "geometry.formulation": "3d",
    "geometry.cell_radius_um": 0.4,
    "geometry.electrolyte_height_um": 1.0,
    "geometry.substrate_thickness_um": 0.2,
    "geometry.mesh_size_interface_um": 0.04,
    "geometry.mesh_size_bulk_um": 0.2,
    "geometry.sei_thickness_um": 0.04,
    "thermal.enabled": False,
    "kinetics.pre_exponential": 5e9,
    "output.fields": [],
}
PICTURE = Path(__file__).resolve().parents[1] / "docs" / "img" / "remesh3d_sei.png"
COLOURS = {1: "#8c8c9e", 2: "#bfe3f5", 3: "#e8902e"}  # lithium, electrolyte, sei


def run(folder: Path) -> dict:
    """The shelled needle to its stop; its remeshes (collective)."""
    from benchmarks.harness import record
    from dendrisim.api.run_case import case_mesh, simulation
    from dendrisim.config import load_case
    from dendrisim.core import parallel

    case = load_case("fig5-stable", COARSE_SEI)
    bundle = case_mesh(case, folder, parallel.world())  # also writes folder/mesh.msh
    sim = simulation(case, bundle, folder=folder, quiet=True)
    s = sim.run()
    gap = [abs(r["li_retention"] - r["li_retention_from_moles"]) for r in sim.history]
    row = {
        "case": "needle-sei-coarse",
        "ranks": parallel.size(bundle.mesh.comm),
        "cells": bundle.mesh.topology.index_map(3).size_global,
        "stop_reason": s.stop_reason,
        "t_end_s": sim.history[-1]["time_s"],
        "remeshes": len(sim.remesh_reports),
        "li_retention_end": sim.history[-1]["li_retention"],
        "li_retention_from_moles_end": sim.history[-1]["li_retention_from_moles"],
        "max_retention_gap": float(np.max(gap)),
        "mesh_quality_min": float(min(r["mesh_quality_min"] for r in sim.history[1:])),
        "remesh": [
            {
                "t_s": r.time_s,
                "cells": [r.cells_before, r.cells_after],
                "volume_change": r.area_change,
                "quality_min": r.quality_min,
                "wall_s": r.wall_s,
            }
            for r in sim.remesh_reports
        ],
    }
    record("remesh3d_sei", row)
    return row


def _cut(msh: Path):
    """The mesh's cells cut by the plane y = 0 (crinkle: whole cells), regions as data."""
    import meshio
    import pyvista as pv

    m = meshio.read(str(msh))
    blocks = [
        (b.data, p)
        for b, p in zip(m.cells, m.cell_data["gmsh:physical"], strict=True)
        if b.type == "tetra"
    ]
    tets = np.concatenate([b for b, _ in blocks])
    region = np.concatenate([p for _, p in blocks])
    cells = np.hstack([np.full((len(tets), 1), 4), tets]).ravel()
    grid = pv.UnstructuredGrid(cells, np.full(len(tets), pv.CellType.TETRA, np.uint8), m.points)
    grid.cell_data["region"] = region
    return grid.clip(normal=(0, -1, 0), origin=(0, 0, 0), crinkle=True)


def picture(folder: Path, out: Path = PICTURE, panels: int = 4, times=None) -> Path:
    """Generated mesh and remeshes (evenly picked, the last one included), cut views.

    ``times``: the simulated time of each remesh [s] (for the labels), if known.
    """
    os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
    import pyvista as pv

    remeshes = sorted(folder.glob("mesh_remesh*.msh"), key=lambda p: int(p.stem[11:]))
    pick = np.unique(np.linspace(0, len(remeshes) - 1, panels - 1).round().astype(int))
    files = [folder / "mesh.msh"] + [remeshes[i] for i in pick]
    p = pv.Plotter(off_screen=True, shape=(1, len(files)), window_size=(450 * len(files), 520))
    p.set_background("white")
    for k, f in enumerate(files):
        p.subplot(0, k)
        cut = _cut(f)
        for rid, colour in COLOURS.items():
            part = cut.extract_cells(np.flatnonzero(cut.cell_data["region"] == rid))
            if part.n_cells:
                p.add_mesh(part, color=colour, show_edges=True, edge_color="gray", lighting=False)
        p.view_xz()
        p.enable_parallel_projection()
        p.reset_camera(bounds=(-0.3, 0.3, -0.1, 0.1, -0.08, 0.5))
        label = "generated" if k == 0 else f.stem.replace("mesh_", "")
        if k and times:
            label += f" (t = {times[int(f.stem[11:]) - 1]:.2f} s)"
        p.add_text(label, font_size=11, color="black")
    out.parent.mkdir(parents=True, exist_ok=True)
    p.screenshot(str(out))
    p.close()
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--picture-only", type=Path, help="draw from this run folder")
    ap.add_argument("--out", type=Path, default=PICTURE)
    a = ap.parse_args(argv)
    if a.picture_only:
        print(picture(a.picture_only, a.out))
        return
    from dendrisim.core import parallel

    folder = Path(tempfile.mkdtemp(prefix="remesh3d-sei-"))
    folder = Path(parallel.broadcast(str(folder), parallel.world()))
    row = run(folder)
    if parallel.rank(parallel.world()) == 0:
        print({k: v for k, v in row.items() if k != "remesh"})
        print(picture(folder, a.out, times=[r["t_s"] for r in row["remesh"]]))


if __name__ == "__main__":
    main()
