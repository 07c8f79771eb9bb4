"""The 3D remesher of a run: extract, thin Li, rebuild with gmsh, report (collective).

Route (docs/moving-surface.md): the moved boundary triangles are gathered to every rank
(:mod:`.extract3d`); Li thinner than a quarter of the original reacting-surface size is
turned into electrolyte, and Li that touches itself along an edge or at a vertex (a neck
about to pinch off) too; gmsh then rebuilds the model from discrete entities in a child
process with a time limit (:mod:`.gmsh_model3d`): the outer walls keep their triangles
(exact cylinder and planes), the surfaces between regions are reparametrised and remeshed
at the target sizes, the volumes are meshed, the reacting surfaces offset so that every
enclosed volume is kept.  dolfinx distributes the new mesh like a generated one, so it
is the same on 1 and N ranks.  The caller transfers the fields.
"""

from __future__ import annotations

import logging
import pickle
import shutil
import tempfile
from pathlib import Path

import numpy as np

from dendrisim.core import groups as G
from dendrisim.core import parallel
from dendrisim.core.units import M_TO_UM, UM3_TO_M3
from dendrisim.meshing.remesh.errors import RemeshError
from dendrisim.meshing.remesh.extract3d import (
    ELECTROLYTE_ID,
    LITHIUM_ID,
    boundary_triangles,
    thin_cells,
)
from dendrisim.meshing.remesh.polyline import Sizing
from dendrisim.meshing.remesh.regions3d import islands, pinch_vertices
from dendrisim.meshing.remesh.remesher import RemeshReport
from dendrisim.meshing.remesh.shell3d import SEI_ID, refuse_removal, shell_sizes
from dendrisim.meshing.remesh.spacing import CELLS_ACROSS, THIN_FRACTION
from dendrisim.meshing.remesh.surface3d import (
    Triangles,
    discrete_topology,
    local_thickness,
    pieces_near,
    snap_keys,
)

log = logging.getLogger("dendrisim")

CHILD_MODULE_3D = "dendrisim.meshing.remesh.gmsh_model3d"
ALGORITHMS_3D = (1, 10)  # Delaunay, then HXT
PINCH_PASSES = 3  # rounds of (recompute the boundary, remove Li around pinches)
THIN_RETRY = (1.0, 2.0, 4.0)  # thin-Li thresholds (x THIN_FRACTION h) tried in turn
# the last try: Li thinner than two cells removed, but only on the dendrites where gmsh's
# worst cells are (a thread of a nearly consumed dendrite; the others keep their Li)
THREAD_FACTOR = 8.0
# per gmsh attempt in 3D: the 65k-cell forest-3d took more than the 2D limit (30 s) on a
# shared 2-core machine (issue #16); the limit only bounds a gmsh that loops
REBUILD_TIMEOUT_3D_S = 600.0


def sizing_from_triangles(t: Triangles, moving_tags: list[int]) -> Sizing:
    """Sizes of the mesh as generated: reacting-surface median edge, largest boundary edge."""
    p = t.x[t.tri]
    lengths = np.linalg.norm(p - np.roll(p, 1, axis=1), axis=2)
    moving = np.isin(t.tag, moving_tags)
    h_i = float(np.median(lengths[moving])) if moving.any() else float(np.median(lengths))
    h_b = max(float(lengths.max()), h_i)
    return Sizing(h_interface=h_i, h_bulk=h_b, h_min=THIN_FRACTION * h_i / CELLS_ACROSS)


