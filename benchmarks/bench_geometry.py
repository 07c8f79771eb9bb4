"""Geometry benchmark: mesh generation and dolfinx loading time vs L/D.

See docs/architecture.md#performance.

Needles of the Fig. 5 Li volume (0.0260654 µm^3) with L/D = 1, 5, 20, axisymmetric
and 3D, at the default mesh sizes.  Prints a table and appends one JSON line per case
to ``benchmarks/results/geometry.jsonl``.

Run: ``python -m benchmarks.bench_geometry [--quick]`` (or through scripts/bench).
"""

from __future__ import annotations

import json
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from dendrisim import load_case
from dendrisim.core import parallel
from dendrisim.geometry.generator import generate

MPI_CAPABLE = False  # gmsh meshing runs on one rank
VOLUME_UM3 = 0.0260654015  # Fig. 5 Li volume (docs/fig5.md)
RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = [
    "formulation",
    "L/D",
    "cells",
    "vertices",
    "mesh_s",
    "load_s",
    "gamma_min",
    "vol_err_%",
    "area_err_%",
    "h_interface_um",
]

try:  # the shared harness (machine info, table) when present
    from benchmarks.harness import record, table
except ImportError:  # pragma: no cover - standalone fallback
    record = None

    def table(rows, columns):
        """Rows as an aligned text table."""
        cells = [
            [f"{r[c]:.4g}" if isinstance(r[c], float) else str(r[c]) for c in columns] for r in rows
        ]
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
        lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
        return "\n".join(lines)


def _write(row: dict) -> None:
    if record is not None:
        record("geometry", row)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    line = {
        "benchmark": "geometry",
        **row,
        "machine": {
            "host": platform.node(),
            "python": platform.python_version(),
            "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    }
    with open(RESULTS / "geometry.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")


def run_case(formulation: str, aspect_ratio: float, folder: Path) -> dict:
    """Mesh one needle to a .msh and load that into dolfinx; returns the figures."""
    from dendrisim.meshing.load import load_msh

    case = load_case(
        "fig5-routine",
        {
            "geometry.formulation": formulation,
            "geometry.aspect_ratio": aspect_ratio,
            "geometry.volume_um3": VOLUME_UM3,
        },
    )
    msh = folder / f"{formulation}-{aspect_ratio:g}.msh"
    rep = generate(case, msh)
    t0 = time.perf_counter()
    load_msh(msh, formulation=formulation)
    load_s = time.perf_counter() - t0
    return {
        "formulation": formulation,
        "L/D": aspect_ratio,
        "cells": rep.cells,
        "vertices": rep.vertices,
        "mesh_s": rep.seconds,
        "load_s": load_s,
        "gamma_min": rep.quality_gamma_min,
        "vol_err_%": 100 * rep.li_volume_rel_error,
        "area_err_%": 100 * rep.interface_area_rel_error,
        "h_interface_um": rep.h_interface_um,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "ranks": parallel.size(),
    }


def main(quick: bool = False) -> list[dict]:
    """Run the cases (quick: axisymmetric ones and 3D L/D = 1)."""
    cases = [("axisymmetric", a) for a in (1.0, 5.0, 20.0)]
    cases += [("3d", a) for a in ((1.0,) if quick else (1.0, 5.0, 20.0))]
    rows = []
    folder = Path(parallel.on_root(lambda: tempfile.mkdtemp(prefix="dendrisim-bench-")))
    for formulation, ar in cases:
        row = run_case(formulation, ar, folder)
        rows.append(row)
        _write(row)
        parallel.root_print(
            f"  {formulation} L/D = {ar:g}: {row['cells']} cells, "
            f"{row['mesh_s']:.2f} s mesh, {row['load_s']:.2f} s load",
            flush=True,
        )
    parallel.root_print(table(rows, COLUMNS))
    parallel.on_root(lambda: shutil.rmtree(folder, ignore_errors=True))
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
