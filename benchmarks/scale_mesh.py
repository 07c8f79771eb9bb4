"""Meshes of ``bench_scale``: the 3D fig5-stable cell at 0.1M, 0.3M and 1M cells.

0.1M and 0.3M are generated directly (``geometry.mesh_size_bulk_um`` 0.0625 and 0.04).
The 1M mesh is a gmsh mesh of ~0.13M cells (bulk size 0.055 µm) split uniformly once by
``gmsh.model.mesh.refine()`` (every tetrahedron into 8): about two minutes instead of the
34 minutes the direct 0.027 µm mesh (875k cells) took, since gmsh's Delaunay mesher, its
optimisers (gmsh and Netgen) and the distance-based size field are evaluated on the
coarse mesh only.  Why gmsh's refinement and not ``dolfinx.mesh.refine``:

- gmsh places each new edge midpoint on the CAD entity of its edge (the second-order
  node placement, ``Mesh.SecondOrderLinear`` = 0), so the curved walls (the cylinder of
  the unit cell, the needle's flank and cap) stay on the true surfaces as in a directly
  generated mesh; dolfinx puts them on the chords (the cylinder's volume would shrink by
  ~(π h/ R)²/6 of its cross-section per level and the dendrite's surface would keep the
  coarse mesh's facets);
- the physical groups live on the gmsh entities, so every region and boundary group of
  the coarse mesh is kept with its id, and the refined file is an ordinary .msh that
  loads through ``geometry.mesh`` like any user's mesh (no tag transfer, the same mesh on
  1 and N ranks).

The refined mesh is not the graded mesh of a 0.027 µm bulk size: the interface size is
halved too (0.0085 µm instead of 0.017), so more of its cells sit near the interface;
the benchmark measures the cost per cell and per step, for which this does not matter.
Measured (2026-11-30): 134 284 coarse cells (gamma >= 0.331, dendrisim's mean-ratio
quality >= 0.481) -> 1 074 272 after the split (gamma >= 0.083: 673 cells below 0.2,
mean ratio >= 0.300) -> 1 074 278 after gmsh's default optimiser (5.7 s; gamma >= 0.202,
mean ratio >= 0.340, above ``interface.remesh_quality`` = 0.2, so the run starts on a mesh
it would not remesh).  gmsh moves no boundary node in that pass.
"""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

CASE = "fig5-stable"
# label -> (geometry.mesh_size_bulk_um, uniform refinements) of the 3D fig5-stable cell
# (0.13M is the 1M mesh before its split: the pair measures the Krylov growth under
# uniform refinement for the projection)
SIZES = {"0.1M": (0.0625, 0), "0.13M": (0.055, 0), "0.3M": (0.04, 0), "1M": (0.055, 1)}
# the c–T AMG probe (benchmarks/bench_ctamg.py): label -> (bulk size, uniform refinements,
# interface size [µm] or None for the case's); 43k cells, the same with the interface size
# halved (graded, 133k), and the 43k mesh split once (344k)
PROBES = {"43k": (0.125, 0, None), "43k-if": (0.125, 0, 0.0085), "43k-split": (0.125, 1, None)}


def spec(size: str) -> tuple[float, int, float | None]:
    """(bulk size [µm], uniform refinements, interface size [µm] or None) of a label."""
    return PROBES[size] if size in PROBES else (*SIZES[size], None)


def mesh_overrides(bulk_um: float, interface_um: float | None = None) -> dict:
    """Case keys of a scale mesh (3D, bulk size, optionally the interface size)."""
    over = {"geometry.formulation": "3d", "geometry.mesh_size_bulk_um": bulk_um}
    if interface_um is not None:
        over["geometry.mesh_size_interface_um"] = interface_um
    return over


def mesh_path(size: str, cache: Path) -> Path:
    """Where the .msh of ``size`` is cached."""
    bulk, refine, interface = spec(size)
    tail = f"-r{refine}" if refine else ""
    tail += f"-if{interface:g}" if interface is not None else ""
    return cache / f"scale-{CASE}-3d-{bulk:g}{tail}.msh"


def _refined(size: str, msh: Path) -> dict:
    """Generate, refine and write the mesh of ``size`` (one process); the report."""
    import gmsh

    from dendrisim.config import load_case
    from dendrisim.geometry.build import build_model, gmsh_session
    from dendrisim.geometry.generator import layout, report_path
    from dendrisim.geometry.report import make_report

    bulk, refine, interface = spec(size)
    geo = load_case(CASE, mesh_overrides(bulk, interface)).geometry
    lay = layout(geo)
    t0 = time.perf_counter()
    with gmsh_session(f"scale-{size}"):
        groups = build_model(lay)
        coarse_s = time.perf_counter() - t0
        for _ in range(refine):
            gmsh.model.mesh.refine()
            gmsh.model.mesh.optimize("")  # the few split tetrahedra below gamma 0.3
        seconds = time.perf_counter() - t0
        rep = make_report(lay, groups, geo.shape, seconds)
        msh.parent.mkdir(parents=True, exist_ok=True)
        gmsh.write(str(msh))
    rep.path = str(msh)
    out = {**rep.to_dict(), "coarse_s": coarse_s, "refinements": refine}
    out["peak_rss_MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report_path(msh).write_text(json.dumps(out, indent=2), encoding="utf-8")
    return out


def make_mesh(size: str, cache: Path) -> Path:
    """The .msh of ``size`` in ``cache`` (generated once, in a child process)."""
    import subprocess
    import sys

    msh = mesh_path(size, cache)
    if not msh.exists():
        cmd = [sys.executable, "-m", "benchmarks.scale_mesh", size, str(msh)]
        root = Path(__file__).resolve().parent.parent
        subprocess.run(cmd, check=True, cwd=root)
    return msh


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="generate one bench_scale mesh")
    ap.add_argument("size", choices=[*SIZES, *PROBES])
    ap.add_argument("msh")
    a = ap.parse_args()
    r = _refined(a.size, Path(a.msh))
    print(
        f"  {a.size}: {r['cells']} cells in {r['seconds']:.0f} s (coarse {r['coarse_s']:.0f} s, "
        f"{r['refinements']} refinement), gamma_min {r['quality_gamma_min']:.3f}, "
        f"peak {r['peak_rss_MB']:.0f} MB",
        flush=True,
    )
