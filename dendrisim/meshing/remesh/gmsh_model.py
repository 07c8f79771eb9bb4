"""Rebuild and mesh a 2D gmsh model from boundary chains (runs in a gmsh child process).

Pure numpy and gmsh, no dolfinx: :mod:`.gmsh_driver` pickles the chains (polylines between
junctions, with their physical group and the regions on each side) and target sizes and
runs :func:`main` in a child process (``python -m dendrisim.meshing.remesh.gmsh_model IN
OUT``) with a time limit, because gmsh can loop forever on a degenerate boundary.  Regions
are rebuilt from their boundary loops (holes included) with the same physical-group names
and ids.  Lengths in µm.
"""

from __future__ import annotations

import math
import pickle
import sys
from pathlib import Path

import numpy as np

from dendrisim.meshing.remesh.errors import RebuildError
from dendrisim.meshing.remesh.polyline import (
    GRADING,
    Chain,
    Sizing,
    inside,
    region_loops,
    resample,
    signed_area,
)

DEFAULT_ALGORITHM = 6  # gmsh Frontal-Delaunay


def _add_lines(geo, chains: list[Chain], sizes: list[np.ndarray]) -> None:
    """The gmsh points (shared at chain ends) and lines of every chain (``chain.lines``)."""
    point_of: dict[int, int] = {}
    for c, h in zip(chains, sizes, strict=True):
        if c.new_pts is None:
            c.new_pts = resample(c.pts, h)
    lc_at = {}  # local size at every new point: the spacing around it
    for c in chains:
        seg = np.linalg.norm(np.diff(c.new_pts, axis=0), axis=1)
        c.lc = np.minimum(np.concatenate([seg, seg[-1:]]), np.concatenate([seg[:1], seg]))
        for end, val in ((c.ids[0], c.lc[0]), (c.ids[-1], c.lc[-1])):
            lc_at[end] = min(lc_at.get(end, np.inf), val)
    for c in chains:
        tags = []
        for j, p in enumerate(c.new_pts):
            if j == 0 or j == len(c.new_pts) - 1:
                vid = c.ids[0] if j == 0 else c.ids[-1]
                if vid not in point_of:
                    point_of[vid] = geo.addPoint(p[0], p[1], 0.0, lc_at[vid])
                tags.append(point_of[vid])
            else:
                tags.append(geo.addPoint(p[0], p[1], 0.0, c.lc[j]))
        c.lines = [geo.addLine(a, b) for a, b in zip(tags[:-1], tags[1:], strict=True)]


def _add_surfaces(
    geo, chains: list[Chain], regions: dict[int, str]
) -> tuple[dict[int, list[int]], dict[int, float]]:
    """Plane surfaces of every region (outer loops with their holes); their areas [µm²]."""
    areas: dict[int, float] = {}
    surfaces: dict[int, list[int]] = {}
    for rid in regions:
        loops = region_loops(chains, rid)
        outer = [lp for lp in loops if signed_area(lp[1]) > 0]
        holes = [lp for lp in loops if signed_area(lp[1]) <= 0]
        areas[rid] = sum(signed_area(lp[1]) for lp in loops)
        for seq, poly in outer:
            inner = [h for h in holes if inside(h[1][0], poly)]
            loop_tags = []
            for s_seq, _ in [(seq, poly)] + inner:
                lines = []
                for s in s_seq:
                    ls = chains[abs(s) - 1].lines
                    lines += ls if s > 0 else [-t for t in reversed(ls)]
                loop_tags.append(geo.addCurveLoop(lines))
            surfaces.setdefault(rid, []).append(geo.addPlaneSurface(loop_tags))
    return surfaces, areas


def _add_groups(
    chains: list[Chain],
    surfaces: dict[int, list[int]],
    regions: dict[int, str],
    facet_names: dict[int, str],
) -> None:
    """Physical groups with the ids and names of the old mesh."""
    import gmsh

    for rid, name in regions.items():
        if surfaces.get(rid):
            gmsh.model.addPhysicalGroup(2, surfaces[rid], tag=rid, name=name)
    for tag, name in facet_names.items():
        lines = [t for c in chains if c.tag == tag for t in c.lines]
        if lines:
            gmsh.model.addPhysicalGroup(1, lines, tag=tag, name=name)


