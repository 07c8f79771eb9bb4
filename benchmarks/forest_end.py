"""A 3D forest followed with remeshing to the end: when each dendrite vanished, and the run.

Reads a finished forest run (or runs the case first) and writes ``forest_end.md``: per
dendrite its size, when it was gone (the first row with ``li_retention_dNN`` = 0), its
retention and tip temperature at chosen times, the Li the remeshes removed from it; and
for the run its stop, remesh count, worst cell of every remeshed mesh (from log.txt's
remesh lines and ``mesh_quality_min``), largest species/energy balance residuals and the
gap of volume- and mole-based retention.  Accuracy figures, no timings.

Commands::

    nice mpiexec -n 2 python -m dendrisim run forest-3d -o results/forest-3d-end \
        --set time.end_s=40 --set output.fields_every_s=2
    python -m benchmarks.forest_end --forest results/forest-3d-end --times 9 13 13.7634 \
        --mesh-picture docs/img/forest_end.png \
        --meshes mesh.msh mesh_remesh1.msh mesh_remesh3.msh --mesh-times 0 13.7302 13.759

(``--mesh-picture``: the Li of the run's mesh files, for a run whose field output ends
before its remeshes; ``--picture``: the field-based panel of forest_shielding.)
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from dendrisim import api
from dendrisim.core import parallel
from dendrisim.geometry import spec
from dendrisim.io.result import Result


def gone_time(ts, tag: str) -> float:
    """First time the dendrite's retention is 0 (NaN: never)."""
    ret = np.asarray(ts[f"li_retention_{tag}"])
    hit = np.flatnonzero(ret == 0.0)
    return float(np.asarray(ts["time_s"])[hit[0]]) if hit.size else math.nan


def _at(ts, col: str, t: float) -> float:
    time = np.asarray(ts["time_s"])
    return float(np.asarray(ts[col])[min(np.searchsorted(time, t - 1e-12), len(time) - 1)])


def initial_moles(res: Result) -> float:
    """The dendrites' initial Li [mol]: consumed / (1 - mole-based retention), last row."""
    ts = res.timeseries
    return float(ts["li_consumed_mol"][-1] / (1.0 - ts["li_retention_from_moles"][-1]))


def needle_volume_um3(d) -> float:
    """Volume of a needle [µm³]: cylinder to L - R, hemispherical cap."""
    r = 0.5 * d.diameter_um
    return math.pi * r * r * (d.length_um - r) + 2.0 / 3.0 * math.pi * r**3


def rows(case, res: Result, times: list[float]) -> list[dict]:
    """One row per dendrite (see module doc); consumed and removed as fractions of the
    dendrite's initial Li (the run's initial moles shared by the needles' volumes)."""
    out = []
    dendrites = spec.layout(case.geometry).dendrites
    if any(d.shape != "needle" for d in dendrites):
        raise SystemExit("forest_end: the per-dendrite fractions need a forest of needles")
    # the geometric volumes: the meshed needles are 2-4 % smaller (flat facets), so a
    # gone needle's consumed + removed is 1 only to a few per cent
    volumes = np.array([needle_volume_um3(d) for d in dendrites])
    n0 = initial_moles(res) * volumes / volumes.sum()
    for k, d in enumerate(dendrites):
        tag = f"d{k + 1:02d}"
        row = {"dendrite": tag, "D_um": d.diameter_um, "L_um": d.length_um}
        row["gone_s"] = gone_time(res, tag)
        for t in times:
            row[f"ret_{t:g}"] = _at(res, f"li_retention_{tag}", t)
            row[f"Ttip_{t:g}"] = _at(res, f"T_tip_K_{tag}", t)
        removed = f"li_removed_mol_{tag}"
        row["removed_mol"] = (
            float(np.asarray(res[removed])[-1]) if removed in res.timeseries else 0.0
        )
        row["consumed"] = float(np.asarray(res[f"li_consumed_mol_{tag}"])[-1]) / n0[k]
        row["removed"] = row["removed_mol"] / n0[k]
        out.append(row)
    return out


def run_lines(res: Result) -> list[str]:
    """The run's stop, remeshes, worst cells and balances."""
    ts = res.timeseries
    removed = sum(np.asarray(ts[c]) for c in ts if c.startswith("li_removed_mol_d"))
    held = ts["li_retention_from_moles"] - removed / initial_moles(res)  # moles kept in Li
    gap = np.abs(ts["li_retention"] - held)
    log = (Path(res.path) / "log.txt").read_text(encoding="utf-8").splitlines()
    remeshes = [ln for ln in log if "remeshed (" in ln]
    q = ts["mesh_quality_min"][1:]
    return [
        f"stop {res.stop_reason} at t = {ts['time_s'][-1]:.4g} s, {len(ts['time_s']) - 1} steps, "
        f"{len(remeshes)} remeshes, Li retention {ts['li_retention'][-1]:.4f} (volume) / "
        f"{ts['li_retention_from_moles'][-1]:.4f} (moles), T_interface_max "
        f"{ts['T_interface_max_K'].max():.1f} K",
        f"worst cell stepped on {np.nanmin(q):.3f}; |V - (1 - (consumed + removed) / initial)| "
        f"max {gap.max():.2e}; "
        f"species balance max {np.nanmax(np.abs(ts['species_balance_rel'])):.1e}, energy "
        f"balance max {np.nanmax(np.abs(ts['energy_balance_rel'])):.1e}",
    ]


