"""Neighbour shielding in a 3D forest: each dendrite in the forest against the same one alone.

Runs the forest case (default ``forest-3d``) with its per-dendrite columns, then every
dendrite alone in an axisymmetric unit cell of the same Li/electrolyte share (the forest's
footprint divided by the count: cell radius sqrt(A / (N π)); same foil, electrolyte
height, chemistry, heat and motion; its interface mesh R/8, the 2D default), each up to
the time the forest ended (the forest stops with ``mesh_quality`` when its mesh
degrades: 3D remeshing is not on main yet).  It compares at the forest's end time t_f:

- consumed fraction ``1 - li_retention`` (volume-based on the moved mesh) in the forest
  and alone, and their ratio (< 1: the neighbours shield the dendrite);
- the tip temperature rise T_tip - T0 in both;
- the nearest neighbour's surface distance (mirror images at the walls included).

Writes ``shielding.csv`` and ``shielding.md`` (the table) into ``--out`` and prints the
table.  Accuracy figures, no timings.

Commands::

    mpiexec -n 2 python -m dendrisim run forest-3d -o results/forest-3d   # the forest
    python -m benchmarks.forest_shielding --forest results/forest-3d --out results/shielding \
        --check-3d --picture docs/img/forest.png

Without ``--forest`` the forest runs first (into ``OUT/forest``), on the ranks this
command was started on.  ``--check-3d`` also runs dendrite 1 alone in a 3D cylindrical
cell with the forest's mesh sizes (the 3D-vs-axisymmetric difference of the method itself,
to read the ratios against); ``--picture PNG`` draws the forest before/middle/after
(:func:`dendrisim.post.views.forest_view.forest_panel`).  ``--set KEY=VALUE`` overrides
keys of the forest case (and so of the single runs).
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import numpy as np

from dendrisim import api
from dendrisim.core import parallel
from dendrisim.core.errors import SimulationError
from dendrisim.geometry import spec
from dendrisim.io.result import Result


def _run(case, folder: Path, reuse: bool = False) -> Result:
    """Run ``case`` into ``folder`` (a bad stop such as mesh_quality still gives a Result).

    ``reuse``: a finished run already in ``folder`` is read instead (same case assumed).
    """
    if reuse and (folder / "timeseries.csv").exists():
        return Result.load(folder, warn=False)
    try:
        api.run(case, out=folder, force=True, quiet=True)
    except SimulationError as exc:
        parallel.root_print(f"{folder.name}: {exc}")
    return Result.load(folder, warn=False)


def nearest_gap_um(lay: spec.Layout, k: int) -> float:
    """Surface distance from dendrite k to its nearest neighbour or mirror image [µm]."""
    a = lay.dendrites[k]
    gaps = [
        math.hypot(a.x_um - b.x_um, a.y_um - b.y_um) - a.outer_radius_um - b.outer_radius_um
        for j, b in enumerate(lay.dendrites)
        if j != k
    ]
    walls = (lay.half_width_um - abs(a.x_um), lay.half_depth_um - abs(a.y_um))
    gaps += [2.0 * w - 2.0 * a.outer_radius_um for w in walls]
    return min(gaps)


def alone_case(case, lay: spec.Layout, k: int, end_s: float, formulation="axisymmetric"):
    """Dendrite k alone in a unit cell of the forest's share (axisymmetric, or 3D with the
    forest's mesh sizes: the check of the formulation's own difference)."""
    d, n = lay.dendrites[k], len(lay.dendrites)
    share_um2 = lay.footprint_area_um2() / n
    sizes = (
        (d.diameter_um / 16.0, case.geometry.electrolyte_height_um / 10.0)
        if formulation == "axisymmetric"
        else (lay.h_interface_um, lay.h_bulk_um)
    )
    return case.with_overrides(
        {
            "geometry.formulation": formulation,
            "geometry.forest.count": 1,
            "geometry.length_um": d.length_um,
            "geometry.diameter_um": d.diameter_um,
            "geometry.cell_radius_um": math.sqrt(share_um2 / math.pi),
            "geometry.mesh_size_interface_um": sizes[0],
            "geometry.mesh_size_bulk_um": sizes[1],
            "time.end_s": end_s,
            "output.fields": [],
            "output.figures": False,
        }
    )


def formulation_check(case, forest: Result, out: Path, reuse: bool = False) -> str:
    """Dendrite 1 alone in 3D (forest mesh sizes) against alone axisymmetric."""
    lay = spec.layout(case.geometry)
    t_f = float(forest["time_s"][-1])
    runs = {
        f: _run(alone_case(case, lay, 0, t_f, f), out / f"alone_d01_{f}", reuse)
        for f in ("3d", "axisymmetric")
    }
    t = min(float(r["time_s"][-1]) for r in runs.values())
    c = {f: 1.0 - _at(r, "li_retention", t) for f, r in runs.items()}
    return (
        f"d01 alone at t = {t:.3g} s: consumed {c['3d']:.4f} in 3D (forest mesh sizes), "
        f"{c['axisymmetric']:.4f} axisymmetric (ratio {c['3d'] / c['axisymmetric']:.3f})"
    )


def _at(res: Result, column: str, t: float) -> float:
    return float(np.interp(t, res["time_s"], res[column]))


def compare(case, forest: Result, out: Path, reuse: bool = False) -> list[dict]:
    """Run every dendrite alone and build the comparison rows.

    Besides the consumed fractions: the Li consumed per area of the initial surface
    [mol/m²] in both (the analytic area of the needle's side and cap), which takes the
    shape out: the forest's local supply and temperature against the cell's alone.
    """
    lay = spec.layout(case.geometry)
    t_f = float(forest["time_s"][-1])
    T0 = case.thermal.initial_K
    rows = []
    for k, d in enumerate(lay.dendrites):
        tag = f"d{k + 1:02d}"
        alone = _run(alone_case(case, lay, k, t_f), out / f"alone_{tag}", reuse)
        area_m2 = d.area_um2(False) * 1e-12
        t_a = min(t_f, float(alone["time_s"][-1]))
        c_f = 1.0 - _at(forest, f"li_retention_{tag}", t_a)
        c_a = 1.0 - _at(alone, "li_retention", t_a)
        rows.append(
            {
                "dendrite": tag,
                "L_um": d.length_um,
                "D_um": d.diameter_um,
                "L_over_D": d.length_um / d.diameter_um,
                "nearest_gap_um": nearest_gap_um(lay, k),
                "t_s": t_a,
                "consumed_forest": c_f,
                "consumed_alone": c_a,
                "ratio": c_f / c_a if c_a > 0 else math.nan,
                "per_area_forest_mol_m2": _at(forest, f"li_consumed_mol_{tag}", t_a) / area_m2,
                "per_area_alone_mol_m2": _at(alone, "li_consumed_mol", t_a) / area_m2,
                "dT_tip_forest_K": _at(forest, f"T_tip_K_{tag}", t_a) - T0,
                "dT_tip_alone_K": _at(alone, "T_tip_K", t_a) - T0,
                "alone_stop": alone.stop_reason,
            }
        )
    return rows


def markdown(rows: list[dict]) -> str:
    """The comparison as a Markdown table."""
    head = (
        "| dendrite | L µm | D µm | L/D | nearest gap µm | t s | consumed forest | "
        "consumed alone | forest/alone | mmol/m² forest | mmol/m² alone | "
        "ΔT tip forest K | ΔT tip alone K |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    body = "".join(
        f"| {r['dendrite']} | {r['L_um']:.3f} | {r['D_um']:.3f} | {r['L_over_D']:.2f} | "
        f"{r['nearest_gap_um']:.3f} | {r['t_s']:.3g} | {r['consumed_forest']:.4f} | "
        f"{r['consumed_alone']:.4f} | {r['ratio']:.3f} | "
        f"{1e3 * r['per_area_forest_mol_m2']:.4f} | {1e3 * r['per_area_alone_mol_m2']:.4f} | "
        f"{r['dT_tip_forest_K']:.2f} | "
        f"{r['dT_tip_alone_K']:.2f} |\n"
        for r in rows
    )
    return head + body


def main(argv: list[str] | None = None) -> list[dict]:
    """Parse the arguments, run, write ``shielding.csv`` / ``shielding.md``."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.forest_shielding")
    ap.add_argument("--case", default="forest-3d")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--forest", type=Path, help="a finished run of the forest case")
    ap.add_argument("--out", type=Path, default=Path("results/forest-shielding"))
    ap.add_argument("--picture", type=Path, help="also draw the forest panel (.png)")
    ap.add_argument("--check-3d", action="store_true", help="d01 alone in 3D as well")
    ap.add_argument("--reuse", action="store_true", help="read single runs already in OUT")
    args = ap.parse_args(argv)
    case = api.load_case(args.case, args.set)
    forest = Result.load(args.forest) if args.forest else _run(case, args.out / "forest")
    rows = compare(case, forest, args.out, args.reuse)
    table = markdown(rows)
    if args.check_3d:
        table += "\n" + formulation_check(case, forest, args.out, args.reuse) + "\n"
    if args.picture:
        from dendrisim.post.views.forest_view import forest_panel

        tips = [(d.x_um, d.y_um, d.length_um) for d in spec.layout(case.geometry).dendrites]
        parallel.on_root(lambda: forest_panel(forest, args.picture, tips_um=tips))

    def write() -> None:
        args.out.mkdir(parents=True, exist_ok=True)
        with (args.out / "shielding.csv").open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        (args.out / "shielding.md").write_text(table, encoding="utf-8")
        print(f"forest stop: {forest.stop_reason}\n{table}")

    parallel.on_root(write)
    return rows


if __name__ == "__main__":
    main()
