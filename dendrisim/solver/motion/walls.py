"""The cylindrical side wall of a 3D unit cell: nodes slide on it and it stays where it is.

Planar walls (the axis and the side in 2D, the walls of a 3D box, a passive foil top) slide
exactly with one displacement component held (:mod:`.boundaries`).  The side of a 3D
cylindrical cell is curved: holding a coordinate there let its nodes drift inward (up to
0.8 nm over fig5-stable, issue #16) and the passive Li slab shrink.  Here:

- the wall takes no Dirichlet condition in the extension solve (its nodes move with the
  harmonic extension, tangentially as well);
- after the solve, every wall node that is not fixed is put back on the exact cylinder
  ``x^2 + y^2 = R^2`` (R from the mesh: every ``side`` node lies on it);
- sliding on a faceted cylinder still changes the volume of its facets at second order
  (~1e-8 of a region over a run); the wall's share of each region's volume,
  ``W_r = 1/2 sum_f c_f . A_f`` over the region's wall facets (the divergence theorem with
  ``F = (x, y, 0) / 2``, which vanishes on the horizontal planes), is therefore held at its
  initial value by offsetting that region's own wall nodes radially in proportion to how
  far they moved in the step (measured: within 1.1e-10 m of the cylinder after the wall
  slid 20 nm, tests/verification/test_ale_3d.py).  The regions' volumes then change only
  by the interface motion, and the cell's total volume stays exact to rounding.

MPI: node sets are found from the owned wall facets and summed onto the owners; the
corrections are computed on owned dofs and scattered, so every copy of a node moves alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dendrisim.core import compat, parallel

compat.load_solver_libraries()

import dolfinx  # noqa: E402
from dolfinx import fem  # noqa: E402

# every side node within this of the largest radius: a cylinder (a box's corners are 41 %
# out).  A remeshed wall keeps its moved nodes, up to 1.5e-10 m off the cylinder (the share
# offsets below, the 1e-11 m snap of the gmsh input): 1e-6 took it for a box, its nodes
# then drifted as on planar walls and the Li lost 4 % more volume than the moles consumed
# in every step after a 3D remesh (tests/verification/test_remesh3d_sei.py)
ON_CYLINDER_RTOL = 1e-3
SECANT_ITERATIONS = 3  # W_r is nearly linear in the offset: converged to rounding by then
SECANT_START = 1e-6  # first trial offset, per unit of a node's displacement this step


def cylinder_radius_m(mesh: dolfinx.mesh.Mesh, facets: np.ndarray, comm: Any) -> float | None:
    """Radius [m] of the wall through ``facets`` if it is a cylinder about the z axis (3D).

    None in 2D, without side facets, or when a side node lies off the cylinder through the
    outermost one (a box).  Collective.
    """
    if mesh.geometry.dim != 3:
        return None
    nodes = dolfinx.mesh.entities_to_geometry(mesh, mesh.topology.dim - 1, facets).ravel()
    r = np.hypot(mesh.geometry.x[nodes, 0], mesh.geometry.x[nodes, 1])
    r_max, r_min = parallel.global_max(r, comm), parallel.global_min(r, comm)
    if not np.isfinite(r_max) or r_max <= 0 or r_min < (1.0 - ON_CYLINDER_RTOL) * r_max:
        return None
    return r_max


class CylinderWall:
    """Keeps the nodes of a cylindrical side wall on it and its regions' volumes exact.

    Args:
        V: the vector P1 space of the displacement (3D).
        facets: local facets of the wall.
        cell_tags: the mesh's cell tags (regions).
        radius_m: the wall's radius (:func:`cylinder_radius_m`).
        fixed_dofs: block dofs held at zero (left where they are).
        moving_dofs: block dofs of the receding surfaces (put back on the wall, not scaled).
        comm: communicator of the mesh.
    """

    def __init__(
        self,
        V: Any,
        facets: np.ndarray,
        cell_tags: Any,
        radius_m: float,
        fixed_dofs: np.ndarray,
        moving_dofs: np.ndarray,
        comm: Any,
    ):
        self.V, self.radius_m, self.comm = V, radius_m, comm
        mesh = V.mesh
        fdim = mesh.topology.dim - 1
        mesh.topology.create_connectivity(fdim, fdim + 1)
        owned = facets[facets < mesh.topology.index_map(fdim).size_local]
        gmap = np.empty(mesh.geometry.x.shape[0], dtype=np.int64)
        gmap[mesh.geometry.dofmaps[0].ravel()] = V.dofmap.list.ravel()
        nodes = dolfinx.mesh.entities_to_geometry(mesh, fdim, owned)
        self._facet_dofs = gmap[nodes.reshape(owned.size, fdim + 1)]  # also with no facets
        f2c = mesh.topology.connectivity(fdim, fdim + 1)
        n_cells = mesh.topology.index_map(fdim + 1)
        region = np.full(n_cells.size_local + n_cells.num_ghosts, -1, dtype=np.int64)
        region[cell_tags.indices] = cell_tags.values
        self._facet_region = np.array([region[f2c.links(f)[0]] for f in owned], dtype=np.int64)
        every = np.concatenate(parallel.gather_all(self._facet_region, comm))
        self.regions = [int(r) for r in np.unique(every)]
        n_owned = V.dofmap.index_map.size_local
        fixed, moving = _mask(fixed_dofs, n_owned), _mask(moving_dofs, n_owned)
        counts = {r: self._count(self._facet_dofs[self._facet_region == r]) for r in self.regions}
        total = sum(counts.values(), np.zeros(n_owned))
        self.snap_dofs = np.flatnonzero((total > 0) & ~fixed)
        # a region's own wall nodes: on its wall facets only (not on a junction), not held
        self.own_dofs = {
            r: np.flatnonzero((c > 0) & (total == c) & ~fixed & ~moving) for r, c in counts.items()
        }
        self.share0 = self.shares(V.tabulate_dof_coordinates())

    def _count(self, facet_dofs: np.ndarray) -> np.ndarray:
        """Per owned dof: how many owned wall facets (of any rank) have it as a vertex."""
        imap = self.V.dofmap.index_map
        vec = dolfinx.la.vector(imap)
        np.add.at(vec.array, facet_dofs.ravel(), 1.0)
        vec.scatter_reverse(dolfinx.la.InsertMode.add)
        return vec.array[: imap.size_local].copy()

    def shares(self, x: np.ndarray) -> dict[int, float]:
        """W_r [m^3] of every region for the dof positions ``x`` (block dofs x 3), global."""
        p = x[self._facet_dofs]  # (facets, 3 vertices, 3)
        area = 0.5 * np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
        c = p.mean(axis=1)
        w = 0.5 * np.abs((c[:, :2] * area[:, :2]).sum(axis=1))
        return {r: parallel.global_sum(w[self._facet_region == r], self.comm) for r in self.regions}

    def correct(self, du: fem.Function) -> None:
        """Put the wall nodes of ``x + du`` back on the cylinder, W_r at their initial values.

        Changes ``du`` on the wall's owned dofs (and scatters it).  Collective.
        """
        bs = self.V.dofmap.index_map_bs
        u = du.x.array.reshape(-1, bs)
        x0 = self.V.tabulate_dof_coordinates()
        d = self.snap_dofs
        p = x0[d] + u[d]
        rho = np.hypot(p[:, 0], p[:, 1])
        u[d, :2] = p[:, :2] * (self.radius_m / np.maximum(rho, 1e-300))[:, None] - x0[d, :2]
        du.x.scatter_forward()
        for r in self.regions:
            self._keep_share(du, r, x0)

    def _keep_share(self, du: fem.Function, r: int, x0: np.ndarray) -> None:
        """Offset region ``r``'s own wall nodes radially to keep W_r at its initial value.

        Node i moves out by ``s |u_i|`` (``u_i`` its displacement this step: nodes that did
        not move stay exactly on the cylinder), ``s`` found by secant iterations (W_r is
        nearly linear in it).
        """
        own = self.own_dofs[r]
        if parallel.global_sum(float(own.size), self.comm) == 0:
            return
        bs = self.V.dofmap.index_map_bs
        u = du.x.array.reshape(-1, bs)
        base = x0[own] + u[own]
        outward = base[:, :2] / np.maximum(np.hypot(base[:, 0], base[:, 1]), 1e-300)[:, None]
        step = np.linalg.norm(u[own], axis=1)[:, None] * outward

        def error(s: float) -> float:
            u[own, :2] = base[:, :2] + s * step - x0[own, :2]
            du.x.scatter_forward()
            return self.shares(x0 + u)[r] - self.share0[r]

        s0, e0 = 0.0, error(0.0)
        s1 = SECANT_START
        for _ in range(SECANT_ITERATIONS):
            e1 = error(s1)
            if e1 == e0 or e1 == 0.0:
                break
            s0, s1, e0 = s1, s1 - e1 * (s1 - s0) / (e1 - e0), e1
        error(s1)


def _mask(dofs: np.ndarray, n_owned: int) -> np.ndarray:
    """Boolean mask of the owned entries of a dof list."""
    mask = np.zeros(n_owned, dtype=bool)
    dofs = np.asarray(dofs, dtype=np.int64)
    mask[dofs[dofs < n_owned]] = True
    return mask
