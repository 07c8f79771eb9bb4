"""Quality and volume utilities of a moving mesh: cell quality, inversion, sizes, volumes.

- :func:`cell_quality`: shape quality and signed size of the owned cells;
- :class:`QualityMonitor`: the global minimum quality, negative once a cell has inverted
  (its signed size changed sign since the monitor was created), and where the worst cell is;
- :class:`SurfaceSizes`: the local size of the moving surfaces at their nodes, to express a
  displacement as a fraction of the local cell size (sub-stepping, step-size control);
- :class:`RegionVolumes`: the volume of a cell region (revolved in axisymmetric).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dendrisim.core import compat, parallel
from dendrisim.core.errors import MeshError
from dendrisim.core.units import M_TO_UM

compat.load_solver_libraries()

import dolfinx  # noqa: E402
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402


def cell_quality(mesh: dolfinx.mesh.Mesh) -> tuple[np.ndarray, np.ndarray]:
    """Shape quality in (0, 1] (1 = equilateral) and signed size of the local owned cells.

    Triangles: 4 sqrt(3) A / sum(l^2).  Tetrahedra: 12 (3 V)^(2/3) / sum(l^2) (the
    "gamma"-like mean-ratio measure).  The sign of the size flips when a cell inverts.
    """
    tdim = mesh.topology.dim
    n_local = mesh.topology.index_map(tdim).size_local
    nodes = mesh.geometry.dofmaps[0][:n_local]
    x = mesh.geometry.x[nodes]
    if tdim == 2:
        a, b, c = x[:, 0, :2], x[:, 1, :2], x[:, 2, :2]
        ab, ac = b - a, c - a
        signed = 0.5 * (ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0])
        l2 = ((b - a) ** 2).sum(1) + ((c - b) ** 2).sum(1) + ((a - c) ** 2).sum(1)
        q = 4.0 * np.sqrt(3.0) * signed / np.maximum(l2, 1e-300)
        return q, signed
    if tdim == 3:
        a, b, c, d = (x[:, i, :] for i in range(4))
        signed = np.einsum("ij,ij->i", np.cross(b - a, c - a), d - a) / 6.0
        pairs = [(a, b), (a, c), (a, d), (b, c), (b, d), (c, d)]
        l2 = sum(((p - q_) ** 2).sum(1) for p, q_ in pairs)
        q = 12.0 * np.cbrt(3.0 * np.abs(signed)) ** 2 / np.maximum(l2, 1e-300)
        return np.sign(signed) * q, signed
    raise MeshError(f"mesh quality: topological dimension {tdim} not supported (2 or 3)")


class QualityMonitor:
    """Cell quality of a moving mesh relative to its orientation when created.

    Args:
        mesh: the (moving) mesh; its orientation now is the reference.
        comm: communicator of the mesh.
    """

    def __init__(self, mesh: dolfinx.mesh.Mesh, comm: Any):
        self.mesh, self.comm = mesh, comm
        _, signed = cell_quality(mesh)
        self._sign0 = np.sign(signed)

    def _quality(self) -> np.ndarray:
        """Owned cell quality, negative for a cell whose orientation flipped."""
        q, signed = cell_quality(self.mesh)
        return np.where(np.sign(signed) == self._sign0, np.abs(q), -np.abs(q))

    def min_quality(self) -> float:
        """Minimum cell quality over all ranks; negative if any cell inverted."""
        return parallel.global_min(self._quality(), self.comm)

    def worst_cell_um(self) -> str:
        """Centre of the worst cell [µm] as text (the same on every rank)."""
        q = self._quality()
        n_local = q.size
        best = (float(q.min()), self.comm.rank) if n_local else (np.inf, self.comm.rank)
        allq = parallel.gather_all(best, self.comm)
        rank = min(allq)[1]
        text = ""
        if self.comm.rank == rank and n_local:
            nodes = self.mesh.geometry.dofmaps[0][int(np.argmin(q))]
            c = self.mesh.geometry.x[nodes].mean(axis=0) * M_TO_UM
            text = "(" + ", ".join(f"{v:.4g}" for v in c[: self.mesh.geometry.dim]) + ")"
        return parallel.broadcast(text, self.comm, root=rank)


class SurfaceSizes:
    """Geometry nodes of the moving surfaces and their local size [m].

    The size at a node is that of the smallest adjacent moving facet (length in 2D,
    sqrt(2 area) in 3D).  The node sets are found once (on creation); each call is a few
    vector operations.

    Args:
        mesh: the moving mesh.
        facets: local facets of the moving surfaces.
        comm: communicator of the mesh.
    """

    def __init__(self, mesh: dolfinx.mesh.Mesh, facets: np.ndarray, comm: Any):
        self.mesh, self.comm = mesh, comm
        self._fdim = mesh.topology.dim - 1
        self._nodes = dolfinx.mesh.entities_to_geometry(mesh, self._fdim, facets)
        self.flat, self._inv = np.unique(self._nodes.ravel(), return_inverse=True)

    def sizes_m(self, x: np.ndarray | None = None) -> np.ndarray:
        """Local size [m] at the nodes :attr:`flat` for coordinates ``x`` (default: now)."""
        nodes, flat, inv = self._nodes, self.flat, self._inv
        if nodes.size == 0:
            return np.zeros(0)
        x = self.mesh.geometry.x if x is None else x
        e1 = x[nodes[:, 1]] - x[nodes[:, 0]]
        if self._fdim == 1:
            size = np.linalg.norm(e1, axis=1)
        else:
            size = np.sqrt(np.linalg.norm(np.cross(e1, x[nodes[:, 2]] - x[nodes[:, 0]]), axis=1))
        h = np.full(flat.size, np.inf)
        np.minimum.at(h, inv, np.repeat(size, nodes.shape[1]))
        return np.maximum(h, 1e-300)

    def max_fraction(self, disp: np.ndarray, x: np.ndarray | None = None) -> float:
        """Largest |displacement| / local size over all ranks (>= 0; NaN if any is not finite).

        Args:
            disp: (len(flat), gdim or 3) displacement of the nodes :attr:`flat` [m].
            x: the coordinates whose sizes count (default: the current geometry).
        """
        h = self.sizes_m(x)
        ratio = np.linalg.norm(disp, axis=1) / h
        # NaN on every rank if on any: an MPI max may drop a NaN (NaN > x is false)
        if parallel.global_any(not np.all(np.isfinite(ratio)), self.comm):
            return float("nan")
        return max(parallel.global_max(ratio, self.comm), 0.0)


class RegionVolumes:
    """Current volume [m^3] of cell regions (revolved body in axisymmetric).

    Args:
        mesh: the moving mesh.
        cell_tags: its cell tags.
        weight: the measure weight (:func:`~.assembly.radial_weight`).
        comm: communicator of the mesh.
    """

    def __init__(self, mesh: dolfinx.mesh.Mesh, cell_tags: Any, weight: Any, comm: Any):
        self.mesh, self.cell_tags, self.weight, self.comm = mesh, cell_tags, weight, comm
        self._forms: dict[int, Any] = {}

    def volume_m3(self, region_id: int) -> float:
        """Volume [m^3] of the cells tagged ``region_id`` (global; the form is kept)."""
        form = self._forms.get(region_id)
        if form is None:
            form = fem.form(
                self.weight
                * ufl.dx(domain=self.mesh, subdomain_data=self.cell_tags, subdomain_id=region_id)
            )
            self._forms[region_id] = form
        return parallel.global_sum(fem.assemble_scalar(form), self.comm)