def _generate(sizing: Sizing, algorithm: int) -> None:
    """Mesh options (sizes from the background field only) and 2D meshing."""
    import gmsh

    opt = gmsh.option.setNumber
    opt("Mesh.MeshSizeExtendFromBoundary", 0)
    opt("Mesh.MeshSizeFromPoints", 0)
    opt("Mesh.MeshSizeFromCurvature", 0)
    opt("Mesh.MeshSizeMax", sizing.h_bulk)
    opt("Mesh.Algorithm", algorithm)
    opt("Mesh.Optimize", 1)
    opt("Mesh.ElementOrder", 1)
    opt("Mesh.SaveAll", 0)
    gmsh.model.mesh.generate(2)


def build_gmsh_model(
    chains: list[Chain],
    sizes: list[np.ndarray],
    regions: dict[int, str],
    facet_names: dict[int, str],
    moving_tags: list[int],
    sizing: Sizing,
    algorithm: int = DEFAULT_ALGORITHM,
) -> dict[int, float]:
    """Create and mesh the gmsh model (inside a gmsh session); region areas [µm²]."""
    import gmsh

    geo = gmsh.model.geo
    _add_lines(geo, chains, sizes)
    surfaces, areas = _add_surfaces(geo, chains, regions)
    geo.synchronize()
    _add_groups(chains, surfaces, regions, facet_names)
    _size_field(
        [
            (t, ln)
            for c in chains
            if c.tag in moving_tags
            for t, ln in zip(c.lines, np.diff(c.new_pts, axis=0), strict=True)
        ],
        sizing,
    )
    _generate(sizing, algorithm)
    return areas


def _size_field(moving: list[tuple[int, np.ndarray]], sizing: Sizing) -> None:
    """Background size field: h_interface at the reacting lines, growing by GRADING.

    Finer where the resampled reacting lines are finer (thin parts of the dendrite): one
    distance field per factor-2 size class, each graded the same way up to h_bulk.
    """
    import gmsh

    from dendrisim.geometry.sizing import graded_threshold, set_background_min

    fld = gmsh.model.mesh.field
    h_i, h_b = sizing.h_interface, sizing.h_bulk
    classes: dict[int, list[int]] = {}
    for tag, vec in moving:
        length = float(np.linalg.norm(vec))
        # class of the line's spacing (snapping may shorten a line to 2/3 of its target)
        k = max(0, int(math.floor(math.log2(h_i / max(length, 1e-300)) + 0.25)))
        classes.setdefault(k, []).append(tag)
    fields = []
    for k, lines in sorted(classes.items()):
        h0 = h_i / 2**k
        dist = fld.add("Distance")
        fld.setNumbers(dist, "CurvesList", lines)
        fields.append(graded_threshold(dist, h0, h_b, GRADING))
    set_background_min(fields, h_b)


def _detach() -> None:
    """Ignore stop signals; die with the parent (Linux).

    The run that started this child decides how to stop: a SIGINT/SIGTERM/SIGUSR1 that
    reaches every process (a job scheduler, a process group) lets the child finish its mesh
    (within the driver's time limit) while the run ends after its step; a parent that
    dies (or kills it on a second signal) takes the child with it, never an orphan.
    """
    import contextlib
    import signal

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
        signal.signal(s, signal.SIG_IGN)
    with contextlib.suppress(Exception):  # PR_SET_PDEATHSIG = 1 (Linux only)
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    """Child process: read the pickled job, build and mesh, write the .msh and areas."""
    import gmsh

    src, out = (argv or sys.argv[1:])[:2]
    job = pickle.loads(Path(src).read_bytes())
    _detach()
    gmsh.initialize(interruptible=False)
    _detach()  # gmsh.initialize resets SIGTERM
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add("remesh")
    algorithm = job.get("algorithm", DEFAULT_ALGORITHM)
    try:
        gmsh.option.setNumber("Mesh.Algorithm", algorithm)
        areas = build_gmsh_model(
            job["chains"],
            job["sizes"],
            job["regions"],
            job["facet_names"],
            job["moving_tags"],
            job["sizing"],
            algorithm=algorithm,
        )
        gmsh.write(out)
        Path(out + ".areas").write_bytes(pickle.dumps(areas))
    except RebuildError as exc:
        Path(out + ".error").write_text(str(exc), encoding="utf-8")
        return 3
    finally:
        gmsh.finalize()
    return 0


if __name__ == "__main__":
    sys.exit(main())