class Remesher3D:
    """Rebuilds the 3D meshes of one run (create on the initial mesh: it records its sizes).

    Args:
        bundle: the initial mesh bundle (3D; with a resolved SEI shell the shell's two
            surfaces are kept and remeshed, :mod:`.shell3d`).
        moving_names: names of the receding facet groups (those the mesh has count).
        quality_floor: a new mesh whose worst cell is below this is refused (the next
            gmsh algorithm is tried).
    """

    def __init__(self, bundle, moving_names: list[str], quality_floor: float = 0.0):
        self.quality_floor = quality_floor
        self.formulation = bundle.formulation
        self.groups = dict(bundle.groups)
        self.shell = G.SEI in self.groups
        self.moving_tags = [bundle.id(n) for n in moving_names if bundle.has(n)]
        self.sizing = sizing_from_triangles(boundary_triangles(bundle), self.moving_tags)
        self.count = 0

    def _names(self, dim: int) -> dict[int, str]:
        return {gid: name for name, (d, gid) in self.groups.items() if d == dim}

    def remesh(self, bundle, msh_path: str | Path | None = None):
        """A new MeshBundle from the current boundaries of ``bundle`` (collective).

        Returns ``(new bundle, RemeshReport)`` (``area_change``: the relative change of
        each region's volume); raises :class:`RemeshError` when it cannot be rebuilt.
        """
        new_bundle, info, override, li_removed = self._thin_and_rebuild(bundle, msh_path)
        self.count += 1
        change = {
            name: (info["new"][r] - info["old"][r]) / info["old"][r]
            for r, name in self._names(3).items()
            if info["old"].get(r)
        }
        report = RemeshReport(
            bundle.mesh.topology.index_map(3).size_global,
            new_bundle.mesh.topology.index_map(3).size_global,
            change,
            str(msh_path) if msh_path is not None else None,
            li_removed_m3=li_removed,
            quality_min=info.get("quality_min"),
            li_removed_cells=removed_cells(bundle, override),
        )
        return new_bundle, report

    def _thin_and_rebuild(self, bundle, msh_path):
        """Thin Li removed, pinches opened, rebuilt; retried with a thicker thin threshold.

        The last threads of a dendrite (a few cells across, at its foot) can give gmsh no
        mesh above the quality floor; the rebuild is then retried with the thin-Li
        threshold times :data:`THIN_RETRY` (the thread is removed: counted as removed Li),
        and last with :data:`THREAD_FACTOR`, only on the dendrites at gmsh's worst cells
        (or at the pinches of a thread that the pinch removal could not open).
        """
        tris0 = boundary_triangles(bundle)
        factors = THIN_RETRY[:1] if self.shell else (*THIN_RETRY, THREAD_FACTOR)
        only = None
        h = self.sizing.h_interface
        for i, factor in enumerate(factors):
            eps = min(factor, THIN_RETRY[-1]) * THIN_FRACTION * h  # x 8 only at `only`
            override, li_removed = thin_cells(
                bundle, tris0, self.moving_tags, eps, only, factor * THIN_FRACTION * h
            )
            if self.shell:
                refuse_removal(eps, parallel.global_any(bool(override), bundle.mesh.comm), False)
            try:  # a thread that keeps pinching is removed by a thicker threshold
                tris, override, li_removed = self._unpinch(
                    bundle, tris0, override, li_removed, msh_path
                )
                new_bundle, info = self._rebuild(bundle.mesh.comm, self._job(tris), msh_path)
                return new_bundle, info, override, li_removed
            except RemeshError as exc:
                if factor == factors[-1]:
                    raise
                if factors[i + 1] == THREAD_FACTOR:
                    only = self._failed_dendrites(tris0, exc)
                    if not only.any():  # gmsh's worst cells are at no dendrite
                        raise
                log.info("%s; retried with the thin-Li threshold x %g", exc, factors[i + 1])
        raise AssertionError("unreachable")

    def _failed_dendrites(self, tris: Triangles, exc: RemeshError) -> np.ndarray:
        """Vertices (mask over ``tris.x``) of the dendrite surfaces at gmsh's worst cells."""
        sel = np.flatnonzero(np.isin(tris.tag, self.moving_tags) & (tris.inner == LITHIUM_ID))
        return pieces_near(tris, sel, exc.bad_cells_um, 2.0 * self.sizing.h_interface)

    def _unpinch(self, bundle, tris: Triangles, override: dict[int, int], removed: float, keep):
        """Boundary with thin Li removed and no Li touching itself (``override`` grows).

        When the Li still touches itself, the boundary and the pinches are kept next to
        ``keep`` (the new mesh's path, if any) as ``.pinch.pkl``, for a bug report.
        """
        comm = bundle.mesh.comm
        interface = self.groups[G.INTERFACE][1]
        for _ in range(PINCH_PASSES):
            if parallel.global_any(bool(override), comm):
                tris = boundary_triangles(bundle, override, interface)
            pinch = pinch_vertices(tris, LITHIUM_ID)
            small = islands(tris, discrete_topology(tris), LITHIUM_ID, self.sizing.h_interface**3)
            if self.shell:  # the same triangles on every rank: every rank decides alike
                pinch_sei = pinch_vertices(tris, SEI_ID)
                refuse_removal(0.0, False, bool(len(pinch) or len(pinch_sei) or small))
            if not len(pinch) and not small:
                return tris, override, removed
            more, vol = _cells_at(bundle, pinch, override, self.sizing.h_interface)
            for pts in small:  # Li pieces smaller than a cell: every vertex on their surface
                drop, v = _cells_at(bundle, pts, {**override, **more}, self.sizing.h_interface)
                more.update(drop)
                vol += v
            override.update(more)
            removed += vol
        kept = ""
        if keep is not None:
            path = Path(keep).with_suffix(".pinch.pkl")
            data = {"triangles": tris, "pinch_um": pinch, "small_um": small}
            parallel.on_root(lambda: path.write_bytes(pickle.dumps(data)), comm)
            kept = f" (the boundary is kept in {path.name})"
        raise RemeshError(
            f"the Li still touches itself after {PINCH_PASSES} passes of removing the Li "
            f"around the pinches{kept}",
            np.concatenate([pinch.reshape(-1, 3), *[np.reshape(q, (-1, 3)) for q in small]]),
        )

    def _job(self, tris: Triangles) -> dict:
        """The child's input: triangles, target sizes at the reacting-surface vertices."""
        s = self.sizing
        sel = np.flatnonzero(np.isin(tris.tag, self.moving_tags) & (tris.inner == LITHIUM_ID))
        if sel.size:
            verts, thick = local_thickness(tris, sel, floor_z_um=0.0)
            h = np.clip(thick / CELLS_ACROSS, s.h_min, s.h_interface)
        else:
            verts, h = np.zeros(1, dtype=np.int64), np.array([s.h_bulk])
        if self.shell:  # the shell resolved as generated (shell3d.SEI_CELLS_ACROSS)
            sv, sh = shell_sizes(tris, s)
            verts, h = np.concatenate([verts, sv]), np.concatenate([h, sh])
        return {
            "triangles": tris,
            "size_points": tris.x[verts],
            "size_values": h,
            "sizing": s,
            "moving_tags": self.moving_tags,
            "regions": self._names(3),
            "facet_names": self._names(2),
            "quality_floor": self.quality_floor,
        }

    def _rebuild(self, comm, job: dict, msh_path):
        """Mesh ``job`` in the gmsh child on rank 0, check it, distribute it (collective)."""
        from dendrisim.meshing.load import gmsh_on_root, load_gmsh_model
        from dendrisim.meshing.remesh.gmsh_driver import mesh_in_child

        info: dict = {}

        def build() -> dict:
            import gmsh

            from dendrisim.meshing.load import check_model

            tmp = Path(tempfile.mkdtemp(prefix="dendrisim-remesh3d-"))
            try:
                out, got = mesh_in_child(
                    job, msh_path, tmp, CHILD_MODULE_3D, ALGORITHMS_3D, REBUILD_TIMEOUT_3D_S
                )
                gmsh.open(str(out))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            info.update(got)
            return check_model(self.formulation)

        try:
            with gmsh_on_root(comm):
                bundle = load_gmsh_model(comm, unit="um", formulation=self.formulation, check=build)
        except RemeshError:
            raise
        except Exception as exc:  # gmsh or the model check: say what failed
            raise RemeshError(f"remeshing failed: {exc}") from exc
        return bundle, parallel.broadcast(info, comm)