def markdown(table: list[dict], times: list[float], lines: list[str]) -> str:
    """The table and the run lines as Markdown."""
    cols = " | ".join(f"ret {t:g} s | T tip {t:g} s K" for t in times)
    head = f"| dendrite | D µm | L µm | gone at s | {cols} | consumed | removed at remeshes |\n"
    head += "|---|---:|---:|---:|" + "---:|" * (2 * len(times) + 2) + "\n"
    body = ""
    for r in table:
        vals = " | ".join(f"{r[f'ret_{t:g}']:.4f} | {r[f'Ttip_{t:g}']:.1f}" for t in times)
        gone = "—" if math.isnan(r["gone_s"]) else f"{r['gone_s']:.6g}"
        body += (
            f"| {r['dendrite']} | {r['D_um']:.3f} | {r['L_um']:.3f} | {gone} | {vals} | "
            f"{r['consumed']:.4f} | {r['removed']:.4f} |\n"
        )
    return head + body + "\n" + "\n".join(f"- {ln}" for ln in lines) + "\n"


def main(argv: list[str] | None = None) -> list[dict]:
    """Parse the arguments, (run,) write ``forest_end.md`` into ``--out``."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.forest_end")
    ap.add_argument("--case", default="forest-3d")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--forest", type=Path, help="a finished run of the forest case")
    ap.add_argument("--out", type=Path, default=Path("results/forest-end"))
    ap.add_argument("--times", type=float, nargs="+", default=[9.0])
    ap.add_argument("--picture", type=Path, help="also draw the forest panel (.png)")
    ap.add_argument("--picture-times", type=float, nargs=3, help="the panel's three times")
    ap.add_argument("--mesh-picture", type=Path, help="the Li of mesh files (.png)")
    ap.add_argument("--meshes", nargs="+", default=["mesh.msh"])
    ap.add_argument("--mesh-times", type=float, nargs="+", default=[0.0])
    args = ap.parse_args(argv)
    case = api.load_case(args.case, args.set)
    if args.forest is None:
        args.forest = args.out / "forest"
        api.run(case, out=args.forest, force=True, quiet=True)
    res = Result.load(args.forest, warn=False)
    table = rows(case, res, args.times)
    text = markdown(table, args.times, run_lines(res))
    if args.picture:
        from dendrisim.post.views.forest_view import forest_panel

        tips = [(d.x_um, d.y_um, d.length_um) for d in spec.layout(case.geometry).dendrites]
        parallel.on_root(
            lambda: forest_panel(res, args.picture, times=args.picture_times, tips_um=tips)
        )

    if args.mesh_picture:
        tips = [(d.x_um, d.y_um, d.length_um) for d in spec.layout(case.geometry).dendrites]
        parallel.on_root(
            lambda: mesh_panel(args.forest, args.meshes, args.mesh_times, args.mesh_picture, tips)
        )

    def write() -> None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "forest_end.md").write_text(text, encoding="utf-8")
        print(text)

    parallel.on_root(write)
    return table


def li_surface_from_msh(path: Path):
    """The Li surface above the foil (z >= 0) of a run's mesh file (µm), as PyVista data."""
    import meshio
    import pyvista as pv

    m = meshio.read(path)
    cells = [(c, d) for c, d in zip(m.cells, m.cell_data["gmsh:physical"], strict=True)]
    tets = np.concatenate([c.data[d == 1] for c, d in cells if c.type == "tetra"])  # lithium
    grid = pv.UnstructuredGrid({pv.CellType.TETRA: tets}, m.points)
    surf = grid.extract_surface(algorithm=None)
    return surf.clip(normal=(0, 0, -1), origin=(0, 0, -1e-3), invert=True)


def mesh_panel(folder: Path, meshes: list[str], times: list[float], png: Path, tips) -> str:
    """The Li of the mesh files ``meshes`` in ``folder`` (as built at ``times``).

    mesh.msh, mesh_remeshK.msh; coloured by height, with the dendrite labels.
    """
    import pyvista as pv

    p = pv.Plotter(off_screen=True, shape=(1, len(meshes)), window_size=(700 * len(meshes), 720))
    labels = [f"d{k + 1:02d}" for k in range(len(tips))]
    top = max(z for _, _, z in tips)
    for i, (name, t) in enumerate(zip(meshes, times, strict=True)):
        p.subplot(0, i)
        s = li_surface_from_msh(folder / name)
        s.point_data["height (µm)"] = s.points[:, 2]
        bar = {  # vertical, at the right: a horizontal bar's tick labels ran into its title
            "vertical": True, "position_x": 0.86, "position_y": 0.25, "width": 0.06,
            "height": 0.5, "n_labels": 4, "fmt": "%.2f", "title_font_size": 14,
            "label_font_size": 12,
        }  # fmt: skip
        p.add_mesh(
            s, scalars="height (µm)", clim=(0.0, top), cmap="viridis", smooth_shading=True,
            show_edges=True, edge_color="black", line_width=0.2,
            show_scalar_bar=i == len(meshes) - 1, scalar_bar_args=bar,
        )  # fmt: skip
        pts = [(x, y, z + 0.04 * (1 + k % 2)) for k, (x, y, z) in enumerate(tips)]
        p.add_point_labels(
            pts, labels, font_size=13, point_size=1, shape_opacity=0.3, always_visible=True
        )
        p.add_text(f"{name}: t = {t:.5g} s, {s.n_cells} Li faces", font_size=10)
        p.camera_position = "iso"
        p.camera.elevation = 15
        p.camera.zoom(1.05)
    p.link_views()
    png.parent.mkdir(parents=True, exist_ok=True)
    p.screenshot(str(png))
    p.close()
    return f"wrote {png}"


if __name__ == "__main__":
    main()
