"""The remesher of a run: extract, repair, rebuild with gmsh, report (collective).

When the receding Li surface has distorted the mesh (quality below
``interface.remesh_quality``), the run goes on on a new mesh of the same regions:

1. **extract** (:mod:`.extract`): the region boundaries are gathered from all ranks;
2. **repair** (:mod:`.repair`, pure numpy): thin Li and vertex pinches become electrolyte,
   short edges collapse, chains are resampled on the current polylines (:mod:`.polyline`,
   :mod:`.spacing`);
3. **rebuild** (:mod:`.gmsh_driver`, :mod:`.gmsh_model`): gmsh meshes the regions in a
   child process on rank 0 and dolfinx distributes the new mesh like a generated one.

The caller transfers the fields (:func:`dendrisim.physics.transfer.transfer`).  This is
the 2D remesher (axisymmetric, planar); 3D meshes: :mod:`.remesher3d`.
Lengths: the mesh is in metres; gmsh works in micrometres (its tolerances are absolute).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dendrisim.core import groups as G
from dendrisim.core import parallel
from dendrisim.meshing.remesh.errors import RemeshError
from dendrisim.meshing.remesh.extract import (
    ELECTROLYTE_ID,
    boundary_edges,
    pinch_cells,
    thin_cells,
)
from dendrisim.meshing.remesh.gmsh_driver import RebuildJob, rebuild_mesh
from dendrisim.meshing.remesh.repair import (
    BoundaryEdges,
    collapse_short_edges,
    pinch_vertices,
    sizing_from_edges,
)
from dendrisim.meshing.remesh.spacing import THIN_FRACTION

COLLAPSE_FRACTION = 0.2  # boundary edges shorter than this times h_min are collapsed
PINCH_PASSES = 3  # rounds of (recompute the boundary, remove vertex pinches)


@dataclass
class RemeshReport:
    """What one remesh did: cell counts and the change of each region's area [rel.]."""

    cells_before: int
    cells_after: int
    area_change: dict[str, float]
    msh: str | None = None
    li_removed_m3: float = 0.0  # Li thinner than THIN_FRACTION h removed [m^3]
    time_s: float = 0.0  # simulated time of the remesh [s]
    wall_s: float = 0.0  # wall time it took [s]
    quality_min: float | None = None  # worst cell of the new mesh (3D; 1 = equilateral)
    # 3D: the removed Li cells this rank owned, rows (x, y, z of the centre [m], volume
    # [m^3]); their volumes add up (over the ranks) to li_removed_m3 (forest attribution)
    li_removed_cells: Any = None


class Remesher:
    """Rebuilds meshes of one run (create on the initial mesh: it records its sizes).

    Args:
        bundle: the initial mesh bundle (2D).
        moving_names: names of the receding facet groups (those the mesh has count).
    """

    def __init__(self, bundle, moving_names: list[str]):
        self.formulation = bundle.formulation
        self.groups = dict(bundle.groups)
        self.moving_tags = [bundle.id(n) for n in moving_names if bundle.has(n)]
        self.sizing = sizing_from_edges(boundary_edges(bundle), self.moving_tags)
        self.count = 0

    def _names(self, dim: int) -> dict[int, str]:
        return {gid: name for name, (d, gid) in self.groups.items() if d == dim}

    def remesh(self, bundle, msh_path: str | Path | None = None):
        """A new MeshBundle from the current boundaries of ``bundle`` (collective).

        Returns ``(new bundle, RemeshReport)``; raises :class:`RemeshError` when the
        boundaries cannot be rebuilt.
        """
        edges = boundary_edges(bundle)
        override, li_removed = self._thin_li(bundle, edges)
        edges = self._unpinch(bundle, edges, override)
        job = RebuildJob(
            edges,
            COLLAPSE_FRACTION * self.sizing.h_min,
            self._names(2),
            self._names(1),
            self.moving_tags,
            self.sizing,
            self.formulation,
        )
        cells_before = bundle.mesh.topology.index_map(2).size_global
        new_bundle, area_change = rebuild_mesh(bundle.mesh.comm, job, msh_path)
        self.count += 1
        report = RemeshReport(
            cells_before,
            new_bundle.mesh.topology.index_map(2).size_global,
            area_change,
            str(msh_path) if msh_path is not None else None,
            li_removed_m3=li_removed,
        )
        return new_bundle, report

    def _thin_li(self, bundle, edges: BoundaryEdges) -> tuple[dict[int, int], float]:
        """Cells of Li thinner than THIN_FRACTION h (-> electrolyte), the Li volume [m^3]."""
        eps = THIN_FRACTION * self.sizing.h_interface
        override, li_removed = thin_cells(bundle, edges, self.moving_tags, eps)
        if G.SEI in self.groups and parallel.global_any(bool(override), bundle.mesh.comm):
            raise RemeshError(
                f"the Li under the SEI shell is thinner than {eps:.3g} um somewhere: removing "
                "thin Li together with its shell is not built (a run without a resolved "
                "shell, geometry.sei_thickness_um = 0, goes on to li_exhausted)"
            )
        return override, li_removed

    def _unpinch(self, bundle, edges: BoundaryEdges, override: dict[int, int]) -> BoundaryEdges:
        """The boundary with the thin cells removed and no vertex pinch (``override`` grows)."""
        comm = bundle.mesh.comm
        solid = [self.groups[n][1] for n in (G.LITHIUM, G.SEI) if n in self.groups]
        tol = COLLAPSE_FRACTION * self.sizing.h_min  # shorter boundary edges are collapsed
        for _ in range(PINCH_PASSES):  # thin parts removed, then any vertex pinch left
            if not parallel.global_any(bool(override), comm) and not pinch_vertices(
                collapse_short_edges(edges, tol), solid + [ELECTROLYTE_ID]
            ):
                break
            edges = boundary_edges(bundle, override, self.groups[G.INTERFACE][1])
            merged = collapse_short_edges(edges, tol)
            pinches = pinch_vertices(merged, solid)
            wet = pinch_vertices(merged, [ELECTROLYTE_ID])
            if not pinches and not wet:
                break
            override.update(
                pinch_cells(bundle, override, sorted(set(pinches) | set(wet)), wet, merged.merged)
            )
        return edges