def removed_cells(bundle, override: dict[int, int]) -> np.ndarray:
    """Rows (x, y, z of the centre [m], volume [m^3]) of the owned Li cells ``override`` removes."""
    mesh = bundle.mesh
    n_owned = mesh.topology.index_map(3).size_local
    cells = np.array(sorted(c for c in override if c < n_owned), dtype=np.int64)
    if not cells.size:
        return np.zeros((0, 4))
    x = mesh.geometry.x[mesh.geometry.dofmaps[0][cells]]  # (n, 4, 3) [m]
    vol = np.abs(np.linalg.det(x[:, 1:] - x[:, :1])) / 6.0
    return np.column_stack([x.mean(axis=1), vol])


def _cells_at(bundle, pts_um: np.ndarray, override: dict[int, int], depth_um: float):
    """Li cells with a vertex at ``pts_um`` (-> electrolyte), centres above -``depth_um``.

    Also just under the foil plane: where a thread was removed down to the foil, cells
    that straddle the plane leave a jagged floor, and the Li can touch itself below it
    (``depth_um``: one interface cell; the foil's larger cells further down stay).
    """
    mesh = bundle.mesh
    ct = bundle.cell_tags
    cells = ct.indices[ct.values == LITHIUM_ID]
    cells = np.array([c for c in cells if int(c) not in override], dtype=np.int64)
    out: dict[int, int] = {}
    removed = 0.0
    if cells.size:
        x = mesh.geometry.x[mesh.geometry.dofmaps[0][cells]] * M_TO_UM
        keys = {tuple(k) for k in snap_keys(pts_um)}
        hit = [
            i
            for i in range(len(cells))
            if x[i].mean(axis=0)[2] > -depth_um and any(tuple(k) in keys for k in snap_keys(x[i]))
        ]
        n_owned = mesh.topology.index_map(3).size_local
        for i in hit:
            out[int(cells[i])] = ELECTROLYTE_ID
            if cells[i] < n_owned:
                removed += abs(np.linalg.det(x[i][1:] - x[i][0])) / 6.0 * UM3_TO_M3
    return out, parallel.global_sum(removed, mesh.comm)
